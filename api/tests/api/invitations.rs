//! Offices, invitations and account set-up, walked as the people involved would.

use chrono::Duration;
use serde_json::json;

use crate::helpers::{TestApp, code};

crate::app_on_both_databases!(
    an_operator_sets_up_an_office_whose_administrator_invites_an_adviser_with_two_portfolios,
    an_expired_link_sends_a_new_invitation_once_per_click_and_the_old_link_stops_working,
    resending_replaces_the_link_and_withdrawing_stops_it,
    an_interrupted_set_up_resumes_with_the_chosen_password,
    rights_changes_are_validated_and_audited,
    a_deactivated_account_is_signed_out_at_its_next_request_and_can_be_reactivated,
    an_office_always_keeps_an_active_administrator,
    deleting_an_account_ends_its_session_and_keeps_only_a_pseudonymous_audit_record,
    resetting_the_sign_in_set_up_ends_sessions_and_sends_a_set_up_link,
    the_audit_trail_pages_and_filters,
);

async fn an_operator_sets_up_an_office_whose_administrator_invites_an_adviser_with_two_portfolios(
    app: &TestApp,
) {
    // The operator bootstraps, accepts, and creates an office with two portfolios.
    let operator = app.operator().await;
    let (status, me) = operator.get("/api/me").await;
    assert_eq!((status, me["role"].as_str()), (200, Some("operator")));
    let (office, portfolios) = app
        .office(
            &operator,
            "Adviesbureau Jansen",
            "87654321",
            ["AG-1001", "AG-1002"],
        )
        .await;

    // The operator invites the office's first user administrator, who accepts.
    let (status, invitation) = operator
        .post(
            &format!("/api/operator/offices/{office}/invitations"),
            json!({ "name": "Anna Admin", "email": "Anna@Jansen.example", "administrator": true }),
        )
        .await;
    assert_eq!(status, 201, "{invitation}");
    assert_eq!(invitation["status"], "open");
    let link = app.link_for("Anna@jansen.example").await;
    let (status, opened) = app
        .anonymous
        .get(&format!("/api/invitations/{}", TestApp::token_of(&link)))
        .await;
    assert_eq!(status, 200);
    assert_eq!(opened["name"], "Anna Admin");
    assert_eq!(opened["office_name"], "Adviesbureau Jansen");
    assert_eq!(opened["step"], "password");
    let admin = app
        .accept(&link, "vier vrolijke visjes", "06 2222 2222")
        .await;
    let (_, me) = admin.get("/api/me").await;
    assert_eq!(me["role"], "office_admin");
    assert_eq!(me["office"]["name"], "Adviesbureau Jansen");

    // The administrator invites an adviser with rights on both portfolios.
    let (status, invitation) = admin
        .post(
            "/api/office/invitations",
            json!({
                "name": "Bert Adviseur",
                "email": "bert@jansen.example",
                "rights": [
                    { "portfolio_id": portfolios[0], "rights": ["view_policies", "report_claims"] },
                    { "portfolio_id": portfolios[1], "rights": ["view_policies"] }
                ]
            }),
        )
        .await;
    assert_eq!(status, 201, "{invitation}");
    let link = app.link_for("bert@jansen.example").await;
    let adviser = app
        .accept(&link, "zes zeilboten op zee", "0633333333")
        .await;
    let (_, me) = adviser.get("/api/me").await;
    assert_eq!(me["role"], "adviser");

    // The administrator sees the adviser active, with factors and rights on two portfolios.
    let (status, list) = admin.get("/api/office/accounts").await;
    assert_eq!(status, 200);
    let bert = list["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == "bert@jansen.example")
        .unwrap();
    assert_eq!(bert["status"], "active");
    assert_eq!(bert["mobile"], "+31633333333");
    assert_eq!(
        bert["factors"],
        json!({ "password": true, "mobile": true, "authenticator": true, "eherkenning": false, "passkeys": 0 })
    );
    let rights = bert["rights"].as_array().unwrap();
    assert_eq!(rights.len(), 2);
    assert_eq!(rights[0]["agency_number"], "AG-1001");
    assert_eq!(
        rights[0]["rights"],
        json!(["view_policies", "report_claims"])
    );
    assert_eq!(rights[1]["rights"], json!(["view_policies"]));
    // … finds a colleague's e-mail address by name, and sees the invitation's history.
    let (_, found) = admin.get("/api/office/accounts?q=bert").await;
    assert_eq!(found["accounts"][0]["email"], "bert@jansen.example");
    let (_, invitations) = admin.get("/api/office/invitations").await;
    let history: Vec<&str> = invitations["invitations"][0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(history, vec!["sent", "accepted"]);
    assert_eq!(invitations["invitations"][0]["status"], "accepted");
    // The used link does not work again.
    let (status, body) = app
        .anonymous
        .get(&format!("/api/invitations/{}", TestApp::token_of(&link)))
        .await;
    assert_eq!((status, code(&body)), (410, "invitation_used"));
}

async fn an_expired_link_sends_a_new_invitation_once_per_click_and_the_old_link_stops_working(
    app: &TestApp,
) {
    let operator = app.operator().await;
    let (office, _) = app
        .office(&operator, "Kantoor Oud", "11223344", ["AG-2001", "AG-2002"])
        .await;
    operator
        .post(
            &format!("/api/operator/offices/{office}/invitations"),
            json!({ "name": "Carla", "email": "carla@oud.example" }),
        )
        .await;
    let old = app.link_for("carla@oud.example").await;
    app.advance(Duration::days(8));

    let (status, body) = app
        .anonymous
        .get(&format!("/api/invitations/{}", TestApp::token_of(&old)))
        .await;

    assert_eq!((status, code(&body)), (410, "invitation_renewed"));
    let links = app.links_for("carla@oud.example").await;
    assert_eq!(links.len(), 2, "exactly one new e-mail");
    assert_ne!(links[0], old);
    // Clicking the old link again sends nothing more: it no longer works.
    let (status, body) = app
        .anonymous
        .get(&format!("/api/invitations/{}", TestApp::token_of(&old)))
        .await;
    assert_eq!((status, code(&body)), (410, "invitation_superseded"));
    assert_eq!(app.links_for("carla@oud.example").await.len(), 2);
    // The new link works, and the history says what happened.
    let (status, _) = app
        .anonymous
        .get(&format!(
            "/api/invitations/{}",
            TestApp::token_of(&links[0])
        ))
        .await;
    assert_eq!(status, 200);
    // (The operator's session has long expired in those eight days: ask the service directly.)
    let office = office.parse().unwrap();
    let list = poort_api::services::invitations::list_in_office(&app.state, office, None, None)
        .await
        .unwrap();
    let history: Vec<_> = list.invitations[0]
        .events
        .iter()
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(history, vec!["sent", "renewed"]);
}

async fn resending_replaces_the_link_and_withdrawing_stops_it(app: &TestApp) {
    let operator = app.operator().await;
    let (_, _, admin) = app.office_with_admin(&operator, 1).await;
    let (_, invitation) = admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Dirk", "email": "dirk@k1.example" }),
        )
        .await;
    let id = invitation["id"].as_str().unwrap();
    let first = app.link_for("dirk@k1.example").await;

    let (status, resent) = admin
        .post(&format!("/api/office/invitations/{id}/resend"), json!({}))
        .await;

    assert_eq!(status, 200, "{resent}");
    let second = app.link_for("dirk@k1.example").await;
    assert_ne!(first, second);
    let (status, body) = app
        .anonymous
        .get(&format!("/api/invitations/{}", TestApp::token_of(&first)))
        .await;
    assert_eq!((status, code(&body)), (410, "invitation_superseded"));
    let (status, _) = app
        .anonymous
        .get(&format!("/api/invitations/{}", TestApp::token_of(&second)))
        .await;
    assert_eq!(status, 200);

    let (status, withdrawn) = admin
        .post(&format!("/api/office/invitations/{id}/withdraw"), json!({}))
        .await;
    assert_eq!(
        (status, withdrawn["status"].as_str()),
        (200, Some("withdrawn"))
    );
    let (status, body) = app
        .anonymous
        .get(&format!("/api/invitations/{}", TestApp::token_of(&second)))
        .await;
    assert_eq!((status, code(&body)), (410, "invitation_withdrawn"));
    let history: Vec<&str> = withdrawn["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(history, vec!["sent", "resent", "withdrawn"]);
    let (status, body) = admin
        .post(&format!("/api/office/invitations/{id}/resend"), json!({}))
        .await;
    assert_eq!((status, code(&body)), (409, "not_invited"));
    // The address can be invited afresh after a withdrawal.
    let (status, again) = admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Dirk D.", "email": "dirk@k1.example" }),
        )
        .await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["name"], "Dirk D.");
}

