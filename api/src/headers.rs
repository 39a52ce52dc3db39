//! Headers every answer gets, whatever produced it: `Strict-Transport-Security` in production
//! (browsers then never try plain http), `Cache-Control: no-store` on the API and `/oauth2/` (its answers carry
//! profiles, tokens and authenticator secrets, which no cache may keep), and a year's caching
//! for the SPA's files whose names carry their content's hash (a new build has new names).
//! `index.html` says `no-cache` itself (`spa.rs`): it names the current build's files.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, STRICT_TRANSPORT_SECURITY};
use actix_web::middleware::Next;
use actix_web::web;

use crate::configuration::Mode;
use crate::state::AppState;

pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let production = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.settings.mode == Mode::Production);
    let api = req.path() == "/api"
        || req.path().starts_with("/api/")
        || req.path().starts_with("/oauth2/");
    let hashed = is_hashed_asset(req.path());
    let mut response = next.call(req).await?;
    let success = response.status().is_success();
    let headers = response.headers_mut();
    if api {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if hashed && success {
        headers.insert(
            CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    }
    if production {
        headers.insert(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    Ok(response)
}

/// Whether a path names a file whose name carries its content's hash, as Trunk writes them:
/// `poort-web-<hex>.js`, `poort-web-<hex>_bg.wasm`, `style-<hex>.css` (the hash is up to 16
/// hex digits: leading zeros are left out).
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split('-').skip(1).any(|part| {
        let hex = part.split(['.', '_']).next().unwrap_or("");
        (12..=16).contains(&hex.len())
            && hex.len() < part.len()
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn the_spas_hashed_files_are_recognised_by_name() {
        for hashed in [
            "/poort-web-c07bdc0f9fb640e2.js",
            "/poort-web-c07bdc0f9fb640e2_bg.wasm",
            "/poort-web-a4318663435996c_bg.wasm",
            "/style-52a1b712ab9e015f.css",
        ] {
            assert!(is_hashed_asset(hashed), "{hashed}");
        }
        for plain in [
            "/",
            "/index.html",
            "/favicon.ico",
            "/mijn-account",
            "/poort-web.js",
            "/a-b.css",
        ] {
            assert!(!is_hashed_asset(plain), "{plain}");
        }
    }
}
