//! The product in a real browser, walked as people do: the relations team sets up an office,
//! its administrator and an adviser accept their invitations (password, SMS code from the
//! outbox, authenticator code computed from the key on screen), the adviser signs in with his
//! authenticator app, switches portfolio, changes the mobile number, signs in by SMS, gets blocked, recovers with forgot
//! password; an expired link sends a new invitation; an adviser without rights sees *geen
//! toegang*, asks for access there and gets it from the administrator; the office's periodic
//! access review is completed; a deleted account's open session is signed out. In Dutch and in English, on a
//! desktop and on a 360 px phone screen, with a screenshot of every screen.

use poort_e2e::browser::Browser;
use poort_e2e::db::Kind;
use poort_e2e::eventually;
use poort_e2e::server::{Poort, base_env, dist_dir, run};
use serde_json::json;

use crate::support::{code_in, count_to, dev_server, link_in, next_message, totp};

/// The language and screen a journey runs in.
#[derive(Clone, Copy)]
struct Setting {
    lang: &'static str,
    width: u32,
}

impl Setting {
    fn label(self) -> String {
        format!("{}-{}", self.lang, self.width)
    }
    fn en(self) -> bool {
        self.lang == "en"
    }
}

/// The current 30-second authenticator window.
fn totp_step() -> u64 {
    poort_e2e::totp::step()
}

/// A browser for one person, in the journey's language and screen.
async fn browser(setting: Setting, who: &str) -> Browser {
    let height = if setting.width < 500 { 780 } else { 900 };
    Browser::start(&format!("{}-{who}", setting.label()), setting.width, height).await
}

async fn choose_language(b: &Browser, base: &str, setting: Setting) {
    b.open(base).await;
    b.by_id("page-sign-in").await;
    if setting.en() {
        b.click("lang-en").await;
        b.wait_text("page-sign-in", "Sign in").await;
    }
}

/// Accepts an invitation in the browser; returns the authenticator key shown.
pub(crate) async fn accept(
    b: &mut Browser,
    base: &str,
    link: &str,
    password: &str,
    mobile: &str,
    mobile_e164: &str,
) -> String {
    b.open(link).await;
    b.by_id("setup-password-form").await;
    b.screenshot("invitation-password").await;
    // A common password is named as one types: the list comes beside the app, not in its wasm.
    b.fill("setup-password", "Welkom2024!!").await;
    b.wait_css("#password-feedback [data-verdict='password_too_common']")
        .await;
    b.fill("setup-password", password).await;
    b.wait_css("#password-feedback [data-verdict='ok']").await;
    b.click("setup-password-submit").await;
    b.by_id("setup-mobile-form").await;
    let seen = count_to(base, mobile_e164).await;
    b.fill("setup-mobile", mobile).await;
    b.click("setup-mobile-submit").await;
    let sms = next_message(base, mobile_e164, seen).await;
    b.by_id("setup-sms-form").await;
    b.screenshot("invitation-mobile").await;
    b.fill("setup-sms-code", &code_in(&sms)).await;
    b.click("setup-sms-submit").await;
    let secret = b.text("totp-secret").await;
    b.wait_css(".qr svg").await;
    b.screenshot("invitation-authenticator").await;
    b.fill("setup-app-code", &totp(&secret)).await;
    b.click("setup-app-submit").await;
    b.wait_path("/start").await;
    b.by_id("page-start").await;
    secret
}

pub(crate) async fn sign_out(b: &Browser) {
    b.click("sign-out").await;
    b.by_id("page-sign-in").await;
}

/// Fills in the first sign-in step and submits it.
pub(crate) async fn enter_password(b: &Browser, email: &str, password: &str) {
    b.fill("email", email).await;
    b.fill("password", password).await;
    b.click("sign-in-submit").await;
}

/// At the second sign-in step: asks for an SMS code, reads it from the outbox, submits it.
async fn submit_sms_code(b: &Browser, base: &str, mobile_e164: &str) {
    let seen = count_to(base, mobile_e164).await;
    b.click("send-sms").await;
    let sms = next_message(base, mobile_e164, seen).await;
    b.wait_css("#code-explanation").await;
    b.fill("code", &code_in(&sms)).await;
    b.click("code-submit").await;
}

