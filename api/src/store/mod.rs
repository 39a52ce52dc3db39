//! Persistence. One [`Store`] trait, implemented for SQLite (the embedded default) and
//! PostgreSQL (production); one contract test suite (`api/tests/api/contract.rs`) runs on both.
//!
//! Both implementations share their SQL: the statements are written in the dialect both
//! databases accept (`$n` parameters, `RETURNING`, `ON CONFLICT`), instants are integer
//! milliseconds, ids are UUIDs (PostgreSQL `uuid`, SQLite 16-byte blobs). The bodies live once
//! in `sql.rs` and are instantiated per database by a macro; only connecting, migrating and
//! opening a write transaction differ, and those are in `sqlite.rs` and `postgres.rs`.

#[macro_use]
mod sql;
mod postgres;
mod records;
mod session_batches;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use poort_shared::dto::{Channel, DeliveryStatus};
use uuid::Uuid;

use crate::configuration::{DatabaseKind, DatabaseSettings};

pub use postgres::PostgresStore;
pub use records::*;
pub use sql::new_id;
pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A unique constraint refused the write (the caller knows which one it can be).
    #[error("already exists")]
    Conflict,
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match error.as_database_error() {
            Some(db) if db.is_unique_violation() => StoreError::Conflict,
            _ => StoreError::Database(error),
        }
    }
}

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
pub trait Store: Send + Sync + 'static {
    fn kind(&self) -> DatabaseKind;

    /// Cheap round trip for readiness.
    async fn ping(&self) -> Result<(), StoreError>;

    /// A transaction for changes: state changes, the messages they cause and their audit
    /// events commit together or not at all.
    async fn begin(&self) -> Result<Box<dyn Tx>, StoreError>;

    /// A transaction for the steps of a successful sign-in: on PostgreSQL with
    /// `database.fast_sign_in_commits` it commits without waiting for the disk (a database crash
    /// can lose it, whole; the person signs in again). [`Tx::durable`] undoes that for a
    /// transaction that turns out to record a failure.
    async fn begin_fast(&self) -> Result<Box<dyn Tx>, StoreError>;

    /// A connection for reads, without a transaction (no BEGIN/COMMIT round trips on the hot
    /// paths; SQLite readers never block writers). Write only through [`Store::begin`].
    async fn read(&self) -> Result<Box<dyn Tx>, StoreError>;

    /// The open session with this token hash, with its account, the office's name and the
    /// account's rights (the hot path of every signed-in request: one query).
    async fn find_session(&self, token_hash: &[u8]) -> Result<Option<SignedIn>, StoreError>;

    /// Session lookups made and the queries that answered them, when lookups that arrive
    /// together share a query (PostgreSQL); None where each lookup is its own query.
    fn session_lookup_counts(&self) -> Option<(u64, u64)>;

    /// Records activity on a session (sliding idle timeout): sets `last_seen_at` to `now` if it
    /// is before `if_before`.
    async fn touch_session(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        if_before: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Counts one event against a fixed-window limit shared by all instances; returns the
    /// count in the current window (including this one) and when the window started.
    async fn hit_rate_limit(
        &self,
        key: &str,
        window: chrono::Duration,
        now: DateTime<Utc>,
    ) -> Result<(i64, DateTime<Utc>), StoreError>;

    /// [`Store::hit_rate_limit`] and the account with this e-mail key, as the first sign-in step
    /// needs both (PostgreSQL: one statement).
    async fn hit_rate_limit_and_find_account(
        &self,
        key: &str,
        window: chrono::Duration,
        now: DateTime<Utc>,
        email_key: &str,
    ) -> Result<((i64, DateTime<Utc>), Option<Account>), StoreError>;

    /// The audit trail, newest first.
    async fn query_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>, StoreError>;

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

/// Opens the configured database and brings its schema up to date.
pub async fn connect(
    settings: &DatabaseSettings,
    kind: DatabaseKind,
) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match kind {
        DatabaseKind::Sqlite => Arc::new(SqliteStore::connect(settings).await?),
        DatabaseKind::Postgres => Arc::new(PostgresStore::connect(settings).await?),
    })
}
