//! The outbox: every e-mail and SMS is written in the transaction of the change that causes
//! it ([`Outbox::enqueue`]), then claimed and delivered by the worker (`delivery`) with leases,
//! retries and dead letters ([`OutboxStore`]), safely across instances.
//!
//! Bodies carry links and codes, so they are never stored readable: the store seals each one
//! bound to its message id ([`BodySealer`], given when the store is opened) and opens it for
//! delivery; once a message is delivered or given up on its body is erased (recipient,
//! channel, status and times stay for the trail), and rows older than the retention go.

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

/// Seals message bodies at rest, bound to their message id (the store has no keys of its own).
pub trait BodySealer: Send + Sync {
    fn seal(&self, message: Uuid, body: &str) -> Result<Vec<u8>, StoreError>;
    fn open(&self, message: Uuid, sealed: &[u8]) -> Result<String, StoreError>;
}

/// A message in the outbox. Its `id` is also its idempotency key: the e-mail's Message-ID and
/// the SMS gateway's `Idempotency-Key`, so a retried delivery can be recognised downstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub channel: Channel,
    pub recipient: String,
    pub subject: Option<String>,
    /// None once erased (after delivery or giving up).
    pub body: Option<String>,
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

    /// Hands back claimed messages that were not attempted (the worker is stopping): their
    /// lease ends now and their attempt is not counted. Only a claim still this worker's
    /// (`lease_until` as claimed) is released; returns how many were.
    async fn release_claims(
        &self,
        ids: &[Uuid],
        lease_until: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// Records the outcome of an attempt on a claimed message; a delivered or dead message's
    /// body is erased when `erase_body` (dev mode keeps it readable in its local outbox).
    async fn record_attempt(
        &self,
        id: Uuid,
        outcome: &AttemptOutcome,
        now: DateTime<Utc>,
        erase_body: bool,
    ) -> Result<(), StoreError>;

    /// Removes delivered and dead messages created before `cutoff`; returns how many.
    async fn delete_outbox_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Seals bodies stored readable by an earlier version (and, when `erase_finished`, erases
    /// those of delivered and dead messages); returns how many rows changed.
    async fn seal_plain_bodies(&self, erase_finished: bool) -> Result<u64, StoreError>;

    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError>;

    /// Newest first; for the development outbox page.
    async fn list_outbox(&self, limit: i64) -> Result<Vec<OutboxMessage>, StoreError>;

    /// Messages given up on, newest first (their bodies are not read: erased or sealed).
    async fn dead_letters(&self, offset: i64, limit: i64) -> Result<Vec<DeadLetter>, StoreError>;
}

/// A message given up on, without its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub id: Uuid,
    pub channel: Channel,
    pub recipient: String,
    pub subject: Option<String>,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct DeadLetterRow {
    pub id: Uuid,
    pub channel: String,
    pub recipient: String,
    pub subject: Option<String>,
    pub attempts: i32,
    pub created_at: i64,
    pub last_error: Option<String>,
}

impl TryFrom<DeadLetterRow> for DeadLetter {
    type Error = StoreError;
    fn try_from(row: DeadLetterRow) -> Result<Self, StoreError> {
        Ok(DeadLetter {
            id: row.id,
            channel: parse_enum(&row.channel, "outbox.channel", Channel::parse)?,
            recipient: row.recipient,
            subject: row.subject,
            attempts: row.attempts,
            created_at: from_millis(row.created_at),
            last_error: row.last_error,
        })
    }
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
    pub sealed_body: Option<Vec<u8>>,
}

impl OutboxRow {
    /// The message, its body opened (or read as an earlier version left it).
    pub(crate) fn open(self, sealer: &dyn BodySealer) -> Result<OutboxMessage, StoreError> {
        let row = self;
        let body = match &row.sealed_body {
            Some(sealed) => Some(sealer.open(row.id, sealed)?),
            None if row.body.is_empty() => None,
            None => Some(row.body.clone()),
        };
        Ok(OutboxMessage {
            id: row.id,
            channel: parse_enum(&row.channel, "outbox.channel", Channel::parse)?,
            recipient: row.recipient,
            subject: row.subject,
            body,
            status: parse_enum(&row.status, "outbox.status", DeliveryStatus::parse)?,
            attempts: row.attempts,
            created_at: from_millis(row.created_at),
            next_attempt_at: from_millis(row.next_attempt_at),
            sent_at: opt_millis(row.sent_at),
            last_error: row.last_error,
        })
    }
}

/// Opens every row's body.
pub(crate) fn opened(
    rows: Vec<OutboxRow>,
    sealer: &dyn BodySealer,
) -> Result<Vec<OutboxMessage>, StoreError> {
    rows.into_iter().map(|row| row.open(sealer)).collect()
}

macro_rules! outbox_cols {
    () => {
        "id, channel, recipient, subject, body, status, attempts, created_at, next_attempt_at, sent_at, last_error, sealed_body"
    };
}

/// Writes messages, their bodies sealed, on a connection (the caller's transaction's, or one
/// of its own).
macro_rules! insert_messages {
    ($conn:expr, $sealer:expr, $messages:expr, $now:expr) => {{
        let now_ms = $crate::clock::to_millis($now);
        let mut ids = Vec::with_capacity($messages.len());
        for message in $messages {
            let id = $crate::store::sql::new_id($now);
            let sealed = $sealer.seal(id, &message.body)?;
            sqlx::query(
                "INSERT INTO outbox (id, channel, recipient, subject, body, sealed_body, status, attempts, created_at, next_attempt_at) \
                 VALUES ($1, $2, $3, $4, '', $5, 'pending', 0, $6, $6)",
            )
            .bind(id)
            .bind(message.channel.as_str())
            .bind(&message.recipient)
            .bind(&message.subject)
            .bind(sealed)
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
                let sealer = self.sealer.clone();
                let conn = self.conn().await?;
                insert_messages!(conn, sealer, messages, now)
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
                let ids = insert_messages!(&mut *tx, self.sealer, messages, now)?;
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
                let mut messages = $crate::store::outbox::opened(rows, self.sealer.as_ref())?;
                messages.sort_by_key(|m| (m.next_attempt_at, m.id));
                Ok(messages)
            }

            async fn release_claims(
                &self,
                ids: &[uuid::Uuid],
                lease_until: chrono::DateTime<chrono::Utc>,
            ) -> Result<u64, $crate::store::StoreError> {
                let mut released = 0;
                for id in ids {
                    let done = sqlx::query(
                        "UPDATE outbox SET locked_until = NULL, attempts = attempts - 1 \
                         WHERE id = $1 AND status = 'pending' AND locked_until = $2",
                    )
                    .bind(*id)
                    .bind($crate::clock::to_millis(lease_until))
                    .execute(&self.pool)
                    .await?;
                    released += done.rows_affected();
                }
                Ok(released)
            }

            async fn record_attempt(
                &self,
                id: uuid::Uuid,
                outcome: &$crate::store::outbox::AttemptOutcome,
                now: chrono::DateTime<chrono::Utc>,
                erase_body: bool,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::outbox::AttemptOutcome;
                let query = match outcome {
                    AttemptOutcome::Sent if erase_body => sqlx::query(
                        "UPDATE outbox SET status = 'sent', sent_at = $2, locked_until = NULL, last_error = NULL, \
                         body = '', sealed_body = NULL WHERE id = $1 AND status = 'pending'",
                    )
                    .bind(id)
                    .bind($crate::clock::to_millis(now)),
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
                        "UPDATE outbox SET status = 'dead', locked_until = NULL, last_error = $2, \
                         body = CASE WHEN $3 THEN '' ELSE body END, \
                         sealed_body = CASE WHEN $3 THEN NULL ELSE sealed_body END \
                         WHERE id = $1 AND status = 'pending'",
                    )
                    .bind(id)
                    .bind(error.clone())
                    .bind(erase_body),
                };
                query.execute(&self.pool).await?;
                Ok(())
            }

            async fn delete_outbox_before(
                &self,
                cutoff: chrono::DateTime<chrono::Utc>,
            ) -> Result<u64, $crate::store::StoreError> {
                let done = sqlx::query("DELETE FROM outbox WHERE status IN ('sent', 'dead') AND created_at < $1")
                    .bind($crate::clock::to_millis(cutoff))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn seal_plain_bodies(&self, erase_finished: bool) -> Result<u64, $crate::store::StoreError> {
                let mut changed = 0;
                if erase_finished {
                    changed += sqlx::query(
                        "UPDATE outbox SET body = '', sealed_body = NULL \
                         WHERE status IN ('sent', 'dead') AND (body <> '' OR sealed_body IS NOT NULL)",
                    )
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                }
                let plain: Vec<(uuid::Uuid, String)> =
                    sqlx::query_as("SELECT id, body FROM outbox WHERE sealed_body IS NULL AND body <> ''")
                        .fetch_all(&self.pool)
                        .await?;
                for (id, body) in plain {
                    // Conditional: another instance upgrading at the same time writes it once.
                    changed += sqlx::query(
                        "UPDATE outbox SET sealed_body = $2, body = '' WHERE id = $1 AND sealed_body IS NULL AND body = $3",
                    )
                    .bind(id)
                    .bind(self.sealer.seal(id, &body)?)
                    .bind(&body)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                }
                Ok(changed)
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
                $crate::store::outbox::opened(rows, self.sealer.as_ref())
            }

            async fn dead_letters(
                &self,
                offset: i64,
                limit: i64,
            ) -> Result<Vec<$crate::store::outbox::DeadLetter>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::outbox::DeadLetterRow> = sqlx::query_as(
                    "SELECT id, channel, recipient, subject, attempts, created_at, last_error FROM outbox \
                     WHERE status = 'dead' ORDER BY id DESC LIMIT $1 OFFSET $2",
                )
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }
        }
    };
}
