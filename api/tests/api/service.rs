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

/// Requests are counted under their route's pattern (a token in the path never becomes a
/// label), wrong methods under the route, unknown paths as "unmatched".
#[tokio::test]
async fn metrics_label_requests_by_route_pattern() {
    let Some(app) = spawn_app(Kind::Sqlite).await else {
        return;
    };
    assert_eq!(
        app.anonymous.get("/api/invitations/some-token").await.0,
        404
    );
    assert_eq!(app.anonymous.get("/api/me").await.0, 401);
    assert_eq!(app.anonymous.delete("/api/health").await.0, 405);
    assert_eq!(app.anonymous.get("/api/no-such-thing").await.0, 404);
    let text = reqwest::get(format!("{}/metrics", app.address))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        r#"poort_http_requests_total{method="GET",route="/api/invitations/{token}",status="404"} 1"#,
        r#"poort_http_requests_total{method="GET",route="/api/me",status="401"} 1"#,
        r#"poort_http_requests_total{method="DELETE",route="/api/health",status="405"} 1"#,
        r#"poort_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
    ] {
        assert!(text.contains(line), "{line} in:\n{text}");
    }
    assert!(!text.contains("some-token"));
    app.db.drop_database().await;
}
