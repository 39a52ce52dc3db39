//! API clients' public keys: a JWK or a PEM public key as an administrator pastes it, turned
//! into one normalised public JWK (only the public members, its `alg`, its `kid`), with its
//! RFC 7638 thumbprint; and the verifying key for a stored JWK. Ed25519 (`EdDSA`), P-256
//! (`ES256`) and RSA of at least 2048 bits (`RS256`). A private key is refused, never stored.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use poort_shared::ErrorCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::domain::api_client::KeyAlg;

/// A public key as Poort keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicKey {
    pub alg: KeyAlg,
    /// `kty`, `crv`/`x`/`y` or `n`/`e`, `alg`, `use` (and `kid` once it is chosen).
    pub jwk: Value,
    /// RFC 7638, SHA-256, base64url.
    pub thumbprint: String,
    /// A `kid` the pasted JWK carried.
    pub given_kid: Option<String>,
}

/// Reads a pasted key: JSON (a JWK) or PEM (`BEGIN PUBLIC KEY`, or `BEGIN RSA PUBLIC KEY`).
pub fn parse(text: &str) -> Result<PublicKey, ErrorCode> {
    let text = text.trim();
    if text.contains("PRIVATE KEY") {
        return Err(ErrorCode::ApiClientKeyInvalid);
    }
    if text.starts_with('{') {
        from_jwk(text)
    } else if text.starts_with("-----BEGIN") {
        from_pem(text)
    } else {
        Err(ErrorCode::ApiClientKeyInvalid)
    }
}

fn invalid<T>() -> Result<T, ErrorCode> {
    Err(ErrorCode::ApiClientKeyInvalid)
}

fn member<'a>(jwk: &'a Value, name: &str) -> Result<&'a str, ErrorCode> {
    jwk.get(name)
        .and_then(Value::as_str)
        .ok_or(ErrorCode::ApiClientKeyInvalid)
}

fn decoded(jwk: &Value, name: &str) -> Result<Vec<u8>, ErrorCode> {
    URL_SAFE_NO_PAD
        .decode(member(jwk, name)?)
        .map_err(|_| ErrorCode::ApiClientKeyInvalid)
}

fn from_jwk(text: &str) -> Result<PublicKey, ErrorCode> {
    let jwk: Value = serde_json::from_str(text).map_err(|_| ErrorCode::ApiClientKeyInvalid)?;
    // Private members mean a private key was pasted: refuse it rather than keep it.
    if ["d", "p", "q", "dp", "dq", "qi", "k"]
        .iter()
        .any(|m| jwk.get(m).is_some())
    {
        return invalid();
    }
    if jwk.get("use").is_some_and(|u| u.as_str() != Some("sig")) {
        return invalid();
    }
    let key = match member(&jwk, "kty")? {
        "OKP" if member(&jwk, "crv")? == "Ed25519" => {
            let x: [u8; 32] = decoded(&jwk, "x")?
                .try_into()
                .map_err(|_| ErrorCode::ApiClientKeyInvalid)?;
            ed25519(&x)?
        }
        "EC" if member(&jwk, "crv")? == "P-256" => {
            p256_key(&decoded(&jwk, "x")?, &decoded(&jwk, "y")?)?
        }
        "RSA" => rsa_key(&decoded(&jwk, "n")?, &decoded(&jwk, "e")?)?,
        _ => return invalid(),
    };
    if let Some(alg) = jwk.get("alg")
        && alg.as_str() != Some(key.alg.as_str())
    {
        return invalid();
    }
    let given_kid = match jwk.get("kid") {
        None => None,
        Some(kid) => Some(
            kid.as_str()
                .ok_or(ErrorCode::ApiClientKeyInvalid)?
                .to_string(),
        ),
    };
    Ok(PublicKey { given_kid, ..key })
}

