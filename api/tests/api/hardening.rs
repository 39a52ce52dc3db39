//! What an outsider's probe found and what now holds (issue 11): wrong codes are counted per
//! account, answers do not tell who exists, forwarded addresses are not believed, sessions
//! get new tokens and end when a factor changes, blocked stays blocked, and an account record
//! never moves to another office.

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, code, spawn_app_with};

crate::app_on_both_databases!(
    ten_wrong_codes_across_sign_ins_block_the_account_and_a_right_code_ends_the_run,
    wrong_codes_in_forgot_password_count_too_and_then_only_the_relations_team_helps,
    reauthentication_gives_the_session_a_new_token_and_factor_changes_end_other_sessions,
    a_blocked_account_stays_blocked_through_deactivation_and_reactivation,
    a_withdrawn_account_never_moves_to_another_office,
    answers_to_wrong_passwords_and_unknown_addresses_are_the_same_in_content_and_time,
    authenticator_secrets_are_bound_to_their_account_and_older_ones_are_upgraded,
);

/// An office with an administrator and an adviser who has set up: (adviser's e-mail, the
/// adviser signed in, the administrator, the operator).
async fn adviser(app: &TestApp, n: u8) -> (String, User, User, User) {
    let operator = app.operator().await;
    let (_, portfolios, admin) = app.office_with_admin(&operator, n).await;
    let email = format!("adviseur{n}@kantoor{n}.example");
    let (status, body) = admin
        .post(
            "/api/office/invitations",
            json!({ "name": format!("Adviseur {n}"), "email": email, "rights": [
                { "portfolio_id": portfolios[0], "rights": ["view_policies"] }
            ] }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let link = app.link_for(&email).await;
    let user = app
        .accept(&link, PASSWORD, &format!("06987654{n:02}"))
        .await;
    (email, user, admin, operator)
}

const PASSWORD: &str = "lange zomeravonden aan zee";

/// The first sign-in step; returns its token.
async fn password_step(_app: &TestApp, browser: &User, email: &str) -> String {
    let (status, body) = browser
        .post(
            "/api/sign-in",
            json!({ "email": email, "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["sign_in_token"].as_str().unwrap().to_string()
}

/// A code that is not the authenticator's now (nor in the adjacent steps).
fn wrong_code(app: &TestApp, secret: &str) -> String {
    let right = app.totp(secret);
    (0..)
        .map(|i| format!("{:06}", (123_456 + i * 7_919) % 1_000_000))
        .find(|c| *c != right)
        .unwrap()
}

async fn try_code(app: &TestApp, browser: &User, token: &str, code_text: &str) -> (u16, String) {
    let (status, body) = browser
        .post(
            "/api/sign-in/authenticator",
            json!({ "sign_in_token": token, "code": code_text }),
        )
        .await;
    let _ = app;
    (status, code(&body).to_string())
}

async fn ten_wrong_codes_across_sign_ins_block_the_account_and_a_right_code_ends_the_run(
    app: &TestApp,
) {
    let (email, adviser, _, operator) = adviser(app, 1).await;
    let secret = adviser.totp_secret.clone().unwrap();
    let browser = User::new(&app.address);

    // Nine wrong codes over two sign-ins, then the right one: the run ends.
    let mut answers = Vec::new();
    for tries in [5, 4] {
        let token = password_step(app, &browser, &email).await;
        for _ in 0..tries {
            answers.push(try_code(app, &browser, &token, &wrong_code(app, &secret)).await);
        }
    }
    assert_eq!(
        answers[4],
        (401, "sign_in_attempt_void".into()),
        "{answers:?}"
    );
    app.advance(Duration::seconds(30));
    let token = password_step(app, &browser, &email).await;
    let (status, body) = browser
        .post(
            "/api/sign-in/authenticator",
            json!({ "sign_in_token": token, "code": app.totp(&secret) }),
        )
        .await;
    assert_eq!(
        (status, body["step"].as_str()),
        (200, Some("done")),
        "{body}"
    );

    // Now ten wrong codes in a row, over fresh sign-ins: the tenth blocks, like passwords do.
    let mut answers = Vec::new();
    for tries in [5, 5] {
        let token = password_step(app, &browser, &email).await;
        for _ in 0..tries {
            answers.push(try_code(app, &browser, &token, &wrong_code(app, &secret)).await);
        }
    }
    assert!(
        answers[..9].iter().all(|a| a.1 != "account_blocked"),
        "{answers:?}"
    );
    assert_eq!(answers[9], (403, "account_blocked".into()), "{answers:?}");
    assert_eq!(adviser.get("/api/me").await.0, 401, "its sessions ended");
    let (status, body) = User::new(&app.address)
        .post(
            "/api/sign-in",
            json!({ "email": email, "password": PASSWORD }),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (403, "account_blocked"),
        "even with the right password"
    );
    let mail = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m["recipient"] == email.as_str())
        .unwrap();
    assert!(
        mail["body"].as_str().unwrap().contains("verkeerde code"),
        "{mail}"
    );
    let events = audit_actions(&operator, &email).await;
    assert!(
        events.contains(&"account.blocked".to_string()),
        "{events:?}"
    );
}

/// The actions of the audit events about the account with this address, newest first (the
/// relations team's view).
async fn audit_actions(operator: &User, email: &str) -> Vec<String> {
    let (_, found) = operator
        .get(&format!("/api/operator/accounts?q={email}"))
        .await;
    let id = found["accounts"][0]["id"].as_str().unwrap().to_string();
    let (_, page) = operator
        .get(&format!("/api/operator/audit?account_id={id}&limit=200"))
        .await;
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

/// The newest *forgot password* link token sent to `email`.
async fn reset_token(app: &TestApp, email: &str) -> String {
    app.outbox()
        .await
        .into_iter()
        .filter(|m| m["recipient"] == email)
        .find_map(|m| {
            m["body"]
                .as_str()
                .unwrap()
                .split_whitespace()
                .find(|w| w.contains("/wachtwoord-herstellen/"))
                .map(|w| w.rsplit('/').next().unwrap().to_string())
        })
        .unwrap_or_else(|| panic!("no reset link to {email}"))
}

async fn wrong_codes_in_forgot_password_count_too_and_then_only_the_relations_team_helps(
    app: &TestApp,
) {
    let (email, adviser, _, operator) = adviser(app, 2).await;
    let secret = adviser.totp_secret.clone().unwrap();
    let stranger = User::new(&app.address);
    // Blocked by ten wrong sign-in codes.
    for _ in 0..2 {
        let token = password_step(app, &stranger, &email).await;
        for _ in 0..5 {
            try_code(app, &stranger, &token, &wrong_code(app, &secret)).await;
        }
    }
    // Forgot password still needs a code, and its wrong codes count on the account too: one
    // link's five, then a second link's, and at twenty in all forgot password closes.
    let mut answers = Vec::new();
    for _ in 0..2 {
        let (status, _) = stranger
            .post("/api/password-reset", json!({ "email": email }))
            .await;
        assert_eq!(status, 202);
        let token = reset_token(app, &email).await;
        for _ in 0..5 {
            let (status, body) = stranger
                .post(
                    &format!("/api/password-reset/{token}/verify"),
                    json!({ "method": "authenticator", "code": wrong_code(app, &secret) }),
                )
                .await;
            answers.push((status, code(&body).to_string()));
        }
    }
    assert_eq!(answers[4].1, "code_attempts_exceeded", "{answers:?}");
    assert_eq!(answers[9], (403, "recovery_closed".into()), "{answers:?}");
    let before = app.outbox().await.len();
    stranger
        .post("/api/password-reset", json!({ "email": email }))
        .await;
    let new_links = app.outbox().await.len() - before;
    assert_eq!(new_links, 0, "no link goes out any more");
    assert!(
        audit_actions(&operator, &email)
            .await
            .contains(&"account.recovery_closed".to_string())
    );

    // The relations team resets the sign-in set-up: the account is set up again, and signs in.
    let (_, found) = operator
        .get(&format!("/api/operator/accounts?q={email}"))
        .await;
    let id = found["accounts"][0]["id"].as_str().unwrap().to_string();
    let (status, body) = operator
        .post(
            &format!("/api/operator/accounts/{id}/reset-sign-in"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let again = app
        .accept(
            &app.link_for(&email).await,
            "een nieuw begin aan zee",
            "0698765402",
        )
        .await;
    assert_eq!(again.get("/api/me").await.0, 200);
}

/// Signs in by authenticator with a client that keeps no cookies; returns the session token.
async fn session_token(app: &TestApp, email: &str, secret: &str) -> String {
    let browser = User::new(&app.address);
    let token = password_step(app, &browser, email).await;
    app.advance(Duration::seconds(30));
    let response = reqwest::Client::new()
        .post(format!("{}/api/sign-in/authenticator", app.address))
        .header("Origin", &app.address)
        .json(&json!({ "sign_in_token": token, "code": app.totp(secret) }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    cookie_value(&response).unwrap()
}

fn cookie_value(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .next()?
                .strip_prefix("poort_session=")
                .map(str::to_string)
        })
}

/// A request with this session token as the cookie.
async fn with_session(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", app.address))
        .header("Origin", &app.address)
        .header("Cookie", format!("poort_session={token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn reauthentication_gives_the_session_a_new_token_and_factor_changes_end_other_sessions(
    app: &TestApp,
) {
    let (email, adviser, _, _) = adviser(app, 3).await;
    let secret = adviser.totp_secret.clone().unwrap();
    let me = session_token(app, &email, &secret).await;
    let other = session_token(app, &email, &secret).await;
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;

    let proof = with_session(
        app,
        &me,
        post.clone(),
        "/api/me/reauthenticate",
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(proof.status(), 200);
    let renewed = cookie_value(&proof).expect("a new session cookie");
    assert_ne!(renewed, me);
    assert_eq!(
        with_session(app, &me, get.clone(), "/api/me", None)
            .await
            .status(),
        401,
        "the old token is dead"
    );
    assert_eq!(
        with_session(app, &renewed, get.clone(), "/api/me", None)
            .await
            .status(),
        200
    );
    assert_eq!(
        with_session(app, &other, get.clone(), "/api/me", None)
            .await
            .status(),
        200,
        "others live on"
    );

    // A new mobile number ends the other sessions.
    let sent = with_session(
        app,
        &renewed,
        post.clone(),
        "/api/me/mobile",
        Some(json!({ "mobile": "0612340003" })),
    )
    .await;
    assert_eq!(sent.status(), 202);
    let code_text = app.sms_code("+31612340003").await;
    let changed = with_session(
        app,
        &renewed,
        post.clone(),
        "/api/me/mobile/verify",
        Some(json!({ "code": code_text })),
    )
    .await;
    assert_eq!(changed.status(), 200);
    assert_eq!(
        with_session(app, &other, get.clone(), "/api/me", None)
            .await
            .status(),
        401
    );
    assert_eq!(
        with_session(app, &renewed, get.clone(), "/api/me", None)
            .await
            .status(),
        200
    );

    // So does a new authenticator, and removing the number.
    let other = session_token(app, &email, &secret).await;
    let started = with_session(
        app,
        &renewed,
        post.clone(),
        "/api/me/authenticator",
        Some(json!({})),
    )
    .await;
    assert_eq!(started.status(), 200);
    let new_secret = started.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let confirmed = with_session(
        app,
        &renewed,
        post.clone(),
        "/api/me/authenticator/confirm",
        Some(json!({ "code": app.totp(&new_secret) })),
    )
    .await;
    assert_eq!(confirmed.status(), 200);
    assert_eq!(
        with_session(app, &other, get.clone(), "/api/me", None)
            .await
            .status(),
        401
    );
    let other = session_token(app, &email, &new_secret).await;
    let removed = with_session(
        app,
        &renewed,
        reqwest::Method::DELETE,
        "/api/me/mobile",
        None,
    )
    .await;
    assert_eq!(removed.status(), 200);
    assert_eq!(
        with_session(app, &other, get.clone(), "/api/me", None)
            .await
            .status(),
        401
    );

    // Signing out removes the cookie with the attributes it was set with.
    let out = with_session(app, &renewed, post, "/api/session/logout", None).await;
    assert_eq!(out.status(), 204);
    let removal = out
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    for attribute in [
        "poort_session=;",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
        "Max-Age=0",
    ] {
        assert!(removal.contains(attribute), "{attribute} in {removal}");
    }
}

async fn a_blocked_account_stays_blocked_through_deactivation_and_reactivation(app: &TestApp) {
    let (email, _, admin, _) = adviser(app, 4).await;
    for _ in 0..5 {
        User::new(&app.address)
            .post(
                "/api/sign-in",
                json!({ "email": email, "password": "fout fout fout fout" }),
            )
            .await;
    }
    let (_, list) = admin.get(&format!("/api/office/accounts?q={email}")).await;
    let id = list["accounts"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(list["accounts"][0]["status"], "blocked");

    let (status, _) = admin
        .post(&format!("/api/office/accounts/{id}/deactivate"), json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, body) = admin
        .post(&format!("/api/office/accounts/{id}/reactivate"), json!({}))
        .await;
    assert_eq!(status, 200);

    assert_eq!(
        body["status"], "blocked",
        "deactivating is no way around forgot password"
    );
    let (status, body) = User::new(&app.address)
        .post(
            "/api/sign-in",
            json!({ "email": email, "password": PASSWORD }),
        )
        .await;
    assert_eq!((status, code(&body)), (403, "account_blocked"));
}

async fn a_withdrawn_account_never_moves_to_another_office(app: &TestApp) {
    let operator = app.operator().await;
    let (_, _, admin_a) = app.office_with_admin(&operator, 5).await;
    let (office_b, _, admin_b) = app.office_with_admin(&operator, 6).await;
    let email = "wisselaar@voorbeeld.example";
    let (status, first) = admin_a
        .post(
            "/api/office/invitations",
            json!({ "name": "Wim Wissel", "email": email }),
        )
        .await;
    assert_eq!(status, 201, "{first}");
    let (status, _) = admin_a
        .post(
            &format!(
                "/api/office/invitations/{}/withdraw",
                first["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);

    let (status, body) = admin_b
        .post(
            "/api/office/invitations",
            json!({ "name": "Wim Wissel", "email": email }),
        )
        .await;

    assert_eq!((status, code(&body)), (409, "email_taken"), "{body}");
    assert!(
        !body.to_string().contains("Kantoor 5"),
        "the answer names no office: {body}"
    );
    let (_, a_list) = admin_a
        .get(&format!("/api/office/accounts?q={email}"))
        .await;
    assert_eq!(
        a_list["accounts"].as_array().unwrap().len(),
        1,
        "still office A's"
    );
    let (_, b_list) = admin_b
        .get(&format!("/api/office/accounts?q={email}"))
        .await;
    assert!(b_list["accounts"].as_array().unwrap().is_empty());
    // Its own office may invite it again; the relations team may move it.
    let (status, _) = operator
        .post(
            &format!("/api/operator/offices/{office_b}/invitations"),
            json!({ "name": "Wim Wissel", "email": email }),
        )
        .await;
    assert_eq!(status, 201);
    let (_, b_list) = admin_b
        .get(&format!("/api/office/accounts?q={email}"))
        .await;
    assert_eq!(b_list["accounts"].as_array().unwrap().len(), 1);
}

/// How long each of `n` sign-ins with `email` and a wrong password takes, with the answers.
async fn timed_wrong_passwords(
    app: &TestApp,
    email: &str,
    n: usize,
) -> (Vec<std::time::Duration>, Vec<(u16, String)>) {
    let mut times = Vec::new();
    let mut answers = Vec::new();
    for _ in 0..n {
        let started = std::time::Instant::now();
        let (status, body) = User::new(&app.address)
            .post(
                "/api/sign-in",
                json!({ "email": email, "password": "helemaal niet goed" }),
            )
            .await;
        times.push(started.elapsed());
        answers.push((status, code(&body).to_string()));
    }
    times.sort();
    (times, answers)
}

async fn timed_resets(app: &TestApp, email: &str, n: usize) -> Vec<std::time::Duration> {
    let mut times = Vec::new();
    for _ in 0..n {
        let started = std::time::Instant::now();
        let (status, _) = User::new(&app.address)
            .post("/api/password-reset", json!({ "email": email }))
            .await;
        assert_eq!(status, 202);
        times.push(started.elapsed());
    }
    times.sort();
    times
}

async fn answers_to_wrong_passwords_and_unknown_addresses_are_the_same_in_content_and_time(
    app: &TestApp,
) {
    let (email, _, _, _) = adviser(app, 7).await;
    let floor = std::time::Duration::from_millis(200);

    // Sign-in: seven tries each (the known account blocks at its fifth: still the same answer).
    let (known, known_answers) = timed_wrong_passwords(app, &email, 7).await;
    let (unknown, unknown_answers) = timed_wrong_passwords(app, "niemand@nergens.example", 7).await;
    assert_eq!(known_answers, unknown_answers);
    assert!(
        known_answers
            .iter()
            .all(|a| *a == (400, "invalid_credentials".to_string())),
        "{known_answers:?}"
    );
    let median = |t: &[std::time::Duration]| t[t.len() / 2];
    assert!(
        known[0] >= floor && unknown[0] >= floor,
        "{known:?} {unknown:?}"
    );
    let gap = median(&known).abs_diff(median(&unknown));
    assert!(
        gap < std::time::Duration::from_millis(50),
        "medians {:?} and {:?}",
        median(&known),
        median(&unknown)
    );

    // Forgot password: known (blocked, still allowed to reset) and unknown addresses.
    let known = timed_resets(app, &email, 3).await;
    let unknown = timed_resets(app, "niemand@nergens.example", 3).await;
    assert!(
        known[0] >= floor && unknown[0] >= floor,
        "{known:?} {unknown:?}"
    );
    let gap = median(&known).abs_diff(median(&unknown));
    assert!(
        gap < std::time::Duration::from_millis(50),
        "medians {:?} and {:?}",
        median(&known),
        median(&unknown)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_forwarded_for_does_not_dodge_the_client_limit_and_origins_must_be_the_sites() {
    let app = spawn_app_with(poort_e2e::db::Kind::Sqlite, |s| {
        s.server.trust_forwarded_for = true;
        s.policy.sign_ins_per_minute_per_client = 3;
    })
    .await
    .unwrap();
    // Each request claims another address on the left; the proxy (here: none, so the peer's
    // own entry on the right) is what counts.
    let mut statuses = Vec::new();
    for i in 0..5 {
        let response = reqwest::Client::new()
            .post(format!("{}/api/sign-in", app.address))
            .header("X-Forwarded-For", format!("198.51.100.{i}, 192.0.2.1"))
            .json(&json!({ "email": "x@y.example", "password": "wat dan ook hier" }))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [400, 400, 400, 429, 429]);

    // A state-changing request with a session must come from the public URL's origin:
    // scheme, host and port, whatever Host the client claims.
    let operator = app.operator().await;
    let forged_host = operator
        .client
        .post(format!("{}/api/operator/offices", app.address))
        .header("Host", "evil.example")
        .header("Origin", "http://evil.example")
        .json(&json!({ "name": "Kwaad", "kvk_number": "66666666" }))
        .send()
        .await
        .unwrap();
    assert_eq!(forged_host.status(), 403);
    let https = operator
        .client
        .post(format!("{}/api/operator/offices", app.address))
        .header("Origin", app.address.replace("http://", "https://"))
        .json(&json!({ "name": "Kwaad", "kvk_number": "66666666" }))
        .send()
        .await
        .unwrap();
    assert_eq!(https.status(), 403, "another scheme is another origin");
    let body: Value = https.json().await.unwrap();
    assert_eq!(body["code"], "origin_mismatch");
}

/// The raw authenticator secret of a user set up by the tests.
fn raw_secret(user: &User) -> Vec<u8> {
    totp_rs::Secret::try_from_base32(user.totp_secret.as_deref().unwrap())
        .unwrap()
        .as_bytes()
        .to_vec()
}

async fn authenticator_secrets_are_bound_to_their_account_and_older_ones_are_upgraded(
    app: &TestApp,
) {
    let (email_a, a, admin, _) = adviser(app, 8).await;
    let email_b = "tweede@kantoor8.example";
    let (status, _) = admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Tweede", "email": email_b }),
        )
        .await;
    assert_eq!(status, 201);
    let b = app
        .accept(&app.link_for(email_b).await, PASSWORD, "0698765499")
        .await;
    let store = app.state.store.clone();
    let id_of = |email: String| {
        let store = store.clone();
        async move {
            let mut tx = store.read().await.unwrap();
            let account = tx.find_account_by_email(&email).await.unwrap().unwrap();
            tx.commit().await.unwrap();
            account
        }
    };
    let (account_a, account_b) = (
        id_of(email_a.clone()).await,
        id_of(email_b.to_string()).await,
    );

    // A's stored secret copied onto B's row does not work for B: it is bound to A.
    let mut tx = store.begin().await.unwrap();
    tx.set_totp(
        account_b.id,
        Some((account_a.totp_secret.as_deref().unwrap(), 0)),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    app.advance(Duration::seconds(30));
    let browser = User::new(&app.address);
    let token = password_step(app, &browser, email_b).await;
    let (status, body) = browser
        .post(
            "/api/sign-in/authenticator",
            json!({ "sign_in_token": token, "code": app.totp(a.totp_secret.as_deref().unwrap()) }),
        )
        .await;
    assert_ne!(status, 200, "{body}");

    // B's own secret as an earlier version stored it (encrypted, not bound): upgraded once at
    // start-up, after which B signs in with it.
    use aes_gcm::aead::{Aead, Generate, KeyInit};
    let keys = app.state.settings.keys().unwrap();
    let cipher = aes_gcm::Aes256Gcm::new(&aes_gcm::Key::<aes_gcm::Aes256Gcm>::from(
        *keys.encryption_key.expose(),
    ));
    let nonce = aes_gcm::Nonce::generate();
    let legacy = [
        nonce.to_vec(),
        cipher.encrypt(&nonce, raw_secret(&b).as_slice()).unwrap(),
    ]
    .concat();
    let mut tx = store.begin().await.unwrap();
    tx.set_totp(account_b.id, Some((&legacy, 0)), chrono::Utc::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    forget_upgrade(app).await;
    poort_api::services::upgrade::run(&app.state).await.unwrap();
    let upgraded = id_of(email_b.to_string()).await.totp_secret.unwrap();
    assert_eq!(upgraded[0], 2, "bound now");
    assert_ne!(upgraded, legacy);
    app.advance(Duration::seconds(30));
    let token = password_step(app, &browser, email_b).await;
    let (status, body) = browser
        .post(
            "/api/sign-in/authenticator",
            json!({ "sign_in_token": token, "code": app.totp(b.totp_secret.as_deref().unwrap()) }),
        )
        .await;
    assert_eq!(
        (status, body["step"].as_str()),
        (200, Some("done")),
        "{body}"
    );
}

/// Removes the record that the start-up upgrade was done, so it runs again.
async fn forget_upgrade(app: &TestApp) {
    use sqlx::Connection as _;
    let sql = "DELETE FROM maintenance";
    match app.db.kind {
        poort_e2e::db::Kind::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&app.db.url).await.unwrap();
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
        poort_e2e::db::Kind::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
    }
}
