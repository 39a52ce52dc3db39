//! API clients: machine credentials of an office or of the insurer. The rules: which scopes an
//! owner may give, when a client can get and use tokens, which scopes a token request gets,
//! what a client assertion (RFC 7523) must say, how many keys a client keeps, which portfolios a
//! client reaches, and how a request with an `Idempotency-Key` is answered.

use chrono::{DateTime, Duration, Utc};
use poort_shared::ErrorCode;
use poort_shared::dto::{ApiClientStatus, ApiScope};
use uuid::Uuid;

use super::Scope;

/// A client has at most this many public keys: the current one and the next (rotation).
pub const MAX_KEYS: usize = 2;
/// An assertion may expire at most this far ahead.
pub const MAX_ASSERTION_LIFETIME: Duration = Duration::minutes(5);
/// Clocks of client and server may differ by this much.
pub const CLOCK_SKEW: Duration = Duration::seconds(30);
/// How long the answer to a request with an `Idempotency-Key` is kept.
pub const IDEMPOTENCY_WINDOW: Duration = Duration::hours(24);
/// A request with a key still unanswered after this is taken to have died with its process.
pub const IDEMPOTENCY_STALE: Duration = Duration::seconds(60);

/// Whose client it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Office(Uuid),
    Insurer,
}

impl Owner {
    pub fn office_id(self) -> Option<Uuid> {
        match self {
            Owner::Office(id) => Some(id),
            Owner::Insurer => None,
        }
    }

    pub fn of(office_id: Option<Uuid>) -> Self {
        office_id.map_or(Owner::Insurer, Owner::Office)
    }

