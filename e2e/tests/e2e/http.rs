//! The service over HTTP: health, readiness, OpenAPI, docs, metrics, the SPA and JSON errors.

use poort_e2e::db::{Kind, TestDatabase};
use poort_e2e::server::{Poort, base_env, dist_dir, production_env};

use crate::support::{dev_server, get_json, metric};

async fn the_service_answers_health_readiness_docs_and_metrics(kind: Kind) {
    let Some((poort, db, _)) = dev_server(kind).await else {
        return;
    };
    let base = &poort.url;

    let (status, health) = get_json(&format!("{base}/api/health")).await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));

    let (status, ready) = get_json(&format!("{base}/api/ready")).await;
    assert_eq!(status, 200);
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["database"], kind.name());

    let response = reqwest::get(format!("{base}/api/health")).await.unwrap();
    assert!(
        response.headers().contains_key("x-request-id"),
        "every answer names its request id"
    );

    let docs = reqwest::get(format!("{base}/api/docs")).await.unwrap();
    assert_eq!(docs.status(), 200, "/api/docs redirects to the docs page");
    assert!(docs.text().await.unwrap().contains("swagger-ui"));

    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            r#"poort_http_requests_total{method="GET",route="/api/health",status="200"}"#
        ),
        "requests are counted by route and status:\n{text}"
    );
    assert!(text.contains("poort_http_request_duration_seconds_bucket"));
    assert_eq!(metric(base, "poort_outbox_pending").await, Some(0.0));
    assert_eq!(metric(base, "poort_outbox_dead").await, Some(0.0));

    drop(poort);
    db.drop_database().await;
}

#[tokio::test]
async fn the_service_answers_health_readiness_docs_and_metrics_on_sqlite() {
    the_service_answers_health_readiness_docs_and_metrics(Kind::Sqlite).await;
}

#[tokio::test]
async fn the_service_answers_health_readiness_docs_and_metrics_on_postgres() {
    the_service_answers_health_readiness_docs_and_metrics(Kind::Postgres).await;
}

#[tokio::test]
async fn the_served_openapi_document_is_valid_openapi_3_1_and_matches_the_committed_one() {
    let (poort, db, _) = dev_server(Kind::Sqlite).await.unwrap();

    let served = reqwest::get(format!("{}/api/openapi.json", poort.url))
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    let served: serde_json::Value = served.json().await.unwrap();

    assert_eq!(served["openapi"], "3.1.0");
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../openapi/openapi.json"
        ))
        .unwrap(),
    )
    .unwrap();
    // A dev server's document names its own session cookie (plain http has no `__Host-`).
    let mut committed = committed;
    assert_eq!(
        committed["components"]["securitySchemes"]["session"]["name"],
        "__Host-poort_session"
    );
    committed["components"]["securitySchemes"]["session"]["name"] = "poort_session".into();
    assert_eq!(
        served, committed,
        "the server serves the committed document (with the dev session cookie)"
    );
    let file = db.path().join("openapi.json");
    std::fs::write(&file, served.to_string()).unwrap();
    let python = std::env::var("POORT_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let check = std::process::Command::new(&python)
        .args([
            "-c",
            "import json,sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(open(sys.argv[1])))\nprint('valid')",
        ])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python} (cargo xtask test installs openapi-spec-validator): {e}"));
    assert!(
        check.status.success(),
        "openapi-spec-validator rejects the document:\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[tokio::test]
async fn unknown_api_paths_and_wrong_methods_get_json_errors_with_stable_codes() {
    let (poort, _db, _) = dev_server(Kind::Sqlite).await.unwrap();

    let (status, body) = get_json(&format!("{}/api/no/such/thing", poort.url)).await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "not_found");

    let response = reqwest::Client::new()
        .post(format!("{}/api/health", poort.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "method_not_allowed");

    let (status, body) = get_json(&format!("{}/api/dev/outbox?limit=0", poort.url)).await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "invalid_request");
    let (status, body) = get_json(&format!("{}/api/dev/outbox?limit=abc", poort.url)).await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "invalid_request");
}

