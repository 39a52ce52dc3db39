//! Access requests: the adviser's side (`/api/me/access-requests`: what they may ask, asking,
//! withdrawing) and the office administrator's (`/api/office/access-requests`: the open ones
//! with their number for the badge, granting, declining).

use actix_web::{HttpResponse, web};
use poort_shared::ErrorBody;
use poort_shared::dto::{
    AccessRequestFilter, AccessRequestListResponse, AccessRequestResponse, CreateAccessRequest,
    DeclineRequest, GrantAccessRequest, MyAccessRequestsResponse,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::bearer::{ManageRights, OfficeCaller, ReadAccounts};
use crate::auth::principal::Principal;
use crate::error::ApiError;
use crate::services::access_requests;
use crate::state::AppState;

/// The signed-in account's access requests (newest first, the last 20), its rights now, and
/// what it may ask for: its office's portfolios and the rights catalogue.
#[utoipa::path(
    get, path = "/api/me/access-requests", tag = "account",
    responses(
        (status = 200, description = "Requests and what may be asked", body = MyAccessRequestsResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden` (the relations team has no office)", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn my_access_requests(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<MyAccessRequestsResponse>, ApiError> {
    Ok(web::Json(access_requests::mine(&state, &principal).await?))
}

/// Asks the office's user administrators for rights; they get an e-mail. One open request at
/// a time; it expires after `policy.access_request_days` (14) without an answer.
#[utoipa::path(
    post, path = "/api/me/access-requests", tag = "account", request_body = CreateAccessRequest,
    responses(
        (status = 201, description = "Asked", body = AccessRequestResponse),
        (status = 400, description = "`nothing_requested` (no right, or only rights the account has), `unknown_portfolio` (not of the own office), `unknown_right`, `invalid_note`, `invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden` (the relations team has no office), `origin_mismatch`", body = ErrorBody),
        (status = 409, description = "`access_request_open` (withdraw it or wait for the answer)", body = ErrorBody),
        (status = 429, description = "`rate_limited` (`policy.access_requests_per_day`); see `Retry-After`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn create_access_request(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<CreateAccessRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = access_requests::create(&state, &principal, &body).await?;
    Ok(HttpResponse::Created().json(request))
}

/// Withdraws the signed-in account's open access request.
#[utoipa::path(
    post, path = "/api/me/access-requests/{id}/withdraw", tag = "account", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Withdrawn", body = AccessRequestResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`not_found` (no such request of this account)", body = ErrorBody),
        (status = 409, description = "`request_closed` (answered, withdrawn or expired)", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn withdraw_access_request(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> Result<web::Json<AccessRequestResponse>, ApiError> {
    Ok(web::Json(
        access_requests::withdraw(&state, &principal, *id).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccessRequestQuery {
    /// `open` (default; oldest first) or `closed` (answered, withdrawn, expired; newest first).
    pub status: Option<AccessRequestFilter>,
    /// Paging: how many to skip (0–100,000, default 0; `next_offset` of the previous page).
    #[param(minimum = 0, maximum = 100000)]
    pub offset: Option<i64>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// The office's access requests, a page at a time, with the number open now.
#[utoipa::path(
    get, path = "/api/office/access-requests", tag = "office", params(AccessRequestQuery),
    responses(
        (status = 200, description = "A page of requests", body = AccessRequestListResponse),
        (status = 400, description = "`invalid_request`: an unknown status, a limit or offset out of range", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a user administrator", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:read"]))
)]
pub async fn office_access_requests(
    state: web::Data<AppState>,
    caller: OfficeCaller<ReadAccounts>,
    query: web::Query<AccessRequestQuery>,
) -> Result<web::Json<AccessRequestListResponse>, ApiError> {
    Ok(web::Json(
        access_requests::list(
            &state,
            caller.office,
            query.status.unwrap_or(AccessRequestFilter::Open),
            query.offset,
            query.limit,
            caller.portfolio_limit(),
        )
        .await?,
    ))
}

/// Grants an open request: the rights given (what was asked, or adjusted) are added to the
/// account's; nothing is revoked. The adviser gets an e-mail and has the rights from the next
/// request on.
#[utoipa::path(
    post, path = "/api/office/access-requests/{id}/grant", tag = "office", params(("id" = Uuid, Path)),
    request_body = GrantAccessRequest,
    responses(
        (status = 200, description = "Granted", body = AccessRequestResponse),
        (status = 400, description = "`nothing_requested` (no right the account lacks), `unknown_portfolio` (not of this office, or outside the client's portfolios), `unknown_right`, `invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`request_closed` (answered, withdrawn or expired)", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["rights:manage"]))
)]
pub async fn grant_access_request(
    state: web::Data<AppState>,
    caller: OfficeCaller<ManageRights>,
    id: web::Path<Uuid>,
    body: web::Json<GrantAccessRequest>,
) -> Result<web::Json<AccessRequestResponse>, ApiError> {
    let granted: Vec<Uuid> = body.rights.iter().map(|g| g.portfolio_id).collect();
    caller.may_grant(&granted)?;
    Ok(web::Json(
        access_requests::grant(
            &state,
            &caller.actor(),
            caller.office,
            *id,
            &body.rights,
            caller.portfolio_limit(),
        )
        .await?,
    ))
}

/// Declines an open request; the adviser gets an e-mail with the reason.
#[utoipa::path(
    post, path = "/api/office/access-requests/{id}/decline", tag = "office", params(("id" = Uuid, Path)),
    request_body = DeclineRequest,
    responses(
        (status = 200, description = "Declined", body = AccessRequestResponse),
        (status = 400, description = "`invalid_note` (the reason is empty, too long or has control characters), `invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`request_closed` (answered, withdrawn or expired)", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["rights:manage"]))
)]
pub async fn decline_access_request(
    state: web::Data<AppState>,
    caller: OfficeCaller<ManageRights>,
    id: web::Path<Uuid>,
    body: web::Json<DeclineRequest>,
) -> Result<web::Json<AccessRequestResponse>, ApiError> {
    Ok(web::Json(
        access_requests::decline(
            &state,
            &caller.actor(),
            caller.office,
            *id,
            &body.reason,
            caller.portfolio_limit(),
        )
        .await?,
    ))
}
