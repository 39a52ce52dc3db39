//! API clients, managed by people: an office's user administrators for their office
//! (`/api/office/api-clients`), the relations team for the insurer (`/api/operator/api-clients`).
//! Only a session will do (an API client cannot manage clients); each pair of handlers is one
//! call with the owner its role implies.

use actix_web::{HttpResponse, web};
use poort_shared::ErrorBody;
use poort_shared::dto::{
    AddApiClientKeyRequest, ApiClientListResponse, ApiClientRequest, ApiClientResponse,
    ApiClientSecretResponse, ApiScopeCatalogueResponse,
};
use uuid::Uuid;

use crate::auth::principal::{OfficeAdmin, Operator};
use crate::domain::api_client::Owner;
use crate::error::ApiError;
use crate::services::api_clients;
use crate::state::AppState;

/// The answers of a change to one client.
#[derive(utoipa::IntoResponses)]
#[allow(
    clippy::large_enum_variant,
    reason = "never built: it only lists the answers for the OpenAPI document"
)]
pub enum ClientAnswers {
    #[response(status = 200, description = "The client as it is now")]
    Ok(ApiClientResponse),
    #[response(
        status = 400,
        description = "`invalid_name`, `invalid_request`, `scope_not_allowed`, `unknown_portfolio`, `api_client_key_invalid`"
    )]
    BadRequest(ErrorBody),
    #[response(status = 401, description = "`unauthenticated`")]
    Unauthenticated(ErrorBody),
    #[response(status = 403, description = "`forbidden`, `origin_mismatch`")]
    Forbidden(ErrorBody),
    #[response(status = 404, description = "`not_found`")]
    NotFound(ErrorBody),
    #[response(
        status = 409,
        description = "`api_client_revoked`, `api_client_key_limit`, `kid_taken`"
    )]
    Conflict(ErrorBody),
}

/// The answers of reading clients.
#[derive(utoipa::IntoResponses)]
pub enum ClientListAnswers {
    #[response(status = 200, description = "The clients, newest first")]
    Ok(ApiClientListResponse),
    #[response(status = 401, description = "`unauthenticated`")]
    Unauthenticated(ErrorBody),
    #[response(status = 403, description = "`forbidden`")]
    Forbidden(ErrorBody),
}

/// The answers of a new secret.
#[derive(utoipa::IntoResponses)]
pub enum SecretAnswers {
    #[response(
        status = 200,
        description = "The new secret: shown this once (it replaces the previous one, whose tokens stop working)"
    )]
    Ok(ApiClientSecretResponse),
    #[response(status = 401, description = "`unauthenticated`")]
    Unauthenticated(ErrorBody),
    #[response(status = 403, description = "`forbidden`, `origin_mismatch`")]
    Forbidden(ErrorBody),
    #[response(status = 404, description = "`not_found`")]
    NotFound(ErrorBody),
    #[response(status = 409, description = "`api_client_revoked`")]
    Conflict(ErrorBody),
}

/// The scope catalogue's answers.
#[derive(utoipa::IntoResponses)]
pub enum ScopeAnswers {
    #[response(status = 200, description = "The scopes this owner's clients may have")]
    Ok(ApiScopeCatalogueResponse),
    #[response(status = 401, description = "`unauthenticated`")]
    Unauthenticated(ErrorBody),
    #[response(status = 403, description = "`forbidden`")]
    Forbidden(ErrorBody),
}

fn office(admin: &OfficeAdmin) -> Owner {
    Owner::Office(admin.office)
}

fn insurer(_: &Operator) -> Owner {
    Owner::Insurer
}

