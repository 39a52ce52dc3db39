//! The signed-in account: who am I, signing out, and the rights catalogue.

use actix_web::{HttpResponse, web};
use poort_shared::ErrorBody;
use poort_shared::dto::{MeResponse, RightsCatalogueResponse};

use crate::auth::principal::{Principal, removal_cookie};
use crate::error::ApiError;
use crate::services::offices;
use crate::state::AppState;

/// The signed-in account.
#[utoipa::path(
    get,
    path = "/api/me",
    tag = "account",
    responses(
        (status = 200, description = "The signed-in account", body = MeResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn me(principal: Principal) -> web::Json<MeResponse> {
    web::Json(principal.me())
}

/// Ends this session.
#[utoipa::path(
    post,
    path = "/api/session/logout",
    tag = "account",
    responses(
        (status = 204, description = "Signed out; the cookie is cleared"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn logout(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    crate::services::sessions::end_own(&state, &principal).await?;
    Ok(HttpResponse::NoContent()
        .cookie(removal_cookie(&state.settings))
        .finish())
}

/// The rights that can be granted on a portfolio, with Dutch and English labels.
#[utoipa::path(
    get,
    path = "/api/rights",
    tag = "account",
    responses(
        (status = 200, description = "The rights catalogue", body = RightsCatalogueResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn rights_catalogue(
    state: web::Data<AppState>,
    _principal: Principal,
) -> Result<web::Json<RightsCatalogueResponse>, ApiError> {
    Ok(web::Json(RightsCatalogueResponse {
        rights: offices::rights_catalogue(&state).await?,
    }))
}
