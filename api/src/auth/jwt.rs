//! Short-lived signed tokens (JWT, EdDSA/Ed25519) that the extranet's other applications
//! verify with the public keys at `/.well-known/jwks.json`. The key is parsed once at start-up;
//! earlier keys stay published (`security.previous_signing_keys`) so keys can rotate.

use base64::Engine as _;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::configuration::Keys;

pub struct Signer {
    /// Kept whole: `jsonwebtoken` would derive it (a scalar multiplication) for every token.
    key: ed25519_dalek::SigningKey,
    kid: String,
    jwks: serde_json::Value,
    /// The current and previous public keys by `kid`, to verify what Poort signed.
    verifying: Vec<(String, ed25519_dalek::VerifyingKey)>,
    /// Digests of tokens whose signature verified: a program sends the same access token with
    /// every request for minutes, and an Ed25519 check costs more than the rest of a read.
    /// Only the signature is remembered; expiry, issuer, audience and (in the callers) the
    /// database are checked on every use. Emptied when full.
    verified: std::sync::Mutex<std::collections::HashSet<[u8; 32]>>,
}

/// At most this many verified signatures remembered (32 bytes each).
const VERIFIED_KEPT: usize = 8192;

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
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
            .filter_map(|p| Some((kid_of(p), ed25519_dalek::VerifyingKey::from_bytes(p).ok()?)))
            .collect();
        Self {
            key: ed25519_dalek::SigningKey::from_bytes(seed),
            kid: kid_of(&public),
            jwks: serde_json::json!({ "keys": published }),
            verifying,
            verified: std::sync::Mutex::default(),
        }
    }

    /// Signs `claims` as a JWT (`typ: JWT`).
    pub fn sign<T: Serialize>(&self, claims: &T) -> anyhow::Result<String> {
        self.sign_typed(claims, "JWT")
    }

    /// Signs `claims` with this `typ` header (`at+jwt` for access tokens, RFC 9068): a JWS in
    /// compact form, `{"typ", "alg": "EdDSA", "kid"}`.
    pub fn sign_typed<T: Serialize>(&self, claims: &T, typ: &str) -> anyhow::Result<String> {
        use ed25519_dalek::Signer as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = serde_json::to_vec(&serde_json::json!({
            "typ": typ, "alg": "EdDSA", "kid": self.kid,
        }))?;
        let claims = serde_json::to_vec(claims)?;
        let mut token = b64.encode(header);
        token.push('.');
        b64.encode_string(claims, &mut token);
        let signature = self.key.sign(token.as_bytes());
        token.push('.');
        b64.encode_string(signature.to_bytes(), &mut token);
        Ok(token)
    }

    /// The claims of a token Poort signed with one of its keys, of this `typ`, for this
    /// audience and issuer, not expired at `now` (Poort's clock, which made `exp`: no leeway).
    /// `None` for anything else. Checked here rather than through `jsonwebtoken`: every bearer
    /// request comes through, and a key parsed once and one pass over the token save a good
    /// part of a read's time.
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        typ: &str,
        audience: &str,
        issuer: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<T> {
        #[derive(serde::Deserialize)]
        struct Header<'a> {
            alg: &'a str,
            typ: Option<&'a str>,
            kid: Option<&'a str>,
        }
        #[derive(serde::Deserialize)]
        struct Registered<'a> {
            exp: i64,
            iss: &'a str,
            aud: &'a str,
            #[allow(dead_code, reason = "required, as for every token Poort signs")]
            sub: serde::de::IgnoredAny,
        }
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let (signed, signature) = token.rsplit_once('.')?;
        let (header, claims) = signed.split_once('.')?;
        let header_bytes = b64.decode(header).ok()?;
        let header: Header = serde_json::from_slice(&header_bytes).ok()?;
        if header.alg != "EdDSA" || !header.typ.is_some_and(|t| t.eq_ignore_ascii_case(typ)) {
            return None;
        }
        let (_, key) = self
            .verifying
            .iter()
            .find(|(k, _)| Some(k.as_str()) == header.kid)?;
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let remembered = || {
            self.verified
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if !remembered().contains(&digest) {
            let signature =
                ed25519_dalek::Signature::from_slice(&b64.decode(signature).ok()?).ok()?;
            key.verify_strict(signed.as_bytes(), &signature).ok()?;
            let mut verified = remembered();
            if verified.len() >= VERIFIED_KEPT {
                verified.clear();
            }
            verified.insert(digest);
        }
        let claims = b64.decode(claims).ok()?;
        let registered: Registered = serde_json::from_slice(&claims).ok()?;
        if registered.exp <= now.timestamp()
            || registered.iss != issuer
            || registered.aud != audience
        {
            return None;
        }
        serde_json::from_slice(&claims).ok()
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
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};

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

    #[test]
    fn verify_takes_only_its_own_live_tokens_of_the_right_kind() {
        let keys = |seed: u8| Keys {
            signing_key: SecretBytes::new([seed; 32]),
            encryption_key: SecretBytes::new([8; 32]),
            previous_signing_keys: vec![],
        };
        let signer = Signer::new(&keys(7));
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let claims = |exp: i64, aud: &str| serde_json::json!({ "iss": "https://poort", "sub": "c", "aud": aud, "exp": exp, "x": 1 });
        let token = signer
            .sign_typed(&claims(now.timestamp() + 60, "api"), "at+jwt")
            .unwrap();
        let verify = |t: &str, typ: &str, aud: &str| {
            signer.verify::<serde_json::Value>(t, typ, aud, "https://poort", now)
        };
        assert_eq!(verify(&token, "at+jwt", "api").unwrap()["x"], 1);
        assert!(
            verify(&token, "JWT", "api").is_none(),
            "another kind of token"
        );
        assert!(
            verify(&token, "at+jwt", "extranet").is_none(),
            "another audience"
        );
        assert!(
            signer
                .verify::<serde_json::Value>(&token, "at+jwt", "api", "https://elsewhere", now)
                .is_none()
        );
        let late = signer
            .sign_typed(&claims(now.timestamp(), "api"), "at+jwt")
            .unwrap();
        assert!(verify(&late, "at+jwt", "api").is_none(), "expired at exp");
        let foreign = Signer::new(&keys(9))
            .sign_typed(&claims(now.timestamp() + 60, "api"), "at+jwt")
            .unwrap();
        assert!(verify(&foreign, "at+jwt", "api").is_none(), "another key");
        let (body, _) = token.rsplit_once('.').unwrap();
        let forged = format!("{body}.{}", "A".repeat(86));
        assert!(
            verify(&forged, "at+jwt", "api").is_none(),
            "a bad signature"
        );
        assert!(verify("a.b", "at+jwt", "api").is_none());
    }

    #[test]
    fn a_remembered_signature_still_checks_everything_else_and_only_for_that_token() {
        let signer = Signer::new(&Keys {
            signing_key: SecretBytes::new([7; 32]),
            encryption_key: SecretBytes::new([8; 32]),
            previous_signing_keys: vec![],
        });
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let token = signer
            .sign_typed(
                &serde_json::json!({ "iss": "i", "sub": "c", "aud": "api", "exp": now.timestamp() + 60 }),
                "at+jwt",
            )
            .unwrap();
        let verify =
            |t: &str, aud: &str, at| signer.verify::<serde_json::Value>(t, "at+jwt", aud, "i", at);
        assert!(verify(&token, "api", now).is_some());
        assert!(verify(&token, "api", now).is_some(), "again, remembered");
        assert_eq!(signer.verified.lock().unwrap().len(), 1);
        assert!(
            verify(&token, "other", now).is_none(),
            "the audience is checked each time"
        );
        assert!(
            verify(&token, "api", now + chrono::Duration::seconds(60)).is_none(),
            "expiry is checked each time"
        );
        // The same header and claims with another signature is another token: checked anew.
        let (body, signature) = token.rsplit_once('.').unwrap();
        let mut other: Vec<u8> = signature.bytes().collect();
        other[10] = if other[10] == b'A' { b'B' } else { b'A' };
        let forged = format!("{body}.{}", String::from_utf8(other).unwrap());
        assert!(verify(&forged, "api", now).is_none());
        // Claims changed under the remembered signature: checked anew, refused.
        let (header, _) = body.split_once('.').unwrap();
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"iss":"i","sub":"admin","aud":"api","exp":1900000000}"#);
        assert!(verify(&format!("{header}.{claims}.{signature}"), "api", now).is_none());
    }
}
