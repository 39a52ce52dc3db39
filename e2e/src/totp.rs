//! Authenticator codes as an app computes them (SHA-1, 6 digits, 30-second steps), for the
//! tests and the benchmark: from a secret shown as base32, or from the demo and scale seeds'
//! derivation (`seed-demo`, `seed-scale`: the first 20 bytes of SHA-256 of `"{seed}:{i}"`).

use sha2::{Digest, Sha256};

/// The current 30-second authenticator window.
pub fn step() -> u64 {
    now() / 30
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The code an app with this secret shows now.
pub fn code(secret: Vec<u8>) -> String {
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(secret)
        .build()
        .unwrap()
        .generate(now())
        .to_string()
}

/// The code now for a secret written in base32, as the set-up screen shows it.
pub fn code_base32(secret: &str) -> String {
    code(
        totp_rs::Secret::try_from_base32(secret.trim())
            .unwrap()
            .as_bytes()
            .to_vec(),
    )
}

/// The code now of demo or scale account `i` made with `seed`.
pub fn seeded_code(seed: &str, i: usize) -> String {
    code(Sha256::digest(format!("{seed}:{i}").as_bytes())[..20].to_vec())
}
