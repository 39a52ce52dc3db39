//! Bad input gets a 4xx with a stable code and changes nothing; limits hold; secrets are not
//! readable in the database.

use chrono::Duration;
use poort_e2e::db::Kind;
use serde_json::json;

use crate::helpers::{TestApp, User, code, spawn_app_with};

crate::app_on_both_databases!(
    malformed_office_and_invitation_input_is_refused_with_stable_codes_and_changes_nothing,
    a_weak_password_is_refused_and_a_used_link_cannot_be_reused,
    six_wrong_sms_codes_exhaust_the_code_and_a_new_code_is_throttled,
    tokens_codes_and_authenticator_secrets_are_not_readable_in_the_database,
);

async fn malformed_office_and_invitation_input_is_refused_with_stable_codes_and_changes_nothing(
    app: &TestApp,
) {
    let operator = app.operator().await;
    let (office, portfolios) = app
        .office(&operator, "Kantoor Goed", "12345678", ["AG-1", "AG-2"])
        .await;

    for (body, expected) in [
        (
            json!({ "name": "Kantoor", "kvk_number": "1234567" }),
            "invalid_kvk_number",
        ),
        (
            json!({ "name": "Kantoor", "kvk_number": "1234567x" }),
            "invalid_kvk_number",
        ),
        (
            json!({ "name": "   ", "kvk_number": "23456789" }),
            "invalid_name",
        ),
        (
            json!({ "name": "Kantoor", "kvk_number": "12345678" }),
            "kvk_number_taken",
        ),
        (
            json!({ "name": "Kantoor", "kvk": "12345678" }),
            "invalid_request",
        ),
        (
            json!({ "name": "Kantoor", "kvk_number": "23456789", "extra": 1 }),
            "invalid_request",
        ),
    ] {
        let (status, answer) = operator.post("/api/operator/offices", body.clone()).await;
        assert!((400..500).contains(&status), "{body} → {status}");
        assert_eq!(code(&answer), expected, "{body}");
    }
    // The office list's order and page are checked too.
    for query in [
        "sort=size",
        "order=down",
        "limit=0",
        "limit=201",
        "offset=-1",
        "offset=1000001",
        "limit=ten",
    ] {
        let (status, answer) = operator
            .get(&format!("/api/operator/offices?{query}"))
            .await;
        assert_eq!(status, 400, "{query}: {answer}");
        assert_eq!(code(&answer), "invalid_request", "{query}");
    }
    // The audit trail's period: moments in RFC 3339.
    for query in ["since=gisteren", "until=2026-13-01T00:00:00Z"] {
        let (status, answer) = operator.get(&format!("/api/operator/audit?{query}")).await;
        assert_eq!(status, 400, "{query}: {answer}");
        assert_eq!(code(&answer), "invalid_request", "{query}");
    }
    let (status, answer) = operator
        .get("/api/operator/audit?action=office.created&since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00%2B01:00")
        .await;
    assert_eq!(status, 200, "{answer}");
    let events = answer["events"].as_array().unwrap();
    assert!(
        !events.is_empty() && events.iter().all(|e| e["action"] == "office.created"),
        "{answer}"
    );
    let (_, answer) = operator
        .get("/api/operator/audit?since=2100-01-01T00:00:00Z")
        .await;
    assert_eq!(
        answer["events"],
        json!([]),
        "nothing happened in the future"
    );
    // A period that ends before (or where) it starts is valid and holds nothing.
    for query in [
        "since=2000-01-02T00:00:00Z&until=2000-01-01T00:00:00Z",
        "since=2026-12-01T00:00:00Z&until=2026-12-01T00:00:00Z",
    ] {
        let (status, answer) = operator.get(&format!("/api/operator/audit?{query}")).await;
        assert_eq!(status, 200, "{query}: {answer}");
        assert_eq!(answer["events"], json!([]), "{query}");
    }
    let (status, answer) = operator
        .get("/api/operator/offices?q=AG-2&sort=account_count&order=desc&offset=0&limit=200")
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["total"], 1, "found by an agency number: {answer}");
    assert_eq!(answer["offices"][0]["id"], office.to_string());
    let (status, answer) = operator
        .post(
            &format!("/api/operator/offices/{office}/portfolios"),
            json!({ "agency_number": "AG-1", "name": "Dubbel" }),
        )
        .await;
    assert_eq!((status, code(&answer)), (409, "agency_number_taken"));
    let (status, answer) = operator
        .post(
            &format!("/api/operator/offices/{office}/portfolios"),
            json!({ "agency_number": "AG 1!", "name": "Fout" }),
        )
        .await;
    assert_eq!((status, code(&answer)), (400, "invalid_agency_number"));

    let invite = |email: &str, right: &str| json!({ "name": "Lotte", "email": email, "rights": [{ "portfolio_id": portfolios[0], "rights": [right] }] });
    for (body, expected) in [
        (invite("lotte", "view_policies"), "invalid_email"),
        (invite("lotte@kantoor", "view_policies"), "invalid_email"),
        (
            invite("lotte@kantoor.example", "launch_rockets"),
            "unknown_right",
        ),
        (
            json!({ "name": "", "email": "l@k.example" }),
            "invalid_name",
        ),
    ] {
        let (status, answer) = operator
            .post(
                &format!("/api/operator/offices/{office}/invitations"),
                body.clone(),
            )
            .await;
        assert_eq!((status, code(&answer)), (400, expected), "{body}");
    }

    // Nothing was created by any of it.
    let (_, offices) = operator.get("/api/operator/offices").await;
    assert_eq!(offices["offices"].as_array().unwrap().len(), 1);
    assert_eq!(offices["offices"][0]["portfolio_count"], 2);
    assert_eq!(offices["offices"][0]["account_count"], 0);
    assert!(
        app.outbox()
            .await
            .iter()
            .all(|m| !m["recipient"].as_str().unwrap().contains("lotte"))
    );

    // A taken e-mail address, in any letter case.
    operator
        .post(
            &format!("/api/operator/offices/{office}/invitations"),
            json!({ "name": "Mo", "email": "mo@k.example" }),
        )
        .await;
    let (status, answer) = operator
        .post(
            &format!("/api/operator/offices/{office}/invitations"),
            json!({ "name": "Mo 2", "email": "MO@K.example" }),
        )
        .await;
    assert_eq!((status, code(&answer)), (409, "email_taken"));
}

