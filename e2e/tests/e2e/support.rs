//! Small helpers the e2e tests share.

use poort_e2e::db::{Kind, TestDatabase};
use poort_e2e::eventually;
use poort_e2e::server::{Poort, base_env};
use serde_json::Value;

/// Sets the server setting `key` (a `POORT__…` variable) in `env`, replacing an earlier value.
pub fn set(env: &mut Vec<(String, String)>, key: &str, value: &str) {
    env.retain(|(k, _)| k != key);
    env.push((key.to_string(), value.to_string()));
}

/// A dev-mode server on a fresh database of `kind` (`None`: that database is not available).
pub async fn dev_server(kind: Kind) -> Option<(Poort, TestDatabase, Vec<(String, String)>)> {
    dev_server_with(kind, &[]).await
}

/// [`dev_server`] with more settings (`POORT__…` variables).
pub async fn dev_server_with(
    kind: Kind,
    extra: &[(&str, String)],
) -> Option<(Poort, TestDatabase, Vec<(String, String)>)> {
    let db = TestDatabase::new(kind).await?;
    let mut env = base_env(&db);
    env.extend(extra.iter().map(|(k, v)| ((*k).to_string(), v.clone())));
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

/// The dev outbox, newest first.
pub async fn outbox(base: &str) -> Vec<Value> {
    let body: Value = reqwest::get(format!("{base}/api/dev/outbox?limit=500"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["messages"].as_array().cloned().unwrap_or_default()
}

/// The number of messages to `to` so far (to wait for the next one).
pub async fn count_to(base: &str, to: &str) -> usize {
    outbox(base)
        .await
        .iter()
        .filter(|m| m["recipient"] == to)
        .count()
}

/// Waits for a message to `to` beyond the first `seen`; returns its body.
pub async fn next_message(base: &str, to: &str, seen: usize) -> String {
    eventually(20, &format!("a message to {to}"), || async {
        let messages: Vec<Value> = outbox(base)
            .await
            .into_iter()
            .filter(|m| m["recipient"] == to)
            .collect();
        (messages.len() > seen)
            .then(|| messages[0]["body"].as_str().unwrap_or_default().to_string())
    })
    .await
}

pub fn link_in(body: &str, marker: &str) -> String {
    body.split_whitespace()
        .find(|w| w.contains(marker))
        .unwrap_or_else(|| panic!("no {marker} link in {body}"))
        .to_string()
}

pub fn code_in(body: &str) -> String {
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in {body}"))
        .to_string()
}

pub fn totp(secret_base32: &str) -> String {
    poort_e2e::totp::code_base32(secret_base32)
}
