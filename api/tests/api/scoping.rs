//! Authorization: an office's administrator sees and changes only their own office; advisers
//! are not administrators; only the relations team reaches the operator endpoints; strangers
//! get 401; cross-site state changes are refused.

use serde_json::json;

use crate::helpers::{TestApp, code};

crate::app_on_both_databases!(
    an_administrator_of_office_a_cannot_reach_anything_of_office_b,
    an_adviser_without_the_administrator_role_gets_403_on_every_office_endpoint,
    only_the_relations_team_reaches_operator_endpoints_and_strangers_get_401,
    a_state_change_from_another_site_is_refused,
);

async fn an_administrator_of_office_a_cannot_reach_anything_of_office_b(app: &TestApp) {
    let operator = app.operator().await;
    let (_, portfolios_a, admin_a) = app.office_with_admin(&operator, 1).await;
    let (office_b, portfolios_b, admin_b) = app.office_with_admin(&operator, 2).await;
    let (_, invitation_b) = admin_b
        .post(
            "/api/office/invitations",
            json!({ "name": "Bea", "email": "bea@k2.example" }),
        )
        .await;
    let account_b = invitation_b["account_id"].as_str().unwrap();
    let invitation_b = invitation_b["id"].as_str().unwrap();

    let not_found = |(status, body): (u16, serde_json::Value)| {
        assert!(
            status == 404 || status == 403,
            "expected 403/404, got {status} {body}"
        );
    };
    not_found(
        admin_a
            .get(&format!("/api/office/accounts/{account_b}"))
            .await,
    );
    not_found(
        admin_a
            .put(
                &format!("/api/office/accounts/{account_b}/rights"),
                json!({ "portfolios": [] }),
            )
            .await,
    );
    not_found(
        admin_a
            .post(
                &format!("/api/office/accounts/{account_b}/deactivate"),
                json!({}),
            )
            .await,
    );
    not_found(
        admin_a
            .post(
                &format!("/api/office/accounts/{account_b}/reactivate"),
                json!({}),
            )
            .await,
    );
    not_found(
        admin_a
            .post(
                &format!("/api/office/accounts/{account_b}/administrator"),
                json!({}),
            )
            .await,
    );
    not_found(
        admin_a
            .delete(&format!("/api/office/accounts/{account_b}/administrator"))
            .await,
    );
    not_found(
        admin_a
            .post(
                &format!("/api/office/invitations/{invitation_b}/resend"),
                json!({}),
            )
            .await,
    );
    not_found(
        admin_a
            .post(
                &format!("/api/office/invitations/{invitation_b}/withdraw"),
                json!({}),
            )
            .await,
    );
    // Office B's portfolios cannot be granted by A.
    let (status, body) = admin_a
        .post("/api/office/invitations", json!({ "name": "X", "email": "x@k1.example", "rights": [{ "portfolio_id": portfolios_b[0], "rights": ["view_policies"] }] }))
        .await;
    assert_eq!((status, code(&body)), (400, "unknown_portfolio"));

    // Lists hold office A only.
    let (_, accounts) = admin_a.get("/api/office/accounts").await;
    assert!(
        accounts["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["office_name"] == "Kantoor 1")
    );
    let (_, invitations) = admin_a.get("/api/office/invitations").await;
    assert!(
        invitations["invitations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["email"] != "bea@k2.example")
    );
    let (_, portfolios) = admin_a.get("/api/office/portfolios").await;
    let ids: Vec<&str> = portfolios["portfolios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&portfolios_a[0].as_str()) && !ids.contains(&portfolios_b[0].as_str()));
    let (_, audit) = admin_a.get("/api/office/audit?limit=500").await;
    let events = audit["events"].as_array().unwrap();
    assert!(!events.is_empty());
    assert!(
        events.iter().all(|e| e["office_id"] != office_b.as_str()),
        "no event of office B"
    );
    let (_, audit) = admin_a
        .get(&format!("/api/office/audit?account_id={account_b}"))
        .await;
    assert!(audit["events"].as_array().unwrap().is_empty());
    // Nothing changed for B.
    let (_, still) = admin_b
        .get(&format!("/api/office/accounts/{account_b}"))
        .await;
    assert_eq!(still["account"]["status"], "invited");
    assert_eq!(still["invitations"][0]["status"], "open");
}

async fn an_adviser_without_the_administrator_role_gets_403_on_every_office_endpoint(
    app: &TestApp,
) {
    let operator = app.operator().await;
    let (_, _, admin) = app.office_with_admin(&operator, 3).await;
    let (_, invitation) = admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Kees", "email": "kees@k3.example" }),
        )
        .await;
    let id = invitation["account_id"].as_str().unwrap();
    let inv = invitation["id"].as_str().unwrap();
    let adviser = app
        .accept(
            &app.link_for("kees@k3.example").await,
            "zilveren maan boven",
            "0612121212",
        )
        .await;

    for (method, path, body) in office_endpoints(id, inv) {
        let (status, answer) = adviser.send(method.clone(), &path, body).await;
        assert_eq!(
            (status, code(&answer)),
            (403, "forbidden"),
            "{method} {path}"
        );
    }
}

async fn only_the_relations_team_reaches_operator_endpoints_and_strangers_get_401(app: &TestApp) {
    let operator = app.operator().await;
    let (office, portfolios, admin) = app.office_with_admin(&operator, 4).await;
    let id = uuid::Uuid::nil().to_string();
    let invite = json!({ "name": "x", "email": "q@q.example" });
    let operator_paths = [
        (
            reqwest::Method::GET,
            "/api/operator/offices".to_string(),
            None,
        ),
        (
            reqwest::Method::POST,
            "/api/operator/offices".to_string(),
            Some(json!({ "name": "x", "kvk_number": "12345670" })),
        ),
        (
            reqwest::Method::GET,
            format!("/api/operator/offices/{office}"),
            None,
        ),
        (
            reqwest::Method::PATCH,
            format!("/api/operator/offices/{office}"),
            Some(json!({})),
        ),
        (
            reqwest::Method::GET,
            format!("/api/operator/offices/{office}/portfolios"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/api/operator/offices/{office}/portfolios"),
            Some(json!({ "agency_number": "X1", "name": "x" })),
        ),
        (
            reqwest::Method::PATCH,
            format!("/api/operator/portfolios/{}", portfolios[0]),
            Some(json!({})),
        ),
        (
            reqwest::Method::GET,
            format!("/api/operator/offices/{office}/invitations"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/api/operator/offices/{office}/invitations"),
            Some(invite.clone()),
        ),
        (
            reqwest::Method::POST,
            "/api/operator/operators/invitations".to_string(),
            Some(invite.clone()),
        ),
        (
            reqwest::Method::GET,
            "/api/operator/accounts".to_string(),
            None,
        ),
        (
            reqwest::Method::GET,
            format!("/api/operator/accounts/{id}"),
            None,
        ),
        (
            reqwest::Method::DELETE,
            format!("/api/operator/accounts/{id}"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/api/operator/accounts/{id}/reset-sign-in"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/api/operator/invitations/{id}/resend"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/api/operator/invitations/{id}/withdraw"),
            None,
        ),
        (
            reqwest::Method::GET,
            "/api/operator/audit".to_string(),
            None,
        ),
    ];
    for (method, path, body) in &operator_paths {
        let (status, answer) = admin.send(method.clone(), path, body.clone()).await;
        assert_eq!(
            (status, code(&answer)),
            (403, "forbidden"),
            "{method} {path}"
        );
        let (status, answer) = app.anonymous.send(method.clone(), path, body.clone()).await;
        assert_eq!(
            (status, code(&answer)),
            (401, "unauthenticated"),
            "{method} {path}"
        );
    }
    for (method, path, body) in office_endpoints(&id, &id) {
        let (status, answer) = app.anonymous.send(method.clone(), &path, body).await;
        assert_eq!(
            (status, code(&answer)),
            (401, "unauthenticated"),
            "{method} {path}"
        );
    }
    for path in ["/api/me", "/api/rights"] {
        assert_eq!(app.anonymous.get(path).await.0, 401);
    }
}

async fn a_state_change_from_another_site_is_refused(app: &TestApp) {
    let operator = app.operator().await;
    // Same cookies, but the request comes from another origin.
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("Origin", "https://evil.example".parse().unwrap());
    let cookies = operator.client.clone();
    let (status, body) = {
        let response = cookies
            .post(format!("{}/api/operator/offices", app.address))
            .headers(headers)
            .json(&json!({ "name": "Evil", "kvk_number": "66666666" }))
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.json::<serde_json::Value>().await.unwrap(),
        )
    };
    assert_eq!((status, code(&body)), (403, "origin_mismatch"));
    let (_, offices) = operator.get("/api/operator/offices?q=Evil").await;
    assert!(
        offices["offices"].as_array().unwrap().is_empty(),
        "nothing was created"
    );
}

pub(crate) fn office_endpoints(
    account: &str,
    invitation: &str,
) -> Vec<(reqwest::Method, String, Option<serde_json::Value>)> {
    vec![
        (
            reqwest::Method::GET,
            "/api/office/accounts".to_string(),
            None,
        ),
        (
            reqwest::Method::GET,
            format!("/api/office/accounts/{account}"),
            None,
        ),
        (
            reqwest::Method::PUT,
            format!("/api/office/accounts/{account}/rights"),
            Some(json!({ "portfolios": [] })),
        ),
        (
            reqwest::Method::POST,
            format!("/api/office/accounts/{account}/deactivate"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/api/office/accounts/{account}/reactivate"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/api/office/accounts/{account}/administrator"),
            None,
        ),
        (
            reqwest::Method::DELETE,
            format!("/api/office/accounts/{account}/administrator"),
            None,
        ),
        (
            reqwest::Method::GET,
            "/api/office/invitations".to_string(),
            None,
        ),
        (
            reqwest::Method::POST,
            "/api/office/invitations".to_string(),
            Some(json!({ "name": "x", "email": "y@z.example" })),
        ),
        (
            reqwest::Method::POST,
            format!("/api/office/invitations/{invitation}/resend"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/api/office/invitations/{invitation}/withdraw"),
            None,
        ),
        (
            reqwest::Method::GET,
            "/api/office/portfolios".to_string(),
            None,
        ),
        (reqwest::Method::GET, "/api/office/audit".to_string(), None),
    ]
}