pub(crate) async fn sign_in_with_sms(
    b: &mut Browser,
    base: &str,
    email: &str,
    password: &str,
    mobile_e164: &str,
) {
    b.open(base).await;
    b.fill("email", email).await;
    b.fill("password", password).await;
    b.screenshot("sign-in").await;
    b.click("sign-in-submit").await;
    b.by_id("code-form").await;
    b.screenshot("sign-in-code").await;
    submit_sms_code(b, base, mobile_e164).await;
    b.wait_path("/start").await;
}

async fn the_whole_journey(setting: Setting) {
    assert!(
        dist_dir().is_some(),
        "POORT_TEST_DIST does not point at a built SPA: run `cargo xtask test`"
    );
    let (poort, db, env) = dev_server(Kind::Sqlite).await.unwrap();
    let base = poort.url.clone();
    let en = setting.en();

    // The first operator, from the command line.
    let done = run(
        &[
            "--dev",
            "bootstrap-operator",
            "--email",
            "olga@verzekeraar.example",
            "--name",
            "Olga Operator",
        ],
        &env,
    )
    .await;
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let link = link_in(&done.stdout, "/uitnodiging/");
    let mut ops = browser(setting, "operator").await;
    choose_language(&ops, &base, setting).await;
    ops.screenshot("sign-in-empty").await;
    accept(
        &mut ops,
        &base,
        &link,
        "olifanten dansen in de regen",
        "0611111111",
        "+31611111111",
    )
    .await;
    ops.wait_text("user-name", "Olga Operator").await;
    ops.screenshot("start-operator").await;

    // Office, two portfolios, and its first user administrator.
    ops.click("go-operator").await;
    ops.by_id("page-operator").await;
    ops.click("new-office").await;
    ops.by_id("page-new-office").await;
    // A KvK number of four digits: the sentence appears under the field, tied to it
    // (aria-describedby) and the field marked invalid, for a screen reader too.
    ops.fill("office-name", "Adviesbureau Jansen").await;
    ops.fill("office-kvk", "1234").await;
    ops.click("office-submit").await;
    ops.wait_css("#office-kvk[aria-invalid='true'][aria-describedby~='office-kvk-error']")
        .await;
    ops.wait_css("#office-kvk-error").await;
    ops.screenshot("new-office-field-error").await;
    ops.fill("office-kvk", "12345678").await;
    ops.click("office-submit").await;
    // The office's parts are shown once its title is there.
    ops.wait_text("office-title", "Adviesbureau Jansen").await;
    for (agency, name) in [("AG-1", "Particulier"), ("AG-2", "Zakelijk")] {
        ops.fill("portfolio-agency", agency).await;
        ops.fill("portfolio-name", name).await;
        ops.click("portfolio-submit").await;
        ops.wait_text("portfolio-list", agency).await;
    }
    let admin_mail = count_to(&base, "anna@jansen.example").await;
    ops.fill("admin-name", "Anna Admin").await;
    ops.fill("admin-email", "anna@jansen.example").await;
    ops.click("admin-invite-submit").await;
    ops.by_id("admin-invited").await;
    ops.wait_text("office-invitations", "anna@jansen.example")
        .await;
    ops.wait_text("office-numbers", "12345678").await;
    // The office's page lists its accounts and its trail, the invitation just sent included.
    ops.wait_text("search-results", "anna@jansen.example").await;
    ops.wait_text("audit-table", "invitation.sent").await;
    ops.screenshot("operator-office").await;
    // Back to the offices: a table found by an agency number, ordered by a column, all in the
    // address.
    ops.click("back-to-offices").await;
    ops.by_id("office-table").await;
    ops.fill("office-search", "ag-2").await;
    ops.click("office-search-submit").await;
    ops.wait_url_contains("q=ag-2").await;
    ops.wait_text("office-table", "Adviesbureau Jansen").await;
    ops.click("sort-kvk_number").await;
    ops.wait_url_contains("sort=kvk_number").await;
    ops.wait_text("office-count", "1").await;
    ops.screenshot("operator-offices").await;
    ops.click("office-12345678").await;
    ops.wait_text("office-title", "Adviesbureau Jansen").await;
    ops.click("back-to-offices").await;
    ops.click("tab-audit").await;
    ops.wait_text("audit-table", "invitation.sent").await;
    // By period: today holds the invitation, tomorrow onwards nothing yet.
    choose_day(&ops, "audit-since", 0).await;
    choose_day(&ops, "audit-until", 0).await;
    ops.click("audit-filter-submit").await;
    ops.wait_text("audit-table", "invitation.sent").await;
    ops.screenshot("operator-audit").await;
    choose_day(&ops, "audit-since", 1).await;
    choose_day(&ops, "audit-until", 1).await;
    ops.click("audit-filter-submit").await;
    eventually(15, "an empty trail for tomorrow", || async {
        let table = ops
            .driver
            .find(thirtyfour::By::Id("audit-table"))
            .await
            .ok()?;
        let rows = table.find_all(thirtyfour::By::Css("tbody tr")).await.ok()?;
        rows.is_empty().then_some(())
    })
    .await;

    // The administrator accepts and invites an adviser with rights on both portfolios.
    let body = next_message(&base, "anna@jansen.example", admin_mail).await;
    let mut admin = browser(setting, "admin").await;
    choose_language(&admin, &base, setting).await;
    accept(
        &mut admin,
        &base,
        &link_in(&body, "/uitnodiging/"),
        "vier vrolijke visjes zwemmen",
        "0622222222",
        "+31622222222",
    )
    .await;
    admin.click("go-admin").await;
    admin.by_id("accounts-table").await;
    admin.click("tab-invite").await;
    admin.wait_url_contains("tab=invite").await;
    admin.by_id("invite-form").await;
    admin.fill("invite-name", "Bert Adviseur").await;
    admin.fill("invite-email", "bert@jansen.example").await;
    admin.click("invite-AG-1-view_policies").await;
    admin.click("invite-AG-2-view_policies").await;
    admin.click("invite-AG-2-report_claims").await;
    admin.screenshot("admin-invite").await;
    let bert_mail = count_to(&base, "bert@jansen.example").await;
    admin.click("invite-submit").await;
    admin.by_id("invitation-sent").await;
    admin.click("tab-invitations").await;
    admin
        .wait_text("invitation-list", "bert@jansen.example")
        .await;
    // Each invitation's history is folded away until asked for.
    let history = admin
        .css("#invitation-bert-jansen-example details.history")
        .await;
    assert!(history.attr("open").await.unwrap().is_none());
    admin
        .css("#invitation-bert-jansen-example details.history summary")
        .await
        .click()
        .await
        .unwrap();
    admin
        .wait_text(
            "invitation-bert-jansen-example",
            if en { "sent" } else { "verstuurd" },
        )
        .await;
    admin.screenshot("admin-invitations-history").await;
    admin.click("tab-accounts").await;
    admin
        .wait_text("accounts-table", "bert@jansen.example")
        .await;
    admin.screenshot("admin-accounts").await;

    // The adviser accepts, switches portfolio, and changes the mobile number.
    let body = next_message(&base, "bert@jansen.example", bert_mail).await;
    let mut bert = browser(setting, "adviser").await;
    choose_language(&bert, &base, setting).await;
    let bert_key = accept(
        &mut bert,
        &base,
        &link_in(&body, "/uitnodiging/"),
        "zes zeilboten op zee",
        "0633333333",
        "+31633333333",
    )
    .await;
    bert.wait_text("user-name", "Bert Adviseur").await;

    // He signs out and in again with the code from his authenticator app (a code is accepted
    // once, so he waits for the app's next one, as a person would).
    let used_step = totp_step();
    sign_out(&bert).await;
    enter_password(&bert, "bert@jansen.example", "zes zeilboten op zee").await;
    bert.by_id("code-form").await;
    while totp_step() <= used_step {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    bert.fill("code", &totp(&bert_key)).await;
    bert.click("code-submit").await;
    bert.wait_path("/start").await;
    bert.wait_text("user-name", "Bert Adviseur").await;
    bert.screenshot("signed-in-with-authenticator").await;
    let switcher = bert.by_id("portfolio-switcher").await;
    bert.screenshot("start-choose-portfolio").await;
    let options = switcher
        .find_all(thirtyfour::By::Tag("option"))
        .await
        .unwrap();
    options[2].click().await.unwrap();
    bert.wait_text("active-portfolio", "AG-2").await;
    bert.screenshot("start-portfolio").await;
    options_text_check(&bert, en).await;
    bert.click("nav-my-account").await;
    bert.by_id("page-my-account").await;
    bert.wait_text("profile-mobile", "+31633333333").await;
    bert.screenshot("my-account").await;
    bert.fill("new-mobile", "0644444444").await;
    bert.click("mobile-submit").await;
    bert.by_id("reauthenticate").await;
    bert.screenshot("my-account-confirm-it-is-you").await;
    prove(&bert, "zes zeilboten op zee").await;
    let seen = count_to(&base, "+31644444444").await;
    bert.click("mobile-submit").await;
    let sms = next_message(&base, "+31644444444", seen).await;
    bert.fill("mobile-code", &code_in(&sms)).await;
    bert.click("mobile-code-submit").await;
    bert.wait_text("profile-mobile", "+31644444444").await;
    bert.screenshot("my-account-mobile-changed").await;
    sign_out(&bert).await;

    // Sign-in by SMS code.
    sign_in_with_sms(
        &mut bert,
        &base,
        "bert@jansen.example",
        "zes zeilboten op zee",
        "+31644444444",
    )
    .await;
    bert.screenshot("signed-in-by-sms").await;
    sign_out(&bert).await;

    // Five wrong passwords block the account (the answers stay "wrong e-mail or password");
    // the right one then says it is blocked; forgot password; signed in again.
    for _ in 0..5 {
        enter_password(&bert, "bert@jansen.example", "helemaal verkeerd").await;
        bert.wait_css("[data-code=invalid_credentials]").await;
    }
    enter_password(&bert, "bert@jansen.example", "zes zeilboten op zee").await;
    bert.wait_css("[data-code=account_blocked]").await;
    bert.screenshot("blocked").await;
    bert.click("blocked-reset-link").await;
    bert.by_id("forgot-password-form").await;
    let seen = count_to(&base, "bert@jansen.example").await;
    bert.fill("email", "bert@jansen.example").await;
    bert.click("forgot-password-submit").await;
    bert.by_id("check-your-mail").await;
    bert.screenshot("forgot-password-sent").await;
    let mail = next_message(&base, "bert@jansen.example", seen).await;
    bert.open(link_in(&mail, "/wachtwoord-herstellen/")).await;
    bert.by_id("reset-code-form").await;
    bert.screenshot("reset-password-code").await;
    let seen = count_to(&base, "+31644444444").await;
    bert.click("reset-send-sms").await;
    let sms = next_message(&base, "+31644444444", seen).await;
    bert.wait_css("#reset-code-explanation").await;
    bert.fill("reset-code", &code_in(&sms)).await;
    bert.click("reset-code-submit").await;
    bert.by_id("reset-password-form").await;
    bert.fill("new-password", "nieuwe lente in maart").await;
    bert.screenshot("reset-password-new").await;
    bert.click("reset-password-submit").await;
    bert.wait_path("/start").await;
    bert.screenshot("signed-in-after-reset").await;

    // The administrator gives the adviser one more right on the first portfolio.
    admin.open(format!("{base}/beheer")).await;
    admin
        .wait_text("account-bert-jansen-example", "Bert Adviseur")
        .await;
    // In a modal dialog: Escape closes it and the focus returns to the button that opened it.
    admin.click("edit-rights-bert-jansen-example").await;
    admin.by_id("rights-form").await;
    let state = dialog_state(&admin).await;
    assert_eq!(
        (&state[0], &state[1]),
        (&json!(true), &json!(true)),
        "open, modal, focus inside: {state}"
    );
    admin
        .driver
        .action_chain()
        .send_keys(thirtyfour::Key::Escape)
        .perform()
        .await
        .unwrap();
    dialog_closed(&admin, "on Escape").await;
    admin.click("edit-rights-bert-jansen-example").await;
    admin.by_id("rights-form").await;
    admin.click("edit-AG-1-report_claims").await;
    admin.screenshot("admin-rights").await;
    admin.click("rights-submit").await;
    dialog_closed(&admin, "after saving").await;
    let report_claims = if en { "Report claims" } else { "Schade melden" };
    eventually(15, "AG-1 to carry the new right", || async {
        let row = admin
            .driver
            .find(thirtyfour::By::Id("account-bert-jansen-example"))
            .await
            .ok()?;
        let text = row.text().await.ok()?;
        text.split(" · ")
            .any(|part| part.contains("AG-1:") && part.contains(report_claims))
            .then_some(())
    })
    .await;

    // An adviser without rights: geen toegang, naming the administrator.
    let zonder_mail = count_to(&base, "zonder@jansen.example").await;
    admin.click("tab-invite").await;
    admin.fill("invite-name", "Zonder Rechten").await;
    admin.fill("invite-email", "zonder@jansen.example").await;
    admin.click("invite-submit").await;
    admin.by_id("invitation-sent").await;
    admin.click("tab-invitations").await;
    admin
        .wait_text("invitation-list", "zonder@jansen.example")
        .await;
    admin.screenshot("admin-invitations").await;
    let body = next_message(&base, "zonder@jansen.example", zonder_mail).await;
    let mut zonder = browser(setting, "no-rights").await;
    choose_language(&zonder, &base, setting).await;
    accept(
        &mut zonder,
        &base,
        &link_in(&body, "/uitnodiging/"),
        "blauwe lucht boven zee",
        "0655555555",
        "+31655555555",
    )
    .await;
    zonder.wait_text("no-access-admins", "Anna Admin").await;
    zonder
        .wait_text("no-access", if en { "No access" } else { "Geen toegang" })
        .await;
    zonder.screenshot("no-access").await;

    // From that page he asks for access; Anna is told by e-mail, sees the request behind a
    // badge, grants less than was asked, and he has the portfolio at his next visit.
    zonder.by_id("access-form").await;
    zonder.click("ask-AG-1-view_policies").await;
    zonder.click("ask-AG-1-report_claims").await;
    zonder
        .fill("access-note", "Ik neem de klanten van Bert over.")
        .await;
    zonder.screenshot("request-access").await;
    let anna_seen = count_to(&base, "anna@jansen.example").await;
    zonder.click("access-submit").await;
    zonder.by_id("access-request-open").await;
    zonder.by_id("access-withdraw").await;
    zonder.screenshot("request-access-open").await;
    let mail = next_message(&base, "anna@jansen.example", anna_seen).await;
    assert!(mail.contains("Zonder Rechten"), "{mail}");
    assert!(mail.contains("Ik neem de klanten van Bert over."), "{mail}");
    admin.open(format!("{base}/beheer")).await;
    admin.wait_text("badge-requests", "1").await;
    admin.click("tab-requests").await;
    admin
        .wait_text("access-request-list", "zonder@jansen.example")
        .await;
    admin
        .wait_text(
            "access-request-zonder-jansen-example",
            "Ik neem de klanten van Bert over.",
        )
        .await;
    admin.screenshot("admin-access-requests").await;
    admin
        .click("grant-zonder-jansen-example-AG-1-report_claims")
        .await;
    let zonder_seen = count_to(&base, "zonder@jansen.example").await;
    admin.click("grant-zonder-jansen-example").await;
    admin.by_id("access-requests-none").await;
    admin
        .wait_text(
            "access-closed-list",
            if en { "granted" } else { "toegekend" },
        )
        .await;
    eventually(15, "the badge to go", || async {
        admin
            .driver
            .find(thirtyfour::By::Id("badge-requests"))
            .await
            .is_err()
            .then_some(())
    })
    .await;
    admin.screenshot("admin-access-granted").await;
    let mail = next_message(&base, "zonder@jansen.example", zonder_seen).await;
    assert!(mail.contains("Polissen inzien"), "{mail}");
    zonder.open(format!("{base}/start")).await;
    zonder.by_id("active-portfolio").await;
    zonder
        .wait_text(
            "my-rights",
            if en {
                "View policies"
            } else {
                "Polissen inzien"
            },
        )
        .await;
    let rights = zonder.text("my-rights").await;
    assert!(
        !rights.contains(if en { "Report claims" } else { "Schade melden" }),
        "{rights}"
    );
    zonder.click("ask-more").await;
    zonder.by_id("access-request-last").await;
    zonder.screenshot("access-granted").await;

    // The periodic access review, its period moved back in the database (the office made 175
    // days ago, the rights 200): the relations team sees it due soon; Anna keeps all on one
    // portfolio, then each account's rest, and the review is complete.
    db.execute("UPDATE offices SET created_at = created_at - 15120000000")
        .await;
    db.execute("UPDATE account_rights SET granted_at = granted_at - 17280000000")
        .await;
    ops.open(format!("{base}/relatiebeheer?tab=reviews")).await;
    ops.wait_text("due-reviews-table", "Adviesbureau Jansen")
        .await;
    ops.screenshot("access-reviews-due").await;
    admin.open(format!("{base}/beheer?tab=review")).await;
    admin.wait_css("#review-state[data-state='due_soon']").await;
    admin.wait_text("review-table", "bert@jansen.example").await;
    admin.screenshot("access-review").await;
    admin
        .css("button[id^='keep-all-']")
        .await
        .click()
        .await
        .unwrap();
    eventually(60, "every account kept and the review complete", || async {
        if admin
            .driver
            .find(thirtyfour::By::Css("#review-state[data-state='on_time']"))
            .await
            .is_ok()
        {
            return Some(());
        }
        if let Ok(keep) = admin
            .driver
            .find(thirtyfour::By::Css(
                "tr[data-settled='false'] button[id^='keep-']:not([disabled])",
            ))
            .await
        {
            keep.click().await.ok();
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        None
    })
    .await;
    admin.wait_css("#review-history li").await;
    admin.screenshot("access-review-complete").await;

    // Mijn account: remove the mobile number (after the warning), link a new authenticator app.
    zonder.click("nav-my-account").await;
    zonder.wait_text("profile-mobile", "+31655555555").await;
    zonder.click("remove-mobile").await;
    zonder.by_id("remove-mobile-warning").await;
    zonder.screenshot("my-account-remove-mobile").await;
    with_proof(
        &zonder,
        "remove-mobile-confirm",
        "blauwe lucht boven zee",
        "mobile-removed",
    )
    .await;
    zonder.wait_text("profile-mobile", "—").await;
    zonder.screenshot("my-account-mobile-removed").await;
    with_proof(
        &zonder,
        "replace-authenticator",
        "blauwe lucht boven zee",
        "new-totp-secret",
    )
    .await;
    let new_secret = zonder.text("new-totp-secret").await;
    zonder.screenshot("my-account-new-authenticator").await;
    zonder.fill("new-app-code", &totp(&new_secret)).await;
    zonder.click("authenticator-submit").await;
    zonder.by_id("authenticator-replaced").await;
    zonder
        .wait_css("#event-list [data-action='authenticator.replaced']")
        .await;
    zonder.screenshot("my-account-authenticator-replaced").await;

    // The operator deletes that account; its open session is signed out.
    ops.open(format!("{base}/relatiebeheer")).await;
    ops.click("tab-accounts").await;
    ops.fill("operator-search", "zonder@").await;
    ops.click("operator-search-submit").await;
    ops.click("result-zonder-jansen-example").await;
    ops.wait_text("detail-email", "zonder@jansen.example").await;
    ops.screenshot("operator-account").await;
    ops.click("delete-account").await;
    ops.by_id("delete-account-confirm").await;
    ops.screenshot("operator-delete-confirm").await;
    ops.click("delete-account-confirm").await;
    ops.by_id("account-deleted").await;
    zonder.open(format!("{base}/mijn-account")).await;
    zonder.by_id("page-sign-in").await;
    zonder.screenshot("signed-out-after-deletion").await;

    // The operator resets the adviser's sign-in set-up; he chooses a password from the e-mail's
    // link but stops there: signing in then says the set-up is not finished.
    ops.open(format!("{base}/relatiebeheer")).await;
    ops.click("tab-accounts").await;
    ops.fill("operator-search", "bert@").await;
    ops.click("operator-search-submit").await;
    ops.click("result-bert-jansen-example").await;
    ops.wait_text("detail-email", "bert@jansen.example").await;
    let seen = count_to(&base, "bert@jansen.example").await;
    ops.click("reset-sign-in").await;
    ops.by_id("account-reset").await;
    ops.screenshot("operator-reset-sign-in").await;
    let mail = next_message(&base, "bert@jansen.example", seen).await;
    bert.open(link_in(&mail, "/uitnodiging/")).await;
    bert.fill("setup-password", "opnieuw beginnen met zeilen")
        .await;
    bert.wait_css("#password-feedback [data-verdict='ok']")
        .await;
    bert.click("setup-password-submit").await;
    bert.by_id("setup-mobile-form").await;
    bert.open(&base).await;
    enter_password(&bert, "bert@jansen.example", "opnieuw beginnen met zeilen").await;
    bert.wait_css("[data-code=set_up_not_finished]").await;
    bert.screenshot("set-up-not-finished").await;

    // An account from before two-step verification (arranged in the database as the old
    // extranet's migration left it): sign-in says what to do.
    sign_out(&admin).await;
    let changed = db
        .execute(
            "UPDATE accounts SET totp_secret = NULL, mobile = NULL \
             WHERE email_key = 'anna@jansen.example'",
        )
        .await;
    assert_eq!(changed, 1);
    enter_password(
        &admin,
        "anna@jansen.example",
        "vier vrolijke visjes zwemmen",
    )
    .await;
    admin.wait_css("[data-code=two_factor_not_set_up]").await;
    admin.screenshot("not-set-up").await;

    for b in [ops, admin, bert, zonder] {
        b.quit().await;
    }
    drop(poort);
}

/// Answers Mijn account's "confirm it is you" with the password; waits until it is accepted.
async fn prove(b: &Browser, password: &str) {
    b.fill("reauth-password", password).await;
    b.click("reauth-submit").await;
    eventually(15, "the proof to be accepted", || async {
        b.driver
            .find(thirtyfour::By::Id("reauthenticate"))
            .await
            .is_err()
            .then_some(())
    })
    .await;
}

/// Does a sensitive action in Mijn account: clicks `button`, confirms with the password when
/// the page asks for it, and clicks again; waits for the element `done`.
async fn with_proof(b: &Browser, button: &str, password: &str, done: &str) {
    b.click(button).await;
    let asked = eventually(15, &format!("#{done} or the request for proof"), || async {
        if b.driver.find(thirtyfour::By::Id(done)).await.is_ok() {
            Some(false)
        } else if b
            .driver
            .find(thirtyfour::By::Id("reauthenticate"))
            .await
            .is_ok()
        {
            Some(true)
        } else {
            None
        }
    })
    .await;
    if asked {
        prove(b, password).await;
        b.click(button).await;
        b.by_id(done).await;
    }
}

/// The language chosen at the start is the one on screen.
async fn options_text_check(b: &Browser, en: bool) {
    let expected = if en {
        "You are working in portfolio"
    } else {
        "U werkt in portefeuille"
    };
    b.wait_text("active-portfolio", expected).await;
    // His rights by their labels in his language, not the catalogue's codes.
    let view_policies = if en {
        "View policies"
    } else {
        "Polissen inzien"
    };
    b.wait_text("my-rights", view_policies).await;
    let rights = b.text("my-rights").await;
    assert!(!rights.contains("view_policies"), "{rights}");
}

#[tokio::test]
async fn the_whole_journey_in_dutch() {
    the_whole_journey(Setting {
        lang: "nl",
        width: 1280,
    })
    .await;
}

#[tokio::test]
async fn the_whole_journey_in_english() {
    the_whole_journey(Setting {
        lang: "en",
        width: 1280,
    })
    .await;
}

#[tokio::test]
async fn the_whole_journey_on_a_phone_in_dutch() {
    the_whole_journey(Setting {
        lang: "nl",
        width: 360,
    })
    .await;
}

#[tokio::test]
async fn the_whole_journey_on_a_phone_in_english() {
    the_whole_journey(Setting {
        lang: "en",
        width: 360,
    })
    .await;
}

/// The four settings every screen is shown in.
const SETTINGS: [Setting; 4] = [
    Setting {
        lang: "nl",
        width: 1280,
    },
    Setting {
        lang: "en",
        width: 1280,
    },
    Setting {
        lang: "nl",
        width: 360,
    },
    Setting {
        lang: "en",
        width: 360,
    },
];

async fn an_expired_invitation_link_says_a_new_invitation_was_sent(lang: &str) {
    let db = poort_e2e::db::TestDatabase::sqlite();
    let mut env = base_env(&db);
    // Links that expire at once.
    env.push(("POORT__POLICY__INVITATION_VALID_DAYS".into(), "0".into()));
    let poort = Poort::start(&["--dev"], &env, &db.path().join("poort.log")).await;
    for setting in SETTINGS.into_iter().filter(|s| s.lang == lang) {
        let email = format!("olga-{}@verzekeraar.example", setting.width);
        let done = run(
            &[
                "--dev",
                "bootstrap-operator",
                "--email",
                &email,
                "--name",
                "Olga Operator",
            ],
            &env,
        )
        .await;
        assert_eq!(done.code, Some(0), "{}", done.stderr);
        let link = link_in(&done.stdout, "/uitnodiging/");
        let seen = count_to(&poort.url, &email).await;
        let mut b = browser(setting, "expired").await;
        choose_language(&b, &poort.url, setting).await;

        b.open(&link).await;

        b.wait_text(
            "invitation-renewed",
            if setting.en() {
                "new invitation"
            } else {
                "nieuwe uitnodiging"
            },
        )
        .await;
        b.screenshot("invitation-expired").await;
        next_message(&poort.url, &email, seen).await;
        b.quit().await;
    }
}

#[tokio::test]
async fn an_expired_invitation_link_says_a_new_invitation_was_sent_in_dutch() {
    an_expired_invitation_link_says_a_new_invitation_was_sent("nl").await;
}

#[tokio::test]
async fn an_expired_invitation_link_says_a_new_invitation_was_sent_in_english() {
    an_expired_invitation_link_says_a_new_invitation_was_sent("en").await;
}

/// Forgot e-mail address and forgot password up to "check your mail", the status page, a page
/// that does not exist and the dev outbox, in the four settings.
#[tokio::test]
async fn forgot_email_address_and_the_status_pages_in_both_languages() {
    let (poort, _db, _) = dev_server(Kind::Sqlite).await.unwrap();
    for setting in SETTINGS {
        let mut b = browser(setting, "recovery").await;
        choose_language(&b, &poort.url, setting).await;
        b.click("forgot-email").await;
        b.fill("mobile", "0612345678").await;
        b.screenshot("forgot-email").await;
        b.click("forgot-email-submit").await;
        b.by_id("sms-on-its-way").await;
        b.screenshot("forgot-email-sent").await;
        b.open(format!("{}/wachtwoord-vergeten", poort.url)).await;
        b.by_id("forgot-password-form").await;
        b.screenshot("forgot-password").await;
        b.open(format!("{}/status", poort.url)).await;
        b.by_id("status-ok").await;
        b.screenshot("status").await;
        b.open(format!("{}/bestaat-niet", poort.url)).await;
        b.by_id("page-not-found").await;
        b.screenshot("not-found").await;
        b.open(format!("{}/dev/outbox", poort.url)).await;
        b.css("#outbox-list, #outbox-empty").await;
        b.screenshot("dev-outbox").await;
        b.quit().await;
    }
}

/// A password older than the maximum age must be replaced after the second step.
#[tokio::test]
async fn an_expired_password_is_replaced_at_sign_in() {
    let db = poort_e2e::db::TestDatabase::sqlite();
    let mut env = base_env(&db);
    // Every password is too old at once.
    env.push(("POORT__POLICY__PASSWORD_MAX_AGE_DAYS".into(), "0".into()));
    let poort = Poort::start(&["--dev"], &env, &db.path().join("poort.log")).await;
    let base = poort.url.clone();
    let done = run(
        &[
            "--dev",
            "bootstrap-operator",
            "--email",
            "olga@verzekeraar.example",
            "--name",
            "Olga Operator",
        ],
        &env,
    )
    .await;
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let link = link_in(&done.stdout, "/uitnodiging/");
    let mut password = "olifanten dansen in de regen".to_string();
    for (n, setting) in SETTINGS.into_iter().enumerate() {
        let mut b = browser(setting, "password-expired").await;
        choose_language(&b, &base, setting).await;
        if n == 0 {
            accept(
                &mut b,
                &base,
                &link,
                &password,
                "0611111111",
                "+31611111111",
            )
            .await;
            sign_out(&b).await;
        }
        // Sign in with an SMS code (an authenticator code is accepted only once per window).
        enter_password(&b, "olga@verzekeraar.example", &password).await;
        b.by_id("code-form").await;
        submit_sms_code(&b, &base, "+31611111111").await;
        b.by_id("new-password-form").await;
        password = format!("een nieuw wachtwoord nummer {n}");
        b.fill("new-password", &password).await;
        b.wait_css("#password-feedback [data-verdict='ok']").await;
        b.screenshot("sign-in-new-password").await;
        b.click("new-password-submit").await;
        b.wait_path("/start").await;
        b.by_id("page-start").await;
        b.quit().await;
    }
}

/// Whether the rights dialog is open as a modal, whether the focus is inside it, and the id of
/// the focused element.
async fn dialog_state(b: &Browser) -> serde_json::Value {
    b.driver
        .execute(
            "const d = document.getElementById('rights-dialog-bert-jansen-example');\
             const f = document.activeElement;\
             return [!!d && d.open && d.matches(':modal'), !!d && d.contains(f), f && f.id];",
            vec![],
        )
        .await
        .unwrap()
        .json()
        .clone()
}

/// Waits until the rights dialog is closed with the focus back on the button that opened it.
async fn dialog_closed(b: &Browser, when: &str) {
    let closed = json!([false, false, "edit-rights-bert-jansen-example"]);
    let mut state = serde_json::Value::Null;
    for _ in 0..50 {
        state = dialog_state(b).await;
        if state == closed {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("the rights dialog closed {when}, the focus on its button: {state}");
}

/// Sets a date field to today plus `days` (the browser's own date, as a person picks it).
async fn choose_day(b: &Browser, id: &str, days: i64) {
    b.driver
        .execute(
            "const [id, days] = arguments; const d = new Date(); d.setDate(d.getDate() + days);\
             const field = document.getElementById(id);\
             field.value = d.toLocaleDateString('sv');\
             field.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![json!(id), json!(days)],
        )
        .await
        .unwrap();
}
