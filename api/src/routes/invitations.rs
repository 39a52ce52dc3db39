//! Accepting an invitation, as the invitee's browser (or an integrator) walks it. The link's
//! token is the credential for opening and for the password step; the later steps also need
//! the set-up token the password step returns. See `services::setup` for the rules.

use actix_web::{HttpResponse, web};
use poort_shared::ErrorBody;
use poort_shared::dto::{
    AuthenticatorSetupResponse, CodeSentResponse, InvitationLinkResponse, MeResponse,
    PasskeyChallengeResponse, ResumeSetupRequest, SendMobileCodeRequest, SetPasswordRequest,
    SetupCodeRequest, SetupPasskeyRequest, SetupStepResponse, SetupTokenRequest,
    SetupTokenResponse,
};

use crate::auth::principal::{ClientInfo, session_cookie};
use crate::error::ApiError;
use crate::services::{links, setup};
use crate::state::AppState;

/// Opens an invitation link: who it is for and which step is next. An expired link sends a
/// new invitation to the same address and answers 410 `invitation_renewed`.
#[utoipa::path(
    get,
    path = "/api/invitations/{token}",
    tag = "invitation",
    params(("token" = String, Path, description = "The token from the invitation link")),
    responses(
        (status = 200, description = "The invitation", body = InvitationLinkResponse),
        (status = 404, description = "`invitation_not_found`", body = ErrorBody),
        (status = 410, description = "`invitation_renewed` (a new link was e-mailed), `invitation_renewal_limit`, `invitation_superseded`, `invitation_used`, `invitation_withdrawn`", body = ErrorBody),
    )
)]
pub async fn open(
    state: web::Data<AppState>,
    token: web::Path<String>,
    client: ClientInfo,
) -> Result<web::Json<InvitationLinkResponse>, ApiError> {
    Ok(web::Json(links::open(&state, &token, &client).await?))
}

