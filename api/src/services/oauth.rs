//! What programs ask of Poort: access tokens for API clients (`/oauth2/token`, RFC 6749 §4.4
//! with `private_key_jwt` per RFC 7523 or a client secret over HTTP Basic), introspection of
//! access and user tokens (RFC 7662), and rights checks. Every answer reads the database, so a
//! revoked client, key, right or session counts from the next request on every instance.

use chrono::Duration;
use poort_shared::dto::{
    AccessTokenClaims, AccessTokenResponse, ApiClientStatus, AuditAction, IntrospectionResponse,
    PortfolioClaim, RightsCheckReason, RightsCheckResponse, UserTokenClaims,
};
use poort_shared::validate::AgencyNumber;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::bearer::{ACCESS_TOKEN_TYPE, ApiCaller, access_token_audience};
use crate::auth::client_keys;
use crate::auth::principal::{Actor, ClientInfo};
use crate::auth::secrets::token_hash;
use crate::domain::ApiClient;
use crate::domain::api_client::{self, AssertionClaims, TokenRefusal};
use crate::domain::limits::{Limit, Verdict};
use crate::domain::office::check_right;
use crate::domain::session::SessionRules;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::clients::ClientCredentials;
use crate::store::tokens::{TokenRecord, Unchanged};

/// The assertion type of `private_key_jwt` (RFC 7523 §2.2).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How a client authenticates at the token endpoint.
pub enum ClientAuth {
    /// `private_key_jwt`: a signed assertion, and the `client_id` parameter if sent.
    Assertion {
        assertion: String,
        client_id: Option<String>,
    },
    /// `client_secret_basic`.
    Secret { client_id: String, secret: String },
}

/// Why the token endpoint did not answer with a token.
pub enum TokenError {
    Refused(TokenRefusal),
    RateLimited { retry_after_seconds: i64 },
    Failed(ApiError),
}

impl From<TokenRefusal> for TokenError {
    fn from(r: TokenRefusal) -> Self {
        TokenError::Refused(r)
    }
}

impl From<ApiError> for TokenError {
    fn from(e: ApiError) -> Self {
        TokenError::Failed(e)
    }
}

impl From<crate::store::StoreError> for TokenError {
    fn from(e: crate::store::StoreError) -> Self {
        TokenError::Failed(e.into())
    }
}

impl From<anyhow::Error> for TokenError {
    fn from(e: anyhow::Error) -> Self {
        TokenError::Failed(e.into())
    }
}

/// The token endpoint's own URL: the `aud` assertions name (the issuer is accepted too).
pub fn token_endpoint(state: &AppState) -> String {
    format!("{}/oauth2/token", state.public_url)
}

async fn count(state: &AppState, limit: Limit<'_>) -> Result<(), TokenError> {
    let rule = limit.rule(state.policy());
    let now = state.now();
    let (hits, started) = state
        .store
        .hit_rate_limit(&limit.key(), rule.window, now)
        .await?;
    within(rule.judge(hits, started, now))
}

fn within(verdict: Verdict) -> Result<(), TokenError> {
    match verdict {
        Verdict::Within => Ok(()),
        Verdict::Over {
            retry_after_seconds,
        } => Err(TokenError::RateLimited {
            retry_after_seconds,
        }),
    }
}

/// The claims of an assertion as RFC 7523 reads them (`aud` a string or a list).
fn assertion_claims(value: &serde_json::Value) -> AssertionClaims {
    let text = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_string);
    let number = |name: &str| value.get(name).and_then(serde_json::Value::as_i64);
    let aud = match value.get("aud") {
        Some(serde_json::Value::String(a)) => vec![a.clone()],
        Some(serde_json::Value::Array(list)) => list
            .iter()
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    AssertionClaims {
        iss: text("iss"),
        sub: text("sub"),
        aud,
        exp: number("exp"),
        nbf: number("nbf"),
        iat: number("iat"),
        jti: text("jti"),
    }
}