    /// Whose data its tokens may touch.
    pub fn scope(self) -> Scope {
        match self {
            Owner::Office(id) => Scope::Office(id),
            Owner::Insurer => Scope::All,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    pub id: Uuid,
    /// The public name the client authenticates with.
    pub client_id: String,
    pub name: String,
    pub owner: Owner,
    pub scopes: Vec<ApiScope>,
    /// Only these portfolios (of its office); `None`: all of them.
    pub portfolio_ids: Option<Vec<Uuid>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The current secret's id, when there is one (its hash stays in the store).
    pub secret_id: Option<Uuid>,
    pub secret_created_at: Option<DateTime<Utc>>,
}

/// A public key of a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClientKey {
    pub id: Uuid,
    pub client: Uuid,
    pub kid: String,
    pub alg: KeyAlg,
    /// The public key as a JWK (JSON text, as normalised when it was added).
    pub jwk: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

poort_shared::wire_enum! {
    /// The signature algorithms a client key may use (one per key).
    pub enum KeyAlg {
        EdDsa = "EdDSA",
        Es256 = "ES256",
        Rs256 = "RS256",
    }
}

impl ApiClient {
    pub fn status(&self, now: DateTime<Utc>) -> ApiClientStatus {
        if self.revoked_at.is_some() {
            ApiClientStatus::Revoked
        } else if self.expires_at.is_some_and(|at| at <= now) {
            ApiClientStatus::Expired
        } else {
            ApiClientStatus::Active
        }
    }

    /// Whether the client may reach this portfolio (of its office).
    pub fn reaches_portfolio(&self, portfolio: Uuid) -> bool {
        self.portfolio_ids
            .as_ref()
            .is_none_or(|ids| ids.contains(&portfolio))
    }
}

/// The scopes an owner may give its clients: office clients everything but the insurer's own.
pub fn check_scopes(owner: Owner, scopes: &[ApiScope]) -> Result<(), ErrorCode> {
    if scopes.is_empty() {
        return Err(ErrorCode::InvalidRequest);
    }
    if owner != Owner::Insurer && scopes.iter().any(|s| insurer_only(*s)) {
        return Err(ErrorCode::ScopeNotAllowed);
    }
    Ok(())
}

/// Scopes only the insurer's clients may hold (the catalogue's `insurer_only`, kept in step
/// with it by a test).
pub fn insurer_only(scope: ApiScope) -> bool {
    scope == ApiScope::OfficesManage
}

/// A portfolio restriction names portfolios of the client's office only, and never for the
/// insurer's clients. `office_portfolios` are the office's.
pub fn check_portfolios(
    owner: Owner,
    wanted: Option<&[Uuid]>,
    office_portfolios: &[Uuid],
) -> Result<Option<Vec<Uuid>>, ErrorCode> {
    let Some(wanted) = wanted else {
        return Ok(None);
    };
    if owner == Owner::Insurer || wanted.is_empty() {
        return Err(ErrorCode::InvalidRequest);
    }
    if wanted.iter().any(|p| !office_portfolios.contains(p)) {
        return Err(ErrorCode::UnknownPortfolio);
    }
    let mut ids = wanted.to_vec();
    ids.sort();
    ids.dedup();
    Ok(Some(ids))
}

/// A client limited to some portfolios grants and revokes rights on those only: every grant
/// must name one of them (else `unknown_portfolio`), and the rights on the office's other
/// portfolios stay as they are. `current` and the result are (portfolio, right) pairs.
pub fn rights_within_limit(
    current: &[(Uuid, String)],
    wanted: Vec<(Uuid, String)>,
    limit: Option<&[Uuid]>,
) -> Result<Vec<(Uuid, String)>, ErrorCode> {
    let Some(limit) = limit else {
        return Ok(wanted);
    };
    if wanted.iter().any(|(p, _)| !limit.contains(p)) {
        return Err(ErrorCode::UnknownPortfolio);
    }
    let mut all = wanted;
    all.extend(current.iter().filter(|(p, _)| !limit.contains(p)).cloned());
    Ok(all)
}

/// Whether a grant names only portfolios within the limit.
pub fn grants_within_limit(portfolios: &[Uuid], limit: Option<&[Uuid]>) -> bool {
    limit.is_none_or(|limit| portfolios.iter().all(|p| limit.contains(p)))
}

/// The scopes a token request gets: all of the client's when it names none, else exactly the
/// ones named, each of which the client must hold (RFC 6749 §3.3). Sorted, without repeats.
pub fn granted_scopes(
    requested: Option<&str>,
    held: &[ApiScope],
) -> Result<Vec<ApiScope>, TokenRefusal> {
    let mut granted: Vec<ApiScope> = match requested.map(str::trim) {
        None | Some("") => held.to_vec(),
        Some(text) => text
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(|name| match ApiScope::parse(name) {
                Some(scope) if held.contains(&scope) => Ok(scope),
                _ => Err(TokenRefusal::InvalidScope(format!(
                    "the client may not have the scope {name:?}"
                ))),
            })
            .collect::<Result<_, _>>()?,
    };
    granted.sort();
    granted.dedup();
    if granted.is_empty() {
        return Err(TokenRefusal::InvalidScope("no scope".into()));
    }
    Ok(granted)
}

/// Space-separated, as OAuth writes scopes.
pub fn scope_text(scopes: &[ApiScope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why `/oauth2/token` refuses (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRefusal {
    InvalidRequest(String),
    /// Client authentication failed (unknown client, bad signature or secret, an assertion
    /// that is expired, replayed or for another audience, a revoked client).
    InvalidClient(String),
    UnsupportedGrantType,
    InvalidScope(String),
    /// The client authenticated but may not get tokens (it has expired).
    UnauthorizedClient(String),
}

impl TokenRefusal {
    pub fn error(&self) -> &'static str {
        match self {
            TokenRefusal::InvalidRequest(_) => "invalid_request",
            TokenRefusal::InvalidClient(_) => "invalid_client",
            TokenRefusal::UnsupportedGrantType => "unsupported_grant_type",
            TokenRefusal::InvalidScope(_) => "invalid_scope",
            TokenRefusal::UnauthorizedClient(_) => "unauthorized_client",
        }
    }

    pub fn description(&self) -> String {
        match self {
            TokenRefusal::InvalidRequest(d)
            | TokenRefusal::InvalidClient(d)
            | TokenRefusal::InvalidScope(d)
            | TokenRefusal::UnauthorizedClient(d) => d.clone(),
            TokenRefusal::UnsupportedGrantType => {
                "only grant_type=client_credentials is supported".into()
            }
        }
    }
}

/// What a verified assertion said (its signature already checked against the client's key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionClaims {
    pub iss: Option<String>,
    pub sub: Option<String>,
    pub aud: Vec<String>,
    pub exp: Option<i64>,
    pub nbf: Option<i64>,
    pub iat: Option<i64>,
    pub jti: Option<String>,
}

/// RFC 7523 §3 for client authentication: `iss` and `sub` are the client id, `aud` names one of
/// `audiences` (the token endpoint's URL or the issuer), `exp` is in the future but at most five
/// minutes ahead, `nbf` and `iat` not in the future, and a `jti` (1–256 characters) is there.
/// Returns when the assertion expires (how long its `jti` must be remembered).
pub fn check_assertion(
    claims: &AssertionClaims,
    client_id: &str,
    audiences: &[String],
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, TokenRefusal> {
    let refuse = |why: &str| {
        Err(TokenRefusal::InvalidClient(format!(
            "client assertion: {why}"
        )))
    };
    if claims.iss.as_deref() != Some(client_id) || claims.sub.as_deref() != Some(client_id) {
        return refuse("iss and sub must both be the client id");
    }
    if !claims.aud.iter().any(|a| audiences.contains(a)) {
        return refuse("aud must be the token endpoint's URL");
    }
    let Some(exp) = claims.exp.and_then(|s| DateTime::from_timestamp(s, 0)) else {
        return refuse("exp is missing");
    };
    if exp + CLOCK_SKEW <= now {
        return refuse("it has expired");
    }
    if exp > now + MAX_ASSERTION_LIFETIME + CLOCK_SKEW {
        return refuse("exp may be at most 5 minutes ahead");
    }
    for (name, at) in [("nbf", claims.nbf), ("iat", claims.iat)] {
        if let Some(at) = at.and_then(|s| DateTime::from_timestamp(s, 0))
            && at > now + CLOCK_SKEW
        {
            return refuse(&format!("{name} is in the future"));
        }
    }
    match claims.jti.as_deref() {
        Some(jti) if !jti.is_empty() && jti.len() <= 256 => {}
        _ => return refuse("jti (1 to 256 characters) is missing"),
    }
    Ok(exp + CLOCK_SKEW)
}

/// Whether another key may be added.
pub fn may_add_key(keys: usize) -> Result<(), ErrorCode> {
    if keys >= MAX_KEYS {
        Err(ErrorCode::ApiClientKeyLimit)
    } else {
        Ok(())
    }
}

/// A client's settings may change, and credentials be added, until it is revoked.
pub fn may_change(client: &ApiClient) -> Result<(), ErrorCode> {
    if client.revoked_at.is_some() {
        Err(ErrorCode::ApiClientRevoked)
    } else {
        Ok(())
    }
}

/// A key id: 1–100 of `A-Z a-z 0-9 . _ -`.
pub fn valid_kid(kid: &str) -> bool {
    (1..=100).contains(&kid.len())
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// An `Idempotency-Key`: 1–255 visible ASCII characters.
pub fn valid_idempotency_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// What is stored for an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub fingerprint: Vec<u8>,
    pub created_at: DateTime<Utc>,
    /// `None` while the first request is still being handled.
    pub answer: Option<(u16, Option<String>, Vec<u8>)>,
}

/// How to handle a request whose key is already stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repeat {
    /// The stored answer is the answer.
    Replay,
    /// Another request with this key is still being handled: wait for it.
    Wait,
    /// The key was used for another request.
    Mismatch,
    /// The stored entry is over (older than the window, or its request died): start afresh.
    Expired,
}

pub fn on_repeat(stored: &StoredAnswer, fingerprint: &[u8], now: DateTime<Utc>) -> Repeat {
    if stored.created_at + IDEMPOTENCY_WINDOW <= now {
        return Repeat::Expired;
    }
    if stored.fingerprint != fingerprint {
        return Repeat::Mismatch;
    }
    match stored.answer {
        Some(_) => Repeat::Replay,
        None if stored.created_at + IDEMPOTENCY_STALE <= now => Repeat::Expired,
        None => Repeat::Wait,
    }
}

/// Which answers are kept for a retry: not a server error (the retry should try again), nor a
/// rate limit (it says "later").
pub fn keeps_answer(status: u16) -> bool {
    status < 500 && status != 429
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn client() -> ApiClient {
        ApiClient {
            id: Uuid::nil(),
            client_id: "pc_1".into(),
            name: "HR".into(),
            owner: Owner::Office(Uuid::from_u128(1)),
            scopes: vec![ApiScope::AccountsRead, ApiScope::RightsCheck],
            portfolio_ids: None,
            revoked_at: None,
            created_by: None,
            created_at: at(0),
            updated_at: at(0),
            last_used_at: None,
            expires_at: Some(at(100)),
            secret_id: None,
            secret_created_at: None,
        }
    }

    #[test]
    fn a_client_is_active_until_it_expires_or_is_revoked() {
        let mut c = client();
        assert_eq!(c.status(at(99)), ApiClientStatus::Active);
        assert_eq!(c.status(at(100)), ApiClientStatus::Expired);
        c.revoked_at = Some(at(50));
        assert_eq!(c.status(at(60)), ApiClientStatus::Revoked);
        assert_eq!(may_change(&c), Err(ErrorCode::ApiClientRevoked));
    }

    #[test]
    fn only_the_insurers_clients_may_manage_offices() {
        let office = Owner::Office(Uuid::from_u128(1));
        assert_eq!(
            check_scopes(office, &[ApiScope::OfficesManage]),
            Err(ErrorCode::ScopeNotAllowed)
        );
        assert!(check_scopes(Owner::Insurer, &[ApiScope::OfficesManage]).is_ok());
        assert!(check_scopes(office, &ApiScope::ALL[..5]).is_ok());
        assert_eq!(check_scopes(office, &[]), Err(ErrorCode::InvalidRequest));
    }

    #[test]
    fn a_portfolio_limit_names_the_offices_own_portfolios() {
        let office = Owner::Office(Uuid::from_u128(1));
        let (a, b, c) = (
            Uuid::from_u128(10),
            Uuid::from_u128(11),
            Uuid::from_u128(12),
        );
        assert_eq!(check_portfolios(office, None, &[a]), Ok(None));
        assert_eq!(
            check_portfolios(office, Some(&[b, a, b]), &[a, b]),
            Ok(Some(vec![a, b]))
        );
        assert_eq!(
            check_portfolios(office, Some(&[c]), &[a, b]),
            Err(ErrorCode::UnknownPortfolio)
        );
        assert_eq!(
            check_portfolios(Owner::Insurer, Some(&[a]), &[a]),
            Err(ErrorCode::InvalidRequest)
        );
        let mut limited = client();
        limited.portfolio_ids = Some(vec![a]);
        assert!(limited.reaches_portfolio(a) && !limited.reaches_portfolio(b));
        assert!(client().reaches_portfolio(b));
    }

    #[test]
    fn a_limited_client_changes_rights_on_its_portfolios_only() {
        let (a, b) = (Uuid::from_u128(10), Uuid::from_u128(11));
        let current = vec![
            (a, "view_policies".to_string()),
            (b, "report_claims".to_string()),
        ];
        let wanted = vec![(a, "change_policies".to_string())];
        assert_eq!(
            rights_within_limit(&current, wanted.clone(), Some(&[a])),
            Ok(vec![
                (a, "change_policies".into()),
                (b, "report_claims".into())
            ]),
            "b's rights stay"
        );
        assert_eq!(
            rights_within_limit(&current, wanted.clone(), None),
            Ok(wanted)
        );
        assert_eq!(
            rights_within_limit(&current, vec![(b, "view_policies".into())], Some(&[a])),
            Err(ErrorCode::UnknownPortfolio)
        );
        assert!(grants_within_limit(&[a], Some(&[a, b])) && !grants_within_limit(&[b], Some(&[a])));
        assert!(grants_within_limit(&[b], None));
    }

    #[test]
    fn a_token_gets_the_scopes_asked_for_if_the_client_holds_them() {
        let held = [ApiScope::RightsCheck, ApiScope::AccountsRead];
        assert_eq!(
            granted_scopes(None, &held),
            Ok(vec![ApiScope::AccountsRead, ApiScope::RightsCheck])
        );
        assert_eq!(
            granted_scopes(Some("rights:check"), &held),
            Ok(vec![ApiScope::RightsCheck])
        );
        assert!(matches!(
            granted_scopes(Some("rights:check audit:read"), &held),
            Err(TokenRefusal::InvalidScope(_))
        ));
        assert!(matches!(
            granted_scopes(Some("nonsense"), &held),
            Err(TokenRefusal::InvalidScope(_))
        ));
        assert_eq!(scope_text(&held), "rights:check accounts:read");
    }

    fn claims() -> AssertionClaims {
        AssertionClaims {
            iss: Some("pc_1".into()),
            sub: Some("pc_1".into()),
            aud: vec!["https://poort.example/oauth2/token".into()],
            exp: Some(at(60).timestamp()),
            nbf: None,
            iat: Some(at(0).timestamp()),
            jti: Some("j1".into()),
        }
    }

    #[test]
    fn an_assertion_names_the_client_and_the_endpoint_and_expires_soon() {
        let aud = vec!["https://poort.example/oauth2/token".to_string()];
        assert_eq!(check_assertion(&claims(), "pc_1", &aud, at(0)), Ok(at(90)));
        let refused = |c: AssertionClaims, now| {
            matches!(
                check_assertion(&c, "pc_1", &aud, now),
                Err(TokenRefusal::InvalidClient(_))
            )
        };
        assert!(refused(claims(), at(90)), "expired (with the skew)");
        assert!(refused(
            AssertionClaims {
                sub: Some("pc_2".into()),
                ..claims()
            },
            at(0)
        ));
        assert!(refused(
            AssertionClaims {
                aud: vec!["https://elsewhere".into()],
                ..claims()
            },
            at(0)
        ));
        assert!(refused(
            AssertionClaims {
                exp: Some(at(331).timestamp()),
                ..claims()
            },
            at(0)
        ));
        assert!(refused(
            AssertionClaims {
                exp: None,
                ..claims()
            },
            at(0)
        ));
        assert!(refused(
            AssertionClaims {
                jti: None,
                ..claims()
            },
            at(0)
        ));
        assert!(refused(
            AssertionClaims {
                iat: Some(at(60).timestamp()),
                ..claims()
            },
            at(0)
        ));
    }

    #[test]
    fn two_keys_at_most_and_key_ids_are_plain() {
        assert!(may_add_key(1).is_ok());
        assert_eq!(may_add_key(2), Err(ErrorCode::ApiClientKeyLimit));
        assert!(valid_kid("key-2026.12_a"));
        assert!(!valid_kid("") && !valid_kid("a b") && !valid_kid(&"k".repeat(101)));
    }

    #[test]
    fn a_repeated_idempotency_key_replays_waits_or_is_refused() {
        let stored = |answer: Option<(u16, Option<String>, Vec<u8>)>| StoredAnswer {
            fingerprint: vec![1],
            created_at: at(0),
            answer,
        };
        let done = stored(Some((201, None, vec![])));
        assert_eq!(on_repeat(&done, &[1], at(10)), Repeat::Replay);
        assert_eq!(on_repeat(&done, &[2], at(10)), Repeat::Mismatch);
        assert_eq!(on_repeat(&done, &[1], at(86_400)), Repeat::Expired);
        assert_eq!(on_repeat(&stored(None), &[1], at(10)), Repeat::Wait);
        assert_eq!(on_repeat(&stored(None), &[1], at(60)), Repeat::Expired);
        assert!(keeps_answer(201) && keeps_answer(409) && !keeps_answer(429) && !keeps_answer(503));
        assert!(
            valid_idempotency_key("a1-b2")
                && !valid_idempotency_key("a b")
                && !valid_idempotency_key("")
        );
    }
}
