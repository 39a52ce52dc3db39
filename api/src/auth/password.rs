//! Password hashing with argon2id on a small pool of dedicated threads (never on the async
//! workers), behind a bounded queue: `max_concurrent` threads hash and at most `max_waiting`
//! jobs wait; beyond that the caller gets [`Overloaded`] (503 with Retry-After) at once, so a
//! flood of sign-ins cannot build an unbounded backlog while the rest of the API stays fast.
//! Dedicated threads also keep memory flat and hashing fast: each keeps its own 19 MiB working
//! area from one hash to the next (no allocation, zeroing and page faults per hash: about 5 %
//! more hashes per second, `cargo xtask bench` prints both), where the general blocking pool
//! would spread those allocations over many threads.
//!
//! The hashing threads run at a lower priority (`security.password_hash.nice`, 10 by default,
//! on Linux): a hash keeps a core busy for tens of milliseconds, and under a flood of sign-ins
//! every core is hashing; at nice 10 the scheduler gives the cores first to the requests that
//! need them for a moment (reads, the authenticator step, the database), and hashing still gets
//! every cycle nothing else wants, so sign-ins keep their rate when nothing else is going on.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{
    ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, PasswordHash, PasswordVerifier, Version,
};

use crate::configuration::PasswordHashSettings;

/// The hashing queue is full.
#[derive(Debug, thiserror::Error)]
#[error("password hashing is overloaded")]
pub struct Overloaded;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error(transparent)]
    Overloaded(#[from] Overloaded),
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

type Job = Box<dyn FnOnce(&mut Worker) + Send>;

/// A hashing thread's argon2id instance and working memory.
pub(crate) struct Worker {
    argon2: Argon2<'static>,
    params: Params,
    memory: Vec<Block>,
}

/// Whether a stored hash is argon2id at the memory, passes and lanes of `params`.
fn same_cost(params: &Params, hash: &PasswordHash) -> bool {
    hash.algorithm == ARGON2ID_IDENT
        && Params::try_from(&hash.params).is_ok_and(|p| {
            p.m_cost() == params.m_cost()
                && p.t_cost() == params.t_cost()
                && p.p_cost() == params.p_cost()
        })
}

/// Bytes of hash output (the `argon2` crate's default, kept for hashes made before).
const OUTPUT_LEN: usize = 32;

impl Worker {
    pub(crate) fn new(params: Params) -> Self {
        Self {
            memory: vec![Block::default(); params.block_count()],
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone()),
            params,
        }
    }

    /// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) with a fresh 16-byte salt.
    pub(crate) fn hash(&mut self, password: &[u8]) -> anyhow::Result<String> {
        let mut salt = [0u8; Salt::RECOMMENDED_LENGTH];
        getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let mut out = [0u8; OUTPUT_LEN];
        self.argon2
            .hash_password_into_with_memory(password, &salt, &mut out, &mut self.memory)
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
        let hash = PasswordHash {
            algorithm: ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&self.params)
                .map_err(|e| anyhow::anyhow!("hash parameters: {e}"))?,
            salt: Some(Salt::new(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?),
            hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("output: {e}"))?),
        };
        Ok(hash.to_string())
    }

    /// Whether a stored hash was made with today's algorithm, parameters and output length
    /// (then it can be checked in the thread's working memory).
    fn is_current(&self, hash: &PasswordHash) -> bool {
        same_cost(&self.params, hash)
            && hash.version == Some(Version::V0x13.into())
            && hash.hash.as_ref().is_some_and(|h| h.len() == OUTPUT_LEN)
            && Params::try_from(hash).is_ok_and(|p| p.keyid().is_empty() && p.data().is_empty())
    }

    /// Whether `password` matches the PHC string `stored` (constant-time comparison). Hashes
    /// with today's parameters use the thread's working memory; others (older parameters,
    /// before their re-hash) take the crate's general path.
    pub(crate) fn verify(&mut self, password: &[u8], stored: &str) -> bool {
        let Ok(hash) = PasswordHash::new(stored) else {
            return false;
        };
        match (&hash.salt, &hash.hash) {
            (Some(salt), Some(expected)) if self.is_current(&hash) => {
                let mut out = [0u8; OUTPUT_LEN];
                if self
                    .argon2
                    .hash_password_into_with_memory(
                        password,
                        salt.as_ref(),
                        &mut out,
                        &mut self.memory,
                    )
                    .is_err()
                {
                    return false;
                }
                // `Output`'s equality is constant-time.
                Output::new(&out).is_ok_and(|out| out == *expected)
            }
            _ => self.argon2.verify_password(password, &hash).is_ok(),
        }
    }
}

