//! An adviser who changes office: the relations team moves the account
//! (`/api/operator/accounts/{id}/move`) and answers offices' move requests
//! (`/api/operator/move-requests`); an office's administrator asks for a move
//! (`/api/office/move-requests`) after an invitation was refused with `email_taken`.

use actix_web::{HttpResponse, web};
use poort_shared::ErrorBody;
use poort_shared::dto::{
    AcceptedResponse, AccountDetailResponse, CreateMoveRequest, DeclineRequest, MoveAccountRequest,
    MoveRequestListResponse, MoveRequestResponse,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::bearer::{ManageAccounts, OfficeCaller, OperatorCaller, ReadAccounts};
use crate::error::ApiError;
use crate::services::moves;
use crate::state::AppState;

/// Moves an account into another office. The person keeps their sign-in (password,
/// authenticator, mobile number, passkeys; the eHerkenning link only when it names the new
/// office's company); every right of the old office and an administrator role there end, as do
/// their sessions, open access requests and open move requests (a request from the new office
/// counts as done). The person and both offices' administrators get an e-mail.
#[utoipa::path(
    post, path = "/api/operator/accounts/{id}/move", tag = "operator", params(("id" = Uuid, Path)),
    request_body = MoveAccountRequest,
    responses(
        (status = 200, description = "Moved: the account in its new office", body = AccountDetailResponse),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`, `cannot_target_self`", body = ErrorBody),
        (status = 404, description = "`not_found` (no such account of an office, or no such office)", body = ErrorBody),
        (status = 409, description = "`same_office`, `account_not_active` (its set-up is not finished), `last_administrator` (the old office would have none)", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:manage"]))
)]
pub async fn move_account(
    state: web::Data<AppState>,
    operator: OperatorCaller<ManageAccounts>,
    id: web::Path<Uuid>,
    body: web::Json<MoveAccountRequest>,
) -> Result<web::Json<AccountDetailResponse>, ApiError> {
    Ok(web::Json(
        moves::move_account(&state, &operator.actor(), *id, body.office_id).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MoveRequestQuery {
    /// Paging: how many to skip (0–100,000, default 0; `next_offset` of the previous page).
    #[param(minimum = 0, maximum = 100000)]
    pub offset: Option<i64>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// The open move requests of every office, oldest first.
#[utoipa::path(
    get, path = "/api/operator/move-requests", tag = "operator", params(MoveRequestQuery),
    responses(
        (status = 200, description = "A page of open move requests", body = MoveRequestListResponse),
        (status = 400, description = "`invalid_request`: a limit or offset out of range", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:read"]))
)]
pub async fn move_requests(
    state: web::Data<AppState>,
    _caller: OperatorCaller<ReadAccounts>,
    query: web::Query<MoveRequestQuery>,
) -> Result<web::Json<MoveRequestListResponse>, ApiError> {
    Ok(web::Json(
        moves::open_requests(&state, query.offset, query.limit).await?,
    ))
}

/// Declines a move request; the administrator who asked gets the reason by e-mail.
#[utoipa::path(
    post, path = "/api/operator/move-requests/{id}/decline", tag = "operator", params(("id" = Uuid, Path)),
    request_body = DeclineRequest,
    responses(
        (status = 200, description = "Declined", body = MoveRequestResponse),
        (status = 400, description = "`invalid_note` (the reason is empty, too long or has control characters), `invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`request_closed` (moved or declined already)", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:manage"]))
)]
pub async fn decline_move_request(
    state: web::Data<AppState>,
    operator: OperatorCaller<ManageAccounts>,
    id: web::Path<Uuid>,
    body: web::Json<DeclineRequest>,
) -> Result<web::Json<MoveRequestResponse>, ApiError> {
    Ok(web::Json(
        moves::decline(&state, &operator.actor(), *id, &body.reason).await?,
    ))
}

/// Asks the relations team to move the person with this address (an account of another
/// office, as an invitation's `email_taken` said) into the own office. Which office the person
/// is in is not said; asking again while a request is open changes nothing.
#[utoipa::path(
    post, path = "/api/office/move-requests", tag = "office", request_body = CreateMoveRequest,
    responses(
        (status = 202, description = "The relations team has the request", body = AcceptedResponse),
        (status = 400, description = "`invalid_email`, `invalid_note`, `invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`not_found` (no account of an office has this address)", body = ErrorBody),
        (status = 409, description = "`same_office` (the person is in this office already)", body = ErrorBody),
        (status = 429, description = "`rate_limited` (counted with invitations per client address); see `Retry-After`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:manage"]))
)]
pub async fn request_move(
    state: web::Data<AppState>,
    caller: OfficeCaller<ManageAccounts>,
    body: web::Json<CreateMoveRequest>,
) -> Result<HttpResponse, ApiError> {
    moves::request_move(&state, &caller.actor(), caller.office, &body).await?;
    Ok(HttpResponse::Accepted().json(AcceptedResponse {
        status: "requested".into(),
    }))
}
