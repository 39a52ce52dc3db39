//! Serving the single-page app: its files from `server.static_dir`, and `index.html` for every
//! other path that is not API, so deep links (`/mijn-account`) work after a reload.

use std::path::{Path, PathBuf};

use actix_files::{Files, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpResponse, web};

pub fn configure(cfg: &mut web::ServiceConfig, static_dir: &Path) {
    let index = static_dir.join("index.html");
    if !index.is_file() {
        cfg.default_service(web::to(not_built));
        return;
    }
    let fallback_index: PathBuf = index.clone();
    cfg.service(
        Files::new("/", static_dir)
            .index_file("index.html")
            .prefer_utf8(true)
            .default_handler(fn_service(move |req: ServiceRequest| {
                let index = fallback_index.clone();
                async move {
                    let (req, _) = req.into_parts();
                    let file = NamedFile::open(&index)?;
                    let mut response = file.into_response(&req);
                    response
                        .headers_mut()
                        .insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                    Ok(ServiceResponse::new(req, response))
                }
            })),
    );
}

async fn not_built() -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .content_type("text/html; charset=utf-8")
        .body(
            "<!doctype html><meta charset=utf-8><title>Poort</title>\
             <p>De webapplicatie is niet gebouwd. The web app is not built: run <code>cargo xtask run</code>.\
             <p>API: <a href=/api/docs>/api/docs</a>",
        )
}