/// A place in the hashing queue ([`PasswordHasherPool::reserve`]); given back when dropped
/// unused.
#[must_use]
#[derive(Debug)]
pub struct Place {
    places: Arc<AtomicUsize>,
}

impl Drop for Place {
    fn drop(&mut self) {
        self.places.fetch_sub(1, Ordering::AcqRel);
    }
}

#[derive(Clone)]
pub struct PasswordHasherPool {
    params: Params,
    jobs: SyncSender<Job>,
    /// Places taken in the queue: hashes reserved, waiting or being computed, and how many
    /// there may be (one per hashing thread, plus `max_waiting`).
    places: Arc<AtomicUsize>,
    max_places: usize,
    /// A hash of a random password with the current parameters: verifying against it makes an
    /// unknown e-mail address take as long as a known one.
    dummy: Arc<String>,
}

impl std::fmt::Debug for PasswordHasherPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHasherPool")
    }
}

/// Lowers this thread's priority to `nice` (Linux: `setpriority` on the thread's id changes
/// this thread only). Elsewhere, or when refused, the thread keeps the usual priority.
fn give_way(nice: i32) {
    #[cfg(target_os = "linux")]
    if nice > 0
        && let Err(e) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), nice)
    {
        tracing::warn!(error = %e, "could not lower the hashing thread's priority");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

impl PasswordHasherPool {
    pub fn new(settings: &PasswordHashSettings) -> anyhow::Result<Self> {
        let params = Params::new(
            settings.memory_kib,
            settings.iterations,
            settings.parallelism,
            None,
        )
        .map_err(|e| anyhow::anyhow!("security.password_hash: {e}"))?;
        let threads = if settings.max_concurrent == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        } else {
            settings.max_concurrent
        };
        // Never full: it holds at most the places taken (see `reserve`).
        let (jobs, queue) = sync_channel::<Job>(threads + settings.max_waiting);
        let queue = Arc::new(Mutex::new(queue));
        let places = Arc::new(AtomicUsize::new(0));
        for n in 0..threads {
            let queue = queue.clone();
            let params = params.clone();
            let nice = settings.nice;
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    give_way(nice);
                    let mut worker = Worker::new(params);
                    loop {
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&mut worker),
                            // Every sender is gone: the application has stopped.
                            Err(_) => return,
                        }
                    }
                })?;
        }
        let dummy =
            Worker::new(params.clone()).hash(crate::auth::secrets::new_token()?.as_bytes())?;
        Ok(Self {
            params,
            jobs,
            places,
            max_places: threads + settings.max_waiting,
            dummy: Arc::new(dummy),
        })
    }

    /// A place in the queue, or [`Overloaded`] when every hashing thread is busy and
    /// `max_waiting` hashes wait. The sign-in takes its place first, before it reads or
    /// writes anything: under a flood the excess is refused at once, and a request that got
    /// past the door is never refused after its turn at the database.
    pub fn reserve(&self) -> Result<Place, Overloaded> {
        let mut taken = self.places.load(Ordering::Acquire);
        loop {
            if taken >= self.max_places {
                return Err(Overloaded);
            }
            match self.places.compare_exchange_weak(
                taken,
                taken + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    return Ok(Place {
                        places: self.places.clone(),
                    });
                }
                Err(now) => taken = now,
            }
        }
    }

    /// Runs `work` on a hashing thread, or refuses at once when the queue is full.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Worker) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let place = self.reserve()?;
        self.run_in(place, work).await
    }

    /// Runs `work` on a hashing thread in the place taken.
    async fn run_in<T: Send + 'static>(
        &self,
        place: Place,
        work: impl FnOnce(&mut Worker) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        // The place goes with the job: given back when the work is done (before the answer),
        // or when the job is refused or dropped.
        let job: Job = Box::new(move |worker| {
            let done = work(worker);
            drop(place);
            let _ = reply.send(done);
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            // Cannot happen (the queue holds every place).
            Err(TrySendError::Full(_)) => return Err(Overloaded.into()),
            Err(TrySendError::Disconnected(_)) => {
                return Err(anyhow::anyhow!("hashing threads stopped").into());
            }
        }
        answer
            .await
            .map_err(|_| anyhow::anyhow!("hashing thread dropped the job").into())
    }

    /// Hashes a password (PHC string with algorithm, parameters and salt).
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.run(move |worker| worker.hash(password.as_bytes()))
            .await?
            .map_err(HashError::Failed)
    }

    /// Whether `password` matches `stored`. A malformed stored hash never matches. `None`
    /// compares against the dummy hash (same work, never matches).
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashError> {
        let place = self.reserve()?;
        self.verify_in(place, password, stored).await
    }

    /// [`Self::verify`] in a place taken beforehand with [`Self::reserve`].
    pub async fn verify_in(
        &self,
        place: Place,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashError> {
        let (stored, real) = match stored {
            Some(s) => (s, true),
            None => ((*self.dummy).clone(), false),
        };
        self.run_in(place, move |worker| {
            worker.verify(password.as_bytes(), &stored) && real
        })
        .await
    }

    /// Whether a stored hash was made with other parameters than today's (re-hash it at the
    /// next successful sign-in).
    pub fn needs_rehash(&self, stored: &str) -> bool {
        PasswordHash::new(stored).map_or(true, |hash| !same_cost(&self.params, &hash))
    }
}

