//! Password hashing with argon2id, on the blocking thread pool (never on the async workers).

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};

use crate::configuration::PasswordHashSettings;

#[derive(Clone)]
pub struct PasswordHasherPool {
    params: Params,
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
        Ok(Self { params })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes a password (PHC string with algorithm, parameters and salt).
    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let argon2 = self.argon2();
        tokio::task::spawn_blocking(move || {
            argon2
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
        })
        .await?
    }

    /// Whether `password` matches `stored`. A malformed stored hash never matches.
    pub async fn verify(&self, password: String, stored: String) -> anyhow::Result<bool> {
        let argon2 = self.argon2();
        tokio::task::spawn_blocking(move || {
            let Ok(hash) = PasswordHash::new(&stored) else {
                return false;
            };
            argon2.verify_password(password.as_bytes(), &hash).is_ok()
        })
        .await
        .map_err(anyhow::Error::from)
    }
}
