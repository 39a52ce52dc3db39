//! Random tokens, one-time codes and their hashes, and encryption at rest.
//!
//! - Tokens (invitation links, set-up tokens, sessions) are 256 random bits, sent to the user
//!   once and stored only as their SHA-256: enough, because they cannot be guessed.
//! - Six-digit codes can be guessed offline from a plain hash, so they are stored as an
//!   HMAC keyed with a secret derived from `security.encryption_key`.
//! - Authenticator secrets and the bodies of messages waiting in the outbox must be read back,
//!   so they are encrypted (AES-256-GCM), each bound to what it belongs to as associated data
//!   (the account, the message): a value copied onto another row does not decrypt there.

use aes_gcm::aead::{Aead, Generate, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::configuration::Keys;

/// A fresh random token, URL-safe (43 characters).
pub fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A uniformly random six-digit code.
pub fn new_code() -> anyhow::Result<String> {
    loop {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let n = u32::from_le_bytes(bytes);
        // Reject the top of the range so every code is equally likely.
        if n < 4_294_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

/// Hashes and encrypts with the configured keys.
#[derive(Clone)]
pub struct Secrets {
    code_key: [u8; 32],
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets { .. }")
    }
}

impl Secrets {
    pub fn new(keys: &Keys) -> Self {
        let key = keys.encryption_key.expose();
        // A separate key for code hashes, so the encryption key is used for one thing only.
        let mut derive = Sha256::new();
        derive.update(b"poort code hmac v1");
        derive.update(key);
        let code_key: [u8; 32] = derive.finalize().into();
        let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key));
        Self { code_key, cipher }
    }

    /// The stored form of a one-time code, bound to what it is for.
    pub fn code_hash(&self, purpose: &str, subject: &str, code: &str) -> Vec<u8> {
        self.mac(&[purpose.as_bytes(), subject.as_bytes(), code.as_bytes()])
    }

    /// Constant-time comparison of a typed code with its stored hash.
    pub fn code_matches(&self, purpose: &str, subject: &str, code: &str, stored: &[u8]) -> bool {
        self.mac_state(&[purpose.as_bytes(), subject.as_bytes(), code.as_bytes()])
            .verify_slice(stored)
            .is_ok()
    }

    fn mac_state(&self, parts: &[&[u8]]) -> Hmac<Sha256> {
        #[allow(clippy::expect_used, reason = "HMAC takes keys of any length")]
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.code_key).expect("any key length");
        for part in parts {
            mac.update(&(part.len() as u64).to_le_bytes());
            mac.update(part);
        }
        mac
    }

    fn mac(&self, parts: &[&[u8]]) -> Vec<u8> {
        self.mac_state(parts).finalize().into_bytes().to_vec()
    }

    /// Encrypts `plaintext` bound to `context` (what it belongs to): a version byte, the
    /// nonce (12 bytes), then ciphertext and tag. Opens only with the same context.
    pub fn seal(&self, context: Context, plaintext: &[u8]) -> anyhow::Result<Vec<u8>> {
        let nonce = Nonce::generate();
        let aad = context.bytes();
        let ciphertext = self
            .cipher
            .encrypt(
                &nonce,
                aes_gcm::aead::Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        let mut out = Vec::with_capacity(1 + 12 + ciphertext.len());
        out.push(SEALED_V2);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    /// Decrypts what [`Self::seal`] made for the same `context`.
    pub fn open(&self, context: Context, stored: &[u8]) -> anyhow::Result<Vec<u8>> {
        let Some((&SEALED_V2, rest)) = stored.split_first() else {
            anyhow::bail!("not a sealed value");
        };
        if rest.len() < 12 + 16 {
            anyhow::bail!("encrypted value too short");
        }
        let (nonce, ciphertext) = rest.split_at(12);
        let nonce = Nonce::try_from(nonce).map_err(|_| anyhow::anyhow!("bad nonce"))?;
        self.cipher
            .decrypt(
                &nonce,
                aes_gcm::aead::Payload {
                    msg: ciphertext,
                    aad: &context.bytes(),
                },
            )
            .map_err(|_| {
                anyhow::anyhow!(
                    "cannot decrypt: wrong security.encryption_key, or the value belongs to another row"
                )
            })
    }

    /// Decrypts a value written before values were bound to their row (nonce, ciphertext and
    /// tag, no associated data): only for upgrading such values to [`Self::seal`]'s form.
    pub fn open_unbound(&self, stored: &[u8]) -> anyhow::Result<Vec<u8>> {
        if stored.len() < 12 + 16 {
            anyhow::bail!("encrypted value too short");
        }
        let (nonce, ciphertext) = stored.split_at(12);
        let nonce = Nonce::try_from(nonce).map_err(|_| anyhow::anyhow!("bad nonce"))?;
        self.cipher
            .decrypt(&nonce, ciphertext)
            .map_err(|_| anyhow::anyhow!("cannot decrypt: wrong security.encryption_key?"))
    }
}

impl crate::store::BodySealer for Secrets {
    fn seal(&self, message: uuid::Uuid, body: &str) -> Result<Vec<u8>, crate::store::StoreError> {
        Secrets::seal(self, Context::Message(message), body.as_bytes())
            .map_err(|e| crate::store::StoreError::Corrupt(format!("message {message}: {e}")))
    }

    fn open(&self, message: uuid::Uuid, sealed: &[u8]) -> Result<String, crate::store::StoreError> {
        let bytes = Secrets::open(self, Context::Message(message), sealed)
            .map_err(|e| crate::store::StoreError::Corrupt(format!("message {message}: {e}")))?;
        String::from_utf8(bytes)
            .map_err(|e| crate::store::StoreError::Corrupt(format!("message {message}: {e}")))
    }
}

/// The first byte of a value sealed with its context.
const SEALED_V2: u8 = 2;

/// What an encrypted value belongs to; the associated data of its encryption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// An authenticator secret of this account (current, waiting, or in its set-up).
    Authenticator(uuid::Uuid),
    /// The body of this outbox message.
    Message(uuid::Uuid),
}