#[tokio::test]
async fn the_spa_is_served_at_the_root_and_for_deep_links() {
    if dist_dir().is_none() {
        panic!("POORT_TEST_DIST does not point at a built SPA: run `cargo xtask test`");
    }
    let (poort, _db, _) = dev_server(Kind::Sqlite).await.unwrap();

    let root = reqwest::get(&poort.url).await.unwrap();
    assert_eq!(root.status(), 200);
    let csp = root
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let root = root.text().await.unwrap();
    // Only the build's own loader script runs: allowed by its hash, nothing inline otherwise.
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(root.contains(r#"<html lang="nl">"#));
    assert!(root.contains(".wasm"), "index.html loads the app");
    // The insurer's name is in the page itself, so the first frame has it.
    assert!(
        root.contains(r#"id="insurer-name">Voorbeeld Verzekeringen</span>"#)
            && root.contains(r#"<meta name="insurer" content="Voorbeeld Verzekeringen" />"#),
        "{root}"
    );

    let deep = reqwest::get(format!("{}/mijn-account/sessies", poort.url))
        .await
        .unwrap();
    assert_eq!(deep.status(), 200);
    assert_eq!(
        deep.headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok()),
        Some(csp.as_str()),
        "deep links carry the same policy"
    );
    assert_eq!(
        deep.text().await.unwrap(),
        root,
        "a deep link gets index.html"
    );
}

#[tokio::test]
async fn the_dev_outbox_does_not_exist_in_production() {
    let db = TestDatabase::sqlite();
    let env = production_env(
        &base_env(&db),
        poort_e2e::free_port(),
        "http://127.0.0.1:9/sms",
    );
    let poort = Poort::start(&[], &env, &db.path().join("poort.log")).await;

    let (status, body) = get_json(&format!("{}/api/dev/outbox", poort.url)).await;
    let (_, health) = get_json(&format!("{}/api/health", poort.url)).await;

    assert_eq!(status, 404);
    assert_eq!(body["code"], "not_found");
    assert_eq!(health["mode"], "production");
    let log = poort.log_text();
    let access: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["span"]["http.route"] == "/api/health")
        .collect();
    assert!(
        !access.is_empty(),
        "production logs are JSON lines with the request:\n{log}"
    );
    assert!(access[0]["span"]["request_id"].is_string(), "{}", access[0]);
}

#[tokio::test]
async fn bootstrap_operator_prints_a_working_link_and_refuses_once_an_operator_exists_only_after_acceptance()
 {
    let (poort, _db, env) = dev_server(Kind::Sqlite).await.unwrap();

    let done = poort_e2e::server::run(
        &[
            "--dev",
            "bootstrap-operator",
            "--email",
            "ops@verzekeraar.example",
            "--name",
            "Olga Operator",
        ],
        &env,
    )
    .await;

    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let link = done
        .stdout
        .split_whitespace()
        .find(|w| w.contains("/uitnodiging/"))
        .expect("a link")
        .to_string();
    assert!(link.starts_with(&poort.url), "{link}");
    let token = link.rsplit('/').next().unwrap();
    let (status, opened) = get_json(&format!("{}/api/invitations/{token}", poort.url)).await;
    assert_eq!(status, 200);
    assert_eq!(opened["role"], "operator");
    assert_eq!(opened["name"], "Olga Operator");
    // Run again before anyone accepted: a fresh link replaces the first.
    let again = poort_e2e::server::run(
        &[
            "--dev",
            "bootstrap-operator",
            "--email",
            "ops@verzekeraar.example",
            "--name",
            "Olga Operator",
        ],
        &env,
    )
    .await;
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    let (status, body) = get_json(&format!("{}/api/invitations/{token}", poort.url)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (410, Some("invitation_withdrawn"))
    );
}
