//! SQLite: small writes that arrive together committed together (group commit).
//!
//! SQLite has one writer at a time, and every commit writes each page it changed to the WAL
//! again. The token endpoint and every rate-limited request write a little (a counter, a
//! `jti`, an audit event), many at once: one transaction each spent most of its time writing
//! the same pages (the counter's, the audit trail's last page and its indexes) again and
//! waiting for the turn. Writes queued here while a transaction is under way go together in
//! the next one: one `BEGIN IMMEDIATE … COMMIT` for all of them, in the order they came.
//!
//! Nothing is answered before its transaction has committed, so what each caller is told is
//! what is stored. A write never waits for more than the transaction in front of it. When a
//! transaction of several fails (a full disk, say), each of its writes is tried again on its
//! own, so each caller gets its own answer and one bad write cannot refuse the others. The
//! transactions run on a task of their own, so a request that goes away (its client hung up)
//! cannot leave the writes queued behind it unanswered.
//!
//! That task runs on a thread of its own (a one-thread runtime), not on one of the server's
//! workers: a transaction is several statements, each a hand-over to SQLite's connection
//! thread and back, and on a worker each hand-back waited until the worker had finished the
//! requests in front of it (verifying and signing tokens), while the database stood idle.
//!
//! With a database file, the task writes on a connection of its own, not one of the pool's:
//! taking one from the pool and giving it back cost two more hand-overs per transaction (the
//! pool checks a connection given back), and the transaction's pages were read afresh from
//! the small cache of whichever connection it got. Its own connection keeps the pages it
//! writes (a larger cache) and its statement journals in memory (a multi-row `INSERT … ON
//! CONFLICT` opened, wrote and deleted a file in every transaction). After a failed
//! transaction it is closed and the next transaction opens a fresh one.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection as _, SqliteConnection, SqlitePool};
use tokio::sync::oneshot;
use uuid::Uuid;

use super::clients::ClientCredentials;
use super::limits::Hit;
use super::tokens::{Recorded, TokenRecord, Unchanged};
use super::{AuditRecord, StoreError};

/// At most this many writes in one transaction (the rest go in the next).
const MAX_GROUP: usize = 256;

/// The page cache of the writing task's own connection, in KiB (the pool's connections keep
/// `sqlite::PAGE_CACHE_KIB`): the pages a group writes (the counters, the last pages of the
/// audit trail and of its indexes, the assertions') stay in it from one group to the next.
const WRITER_CACHE_KIB: u32 = 2048;

/// One write.
enum Job {
    /// A hit on a rate-limit counter (as `LimitStore::hit_rate_limit`).
    Hit {
        key: String,
        now: i64,
        window_start: i64,
    },
    /// A hit, and the API client (with the key `kid`) the request names, read in the same
    /// transaction (as `TokenStore::hit_and_find_client`): the token endpoint's first step.
    HitAndFind {
        key: String,
        now: i64,
        window_start: i64,
        client_id: String,
        kid: Option<String>,
    },
    /// What issuing a token writes (as `TokenStore::record_token`).
    Token(Box<TokenJob>),
}

/// [`TokenRecord`], owned (it outlives the request that made it if the request goes away).
struct TokenJob {
    client: Uuid,
    limit_key: String,
    window_start: i64,
    max: i64,
    jti: Option<(Vec<u8>, i64)>,
    mark: Option<Option<Uuid>>,
    audit: AuditRecord,
    audit_id: Uuid,
    now: i64,
    /// The address's counter: key, window start, most hits.
    address: Option<(String, i64, i64)>,
    unchanged: Option<Unchanged>,
}

enum Done {
    Hit(i64, i64),
    Found(i64, i64, Option<Box<ClientCredentials>>),
    Token(Recorded),
}

struct Waiting {
    job: Job,
    reply: oneshot::Sender<Result<Done, StoreError>>,
}

struct Queue {
    waiting: Vec<Waiting>,
    /// Whether the writing task is running (it ends when it finds the queue empty).
    running: bool,
}

