//! A person who uses only the keyboard: signs in, chooses a portfolio, invites a colleague and
//! changes that colleague's rights, with Tab, Enter, Space and the arrow keys alone. Every
//! element the Tab key reaches on the way shows where the focus is (an outline).

use poort_e2e::browser::Browser;
use poort_e2e::db::Kind;
use serde_json::json;
use thirtyfour::Key;

use crate::integrators::{ADMIN_EMAIL, ADMIN_PASSWORD, office_and_operator, totp_step};
use crate::support::{dev_server, totp};

/// Presses keys on whatever has the focus.
async fn press(b: &Browser, keys: impl Into<thirtyfour::TypingData>) {
    b.driver
        .action_chain()
        .send_keys(keys)
        .perform()
        .await
        .unwrap();
}

/// The focused element's id and whether its focus can be seen (an outline of some width).
async fn focused(b: &Browser) -> (String, bool) {
    let found = b
        .driver
        .execute(
            "const e = document.activeElement; const s = getComputedStyle(e);\
             return [e.id || e.tagName, s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0];",
            vec![],
        )
        .await
        .unwrap()
        .json()
        .clone();
    (
        found[0].as_str().unwrap_or_default().to_string(),
        found[1].as_bool().unwrap_or(false),
    )
}

/// Presses Tab until the element with this id has the focus; every element passed on the way
/// must show its focus.
async fn tab_to(b: &Browser, id: &str) {
    let mut path = Vec::new();
    for _ in 0..80 {
        press(b, Key::Tab).await;
        let (now, visible) = focused(b).await;
        assert!(
            visible || now == "BODY",
            "the focus on {now} cannot be seen (Tab path: {path:?})"
        );
        if now == id {
            return;
        }
        path.push(now);
    }
    panic!("Tab never reached #{id}: {path:?}");
}

#[tokio::test]
async fn a_keyboard_alone_signs_in_chooses_a_portfolio_invites_and_changes_rights() {
    let Some((poort, _db, env)) = dev_server(Kind::Sqlite).await else {
        return;
    };
    let (portfolio, secret, admin, operator) = office_and_operator(&poort, &env).await;
    let set_up_in = totp_step();
    // A second portfolio, and rights for the administrator on both, so she has one to choose.
    let (_, me) = admin.get("/api/me").await;
    let (_, office) = operator.get("/api/operator/offices?q=44556677").await;
    let office = office["offices"][0]["id"].as_str().unwrap().to_string();
    let (status, second) = operator
        .post(
            &format!("/api/operator/offices/{office}/portfolios"),
            json!({ "agency_number": "KP-2", "name": "Zakelijk" }),
        )
        .await;
    assert_eq!(status, 201, "{second}");
    let (status, answer) = admin
        .send(
            reqwest::Method::PUT,
            &format!("/api/office/accounts/{}/rights", me["id"].as_str().unwrap()),
            json!({ "portfolios": [
                { "portfolio_id": portfolio, "rights": ["view_policies"] },
                { "portfolio_id": second["id"], "rights": ["view_policies"] },
            ] }),
        )
        .await;
    assert_eq!(status, 200, "{answer}");

    let mut b = Browser::start("keyboard-nl-1280", 1280, 900).await;
    b.open(&poort.url).await;
    b.by_id("page-sign-in").await;
    tab_to(&b, "email").await;
    press(&b, ADMIN_EMAIL).await;
    tab_to(&b, "password").await;
    press(&b, ADMIN_PASSWORD).await;
    press(&b, Key::Enter).await;
    b.by_id("code-form").await;
    // The set-up used this window's code: the next one signs in.
    while totp_step() <= set_up_in {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    if focused(&b).await.0 != "code" {
        tab_to(&b, "code").await;
    }
    press(&b, totp(&secret)).await;
    press(&b, Key::Enter).await;
    b.wait_path("/start").await;

    // The portfolio, with the arrow keys on the switcher.
    tab_to(&b, "portfolio-switcher").await;
    press(&b, Key::Down).await;
    b.wait_text("active-portfolio", "KP-1").await;
    b.screenshot("keyboard-portfolio").await;

    // A colleague invited with a right on KP-1.
    tab_to(&b, "go-admin").await;
    press(&b, Key::Enter).await;
    b.by_id("page-office-admin").await;
    tab_to(&b, "tab-invite").await;
    press(&b, Key::Enter).await;
    b.by_id("invite-form").await;
    tab_to(&b, "invite-name").await;
    press(&b, "Toetsen Bord").await;
    tab_to(&b, "invite-email").await;
    press(&b, "toetsen@kantoor.example").await;
    tab_to(&b, "invite-KP-1-view_policies").await;
    press(&b, Key::Space).await;
    tab_to(&b, "invite-submit").await;
    press(&b, Key::Enter).await;
    b.by_id("invitation-sent").await;
    b.screenshot("keyboard-invited").await;

    // Her rights changed in the dialog: one more on KP-1.
    tab_to(&b, "tab-accounts").await;
    press(&b, Key::Enter).await;
    b.wait_text("accounts-table", "toetsen@kantoor.example")
        .await;
    tab_to(&b, "edit-rights-toetsen-kantoor-example").await;
    press(&b, Key::Enter).await;
    b.by_id("rights-form").await;
    tab_to(&b, "edit-KP-1-report_claims").await;
    press(&b, Key::Space).await;
    b.screenshot("keyboard-rights").await;
    tab_to(&b, "rights-submit").await;
    press(&b, Key::Enter).await;
    b.wait_text("account-toetsen-kantoor-example", "Schade melden")
        .await;
    // The dialog closed and the focus is back on the button that opened it.
    for attempt in 0.. {
        if focused(&b).await.0 == "edit-rights-toetsen-kantoor-example" {
            break;
        }
        assert!(
            attempt < 50,
            "the focus returns to the rights button: {:?}",
            focused(&b).await
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    b.quit().await;
}
