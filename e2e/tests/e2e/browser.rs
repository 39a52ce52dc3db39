//! The SPA in headless Chromium against the real binary: Dutch by default, English on request
//! (remembered), the status, not-found and dev outbox pages, the API docs, and a 360 px screen.
//! Every visited page is saved as a screenshot under `e2e/artifacts/`.

use poort_e2e::browser::Browser;
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
