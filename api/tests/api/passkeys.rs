//! Passkeys over HTTP with a software authenticator (webauthn-authenticator-rs' `SoftPasskey`,
//! the crate family's own test authenticator): adding one after re-authentication, the second
//! factor after the password, signing in with a passkey alone, a replayed answer, another
//! site's passkey, a removed passkey, renaming, a reset by the relations team, a blocked and a
//! deactivated account, and an invitee who sets up a passkey instead of the app — on SQLite
//! and PostgreSQL.
//!
//! The soft authenticator keeps no resident keys and returns no user handle, so the test asks
//! it for a plain credential (the server asks for a resident key; it does not verify that the
//! authenticator kept one) and, for the passwordless sign-in, names the credential and writes
//! the user handle itself — the user handle is not signed; the server checks it names the
//! account the credential belongs to.

use chrono::Duration;
use poort_e2e::db::Kind;
use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse, Url};

use crate::helpers::{TestApp, User, code, spawn_app_with};

const PASSWORD: &str = "olifant paars dak";

/// The app at `http://localhost:<port>`: WebAuthn needs a host name, not an IP address.
async fn spawn(kind: Kind) -> Option<TestApp> {
    let port = poort_e2e::free_port();
    let mut app = spawn_app_with(kind, |s| {
        s.server.port = port;
        s.server.public_url = Some(format!("http://localhost:{port}"));
        s.policy.lockout_threshold = 3;
        s.policy.sign_ins_per_minute_per_client = 1000;
    })
    .await?;
    app.address = format!("http://localhost:{port}");
    app.anonymous = User::new(&app.address);
    Some(app)
}

type Authenticator = WebauthnAuthenticator<SoftPasskey>;

fn authenticator() -> Authenticator {
    // `true`: the soft authenticator claims user verification (it has no PIN or biometrics).
    WebauthnAuthenticator::new(SoftPasskey::new(true))
}

async fn reauthenticate(user: &User) {
    let (status, body) = user
        .post("/api/me/reauthenticate", json!({ "password": PASSWORD }))
        .await;
    assert_eq!(status, 200, "{body}");
}

/// Registers a passkey for the signed-in `user` (re-authenticated first); returns its id and
/// the credential id.
async fn add_passkey(
    app: &TestApp,
    user: &User,
    device: &mut Authenticator,
    name: &str,
) -> (String, Value) {
    reauthenticate(user).await;
    let (status, started) = user.post("/api/me/passkeys/options", json!({})).await;
    assert_eq!(status, 200, "{started}");
    let options = &started["options"];
    assert_eq!(
        options["publicKey"]["authenticatorSelection"]["residentKey"], "required",
        "a discoverable credential is asked for"
    );
    assert_eq!(
        options["publicKey"]["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert_eq!(options["publicKey"]["rp"]["id"], "localhost");
    let credential = register(app, device, options);
    let (status, added) = user
        .post(
            "/api/me/passkeys",
            json!({ "challenge_id": started["challenge_id"], "name": name, "credential": credential }),
        )
        .await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["name"], name);
    // The same answer again: its challenge is spent.
    let (status, again) = user
        .post(
            "/api/me/passkeys",
            json!({ "challenge_id": started["challenge_id"], "name": name, "credential": credential }),
        )
        .await;
    assert_eq!((status, code(&again)), (400, "passkey_challenge_invalid"));
    (
        added["id"].as_str().unwrap().to_string(),
        credential["rawId"].clone(),
    )
}

/// The soft authenticator's answer to registration options, as the browser's `toJSON()`.
fn register(app: &TestApp, device: &mut Authenticator, options: &Value) -> Value {
    let mut ccr: CreationChallengeResponse = serde_json::from_value(options.clone()).unwrap();
    if let Some(selection) = ccr.public_key.authenticator_selection.as_mut() {
        selection.resident_key = None;
        selection.require_resident_key = false;
    }
    let credential = device
        .do_registration(Url::parse(&app.address).unwrap(), ccr)
        .expect("the soft authenticator registers");
    serde_json::to_value(credential).unwrap()
}

/// The soft authenticator's assertion for `options` at `origin`; with `credential_id`, that
/// credential is named (as a discoverable credential would be found) and `user_handle` set.
fn assert_with(
    device: &mut Authenticator,
    origin: &str,
    options: &Value,
    discoverable: Option<(&Value, uuid::Uuid)>,
) -> Value {
    let mut options = options.clone();
    if let Some((credential_id, _)) = discoverable {
        options["publicKey"]["allowCredentials"] =
            json!([{ "type": "public-key", "id": credential_id }]);
        options.as_object_mut().unwrap().remove("mediation");
    }
    let rcr: RequestChallengeResponse = serde_json::from_value(options).unwrap();
    let mut assertion = device
        .do_authentication(Url::parse(origin).unwrap(), rcr)
        .expect("the soft authenticator signs");
    if let Some((_, account)) = discoverable {
        assertion.response.user_handle = Some(account.as_bytes().to_vec().into());
    }
    serde_json::to_value(assertion).unwrap()
}

async fn password_step(app: &TestApp, email: &str, password: &str) -> (User, Value) {
    let browser = User::new(&app.address);
    let (status, step) = browser
        .post(
            "/api/sign-in",
            json!({ "email": email, "password": password }),
        )
        .await;
    assert_eq!(status, 200, "{step}");
    (browser, step)
}

async fn passwordless(
    app: &TestApp,
    device: &mut Authenticator,
    credential_id: &Value,
    account: uuid::Uuid,
) -> (User, u16, Value) {
    let browser = User::new(&app.address);
    let (status, started) = browser
        .post("/api/sign-in/passkey/discoverable/options", json!({}))
        .await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["options"]["mediation"], "conditional");
    let assertion = assert_with(
        device,
        &app.address,
        &started["options"],
        Some((credential_id, account)),
    );
    let (status, body) = browser
        .post(
            "/api/sign-in/passkey/discoverable",
            json!({ "challenge_id": started["challenge_id"], "credential": assertion }),
        )
        .await;
    (browser, status, body)
}

