//! Passkeys: *Mijn account*'s list, adding (after re-authentication), renaming and removing;
//! the second factor of a sign-in; and signing in with a passkey alone. Every ceremony is two
//! requests: options (with a `challenge_id`, single-use, valid 5 minutes), then the browser's
//! credential.

use actix_web::{HttpResponse, web};
use poort_shared::ErrorBody;
use poort_shared::dto::{
    PasskeyChallengeResponse, PasskeyListResponse, PasskeyProofRequest, PasskeyRegisterRequest,
    PasskeyRenameRequest, PasskeyResponse, PasskeySignInRequest, ReauthenticatedResponse,
    SignInPasskeyRequest, SignInResponse, SignInTokenRequest,
};
use uuid::Uuid;

use crate::auth::principal::{ClientInfo, Principal, session_cookie};
use crate::error::ApiError;
use crate::services::{passkeys, signin};
use crate::state::AppState;

/// The signed-in account's passkeys, oldest first.
#[utoipa::path(
    get, path = "/api/me/passkeys", tag = "account",
    responses(
        (status = 200, description = "The passkeys", body = PasskeyListResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn list_passkeys(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<PasskeyListResponse>, ApiError> {
    Ok(web::Json(passkeys::list(&state, &principal).await?))
}

/// Adding a passkey, first half: the options for `navigator.credentials.create()`. Needs a
/// re-authentication in the last 10 minutes.
#[utoipa::path(
    post, path = "/api/me/passkeys/options", tag = "account",
    responses(
        (status = 200, description = "Options and the challenge to answer", body = PasskeyChallengeResponse),
        (status = 401, description = "`unauthenticated`, `reauthentication_required`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`passkeys_unavailable` (the service's public URL is an IP address)", body = ErrorBody),
        (status = 409, description = "`passkey_limit` (ten already)", body = ErrorBody),
    ),
    security(("session" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn passkey_registration_options(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<PasskeyChallengeResponse>, ApiError> {
    Ok(web::Json(
        passkeys::start_registration(&state, &principal).await?,
    ))
}

/// Adding a passkey, second half: the browser's new credential and its name. The owner gets
/// an e-mail.
#[utoipa::path(
    post, path = "/api/me/passkeys", tag = "account", request_body = PasskeyRegisterRequest,
    responses(
        (status = 201, description = "Added", body = PasskeyResponse),
        (status = 400, description = "`invalid_name`, `passkey_invalid` (not verified: another site, no user verification, malformed), `passkey_challenge_invalid` (unknown, used, expired, or another session's)", body = ErrorBody),
        (status = 401, description = "`unauthenticated`, `reauthentication_required`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`passkeys_unavailable`", body = ErrorBody),
        (status = 409, description = "`passkey_taken`, `passkey_limit`", body = ErrorBody),
    ),
    security(("session" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn add_passkey(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<PasskeyRegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let added = passkeys::register(
        &state,
        &principal,
        body.challenge_id,
        &body.name,
        &body.credential,
    )
    .await?;
    Ok(HttpResponse::Created().json(added))
}

/// Renames a passkey. The owner gets an e-mail.
#[utoipa::path(
    patch, path = "/api/me/passkeys/{id}", tag = "account", request_body = PasskeyRenameRequest,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Renamed", body = PasskeyResponse),
        (status = 400, description = "`invalid_name`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn rename_passkey(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<PasskeyRenameRequest>,
) -> Result<web::Json<PasskeyResponse>, ApiError> {
    Ok(web::Json(
        passkeys::rename(&state, &principal, *id, &body.name).await?,
    ))
}

/// Removes a passkey (needs a re-authentication in the last 10 minutes; never the last second
/// factor). The account's other sessions end; the owner gets an e-mail.
#[utoipa::path(
    delete, path = "/api/me/passkeys/{id}", tag = "account", params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "`unauthenticated`, `reauthentication_required`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`last_second_factor`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn remove_passkey(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    passkeys::remove(&state, &principal, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Step 2 with a passkey, first half: the options for `navigator.credentials.get()`.
#[utoipa::path(
    post, path = "/api/sign-in/passkey/options", tag = "sign-in", request_body = SignInTokenRequest,
    responses(
        (status = 200, description = "Options and the challenge to answer", body = PasskeyChallengeResponse),
        (status = 400, description = "`code_not_requested` (the account has no passkey)", body = ErrorBody),
        (status = 401, description = "`sign_in_expired`, `sign_in_attempt_void`", body = ErrorBody),
        (status = 403, description = "`account_blocked`, `account_deactivated`", body = ErrorBody),
        (status = 404, description = "`passkeys_unavailable`", body = ErrorBody),
        (status = 409, description = "`step_out_of_order`", body = ErrorBody),
        (status = 429, description = "`rate_limited` (ceremonies begun from this address)", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn passkey_sign_in_options(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<SignInTokenRequest>,
) -> Result<web::Json<PasskeyChallengeResponse>, ApiError> {
    Ok(web::Json(
        signin::passkey_options(&state, &body.sign_in_token, &client).await?,
    ))
}

/// Step 2 with a passkey, second half: the browser's assertion. A refused one counts like a
/// wrong code.
#[utoipa::path(
    post, path = "/api/sign-in/passkey", tag = "sign-in", request_body = SignInPasskeyRequest,
    responses(
        (status = 200, description = "Next step: `new_password` or `done` (session cookie set)", body = SignInResponse),
        (status = 400, description = "`passkey_invalid`, `passkey_challenge_invalid`", body = ErrorBody),
        (status = 401, description = "`sign_in_expired`, `sign_in_attempt_void` (too many refusals)", body = ErrorBody),
        (status = 403, description = "`account_blocked`, `account_deactivated`", body = ErrorBody),
        (status = 404, description = "`passkeys_unavailable`", body = ErrorBody),
        (status = 409, description = "`step_out_of_order`", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn passkey_sign_in(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<SignInPasskeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let outcome = signin::passkey(
        &state,
        &body.sign_in_token,
        body.challenge_id,
        &body.credential,
        &client,
    )
    .await?;
    let mut response = HttpResponse::Ok();
    if let Some(token) = &outcome.session_token {
        response.cookie(session_cookie(&state.settings, token));
    }
    Ok(response.json(outcome.response))
}

/// Signing in with a passkey alone, first half: options for `navigator.credentials.get()`
/// with `mediation: "conditional"` (the browser offers the passkeys in the e-mail field's
/// autofill; a button can ask without it).
#[utoipa::path(
    post, path = "/api/sign-in/passkey/discoverable/options", tag = "sign-in",
    responses(
        (status = 200, description = "Options and the challenge to answer", body = PasskeyChallengeResponse),
        (status = 404, description = "`passkeys_unavailable`", body = ErrorBody),
        (status = 429, description = "`rate_limited` (ceremonies begun from this address)", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn passwordless_options(
    state: web::Data<AppState>,
    client: ClientInfo,
) -> Result<web::Json<PasskeyChallengeResponse>, ApiError> {
    Ok(web::Json(
        passkeys::start_passwordless(&state, &client).await?,
    ))
}

/// Signing in with a passkey alone, second half: the browser's assertion. Signed in at once
/// (no password, no code); blocked and deactivated accounts are refused. Counts against the
/// client's sign-ins, like a password step.
#[utoipa::path(
    post, path = "/api/sign-in/passkey/discoverable", tag = "sign-in", request_body = PasskeySignInRequest,
    responses(
        (status = 200, description = "Signed in: `done` (session cookie set)", body = SignInResponse),
        (status = 400, description = "`passkey_invalid` (unknown, removed, another site, not verified), `passkey_challenge_invalid`", body = ErrorBody),
        (status = 403, description = "`account_blocked`, `account_deactivated`, `set_up_not_finished`", body = ErrorBody),
        (status = 404, description = "`passkeys_unavailable`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn passwordless_sign_in(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: web::Json<PasskeySignInRequest>,
) -> Result<HttpResponse, ApiError> {
    let (answer, token) =
        passkeys::passwordless(&state, body.challenge_id, &body.credential, &client).await?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&state.settings, &token))
        .json(answer))
}

/// Proving it is still you with a passkey, first half: the options for
/// `navigator.credentials.get()` (the account's passkeys allowed).
#[utoipa::path(
    post, path = "/api/me/reauthenticate/passkey/options", tag = "account",
    responses(
        (status = 200, description = "Options and the challenge to answer", body = PasskeyChallengeResponse),
        (status = 400, description = "`code_not_requested` (the account has no passkey)", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`passkeys_unavailable`", body = ErrorBody),
    ),
    security(("session" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn reauthentication_options(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<PasskeyChallengeResponse>, ApiError> {
    Ok(web::Json(
        passkeys::start_reauthentication(&state, &principal).await?,
    ))
}

/// Proving it is still you with a passkey, second half: the browser's answer. Like the
/// password or an authenticator code, it allows sensitive changes for 10 minutes and gives the
/// session a new token.
#[utoipa::path(
    post, path = "/api/me/reauthenticate/passkey", tag = "account", request_body = PasskeyProofRequest,
    responses(
        (status = 200, description = "Sensitive changes allowed until `until`; the session has a new token (the previous cookie no longer works)", body = ReauthenticatedResponse,
            headers(("Set-Cookie" = String, description = "The session cookie with the session's new token"))),
        (status = 400, description = "`passkey_invalid`, `passkey_challenge_invalid`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`, `account_blocked` (too many refusals)", body = ErrorBody),
        (status = 404, description = "`passkeys_unavailable`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ),
    security(("session" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn reauthenticate_with_passkey(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<PasskeyProofRequest>,
) -> Result<HttpResponse, ApiError> {
    let (proof, token) =
        passkeys::reauthenticate(&state, &principal, body.challenge_id, &body.credential).await?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&state.settings, &token))
        .json(proof))
}
