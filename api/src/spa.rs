//! Serving the single-page app: its files from `server.static_dir`, and `index.html` for every
//! other path that is not API, so deep links (`/mijn-account`) work after a reload.

use std::path::Path;

use actix_files::Files;
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use base64::Engine as _;
use sha2::{Digest, Sha256};

pub fn configure(cfg: &mut web::ServiceConfig, static_dir: &Path) {
    let Ok(html) = std::fs::read_to_string(static_dir.join("index.html")) else {
        cfg.default_service(web::to(not_built));
        return;
    };
    // The page is kept as read at start-up, so it always matches the policy's script hash.
    let page = Page {
        csp: HeaderValue::from_str(&content_security_policy(&html))
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
        html: Bytes::from(html),
    };
    let (get, head, fallback) = (page.clone(), page.clone(), page);
    cfg.service(
        web::resource("/")
            .route(web::get().to(move || {
                let page = get.clone();
                async move { page.respond() }
            }))
            .route(web::head().to(move || {
                let page = head.clone();
                async move { page.respond() }
            })),
    );
    cfg.service(
        Files::new("/", static_dir)
            .prefer_utf8(true)
            .default_handler(fn_service(move |req: ServiceRequest| {
                let page = fallback.clone();
                async move {
                    let (req, _) = req.into_parts();
                    Ok(ServiceResponse::new(req, page.respond()))
                }
            })),
    );
}

/// `index.html`, answered for `/` and every deep link, never cached (it names the hashed
/// asset files of the current build) and with the page's Content-Security-Policy.
#[derive(Clone)]
struct Page {
    html: Bytes,
    csp: HeaderValue,
}

impl Page {
    fn respond(&self) -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-cache")))
            .insert_header((CONTENT_SECURITY_POLICY, self.csp.clone()))
            .body(self.html.clone())
    }
}

/// Only this build's own files may run: Trunk's inline loader is allowed by its hash (computed
/// from `index.html` at start-up), the wasm by `'wasm-unsafe-eval'`; no inline styles, no other
/// origins, no framing, forms post only here.
pub fn content_security_policy(index_html: &str) -> String {
    let hashes: Vec<String> = inline_scripts(index_html)
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'",
        hashes.join(" ")
    )
}

/// The text of every `<script>` without a `src` in the page.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, body) = rest.split_once('>')?;
        if attributes.contains("src=") {
            return None;
        }
        body.split_once("</script>").map(|(script, _)| script)
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_the_inline_loader_by_its_hash_only() {
        let html = "<head><script type=\"module\">import init from '/a.js';</script>\
                    <script src=\"/b.js\"></script></head>";
        let csp = content_security_policy(html);
        let expected = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"import init from '/a.js';"));
        assert!(csp.contains(&format!("'sha256-{expected}'")), "{csp}");
        assert_eq!(csp.matches("'sha256-").count(), 1, "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    }
}
