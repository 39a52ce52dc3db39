//! `spawn_app()`: the real application, in process, on port 0, with a fresh database and a
//! clock the test moves by hand.

use std::sync::Arc;

use poort_api::clock::ManualClock;
use poort_api::configuration::{DatabaseSettings, Settings};
use poort_api::startup::Application;
use poort_api::store::{self, Store};
use poort_e2e::db::{Kind, TestDatabase};

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    #[allow(dead_code, reason = "used by the feature tests of later issues")]
    pub clock: Arc<ManualClock>,
    pub db: TestDatabase,
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
    settings
}

/// Starts the app on a fresh database of `kind`; `None` when that database is not available
/// here (PostgreSQL without `POORT_TEST_POSTGRES_URL`, outside CI).
pub async fn spawn_app(kind: Kind) -> Option<TestApp> {
    let db = TestDatabase::new(kind).await?;
    let clock = Arc::new(ManualClock::default());
    let app = Application::build_with_clock(settings(&db), clock.clone())
        .await
        .expect("application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    Some(TestApp {
        address,
        client: reqwest::Client::new(),
        clock,
        db,
    })
}

/// Opens the store directly on a fresh database, for the contract tests.
pub async fn open_store(db: &TestDatabase) -> Arc<dyn Store> {
    let settings = DatabaseSettings {
        url: db.url.clone(),
        max_connections: 5,
    };
    let kind = match db.kind {
        Kind::Sqlite => poort_api::configuration::DatabaseKind::Sqlite,
        Kind::Postgres => poort_api::configuration::DatabaseKind::Postgres,
    };
    store::connect(&settings, kind).await.expect("store opens")
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
