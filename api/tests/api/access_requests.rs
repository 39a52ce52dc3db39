//! Access requests over HTTP, on SQLite and PostgreSQL: an adviser without rights asks for
//! them, the office's administrator is told by e-mail and sees the request (another office's
//! does not), grants an adjusted set (the adviser has it from the next request on), declines
//! with a reason, the adviser withdraws; one open request at a time, expiry after the
//! configured days, the daily limit, and what the audit trail records.

use chrono::Duration;
use poort_e2e::db::Kind;
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, code, spawn_app_with};

async fn spawn(kind: Kind) -> Option<TestApp> {
    spawn_app_with(kind, |s| {
        s.policy.access_requests_per_day = 100;
        long_sessions(s);
    })
    .await
}

/// Sessions that outlive the clock moved by days (the test moves it past expiries).
fn long_sessions(s: &mut poort_api::configuration::Settings) {
    s.policy.session_idle_minutes = 60 * 24 * 30;
    s.policy.session_absolute_hours = 24 * 30;
}

/// An adviser of the administrator's office without any right, signed in.
async fn adviser_without_rights(app: &TestApp, admin: &User, email: &str) -> User {
    let (status, body) = admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Anna Adviseur", "email": email, "rights": [] }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let link = app.link_for(email).await;
    app.accept(&link, "zeven zeeën zeilen", "0687654321").await
}

fn mails_to<'a>(outbox: &'a [Value], to: &str) -> Vec<&'a Value> {
    outbox.iter().filter(|m| m["recipient"] == to).collect()
}

async fn ask(user: &User, portfolio: &str, rights: &[&str], note: Option<&str>) -> (u16, Value) {
    user.post(
        "/api/me/access-requests",
        json!({ "rights": [{ "portfolio_id": portfolio, "rights": rights }], "note": note }),
    )
    .await
}

