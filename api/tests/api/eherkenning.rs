//! eHerkenning over OpenID Connect against a real OpenID Provider (npm `oidc-provider`, the
//! broker's stand-in in `e2e/broker`): linking in Mijn account, signing in, unlinking; every
//! refusal with its page; replayed, foreign and expired state; tampered ID tokens; one identity
//! per account; both claim shapes (URN claims in the ID token, plain names via userinfo only).

use chrono::Duration;
use poort_e2e::broker::{Broker, Login, Outcome, Shape};
use poort_e2e::db::Kind;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, code, spawn_app_with};

const CLIENT_ID: &str = "poort-test";
const CLIENT_SECRET: &str = "een-geheim-voor-de-test-makelaar";
const ADMIN_PASSWORD: &str = "groene tractor in de wei";
const PASSWORD: &str = "lange zomeravonden aan zee";

/// The app with `[eherkenning]` pointing at a broker on a port chosen first, then the broker
/// with the app's callback as its redirect URI.
async fn spawn(kind: Kind, shape: Shape) -> Option<(TestApp, Broker)> {
    if !poort_e2e::broker::available() {
        eprintln!(
            "skipped: no oidc-provider (POORT_TEST_BROKER_MODULES; `cargo xtask test` installs it)"
        );
        return None;
    }
    let port = poort_e2e::free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let app = spawn_app_with(kind, |s| {
        s.eherkenning.issuer = Some(issuer.clone());
        s.eherkenning.client_id = Some(CLIENT_ID.into());
        s.eherkenning.client_secret = Some(SecretString::from(CLIENT_SECRET));
        s.eherkenning.service_name = "Extranet Voorbeeld Verzekeringen".into();
    })
    .await?;
    let redirect = format!("{}/api/eherkenning/callback", app.address);
    let broker = Broker::start_on(port, shape, &redirect, CLIENT_ID, CLIENT_SECRET).await;
    Some((app, broker))
}

macro_rules! on_both_databases {
    ($shape:expr; $($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some((app, broker)) = super::spawn(poort_e2e::db::Kind::Sqlite, $shape).await else { return };
                    super::$name(&app, &broker).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some((app, broker)) = super::spawn(poort_e2e::db::Kind::Postgres, $shape).await else { return };
                    super::$name(&app, &broker).await;
                    app.db.drop_database().await;
                }
            )*
        }
    };
}

on_both_databases!(poort_e2e::broker::Shape::Urn;
    link_sign_in_and_unlink,
    every_refusal_is_explained_and_changes_nothing,
    state_is_single_use_bound_to_the_browser_and_expires,
    id_tokens_with_a_wrong_nonce_or_another_key_are_refused,
    an_identity_links_to_one_account_only,
    blocked_deactivated_reset_and_a_changed_kvk_number_stop_the_sign_in,
    a_move_keeps_the_link_only_for_the_same_company,
);

mod plain {
    use super::*;
    on_both_databases!(poort_e2e::broker::Shape::Plain; plain_claims_from_userinfo_link_and_sign_in);
}

/// An office (KvK `1234000n`) with an administrator and an adviser who has set up:
/// (office id, KvK number, adviser signed in, adviser's account id, administrator, operator).
async fn office(app: &TestApp, n: u8) -> (String, String, User, String, User, User) {
    let operator = app.operator().await;
    let (office, portfolios, admin) = app.office_with_admin(&operator, n).await;
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
    let adviser = app
        .accept(&link, PASSWORD, &format!("06987654{n:02}"))
        .await;
    let (_, me) = adviser.get("/api/me").await;
    let id = me["id"].as_str().unwrap().to_string();
    let kvk = format!("{:08}", 12_340_000 + u32::from(n));
    (office, kvk, adviser, id, admin, operator)
}

async fn reauthenticate(user: &User, password: &str) {
    let (status, body) = user
        .post("/api/me/reauthenticate", json!({ "password": password }))
        .await;
    assert_eq!(status, 200, "{body}");
}

