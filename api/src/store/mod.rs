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
//! | [`audit`] | the audit trail |
//! | [`clients`] | API clients, their keys and secrets, used assertions, idempotent answers |
//! | [`tokens`] | what issuing an access token writes, together |
//! | [`outbox`] | e-mail and SMS waiting to be delivered |
//! | [`limits`] | rate-limit counters |
//! | [`maintenance`] | upgrades done once at start-up |
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
pub mod accounts;
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
pub mod invitations;
#[macro_use]
pub mod limits;
#[macro_use]
pub mod maintenance;
#[macro_use]
pub mod outbox;
#[macro_use]
pub mod sessions;
#[macro_use]
pub mod tokens;

use std::sync::Arc;

use async_trait::async_trait;

use crate::configuration::{DatabaseKind, DatabaseSettings};

pub use audit::{AuditFilter, AuditRecord, AuditRow};
pub use limits::Hit;
pub use outbox::{AttemptOutcome, BodySealer, NewMessage, OutboxMessage, OutboxStats};
pub use postgres::PostgresStore;
pub use sessions::SignedIn;
pub use sql::new_id;
pub use sqlite::SqliteStore;

/// Every store trait, for `use crate::store::prelude::*` (a trait's methods need it in scope).
pub mod prelude {
    pub use super::accounts::Accounts as _;
    pub use super::audit::{AuditLog as _, AuditStore as _};
    pub use super::clients::{ApiClientStore as _, ApiClients as _};
    pub use super::codes::Codes as _;
    pub use super::eherkenning::Eherkenning as _;
    pub use super::invitations::Invitations as _;
    pub use super::limits::LimitStore as _;
    pub use super::maintenance::MaintenanceStore as _;
    pub use super::offices::Offices as _;
    pub use super::outbox::{Outbox as _, OutboxStore as _};
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
        DatabaseKind::Postgres => Arc::new(PostgresStore::connect(settings, sealer).await?),
    })
}
