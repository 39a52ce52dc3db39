//! Small helpers the e2e tests share.

use poort_e2e::db::{Kind, TestDatabase};
use poort_e2e::server::{Poort, base_env};

/// A dev-mode server on a fresh database of `kind` (`None`: that database is not available).
pub async fn dev_server(kind: Kind) -> Option<(Poort, TestDatabase, Vec<(String, String)>)> {
    let db = TestDatabase::new(kind).await?;
    let env = base_env(&db);
    let poort = Poort::start(&["--dev"], &env, &db.path().join("poort.log")).await;
    Some((poort, db, env))
}

pub async fn get_json(url: &str) -> (u16, serde_json::Value) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}

/// The value of a metric line such as `poort_outbox_pending 1` (labels included in `name`).
pub async fn metric(base: &str, name: &str) -> Option<f64> {
    // The production servers' token; dev servers don't ask for one.
    let text = reqwest::Client::new()
        .get(format!("{base}/metrics"))
        .bearer_auth(poort_e2e::server::METRICS_TOKEN)
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}
