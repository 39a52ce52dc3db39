//! PostgreSQL: the production database, and the way to run several instances behind a load
//! balancer (all shared state lives here, none only in process memory).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use super::StoreError;
use super::session_batches::SessionBatches;
use crate::configuration::{DatabaseKind, DatabaseSettings};

pub struct PostgresStore {
    pool: PgPool,
    sessions: Arc<SessionBatches>,
}

impl PostgresStore {
    pub async fn connect(settings: &DatabaseSettings) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(&settings.url)?.application_name("poort");
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            // No ping before every use: a broken connection shows up as a failed query, and
            // the ping would cost a round trip on every request.
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        // sqlx holds an advisory lock while migrating, so instances starting together are safe.
        sqlx::migrate!("../migrations/postgres").run(&pool).await?;
        // Half the pool for session lookups at a time; the other requests need the rest.
        let sessions = SessionBatches::new(pool.clone(), settings.max_connections as usize / 2);
        Ok(Self { pool, sessions })
    }

    fn lookup_counts(&self) -> Option<(u64, u64)> {
        Some(self.sessions.counts())
    }

    /// Session lookups that arrive together share one query (see [`SessionBatches`]).
    async fn lookup_session(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<super::SignedIn>, StoreError> {
        self.sessions.find(token_hash).await
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

sql_store_impl!(
    PostgresStore,
    PgTx,
    PgRead,
    Postgres,
    DatabaseKind::Postgres
);
sql_tx_impl!(PgTx, Postgres, PostgresStore);
sql_tx_impl!(read PgRead, Postgres, PostgresStore);
