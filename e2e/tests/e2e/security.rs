//! What the real binary promises at its edge: no token it hands out ever reaches its log, the
//! response headers (HSTS, no caching of the API, a year for hashed assets), `/metrics` closed
//! in production, and a forged `X-Forwarded-For` never taken for the client.

use poort_e2e::db::{Kind, TestDatabase};
use poort_e2e::server::{METRICS_TOKEN, Poort, base_env, production_env, run};
use serde_json::{Value, json};

use crate::support::{code_in, dev_server, outbox, totp};

/// A browser-like client: cookies, and the Origin header of the site.
fn client(base: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("Origin", base.parse().unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap()
}

async fn post(c: &reqwest::Client, url: String, body: Value) -> (u16, Value, Option<String>) {
    let response = c.post(url).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .next()?
                .split_once('=')
                .map(|(_, v)| v.to_string())
        })
        .filter(|v| !v.is_empty());
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, cookie)
}

/// The newest message to `to`.
async fn newest_to(base: &str, to: &str) -> String {
    outbox(base)
        .await
        .into_iter()
        .find(|m| m["recipient"] == to)
        .and_then(|m| m["body"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no message to {to}"))
}

/// The token at the end of the first link in `text` containing `marker`.
fn token_after(text: &str, marker: &str) -> String {
    text.split_whitespace()
        .find(|w| w.contains(marker))
        .and_then(|w| w.rsplit('/').next())
        .unwrap_or_else(|| panic!("no {marker} link in {text}"))
        .to_string()
}

#[tokio::test]
async fn no_token_poort_hands_out_reaches_its_log() {
    let (poort, _db, env) = dev_server(Kind::Sqlite).await.unwrap();
    let base = poort.url.clone();
    let mut secrets: Vec<(&str, String)> = Vec::new();

    // An invitation, its set-up, and the session it ends in.
    let done = run(
        &[
            "--dev",
            "bootstrap-operator",
            "--email",
            "olga@verzekeraar.example",
            "--name",
            "Olga",
        ],
        &env,
    )
    .await;
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let link = token_after(
        &newest_to(&base, "olga@verzekeraar.example").await,
        "/uitnodiging/",
    );
    secrets.push(("invitation link", link.clone()));
    let olga = client(&base);
    let invitation = format!("{base}/api/invitations/{link}");
    assert_eq!(olga.get(&invitation).send().await.unwrap().status(), 200);
    let (status, body, _) = post(
        &olga,
        format!("{invitation}/password"),
        json!({ "password": "olifant paars dak" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let setup = body["setup_token"].as_str().unwrap().to_string();
    secrets.push(("set-up token", setup.clone()));
    let (status, _, _) = post(
        &olga,
        format!("{invitation}/mobile"),
        json!({ "setup_token": setup, "mobile": "0611111111" }),
    )
    .await;
    assert_eq!(status, 202);
    let code = code_in(&newest_to(&base, "+31611111111").await);
    let (status, _, _) = post(
        &olga,
        format!("{invitation}/mobile/verify"),
        json!({ "setup_token": setup, "code": code }),
    )
    .await;
    assert_eq!(status, 200);
    let (_, body, _) = post(
        &olga,
        format!("{invitation}/authenticator"),
        json!({ "setup_token": setup }),
    )
    .await;
    let secret = body["secret"].as_str().unwrap().to_string();
    let (status, body, session) = post(
        &olga,
        format!("{invitation}/authenticator/confirm"),
        json!({ "setup_token": setup, "code": totp(&secret) }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    secrets.push(("session after set-up", session.unwrap()));

    // A sign-in by SMS code.
    let (status, body, _) = post(
        &olga,
        format!("{base}/api/sign-in"),
        json!({ "email": "olga@verzekeraar.example", "password": "olifant paars dak" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let sign_in = body["sign_in_token"].as_str().unwrap().to_string();
    secrets.push(("sign-in token", sign_in.clone()));
    let (status, _, _) = post(
        &olga,
        format!("{base}/api/sign-in/sms"),
        json!({ "sign_in_token": sign_in }),
    )
    .await;
    assert_eq!(status, 202);
    let code = code_in(&newest_to(&base, "+31611111111").await);
    let (status, body, session) = post(
        &olga,
        format!("{base}/api/sign-in/sms/verify"),
        json!({ "sign_in_token": sign_in, "code": code }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    secrets.push(("session after sign-in", session.unwrap()));

    // Forgot password, through its link.
    let (status, _, _) = post(
        &olga,
        format!("{base}/api/password-reset"),
        json!({ "email": "olga@verzekeraar.example" }),
    )
    .await;
    assert_eq!(status, 202);
    let reset = token_after(
        &newest_to(&base, "olga@verzekeraar.example").await,
        "/wachtwoord-herstellen/",
    );
    secrets.push(("reset link", reset.clone()));
    let reset_url = format!("{base}/api/password-reset/{reset}");
    assert_eq!(olga.get(&reset_url).send().await.unwrap().status(), 200);
    let (status, _, _) = post(&olga, format!("{reset_url}/sms"), json!({})).await;
    assert_eq!(status, 202);
    let code = code_in(&newest_to(&base, "+31611111111").await);
    let (status, body, _) = post(
        &olga,
        format!("{reset_url}/verify"),
        json!({ "method": "sms", "code": code }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body, session) = post(
        &olga,
        format!("{reset_url}/password"),
        json!({ "password": "een heel nieuw wachtwoord" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    secrets.push(("session after reset", session.unwrap()));

    let log = poort.log_text();
    assert!(
        log.contains("/api/password-reset/[token]") && log.contains("/api/invitations/[token]"),
        "the walk is in the log, tokens redacted:\n{log}"
    );
    for (what, secret) in &secrets {
        assert!(!log.contains(secret.as_str()), "the {what} is in the log");
    }
}

async fn header(url: &str, name: &str) -> Option<String> {
    reqwest::get(url)
        .await
        .unwrap()
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The build's `.br` and `.gz` files are what is served, chosen by `Accept-Encoding`, with
/// `Vary` and an ETag per variant; a missing file is a 404, not the app's page.
async fn precompressed_variants(base: &str, wasm: &str) {
    let dist = poort_e2e::server::dist_dir().expect("a built SPA");
    let on_disk = |suffix: &str| {
        std::fs::read(dist.join(format!("{}{suffix}", wasm.trim_start_matches('/'))))
            .unwrap_or_else(|e| panic!("{wasm}{suffix} in dist: {e} (made by cargo xtask web)"))
    };
    let http = reqwest::Client::new();
    let fetch = |accept: Option<&'static str>| {
        let mut request = http.get(format!("{base}{wasm}"));
        if let Some(accept) = accept {
            request = request.header("Accept-Encoding", accept);
        }
        async move {
            let answer = request.send().await.unwrap();
            assert_eq!(answer.status(), 200, "{wasm} with {accept:?}");
            let h = |name: &str| {
                answer
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let (encoding, vary, etag, kind) = (
                h("content-encoding"),
                h("vary"),
                h("etag"),
                h("content-type"),
            );
            (
                encoding,
                vary,
                etag,
                kind,
                answer.bytes().await.unwrap().to_vec(),
            )
        }
    };
    let (encoding, vary, brotli_tag, kind, body) = fetch(Some("gzip, deflate, br, zstd")).await;
    assert_eq!(
        encoding.as_deref(),
        Some("br"),
        "Chromium's Accept-Encoding gets brotli"
    );
    assert_eq!(kind.as_deref(), Some("application/wasm"));
    assert!(vary.unwrap_or_default().contains("Accept-Encoding"));
    assert_eq!(body, on_disk(".br"), "the build's brotli file, as made");
    let (encoding, _, gzip_tag, _, body) = fetch(Some("gzip")).await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert_eq!(
        body,
        on_disk(".gz"),
        "the build's gzip -9 file, not one made per request"
    );
    let (encoding, _, plain_tag, _, body) = fetch(None).await;
    assert_eq!(encoding, None);
    assert_eq!(body, on_disk(""));
    let tags = [brotli_tag.unwrap(), gzip_tag.unwrap(), plain_tag.unwrap()];
    assert!(
        tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2],
        "each variant its own ETag: {tags:?}"
    );
    let again = http
        .get(format!("{base}{wasm}"))
        .header("Accept-Encoding", "br")
        .header("If-None-Match", &tags[0])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "revalidated by its ETag");
    println!(
        "{wasm}: {} KB raw, {} KB gzip -9, {} KB brotli, served by Accept-Encoding",
        on_disk("").len() / 1024,
        on_disk(".gz").len() / 1024,
        on_disk(".br").len() / 1024
    );
    for missing in ["/favicon.ico", "/no-such-file-0123456789abcdef.js"] {
        let answer = http.get(format!("{base}{missing}")).send().await.unwrap();
        assert_eq!(answer.status(), 404, "{missing} is not the app's page");
    }
    let deep = http
        .get(format!("{base}/mijn-account"))
        .send()
        .await
        .unwrap();
    assert_eq!(deep.status(), 200, "a deep link is the app's page");
    assert!(deep.text().await.unwrap().contains(".wasm"));
}

/// A production server (SMTP and SMS pointing nowhere: nothing is sent in these tests).
async fn production_server(db: &TestDatabase, extra: &[(&str, &str)]) -> Poort {
    let mut env = production_env(
        &base_env(db),
        poort_e2e::free_port(),
        "http://127.0.0.1:9/unused",
    );
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Poort::start(&[], &env, &db.path().join("poort.log")).await
}

#[tokio::test]
async fn answers_carry_hsts_in_production_and_the_api_is_never_cached() {
    let db = TestDatabase::sqlite();
    let poort = production_server(&db, &[]).await;
    let base = &poort.url;

    for path in ["/api/health", "/api/no/such/thing", "/", "/mijn-account"] {
        let hsts = header(&format!("{base}{path}"), "strict-transport-security").await;
        let max_age: u64 = hsts
            .as_deref()
            .and_then(|h| h.split("max-age=").nth(1))
            .and_then(|v| v.split(';').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{path}: {hsts:?}"));
        assert!(max_age >= 31_536_000, "{path}: a year at least: {hsts:?}");
    }
    for path in [
        "/api/health",
        "/api/config",
        "/api/no/such/thing",
        "/api/openapi.json",
    ] {
        assert_eq!(
            header(&format!("{base}{path}"), "cache-control")
                .await
                .as_deref(),
            Some("no-store"),
            "{path}"
        );
    }
    if poort_e2e::server::dist_dir().is_some() {
        assert_eq!(
            header(&format!("{base}/"), "cache-control")
                .await
                .as_deref(),
            Some("no-cache")
        );
        let page = reqwest::get(format!("{base}/"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let wasm = page
            .split('"')
            .find(|s| s.ends_with(".wasm"))
            .expect("index.html names the wasm");
        let wasm = if wasm.starts_with('/') {
            wasm.to_string()
        } else {
            format!("/{wasm}")
        };
        let caching = header(&format!("{base}{wasm}"), "cache-control")
            .await
            .unwrap_or_default();
        assert!(
            caching.contains("immutable") && caching.contains("max-age=31536000"),
            "{wasm}: {caching}"
        );
        precompressed_variants(base, &wasm).await;
    }

    let (dev, _dev_db, _) = dev_server(Kind::Sqlite).await.unwrap();
    assert_eq!(
        header(
            &format!("{}/api/health", dev.url),
            "strict-transport-security"
        )
        .await,
        None,
        "dev mode runs on plain http"
    );
}

#[tokio::test]
async fn metrics_are_closed_in_production_without_the_bearer_token() {
    let db = TestDatabase::sqlite();
    let poort = production_server(&db, &[]).await;
    let metrics = format!("{}/metrics", poort.url);
    let http = reqwest::Client::new();

    assert_eq!(http.get(&metrics).send().await.unwrap().status(), 401);
    assert_eq!(
        http.get(&metrics)
            .bearer_auth("guess")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let open = http
        .get(&metrics)
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 200);
    assert!(
        open.text()
            .await
            .unwrap()
            .contains("poort_http_requests_total")
    );
    drop(poort);

    // Without a token configured, production has no /metrics at all.
    let db = TestDatabase::sqlite();
    let mut env = production_env(
        &base_env(&db),
        poort_e2e::free_port(),
        "http://127.0.0.1:9/unused",
    );
    env.retain(|(k, _)| k != "POORT__METRICS__BEARER_TOKEN");
    let poort = Poort::start(&[], &env, &db.path().join("poort.log")).await;
    let status = http
        .get(format!("{}/metrics", poort.url))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_forged_forwarded_for_is_not_the_client_in_the_access_log() {
    let db = TestDatabase::sqlite();
    let poort = production_server(&db, &[]).await;
    let forged = "203.0.113.99";

    let response = reqwest::Client::new()
        .get(format!("{}/api/health", poort.url))
        .header("X-Forwarded-For", forged)
        .header("X-Real-IP", forged)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let log = poort.log_text();
    assert!(log.contains("127.0.0.1"), "the peer is logged:\n{log}");
    assert!(!log.contains(forged), "the forged address is not:\n{log}");
}