async fn a_weak_password_is_refused_and_a_used_link_cannot_be_reused(app: &TestApp) {
    let operator = app.operator().await;
    let (_, _, admin) = app.office_with_admin(&operator, 1).await;
    admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Nina Smit", "email": "nina.smit@k1.example" }),
        )
        .await;
    let link = app.link_for("nina.smit@k1.example").await;
    let token = TestApp::token_of(&link);
    let invitee = User::new(&app.address);

    for (password, expected) in [
        ("kort", "password_too_short"),
        ("Welkom2024!!", "password_too_common"),
        (
            "nina.smit-heeft-een-wachtwoord",
            "password_contains_personal_data",
        ),
        ("ik ben smit de smid", "password_contains_personal_data"),
    ] {
        let (status, answer) = invitee
            .post(
                &format!("/api/invitations/{token}/password"),
                json!({ "password": password }),
            )
            .await;
        assert_eq!((status, code(&answer)), (400, expected), "{password}");
    }
    let (_, opened) = invitee.get(&format!("/api/invitations/{token}")).await;
    assert_eq!(
        opened["step"], "password",
        "refused passwords change nothing"
    );

    app.accept(&link, "een heel goed wachtwoord", "0698765432")
        .await;
    let (status, answer) = invitee.get(&format!("/api/invitations/{token}")).await;
    assert_eq!((status, code(&answer)), (410, "invitation_used"));
    let (status, answer) = invitee
        .post(
            &format!("/api/invitations/{token}/password"),
            json!({ "password": "nog een wachtwoord" }),
        )
        .await;
    assert_eq!((status, code(&answer)), (410, "invitation_used"));
    let (status, answer) = invitee
        .get("/api/invitations/not-a-real-token-at-all")
        .await;
    assert_eq!((status, code(&answer)), (404, "invitation_not_found"));
}

