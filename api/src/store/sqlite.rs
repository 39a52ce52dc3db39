//! SQLite: the embedded default, so Poort runs with nothing else installed.
//!
//! One file in WAL mode; writers take the lock up front (`BEGIN IMMEDIATE`) so two writing
//! transactions queue behind `busy_timeout` instead of failing half-way with `SQLITE_BUSY`.
//!
//! Within one process, writers also take turns on an in-process lock first ([`SqliteStore::
//! write_turn`]): SQLite's own wait for a busy database sleeps (1, 2, 5, 10 … ms) and polls,
//! so under load most of a writer's time went to sleeping behind a lock that had long been
//! released; the turn wakes the next writer the moment the previous one is done. Another
//! process on the same file still meets SQLite's wait, and a turn not had within
//! [`TURN_WAIT`] is written without (so nothing can hang on it).

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use std::sync::Arc;

use super::StoreError;
use super::outbox::BodySealer;
use crate::configuration::{DatabaseKind, DatabaseSettings};

/// Each connection's page cache, in KiB. It lives in the memory of the connection's own thread
/// (SQLite's default is 2,000 KiB, times `database.max_connections`); the pages it drops stay in
/// the kernel's file cache, so a read that misses it costs a copy, not a disk read. Under the
/// benchmark the server's peak RSS fell 79-80 -> 74-75 MiB with reads per second unchanged
/// within the VM's noise.
const PAGE_CACHE_KIB: u32 = 256;

pub struct SqliteStore {
    pool: SqlitePool,
    sealer: Arc<dyn BodySealer>,
    /// Whose turn it is to write (see the module's description).
    writer: Arc<tokio::sync::Mutex<()>>,
    /// Small writes that arrive together, committed together.
    group: Arc<super::group_commit::GroupCommit>,
}

/// How long a writer waits for its turn before it writes without one.
const TURN_WAIT: Duration = Duration::from_millis(250);

/// A writing transaction with its turn, which ends with it.
pub struct Locked {
    tx: Transaction<'static, Sqlite>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl std::ops::Deref for Locked {
    type Target = sqlx::SqliteConnection;
    fn deref(&self) -> &sqlx::SqliteConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for Locked {
    fn deref_mut(&mut self) -> &mut sqlx::SqliteConnection {
        &mut self.tx
    }
}

impl Locked {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

/// Whether a connection given back to the pool can serve the next request. Not when it still
/// counts a transaction: when SQLite refuses a write (`SQLITE_FULL`: the disk is full) it
/// rolls the transaction back itself, so the rollback sqlx sends after the failed statement
/// or commit fails too, and sqlx goes on counting the transaction; every later `BEGIN` on
/// that connection would fail ("non-zero transaction depth"). Such a connection is closed and
/// the pool opens a fresh one. (The ping first lets a queued rollback run.)
async fn still_usable(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    use sqlx::Connection as _;
    use sqlx_core::transaction::TransactionManager as _;
    conn.ping().await?;
    Ok(<Sqlite as sqlx::Database>::TransactionManager::get_transaction_depth(conn) == 0)
}

impl SqliteStore {
    pub async fn connect(
        settings: &DatabaseSettings,
        sealer: Arc<dyn BodySealer>,
    ) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(&settings.url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let filename = options.get_filename().to_path_buf();
        let in_memory = settings.url.contains(":memory:") || filename.as_os_str() == ":memory:";
        // An in-memory database lives in its page cache: no limit there.
        let options = if in_memory {
            options
        } else {
            options.pragma("cache_size", format!("-{PAGE_CACHE_KIB}"))
        };
        if !in_memory
            && let Some(parent) = filename.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        let group_options = options.clone();
        let pool = if in_memory {
            // Every connection to `:memory:` is its own database: keep exactly one, forever.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?
        } else {
            SqlitePoolOptions::new()
                .max_connections(settings.max_connections.max(1))
                .acquire_timeout(Duration::from_secs(settings.acquire_timeout_seconds.max(1)))
                // No ping before every use: a broken connection shows up as a failed query, and
                // the ping would cost a round trip on every request.
                .test_before_acquire(false)
                .after_release(|conn, _| Box::pin(still_usable(conn)))
                .connect_with(options)
                .await?
        };
        sqlx::migrate!("../migrations/sqlite").run(&pool).await?;
        let writer: Arc<tokio::sync::Mutex<()>> = Arc::default();
        Ok(Self {
            group: super::group_commit::GroupCommit::new(
                pool.clone(),
                (!in_memory).then_some(group_options),
                writer.clone(),
                TURN_WAIT,
            ),
            pool,
            sealer,
            writer,
        })
    }

