//! A stand-in for the eHerkenning broker: a real OpenID Provider (npm `oidc-provider`, run by
//! node from `e2e/broker/broker.mjs`) with one static client, a login page of its own and
//! two ways of spoiling the ID token. It stands in for the outside world, not for a part of
//! Poort.
//!
//! `cargo xtask test` installs oidc-provider and names its `node_modules` in
//! `POORT_TEST_BROKER_MODULES`; without it the script looks beside itself
//! (`cd e2e/broker && npm ci`). Node is `POORT_TEST_NODE`, else `node` on PATH.
//!
//! Claims, all on scope `openid` (the client asks for nothing else):
//! - [`Shape::Urn`]: the ID token (and userinfo) carry `urn:etoegang:core:LegalSubjectID`,
//!   `urn:etoegang:core:ActingSubjectID`, `urn:etoegang:1.9:IntermediateEntityID:KvKnr` and
//!   `urn:etoegang:1.9:ServiceRestriction:Vestigingsnr` (the last two only when filled in),
//!   and `acr` is `urn:etoegang:core:assurance-class:loa2|loa2plus|loa3|loa4`.
//! - [`Shape::Plain`]: the ID token has only the standard claims and `acr` =
//!   `loa:low|loa:substantial|loa:high`; userinfo alone has `chamber_of_commerce`,
//!   `acting_subject_id`, `level` (`EH2`, `EH2+`, `EH3`, `EH4`), `intermediary_kvk` and
//!   `branch_number`.
//!
//! `sub` is derived from the KvK number and the acting subject, so it is the same at every
//! login of that person for that company. Token-endpoint ID tokens carry `at_hash`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use reqwest::redirect::Policy;
use reqwest::{StatusCode, Url};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

/// How the broker hands over the company, the person and the level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// eHerkenning attribute URNs in the ID token itself.
    Urn,
    /// Standard claims and an eIDAS `acr` in the ID token, the rest at userinfo.
    Plain,
}

impl Shape {
    fn arg(self) -> &'static str {
        match self {
            Shape::Urn => "urn",
            Shape::Plain => "plain",
        }
    }
}

/// What the person does on the broker's login page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Logs in: the browser comes back with `code` and `state`.
    Login,
    /// The broker refuses: `error=access_denied`,
    /// `error_description=Geen machtiging voor deze dienst`.
    Deny,
    /// The person cancels: `error=access_denied`,
    /// `error_description=User cancelled the login`.
    Cancel,
}

impl Outcome {
    fn action(self) -> &'static str {
        match self {
            Outcome::Login => "login",
            Outcome::Deny => "deny",
            Outcome::Cancel => "cancel",
        }
    }
}

/// What is filled in on the broker's login page (the form's fields, by name).
#[derive(Clone, Debug)]
pub struct Login {
    /// `kvk`: the company's KvK number (the LegalSubjectID).
    pub kvk: String,
    /// `acting`: the person's pseudonym (the ActingSubjectID).
    pub acting: String,
    /// `level`: `loa2`, `loa2plus`, `loa3` or `loa4`.
    pub level: &'static str,
    /// `intermediary`: the KvK number of an intermediary acting for the company.
    pub intermediary: Option<String>,
    /// `branch`: a branch (vestiging) number the authorisation is limited to.
    pub branch: Option<String>,
    /// `tamper`: `none`; `nonce` (the ID token's nonce changed, re-signed with the real
    /// key); `key` (the ID token signed by another key under the same `kid`).
    pub tamper: &'static str,
    pub outcome: Outcome,
}

impl Login {
    /// A plain login at `loa3`, untampered.
    pub fn new(kvk: &str, acting: &str) -> Login {
        Login {
            kvk: kvk.to_string(),
            acting: acting.to_string(),
            level: "loa3",
            intermediary: None,
            branch: None,
            tamper: "none",
            outcome: Outcome::Login,
        }
    }
}

/// The broker's script, `e2e/broker/broker.mjs`.
pub fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("broker")
        .join("broker.mjs")
}

/// The `node_modules` with oidc-provider: `POORT_TEST_BROKER_MODULES`, else the one beside
/// the script, when it is there.
pub fn modules() -> Option<PathBuf> {
    std::env::var_os("POORT_TEST_BROKER_MODULES")
        .filter(|m| !m.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            let beside = script().with_file_name("node_modules");
            beside.join("oidc-provider").is_dir().then_some(beside)
        })
}

