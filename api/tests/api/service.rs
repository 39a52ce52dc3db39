//! The in-process application answers on both databases.

use poort_e2e::db::Kind;

use crate::helpers::spawn_app;

async fn readiness_names_the_database(kind: Kind) {
    let Some(app) = spawn_app(kind).await else {
        return;
    };

    let (status, ready) = app.anonymous.get("/api/ready").await;

    assert_eq!(status, 200);
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["database"], kind.name());
    let (_, health) = app.anonymous.get("/api/health").await;
    assert_eq!(health["mode"], "dev");
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