async fn an_interrupted_set_up_resumes_with_the_chosen_password(app: &TestApp) {
    let operator = app.operator().await;
    let (_, _, admin) = app.office_with_admin(&operator, 2).await;
    admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Eva", "email": "eva@k2.example" }),
        )
        .await;
    let token = TestApp::token_of(&app.link_for("eva@k2.example").await);
    let browser = crate::helpers::User::new(&app.address);
    let (status, _) = browser
        .post(
            &format!("/api/invitations/{token}/password"),
            json!({ "password": "rode appels in de mand" }),
        )
        .await;
    assert_eq!(status, 200);

    // The browser closes; a new one opens the link: the set-up is at the mobile step, and the
    // link alone cannot continue it.
    let other = crate::helpers::User::new(&app.address);
    let (_, opened) = other.get(&format!("/api/invitations/{token}")).await;
    assert_eq!(opened["step"], "mobile");
    let (status, body) = other
        .post(
            &format!("/api/invitations/{token}/mobile"),
            json!({ "setup_token": "guess", "mobile": "0644444444" }),
        )
        .await;
    assert_eq!((status, code(&body)), (401, "setup_token_invalid"));
    let (status, body) = other
        .post(
            &format!("/api/invitations/{token}/password"),
            json!({ "password": "een ander wachtwoord!" }),
        )
        .await;
    assert_eq!((status, code(&body)), (409, "step_out_of_order"));
    let (status, body) = other
        .post(
            &format!("/api/invitations/{token}/resume"),
            json!({ "password": "fout wachtwoord hier" }),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "wrong_password"));
    let (status, resumed) = other
        .post(
            &format!("/api/invitations/{token}/resume"),
            json!({ "password": "rode appels in de mand" }),
        )
        .await;
    assert_eq!((status, resumed["step"].as_str()), (200, Some("mobile")));
    let (status, _) = other
        .post(
            &format!("/api/invitations/{token}/mobile"),
            json!({ "setup_token": resumed["setup_token"], "mobile": "0644444444" }),
        )
        .await;
    assert_eq!(status, 202);
}

