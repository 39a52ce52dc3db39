//! Sign-in and account security, walked as advisers do, with the clock moved by hand.

use chrono::Duration;
use poort_e2e::db::Kind;
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, code, spawn_app_with, spawn_second};

crate::app_on_both_databases!(
    an_adviser_signs_in_with_the_authenticator_and_a_replayed_code_is_refused,
    an_adviser_signs_in_with_an_sms_code_instead,
    an_unknown_address_gets_the_same_answer_as_a_wrong_password,
    the_fifth_wrong_password_blocks_and_forgot_password_unblocks_and_ends_other_sessions,
    a_password_older_than_ninety_days_must_be_replaced_before_anything_else,
    five_wrong_codes_void_the_sign_in,
    an_account_without_second_factors_is_told_two_step_verification_is_not_set_up,
    an_unfinished_set_up_is_named_only_to_whoever_knows_the_password,
    sessions_end_after_thirty_idle_minutes_and_after_twelve_hours,
    mijn_account_changes_need_proof_and_are_announced,
    the_portfolio_context_names_administrators_when_there_is_no_access_and_tokens_verify,
    forgot_email_address_answers_the_same_for_known_and_unknown_numbers,
    many_signed_in_requests_at_once_each_get_their_own_session,
);

/// An office with an adviser (rights on both portfolios) who has accepted the invitation:
/// (adviser's e-mail, password, adviser signed in, portfolio ids, administrator).
async fn adviser(app: &TestApp, n: u8) -> (String, String, User, Vec<String>, User) {
    let operator = app.operator().await;
    let (_, portfolios, admin) = app.office_with_admin(&operator, n).await;
    let (email, password, user) = another_adviser(app, &admin, &portfolios, n).await;
    (email, password, user, portfolios, admin)
}

