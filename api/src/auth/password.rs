//! Password hashing with argon2id on a small pool of dedicated threads (never on the async
//! workers), behind a bounded queue: `max_concurrent` threads hash and at most `max_waiting`
//! jobs wait; beyond that the caller gets [`Overloaded`] (503 with Retry-After) at once, so a
//! flood of sign-ins cannot build an unbounded backlog while the rest of the API stays fast.
//! Dedicated threads also keep memory flat: each reuses its own 19 MiB working area, where
//! the general blocking pool would spread those allocations over many threads.

use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};

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

type Job = Box<dyn FnOnce(&Argon2<'static>) + Send>;

#[derive(Clone)]
pub struct PasswordHasherPool {
    params: Params,
    jobs: SyncSender<Job>,
    /// A hash of a random password with the current parameters: verifying against it makes an
    /// unknown e-mail address take as long as a known one.
    dummy: Arc<String>,
}

impl std::fmt::Debug for PasswordHasherPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHasherPool")
    }
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
        let (jobs, queue) = sync_channel::<Job>(settings.max_waiting);
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            let params = params.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
                    loop {
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&argon2),
                            // Every sender is gone: the application has stopped.
                            Err(_) => return,
                        }
                    }
                })?;
        }
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let dummy = argon2
            .hash_password(crate::auth::secrets::new_token()?.as_bytes())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?
            .to_string();
        Ok(Self {
            params,
            jobs,
            dummy: Arc::new(dummy),
        })
    }

    /// Runs `work` on a hashing thread, or refuses at once when the queue is full.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Argon2<'static>) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |argon2| {
            let _ = reply.send(work(argon2));
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
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
        self.run(move |argon2| {
            argon2
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
        })
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
        let (stored, real) = match stored {
            Some(s) => (s, true),
            None => ((*self.dummy).clone(), false),
        };
        self.run(move |argon2| {
            let Ok(hash) = PasswordHash::new(&stored) else {
                return false;
            };
            argon2.verify_password(password.as_bytes(), &hash).is_ok() && real
        })
        .await
    }

    /// Whether a stored hash was made with other parameters than today's (re-hash it at the
    /// next successful sign-in).
    pub fn needs_rehash(&self, stored: &str) -> bool {
        let Ok(hash) = PasswordHash::new(stored) else {
            return true;
        };
        let Ok(stored_params) = Params::try_from(&hash.params) else {
            return true;
        };
        hash.algorithm.as_str() != "argon2id"
            || stored_params.m_cost() != self.params.m_cost()
            || stored_params.t_cost() != self.params.t_cost()
            || stored_params.p_cost() != self.params.p_cost()
    }
}