async fn rights_changes_are_validated_and_audited(app: &TestApp) {
    let operator = app.operator().await;
    let (_, portfolios, admin) = app.office_with_admin(&operator, 3).await;
    let (_, other_portfolios, _) = app.office_with_admin(&operator, 4).await;
    let (_, invitation) = admin
        .post("/api/office/invitations", json!({ "name": "Frits", "email": "frits@k3.example", "rights": [{ "portfolio_id": portfolios[0], "rights": ["view_policies"] }] }))
        .await;
    let frits = invitation["account_id"].as_str().unwrap();

    let (status, body) = admin
        .put(
            &format!("/api/office/accounts/{frits}/rights"),
            json!({ "portfolios": [{ "portfolio_id": portfolios[0], "rights": ["fly_planes"] }] }),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "unknown_right"));
    let (status, body) = admin
        .put(&format!("/api/office/accounts/{frits}/rights"), json!({ "portfolios": [{ "portfolio_id": other_portfolios[0], "rights": ["view_policies"] }] }))
        .await;
    assert_eq!((status, code(&body)), (400, "unknown_portfolio"));
    let (_, unchanged) = admin.get(&format!("/api/office/accounts/{frits}")).await;
    assert_eq!(
        unchanged["account"]["rights"][0]["rights"],
        json!(["view_policies"]),
        "refused changes change nothing"
    );

    let (status, changed) = admin
        .put(
            &format!("/api/office/accounts/{frits}/rights"),
            json!({ "portfolios": [{ "portfolio_id": portfolios[1], "rights": ["view_commission", "change_policies"] }] }),
        )
        .await;

    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["rights"].as_array().unwrap().len(), 1);
    assert_eq!(
        changed["rights"][0]["rights"],
        json!(["change_policies", "view_commission"])
    );
    let (_, audit) = admin
        .get("/api/office/audit?action=account.rights_changed")
        .await;
    let event = &audit["events"][0];
    assert_eq!(event["target"]["id"], frits);
    assert_eq!(event["details"]["granted"].as_array().unwrap().len(), 2);
    assert_eq!(event["details"]["revoked"].as_array().unwrap().len(), 1);
    assert_eq!(event["actor"]["name"], "Beheerder 3");
}