/// A running broker. Killed when dropped (and it ends by itself when its stdin closes, so
/// it does not outlive a test process that dies).
pub struct Broker {
    /// `http://127.0.0.1:<port>`; discovery is at `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The one registered redirect URI.
    pub redirect_uri: String,
    pub shape: Shape,
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Broker {
    /// Starts `node broker.mjs` on a free port for one client (`poort-test`, a fresh secret)
    /// with `redirect_uri` registered, and waits for its ready line.
    pub async fn start(shape: Shape, redirect_uri: &str) -> Broker {
        let secret = format!("secret-{}", uuid::Uuid::new_v4().simple());
        Self::start_on(0, shape, redirect_uri, "poort-test", &secret).await
    }

    /// Starts it on `port` (0: a free one) for the client `client_id` with `client_secret`:
    /// for a service configured with the broker's issuer before the broker runs.
    pub async fn start_on(
        port: u16,
        shape: Shape,
        redirect_uri: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Broker {
        Self::launch(port, shape, redirect_uri, client_id, client_secret, None).await
    }

    /// [`Broker::start_on`] for a client that authenticates with `private_key_jwt` (ES256),
    /// its public keys in the JWKS file `client_jwks`.
    pub async fn start_for_key(
        port: u16,
        shape: Shape,
        redirect_uri: &str,
        client_id: &str,
        client_jwks: &std::path::Path,
    ) -> Broker {
        Self::launch(port, shape, redirect_uri, client_id, "", Some(client_jwks)).await
    }

    async fn launch(
        port: u16,
        shape: Shape,
        redirect_uri: &str,
        client_id: &str,
        client_secret: &str,
        client_jwks: Option<&std::path::Path>,
    ) -> Broker {
        let node = std::env::var("POORT_TEST_NODE")
            .ok()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "node".into());
        let dir = tempfile::tempdir().expect("temporary folder");
        let log = dir.path().join("broker.log");
        let log_file = std::fs::File::create(&log).expect("broker log file");
        let client_id = client_id.to_string();
        let client_secret = client_secret.to_string();
        let port = port.to_string();
        let mut cmd = Command::new(&node);
        cmd.arg(script())
            .args(["--port", &port, "--client-id", &client_id]);
        match client_jwks {
            Some(path) => cmd.arg("--client-jwks").arg(path),
            None => cmd.args(["--client-secret", &client_secret]),
        };
        cmd.args(["--redirect-uri", redirect_uri])
            .args(["--shape", shape.arg()])
            .env("NODE_NO_WARNINGS", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .kill_on_drop(true);
        if let Some(modules) = modules() {
            cmd.env("POORT_TEST_BROKER_MODULES", modules);
        }
        let mut child = cmd.spawn().unwrap_or_else(|e| {
            panic!("cannot start the broker with {node} (POORT_TEST_NODE): {e}")
        });
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(15), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(issuer) = line.strip_prefix("ready ") {
                    return Some(issuer.trim().to_string());
                }
            }
            None
        })
        .await;
        let Ok(Some(issuer)) = ready else {
            let _ = child.start_kill();
            let _ = child.wait().await;
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            panic!(
                "the eHerkenning test broker did not become ready (modules: {:?}); its stderr:\n{text}",
                modules()
            );
        };
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Broker {
            issuer,
            client_id,
            client_secret,
            redirect_uri: redirect_uri.to_string(),
            shape,
            child,
            log,
            _dir: dir,
        }
    }

    /// What the broker logged so far (stderr: a line per request, logins, tampering).
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Drives a login as a browser would: opens `authorize_url` with a client of its own
    /// (a fresh cookie jar each time, redirects followed by hand), fills in the login page
    /// with `who`, and follows redirects until one goes to the redirect URI. Returns that URL
    /// (with `code`/`state` or `error`/`error_description`, and `iss`), not requested.
    pub async fn login(&self, authorize_url: &str, who: &Login) -> String {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .expect("HTTP client");
        let start = Url::parse(authorize_url).expect("authorize URL");
        let (page_url, page) = match self.follow(&client, start, None).await {
            Arrived::Redirect(url) => return url,
            Arrived::Page(url, body) => (url, body),
        };
        assert!(
            page.contains(r#"id="kvk""#),
            "expected the broker's login page at {page_url}, got:\n{page}\n{}",
            self.log_tail()
        );
        let action = attribute_after(&page, "<form", "action")
            .unwrap_or_else(|| panic!("no form on the broker's login page:\n{page}"));
        let action = page_url.join(&action).expect("form action");
        let mut form = vec![
            ("kvk", who.kvk.as_str()),
            ("acting", who.acting.as_str()),
            ("level", who.level),
            ("intermediary", who.intermediary.as_deref().unwrap_or("")),
            ("branch", who.branch.as_deref().unwrap_or("")),
            ("tamper", who.tamper),
        ];
        form.push(("action", who.outcome.action()));
        match self.follow(&client, action, Some(form_body(&form))).await {
            Arrived::Redirect(url) => url,
            Arrived::Page(url, body) => panic!(
                "the broker stopped at {url} instead of redirecting to {}:\n{body}\n{}",
                self.redirect_uri,
                self.log_tail()
            ),
        }
    }

    /// Requests `url` (a form POST when `form` is given), then follows redirects until one
    /// goes to the redirect URI or a page answers.
    async fn follow(&self, client: &reqwest::Client, url: Url, form: Option<String>) -> Arrived {
        let mut url = url;
        let mut form = form;
        for _ in 0..20 {
            let request = match form.take() {
                Some(body) => client
                    .post(url.clone())
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body),
                None => client.get(url.clone()),
            };
            let response = request
                .send()
                .await
                .unwrap_or_else(|e| panic!("request to the broker ({url}) failed: {e}"));
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .unwrap_or_else(|| panic!("{status} from {url} without a Location"))
                    .to_string();
                let next = url.join(&location).expect("Location");
                if next.as_str().starts_with(&self.redirect_uri) {
                    return Arrived::Redirect(next.to_string());
                }
                url = next;
                continue;
            }
            let body = response.text().await.unwrap_or_default();
            assert!(
                status == StatusCode::OK,
                "the broker answered {status} at {url}:\n{body}\n{}",
                self.log_tail()
            );
            return Arrived::Page(url, body);
        }
        panic!("more than 20 redirects at the broker, the last to {url}");
    }

    fn log_tail(&self) -> String {
        let text = self.log_text();
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!("--- the broker's log (last lines):\n{}", tail.join("\n"))
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.log_tail());
        }
        let _ = self.child.start_kill();
    }
}

