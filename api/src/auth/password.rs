//! Password hashing with argon2id, on the blocking thread pool (never on the async workers),
//! behind a bounded queue: at most `max_concurrent` hashes run and `max_waiting` wait; beyond
//! that the caller gets [`Overloaded`] (503 with Retry-After) at once, so a flood of sign-ins
//! cannot build an unbounded backlog while the rest of the API stays fast.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use tokio::sync::Semaphore;

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

#[derive(Clone)]
pub struct PasswordHasherPool {
    params: Params,
    running: Arc<Semaphore>,
    admitted: Arc<AtomicUsize>,
    capacity: usize,
    /// A hash of a random password with the current parameters: verifying against it makes an
    /// unknown e-mail address take as long as a known one.
    dummy: Arc<String>,
}

impl std::fmt::Debug for PasswordHasherPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHasherPool")
    }
}

/// Gives back its place in the queue when dropped.
struct Admission(Arc<AtomicUsize>);

impl Drop for Admission {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
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
        let concurrent = if settings.max_concurrent == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        } else {
            settings.max_concurrent
        };
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let dummy = argon2
            .hash_password(crate::auth::secrets::new_token()?.as_bytes())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?
            .to_string();
        Ok(Self {
            params,
            running: Arc::new(Semaphore::new(concurrent)),
            admitted: Arc::new(AtomicUsize::new(0)),
            capacity: concurrent + settings.max_waiting,
            dummy: Arc::new(dummy),
        })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Runs `work` on the blocking pool once a core is free, or refuses at once when the
    /// queue is full.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(Argon2<'static>) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        if self.admitted.fetch_add(1, Ordering::SeqCst) >= self.capacity {
            self.admitted.fetch_sub(1, Ordering::SeqCst);
            return Err(Overloaded.into());
        }
        let _admission = Admission(self.admitted.clone());
        let _permit = self
            .running
            .acquire()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let argon2 = self.argon2();
        Ok(tokio::task::spawn_blocking(move || work(argon2))
            .await
            .map_err(anyhow::Error::from)?)
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
