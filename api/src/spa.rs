//! Serving the single-page app: its files from `server.static_dir`, and `index.html` for every
//! other path that is not API or a file, so deep links (`/mijn-account`) work after a reload.
//!
//! The files are read once at start-up and served from memory, each with the variants the build
//! made beside it (`name.br`, `name.gz`: brotli and `gzip -9`, see `cargo xtask`), chosen by
//! the request's `Accept-Encoding`; nothing is compressed per request. Files with a content
//! hash in their name are `immutable` for a year (`headers.rs`): a new build has new names,
//! and `index.html`, which names them, is `no-cache`, as is every other file. A missing file with an
//! asset's extension (`/favicon.ico`) is a 404, not the app's page.

use std::collections::HashMap;
use std::path::Path;

use actix_web::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG,
    HeaderValue, IF_NONE_MATCH, VARY,
};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The app's files, read once at start-up and shared by every worker; `None` when the SPA is
/// not built. `canonical`: in dev mode, the public URL's origin when its host is a loopback
/// name; a page asked for at another loopback name (`127.0.0.1` for `localhost`) is sent there,
/// so the browser is at the origin the API accepts and passkeys are made for. `insurer_name` is
/// written into the page (the header's name and `<meta name="insurer">`), so the first frame
/// already has it: a name arriving with `/api/config` would push the page down on a phone.
pub fn load(
    static_dir: &Path,
    canonical: Option<String>,
    insurer_name: &str,
) -> Option<web::Data<Assets>> {
    let html = std::fs::read_to_string(static_dir.join("index.html")).ok()?;
    let html = with_insurer(&html, insurer_name);
    // The page is kept as read at start-up, so it always matches the policy's script hash.
    let page = Page {
        csp: HeaderValue::from_str(&content_security_policy(&html))
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
        html: Bytes::from(html),
    };
    Some(web::Data::new(Assets {
        files: read_assets(static_dir),
        page,
        canonical,
    }))
}

/// Serves what [`load`] read (or a page saying the app is not built).
pub fn configure(cfg: &mut web::ServiceConfig, assets: Option<web::Data<Assets>>) {
    match assets {
        Some(assets) => {
            cfg.app_data(assets).default_service(web::to(serve));
        }
        None => {
            cfg.default_service(web::to(not_built));
        }
    }
}

/// `index.html` with the insurer's name in the shell's header and in `<meta name="insurer">`
/// (the app's header starts from it), escaped for HTML.
fn with_insurer(html: &str, insurer_name: &str) -> String {
    let name = escape_html(insurer_name);
    html.replacen(
        r#"<span class="insurer" id="insurer-name"></span>"#,
        &format!(r#"<span class="insurer" id="insurer-name">{name}</span>"#),
        1,
    )
    .replacen(
        r#"<meta name="insurer" content="" />"#,
        &format!(r#"<meta name="insurer" content="{name}" />"#),
        1,
    )
}

fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// The build's files by path (`/style-….css`), each with its variants.
pub struct Assets {
    files: HashMap<String, Asset>,
    page: Page,
    /// See [`load`].
    canonical: Option<String>,
}

/// The loopback names a developer's browser may use for this machine.
fn is_loopback(host: &str) -> bool {
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    matches!(name, "localhost" | "127.0.0.1" | "[::1]")
}

/// `http://localhost:8080` → `localhost:8080`, for a dev public URL on a loopback name.
pub fn loopback_authority(public_url: &str) -> Option<String> {
    let authority = public_url
        .split_once("://")?
        .1
        .split('/')
        .next()?
        .to_string();
    is_loopback(&authority).then_some(authority)
}

struct Asset {
    content_type: &'static str,
    /// The file itself, in memory only when there is no compressed variant: every browser
    /// takes brotli or gzip, so the uncompressed `.wasm` (1.8 MB) is read from `path` for the
    /// rare client that takes neither rather than held for the life of the process.
    identity: Option<Bytes>,
    path: std::path::PathBuf,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
    /// The identity's digest (the variants' ETags add their encoding).
    etag: String,
    /// Named by its content's hash: `headers.rs` makes it cacheable for a year.
    immutable: bool,
}

/// Every file under `dir` except `index.html` and the variants, with the variants beside it.
fn read_assets(dir: &Path) -> HashMap<String, Asset> {
    let mut files = HashMap::new();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if path.is_dir() {
                pending.push((path, format!("{prefix}/{name}")));
                continue;
            }
            let variant = |ext: &str| std::fs::read(folder.join(format!("{name}.{ext}"))).ok();
            if (prefix.is_empty() && name == "index.html")
                || name.ends_with(".br")
                || name.ends_with(".gz")
            {
                continue;
            }
            let Ok(identity) = std::fs::read(&path) else {
                continue;
            };
            let digest = Sha256::digest(&identity);
            let (brotli, gzip) = (
                variant("br").map(Bytes::from),
                variant("gz").map(Bytes::from),
            );
            let compressed = brotli.is_some() || gzip.is_some();
            files.insert(
                format!("{prefix}/{name}"),
                Asset {
                    content_type: content_type(&name),
                    etag: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..12]),
                    immutable: crate::headers::is_hashed_asset(&name),
                    brotli,
                    gzip,
                    identity: (!compressed).then(|| Bytes::from(identity)),
                    path,
                },
            );
        }
    }
    files
}

