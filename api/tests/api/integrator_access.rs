//! What an API client's token reaches (issue 12): every bearer-accessible operation of the
//! OpenAPI document needs the scope the document names, and an office's client stays in its
//! office (and its portfolios, if limited); introspection and rights checks count a revoked
//! right, an ended session or a revoked client from the next request.

use serde_json::{Value, json};

use crate::helpers::{TestApp, User, code};
use crate::integrators::{ALL_OFFICE_SCOPES, TestKey, bearer, client_with_key, ed25519, token_for};

crate::app_on_both_databases!(
    every_bearer_operation_needs_the_scope_the_document_names,
    a_client_of_office_a_reaches_nothing_of_office_b,
    a_client_limited_to_one_portfolio_sees_and_changes_only_that_one,
    introspection_and_rights_checks_count_a_revocation_at_once,
);

/// A body of the right shape for a request schema (actix reads a malformed body before the
/// credentials, so the scope check is only seen with a readable one).
fn body_for(schema: &str) -> Value {
    let nil = uuid::Uuid::nil();
    match schema.rsplit('/').next().unwrap_or("") {
        "SetRightsRequest" => json!({ "portfolios": [] }),
        "InviteRequest" => json!({ "name": "Iemand", "email": "iemand@elders.example" }),
        "CreateOfficeRequest" => json!({ "name": "Kantoor", "kvk_number": "99999999" }),
        "CreatePortfolioRequest" => json!({ "agency_number": "ZZ-1", "name": "P" }),
        "UpdateOfficeRequest" | "UpdatePortfolioRequest" => json!({}),
        "RightsBatchRequest" => {
            json!({ "account": nil, "checks": [{ "portfolio": "X", "right": "y" }] })
        }
        "GrantAccessRequest" => json!({ "rights": [] }),
        "DeclineRequest" => json!({ "reason": "Nee" }),
        "MoveAccountRequest" => json!({ "office_id": nil }),
        "CreateMoveRequest" => json!({ "email": "iemand@elders.example" }),
        "ConfirmReviewRequest" => json!({ "portfolio_id": nil }),
        other => panic!("no test body for {other}: add one"),
    }
}

/// Every (method, path, scope, body) the document lets a bearer token call.
fn bearer_operations() -> Vec<(reqwest::Method, String, String, Option<Value>)> {
    let doc = serde_json::to_value(poort_api::openapi::document()).unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(list) = op["security"].as_array() else {
                continue;
            };
            for requirement in list {
                if let Some(scopes) = requirement["oauth2"].as_array() {
                    assert_eq!(scopes.len(), 1, "{method} {path}: one scope per operation");
                    let body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                        .as_str()
                        .map(body_for);
                    // Required query parameters get a readable value, for the same reason.
                    let query: Vec<String> = op["parameters"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|p| p["in"] == "query" && p["required"] == true)
                        .map(|p| match p["name"].as_str().unwrap() {
                            "account" => format!("account={}", uuid::Uuid::nil()),
                            "state" => "state=open".to_string(),
                            name => format!("{name}=x"),
                        })
                        .collect();
                    let path = if query.is_empty() {
                        path.clone()
                    } else {
                        format!("{path}?{}", query.join("&"))
                    };
                    out.push((
                        method.to_uppercase().parse().unwrap(),
                        path,
                        scopes[0].as_str().unwrap().to_string(),
                        body,
                    ));
                }
            }
        }
    }
    assert!(out.len() >= 30, "{} bearer operations", out.len());
    out
}

fn concrete(path: &str) -> String {
    path.replace("{id}", &uuid::Uuid::nil().to_string())
        .replace("{key_id}", &uuid::Uuid::nil().to_string())
}

/// A client of `area` with these scopes and a token for them.
async fn client_token(app: &TestApp, by: &User, area: &str, scopes: &[&str], seed: u8) -> String {
    let key: TestKey = ed25519(seed, "k");
    let (_, client_id) = client_with_key(by, area, scopes, &key).await;
    token_for(app, &key, &client_id).await
}

