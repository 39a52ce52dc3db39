//! OAuth 2.0 for integrators: the token endpoint (client credentials), its metadata (RFC 8414),
//! token introspection (RFC 7662), and rights checks for the insurer's applications. The token
//! endpoint answers exactly as RFC 6749 §5.1/§5.2 say (its errors are `{"error": …}`, not
//! Poort's `{"code": …}`): programs written against any OAuth library understand it.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use poort_shared::ErrorBody;
use poort_shared::dto::{
    AccessTokenResponse, ApiScope, IntrospectionRequest, IntrospectionResponse, OAuthErrorResponse,
    RightsBatchRequest, RightsBatchResponse, RightsCheckResponse, TokenRequest,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::bearer::{CheckRights, ClientCaller};
use crate::auth::principal::ClientInfo;
use crate::domain::api_client::TokenRefusal;
use crate::error::ApiError;
use crate::services::oauth::{self, ClientAuth, JWT_BEARER, TokenError};
use crate::state::AppState;

fn oauth_error(status: StatusCode, error: &str, description: String) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"));
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"poort\""));
    }
    response.json(OAuthErrorResponse {
        error: error.to_string(),
        error_description: Some(description),
    })
}

fn refusal(why: TokenRefusal) -> HttpResponse {
    let status = match why {
        TokenRefusal::InvalidClient(_) => StatusCode::UNAUTHORIZED,
        _ => StatusCode::BAD_REQUEST,
    };
    oauth_error(status, why.error(), why.description())
}

fn invalid_request(why: &str) -> HttpResponse {
    refusal(TokenRefusal::InvalidRequest(why.to_string()))
}

/// The percent-decoding RFC 6749 §2.3.1 asks for the parts of HTTP Basic.
fn form_decoded(part: &str) -> Option<String> {
    let plus_as_space = part.replace('+', " ");
    percent_encoding::percent_decode_str(&plus_as_space)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// `Authorization: Basic …` as (client id, secret); `Err` when the header is there but
/// unreadable.
fn basic_auth(req: &HttpRequest) -> Result<Option<(String, String)>, Box<HttpResponse>> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || {
        Box::new(refusal(TokenRefusal::InvalidClient(
            "unreadable HTTP Basic credentials".into(),
        )))
    };
    let value = value.to_str().map_err(|_| bad())?;
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Err(bad());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad());
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    match (form_decoded(id), form_decoded(secret)) {
        (Some(id), Some(secret)) if !id.is_empty() => Ok(Some((id, secret))),
        _ => Err(bad()),
    }
}

fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        })
}

