//! An OpenID Connect relying party for the eHerkenning broker: discovery, the authorization
//! request (code flow with PKCE S256, `state`, `nonce`, `prompt=login`), the code exchange and
//! every check of the ID token (signature with an allowed algorithm and the broker's published
//! key, issuer, audience and `azp`, expiry and issue time at Poort's clock, nonce, `at_hash`
//! where sent), and userinfo when the ID token does not name the company. Nothing here decides
//! who may sign in: that is `domain::eherkenning`'s.

use std::str::FromStr as _;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret as _;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256, Sha384, Sha512};
use tokio::sync::RwLock;

use crate::configuration::{BrokerClientAuth, EherkenningSettings};

/// How long discovery and the broker's keys are kept before they are fetched again (an
/// unknown `kid` fetches the keys at once).
const CACHE_FOR: Duration = Duration::from_secs(3600);
/// Clock difference allowed with the broker.
const LEEWAY_SECONDS: i64 = 60;

/// Why the broker's part failed.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// No answer (connection refused, timeout, not JSON where JSON was due).
    #[error("the broker could not be reached: {0}")]
    Unreachable(String),
    /// An answer that was refused by a check, or an error answer.
    #[error("the broker's answer was refused: {0}")]
    Refused(String),
}

fn refused(why: impl Into<String>) -> BrokerError {
    BrokerError::Refused(why.into())
}

#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    userinfo_endpoint: Option<String>,
}

/// Our key for `private_key_jwt`.
struct AssertionKey {
    key: EncodingKey,
    alg: Algorithm,
    kid: Option<String>,
}

pub struct Broker {
    settings: EherkenningSettings,
    issuer: String,
    client_id: String,
    http: reqwest::Client,
    algorithms: Vec<Algorithm>,
    assertion_key: Option<AssertionKey>,
    discovery: RwLock<Option<(Instant, Discovery)>>,
    keys: RwLock<Option<(Instant, Vec<Jwk>)>>,
}

/// What the broker said, after every check: the ID token's claims with userinfo's added.
#[derive(Debug, Clone)]
pub struct Answer {
    pub claims: Map<String, Value>,
}

