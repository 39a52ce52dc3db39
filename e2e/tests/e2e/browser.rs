//! The SPA in headless Chromium against the real binary: Dutch by default, English on request
//! (remembered), the status, not-found and dev outbox pages, the API docs, and a 360 px screen.
//! Every visited page is saved as a screenshot under `e2e/artifacts/`.

use poort_e2e::browser::{Browser, Throttle};
use poort_e2e::db::Kind;
use poort_e2e::server::{dist_dir, run};

use crate::support::dev_server;

fn require_spa() {
    assert!(
        dist_dir().is_some(),
        "POORT_TEST_DIST does not point at a built SPA: run `cargo xtask test`"
    );
}

#[tokio::test]
async fn the_spa_speaks_dutch_by_default_and_english_when_chosen_and_remembers_it() {
    require_spa();
    let (poort, _db, _) = dev_server(Kind::Sqlite).await.unwrap();
    let mut browser = Browser::start("language", 1280, 900).await;

    browser.open(&poort.url).await;
    browser
        .wait_text("insurer-name", "Voorbeeld Verzekeringen")
        .await;
    browser.wait_text("page-sign-in", "Inloggen").await;
    assert_eq!(
        browser
            .css("html")
            .await
            .attr("lang")
            .await
            .unwrap()
            .as_deref(),
        Some("nl")
    );
    browser.wait_text("support-phone", "088 000 00 00").await;
    browser.screenshot("home-nl").await;

    browser.by_id("lang-en").await.click().await.unwrap();
    browser.wait_text("page-sign-in", "Sign in").await;
    assert_eq!(
        browser
            .css("html")
            .await
            .attr("lang")
            .await
            .unwrap()
            .as_deref(),
        Some("en")
    );
    browser.screenshot("home-en").await;

    browser.driver.refresh().await.unwrap();
    browser.wait_for_app().await;
    browser.wait_text("page-sign-in", "Sign in").await;

    browser.open(format!("{}/status", poort.url)).await;
    browser
        .wait_text("status-ok", "The service is working.")
        .await;
    browser.wait_text("status-database", "sqlite").await;
    browser.screenshot("status-en").await;

    browser.open(format!("{}/no/such/page", poort.url)).await;
    browser.wait_text("page-not-found", "Page not found").await;
    browser.screenshot("not-found-en").await;

    browser.by_id("lang-nl").await.click().await.unwrap();
    browser
        .wait_text("page-not-found", "Pagina niet gevonden")
        .await;
    browser.screenshot("not-found-nl").await;

    browser.open(format!("{}/status", poort.url)).await;
    browser.wait_text("status-ok", "De dienst werkt.").await;
    browser.screenshot("status-nl").await;
    browser.quit().await;
}

#[tokio::test]
async fn the_dev_outbox_page_lists_messages_and_their_links_can_be_followed() {
    require_spa();
    let (poort, _db, env) = dev_server(Kind::Sqlite).await.unwrap();
    let sent = run(
        &[
            "--dev",
            "outbox",
            "send-test",
            "--email",
            "nieuw@kantoor.example",
        ],
        &env,
    )
    .await;
    assert_eq!(sent.code, Some(0), "{}", sent.stderr);
    let mut browser = Browser::start("outbox", 1280, 900).await;

    browser.open(format!("{}/dev/outbox", poort.url)).await;
    browser
        .wait_text("outbox-list", "nieuw@kantoor.example")
        .await;
    browser.screenshot("outbox-nl").await;
    let link = browser.css("#outbox-list a.outbox-link").await;
    assert_eq!(link.text().await.unwrap(), format!("{}/status", poort.url));
    link.click().await.unwrap();
    browser.wait_text("status-ok", "De dienst werkt.").await;

    browser.open(format!("{}/dev/outbox", poort.url)).await;
    browser.by_id("lang-en").await.click().await.unwrap();
    browser
        .wait_text("page-outbox", "Outgoing messages (development mode)")
        .await;
    browser.screenshot("outbox-en").await;
    browser.quit().await;
}

#[tokio::test]
async fn the_interactive_api_docs_render_without_internet() {
    let (poort, _db, _) = dev_server(Kind::Sqlite).await.unwrap();
    let mut browser = Browser::start("api-docs", 1280, 900).await;

    browser.open(format!("{}/api/docs/", poort.url)).await;
    let title = browser.css(".swagger-ui .info .title").await;

    assert!(title.text().await.unwrap().contains("Poort API"));
    browser.css(".swagger-ui .opblock").await;
    browser.screenshot("swagger").await;
    browser.quit().await;
}

#[tokio::test]
async fn the_layout_fits_a_360_px_wide_screen() {
    require_spa();
    let (poort, _db, _) = dev_server(Kind::Sqlite).await.unwrap();
    let mut browser = Browser::start("narrow", 360, 740).await;

    for (path, id, label) in [
        ("/", "page-sign-in", "sign-in-nl-360"),
        ("/status", "status-ok", "status-nl-360"),
    ] {
        browser.open(format!("{}{path}", poort.url)).await;
        browser.by_id(id).await;
        browser.wait_text("insurer-name", "Voorbeeld").await;
        let overflow = browser
            .driver
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await
            .unwrap();
        let overflow: i64 = overflow.convert().unwrap();
        assert!(
            overflow <= 0,
            "{path} scrolls sideways by {overflow} px at 360 px"
        );
        let width = browser
            .driver
            .execute("return window.innerWidth;", vec![])
            .await
            .unwrap();
        let wide = browser
            .driver
            .execute(
                "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ');",
                vec![],
            )
            .await
            .unwrap();
        let wide: String = wide.convert().unwrap();
        assert_eq!(
            width.convert::<i64>().unwrap(),
            360,
            "{path} is wider than a phone: {wide}"
        );
        browser.screenshot(label).await;
    }
    browser.quit().await;
}

