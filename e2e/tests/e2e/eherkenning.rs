//! eHerkenning in the browser against the real binary and a real OpenID Provider standing in
//! for the broker (issue 13): an administrator links eHerkenning in Mijn account (first with
//! another company's, which the refusal page explains with the office's KvK number), signs out,
//! signs in with eHerkenning alone, and sees the not-authorised page when the broker refuses;
//! nl and en at 1280 and 360 px, with screenshots.

use poort_e2e::broker::{Broker, Shape};
use poort_e2e::browser::Browser;
use poort_e2e::db::Kind;

use crate::integrators::{ADMIN_EMAIL, ADMIN_PASSWORD, office, totp_step};
use crate::support::{dev_server_with, totp};

const OFFICE_KVK: &str = "44556677";
const SERVICE: &str = "Extranet Voorbeeld Verzekeringen";

#[derive(Clone, Copy)]
struct Setting {
    lang: &'static str,
    width: u32,
}

/// Logs in at the broker's page (the browser is on it) as the person of `kvk`, or refuses.
async fn at_the_broker(b: &Browser, kvk: &str, button: &str) {
    b.by_id("kvk").await;
    b.fill("kvk", kvk).await;
    b.fill("acting", "pseudoniem-bea").await;
    b.click(button).await;
}

async fn the_eherkenning_journey(setting: Setting) {
    if !poort_e2e::broker::available() {
        eprintln!("skipped: no oidc-provider (POORT_TEST_BROKER_MODULES)");
        return;
    }
    let port = poort_e2e::free_port();
    let secret_for_broker = "journey-broker-secret";
    // The server with [eherkenning] pointing at the broker's port, then the broker.
    // (Poort discovers the broker at the first trip, not at start-up.)
    let extra = [
        (
            "POORT__EHERKENNING__ISSUER",
            format!("http://127.0.0.1:{port}"),
        ),
        ("POORT__EHERKENNING__CLIENT_ID", "poort-test".to_string()),
        (
            "POORT__EHERKENNING__CLIENT_SECRET",
            secret_for_broker.to_string(),
        ),
        ("POORT__EHERKENNING__SERVICE_NAME", SERVICE.to_string()),
    ];
    let (poort, db, env) = dev_server_with(Kind::Sqlite, &extra).await.unwrap();
    let broker = Broker::start_on(
        port,
        Shape::Urn,
        &format!("{}/api/eherkenning/callback", poort.url),
        "poort-test",
        secret_for_broker,
    )
    .await;
    let (_, secret, _) = office(&poort, &env).await;
    let set_up_in = totp_step();
    let label = format!("{}-{}", setting.lang, setting.width);
    let height = if setting.width < 500 { 780 } else { 900 };
    let mut b = Browser::start(&format!("{label}-eherkenning"), setting.width, height).await;
    let en = setting.lang == "en";
    b.open(&poort.url).await;
    b.by_id("page-sign-in").await;
    if en {
        b.click("lang-en").await;
        b.wait_text("page-sign-in", "Sign in").await;
    }
    b.by_id("eherkenning-sign-in").await;
    while totp_step() <= set_up_in {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    b.fill("email", ADMIN_EMAIL).await;
    b.fill("password", ADMIN_PASSWORD).await;
    b.click("sign-in-submit").await;
    b.by_id("code-form").await;
    b.fill("code", &totp(&secret)).await;
    b.click("code-submit").await;
    b.wait_path("/start").await;

    // Mijn account: not linked; linking asks to confirm it is you first.
    b.open(format!("{}/mijn-account", poort.url)).await;
    b.by_id("eherkenning-link").await;
    b.screenshot("eherkenning-not-linked").await;
    b.click("eherkenning-link").await;
    b.by_id("reauth-password").await;
    b.fill("reauth-password", ADMIN_PASSWORD).await;
    b.click("reauth-submit").await;
    // The confirmation form goes once the proof is in.
    b.wait_css("#page-my-account:not(:has(#reauthenticate))")
        .await;
    // First with another company's eHerkenning: refused, with the office's KvK number.
    b.click("eherkenning-link").await;
    at_the_broker(&b, "11112222", "login").await;
    b.wait_path("/eherkenning/geweigerd").await;
    let said = b.text("eherkenning-refusal").await;
    assert!(said.contains(OFFICE_KVK), "{said}");
    b.screenshot("eherkenning-other-company").await;
    // Then with the office's own: linked.
    b.click("eherkenning-my-account").await;
    b.wait_path("/mijn-account").await;
    b.click("eherkenning-link").await;
    at_the_broker(&b, OFFICE_KVK, "login").await;
    b.by_id("eherkenning-linked-notice").await;
    b.wait_text("eherkenning-status", OFFICE_KVK).await;
    b.screenshot("eherkenning-linked").await;

    // Signed out, back in with eHerkenning alone.
    b.click("sign-out").await;
    b.by_id("page-sign-in").await;
    b.by_id("eherkenning-sign-in").await;
    b.screenshot("eherkenning-sign-in").await;
    b.click("eherkenning-sign-in").await;
    at_the_broker(&b, OFFICE_KVK, "login").await;
    b.wait_path("/start").await;
    b.wait_text("user-name", "Bea Beheerder").await;
    b.screenshot("eherkenning-signed-in").await;

    // The broker refuses (not authorised for the service): the page says what to do.
    b.click("sign-out").await;
    b.by_id("eherkenning-sign-in").await;
    b.click("eherkenning-sign-in").await;
    at_the_broker(&b, OFFICE_KVK, "deny").await;
    b.wait_path("/eherkenning/geweigerd").await;
    // The service's name comes with the public configuration, which may arrive after the page.
    let said = b.wait_text("eherkenning-refusal", SERVICE).await;
    assert!(
        said.contains(if en {
            "eHerkenning administrator"
        } else {
            "machtigingenbeheerder"
        }),
        "{said}"
    );
    b.screenshot("eherkenning-not-authorised").await;
    b.quit().await;
    drop(broker);
    drop(db);
}

#[tokio::test]
async fn eherkenning_is_linked_used_and_refusals_explained_in_dutch() {
    the_eherkenning_journey(Setting {
        lang: "nl",
        width: 1280,
    })
    .await;
}

#[tokio::test]
async fn eherkenning_is_linked_used_and_refusals_explained_in_english() {
    the_eherkenning_journey(Setting {
        lang: "en",
        width: 1280,
    })
    .await;
}

#[tokio::test]
async fn eherkenning_is_linked_used_and_refusals_explained_on_a_phone_in_dutch() {
    the_eherkenning_journey(Setting {
        lang: "nl",
        width: 360,
    })
    .await;
}

#[tokio::test]
async fn eherkenning_is_linked_used_and_refusals_explained_on_a_phone_in_english() {
    the_eherkenning_journey(Setting {
        lang: "en",
        width: 360,
    })
    .await;
}