fn from_pem(text: &str) -> Result<PublicKey, ErrorCode> {
    use ed25519_dalek::pkcs8::DecodePublicKey as _;
    use rsa::pkcs1::DecodeRsaPublicKey as _;
    use rsa::traits::PublicKeyParts as _;
    if text.starts_with("-----BEGIN RSA PUBLIC KEY-----") {
        let key =
            rsa::RsaPublicKey::from_pkcs1_pem(text).map_err(|_| ErrorCode::ApiClientKeyInvalid)?;
        return rsa_key(&key.n().to_bytes_be(), &key.e().to_bytes_be());
    }
    if let Ok(key) = ed25519_dalek::VerifyingKey::from_public_key_pem(text) {
        return ed25519(key.as_bytes());
    }
    if let Ok(key) = <p256::PublicKey as p256::pkcs8::DecodePublicKey>::from_public_key_pem(text) {
        use p256::elliptic_curve::sec1::ToEncodedPoint as _;
        let point = key.to_encoded_point(false);
        let (Some(x), Some(y)) = (point.x(), point.y()) else {
            return invalid();
        };
        return p256_key(x, y);
    }
    if let Ok(key) = <rsa::RsaPublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_pem(text) {
        return rsa_key(&key.n().to_bytes_be(), &key.e().to_bytes_be());
    }
    invalid()
}

fn ed25519(x: &[u8; 32]) -> Result<PublicKey, ErrorCode> {
    ed25519_dalek::VerifyingKey::from_bytes(x).map_err(|_| ErrorCode::ApiClientKeyInvalid)?;
    let x = URL_SAFE_NO_PAD.encode(x);
    Ok(normalised(
        KeyAlg::EdDsa,
        json!({ "crv": "Ed25519", "kty": "OKP", "x": x }),
    ))
}

