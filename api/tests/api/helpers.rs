//! `spawn_app()`: the real application, in process, on port 0, with a fresh database and a
//! clock the test moves by hand; and the steps a person takes, as helpers.

use std::sync::Arc;

use actix_web::web;
use poort_api::clock::ManualClock;
use poort_api::configuration::{DatabaseSettings, Settings};
use poort_api::startup::Application;
use poort_api::state::AppState;
use poort_api::store::{self, Store};
use poort_e2e::db::{Kind, TestDatabase};
use serde_json::{Value, json};

pub struct TestApp {
    pub address: String,
    pub clock: Arc<ManualClock>,
    pub db: TestDatabase,
    pub state: web::Data<AppState>,
    /// A client without a session (a stranger, or an invitee before sign-in).
    pub anonymous: User,
}

/// Dev-mode settings on the given database (messages stay in the outbox).
pub fn settings(db: &TestDatabase) -> Settings {
    let mut settings = Settings::load(None, Vec::new()).unwrap();
    settings.mode = poort_api::configuration::Mode::Dev;
    settings.server.port = 0;
    settings.server.data_dir = db.path().join("data");
    settings.server.static_dir = db.path().join("no-spa");
    settings.database.url = db.url.clone();
    settings.database.max_connections = 5;
    settings.delivery.poll_interval_ms = 50;
    // Fast hashing in tests; the production cost is measured by `cargo xtask bench`.
    settings.security.password_hash.memory_kib = 1024;
    settings.security.password_hash.iterations = 1;
    settings
}

/// Starts the app on a fresh database of `kind`; `None` when that database is not available
/// here (PostgreSQL without `POORT_TEST_POSTGRES_URL`, outside CI).
pub async fn spawn_app(kind: Kind) -> Option<TestApp> {
    spawn_app_with(kind, |_| {}).await
}

pub async fn spawn_app_with(kind: Kind, change: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    let db = TestDatabase::new(kind).await?;
    let clock = Arc::new(ManualClock::default());
    let mut settings = settings(&db);
    change(&mut settings);
    let app = Application::build_with_clock(settings, clock.clone())
        .await
        .expect("application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    let anonymous = User::new(&address);
    Some(TestApp {
        address,
        clock,
        db,
        state,
        anonymous,
    })
}

/// A second instance of the application on the same database and clock (as behind a load
/// balancer).
pub async fn spawn_second(first: &TestApp, change: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = settings(&first.db);
    change(&mut settings);
    let app = Application::build_with_clock(settings, first.clock.clone())
        .await
        .expect("second instance starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: address.clone(),
        clock: first.clock.clone(),
        db: first.db.share(),
        state,
        anonymous: User::new(&address),
    }
}

/// One person's browser: its own cookies, and the Origin header a browser sends.
#[derive(Clone)]
pub struct User {
    pub client: reqwest::Client,
    /// The same browser (same cookies) without following redirects.
    #[allow(dead_code, reason = "the eHerkenning tests read redirects")]
    pub no_redirect: reqwest::Client,
    pub base: String,
    /// The authenticator secret (base32) once set up.
    #[allow(dead_code, reason = "the sign-in tests compute codes from it")]
    pub totp_secret: Option<String>,
}

impl User {
    pub fn new(base: &str) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("Origin", base.parse().unwrap());
        let jar = Arc::new(reqwest::cookie::Jar::default());
        // Idle connections are dropped before the server's 5 s keep-alive closes them, so a
        // request never goes out on a connection the server is closing at that moment.
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .default_headers(headers.clone())
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .unwrap();
        let no_redirect = reqwest::Client::builder()
            .cookie_provider(jar)
            .default_headers(headers)
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            client,
            no_redirect,
            base: base.to_string(),
            totp_secret: None,
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }
}

/// The code of an error answer.
pub fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or("")
}

impl TestApp {
    pub fn now_unix(&self) -> u64 {
        use poort_api::clock::Clock as _;
        u64::try_from(self.clock.now().timestamp()).unwrap()
    }