/// An authenticated client: who, with which credential (a key or the secret), and, for an
/// assertion, its jti (hashed) and until when it must be remembered.
struct Authenticated {
    found: ClientCredentials,
    credential: Uuid,
    jti: Option<(Vec<u8>, chrono::DateTime<chrono::Utc>)>,
}

/// A client assertion taken apart once (nothing verified yet).
struct Assertion<'a> {
    /// `header.claims`, what the signature signs.
    signed: &'a str,
    signature: &'a str,
    header: jsonwebtoken::Header,
    claims: serde_json::Value,
}

impl<'a> Assertion<'a> {
    fn parse(jwt: &'a str) -> Option<Self> {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let (signed, signature) = jwt.rsplit_once('.')?;
        let (header, claims) = signed.split_once('.')?;
        if claims.contains('.') {
            return None;
        }
        let header = serde_json::from_slice(&b64.decode(header).ok()?).ok()?;
        let claims: serde_json::Value = serde_json::from_slice(&b64.decode(claims).ok()?).ok()?;
        claims.is_object().then_some(Self {
            signed,
            signature,
            header,
            claims,
        })
    }

    fn iss(&self) -> Option<&str> {
        self.claims.get("iss").and_then(|v| v.as_str())
    }
}

/// The client and key a request names (before anything is verified): what the first read
/// looks up.
fn named(auth: &ClientAuth) -> Option<(String, Option<String>)> {
    match auth {
        ClientAuth::Secret { client_id, .. } => Some((client_id.clone(), None)),
        ClientAuth::Assertion { assertion, .. } => {
            let parsed = Assertion::parse(assertion)?;
            Some((parsed.iss()?.to_string(), Some(parsed.header.kid?)))
        }
    }
}

fn refuse(why: &str) -> TokenError {
    TokenError::Refused(TokenRefusal::InvalidClient(why.to_string()))
}

/// Checks an assertion against the client's key `key` (parsed as `verifying`).
fn verify_assertion(
    state: &AppState,
    assertion: &Assertion<'_>,
    found: ClientCredentials,
    verifying: &client_keys::VerifyingKey,
) -> Result<Authenticated, TokenError> {
    let key = found
        .key
        .as_ref()
        .ok_or_else(|| refuse("the client has no key with this kid"))?;
    if assertion.header.alg != client_keys::algorithm(key.alg) {
        return Err(refuse(
            "the assertion is not signed with the key's algorithm",
        ));
    }
    if !verifying.verifies(assertion.signed, assertion.signature) {
        return Err(refuse("the client assertion's signature does not verify"));
    }
    let claims = assertion_claims(&assertion.claims);
    let audiences = [token_endpoint(state), state.public_url.clone()];
    let remember_until =
        api_client::check_assertion(&claims, &found.client.client_id, &audiences, state.now())?;
    let jti = claims.jti.unwrap_or_default();
    Ok(Authenticated {
        credential: key.id,
        found,
        jti: Some((Sha256::digest(jti.as_bytes()).to_vec(), remember_until)),
    })
}

