//! Integrators' bearer tokens, and the extractors of the endpoints that people and programs
//! share. An access token from `/oauth2/token` is verified on every request twice over: its
//! signature, audience, issuer and expiry (no database), then its client and credential in the
//! database (one indexed read), so a revoked client or a removed key stops working from the
//! next request on every instance. The scopes a request may use are those of the token that the
//! client still holds.
//!
//! [`OfficeCaller`] (the office endpoints) is an office's user administrator with a session, or
//! an API client of that office whose token carries scope `S`; [`OperatorCaller`] (the
//! relations team's endpoints) a member of the relations team, or an insurer's client with `S`.
//! Without credentials: 401; with a session of anyone else: 403 `forbidden`; with a token
//! without the scope: 403 `insufficient_scope` (`WWW-Authenticate` names the scope).

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use poort_shared::ErrorCode;
use poort_shared::dto::{AccessTokenClaims, AccountResponse, ApiClientStatus, ApiScope};
use uuid::Uuid;

use super::principal::{Actor, ClientInfo, OfficeAdmin, Operator, Principal};
use crate::domain::api_client::Owner;
use crate::domain::{ApiClient, Scope};
use crate::error::ApiError;
use crate::state::AppState;

/// The `typ` of access tokens (RFC 9068).
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// The audience of access tokens: Poort's own API.
pub fn access_token_audience(state: &AppState) -> String {
    format!("{}/api", state.public_url)
}

/// What each scope allows, for the OpenAPI document.
pub fn scope_description(scope: ApiScope) -> &'static str {
    match scope {
        ApiScope::AccountsRead => "Read accounts, invitations and portfolios",
        ApiScope::AccountsManage => {
            "Invite, re-send and withdraw invitations; deactivate and reactivate accounts; appoint administrators (insurer: also delete accounts and reset their sign-in)"
        }
        ApiScope::RightsManage => "Grant and revoke rights on portfolios",
        ApiScope::AuditRead => "Read the audit trail",
        ApiScope::RightsCheck => "Check rights and introspect tokens",
        ApiScope::OfficesManage => "Manage offices and portfolios (insurer's clients only)",
    }
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// An API client calling with a valid access token.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub client: ApiClient,
    /// The token's scopes that the client still holds.
    pub scopes: Vec<ApiScope>,
    pub claims: AccessTokenClaims,
    pub info: ClientInfo,
}

impl ApiCaller {
    /// Verifies a bearer token: 401 `invalid_token` for anything but a live token of an active
    /// client whose credential still exists.
    pub async fn authenticate(
        state: &AppState,
        token: &str,
        info: ClientInfo,
    ) -> Result<Self, ApiError> {
        let invalid = || ApiError::from(ErrorCode::InvalidToken);
        let claims: AccessTokenClaims = state
            .signer
            .verify(
                token,
                ACCESS_TOKEN_TYPE,
                &access_token_audience(state),
                &state.public_url,
                state.now(),
            )
            .ok_or_else(invalid)?;
        let client = state
            .store
            .bearer_client(&claims.client_id, claims.cred)
            .await?
            .ok_or_else(invalid)?;
        if client.status(state.now()) != ApiClientStatus::Active
            || client.owner.office_id() != claims.office_id
        {
            return Err(invalid());
        }
        let scopes = claims
            .scope
            .split(' ')
            .filter_map(ApiScope::parse)
            .filter(|s| client.scopes.contains(s))
            .collect();
        Ok(ApiCaller {
            client,
            scopes,
            claims,
            info,
        })
    }

    /// 403 `insufficient_scope` unless the token carries `scope`.
    pub fn require(&self, scope: ApiScope) -> Result<(), ApiError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(insufficient_scope(scope))
        }
    }

    pub fn actor(&self) -> Actor<'_> {
        Actor {
            id: None,
            api_client: Some(self.client.id),
            client: &self.info,
        }
    }
}