/// Issues an access token to an API client (`grant_type=client_credentials`), authenticated
/// with `private_key_jwt` (a signed client assertion, RFC 7523) or its secret over HTTP Basic.
///
/// The assertion's header names the key (`kid`) and its algorithm (`EdDSA`, `ES256` or
/// `RS256`, as registered); its claims are `iss` = `sub` = the client id, `aud` = this
/// endpoint's URL (or the issuer), `exp` at most 5 minutes ahead, and a `jti` never used before.
/// The access token is an EdDSA JWT (`typ: at+jwt`, see `AccessTokenClaims`) valid
/// `security.access_token_lifetime_seconds` (600); send it as `Authorization: Bearer`.
#[utoipa::path(
    operation_id = "oauth_token", post, path = "/oauth2/token", tag = "oauth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The access token (RFC 6749 §5.1)", body = AccessTokenResponse,
            headers(("Pragma" = String, description = "`no-cache`"))),
        (status = 400, description = "RFC 6749 §5.2: `invalid_request` (a parameter missing, repeated or unreadable, both or no authentication methods, not form-encoded), `unsupported_grant_type`, `invalid_scope` (a scope the client does not hold), `unauthorized_client` (the client has expired)", body = OAuthErrorResponse),
        (status = 401, description = "`invalid_client`: unknown client, wrong secret, an assertion whose signature, `iss`/`sub`, `aud`, `exp` or `jti` is wrong (expired, too far ahead, used before), a key that is not registered, or a revoked client", body = OAuthErrorResponse,
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"poort\"`"))),
        (status = 429, description = "`rate_limited`: too many token requests from this client (`policy.tokens_per_minute_per_api_client`) or address", body = OAuthErrorResponse),
        (status = 503, description = "`temporarily_unavailable`", body = OAuthErrorResponse),
    ),
)]
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    client: ClientInfo,
    body: web::Bytes,
) -> HttpResponse {
    if !is_form(&req) {
        return invalid_request("the body must be application/x-www-form-urlencoded");
    }
    let form: TokenRequest = match serde_urlencoded::from_bytes(&body) {
        Ok(form) => form,
        Err(e) => return invalid_request(&format!("the form cannot be read: {e}")),
    };
    let basic = match basic_auth(&req) {
        Ok(basic) => basic,
        Err(answer) => return *answer,
    };
    // Unknown parameters are ignored (RFC 6749 §3.2), so only these are looked at.
    let texts = [
        Some(form.grant_type.as_str()),
        form.client_id.as_deref(),
        form.client_assertion.as_deref(),
        form.client_assertion_type.as_deref(),
        form.scope.as_deref(),
        basic.as_ref().map(|(id, _)| id.as_str()),
        basic.as_ref().map(|(_, secret)| secret.as_str()),
    ];
    if texts.into_iter().flatten().any(|t| t.contains('\0')) {
        return invalid_request(crate::input::NUL_REFUSED);
    }
    let auth = match (basic, form.client_assertion, form.client_assertion_type) {
        (Some(_), Some(_), _) => {
            return invalid_request("use one client authentication method, not two");
        }
        (Some((client_id, secret)), None, None) => {
            if form.client_id.as_deref().is_some_and(|id| id != client_id) {
                return invalid_request("client_id differs from the HTTP Basic user");
            }
            Some(ClientAuth::Secret { client_id, secret })
        }
        (_, Some(assertion), Some(kind)) if kind == JWT_BEARER => Some(ClientAuth::Assertion {
            assertion,
            client_id: form.client_id,
        }),
        (_, Some(_), Some(_)) => {
            return invalid_request(&format!("client_assertion_type must be {JWT_BEARER}"));
        }
        (_, Some(_), None) | (Some(_), None, Some(_)) | (None, None, Some(_)) => {
            return invalid_request("client_assertion and client_assertion_type go together");
        }
        (None, None, None) => None,
    };
    match oauth::token(
        &state,
        auth,
        Some(form.grant_type.as_str()).filter(|g| !g.is_empty()),
        form.scope.as_deref(),
        &client,
    )
    .await
    {
        Ok(token) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"))
            .json(token),
        Err(TokenError::Refused(why)) => refusal(why),
        Err(TokenError::RateLimited {
            retry_after_seconds,
        }) => {
            let mut answer = oauth_error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many token requests; see Retry-After".into(),
            );
            if let Ok(value) =
                header::HeaderValue::from_str(&retry_after_seconds.max(1).to_string())
            {
                answer.headers_mut().insert(header::RETRY_AFTER, value);
            }
            answer
        }
        Err(TokenError::Failed(error)) => {
            let unavailable = matches!(error, ApiError::Unavailable(_) | ApiError::Overloaded);
            let status = actix_web::ResponseError::status_code(&error);
            // Logged with its whole chain, as every other unexpected error.
            let _ = actix_web::ResponseError::error_response(&error);
            if unavailable {
                let mut answer = oauth_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "try again shortly".into(),
                );
                answer
                    .headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
                answer
            } else {
                oauth_error(
                    status,
                    "server_error",
                    "something went wrong on our side".into(),
                )
            }
        }
    }
}

/// RFC 8414: what the authorization server supports, for OAuth libraries to discover.
#[utoipa::path(
    operation_id = "oauth_metadata", get, path = "/.well-known/oauth-authorization-server", tag = "oauth",
    responses((status = 200, description = "Authorization server metadata (RFC 8414)", body = Object)),
)]
pub async fn metadata(state: web::Data<AppState>) -> HttpResponse {
    let base = &state.public_url;
    let scopes: Vec<&str> = ApiScope::ALL.iter().map(|s| s.as_str()).collect();
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .json(serde_json::json!({
            "issuer": base,
            "token_endpoint": oauth::token_endpoint(&state),
            "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic"],
            "token_endpoint_auth_signing_alg_values_supported": ["EdDSA", "ES256", "RS256"],
            "grant_types_supported": ["client_credentials"],
            "response_types_supported": [],
            "scopes_supported": scopes,
            "jwks_uri": format!("{base}/.well-known/jwks.json"),
            "introspection_endpoint": format!("{base}/oauth2/introspect"),
            "service_documentation": format!("{base}/api/docs"),
        }))
}