async fn a_deactivated_account_is_signed_out_at_its_next_request_and_can_be_reactivated(
    app: &TestApp,
) {
    let operator = app.operator().await;
    let (_, _, admin) = app.office_with_admin(&operator, 5).await;
    let (_, invitation) = admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Gijs", "email": "gijs@k5.example" }),
        )
        .await;
    let gijs_id = invitation["account_id"].as_str().unwrap().to_string();
    let gijs = app
        .accept(
            &app.link_for("gijs@k5.example").await,
            "blauwe fietsen overal",
            "0655555555",
        )
        .await;
    assert_eq!(gijs.get("/api/me").await.0, 200);

    let (status, body) = admin
        .post(
            &format!("/api/office/accounts/{gijs_id}/deactivate"),
            json!({}),
        )
        .await;

    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("deactivated"))
    );
    let (status, body) = gijs.get("/api/me").await;
    assert_eq!((status, code(&body)), (401, "unauthenticated"));
    let (status, body) = admin
        .post(
            &format!("/api/office/accounts/{gijs_id}/reactivate"),
            json!({}),
        )
        .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("active")));
    assert_eq!(
        gijs.get("/api/me").await.0,
        401,
        "the ended session stays ended"
    );
    let (status, body) = admin
        .post(
            &format!("/api/office/accounts/{gijs_id}/reactivate"),
            json!({}),
        )
        .await;
    assert_eq!((status, code(&body)), (409, "account_not_active"));
}

async fn an_office_always_keeps_an_active_administrator(app: &TestApp) {
    let operator = app.operator().await;
    let (_, _, admin) = app.office_with_admin(&operator, 6).await;
    let (_, me) = admin.get("/api/me").await;
    let admin_id = me["id"].as_str().unwrap().to_string();

    let (status, body) = admin
        .delete(&format!("/api/office/accounts/{admin_id}/administrator"))
        .await;
    assert_eq!((status, code(&body)), (409, "last_administrator"));
    let (status, body) = admin
        .post(
            &format!("/api/office/accounts/{admin_id}/deactivate"),
            json!({}),
        )
        .await;
    assert_eq!((status, code(&body)), (403, "cannot_target_self"));

    let (_, invitation) = admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Hanna", "email": "hanna@k6.example" }),
        )
        .await;
    let hanna_id = invitation["account_id"].as_str().unwrap().to_string();
    let hanna = app
        .accept(
            &app.link_for("hanna@k6.example").await,
            "gele tulpen in mei",
            "0676666611",
        )
        .await;
    let (status, body) = admin
        .post(
            &format!("/api/office/accounts/{hanna_id}/administrator"),
            json!({}),
        )
        .await;
    assert_eq!((status, body["role"].as_str()), (200, Some("office_admin")));

    let (status, body) = hanna
        .delete(&format!("/api/office/accounts/{admin_id}/administrator"))
        .await;
    assert_eq!((status, body["role"].as_str()), (200, Some("adviser")));
    let (status, body) = hanna
        .delete(&format!("/api/office/accounts/{hanna_id}/administrator"))
        .await;
    assert_eq!((status, code(&body)), (409, "last_administrator"));
    let (status, _) = admin.get("/api/office/accounts").await;
    assert_eq!(status, 403, "no longer an administrator");
}

