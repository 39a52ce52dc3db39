//! Signing in, and recovering a forgotten password or e-mail address. Public endpoints: the
//! sign-in token and the reset link carry the state between steps.

use actix_web::{HttpResponse, web};
use poort_shared::ErrorBody;
use poort_shared::dto::{
    AcceptedResponse, CodeSentResponse, ForgotEmailRequest, MeResponse, NewPasswordRequest,
    PasswordResetLinkResponse, PasswordResetRequest, ResetVerifyRequest, SignInCodeRequest,
    SignInNewPasswordRequest, SignInRequest, SignInResponse, SignInTokenRequest,
};

use crate::auth::principal::{ClientInfo, session_cookie};
use crate::error::ApiError;
use crate::services::{recovery, signin};
use crate::state::AppState;

fn answer(state: &AppState, outcome: signin::Outcome) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    if let Some(token) = &outcome.session_token {
        response.cookie(session_cookie(&state.settings, token));
    }
    response.json(outcome.response)
}

/// Step 1: e-mail address and password. The answer names the next step and the second
/// factors the account may use.
#[utoipa::path(
    post, path = "/api/sign-in", tag = "sign-in", request_body = SignInRequest,
    responses(
        (status = 200, description = "Next step: `second_factor`", body = SignInResponse),
        (status = 400, description = "`invalid_credentials` (also for unknown addresses), `invalid_request`", body = ErrorBody),
        (status = 403, description = "`account_blocked` (also on the wrong password that blocks it), `account_deactivated`, `two_factor_not_set_up`, `set_up_not_finished` (the right password of an account whose set-up is under way)", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
        (status = 503, description = "`overloaded`: too many sign-ins at once; see Retry-After", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn start(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<SignInRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let outcome = signin::start(&state, &body.email, body.password, &client).await?;
    Ok(answer(&state, outcome))
}

/// Step 2: a code from the authenticator app (accepted once).
#[utoipa::path(
    post, path = "/api/sign-in/authenticator", tag = "sign-in", request_body = SignInCodeRequest,
    responses(
        (status = 200, description = "Next step: `new_password` or `done` (session cookie set)", body = SignInResponse),
        (status = 400, description = "`code_malformed`, `code_incorrect`, `code_already_used`, `code_not_requested` (no authenticator)", body = ErrorBody),
        (status = 401, description = "`sign_in_expired`, `sign_in_attempt_void` (too many wrong codes)", body = ErrorBody),
        (status = 403, description = "`account_blocked`, `account_deactivated`", body = ErrorBody),
        (status = 409, description = "`step_out_of_order`", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn authenticator(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<SignInCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let outcome = signin::authenticator(&state, &body.sign_in_token, &body.code, &client).await?;
    Ok(answer(&state, outcome))
}

/// Step 2 by SMS instead: sends a code to the account's mobile number.
#[utoipa::path(
    post, path = "/api/sign-in/sms", tag = "sign-in", request_body = SignInTokenRequest,
    responses(
        (status = 202, description = "Code sent", body = CodeSentResponse),
        (status = 400, description = "`no_mobile_number`", body = ErrorBody),
        (status = 401, description = "`sign_in_expired`, `sign_in_attempt_void`", body = ErrorBody),
        (status = 409, description = "`step_out_of_order`", body = ErrorBody),
        (status = 429, description = "`rate_limited` (wait before another code)", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn send_sms(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<SignInTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let sent = signin::send_sms(&state, &body.sign_in_token, &client).await?;
    Ok(HttpResponse::Accepted().json(sent))
}

/// Step 2 by SMS: the code.
#[utoipa::path(
    post, path = "/api/sign-in/sms/verify", tag = "sign-in", request_body = SignInCodeRequest,
    responses(
        (status = 200, description = "Next step: `new_password` or `done` (session cookie set)", body = SignInResponse),
        (status = 400, description = "`code_malformed`, `code_incorrect`, `code_expired`, `code_not_requested`", body = ErrorBody),
        (status = 401, description = "`sign_in_expired`, `sign_in_attempt_void`", body = ErrorBody),
        (status = 409, description = "`step_out_of_order`", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn verify_sms(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<SignInCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let outcome = signin::verify_sms(&state, &body.sign_in_token, &body.code, &client).await?;
    Ok(answer(&state, outcome))
}

/// Step 3 when the password is older than the maximum age: the new password.
#[utoipa::path(
    post, path = "/api/sign-in/new-password", tag = "sign-in", request_body = SignInNewPasswordRequest,
    responses(
        (status = 200, description = "Signed in (session cookie set)", body = SignInResponse),
        (status = 400, description = "`password_too_short`, `password_too_long`, `password_too_common`, `password_contains_personal_data`, `password_reused`", body = ErrorBody),
        (status = 401, description = "`sign_in_expired`", body = ErrorBody),
        (status = 409, description = "`step_out_of_order`", body = ErrorBody),
        (status = 503, description = "`overloaded`", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn new_password(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<SignInNewPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let outcome = signin::new_password(&state, &body.sign_in_token, body.password, &client).await?;
    Ok(answer(&state, outcome))
}

/// Forgot password: sends a reset link if the address is known. Always the same answer.
#[utoipa::path(
    post, path = "/api/password-reset", tag = "recovery", request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the address is known, an e-mail is on its way", body = AcceptedResponse),
        (status = 400, description = "`invalid_email`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    )
)]
pub async fn request_reset(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Accepted().json(recovery::request(&state, &body.email, &client).await?))
}

/// Opens a reset link: which proof the person can give.
#[utoipa::path(
    get, path = "/api/password-reset/{token}", tag = "recovery",
    params(("token" = String, Path, description = "The token from the reset link")),
    responses(
        (status = 200, description = "The ways to prove it is you", body = PasswordResetLinkResponse),
        (status = 403, description = "`two_factor_not_set_up`: no mobile number and no authenticator", body = ErrorBody),
        (status = 410, description = "`reset_link_invalid` (unknown, used or expired)", body = ErrorBody),
    )
)]
pub async fn open_reset(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<web::Json<PasswordResetLinkResponse>, ApiError> {
    Ok(web::Json(recovery::open(&state, &token).await?))
}

/// Sends an SMS code for a password reset.
#[utoipa::path(
    post, path = "/api/password-reset/{token}/sms", tag = "recovery",
    params(("token" = String, Path, description = "The token from the reset link")),
    responses(
        (status = 202, description = "Code sent", body = CodeSentResponse),
        (status = 400, description = "`no_mobile_number`", body = ErrorBody),
        (status = 410, description = "`reset_link_invalid`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn reset_sms(
    state: web::Data<AppState>,
    token: web::Path<String>,
    client: ClientInfo,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Accepted().json(recovery::send_sms(&state, &token, &client).await?))
}

/// Proof of possession: the SMS code or an authenticator code.
#[utoipa::path(
    post, path = "/api/password-reset/{token}/verify", tag = "recovery",
    params(("token" = String, Path, description = "The token from the reset link")),
    request_body = ResetVerifyRequest,
    responses(
        (status = 200, description = "Verified; next: the new password", body = PasswordResetLinkResponse),
        (status = 400, description = "`code_malformed`, `code_incorrect`, `code_expired`, `code_already_used`, `code_not_requested`, `code_attempts_exceeded` (the link is spent)", body = ErrorBody),
        (status = 410, description = "`reset_link_invalid`", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn verify_reset(
    state: web::Data<AppState>,
    token: web::Path<String>,
    client: ClientInfo,
    body: web::Json<ResetVerifyRequest>,
) -> Result<web::Json<PasswordResetLinkResponse>, ApiError> {
    Ok(web::Json(
        recovery::verify(&state, &token, body.method, &body.code, &client).await?,
    ))
}

/// The new password: the account is unblocked, its other sessions end, a notice goes by
/// e-mail, and this browser is signed in.
#[utoipa::path(
    post, path = "/api/password-reset/{token}/password", tag = "recovery",
    params(("token" = String, Path, description = "The token from the reset link")),
    request_body = NewPasswordRequest,
    responses(
        (status = 200, description = "Password set and signed in (session cookie)", body = MeResponse),
        (status = 400, description = "`password_too_short`, `password_too_long`, `password_too_common`, `password_contains_personal_data`, `password_reused`, `reset_not_verified`", body = ErrorBody),
        (status = 410, description = "`reset_link_invalid`", body = ErrorBody),
        (status = 503, description = "`overloaded`", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn complete_reset(
    state: web::Data<AppState>,
    token: web::Path<String>,
    client: ClientInfo,
    body: web::Json<NewPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let (me, session) = recovery::complete(&state, &token, body.password, &client).await?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&state.settings, &session))
        .json(me))
}

/// Forgot e-mail address: an SMS with the address(es) registered with the number. Always
/// the same answer.
#[utoipa::path(
    post, path = "/api/forgot-email", tag = "recovery", request_body = ForgotEmailRequest,
    responses(
        (status = 202, description = "If the number is known, an SMS is on its way", body = AcceptedResponse),
        (status = 400, description = "`invalid_mobile`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    )
)]
pub async fn forgot_email(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<ForgotEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Accepted().json(recovery::forgot_email(&state, &body.mobile, &client).await?))
}