#[cfg(test)]
mod tests {
    use argon2::PasswordHasher;

    use super::*;

    fn small() -> Params {
        Params::new(1024, 2, 1, None).unwrap()
    }

    #[tokio::test]
    async fn places_run_out_at_the_threads_plus_max_waiting_and_come_back() {
        let pool = PasswordHasherPool::new(&PasswordHashSettings {
            memory_kib: 1024,
            iterations: 2,
            parallelism: 1,
            max_concurrent: 1,
            max_waiting: 2,
            nice: 0,
        })
        .unwrap();
        let first = pool.reserve().unwrap();
        let second = pool.reserve().unwrap();
        let third = pool.reserve().unwrap();
        assert!(pool.reserve().is_err(), "one thread and two waiting");
        assert!(matches!(
            pool.verify("x".into(), None).await,
            Err(HashError::Overloaded(_))
        ));
        // A place dropped unused is given back.
        drop(first);
        let fourth = pool.reserve().unwrap();
        assert!(pool.reserve().is_err());
        // A place used for a hash is given back once the hash is done.
        assert!(!pool.verify_in(fourth, "x".into(), None).await.unwrap());
        let hash = pool.hash("correct horse".into()).await;
        assert!(hash.is_ok(), "a place was free again");
        let fifth = pool.reserve().unwrap();
        assert!(pool.reserve().is_err());
        drop((second, third, fifth));
        assert!(pool.verify("x".into(), Some(hash.unwrap())).await.is_ok());
    }

    #[test]
    fn a_hash_verifies_with_its_password_only() {
        let mut worker = Worker::new(small());
        let hash = worker.hash(b"correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=1024,t=2,p=1$"), "{hash}");
        assert!(worker.is_current(&PasswordHash::new(&hash).unwrap()));
        assert!(worker.verify(b"correct horse battery", &hash));
        assert!(!worker.verify(b"correct horse batterY", &hash));
        // The working memory is reused: a second round gives the same answers.
        assert!(worker.verify(b"correct horse battery", &hash));
        assert!(!worker.verify(b"", &hash));
        assert_ne!(
            hash,
            worker.hash(b"correct horse battery").unwrap(),
            "fresh salt"
        );
    }

    #[test]
    fn hashes_of_the_argon2_crate_and_older_parameters_still_verify() {
        let mut worker = Worker::new(small());
        let same = Argon2::new(Algorithm::Argon2id, Version::V0x13, small())
            .hash_password(b"wachtwoord van gisteren")
            .unwrap()
            .to_string();
        assert!(worker.is_current(&PasswordHash::new(&same).unwrap()));
        assert!(worker.verify(b"wachtwoord van gisteren", &same));
        assert!(!worker.verify(b"wachtwoord van morgen", &same));
        let older = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(512, 1, 1, None).unwrap(),
        )
        .hash_password(b"wachtwoord van gisteren")
        .unwrap()
        .to_string();
        assert!(!worker.is_current(&PasswordHash::new(&older).unwrap()));
        assert!(worker.verify(b"wachtwoord van gisteren", &older));
        assert!(!worker.verify(b"wachtwoord van morgen", &older));
        // And the worker's hashes verify with the crate.
        let ours = worker.hash(b"wachtwoord van vandaag").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"wachtwoord van vandaag", &parsed)
                .is_ok()
        );
    }

    #[test]
    fn malformed_hashes_never_match() {
        let mut worker = Worker::new(small());
        for stored in ["", "plain", "$argon2id$v=19$m=1024,t=2,p=1$", "$bcrypt$xyz"] {
            assert!(!worker.verify(b"anything", stored), "{stored}");
        }
    }
}