async fn passkeys_from_registration_to_removal(app: &TestApp) {
    let operator = app.operator().await;
    let (_, me) = operator.get("/api/me").await;
    let email = me["email"].as_str().unwrap().to_string();
    let account: uuid::Uuid = me["id"].as_str().unwrap().parse().unwrap();
    let mut device = authenticator();

    // Adding one needs a recent re-authentication.
    app.advance(Duration::minutes(11));
    let (status, body) = operator.post("/api/me/passkeys/options", json!({})).await;
    assert_eq!((status, code(&body)), (401, "reauthentication_required"));
    let before = app.outbox().await.len();
    let (passkey_id, credential_id) = add_passkey(app, &operator, &mut device, "Laptop").await;
    let outbox = app.outbox().await;
    assert_eq!(outbox.len(), before + 1, "the owner is told");
    assert!(
        outbox.iter().any(|m| m["body"]
            .as_str()
            .unwrap_or_default()
            .contains("passkey aan uw account toegevoegd: “Laptop”")),
        "{outbox:?}"
    );
    let (_, profile) = operator.get("/api/me/profile").await;
    assert_eq!(profile["factors"]["passkeys"], 1);
    let (_, list) = operator.get("/api/me/passkeys").await;
    assert_eq!(list["passkeys"].as_array().unwrap().len(), 1);
    assert!(list["passkeys"][0]["last_used_at"].is_null());

    // Renamed.
    let (status, renamed) = operator
        .patch(
            &format!("/api/me/passkeys/{passkey_id}"),
            json!({ "name": "  Werklaptop " }),
        )
        .await;
    assert_eq!(
        (status, renamed["name"].as_str()),
        (200, Some("Werklaptop")),
        "{renamed}"
    );
    let (status, bad) = operator
        .patch(
            &format!("/api/me/passkeys/{passkey_id}"),
            json!({ "name": "   " }),
        )
        .await;
    assert_eq!((status, code(&bad)), (400, "invalid_name"));

    // The second factor after the password: a passkey is offered first.
    let (browser, step) = password_step(app, &email, PASSWORD).await;
    assert_eq!(step["methods"], json!(["passkey", "authenticator", "sms"]));
    let token = step["sign_in_token"].clone();
    let (status, started) = browser
        .post(
            "/api/sign-in/passkey/options",
            json!({ "sign_in_token": token }),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    let assertion = assert_with(&mut device, &app.address, &started["options"], None);
    let (status, done) = browser
        .post(
            "/api/sign-in/passkey",
            json!({ "sign_in_token": token, "challenge_id": started["challenge_id"], "credential": assertion }),
        )
        .await;
    assert_eq!(
        (status, done["step"].as_str()),
        (200, Some("done")),
        "{done}"
    );
    let (status, _) = browser.get("/api/me").await;
    assert_eq!(status, 200, "signed in");

    // A replayed assertion: against its spent challenge, and against a fresh one.
    let (browser, step) = password_step(app, &email, PASSWORD).await;
    let token = step["sign_in_token"].clone();
    let (status, replay) = browser
        .post(
            "/api/sign-in/passkey",
            json!({ "sign_in_token": token, "challenge_id": started["challenge_id"], "credential": assertion }),
        )
        .await;
    assert_eq!((status, code(&replay)), (400, "passkey_challenge_invalid"));
    let (_, fresh) = browser
        .post(
            "/api/sign-in/passkey/options",
            json!({ "sign_in_token": token }),
        )
        .await;
    let (status, replay) = browser
        .post(
            "/api/sign-in/passkey",
            json!({ "sign_in_token": token, "challenge_id": fresh["challenge_id"], "credential": assertion }),
        )
        .await;
    assert_eq!(
        (status, code(&replay)),
        (400, "passkey_invalid"),
        "{replay}"
    );
    // Another sign-in's challenge is not this one's.
    let (other, other_step) = password_step(app, &email, PASSWORD).await;
    let (_, theirs) = other
        .post(
            "/api/sign-in/passkey/options",
            json!({ "sign_in_token": other_step["sign_in_token"] }),
        )
        .await;
    let assertion = assert_with(&mut device, &app.address, &theirs["options"], None);
    let (status, refused) = browser
        .post(
            "/api/sign-in/passkey",
            json!({ "sign_in_token": token, "challenge_id": theirs["challenge_id"], "credential": assertion }),
        )
        .await;
    assert_eq!((status, code(&refused)), (400, "passkey_challenge_invalid"));

    // Passwordless: the passkey alone.
    let (browser, status, done) = passwordless(app, &mut device, &credential_id, account).await;
    assert_eq!(
        (status, done["step"].as_str()),
        (200, Some("done")),
        "{done}"
    );
    assert_eq!(done["account"]["email"], email.as_str());
    let (status, _) = browser.get("/api/me/profile").await;
    assert_eq!(status, 200, "signed in without password or code");
    let (_, list) = browser.get("/api/me/passkeys").await;
    assert!(list["passkeys"][0]["last_used_at"].is_string(), "{list}");
    // The user handle must name the credential's own account.
    let (_, status, refused) =
        passwordless(app, &mut device, &credential_id, uuid::Uuid::from_u128(7)).await;
    assert_eq!((status, code(&refused)), (400, "passkey_invalid"));

    // Another site: a phishing page has the authenticator sign at its own origin and relays the
    // answer (the same passkey, found by its id) — refused.
    let relay = User::new(&app.address);
    let (_, started) = relay
        .post("/api/sign-in/passkey/discoverable/options", json!({}))
        .await;
    let mut options = started["options"].clone();
    options["publicKey"]["rpId"] = json!("evil.example");
    let assertion = assert_with(
        &mut device,
        "https://evil.example",
        &options,
        Some((&credential_id, account)),
    );
    let (status, refused) = relay
        .post(
            "/api/sign-in/passkey/discoverable",
            json!({ "challenge_id": started["challenge_id"], "credential": assertion }),
        )
        .await;
    assert_eq!(
        (status, code(&refused)),
        (400, "passkey_invalid"),
        "{refused}"
    );
    // Nor is a passkey made at another site registered here.
    reauthenticate(&operator).await;
    let (_, mut foreign_options) = operator.post("/api/me/passkeys/options", json!({})).await;
    foreign_options["options"]["publicKey"]["rp"]["id"] = json!("evil.example");
    let mut ccr: CreationChallengeResponse =
        serde_json::from_value(foreign_options["options"].clone()).unwrap();
    if let Some(selection) = ccr.public_key.authenticator_selection.as_mut() {
        selection.resident_key = None;
        selection.require_resident_key = false;
    }
    let foreign = authenticator()
        .do_registration(Url::parse("https://evil.example").unwrap(), ccr)
        .expect("registers at the other site");
    let (status, refused) = operator
        .post(
            "/api/me/passkeys",
            json!({ "challenge_id": foreign_options["challenge_id"], "name": "Elders", "credential": foreign }),
        )
        .await;
    assert_eq!(
        (status, code(&refused)),
        (400, "passkey_invalid"),
        "registered at another site"
    );

    // Proving it is still this person with the passkey, as with the password.
    app.advance(Duration::minutes(11));
    let (status, body) = operator
        .delete(&format!("/api/me/passkeys/{passkey_id}"))
        .await;
    assert_eq!((status, code(&body)), (401, "reauthentication_required"));
    let (status, started) = operator
        .post("/api/me/reauthenticate/passkey/options", json!({}))
        .await;
    assert_eq!(status, 200, "{started}");
    let assertion = assert_with(&mut device, &app.address, &started["options"], None);
    let (status, proof) = operator
        .post(
            "/api/me/reauthenticate/passkey",
            json!({ "challenge_id": started["challenge_id"], "credential": assertion }),
        )
        .await;
    assert_eq!(status, 200, "{proof}");
    assert!(proof["until"].is_string());

    // The last passkey goes only while another second factor stays (here: app and SMS).
    let (status, body) = operator
        .delete(&format!("/api/me/passkeys/{passkey_id}"))
        .await;
    assert_eq!(status, 204, "{body}");
    let (_, list) = operator.get("/api/me/passkeys").await;
    assert!(list["passkeys"].as_array().unwrap().is_empty());
    // A removed passkey signs in no more.
    let (_, status, refused) = passwordless(app, &mut device, &credential_id, account).await;
    assert_eq!((status, code(&refused)), (400, "passkey_invalid"));
    let (_, step) = password_step(app, &email, PASSWORD).await;
    assert_eq!(step["methods"], json!(["authenticator", "sms"]));

    // Audited.
    let (_, events) = operator.get("/api/me/events").await;
    let actions: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in [
        "passkey.added",
        "passkey.renamed",
        "passkey.removed",
        "sign_in.passkey_refused",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

async fn a_blocked_account_and_a_reset_stop_passkeys(app: &TestApp) {
    let operator = app.operator().await;
    let (_, admin_email, admin) = {
        let (office, _, admin) = app.office_with_admin(&operator, 1).await;
        let (_, me) = admin.get("/api/me").await;
        (office, me["email"].as_str().unwrap().to_string(), admin)
    };
    let (_, me) = admin.get("/api/me").await;
    let account: uuid::Uuid = me["id"].as_str().unwrap().parse().unwrap();
    let mut device = authenticator();
    let admin_password = "groene tractor in de wei";
    let (status, body) = admin
        .post(
            "/api/me/reauthenticate",
            json!({ "password": admin_password }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, started) = admin.post("/api/me/passkeys/options", json!({})).await;
    assert_eq!(status, 200, "{started}");
    let credential = register(app, &mut device, &started["options"]);
    let (status, added) = admin
        .post(
            "/api/me/passkeys",
            json!({ "challenge_id": started["challenge_id"], "name": "Telefoon", "credential": credential }),
        )
        .await;
    assert_eq!(status, 201, "{added}");
    let credential_id = credential["rawId"].clone();

    // Blocked by wrong passwords: the passkey does not get around it.
    for _ in 0..3 {
        password_step_wrong(app, &admin_email).await;
    }
    let (_, status, refused) = passwordless(app, &mut device, &credential_id, account).await;
    assert_eq!(
        (status, code(&refused)),
        (403, "account_blocked"),
        "{refused}"
    );

    // The relations team resets the sign-in set-up: the passkeys go with it.
    let (status, reset) = operator
        .post(
            &format!("/api/operator/accounts/{account}/reset-sign-in"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{reset}");
    let (_, status, refused) = passwordless(app, &mut device, &credential_id, account).await;
    assert_eq!((status, code(&refused)), (400, "passkey_invalid"));
    let (_, events) = operator
        .get("/api/operator/audit?action=account.sign_in_reset")
        .await;
    assert_eq!(
        events["events"][0]["details"]["passkeys_removed"], 1,
        "{events}"
    );
}

async fn an_invitee_sets_up_a_passkey_instead_of_the_app(app: &TestApp) {
    let operator = app.operator().await;
    let (_, portfolios, admin) = app.office_with_admin(&operator, 3).await;
    let email = "pieter@kantoor.example";
    let (status, body) = admin
        .post(
            "/api/office/invitations",
            json!({
                "name": "Pieter Passkey",
                "email": email,
                "rights": [{ "portfolio_id": portfolios[0], "rights": ["view_policies"] }]
            }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let token = TestApp::token_of(&app.link_for(email).await);
    let invitee = User::new(&app.address);
    let (status, body) = invitee
        .post(
            &format!("/api/invitations/{token}/password"),
            json!({ "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let setup = body["setup_token"].clone();
    // Not before the mobile number is confirmed: it stays mandatory.
    let (status, early) = invitee
        .post(
            &format!("/api/invitations/{token}/passkey/options"),
            json!({ "setup_token": setup }),
        )
        .await;
    assert_eq!((status, code(&early)), (409, "step_out_of_order"));
    let (status, body) = invitee
        .post(
            &format!("/api/invitations/{token}/mobile"),
            json!({ "setup_token": setup, "mobile": "0655555555" }),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let sms = app.sms_code("+31655555555").await;
    let (status, body) = invitee
        .post(
            &format!("/api/invitations/{token}/mobile/verify"),
            json!({ "setup_token": setup, "code": sms }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, started) = invitee
        .post(
            &format!("/api/invitations/{token}/passkey/options"),
            json!({ "setup_token": setup }),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    let mut device = authenticator();
    let credential = register(app, &mut device, &started["options"]);
    let (status, me) = invitee
        .post(
            &format!("/api/invitations/{token}/passkey"),
            json!({ "setup_token": setup, "challenge_id": started["challenge_id"], "name": "Telefoon", "credential": credential }),
        )
        .await;
    assert_eq!(status, 200, "{me}");
    let account: uuid::Uuid = me["id"].as_str().unwrap().parse().unwrap();
    let (_, profile) = invitee.get("/api/me/profile").await;
    assert_eq!(profile["factors"]["authenticator"], false);
    assert_eq!(profile["factors"]["mobile"], true);
    assert_eq!(profile["factors"]["passkeys"], 1);
    // It signs in with the passkey after the password, or with SMS; and without a password.
    let (_, step) = password_step(app, email, PASSWORD).await;
    assert_eq!(step["methods"], json!(["passkey", "sms"]));
    let (_, status, done) = passwordless(app, &mut device, &credential["rawId"], account).await;
    assert_eq!(
        (status, done["step"].as_str()),
        (200, Some("done")),
        "{done}"
    );

    // The last second factor stays: without the mobile number, the passkey cannot go.
    reauthenticate(&invitee).await;
    let (status, body) = invitee.delete("/api/me/mobile").await;
    assert_eq!(status, 200, "{body}");
    let (_, list) = invitee.get("/api/me/passkeys").await;
    let id = list["passkeys"][0]["id"].as_str().unwrap().to_string();
    let (status, refused) = invitee.delete(&format!("/api/me/passkeys/{id}")).await;
    assert_eq!((status, code(&refused)), (409, "last_second_factor"));

    // Deactivated by the office's administrator: the passkey signs in no more.
    let (status, body) = admin
        .post(
            &format!("/api/office/accounts/{account}/deactivate"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, status, refused) = passwordless(app, &mut device, &credential["rawId"], account).await;
    assert_eq!(
        (status, code(&refused)),
        (403, "account_deactivated"),
        "{refused}"
    );
}

async fn password_step_wrong(app: &TestApp, email: &str) {
    let (status, body) = app
        .anonymous
        .post(
            "/api/sign-in",
            json!({ "email": email, "password": "helemaal verkeerd wachtwoord" }),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_credentials"));
}

async fn passkeys_need_a_host_name(kind: Kind) {
    let Some(app) = crate::helpers::spawn_app(kind).await else {
        return;
    };
    let (status, body) = app
        .anonymous
        .post("/api/sign-in/passkey/discoverable/options", json!({}))
        .await;
    assert_eq!((status, code(&body)), (404, "passkeys_unavailable"));
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
            #[tokio::test]
            async fn passkeys_need_a_host_name() {
                super::passkeys_need_a_host_name(poort_e2e::db::Kind::Sqlite).await;
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
        }
    };
}

on_both_databases!(
    passkeys_from_registration_to_removal,
    a_blocked_account_and_a_reset_stop_passkeys,
    an_invitee_sets_up_a_passkey_instead_of_the_app,
);