/// Authenticates the client; `read` is what the first read found for [`named`] (or `None`
/// when it was not read yet). A client authenticated by an assertion is remembered (see
/// `client_keys::KnownClients`).
async fn authenticate(
    state: &AppState,
    auth: &ClientAuth,
    read: Option<Option<ClientCredentials>>,
) -> Result<Authenticated, TokenError> {
    match auth {
        ClientAuth::Secret { client_id, secret } => {
            let found = match read {
                Some(found) => found,
                None => state.store.client_credentials(client_id, None).await?,
            }
            .ok_or_else(|| refuse("unknown client or wrong secret"))?;
            let (Some(hash), Some(secret_id)) = (&found.secret_hash, found.client.secret_id) else {
                return Err(refuse("unknown client or wrong secret"));
            };
            // Digests of a 256-bit secret: comparing them tells nothing about the secret.
            if *hash != token_hash(secret) {
                return Err(refuse("unknown client or wrong secret"));
            }
            Ok(Authenticated {
                found,
                credential: secret_id,
                jti: None,
            })
        }
        ClientAuth::Assertion {
            assertion,
            client_id,
        } => {
            let parsed = Assertion::parse(assertion)
                .ok_or_else(|| refuse("the client assertion is not a JWT"))?;
            let kid = parsed
                .header
                .kid
                .clone()
                .ok_or_else(|| refuse("the client assertion's header names no kid"))?;
            let iss = parsed
                .iss()
                .ok_or_else(|| refuse("the client assertion has no iss"))?;
            if client_id.as_deref().is_some_and(|id| id != iss) {
                return Err(refuse("client_id and the assertion's iss differ"));
            }
            let found = match read {
                Some(found) => found,
                None => state.store.client_credentials(iss, Some(&kid)).await?,
            }
            .ok_or_else(|| refuse("unknown client"))?;
            let key = found
                .key
                .as_ref()
                .ok_or_else(|| refuse("the client has no key with this kid"))?;
            let verifying = client_keys::VerifyingKey::of(key.alg, &key.jwk)?;
            let done = verify_assertion(state, &parsed, found, &verifying)?;
            state.known_clients.remember(client_keys::Known {
                found: done.found.clone(),
                key: verifying,
            });
            Ok(done)
        }
    }
}

fn client_audit(
    client: &ApiClient,
    info: &ClientInfo,
    action: AuditAction,
    details: serde_json::Value,
) -> crate::store::AuditRecord {
    Actor {
        id: None,
        api_client: Some(client.id),
        client: info,
    }
    .audit(action, None, client.owner.office_id(), details)
}

