//! PostgreSQL: the production database, and the way to run several instances behind a load
//! balancer (all shared state lives here, none only in process memory).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use super::StoreError;
use super::batches::{Batches, SessionLookup};
use super::clients::BearerLookup;
use super::outbox::BodySealer;
use crate::configuration::{DatabaseKind, DatabaseSettings};

pub struct PostgresStore {
    pool: PgPool,
    /// Connections with `synchronous_commit = off` (the pool itself without
    /// `fast_sign_in_commits`): see [`super::Store::begin_fast`].
    fast: PgPool,
    fast_commits: bool,
    sessions: Arc<Batches<SessionLookup>>,
    bearers: Arc<Batches<BearerLookup>>,
    sealer: Arc<dyn BodySealer>,
}

impl PostgresStore {
    pub async fn connect(
        settings: &DatabaseSettings,
        sealer: Arc<dyn BodySealer>,
    ) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(&settings.url)?.application_name("poort");
        let fast_options = options.clone().options([("synchronous_commit", "off")]);
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(settings.acquire_timeout_seconds.max(1)))
            // No ping before every use: a broken connection shows up as a failed query, and
            // the ping would cost a round trip on every request.
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        // sqlx holds an advisory lock while migrating, so instances starting together are safe.
        sqlx::migrate!("../migrations/postgres").run(&pool).await?;
        // Half the pool for session lookups at a time; the other requests need the rest.
        let sessions = Batches::new(pool.clone(), settings.max_connections as usize / 2);
        // And a quarter for bearer lookups.
        let bearers = Batches::new(pool.clone(), settings.max_connections as usize / 4);
        let fast = if settings.fast_sign_in_commits {
            PgPoolOptions::new()
                .max_connections((settings.max_connections / 2).max(1))
                .acquire_timeout(Duration::from_secs(settings.acquire_timeout_seconds.max(1)))
                .test_before_acquire(false)
                .connect_lazy_with(fast_options)
        } else {
            pool.clone()
        };
        Ok(Self {
            pool,
            fast,
            fast_commits: settings.fast_sign_in_commits,
            sessions,
            bearers,
            sealer,
        })
    }

    fn lookup_counts(&self) -> Option<(u64, u64)> {
        Some(self.sessions.counts())
    }

    /// Session lookups that arrive together share one query (see [`Batches`]).
    async fn lookup_session(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<super::SignedIn>, StoreError> {
        self.sessions.find(token_hash.to_vec()).await
    }

    /// Bearer lookups that arrive together share one query (see [`BearerLookup`]).
    async fn lookup_bearer(
        &self,
        client_id: &str,
        credential: uuid::Uuid,
    ) -> Result<Option<crate::domain::ApiClient>, StoreError> {
        self.bearers.find((client_id.to_string(), credential)).await
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        self.pool.begin().await
    }

    async fn begin_tx(&self) -> Result<PgTx, sqlx::Error> {
        Ok(PgTx {
            pool: self.pool.clone(),
            fast: false,
            tx: None,
            pending: Vec::new(),
            sealer: self.sealer.clone(),
        })
    }

    async fn begin_fast_tx(&self) -> Result<PgTx, sqlx::Error> {
        Ok(PgTx {
            pool: self.fast.clone(),
            fast: self.fast_commits,
            tx: None,
            pending: Vec::new(),
            sealer: self.sealer.clone(),
        })
    }

    fn fast_pool(&self) -> &PgPool {
        &self.fast
    }

    /// No group commit: PostgreSQL's writers commit side by side.
    #[allow(clippy::unused_self)]
    fn grouped(&self) -> Option<&Arc<super::group_commit::GroupCommit>> {
        None
    }

    /// Writers on PostgreSQL wait for row locks, not in turns.
    async fn write_turn(&self) {}

    async fn read_conn(&self) -> Result<PgRead, sqlx::Error> {
        Ok(PgRead {
            tx: self.pool.acquire().await?,
            sealer: self.sealer.clone(),
        })
    }
}

all_store_impls!(PostgresStore, Postgres, DatabaseKind::Postgres);
/// A write transaction that saves round trips, each a query and two context switches on a
/// small machine. It begins (takes a connection and sends `BEGIN`) at its first statement that
/// is not a plain write. Plain writes whose outcome nobody waits for (an audit event, a new
/// session or sign-in, an account or sign-in stage written whole; see `defer` in the SQL) wait
/// for the transaction's next statement and go with it in one statement
/// ([`super::sql::combine`]); a transaction of plain writes only is that one statement, with no
/// `BEGIN` and `COMMIT` around it. Errors of a waiting write surface at that next statement or
/// at commit, and the whole transaction fails as before.
pub struct PgTx {
    pool: PgPool,
    /// On a connection that commits without waiting for the disk.
    fast: bool,
    tx: Option<Transaction<'static, Postgres>>,
    pending: Vec<Pending>,
    sealer: Arc<dyn BodySealer>,
}

struct Pending {
    table: &'static str,
    sql: &'static str,
    bind: super::sql::Binder<Postgres>,
}

impl PgTx {
    /// The transaction's connection, begun, with the waiting writes written.
    async fn conn(&mut self) -> Result<&mut sqlx::PgConnection, StoreError> {
        let tx = match &mut self.tx {
            Some(tx) => tx,
            empty => empty.insert(self.pool.begin().await?),
        };
        write(&mut self.pending, tx).await?;
        Ok(&mut **tx)
    }

    /// A plain write, made with the next statement. Two writes to one table go in separate
    /// statements (the parts of one statement must touch different rows).
    async fn defer(
        &mut self,
        table: &'static str,
        sql: &'static str,
        bind: super::sql::Binder<Postgres>,
    ) -> Result<(), StoreError> {
        if self.pending.iter().any(|p| p.table == table) {
            self.conn().await?;
        }
        self.pending.push(Pending { table, sql, bind });
        Ok(())
    }

    async fn make_durable(&mut self) -> Result<(), StoreError> {
        if self.fast {
            sqlx::query("SET LOCAL synchronous_commit = on")
                .execute(self.conn().await?)
                .await?;
            self.fast = false;
        }
        Ok(())
    }

    async fn finish(mut self) -> Result<(), StoreError> {
        match self.tx.take() {
            Some(mut tx) => {
                write(&mut self.pending, &mut tx).await?;
                tx.commit().await?;
            }
            // Only plain writes: one statement is atomic on its own.
            None if !self.pending.is_empty() => {
                let mut conn = self.pool.acquire().await?;
                write(&mut self.pending, &mut conn).await?;
            }
            None => {}
        }
        Ok(())
    }
}

/// Writes the waiting writes in one statement.
async fn write(
    pending: &mut Vec<Pending>,
    conn: &mut sqlx::PgConnection,
) -> Result<(), StoreError> {
    if pending.is_empty() {
        return Ok(());
    }
    let writes = std::mem::take(pending);
    let statements: Vec<&str> = writes.iter().map(|p| p.sql).collect();
    let mut query = sqlx::query(sqlx::AssertSqlSafe(super::sql::combine(&statements)));
    for p in writes {
        query = (p.bind)(query);
    }
    query.execute(conn).await?;
    Ok(())
}

all_tx_impls!(PgTx, Postgres);
tx_plumbing!(
    PgRead,
    Postgres,
    sqlx::pool::PoolConnection<Postgres>,
    |this| {
        drop(this.tx);
        Ok::<(), sqlx::Error>(())
    }
);
all_tx_impls!(PgRead, Postgres);