/// A further adviser of an office, invited by its administrator and set up.
async fn another_adviser(
    app: &TestApp,
    admin: &User,
    portfolios: &[String],
    n: u8,
) -> (String, String, User) {
    let email = format!("adviseur{n}@kantoor{n}.example");
    let (status, body) = admin
        .post(
            "/api/office/invitations",
            json!({ "name": format!("Adviseur {n}"), "email": email, "rights": [
                { "portfolio_id": portfolios[0], "rights": ["view_policies"] },
                { "portfolio_id": portfolios[1], "rights": ["view_policies", "report_claims"] }
            ] }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let password = "lange zomeravonden aan zee".to_string();
    let user = app
        .accept(
            &app.link_for(&email).await,
            &password,
            &format!("06987654{n:02}"),
        )
        .await;
    (email, password, user)
}

/// Signs in with password and authenticator code; returns the browser (signed in).
async fn sign_in(app: &TestApp, email: &str, password: &str, secret: &str) -> User {
    let browser = User::new(&app.address);
    let (status, step) = browser
        .post(
            "/api/sign-in",
            json!({ "email": email, "password": password }),
        )
        .await;
    assert_eq!(status, 200, "{step}");
    // A new time step, so the code has not been used by an earlier sign-in of the test.
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

fn secret(user: &User) -> String {
    user.totp_secret.clone().unwrap()
}

async fn an_adviser_signs_in_with_the_authenticator_and_a_replayed_code_is_refused(app: &TestApp) {
    let (email, password, adviser, _, _) = adviser(app, 1).await;
    let browser = User::new(&app.address);

    let (status, step) = browser
        .post(
            "/api/sign-in",
            json!({ "email": email.to_uppercase(), "password": password }),
        )
        .await;

    assert_eq!(status, 200, "{step}");
    assert_eq!(step["step"], "second_factor");
    assert_eq!(step["methods"], json!(["authenticator", "sms"]));
    assert_eq!(step["mobile_hint"], "+31 6 ••••• 401");
    assert_eq!(
        browser.get("/api/me").await.0,
        401,
        "not signed in after the password alone"
    );
    app.advance(Duration::seconds(30));
    let code_now = app.totp(&secret(&adviser));
    let (status, done) = browser
        .post(
            "/api/sign-in/authenticator",
            json!({ "sign_in_token": step["sign_in_token"], "code": code_now }),
        )
        .await;
    assert_eq!(
        (status, done["step"].as_str()),
        (200, Some("done")),
        "{done}"
    );
    assert_eq!(done["account"]["email"], email.as_str());
    assert_eq!(browser.get("/api/me").await.0, 200);

    // The same code once more, in a new sign-in within its window: refused.
    let other = User::new(&app.address);
    let (_, step) = other
        .post(
            "/api/sign-in",
            json!({ "email": email, "password": password }),
        )
        .await;
    let (status, body) = other
        .post(
            "/api/sign-in/authenticator",
            json!({ "sign_in_token": step["sign_in_token"], "code": code_now }),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "code_already_used"));
    app.advance(Duration::seconds(30));
    let (status, _) = other
        .post(
            "/api/sign-in/authenticator",
            json!({ "sign_in_token": step["sign_in_token"], "code": app.totp(&secret(&adviser)) }),
        )
        .await;
    assert_eq!(status, 200, "the next code works");

    // Two sign-ins send the same new code at the same moment: one is accepted.
    app.advance(Duration::seconds(30));
    let (first, second) = (User::new(&app.address), User::new(&app.address));
    let credentials = json!({ "email": email, "password": password });
    let (_, one) = first.post("/api/sign-in", credentials.clone()).await;
    let (_, two) = second.post("/api/sign-in", credentials).await;
    let code_now = app.totp(&secret(&adviser));
    let (a, b) = tokio::join!(
        first.post(
            "/api/sign-in/authenticator",
            json!({ "sign_in_token": one["sign_in_token"], "code": code_now }),
        ),
        second.post(
            "/api/sign-in/authenticator",
            json!({ "sign_in_token": two["sign_in_token"], "code": code_now }),
        )
    );
    let mut answers = [(a.0, code(&a.1).to_string()), (b.0, code(&b.1).to_string())];
    answers.sort();
    assert_eq!(
        answers,
        [(200, String::new()), (400, "code_already_used".to_string())],
        "{a:?} {b:?}"
    );
    let (_, events) = browser.get("/api/me/events").await;
    assert!(
        events["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "session.started")
    );
}

async fn an_adviser_signs_in_with_an_sms_code_instead(app: &TestApp) {
    let (email, password, _, _, _) = adviser(app, 2).await;
    let browser = User::new(&app.address);
    let (_, step) = browser
        .post(
            "/api/sign-in",
            json!({ "email": email, "password": password }),
        )
        .await;
    let token = step["sign_in_token"].clone();

    let (status, sent) = browser
        .post("/api/sign-in/sms", json!({ "sign_in_token": token }))
        .await;
    assert_eq!(status, 202, "{sent}");
    let (status, body) = browser
        .post("/api/sign-in/sms", json!({ "sign_in_token": token }))
        .await;
    assert_eq!(
        (status, code(&body)),
        (429, "rate_limited"),
        "a new code waits"
    );
    let sms = app.sms_code("+31698765402").await;
    let (status, done) = browser
        .post(
            "/api/sign-in/sms/verify",
            json!({ "sign_in_token": token, "code": sms }),
        )
        .await;

    assert_eq!(
        (status, done["step"].as_str()),
        (200, Some("done")),
        "{done}"
    );
    assert_eq!(browser.get("/api/me").await.0, 200);
    let (status, body) = browser
        .post(
            "/api/sign-in/sms/verify",
            json!({ "sign_in_token": token, "code": sms }),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (401, "sign_in_expired"),
        "a finished sign-in cannot be reused"
    );
}

async fn an_unknown_address_gets_the_same_answer_as_a_wrong_password(app: &TestApp) {
    let (email, _, _, _, _) = adviser(app, 3).await;

    let (status_unknown, unknown) = app
        .anonymous
        .post(
            "/api/sign-in",
            json!({ "email": "niemand@nergens.example", "password": "wat dan ook hier" }),
        )
        .await;
    let (status_wrong, wrong) = app
        .anonymous
        .post(
            "/api/sign-in",
            json!({ "email": email, "password": "verkeerd wachtwoord" }),
        )
        .await;

    assert_eq!(
        (status_unknown, code(&unknown)),
        (400, "invalid_credentials")
    );
    assert_eq!((status_wrong, code(&wrong)), (400, "invalid_credentials"));
    assert_eq!(unknown["message"], wrong["message"]);
    let (status, body) = app
        .anonymous
        .post("/api/sign-in", json!({ "email": email }))
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_request"));
}

async fn the_fifth_wrong_password_blocks_and_forgot_password_unblocks_and_ends_other_sessions(
    app: &TestApp,
) {
    let (email, password, adviser, _, _) = adviser(app, 4).await;
    assert_eq!(adviser.get("/api/me").await.0, 200);

    let mut answers = Vec::new();
    for _ in 0..5 {
        let (status, body) = app
            .anonymous
            .post(
                "/api/sign-in",
                json!({ "email": email, "password": "fout fout fout fout" }),
            )
            .await;
        answers.push((status, code(&body).to_string()));
    }

    assert!(
        answers
            .iter()
            .all(|a| *a == (400, "invalid_credentials".to_string())),
        "the blocking answer is the one a stranger gets for an unknown address: {answers:?}"
    );
    let blocked_mail = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m["recipient"] == email.as_str())
        .unwrap();
    assert!(
        blocked_mail["subject"]
            .as_str()
            .unwrap()
            .contains("geblokkeerd"),
        "{blocked_mail}"
    );
    let (status, body) = app
        .anonymous
        .post(
            "/api/sign-in",
            json!({ "email": email, "password": password }),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (403, "account_blocked"),
        "even the right password"
    );
    assert_eq!(
        adviser.get("/api/me").await.0,
        401,
        "blocking ends the sessions"
    );

    // Forgot password: the same answer for any address; the e-mail has a link.
    let (status, _) = app
        .anonymous
        .post(
            "/api/password-reset",
            json!({ "email": "niemand@nergens.example" }),
        )
        .await;
    assert_eq!(status, 202);
    let (status, _) = app
        .anonymous
        .post("/api/password-reset", json!({ "email": email }))
        .await;
    assert_eq!(status, 202);
    let body = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m["recipient"] == email.as_str())
        .unwrap()["body"]
        .as_str()
        .unwrap()
        .to_string();
    let link = body
        .split_whitespace()
        .find(|w| w.contains("/wachtwoord-herstellen/"))
        .unwrap()
        .to_string();
    let token = link.rsplit('/').next().unwrap().to_string();
    let browser = User::new(&app.address);
    let (status, opened) = browser.get(&format!("/api/password-reset/{token}")).await;
    assert_eq!(
        (status, opened["methods"].clone()),
        (200, json!(["authenticator", "sms"]))
    );
    let (status, body) = browser
        .post(
            &format!("/api/password-reset/{token}/password"),
            json!({ "password": "nieuwe lente in maart" }),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "reset_not_verified"));
    browser
        .post(&format!("/api/password-reset/{token}/sms"), json!({}))
        .await;
    let sms = app.sms_code("+31698765404").await;
    let (status, verified) = browser
        .post(
            &format!("/api/password-reset/{token}/verify"),
            json!({ "method": "sms", "code": sms }),
        )
        .await;
    assert_eq!(
        (status, verified["verified"].as_bool()),
        (200, Some(true)),
        "{verified}"
    );
    let (status, body) = browser
        .post(
            &format!("/api/password-reset/{token}/password"),
            json!({ "password": password }),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "password_reused"));
    let (status, me) = browser
        .post(
            &format!("/api/password-reset/{token}/password"),
            json!({ "password": "nieuwe lente in maart" }),
        )
        .await;

    assert_eq!(
        (status, me["email"].as_str()),
        (200, Some(email.as_str())),
        "signed in"
    );
    assert_eq!(browser.get("/api/me").await.0, 200);
    let notice = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m["recipient"] == email.as_str())
        .unwrap();
    assert!(
        notice["body"]
            .as_str()
            .unwrap()
            .contains("opnieuw ingesteld"),
        "{notice}"
    );
    let (status, body) = browser.get(&format!("/api/password-reset/{token}")).await;
    assert_eq!(
        (status, code(&body)),
        (410, "reset_link_invalid"),
        "the link works once"
    );
    sign_in(app, &email, "nieuwe lente in maart", &secret(&adviser)).await;
}

