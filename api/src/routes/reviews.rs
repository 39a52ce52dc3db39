//! Periodic access reviews: the office administrator's review (`/api/office/access-review`)
//! and keeping rights in it; the relations team's list of offices whose review is overdue or
//! due soon, and any office's review with its history.

use actix_web::web;
use poort_shared::ErrorBody;
use poort_shared::dto::{AccessReviewResponse, ConfirmReviewRequest, OfficeReviewListResponse};
use uuid::Uuid;

use crate::auth::bearer::{ManageRights, OfficeCaller, OperatorCaller, ReadAccounts};
use crate::error::ApiError;
use crate::services::reviews;
use crate::state::AppState;

/// The office's current access review: the period and its due date, every account (not
/// deactivated) with its rights per portfolio and whether they are confirmed in this period
/// (setting rights counts), how many are left, and the completed reviews.
#[utoipa::path(
    get, path = "/api/office/access-review", tag = "office",
    responses(
        (status = 200, description = "The review", body = AccessReviewResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a user administrator", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:read"]))
)]
pub async fn office_access_review(
    state: web::Data<AppState>,
    caller: OfficeCaller<ReadAccounts>,
) -> Result<web::Json<AccessReviewResponse>, ApiError> {
    Ok(web::Json(reviews::status(&state, caller.office).await?))
}

/// Keeps rights in the review: one account's (`account_id`), every account's on one portfolio
/// (`portfolio_id`, "keep all"), or one account's on one portfolio (both). When nothing is left
/// to confirm the review is complete and the next period starts. To change rights, set them
/// (`PUT /api/office/accounts/{id}/rights`); to take them away, deactivate the account.
#[utoipa::path(
    post, path = "/api/office/access-review/confirm", tag = "office", request_body = ConfirmReviewRequest,
    responses(
        (status = 200, description = "The review after keeping", body = AccessReviewResponse),
        (status = 400, description = "`invalid_request` (neither `account_id` nor `portfolio_id`)", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`not_found` (no such account or portfolio with rights to review in this office)", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["rights:manage"]))
)]
pub async fn confirm_access_review(
    state: web::Data<AppState>,
    caller: OfficeCaller<ManageRights>,
    body: web::Json<ConfirmReviewRequest>,
) -> Result<web::Json<AccessReviewResponse>, ApiError> {
    if let Some(portfolio) = body.portfolio_id {
        caller.may_grant(&[portfolio])?;
    } else if caller.portfolio_limit().is_some() {
        // A client limited to some portfolios keeps rights per portfolio only.
        return Err(poort_shared::ErrorCode::UnknownPortfolio.into());
    }
    Ok(web::Json(
        reviews::confirm(&state, &caller.actor(), caller.office, &body).await?,
    ))
}

/// The offices whose access review is overdue or due within 14 days, by due date.
#[utoipa::path(
    get, path = "/api/operator/access-reviews", tag = "operator",
    responses(
        (status = 200, description = "Offices by due date", body = OfficeReviewListResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:read"]))
)]
pub async fn access_reviews_due(
    state: web::Data<AppState>,
    _caller: OperatorCaller<ReadAccounts>,
) -> Result<web::Json<OfficeReviewListResponse>, ApiError> {
    Ok(web::Json(reviews::due(&state).await?))
}

/// One office's current access review and its history.
#[utoipa::path(
    get, path = "/api/operator/offices/{id}/access-review", tag = "operator", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The review", body = AccessReviewResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:read"]))
)]
pub async fn office_review_for_operator(
    state: web::Data<AppState>,
    _caller: OperatorCaller<ReadAccounts>,
    id: web::Path<Uuid>,
) -> Result<web::Json<AccessReviewResponse>, ApiError> {
    Ok(web::Json(reviews::status(&state, *id).await?))
}
