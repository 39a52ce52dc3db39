//! Short-lived signed tokens (JWT, EdDSA/Ed25519) that the extranet's other applications
//! verify with the public keys at `/.well-known/jwks.json`. The key is parsed once at start-up;
//! earlier keys stay published (`security.previous_signing_keys`) so keys can rotate.

use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::configuration::Keys;

pub struct Signer {
    key: EncodingKey,
    kid: String,
    jwks: serde_json::Value,
    /// The current and previous public keys by `kid`, to verify what Poort signed.
    verifying: Vec<(String, DecodingKey)>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// PKCS#8 v1 for an Ed25519 private key: a fixed prefix and the 32-byte seed.
fn pkcs8(seed: &[u8; 32]) -> Vec<u8> {
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(seed);
    der
}

fn public_key(seed: &[u8; 32]) -> [u8; 32] {
    ed25519_dalek::SigningKey::from_bytes(seed)
        .verifying_key()
        .to_bytes()
}

/// Key id: the first 16 hex digits of the public key's SHA-256.
fn kid_of(public: &[u8; 32]) -> String {
    Sha256::digest(public)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn jwk(public: &[u8; 32]) -> serde_json::Value {
    serde_json::json!({
        "kty": "OKP",
        "crv": "Ed25519",
        "alg": "EdDSA",
        "use": "sig",
        "kid": kid_of(public),
        "x": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(public),
    })
}

impl Signer {
    pub fn new(keys: &Keys) -> Self {
        let seed = keys.signing_key.expose();
        let public = public_key(seed);
        let mut publics = vec![public];
        publics.extend(
            keys.previous_signing_keys
                .iter()
                .map(|previous| public_key(previous.expose())),
        );
        let published: Vec<serde_json::Value> = publics.iter().map(jwk).collect();
        let verifying = publics
            .iter()
            .map(|p| (kid_of(p), DecodingKey::from_ed_der(p)))
            .collect();
        Self {
            key: EncodingKey::from_ed_der(&pkcs8(seed)),
            kid: kid_of(&public),
            jwks: serde_json::json!({ "keys": published }),
            verifying,
        }
    }

    /// Signs `claims` as a JWT (`typ: JWT`).
    pub fn sign<T: Serialize>(&self, claims: &T) -> anyhow::Result<String> {
        self.sign_typed(claims, "JWT")
    }

    /// Signs `claims` with this `typ` header (`at+jwt` for access tokens, RFC 9068).
    pub fn sign_typed<T: Serialize>(&self, claims: &T, typ: &str) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        header.typ = Some(typ.to_string());
        encode(&header, claims, &self.key).map_err(|e| anyhow::anyhow!("signing a token: {e}"))
    }

    /// The claims of a token Poort signed with one of its keys, of this `typ`, for this
    /// audience and issuer, not expired at `now` (Poort's clock, which made `exp`: no leeway).
    /// `None` for anything else.
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        typ: &str,
        audience: &str,
        issuer: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<T> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        if header.alg != Algorithm::EdDSA
            || !header
                .typ
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(typ))
        {
            return None;
        }
        let kid = header.kid?;
        let (_, key) = self.verifying.iter().find(|(k, _)| *k == kid)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        // Expiry against the clock passed in (the library would read the system's).
        validation.validate_exp = false;
        validation.set_audience(&[audience]);
        validation.set_issuer(&[issuer]);
        validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        let claims = decode::<serde_json::Value>(token, key, &validation)
            .ok()?
            .claims;
        if claims.get("exp")?.as_i64()? <= now.timestamp() {
            return None;
        }
        serde_json::from_value(claims).ok()
    }

    /// The JSON Web Key Set with the current key first.
    pub fn jwks(&self) -> &serde_json::Value {
        &self.jwks
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::configuration::SecretBytes;
    use jsonwebtoken::{DecodingKey, Validation, decode};

    #[test]
    fn a_signed_token_verifies_with_the_published_key_and_names_it() {
        let keys = Keys {
            signing_key: SecretBytes::new([7; 32]),
            encryption_key: SecretBytes::new([8; 32]),
            previous_signing_keys: vec![SecretBytes::new([6; 32])],
        };
        let signer = Signer::new(&keys);
        let token = signer
            .sign(&serde_json::json!({ "sub": "x", "aud": "extranet", "exp": 4_000_000_000u64 }))
            .unwrap();

        let jwk = &signer.jwks()["keys"][0];
        let x = jwk["x"].as_str().unwrap();
        let key = DecodingKey::from_ed_components(x).unwrap();
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_audience(&["extranet"]);
        let data = decode::<serde_json::Value>(&token, &key, &validation).unwrap();
        assert_eq!(data.claims["sub"], "x");
        assert_eq!(data.header.kid.as_deref(), Some(signer.kid()));
        assert_eq!(jwk["kid"], signer.kid());
        assert_eq!(
            signer.jwks()["keys"].as_array().unwrap().len(),
            2,
            "the previous key stays published"
        );
    }
}