async fn every_bearer_operation_needs_the_scope_the_document_names(app: &TestApp) {
    let operator = app.operator().await;
    let (_, _, admin) = app.office_with_admin(&operator, 1).await;
    let insurer_scopes: Vec<&str> = ALL_OFFICE_SCOPES
        .iter()
        .copied()
        .chain(["offices:manage"])
        .collect();
    let office_everything = client_token(app, &admin, "office", &ALL_OFFICE_SCOPES, 30).await;
    let mut seed = 31;
    for (method, path, scope, body) in bearer_operations() {
        let office_area = path.starts_with("/api/office/");
        let operator_area = path.starts_with("/api/operator/");
        let (area, who, all): (&str, &User, &[&str]) = if operator_area {
            ("operator", &operator, &insurer_scopes)
        } else {
            ("office", &admin, &ALL_OFFICE_SCOPES)
        };
        let without: Vec<&str> = all.iter().copied().filter(|s| *s != scope).collect();
        let lacking = client_token(app, who, area, &without, seed).await;
        let only = client_token(app, who, area, &[scope.as_str()], seed + 1).await;
        seed += 2;
        let url = concrete(&path);
        let refused = bearer(&app.address, &lacking, method.clone(), &url, body.clone()).await;
        assert_eq!(
            (refused.status, code(&refused.body)),
            (403, "insufficient_scope"),
            "{method} {path} without {scope}: {}",
            refused.body
        );
        let www = refused
            .headers
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(
            www.contains(&format!("scope=\"{scope}\"")),
            "{method} {path}: {www}"
        );
        let allowed = bearer(&app.address, &only, method.clone(), &url, body.clone()).await;
        assert!(
            !matches!(allowed.status, 401 | 403),
            "{method} {path} with only {scope}: {} {}",
            allowed.status,
            allowed.body
        );
        if operator_area {
            // An office's client never reaches the relations team's endpoints.
            let office = bearer(&app.address, &office_everything, method.clone(), &url, body).await;
            assert_eq!(
                (office.status, code(&office.body)),
                (403, "forbidden"),
                "{method} {path} by an office's client"
            );
        }
        let _ = office_area;
    }
    // People's sessions still work on the same endpoints.
    let (status, _) = admin.get("/api/office/accounts").await;
    assert_eq!(status, 200);
}

async fn a_client_of_office_a_reaches_nothing_of_office_b(app: &TestApp) {
    let operator = app.operator().await;
    let (_, _, admin_a) = app.office_with_admin(&operator, 2).await;
    let (office_b, portfolios_b, admin_b) = app.office_with_admin(&operator, 3).await;
    let (_, invitation_b) = admin_b
        .post(
            "/api/office/invitations",
            json!({ "name": "Bea", "email": "bea@k3.example" }),
        )
        .await;
    let account_b = invitation_b["account_id"].as_str().unwrap();
    let invitation_id = invitation_b["id"].as_str().unwrap();
    let token = client_token(app, &admin_a, "office", &ALL_OFFICE_SCOPES, 60).await;

    for (method, path, body) in crate::scoping::office_endpoints(account_b, invitation_id) {
        let got = bearer(&app.address, &token, method.clone(), &path, body).await;
        if path.contains(account_b) || path.contains(invitation_id) {
            assert_eq!(got.status, 404, "{method} {path}: {}", got.body);
        } else {
            assert!(got.status < 500, "{method} {path}: {}", got.body);
        }
    }
    let grant = bearer(
        &app.address,
        &token,
        reqwest::Method::POST,
        "/api/office/invitations",
        Some(json!({ "name": "X", "email": "x@k2.example", "rights": [{ "portfolio_id": portfolios_b[0], "rights": ["view_policies"] }] })),
    )
    .await;
    assert_eq!(
        (grant.status, code(&grant.body)),
        (400, "unknown_portfolio")
    );
    let listed = bearer(
        &app.address,
        &token,
        reqwest::Method::GET,
        "/api/office/accounts",
        None,
    )
    .await;
    assert!(
        listed.body["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != account_b)
    );
    let trail = bearer(
        &app.address,
        &token,
        reqwest::Method::GET,
        "/api/office/audit?limit=500",
        None,
    )
    .await;
    assert!(
        trail.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["office_id"] != office_b.as_str())
    );
    let check = bearer(
        &app.address,
        &token,
        reqwest::Method::GET,
        &format!(
            "/api/rights/check?account={account_b}&portfolio={}&right=view_policies",
            portfolios_b[0]
        ),
        None,
    )
    .await;
    assert_eq!(check.status, 404, "{}", check.body);
    // Nothing of B changed.
    let (_, still) = admin_b
        .get(&format!("/api/office/accounts/{account_b}"))
        .await;
    assert_eq!(still["account"]["status"], "invited");
    assert_eq!(still["invitations"][0]["status"], "open");
}

