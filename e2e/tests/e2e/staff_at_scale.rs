//! The staff screens at an insurer's numbers: `poort --dev seed-scale` makes 300 offices and
//! 10,000 accounts (the largest office 1,000; some invited, blocked or deactivated), then the
//! relations team walks the overview's numbers into their filtered lists and pages through
//! them, moves an adviser to another office, and the largest office's administrator pages and
//! filters their accounts, and asks for a person of another office to be moved in (the
//! relations team does); every list's state is in the address (Back returns to the page before). In Dutch and in English, at 1280
//! and 360 px, with a screenshot (and its accessibility check) of each screen.

use poort_e2e::browser::Browser;
use poort_e2e::db::{Kind, TestDatabase};
use poort_e2e::eventually;
use poort_e2e::server::{Poort, base_env, run};
use poort_e2e::totp;

use crate::journeys::enter_password;

const PASSWORD: &str = "schaal van een echte verzekeraar";
const SEED: &str = "poort-scale-screens";
const OFFICES: usize = 300;
const ACCOUNTS: usize = 10_000;

/// Signs in with password and authenticator code (waiting for a fresh 30-second window when
/// this account used the current one).
async fn sign_in(b: &Browser, base: &str, en: bool, email: &str, i: usize, used: &mut Option<u64>) {
    b.open(base).await;
    b.by_id("page-sign-in").await;
    if en {
        b.click("lang-en").await;
        b.wait_text("page-sign-in", "Sign in").await;
    }
    enter_password(b, email, PASSWORD).await;
    b.by_id("code-form").await;
    while used.is_some_and(|u| totp::step() <= u) {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    *used = Some(totp::step());
    b.fill("code", &totp::seeded_code(SEED, i)).await;
    b.click("code-submit").await;
    b.wait_path("/start").await;
}

/// Chooses an option of a `<select>` as a person does (the change event included).
async fn choose(b: &Browser, id: &str, value: &str) {
    b.by_id(id).await;
    b.driver
        .execute(
            "const s = document.getElementById(arguments[0]); s.value = arguments[1];\
             s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![serde_json::json!(id), serde_json::json!(value)],
        )
        .await
        .unwrap();
}

/// The address of an active account without the administrator role in the relations team's
/// account table, once the table shows office `office`'s.
async fn active_adviser_of(b: &Browser, base: &str, office: usize) -> String {
    b.open(format!(
        "{base}/relatiebeheer?tab=accounts&q=kantoor{office}.scale.example&status=active"
    ))
    .await;
    eventually(15, "an active adviser in the table", || async {
        let found = b
            .driver
            .execute(
                "const row = [...document.querySelectorAll('#search-results tr')]\
                   .find(r => r.dataset.status === 'active' && !r.querySelector('.badge')\
                     && r.children[1].textContent.includes('@kantoor' + arguments[0] + '.scale'));\
                 return row ? row.children[1].textContent : null;",
                vec![serde_json::json!(office)],
            )
            .await
            .ok()?;
        found.json().as_str().map(str::to_string)
    })
    .await
}

/// The statuses of the rows a table body shows.
async fn statuses(b: &Browser, body: &str) -> Vec<String> {
    let rows = b
        .driver
        .execute(
            "return [...document.querySelectorAll(arguments[0] + ' tr')].map(r => r.dataset.status);",
            vec![serde_json::json!(body)],
        )
        .await
        .unwrap();
    rows.convert().unwrap_or_default()
}

async fn staff_screens_at_scale(lang: &'static str) {
    let en = lang == "en";
    let db = TestDatabase::new(Kind::Sqlite).await.unwrap();
    let env = base_env(&db);
    let offices = OFFICES.to_string();
    let accounts = ACCOUNTS.to_string();
    let seeded = run(
        &[
            "--dev",
            "seed-scale",
            "--offices",
            &offices,
            "--accounts",
            &accounts,
            "--audit-events",
            "5000",
            "--password",
            PASSWORD,
            "--totp-seed",
            SEED,
        ],
        &env,
    )
    .await;
    assert_eq!(seeded.code, Some(0), "{}", seeded.stderr);
    // "… largest office <name> (administrator: account 0, <address>); …"
    let admin_email = seeded
        .stdout
        .split("account 0, ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no administrator in {}", seeded.stdout))
        .to_string();
    let poort = Poort::start(&["--dev"], &env, &db.path().join("poort.log")).await;
    let base = poort.url.clone();
    let (mut ops_used, mut admin_used) = (None, None);
    for width in [1280, 360] {
        let height = if width < 500 { 780 } else { 900 };
        let label = format!("{lang}-{width}-scale");

        // The relations team: the numbers, each into its list.
        let mut ops = Browser::start(&format!("{label}-operator"), width, height).await;
        sign_in(
            &ops,
            &base,
            en,
            "relatiebeheer@scale.example",
            ACCOUNTS,
            &mut ops_used,
        )
        .await;
        ops.click("go-operator").await;
        ops.wait_text("overview-offices", "300").await;
        let active = ops.text("overview-active").await;
        assert!(
            active.contains(if en { ',' } else { '.' }),
            "thousands grouped: {active}"
        );
        ops.screenshot("overview").await;
        ops.click("overview-blocked").await;
        ops.wait_url_contains("status=blocked").await;
        ops.wait_text("account-count", "1–50").await;
        eventually(10, "a page of 50 blocked accounts", || async {
            let shown = statuses(&ops, "#search-results").await;
            (shown.len() == 50 && shown.iter().all(|s| s == "blocked")).then_some(())
        })
        .await;
        ops.screenshot("accounts-blocked").await;
        ops.click("account-pager-next").await;
        ops.wait_url_contains("page=2").await;
        ops.wait_text("account-count", "51–").await;
        assert!(
            statuses(&ops, "#search-results")
                .await
                .iter()
                .all(|s| s == "blocked")
        );
        ops.screenshot("accounts-blocked-page-2").await;
        ops.driver.back().await.unwrap();
        ops.wait_text("account-count", "1–50").await;
        // The fields follow the address: the form shows the filter the overview chose.
        let chosen = ops
            .driver
            .execute(
                "return document.getElementById('operator-search-status').value;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(chosen.json(), &serde_json::json!("blocked"));
        // Narrowed further by hand: blocked with an authenticator app.
        choose(&ops, "operator-search-factor", "authenticator").await;
        ops.click("operator-search-submit").await;
        ops.wait_url_contains("factor=authenticator").await;
        ops.wait_url_contains("status=blocked").await;
        ops.click("tab-overview").await;
        ops.click("overview-without-rights").await;
        ops.wait_url_contains("rights=none").await;
        ops.by_id("account-table").await;
        ops.screenshot("accounts-without-rights").await;

        // Offices: 300 in pages of 50, the largest first by number of accounts.
        ops.click("tab-offices").await;
        ops.wait_text("office-count", "300").await;
        ops.click("office-pager-next").await;
        ops.wait_text("office-count", "51–100").await;
        ops.click("sort-account_count").await;
        ops.click("sort-account_count").await;
        ops.wait_url_contains("order=desc").await;
        // 1,000 accounts; one more after the first round (a person moved in below).
        ops.wait_text("office-table", if width == 1280 { "1000" } else { "1001" })
            .await;
        ops.screenshot("offices-by-size").await;
        ops.css("#office-table tbody tr a")
            .await
            .click()
            .await
            .unwrap();
        ops.by_id("office-detail").await;
        ops.wait_text("account-count", "1–50").await;
        ops.screenshot("largest-office").await;

        // An adviser changes office: moved by the relations team to the office with a KvK
        // number (office 1's), from the account's detail.
        let mover = active_adviser_of(&ops, &base, 9 + usize::from(width == 360)).await;
        ops.click(&format!("result-{}", mover.replace(['@', '.'], "-")))
            .await;
        ops.wait_text("detail-email", &mover).await;
        ops.fill("move-kvk", "60000001").await;
        ops.click("move-submit").await;
        ops.by_id("account-moved").await;
        ops.screenshot("account-moved").await;
        // Another, whose address office 0's administrator will try to invite.
        let wanderer = active_adviser_of(&ops, &base, 7 + usize::from(width == 360)).await;

        // Invitations across offices, and the undelivered messages.
        ops.open(format!("{base}/relatiebeheer?tab=invitations&state=open"))
            .await;
        ops.by_id("invitation-table").await;
        ops.screenshot("open-invitations").await;
        ops.click("tab-undelivered").await;
        ops.by_id("undelivered-table").await;
        ops.screenshot("undelivered").await;

        // The largest office's administrator: 1,000 accounts, a page at a time, by status.
        let mut admin = Browser::start(&format!("{label}-admin"), width, height).await;
        sign_in(&admin, &base, en, &admin_email, 0, &mut admin_used).await;
        admin.click("go-admin").await;
        admin.wait_text("office-account-count", "1–50").await;
        admin.screenshot("office-accounts").await;
        choose(&admin, "account-search-status", "deactivated").await;
        admin.click("account-search-submit").await;
        admin.wait_url_contains("status=deactivated").await;
        admin.wait_text("office-account-count", "1–").await;
        // The address changes before the filtered page arrives: wait for the table to follow.
        eventually(10, "only deactivated accounts in the table", || async {
            let shown = statuses(&admin, "#accounts-table tbody").await;
            (!shown.is_empty() && shown.iter().all(|s| s == "deactivated")).then_some(())
        })
        .await;
        admin.screenshot("office-accounts-deactivated").await;
        admin
            .open(format!("{base}/beheer?tab=accounts&page=3"))
            .await;
        admin.wait_text("office-account-count", "101–150").await;
        admin.click("office-account-pager-previous").await;
        admin.wait_text("office-account-count", "51–100").await;

        // The address is another office's: the administrator asks the relations team to move
        // that person here (without learning the office), and they do.
        admin.open(format!("{base}/beheer?tab=invite")).await;
        admin.fill("invite-name", "Willem Wanderer").await;
        admin.fill("invite-email", &wanderer).await;
        admin.click("invite-submit").await;
        admin.wait_css("[data-code=email_taken]").await;
        admin.click("ask-move").await;
        admin.by_id("move-requested").await;
        admin.screenshot("ask-move").await;
        ops.open(format!("{base}/relatiebeheer?tab=moves")).await;
        ops.wait_text("move-request-list", &wanderer).await;
        ops.screenshot("move-requests").await;
        ops.click(&format!("move-{}", wanderer.replace(['@', '.'], "-")))
            .await;
        ops.by_id("move-requests-none").await;
        ops.quit().await;
        admin
            .open(format!("{base}/beheer?tab=accounts&q={wanderer}"))
            .await;
        admin.wait_text("accounts-table", &wanderer).await;
        admin.screenshot("moved-in").await;
        admin.quit().await;
    }
    drop(poort);
    drop(db);
}

#[tokio::test]
async fn the_staff_screens_at_an_insurers_numbers_in_dutch() {
    staff_screens_at_scale("nl").await;
}

#[tokio::test]
async fn the_staff_screens_at_an_insurers_numbers_in_english() {
    staff_screens_at_scale("en").await;
}