async fn six_wrong_sms_codes_exhaust_the_code_and_a_new_code_is_throttled(app: &TestApp) {
    let operator = app.operator().await;
    let (_, _, admin) = app.office_with_admin(&operator, 2).await;
    admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Otto", "email": "otto@k2.example" }),
        )
        .await;
    let token = TestApp::token_of(&app.link_for("otto@k2.example").await);
    let invitee = User::new(&app.address);
    let (_, body) = invitee
        .post(
            &format!("/api/invitations/{token}/password"),
            json!({ "password": "witte wolken drijven" }),
        )
        .await;
    let setup = body["setup_token"].as_str().unwrap().to_string();
    let (status, answer) = invitee
        .post(
            &format!("/api/invitations/{token}/mobile"),
            json!({ "setup_token": setup, "mobile": "020-1234567" }),
        )
        .await;
    assert_eq!((status, code(&answer)), (400, "invalid_mobile"));
    let (status, _) = invitee
        .post(
            &format!("/api/invitations/{token}/mobile"),
            json!({ "setup_token": setup, "mobile": "0612340000" }),
        )
        .await;
    assert_eq!(status, 202);
    let right = app.sms_code("+31612340000").await;
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };

    let mut codes = Vec::new();
    for _ in 0..6 {
        let (status, answer) = invitee
            .post(
                &format!("/api/invitations/{token}/mobile/verify"),
                json!({ "setup_token": setup, "code": wrong }),
            )
            .await;
        codes.push((status, code(&answer).to_string()));
    }

    assert_eq!(
        codes[..5]
            .iter()
            .filter(|c| c.1 == "code_incorrect")
            .count(),
        5
    );
    assert_eq!(codes[5], (400, "code_attempts_exceeded".to_string()));
    let (status, answer) = invitee
        .post(
            &format!("/api/invitations/{token}/mobile/verify"),
            json!({ "setup_token": setup, "code": right }),
        )
        .await;
    assert_eq!(
        (status, code(&answer)),
        (400, "code_attempts_exceeded"),
        "even the right code is refused now"
    );
    let (status, answer) = invitee
        .post(
            &format!("/api/invitations/{token}/mobile/verify"),
            json!({ "setup_token": setup, "code": "12a456" }),
        )
        .await;
    assert_eq!((status, code(&answer)), (400, "code_malformed"));
    assert_eq!(
        answer["former_code"], "invalid_code",
        "the former name is sent for one release"
    );
    let (_, opened) = invitee.get(&format!("/api/invitations/{token}")).await;
    assert_eq!(opened["step"], "mobile", "still not verified");

    // A new code waits for the re-send interval, then works.
    let (status, answer) = invitee
        .post(
            &format!("/api/invitations/{token}/mobile"),
            json!({ "setup_token": setup, "mobile": "0612340000" }),
        )
        .await;
    assert_eq!((status, code(&answer)), (429, "rate_limited"));
    app.advance(Duration::seconds(31));
    let (status, _) = invitee
        .post(
            &format!("/api/invitations/{token}/mobile"),
            json!({ "setup_token": setup, "mobile": "0612340000" }),
        )
        .await;
    assert_eq!(status, 202);
    let fresh = app.sms_code("+31612340000").await;
    let (status, answer) = invitee
        .post(
            &format!("/api/invitations/{token}/mobile/verify"),
            json!({ "setup_token": setup, "code": fresh }),
        )
        .await;
    assert_eq!(
        (status, answer["step"].as_str()),
        (200, Some("authenticator"))
    );
}

