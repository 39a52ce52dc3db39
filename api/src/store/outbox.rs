//! The outbox: every e-mail and SMS is written in the transaction of the change that causes
//! it ([`Outbox::enqueue`]), then claimed and delivered by the worker (`delivery`) with leases,
//! retries and dead letters ([`OutboxStore`]), safely across instances.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use poort_shared::dto::{Channel, DeliveryStatus};
use uuid::Uuid;

use super::StoreError;
use super::sql::{opt_millis, parse_enum};
use crate::clock::from_millis;

/// A message to be delivered, written in the same transaction as the change that causes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub channel: Channel,
    /// E-mail address or E.164 mobile number.
    pub recipient: String,
    /// E-mail subject; `None` for SMS.
    pub subject: Option<String>,
    pub body: String,
}

/// A message in the outbox. Its `id` is also its idempotency key: the e-mail's Message-ID and
/// the SMS gateway's `Idempotency-Key`, so a retried delivery can be recognised downstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub channel: Channel,
    pub recipient: String,
    pub subject: Option<String>,
    pub body: String,
    pub status: DeliveryStatus,
    /// Delivery attempts started so far (a claim counts as an attempt).
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// Counts for readiness and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxStats {
    pub pending: i64,
    pub dead: i64,
}

/// What happened to a delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Sent,
    /// Try again at the given time.
    RetryAt(DateTime<Utc>, String),
    /// Give up: a dead letter.
    Dead(String),
}

#[async_trait]
pub trait Outbox: Send {
    /// Queues messages in this transaction: they exist once it commits, and never without it.
    async fn enqueue(
        &mut self,
        messages: &[NewMessage],
        now: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError>;
}

#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Writes messages on their own (for `poort outbox send-test`); feature code writes them
    /// inside its own transaction instead.
    async fn enqueue(
        &self,
        messages: &[NewMessage],
        now: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError>;

    /// Reserves up to `limit` due messages for this worker until `lease_until`, counting an
    /// attempt for each. A message reserved by one worker is not handed to another until its
    /// lease ends (crash recovery), on every database and across instances.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>, StoreError>;

    /// Records the outcome of an attempt on a claimed message.
    async fn record_attempt(
        &self,
        id: Uuid,
        outcome: &AttemptOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError>;

    /// Newest first; for the development outbox page.
    async fn list_outbox(&self, limit: i64) -> Result<Vec<OutboxMessage>, StoreError>;
}

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
            channel: parse_enum(&row.channel, "outbox.channel", Channel::parse)?,
            recipient: row.recipient,
            subject: row.subject,
            body: row.body,
            status: parse_enum(&row.status, "outbox.status", DeliveryStatus::parse)?,
            attempts: row.attempts,
            created_at: from_millis(row.created_at),
            next_attempt_at: from_millis(row.next_attempt_at),
            sent_at: opt_millis(row.sent_at),
            last_error: row.last_error,
        })
    }
}

macro_rules! outbox_cols {
    () => {
        "id, channel, recipient, subject, body, status, attempts, created_at, next_attempt_at, sent_at, last_error"
    };
}

/// Writes messages on a connection (the caller's transaction's, or one of its own).
macro_rules! insert_messages {
    ($conn:expr, $messages:expr, $now:expr) => {{
        let now_ms = $crate::clock::to_millis($now);
        let mut ids = Vec::with_capacity($messages.len());
        for message in $messages {
            let id = $crate::store::sql::new_id($now);
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
            .execute(&mut *$conn)
            .await?;
            ids.push(id);
        }
        Ok::<Vec<uuid::Uuid>, $crate::store::StoreError>(ids)
    }};
}

macro_rules! outbox_sql {
    ($tx:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::outbox::Outbox for $tx {
            async fn enqueue(
                &mut self,
                messages: &[$crate::store::outbox::NewMessage],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<uuid::Uuid>, $crate::store::StoreError> {
                let conn = self.conn().await?;
                insert_messages!(conn, messages, now)
            }
        }
    };
}

macro_rules! outbox_store_sql {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::outbox::OutboxStore for $store {
            async fn enqueue(
                &self,
                messages: &[$crate::store::outbox::NewMessage],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<uuid::Uuid>, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let ids = insert_messages!(&mut *tx, messages, now)?;
                tx.commit().await?;
                Ok(ids)
            }

            async fn claim_due(
                &self,
                now: chrono::DateTime<chrono::Utc>,
                lease_until: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> Result<Vec<$crate::store::outbox::OutboxMessage>, $crate::store::StoreError> {
                // The outer conditions repeat the inner ones on purpose: when two workers race
                // for the same row, PostgreSQL re-checks the outer WHERE on the row as the first
                // worker left it, so the second finds it leased and skips it.
                let rows: Vec<$crate::store::outbox::OutboxRow> = sqlx::query_as(concat!(
                    "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 \
                     WHERE id IN (SELECT id FROM outbox \
                                  WHERE status = 'pending' AND next_attempt_at <= $2 \
                                    AND (locked_until IS NULL OR locked_until <= $2) \
                                  ORDER BY next_attempt_at, id LIMIT $3) \
                       AND status = 'pending' AND (locked_until IS NULL OR locked_until <= $2) \
                     RETURNING ",
                    outbox_cols!()
                ))
                .bind($crate::clock::to_millis(lease_until))
                .bind($crate::clock::to_millis(now))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                let mut messages: Vec<$crate::store::outbox::OutboxMessage> = $crate::store::offices::all(rows)?;
                messages.sort_by_key(|m| (m.next_attempt_at, m.id));
                Ok(messages)
            }

            async fn record_attempt(
                &self,
                id: uuid::Uuid,
                outcome: &$crate::store::outbox::AttemptOutcome,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::outbox::AttemptOutcome;
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

            async fn outbox_stats(&self) -> Result<$crate::store::outbox::OutboxStats, $crate::store::StoreError> {
                let (pending, dead): (i64, i64) = sqlx::query_as(
                    "SELECT COUNT(*) FILTER (WHERE status = 'pending'), COUNT(*) FILTER (WHERE status = 'dead') FROM outbox",
                )
                .fetch_one(&self.pool)
                .await?;
                Ok($crate::store::outbox::OutboxStats { pending, dead })
            }

            async fn list_outbox(
                &self,
                limit: i64,
            ) -> Result<Vec<$crate::store::outbox::OutboxMessage>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::outbox::OutboxRow> =
                    sqlx::query_as(concat!("SELECT ", outbox_cols!(), " FROM outbox ORDER BY id DESC LIMIT $1"))
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?;
                $crate::store::offices::all(rows)
            }
        }
    };
}
