//! Persistence. One [`Store`] (outside transactions) and one [`Tx`] (inside one), each made
//! of one trait per aggregate, implemented for SQLite (the embedded default) and PostgreSQL
//! (production); the contract suite (`api/tests/api/contract.rs`) runs every method on both.
//!
//! | file | what it keeps |
//! |---|---|
//! | [`offices`] | offices, portfolios, the rights catalogue, accounts' rights |
//! | [`accounts`] | accounts (narrow writes), password history |
//! | [`invitations`] | invitations with their set-up state, links, history |
//! | [`sessions`] | sessions, sign-ins under way, password-reset links |
//! | [`codes`] | one-time codes and the counter of wrong ones |
//! | [`eherkenning`] | trips to the eHerkenning broker under way, accounts' links |
//! | [`passkeys`] | accounts' passkeys, the challenges of passkey ceremonies under way |
//! | [`access_requests`] | advisers' requests for rights and the administrators' answers |
//! | [`access_reviews`] | periodic access reviews: confirmations, completed reviews, reminders sent |
//! | [`move_requests`] | offices asking the relations team to move a person in from another office |
//! | [`audit`] | the audit trail |
//! | [`clients`] | API clients, their keys and secrets, used assertions, idempotent answers |
//! | [`tokens`] | what issuing an access token writes, together |
//! | [`outbox`] | e-mail and SMS waiting to be delivered |
//! | [`limits`] | rate-limit counters |
//! | [`maintenance`] | upgrades done once at start-up |
//! | [`retention`] | what the periodic clean-up removes |
//!
//! Both databases run the same SQL: statements written in the dialect both accept (`$n`
//! parameters, `RETURNING`, `ON CONFLICT`), instants as integer milliseconds, ids as UUIDs
//! (PostgreSQL `uuid`, SQLite 16-byte blobs). Each file's statements are instantiated per
//! database by its macro; only connecting, migrating and opening transactions differ
//! (`sqlite.rs`, `postgres.rs`). Services bring the traits into scope with
//! `use crate::store::prelude::*`.

#[macro_use]
pub(crate) mod sql;
#[macro_use]
pub mod access_requests;
#[macro_use]
pub mod access_reviews;
#[macro_use]
pub mod accounts;
#[macro_use]
pub mod bulk;
#[macro_use]
pub mod move_requests;
#[macro_use]
pub mod offices;
#[macro_use]
pub mod audit;
#[macro_use]
pub mod clients;
#[macro_use]
pub mod codes;
#[macro_use]
pub mod eherkenning;
#[macro_use]
pub mod passkeys;
#[macro_use]
pub mod invitations;
#[macro_use]
pub mod limits;
#[macro_use]
pub mod maintenance;
#[macro_use]
pub mod outbox;
#[macro_use]
pub mod retention;
#[macro_use]
pub mod sessions;
#[macro_use]
pub mod tokens;

use std::sync::Arc;

use async_trait::async_trait;

use crate::configuration::{DatabaseKind, DatabaseSettings};

pub use audit::{AuditFilter, AuditRecord, AuditRow};
pub use limits::Hit;
pub use outbox::{AttemptOutcome, BodySealer, DeadLetter, NewMessage, OutboxMessage, OutboxStats};
pub use postgres::PostgresStore;
pub use sessions::SignedIn;
pub use sql::new_id;

pub use sqlite::SqliteStore;

/// Every store trait, for `use crate::store::prelude::*` (a trait's methods need it in scope).
pub mod prelude {
    pub use super::access_requests::AccessRequests as _;
    pub use super::access_reviews::AccessReviews as _;
    pub use super::accounts::Accounts as _;
    pub use super::audit::{AuditLog as _, AuditStore as _};
    pub use super::bulk::BulkStore as _;
    pub use super::clients::{ApiClientStore as _, ApiClients as _};
    pub use super::codes::Codes as _;
    pub use super::eherkenning::Eherkenning as _;
    pub use super::invitations::Invitations as _;
    pub use super::limits::LimitStore as _;
    pub use super::maintenance::MaintenanceStore as _;
    pub use super::move_requests::MoveRequests as _;
    pub use super::offices::Offices as _;
    pub use super::outbox::{Outbox as _, OutboxStore as _};
    pub use super::passkeys::Passkeys as _;
    pub use super::retention::RetentionStore as _;
    pub use super::sessions::{SessionStore as _, Sessions as _};
    pub use super::tokens::TokenStore as _;
    pub use super::{Store, Tx};
}

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

/// Why the database cannot answer now (a condition that passes: the request may be tried again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// Not reachable, restarting, shutting down, out of connections, or a connection was cut.
    Down,
    /// No space left for the write (SQLite `SQLITE_FULL`, PostgreSQL `disk_full`).
    Full,
}