async fn tokens_codes_and_authenticator_secrets_are_not_readable_in_the_database(app: &TestApp) {
    let operator = app.operator().await;
    let (_, _, admin) = app.office_with_admin(&operator, 3).await;
    admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Pim", "email": "pim@k3.example" }),
        )
        .await;
    let link = app.link_for("pim@k3.example").await;
    let token = TestApp::token_of(&link);
    // Stop after the SMS was sent, to catch the code while it is still stored.
    let invitee = User::new(&app.address);
    let (_, body) = invitee
        .post(
            &format!("/api/invitations/{token}/password"),
            json!({ "password": "gouden ringen glanzen" }),
        )
        .await;
    let setup = body["setup_token"].as_str().unwrap().to_string();
    invitee
        .post(
            &format!("/api/invitations/{token}/mobile"),
            json!({ "setup_token": setup, "mobile": "0611112222" }),
        )
        .await;
    let code = app.sms_code("+31611112222").await;
    invitee
        .post(
            &format!("/api/invitations/{token}/mobile/verify"),
            json!({ "setup_token": setup, "code": code }),
        )
        .await;
    let (_, auth) = invitee
        .post(
            &format!("/api/invitations/{token}/authenticator"),
            json!({ "setup_token": setup }),
        )
        .await;
    let secret_b32 = auth["secret"].as_str().unwrap().to_string();
    let secret_raw = totp_rs::Secret::try_from_base32(&secret_b32)
        .unwrap()
        .as_bytes()
        .to_vec();
    let totp = app.totp(&secret_b32);
    let response = invitee
        .client
        .post(format!(
            "{}/api/invitations/{token}/authenticator/confirm",
            app.address
        ))
        .json(&json!({ "setup_token": setup, "code": totp }))
        .send()
        .await
        .unwrap();
    let cookie = response
        .cookies()
        .find(|c| c.name() == "poort_session")
        .unwrap()
        .value()
        .to_string();

    let rows = raw_rows(app).await;

    let forbidden: Vec<(&str, Vec<u8>)> = vec![
        ("invitation token", token.as_bytes().to_vec()),
        ("set-up token", setup.as_bytes().to_vec()),
        ("session token", cookie.as_bytes().to_vec()),
        (
            "authenticator secret (base32)",
            secret_b32.as_bytes().to_vec(),
        ),
        ("authenticator secret (raw)", secret_raw.clone()),
        ("SMS code", format!("code_hash {code}").into_bytes()),
        // Message bodies are sealed at rest: not even the shape of a link shows.
        ("an invitation link", b"/uitnodiging/".to_vec()),
        ("an SMS's text", b"Uw verificatiecode".to_vec()),
    ];
    for (what, needle) in &forbidden {
        for (table, row) in &rows {
            assert!(!contains(row, needle), "{what} readable in table {table}");
        }
    }
    // The SMS code is in the (sealed) message only, never in the code table.
    assert!(
        rows.iter()
            .filter(|(t, _)| t == "verification_codes")
            .all(|(_, r)| !contains(r, code.as_bytes()))
    );
    assert!(
        rows.iter().any(|(t, _)| t == "verification_codes"),
        "the code row exists (hashed)"
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every column of the tables that hold secrets, as raw bytes, read straight from the
/// database with its own connection.
async fn raw_rows(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    raw_rows_in(
        app,
        &[
            "invitation_links",
            "invitations",
            "verification_codes",
            "sessions",
            "accounts",
            "outbox",
        ],
    )
    .await
}

/// The rows of one table, each as its bytes (see [`raw_rows_in`]).
pub(crate) async fn raw_rows_of(app: &TestApp, table: &str) -> Vec<Vec<u8>> {
    raw_rows_in(app, &[table])
        .await
        .into_iter()
        .map(|(_, row)| row)
        .collect()
}

/// Every row of these tables as the bytes of its columns (text, and blobs raw).
async fn raw_rows_in(app: &TestApp, tables: &[&str]) -> Vec<(String, Vec<u8>)> {
    use sqlx::{Connection as _, Row as _};
    let tables = tables.to_vec();
    let mut out = Vec::new();
    match app.db.kind {
        Kind::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&app.db.url).await.unwrap();
            for table in tables {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}")))
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
                for row in rows {
                    let mut bytes = Vec::new();
                    for i in 0..row.columns().len() {
                        if let Ok(Some(v)) = row.try_get::<Option<Vec<u8>>, _>(i) {
                            bytes.extend(v);
                        } else if let Ok(Some(v)) = row.try_get::<Option<String>, _>(i) {
                            bytes.extend(v.into_bytes());
                        }
                        bytes.push(b'|');
                    }
                    out.push((table.to_string(), bytes));
                }
            }
        }
        Kind::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
            for table in tables {
                // Every column as text (bytea as hex) and the bytea columns raw as well.
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT row_to_json(t)::text FROM {table} t"
                )))
                .fetch_all(&mut conn)
                .await
                .unwrap();
                for row in rows {
                    let text: String = row.get(0);
                    let mut bytes = text.clone().into_bytes();
                    // Decode \\x… hex of bytea columns back to raw bytes too.
                    for part in text.split("\\\\x").skip(1) {
                        let hex: String =
                            part.chars().take_while(char::is_ascii_hexdigit).collect();
                        bytes.extend(
                            (0..hex.len() / 2).filter_map(|i| {
                                u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()
                            }),
                        );
                    }
                    out.push((table.to_string(), bytes));
                }
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_renews_itself_at_most_three_times_a_day() {
    // Links that expire at once, so each opening renews.
    let app = spawn_app_with(Kind::Sqlite, |s| s.policy.invitation_valid_days = 0)
        .await
        .unwrap();
    let operator_link = poort_api::services::invitations::bootstrap_operator(
        &app.state,
        "Olga",
        "olga@verzekeraar.example",
    )
    .await
    .unwrap();
    let mut token = TestApp::token_of(&operator_link);

    let mut answers = Vec::new();
    for _ in 0..4 {
        let (status, answer) = app
            .anonymous
            .get(&format!("/api/invitations/{token}"))
            .await;
        answers.push((status, code(&answer).to_string()));
        token = TestApp::token_of(&app.link_for("olga@verzekeraar.example").await);
    }

    assert_eq!(
        answers[..3]
            .iter()
            .filter(|a| a.1 == "invitation_renewed")
            .count(),
        3
    );
    assert_eq!(answers[3], (410, "invitation_renewal_limit".to_string()));
    assert_eq!(
        app.links_for("olga@verzekeraar.example").await.len(),
        4,
        "the first mail and three renewals"
    );
    app.advance(Duration::hours(25));
    let (status, answer) = app
        .anonymous
        .get(&format!("/api/invitations/{token}"))
        .await;
    assert_eq!(
        (status, code(&answer)),
        (410, "invitation_renewed"),
        "a day later it renews again"
    );
}