/// A refusal of a known client, in its office's audit trail.
async fn refused(
    state: &AppState,
    client: &ApiClient,
    info: &ClientInfo,
    why: &TokenRefusal,
) -> Result<(), ApiError> {
    let mut tx = state.store.begin().await?;
    tx.audit(
        &client_audit(
            client,
            info,
            AuditAction::ApiClientTokenRefused,
            json!({ "error": why.error(), "reason": why.description() }),
        ),
        state.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `grant_type=client_credentials`: authenticates the client and issues an access token.
///
/// A client this process issued a token to before takes the quick way: its assertion is
/// checked with the key as read then, and the token's one write counts the address too and
/// goes ahead only while the client is still as read (otherwise the request takes the full way
/// below, reading the client afresh). Otherwise: the address counted and the client read (one
/// step), the client authenticated, and the token's write.
pub async fn token(
    state: &AppState,
    auth: Option<ClientAuth>,
    grant_type: Option<&str>,
    scope: Option<&str>,
    info: &ClientInfo,
) -> Result<AccessTokenResponse, TokenError> {
    if grant_type == Some("client_credentials")
        && let Some(auth) = &auth
        && let Some(answer) = quick(state, auth, scope, info).await?
    {
        return Ok(answer);
    }
    // The address's count and the client named, in one statement where the database allows.
    let read = match (&info.ip, auth.as_ref().and_then(named)) {
        (Some(ip), Some((client_id, kid))) => {
            let limit = Limit::OAuthPerClientAddress(ip);
            let rule = limit.rule(state.policy());
            let now = state.now();
            let ((hits, started), found) = state
                .store
                .hit_and_find_client(&limit.key(), rule.window, now, &client_id, kid.as_deref())
                .await?;
            within(rule.judge(hits, started, now))?;
            Some(found)
        }
        (Some(ip), None) => {
            count(state, Limit::OAuthPerClientAddress(ip)).await?;
            None
        }
        (None, _) => None,
    };
    let grant_type =
        grant_type.ok_or(TokenRefusal::InvalidRequest("grant_type is missing".into()))?;
    let auth = auth.ok_or(TokenRefusal::InvalidClient(
        "no client authentication: send a client_assertion or HTTP Basic".into(),
    ))?;
    if grant_type != "client_credentials" {
        return Err(TokenRefusal::UnsupportedGrantType.into());
    }
    let authenticated = match authenticate(state, &auth, read).await {
        Ok(done) => done,
        Err(TokenError::Refused(why)) => {
            // The client is known when the refusal is about its credential: say so in its trail.
            let named = match &auth {
                ClientAuth::Secret { client_id, .. } => Some(client_id.clone()),
                ClientAuth::Assertion { assertion, .. } => {
                    Assertion::parse(assertion).and_then(|a| a.iss().map(str::to_string))
                }
            };
            if let Some(named) = named
                && let Some(known) = state.store.client_credentials(&named, None).await?
            {
                refused(state, &known.client, info, &why).await?;
            }
            return Err(TokenError::Refused(why));
        }
        Err(other) => return Err(other),
    };
    let client = &authenticated.found.client;
    match client.status(state.now()) {
        ApiClientStatus::Active => {}
        ApiClientStatus::Revoked => {
            return Err(TokenRefusal::InvalidClient("the client has been revoked".into()).into());
        }
        ApiClientStatus::Expired => {
            let why = TokenRefusal::UnauthorizedClient("the client has expired".into());
            refused(state, client, info, &why).await?;
            return Err(why.into());
        }
    }
    let scopes = match api_client::granted_scopes(scope, &client.scopes) {
        Ok(scopes) => scopes,
        Err(why) => {
            refused(state, client, info, &why).await?;
            return Err(why.into());
        }
    };
    match issue(state, authenticated, scopes, info, None).await? {
        Issue::Issued(answer) => Ok(answer),
        Issue::ClientChanged => Err(TokenError::Failed(ApiError::from(anyhow::anyhow!(
            "a token without the unchanged check found the client changed"
        )))),
    }
}

/// The quick way for a client this process knows (see [`token`]): `None` sends the request
/// the full way, whenever anything is not as expected (the client or key is not known here,
/// or changed, the assertion does not verify with the key known, the status or scope would
/// refuse): the full way reads afresh and gives the answer.
async fn quick(
    state: &AppState,
    auth: &ClientAuth,
    scope: Option<&str>,
    info: &ClientInfo,
) -> Result<Option<AccessTokenResponse>, TokenError> {
    let ClientAuth::Assertion {
        assertion,
        client_id,
    } = auth
    else {
        return Ok(None);
    };
    let Some(parsed) = Assertion::parse(assertion) else {
        return Ok(None);
    };
    let (Some(iss), Some(kid)) = (parsed.iss(), parsed.header.kid.as_deref()) else {
        return Ok(None);
    };
    if client_id.as_deref().is_some_and(|id| id != iss) {
        return Ok(None);
    }
    let Some(known) = state.known_clients.get(iss, kid) else {
        return Ok(None);
    };
    let forget = || {
        state.known_clients.forget(iss, kid);
        Ok(None)
    };
    let Some(unchanged) = Unchanged::of(&known.found) else {
        return forget();
    };
    let Ok(authenticated) = verify_assertion(state, &parsed, known.found.clone(), &known.key)
    else {
        return forget();
    };
    if known.found.client.status(state.now()) != ApiClientStatus::Active {
        return forget();
    }
    let Ok(scopes) = api_client::granted_scopes(scope, &known.found.client.scopes) else {
        return forget();
    };
    match issue(state, authenticated, scopes, info, Some(unchanged)).await? {
        Issue::Issued(answer) => Ok(Some(answer)),
        Issue::ClientChanged => forget(),
    }
}

enum Issue {
    Issued(AccessTokenResponse),
    /// The client is no longer as it was read (only with the unchanged check): nothing written
    /// but the counts.
    ClientChanged,
}

/// Counts the client's limit (and the address's, with `unchanged`: the quick way), records the
/// token (its `jti`, the client and key used, the audit event) and signs it.
async fn issue(
    state: &AppState,
    authenticated: Authenticated,
    scopes: Vec<poort_shared::dto::ApiScope>,
    info: &ClientInfo,
    unchanged: Option<Unchanged>,
) -> Result<Issue, TokenError> {
    let Authenticated {
        found,
        credential,
        jti,
    } = authenticated;
    let client = &found.client;
    let now = state.now();
    let lifetime = state.settings.security.access_token_lifetime_seconds;
    let claims = AccessTokenClaims {
        iss: state.public_url.clone(),
        sub: client.client_id.clone(),
        aud: access_token_audience(state),
        client_id: client.client_id.clone(),
        iat: now.timestamp(),
        exp: (now + Duration::seconds(lifetime)).timestamp(),
        jti: crate::store::new_id(now),
        scope: api_client::scope_text(&scopes),
        office_id: client.owner.office_id(),
        cred: credential,
    };
    let key = found.key.as_ref().map(|k| k.id);
    let stale = |last: Option<chrono::DateTime<chrono::Utc>>| {
        last.is_none_or(|at| at + Duration::seconds(60) <= now)
    };
    let mark = (stale(client.last_used_at)
        || found.key.as_ref().is_some_and(|k| stale(k.last_used_at)))
    .then_some(key);
    let audit = client_audit(
        client,
        info,
        AuditAction::ApiClientTokenIssued,
        json!({ "scope": claims.scope, "jti": claims.jti, "credential": credential }),
    );
    // The client's own count, and within it everything a token writes, in one go.
    let limit = Limit::TokensPerClient(client.id);
    let (limit_key, rule) = (limit.key(), limit.rule(state.policy()));
    let address = unchanged.as_ref().and(info.ip.as_deref()).map(|ip| {
        let limit = Limit::OAuthPerClientAddress(ip);
        (limit.key(), limit.rule(state.policy()))
    });
    let recorded = state
        .store
        .record_token(&TokenRecord {
            client: client.id,
            limit: (&limit_key, rule.window, rule.max),
            jti: jti.as_ref().map(|(hash, until)| (hash.as_slice(), *until)),
            mark,
            audit: &audit,
            now,
            address: address
                .as_ref()
                .map(|(key, rule)| (key.as_str(), rule.window, rule.max)),
            unchanged,
        })
        .await?;
    if let (Some((_, rule)), Some((hits, started))) = (&address, recorded.address_hit) {
        within(rule.judge(hits, started, now))?;
    }
    let (hits, started) = recorded.hit;
    within(rule.judge(hits, started, now))?;
    if !recorded.unchanged {
        return Ok(Issue::ClientChanged);
    }
    if !recorded.issued {
        let why = TokenRefusal::InvalidClient("this client assertion was used before (jti)".into());
        refused(state, client, info, &why).await?;
        return Err(why.into());
    }
    if mark.is_some() {
        state.known_clients.touched(&found, now);
    }
    Ok(Issue::Issued(AccessTokenResponse {
        access_token: state.signer.sign_typed(&claims, ACCESS_TOKEN_TYPE)?,
        token_type: "Bearer".into(),
        expires_in: lifetime,
        scope: claims.scope,
    }))
}

/// RFC 7662: whether a token is active now, for a client with `rights:check`. An office's
/// client learns only of its own office's tokens; the rest are `active: false`.
pub async fn introspect(
    state: &AppState,
    caller: &ApiCaller,
    token: &str,
) -> Result<IntrospectionResponse, ApiError> {
    let inactive = IntrospectionResponse::default();
    let scope = caller.client.owner.scope();
    if let Some(claims) = state.signer.verify::<AccessTokenClaims>(
        token,
        ACCESS_TOKEN_TYPE,
        &access_token_audience(state),
        &state.public_url,
        state.now(),
    ) {
        let Some(client) = state
            .store
            .bearer_client(&claims.client_id, claims.cred)
            .await?
        else {
            return Ok(inactive);
        };
        if client.status(state.now()) != ApiClientStatus::Active
            || !scope.contains(client.owner.office_id())
        {
            return Ok(inactive);
        }
        return Ok(IntrospectionResponse {
            active: true,
            token_type: Some("access_token".into()),
            sub: Some(claims.sub),
            client_id: Some(claims.client_id),
            scope: Some(claims.scope),
            iss: Some(claims.iss),
            aud: Some(claims.aud),
            iat: Some(claims.iat),
            exp: Some(claims.exp),
            office_id: claims.office_id,
            portfolio: None,
            rights: None,
        });
    }
    let Some(claims) = state.signer.verify::<UserTokenClaims>(
        token,
        "JWT",
        &state.settings.security.token_audience,
        &state.public_url,
        state.now(),
    ) else {
        return Ok(inactive);
    };
    let mut tx = state.store.read().await?;
    let account = tx.get_account(claims.sub).await?;
    let sessions = tx.sessions_of_account(claims.sub).await?;
    let rights = tx.rights_of_account(claims.sub).await?;
    tx.commit().await?;
    let rules = SessionRules::from_policy(state.policy());
    let live = sessions
        .iter()
        .any(|s| s.id == claims.sid && rules.is_open(s, state.now()));
    let Some(account) = account.filter(|a| {
        live && a.status == poort_shared::dto::AccountStatus::Active && scope.may_manage(a)
    }) else {
        return Ok(inactive);
    };
    if !caller.client.reaches_portfolio(claims.portfolio.id) {
        return Ok(inactive);
    }
    let now_rights = rights
        .into_iter()
        .filter(|r| r.portfolio_id == claims.portfolio.id)
        .map(|r| r.right_code)
        .collect();
    Ok(IntrospectionResponse {
        active: true,
        token_type: Some("user_token".into()),
        sub: Some(account.id.to_string()),
        client_id: None,
        scope: None,
        iss: Some(claims.iss),
        aud: Some(claims.aud),
        iat: Some(claims.iat),
        exp: Some(claims.exp),
        office_id: account.office_id,
        portfolio: Some(PortfolioClaim {
            id: claims.portfolio.id,
            agency_number: claims.portfolio.agency_number,
        }),
        rights: Some(now_rights),
    })
}

/// Checks (portfolio, right) pairs for one account: 404 for an account outside the caller's
/// office; each answer says why.
pub async fn check_rights(
    state: &AppState,
    caller: &ApiCaller,
    account_id: Uuid,
    checks: &[(String, String)],
) -> Result<Vec<RightsCheckResponse>, ApiError> {
    if !(1..=500).contains(&checks.len()) {
        return Err(ApiError::invalid_request("checks: 1 to 500"));
    }
    let scope = caller.client.owner.scope();
    let mut tx = state.store.read().await?;
    let account = tx
        .get_account(account_id)
        .await?
        .filter(|a| scope.may_manage(a))
        .ok_or(ApiError::from(poort_shared::ErrorCode::NotFound))?;
    let catalogue = tx.rights_catalogue().await?;
    let held = tx.rights_of_account(account.id).await?;
    let mut out = Vec::with_capacity(checks.len());
    for (portfolio_text, right) in checks {
        let portfolio = match Uuid::parse_str(portfolio_text) {
            Ok(id) => tx.get_portfolio(id).await?,
            Err(_) => match AgencyNumber::parse(portfolio_text) {
                Ok(number) => tx.find_portfolio_by_agency_number(&number).await?,
                Err(_) => None,
            },
        };
        let known = catalogue.iter().any(|r| r.code == *right);
        let reachable = portfolio
            .as_ref()
            .is_some_and(|p| caller.client.reaches_portfolio(p.id));
        let reason = check_right(&account, portfolio.as_ref(), known, reachable, &held, right);
        out.push(RightsCheckResponse {
            allowed: reason == RightsCheckReason::Granted,
            reason,
            account_id: account.id,
            portfolio: portfolio_text.clone(),
            right: right.clone(),
        });
    }
    tx.commit().await?;
    Ok(out)
}
