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
use crate::configuration::Mode;
use crate::domain::session::SessionRules;
use crate::domain::{Account, AccountRight, Scope, Session};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{AuditRecord, SignedIn};

pub const SESSION_COOKIE: &str = "poort_session";

/// Where a request comes from.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    pub fn of(req: &HttpRequest) -> Self {
        let trust = req
            .app_data::<web::Data<AppState>>()
            .is_some_and(|s| s.settings.server.trust_forwarded_for);
        let ip = if trust {
            req.connection_info()
                .realip_remote_addr()
                .map(str::to_string)
        } else {
            req.peer_addr().map(|a| a.ip().to_string())
        };
        let user_agent = req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(300).collect());
        Self { ip, user_agent }
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
            action,
            target_account_id: target,
            office_id: office,
            client_ip: self.ip.clone(),
            user_agent: self.user_agent.clone(),
            details,
        }
    }
}

/// Who acts: a signed-in account (`id`), or nobody signed in (an invitee, the system), and
/// from where.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub id: Option<Uuid>,
    pub client: &'a ClientInfo,
}

impl Actor<'_> {
    /// An audit record for something this actor did.
    pub fn audit(
        &self,
        action: AuditAction,
        target: Option<Uuid>,
        office: Option<Uuid>,
        details: serde_json::Value,
    ) -> AuditRecord {
        self.client.audit(self.id, action, target, office, details)
    }
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
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
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

/// State-changing requests carrying a cookie must come from our own pages: the `Origin`
/// (or, failing that, `Referer`) must name this host. SameSite=Strict already keeps the
/// cookie off cross-site requests; this is the second lock.
fn same_origin(req: &HttpRequest) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let headers = req.headers();
    let origin = headers
        .get("origin")
        .or_else(|| headers.get("referer"))
        .and_then(|v| v.to_str().ok());
    let Some(origin) = origin else {
        return false;
    };
    let authority = origin
        .split_once("://")
        .map(|(_, rest)| rest.split('/').next().unwrap_or(rest))
        .unwrap_or("");
    let host = req.connection_info().host().to_string();
    let public = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.public_url.clone())
        .unwrap_or_default();
    let public_authority = public
        .split_once("://")
        .map(|(_, rest)| rest.split('/').next().unwrap_or(rest).to_string())
        .unwrap_or_default();
    !authority.is_empty() && (authority == host || authority == public_authority)
}

/// The session cookie: host-only, HttpOnly, SameSite=Strict, Secure outside dev mode.
pub fn session_cookie(state: &AppState, token: &str) -> Cookie<'static> {
    // No Domain attribute: the cookie stays host-only.
    Cookie::build(SESSION_COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.mode == Mode::Production)
        .max_age(actix_web::cookie::time::Duration::hours(
            state.settings.policy.session_absolute_hours,
        ))
        .finish()
}
