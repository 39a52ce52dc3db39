//! Lookups that arrive together answered by one query (PostgreSQL): the sessions of signed-in
//! requests ([`SessionLookup`]) and the API clients behind bearer tokens
//! ([`super::clients::BearerLookup`]).
//!
//! Every signed-in request reads its session, account and rights from the database (and every
//! bearer request its client and credential), so a session ended, an account deactivated, a
//! right revoked or a client revoked counts from the next request, on every instance. On PostgreSQL each lookup is a round trip to another process, and on a small
//! machine the round trips (two context switches and a query each) are most of a read's cost.
//! Lookups that come in while others are under way therefore wait for the next free slot and
//! go together: one `… = ANY($1)` query answers them all. A lookup never waits for
//! more than the query in front of it, and each one is answered by a query that started after
//! it arrived, so it sees every change committed before the request came in: batching changes
//! how many queries there are, not what each request can see.
//!
//! With fewer lookups in flight than [`Batches::new`]'s `slots`, a lookup starts its
//! query at once (a batch of one); the batches grow only when the database is the bottleneck.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sqlx::PgPool;
use tokio::sync::oneshot;

use super::sessions::{SessionAccountRow, signed_in};
use super::{SignedIn, StoreError};

/// At most this many keys in one query (the rest wait for the next one).
const MAX_BATCH: usize = 128;

/// What a batch query found: each key's value (keys that find nothing are left out).
pub(crate) type Found<K, V> = HashMap<K, Result<V, StoreError>>;

/// One kind of lookup: what it is looked up by, what it finds, and the one query that finds it
/// for many keys at once.
pub(crate) trait Lookup: Send + Sync + 'static {
    type Key: Clone + Eq + Hash + Ord + Send + Sync + 'static;
    type Value: Clone + Send + Sync + 'static;
    /// What each of these (distinct) keys finds; a key that finds nothing is left out.
    fn query(
        pool: &PgPool,
        keys: Vec<Self::Key>,
    ) -> impl Future<Output = Result<Found<Self::Key, Self::Value>, sqlx::Error>> + Send;
}

/// The open session with a token hash, with its account and rights.
pub(crate) struct SessionLookup;

impl Lookup for SessionLookup {
    type Key = Vec<u8>;
    type Value = SignedIn;

    async fn query(
        pool: &PgPool,
        keys: Vec<Vec<u8>>,
    ) -> Result<Found<Vec<u8>, SignedIn>, sqlx::Error> {
        let rows: Vec<SessionAccountRow> = sqlx::query_as(concat!(session_select!(), "= ANY($1)"))
            .bind(keys)
            .fetch_all(pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.s_token_hash.clone(), signed_in(row)))
            .collect())
    }
}

type Reply<L> = Result<Option<<L as Lookup>::Value>, StoreError>;

struct Waiter<L: Lookup> {
    key: L::Key,
    reply: oneshot::Sender<Reply<L>>,
}

struct Queue<L: Lookup> {
    waiting: Vec<Waiter<L>>,
    /// Tasks running batches now; at most `slots`.
    running: usize,
}

pub(crate) struct Batches<L: Lookup> {
    pool: PgPool,
    slots: usize,
    queue: Mutex<Queue<L>>,
    lookups: AtomicU64,
    queries: AtomicU64,
}

impl<L: Lookup> Batches<L> {
    /// Lookups over `pool`, with at most `slots` queries at a time (keep it below the pool's
    /// size: the other requests need connections too).
    pub(crate) fn new(pool: PgPool, slots: usize) -> Arc<Self> {
        Arc::new(Self {
            pool,
            slots: slots.max(1),
            queue: Mutex::new(Queue {
                waiting: Vec::new(),
                running: 0,
            }),
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

    fn queue(&self) -> MutexGuard<'_, Queue<L>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What `key` finds, by a query that starts after this call.
    pub(crate) async fn find(self: &Arc<Self>, key: L::Key) -> Reply<L> {
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut queue = self.queue();
            queue.waiting.push(Waiter { key, reply });
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
                "the lookup was abandoned".into(),
            )))
        })
    }

    /// One query for a batch, and each waiter's answer (several may ask for the same key).
    async fn answer(&self, batch: Vec<Waiter<L>>) {
        self.lookups
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.queries.fetch_add(1, Ordering::Relaxed);
        let mut keys: Vec<L::Key> = batch.iter().map(|w| w.key.clone()).collect();
        keys.sort_unstable();
        keys.dedup();
        match L::query(&self.pool, keys).await {
            Ok(found) => {
                for waiter in batch {
                    let reply = match found.get(&waiter.key) {
                        None => Ok(None),
                        Some(Ok(value)) => Ok(Some(value.clone())),
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
struct Running<L: Lookup> {
    batches: Arc<Batches<L>>,
    freed: bool,
}

impl<L: Lookup> Running<L> {
    fn new(batches: Arc<Batches<L>>) -> Self {
        Self {
            batches,
            freed: false,
        }
    }

    async fn run(mut self) {
        loop {
            let batch: Vec<Waiter<L>> = {
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

impl<L: Lookup> Drop for Running<L> {
    fn drop(&mut self) {
        if !self.freed {
            self.batches.queue().running -= 1;
        }
    }
}