/// The 403 of a token without `scope` (the header is added by the error's answer).
pub fn insufficient_scope(scope: ApiScope) -> ApiError {
    ApiError::WithDetails {
        code: ErrorCode::InsufficientScope,
        details: serde_json::json!({ "required_scope": scope.as_str() }),
    }
}

/// A scope an endpoint needs of an API client (people with the role need none).
pub trait NeedsScope {
    const SCOPE: ApiScope;
}

macro_rules! scopes {
    ($($(#[$m:meta])* $name:ident => $scope:ident),* $(,)?) => {
        $(
            $(#[$m])*
            #[derive(Debug, Clone, Copy)]
            pub struct $name;
            impl NeedsScope for $name {
                const SCOPE: ApiScope = ApiScope::$scope;
            }
        )*
    };
}

scopes! {
    /// `accounts:read`
    ReadAccounts => AccountsRead,
    /// `accounts:manage`
    ManageAccounts => AccountsManage,
    /// `rights:manage`
    ManageRights => RightsManage,
    /// `audit:read`
    ReadAudit => AuditRead,
    /// `rights:check`
    CheckRights => RightsCheck,
    /// `offices:manage`
    ManageOffices => OfficesManage,
}

/// A person (with a session) or a program (with an access token).
#[derive(Debug, Clone)]
pub enum Caller {
    Person(Principal),
    Client(ApiCaller),
}

impl Caller {
    pub fn actor(&self) -> Actor<'_> {
        match self {
            Caller::Person(p) => p.actor(),
            Caller::Client(c) => c.actor(),
        }
    }

    /// The portfolios a client is limited to (`None`: no limit).
    pub fn portfolio_limit(&self) -> Option<&[Uuid]> {
        match self {
            Caller::Person(_) => None,
            Caller::Client(c) => c.client.portfolio_ids.as_deref(),
        }
    }

    /// An account as this caller may see it: a client limited to some portfolios sees the
    /// rights on those only.
    pub fn shown(&self, mut account: AccountResponse) -> AccountResponse {
        if let Some(limit) = self.portfolio_limit() {
            account.rights.retain(|r| limit.contains(&r.portfolio_id));
        }
        account
    }

    /// 403 `insufficient_scope` unless every portfolio is within the caller's reach, and
    /// the caller may manage rights when it grants any.
    pub fn may_grant(&self, portfolios: &[Uuid]) -> Result<(), ApiError> {
        if portfolios.is_empty() {
            return Ok(());
        }
        self.require(ApiScope::RightsManage)?;
        if crate::domain::api_client::grants_within_limit(portfolios, self.portfolio_limit()) {
            Ok(())
        } else {
            Err(ErrorCode::UnknownPortfolio.into())
        }
    }

    /// The person, for what only people may do.
    pub fn person(&self) -> Option<&Principal> {
        match self {
            Caller::Person(p) => Some(p),
            Caller::Client(_) => None,
        }
    }

    /// Whether the caller has `scope` (people with the role have every scope).
    pub fn has(&self, scope: ApiScope) -> bool {
        match self {
            Caller::Person(_) => true,
            Caller::Client(c) => c.scopes.contains(&scope),
        }
    }

    /// 403 `insufficient_scope` for a client without `scope`.
    pub fn require(&self, scope: ApiScope) -> Result<(), ApiError> {
        match self {
            Caller::Person(_) => Ok(()),
            Caller::Client(c) => c.require(scope),
        }
    }
}

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// The bearer path of an extractor: the caller, if the request carries a token.
fn api_caller(req: &HttpRequest) -> Option<Extracted<ApiCaller>> {
    let token = bearer_token(req)?;
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let info = ClientInfo::of(req);
    Some(Box::pin(async move {
        let state = state.ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("no app state")))?;
        ApiCaller::authenticate(&state, &token, info).await
    }))
}