async fn a_password_older_than_ninety_days_must_be_replaced_before_anything_else(app: &TestApp) {
    let (email, password, adviser, _, _) = adviser(app, 5).await;
    app.advance(Duration::days(91));
    let browser = User::new(&app.address);
    let (_, step) = browser
        .post(
            "/api/sign-in",
            json!({ "email": email, "password": password }),
        )
        .await;

    let (status, next) = browser
        .post(
            "/api/sign-in/authenticator",
            json!({ "sign_in_token": step["sign_in_token"], "code": app.totp(&secret(&adviser)) }),
        )
        .await;

    assert_eq!(
        (status, next["step"].as_str()),
        (200, Some("new_password")),
        "{next}"
    );
    assert_eq!(
        browser.get("/api/me").await.0,
        401,
        "nothing before the new password"
    );
    let token = next["sign_in_token"].clone();
    let (status, body) = browser
        .post(
            "/api/sign-in/new-password",
            json!({ "sign_in_token": token, "password": password }),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "password_reused"));
    let (status, body) = browser
        .post(
            "/api/sign-in/new-password",
            json!({ "sign_in_token": token, "password": "kort" }),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "password_too_short"));
    let (status, done) = browser
        .post(
            "/api/sign-in/new-password",
            json!({ "sign_in_token": token, "password": "herfstbladeren vallen zacht" }),
        )
        .await;
    assert_eq!(
        (status, done["step"].as_str()),
        (200, Some("done")),
        "{done}"
    );
    assert_eq!(browser.get("/api/me").await.0, 200);
    let (_, profile) = browser.get("/api/me/profile").await;
    assert!(profile["password_expires_at"].as_str().is_some());
}

async fn five_wrong_codes_void_the_sign_in(app: &TestApp) {
    let (email, password, adviser, _, _) = adviser(app, 6).await;
    let browser = User::new(&app.address);
    let (_, step) = browser
        .post(
            "/api/sign-in",
            json!({ "email": email, "password": password }),
        )
        .await;
    let right = app.totp(&secret(&adviser));
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };

    let mut answers = Vec::new();
    for _ in 0..5 {
        let (status, body) = browser
            .post(
                "/api/sign-in/authenticator",
                json!({ "sign_in_token": step["sign_in_token"], "code": wrong }),
            )
            .await;
        answers.push((status, code(&body).to_string()));
    }

    assert!(
        answers[..4].iter().all(|a| a.1 == "code_incorrect"),
        "{answers:?}"
    );
    assert_eq!(answers[4], (401, "sign_in_attempt_void".to_string()));
    let (status, body) = browser
        .post(
            "/api/sign-in/authenticator",
            json!({ "sign_in_token": step["sign_in_token"], "code": right }),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (401, "sign_in_attempt_void"),
        "not even the right code"
    );
}