fn p256_key(x: &[u8], y: &[u8]) -> Result<PublicKey, ErrorCode> {
    if x.len() != 32 || y.len() != 32 {
        return invalid();
    }
    let mut sec1 = vec![0x04];
    sec1.extend_from_slice(x);
    sec1.extend_from_slice(y);
    // Refuses points that are not on the curve.
    p256::PublicKey::from_sec1_bytes(&sec1).map_err(|_| ErrorCode::ApiClientKeyInvalid)?;
    Ok(normalised(
        KeyAlg::Es256,
        json!({ "crv": "P-256", "kty": "EC", "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y) }),
    ))
}

fn rsa_key(n: &[u8], e: &[u8]) -> Result<PublicKey, ErrorCode> {
    let strip = |b: &[u8]| -> Vec<u8> {
        let first = b.iter().position(|&x| x != 0).unwrap_or(b.len());
        b[first..].to_vec()
    };
    let (n, e) = (strip(n), strip(e));
    // At least 2048 bits: the modulus' top byte is non-zero, so 256 bytes are 2041+ bits;
    // count the bits exactly.
    let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
    if !(2048..=16384).contains(&bits) || e.is_empty() || e.len() > 8 {
        return invalid();
    }
    rsa::RsaPublicKey::new(
        rsa::BigUint::from_bytes_be(&n),
        rsa::BigUint::from_bytes_be(&e),
    )
    .map_err(|_| ErrorCode::ApiClientKeyInvalid)?;
    Ok(normalised(
        KeyAlg::Rs256,
        json!({ "e": URL_SAFE_NO_PAD.encode(&e), "kty": "RSA", "n": URL_SAFE_NO_PAD.encode(&n) }),
    ))
}

/// `required` holds exactly the members RFC 7638 hashes, in lexicographic order (serde_json
/// keeps maps sorted), so its compact JSON is the thumbprint's input.
fn normalised(alg: KeyAlg, required: Value) -> PublicKey {
    let thumbprint = URL_SAFE_NO_PAD.encode(Sha256::digest(required.to_string().as_bytes()));
    let mut jwk = required;
    jwk["alg"] = json!(alg.as_str());
    jwk["use"] = json!("sig");
    PublicKey {
        alg,
        jwk,
        thumbprint,
        given_kid: None,
    }
}

/// The JWS algorithm of a key.
pub fn algorithm(alg: KeyAlg) -> Algorithm {
    match alg {
        KeyAlg::EdDsa => Algorithm::EdDSA,
        KeyAlg::Es256 => Algorithm::ES256,
        KeyAlg::Rs256 => Algorithm::RS256,
    }
}

/// The verifying key of a stored JWK.
pub fn decoding_key(jwk: &str) -> anyhow::Result<DecodingKey> {
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_str(jwk)?;
    Ok(DecodingKey::from_jwk(&jwk)?)
}

/// A client's key ready to check signatures. An Ed25519 key is kept as a point, decompressed
/// once (`jsonwebtoken` decompresses it again for every signature); ES256 and RS256 go
/// through `jsonwebtoken`.
#[derive(Clone)]
pub enum VerifyingKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    Other(DecodingKey, Algorithm),
}

impl VerifyingKey {
    /// The key of a stored JWK with its algorithm.
    pub fn of(alg: KeyAlg, jwk: &str) -> anyhow::Result<Self> {
        if alg == KeyAlg::EdDsa {
            let value: Value = serde_json::from_str(jwk)?;
            let x = value["x"]
                .as_str()
                .ok_or_else(|| anyhow::anyhow!("an Ed25519 JWK without x"))?;
            let bytes: [u8; 32] = URL_SAFE_NO_PAD
                .decode(x)?
                .try_into()
                .map_err(|_| anyhow::anyhow!("an Ed25519 key is 32 bytes"))?;
            return Ok(Self::Ed25519(ed25519_dalek::VerifyingKey::from_bytes(
                &bytes,
            )?));
        }
        Ok(Self::Other(decoding_key(jwk)?, algorithm(alg)))
    }

    /// Whether `signature` (base64url, as in a JWS) signs `signed` (`header.claims`).
    pub fn verifies(&self, signed: &str, signature: &str) -> bool {
        match self {
            Self::Ed25519(key) => URL_SAFE_NO_PAD
                .decode(signature)
                .ok()
                .and_then(|bytes| ed25519_dalek::Signature::from_slice(&bytes).ok())
                .is_some_and(|sig| key.verify_strict(signed.as_bytes(), &sig).is_ok()),
            Self::Other(key, alg) => {
                jsonwebtoken::crypto::verify(signature, signed.as_bytes(), key, *alg)
                    .unwrap_or(false)
            }
        }
    }
}

/// Clients this process has issued a token to, with their key parsed: the token endpoint's
/// first read is skipped for them, and the token's own write checks that the client is still
/// as read here (`store::tokens::Unchanged`), so this is a hint and never the authority: a
/// revoked client or a removed key is refused from the next request, on every instance.
#[derive(Default)]
pub struct KnownClients {
    by_kid: std::sync::Mutex<std::collections::HashMap<(String, String), std::sync::Arc<Known>>>,
}

/// A client as last read, and its key (the one its `kid` names).
pub struct Known {
    pub found: crate::store::clients::ClientCredentials,
    pub key: VerifyingKey,
}

/// At most this many clients remembered (emptied when full).
const KNOWN_KEPT: usize = 4096;

impl KnownClients {
    fn map(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<(String, String), std::sync::Arc<Known>>>
    {
        self.by_kid
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn get(&self, client_id: &str, kid: &str) -> Option<std::sync::Arc<Known>> {
        self.map()
            .get(&(client_id.to_string(), kid.to_string()))
            .cloned()
    }

    pub fn remember(&self, known: Known) {
        let Some(kid) = known.found.key.as_ref().map(|k| k.kid.clone()) else {
            return;
        };
        let mut map = self.map();
        if map.len() >= KNOWN_KEPT {
            map.clear();
        }
        map.insert(
            (known.found.client.client_id.clone(), kid),
            std::sync::Arc::new(known),
        );
    }

    /// The client (and its key) marked used at `now` (so the next token does not mark again).
    pub fn touched(
        &self,
        found: &crate::store::clients::ClientCredentials,
        now: chrono::DateTime<chrono::Utc>,
    ) {
        let Some(kid) = found.key.as_ref().map(|k| k.kid.clone()) else {
            return;
        };
        let id = (found.client.client_id.clone(), kid);
        let mut map = self.map();
        let Some(known) = map.get(&id) else {
            return;
        };
        let mut found = known.found.clone();
        found.client.last_used_at = Some(now);
        if let Some(key) = &mut found.key {
            key.last_used_at = Some(now);
        }
        let key = known.key.clone();
        map.insert(id, std::sync::Arc::new(Known { found, key }));
    }

    pub fn forget(&self, client_id: &str, kid: &str) {
        self.map().remove(&(client_id.to_string(), kid.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEANJXANv8ELkxJdwgGX9+KEv4vV6tJjSGVazD3YsNuxzc=\n-----END PUBLIC KEY-----\n";

    #[test]
    fn an_ed25519_pem_becomes_a_jwk_with_the_rfc_7638_thumbprint() {
        let key = parse(ED_PEM).unwrap();
        assert_eq!(key.alg, KeyAlg::EdDsa);
        assert_eq!(key.jwk["kty"], "OKP");
        assert_eq!(key.jwk["x"], "NJXANv8ELkxJdwgGX9-KEv4vV6tJjSGVazD3YsNuxzc");
        // The same key as a JWK has the same thumbprint, and keeps its kid.
        let jwk = parse(
            r#"{"kty":"OKP","crv":"Ed25519","x":"NJXANv8ELkxJdwgGX9-KEv4vV6tJjSGVazD3YsNuxzc","kid":"k1"}"#,
        )
        .unwrap();
        assert_eq!(jwk.thumbprint, key.thumbprint);
        assert_eq!(jwk.given_kid.as_deref(), Some("k1"));
        assert!(decoding_key(&key.jwk.to_string()).is_ok());
    }

    #[test]
    fn p256_and_rsa_pems_are_read() {
        let ec = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqFD/Ki6JcH0comITjRZC1M5qDWKb\nbAj+xnO0WNn9HS6DiYmP1XTm4FE7QvgdNaddrEw+HjrkYO432OYhXi2L7A==\n-----END PUBLIC KEY-----\n";
        let key = parse(ec).unwrap();
        assert_eq!(
            (key.alg, key.jwk["crv"].as_str()),
            (KeyAlg::Es256, Some("P-256"))
        );
        assert!(decoding_key(&key.jwk.to_string()).is_ok());
    }

    #[test]
    fn the_thumbprint_of_rfc_7638s_example_is_its_own() {
        // RFC 7638 §3.1.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let key = parse(&json!({ "kty": "RSA", "n": n, "e": "AQAB", "alg": "RS256" }).to_string())
            .unwrap();
        assert_eq!(
            key.thumbprint,
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
        assert_eq!(key.alg, KeyAlg::Rs256);
    }

    #[test]
    fn weak_private_and_foreign_keys_are_refused() {
        let short_n = URL_SAFE_NO_PAD.encode([0xc5u8; 128]); // 1024 bits
        for bad in [
            json!({ "kty": "RSA", "n": short_n, "e": "AQAB" }).to_string(),
            json!({ "kty": "OKP", "crv": "Ed25519", "x": "NJXANv8ELkxJdwgGX9-KEv4vV6tJjSGVazD3YsNuxzc", "d": "AAAA" }).to_string(),
            json!({ "kty": "OKP", "crv": "X25519", "x": "NJXANv8ELkxJdwgGX9-KEv4vV6tJjSGVazD3YsNuxzc" }).to_string(),
            json!({ "kty": "OKP", "crv": "Ed25519", "x": "NJXANv8ELkxJdwgGX9-KEv4vV6tJjSGVazD3YsNuxzc", "alg": "RS256" }).to_string(),
            json!({ "kty": "EC", "crv": "P-256", "x": URL_SAFE_NO_PAD.encode([1u8; 32]), "y": URL_SAFE_NO_PAD.encode([2u8; 32]) }).to_string(),
            json!({ "kty": "oct", "k": "c2VjcmV0" }).to_string(),
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----".to_string(),
            "ssh-ed25519 AAAA".to_string(),
        ] {
            assert_eq!(parse(&bad), Err(ErrorCode::ApiClientKeyInvalid), "{bad}");
        }
    }
}
