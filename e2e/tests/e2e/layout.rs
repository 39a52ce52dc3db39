//! Pages that stay where they are while their data arrives: each page opened afresh
//! on a slow phone (DevTools' slow 4G: 150 ms round trips, 1.6 Mbit/s, CPU ×4), nl at 1280 px and en at 360 px;
//! its cumulative layout shift (Chromium's CLS, measured by the page itself) must stay at or
//! under 0.05, the "good" mark. The figures go to `e2e/artifacts/cls.txt` with the elements that
//! moved.

use std::time::Duration;

use poort_e2e::browser::{Browser, Throttle};
use poort_e2e::db::Kind;
use serde_json::json;

use crate::integrators::office_and_operator;
use crate::support::dev_server;

/// The largest CLS a page may have: web.dev's "good".
const GOOD: f64 = 0.05;

async fn settle_and_measure(b: &mut Browser, label: &str, marker: &str) -> (f64, Vec<String>) {
    b.by_id(marker).await;
    // What a page loads after its first part (further sections, counts) has time to arrive.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let measured = b.layout_shift().await;
    b.screenshot(label).await;
    measured
}

#[tokio::test]
async fn pages_do_not_move_while_their_data_arrives() {
    let Some((poort, _db, env)) = dev_server(Kind::Sqlite).await else {
        return;
    };
    let base = poort.url.clone();
    let (portfolio, _secret, admin, operator) = office_and_operator(&poort, &env).await;
    let (_, me) = admin.get("/api/me").await;
    let (status, answer) = admin
        .send(
            reqwest::Method::PUT,
            &format!("/api/office/accounts/{}/rights", me["id"].as_str().unwrap()),
            json!({ "portfolios": [{ "portfolio_id": portfolio, "rights": ["view_policies"] }] }),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    // Colleagues for the lists.
    for n in 0..6 {
        let (status, answer) = admin
            .post(
                "/api/office/invitations",
                json!({
                    "name": format!("Collega {n}"),
                    "email": format!("collega{n}@kantoor.example"),
                    "rights": [{ "portfolio_id": portfolio, "rights": ["view_policies"] }],
                }),
            )
            .await;
        assert_eq!(status, 201, "{answer}");
    }
    let (_, offices) = operator.get("/api/operator/offices?q=44556677").await;
    let office = offices["offices"][0]["id"].as_str().unwrap().to_string();

    let admin_pages = [
        ("/start", "page-start"),
        ("/mijn-account", "page-my-account"),
        ("/beheer", "accounts-table"),
        ("/beheer?tab=invitations", "page-office-admin"),
        ("/beheer?tab=requests", "page-office-admin"),
        ("/beheer?tab=review", "review-state"),
        ("/beheer/koppelingen", "page-api-clients"),
    ];
    let office_page = format!("/relatiebeheer/kantoren/{office}");
    let operator_pages = [
        ("/relatiebeheer", "page-operator"),
        ("/relatiebeheer?tab=offices", "page-operator"),
        ("/relatiebeheer?tab=accounts", "page-operator"),
        ("/relatiebeheer?tab=invitations", "page-operator"),
        ("/relatiebeheer?tab=reviews", "page-operator"),
        ("/relatiebeheer?tab=audit", "page-operator"),
        (office_page.as_str(), "page-operator-office"),
        ("/relatiebeheer/koppelingen", "page-api-clients"),
    ];
    let visitor_pages = [
        ("/", "page-sign-in"),
        ("/wachtwoord-vergeten", "page-forgot-password"),
        ("/e-mailadres-vergeten", "page-forgot-email"),
    ];
    let mut moved = Vec::new();
    for (lang, width, height) in [("nl", 1280, 900), ("en", 360, 780)] {
        for (who, person, pages) in [
            ("visitor", None, &visitor_pages[..]),
            ("admin", Some(&admin), &admin_pages[..]),
            ("operator", Some(&operator), &operator_pages[..]),
        ] {
            let mut b =
                Browser::start(&format!("layout-{who}-{lang}-{width}"), width, height).await;
            match person {
                Some(person) => b.use_session(&base, &person.cookie_header()).await,
                None => b.driver.goto(format!("{base}/status")).await.unwrap(),
            }
            b.driver
                .execute(
                    &format!("localStorage.setItem('poort.lang', '{lang}'); return 1;"),
                    vec![],
                )
                .await
                .unwrap();
            b.throttle(&Throttle::SLOW_4G).await;
            for (path, marker) in pages {
                b.driver.goto(format!("{base}{path}")).await.unwrap();
                // The sign-in page is there before the app: wait for the app to take it over.
                b.wait_for_app().await;
                let label = format!("{who}{}", path.replace(['/', '?', '='], "-"));
                let (cls, shifts) = settle_and_measure(&mut b, &label, marker).await;
                println!("CLS {cls:.3} {lang} {width} px {path}");
                if cls > GOOD {
                    moved.push(format!("{path} ({lang}, {width} px): {cls:.3} {shifts:#?}"));
                }
            }
            b.quit().await;
        }
    }
    assert!(
        moved.is_empty(),
        "pages that move while their data arrives (CLS over {GOOD}):\n{}",
        moved.join("\n")
    );
}
