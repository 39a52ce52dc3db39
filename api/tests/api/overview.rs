//! The relations team's overview: each number is what its filtered list shows (accounts by
//! status, without rights and by factor, a page at a time; open and expired invitations across
//! offices; dead letters), on both databases.

use chrono::Duration;
use poort_api::clock::Clock as _;
use poort_api::store::{AttemptOutcome, NewMessage};
use poort_shared::dto::{AccountStatus, Channel};
use serde_json::{Value, json};

use crate::helpers::{TestApp, code};

crate::app_on_both_databases!(every_number_of_the_overview_is_what_its_filtered_list_shows);

fn emails(answer: &Value, list: &str) -> Vec<String> {
    answer[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {answer}"))
        .iter()
        .map(|a| a["email"].as_str().unwrap().to_string())
        .collect()
}

async fn every_number_of_the_overview_is_what_its_filtered_list_shows(app: &TestApp) {
    let operator = app.operator().await;
    let operator_secret = operator.totp_secret.clone().unwrap();
    let (office, portfolios, admin) = app.office_with_admin(&operator, 1).await;
    // Piet gets rights and signs up; Kees and Mies are invited without rights and do not.
    let (status, body) = admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Piet Adviseur", "email": "piet@kantoor1.example",
                    "rights": [{ "portfolio_id": portfolios[0], "rights": ["view_policies"] }] }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let link = app.link_for("piet@kantoor1.example").await;
    app.accept(&link, "blauwe fiets op het dak", "0612345999")
        .await;
    for (name, email) in [
        ("Kees Nieuw", "kees@kantoor1.example"),
        ("Mies Nieuw", "mies@kantoor1.example"),
    ] {
        let (status, body) = admin
            .post(
                "/api/office/invitations",
                json!({ "name": name, "email": email }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }

    let (status, n) = operator.get("/api/operator/overview").await;
    assert_eq!(status, 200, "{n}");
    assert_eq!(
        n,
        json!({ "offices": 1, "active_accounts": 3, "blocked_accounts": 0,
                "accounts_without_rights": 1, "open_invitations": 2,
                "expired_invitations": 0, "dead_letters": 0 }),
        "operator, administrator and Piet are active; the administrator has no rights"
    );
    let (_, list) = operator.get("/api/operator/accounts?status=active").await;
    assert_eq!(
        emails(&list, "accounts"),
        [
            "admin1@kantoor1.example",
            "olga@verzekeraar.example",
            "piet@kantoor1.example"
        ],
        "by name: Beheerder 1, Olga Operator, Piet Adviseur"
    );
    let (_, list) = operator
        .get("/api/operator/accounts?status=active&without_rights=true")
        .await;
    assert_eq!(emails(&list, "accounts"), ["admin1@kantoor1.example"]);
    let (_, list) = operator
        .get(&format!(
            "/api/operator/accounts?office_id={office}&status=invited"
        ))
        .await;
    assert_eq!(
        emails(&list, "accounts"),
        ["kees@kantoor1.example", "mies@kantoor1.example"]
    );
    let (_, list) = operator
        .get("/api/operator/accounts?factor=authenticator&q=kantoor1")
        .await;
    assert_eq!(
        emails(&list, "accounts"),
        ["admin1@kantoor1.example", "piet@kantoor1.example"],
        "who finished the set-up has an authenticator"
    );
    let (_, list) = operator
        .get("/api/operator/accounts?factor=eherkenning")
        .await;
    assert_eq!(list["accounts"], json!([]));

    // Pages: two at a time, by name, the next offset only while more follow.
    let (_, first) = operator.get("/api/operator/accounts?limit=2").await;
    assert_eq!(first["accounts"].as_array().unwrap().len(), 2);
    assert_eq!(first["next_offset"], 2, "{first}");
    let (_, second) = operator
        .get("/api/operator/accounts?limit=2&offset=2")
        .await;
    assert_eq!(second["next_offset"], 2 + 2, "five accounts: {second}");
    let (_, last) = operator
        .get("/api/operator/accounts?limit=2&offset=4")
        .await;
    assert_eq!(last["accounts"].as_array().unwrap().len(), 1);
    assert!(last.get("next_offset").is_none(), "{last}");
    let mut all = emails(&first, "accounts");
    all.extend(emails(&second, "accounts"));
    all.extend(emails(&last, "accounts"));
    all.dedup();
    assert_eq!(all.len(), 5, "no account twice, none left out: {all:?}");

    // The office's administrator pages and filters their own office's accounts the same way.
    let (status, list) = admin
        .get("/api/office/accounts?status=invited&limit=1")
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(emails(&list, "accounts"), ["kees@kantoor1.example"]);
    assert_eq!(list["next_offset"], 1);
    let (_, list) = admin.get("/api/office/accounts?without_rights=true").await;
    assert_eq!(
        emails(&list, "accounts"),
        [
            "admin1@kantoor1.example",
            "kees@kantoor1.example",
            "mies@kantoor1.example"
        ]
    );

    // Bad filters and pages are refused with the stable code.
    for query in [
        "status=sleeping",
        "factor=fax",
        "without_rights=maybe",
        "limit=0",
        "limit=201",
        "offset=-1",
        "offset=100001",
    ] {
        for (who, path) in [
            (&operator, "/api/operator/accounts"),
            (&admin, "/api/office/accounts"),
        ] {
            let (status, answer) = who.get(&format!("{path}?{query}")).await;
            assert_eq!(
                (status, code(&answer)),
                (400, "invalid_request"),
                "{path}?{query}: {answer}"
            );
        }
    }
    for query in ["", "?state=lost", "?state=open&limit=501"] {
        let (status, answer) = operator
            .get(&format!("/api/operator/invitations{query}"))
            .await;
        assert_eq!(
            (status, code(&answer)),
            (400, "invalid_request"),
            "{query}: {answer}"
        );
    }
    for query in ["limit=201", "offset=-1"] {
        let (status, answer) = operator
            .get(&format!("/api/operator/dead-letters?{query}"))
            .await;
        assert_eq!(
            (status, code(&answer)),
            (400, "invalid_request"),
            "{query}: {answer}"
        );
    }
    // The administrator is not the relations team.
    for path in [
        "/api/operator/overview",
        "/api/operator/invitations?state=open",
        "/api/operator/dead-letters",
    ] {
        let (status, _) = admin.get(path).await;
        assert_eq!(status, 403, "{path}");
    }

    // Open invitations across offices, with their office; one page at a time.
    let (status, open) = operator.get("/api/operator/invitations?state=open").await;
    assert_eq!(status, 200, "{open}");
    assert_eq!(
        emails(&open, "invitations"),
        ["mies@kantoor1.example", "kees@kantoor1.example"],
        "newest first"
    );
    assert_eq!(open["invitations"][0]["office_name"], "Kantoor 1");
    assert_eq!(open["invitations"][0]["office_id"], office);
    let (_, page) = operator
        .get("/api/operator/invitations?state=open&limit=1")
        .await;
    let next = page["next_before"].as_str().unwrap().to_string();
    let (_, page) = operator
        .get(&format!(
            "/api/operator/invitations?state=open&limit=1&before={next}"
        ))
        .await;
    assert_eq!(emails(&page, "invitations"), ["kees@kantoor1.example"]);
    assert!(page["next_before"].is_null(), "{page}");

    // A message given up on, an account blocked, and a week later the links have expired.
    let now = app.clock.now();
    let ids = app
        .state
        .store
        .enqueue(
            &[NewMessage {
                channel: Channel::Email,
                recipient: "weg@nergens.example".into(),
                subject: Some("Uitnodiging".into()),
                body: "…".into(),
            }],
            // Due later: the delivery worker leaves it to this test.
            now + Duration::hours(1),
        )
        .await
        .unwrap();
    app.state
        .store
        .record_attempt(
            ids[0],
            &AttemptOutcome::Dead("550 5.1.1 mailbox unknown".into()),
            now,
            true,
        )
        .await
        .unwrap();
    let (_, piet) = operator.get("/api/operator/accounts?q=piet@").await;
    let piet: uuid::Uuid = piet["accounts"][0]["id"].as_str().unwrap().parse().unwrap();
    let mut tx = app.state.store.begin().await.unwrap();
    tx.set_status(piet, AccountStatus::Blocked, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.advance(Duration::days(8));
    // The week ended the operator's session: signed in again.
    let operator = crate::helpers::User::new(&app.address);
    let (status, step) = operator
        .post(
            "/api/sign-in",
            json!({ "email": "olga@verzekeraar.example", "password": "olifant paars dak" }),
        )
        .await;
    assert_eq!(status, 200, "{step}");
    let secret = operator_secret;
    let (status, body) = operator
        .post(
            "/api/sign-in/authenticator",
            json!({ "sign_in_token": step["sign_in_token"], "code": app.totp(&secret) }),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (_, n) = operator.get("/api/operator/overview").await;
    assert_eq!(
        n,
        json!({ "offices": 1, "active_accounts": 2, "blocked_accounts": 1,
                "accounts_without_rights": 1, "open_invitations": 0,
                "expired_invitations": 2, "dead_letters": 1 }),
    );
    let (_, list) = operator.get("/api/operator/accounts?status=blocked").await;
    assert_eq!(emails(&list, "accounts"), ["piet@kantoor1.example"]);
    let (_, expired) = operator
        .get("/api/operator/invitations?state=expired")
        .await;
    assert_eq!(
        emails(&expired, "invitations"),
        ["mies@kantoor1.example", "kees@kantoor1.example"]
    );
    assert_eq!(expired["invitations"][0]["expired"], true);
    let (_, open) = operator.get("/api/operator/invitations?state=open").await;
    assert_eq!(open["invitations"], json!([]));
    let (status, dead) = operator.get("/api/operator/dead-letters").await;
    assert_eq!(status, 200, "{dead}");
    assert_eq!(dead["messages"].as_array().unwrap().len(), 1, "{dead}");
    let letter = &dead["messages"][0];
    assert_eq!(letter["recipient"], "weg@nergens.example");
    assert_eq!(letter["subject"], "Uitnodiging");
    assert_eq!(letter["channel"], "email");
    assert_eq!(letter["last_error"], "550 5.1.1 mailbox unknown");
    assert!(
        letter.get("body").is_none(),
        "the body is not shown: {letter}"
    );
}
