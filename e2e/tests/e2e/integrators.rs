//! Integrators against the real binary (issue 12): an office's administrator links a program in
//! the browser (*Koppelingen*: a client, its public key, its last use, revoking it), the
//! README's shell and Python blocks run as they stand, and a program written against a client
//! generated from `openapi/openapi.json` provisions an office with nothing else.

use std::path::{Path, PathBuf};

use poort_e2e::browser::Browser;
use poort_e2e::db::Kind;
use poort_e2e::server::{Poort, run};
use serde_json::{Value, json};

use crate::support::{code_in, count_to, dev_server, next_message, totp};

/// One person's HTTP client (cookies, and the Origin a browser sends).
pub(crate) struct Person {
    client: reqwest::Client,
    base: String,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl Person {
    fn new(base: &str) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("Origin", base.parse().unwrap());
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        Person {
            // An idle connection is dropped here before the server's 5 s keep-alive closes it:
            // a request sent on a connection the server was closing at that moment failed
            // (IncompleteMessage) after the generated client's program had run for a while.
            client: reqwest::Client::builder()
                .cookie_provider(jar.clone())
                .default_headers(headers)
                .pool_idle_timeout(std::time::Duration::from_secs(2))
                .build()
                .unwrap(),
            base: base.to_string(),
            jar,
        }
    }

    /// The `Cookie` header this person's requests carry (the session).
    pub(crate) fn cookie_header(&self) -> String {
        use reqwest::cookie::CookieStore as _;
        self.jar
            .cookies(&self.base.parse().unwrap())
            .and_then(|v| v.to_str().ok().map(str::to_string))
            .unwrap_or_default()
    }

    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (u16, Value) {
        let response = self
            .client
            .request(method, format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, body).await
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, Value::Null).await
    }
}

