//! eHerkenning: signing in with it, linking and unlinking it in *Mijn account*, and the return
//! from the broker (always a redirect into the web app).

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use poort_shared::ErrorBody;
use poort_shared::dto::{EherkenningLinkResponse, EherkenningStartResponse};
use serde::Deserialize;

use crate::auth::principal::{ClientInfo, Principal, session_cookie};
use crate::configuration::{Mode, Settings};
use crate::error::ApiError;
use crate::services::eherkenning::{self, Callback, Returned, Started, TRIP_MINUTES};
use crate::state::AppState;

/// The cookie that binds a trip to the broker to this browser: HttpOnly, for the callback
/// only, 10 minutes, SameSite=Lax (the broker's redirect back is a top-level navigation from
/// another site, where a Strict cookie would not be sent).
const BINDING_COOKIE: &str = "poort_eherkenning";
const CALLBACK_PATH: &str = "/api/eherkenning/callback";

fn binding_cookie(settings: &Settings, value: String) -> Cookie<'static> {
    Cookie::build(BINDING_COOKIE, value)
        .path(CALLBACK_PATH)
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.mode == Mode::Production)
        .max_age(actix_web::cookie::time::Duration::minutes(TRIP_MINUTES))
        .finish()
}

fn started(state: &AppState, started: Started) -> HttpResponse {
    HttpResponse::Ok()
        .cookie(binding_cookie(&state.settings, started.binding))
        .json(started.response)
}

/// Starts signing in with eHerkenning: the answer says where the browser goes (the broker).
#[utoipa::path(
    post, path = "/api/eherkenning/sign-in", tag = "sign-in",
    responses(
        (status = 200, description = "Go to `authorize_url`; the trip is bound to this browser by a cookie for 10 minutes", body = EherkenningStartResponse,
            headers(("Set-Cookie" = String, description = "`poort_eherkenning`: binds the trip to this browser (HttpOnly, SameSite=Lax, path /api/eherkenning/callback, 10 minutes)"))),
        (status = 403, description = "`origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`eherkenning_unavailable`: not configured", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
        (status = 503, description = "`eherkenning_unreachable`: the broker does not answer", body = ErrorBody),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    state: web::Data<AppState>,
    client: ClientInfo,
) -> Result<HttpResponse, ApiError> {
    let s = eherkenning::start_sign_in(&state, &client).await?;
    Ok(started(&state, s))
}

/// Starts linking eHerkenning to the signed-in account (re-authenticate first).
#[utoipa::path(
    post, path = "/api/me/eherkenning", tag = "account",
    responses(
        (status = 200, description = "Go to `authorize_url`; on return the identity is linked, or the refusal page says why", body = EherkenningStartResponse,
            headers(("Set-Cookie" = String, description = "`poort_eherkenning`: binds the trip to this browser"))),
        (status = 401, description = "`unauthenticated`, `reauthentication_required`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`, `forbidden` (the relations team has no office to link for)", body = ErrorBody),
        (status = 404, description = "`eherkenning_unavailable`", body = ErrorBody),
        (status = 409, description = "`eherkenning_already_linked`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
        (status = 503, description = "`eherkenning_unreachable`", body = ErrorBody),
    ),
    security(("session" = []))
)]
#[tracing::instrument(skip_all)]
pub async fn start_link(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    let s = eherkenning::start_link(&state, &principal).await?;
    Ok(started(&state, s))
}

/// Whether eHerkenning is linked to the signed-in account, for which company, since when.
#[utoipa::path(
    get, path = "/api/me/eherkenning", tag = "account",
    responses(
        (status = 200, description = "The link", body = EherkenningLinkResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn link(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<web::Json<EherkenningLinkResponse>, ApiError> {
    Ok(web::Json(eherkenning::link_of(&state, &principal).await?))
}

/// Unlinks eHerkenning (re-authenticate first); an e-mail tells the owner.
#[utoipa::path(
    delete, path = "/api/me/eherkenning", tag = "account",
    responses(
        (status = 204, description = "Unlinked (or there was no link)"),
        (status = 401, description = "`unauthenticated`, `reauthentication_required`", body = ErrorBody),
        (status = 403, description = "`origin_mismatch`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn unlink(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    eherkenning::unlink(&state, &principal).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    /// The code to exchange (on success).
    pub code: Option<String>,
    /// The state Poort sent.
    pub state: Option<String>,
    /// On a refusal at the broker, e.g. `access_denied`.
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// RFC 9207: the broker's issuer (ignored; the ID token's is checked).
    pub iss: Option<String>,
    /// Some brokers add more; ignored.
    #[serde(flatten)]
    #[param(ignore)]
    pub rest: std::collections::HashMap<String, String>,
}

/// The return from the broker: always a redirect into the web app: `/start` signed in,
/// *Mijn account* after a link, or `/eherkenning/geweigerd?reden=…` (with `niveau` or `kvk`
/// where they explain it).
#[utoipa::path(
    get, path = "/api/eherkenning/callback", tag = "sign-in",
    params(CallbackQuery),
    responses(
        (status = 303, description = "To `/start` (signed in), `/mijn-account?eherkenning=gekoppeld` or `/eherkenning/geweigerd?reden=…` (`reden` one of `EherkenningRefusal`)",
            headers(
                ("Location" = String, description = "Where the browser goes"),
                ("Set-Cookie" = String, description = "The session cookie when signed in; the trip's cookie removed"),
            )),
    )
)]
#[tracing::instrument(skip_all)]
pub async fn callback(
    state: web::Data<AppState>,
    client: ClientInfo,
    req: HttpRequest,
) -> HttpResponse {
    // Read leniently: a broken query is a refusal page, not a JSON error in the browser.
    let query = web::Query::<CallbackQuery>::from_query(req.query_string()).ok();
    let clip = |v: &Option<String>, n: usize| v.as_ref().map(|s| s.chars().take(n).collect());
    let back = Callback {
        binding: req.cookie(BINDING_COOKIE).map(|c| c.value().to_string()),
        state: query.as_ref().and_then(|q| clip(&q.state, 256)),
        code: query.as_ref().and_then(|q| clip(&q.code, 2048)),
        error: query.as_ref().and_then(|q| clip(&q.error, 256)),
        error_description: query
            .as_ref()
            .and_then(|q| clip(&q.error_description, 2048)),
    };
    let returned = eherkenning::callback(&state, back, &client).await;
    let mut removal = binding_cookie(&state.settings, String::new());
    removal.make_removal();
    let mut answer = HttpResponse::SeeOther();
    answer
        .insert_header((header::LOCATION, eherkenning::landing(&returned)))
        .cookie(removal);
    if let Returned::SignedIn { session_token } = &returned {
        answer.cookie(session_cookie(&state.settings, session_token));
    }
    answer.finish()
}