macro_rules! client_routes {
    ($area:tt, $tag:tt, $who:ty, $owner:ident,
     $scopes:ident, $list:ident, $create:ident, $get:ident, $update:ident, $revoke:ident,
     $add_key:ident, $remove_key:ident, $secret:ident) => {
        /// The scopes clients may have, with their labels.
        #[utoipa::path(get, path = concat!("/api/", $area, "/api-scopes"), tag = $tag,
            operation_id = concat!($area, "_api_scopes"),
            responses(ScopeAnswers), security(("session" = [])))]
        pub async fn $scopes(
            state: web::Data<AppState>,
            who: $who,
        ) -> Result<web::Json<ApiScopeCatalogueResponse>, ApiError> {
            let scopes = api_clients::scopes(&state, $owner(&who)).await?;
            Ok(web::Json(ApiScopeCatalogueResponse { scopes }))
        }

        /// The API clients, with their keys and last use.
        #[utoipa::path(get, path = concat!("/api/", $area, "/api-clients"), tag = $tag,
            operation_id = concat!($area, "_api_clients"),
            responses(ClientListAnswers), security(("session" = [])))]
        pub async fn $list(
            state: web::Data<AppState>,
            who: $who,
        ) -> Result<web::Json<ApiClientListResponse>, ApiError> {
            let clients = api_clients::list(&state, $owner(&who)).await?;
            Ok(web::Json(ApiClientListResponse { clients }))
        }

        /// Makes an API client; add a public key (or make a secret) next.
        #[utoipa::path(post, path = concat!("/api/", $area, "/api-clients"), tag = $tag,
            operation_id = concat!($area, "_create_api_client"),
            request_body = ApiClientRequest,
            responses(
                (status = 201, description = "Made", body = ApiClientResponse),
                (status = 400, description = "`invalid_name`, `invalid_request`, `scope_not_allowed`, `unknown_portfolio`", body = ErrorBody),
                (status = 401, description = "`unauthenticated`", body = ErrorBody),
                (status = 403, description = "`forbidden`, `origin_mismatch`", body = ErrorBody),
            ),
            security(("session" = [])))]
        pub async fn $create(
            state: web::Data<AppState>,
            who: $who,
            body: web::Json<ApiClientRequest>,
        ) -> Result<HttpResponse, ApiError> {
            let client = api_clients::create(&state, &who.actor(), $owner(&who), &body).await?;
            Ok(HttpResponse::Created().json(client))
        }

        /// One API client.
        #[utoipa::path(get, path = concat!("/api/", $area, "/api-clients/{id}"), tag = $tag,
            operation_id = concat!($area, "_api_client"),
            params(("id" = Uuid, Path)),
            responses(
                (status = 200, description = "The client", body = ApiClientResponse),
                (status = 401, description = "`unauthenticated`", body = ErrorBody),
                (status = 403, description = "`forbidden`", body = ErrorBody),
                (status = 404, description = "`not_found`", body = ErrorBody),
            ),
            security(("session" = [])))]
        pub async fn $get(
            state: web::Data<AppState>,
            who: $who,
            id: web::Path<Uuid>,
        ) -> Result<web::Json<ApiClientResponse>, ApiError> {
            Ok(web::Json(api_clients::get(&state, $owner(&who), *id).await?))
        }

        /// Changes a client's name, scopes, portfolios and expiry (all of them: what is absent
        /// is removed). Tokens already issued keep only the scopes the client still has.
        #[utoipa::path(put, path = concat!("/api/", $area, "/api-clients/{id}"), tag = $tag,
            operation_id = concat!($area, "_update_api_client"),
            params(("id" = Uuid, Path)), request_body = ApiClientRequest,
            responses(ClientAnswers), security(("session" = [])))]
        pub async fn $update(
            state: web::Data<AppState>,
            who: $who,
            id: web::Path<Uuid>,
            body: web::Json<ApiClientRequest>,
        ) -> Result<web::Json<ApiClientResponse>, ApiError> {
            Ok(web::Json(
                api_clients::update(&state, &who.actor(), $owner(&who), *id, &body).await?,
            ))
        }

        /// Revokes a client for good: its keys and secret are removed and its tokens stop
        /// working from the next request.
        #[utoipa::path(post, path = concat!("/api/", $area, "/api-clients/{id}/revoke"), tag = $tag,
            operation_id = concat!($area, "_revoke_api_client"),
            params(("id" = Uuid, Path)),
            responses(ClientAnswers), security(("session" = [])))]
        pub async fn $revoke(
            state: web::Data<AppState>,
            who: $who,
            id: web::Path<Uuid>,
        ) -> Result<web::Json<ApiClientResponse>, ApiError> {
            Ok(web::Json(
                api_clients::revoke(&state, &who.actor(), $owner(&who), *id).await?,
            ))
        }

        /// Registers a public key (JWK or PEM; Ed25519, P-256 or RSA ≥ 2048 bits), at most
        /// two per client so that keys can be rotated.
        #[utoipa::path(post, path = concat!("/api/", $area, "/api-clients/{id}/keys"), tag = $tag,
            operation_id = concat!($area, "_add_api_client_key"),
            params(("id" = Uuid, Path)), request_body = AddApiClientKeyRequest,
            responses(ClientAnswers), security(("session" = [])))]
        pub async fn $add_key(
            state: web::Data<AppState>,
            who: $who,
            id: web::Path<Uuid>,
            body: web::Json<AddApiClientKeyRequest>,
        ) -> Result<web::Json<ApiClientResponse>, ApiError> {
            Ok(web::Json(
                api_clients::add_key(&state, &who.actor(), $owner(&who), *id, &body).await?,
            ))
        }

        /// Removes a key: tokens issued for it stop working from the next request.
        #[utoipa::path(delete, path = concat!("/api/", $area, "/api-clients/{id}/keys/{key_id}"), tag = $tag,
            operation_id = concat!($area, "_remove_api_client_key"),
            params(("id" = Uuid, Path), ("key_id" = Uuid, Path)),
            responses(ClientAnswers), security(("session" = [])))]
        pub async fn $remove_key(
            state: web::Data<AppState>,
            who: $who,
            path: web::Path<(Uuid, Uuid)>,
        ) -> Result<web::Json<ApiClientResponse>, ApiError> {
            let (id, key) = path.into_inner();
            Ok(web::Json(
                api_clients::remove_key(&state, &who.actor(), $owner(&who), id, key).await?,
            ))
        }

        /// Makes a new client secret (for HTTP Basic at the token endpoint), shown once.
        #[utoipa::path(post, path = concat!("/api/", $area, "/api-clients/{id}/secret"), tag = $tag,
            operation_id = concat!($area, "_api_client_secret"),
            params(("id" = Uuid, Path)),
            responses(SecretAnswers), security(("session" = [])))]
        pub async fn $secret(
            state: web::Data<AppState>,
            who: $who,
            id: web::Path<Uuid>,
        ) -> Result<web::Json<ApiClientSecretResponse>, ApiError> {
            Ok(web::Json(
                api_clients::new_secret(&state, &who.actor(), $owner(&who), *id).await?,
            ))
        }
    };
}

client_routes!(
    "office",
    "office",
    OfficeAdmin,
    office,
    office_scopes,
    office_list,
    office_create,
    office_get,
    office_update,
    office_revoke,
    office_add_key,
    office_remove_key,
    office_secret
);

client_routes!(
    "operator",
    "operator",
    Operator,
    insurer,
    operator_scopes,
    operator_list,
    operator_create,
    operator_get,
    operator_update,
    operator_revoke,
    operator_add_key,
    operator_remove_key,
    operator_secret
);