async fn an_adviser_asks_and_the_administrator_answers(app: &TestApp) {
    // Arrange
    let operator = app.operator().await;
    let (_, portfolios, admin) = app.office_with_admin(&operator, 1).await;
    let (_, other_portfolios, other_admin) = app.office_with_admin(&operator, 2).await;
    let adviser = adviser_without_rights(app, &admin, "anna@kantoor1.example").await;
    let (status, body) = adviser.get("/api/me/portfolios").await;
    assert_eq!((status, code(&body)), (403, "no_access"));

    // What may be asked: the own office's portfolios and the catalogue.
    let (status, mine) = adviser.get("/api/me/access-requests").await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["portfolios"].as_array().unwrap().len(), 2);
    assert!(mine["rights"].as_array().unwrap().len() >= 4);
    assert_eq!(mine["requests"], json!([]));
    let (status, body) = operator.get("/api/me/access-requests").await;
    assert_eq!((status, code(&body)), (403, "forbidden"));

    // Refused: nothing, another office's portfolio, an unknown right, a note too long.
    let (status, body) = adviser
        .post("/api/me/access-requests", json!({ "rights": [] }))
        .await;
    assert_eq!((status, code(&body)), (400, "nothing_requested"));
    let (status, body) = ask(&adviser, &other_portfolios[0], &["view_policies"], None).await;
    assert_eq!((status, code(&body)), (400, "unknown_portfolio"));
    let (status, body) = ask(&adviser, &portfolios[0], &["fly_planes"], None).await;
    assert_eq!((status, code(&body)), (400, "unknown_right"));
    let long = "x".repeat(501);
    let (status, body) = ask(&adviser, &portfolios[0], &["view_policies"], Some(&long)).await;
    assert_eq!((status, code(&body)), (400, "invalid_note"));

    // Act: ask for two rights on the first portfolio.
    let (status, request) = ask(
        &adviser,
        &portfolios[0],
        &["view_policies", "report_claims"],
        Some("  Ik neem de portefeuille van Piet over.  "),
    )
    .await;

    // Assert: open, the note trimmed, the administrator told.
    assert_eq!(status, 201, "{request}");
    assert_eq!(request["status"], "open");
    assert_eq!(request["note"], "Ik neem de portefeuille van Piet over.");
    assert_eq!(request["account_name"], "Anna Adviseur");
    assert_eq!(
        request["requested"][0]["rights"],
        json!(["view_policies", "report_claims"])
    );
    let id = request["id"].as_str().unwrap().to_string();
    let outbox = app.outbox().await;
    let told = mails_to(&outbox, "admin1@kantoor1.example");
    let mail = told
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("vraagt toegang"))
        .expect("the administrator gets an e-mail");
    let text = mail["body"].as_str().unwrap();
    assert!(text.contains("Anna Adviseur"), "{text}");
    assert!(text.contains("Polissen inzien, Schade melden"), "{text}");
    assert!(text.contains("View policies, Report claims"), "{text}");
    assert!(
        text.contains("Ik neem de portefeuille van Piet over."),
        "{text}"
    );
    assert!(text.contains("/beheer?tab=requests"), "{text}");
    assert!(
        mails_to(&outbox, "admin2@kantoor2.example")
            .iter()
            .all(|m| !m["subject"].as_str().unwrap().contains("vraagt toegang"))
    );

    // One open request at a time.
    let (status, body) = ask(&adviser, &portfolios[1], &["view_policies"], None).await;
    assert_eq!((status, code(&body)), (409, "access_request_open"));

    // The administrator sees it with the count; another office's does not; an adviser may not.
    let (status, list) = admin.get("/api/office/access-requests").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["open"], 1);
    assert_eq!(list["requests"][0]["id"], id.as_str());
    let (_, theirs) = other_admin.get("/api/office/access-requests").await;
    assert_eq!(theirs["open"], 0);
    assert_eq!(theirs["requests"], json!([]));
    let grant_path = format!("/api/office/access-requests/{id}/grant");
    let (status, body) = other_admin
        .post(
            &grant_path,
            json!({ "rights": [{ "portfolio_id": other_portfolios[0], "rights": ["view_policies"] }] }),
        )
        .await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    let (status, body) = adviser.get("/api/office/access-requests").await;
    assert_eq!((status, code(&body)), (403, "forbidden"));
    let (status, body) = admin
        .get("/api/office/access-requests?status=sideways")
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_request"));

    // The administrator grants less than was asked.
    let (status, granted) = admin
        .post(
            &grant_path,
            json!({ "rights": [{ "portfolio_id": portfolios[0], "rights": ["view_policies"] }] }),
        )
        .await;
    assert_eq!(status, 200, "{granted}");
    assert_eq!(granted["status"], "granted");
    assert_eq!(granted["granted"][0]["rights"], json!(["view_policies"]));
    assert_eq!(granted["decided_by_name"], "Beheerder 1");
    let (status, body) = admin
        .post(
            &grant_path,
            json!({ "rights": [{ "portfolio_id": portfolios[0], "rights": ["report_claims"] }] }),
        )
        .await;
    assert_eq!((status, code(&body)), (409, "request_closed"));

    // The adviser has the right at the next request, and an e-mail.
    let (status, context) = adviser.get("/api/me/portfolios").await;
    assert_eq!(status, 200, "{context}");
    assert_eq!(context["portfolios"][0]["rights"], json!(["view_policies"]));
    let outbox = app.outbox().await;
    assert!(mails_to(&outbox, "anna@kantoor1.example").iter().any(|m| {
        m["subject"].as_str().unwrap().contains("toegekend")
            && m["body"].as_str().unwrap().contains("Polissen inzien")
    }));
    let (_, list) = admin.get("/api/office/access-requests").await;
    assert_eq!(list["open"], 0);
    let (_, closed) = admin.get("/api/office/access-requests?status=closed").await;
    assert_eq!(closed["requests"][0]["status"], "granted");

    // Asking only for what one has is nothing.
    let (status, body) = ask(&adviser, &portfolios[0], &["view_policies"], None).await;
    assert_eq!((status, code(&body)), (400, "nothing_requested"));

    // Declined with a reason (an empty reason is refused).
    let (status, second) = ask(&adviser, &portfolios[1], &["view_commission"], None).await;
    assert_eq!(status, 201, "{second}");
    let decline_path = format!(
        "/api/office/access-requests/{}/decline",
        second["id"].as_str().unwrap()
    );
    let (status, body) = admin.post(&decline_path, json!({ "reason": "   " })).await;
    assert_eq!((status, code(&body)), (400, "invalid_note"));
    let (status, declined) = admin
        .post(
            &decline_path,
            json!({ "reason": "Provisie zien alleen de vennoten." }),
        )
        .await;
    assert_eq!(status, 200, "{declined}");
    assert_eq!(declined["status"], "declined");
    let outbox = app.outbox().await;
    assert!(mails_to(&outbox, "anna@kantoor1.example").iter().any(|m| {
        m["subject"].as_str().unwrap().contains("afgewezen")
            && m["body"]
                .as_str()
                .unwrap()
                .contains("Provisie zien alleen de vennoten.")
    }));
    let (_, context) = adviser.get("/api/me/portfolios").await;
    assert_eq!(context["portfolios"].as_array().unwrap().len(), 1);

    // Withdrawn by the adviser (once).
    let (status, third) = ask(&adviser, &portfolios[1], &["view_policies"], None).await;
    assert_eq!(status, 201, "{third}");
    let withdraw_path = format!(
        "/api/me/access-requests/{}/withdraw",
        third["id"].as_str().unwrap()
    );
    let (status, body) = admin.post(&withdraw_path, json!({})).await;
    assert_eq!(
        (status, code(&body)),
        (404, "not_found"),
        "only the adviser withdraws"
    );
    let (status, withdrawn) = adviser.post(&withdraw_path, json!({})).await;
    assert_eq!(status, 200, "{withdrawn}");
    assert_eq!(withdrawn["status"], "withdrawn");
    let (status, body) = adviser.post(&withdraw_path, json!({})).await;
    assert_eq!((status, code(&body)), (409, "request_closed"));

    // Expired after 14 days: not open for anyone, and a new one may be made.
    let (status, fourth) = ask(&adviser, &portfolios[1], &["view_policies"], None).await;
    assert_eq!(status, 201, "{fourth}");
    app.advance(Duration::days(14));
    let (_, list) = admin.get("/api/office/access-requests").await;
    assert_eq!(list["open"], 0);
    let (status, body) = admin
        .post(
            &format!(
                "/api/office/access-requests/{}/grant",
                fourth["id"].as_str().unwrap()
            ),
            json!({ "rights": [{ "portfolio_id": portfolios[1], "rights": ["view_policies"] }] }),
        )
        .await;
    assert_eq!((status, code(&body)), (409, "request_closed"));
    let (_, mine) = adviser.get("/api/me/access-requests").await;
    assert_eq!(mine["requests"][0]["status"], "expired");
    let statuses: Vec<&str> = mine["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["expired", "withdrawn", "declined", "granted"]);
    let (status, fifth) = ask(&adviser, &portfolios[1], &["view_policies"], None).await;
    assert_eq!(status, 201, "{fifth}");
    let (_, mine) = adviser.get("/api/me/access-requests").await;
    assert_eq!(mine["requests"][1]["status"], "expired");

    // The audit trail names each step.
    let (_, audit) = admin.get("/api/office/audit?limit=500").await;
    let actions: Vec<&str> = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "access_request.created",
        "access_request.granted",
        "access_request.declined",
        "access_request.withdrawn",
        "account.rights_changed",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

async fn access_requests_are_limited_per_day(kind: Kind) {
    let Some(app) = spawn_app_with(kind, |s| {
        s.policy.access_requests_per_day = 2;
        long_sessions(s);
    })
    .await
    else {
        return;
    };
    let operator = app.operator().await;
    let (_, portfolios, admin) = app.office_with_admin(&operator, 1).await;
    let adviser = adviser_without_rights(&app, &admin, "bert@kantoor1.example").await;
    for _ in 0..2 {
        let (status, request) = ask(&adviser, &portfolios[0], &["view_policies"], None).await;
        assert_eq!(status, 201, "{request}");
        let (status, body) = adviser
            .post(
                &format!(
                    "/api/me/access-requests/{}/withdraw",
                    request["id"].as_str().unwrap()
                ),
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = ask(&adviser, &portfolios[0], &["view_policies"], None).await;
    assert_eq!((status, code(&body)), (429, "rate_limited"));
    app.advance(Duration::days(1));
    let (status, body) = ask(&adviser, &portfolios[0], &["view_policies"], None).await;
    assert_eq!(status, 201, "{body}");
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
                    let Some(app) = super::spawn(poort_e2e::db::Kind::Sqlite).await else { return };
                    super::$name(&app).await;
                }
            )*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn access_requests_are_limited_per_day() {
                super::access_requests_are_limited_per_day(poort_e2e::db::Kind::Sqlite).await;
            }
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(app) = super::spawn(poort_e2e::db::Kind::Postgres).await else { return };
                    super::$name(&app).await;
                    app.db.drop_database().await;
                }
            )*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn access_requests_are_limited_per_day() {
                super::access_requests_are_limited_per_day(poort_e2e::db::Kind::Postgres).await;
            }
        }
    };
}

on_both_databases!(an_adviser_asks_and_the_administrator_answers);