impl Broker {
    /// The broker of `[eherkenning]`, or `None` when it is off. Reads the private key now, so
    /// a bad one stops start-up.
    pub fn new(settings: &EherkenningSettings) -> anyhow::Result<Option<Self>> {
        let Some(issuer) = settings.issuer.clone() else {
            return Ok(None);
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.timeout_seconds.max(1)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("cannot build the HTTP client for the eHerkenning broker")?;
        let algorithms = settings
            .algorithms
            .iter()
            .map(|a| Algorithm::from_str(a).with_context(|| format!("eherkenning.algorithms: {a}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let assertion_key = match (settings.client_auth, &settings.private_key_file) {
            (BrokerClientAuth::PrivateKeyJwt, Some(path)) => {
                let pem = std::fs::read(path)
                    .with_context(|| format!("eherkenning.private_key_file: {}", path.display()))?;
                let (key, alg) = EncodingKey::from_ed_pem(&pem)
                    .map(|k| (k, Algorithm::EdDSA))
                    .or_else(|_| EncodingKey::from_ec_pem(&pem).map(|k| (k, Algorithm::ES256)))
                    .or_else(|_| EncodingKey::from_rsa_pem(&pem).map(|k| (k, Algorithm::RS256)))
                    .map_err(|_| {
                        anyhow::anyhow!(
                            "eherkenning.private_key_file: {} is not an Ed25519, P-256 or RSA private key",
                            path.display()
                        )
                    })?;
                Some(AssertionKey {
                    key,
                    alg,
                    kid: settings.private_key_id.clone(),
                })
            }
            _ => None,
        };
        Ok(Some(Self {
            client_id: settings.client_id.clone().unwrap_or_default(),
            settings: settings.clone(),
            issuer: issuer.trim_end_matches('/').to_string(),
            http,
            algorithms,
            assertion_key,
            discovery: RwLock::new(None),
            keys: RwLock::new(None),
        }))
    }

    /// The issuer links are kept under.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    async fn get_json(&self, url: &str) -> Result<Value, BrokerError> {
        let answer = self
            .http
            .get(url)
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| BrokerError::Unreachable(format!("{url}: {e}")))?;
        if !answer.status().is_success() {
            return Err(BrokerError::Unreachable(format!(
                "{url} answered {}",
                answer.status()
            )));
        }
        answer
            .json()
            .await
            .map_err(|e| BrokerError::Unreachable(format!("{url}: not JSON: {e}")))
    }

    async fn discovery(&self) -> Result<Discovery, BrokerError> {
        if let Some((at, d)) = &*self.discovery.read().await
            && at.elapsed() < CACHE_FOR
        {
            return Ok(d.clone());
        }
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
        let found: Discovery = serde_json::from_value(self.get_json(&url).await?)
            .map_err(|e| BrokerError::Unreachable(format!("{url}: {e}")))?;
        // OpenID Connect Discovery §4.3: the document is the issuer's own.
        if found.issuer.trim_end_matches('/') != self.issuer {
            return Err(refused(format!(
                "discovery names issuer {:?}, configured is {:?}",
                found.issuer, self.issuer
            )));
        }
        *self.discovery.write().await = Some((Instant::now(), found.clone()));
        Ok(found)
    }

    /// The broker's signing keys; fetched again when `kid` is not among them.
    async fn key_for(&self, kid: Option<&str>, alg: Algorithm) -> Result<DecodingKey, BrokerError> {
        for fresh in [false, true] {
            let cached = match &*self.keys.read().await {
                Some((at, keys)) if !fresh && at.elapsed() < CACHE_FOR => Some(keys.clone()),
                _ => None,
            };
            let keys = match cached {
                Some(keys) => keys,
                None => {
                    let uri = self.discovery().await?.jwks_uri;
                    let set = self.get_json(&uri).await?;
                    let keys: Vec<Jwk> = set
                        .get("keys")
                        .and_then(Value::as_array)
                        .map(|list| {
                            list.iter()
                                .filter(|k| k.get("use").and_then(Value::as_str) != Some("enc"))
                                .filter_map(|k| serde_json::from_value(k.clone()).ok())
                                .collect()
                        })
                        .unwrap_or_default();
                    *self.keys.write().await = Some((Instant::now(), keys.clone()));
                    keys
                }
            };
            let fits = |k: &&Jwk| {
                kid.is_none_or(|kid| k.common.key_id.as_deref() == Some(kid))
                    && k.common
                        .key_algorithm
                        .is_none_or(|a| a.to_string() == format!("{alg:?}"))
            };
            let mut matching = keys.iter().filter(fits);
            if let (Some(key), None) = (matching.next(), matching.next()) {
                return DecodingKey::from_jwk(key)
                    .map_err(|e| refused(format!("the broker's key cannot be used: {e}")));
            }
            if kid.is_none() && fresh {
                return Err(refused(
                    "the ID token names no kid and the broker has several keys",
                ));
            }
        }
        Err(refused(format!("the broker publishes no key {kid:?}")))
    }

    /// The URL the browser goes to: code flow, PKCE S256, `prompt=login`.
    pub async fn authorize_url(
        &self,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
        code_challenge: &str,
    ) -> Result<String, BrokerError> {
        let d = self.discovery().await?;
        let mut scopes: Vec<&str> = vec!["openid"];
        scopes.extend(
            self.settings
                .scopes
                .iter()
                .map(String::as_str)
                .filter(|s| *s != "openid"),
        );
        let scope = scopes.join(" ");
        let default_acr = crate::domain::eherkenning::Level::parse(&self.settings.minimum_level)
            .map(|l| l.urn().to_string())
            .unwrap_or_default();
        let acr = self.settings.acr_values.clone().unwrap_or(default_acr);
        let mut query = vec![
            ("response_type", "code"),
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", redirect_uri),
            ("scope", scope.as_str()),
            ("state", state),
            ("nonce", nonce),
            ("code_challenge", code_challenge),
            ("code_challenge_method", "S256"),
            ("prompt", "login"),
        ];
        if !acr.is_empty() {
            query.push(("acr_values", acr.as_str()));
        }
        let query = serde_urlencoded::to_string(&query)
            .map_err(|e| refused(format!("cannot build the request: {e}")))?;
        let sep = if d.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(format!("{}{sep}{query}", d.authorization_endpoint))
    }

    fn client_assertion(
        &self,
        token_endpoint: &str,
        now: DateTime<Utc>,
    ) -> Result<String, BrokerError> {
        let Some(key) = &self.assertion_key else {
            return Err(refused("no private key for private_key_jwt"));
        };
        let mut header = Header::new(key.alg);
        header.kid.clone_from(&key.kid);
        let jti = crate::auth::secrets::new_token().map_err(|e| refused(e.to_string()))?;
        let claims = json!({
            "iss": self.client_id, "sub": self.client_id, "aud": token_endpoint,
            "jti": jti, "iat": now.timestamp(), "exp": now.timestamp() + 60,
        });
        jsonwebtoken::encode(&header, &claims, &key.key)
            .map_err(|e| refused(format!("cannot sign the client assertion: {e}")))
    }

    /// Exchanges the code and checks everything the broker says; `nonce` is the one sent.
    pub async fn finish(
        &self,
        code: &str,
        code_verifier: &str,
        redirect_uri: &str,
        nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<Answer, BrokerError> {
        let d = self.discovery().await?;
        let mut form: Vec<(&str, String)> = vec![
            ("grant_type", "authorization_code".into()),
            ("code", code.into()),
            ("redirect_uri", redirect_uri.into()),
            ("code_verifier", code_verifier.into()),
        ];
        let mut request = self
            .http
            .post(&d.token_endpoint)
            .header("Accept", "application/json");
        let secret = || {
            self.settings
                .client_secret
                .as_ref()
                .map(|s| s.expose_secret().to_string())
                .unwrap_or_default()
        };
        match self.settings.client_auth {
            BrokerClientAuth::ClientSecretBasic => {
                // RFC 6749 §2.3.1: both form-encoded before they go into Basic.
                let enc = |s: &str| {
                    serde_urlencoded::to_string([("", s)])
                        .map(|t| t.trim_start_matches('=').to_string())
                        .unwrap_or_default()
                };
                request = request.basic_auth(enc(&self.client_id), Some(enc(&secret())));
            }
            BrokerClientAuth::ClientSecretPost => {
                form.push(("client_id", self.client_id.clone()));
                form.push(("client_secret", secret()));
            }
            BrokerClientAuth::PrivateKeyJwt => {
                form.push(("client_id", self.client_id.clone()));
                form.push((
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
                ));
                form.push((
                    "client_assertion",
                    self.client_assertion(&d.token_endpoint, now)?,
                ));
            }
        }
        let body = serde_urlencoded::to_string(&form)
            .map_err(|e| refused(format!("cannot build the token request: {e}")))?;
        let answer = request
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| BrokerError::Unreachable(format!("token endpoint: {e}")))?;
        let status = answer.status();
        let body: Value = answer
            .json()
            .await
            .map_err(|e| BrokerError::Unreachable(format!("token endpoint: not JSON: {e}")))?;
        if !status.is_success() {
            return Err(refused(format!(
                "the token endpoint answered {status}: {}",
                body.get("error").and_then(Value::as_str).unwrap_or("?")
            )));
        }
        let id_token = body
            .get("id_token")
            .and_then(Value::as_str)
            .ok_or_else(|| refused("no id_token in the token answer"))?;
        let access_token = body.get("access_token").and_then(Value::as_str);
        let mut claims = self
            .check_id_token(&d, id_token, access_token, nonce, now)
            .await?;
        if !crate::domain::eherkenning::names_company(&claims, &self.settings.claims)
            && let (Some(endpoint), Some(token)) = (&d.userinfo_endpoint, access_token)
        {
            let info = self.userinfo(endpoint, token).await?;
            // OpenID Connect Core §5.3.2: userinfo's sub must be the ID token's.
            if info.get("sub") != claims.get("sub") {
                return Err(refused("userinfo is about another subject"));
            }
            for (name, value) in info {
                claims.entry(name).or_insert(value);
            }
        }
        Ok(Answer { claims })
    }

    async fn userinfo(
        &self,
        endpoint: &str,
        token: &str,
    ) -> Result<Map<String, Value>, BrokerError> {
        let answer = self
            .http
            .get(endpoint)
            .bearer_auth(token)
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| BrokerError::Unreachable(format!("userinfo: {e}")))?;
        if !answer.status().is_success() {
            return Err(refused(format!("userinfo answered {}", answer.status())));
        }
        match answer.json::<Value>().await {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(refused(
                "userinfo is not a JSON object (signed userinfo is not supported)",
            )),
        }
    }

