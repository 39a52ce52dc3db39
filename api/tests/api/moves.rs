//! An adviser who changes office, over HTTP on SQLite and PostgreSQL: another office's
//! administrator finds the address taken and asks the relations team for a move (learning
//! nothing about where the person is), the relations team moves the account (sign-in kept,
//! rights, administrator role, sessions and open access requests gone, e-mails to all three),
//! the last administrator cannot leave, and a request can be declined with a reason.

use chrono::Duration;
use poort_e2e::db::Kind;
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, code, spawn_app};

const PASSWORD: &str = "zeven zeeën zeilen";

fn mails_to<'a>(outbox: &'a [Value], to: &str) -> Vec<&'a Value> {
    outbox.iter().filter(|m| m["recipient"] == to).collect()
}

fn subject_has(outbox: &[Value], to: &str, part: &str) -> Option<String> {
    mails_to(outbox, to)
        .into_iter()
        .find(|m| m["subject"].as_str().unwrap_or("").contains(part))
        .map(|m| m["body"].as_str().unwrap().to_string())
}

async fn sign_in(app: &TestApp, email: &str, secret: &str) -> User {
    let browser = User::new(&app.address);
    let (status, step) = browser
        .post(
            "/api/sign-in",
            json!({ "email": email, "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, 200, "{step}");
    app.advance(Duration::seconds(30));
    let (status, done) = browser
        .post(
            "/api/sign-in/authenticator",
            json!({ "sign_in_token": step["sign_in_token"], "code": app.totp(secret) }),
        )
        .await;
    assert_eq!(
        (status, done["step"].as_str()),
        (200, Some("done")),
        "{done}"
    );
    browser
}

async fn an_adviser_moves_to_another_office(app: &TestApp) {
    // Arrange: Piet works at office 1 with a right there and an open access request.
    let operator = app.operator().await;
    let (office1, portfolios1, admin1) = app.office_with_admin(&operator, 1).await;
    let (office2, _, admin2) = app.office_with_admin(&operator, 2).await;
    let (status, body) = admin1
        .post(
            "/api/office/invitations",
            json!({
                "name": "Piet Verhuizer",
                "email": "piet@kantoor1.example",
                "rights": [{ "portfolio_id": portfolios1[0], "rights": ["view_policies"] }],
            }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let link = app.link_for("piet@kantoor1.example").await;
    let piet = app.accept(&link, PASSWORD, "0687650001").await;
    let piet_id = piet.get("/api/me").await.1["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = piet
        .post(
            "/api/me/access-requests",
            json!({ "rights": [{ "portfolio_id": portfolios1[1], "rights": ["view_policies"] }] }),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    // Office 2's administrator finds the address taken, and asks for a move.
    let (status, body) = admin2
        .post(
            "/api/office/invitations",
            json!({ "name": "Piet Verhuizer", "email": "piet@kantoor1.example" }),
        )
        .await;
    assert_eq!((status, code(&body)), (409, "email_taken"));
    let ask =
        json!({ "email": "PIET@kantoor1.example", "note": "Piet werkt sinds 1 december bij ons." });
    let (status, body) = admin2.post("/api/office/move-requests", ask.clone()).await;
    assert_eq!(status, 202, "{body}");
    assert!(!body.to_string().contains("Kantoor 1"), "{body}");
    let (status, _) = admin2.post("/api/office/move-requests", ask).await;
    assert_eq!(status, 202, "asking again changes nothing");
    let (status, body) = admin2
        .post(
            "/api/office/move-requests",
            json!({ "email": "niemand@nergens.example" }),
        )
        .await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    let (status, body) = admin2
        .post(
            "/api/office/move-requests",
            json!({ "email": "admin2@kantoor2.example" }),
        )
        .await;
    assert_eq!((status, code(&body)), (409, "same_office"));
    let (status, body) = piet
        .post(
            "/api/office/move-requests",
            json!({ "email": "admin2@kantoor2.example" }),
        )
        .await;
    assert_eq!((status, code(&body)), (403, "forbidden"));
    let outbox = app.outbox().await;
    let told = subject_has(&outbox, "relatiebeheer@voorbeeld.nl", "Verhuisverzoek")
        .expect("the relations team gets an e-mail");
    assert!(
        told.contains("piet@kantoor1.example") && told.contains("Kantoor 2"),
        "{told}"
    );

    // The relations team sees one request.
    let (status, list) = operator.get("/api/operator/move-requests").await;
    assert_eq!(status, 200, "{list}");
    let requests = list["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 1, "{list}");
    assert_eq!(requests[0]["from_office_name"], "Kantoor 1");
    assert_eq!(requests[0]["to_office_name"], "Kantoor 2");
    assert_eq!(requests[0]["requested_by_name"], "Beheerder 2");
    assert_eq!(requests[0]["note"], "Piet werkt sinds 1 december bij ons.");
    let (status, body) = admin2.get("/api/operator/move-requests").await;
    assert_eq!((status, code(&body)), (403, "forbidden"));

    // Refused moves.
    let move_path = format!("/api/operator/accounts/{piet_id}/move");
    let (status, body) = operator
        .post(&move_path, json!({ "office_id": office1 }))
        .await;
    assert_eq!((status, code(&body)), (409, "same_office"));
    let (status, body) = operator
        .post(&move_path, json!({ "office_id": uuid::Uuid::new_v4() }))
        .await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    let (status, body) = admin1
        .post(&move_path, json!({ "office_id": office2 }))
        .await;
    assert_eq!((status, code(&body)), (403, "forbidden"));

    // Act: the move.
    let (status, moved) = operator
        .post(&move_path, json!({ "office_id": office2 }))
        .await;

    // Assert: in office 2 as an adviser without rights; sessions ended; requests closed.
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["account"]["office_id"], office2.as_str());
    assert_eq!(moved["account"]["office_name"], "Kantoor 2");
    assert_eq!(moved["account"]["role"], "adviser");
    assert_eq!(moved["account"]["rights"], json!([]));
    assert_eq!(moved["account"]["status"], "active");
    let (status, _) = piet.get("/api/me").await;
    assert_eq!(status, 401, "his session ended");
    let (_, list) = operator.get("/api/operator/move-requests").await;
    assert_eq!(list["requests"], json!([]));
    let (status, _) = admin1.get(&format!("/api/office/accounts/{piet_id}")).await;
    assert_eq!(status, 404);
    let (status, detail) = admin2.get(&format!("/api/office/accounts/{piet_id}")).await;
    assert_eq!(status, 200);
    // His invitation stays with the office that sent it.
    assert_eq!(detail["invitations"], json!([]), "{detail}");
    let (_, theirs) = admin2.get("/api/office/invitations").await;
    assert!(
        !theirs.to_string().contains("piet@kantoor1.example"),
        "{theirs}"
    );
    let (_, ours) = admin1.get("/api/office/invitations").await;
    assert!(ours.to_string().contains("piet@kantoor1.example"), "{ours}");
    let (_, requests) = admin1.get("/api/office/access-requests").await;
    assert_eq!(requests["open"], 0);

    // Everyone is told; the old office does not learn the new one.
    let outbox = app.outbox().await;
    let his = subject_has(&outbox, "piet@kantoor1.example", "verhuisd").expect("Piet is told");
    assert!(
        his.contains("Kantoor 1") && his.contains("Kantoor 2"),
        "{his}"
    );
    let old = subject_has(&outbox, "admin1@kantoor1.example", "ander kantoor")
        .expect("the old office is told");
    assert!(!old.contains("Kantoor 2"), "{old}");
    let new = subject_has(
        &outbox,
        "admin2@kantoor2.example",
        "hoort nu bij uw kantoor",
    )
    .expect("the new office is told");
    assert!(
        new.contains("piet@kantoor1.example") && new.contains("/beheer"),
        "{new}"
    );

    // He signs in as before, and the new office's administrators are named.
    let piet = sign_in(
        app,
        "piet@kantoor1.example",
        piet.totp_secret.as_deref().unwrap(),
    )
    .await;
    let (status, body) = piet.get("/api/me/portfolios").await;
    assert_eq!((status, code(&body)), (403, "no_access"));
    assert_eq!(body["details"]["administrators"], json!(["Beheerder 2"]));

    // Both trails show the move; office 2's shows its request.
    for (admin, actions) in [
        (&admin1, vec!["account.moved"]),
        (&admin2, vec!["account.moved", "move_request.created"]),
    ] {
        let (_, audit) = admin.get("/api/office/audit?limit=500").await;
        let seen: Vec<&str> = audit["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for action in actions {
            assert!(seen.contains(&action), "{action} in {seen:?}");
        }
    }

    // The last administrator of an office cannot be moved out of it.
    let admin1_id = admin1.get("/api/me").await.1["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = operator
        .post(
            &format!("/api/operator/accounts/{admin1_id}/move"),
            json!({ "office_id": office2 }),
        )
        .await;
    assert_eq!((status, code(&body)), (409, "last_administrator"));

    // A request declined with a reason; the administrator who asked is told.
    let (status, _) = admin1
        .post(
            "/api/office/move-requests",
            json!({ "email": "piet@kantoor1.example" }),
        )
        .await;
    assert_eq!(status, 202);
    let (_, list) = operator.get("/api/operator/move-requests").await;
    let id = list["requests"][0]["id"].as_str().unwrap().to_string();
    let decline = format!("/api/operator/move-requests/{id}/decline");
    let (status, body) = operator.post(&decline, json!({ "reason": "" })).await;
    assert_eq!((status, code(&body)), (400, "invalid_note"));
    let (status, body) = operator
        .post(
            &decline,
            json!({ "reason": "Piet is net naar kantoor 2 gegaan." }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "declined");
    let (status, body) = operator
        .post(&decline, json!({ "reason": "Nogmaals." }))
        .await;
    assert_eq!((status, code(&body)), (409, "request_closed"));
    let outbox = app.outbox().await;
    let answer = subject_has(
        &outbox,
        "admin1@kantoor1.example",
        "Verhuisverzoek afgewezen",
    )
    .expect("the asking administrator is told");
    assert!(
        answer.contains("Piet is net naar kantoor 2 gegaan."),
        "{answer}"
    );
}

macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(app) = spawn_app(Kind::Sqlite).await else { return };
                    super::$name(&app).await;
                }
            )*
            use super::*;
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(app) = spawn_app(Kind::Postgres).await else { return };
                    super::$name(&app).await;
                    app.db.drop_database().await;
                }
            )*
            use super::*;
        }
    };
}

on_both_databases!(an_adviser_moves_to_another_office);
