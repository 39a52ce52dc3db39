//! Periodic access reviews over HTTP, on SQLite and PostgreSQL, with the clock moved by months:
//! the first period's rights count as set in it, the next period asks for every account's
//! rights, reminders go out 14 and 3 days before the due date (once each), the relations team
//! sees the office as due, "keep all" per portfolio and per account complete the review; and,
//! when configured, accounts not confirmed 30 days after the due date are deactivated.

use chrono::Duration;
use poort_e2e::db::Kind;
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, code, spawn_app_with};

async fn spawn(kind: Kind, deactivate: bool) -> Option<TestApp> {
    spawn_app_with(kind, |s| {
        s.policy.session_idle_minutes = 60 * 24 * 800;
        s.policy.session_absolute_hours = 24 * 800;
        s.policy.access_review_deactivate = deactivate;
    })
    .await
}

/// An office with an administrator and an adviser with rights on both portfolios.
async fn office(app: &TestApp) -> (User, Vec<String>, User, String, User) {
    let operator = app.operator().await;
    let (_, portfolios, admin) = app.office_with_admin(&operator, 1).await;
    // (The test's clock stands still; rights are given a minute after the office was made.)
    app.advance(Duration::minutes(1));
    let (status, body) = admin
        .post(
            "/api/office/invitations",
            json!({
                "name": "Rita Rechten",
                "email": "rita@kantoor1.example",
                "rights": [
                    { "portfolio_id": portfolios[0], "rights": ["view_policies"] },
                    { "portfolio_id": portfolios[1], "rights": ["report_claims"] },
                ],
            }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let link = app.link_for("rita@kantoor1.example").await;
    let rita = app.accept(&link, "zeven zeeën zeilen", "0687650009").await;
    let rita_id = rita.get("/api/me").await.1["id"]
        .as_str()
        .unwrap()
        .to_string();
    (operator, portfolios, admin, rita_id, rita)
}

fn reminders(outbox: &[Value]) -> usize {
    outbox
        .iter()
        .filter(|m| {
            m["recipient"] == "admin1@kantoor1.example"
                && m["subject"]
                    .as_str()
                    .unwrap_or("")
                    .contains("Herbeoordeling")
        })
        .count()
}

async fn sweep(app: &TestApp) -> poort_api::services::reviews::Swept {
    poort_api::services::reviews::sweep(&app.state)
        .await
        .unwrap()
}

async fn an_office_reviews_its_rights_every_period(kind: Kind) {
    let Some(app) = spawn(kind, false).await else {
        return;
    };
    let (operator, portfolios, admin, rita, rita_user) = office(&app).await;

    // The first period: rights given in it count as decided.
    let (status, review) = admin.get("/api/office/access-review").await;
    assert_eq!(status, 200, "{review}");
    assert_eq!(
        (review["state"].as_str(), review["pending"].as_i64()),
        (Some("on_time"), Some(0))
    );
    assert_eq!(review["accounts"][0]["name"], "Rita Rechten");
    let (status, body) = rita_user.get("/api/office/access-review").await;
    assert_eq!((status, code(&body)), (403, "forbidden"));
    // Setting rights far from the due date is a decision, not the end of a review.
    let (status, body) = admin
        .put(
            &format!("/api/office/accounts/{rita}/rights"),
            json!({ "portfolios": [{ "portfolio_id": portfolios[0], "rights": ["view_policies"] },
                                   { "portfolio_id": portfolios[1], "rights": ["report_claims"] }] }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, review) = admin.get("/api/office/access-review").await;
    assert_eq!(review["history"], json!([]), "{review}");

    // Near its due date the sweep completes it (nothing left) and the next period starts.
    app.advance(Duration::days(167));
    let swept = sweep(&app).await;
    assert_eq!(swept.completed, 1, "{swept:?}");
    let (_, review) = admin.get("/api/office/access-review").await;
    assert_eq!(review["pending"], 2, "{review}");
    assert_eq!(review["history"].as_array().unwrap().len(), 1);
    assert_eq!(review["accounts"][0]["settled"], false);

    // Reminders 14 and 3 days before the due date, once each.
    app.advance(Duration::days(167));
    let swept = sweep(&app).await;
    assert_eq!(swept.reminders, 1, "{swept:?}");
    assert_eq!(sweep(&app).await.reminders, 0, "once");
    let outbox = app.outbox().await;
    assert_eq!(reminders(&outbox), 1);
    let (_, due) = operator.get("/api/operator/access-reviews").await;
    assert_eq!(due["offices"][0]["office_name"], "Kantoor 1", "{due}");
    assert_eq!(due["offices"][0]["state"], "due_soon");
    app.advance(Duration::days(11));
    assert_eq!(sweep(&app).await.reminders, 1);
    let outbox = app.outbox().await;
    assert_eq!(reminders(&outbox), 2);
    let mail = outbox
        .iter()
        .find(|m| {
            m["subject"]
                .as_str()
                .unwrap_or("")
                .contains("Herbeoordeling")
        })
        .unwrap();
    assert!(
        mail["subject"].as_str().unwrap().contains("over 2 dagen"),
        "{mail}"
    );
    assert!(
        mail["body"]
            .as_str()
            .unwrap()
            .contains("/beheer?tab=review"),
        "{mail}"
    );
    app.advance(Duration::days(3));
    let (_, due) = operator.get("/api/operator/access-reviews").await;
    assert_eq!(due["offices"][0]["state"], "overdue");

    // Keeping: nothing named, another office's portfolio, then all on one portfolio, then the
    // account — the review completes.
    let (status, body) = admin
        .post("/api/office/access-review/confirm", json!({}))
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_request"));
    let (status, body) = admin
        .post(
            "/api/office/access-review/confirm",
            json!({ "portfolio_id": uuid::Uuid::new_v4() }),
        )
        .await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    let (status, review) = admin
        .post(
            "/api/office/access-review/confirm",
            json!({ "portfolio_id": portfolios[0] }),
        )
        .await;
    assert_eq!(status, 200, "{review}");
    assert_eq!(review["pending"], 1);
    let (_, review) = admin
        .post(
            "/api/office/access-review/confirm",
            json!({ "account_id": rita }),
        )
        .await;
    assert_eq!(review["pending"], 2, "a new period: {review}");
    assert_eq!(review["state"], "on_time");
    let history = review["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["completed_by_name"], "Beheerder 1");
    assert_eq!(history[0]["confirmed"], 2);
    let (_, due) = operator.get("/api/operator/access-reviews").await;
    assert_eq!(due["offices"], json!([]));
    let office_id = review["office_id"].as_str().unwrap();
    let (status, seen) = operator
        .get(&format!("/api/operator/offices/{office_id}/access-review"))
        .await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["history"].as_array().unwrap().len(), 2);
    let (_, audit) = admin.get("/api/office/audit?limit=500").await;
    let actions: Vec<&str> = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "access_review.confirmed",
        "access_review.completed",
        "access_review.reminder_sent",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    if kind == Kind::Postgres {
        app.db.drop_database().await;
    }
}

async fn unconfirmed_accounts_are_deactivated_when_configured(kind: Kind) {
    let Some(app) = spawn(kind, true).await else {
        return;
    };
    let (_, _, admin, rita, _) = office(&app).await;
    app.advance(Duration::days(167));
    assert_eq!(sweep(&app).await.completed, 1);
    // Past the due date plus 29 days: nothing yet; at 30 days: deactivated.
    app.advance(Duration::days(180 + 29));
    assert_eq!(sweep(&app).await.deactivated, 0);
    app.advance(Duration::days(1));
    let swept = sweep(&app).await;
    assert_eq!((swept.deactivated, swept.completed), (1, 1), "{swept:?}");
    assert_eq!(sweep(&app).await, Default::default(), "once");
    let (_, account) = admin.get(&format!("/api/office/accounts/{rita}")).await;
    assert_eq!(account["account"]["status"], "deactivated");
    let outbox = app.outbox().await;
    assert!(outbox.iter().any(|m| {
        m["recipient"] == "rita@kantoor1.example"
            && m["subject"]
                .as_str()
                .unwrap_or("")
                .contains("gedeactiveerd")
    }));
    assert!(
        outbox
            .iter()
            .any(|m| m["recipient"] == "admin1@kantoor1.example"
                && m["body"].as_str().unwrap_or("").contains("Rita Rechten"))
    );
    let (_, review) = admin.get("/api/office/access-review").await;
    assert_eq!(review["history"][0]["deactivated"], 1, "{review}");
    assert_eq!(review["accounts"], json!([]));
    if kind == Kind::Postgres {
        app.db.drop_database().await;
    }
}

macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(poort_e2e::db::Kind::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(poort_e2e::db::Kind::Postgres).await;
                }
            )*
        }
    };
}

on_both_databases!(
    an_office_reviews_its_rights_every_period,
    unconfirmed_accounts_are_deactivated_when_configured,
);