async fn deleting_an_account_ends_its_session_and_keeps_only_a_pseudonymous_audit_record(
    app: &TestApp,
) {
    let operator = app.operator().await;
    let (_, _, admin) = app.office_with_admin(&operator, 7).await;
    let (_, invitation) = admin
        .post(
            "/api/office/invitations",
            json!({ "name": "Ida Weg", "email": "ida@k7.example" }),
        )
        .await;
    let ida_id = invitation["account_id"].as_str().unwrap().to_string();
    let ida = app
        .accept(
            &app.link_for("ida@k7.example").await,
            "paarse pinguins dansen",
            "0677777777",
        )
        .await;
    assert_eq!(ida.get("/api/me").await.0, 200);

    let (status, _) = operator
        .delete(&format!("/api/operator/accounts/{ida_id}"))
        .await;

    assert_eq!(status, 204);
    assert_eq!(ida.get("/api/me").await.0, 401, "her session ends at once");
    let (_, found) = operator.get("/api/operator/accounts?q=ida@k7").await;
    assert!(found["accounts"].as_array().unwrap().is_empty());
    assert_eq!(
        operator
            .get(&format!("/api/operator/accounts/{ida_id}"))
            .await
            .0,
        404
    );
    let (_, audit) = operator
        .get(&format!("/api/operator/audit?account_id={ida_id}"))
        .await;
    let events = audit["events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["action"] == "account.deleted"));
    let text = audit.to_string();
    assert!(
        !text.contains("ida@k7.example")
            && !text.contains("Ida Weg")
            && !text.contains("+31677777777"),
        "{text}"
    );
    assert!(
        events
            .iter()
            .all(|e| e["target"]["id"] == ida_id.as_str() || e["actor"]["id"] == ida_id.as_str())
    );
    let outbox = app.outbox().await;
    assert!(
        !outbox
            .iter()
            .any(|m| m["recipient"] == "ida@k7.example" || m["recipient"] == "+31677777777")
    );
}

async fn resetting_the_sign_in_set_up_ends_sessions_and_sends_a_set_up_link(app: &TestApp) {
    let operator = app.operator().await;
    let (_, portfolios, admin) = app.office_with_admin(&operator, 8).await;
    let (_, invitation) = admin
        .post("/api/office/invitations", json!({ "name": "Jan", "email": "jan@k8.example", "rights": [{ "portfolio_id": portfolios[0], "rights": ["view_policies"] }] }))
        .await;
    let jan_id = invitation["account_id"].as_str().unwrap().to_string();
    let jan = app
        .accept(
            &app.link_for("jan@k8.example").await,
            "oranje boten varen",
            "0688888888",
        )
        .await;

    let (status, detail) = operator
        .post(
            &format!("/api/operator/accounts/{jan_id}/reset-sign-in"),
            json!({}),
        )
        .await;

    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["account"]["status"], "invited");
    assert_eq!(detail["account"]["factors"]["authenticator"], false);
    assert_eq!(detail["account"]["factors"]["password"], false);
    assert_eq!(detail["invitations"][0]["kind"], "reset");
    assert_eq!(jan.get("/api/me").await.0, 401, "sessions end");
    let outbox = app.outbox().await;
    assert!(
        outbox[0]["subject"].as_str().unwrap().contains("opnieuw"),
        "{}",
        outbox[0]
    );
    let jan = app
        .accept(
            &app.link_for("jan@k8.example").await,
            "nieuwe oranje boten",
            "0688888888",
        )
        .await;
    let (_, me) = jan.get("/api/me").await;
    assert_eq!(me["id"], jan_id.as_str());
    let (_, detail) = operator
        .get(&format!("/api/operator/accounts/{jan_id}"))
        .await;
    assert_eq!(detail["account"]["status"], "active");
    assert_eq!(
        detail["account"]["rights"][0]["rights"],
        json!(["view_policies"]),
        "rights survive a reset"
    );
}

async fn the_audit_trail_pages_and_filters(app: &TestApp) {
    let operator = app.operator().await;
    let (office, _) = app
        .office(
            &operator,
            "Kantoor Audit",
            "99887766",
            ["AG-9001", "AG-9002"],
        )
        .await;
    let (status, renamed) = operator
        .patch(
            &format!("/api/operator/offices/{office}"),
            json!({ "name": "Kantoor Audit BV" }),
        )
        .await;
    assert_eq!(
        (
            status,
            renamed["name"].as_str(),
            renamed["portfolio_count"].as_i64()
        ),
        (200, Some("Kantoor Audit BV"), Some(2))
    );

    let (status, first) = operator.get("/api/operator/audit?limit=2").await;

    assert_eq!(status, 200);
    assert_eq!(first["events"].as_array().unwrap().len(), 2);
    let before = first["next_before"].as_str().unwrap();
    let (_, second) = operator
        .get(&format!("/api/operator/audit?limit=2&before={before}"))
        .await;
    let first_ids: Vec<&str> = first["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert!(
        second["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| !first_ids.contains(&e["id"].as_str().unwrap()))
    );
    let (_, created) = operator
        .get("/api/operator/audit?action=portfolio.created")
        .await;
    assert_eq!(created["events"].as_array().unwrap().len(), 2);
    assert!(
        created["events"][0]["client_ip"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1")
    );
    let (_, updated) = operator
        .get(&format!(
            "/api/operator/audit?action=office.updated&office_id={office}"
        ))
        .await;
    assert_eq!(updated["events"].as_array().unwrap().len(), 1);
    let (status, body) = operator.get("/api/operator/audit?limit=0").await;
    assert_eq!((status, code(&body)), (400, "invalid_request"));
}