pub(crate) struct GroupCommit {
    pool: SqlitePool,
    /// How the writing task opens its own connection (`None`: an in-memory database, whose
    /// every connection would be a database of its own; then it takes one from the pool).
    own: Option<SqliteConnectOptions>,
    /// The writing task's own connection, once opened (only that task takes it).
    connection: tokio::sync::Mutex<Option<SqliteConnection>>,
    /// The store's turn to write (see `sqlite.rs`), taken for each transaction.
    writer: Arc<tokio::sync::Mutex<()>>,
    turn_wait: Duration,
    queue: Mutex<Queue>,
    /// Transactions begun so far (a group's and each retry's).
    transactions: std::sync::atomic::AtomicU64,
    /// The writing task's own thread (`None` if it could not be started: then the task runs
    /// on the caller's runtime).
    runtime: Writer,
}

/// A runtime of one thread for the writing task, stopped without waiting when the store goes
/// (a runtime dropped as usual would block, which is not allowed inside another runtime).
struct Writer(Option<tokio::runtime::Runtime>);

impl Writer {
    fn start() -> Self {
        let built = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(1)
            .thread_name("poort-group-commit")
            .enable_all()
            .build();
        match built {
            Ok(runtime) => Self(Some(runtime)),
            Err(error) => {
                tracing::warn!(%error, "group commit: no thread of its own; writing on the workers");
                Self(None)
            }
        }
    }

    fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        match &self.0 {
            Some(runtime) => drop(runtime.spawn(task)),
            None => drop(tokio::spawn(task)),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl GroupCommit {
    /// `own`: the options of the database file (`None` for an in-memory database).
    pub(crate) fn new(
        pool: SqlitePool,
        own: Option<SqliteConnectOptions>,
        writer: Arc<tokio::sync::Mutex<()>>,
        turn_wait: Duration,
    ) -> Arc<Self> {
        Arc::new(Self {
            pool,
            own: own.map(|options| {
                options
                    .pragma("cache_size", format!("-{WRITER_CACHE_KIB}"))
                    .pragma("temp_store", "memory")
            }),
            connection: tokio::sync::Mutex::new(None),
            writer,
            turn_wait,
            queue: Mutex::new(Queue {
                waiting: Vec::new(),
                running: false,
            }),
            transactions: std::sync::atomic::AtomicU64::new(0),
            runtime: Writer::start(),
        })
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A hit on the counter `key`: its count and window start after it.
    pub(crate) async fn hit(
        self: &Arc<Self>,
        key: &str,
        window: chrono::Duration,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Hit, StoreError> {
        let now = crate::clock::to_millis(now);
        let job = Job::Hit {
            key: key.to_string(),
            now,
            window_start: now - window.num_milliseconds(),
        };
        match self.run(job).await? {
            Done::Hit(count, started) => Ok((count, crate::clock::from_millis(started))),
            _ => Err(mismatch()),
        }
    }

    /// A hit on the counter `key`, and the client `client_id` with its key `kid`.
    pub(crate) async fn hit_and_find(
        self: &Arc<Self>,
        key: &str,
        window: chrono::Duration,
        now: chrono::DateTime<chrono::Utc>,
        client_id: &str,
        kid: Option<&str>,
    ) -> Result<(Hit, Option<ClientCredentials>), StoreError> {
        let now = crate::clock::to_millis(now);
        let job = Job::HitAndFind {
            key: key.to_string(),
            now,
            window_start: now - window.num_milliseconds(),
            client_id: client_id.to_string(),
            kid: kid.map(str::to_string),
        };
        match self.run(job).await? {
            Done::Found(count, started, found) => Ok((
                (count, crate::clock::from_millis(started)),
                found.map(|f| *f),
            )),
            _ => Err(mismatch()),
        }
    }

    /// What issuing a token writes (see `TokenStore::record_token`).
    pub(crate) async fn token(
        self: &Arc<Self>,
        t: &TokenRecord<'_>,
    ) -> Result<Recorded, StoreError> {
        let now = crate::clock::to_millis(t.now);
        let (limit_key, window, max) = t.limit;
        let job = Job::Token(Box::new(TokenJob {
            client: t.client,
            limit_key: limit_key.to_string(),
            window_start: now - window.num_milliseconds(),
            max,
            jti: t
                .jti
                .map(|(jti, until)| (jti.to_vec(), crate::clock::to_millis(until))),
            mark: t.mark,
            audit: t.audit.clone(),
            audit_id: super::sql::new_id(t.now),
            now,
            address: t
                .address
                .map(|(key, window, max)| (key.to_string(), now - window.num_milliseconds(), max)),
            unchanged: t.unchanged.clone(),
        }));
        match self.run(job).await? {
            Done::Token(recorded) => Ok(recorded),
            _ => Err(mismatch()),
        }
    }

    async fn run(self: &Arc<Self>, job: Job) -> Result<Done, StoreError> {
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut queue = self.queue();
            queue.waiting.push(Waiting { job, reply });
            !std::mem::replace(&mut queue.running, true)
        };
        if start {
            let this = self.clone();
            self.runtime.spawn(async move { this.write_all().await });
        }
        answer
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?
    }

    /// Writes what is queued, a group at a time, until the queue is empty.
    async fn write_all(&self) {
        loop {
            let group: Vec<Waiting> = {
                let mut queue = self.queue();
                if queue.waiting.is_empty() {
                    queue.running = false;
                    return;
                }
                let take = queue.waiting.len().min(MAX_GROUP);
                queue.waiting.drain(..take).collect()
            };
            if group.len() == 1 {
                for waiting in group {
                    self.write_alone(waiting).await;
                }
                continue;
            }
            let jobs: Vec<&Job> = group.iter().map(|w| &w.job).collect();
            match self.write(&jobs).await {
                Ok(done) => {
                    for (waiting, done) in group.into_iter().zip(done) {
                        let _ = waiting.reply.send(Ok(done));
                    }
                }
                // Each on its own: each caller gets its own answer.
                Err(_) => {
                    for waiting in group {
                        self.write_alone(waiting).await;
                    }
                }
            }
        }
    }

    async fn write_alone(&self, waiting: Waiting) {
        let answer = self
            .write(&[&waiting.job])
            .await
            .map(|mut done| done.remove(0));
        let _ = waiting.reply.send(answer);
    }

    /// One transaction for `jobs`, committed: what each one did, in order.
    async fn write(&self, jobs: &[&Job]) -> Result<Vec<Done>, StoreError> {
        let _turn = tokio::time::timeout(self.turn_wait, self.writer.clone().lock_owned())
            .await
            .ok();
        self.transactions
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let Some(options) = &self.own else {
            return transaction(&mut *self.pool.acquire().await?, jobs).await;
        };
        let mut own = self.connection.lock().await;
        let mut connection = match own.take() {
            Some(connection) => connection,
            None => SqliteConnection::connect_with(options).await?,
        };
        match transaction(&mut connection, jobs).await {
            Ok(done) => {
                *own = Some(connection);
                Ok(done)
            }
            // A failed write can leave the connection counting a transaction SQLite has
            // already rolled back (see `sqlite::still_usable`): a fresh one next time.
            Err(error) => {
                let _ = connection.close().await;
                Err(error)
            }
        }
    }
}

/// One transaction for `jobs` on `connection`, committed.
async fn transaction(
    connection: &mut SqliteConnection,
    jobs: &[&Job],
) -> Result<Vec<Done>, StoreError> {
    let mut tx = connection.begin_with("BEGIN IMMEDIATE").await?;
    let done = write_group(&mut tx, jobs).await?;
    tx.commit().await?;
    Ok(done)
}

fn mismatch() -> StoreError {
    StoreError::Corrupt("group commit: an answer of another kind".into())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// Every counter hit of the group (one per job) in one statement: the hits on one key are
/// added together, and each job's count is its place among them. The window of a key is
/// judged at the group's latest `now` for it (the group spans a few milliseconds).
const HITS: &str = "INSERT INTO rate_limits (key, window_start, count) \
     SELECT value->>'k', value->>'now', value->>'n' FROM jsonb_each($1) WHERE true \
     ON CONFLICT (key) DO UPDATE SET \
       count = CASE WHEN rate_limits.window_start <= \
           (SELECT j.value->>'start' FROM jsonb_each($1) AS j WHERE j.value->>'k' = excluded.key) \
         THEN excluded.count ELSE rate_limits.count + excluded.count END, \
       window_start = CASE WHEN rate_limits.window_start <= \
           (SELECT j.value->>'start' FROM jsonb_each($1) AS j WHERE j.value->>'k' = excluded.key) \
         THEN excluded.window_start ELSE rate_limits.window_start END \
     RETURNING key, CAST(count AS BIGINT), window_start";

/// The group's assertions remembered, each unless seen before and not yet expired: the rows
/// returned are the fresh ones.
const ASSERTIONS: &str = "INSERT INTO oauth_assertions (client, jti_hash, expires_at) \
     SELECT unhex(value->>'c'), unhex(value->>'j'), value->>'e' FROM jsonb_each($1) WHERE true \
     ON CONFLICT (client, jti_hash) DO UPDATE SET expires_at = excluded.expires_at \
     WHERE oauth_assertions.expires_at < $2 \
     RETURNING client, jti_hash";

/// The clients (and keys) the group's requests name, by the request's place in the list.
const CLIENTS: &str = concat!(
    "SELECT q.key AS q_place, ",
    credentials_cols!(),
    " FROM jsonb_each($1) AS q JOIN api_clients c ON c.client_id = q.value->>'c' \
      LEFT JOIN api_client_keys k ON k.client = c.id AND k.kid = q.value->>'k'"
);

/// The places (`i`) of the tokens whose client is still as they were decided on (see
/// `tokens::Unchanged`).
const UNCHANGED: &str = "SELECT CAST(q.value->>'i' AS INTEGER) FROM jsonb_each($1) AS q \
     JOIN api_clients c ON c.id = unhex(q.value->>'c') \
     JOIN api_client_keys k ON k.id = unhex(q.value->>'k') AND k.client = c.id \
     WHERE c.revoked_at IS NULL AND c.scopes = q.value->>'s' \
       AND c.portfolio_ids IS q.value->>'p' AND c.expires_at IS q.value->>'e'";

/// The group's audit events.
const AUDIT: &str = "INSERT INTO audit_events (id, at, actor_id, action, target_account_id, \
     office_id, client_ip, user_agent, details, actor_client_id) \
     SELECT unhex(value->>'id'), value->>'at', unhex(value->>'actor'), value->>'action', \
       unhex(value->>'target'), unhex(value->>'office'), value->>'ip', value->>'ua', \
       value->>'details', unhex(value->>'client') \
     FROM jsonb_each($1)";

/// What the jobs write and read, in at most five statements for the whole group (and one per
/// client marked used, at most once a minute each).
async fn write_group<'a>(
    conn: &mut SqliteConnection,
    jobs: &[&'a Job],
) -> Result<Vec<Done>, StoreError> {
    use serde_json::json;
    use std::collections::{HashMap, HashSet};

    // 1. Every job's hit (and a token's address hit).
    let mut keys: Vec<(&str, i64, i64, i64)> = Vec::new(); // key, hits, now, window start
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut add = |key: &'a str, now: i64, start: i64| {
        let i = *index.entry(key).or_insert_with(|| {
            keys.push((key, 0, now, start));
            keys.len() - 1
        });
        let entry = &mut keys[i];
        entry.1 += 1;
        entry.2 = entry.2.max(now);
        entry.3 = entry.3.max(start);
        (i, entry.1)
    };
    let mut place: Vec<(usize, i64)> = Vec::with_capacity(jobs.len());
    let mut address_place: Vec<Option<(usize, i64)>> = Vec::with_capacity(jobs.len());
    for job in jobs {
        let (key, now, start) = match job {
            Job::Hit {
                key,
                now,
                window_start,
            }
            | Job::HitAndFind {
                key,
                now,
                window_start,
                ..
            } => (key.as_str(), *now, *window_start),
            Job::Token(t) => (t.limit_key.as_str(), t.now, t.window_start),
        };
        place.push(add(key, now, start));
        address_place.push(match job {
            Job::Token(t) => t
                .address
                .as_ref()
                .map(|(key, start, _)| add(key.as_str(), t.now, *start)),
            _ => None,
        });
    }
    let hits = serde_json::Value::Array(
        keys.iter()
            .map(|(k, n, now, start)| json!({ "k": k, "n": n, "now": now, "start": start }))
            .collect(),
    );
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(HITS)
        .bind(hits.to_string())
        .fetch_all(&mut *conn)
        .await?;
    let after: HashMap<String, (i64, i64)> = rows
        .into_iter()
        .map(|(key, count, started)| (key, (count, started)))
        .collect();
    let count_of = |(i, at): (usize, i64)| {
        let (key, n, ..) = keys[i];
        let (count, started) = *after
            .get(key)
            .ok_or_else(|| StoreError::Corrupt(format!("group commit: no count for {key}")))?;
        Ok::<_, StoreError>((count - n + at, started))
    };
    let counted = place
        .iter()
        .map(|p| count_of(*p))
        .collect::<Result<Vec<_>, _>>()?;
    let address_counted = address_place
        .iter()
        .map(|p| p.map(count_of).transpose())
        .collect::<Result<Vec<_>, _>>()?;

    // 2. The clients named, in one read.
    let mut found: HashMap<i64, ClientCredentials> = HashMap::new();
    let named: Vec<serde_json::Value> = jobs
        .iter()
        .filter_map(|job| match job {
            Job::HitAndFind { client_id, kid, .. } => Some(json!({ "c": client_id, "k": kid })),
            _ => None,
        })
        .collect();
    if !named.is_empty() {
        let rows = sqlx::query(CLIENTS)
            .bind(serde_json::Value::Array(named).to_string())
            .fetch_all(&mut *conn)
            .await?;
        for row in rows {
            use sqlx::Row as _;
            let place: i64 = row.try_get("q_place")?;
            found.insert(place, credentials_from_row!(row));
        }
    }

    // 3. The tokens within their limits whose client is unchanged, where that was asked.
    let within = |i: usize, t: &TokenJob| {
        counted[i].0 <= t.max
            && address_counted[i]
                .is_none_or(|(count, _)| t.address.as_ref().is_none_or(|(_, _, max)| count <= *max))
    };
    let mut unchanged = vec![true; jobs.len()];
    let checks: Vec<serde_json::Value> = jobs
        .iter()
        .enumerate()
        .filter_map(|(i, job)| match job {
            Job::Token(t) if within(i, t) => t.unchanged.as_ref().map(|u| {
                json!({
                    "i": i, "c": hex(t.client.as_bytes()), "k": hex(u.key.as_bytes()),
                    "s": u.scopes, "p": u.portfolios, "e": u.expires_at,
                })
            }),
            _ => None,
        })
        .collect();
    if !checks.is_empty() {
        for value in &checks {
            if let Some(i) = value["i"].as_u64().and_then(|i| usize::try_from(i).ok()) {
                unchanged[i] = false;
            }
        }
        let still: Vec<(i64,)> = sqlx::query_as(UNCHANGED)
            .bind(serde_json::Value::Array(checks).to_string())
            .fetch_all(&mut *conn)
            .await?;
        for (i,) in still {
            if let Some(flag) = usize::try_from(i).ok().and_then(|i| unchanged.get_mut(i)) {
                *flag = true;
            }
        }
    }

    // 4. The assertions of those tokens (of two alike, the first).
    let mut issued = vec![false; jobs.len()];
    let mut asked: HashSet<(Uuid, &[u8])> = HashSet::new();
    let mut fresh_candidates = Vec::new();
    let mut latest_now = i64::MIN;
    for (i, job) in jobs.iter().enumerate() {
        let Job::Token(t) = job else { continue };
        latest_now = latest_now.max(t.now);
        if !within(i, t) || !unchanged[i] {
            continue;
        }
        match &t.jti {
            None => issued[i] = true,
            Some((jti, _)) => {
                if asked.insert((t.client, jti.as_slice())) {
                    fresh_candidates.push(i);
                }
            }
        }
    }
    if !fresh_candidates.is_empty() {
        let remember = serde_json::Value::Array(
            fresh_candidates
                .iter()
                .filter_map(|i| {
                    match jobs[*i] {
                    Job::Token(t) => t.jti.as_ref().map(|(jti, until)| {
                        json!({ "c": hex(t.client.as_bytes()), "j": hex(jti), "e": until })
                    }),
                    _ => None,
                }
                })
                .collect(),
        );
        let fresh: HashSet<(Vec<u8>, Vec<u8>)> = sqlx::query_as(ASSERTIONS)
            .bind(remember.to_string())
            .bind(latest_now)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
        for i in fresh_candidates {
            if let Job::Token(t) = jobs[i]
                && let Some((jti, _)) = &t.jti
                && fresh.contains(&(t.client.as_bytes().to_vec(), jti.clone()))
            {
                issued[i] = true;
            }
        }
    }

    // 5. Clients and keys marked used, and the audit events of the tokens issued.
    let mut events = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        let Job::Token(t) = job else { continue };
        if !issued[i] {
            continue;
        }
        if let Some(key) = t.mark {
            sqlx::query("UPDATE api_clients SET last_used_at = $2 WHERE id = $1")
                .bind(t.client)
                .bind(t.now)
                .execute(&mut *conn)
                .await?;
            if let Some(key) = key {
                sqlx::query("UPDATE api_client_keys SET last_used_at = $2 WHERE id = $1")
                    .bind(key)
                    .bind(t.now)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        let a = &t.audit;
        let blob = |id: Option<Uuid>| id.map(|id| hex(id.as_bytes()));
        events.push(json!({
            "id": hex(t.audit_id.as_bytes()),
            "at": t.now,
            "actor": blob(a.actor_id),
            "action": a.action.as_str(),
            "target": blob(a.target_account_id),
            "office": blob(a.office_id),
            "ip": a.client_ip,
            "ua": a.user_agent,
            "details": a.details.to_string(),
            "client": blob(a.actor_client_id),
        }));
    }
    if !events.is_empty() {
        sqlx::query(AUDIT)
            .bind(serde_json::Value::Array(events).to_string())
            .execute(&mut *conn)
            .await?;
    }

    let mut lookups = 0;
    Ok(jobs
        .iter()
        .enumerate()
        .map(|(i, job)| {
            let (count, started) = counted[i];
            match job {
                Job::Hit { .. } => Done::Hit(count, started),
                Job::HitAndFind { .. } => {
                    let place = lookups;
                    lookups += 1;
                    Done::Found(count, started, found.remove(&place).map(Box::new))
                }
                Job::Token(_) => Done::Token(Recorded {
                    hit: (count, crate::clock::from_millis(started)),
                    address_hit: address_counted[i]
                        .map(|(n, at)| (n, crate::clock::from_millis(at))),
                    unchanged: unchanged[i],
                    issued: issued[i],
                }),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::SqlitePoolOptions;

    /// A database with the counters only: a token record (which needs more tables) fails.
    async fn counters_only() -> Arc<GroupCommit> {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        counters(pool, None).await
    }

    /// The counters' table in `pool`'s database, and a group writing to it (on a connection
    /// of its own opened with `own`, if given).
    async fn counters(pool: SqlitePool, own: Option<SqliteConnectOptions>) -> Arc<GroupCommit> {
        sqlx::query(
            "CREATE TABLE rate_limits (key TEXT PRIMARY KEY NOT NULL, window_start INTEGER NOT NULL, \
             count INTEGER NOT NULL)",
        )
        .execute(&pool)
        .await
        .unwrap();
        GroupCommit::new(pool, own, Arc::default(), Duration::from_millis(250))
    }

    /// A token record that fails on a counters-only database (it has no `oauth_assertions`).
    fn failing<'a>(audit: &'a AuditRecord, now: chrono::DateTime<chrono::Utc>) -> TokenRecord<'a> {
        TokenRecord {
            client: Uuid::nil(),
            limit: ("tokens", chrono::Duration::minutes(1), 10),
            jti: Some((b"jti", now)),
            mark: None,
            audit,
            now,
            address: None,
            unchanged: None,
        }
    }

    fn audit() -> AuditRecord {
        AuditRecord {
            actor_id: None,
            actor_client_id: None,
            action: poort_shared::dto::AuditAction::ApiClientTokenIssued,
            target_account_id: None,
            office_id: None,
            client_ip: None,
            user_agent: None,
            details: serde_json::json!({}),
        }
    }

    #[tokio::test]
    async fn writes_that_arrive_together_share_a_transaction_and_one_failure_fails_only_itself() {
        let group = counters_only().await;
        let now = chrono::Utc::now();
        let audit = audit();
        let failing = failing(&audit, now);
        // One task: every write is queued before the writing task first runs.
        let hits = (0..40).map(|_| group.hit("address", chrono::Duration::minutes(1), now));
        let (hits, token) =
            futures_util::future::join(futures_util::future::join_all(hits), group.token(&failing))
                .await;
        assert!(token.is_err(), "no oauth_assertions table: this one fails");
        let mut counts: Vec<i64> = hits.into_iter().map(|h| h.unwrap().0).collect();
        counts.sort_unstable();
        assert_eq!(
            counts,
            (1..=40).collect::<Vec<i64>>(),
            "the others are all written"
        );
        let (count,): (i64,) =
            sqlx::query_as("SELECT count FROM rate_limits WHERE key = 'address'")
                .fetch_one(&group.pool)
                .await
                .unwrap();
        assert_eq!(count, 40);
    }

    #[tokio::test]
    async fn forty_hits_at_once_are_one_transaction() {
        let group = counters_only().await;
        let now = chrono::Utc::now();
        let hits = (0..40).map(|_| group.hit("address", chrono::Duration::minutes(1), now));
        let counts: Vec<i64> = futures_util::future::join_all(hits)
            .await
            .into_iter()
            .map(|h| h.unwrap().0)
            .collect();
        assert_eq!(
            counts,
            (1..=40).collect::<Vec<i64>>(),
            "in the order they came"
        );
        assert_eq!(
            group
                .transactions
                .load(std::sync::atomic::Ordering::Relaxed),
            1
        );
    }

    /// A counters-only database in a file of `dir`, the group writing on its own connection.
    async fn counters_in_a_file(dir: &std::path::Path) -> Arc<GroupCommit> {
        let options = SqliteConnectOptions::new()
            .filename(dir.join("counters.db"))
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options.clone())
            .await
            .unwrap();
        counters(pool, Some(options)).await
    }

    /// The writing task's own connection: its larger cache and statement journals in memory.
    async fn own_connection_settings(group: &GroupCommit) -> (i64, i64) {
        let mut own = group.connection.lock().await;
        let connection = own.as_mut().expect("the writing task keeps its connection");
        let (cache,): (i64,) = sqlx::query_as("PRAGMA cache_size")
            .fetch_one(&mut *connection)
            .await
            .unwrap();
        let (temp,): (i64,) = sqlx::query_as("PRAGMA temp_store")
            .fetch_one(&mut *connection)
            .await
            .unwrap();
        (cache, temp)
    }

    #[tokio::test]
    async fn with_a_file_the_group_writes_on_a_connection_of_its_own_and_a_fresh_one_after_a_failure()
     {
        let dir = tempfile::tempdir().unwrap();
        let group = counters_in_a_file(dir.path()).await;
        let now = chrono::Utc::now();
        let window = chrono::Duration::minutes(1);
        assert_eq!(group.hit("k", window, now).await.unwrap().0, 1);
        // 2: MEMORY (SQLite's code for temp_store); a negative cache size is in KiB.
        let expected = (-i64::from(WRITER_CACHE_KIB), 2);
        assert_eq!(own_connection_settings(&group).await, expected);
        // The pool's connections keep SQLite's defaults.
        let (pool_temp,): (i64,) = sqlx::query_as("PRAGMA temp_store")
            .fetch_one(&group.pool)
            .await
            .unwrap();
        assert_eq!(pool_temp, 0);
        // A failing write (no oauth_assertions table here) closes that connection...
        let audit = audit();
        assert!(group.token(&failing(&audit, now)).await.is_err());
        assert!(
            group.connection.lock().await.is_none(),
            "closed after the failure"
        );
        // ...and the next write opens a fresh one, with the same settings, and counts on.
        assert_eq!(group.hit("k", window, now).await.unwrap().0, 2);
        assert_eq!(own_connection_settings(&group).await, expected);
        let (count,): (i64,) = sqlx::query_as("SELECT count FROM rate_limits WHERE key = 'k'")
            .fetch_one(&group.pool)
            .await
            .unwrap();
        assert_eq!(count, 2, "what the own connection wrote is in the file");
    }

    #[tokio::test]
    async fn a_new_window_counts_from_one() {
        let group = counters_only().await;
        let now = chrono::Utc::now();
        let window = chrono::Duration::minutes(1);
        assert_eq!(group.hit("k", window, now).await.unwrap().0, 1);
        assert_eq!(group.hit("k", window, now).await.unwrap().0, 2);
        let later = now + window;
        let (count, started) = group.hit("k", window, later).await.unwrap();
        assert_eq!(count, 1);
        assert_eq!(
            crate::clock::to_millis(started),
            crate::clock::to_millis(later)
        );
    }
}
