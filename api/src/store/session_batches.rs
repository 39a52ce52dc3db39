//! Session lookups that arrive together answered by one query (PostgreSQL).
//!
//! Every signed-in request reads its session, account and rights from the database, so a
//! session ended, an account deactivated or a right revoked counts from the next request, on
//! every instance. On PostgreSQL each lookup is a round trip to another process, and on a small
//! machine the round trips (two context switches and a query each) are most of a read's cost.
//! Lookups that come in while others are under way therefore wait for the next free slot and
//! go together: one `token_hash = ANY($1)` query answers them all. A lookup never waits for
//! more than the query in front of it, and each one is answered by a query that started after
//! it arrived, so it sees every change committed before the request came in: batching changes
//! how many queries there are, not what each request can see.
//!
//! With fewer lookups in flight than [`SessionBatches::new`]'s `slots`, a lookup starts its
//! query at once (a batch of one); the batches grow only when the database is the bottleneck.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sqlx::PgPool;
use tokio::sync::oneshot;

use super::sessions::{SessionAccountRow, signed_in};
use super::{SignedIn, StoreError};

/// At most this many token hashes in one query (the rest wait for the next one).
const MAX_BATCH: usize = 128;

type Reply = Result<Option<SignedIn>, StoreError>;

struct Waiter {
    token_hash: Vec<u8>,
    reply: oneshot::Sender<Reply>,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Waiter>,
    /// Tasks running batches now; at most `slots`.
    running: usize,
}

pub(crate) struct SessionBatches {
    pool: PgPool,
    slots: usize,
    queue: Mutex<Queue>,
    lookups: AtomicU64,
    queries: AtomicU64,
}

impl SessionBatches {
    /// Lookups over `pool`, with at most `slots` queries at a time (keep it below the pool's
    /// size: the other requests need connections too).
    pub(crate) fn new(pool: PgPool, slots: usize) -> Arc<Self> {
        Arc::new(Self {
            pool,
            slots: slots.max(1),
            queue: Mutex::default(),
            lookups: AtomicU64::new(0),
            queries: AtomicU64::new(0),
        })
    }

    /// Lookups made and queries run so far.
    pub(crate) fn counts(&self) -> (u64, u64) {
        (
            self.lookups.load(Ordering::Relaxed),
            self.queries.load(Ordering::Relaxed),
        )
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The open session with this token hash, with its account and rights.
    pub(crate) async fn find(self: &Arc<Self>, token_hash: &[u8]) -> Reply {
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut queue = self.queue();
            queue.waiting.push(Waiter {
                token_hash: token_hash.to_vec(),
                reply,
            });
            let free = queue.running < self.slots;
            if free {
                queue.running += 1;
            }
            free
        };
        if start {
            // A task of its own: a request whose client goes away is dropped mid-await, and
            // the lookups riding on its query must still be answered.
            tokio::spawn(Running::new(Arc::clone(self)).run());
        }
        answer.await.unwrap_or_else(|_| {
            Err(StoreError::Database(sqlx::Error::Protocol(
                "the session lookup was abandoned".into(),
            )))
        })
    }

    /// One query for a batch, and each waiter's answer (several may ask for the same session).
    async fn answer(&self, batch: Vec<Waiter>) {
        self.lookups
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.queries.fetch_add(1, Ordering::Relaxed);
        let mut hashes: Vec<&[u8]> = batch.iter().map(|w| w.token_hash.as_slice()).collect();
        hashes.sort_unstable();
        hashes.dedup();
        let rows: Result<Vec<SessionAccountRow>, sqlx::Error> =
            sqlx::query_as(concat!(session_select!(), "= ANY($1)"))
                .bind(hashes)
                .fetch_all(&self.pool)
                .await;
        match rows {
            Ok(rows) => {
                let found: HashMap<Vec<u8>, Result<SignedIn, StoreError>> = rows
                    .into_iter()
                    .map(|row| (row.s_token_hash.clone(), signed_in(row)))
                    .collect();
                for waiter in batch {
                    let reply = match found.get(&waiter.token_hash) {
                        None => Ok(None),
                        Some(Ok(signed_in)) => Ok(Some(signed_in.clone())),
                        Some(Err(StoreError::Corrupt(what))) => {
                            Err(StoreError::Corrupt(what.clone()))
                        }
                        Some(Err(other)) => Err(StoreError::Corrupt(other.to_string())),
                    };
                    let _ = waiter.reply.send(reply);
                }
            }
            Err(e) => {
                for waiter in batch {
                    let _ = waiter.reply.send(Err(StoreError::Database(same_error(&e))));
                }
            }
        }
    }
}

/// A copy of a failed query's error for each waiter, keeping what decides the answer (an
/// exhausted pool or a lost connection is "unavailable", the rest is unexpected).
fn same_error(e: &sqlx::Error) -> sqlx::Error {
    match e {
        sqlx::Error::PoolTimedOut => sqlx::Error::PoolTimedOut,
        sqlx::Error::Io(io) => sqlx::Error::Io(std::io::Error::new(io.kind(), io.to_string())),
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

/// A running slot: takes batches off the queue until it is empty, then frees the slot. If
/// the task is dropped or panics, the slot is freed all the same.
struct Running {
    batches: Arc<SessionBatches>,
    freed: bool,
}

impl Running {
    fn new(batches: Arc<SessionBatches>) -> Self {
        Self {
            batches,
            freed: false,
        }
    }

    async fn run(mut self) {
        loop {
            let batch: Vec<Waiter> = {
                let mut queue = self.batches.queue();
                if queue.waiting.is_empty() {
                    // Freed under the same lock a newcomer checks: nobody is left waiting
                    // for a slot that is about to go.
                    queue.running -= 1;
                    self.freed = true;
                    return;
                }
                let n = queue.waiting.len().min(MAX_BATCH);
                queue.waiting.drain(..n).collect()
            };
            self.batches.answer(batch).await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.freed {
            self.batches.queue().running -= 1;
        }
    }
}
