//! Who is asking. [`ClientInfo`] is where a request comes from (for the audit trail and rate
//! limits); [`Principal`] is the signed-in account, from the session cookie. Authentication
//! is this extractor; authorization is the role a handler asks for: [`OfficeAdmin`] and
//! [`Operator`] extract a principal of that role (403 for anyone else), and handlers open to
//! every signed-in account take [`Principal`].

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpRequest, web};
use poort_shared::ErrorCode;
use poort_shared::dto::{AccountStatus, AuditAction, Role};
use uuid::Uuid;

use super::secrets::token_hash;
use crate::configuration::{Mode, Settings};
use crate::domain::session::SessionRules;
use crate::domain::{Account, AccountRight, Scope, Session};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{AuditRecord, SignedIn};

/// The session cookie in dev mode; see [`session_cookie_name`].
pub const SESSION_COOKIE: &str = "poort_session";
/// The session cookie in production.
pub const PRODUCTION_SESSION_COOKIE: &str = "__Host-poort_session";

/// Where a request comes from.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    pub fn of(req: &HttpRequest) -> Self {
        let user_agent = req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(300).collect());
        Self {
            ip: client_ip(req),
            user_agent,
        }
    }

    /// An audit record for something done by `actor` (None: the invitee or the system).
    pub fn audit(
        &self,
        actor: Option<Uuid>,
        action: AuditAction,
        target: Option<Uuid>,
        office: Option<Uuid>,
        details: serde_json::Value,
    ) -> AuditRecord {
        AuditRecord {
            actor_id: actor,
            actor_client_id: None,
            action,
            target_account_id: target,
            office_id: office,
            client_ip: self.ip.clone(),
            user_agent: self.user_agent.clone(),
            details,
        }
    }
}

/// Who acts: a signed-in account (`id`), an API client (`api_client`), or nobody signed in
/// (an invitee, the system), and from where.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub id: Option<Uuid>,
    pub api_client: Option<Uuid>,
    pub client: &'a ClientInfo,
}

impl<'a> Actor<'a> {
    /// Nobody signed in (an invitee, the system).
    pub fn nobody(client: &'a ClientInfo) -> Self {
        Actor {
            id: None,
            api_client: None,
            client,
        }
    }

    /// An audit record for something this actor did.
    pub fn audit(
        &self,
        action: AuditAction,
        target: Option<Uuid>,
        office: Option<Uuid>,
        details: serde_json::Value,
    ) -> AuditRecord {
        AuditRecord {
            actor_client_id: self.api_client,
            ..self.client.audit(self.id, action, target, office, details)
        }
    }
}

/// The client's address: the connection's peer; behind trusted proxies
/// (`server.trust_forwarded_for`) the `X-Forwarded-For` entry that the outermost trusted proxy
/// appended (`server.trusted_proxies` from the right). Entries further left came from the
/// client and are not believed. Rate limits, the audit trail and the access log all use it.
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    let peer = req.peer_addr().map(|a| a.ip().to_string());
    let server = req
        .app_data::<web::Data<AppState>>()
        .map(|s| &s.settings.server);
    match server {
        Some(server) if server.trust_forwarded_for => {
            let header = req
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok());
            forwarded_client(header, server.trusted_proxies).or(peer)
        }
        _ => peer,
    }
}

/// The entry `hops` from the right of an `X-Forwarded-For` list, if it is an address.
fn forwarded_client(header: Option<&str>, hops: usize) -> Option<String> {
    let entries: Vec<&str> = header?.split(',').map(str::trim).collect();
    let index = entries.len().checked_sub(hops.max(1))?;
    let entry = entries.get(index)?;
    entry
        .parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

impl FromRequest for ClientInfo {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(ClientInfo::of(req)))
    }
}

/// The signed-in account of a request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account: Account,
    pub session_id: Uuid,
    pub session: Session,
    /// The name of the account's office (None for the relations team).
    pub office_name: Option<String>,
    /// The account's rights as read with the session (ordered by agency number and right).
    pub rights: Vec<AccountRight>,
    pub client: ClientInfo,
}

impl Principal {
    pub fn id(&self) -> Uuid {
        self.account.id
    }

    /// The signed-in account as `/api/me` shows it (no query: the office came with the session).
    pub fn me(&self) -> poort_shared::dto::MeResponse {
        self.account.me(self.office_name.clone())
    }

