//! Input no database can hold and methods a path does not have (issue 14): a NUL character in
//! any text answers 400 `invalid_request` on both databases (PostgreSQL answered 500), and a
//! 405 names the methods the path has in `Allow`.

use serde_json::json;

use crate::helpers::{TestApp, code};

crate::app_on_both_databases!(
    a_nul_character_anywhere_is_refused_with_400_and_nothing_changes,
    a_wrong_method_answers_405_with_allow,
    a_json_body_that_is_not_an_object_is_refused,
);

async fn a_nul_character_anywhere_is_refused_with_400_and_nothing_changes(app: &TestApp) {
    // Unauthenticated, in a JSON body.
    let (status, body) = app
        .anonymous
        .post(
            "/api/sign-in",
            json!({ "email": "a\u{0}@x.nl", "password": "wat dan ook" }),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_request"), "{body}");
    assert!(body["message"].as_str().unwrap().contains("NUL"), "{body}");

    // In the filters of the lists, signed in.
    let operator = app.operator().await;
    let (_, _, admin) = app.office_with_admin(&operator, 1).await;
    for (who, path) in [
        (&admin, "/api/office/accounts?q=a%00b"),
        (&admin, "/api/office/audit?action=a%00"),
        (&operator, "/api/operator/accounts?q=%00"),
        (&operator, "/api/operator/offices?q=x%00"),
        (&operator, "/api/operator/audit?action=%00"),
    ] {
        let (status, body) = who.get(path).await;
        assert_eq!(
            (status, code(&body)),
            (400, "invalid_request"),
            "{path}: {body}"
        );
    }
    // Text that only looks like it: a backslash and "u0000", an encoded percent sign.
    let (status, body) = admin.get("/api/office/accounts?q=%2500").await;
    assert_eq!(status, 200, "{body}");

    // A name with a NUL changes nothing.
    let (status, body) = admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Nul\u{0}Persoon", "email": "nul@kantoor1.example", "rights": [] }),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_request"), "{body}");
    let (_, list) = admin.get("/api/office/invitations").await;
    assert!(!list.to_string().contains("nul@kantoor1"), "{list}");

    // The token endpoint answers in OAuth's own shape.
    let answer = reqwest::Client::new()
        .post(format!("{}/oauth2/token", app.address))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&client_id=pc_%00")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request", "{body}");
}

async fn a_wrong_method_answers_405_with_allow(app: &TestApp) {
    let http = reqwest::Client::new();
    for (method, path, allow) in [
        (reqwest::Method::DELETE, "/api/health", "GET"),
        (reqwest::Method::GET, "/oauth2/token", "POST"),
        (reqwest::Method::PUT, "/api/rights/check", "GET, POST"),
    ] {
        let answer = http
            .request(method.clone(), format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 405, "{method} {path}");
        assert_eq!(
            answer.headers().get("allow").and_then(|v| v.to_str().ok()),
            Some(allow),
            "{method} {path}"
        );
        let body: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(code(&body), "method_not_allowed");
    }
}

async fn a_json_body_that_is_not_an_object_is_refused(app: &TestApp) {
    let operator = app.operator().await;
    let (office, _) = app
        .office(
            &operator,
            "Kantoor Lijst",
            "55667788",
            ["LIJST-1", "LIJST-2"],
        )
        .await;
    for body in [json!([null, null]), json!("x"), json!(1), json!(null)] {
        let (status, answer) = operator
            .patch(&format!("/api/operator/offices/{office}"), body.clone())
            .await;
        assert_eq!(
            (status, code(&answer)),
            (400, "invalid_request"),
            "{body}: {answer}"
        );
    }
    let (status, answer) = operator
        .patch(&format!("/api/operator/offices/{office}"), json!({}))
        .await;
    assert_eq!(
        status, 200,
        "an empty change is a change of nothing: {answer}"
    );
}