    /// This process's turn to write (none after [`TURN_WAIT`]: then SQLite's own wait).
    async fn write_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        tokio::time::timeout(TURN_WAIT, self.writer.clone().lock_owned())
            .await
            .ok()
    }

    async fn begin_write(&self) -> Result<Locked, sqlx::Error> {
        let turn = self.write_turn().await;
        Ok(Locked {
            tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
            _turn: turn,
        })
    }

    /// SQLite commits every transaction the same way (WAL).
    async fn begin_fast_tx(&self) -> Result<SqliteTx, sqlx::Error> {
        self.begin_tx().await
    }

    fn fast_pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Rate-limit hits and token records go through the group commit.
    fn grouped(&self) -> Option<&Arc<super::group_commit::GroupCommit>> {
        Some(&self.group)
    }

    async fn begin_tx(&self) -> Result<SqliteTx, sqlx::Error> {
        Ok(SqliteTx {
            tx: self.begin_write().await?,
            sealer: self.sealer.clone(),
        })
    }

    async fn read_conn(&self) -> Result<SqliteRead, sqlx::Error> {
        Ok(SqliteRead {
            tx: self.pool.acquire().await?,
            sealer: self.sealer.clone(),
        })
    }

    fn lookup_counts(&self) -> Option<(u64, u64)> {
        None
    }

    /// One bearer lookup (in process: nothing to gain from batching).
    async fn lookup_bearer(
        &self,
        client_id: &str,
        credential: uuid::Uuid,
    ) -> Result<Option<crate::domain::ApiClient>, StoreError> {
        let row: Option<super::clients::ApiClientRow> = sqlx::query_as(bearer_select!())
            .bind(client_id)
            .bind(credential)
            .fetch_optional(&self.pool)
            .await?;
        row.map(TryInto::try_into).transpose()
    }

    /// One session lookup (in process: nothing to gain from batching).
    async fn lookup_session(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<super::SignedIn>, StoreError> {
        let row: Option<super::sessions::SessionAccountRow> =
            sqlx::query_as(concat!(session_select!(), "= $1"))
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
        row.map(super::sessions::signed_in).transpose()
    }
}

all_store_impls!(SqliteStore, Sqlite, DatabaseKind::Sqlite);
tx_plumbing!(SqliteTx, Sqlite, Locked, |this| this.tx.commit().await);
tx_plumbing!(
    SqliteRead,
    Sqlite,
    sqlx::pool::PoolConnection<Sqlite>,
    |this| {
        drop(this.tx);
        Ok::<(), sqlx::Error>(())
    }
);
all_tx_impls!(SqliteTx, Sqlite);
all_tx_impls!(SqliteRead, Sqlite);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::secrets::Secrets;
    use crate::configuration::{Keys, SecretBytes};

    #[tokio::test]
    async fn a_file_databases_connections_keep_a_small_page_cache() {
        let dir = tempfile::tempdir().unwrap();
        let settings = DatabaseSettings {
            url: format!("sqlite://{}", dir.path().join("poort.db").display()),
            ..DatabaseSettings::default()
        };
        let store = SqliteStore::connect(&settings, sealer()).await.unwrap();
        let (cache,): (i64,) = sqlx::query_as("PRAGMA cache_size")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(cache, -i64::from(PAGE_CACHE_KIB));
    }

    /// Secrets with fixed test keys, as the store contract tests use.
    fn sealer() -> Arc<dyn BodySealer> {
        Arc::new(Secrets::new(&Keys {
            signing_key: SecretBytes::new([1; 32]),
            encryption_key: SecretBytes::new([2; 32]),
            previous_signing_keys: Vec::new(),
        }))
    }
}
