//! Passkeys in headless Chromium with the DevTools virtual authenticator (CTAP2, internal,
//! resident keys, user verification): an office administrator adds a passkey in *Mijn
//! account* (re-authenticating first), signs out, is signed in with the passkey alone from the
//! e-mail field's autofill and (in a browser without that autofill) with the button, signs in
//! with password and passkey, and removes it (confirming it is them with the passkey) — in Dutch and English, at 1280 and 360 px, with
//! a screenshot (and its accessibility check) of each screen. The server runs at
//! `http://localhost:<port>`: WebAuthn needs a host name, not an IP address.

use poort_e2e::browser::Browser;
use poort_e2e::db::{Kind, TestDatabase};
use poort_e2e::eventually;
use poort_e2e::server::{Poort, base_env};

use crate::integrators::{ADMIN_EMAIL, ADMIN_PASSWORD, office_and_operator_at};
use crate::journeys::{sign_in_with_sms, sign_out};

const ADMIN_MOBILE: &str = "+31622222222";

async fn passkeys_in_the_browser(lang: &'static str) {
    let en = lang == "en";
    let db = TestDatabase::new(Kind::Sqlite).await.unwrap();
    let mut env = base_env(&db);
    let port = env
        .iter()
        .find(|(k, _)| k == "POORT__SERVER__PORT")
        .map(|(_, v)| v.clone())
        .unwrap();
    env.push((
        "POORT__SERVER__PUBLIC_URL".into(),
        format!("http://localhost:{port}"),
    ));
    let poort = Poort::start(&["--dev"], &env, &db.path().join("poort.log")).await;
    let base = poort.url.clone();
    assert!(base.starts_with("http://localhost:"), "{base}");
    office_and_operator_at(&base, &env).await;

    for width in [1280, 360] {
        let height = if width < 500 { 780 } else { 900 };
        let mut b = Browser::start(&format!("{lang}-{width}-passkeys"), width, height).await;
        let authenticator = b.virtual_authenticator().await;
        b.open(&base).await;
        b.by_id("page-sign-in").await;
        if en {
            b.click("lang-en").await;
            b.wait_text("page-sign-in", "Sign in").await;
        }
        sign_in_with_sms(&mut b, &base, ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_MOBILE).await;

        // Mijn account: a passkey, after confirming it is this person.
        b.open(format!("{base}/mijn-account")).await;
        b.by_id("passkeys-section").await;
        b.by_id("passkey-none").await;
        b.fill("passkey-name", "Laptop").await;
        b.click("passkey-add").await;
        b.by_id("reauthenticate").await;
        b.fill("reauth-password", ADMIN_PASSWORD).await;
        b.click("reauth-submit").await;
        // The confirmation goes once the proof is in (a password hash: on a busy machine it
        // can take a while, and a click before it would ask for the proof again).
        b.wait_css("#page-my-account:not(:has(#reauthenticate))")
            .await;
        b.fill("passkey-name", "Laptop").await;
        b.click("passkey-add").await;
        b.by_id("passkey-added").await;
        b.wait_text("passkey-list", "Laptop").await;
        b.screenshot("passkey-added").await;
        let held = b.authenticator_credentials(&authenticator).await;
        assert_eq!(held.len(), 1, "{held:?}");
        assert_eq!(
            held[0]["isResidentCredential"], true,
            "a discoverable passkey"
        );
        assert_eq!(held[0]["rpId"], "localhost");

        // Signed out: the sign-in page asks the browser for a passkey through the e-mail
        // field's autofill, and the virtual authenticator answers at once, as if the person
        // picked it there — signed in with the passkey alone.
        b.click("sign-out").await;
        b.wait_path("/start").await;
        b.screenshot("signed-in-from-autofill").await;

        // A browser without that autofill: the button signs in with the passkey alone.
        b.without_passkey_autofill().await;
        b.open(&base).await;
        b.wait_path("/start").await;
        sign_out(&b).await;
        b.by_id("passkey-sign-in").await;
        b.screenshot("sign-in-with-passkey").await;
        b.click("passkey-sign-in").await;
        b.wait_path("/start").await;
        b.screenshot("signed-in-with-passkey").await;

        // Signed out, then in with the password and the passkey as the second factor.
        sign_out(&b).await;
        crate::journeys::enter_password(&b, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        b.by_id("passkey-step").await;
        b.screenshot("second-factor-passkey").await;
        b.click("use-passkey").await;
        b.wait_path("/start").await;

        // The passkey is used; then removed (after confirming it is this person again).
        b.open(format!("{base}/mijn-account")).await;
        b.wait_text("passkey-list", "Laptop").await;
        let last_used = b.text("passkey-list").await;
        assert!(
            !last_used.contains(if en { "not yet" } else { "nog niet" }),
            "{last_used}"
        );
        b.css("#passkey-list .remove-passkey")
            .await
            .click()
            .await
            .unwrap();
        b.click("passkey-remove-confirm").await;
        // Confirming it is this person, with the passkey this time.
        b.by_id("reauthenticate").await;
        b.screenshot("confirm-with-passkey").await;
        b.click("reauth-passkey").await;
        // The question stays open while the person confirms it is them; then it is answered.
        eventually(10, "the re-authentication done", || async {
            b.driver
                .find(thirtyfour::By::Id("reauthenticate"))
                .await
                .is_err()
                .then_some(())
        })
        .await;
        b.click("passkey-remove-confirm").await;
        b.by_id("passkey-none").await;
        b.screenshot("passkey-removed").await;
        // A removed passkey signs in no more: the sign-in asks for a code again.
        sign_out(&b).await;
        crate::journeys::enter_password(&b, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        b.by_id("code-form").await;
        eventually(5, "no passkey offered", || async {
            b.driver
                .find(thirtyfour::By::Id("passkey-step"))
                .await
                .is_err()
                .then_some(())
        })
        .await;
        b.quit().await;
    }
    drop(poort);
    drop(db);
}

#[tokio::test]
async fn passkeys_in_the_browser_in_dutch() {
    passkeys_in_the_browser("nl").await;
}

#[tokio::test]
async fn passkeys_in_the_browser_in_english() {
    passkeys_in_the_browser("en").await;
}