fn extension(name: &str) -> Option<&str> {
    let (_, ext) = name.rsplit_once('.')?;
    Some(ext)
}

fn content_type(name: &str) -> &'static str {
    match extension(name).unwrap_or_default() {
        "wasm" => "application/wasm",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Paths that name a file (and are a 404 when there is none) rather than a page of the app.
fn names_a_file(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    matches!(
        extension(last),
        Some(
            "wasm"
                | "js"
                | "mjs"
                | "css"
                | "map"
                | "ico"
                | "png"
                | "jpg"
                | "jpeg"
                | "svg"
                | "gif"
                | "webp"
                | "woff"
                | "woff2"
                | "ttf"
                | "txt"
                | "xml"
                | "json"
                | "webmanifest"
                | "br"
                | "gz"
        )
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// The encodings a request accepts, of those served: brotli, then gzip (a `q=0` refuses one).
fn accepted(header: Option<&HeaderValue>) -> (bool, bool) {
    let Some(text) = header.and_then(|h| h.to_str().ok()) else {
        return (false, false);
    };
    let (mut br, mut gzip) = (false, false);
    for item in text.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        match name.as_str() {
            "br" => br = !refused,
            "gzip" | "x-gzip" => gzip = !refused,
            "*" => {
                br = !refused;
                gzip = !refused;
            }
            _ => {}
        }
    }
    (br, gzip)
}

impl Asset {
    fn respond(&self, req: &HttpRequest) -> HttpResponse {
        let (br, gzip) = accepted(req.headers().get(ACCEPT_ENCODING));
        let (encoding, body) = match (&self.brotli, &self.gzip) {
            (Some(body), _) if br => (Encoding::Brotli, Some(body.clone())),
            (_, Some(body)) if gzip => (Encoding::Gzip, Some(body.clone())),
            _ => (Encoding::Identity, self.identity.clone()),
        };
        let etag = match encoding {
            Encoding::Brotli => format!("\"{}-br\"", self.etag),
            Encoding::Gzip => format!("\"{}-gz\"", self.etag),
            Encoding::Identity => format!("\"{}\"", self.etag),
        };
        let unchanged = req
            .headers()
            .get(IF_NONE_MATCH)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
        let mut answer = if unchanged {
            HttpResponse::NotModified()
        } else {
            HttpResponse::Ok()
        };
        answer
            .insert_header((CONTENT_TYPE, HeaderValue::from_static(self.content_type)))
            .insert_header((VARY, HeaderValue::from_static("Accept-Encoding")));
        if !self.immutable {
            answer.insert_header((CACHE_CONTROL, HeaderValue::from_static("no-cache")));
        }
        if let Ok(etag) = HeaderValue::from_str(&etag) {
            answer.insert_header((ETAG, etag));
        }
        match encoding {
            Encoding::Brotli => {
                answer.insert_header((CONTENT_ENCODING, HeaderValue::from_static("br")));
            }
            Encoding::Gzip => {
                answer.insert_header((CONTENT_ENCODING, HeaderValue::from_static("gzip")));
            }
            Encoding::Identity => {}
        }
        if unchanged {
            return answer.finish();
        }
        let Some(body) = body else {
            // Streamed from the file in chunks (reading it whole left its size behind in the
            // allocator after every such request), with the headers above.
            return match actix_files::NamedFile::open(&self.path) {
                Ok(file) => {
                    let mut streamed = file
                        .use_etag(false)
                        .use_last_modified(false)
                        .disable_content_disposition()
                        .into_response(req);
                    let headers = answer.finish();
                    for (name, value) in headers.headers() {
                        streamed.headers_mut().insert(name.clone(), value.clone());
                    }
                    streamed
                }
                // Gone since start-up (a build replaced the folder): as any missing file.
                Err(_) => not_found(),
            };
        };
        answer.body(body)
    }
}

/// GET and HEAD of a file, the app's page for the app's paths, 404 for a missing file and
/// 405 for any other method.
async fn serve(req: HttpRequest, assets: web::Data<Assets>) -> HttpResponse {
    let method = req.method();
    if method != actix_web::http::Method::GET && method != actix_web::http::Method::HEAD {
        return HttpResponse::MethodNotAllowed()
            .insert_header(("Allow", "GET, HEAD"))
            .finish();
    }
    let path = req.path();
    if let Some(asset) = assets.files.get(path) {
        return asset.respond(&req);
    }
    if names_a_file(path) {
        return not_found();
    }
    if let Some(authority) = &assets.canonical {
        let host = req.connection_info().host().to_string();
        if host != *authority && is_loopback(&host) {
            let target = req
                .uri()
                .path_and_query()
                .map_or(path, |p| p.as_str())
                .to_string();
            return HttpResponse::TemporaryRedirect()
                .insert_header(("Location", format!("http://{authority}{target}")))
                .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")))
                .finish();
        }
    }
    assets.page.respond()
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .body("Niet gevonden. Not found.")
}

/// `index.html`, answered for `/` and every deep link, never cached (it names the hashed
/// asset files of the current build) and with the page's Content-Security-Policy.
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
    fn only_a_public_url_on_a_loopback_name_is_canonical_in_dev() {
        assert_eq!(
            loopback_authority("http://localhost:8080").as_deref(),
            Some("localhost:8080")
        );
        assert_eq!(
            loopback_authority("http://127.0.0.1:9000/").as_deref(),
            Some("127.0.0.1:9000")
        );
        assert_eq!(loopback_authority("https://extranet.verzekeraar.nl"), None);
        assert!(is_loopback("[::1]:8080") && is_loopback("localhost"));
        assert!(!is_loopback("localhost.evil.example:8080"));
    }

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

    #[test]
    fn the_insurers_name_is_written_into_the_page_escaped() {
        let html = "<head><meta name=\"insurer\" content=\"\" /></head><body>\
                    <span class=\"insurer\" id=\"insurer-name\"></span></body>";
        let page = with_insurer(html, "Kees & Zn <\"Verzekeringen\">");
        assert!(
            page.contains(
                "<meta name=\"insurer\" content=\"Kees &amp; Zn &lt;&quot;Verzekeringen&quot;&gt;\" />"
            ),
            "{page}"
        );
        assert!(
            page.contains(
                "id=\"insurer-name\">Kees &amp; Zn &lt;&quot;Verzekeringen&quot;&gt;</span>"
            ),
            "{page}"
        );
    }

    #[test]
    fn the_encoding_follows_accept_encoding() {
        let h = |s: &'static str| HeaderValue::from_static(s);
        assert_eq!(accepted(None), (false, false));
        assert_eq!(accepted(Some(&h("gzip, deflate, br, zstd"))), (true, true));
        assert_eq!(accepted(Some(&h("gzip"))), (false, true));
        assert_eq!(accepted(Some(&h("br;q=0, gzip;q=0.5"))), (false, true));
        assert_eq!(accepted(Some(&h("BR"))), (true, false));
        assert_eq!(accepted(Some(&h("*"))), (true, true));
        assert_eq!(accepted(Some(&h("identity"))), (false, false));
    }

    #[test]
    fn files_are_told_from_pages_of_the_app() {
        assert!(names_a_file("/favicon.ico"));
        assert!(names_a_file("/missing-0123456789abcdef.wasm"));
        assert!(!names_a_file("/mijn-account"));
        assert!(!names_a_file(
            "/relatiebeheer/kantoren/0195f3c2-7a4e-7c3e-9a1b-2c3d4e5f6a7b"
        ));
        assert!(
            !names_a_file("/uitnodiging/abc.def"),
            "not an asset's extension"
        );
    }
}