/// The invitation's set-up over HTTP; returns the person and their authenticator secret.
pub(crate) async fn accept(
    base: &str,
    link: &str,
    password: &str,
    mobile_e164: &str,
) -> (Person, String) {
    let person = Person::new(base);
    let token = link.rsplit('/').next().unwrap();
    let (status, body) = person
        .post(
            &format!("/api/invitations/{token}/password"),
            json!({ "password": password }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let setup = body["setup_token"].as_str().unwrap().to_string();
    let seen = count_to(base, mobile_e164).await;
    let (status, _) = person
        .post(
            &format!("/api/invitations/{token}/mobile"),
            json!({ "setup_token": setup, "mobile": mobile_e164 }),
        )
        .await;
    assert_eq!(status, 202);
    let code = code_in(&next_message(base, mobile_e164, seen).await);
    let (status, _) = person
        .post(
            &format!("/api/invitations/{token}/mobile/verify"),
            json!({ "setup_token": setup, "code": code }),
        )
        .await;
    assert_eq!(status, 200);
    let (_, body) = person
        .post(
            &format!("/api/invitations/{token}/authenticator"),
            json!({ "setup_token": setup }),
        )
        .await;
    let secret = body["secret"].as_str().unwrap().to_string();
    let (status, body) = person
        .post(
            &format!("/api/invitations/{token}/authenticator/confirm"),
            json!({ "setup_token": setup, "code": totp(&secret) }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    (person, secret)
}

pub(crate) const ADMIN_EMAIL: &str = "beheerder@kantoor.example";
pub(crate) const ADMIN_PASSWORD: &str = "koppelingen zijn handig";

/// An office with a portfolio and its administrator, set up over HTTP: (portfolio id, the
/// administrator's authenticator secret, the administrator signed in).
pub(crate) async fn office(poort: &Poort, env: &[(String, String)]) -> (String, String, Person) {
    let (portfolio, secret, admin, _) = office_and_operator(poort, env).await;
    (portfolio, secret, admin)
}

/// [`office`], and the operator who made it (signed in).
pub(crate) async fn office_and_operator(
    poort: &Poort,
    env: &[(String, String)],
) -> (String, String, Person, Person) {
    office_and_operator_at(&poort.url, env).await
}

/// [`office_and_operator`] at `base` (a server, or a proxy in front of several).
pub(crate) async fn office_and_operator_at(
    base: &str,
    env: &[(String, String)],
) -> (String, String, Person, Person) {
    let done = run(
        &[
            "--dev",
            "bootstrap-operator",
            "--email",
            "olga@verzekeraar.example",
            "--name",
            "Olga Operator",
        ],
        env,
    )
    .await;
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let link = done
        .stdout
        .split_whitespace()
        .find(|w| w.contains("/uitnodiging/"))
        .unwrap()
        .to_string();
    let (operator, _) = accept(base, &link, "olifant paars dak", "+31611111111").await;
    let (_, office) = operator
        .post(
            "/api/operator/offices",
            json!({ "name": "Kantoor Koppeling", "kvk_number": "44556677" }),
        )
        .await;
    let office = office["id"].as_str().unwrap().to_string();
    let (_, portfolio) = operator
        .post(
            &format!("/api/operator/offices/{office}/portfolios"),
            json!({ "agency_number": "KP-1", "name": "Particulier" }),
        )
        .await;
    let seen = count_to(base, ADMIN_EMAIL).await;
    let (status, _) = operator
        .post(
            &format!("/api/operator/offices/{office}/invitations"),
            json!({ "name": "Bea Beheerder", "email": ADMIN_EMAIL, "administrator": true }),
        )
        .await;
    assert_eq!(status, 201);
    let mail = next_message(base, ADMIN_EMAIL, seen).await;
    let link = mail
        .split_whitespace()
        .find(|w| w.contains("/uitnodiging/"))
        .unwrap()
        .to_string();
    let (admin, secret) = accept(base, &link, ADMIN_PASSWORD, "+31622222222").await;
    (
        portfolio["id"].as_str().unwrap().to_string(),
        secret,
        admin,
        operator,
    )
}

/// A fenced block of the README, by the name after its language (```sh integrator-call).
fn readme_block(name: &str) -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let start = readme
        .lines()
        .position(|l| l.starts_with("```") && l.ends_with(&format!(" {name}")))
        .unwrap_or_else(|| panic!("no README block {name}"));
    readme
        .lines()
        .skip(start + 1)
        .take_while(|l| !l.starts_with("```"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs a README block in `dir` with the integrator's variables set; returns its output.
fn run_block(program: &str, block: &str, dir: &Path, vars: &[(&str, &str)]) -> String {
    let mut command = match program {
        "sh" => {
            let mut c = std::process::Command::new("bash");
            c.args(["-euo", "pipefail", "-c", block]);
            c
        }
        _ => {
            let python = std::env::var("POORT_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
            let mut c = std::process::Command::new(python);
            c.args(["-c", block]);
            c
        }
    };
    command.current_dir(dir);
    for (k, v) in vars {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "the README block failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[derive(Clone, Copy)]
struct Setting {
    lang: &'static str,
    width: u32,
}

/// The current 30-second authenticator window.
pub(crate) fn totp_step() -> u64 {
    poort_e2e::totp::step()
}

async fn an_administrator_links_a_program_and_revokes_it(setting: Setting) {
    let (poort, db, env) = dev_server(Kind::Sqlite).await.unwrap();
    let (_, secret, _) = office(&poort, &env).await;
    let set_up_in = totp_step();
    let label = format!("{}-{}", setting.lang, setting.width);
    let height = if setting.width < 500 { 780 } else { 900 };
    let mut b = Browser::start(&format!("{label}-integrator"), setting.width, height).await;
    let en = setting.lang == "en";
    b.open(&poort.url).await;
    b.by_id("page-sign-in").await;
    if en {
        b.click("lang-en").await;
        b.wait_text("page-sign-in", "Sign in").await;
    }
    // The set-up used this window's code: sign in with the next one.
    while totp_step() <= set_up_in {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    b.fill("email", ADMIN_EMAIL).await;
    b.fill("password", ADMIN_PASSWORD).await;
    b.click("sign-in-submit").await;
    b.by_id("code-form").await;
    b.fill("code", &totp(&secret)).await;
    b.click("code-submit").await;
    b.wait_path("/start").await;

    b.open(format!("{}/beheer", poort.url)).await;
    b.by_id("tab-clients").await;
    b.click("tab-clients").await;
    b.wait_path("/beheer/koppelingen").await;
    b.by_id("no-clients").await;
    b.screenshot("api-clients-empty").await;
    b.fill("client-name", "HR-systeem").await;
    b.click("client-scope-accounts-read").await;
    b.click("client-scope-accounts-manage").await;
    b.screenshot("api-client-new").await;
    b.click("new-client-submit").await;
    b.by_id("client-made").await;
    let client_id = b.text("client-id-hr-systeem").await;
    assert!(client_id.starts_with("pc_"), "{client_id}");

    // The README's first block makes the key pair; its public half is pasted in.
    let dir = tempfile::tempdir().unwrap();
    let public = run_block("sh", &readme_block("integrator-key"), dir.path(), &[]);
    assert!(public.contains("BEGIN PUBLIC KEY"), "{public}");
    b.fill("key-hr-systeem", public.trim()).await;
    b.fill("kid-hr-systeem", "key-1").await;
    b.click("add-key-hr-systeem").await;
    b.by_id("client-key-key-1").await;
    b.screenshot("api-client-key").await;
    // What it may do is changed later: the audit trail too.
    b.click("edit-hr-systeem").await;
    b.click("edit-hr-systeem-scope-audit-read").await;
    b.screenshot("api-client-change").await;
    b.click("edit-submit-hr-systeem").await;
    b.wait_text(
        "client-hr-systeem",
        if en {
            "Read the audit trail"
        } else {
            "Logboek inzien"
        },
    )
    .await;

    // The program calls, with the README's second block: the client's last use shows.
    let vars = [
        ("POORT", poort.url.as_str()),
        ("CLIENT_ID", client_id.as_str()),
        ("KID", "key-1"),
    ];
    let invited = run_block("sh", &readme_block("integrator-call"), dir.path(), &vars);
    let invited: Value = serde_json::from_str(&invited).unwrap();
    assert_eq!(
        invited["email"], "nieuwe.collega@kantoor.example",
        "{invited}"
    );
    if setting.lang == "nl" && setting.width == 1280 {
        let listed = run_block(
            "python",
            &readme_block("integrator-python"),
            dir.path(),
            &vars,
        );
        assert!(
            listed.contains("nieuwe.collega@kantoor.example"),
            "{listed}"
        );
    }
    b.open(format!("{}/beheer/koppelingen", poort.url)).await;
    let used = b.text("client-last-used-hr-systeem").await;
    assert!(
        !used.contains("nog niet") && !used.contains("not yet"),
        "{used}"
    );
    b.screenshot("api-client-used").await;

    b.click("revoke-hr-systeem").await;
    b.click("revoke-confirm-hr-systeem").await;
    b.wait_css("#client-hr-systeem[data-status='revoked']")
        .await;
    b.screenshot("api-client-revoked").await;
    let again = std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &readme_block("integrator-call")])
        .current_dir(dir.path())
        .envs(vars)
        .output()
        .unwrap();
    assert!(!again.status.success(), "a revoked client gets no token");
    b.quit().await;
    drop(db);
}

#[tokio::test]
async fn an_administrator_links_a_program_and_revokes_it_in_dutch() {
    an_administrator_links_a_program_and_revokes_it(Setting {
        lang: "nl",
        width: 1280,
    })
    .await;
}

#[tokio::test]
async fn an_administrator_links_a_program_and_revokes_it_in_english() {
    an_administrator_links_a_program_and_revokes_it(Setting {
        lang: "en",
        width: 1280,
    })
    .await;
}

#[tokio::test]
async fn an_administrator_links_a_program_and_revokes_it_on_a_phone_in_dutch() {
    an_administrator_links_a_program_and_revokes_it(Setting {
        lang: "nl",
        width: 360,
    })
    .await;
}

#[tokio::test]
async fn an_administrator_links_a_program_and_revokes_it_on_a_phone_in_english() {
    an_administrator_links_a_program_and_revokes_it(Setting {
        lang: "en",
        width: 360,
    })
    .await;
}

/// The Python tools of the test venv (openapi-python-client, PyJWT).
fn venv_bin(name: &str) -> PathBuf {
    let python = PathBuf::from(std::env::var("POORT_TEST_PYTHON").expect("POORT_TEST_PYTHON"));
    python.parent().unwrap().join(name)
}

#[tokio::test]
async fn a_program_on_a_client_generated_from_the_document_provisions_an_office() {
    for kind in [Kind::Sqlite, Kind::Postgres] {
        let Some((poort, db, env)) = dev_server(kind).await else {
            continue;
        };
        let (portfolio, _, admin) = office(&poort, &env).await;
        let dir = tempfile::tempdir().unwrap();
        run_block("sh", &readme_block("integrator-key"), dir.path(), &[]);
        let public = std::fs::read_to_string(dir.path().join("key.pub.pem")).unwrap();
        let (status, client) = admin
            .post(
                "/api/office/api-clients",
                json!({ "name": "Gegenereerd", "scopes": ["accounts:manage", "rights:manage", "audit:read"] }),
            )
            .await;
        assert_eq!(status, 201, "{client}");
        let id = client["id"].as_str().unwrap();
        let (status, _) = admin
            .post(
                &format!("/api/office/api-clients/{id}/keys"),
                json!({ "key": public, "kid": "gen-1" }),
            )
            .await;
        assert_eq!(status, 200);

        // Generate the client from the committed document, and run the program on it.
        let generated = dir.path().join("generated");
        let config = dir.path().join("config.yaml");
        std::fs::write(&config, "post_hooks: []\n").unwrap();
        let document = Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
        let made = std::process::Command::new(venv_bin("openapi-python-client"))
            .args(["generate", "--meta", "none", "--overwrite", "--path"])
            .arg(&document)
            .arg("--output-path")
            .arg(generated.join("poort_client"))
            .arg("--config")
            .arg(&config)
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "openapi-python-client: {}{}",
            String::from_utf8_lossy(&made.stdout),
            String::from_utf8_lossy(&made.stderr)
        );
        let warned = format!(
            "{}{}",
            String::from_utf8_lossy(&made.stdout),
            String::from_utf8_lossy(&made.stderr)
        );
        assert!(
            !warned.contains("Warning"),
            "the document generates without warnings: {warned}"
        );
        let walk = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/generated_client_walk.py");
        let out = std::process::Command::new(std::env::var("POORT_TEST_PYTHON").unwrap())
            .arg(&walk)
            .arg(&generated)
            .arg(&poort.url)
            .arg(client["client_id"].as_str().unwrap())
            .arg(dir.path().join("key.pem"))
            .arg("gen-1")
            .arg(&portfolio)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the generated client's program failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(seen["rights"], json!([["view_policies"]]), "{seen}");
        assert_eq!(seen["status"], "deactivated");
        let actions = seen["actions"].as_array().unwrap();
        for action in [
            "invitation.sent",
            "account.rights_changed",
            "api_client.token_issued",
        ] {
            assert!(
                actions.iter().any(|a| a == action),
                "{action} in {actions:?}"
            );
        }
        // The administrator sees what the program did, under its name.
        let (_, trail) = admin
            .get("/api/office/audit?action=account.deactivated")
            .await;
        assert_eq!(
            trail["events"][0]["actor_client"]["name"], "Gegenereerd",
            "{trail}"
        );
        if kind == Kind::Postgres {
            db.drop_database().await;
        }
    }
}