/// Step 1: chooses the password. Returns the set-up token for the next steps.
#[utoipa::path(
    post,
    path = "/api/invitations/{token}/password",
    tag = "invitation",
    params(("token" = String, Path, description = "The token from the invitation link")),
    request_body = SetPasswordRequest,
    responses(
        (status = 200, description = "Password accepted; next step `mobile`", body = SetupTokenResponse),
        (status = 400, description = "`password_too_short`, `password_too_long`, `password_too_common`, `password_contains_personal_data`, `invalid_request`", body = ErrorBody),
        (status = 404, description = "`invitation_not_found`", body = ErrorBody),
        (status = 409, description = "`step_out_of_order` (the password is already chosen: use resume)", body = ErrorBody),
        (status = 410, description = "`invitation_expired`, `invitation_superseded`, `invitation_used`, `invitation_withdrawn`", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn set_password(
    state: web::Data<AppState>,
    token: web::Path<String>,
    client: ClientInfo,
    body: web::Json<SetPasswordRequest>,
) -> Result<web::Json<SetupTokenResponse>, ApiError> {
    let body = body.into_inner();
    Ok(web::Json(
        setup::set_password(&state, &token, body.password, &client).await?,
    ))
}

/// Continues an interrupted set-up with the password chosen in step 1.
#[utoipa::path(
    post,
    path = "/api/invitations/{token}/resume",
    tag = "invitation",
    params(("token" = String, Path, description = "The token from the invitation link")),
    request_body = ResumeSetupRequest,
    responses(
        (status = 200, description = "A new set-up token and the step to continue with", body = SetupTokenResponse),
        (status = 400, description = "`wrong_password`", body = ErrorBody),
        (status = 404, description = "`invitation_not_found`", body = ErrorBody),
        (status = 409, description = "`step_out_of_order` (no password chosen yet)", body = ErrorBody),
        (status = 410, description = "`invitation_expired`, `invitation_superseded`, `invitation_used`, `invitation_withdrawn`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn resume(
    state: web::Data<AppState>,
    token: web::Path<String>,
    client: ClientInfo,
    body: web::Json<ResumeSetupRequest>,
) -> Result<web::Json<SetupTokenResponse>, ApiError> {
    let body = body.into_inner();
    Ok(web::Json(
        setup::resume(&state, &token, body.password, &client).await?,
    ))
}

/// Step 2a: sends a 6-digit code by SMS to the mobile number (valid 10 minutes).
#[utoipa::path(
    post,
    path = "/api/invitations/{token}/mobile",
    tag = "invitation",
    params(("token" = String, Path, description = "The token from the invitation link")),
    request_body = SendMobileCodeRequest,
    responses(
        (status = 202, description = "Code sent", body = CodeSentResponse),
        (status = 400, description = "`invalid_mobile`", body = ErrorBody),
        (status = 401, description = "`setup_token_invalid`", body = ErrorBody),
        (status = 404, description = "`invitation_not_found`", body = ErrorBody),
        (status = 409, description = "`step_out_of_order`", body = ErrorBody),
        (status = 410, description = "`invitation_expired`, `invitation_superseded`, `invitation_used`, `invitation_withdrawn`", body = ErrorBody),
        (status = 429, description = "`rate_limited` (wait before another code; per number and per client)", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn send_mobile_code(
    state: web::Data<AppState>,
    token: web::Path<String>,
    client: ClientInfo,
    body: web::Json<SendMobileCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let sent =
        setup::send_mobile_code(&state, &token, &body.setup_token, &body.mobile, &client).await?;
    Ok(HttpResponse::Accepted().json(sent))
}

/// Step 2b: the code from the SMS.
#[utoipa::path(
    post,
    path = "/api/invitations/{token}/mobile/verify",
    tag = "invitation",
    params(("token" = String, Path, description = "The token from the invitation link")),
    request_body = SetupCodeRequest,
    responses(
        (status = 200, description = "Number confirmed; next step `authenticator`", body = SetupStepResponse),
        (status = 400, description = "`code_malformed`, `code_incorrect`, `code_expired`, `code_attempts_exceeded`, `code_not_requested`", body = ErrorBody),
        (status = 401, description = "`setup_token_invalid`", body = ErrorBody),
        (status = 404, description = "`invitation_not_found`", body = ErrorBody),
        (status = 409, description = "`step_out_of_order`", body = ErrorBody),
        (status = 410, description = "`invitation_expired`, `invitation_superseded`, `invitation_used`, `invitation_withdrawn`", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn verify_mobile(
    state: web::Data<AppState>,
    token: web::Path<String>,
    client: ClientInfo,
    body: web::Json<SetupCodeRequest>,
) -> Result<web::Json<SetupStepResponse>, ApiError> {
    Ok(web::Json(
        setup::verify_mobile(&state, &token, &body.setup_token, &body.code, &client).await?,
    ))
}

/// Step 3a: a new authenticator secret (QR content and text); asking again replaces it.
#[utoipa::path(
    post,
    path = "/api/invitations/{token}/authenticator",
    tag = "invitation",
    params(("token" = String, Path, description = "The token from the invitation link")),
    request_body = SetupTokenRequest,
    responses(
        (status = 200, description = "Secret to link in an authenticator app", body = AuthenticatorSetupResponse),
        (status = 401, description = "`setup_token_invalid`", body = ErrorBody),
        (status = 404, description = "`invitation_not_found`", body = ErrorBody),
        (status = 409, description = "`step_out_of_order`", body = ErrorBody),
        (status = 410, description = "`invitation_expired`, `invitation_superseded`, `invitation_used`, `invitation_withdrawn`", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn start_authenticator(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Json<SetupTokenRequest>,
) -> Result<web::Json<AuthenticatorSetupResponse>, ApiError> {
    Ok(web::Json(
        setup::start_authenticator(&state, &token, &body.setup_token).await?,
    ))
}

/// Step 3b: a current code from the app. The account becomes active with the invited rights
/// and is signed in (session cookie).
#[utoipa::path(
    post,
    path = "/api/invitations/{token}/authenticator/confirm",
    tag = "invitation",
    params(("token" = String, Path, description = "The token from the invitation link")),
    request_body = SetupCodeRequest,
    responses(
        (status = 200, description = "Active and signed in (sets the session cookie)", body = MeResponse),
        (status = 400, description = "`code_malformed`, `code_incorrect`, `code_not_requested`", body = ErrorBody),
        (status = 401, description = "`setup_token_invalid`", body = ErrorBody),
        (status = 404, description = "`invitation_not_found`", body = ErrorBody),
        (status = 409, description = "`step_out_of_order`", body = ErrorBody),
        (status = 410, description = "`invitation_expired`, `invitation_superseded`, `invitation_used`, `invitation_withdrawn`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn confirm_authenticator(
    state: web::Data<AppState>,
    token: web::Path<String>,
    client: ClientInfo,
    body: web::Json<SetupCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let (me, session) =
        setup::confirm_authenticator(&state, &token, &body.setup_token, &body.code, &client)
            .await?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&state.settings, &session))
        .json(me))
}

/// Step 3 with a passkey instead of the app, first half: the options for
/// `navigator.credentials.create()`.
#[utoipa::path(
    post,
    path = "/api/invitations/{token}/passkey/options",
    tag = "invitation",
    params(("token" = String, Path, description = "The token from the invitation link")),
    request_body = SetupTokenRequest,
    responses(
        (status = 200, description = "Options and the challenge to answer", body = PasskeyChallengeResponse),
        (status = 401, description = "`setup_token_invalid`", body = ErrorBody),
        (status = 404, description = "`invitation_not_found`, `passkeys_unavailable`", body = ErrorBody),
        (status = 409, description = "`step_out_of_order`", body = ErrorBody),
        (status = 410, description = "`invitation_expired`, `invitation_superseded`, `invitation_used`, `invitation_withdrawn`", body = ErrorBody),
        (status = 429, description = "`rate_limited` (ceremonies begun from this address)", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn setup_passkey_options(
    state: web::Data<AppState>,
    token: web::Path<String>,
    client: ClientInfo,
    body: web::Json<SetupTokenRequest>,
) -> Result<web::Json<PasskeyChallengeResponse>, ApiError> {
    Ok(web::Json(
        setup::start_passkey(&state, &token, &body.setup_token, &client).await?,
    ))
}

/// Step 3 with a passkey, second half: the browser's new credential. The account becomes
/// active with the invited rights, the passkey as its second factor, and is signed in.
#[utoipa::path(
    post,
    path = "/api/invitations/{token}/passkey",
    tag = "invitation",
    params(("token" = String, Path, description = "The token from the invitation link")),
    request_body = SetupPasskeyRequest,
    responses(
        (status = 200, description = "Active and signed in (sets the session cookie)", body = MeResponse),
        (status = 400, description = "`invalid_name`, `passkey_invalid`, `passkey_challenge_invalid`", body = ErrorBody),
        (status = 401, description = "`setup_token_invalid`", body = ErrorBody),
        (status = 404, description = "`invitation_not_found`, `passkeys_unavailable`", body = ErrorBody),
        (status = 409, description = "`step_out_of_order`, `passkey_taken`", body = ErrorBody),
        (status = 410, description = "`invitation_expired`, `invitation_superseded`, `invitation_used`, `invitation_withdrawn`", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn setup_passkey(
    state: web::Data<AppState>,
    token: web::Path<String>,
    client: ClientInfo,
    body: web::Json<SetupPasskeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let (me, session) =
        setup::confirm_passkey(&state, &token, &body.setup_token, &body, &client).await?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&state.settings, &session))
        .json(me))
}
