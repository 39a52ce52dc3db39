//! The in-process application answers on both databases (the harness later issues build on).

use poort_e2e::db::Kind;
use poort_shared::dto::{ReadyResponse, RunMode};

use crate::helpers::spawn_app;

async fn readiness_names_the_database(kind: Kind) {
    let Some(app) = spawn_app(kind).await else {
        return;
    };

    let response = app
        .client
        .get(format!("{}/api/ready", app.address))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let ready: ReadyResponse = response.json().await.unwrap();
    assert_eq!(ready.status, "ready");
    assert_eq!(ready.database, kind.name());
    let health: poort_shared::dto::HealthResponse = app
        .client
        .get(format!("{}/api/health", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health.mode, RunMode::Dev);
    app.db.drop_database().await;
}

#[tokio::test]
async fn readiness_names_the_database_on_sqlite() {
    readiness_names_the_database(Kind::Sqlite).await;
}

#[tokio::test]
async fn readiness_names_the_database_on_postgres() {
    readiness_names_the_database(Kind::Postgres).await;
}