impl Context {
    fn bytes(self) -> Vec<u8> {
        let (kind, id): (&[u8], uuid::Uuid) = match self {
            Context::Authenticator(account) => (b"poort authenticator v2:", account),
            Context::Message(message) => (b"poort message v2:", message),
        };
        [kind, id.as_bytes().as_slice()].concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::configuration::SecretBytes;

    fn secrets() -> Secrets {
        Secrets::new(&Keys {
            signing_key: SecretBytes::new([1; 32]),
            encryption_key: SecretBytes::new([2; 32]),
            previous_signing_keys: Vec::new(),
        })
    }

    #[test]
    fn tokens_are_long_random_and_hash_to_32_bytes() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 32);
        assert_eq!(token_hash(&a), token_hash(&a));
    }

    #[test]
    fn codes_have_six_digits() {
        for _ in 0..100 {
            let code = new_code().unwrap();
            assert_eq!(code.len(), 6);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn a_code_hash_matches_only_its_code_purpose_and_subject() {
        let s = secrets();
        let stored = s.code_hash("mobile", "inv-1", "123456");
        assert!(s.code_matches("mobile", "inv-1", "123456", &stored));
        assert!(!s.code_matches("mobile", "inv-1", "123457", &stored));
        assert!(!s.code_matches("mobile", "inv-2", "123456", &stored));
        assert!(!s.code_matches("reset", "inv-1", "123456", &stored));
    }

    #[test]
    fn encryption_round_trips_hides_the_plaintext_and_is_bound_to_its_row() {
        let s = secrets();
        let (alice, bob) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));
        let stored = s
            .seal(Context::Authenticator(alice), b"JBSWY3DPEHPK3PXP")
            .unwrap();
        assert!(!stored.windows(16).any(|w| w == b"JBSWY3DPEHPK3PXP"));
        assert_eq!(
            s.open(Context::Authenticator(alice), &stored).unwrap(),
            b"JBSWY3DPEHPK3PXP"
        );
        assert!(
            s.open(Context::Authenticator(bob), &stored).is_err(),
            "copied to another account, it does not decrypt"
        );
        assert!(s.open(Context::Message(alice), &stored).is_err());
        let mut tampered = stored.clone();
        tampered[20] ^= 1;
        assert!(s.open(Context::Authenticator(alice), &tampered).is_err());
    }

    #[test]
    fn values_from_before_the_binding_can_be_read_for_their_upgrade_only() {
        let s = secrets();
        let nonce = Nonce::generate();
        let old = [
            nonce.to_vec(),
            s.cipher.encrypt(&nonce, b"secret".as_slice()).unwrap(),
        ]
        .concat();
        assert_eq!(s.open_unbound(&old).unwrap(), b"secret");
        assert!(
            s.open(Context::Authenticator(uuid::Uuid::nil()), &old)
                .is_err()
        );
    }
}