async fn a_client_limited_to_one_portfolio_sees_and_changes_only_that_one(app: &TestApp) {
    let operator = app.operator().await;
    let (_, portfolios, admin) = app.office_with_admin(&operator, 4).await;
    let (_, invited) = admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Piet", "email": "piet@k4.example", "rights": [
                { "portfolio_id": portfolios[0], "rights": ["view_policies"] },
                { "portfolio_id": portfolios[1], "rights": ["report_claims"] }
            ] }),
        )
        .await;
    let account = invited["account_id"].as_str().unwrap().to_string();
    let key = ed25519(70, "k");
    let (status, client) = admin
        .post(
            "/api/office/api-clients",
            json!({ "name": "Portefeuille-koppeling", "scopes": ["accounts:read", "accounts:manage", "rights:manage"], "portfolio_ids": [portfolios[1]] }),
        )
        .await;
    assert_eq!(status, 201, "{client}");
    let id = client["id"].as_str().unwrap();
    admin
        .post(
            &format!("/api/office/api-clients/{id}/keys"),
            json!({ "key": key.public, "kid": "k" }),
        )
        .await;
    let token = token_for(app, &key, client["client_id"].as_str().unwrap()).await;

    let seen = bearer(
        &app.address,
        &token,
        reqwest::Method::GET,
        &format!("/api/office/accounts/{account}"),
        None,
    )
    .await;
    assert_eq!(
        seen.body["account"]["rights"],
        json!([{ "portfolio_id": portfolios[1], "agency_number": "AG-402", "portfolio_name": "Portefeuille 1", "rights": ["report_claims"] }])
    );
    let mine = bearer(
        &app.address,
        &token,
        reqwest::Method::GET,
        "/api/office/portfolios",
        None,
    )
    .await;
    assert_eq!(mine.body["portfolios"].as_array().unwrap().len(), 1);
    let changed = bearer(
        &app.address,
        &token,
        reqwest::Method::PUT,
        &format!("/api/office/accounts/{account}/rights"),
        Some(json!({ "portfolios": [{ "portfolio_id": portfolios[1], "rights": ["view_policies"] }] })),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let outside = bearer(
        &app.address,
        &token,
        reqwest::Method::PUT,
        &format!("/api/office/accounts/{account}/rights"),
        Some(json!({ "portfolios": [{ "portfolio_id": portfolios[0], "rights": ["change_policies"] }] })),
    )
    .await;
    assert_eq!(
        (outside.status, code(&outside.body)),
        (400, "unknown_portfolio")
    );
    // The administrator sees the rights on the other portfolio untouched.
    let (_, full) = admin.get(&format!("/api/office/accounts/{account}")).await;
    assert_eq!(
        full["account"]["rights"],
        json!([
            { "portfolio_id": portfolios[0], "agency_number": "AG-401", "portfolio_name": "Portefeuille 0", "rights": ["view_policies"] },
            { "portfolio_id": portfolios[1], "agency_number": "AG-402", "portfolio_name": "Portefeuille 1", "rights": ["view_policies"] }
        ])
    );
    let invite_outside = bearer(
        &app.address,
        &token,
        reqwest::Method::POST,
        "/api/office/invitations",
        Some(json!({ "name": "Q", "email": "q@k4.example", "rights": [{ "portfolio_id": portfolios[0], "rights": ["view_policies"] }] })),
    )
    .await;
    assert_eq!(
        (invite_outside.status, code(&invite_outside.body)),
        (400, "unknown_portfolio")
    );
}

async fn introspect(app: &TestApp, token: &str, subject: &str) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/oauth2/introspect", app.address))
        .bearer_auth(token)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("token", subject)]).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