/// One trip: starts at `start` (the sign-in or the link endpoint) in `browser`, logs in at the
/// broker as `who`, follows the broker back to Poort's callback; returns where Poort sends the
/// browser.
async fn trip(browser: &User, start: &str, broker: &Broker, who: &Login) -> String {
    let (status, body) = browser.post(start, json!({})).await;
    assert_eq!(status, 200, "{start}: {body}");
    let authorize = body["authorize_url"].as_str().unwrap();
    assert!(authorize.starts_with(&broker.issuer), "{authorize}");
    for part in [
        "code_challenge_method=S256",
        "prompt=login",
        "nonce=",
        "state=",
        "acr_values=",
    ] {
        assert!(authorize.contains(part), "{part} in {authorize}");
    }
    let back = broker.login(authorize, who).await;
    callback(browser, &back).await
}

/// Poort's answer to the broker's redirect back: must be a 303; its Location.
async fn callback(browser: &User, back: &str) -> String {
    let answer = browser.no_redirect.get(back).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 303, "{back}");
    answer.headers()["location"].to_str().unwrap().to_string()
}

fn refused(location: &str, reason: &str) {
    assert!(
        location.starts_with(&format!("/eherkenning/geweigerd?reden={reason}")),
        "expected the refusal {reason}, went to {location}"
    );
}