impl StoreError {
    /// Whether this is the database being unavailable for now (answered 503 `unavailable`,
    /// with nothing changed) rather than a fault of the request or a bug.
    pub fn unavailable(&self) -> Option<Unavailable> {
        let StoreError::Database(error) = self else {
            return None;
        };
        match error {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed => Some(Unavailable::Down),
            sqlx::Error::Database(db) => {
                let code = db.code()?;
                if let Ok(sqlite) = code.parse::<i32>() {
                    // SQLite result codes: the low byte is the primary code.
                    return match sqlite & 0xff {
                        13 => Some(Unavailable::Full),              // SQLITE_FULL
                        5 | 6 | 10 | 14 => Some(Unavailable::Down), // BUSY, LOCKED, IOERR, CANTOPEN
                        _ => None,
                    };
                }
                match code.as_ref() {
                    "53100" => Some(Unavailable::Full),
                    c if c.starts_with("08") => Some(Unavailable::Down), // connection exceptions
                    "57P01" | "57P02" | "57P03" | "53200" | "53300" | "40001" | "40P01" => {
                        Some(Unavailable::Down) // shut down, crashed, starting; resources; serialisation
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match error.as_database_error() {
            Some(db) if db.is_unique_violation() => StoreError::Conflict,
            _ => StoreError::Database(error),
        }
    }
}

/// The database outside a transaction: what needs no transaction (the session lookup, rate
/// counters, the outbox worker, the audit trail's reads) and how transactions begin.
#[async_trait]
pub trait Store:
    sessions::SessionStore
    + clients::ApiClientStore
    + tokens::TokenStore
    + limits::LimitStore
    + audit::AuditStore
    + outbox::OutboxStore
    + maintenance::MaintenanceStore
    + retention::RetentionStore
    + bulk::BulkStore
    + Send
    + Sync
    + 'static
{
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
}

/// Everything done inside one database transaction. Dropping it without [`Tx::commit`] rolls
/// back.
#[async_trait]
pub trait Tx:
    offices::Offices
    + accounts::Accounts
    + invitations::Invitations
    + sessions::Sessions
    + codes::Codes
    + eherkenning::Eherkenning
    + passkeys::Passkeys
    + access_requests::AccessRequests
    + move_requests::MoveRequests
    + access_reviews::AccessReviews
    + audit::AuditLog
    + clients::ApiClients
    + outbox::Outbox
    + Send
{
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;

    /// Makes a transaction from [`Store::begin_fast`] wait for the disk at commit after all
    /// (it found something that must survive a crash: a wrong code, say). No-op otherwise.
    async fn durable(&mut self) -> Result<(), StoreError>;

    /// Whether this transaction's commit will wait for the disk (for tests and diagnostics).
    async fn waits_for_disk(&mut self) -> Result<bool, StoreError>;
}

/// Implements every transaction trait for a connection type `$tx` of database `$db` (which
/// has `conn`, `defer`, `make_durable` and `finish`; see `sql::tx_plumbing!`).
macro_rules! all_tx_impls {
    ($tx:ty, $db:ty) => {
        tx_base!($tx, $db);
        offices_sql!($tx, $db);
        accounts_sql!($tx, $db);
        invitations_sql!($tx, $db);
        sessions_sql!($tx, $db);
        codes_sql!($tx, $db);
        eherkenning_sql!($tx, $db);
        passkeys_sql!($tx, $db);
        access_requests_sql!($tx, $db);
        move_requests_sql!($tx, $db);
        access_reviews_sql!($tx, $db);
        audit_sql!($tx, $db);
        api_clients_sql!($tx, $db);
        outbox_sql!($tx, $db);
    };
}

/// Implements [`Store`] for `$store` (with a `pool`, `fast_pool()`, `write_turn()`, `begin_write()`,
/// `read_conn()`, `begin_tx()`, `begin_fast_tx()`, `lookup_session()`, `lookup_bearer()` and
/// `lookup_counts()`).
macro_rules! all_store_impls {
    ($store:ty, $db:ty, $kind:expr) => {
        session_store_sql!($store, $db);
        limit_store_sql!($store, $db);
        audit_store_sql!($store, $db);
        api_client_store_sql!($store, $db);
        token_store_sql!($store, $db);
        outbox_store_sql!($store, $db);
        maintenance_store_sql!($store, $db);
        retention_store_sql!($store, $db);
        bulk_store_sql!($store, $db);

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn kind(&self) -> $crate::configuration::DatabaseKind {
                $kind
            }

            async fn ping(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn begin(&self) -> Result<Box<dyn $crate::store::Tx>, $crate::store::StoreError> {
                Ok(Box::new(self.begin_tx().await?))
            }

            async fn begin_fast(
                &self,
            ) -> Result<Box<dyn $crate::store::Tx>, $crate::store::StoreError> {
                Ok(Box::new(self.begin_fast_tx().await?))
            }

            async fn read(&self) -> Result<Box<dyn $crate::store::Tx>, $crate::store::StoreError> {
                Ok(Box::new(self.read_conn().await?))
            }
        }
    };
}

// After the macros above: a `macro_rules!` is visible only below its definition.
mod batches;
mod group_commit;
mod postgres;
mod sqlite;

/// Opens the configured database and brings its schema up to date.
/// Message bodies are sealed with `sealer` (the store keeps no keys).
pub async fn connect(
    settings: &DatabaseSettings,
    kind: DatabaseKind,
    sealer: Arc<dyn BodySealer>,
) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match kind {
        DatabaseKind::Sqlite => Arc::new(SqliteStore::connect(settings, sealer).await?),
        DatabaseKind::Postgres => {
            // A database that is not there yet (starting, restarting, network) is waited for,
            // up to `database.startup_wait_seconds`, saying so on each try.
            let started = std::time::Instant::now();
            let wait = std::time::Duration::from_secs(settings.startup_wait_seconds);
            let mut pause = std::time::Duration::from_millis(500);
            loop {
                match PostgresStore::connect(settings, sealer.clone()).await {
                    Ok(store) => break Arc::new(store),
                    Err(error) if error.unavailable().is_some() && started.elapsed() < wait => {
                        let left = wait.saturating_sub(started.elapsed());
                        tracing::warn!(
                            error = %error,
                            retry_in_ms = pause.as_millis() as u64,
                            gives_up_in_seconds = left.as_secs(),
                            "database not reachable yet; trying again (database.startup_wait_seconds)"
                        );
                        tokio::time::sleep(pause.min(left)).await;
                        pause = (pause * 2).min(std::time::Duration::from_secs(5));
                    }
                    Err(error) => return Err(error),
                }
            }
        }
    })
}
