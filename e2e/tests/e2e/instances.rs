//! Two instances behind a real reverse proxy (issue 14 §2): HAProxy sends each request to the
//! next instance in turn, both on one PostgreSQL database. An adviser's whole journey in the
//! browser (invitation → set-up → sign-in → Mijn account) alternates instances; lockout and
//! rate limits count across both; one instance is killed in the middle and the journey goes
//! on, and a rights change is seen at once.

use poort_e2e::browser::Browser;
use poort_e2e::db::TestDatabase;
use poort_e2e::haproxy::Haproxy;
use poort_e2e::server::{Poort, base_env, dist_dir};
use serde_json::{Value, json};

use crate::integrators::office_and_operator_at;
use crate::journeys::{accept, sign_in_with_sms, sign_out};
use crate::support::{link_in, next_message, set};

fn port_of(env: &[(String, String)]) -> u16 {
    env.iter()
        .find(|(k, _)| k == "POORT__SERVER__PORT")
        .unwrap()
        .1
        .parse()
        .unwrap()
}

/// How many API requests an instance's log shows it answered.
fn answered(poort: &Poort) -> usize {
    poort
        .log_text()
        .lines()
        .filter(|l| l.contains("http.target") && l.contains("/api/") && l.contains("close"))
        .count()
}

async fn sign_in_attempt(front: &str, email: &str, password: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{front}/api/sign-in"))
        .header("Origin", front)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn two_instances_behind_haproxy_serve_one_journey_turn_and_turn_about() {
    assert!(
        dist_dir().is_some(),
        "POORT_TEST_DIST does not point at a built SPA: run `cargo xtask test`"
    );
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    let front_port = poort_e2e::free_port();
    let front = format!("http://127.0.0.1:{front_port}");
    let mut env = base_env(&db);
    set(&mut env, "POORT__SERVER__PUBLIC_URL", &front);
    set(&mut env, "POORT__SERVER__TRUST_FORWARDED_FOR", "true");
    let first = Poort::start(&["--dev"], &env, &db.path().join("first.log")).await;
    // The second shares the database and the data folder (dev mode's keys), on its own port.
    let mut second_env = env.clone();
    set(
        &mut second_env,
        "POORT__SERVER__PORT",
        &poort_e2e::free_port().to_string(),
    );
    let second = Poort::start(&["--dev"], &second_env, &db.path().join("second.log")).await;
    let haproxy = Haproxy::start(front_port, &[port_of(&env), port_of(&second_env)]).await;

    // The office, through the proxy: an operator, an office with two portfolios, its
    // administrator; the administrator invites an adviser with rights on the first.
    let (portfolio, _, admin, operator) = office_and_operator_at(&front, &env).await;
    let (_, offices) = operator.get("/api/operator/offices").await;
    let office = offices["offices"][0]["id"].as_str().unwrap().to_string();
    let (status, second_portfolio) = operator
        .post(
            &format!("/api/operator/offices/{office}/portfolios"),
            json!({ "agency_number": "KP-2", "name": "Zakelijk" }),
        )
        .await;
    assert_eq!(status, 201, "{second_portfolio}");
    let email = "bert@kantoor.example";
    let (status, body) = admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Bert Adviseur", "email": email, "rights": [
                { "portfolio_id": portfolio, "rights": ["view_policies"] }
            ] }),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    // The adviser's journey in the browser, every request to the next instance.
    let mail = next_message(&front, email, 0).await;
    let mut bert = Browser::start("instances-adviser", 1280, 900).await;
    bert.open(&front).await;
    bert.by_id("page-sign-in").await;
    accept(
        &mut bert,
        &front,
        &link_in(&mail, "/uitnodiging/"),
        "zes zeilboten op zee",
        "0633333333",
        "+31633333333",
    )
    .await;
    bert.wait_text("my-rights", "KP-1").await;
    sign_out(&bert).await;
    sign_in_with_sms(
        &mut bert,
        &front,
        email,
        "zes zeilboten op zee",
        "+31633333333",
    )
    .await;
    bert.open(format!("{front}/mijn-account")).await;
    bert.by_id("page-my-account").await;
    bert.screenshot("two-instances-my-account").await;
    let (a, b) = (answered(&first), answered(&second));
    assert!(
        a >= 10 && b >= 10,
        "both instances answered the journey: {a} and {b} API requests"
    );

    // Lockout counts across both: five wrong passwords (alternating instances) block.
    for _ in 0..5 {
        let (status, body) =
            sign_in_attempt(&front, "olga@verzekeraar.example", "niet het wachtwoord").await;
        assert!(status == 400 || status == 403, "{status} {body}");
    }
    let (status, body) =
        sign_in_attempt(&front, "olga@verzekeraar.example", "olifant paars dak").await;
    assert_eq!(
        body["code"], "account_blocked",
        "blocked after five wrong passwords in all: {status} {body}"
    );
    // Rate limits count across both: 60 password steps a minute per client address in all.
    let mut limited_at = None;
    for n in 1..=100 {
        let (status, body) = sign_in_attempt(
            &front,
            &format!("niemand{n}@kantoor.example"),
            "wat dan ook",
        )
        .await;
        if status == 429 {
            assert_eq!(body["code"], "rate_limited", "{body}");
            limited_at = Some(n);
            break;
        }
    }
    let limited_at = limited_at.expect("the address is limited");
    assert!(
        limited_at <= 60,
        "the limit of 60 counts both instances' requests (limited at the {limited_at}th of this burst)"
    );

    // One instance dies. The proxy sends everything to the other; the journey goes on, and a
    // rights change made now is seen at the adviser's next request.
    first.kill().await;
    let (_, accounts) = admin.get("/api/office/accounts").await;
    let bert_id = accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == email)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = admin
        .send(
            reqwest::Method::PUT,
            &format!("/api/office/accounts/{bert_id}/rights"),
            json!({ "portfolios": [
                { "portfolio_id": portfolio, "rights": ["view_policies"] },
                { "portfolio_id": second_portfolio["id"], "rights": ["view_policies"] }
            ] }),
        )
        .await;
    assert!(status == 200 || status == 204, "{status} {body}");
    bert.open(format!("{front}/start")).await;
    bert.wait_text("my-rights", "KP-2").await;
    bert.screenshot("two-instances-rights-seen").await;
    bert.open(format!("{front}/mijn-account")).await;
    bert.by_id("page-my-account").await;
    println!(
        "two instances: {a} and {b} API requests before one was killed; haproxy log:\n{}",
        haproxy
            .log_text()
            .lines()
            .take(5)
            .collect::<Vec<_>>()
            .join("\n")
    );
    crate::faults::record(
        "two-instances-behind-haproxy",
        &format!(
            "journey served {a}/{b} API requests by the two, lockout and rate limit shared (limited at {limited_at}), one killed, rights change seen at once"
        ),
    );
    bert.quit().await;
    drop(second);
    db.drop_database().await;
}