    /// This account, acting from this request's client.
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            id: Some(self.account.id),
            api_client: None,
            client: &self.client,
        }
    }

    /// Only the relations team.
    pub fn require_operator(&self) -> Result<(), ApiError> {
        if self.account.role == Role::Operator {
            Ok(())
        } else {
            Err(ErrorCode::Forbidden.into())
        }
    }

    /// Only an office's user administrator; returns their office.
    pub fn admin_office(&self) -> Result<Uuid, ApiError> {
        match (self.account.role, self.account.office_id) {
            (Role::OfficeAdmin, Some(office)) => Ok(office),
            _ => Err(ErrorCode::Forbidden.into()),
        }
    }

    /// An audit record for something this account did.
    pub fn audit(
        &self,
        action: AuditAction,
        target: Option<Uuid>,
        office: Option<Uuid>,
        details: serde_json::Value,
    ) -> AuditRecord {
        self.client
            .audit(Some(self.account.id), action, target, office, details)
    }

    /// An audit record for something this account did to itself.
    pub fn audit_self(&self, action: AuditAction, details: serde_json::Value) -> AuditRecord {
        self.audit(
            action,
            Some(self.account.id),
            self.account.office_id,
            details,
        )
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = state
            .as_ref()
            .and_then(|s| req.cookie(session_cookie_name(&s.settings)))
            .map(|c| c.value().to_string());
        let client = ClientInfo::of(req);
        let origin_ok = same_origin(req);
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("no app state")))?;
            let token = token.ok_or(ApiError::from(ErrorCode::Unauthenticated))?;
            if !origin_ok {
                return Err(ErrorCode::OriginMismatch.into());
            }
            let SignedIn {
                session,
                account,
                office_name,
                rights,
            } = state
                .store
                .find_session(&token_hash(&token))
                .await?
                .ok_or(ApiError::from(ErrorCode::Unauthenticated))?;
            let now = state.clock.now();
            let rules = SessionRules::from_policy(&state.settings.policy);
            if !rules.is_open(&session, now) || account.status != AccountStatus::Active {
                return Err(ErrorCode::Unauthenticated.into());
            }
            // Sliding idle timeout: at most one write per 30 seconds per session, and one
            // request at a time in this process makes it (the others that arrive meanwhile
            // don't queue behind its row lock).
            if let Some(stale) = rules.touch(&session, now)
                && let Some(_touching) = state.touching.claim(session.id)
            {
                state.store.touch_session(session.id, now, stale).await?;
            }
            Ok(Principal {
                account,
                session_id: session.id,
                session,
                office_name,
                rights,
                client,
            })
        })
    }
}

/// A signed-in user administrator of an office, with that office: the extractor of the
/// office endpoints (401 without a session, 403 `forbidden` for anyone else).
#[derive(Debug, Clone)]
pub struct OfficeAdmin {
    pub principal: Principal,
    pub office: Uuid,
}

impl OfficeAdmin {
    /// Their own office: all they may touch.
    pub fn scope(&self) -> Scope {
        Scope::Office(self.office)
    }
}

/// A signed-in member of the relations team: the extractor of the operator endpoints (401
/// without a session, 403 `forbidden` for anyone else).
#[derive(Debug, Clone)]
pub struct Operator(pub Principal);

impl Operator {
    /// Every office.
    pub fn scope(&self) -> Scope {
        Scope::All
    }
}

impl std::ops::Deref for OfficeAdmin {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.principal
    }
}

impl std::ops::Deref for Operator {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.0
    }
}

impl FromRequest for OfficeAdmin {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(req, payload);
        Box::pin(async move {
            let principal = principal.await?;
            let office = principal.admin_office()?;
            Ok(OfficeAdmin { principal, office })
        })
    }
}

impl FromRequest for Operator {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(req, payload);
        Box::pin(async move {
            let principal = principal.await?;
            principal.require_operator()?;
            Ok(Operator(principal))
        })
    }
}

/// State-changing requests carrying a cookie must come from our own pages: the `Origin` (or,
/// failing that, the `Referer`'s origin) must be `server.public_url`'s — scheme, host and port,
/// whatever `Host` the client sent. In dev mode any loopback origin is ours too (`trunk serve`
/// on another port). SameSite=Strict already keeps the cookie off cross-site requests; this is
/// the second lock.
fn same_origin(req: &HttpRequest) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return false;
    };
    let headers = req.headers();
    let sent = headers
        .get("origin")
        .or_else(|| headers.get("referer"))
        .and_then(|v| v.to_str().ok())
        .and_then(origin_of);
    let Some(sent) = sent else {
        return false;
    };
    if Some(&sent) == origin_of(&state.public_url).as_ref() {
        return true;
    }
    state.settings.mode == Mode::Dev && is_loopback_origin(&sent)
}