    pub fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    /// The messages in the dev outbox, newest first.
    pub async fn outbox(&self) -> Vec<Value> {
        let (status, body) = self.anonymous.get("/api/dev/outbox?limit=500").await;
        assert_eq!(status, 200);
        body["messages"].as_array().unwrap().clone()
    }

    /// The newest invitation link sent to `email`.
    pub async fn link_for(&self, email: &str) -> String {
        let messages = self.outbox().await;
        let body = messages
            .iter()
            .find(|m| m["recipient"] == email)
            .unwrap_or_else(|| panic!("no e-mail to {email}"))["body"]
            .as_str()
            .unwrap()
            .to_string();
        link_in(&body).unwrap_or_else(|| panic!("no link in {body}"))
    }

    /// All invitation links sent to `email`, newest first.
    pub async fn links_for(&self, email: &str) -> Vec<String> {
        self.outbox()
            .await
            .iter()
            .filter(|m| m["recipient"] == email)
            .filter_map(|m| link_in(m["body"].as_str().unwrap()))
            .collect()
    }

    /// The code in the newest SMS to `number` (E.164).
    pub async fn sms_code(&self, number: &str) -> String {
        let messages = self.outbox().await;
        let body = messages
            .iter()
            .find(|m| m["recipient"] == number && m["channel"] == "sms")
            .unwrap_or_else(|| panic!("no SMS to {number}"))["body"]
            .as_str()
            .unwrap()
            .to_string();
        body.split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 6)
            .unwrap()
            .to_string()
    }

    pub fn token_of(link: &str) -> String {
        link.rsplit('/').next().unwrap().to_string()
    }

    /// The first operator, as `poort bootstrap-operator` makes them, signed in after accepting.
    pub async fn operator(&self) -> User {
        let link = poort_api::services::invitations::bootstrap_operator(
            &self.state,
            "Olga Operator",
            "olga@verzekeraar.example",
        )
        .await
        .unwrap();
        self.accept(&link, "olifant paars dak", "0611111111").await
    }

    /// Walks the whole set-up as the invitee: password, mobile number with the SMS code,
    /// authenticator with a code computed from the secret shown. Returns the signed-in user.
    pub async fn accept(&self, link: &str, password: &str, mobile: &str) -> User {
        let user = User::new(&self.address);
        let token = Self::token_of(link);
        let (status, body) = user.get(&format!("/api/invitations/{token}")).await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = user
            .post(
                &format!("/api/invitations/{token}/password"),
                json!({ "password": password }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let setup = body["setup_token"].as_str().unwrap().to_string();
        let (status, body) = user
            .post(
                &format!("/api/invitations/{token}/mobile"),
                json!({ "setup_token": setup, "mobile": mobile }),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        let number = poort_shared::validate::MobileNumber::parse(mobile).unwrap();
        let code = self.sms_code(number.as_str()).await;
        let (status, body) = user
            .post(
                &format!("/api/invitations/{token}/mobile/verify"),
                json!({ "setup_token": setup, "code": code }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = user
            .post(
                &format!("/api/invitations/{token}/authenticator"),
                json!({ "setup_token": setup }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let secret = body["secret"].as_str().unwrap().to_string();
        let code = self.totp(&secret);
        let (status, body) = user
            .post(
                &format!("/api/invitations/{token}/authenticator/confirm"),
                json!({ "setup_token": setup, "code": code }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        User {
            totp_secret: Some(secret),
            ..user
        }
    }

    /// The code an authenticator app shows now for this base32 secret.
    pub fn totp(&self, secret_base32: &str) -> String {
        let bytes = totp_rs::Secret::try_from_base32(secret_base32)
            .unwrap()
            .as_bytes()
            .to_vec();
        poort_api::auth::totp::code_at(&bytes, self.now_unix()).unwrap()
    }

    /// An office with two portfolios, created by `operator`. Returns (office id, portfolio ids).
    pub async fn office(
        &self,
        operator: &User,
        name: &str,
        kvk: &str,
        agencies: [&str; 2],
    ) -> (String, Vec<String>) {
        let (status, office) = operator
            .post(
                "/api/operator/offices",
                json!({ "name": name, "kvk_number": kvk }),
            )
            .await;
        assert_eq!(status, 201, "{office}");
        let id = office["id"].as_str().unwrap().to_string();
        let mut portfolios = Vec::new();
        for (i, agency) in agencies.iter().enumerate() {
            let (status, p) = operator
                .post(
                    &format!("/api/operator/offices/{id}/portfolios"),
                    json!({ "agency_number": agency, "name": format!("Portefeuille {i}") }),
                )
                .await;
            assert_eq!(status, 201, "{p}");
            portfolios.push(p["id"].as_str().unwrap().to_string());
        }
        (id, portfolios)
    }

    /// An office with its administrator signed in: (office id, portfolio ids, administrator).
    pub async fn office_with_admin(&self, operator: &User, n: u8) -> (String, Vec<String>, User) {
        let (office, portfolios) = self
            .office(
                operator,
                &format!("Kantoor {n}"),
                &format!("{:08}", 12_340_000 + u32::from(n)),
                [&format!("AG-{n}01"), &format!("AG-{n}02")],
            )
            .await;
        let email = format!("admin{n}@kantoor{n}.example");
        let (status, body) = operator
            .post(
                &format!("/api/operator/offices/{office}/invitations"),
                json!({ "name": format!("Beheerder {n}"), "email": email, "administrator": true }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let link = self.link_for(&email).await;
        let admin = self
            .accept(&link, "groene tractor in de wei", &format!("0612345{n:03}"))
            .await;
        (office, portfolios, admin)
    }
}

/// The first `…/uitnodiging/<token>` link in a text.
pub fn link_in(text: &str) -> Option<String> {
    text.split_whitespace()
        .find(|w| w.contains("/uitnodiging/"))
        .map(str::to_string)
}

/// Opens the store directly on a fresh database, for the contract tests.
pub async fn open_store(db: &TestDatabase) -> Arc<dyn Store> {
    open_store_with(db, true).await
}

/// [`open_store`] with `database.fast_sign_in_commits` as given.
pub async fn open_store_with(db: &TestDatabase, fast_sign_in_commits: bool) -> Arc<dyn Store> {
    let settings = DatabaseSettings {
        url: db.url.clone(),
        max_connections: 5,
        fast_sign_in_commits,
        ..DatabaseSettings::default()
    };
    let kind = match db.kind {
        Kind::Sqlite => poort_api::configuration::DatabaseKind::Sqlite,
        Kind::Postgres => poort_api::configuration::DatabaseKind::Postgres,
    };
    store::connect(&settings, kind, Arc::new(test_secrets()))
        .await
        .expect("store opens")
}

/// Secrets with fixed test keys (for sealing message bodies in store tests).
pub fn test_secrets() -> poort_api::auth::secrets::Secrets {
    use poort_api::configuration::{Keys, SecretBytes};
    poort_api::auth::secrets::Secrets::new(&Keys {
        signing_key: SecretBytes::new([1; 32]),
        encryption_key: SecretBytes::new([2; 32]),
        previous_signing_keys: Vec::new(),
    })
}

/// Generates one test per database for each listed async fn taking `Arc<dyn Store>`, so the
/// output names the database: `contract::sqlite::…`, `contract::postgres::…`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = poort_e2e::db::TestDatabase::sqlite();
                    let store = $crate::helpers::open_store(&db).await;
                    super::$name(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = poort_e2e::db::TestDatabase::postgres().await else { return };
                    let store = $crate::helpers::open_store(&db).await;
                    super::$name(store).await;
                    db.drop_database().await;
                }
            )*
        }
    };
}

/// Generates one test per database for each listed async fn taking a running [`TestApp`].
#[macro_export]
macro_rules! app_on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::helpers::spawn_app(poort_e2e::db::Kind::Sqlite).await.unwrap();
                    super::$name(&app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(app) = $crate::helpers::spawn_app(poort_e2e::db::Kind::Postgres).await else { return };
                    super::$name(&app).await;
                    app.db.drop_database().await;
                }
            )*
        }
    };
}