/// RFC 7662: whether an access token (a client's) or a user token (from `/api/me/token`) is
/// active now, and for a user token the rights its account holds on its portfolio now. The
/// caller is an API client with `rights:check` (its own bearer token); an office's client
/// learns only of its own office's tokens.
#[utoipa::path(
    operation_id = "oauth_introspect", post, path = "/oauth2/introspect", tag = "oauth",
    request_body(content = IntrospectionRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "RFC 7662 §2.2; `{\"active\": false}` for any token that is not active for this caller", body = IntrospectionResponse),
        (status = 400, description = "`invalid_request` (no `token`, not form-encoded)", body = ErrorBody),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 403, description = "`insufficient_scope`", body = ErrorBody),
    ),
    security(("oauth2" = ["rights:check"]))
)]
pub async fn introspect(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: ClientCaller<CheckRights>,
    body: web::Bytes,
) -> Result<web::Json<IntrospectionResponse>, ApiError> {
    if !is_form(&req) {
        return Err(ApiError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let form: IntrospectionRequest = serde_urlencoded::from_bytes(&body)
        .map_err(|e| ApiError::invalid_request(format!("the form cannot be read: {e}")))?;
    if [Some(form.token.as_str()), form.token_type_hint.as_deref()]
        .into_iter()
        .flatten()
        .any(|t| t.contains('\0'))
    {
        return Err(ApiError::invalid_request(crate::input::NUL_REFUSED));
    }
    Ok(web::Json(
        oauth::introspect(&state, &caller.caller, &form.token).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RightsCheckQuery {
    /// The account's id (`sub` of its user token).
    pub account: Uuid,
    /// A portfolio id or an agency number.
    #[param(min_length = 1, max_length = 36)]
    pub portfolio: String,
    /// A right code from the catalogue, e.g. `view_policies`.
    #[param(min_length = 1, max_length = 64)]
    pub right: String,
}

/// Whether an account may use a right on a portfolio now, and why (not granted, unknown right
/// or portfolio, a portfolio of another office, the account not active, a portfolio the client
/// is not limited to). A right revoked a moment ago counts at once.
#[utoipa::path(
    operation_id = "rights_check", get, path = "/api/rights/check", tag = "oauth", params(RightsCheckQuery),
    responses(
        (status = 200, description = "The answer", body = RightsCheckResponse),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 403, description = "`insufficient_scope`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such account (or one of another office than the client's)", body = ErrorBody),
    ),
    security(("oauth2" = ["rights:check"]))
)]
pub async fn check(
    state: web::Data<AppState>,
    caller: ClientCaller<CheckRights>,
    query: web::Query<RightsCheckQuery>,
) -> Result<web::Json<RightsCheckResponse>, ApiError> {
    let q = query.into_inner();
    let mut answers =
        oauth::check_rights(&state, &caller.caller, q.account, &[(q.portfolio, q.right)]).await?;
    answers
        .pop()
        .map(web::Json)
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("a rights check gave no answer")))
}

/// Many checks for one account at once (1–500), answered in their order.
#[utoipa::path(
    operation_id = "rights_check_batch", post, path = "/api/rights/check", tag = "oauth", request_body = RightsBatchRequest,
    responses(
        (status = 200, description = "The answers, in the order of the checks", body = RightsBatchResponse),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 403, description = "`insufficient_scope`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ),
    security(("oauth2" = ["rights:check"]))
)]
pub async fn check_batch(
    state: web::Data<AppState>,
    caller: ClientCaller<CheckRights>,
    body: web::Json<RightsBatchRequest>,
) -> Result<web::Json<RightsBatchResponse>, ApiError> {
    let body = body.into_inner();
    let checks: Vec<(String, String)> = body
        .checks
        .into_iter()
        .map(|c| (c.portfolio, c.right))
        .collect();
    Ok(web::Json(RightsBatchResponse {
        results: oauth::check_rights(&state, &caller.caller, body.account, &checks).await?,
    }))
}