/// Who may use the office endpoints (see the module's comment).
#[derive(Debug, Clone)]
pub struct OfficeCaller<S> {
    pub who: Caller,
    pub office: Uuid,
    _scope: PhantomData<S>,
}

impl<S> OfficeCaller<S> {
    /// Their own office: all they may touch.
    pub fn scope(&self) -> Scope {
        Scope::Office(self.office)
    }
}

impl<S> std::ops::Deref for OfficeCaller<S> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.who
    }
}

impl<S: NeedsScope + 'static> FromRequest for OfficeCaller<S> {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if let Some(caller) = api_caller(req) {
            return Box::pin(async move {
                let caller = caller.await?;
                let Owner::Office(office) = caller.client.owner else {
                    return Err(ErrorCode::Forbidden.into());
                };
                caller.require(S::SCOPE)?;
                Ok(OfficeCaller {
                    who: Caller::Client(caller),
                    office,
                    _scope: PhantomData,
                })
            });
        }
        let admin = OfficeAdmin::from_request(req, payload);
        Box::pin(async move {
            let admin = admin.await?;
            Ok(OfficeCaller {
                office: admin.office,
                who: Caller::Person(admin.principal),
                _scope: PhantomData,
            })
        })
    }
}

/// Who may use the relations team's endpoints (see the module's comment).
#[derive(Debug, Clone)]
pub struct OperatorCaller<S> {
    pub who: Caller,
    _scope: PhantomData<S>,
}

impl<S> OperatorCaller<S> {
    /// Every office.
    pub fn scope(&self) -> Scope {
        Scope::All
    }
}

impl<S> std::ops::Deref for OperatorCaller<S> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.who
    }
}

impl<S: NeedsScope + 'static> FromRequest for OperatorCaller<S> {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if let Some(caller) = api_caller(req) {
            return Box::pin(async move {
                let caller = caller.await?;
                if caller.client.owner != Owner::Insurer {
                    return Err(ErrorCode::Forbidden.into());
                }
                caller.require(S::SCOPE)?;
                Ok(OperatorCaller {
                    who: Caller::Client(caller),
                    _scope: PhantomData,
                })
            });
        }
        let operator = Operator::from_request(req, payload);
        Box::pin(async move {
            Ok(OperatorCaller {
                who: Caller::Person(operator.await?.0),
                _scope: PhantomData,
            })
        })
    }
}

/// An API client (of an office or of the insurer) whose token carries `S`: the endpoints only
/// programs call (rights checks, introspection).
#[derive(Debug, Clone)]
pub struct ClientCaller<S> {
    pub caller: ApiCaller,
    _scope: PhantomData<S>,
}

impl<S> ClientCaller<S> {
    /// Whose data it may see.
    pub fn scope(&self) -> Scope {
        self.caller.client.owner.scope()
    }
}

impl<S: NeedsScope + 'static> FromRequest for ClientCaller<S> {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(caller) = api_caller(req) else {
            return Box::pin(async { Err(ErrorCode::InvalidToken.into()) });
        };
        Box::pin(async move {
            let caller = caller.await?;
            caller.require(S::SCOPE)?;
            Ok(ClientCaller {
                caller,
                _scope: PhantomData,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_bearer_token_is_read_from_the_authorization_header() {
        let req = TestRequest::default()
            .insert_header(("Authorization", "Bearer abc.def"))
            .to_http_request();
        assert_eq!(bearer_token(&req).as_deref(), Some("abc.def"));
        let req = TestRequest::default()
            .insert_header(("Authorization", "bearer  x "))
            .to_http_request();
        assert_eq!(bearer_token(&req).as_deref(), Some("x"));
        for other in ["Basic abc", "Bearer", "Bearer  "] {
            let req = TestRequest::default()
                .insert_header(("Authorization", other))
                .to_http_request();
            assert_eq!(bearer_token(&req), None, "{other}");
        }
    }
}