/// Where an element is drawn (`left, top, width, height` in CSS pixels).
async fn rect_of(browser: &Browser, id: &str) -> Vec<f64> {
    let value = browser
        .driver
        .execute(
            "const r = document.getElementById(arguments[0]).getBoundingClientRect(); \
             return [r.left, r.top, r.width, r.height];",
            vec![serde_json::json!(id)],
        )
        .await
        .unwrap();
    value.convert().unwrap()
}

/// On a slow connection the sign-in page is there before the app (`index.html`'s plain-HTML
/// copy): what was typed, the field in focus and a submit pressed early carry over when the app
/// takes over, and the app draws the page exactly where the copy was (no layout shift).
#[tokio::test]
async fn the_sign_in_form_accepts_input_before_the_app_has_arrived() {
    require_spa();
    const PASSWORD: &str = "lange zomeravonden aan zee";
    let (poort, _db, env) = dev_server(Kind::Sqlite).await.unwrap();
    let done = run(
        &[
            "--dev",
            "seed-demo",
            "--accounts",
            "1",
            "--password",
            PASSWORD,
            "--totp-seed",
            "shell",
        ],
        &env,
    )
    .await;
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let mut browser = Browser::start("shell", 1280, 900).await;
    {
        let cdp = browser.driver.cdp();
        cdp.send_raw("Network.enable", serde_json::json!({}))
            .await
            .unwrap();
        cdp.send_raw(
            "Network.setCacheDisabled",
            serde_json::json!({ "cacheDisabled": true }),
        )
        .await
        .unwrap();
    }
    // 48 KB/s: the app (hundreds of KB) takes seconds to arrive; the page's HTML does not.
    browser
        .throttle(&Throttle {
            down_bytes_per_second: 48_000.0,
            up_bytes_per_second: 48_000.0,
            ..Throttle::NONE
        })
        .await;
    let email = "adviseur0@demo.example";

    // 1. Typed before the app is there: the value and the focus carry over, nothing moves.
    browser.driver.goto(&poort.url).await.unwrap();
    let field = browser.by_id("email").await;
    field.send_keys(email).await.unwrap();
    assert!(
        browser.has_shell().await == Some(true),
        "the app arrived before the test could type: the page's plain-HTML copy was not tested"
    );
    let mut before = Vec::new();
    for id in ["page-sign-in", "email", "password", "sign-in-submit"] {
        before.push((id, rect_of(&browser, id).await));
    }
    browser.wait_for_app().await;
    browser
        .wait_text("insurer-name", "Voorbeeld Verzekeringen")
        .await;
    let focused = browser
        .driver
        .execute(
            "return [document.activeElement.id, document.getElementById('email').value];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(focused.json(), &serde_json::json!(["email", email]));
    for (id, rect) in before {
        let after = rect_of(&browser, id).await;
        for (b, a) in rect.iter().zip(&after) {
            assert!(
                (b - a).abs() < 0.5,
                "#{id} moved when the app took over: {rect:?} -> {after:?}"
            );
        }
    }
    browser.screenshot("sign-in-after-shell").await;

    // 2. Submitted before the app is there: the app sends it with what was typed.
    browser.driver.goto("about:blank").await.unwrap();
    browser.driver.goto(&poort.url).await.unwrap();
    browser.by_id("email").await.send_keys(email).await.unwrap();
    browser
        .by_id("password")
        .await
        .send_keys(PASSWORD)
        .await
        .unwrap();
    browser.by_id("sign-in-submit").await.click().await.unwrap();
    assert!(
        browser.has_shell().await == Some(true),
        "the app arrived before the test could submit: the page's plain-HTML copy was not tested"
    );
    assert_eq!(
        browser
            .by_id("sign-in-submit")
            .await
            .attr("aria-busy")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    browser.wait_for_app().await;
    browser.by_id("code-form").await;
    browser.screenshot("sign-in-code-after-shell").await;
    browser.quit().await;
}

/// The accessibility check every screenshot runs (axe-core, WCAG 2.1 AA) finds what it should:
/// on a page with an unlabelled field, poor contrast and no language it reports each.
#[tokio::test]
async fn the_accessibility_check_finds_violations_on_a_page_that_has_them() {
    if std::env::var_os("POORT_TEST_AXE").is_none() {
        eprintln!("skipped: POORT_TEST_AXE is not set (cargo xtask test sets it)");
        return;
    }
    let b = Browser::start("axe-self-test", 1280, 900).await;
    b.driver
        .goto(
            "data:text/html,<!doctype html><html><head><title>x</title></head><body>\
             <main><input type=text><p style='color:%23bbb;background:%23fff'>grijs</p></main></body></html>",
        )
        .await
        .unwrap();
    let (passed, violations) = b.axe().await.unwrap();
    assert!(passed > 0);
    for rule in ["label", "color-contrast", "html-has-lang"] {
        assert!(
            violations
                .iter()
                .any(|v| v.starts_with(&format!("{rule} "))),
            "{rule} in {violations:#?}"
        );
    }
    b.quit().await;
}