/// `scheme://host[:port]` of a URL, lower-cased, without a default port.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    if authority.is_empty()
        || authority.contains('@')
        || !matches!(scheme.as_str(), "http" | "https")
    {
        return None;
    }
    let default = if scheme == "https" { ":443" } else { ":80" };
    let authority = authority.strip_suffix(default).unwrap_or(&authority);
    Some(format!("{scheme}://{authority}"))
}

fn is_loopback_origin(origin: &str) -> bool {
    let Some(authority) = origin.strip_prefix("http://") else {
        return false;
    };
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The session cookie's name: in production with the `__Host-` prefix, which browsers accept
/// only from a secure origin, Secure, for path `/` and without a Domain (so no other host, not
/// even a sibling subdomain, can set or overwrite it). Dev mode runs on plain http, where
/// that prefix cannot be used.
pub fn session_cookie_name(settings: &Settings) -> &'static str {
    match settings.mode {
        Mode::Production => PRODUCTION_SESSION_COOKIE,
        Mode::Dev => SESSION_COOKIE,
    }
}

/// The session cookie: host-only, HttpOnly, SameSite=Strict, Secure outside dev mode.
pub fn session_cookie(settings: &Settings, token: &str) -> Cookie<'static> {
    let mut cookie = session_cookie_template(settings, token.to_string());
    cookie.set_max_age(actix_web::cookie::time::Duration::hours(
        settings.policy.session_absolute_hours,
    ));
    cookie
}

/// The cookie that removes the session cookie: the same name and attributes, no value, expired.
pub fn removal_cookie(settings: &Settings) -> Cookie<'static> {
    let mut cookie = session_cookie_template(settings, String::new());
    cookie.make_removal();
    cookie
}

fn session_cookie_template(settings: &Settings, value: String) -> Cookie<'static> {
    // No Domain attribute: the cookie stays host-only.
    Cookie::build(session_cookie_name(settings), value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(settings.mode == Mode::Production)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_entry_the_trusted_proxy_appended() {
        let forged = Some("6.6.6.6, 203.0.113.7");
        assert_eq!(forwarded_client(forged, 1).as_deref(), Some("203.0.113.7"));
        assert_eq!(
            forwarded_client(Some("6.6.6.6, 203.0.113.7, 10.0.0.2"), 2).as_deref(),
            Some("203.0.113.7"),
            "two proxies: the outer one's entry"
        );
        assert_eq!(
            forwarded_client(Some("203.0.113.7"), 2),
            None,
            "too few entries"
        );
        assert_eq!(forwarded_client(Some("nonsense"), 1), None);
        assert_eq!(forwarded_client(None, 1), None);
    }

    #[test]
    fn the_production_cookie_is_a_host_cookie_and_its_removal_matches_it() {
        let mut settings = Settings::default();
        let cookie = session_cookie(&settings, "t");
        assert_eq!(cookie.name(), "__Host-poort_session");
        assert_eq!(
            (
                cookie.secure(),
                cookie.http_only(),
                cookie.path(),
                cookie.domain()
            ),
            (Some(true), Some(true), Some("/"), None)
        );
        assert_eq!(cookie.same_site(), Some(SameSite::Strict));
        let removal = removal_cookie(&settings);
        assert_eq!(removal.name(), cookie.name());
        assert_eq!(
            (
                removal.secure(),
                removal.http_only(),
                removal.path(),
                removal.same_site()
            ),
            (Some(true), Some(true), Some("/"), Some(SameSite::Strict))
        );
        assert_eq!(removal.value(), "");
        assert_eq!(
            removal.max_age(),
            Some(actix_web::cookie::time::Duration::ZERO)
        );
        settings.mode = Mode::Dev;
        assert_eq!(session_cookie(&settings, "t").name(), "poort_session");
        assert_eq!(removal_cookie(&settings).secure(), Some(false));
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://Extranet.nl/a/b").as_deref(),
            Some("https://extranet.nl")
        );
        assert_eq!(
            origin_of("https://extranet.nl:443").as_deref(),
            Some("https://extranet.nl")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080/x?y").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_ne!(
            origin_of("http://extranet.nl"),
            origin_of("https://extranet.nl")
        );
        assert_eq!(origin_of("null"), None);
        assert_eq!(origin_of("https://evil@extranet.nl"), None);
        assert!(is_loopback_origin("http://localhost:8081"));
        assert!(is_loopback_origin("http://[::1]:8081"));
        assert!(!is_loopback_origin("https://127.0.0.1"));
        assert!(!is_loopback_origin("http://extranet.nl"));
    }
}
