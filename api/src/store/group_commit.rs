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

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::oneshot;
use uuid::Uuid;

use super::limits::Hit;
use super::tokens::{Recorded, TokenRecord};
use super::{AuditRecord, StoreError};

/// At most this many writes in one transaction (the rest go in the next).
const MAX_GROUP: usize = 256;

/// One write.
enum Job {
    /// A hit on a rate-limit counter (as `LimitStore::hit_rate_limit`).
    Hit {
        key: String,
        now: i64,
        window_start: i64,
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
}

enum Done {
    Hit(i64, i64),
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
    /// The store's turn to write (see `sqlite.rs`), taken for each transaction.
    writer: Arc<tokio::sync::Mutex<()>>,
    turn_wait: Duration,
    queue: Mutex<Queue>,
    /// Transactions begun so far (a group's and each retry's).
    transactions: std::sync::atomic::AtomicU64,
}

impl GroupCommit {
    pub(crate) fn new(
        pool: SqlitePool,
        writer: Arc<tokio::sync::Mutex<()>>,
        turn_wait: Duration,
    ) -> Arc<Self> {
        Arc::new(Self {
            pool,
            writer,
            turn_wait,
            queue: Mutex::new(Queue {
                waiting: Vec::new(),
                running: false,
            }),
            transactions: std::sync::atomic::AtomicU64::new(0),
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
            Done::Token(_) => Err(StoreError::Corrupt("group commit: answer mismatch".into())),
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
        }));
        match self.run(job).await? {
            Done::Token(recorded) => Ok(recorded),
            Done::Hit(..) => Err(StoreError::Corrupt("group commit: answer mismatch".into())),
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
            tokio::spawn(async move { this.write_all().await });
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
                self.write_alone(group).await;
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
                        self.write_alone(vec![waiting]).await;
                    }
                }
            }
        }
    }

    async fn write_alone(&self, mut one: Vec<Waiting>) {
        let Some(waiting) = one.pop() else { return };
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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut done = Vec::with_capacity(jobs.len());
        for job in jobs {
            done.push(match job {
                Job::Hit {
                    key,
                    now,
                    window_start,
                } => {
                    let (count, started) = hit(&mut tx, key, *now, *window_start).await?;
                    Done::Hit(count, started)
                }
                Job::Token(t) => Done::Token(token(&mut tx, t).await?),
            });
        }
        tx.commit().await?;
        Ok(done)
    }
}

async fn hit(
    conn: &mut SqliteConnection,
    key: &str,
    now: i64,
    window_start: i64,
) -> Result<(i64, i64), StoreError> {
    Ok(sqlx::query_as(rate_limit_hit!())
        .bind(key)
        .bind(now)
        .bind(window_start)
        .fetch_one(conn)
        .await?)
}

async fn token(conn: &mut SqliteConnection, t: &TokenJob) -> Result<Recorded, StoreError> {
    let (count, started) = hit(conn, &t.limit_key, t.now, t.window_start).await?;
    let refused = Recorded {
        hit: (count, crate::clock::from_millis(started)),
        issued: false,
    };
    if count > t.max {
        return Ok(refused);
    }
    if let Some((jti, until)) = &t.jti {
        let done = sqlx::query(
            "INSERT INTO oauth_assertions (client, jti_hash, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (client, jti_hash) DO UPDATE SET expires_at = excluded.expires_at \
             WHERE oauth_assertions.expires_at < $4",
        )
        .bind(t.client)
        .bind(jti)
        .bind(until)
        .bind(t.now)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(refused);
        }
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
    sqlx::query(
        "INSERT INTO audit_events (id, at, actor_id, action, target_account_id, office_id, client_ip, user_agent, details, actor_client_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(t.audit_id)
    .bind(t.now)
    .bind(a.actor_id)
    .bind(a.action.as_str())
    .bind(a.target_account_id)
    .bind(a.office_id)
    .bind(a.client_ip.clone())
    .bind(a.user_agent.clone())
    .bind(a.details.to_string())
    .bind(a.actor_client_id)
    .execute(&mut *conn)
    .await?;
    Ok(Recorded {
        issued: true,
        ..refused
    })
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
        sqlx::query(
            "CREATE TABLE rate_limits (key TEXT PRIMARY KEY NOT NULL, window_start INTEGER NOT NULL, \
             count INTEGER NOT NULL)",
        )
        .execute(&pool)
        .await
        .unwrap();
        GroupCommit::new(pool, Arc::default(), Duration::from_millis(250))
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
        let failing = TokenRecord {
            client: Uuid::nil(),
            limit: ("tokens", chrono::Duration::minutes(1), 10),
            jti: Some((b"jti", now)),
            mark: None,
            audit: &audit,
            now,
        };
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