async fn an_account_without_second_factors_is_told_two_step_verification_is_not_set_up(
    app: &TestApp,
) {
    let (email, password, _, _, _) = adviser(app, 7).await;
    // Arrange: an account from before two-step verification (no authenticator, no number).
    let mut tx = app.state.store.begin().await.unwrap();
    let account = tx.find_account_by_email(&email).await.unwrap().unwrap();
    let now = chrono::Utc::now();
    tx.set_totp(account.id, None, now).await.unwrap();
    tx.set_mobile(account.id, None, now).await.unwrap();
    tx.commit().await.unwrap();

    let (status, body) = app
        .anonymous
        .post(
            "/api/sign-in",
            json!({ "email": email, "password": password }),
        )
        .await;

    assert_eq!((status, code(&body)), (403, "two_factor_not_set_up"));
    app.anonymous
        .post("/api/password-reset", json!({ "email": email }))
        .await;
    let body = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m["recipient"] == email.as_str())
        .unwrap()["body"]
        .as_str()
        .unwrap()
        .to_string();
    let token = body
        .split_whitespace()
        .find(|w| w.contains("/wachtwoord-herstellen/"))
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let (status, body) = app
        .anonymous
        .get(&format!("/api/password-reset/{token}"))
        .await;
    assert_eq!((status, code(&body)), (403, "two_factor_not_set_up"));
}

