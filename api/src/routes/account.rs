//! *Mijn account*, the portfolio context, tokens for the other extranet applications, and the
//! public keys that verify those tokens.

use actix_web::{HttpResponse, web};
use poort_shared::ErrorBody;
use poort_shared::dto::{
    AuditPageResponse, AuthenticatorSetupResponse, ChangeMobileRequest, ChangePasswordRequest,
    CodeRequest, CodeSentResponse, Factors, MobileRemovedResponse, PortfolioContextResponse,
    ProfileResponse, ReauthenticateRequest, ReauthenticatedResponse, SelectPortfolioRequest,
    SessionListResponse, TokenResponse,
};
use uuid::Uuid;

use crate::auth::principal::{Principal, session_cookie};
use crate::error::ApiError;
use crate::services::{context, my_account};
use crate::state::AppState;

/// Name (read-only), e-mail, office, mobile number, factors, password age and rights.
#[utoipa::path(
    get, path = "/api/me/profile", tag = "account",
    responses(
        (status = 200, description = "Mijn account", body = ProfileResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn profile(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<ProfileResponse>, ApiError> {
    Ok(web::Json(my_account::profile(&state, &principal).await?))
}

/// Proves it is still you (password or authenticator code) before changing the mobile number
/// or the authenticator.
#[utoipa::path(
    post, path = "/api/me/reauthenticate", tag = "account", request_body = ReauthenticateRequest,
    responses(
        (status = 200, description = "Sensitive changes allowed until `until`; the session has a new token (the previous cookie no longer works)", body = ReauthenticatedResponse,
            headers(("Set-Cookie" = String, description = "The session cookie with the session's new token"))),
        (status = 400, description = "`wrong_password`, `code_incorrect`, `code_already_used`, `code_malformed`, `invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ),
    security(("session" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn reauthenticate(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<ReauthenticateRequest>,
) -> Result<HttpResponse, ApiError> {
    let (password, code) = match body.into_inner() {
        ReauthenticateRequest::Password(p) => (Some(p.password), None),
        ReauthenticateRequest::Code(c) => (None, Some(c.code)),
    };
    let (proof, token) = my_account::reauthenticate(&state, &principal, password, code).await?;
    // The session's new token: the one the browser held before stops working.
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&state.settings, &token))
        .json(proof))
}

/// Starts changing the mobile number: a code goes to the new number.
#[utoipa::path(
    post, path = "/api/me/mobile", tag = "account", request_body = ChangeMobileRequest,
    responses(
        (status = 202, description = "Code sent to the new number", body = CodeSentResponse),
        (status = 400, description = "`invalid_mobile`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`, `reauthentication_required`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn change_mobile(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<ChangeMobileRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Accepted()
        .json(my_account::start_mobile_change(&state, &principal, &body.mobile).await?))
}

/// Confirms the new mobile number with the code; the old number and the e-mail address are told.
#[utoipa::path(
    operation_id = "me_verify_mobile",
    post, path = "/api/me/mobile/verify", tag = "account", request_body = CodeRequest,
    responses(
        (status = 200, description = "Changed", body = Factors),
        (status = 400, description = "`code_malformed`, `code_incorrect`, `code_expired`, `code_attempts_exceeded`, `code_not_requested`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`", body = ErrorBody),
    ),
    security(("session" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn verify_mobile(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<CodeRequest>,
) -> Result<web::Json<Factors>, ApiError> {
    Ok(web::Json(
        my_account::confirm_mobile_change(&state, &principal, &body.code).await?,
    ))
}

/// Removes the mobile number; the answer carries the warning `recovery_disabled`.
#[utoipa::path(
    delete, path = "/api/me/mobile", tag = "account",
    responses(
        (status = 200, description = "Removed; forgot password and forgot e-mail address stop working", body = MobileRemovedResponse),
        (status = 401, description = "`unauthenticated`, `reauthentication_required`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`, `two_factor_not_set_up` (it is the only second factor)", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn remove_mobile(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<MobileRemovedResponse>, ApiError> {
    Ok(web::Json(
        my_account::remove_mobile(&state, &principal).await?,
    ))
}

/// Changes the password (the current one is required); other sessions end.
#[utoipa::path(
    post, path = "/api/me/password", tag = "account", request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "`wrong_password`, `password_too_short`, `password_too_long`, `password_too_common`, `password_contains_personal_data`, `password_reused`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
        (status = 503, description = "`overloaded`", body = ErrorBody),
    ),
    security(("session" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn change_password(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    my_account::change_password(&state, &principal, body.current_password, body.new_password)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A new authenticator to link; it replaces the current one once confirmed.
#[utoipa::path(
    operation_id = "me_start_authenticator",
    post, path = "/api/me/authenticator", tag = "account",
    responses(
        (status = 200, description = "The new secret (QR content and text)", body = AuthenticatorSetupResponse),
        (status = 401, description = "`unauthenticated`, `reauthentication_required`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn start_authenticator(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<AuthenticatorSetupResponse>, ApiError> {
    Ok(web::Json(
        my_account::start_authenticator(&state, &principal).await?,
    ))
}

/// Confirms the new authenticator with a code from it; the old one stops working.
#[utoipa::path(
    operation_id = "me_confirm_authenticator",
    post, path = "/api/me/authenticator/confirm", tag = "account", request_body = CodeRequest,
    responses(
        (status = 200, description = "Replaced", body = Factors),
        (status = 400, description = "`code_malformed`, `code_incorrect`, `code_not_requested`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`", body = ErrorBody),
    ),
    security(("session" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn confirm_authenticator(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<CodeRequest>,
) -> Result<web::Json<Factors>, ApiError> {
    Ok(web::Json(
        my_account::confirm_authenticator(&state, &principal, &body.code).await?,
    ))
}

/// The account's active sessions.
#[utoipa::path(
    get, path = "/api/me/sessions", tag = "account",
    responses(
        (status = 200, description = "Sessions, newest first", body = SessionListResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn sessions(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<SessionListResponse>, ApiError> {
    Ok(web::Json(my_account::sessions(&state, &principal).await?))
}

/// Ends one of the account's sessions.
#[utoipa::path(
    delete, path = "/api/me/sessions/{id}", tag = "account", params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn end_session(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    my_account::end_session(&state, &principal, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Recent security events of the own account.
#[utoipa::path(
    get, path = "/api/me/events", tag = "account",
    responses(
        (status = 200, description = "Newest first", body = AuditPageResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn events(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<AuditPageResponse>, ApiError> {
    Ok(web::Json(my_account::events(&state, &principal).await?))
}

/// The portfolios with rights and the active one. None at all: 403 `no_access`, with the
/// office's user administrators in `details.administrators`.
#[utoipa::path(
    get, path = "/api/me/portfolios", tag = "account",
    responses(
        (status = 200, description = "Portfolios and the active one", body = PortfolioContextResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`no_access` (details.administrators: names)", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn portfolios(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<PortfolioContextResponse>, ApiError> {
    Ok(web::Json(context::context(&state, &principal).await?))
}

/// Chooses the active portfolio for this session.
#[utoipa::path(
    put, path = "/api/me/portfolio", tag = "account", request_body = SelectPortfolioRequest,
    responses(
        (status = 200, description = "Chosen", body = PortfolioContextResponse),
        (status = 400, description = "`unknown_portfolio` (no rights on it)", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`no_access`, `origin_mismatch`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn select_portfolio(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<SelectPortfolioRequest>,
) -> Result<web::Json<PortfolioContextResponse>, ApiError> {
    Ok(web::Json(
        context::select(&state, &principal, body.portfolio_id).await?,
    ))
}

/// A signed token (JWT, EdDSA, 5 minutes) for the signed-in person and the active portfolio,
/// for the extranet's other applications: its claims are `UserTokenClaims` (the person's id,
/// name, role, office, the portfolio and the rights on it, the session; no e-mail address).
/// Verify it with `/.well-known/jwks.json`, or ask `/oauth2/introspect` whether it is still
/// active and which rights hold now.
#[utoipa::path(
    post, path = "/api/me/token", tag = "account",
    responses(
        (status = 200, description = "The token", body = TokenResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`no_access`, `origin_mismatch`", body = ErrorBody),
        (status = 409, description = "`no_active_portfolio`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn token(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<TokenResponse>, ApiError> {
    Ok(web::Json(context::token(&state, &principal).await?))
}

/// The public keys that verify Poort's tokens (JSON Web Key Set, Ed25519).
#[utoipa::path(
    get, path = "/.well-known/jwks.json", tag = "account",
    responses((status = 200, description = "JSON Web Key Set", body = Object))
)]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(state.signer.jwks())
}
