//! Retention (issue 14 §4): the periodic clean-up removes expired codes, sign-ins under way,
//! ended sessions, old rate-limit windows and delivered messages after their retention,
//! never what is still in use, and keeps the audit trail unless told otherwise; two
//! instances sweeping at once remove each row once and fail nothing.

use chrono::Duration;
use poort_api::retention::Sweeper;
use serde_json::json;

use crate::helpers::{TestApp, code};

crate::app_on_both_databases!(
    the_clean_up_removes_only_what_is_past_its_retention,
    two_instances_sweeping_at_once_agree,
);

const PASSWORD: &str = "lange zomeravonden aan zee";

fn sweeper(app: &TestApp, change: impl FnOnce(&mut poort_api::configuration::Settings)) -> Sweeper {
    let mut settings = app.state.settings.as_ref().clone();
    change(&mut settings);
    Sweeper {
        store: app.state.store.clone(),
        retention: settings.retention,
        delivery: settings.delivery,
        clock: app.clock.clone(),
    }
}

async fn counts(app: &TestApp) -> [i64; 7] {
    let mut out = [0; 7];
    for (i, table) in [
        "verification_codes",
        "sign_in_attempts",
        "sessions",
        "rate_limits",
        "audit_events",
        "outbox",
        "accounts",
    ]
    .iter()
    .enumerate()
    {
        out[i] = app.db.count(&format!("SELECT COUNT(*) FROM {table}")).await;
    }
    out
}

async fn the_clean_up_removes_only_what_is_past_its_retention(app: &TestApp) {
    let operator = app.operator().await;
    let (_, portfolios, admin) = app.office_with_admin(&operator, 1).await;
    let (status, body) = admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Adviseur Een", "email": "een@kantoor1.example", "rights": [
                { "portfolio_id": portfolios[0], "rights": ["view_policies"] }
            ] }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let link = app.link_for("een@kantoor1.example").await;
    let adviser = app.accept(&link, PASSWORD, "0698765401").await;
    // A sign-in under way (password given, never finished) and a session that ended.
    let stranger = crate::helpers::User::new(&app.address);
    let (status, body) = stranger
        .post(
            "/api/sign-in",
            json!({ "email": "een@kantoor1.example", "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = adviser.post("/api/session/logout", json!({})).await;
    assert_eq!(status, 204);

    let before = counts(app).await;
    assert!(
        before.iter().all(|n| *n > 0),
        "every kind is there: {before:?}"
    );

    // Now: nothing is past its retention, nothing goes, everyone carries on.
    let swept = sweeper(app, |_| {}).sweep().await.unwrap();
    assert_eq!(
        swept.codes + swept.sign_ins + swept.sessions + swept.outbox,
        0,
        "{swept:?}"
    );
    assert_eq!(counts(app).await, before);
    let (status, body) = admin.get("/api/office/accounts").await;
    assert_eq!(status, 200, "{body}");

    // Three days on: codes, the sign-in under way and the old rate-limit windows go; ended
    // and expired sessions stay their 30 days; the trail and the messages stay.
    app.advance(Duration::days(3));
    let swept = sweeper(app, |_| {}).sweep().await.unwrap();
    let after = counts(app).await;
    assert!(
        swept.codes > 0 && swept.sign_ins > 0 && swept.rate_limits > 0,
        "{swept:?}"
    );
    assert_eq!(after[0], 0, "codes: {after:?}");
    assert_eq!(after[1], 0, "sign-ins under way: {after:?}");
    assert_eq!(after[2], before[2], "sessions stay 30 days after they end");
    assert_eq!(after[3], 0, "rate-limit windows: {after:?}");
    assert_eq!(after[4], before[4], "the audit trail is kept");
    assert_eq!(after[5], before[5], "messages stay 30 days");
    assert_eq!(after[6], before[6], "accounts are never swept");

    // A month on: the sessions and the delivered messages go; the trail stays (forever, by
    // default), and the adviser signs in as before.
    app.advance(Duration::days(31));
    let swept = sweeper(app, |_| {}).sweep().await.unwrap();
    let after = counts(app).await;
    assert_eq!((after[2], after[5]), (0, 0), "{swept:?} {after:?}");
    assert_eq!(after[4], before[4], "the audit trail is kept");
    let again = crate::helpers::User::new(&app.address);
    let (status, body) = again
        .post(
            "/api/sign-in",
            json!({ "email": "een@kantoor1.example", "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_ne!(code(&body), "invalid_credentials");

    // With an audit retention of 10 days the trail's old part goes too, and only that.
    let swept = sweeper(app, |s| s.retention.audit_days = 10)
        .sweep()
        .await
        .unwrap();
    assert_eq!(swept.audit as i64, before[4], "{swept:?}");
    assert!(
        app.db.count("SELECT COUNT(*) FROM audit_events").await > 0,
        "today's events stay"
    );

    // 0 keeps: nothing of a kind set to 0 goes.
    app.advance(Duration::days(400));
    let keep = sweeper(app, |s| {
        s.retention.codes_days = 0;
        s.retention.sign_in_attempts_days = 0;
        s.retention.sessions_days = 0;
        s.delivery.retention_days = 0;
    });
    let (status, _) = again
        .post(
            "/api/sign-in",
            json!({ "email": "een@kantoor1.example", "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, 200);
    let sign_ins = app.db.count("SELECT COUNT(*) FROM sign_in_attempts").await;
    app.advance(Duration::days(400));
    let swept = keep.sweep().await.unwrap();
    assert_eq!(
        (
            swept.codes,
            swept.sign_ins,
            swept.sessions,
            swept.outbox,
            swept.audit
        ),
        (0, 0, 0, 0, 0),
        "{swept:?}"
    );
    assert_eq!(
        app.db.count("SELECT COUNT(*) FROM sign_in_attempts").await,
        sign_ins
    );
}

async fn two_instances_sweeping_at_once_agree(app: &TestApp) {
    let operator = app.operator().await;
    for n in 1..=3 {
        app.office_with_admin(&operator, n).await;
    }
    let mut codes = 0;
    for table in [
        "verification_codes",
        "code_attempts",
        "password_resets",
        "eherkenning_trips",
    ] {
        codes += app.db.count(&format!("SELECT COUNT(*) FROM {table}")).await;
    }
    assert!(codes > 0);
    // The second instance starts now (its own first sweep finds nothing old yet).
    let second = crate::helpers::spawn_second(app, |_| {}).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    app.advance(Duration::days(3));
    let (one, two) = (sweeper(app, |_| {}), sweeper(&second, |_| {}));
    let (a, b) = tokio::join!(one.sweep(), two.sweep());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        a.codes + b.codes,
        codes as u64,
        "each row once: {a:?} {b:?}"
    );
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM verification_codes")
            .await,
        0
    );
}