async fn an_unfinished_set_up_is_named_only_to_whoever_knows_the_password(app: &TestApp) {
    let operator = app.operator().await;
    let (_, portfolios, admin) = app.office_with_admin(&operator, 12).await;
    let (status, body) = admin
        .post("/api/office/invitations", json!({ "name": "Hanna de Wit", "email": "hanna@k12.example", "rights": [{ "portfolio_id": portfolios[0], "rights": ["view_policies"] }] }))
        .await;
    assert_eq!(status, 201, "{body}");
    // The invitee chooses a password, then closes the browser before the other steps.
    let link = app.link_for("hanna@k12.example").await;
    let token = link.rsplit('/').next().unwrap();
    let (status, body) = app
        .anonymous
        .post(
            &format!("/api/invitations/{token}/password"),
            json!({ "password": "een half afgemaakte zin" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = app
        .anonymous
        .post(
            "/api/sign-in",
            json!({ "email": "hanna@k12.example", "password": "een half afgemaakte zin" }),
        )
        .await;
    assert_eq!((status, code(&body)), (403, "set_up_not_finished"));
    let (status, body) = app
        .anonymous
        .post(
            "/api/sign-in",
            json!({ "email": "hanna@k12.example", "password": "een andere zin dan dat" }),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (400, "invalid_credentials"),
        "a wrong password learns nothing about the account"
    );
    // The link still continues the set-up, with the password chosen.
    let (status, body) = app
        .anonymous
        .post(
            &format!("/api/invitations/{token}/resume"),
            json!({ "password": "een half afgemaakte zin" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["step"], "mobile", "{body}");
}

async fn sessions_end_after_thirty_idle_minutes_and_after_twelve_hours(app: &TestApp) {
    let (_, _, busy, portfolios, admin) = adviser(app, 8).await;
    let (_, _, idle) = another_adviser(app, &admin, &portfolios, 9).await;
    // `busy` is active every 20 minutes, several requests at once (one of them records the
    // activity, the others don't wait for it): the idle limit never hits it, the absolute one
    // does. `idle` is active once, after 20 minutes, then not again.
    for round in 1..=35 {
        app.advance(Duration::minutes(20));
        let (a, b, c, d) = tokio::join!(
            busy.get("/api/me"),
            busy.get("/api/me/profile"),
            busy.get("/api/me"),
            busy.get("/api/me/portfolios")
        );
        assert_eq!([a.0, b.0, c.0, d.0], [200; 4], "round {round}");
        match round {
            1 => assert_eq!(idle.get("/api/me").await.0, 200),
            2 => assert_eq!(idle.get("/api/me").await.0, 200, "20 minutes idle is fine"),
            4 => assert_eq!(
                idle.get("/api/me").await.0,
                401,
                "40 minutes without activity"
            ),
            _ => {}
        }
    }
    app.advance(Duration::minutes(20));
    assert_eq!(busy.get("/api/me").await.0, 401, "12 hours after sign-in");
    let (status, _) = busy.post("/api/session/logout", json!({})).await;
    assert_eq!(status, 401);
}

async fn mijn_account_changes_need_proof_and_are_announced(app: &TestApp) {
    let (email, password, adviser, _, _) = adviser(app, 10).await;
    let other_browser = sign_in(app, &email, &password, &secret(&adviser)).await;
    let (_, profile) = adviser.get("/api/me/profile").await;
    assert_eq!(profile["account"]["name"], "Adviseur 10");
    assert_eq!(profile["name_editable"], false);
    assert_eq!(profile["mobile"], "+31698765410");
    assert_eq!(profile["portfolios"].as_array().unwrap().len(), 2);

    // The mobile number: proof first, then a code to the new number.
    let (status, body) = adviser
        .post("/api/me/mobile", json!({ "mobile": "0611223344" }))
        .await;
    assert_eq!((status, code(&body)), (401, "reauthentication_required"));
    let (status, body) = adviser
        .post(
            "/api/me/reauthenticate",
            json!({ "password": "niet mijn wachtwoord" }),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "wrong_password"));
    let (status, _) = adviser
        .post("/api/me/reauthenticate", json!({ "password": password }))
        .await;
    assert_eq!(status, 200);
    let (status, _) = adviser
        .post("/api/me/mobile", json!({ "mobile": "0611223344" }))
        .await;
    assert_eq!(status, 202);
    let sms = app.sms_code("+31611223344").await;
    let (status, factors) = adviser
        .post("/api/me/mobile/verify", json!({ "code": sms }))
        .await;
    assert_eq!((status, factors["mobile"].as_bool()), (200, Some(true)));
    let outbox = app.outbox().await;
    assert!(
        outbox.iter().any(|m| m["recipient"] == "+31698765410"
            && m["body"].as_str().unwrap().contains("gewijzigd")),
        "the old number is told"
    );
    assert!(
        outbox.iter().any(|m| m["recipient"] == email.as_str()
            && m["body"].as_str().unwrap().contains("mobiele nummer")),
        "the e-mail address is told"
    );
    let (_, profile) = adviser.get("/api/me/profile").await;
    assert_eq!(profile["mobile"], "+31611223344");

    // Removing it warns that recovery stops working.
    let (status, removed) = adviser.delete("/api/me/mobile").await;
    assert_eq!(
        (status, removed["warning"].as_str()),
        (200, Some("recovery_disabled"))
    );
    assert_eq!(removed["factors"]["mobile"], false);

    // The password: the current one is required; other sessions end.
    let (status, body) = adviser
        .post(
            "/api/me/password",
            json!({ "current_password": "fout", "new_password": "winterse wandeling langs zee" }),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "wrong_password"));
    let (status, _) = adviser
        .post(
            "/api/me/password",
            json!({ "current_password": password, "new_password": "winterse wandeling langs zee" }),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(adviser.get("/api/me").await.0, 200, "this session stays");
    assert_eq!(
        other_browser.get("/api/me").await.0,
        401,
        "the other session ended"
    );

    // The authenticator: a new one replaces the old one after its first code.
    let (status, fresh) = adviser.post("/api/me/authenticator", json!({})).await;
    assert_eq!(status, 200, "{fresh}");
    let new_secret = fresh["secret"].as_str().unwrap().to_string();
    app.advance(Duration::seconds(30));
    let (status, body) = adviser
        .post(
            "/api/me/authenticator/confirm",
            json!({ "code": app.totp(&new_secret) }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.advance(Duration::seconds(30));
    let browser = User::new(&app.address);
    let (_, step) = browser
        .post(
            "/api/sign-in",
            json!({ "email": email, "password": "winterse wandeling langs zee" }),
        )
        .await;
    assert_eq!(
        step["methods"],
        json!(["authenticator"]),
        "no SMS without a number"
    );
    let (status, body) = browser
        .post(
            "/api/sign-in/authenticator",
            json!({ "sign_in_token": step["sign_in_token"], "code": app.totp(&secret(&adviser)) }),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (400, "code_incorrect"),
        "the old app no longer works"
    );
    let (status, _) = browser
        .post(
            "/api/sign-in/authenticator",
            json!({ "sign_in_token": step["sign_in_token"], "code": app.totp(&new_secret) }),
        )
        .await;
    assert_eq!(status, 200);

    // Sessions: list and end one.
    let (_, sessions) = adviser.get("/api/me/sessions").await;
    let list = sessions["sessions"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let other = list.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = adviser.delete(&format!("/api/me/sessions/{other}")).await;
    assert_eq!(status, 204);
    assert_eq!(browser.get("/api/me").await.0, 401);
    let (_, events) = adviser.get("/api/me/events").await;
    let actions: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "mobile.changed",
        "mobile.removed",
        "password.changed",
        "authenticator.replaced",
        "session.ended",
    ] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
}

async fn the_portfolio_context_names_administrators_when_there_is_no_access_and_tokens_verify(
    app: &TestApp,
) {
    let operator = app.operator().await;
    let (_, portfolios, admin) = app.office_with_admin(&operator, 11).await;
    let (_, _, adviser) = another_adviser(app, &admin, &portfolios, 11).await;
    let (_, context) = adviser.get("/api/me/portfolios").await;
    let listed = context["portfolios"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    // Sorted by agency number, each with its rights in the catalogue's order.
    let numbers: Vec<&str> = listed
        .iter()
        .map(|p| p["agency_number"].as_str().unwrap())
        .collect();
    assert!(numbers.is_sorted(), "{numbers:?}");
    let rights_of = |id: &str| {
        listed
            .iter()
            .find(|p| p["portfolio_id"] == id)
            .map(|p| p["rights"].clone())
    };
    assert_eq!(rights_of(&portfolios[0]), Some(json!(["view_policies"])));
    assert_eq!(
        rights_of(&portfolios[1]),
        Some(json!(["view_policies", "report_claims"]))
    );
    // The profile shows the same, read with the session in the same query.
    let (_, profile) = adviser.get("/api/me/profile").await;
    assert_eq!(profile["portfolios"], context["portfolios"]);
    assert_eq!(context["active_portfolio_id"], Value::Null);
    let (status, body) = adviser.post("/api/me/token", json!({})).await;
    assert_eq!((status, code(&body)), (409, "no_active_portfolio"));

    let (status, chosen) = adviser
        .put(
            "/api/me/portfolio",
            json!({ "portfolio_id": portfolios[1] }),
        )
        .await;
    assert_eq!(
        (status, chosen["active_portfolio_id"].as_str()),
        (200, Some(portfolios[1].as_str()))
    );
    let (status, token) = adviser.post("/api/me/token", json!({})).await;
    assert_eq!(status, 200, "{token}");

    let (_, jwks) = app.anonymous.get("/.well-known/jwks.json").await;
    let key = jsonwebtoken::DecodingKey::from_ed_components(jwks["keys"][0]["x"].as_str().unwrap())
        .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_audience(&["extranet"]);
    validation.validate_exp = false; // the test clock is not the wall clock
    let claims = jsonwebtoken::decode::<Value>(token["token"].as_str().unwrap(), &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims["portfolio"]["id"], portfolios[1].as_str());
    assert_eq!(claims["rights"], json!(["view_policies", "report_claims"]));
    // The claims are exactly the documented `UserTokenClaims`: no e-mail address (tokens end
    // up in other applications' logs), the session they came from.
    let mut names: Vec<&str> = claims
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "aud",
            "exp",
            "iat",
            "iss",
            "jti",
            "name",
            "office_id",
            "portfolio",
            "rights",
            "role",
            "sid",
            "sub"
        ]
    );
    serde_json::from_value::<poort_shared::dto::UserTokenClaims>(claims.clone()).unwrap();
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        300
    );
    let (status, body) = adviser
        .put(
            "/api/me/portfolio",
            json!({ "portfolio_id": uuid::Uuid::nil() }),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "unknown_portfolio"));

    // Rights changed by the administrator count from the adviser's very next request (the
    // session lookup reads the account's copy of its rights, which the database rewrites in
    // the same transaction): the rights on the second portfolio are gone, so the first one is
    // the only and active one, in the token too.
    let (_, me) = adviser.get("/api/me").await;
    let adviser_id = me["id"].as_str().unwrap().to_string();
    let (status, body) = admin
        .put(
            &format!("/api/office/accounts/{adviser_id}/rights"),
            json!({ "portfolios": [{ "portfolio_id": portfolios[0], "rights": ["report_claims", "view_policies"] }] }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, context) = adviser.get("/api/me/portfolios").await;
    assert_eq!(context["active_portfolio_id"], portfolios[0].as_str());
    assert_eq!(
        context["portfolios"],
        json!([{ "portfolio_id": portfolios[0], "agency_number": "AG-1101", "portfolio_name": "Portefeuille 0",
                 "rights": ["view_policies", "report_claims"] }])
    );
    let (_, token) = adviser.post("/api/me/token", json!({})).await;
    let claims = jsonwebtoken::decode::<Value>(token["token"].as_str().unwrap(), &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(
        (&claims["portfolio"]["id"], &claims["rights"]),
        (
            &json!(portfolios[0]),
            &json!(["view_policies", "report_claims"])
        )
    );
    // A renamed portfolio (new agency number and name) shows at once, and sorts by the new
    // number: rights on both portfolios again, the renamed one now last.
    let (status, body) = admin
        .put(
            &format!("/api/office/accounts/{adviser_id}/rights"),
            json!({ "portfolios": [
                { "portfolio_id": portfolios[0], "rights": ["view_policies"] },
                { "portfolio_id": portfolios[1], "rights": ["view_policies"] }
            ] }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = operator
        .patch(
            &format!("/api/operator/portfolios/{}", portfolios[0]),
            json!({ "agency_number": "AG-1199", "name": "Hernoemde portefeuille" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, context) = adviser.get("/api/me/portfolios").await;
    let listed: Vec<(&str, &str, &str)> = context["portfolios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["portfolio_id"].as_str().unwrap(),
                p["agency_number"].as_str().unwrap(),
                p["portfolio_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (portfolios[1].as_str(), "AG-1102", "Portefeuille 1"),
            (portfolios[0].as_str(), "AG-1199", "Hernoemde portefeuille")
        ]
    );
    let (_, profile) = adviser.get("/api/me/profile").await;
    assert_eq!(profile["portfolios"], context["portfolios"]);

    // An adviser with no rights at all: geen toegang, naming the administrators.
    let (_, invitation) = admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Zonder Rechten", "email": "zonder@k11.example" }),
        )
        .await;
    assert_eq!(invitation["status"], "open");
    let nobody = app
        .accept(
            &app.link_for("zonder@k11.example").await,
            "blauwe lucht boven zee",
            "0644556677",
        )
        .await;
    let (status, body) = nobody.get("/api/me/portfolios").await;
    assert_eq!((status, code(&body)), (403, "no_access"));
    assert_eq!(body["details"]["administrators"], json!(["Beheerder 11"]));
}

async fn forgot_email_address_answers_the_same_for_known_and_unknown_numbers(app: &TestApp) {
    let (email, _, _, _, _) = adviser(app, 12).await;

    let (status_known, known) = app
        .anonymous
        .post("/api/forgot-email", json!({ "mobile": "06 98765412" }))
        .await;
    let (status_unknown, unknown) = app
        .anonymous
        .post("/api/forgot-email", json!({ "mobile": "0600000001" }))
        .await;

    assert_eq!((status_known, status_unknown), (202, 202));
    assert_eq!(known, unknown);
    let sms = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m["recipient"] == "+31698765412" && m["body"].as_str().unwrap().contains('@'))
        .unwrap();
    assert!(sms["body"].as_str().unwrap().contains(&email));
    assert!(
        !app.outbox()
            .await
            .iter()
            .any(|m| m["recipient"] == "+31600000001")
    );
    let (status, body) = app
        .anonymous
        .post("/api/forgot-email", json!({ "mobile": "12" }))
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_mobile"));
}

async fn two_instances_share_the_lockout_and_sessions(kind: Kind) {
    let Some(first) = spawn_app_with(kind, |_| {}).await else {
        return;
    };
    let second = spawn_second(&first, |_| {}).await;
    let (email, password, adviser, _, _) = adviser(&first, 13).await;

    // A session made on the first instance works on the second.
    let status = adviser
        .client
        .get(format!("{}/api/me", second.address))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    // Wrong passwords spread over both instances still block at five.
    let mut answers = Vec::new();
    for i in 0..5 {
        let instance = if i % 2 == 0 { &first } else { &second };
        let (status, body) = instance
            .anonymous
            .post(
                "/api/sign-in",
                json!({ "email": email, "password": "fout fout fout fout" }),
            )
            .await;
        answers.push((status, code(&body).to_string()));
    }
    assert_eq!(
        answers[4],
        (400, "invalid_credentials".to_string()),
        "{answers:?}"
    );
    let (status, body) = second
        .anonymous
        .post(
            "/api/sign-in",
            json!({ "email": email, "password": password }),
        )
        .await;
    assert_eq!((status, code(&body)), (403, "account_blocked"));
    first.db.drop_database_ref().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_the_lockout_and_sessions_on_sqlite() {
    two_instances_share_the_lockout_and_sessions(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_the_lockout_and_sessions_on_postgres() {
    two_instances_share_the_lockout_and_sessions(Kind::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_sign_ins_gets_503_with_retry_after_instead_of_an_endless_queue() {
    let app = spawn_app_with(Kind::Sqlite, |s| {
        s.security.password_hash.memory_kib = 32 * 1024;
        s.security.password_hash.iterations = 3;
        s.security.password_hash.max_concurrent = 1;
        s.security.password_hash.max_waiting = 1;
    })
    .await
    .unwrap();
    let client = reqwest::Client::new();

    let requests = (0..12).map(|i| {
        let client = client.clone();
        let url = format!("{}/api/sign-in", app.address);
        async move {
            let response = client
                .post(url)
                .json(&json!({ "email": format!("x{i}@y.example"), "password": "whatever really" }))
                .send()
                .await
                .unwrap();
            (
                response.status().as_u16(),
                response.headers().get("retry-after").is_some(),
            )
        }
    });
    let answers = futures_util::future::join_all(requests).await;

    assert!(
        answers.iter().any(|(s, retry)| *s == 503 && *retry),
        "{answers:?}"
    );
    assert!(
        answers.iter().any(|(s, _)| *s == 400),
        "some were answered: {answers:?}"
    );
    assert_eq!(app.anonymous.get("/api/health").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_hashed_with_older_parameters_is_rehashed_at_the_next_sign_in() {
    let app = spawn_app_with(Kind::Sqlite, |_| {}).await.unwrap();
    let (email, password, adviser, _, _) = adviser(&app, 14).await;
    let stored = |app: &TestApp| {
        let store = app.state.store.clone();
        let email = email.clone();
        async move {
            let mut tx = store.read().await.unwrap();
            let account = tx.find_account_by_email(&email).await.unwrap().unwrap();
            tx.commit().await.unwrap();
            account.password_hash.unwrap()
        }
    };
    assert!(stored(&app).await.contains("m=1024"));
    let stronger = spawn_second(&app, |s| s.security.password_hash.memory_kib = 2048).await;

    sign_in(&stronger, &email, &password, &secret(&adviser)).await;

    assert!(
        stored(&app).await.contains("m=2048"),
        "{}",
        stored(&app).await
    );
}

/// Signed-in requests that arrive together (on PostgreSQL their session lookups share
/// queries): each one gets its own account, an ended session and an unknown token get 401, and
/// a session ended just before a burst is refused throughout it.
async fn many_signed_in_requests_at_once_each_get_their_own_session(app: &TestApp) {
    let operator = app.operator().await;
    let (_, portfolios, admin) = app.office_with_admin(&operator, 15).await;
    let (first, password, first_user) = another_adviser(app, &admin, &portfolios, 15).await;
    let (second, _, second_user) = another_adviser(app, &admin, &portfolios, 16).await;
    let mut browsers: Vec<(User, Option<&str>)> = Vec::new();
    for (email, user) in [(&first, &first_user), (&second, &second_user)] {
        for _ in 0..3 {
            let browser = sign_in(app, email, &password, &secret(user)).await;
            browsers.push((browser, Some(email.as_str())));
        }
    }
    // A session ended from another one: its browser still sends the cookie.
    let ended = sign_in(app, &first, &password, &secret(&first_user)).await;
    let (_, sessions) = ended.get("/api/me/sessions").await;
    let id = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = browsers[0]
        .0
        .delete(&format!("/api/me/sessions/{id}"))
        .await;
    assert_eq!(status, 204);
    browsers.push((ended, None));
    let stranger = User::new(&app.address);
    browsers.push((stranger, None));
    let unknown = reqwest::Client::new();
    let before = app.state.store.session_lookup_counts();

    for _round in 0..2 {
        let requests = (0..64).map(|i| {
            let (browser, expected) = &browsers[i % browsers.len()];
            async move { (browser.get("/api/me").await, *expected) }
        });
        let forged = (0..8).map(|i| {
            let unknown = unknown.clone();
            let url = format!("{}/api/me", app.address);
            async move {
                unknown
                    .get(url)
                    .header("Cookie", format!("poort_session=forged-token-{i}"))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        });
        let (answers, forged) = futures_util::future::join(
            futures_util::future::join_all(requests),
            futures_util::future::join_all(forged),
        )
        .await;
        for ((status, body), expected) in answers {
            match expected {
                Some(email) => assert_eq!((status, body["email"].as_str()), (200, Some(email))),
                None => assert_eq!((status, code(&body)), (401, "unauthenticated")),
            }
        }
        assert!(forged.iter().all(|s| *s == 401), "{forged:?}");
    }
    // 2 × (56 with a cookie + 8 forged) lookups (the stranger's requests make none), and on
    // PostgreSQL fewer queries than that (SQLite makes one per lookup).
    if let (Some((lookups_before, queries_before)), Some((lookups, queries))) =
        (before, app.state.store.session_lookup_counts())
    {
        let (lookups, queries) = (lookups - lookups_before, queries - queries_before);
        eprintln!("{lookups} session lookups in {queries} queries");
        assert_eq!(lookups, 2 * (56 + 8));
        assert!(queries < lookups, "{lookups} lookups in {queries} queries");
    }
}

/// Sign-ins per client and minute are limited (counted in the database, with the account
/// lookup in the same statement on PostgreSQL): the 4th of 3 allowed gets 429 with Retry-After
/// whether or not the address exists, and the next minute counts afresh.
async fn sign_ins_per_client_are_limited(kind: Kind) {
    let Some(app) = spawn_app_with(kind, |s| s.policy.sign_ins_per_minute_per_client = 3).await
    else {
        return;
    };
    let operator = app.operator().await;
    let (_, portfolios, admin) = app.office_with_admin(&operator, 17).await;
    let (email, password, _) = another_adviser(&app, &admin, &portfolios, 17).await;
    let client = reqwest::Client::new();
    let attempt = |email: String, password: String| {
        let client = client.clone();
        let url = format!("{}/api/sign-in", app.address);
        async move {
            let response = client
                .post(url)
                .json(&json!({ "email": email, "password": password }))
                .send()
                .await
                .unwrap();
            let retry = response.headers().get("retry-after").is_some();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (status, code(&body).to_string(), retry)
        }
    };
    let (status, _, _) = attempt(email.clone(), password.clone()).await;
    assert_eq!(status, 200);
    let (status, code_, _) = attempt("nobody@nowhere.example".into(), password.clone()).await;
    assert_eq!((status, code_.as_str()), (400, "invalid_credentials"));
    let (status, _, _) = attempt(email.clone(), password.clone()).await;
    assert_eq!(status, 200);
    for who in [email.clone(), "nobody@nowhere.example".into()] {
        let (status, code_, retry) = attempt(who, password.clone()).await;
        assert_eq!((status, code_.as_str(), retry), (429, "rate_limited", true));
    }
    app.advance(Duration::minutes(1));
    let (status, _, _) = attempt(email, password).await;
    assert_eq!(status, 200);
    app.db.drop_database().await;
}

#[tokio::test]
async fn sign_ins_per_client_are_limited_on_sqlite() {
    sign_ins_per_client_are_limited(Kind::Sqlite).await;
}

#[tokio::test]
async fn sign_ins_per_client_are_limited_on_postgres() {
    sign_ins_per_client_are_limited(Kind::Postgres).await;
}
