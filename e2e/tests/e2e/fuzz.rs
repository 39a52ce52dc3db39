//! Contract fuzzing (issue 14): schemathesis generates requests from the real binary's
//! `/api/openapi.json` and checks every answer against the document: no server errors, status
//! codes, content types, headers and bodies as documented, schema-violating requests refused
//! and schema-valid ones not refused for their form, `Allow` on 405s, and links followed
//! statefully. Once unauthenticated over every operation, then with each role's session and
//! with an API client's bearer token over that role's operations, on SQLite and PostgreSQL.
//! The bar is zero failures; the case count goes into `cargo xtask test`'s summary (a file per
//! database under the artifacts folder, `schemathesis-<db>.cases`).
//!
//! What is allowed besides the tool's defaults is in `e2e/schemathesis.toml`, with the reasons.

use std::path::{Path, PathBuf};
use std::process::Command;

use poort_e2e::db::Kind;
use serde_json::{Value, json};

use crate::integrators::{Person, accept, office_and_operator};
use crate::support::dev_server;

/// Generated cases per operation and phase (the coverage phase adds its own boundary cases).
const EXAMPLES: &str = "12";
/// A fixed seed: a run can be repeated exactly (`st replay` names the case).
const SEED: &str = "20261202";

fn schemathesis() -> PathBuf {
    let python = PathBuf::from(std::env::var("POORT_TEST_PYTHON").expect("POORT_TEST_PYTHON"));
    python.parent().unwrap().join("st")
}

fn config_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemathesis.toml")
}

/// One schemathesis run; returns (cases generated, the report's text).
fn run(
    base: &str,
    role: &str,
    session: &str,
    headers: &[String],
    include: Option<&str>,
    out: &Path,
) -> (u64, String) {
    let mut cmd = Command::new(schemathesis());
    // The session goes in as the document's `session` scheme, so the tool knows it is there.
    cmd.env("POORT_FUZZ_SESSION", session);
    cmd.arg("--config-file")
        .arg(config_file())
        .arg("run")
        .arg(format!("{base}/api/openapi.json"))
        .args(["--url", base])
        .args(["--checks", "all"])
        .args(["--max-examples", EXAMPLES])
        .args(["--seed", SEED])
        // One worker: hypothesis parses lambdas with `ast` in threads, which CPython 3.11 can
        // get wrong ("AST constructor recursion depth mismatch", seen here).
        .args(["--workers", "1"])
        .args(["--request-timeout", "30"])
        .args(["-H", &format!("Origin: {base}")])
        .arg("--no-color")
        .env("NO_COLOR", "1")
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .current_dir(out);
    for header in headers {
        cmd.args(["-H", header]);
    }
    if let Some(regex) = include {
        cmd.args(["--include-path-regex", regex]);
        // What would end the session the run signs in with (a reauthentication gives it a
        // new token): tested by their own tests.
        for operation in [
            "logout",
            "end_session",
            "reauthenticate",
            "reauthenticate_with_passkey",
        ] {
            cmd.args(["--exclude-operation-id", operation]);
        }
    }
    let done = cmd
        .output()
        .expect("schemathesis runs (the test venv has it)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&done.stdout),
        String::from_utf8_lossy(&done.stderr)
    );
    std::fs::write(out.join(format!("{role}.txt")), &text).unwrap();
    // The summary's "Test cases:" line: "3658 generated, 3658 passed".
    let cases = text
        .lines()
        .filter_map(|l| l.trim().split_once(" generated, "))
        .find_map(|(n, _)| n.parse::<u64>().ok())
        .unwrap_or(0);
    assert!(
        done.status.success(),
        "schemathesis as {role} found failures (report: {}):\n{text}",
        out.join(format!("{role}.txt")).display()
    );
    (cases, text)
}

/// An access token for a new API client of the administrator's office, with every office scope.
async fn bearer(base: &str, admin: &Person) -> String {
    let (status, client) = admin
        .post(
            "/api/office/api-clients",
            json!({ "name": "Fuzzer", "scopes": ["accounts:read", "accounts:manage", "rights:manage", "audit:read", "rights:check"] }),
        )
        .await;
    assert_eq!(status, 201, "{client}");
    let id = client["id"].as_str().unwrap();
    let (status, secret) = admin
        .post(&format!("/api/office/api-clients/{id}/secret"), json!({}))
        .await;
    assert_eq!(status, 200, "{secret}");
    let answer: Value = reqwest::Client::new()
        .post(format!("{base}/oauth2/token"))
        .basic_auth(
            secret["client_id"].as_str().unwrap(),
            secret["client_secret"].as_str(),
        )
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["access_token"].as_str().unwrap().to_string()
}

async fn generated_requests_hold_to_the_document(kind: Kind) {
    let Some((poort, _db, env)) = dev_server(kind).await else {
        return;
    };
    let base = poort.url.clone();
    let (portfolio, _, admin, operator) = office_and_operator(&poort, &env).await;
    let email = "adviseur@kantoor.example";
    let seen = crate::support::count_to(&base, email).await;
    let (status, body) = admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Ad Viseur", "email": email, "rights": [
                { "portfolio_id": portfolio, "rights": ["view_policies"] }
            ] }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let mail = crate::support::next_message(&base, email, seen).await;
    let link = crate::support::link_in(&mail, "/uitnodiging/");
    let (adviser, _) = accept(
        &base,
        &link,
        "een lang wachtwoord voor de fuzzer",
        "+31633333333",
    )
    .await;
    let token = bearer(&base, &admin).await;

    let artifacts = PathBuf::from(std::env::var("POORT_TEST_ARTIFACTS").unwrap_or_else(|_| {
        std::env::temp_dir()
            .join("poort-artifacts")
            .display()
            .to_string()
    }));
    let out = artifacts.join(format!("schemathesis-{}", kind.name()));
    std::fs::create_dir_all(&out).unwrap();
    let cookie = |p: &Person| {
        p.cookie_header()
            .split("; ")
            .find_map(|c| c.strip_prefix("poort_session="))
            .unwrap_or_default()
            .to_string()
    };
    // The order matters: a later role may change what an earlier one's session sees (an
    // operator may delete accounts), never the other way round.
    // (role, session, more headers, the operations of the role)
    let runs: [(&str, String, Vec<String>, Option<&str>); 5] = [
        ("anonymous", String::new(), vec![], None),
        (
            "adviser",
            cookie(&adviser),
            vec![],
            Some("^/api/(me|rights$|session)"),
        ),
        (
            "bearer",
            String::new(),
            vec![format!("Authorization: Bearer {token}")],
            Some(
                "^/(api/office/(accounts|invitations|portfolios|audit)|api/rights/check|oauth2/introspect)",
            ),
        ),
        (
            "administrator",
            cookie(&admin),
            vec![],
            Some("^/api/(office|me$|rights$)"),
        ),
        (
            "operator",
            cookie(&operator),
            vec![],
            Some("^/api/(operator|me$)"),
        ),
    ];
    let mut total = 0;
    for (role, session, headers, include) in &runs {
        let (cases, _) = run(&base, role, session, headers, *include, &out);
        assert!(cases > 0, "schemathesis as {role} generated nothing");
        total += cases;
    }
    std::fs::write(
        artifacts.join(format!("schemathesis-{}.cases", kind.name())),
        total.to_string(),
    )
    .unwrap();
    assert!(total >= 500, "{total} cases on {}", kind.name());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_requests_hold_to_the_document_on_sqlite() {
    generated_requests_hold_to_the_document(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_requests_hold_to_the_document_on_postgres() {
    generated_requests_hold_to_the_document(Kind::Postgres).await;
}