async fn invitation_limits_are_shared_by_every_instance(kind: Kind) {
    // Two instances on one database; an address may receive two invitation e-mails a day.
    let Some(first) = spawn_app_with(kind, |s| s.policy.invitations_per_day_per_address = 2).await
    else {
        return;
    };
    let second =
        crate::helpers::spawn_second(&first, |s| s.policy.invitations_per_day_per_address = 2)
            .await;
    let operator = first.operator().await;
    let (office, _) = first
        .office(
            &operator,
            "Kantoor Limiet",
            "55667788",
            ["AG-5001", "AG-5002"],
        )
        .await;
    let (status, invitation) = operator
        .post(
            &format!("/api/operator/offices/{office}/invitations"),
            json!({ "name": "Quinten", "email": "q@limiet.example" }),
        )
        .await;
    assert_eq!(status, 201);
    let id = invitation["id"].as_str().unwrap();
    // The same session works on the other instance (sessions live in the database); the
    // browser would send that instance's origin.
    let status = operator
        .client
        .post(format!(
            "{}/api/operator/invitations/{id}/resend",
            second.address
        ))
        .header("Origin", &second.address)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    let (status_over, answer) = operator
        .post(&format!("/api/operator/invitations/{id}/resend"), json!({}))
        .await;

    assert_eq!(
        status, 200,
        "the second e-mail of the day, through the other instance"
    );
    assert_eq!(
        (status_over, code(&answer)),
        (429, "rate_limited"),
        "the third, back on the first"
    );
    assert_eq!(first.links_for("q@limiet.example").await.len(), 2);
    first.db.drop_database_ref().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitation_limits_are_shared_by_every_instance_on_sqlite() {
    invitation_limits_are_shared_by_every_instance(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitation_limits_are_shared_by_every_instance_on_postgres() {
    invitation_limits_are_shared_by_every_instance(Kind::Postgres).await;
}