async fn introspection_and_rights_checks_count_a_revocation_at_once(app: &TestApp) {
    let operator = app.operator().await;
    let (_, portfolios, admin) = app.office_with_admin(&operator, 5).await;
    let (_, other_portfolios, other_admin) = app.office_with_admin(&operator, 6).await;
    let email = "adviseur@k5.example";
    admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Adviseur Vijf", "email": email, "rights": [{ "portfolio_id": portfolios[0], "rights": ["view_policies", "report_claims"] }] }),
        )
        .await;
    let adviser = app
        .accept(
            &app.link_for(email).await,
            "heldere sterren boven het veld",
            "0698765432",
        )
        .await;
    let (_, me) = adviser.get("/api/me").await;
    let account = me["id"].as_str().unwrap().to_string();
    let (status, user_token) = adviser.post("/api/me/token", json!({})).await;
    assert_eq!(status, 200, "{user_token}");
    let user_token = user_token["token"].as_str().unwrap().to_string();

    let checker = client_token(app, &admin, "office", &["rights:check"], 80).await;
    let active = introspect(app, &checker, &user_token).await;
    assert_eq!(active["active"], true, "{active}");
    assert_eq!(active["token_type"], "user_token");
    assert_eq!(active["sub"], account.as_str());
    assert_eq!(active["rights"], json!(["view_policies", "report_claims"]));
    assert_eq!(active["portfolio"]["id"], portfolios[0].as_str());
    let access = introspect(app, &checker, &checker).await;
    assert_eq!(
        (access["active"].as_bool(), access["token_type"].as_str()),
        (Some(true), Some("access_token"))
    );
    assert_eq!(
        introspect(app, &checker, "nonsense").await,
        json!({ "active": false })
    );
    // Another office's client learns nothing of this office's tokens.
    let stranger = client_token(app, &other_admin, "office", &["rights:check"], 81).await;
    assert_eq!(
        introspect(app, &stranger, &user_token).await,
        json!({ "active": false })
    );
    assert_eq!(
        introspect(app, &stranger, &checker).await,
        json!({ "active": false })
    );

    let check = |portfolio: String, right: &str| {
        let path =
            format!("/api/rights/check?account={account}&portfolio={portfolio}&right={right}");
        let checker = checker.clone();
        let base = app.address.clone();
        async move {
            bearer(&base, &checker, reqwest::Method::GET, &path, None)
                .await
                .body
        }
    };
    let granted = check(portfolios[0].clone(), "report_claims").await;
    assert_eq!(
        (granted["allowed"].as_bool(), granted["reason"].as_str()),
        (Some(true), Some("granted"))
    );
    let by_agency = check("AG-501".into(), "view_policies").await;
    assert_eq!(by_agency["allowed"], true, "{by_agency}");
    let batch = bearer(
        &app.address,
        &checker,
        reqwest::Method::POST,
        "/api/rights/check",
        Some(json!({ "account": account, "checks": [
            { "portfolio": portfolios[0], "right": "change_policies" },
            { "portfolio": portfolios[0], "right": "fly" },
            { "portfolio": "AG-999", "right": "view_policies" },
            { "portfolio": other_portfolios[0], "right": "view_policies" },
            { "portfolio": portfolios[1], "right": "view_policies" }
        ] })),
    )
    .await;
    let reasons: Vec<&str> = batch.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "not_granted",
            "unknown_right",
            "unknown_portfolio",
            "portfolio_of_another_office",
            "not_granted"
        ]
    );

    // The administrator revokes a right: both answers count it at once.
    let (status, _) = admin
        .put(
            &format!("/api/office/accounts/{account}/rights"),
            json!({ "portfolios": [{ "portfolio_id": portfolios[0], "rights": ["view_policies"] }] }),
        )
        .await;
    assert_eq!(status, 200);
    let revoked = check(portfolios[0].clone(), "report_claims").await;
    assert_eq!(
        (revoked["allowed"].as_bool(), revoked["reason"].as_str()),
        (Some(false), Some("not_granted"))
    );
    assert_eq!(
        introspect(app, &checker, &user_token).await["rights"],
        json!(["view_policies"])
    );
    // Deactivated: nothing is allowed; signed out: the token is no longer active.
    admin
        .post(
            &format!("/api/office/accounts/{account}/deactivate"),
            json!({}),
        )
        .await;
    let inactive = check(portfolios[0].clone(), "view_policies").await;
    assert_eq!(inactive["reason"], "account_not_active");
    assert_eq!(
        introspect(app, &checker, &user_token).await,
        json!({ "active": false })
    );
    admin
        .post(
            &format!("/api/office/accounts/{account}/reactivate"),
            json!({}),
        )
        .await;
    assert_eq!(
        introspect(app, &checker, &user_token).await,
        json!({ "active": false }),
        "its session ended with the deactivation"
    );
}
