//! Delivery in production mode through a real SMTP server (aiosmtpd) and an SMS gateway
//! stand-in: sending, retrying, dead letters, and surviving a crash without loss or doubles.

use std::time::Duration;

use poort_e2e::db::{Kind, TestDatabase};
use poort_e2e::eventually;
use poort_e2e::server::{Poort, base_env, production_env, run};
use poort_e2e::sms::SmsGateway;
use poort_e2e::smtp::SmtpSink;

use crate::support::metric;

/// Queues a test message with `poort outbox send-test`; returns the message ids it printed.
async fn send_test(env: &[(String, String)], args: &[&str]) -> Vec<String> {
    let mut all = vec!["outbox", "send-test"];
    all.extend_from_slice(args);
    let done = run(&all, env).await;
    assert_eq!(done.code, Some(0), "send-test failed: {}", done.stderr);
    done.stdout
        .lines()
        .filter_map(|l| l.strip_prefix("queued "))
        .filter_map(|l| l.split(';').next())
        .map(str::to_string)
        .collect()
}

async fn email_goes_out_over_smtp_and_sms_over_the_gateway(kind: Kind) {
    let Some(db) = TestDatabase::new(kind).await else {
        return;
    };
    let sink = SmtpSink::start().await;
    let gateway = SmsGateway::start().await;
    let env = production_env(&base_env(&db), sink.port, &gateway.url);
    let poort = Poort::start(&[], &env, &db.path().join("poort.log")).await;

    let ids = send_test(
        &env,
        &[
            "--email",
            "adviseur@kantoor.example",
            "--sms",
            "+31612345678",
        ],
    )
    .await;

    assert_eq!(ids.len(), 2);
    let mails = sink.wait_for(1, 20).await;
    assert_eq!(
        mails[0].header("To").as_deref(),
        Some("adviseur@kantoor.example")
    );
    let message_id = mails[0].header("Message-ID").unwrap();
    assert!(
        message_id.contains(&ids[0]),
        "the outbox id is the Message-ID: {message_id}"
    );
    assert!(
        mails[0].raw.contains("Status: http://127.0.0.1:"),
        "the body arrives"
    );

    let sms = gateway.wait_for(1, 20).await;
    assert_eq!(
        sms[0].header("Authorization"),
        Some("Bearer test-gateway-token")
    );
    assert_eq!(sms[0].header("Idempotency-Key"), Some(ids[1].as_str()));
    assert_eq!(sms[0].body["to"], "+31612345678");
    assert_eq!(sms[0].body["reference"], ids[1].as_str());
    assert!(
        sms[0].body["text"]
            .as_str()
            .unwrap()
            .contains("Testbericht")
    );

    let base = poort.url.clone();
    eventually(10, "the outbox to be empty", || {
        let base = base.clone();
        async move { (metric(&base, "poort_outbox_pending").await == Some(0.0)).then_some(()) }
    })
    .await;
    assert_eq!(
        metric(
            &poort.url,
            r#"poort_outbox_delivered_total{channel="email"}"#
        )
        .await,
        Some(1.0)
    );
    assert_eq!(
        metric(&poort.url, r#"poort_outbox_delivered_total{channel="sms"}"#).await,
        Some(1.0)
    );
    drop(poort);
    db.drop_database().await;
}

#[tokio::test]
async fn email_goes_out_over_smtp_and_sms_over_the_gateway_on_sqlite() {
    email_goes_out_over_smtp_and_sms_over_the_gateway(Kind::Sqlite).await;
}

#[tokio::test]
async fn email_goes_out_over_smtp_and_sms_over_the_gateway_on_postgres() {
    email_goes_out_over_smtp_and_sms_over_the_gateway(Kind::Postgres).await;
}

async fn a_message_written_before_a_crash_is_delivered_once_after_restart(kind: Kind) {
    let Some(db) = TestDatabase::new(kind).await else {
        return;
    };
    // The mail server is down at first: the message stays in the outbox.
    let mut sink = SmtpSink::reserve();
    let mut env = production_env(&base_env(&db), sink.port, "http://127.0.0.1:9/unused");
    env.push(("POORT__DELIVERY__BACKOFF_BASE_SECONDS".into(), "1".into()));
    env.push(("POORT__DELIVERY__BACKOFF_MAX_SECONDS".into(), "1".into()));
    // If the kill lands while an attempt is in flight, the message is leased to the dead
    // process; a short lease keeps the test quick (in production it is minutes).
    env.push(("POORT__DELIVERY__LEASE_SECONDS".into(), "3".into()));
    let first = Poort::start(&[], &env, &db.path().join("first.log")).await;
    let ids = send_test(&env, &["--email", "adviseur@kantoor.example"]).await;
    let base = first.url.clone();
    eventually(20, "a failed delivery attempt", || {
        let base = base.clone();
        async move {
            let failures = metric(&base, r#"poort_outbox_failures_total{channel="email"}"#).await?;
            (failures >= 1.0).then_some(())
        }
    })
    .await;
    assert!(sink.messages().is_empty());

    // Crash: SIGKILL, no shutdown code runs. Then the mail server comes up and we restart.
    first.kill().await;
    sink.listen().await;
    let second = Poort::start(&[], &env, &db.path().join("second.log")).await;

    let mails = sink.wait_for(1, 30).await;
    assert!(mails[0].header("Message-ID").unwrap().contains(&ids[0]));
    // Give a duplicate every chance to appear before asserting there is none.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        sink.messages().len(),
        1,
        "delivered exactly once after the restart"
    );
    assert_eq!(metric(&second.url, "poort_outbox_pending").await, Some(0.0));
    drop(second);
    db.drop_database().await;
}

#[tokio::test]
async fn a_message_written_before_a_crash_is_delivered_once_after_restart_on_sqlite() {
    a_message_written_before_a_crash_is_delivered_once_after_restart(Kind::Sqlite).await;
}

#[tokio::test]
async fn a_message_written_before_a_crash_is_delivered_once_after_restart_on_postgres() {
    a_message_written_before_a_crash_is_delivered_once_after_restart(Kind::Postgres).await;
}

#[tokio::test]
async fn an_sms_the_gateway_keeps_refusing_becomes_a_dead_letter_after_the_last_attempt() {
    let db = TestDatabase::sqlite();
    let gateway = SmsGateway::start().await;
    gateway.always(503);
    let mut env = production_env(&base_env(&db), poort_e2e::free_port(), &gateway.url);
    env.push(("POORT__DELIVERY__MAX_ATTEMPTS".into(), "3".into()));
    env.push(("POORT__DELIVERY__BACKOFF_BASE_SECONDS".into(), "1".into()));
    let poort = Poort::start(&[], &env, &db.path().join("poort.log")).await;

    let ids = send_test(&env, &["--sms", "+31612345678"]).await;

    let base = poort.url.clone();
    eventually(30, "a dead letter", || {
        let base = base.clone();
        async move { (metric(&base, "poort_outbox_dead").await == Some(1.0)).then_some(()) }
    })
    .await;
    let requests = gateway.requests();
    assert_eq!(requests.len(), 3, "one request per attempt");
    assert!(
        requests
            .iter()
            .all(|r| r.header("Idempotency-Key") == Some(ids[0].as_str()))
    );
    assert_eq!(
        metric(
            &poort.url,
            r#"poort_outbox_dead_letters_total{channel="sms"}"#
        )
        .await,
        Some(1.0)
    );
    assert_eq!(metric(&poort.url, "poort_outbox_pending").await, Some(0.0));
    assert!(poort.log_text().contains("dead letter"), "the log says so");
}

#[tokio::test]
async fn an_sms_the_gateway_refuses_as_invalid_is_not_retried() {
    let db = TestDatabase::sqlite();
    let gateway = SmsGateway::start().await;
    gateway.always(422);
    let env = production_env(&base_env(&db), poort_e2e::free_port(), &gateway.url);
    let poort = Poort::start(&[], &env, &db.path().join("poort.log")).await;

    send_test(&env, &["--sms", "+31612345678"]).await;

    let base = poort.url.clone();
    eventually(20, "a dead letter", || {
        let base = base.clone();
        async move { (metric(&base, "poort_outbox_dead").await == Some(1.0)).then_some(()) }
    })
    .await;
    assert_eq!(gateway.requests().len(), 1);
}