enum Arrived {
    /// A redirect to the redirect URI: where the browser would go next.
    Redirect(String),
    /// A page that answered 200.
    Page(Url, String),
}

/// `application/x-www-form-urlencoded`, as a browser sends a form.
fn form_body(fields: &[(&str, &str)]) -> String {
    let mut url = Url::parse("http://form.invalid/").expect("URL");
    url.query_pairs_mut().extend_pairs(fields);
    url.query().unwrap_or_default().to_string()
}

/// The value of `name="…"` in the first `tag` of `html` (entities `&amp;` and `&#NN;` undone).
fn attribute_after(html: &str, tag: &str, name: &str) -> Option<String> {
    let at = html.find(tag)?;
    let rest = &html[at..];
    let end = rest.find('>')?;
    let element = &rest[..end];
    let needle = format!("{name}=\"");
    let start = element.find(&needle)? + needle.len();
    let value = &element[start..];
    let value = &value[..value.find('"')?];
    Some(unescape(value))
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(semi) = rest.find(';') else { break };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            _ => entity
                .strip_prefix('#')
                .and_then(|n| n.parse::<u32>().ok())
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether the broker is meant to run here: `POORT_TEST_BROKER_MODULES` is set (then a
/// broken one fails loudly at [`Broker::start`]), or oidc-provider is installed beside the
/// script.
pub fn available() -> bool {
    modules().is_some()
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use sha2::Digest as _;

    use super::*;

    const REDIRECT: &str = "http://127.0.0.1:9/eherkenning/callback";

    struct Request {
        url: String,
        verifier: String,
    }

    fn authorize_url(broker: &Broker, state: &str, nonce: &str) -> Request {
        let verifier = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
        let url = Url::parse_with_params(
            &format!("{}/auth", broker.issuer),
            [
                ("client_id", broker.client_id.as_str()),
                ("response_type", "code"),
                ("scope", "openid"),
                ("redirect_uri", REDIRECT),
                ("state", state),
                ("nonce", nonce),
                ("prompt", "login"),
                ("acr_values", "urn:etoegang:core:assurance-class:loa3"),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ],
        )
        .unwrap();
        Request {
            url: url.to_string(),
            verifier,
        }
    }

    fn param(url: &str, name: &str) -> Option<String> {
        Url::parse(url)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    fn claims_of(jwt: &str) -> serde_json::Value {
        let payload = jwt.split('.').nth(1).expect("a JWT");
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    }

    /// Code for tokens, as Poort does: client_secret_basic and the PKCE verifier.
    async fn exchange(broker: &Broker, code: &str, verifier: &str) -> serde_json::Value {
        let response = reqwest::Client::new()
            .post(format!("{}/token", broker.issuer))
            .basic_auth(&broker.client_id, Some(&broker.client_secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", verifier),
            ]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    async fn login_and_exchange(broker: &Broker, who: &Login) -> serde_json::Value {
        let request = authorize_url(broker, "the-state", "the-nonce");
        let back = broker.login(&request.url, who).await;
        assert!(back.starts_with(REDIRECT), "{back}");
        assert_eq!(param(&back, "state").as_deref(), Some("the-state"));
        assert_eq!(param(&back, "iss").as_deref(), Some(broker.issuer.as_str()));
        let code = param(&back, "code").unwrap_or_else(|| panic!("no code in {back}"));
        exchange(broker, &code, &request.verifier).await
    }

    fn skip() -> bool {
        if available() {
            return false;
        }
        println!(
            "skipped: oidc-provider is not installed (set POORT_TEST_BROKER_MODULES, or run npm ci in e2e/broker)"
        );
        true
    }

    #[tokio::test]
    async fn broker_urn_shape_logs_in_refuses_and_cancels() {
        if skip() {
            return;
        }
        let broker = Broker::start(Shape::Urn, REDIRECT).await;
        let mut who = Login::new("12345678", "pseudo-1");
        who.level = "loa2plus";
        who.branch = Some("000012345678".into());
        let tokens = login_and_exchange(&broker, &who).await;
        let id = claims_of(tokens["id_token"].as_str().unwrap());
        assert_eq!(id["iss"], broker.issuer.as_str());
        assert_eq!(id["aud"], broker.client_id.as_str());
        assert_eq!(id["nonce"], "the-nonce");
        assert_eq!(id["urn:etoegang:core:LegalSubjectID"], "12345678");
        assert_eq!(id["urn:etoegang:core:ActingSubjectID"], "pseudo-1");
        assert_eq!(
            id["urn:etoegang:1.9:ServiceRestriction:Vestigingsnr"],
            "000012345678"
        );
        assert!(
            id.get("urn:etoegang:1.9:IntermediateEntityID:KvKnr")
                .is_none()
        );
        assert_eq!(id["acr"], "urn:etoegang:core:assurance-class:loa2plus");
        assert!(id["at_hash"].is_string(), "{id}");

        // The same person again: the same sub.
        let again = login_and_exchange(&broker, &Login::new("12345678", "pseudo-1")).await;
        let again = claims_of(again["id_token"].as_str().unwrap());
        assert_eq!(again["sub"], id["sub"]);
        assert_eq!(again["acr"], "urn:etoegang:core:assurance-class:loa3");

        for (outcome, description) in [
            (Outcome::Deny, "Geen machtiging voor deze dienst"),
            (Outcome::Cancel, "User cancelled the login"),
        ] {
            let mut who = Login::new("12345678", "pseudo-1");
            who.outcome = outcome;
            let request = authorize_url(&broker, "s2", "n2");
            let back = broker.login(&request.url, &who).await;
            assert!(back.starts_with(REDIRECT), "{back}");
            assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
            assert_eq!(
                param(&back, "error_description").as_deref(),
                Some(description)
            );
            assert_eq!(param(&back, "state").as_deref(), Some("s2"));
        }
    }

    #[tokio::test]
    async fn broker_plain_shape_puts_the_company_at_userinfo_and_tampers() {
        if skip() {
            return;
        }
        let broker = Broker::start(Shape::Plain, REDIRECT).await;
        let mut who = Login::new("87654321", "pseudo-2");
        who.level = "loa4";
        who.intermediary = Some("11223344".into());
        let tokens = login_and_exchange(&broker, &who).await;
        let id = claims_of(tokens["id_token"].as_str().unwrap());
        assert_eq!(id["acr"], "loa:high");
        assert!(id.get("chamber_of_commerce").is_none(), "{id}");
        let info: serde_json::Value = reqwest::Client::new()
            .get(format!("{}/me", broker.issuer))
            .bearer_auth(tokens["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(info["sub"], id["sub"]);
        assert_eq!(info["chamber_of_commerce"], "87654321");
        assert_eq!(info["acting_subject_id"], "pseudo-2");
        assert_eq!(info["level"], "EH4");
        assert_eq!(info["intermediary_kvk"], "11223344");
        assert!(info.get("branch_number").is_none());

        let mut who = Login::new("87654321", "pseudo-2");
        who.tamper = "nonce";
        let tokens = login_and_exchange(&broker, &who).await;
        let id = claims_of(tokens["id_token"].as_str().unwrap());
        assert_ne!(id["nonce"], "the-nonce");

        let mut who = Login::new("87654321", "pseudo-2");
        who.tamper = "key";
        let tokens = login_and_exchange(&broker, &who).await;
        let id_token = tokens["id_token"].as_str().unwrap();
        assert_eq!(claims_of(id_token)["nonce"], "the-nonce");
        assert!(
            broker
                .log_text()
                .contains("tampered with the ID token (key)")
        );
    }
}