async fn linked(user: &User) -> Value {
    let (status, body) = user.get("/api/me/eherkenning").await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn audit_actions(operator: &User) -> Vec<String> {
    let (status, body) = operator.get("/api/operator/audit?limit=200").await;
    assert_eq!(status, 200, "{body}");
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

async fn link_sign_in_and_unlink(app: &TestApp, broker: &Broker) {
    let (_, kvk, adviser, id, _, operator) = office(app, 1).await;
    assert_eq!(linked(&adviser).await["linked"], false);
    // Linking needs a recent re-authentication (the session from the set-up has none).
    let (status, body) = adviser.post("/api/me/eherkenning", json!({})).await;
    assert_eq!(
        (status, code(&body)),
        (401, "reauthentication_required"),
        "{body}"
    );
    reauthenticate(&adviser, PASSWORD).await;
    let who = Login::new(&kvk, "pseudoniem-adviseur-1");
    let went = trip(&adviser, "/api/me/eherkenning", broker, &who).await;
    assert_eq!(went, "/mijn-account?eherkenning=gekoppeld");
    let link = linked(&adviser).await;
    assert_eq!(link["linked"], true, "{link}");
    assert_eq!(link["kvk_number"], kvk.as_str());
    let (_, detail) = operator.get(&format!("/api/operator/accounts/{id}")).await;
    assert_eq!(
        detail["account"]["factors"]["eherkenning"], true,
        "{detail}"
    );
    let mail = app.outbox().await;
    assert!(
        mail.iter()
            .any(|m| m["recipient"] == "adviseur1@kantoor1.example"
                && m["body"]
                    .as_str()
                    .unwrap()
                    .contains("eHerkenning is aan uw account gekoppeld")),
        "the owner is told"
    );
    // Another browser signs in with eHerkenning alone.
    let browser = User::new(&app.address);
    let went = trip(&browser, "/api/eherkenning/sign-in", broker, &who).await;
    assert_eq!(went, "/start");
    let (status, me) = browser.get("/api/me").await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["id"], id.as_str());
    // The password has expired meanwhile: eHerkenning still signs in (documented decision).
    // (Aged in the database: Poort's clock must stay with the broker's, which signs tokens
    // for the next 10 minutes.)
    app.db
        .execute("UPDATE accounts SET password_changed_at = 1000 WHERE email = 'adviseur1@kantoor1.example'")
        .await;
    let later = User::new(&app.address);
    assert_eq!(
        trip(&later, "/api/eherkenning/sign-in", broker, &who).await,
        "/start"
    );
    let actions = audit_actions(&operator).await;
    assert!(
        actions.contains(&"eherkenning.linked".to_string()),
        "{actions:?}"
    );
    assert!(actions.contains(&"session.started".to_string()));
    // Unlinking needs a recent re-authentication too, then the identity no longer signs in.
    let (status, body) = later.delete("/api/me/eherkenning").await;
    assert_eq!(
        (status, code(&body)),
        (401, "reauthentication_required"),
        "{body}"
    );
    // (The password is expired, but it still proves who it is for re-authentication.)
    reauthenticate(&later, PASSWORD).await;
    let (status, body) = later.delete("/api/me/eherkenning").await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(linked(&later).await["linked"], false);
    let stranger = User::new(&app.address);
    refused(
        &trip(&stranger, "/api/eherkenning/sign-in", broker, &who).await,
        "not_linked",
    );
    assert!(
        audit_actions(&operator)
            .await
            .contains(&"eherkenning.unlinked".to_string())
    );
}

async fn every_refusal_is_explained_and_changes_nothing(app: &TestApp, broker: &Broker) {
    let (_, kvk, adviser, _, _, operator) = office(app, 2).await;
    reauthenticate(&adviser, PASSWORD).await;
    let link = "/api/me/eherkenning";
    let me = |who: &Login| who.clone();
    let base = Login::new(&kvk, "pseudoniem-2");
    let cases: Vec<(Login, String)> = vec![
        (
            Login {
                outcome: Outcome::Deny,
                ..me(&base)
            },
            "not_authorised".into(),
        ),
        (
            Login {
                outcome: Outcome::Cancel,
                ..me(&base)
            },
            "cancelled".into(),
        ),
        (
            Login {
                level: "loa2plus",
                ..me(&base)
            },
            "level_too_low&niveau=EH3".into(),
        ),
        (
            Login::new("87654321", "pseudoniem-2"),
            format!("other_company&kvk={kvk}"),
        ),
        (
            Login {
                intermediary: Some("11223344".into()),
                ..me(&base)
            },
            "intermediary".into(),
        ),
    ];
    for (who, expected) in &cases {
        refused(&trip(&adviser, link, broker, who).await, expected);
        assert_eq!(
            linked(&adviser).await["linked"],
            false,
            "{expected}: nothing linked"
        );
    }
    // The same refusals on the sign-in path (the level first: said whether linked or not).
    let browser = User::new(&app.address);
    for (who, expected) in &cases[..3] {
        refused(
            &trip(&browser, "/api/eherkenning/sign-in", broker, who).await,
            expected,
        );
    }
    refused(
        &trip(&browser, "/api/eherkenning/sign-in", broker, &base).await,
        "not_linked",
    );
    let (status, _) = browser.get("/api/me").await;
    assert_eq!(status, 401, "nobody signed in");
    let refusals = audit_actions(&operator)
        .await
        .iter()
        .filter(|a| *a == "eherkenning.refused")
        .count();
    assert_eq!(refusals, cases.len() + 4, "each refusal audited");
    // The relations team has no office to link for.
    reauthenticate(&operator, "olifant paars dak").await;
    let (status, body) = operator.post(link, json!({})).await;
    assert_eq!((status, code(&body)), (403, "forbidden"), "{body}");
}

async fn state_is_single_use_bound_to_the_browser_and_expires(app: &TestApp, broker: &Broker) {
    let (_, kvk, adviser, _, _, _) = office(app, 3).await;
    reauthenticate(&adviser, PASSWORD).await;
    let who = Login::new(&kvk, "pseudoniem-3");
    assert_eq!(linked(&adviser).await["linked"], false);
    // Another browser brings back a trip this one began: refused, and the trip is gone.
    let (_, body) = adviser.post("/api/me/eherkenning", json!({})).await;
    let back = broker
        .login(body["authorize_url"].as_str().unwrap(), &who)
        .await;
    let thief = User::new(&app.address);
    refused(&callback(&thief, &back).await, "state_invalid");
    refused(&callback(&adviser, &back).await, "state_invalid");
    // A trip returns once: the same answer again is refused.
    let (_, body) = adviser.post("/api/me/eherkenning", json!({})).await;
    let back = broker
        .login(body["authorize_url"].as_str().unwrap(), &who)
        .await;
    assert_eq!(
        callback(&adviser, &back).await,
        "/mijn-account?eherkenning=gekoppeld"
    );
    refused(&callback(&adviser, &back).await, "state_invalid");
    // A trip older than 10 minutes is refused.
    let browser = User::new(&app.address);
    let (_, body) = browser.post("/api/eherkenning/sign-in", json!({})).await;
    let back = broker
        .login(body["authorize_url"].as_str().unwrap(), &who)
        .await;
    app.advance(Duration::minutes(11));
    refused(&callback(&browser, &back).await, "state_invalid");
    // Without a state or with a made-up one.
    let bare = format!("{}/api/eherkenning/callback?code=x", app.address);
    refused(&callback(&browser, &bare).await, "state_invalid");
    refused(
        &callback(&browser, &format!("{bare}&state=verzonnen")).await,
        "state_invalid",
    );
}

async fn id_tokens_with_a_wrong_nonce_or_another_key_are_refused(app: &TestApp, broker: &Broker) {
    let (_, kvk, adviser, _, _, _) = office(app, 4).await;
    reauthenticate(&adviser, PASSWORD).await;
    for tamper in ["nonce", "key"] {
        let who = Login {
            tamper,
            ..Login::new(&kvk, "pseudoniem-4")
        };
        refused(
            &trip(&adviser, "/api/me/eherkenning", broker, &who).await,
            "invalid_answer",
        );
        assert_eq!(linked(&adviser).await["linked"], false, "{tamper}");
    }
    let who = Login::new(&kvk, "pseudoniem-4");
    assert_eq!(
        trip(&adviser, "/api/me/eherkenning", broker, &who).await,
        "/mijn-account?eherkenning=gekoppeld",
        "the same login untampered links"
    );
}

async fn an_identity_links_to_one_account_only(app: &TestApp, broker: &Broker) {
    let (_, kvk, adviser, _, admin, _) = office(app, 5).await;
    reauthenticate(&adviser, PASSWORD).await;
    let who = Login::new(&kvk, "pseudoniem-5");
    assert_eq!(
        trip(&adviser, "/api/me/eherkenning", broker, &who).await,
        "/mijn-account?eherkenning=gekoppeld"
    );
    let (status, body) = adviser.post("/api/me/eherkenning", json!({})).await;
    assert_eq!(
        (status, code(&body)),
        (409, "eherkenning_already_linked"),
        "{body}"
    );
    // The administrator of the same office tries to link the adviser's identity.
    reauthenticate(&admin, ADMIN_PASSWORD).await;
    refused(
        &trip(&admin, "/api/me/eherkenning", broker, &who).await,
        "already_linked",
    );
    assert_eq!(linked(&admin).await["linked"], false);
    // The same person at another company is another identity.
    let elsewhere = Login::new(&kvk, "pseudoniem-5-beheerder");
    assert_eq!(
        trip(&admin, "/api/me/eherkenning", broker, &elsewhere).await,
        "/mijn-account?eherkenning=gekoppeld"
    );
}

async fn blocked_deactivated_reset_and_a_changed_kvk_number_stop_the_sign_in(
    app: &TestApp,
    broker: &Broker,
) {
    let (office, kvk, adviser, id, admin, operator) = office(app, 6).await;
    reauthenticate(&adviser, PASSWORD).await;
    let who = Login::new(&kvk, "pseudoniem-6");
    assert_eq!(
        trip(&adviser, "/api/me/eherkenning", broker, &who).await,
        "/mijn-account?eherkenning=gekoppeld"
    );
    let sign_in = || async {
        let browser = User::new(&app.address);
        trip(&browser, "/api/eherkenning/sign-in", broker, &who).await
    };
    assert_eq!(sign_in().await, "/start");
    let (status, body) = admin
        .post(&format!("/api/office/accounts/{id}/deactivate"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    refused(&sign_in().await, "account_deactivated");
    let (status, body) = admin
        .post(&format!("/api/office/accounts/{id}/reactivate"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sign_in().await, "/start");
    // The office's KvK number changes: the identity no longer acts for it.
    let (status, body) = operator
        .patch(
            &format!("/api/operator/offices/{office}"),
            json!({ "kvk_number": "99887766" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    refused(&sign_in().await, "other_company&kvk=99887766");
    let (status, body) = operator
        .patch(
            &format!("/api/operator/offices/{office}"),
            json!({ "kvk_number": kvk }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sign_in().await, "/start");
    // Five wrong passwords block the account: eHerkenning is refused as the password is.
    let stranger = User::new(&app.address);
    for _ in 0..5 {
        let (status, _) = stranger
            .post(
                "/api/sign-in",
                json!({ "email": "adviseur6@kantoor6.example", "password": "fout fout fout fout" }),
            )
            .await;
        assert_eq!(status, 400);
    }
    let (_, detail) = operator.get(&format!("/api/operator/accounts/{id}")).await;
    assert_eq!(detail["account"]["status"], "blocked", "{detail}");
    refused(&sign_in().await, "account_blocked");
    // The relations team resets the sign-in set-up: the link is gone.
    let (status, body) = operator
        .post(
            &format!("/api/operator/accounts/{id}/reset-sign-in"),
            json!({}),
        )
        .await;
    assert!(status == 200 || status == 204, "{status} {body}");
    refused(&sign_in().await, "not_linked");
}

/// An adviser who changes office keeps the eHerkenning link only when the new office is the
/// company the link is for (KvK numbers are unique, so: the old office's number changed and a
/// new office has the company's); moved to another company's office, the link goes.
async fn a_move_keeps_the_link_only_for_the_same_company(app: &TestApp, broker: &Broker) {
    let (office7, kvk, adviser, id, _, operator) = office(app, 7).await;
    reauthenticate(&adviser, PASSWORD).await;
    let who = Login::new(&kvk, "pseudoniem-7");
    assert_eq!(
        trip(&adviser, "/api/me/eherkenning", broker, &who).await,
        "/mijn-account?eherkenning=gekoppeld"
    );
    let (status, body) = operator
        .patch(
            &format!("/api/operator/offices/{office7}"),
            json!({ "kvk_number": "99887711" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, same) = operator
        .post(
            "/api/operator/offices",
            json!({ "name": "Zelfde Bedrijf", "kvk_number": kvk }),
        )
        .await;
    assert_eq!(status, 201, "{same}");
    let (status, moved) = operator
        .post(
            &format!("/api/operator/accounts/{id}/move"),
            json!({ "office_id": same["id"] }),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["account"]["factors"]["eherkenning"], true, "{moved}");
    let browser = User::new(&app.address);
    assert_eq!(
        trip(&browser, "/api/eherkenning/sign-in", broker, &who).await,
        "/start"
    );

    let (status, other) = operator
        .post(
            "/api/operator/offices",
            json!({ "name": "Ander Bedrijf", "kvk_number": "55667788" }),
        )
        .await;
    assert_eq!(status, 201, "{other}");
    let (status, moved) = operator
        .post(
            &format!("/api/operator/accounts/{id}/move"),
            json!({ "office_id": other["id"] }),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["account"]["factors"]["eherkenning"], false, "{moved}");
    refused(
        &trip(
            &User::new(&app.address),
            "/api/eherkenning/sign-in",
            broker,
            &who,
        )
        .await,
        "not_linked",
    );
    let mail = app.outbox().await;
    assert!(
        mail.iter()
            .any(|m| m["recipient"] == "adviseur7@kantoor7.example"
                && m["body"].as_str().unwrap().contains("ontkoppeld")),
        "the person is told the link went"
    );
}

async fn plain_claims_from_userinfo_link_and_sign_in(app: &TestApp, broker: &Broker) {
    let (_, kvk, adviser, id, _, _) = office(app, 7).await;
    reauthenticate(&adviser, PASSWORD).await;
    let who = Login::new(&kvk, "pseudoniem-7");
    assert_eq!(
        trip(&adviser, "/api/me/eherkenning", broker, &who).await,
        "/mijn-account?eherkenning=gekoppeld"
    );
    assert_eq!(linked(&adviser).await["kvk_number"], kvk.as_str());
    let browser = User::new(&app.address);
    assert_eq!(
        trip(&browser, "/api/eherkenning/sign-in", broker, &who).await,
        "/start"
    );
    let (_, me) = browser.get("/api/me").await;
    assert_eq!(me["id"], id.as_str());
    // EH2+ reads as `loa:low` in acr and `EH2+` in the level claim: too low.
    let low = Login {
        level: "loa2plus",
        ..who.clone()
    };
    refused(
        &trip(
            &User::new(&app.address),
            "/api/eherkenning/sign-in",
            broker,
            &low,
        )
        .await,
        "level_too_low&niveau=EH3",
    );
}

/// Off unless configured; a broker that does not answer is said so at the start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_broker_eherkenning_is_off_or_unreachable() {
    let app = crate::helpers::spawn_app(Kind::Sqlite).await.unwrap();
    let (status, body) = app
        .anonymous
        .post("/api/eherkenning/sign-in", json!({}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (404, "eherkenning_unavailable"),
        "{body}"
    );
    let (_, config) = app.anonymous.get("/api/config").await;
    assert!(config.get("eherkenning").is_none(), "{config}");
    let port = poort_e2e::free_port();
    let app = spawn_app_with(Kind::Sqlite, |s| {
        s.eherkenning.issuer = Some(format!("http://127.0.0.1:{port}"));
        s.eherkenning.client_id = Some(CLIENT_ID.into());
        s.eherkenning.client_secret = Some(SecretString::from(CLIENT_SECRET));
    })
    .await
    .unwrap();
    let (_, config) = app.anonymous.get("/api/config").await;
    assert_eq!(config["eherkenning"]["minimum_level"], "EH3", "{config}");
    let (status, body) = app
        .anonymous
        .post("/api/eherkenning/sign-in", json!({}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (503, "eherkenning_unreachable"),
        "{body}"
    );
}

/// Starts and returns are limited per address (429 at the start; the refusal page on return).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_and_returns_are_rate_limited_per_address() {
    let port = poort_e2e::free_port();
    let app = spawn_app_with(Kind::Sqlite, |s| {
        s.eherkenning.issuer = Some(format!("http://127.0.0.1:{port}"));
        s.eherkenning.client_id = Some(CLIENT_ID.into());
        s.eherkenning.client_secret = Some(SecretString::from(CLIENT_SECRET));
        s.policy.eherkenning_per_minute_per_client = 2;
    })
    .await
    .unwrap();
    for _ in 0..2 {
        let (status, body) = app
            .anonymous
            .post("/api/eherkenning/sign-in", json!({}))
            .await;
        assert_eq!(
            (status, code(&body)),
            (503, "eherkenning_unreachable"),
            "{body}"
        );
    }
    let (status, body) = app
        .anonymous
        .post("/api/eherkenning/sign-in", json!({}))
        .await;
    assert_eq!((status, code(&body)), (429, "rate_limited"), "{body}");
    let back = format!("{}/api/eherkenning/callback?state=x&code=y", app.address);
    refused(&callback(&app.anonymous, &back).await, "state_invalid");
    refused(&callback(&app.anonymous, &back).await, "state_invalid");
    refused(&callback(&app.anonymous, &back).await, "rate_limited");
    app.advance(Duration::minutes(1));
    refused(&callback(&app.anonymous, &back).await, "state_invalid");
}

/// `private_key_jwt`: Poort authenticates at the broker's token endpoint with a client
/// assertion signed by its own key (ES256), the broker holding only the public half.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poort_can_authenticate_to_the_broker_with_private_key_jwt() {
    if !poort_e2e::broker::available() {
        return;
    }
    let keys = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/keys");
    let dir = tempfile::tempdir().unwrap();
    let public = std::fs::read_to_string(keys.join("test-only-ec-public.pem")).unwrap();
    let mut jwk = poort_api::auth::client_keys::parse(&public).unwrap().jwk;
    jwk["kid"] = json!("poort-ec-1");
    let jwks = dir.path().join("poort.jwks.json");
    std::fs::write(&jwks, json!({ "keys": [jwk] }).to_string()).unwrap();
    let port = poort_e2e::free_port();
    let app = spawn_app_with(Kind::Sqlite, |s| {
        s.eherkenning.issuer = Some(format!("http://127.0.0.1:{port}"));
        s.eherkenning.client_id = Some(CLIENT_ID.into());
        s.eherkenning.client_auth = poort_api::configuration::BrokerClientAuth::PrivateKeyJwt;
        s.eherkenning.private_key_file = Some(keys.join("test-only-ec-private.pem"));
        s.eherkenning.private_key_id = Some("poort-ec-1".into());
    })
    .await
    .unwrap();
    let redirect = format!("{}/api/eherkenning/callback", app.address);
    let broker = Broker::start_for_key(port, Shape::Urn, &redirect, CLIENT_ID, &jwks).await;
    let (_, kvk, adviser, id, _, _) = office(&app, 8).await;
    reauthenticate(&adviser, PASSWORD).await;
    let who = Login::new(&kvk, "pseudoniem-8");
    assert_eq!(
        trip(&adviser, "/api/me/eherkenning", &broker, &who).await,
        "/mijn-account?eherkenning=gekoppeld"
    );
    let browser = User::new(&app.address);
    assert_eq!(
        trip(&browser, "/api/eherkenning/sign-in", &broker, &who).await,
        "/start"
    );
    let (_, me) = browser.get("/api/me").await;
    assert_eq!(me["id"], id.as_str());
}
