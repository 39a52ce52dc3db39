//! The SQL both databases share, instantiated once per database by [`sql_store_impl!`].
//!
//! Why a macro and not generics over `sqlx::Database`: the trait bounds sqlx needs for a
//! generic executor are long and leak into every method; the macro keeps each statement
//! written once while each instantiation is plain, concretely typed sqlx code.

use chrono::{DateTime, Utc};
use poort_shared::dto::{Channel, DeliveryStatus};
use uuid::Uuid;

use super::{OutboxMessage, StoreError};
use crate::clock::from_millis;

/// The columns of `outbox` as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct OutboxRow {
    pub id: Uuid,
    pub channel: String,
    pub recipient: String,
    pub subject: Option<String>,
    pub body: String,
    pub status: String,
    pub attempts: i32,
    pub created_at: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
}

impl TryFrom<OutboxRow> for OutboxMessage {
    type Error = StoreError;

    fn try_from(row: OutboxRow) -> Result<Self, StoreError> {
        Ok(OutboxMessage {
            id: row.id,
            channel: Channel::parse(&row.channel)
                .ok_or_else(|| StoreError::Corrupt(format!("outbox.channel {:?}", row.channel)))?,
            recipient: row.recipient,
            subject: row.subject,
            body: row.body,
            status: DeliveryStatus::parse(&row.status)
                .ok_or_else(|| StoreError::Corrupt(format!("outbox.status {:?}", row.status)))?,
            attempts: row.attempts,
            created_at: from_millis(row.created_at),
            next_attempt_at: from_millis(row.next_attempt_at),
            sent_at: row.sent_at.map(from_millis),
            last_error: row.last_error,
        })
    }
}

pub(crate) fn rows_to_messages(rows: Vec<OutboxRow>) -> Result<Vec<OutboxMessage>, StoreError> {
    rows.into_iter().map(OutboxMessage::try_from).collect()
}

/// UUIDv7: time-ordered, so outbox ids sort roughly by creation and index well.
pub(crate) fn new_id(now: DateTime<Utc>) -> Uuid {
    let ts = uuid::Timestamp::from_unix(
        uuid::NoContext,
        u64::try_from(now.timestamp()).unwrap_or(0),
        now.timestamp_subsec_nanos(),
    );
    Uuid::new_v7(ts)
}

/// Implements [`super::Store`] for a store type with a `pool` field and a `begin_write()`
/// method, for the sqlx database type given.
macro_rules! sql_store_impl {
    ($store:ty, $db:ty, $kind:expr) => {
        impl $store {
            /// Writes messages on the connection of the caller's transaction: a state change and
            /// the messages it causes commit or roll back together.
            #[allow(dead_code)]
            pub(crate) async fn insert_messages(
                conn: &mut <$db as sqlx::Database>::Connection,
                messages: &[$crate::store::NewMessage],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<uuid::Uuid>, $crate::store::StoreError> {
                let now_ms = $crate::clock::to_millis(now);
                let mut ids = Vec::with_capacity(messages.len());
                for message in messages {
                    let id = $crate::store::sql::new_id(now);
                    sqlx::query(
                        "INSERT INTO outbox (id, channel, recipient, subject, body, status, attempts, created_at, next_attempt_at) \
                         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6)",
                    )
                    .bind(id)
                    .bind(message.channel.as_str())
                    .bind(&message.recipient)
                    .bind(&message.subject)
                    .bind(&message.body)
                    .bind(now_ms)
                    .execute(&mut *conn)
                    .await?;
                    ids.push(id);
                }
                Ok(ids)
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn kind(&self) -> $crate::configuration::DatabaseKind {
                $kind
            }

            async fn ping(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn enqueue(
                &self,
                messages: &[$crate::store::NewMessage],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<uuid::Uuid>, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let ids = Self::insert_messages(&mut *tx, messages, now).await?;
                tx.commit().await?;
                Ok(ids)
            }

            async fn claim_due(
                &self,
                now: chrono::DateTime<chrono::Utc>,
                lease_until: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> Result<Vec<$crate::store::OutboxMessage>, $crate::store::StoreError> {
                // The outer conditions repeat the inner ones on purpose: when two workers race
                // for the same row, PostgreSQL re-checks the outer WHERE on the row as the first
                // worker left it, so the second finds it leased and skips it.
                let rows: Vec<$crate::store::sql::OutboxRow> = sqlx::query_as(
                    "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 \
                     WHERE id IN (SELECT id FROM outbox \
                                  WHERE status = 'pending' AND next_attempt_at <= $2 \
                                    AND (locked_until IS NULL OR locked_until <= $2) \
                                  ORDER BY next_attempt_at, id LIMIT $3) \
                       AND status = 'pending' AND (locked_until IS NULL OR locked_until <= $2) \
                     RETURNING id, channel, recipient, subject, body, status, attempts, created_at, next_attempt_at, sent_at, last_error",
                )
                .bind($crate::clock::to_millis(lease_until))
                .bind($crate::clock::to_millis(now))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                let mut messages = $crate::store::sql::rows_to_messages(rows)?;
                messages.sort_by_key(|m| (m.next_attempt_at, m.id));
                Ok(messages)
            }

            async fn record_attempt(
                &self,
                id: uuid::Uuid,
                outcome: &$crate::store::AttemptOutcome,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::AttemptOutcome;
                let query = match outcome {
                    AttemptOutcome::Sent => sqlx::query(
                        "UPDATE outbox SET status = 'sent', sent_at = $2, locked_until = NULL, last_error = NULL \
                         WHERE id = $1 AND status = 'pending'",
                    )
                    .bind(id)
                    .bind($crate::clock::to_millis(now)),
                    AttemptOutcome::RetryAt(at, error) => sqlx::query(
                        "UPDATE outbox SET next_attempt_at = $2, locked_until = NULL, last_error = $3 \
                         WHERE id = $1 AND status = 'pending'",
                    )
                    .bind(id)
                    .bind($crate::clock::to_millis(*at))
                    .bind(error.clone()),
                    AttemptOutcome::Dead(error) => sqlx::query(
                        "UPDATE outbox SET status = 'dead', locked_until = NULL, last_error = $2 \
                         WHERE id = $1 AND status = 'pending'",
                    )
                    .bind(id)
                    .bind(error.clone()),
                };
                query.execute(&self.pool).await?;
                Ok(())
            }

            async fn outbox_stats(&self) -> Result<$crate::store::OutboxStats, $crate::store::StoreError> {
                let (pending, dead): (i64, i64) = sqlx::query_as(
                    "SELECT COUNT(*) FILTER (WHERE status = 'pending'), COUNT(*) FILTER (WHERE status = 'dead') FROM outbox",
                )
                .fetch_one(&self.pool)
                .await?;
                Ok($crate::store::OutboxStats { pending, dead })
            }

            async fn list_outbox(
                &self,
                limit: i64,
            ) -> Result<Vec<$crate::store::OutboxMessage>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::sql::OutboxRow> = sqlx::query_as(
                    "SELECT id, channel, recipient, subject, body, status, attempts, created_at, next_attempt_at, sent_at, last_error \
                     FROM outbox ORDER BY created_at DESC, id DESC LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                $crate::store::sql::rows_to_messages(rows)
            }
        }
    };
}