    async fn check_id_token(
        &self,
        d: &Discovery,
        id_token: &str,
        access_token: Option<&str>,
        nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<Map<String, Value>, BrokerError> {
        let header = jsonwebtoken::decode_header(id_token)
            .map_err(|_| refused("the ID token is not a JWT"))?;
        if !self.algorithms.contains(&header.alg) {
            return Err(refused(format!(
                "the ID token is signed with {:?}, not allowed",
                header.alg
            )));
        }
        let key = self.key_for(header.kid.as_deref(), header.alg).await?;
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.set_issuer(&[d.issuer.as_str()]);
        validation.set_audience(&[self.client_id.as_str()]);
        // Expiry and issue time at Poort's clock, below.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.required_spec_claims = ["iss", "aud", "sub", "exp"]
            .iter()
            .map(|c| (*c).to_string())
            .collect();
        let claims = jsonwebtoken::decode::<Map<String, Value>>(id_token, &key, &validation)
            .map_err(|e| refused(format!("the ID token does not verify: {e}")))?
            .claims;
        let number = |name: &str| claims.get(name).and_then(Value::as_i64);
        let t = now.timestamp();
        match number("exp") {
            Some(exp) if exp + LEEWAY_SECONDS > t => {}
            _ => return Err(refused("the ID token has expired")),
        }
        if number("iat").is_none_or(|iat| iat > t + LEEWAY_SECONDS) {
            return Err(refused("the ID token has no iat, or one in the future"));
        }
        if number("nbf").is_some_and(|nbf| nbf > t + LEEWAY_SECONDS) {
            return Err(refused("the ID token is not valid yet"));
        }
        if let Some(Value::Array(audiences)) = claims.get("aud")
            && audiences.len() > 1
            && claims.get("azp").and_then(Value::as_str) != Some(self.client_id.as_str())
        {
            return Err(refused(
                "the ID token has several audiences and another azp",
            ));
        }
        if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
            return Err(refused("the ID token's nonce is not the one sent"));
        }
        if let Some(at_hash) = claims.get("at_hash").and_then(Value::as_str) {
            let token = access_token.ok_or_else(|| refused("at_hash without an access token"))?;
            if at_hash != half_hash(header.alg, token) {
                return Err(refused(
                    "the ID token's at_hash does not match the access token",
                ));
            }
        }
        Ok(claims)
    }
}

/// OpenID Connect Core §3.1.3.6: the left half of the access token's hash with the hash of
/// the signature algorithm, base64url.
fn half_hash(alg: Algorithm, token: &str) -> String {
    let digest: Vec<u8> = match alg {
        Algorithm::RS384 | Algorithm::PS384 | Algorithm::ES384 => Sha384::digest(token).to_vec(),
        Algorithm::RS512 | Algorithm::PS512 | Algorithm::EdDSA => Sha512::digest(token).to_vec(),
        _ => Sha256::digest(token).to_vec(),
    };
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// PKCE S256 (RFC 7636 §4.2): the challenge of a verifier.
pub fn code_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_and_at_hash_follow_the_rfc_examples() {
        // RFC 7636 appendix B.
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        // OpenID Connect Core §A.3 (RS256): access token → at_hash.
        assert_eq!(
            half_hash(
                Algorithm::RS256,
                "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
            ),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }
}
