//! Integrators (issue 12): API clients made by an office's administrator or the relations
//! team, tokens from `/oauth2/token` with `private_key_jwt` (Ed25519, ES256, RS256) or a secret,
//! every refusal as RFC 6749 words it, key rotation, and revocation counted from the next
//! request on another instance.

use base64::Engine as _;
use chrono::Duration;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, code, spawn_second};

crate::app_on_both_databases!(
    an_office_client_with_a_key_provisions_its_office_and_the_trail_names_it,
    every_refusal_of_the_token_endpoint_is_an_rfc_6749_answer,
    keys_rotate_and_a_removed_key_or_revoked_client_stops_at_the_next_request_elsewhere,
    es256_rs256_and_a_client_secret_get_tokens_too,
    an_invitation_retried_with_one_idempotency_key_is_sent_once,
    a_client_known_from_its_last_token_gets_what_it_holds_now,
);

/// A key pair for signing assertions: its private half and what is registered.
pub struct TestKey {
    pub encoding: EncodingKey,
    pub alg: Algorithm,
    pub public: String,
    pub kid: String,
}

/// An Ed25519 key from a seed.
pub fn ed25519(seed: u8, kid: &str) -> TestKey {
    let signing = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(&[seed; 32]);
    let x =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signing.verifying_key().to_bytes());
    TestKey {
        encoding: EncodingKey::from_ed_der(&der),
        alg: Algorithm::EdDSA,
        public: json!({ "kty": "OKP", "crv": "Ed25519", "x": x }).to_string(),
        kid: kid.to_string(),
    }
}

/// The DER inside a PEM text.
fn der_of(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

/// A key from PEM files: the EC key as PKCS#8, the RSA key as PKCS#1.
fn pem_key(private: &str, public: &str, alg: Algorithm, kid: &str) -> TestKey {
    let encoding = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_der(&der_of(private)),
        _ => EncodingKey::from_rsa_der(&der_of(private)),
    };
    TestKey {
        encoding,
        alg,
        public: public.to_string(),
        kid: kid.to_string(),
    }
}

/// A client assertion (RFC 7523) for `client_id`, expiring `exp` from now.
pub fn assertion(app: &TestApp, key: &TestKey, client_id: &str, claims: Value) -> String {
    let now = app.now_unix() as i64;
    let mut body = json!({
        "iss": client_id,
        "sub": client_id,
        "aud": format!("{}/oauth2/token", app.address),
        "iat": now,
        "exp": now + 120,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    for (k, v) in claims.as_object().unwrap() {
        if v.is_null() {
            body.as_object_mut().unwrap().remove(k);
        } else {
            body[k] = v.clone();
        }
    }
    let mut header = Header::new(key.alg);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, &body, &key.encoding).unwrap()
}

/// A raw answer: status, headers, body.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

/// `POST /oauth2/token` with a form, and HTTP Basic when given.
pub async fn token_request(
    app: &TestApp,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> Answer {
    let mut request = reqwest::Client::new()
        .post(format!("{}/oauth2/token", app.address))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).unwrap());
    if let Some((user, password)) = basic {
        request = request.basic_auth(user, Some(password));
    }
    answer(request.send().await.unwrap()).await
}

/// A token for a client with a key, for all its scopes.
pub async fn token_for(app: &TestApp, key: &TestKey, client_id: &str) -> String {
    let jwt = assertion(app, key, client_id, json!({}));
    let got = token_request(
        app,
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &jwt),
        ],
        None,
    )
    .await;
    assert_eq!(got.status, 200, "{}", got.body);
    got.body["access_token"].as_str().unwrap().to_string()
}

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A call with a bearer token (no cookie, no Origin: a program).
pub async fn bearer(
    base: &str,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Answer {
    let mut request = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    answer(request.send().await.unwrap()).await
}

/// Makes a client with `scopes` and registers `key`; returns (client's id, client id).
pub async fn client_with_key(
    by: &User,
    area: &str,
    scopes: &[&str],
    key: &TestKey,
) -> (String, String) {
    let (status, client) = by
        .post(
            &format!("/api/{area}/api-clients"),
            json!({ "name": "HR-systeem", "scopes": scopes }),
        )
        .await;
    assert_eq!(status, 201, "{client}");
    let id = client["id"].as_str().unwrap().to_string();
    let (status, with_key) = by
        .post(
            &format!("/api/{area}/api-clients/{id}/keys"),
            json!({ "key": key.public, "kid": key.kid }),
        )
        .await;
    assert_eq!(status, 200, "{with_key}");
    (id, client["client_id"].as_str().unwrap().to_string())
}

pub const ALL_OFFICE_SCOPES: [&str; 5] = [
    "accounts:read",
    "accounts:manage",
    "rights:manage",
    "audit:read",
    "rights:check",
];

async fn an_office_client_with_a_key_provisions_its_office_and_the_trail_names_it(app: &TestApp) {
    let operator = app.operator().await;
    let (_, portfolios, admin) = app.office_with_admin(&operator, 1).await;
    let key = ed25519(7, "hr-2026");
    let (id, client_id) = client_with_key(&admin, "office", &ALL_OFFICE_SCOPES, &key).await;
    assert!(client_id.starts_with("pc_"), "{client_id}");

    let token = token_for(app, &key, &client_id).await;
    let call = |method, path: String, body| {
        let token = token.clone();
        let base = app.address.clone();
        async move { bearer(&base, &token, method, &path, body).await }
    };
    let invited = call(
        reqwest::Method::POST,
        "/api/office/invitations".into(),
        Some(json!({ "name": "Nieuwe Collega", "email": "nieuw@kantoor1.example" })),
    )
    .await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    assert!(
        app.link_for("nieuw@kantoor1.example")
            .await
            .contains("/uitnodiging/"),
        "the invitation went out"
    );
    let account = invited.body["account_id"].as_str().unwrap().to_string();
    let rights = call(
        reqwest::Method::PUT,
        format!("/api/office/accounts/{account}/rights"),
        Some(json!({ "portfolios": [{ "portfolio_id": portfolios[0], "rights": ["view_policies", "report_claims"] }] })),
    )
    .await;
    assert_eq!(rights.status, 200, "{}", rights.body);
    assert_eq!(
        rights.body["rights"][0]["rights"],
        json!(["view_policies", "report_claims"])
    );
    let listed = call(reqwest::Method::GET, "/api/office/accounts".into(), None).await;
    assert_eq!(listed.status, 200);
    assert!(listed.body["accounts"].as_array().unwrap().len() >= 2);
    let withdrawn = call(
        reqwest::Method::POST,
        format!(
            "/api/office/invitations/{}/withdraw",
            invited.body["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    let trail = call(
        reqwest::Method::GET,
        format!("/api/office/audit?api_client_id={id}"),
        None,
    )
    .await;
    assert_eq!(trail.status, 200, "{}", trail.body);
    let actions: Vec<&str> = trail.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "api_client.token_issued",
        "invitation.sent",
        "account.rights_changed",
        "invitation.withdrawn",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    let event = &trail.body["events"][0];
    assert_eq!(event["actor"], Value::Null, "no person acted");
    assert_eq!(event["actor_client"]["client_id"], client_id.as_str());
    assert_eq!(event["actor_client"]["name"], "HR-systeem");
    // The administrator sees the client's actions in the office's trail, and its last use.
    let (_, theirs) = admin.get("/api/office/audit?action=invitation.sent").await;
    assert!(
        theirs["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor_client"]["id"] == id.as_str())
    );
    let (_, listed) = admin.get("/api/office/api-clients").await;
    let mine = &listed["clients"][0];
    assert_eq!(mine["id"], id.as_str());
    assert!(mine["last_used_at"].is_string(), "{mine}");
    assert!(mine["keys"][0]["last_used_at"].is_string(), "{mine}");
    assert_eq!(mine["created_by"]["name"], "Beheerder 1");
    // A client cannot manage clients (a person's session only).
    let managing = call(reqwest::Method::GET, "/api/office/api-clients".into(), None).await;
    assert_eq!(managing.status, 401, "{}", managing.body);
}

async fn every_refusal_of_the_token_endpoint_is_an_rfc_6749_answer(app: &TestApp) {
    let operator = app.operator().await;
    let (_, _, admin) = app.office_with_admin(&operator, 2).await;
    let key = ed25519(9, "k1");
    let (id, client_id) = client_with_key(&admin, "office", &["accounts:read"], &key).await;
    let aud = format!("{}/oauth2/token", app.address);
    let with = |claims: Value| assertion(app, &key, &client_id, claims);
    let form = |jwt: &str| -> Vec<(String, String)> {
        vec![
            ("grant_type".into(), "client_credentials".into()),
            ("client_assertion_type".into(), JWT_BEARER.into()),
            ("client_assertion".into(), jwt.to_string()),
        ]
    };
    let send = |form: Vec<(String, String)>| async move {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        token_request(app, &pairs, None).await
    };
    let expect = |got: &Answer, status: u16, error: &str, what: &str| {
        assert_eq!(
            (got.status, got.body["error"].as_str().unwrap_or("")),
            (status, error),
            "{what}: {}",
            got.body
        );
        assert!(got.body["error_description"].is_string(), "{what}");
        assert_eq!(
            got.headers.get("cache-control").unwrap(),
            "no-store",
            "{what}"
        );
        if status == 401 {
            assert!(got.headers.get("www-authenticate").is_some(), "{what}");
        }
    };

    // The right request works, and the same assertion a second time is a replay.
    let jwt = with(json!({}));
    let ok = send(form(&jwt)).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["token_type"], "Bearer");
    assert_eq!(ok.body["scope"], "accounts:read");
    assert_eq!(ok.body["expires_in"], 600);
    assert_eq!(ok.headers.get("pragma").unwrap(), "no-cache");
    expect(
        &send(form(&jwt)).await,
        401,
        "invalid_client",
        "replayed jti",
    );

    let mut no_grant = form(&with(json!({})));
    no_grant.remove(0);
    expect(
        &send(no_grant).await,
        400,
        "invalid_request",
        "no grant_type",
    );
    let mut other_grant = form(&with(json!({})));
    other_grant[0].1 = "password".into();
    expect(
        &send(other_grant).await,
        400,
        "unsupported_grant_type",
        "password grant",
    );
    let mut wrong_type = form(&with(json!({})));
    wrong_type[1].1 = "urn:other".into();
    expect(
        &send(wrong_type).await,
        400,
        "invalid_request",
        "assertion type",
    );
    let mut scoped = form(&with(json!({})));
    scoped.push(("scope".into(), "audit:read".into()));
    expect(
        &send(scoped).await,
        400,
        "invalid_scope",
        "a scope it lacks",
    );
    let none = token_request(app, &[("grant_type", "client_credentials")], None).await;
    expect(&none, 401, "invalid_client", "no authentication");
    let both = token_request(
        app,
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &with(json!({}))),
        ],
        Some((&client_id, "x")),
    )
    .await;
    expect(&both, 400, "invalid_request", "two methods");
    let json_body = reqwest::Client::new()
        .post(format!("{}/oauth2/token", app.address))
        .json(&json!({ "grant_type": "client_credentials" }))
        .send()
        .await
        .unwrap();
    expect(
        &answer(json_body).await,
        400,
        "invalid_request",
        "not form-encoded",
    );

    for (what, jwt) in [
        (
            "wrong audience",
            with(json!({ "aud": "https://elsewhere.example/token" })),
        ),
        (
            "expired",
            with(json!({ "exp": app.now_unix() as i64 - 60 })),
        ),
        (
            "more than 5 minutes ahead",
            with(json!({ "exp": app.now_unix() as i64 + 600 })),
        ),
        ("no jti", with(json!({ "jti": null }))),
        (
            "sub is not the client",
            with(json!({ "sub": "someone-else" })),
        ),
        (
            "unknown client",
            with(json!({ "iss": "pc_unknown", "sub": "pc_unknown" })),
        ),
        ("unknown kid", {
            let mut other = ed25519(9, "k2");
            other.kid = "k2".into();
            assertion(app, &other, &client_id, json!({}))
        }),
        (
            "another key's signature",
            assertion(app, &ed25519(10, "k1"), &client_id, json!({})),
        ),
        ("not a JWT", "abc".to_string()),
    ] {
        expect(&send(form(&jwt)).await, 401, "invalid_client", what);
    }
    // The audience may also be the issuer.
    let at_issuer = send(form(&with(json!({ "aud": app.address })))).await;
    assert_eq!(at_issuer.status, 200, "{}", at_issuer.body);

    // Expired and revoked clients.
    let (status, _) = admin
        .put(
            &format!("/api/office/api-clients/{id}"),
            json!({ "name": "HR-systeem", "scopes": ["accounts:read"], "expires_at": "2020-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(status, 200);
    expect(
        &send(form(&with(json!({})))).await,
        400,
        "unauthorized_client",
        "expired client",
    );
    let (status, revoked) = admin
        .post(&format!("/api/office/api-clients/{id}/revoke"), json!({}))
        .await;
    assert_eq!((status, revoked["status"].as_str()), (200, Some("revoked")));
    expect(
        &send(form(&with(json!({})))).await,
        401,
        "invalid_client",
        "revoked client",
    );
    let (status, body) = admin
        .post(
            &format!("/api/office/api-clients/{id}/keys"),
            json!({ "key": key.public }),
        )
        .await;
    assert_eq!((status, code(&body)), (409, "api_client_revoked"));

    // Every refusal of a known client is in its office's trail.
    let (_, trail) = admin
        .get(&format!(
            "/api/office/audit?api_client_id={id}&action=api_client.token_refused"
        ))
        .await;
    assert!(trail["events"].as_array().unwrap().len() >= 8, "{trail}");
    assert_eq!(aud, format!("{}/oauth2/token", app.address));
}

async fn keys_rotate_and_a_removed_key_or_revoked_client_stops_at_the_next_request_elsewhere(
    app: &TestApp,
) {
    // Instances behind one load balancer share the public URL (the tokens' issuer).
    let public = app.address.clone();
    let second = spawn_second(app, |s| s.server.public_url = Some(public)).await;
    let operator = app.operator().await;
    let (_, _, admin) = app.office_with_admin(&operator, 3).await;
    let old = ed25519(11, "2026-01");
    let new = ed25519(12, "2026-07");
    let (id, client_id) = client_with_key(&admin, "office", &["accounts:read"], &old).await;
    let (status, with_two) = admin
        .post(
            &format!("/api/office/api-clients/{id}/keys"),
            json!({ "key": new.public, "kid": new.kid }),
        )
        .await;
    assert_eq!(status, 200, "{with_two}");
    let third = ed25519(13, "2027-01");
    let (status, body) = admin
        .post(
            &format!("/api/office/api-clients/{id}/keys"),
            json!({ "key": third.public }),
        )
        .await;
    assert_eq!((status, code(&body)), (409, "api_client_key_limit"));
    let (status, body) = admin
        .post(
            &format!("/api/office/api-clients/{id}/keys"),
            json!({ "key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----" }),
        )
        .await;
    assert_eq!((status, code(&body)), (400, "api_client_key_invalid"));

    // During the overlap both keys get tokens; each works on either instance.
    let by_old = token_for(app, &old, &client_id).await;
    let by_new = token_for(app, &new, &client_id).await;
    for base in [&app.address, &second.address] {
        for token in [&by_old, &by_new] {
            let got = bearer(
                base,
                token,
                reqwest::Method::GET,
                "/api/office/accounts",
                None,
            )
            .await;
            assert_eq!(got.status, 200, "{}", got.body);
        }
    }
    // The old key is removed on the first instance: its token stops on the second at once.
    let old_id = with_two["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == "2026-01")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = admin
        .delete(&format!("/api/office/api-clients/{id}/keys/{old_id}"))
        .await;
    assert_eq!(status, 200);
    let stopped = bearer(
        &second.address,
        &by_old,
        reqwest::Method::GET,
        "/api/office/accounts",
        None,
    )
    .await;
    assert_eq!(
        (stopped.status, code(&stopped.body)),
        (401, "invalid_token")
    );
    assert!(
        stopped
            .headers
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    let refused = token_request(
        &second,
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER),
            (
                "client_assertion",
                &assertion(app, &old, &client_id, json!({})),
            ),
        ],
        None,
    )
    .await;
    assert_eq!(
        (refused.status, refused.body["error"].as_str()),
        (401, Some("invalid_client")),
        "the removed key gets no token: {}",
        refused.body
    );
    let still = bearer(
        &second.address,
        &by_new,
        reqwest::Method::GET,
        "/api/office/accounts",
        None,
    )
    .await;
    assert_eq!(still.status, 200);

    // Revoked: the new key's token stops too.
    admin
        .post(&format!("/api/office/api-clients/{id}/revoke"), json!({}))
        .await;
    let revoked = bearer(
        &second.address,
        &by_new,
        reqwest::Method::GET,
        "/api/office/accounts",
        None,
    )
    .await;
    assert_eq!(
        (revoked.status, code(&revoked.body)),
        (401, "invalid_token")
    );

    // An expired token is refused.
    let (other, other_id) = {
        let key = ed25519(14, "x");
        let (_, client_id) = client_with_key(&admin, "office", &["accounts:read"], &key).await;
        (token_for(app, &key, &client_id).await, client_id)
    };
    app.advance(Duration::seconds(601));
    let late = bearer(
        &app.address,
        &other,
        reqwest::Method::GET,
        "/api/office/accounts",
        None,
    )
    .await;
    assert_eq!(
        (late.status, code(&late.body)),
        (401, "invalid_token"),
        "{other_id}"
    );
}

async fn es256_rs256_and_a_client_secret_get_tokens_too(app: &TestApp) {
    let operator = app.operator().await;
    let (_, _, admin) = app.office_with_admin(&operator, 4).await;
    for key in [
        pem_key(
            include_str!("keys/test-only-ec-private.pem"),
            include_str!("keys/test-only-ec-public.pem"),
            Algorithm::ES256,
            "ec-1",
        ),
        pem_key(
            include_str!("keys/test-only-rsa-private.pem"),
            include_str!("keys/test-only-rsa-public.pem"),
            Algorithm::RS256,
            "rsa-1",
        ),
    ] {
        let (_, client_id) = client_with_key(&admin, "office", &["accounts:read"], &key).await;
        let token = token_for(app, &key, &client_id).await;
        let got = bearer(
            &app.address,
            &token,
            reqwest::Method::GET,
            "/api/office/accounts",
            None,
        )
        .await;
        assert_eq!(got.status, 200, "{:?}: {}", key.alg, got.body);
        // A key used with another algorithm than its own is refused.
        let mut wrong = ed25519(20, &key.kid);
        wrong.kid = key.kid.clone();
        let refused = token_request(
            app,
            &[
                ("grant_type", "client_credentials"),
                ("client_assertion_type", JWT_BEARER),
                (
                    "client_assertion",
                    &assertion(app, &wrong, &client_id, json!({})),
                ),
            ],
            None,
        )
        .await;
        assert_eq!(refused.status, 401);
    }

    // A secret: shown once, stored as a hash, replaced by a new one.
    let (status, client) = admin
        .post(
            "/api/office/api-clients",
            json!({ "name": "CRM", "scopes": ["accounts:read", "audit:read"] }),
        )
        .await;
    assert_eq!(status, 201);
    let id = client["id"].as_str().unwrap();
    let client_id = client["client_id"].as_str().unwrap();
    let (status, first) = admin
        .post(&format!("/api/office/api-clients/{id}/secret"), json!({}))
        .await;
    assert_eq!(status, 200, "{first}");
    let secret = first["client_secret"].as_str().unwrap().to_string();
    assert!(secret.len() >= 43, "256 bits");
    let (_, shown) = admin.get(&format!("/api/office/api-clients/{id}")).await;
    assert_eq!(shown["has_secret"], true);
    assert!(!shown.to_string().contains(&secret), "never shown again");
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", "audit:read"),
    ];
    let got = token_request(app, &form, Some((client_id, &secret))).await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.body["scope"], "audit:read");
    let audit_token = got.body["access_token"].as_str().unwrap().to_string();
    let reads = bearer(
        &app.address,
        &audit_token,
        reqwest::Method::GET,
        "/api/office/audit",
        None,
    )
    .await;
    assert_eq!(reads.status, 200);
    let not_scoped = bearer(
        &app.address,
        &audit_token,
        reqwest::Method::GET,
        "/api/office/accounts",
        None,
    )
    .await;
    assert_eq!(
        (not_scoped.status, code(&not_scoped.body)),
        (403, "insufficient_scope")
    );
    assert!(
        not_scoped
            .headers
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("scope=\"accounts:read\"")
    );
    let wrong = token_request(app, &form, Some((client_id, "not-the-secret"))).await;
    assert_eq!(
        (wrong.status, wrong.body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert_eq!(
        wrong.headers.get("www-authenticate").unwrap(),
        "Basic realm=\"poort\""
    );
    // A new secret replaces the old one: the old secret and its tokens stop.
    let (_, second) = admin
        .post(&format!("/api/office/api-clients/{id}/secret"), json!({}))
        .await;
    let old = token_request(app, &form, Some((client_id, &secret))).await;
    assert_eq!(old.status, 401);
    let stopped = bearer(
        &app.address,
        &audit_token,
        reqwest::Method::GET,
        "/api/office/audit",
        None,
    )
    .await;
    assert_eq!(stopped.status, 401);
    let new = token_request(
        app,
        &form,
        Some((client_id, second["client_secret"].as_str().unwrap())),
    )
    .await;
    assert_eq!(new.status, 200);

    // The secret is in the database only as its hash.
    let rows = crate::validation::raw_rows_of(app, "api_clients").await;
    let needle = second["client_secret"].as_str().unwrap().as_bytes();
    assert!(
        rows.iter()
            .all(|row| !row.windows(needle.len()).any(|w| w == needle)),
        "the secret is not stored as given"
    );
}

async fn an_invitation_retried_with_one_idempotency_key_is_sent_once(app: &TestApp) {
    let public = app.address.clone();
    let second = spawn_second(app, |s| s.server.public_url = Some(public)).await;
    let operator = app.operator().await;
    let (_, _, admin) = app.office_with_admin(&operator, 5).await;
    let key = ed25519(40, "k");
    let (_, client_id) = client_with_key(&admin, "office", &["accounts:manage"], &key).await;
    let token = token_for(app, &key, &client_id).await;
    let invite = json!({ "name": "Eenmalig", "email": "eenmalig@kantoor5.example" });
    let send = |base: String, idempotency: &'static str, body: Value| {
        let token = token.clone();
        async move {
            let response = reqwest::Client::new()
                .post(format!("{base}/api/office/invitations"))
                .bearer_auth(token)
                .header("Idempotency-Key", idempotency)
                .json(&body)
                .send()
                .await
                .unwrap();
            answer(response).await
        }
    };
    // Two retries at once, on two instances: one invitation, the same answer twice.
    let (a, b) = tokio::join!(
        send(app.address.clone(), "invite-eenmalig-1", invite.clone()),
        send(second.address.clone(), "invite-eenmalig-1", invite.clone()),
    );
    assert_eq!((a.status, b.status), (201, 201), "{} / {}", a.body, b.body);
    assert_eq!(a.body, b.body, "the same invitation");
    let replayed: Vec<&str> = [&a, &b]
        .iter()
        .map(|x| {
            x.headers
                .get("idempotent-replayed")
                .unwrap()
                .to_str()
                .unwrap()
        })
        .collect();
    assert!(
        replayed.contains(&"true") && replayed.contains(&"false"),
        "{replayed:?}"
    );
    let later = send(app.address.clone(), "invite-eenmalig-1", invite.clone()).await;
    assert_eq!((later.status, &later.body), (201, &a.body));
    let (_, invitations) = admin.get("/api/office/invitations").await;
    let sent = invitations["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["email"] == "eenmalig@kantoor5.example")
        .count();
    assert_eq!(sent, 1, "invited once");
    let mails = app
        .outbox()
        .await
        .into_iter()
        .filter(|m| m["recipient"] == "eenmalig@kantoor5.example")
        .count();
    assert_eq!(mails, 1, "one e-mail");
    // The same key with another request is refused; a refused request is not kept.
    let other = send(
        app.address.clone(),
        "invite-eenmalig-1",
        json!({ "name": "Ander", "email": "ander@kantoor5.example" }),
    )
    .await;
    assert_eq!(
        (other.status, code(&other.body)),
        (422, "idempotency_key_reused")
    );
    let bad = send(app.address.clone(), "sleutel met spaties", invite.clone()).await;
    assert_eq!((bad.status, code(&bad.body)), (400, "invalid_request"));
    // A day later the key is free again (and the address is taken: a new answer).
    app.advance(Duration::hours(25));
    let token_later = token_for(app, &key, &client_id).await;
    let fresh = reqwest::Client::new()
        .post(format!("{}/api/office/invitations", app.address))
        .bearer_auth(token_later)
        .header("Idempotency-Key", "invite-eenmalig-1")
        .json(&invite)
        .send()
        .await
        .unwrap();
    let fresh = answer(fresh).await;
    assert_eq!(
        (fresh.status, code(&fresh.body)),
        (409, "email_taken"),
        "{}",
        fresh.body
    );
}

/// The token endpoint remembers the clients it issued tokens to (their key parsed) and checks
/// in each token's write that the client is still as remembered: every change in between is
/// seen by the next token, on the instance that remembers the client.
async fn a_client_known_from_its_last_token_gets_what_it_holds_now(app: &TestApp) {
    let operator = app.operator().await;
    let (_, _, admin) = app.office_with_admin(&operator, 7).await;
    let key = ed25519(60, "k1");
    let (id, client_id) =
        client_with_key(&admin, "office", &["accounts:read", "audit:read"], &key).await;
    let ask = |key: &TestKey, scope: Option<&str>| {
        let jwt = assertion(app, key, &client_id, json!({}));
        let scope = scope.map(str::to_string);
        async move {
            let mut form = vec![
                ("grant_type", "client_credentials".to_string()),
                ("client_assertion_type", JWT_BEARER.to_string()),
                ("client_assertion", jwt),
            ];
            if let Some(scope) = scope {
                form.push(("scope", scope));
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            token_request(app, &form, None).await
        }
    };
    // Known after the first token; the second takes the quick way.
    for _ in 0..2 {
        let got = ask(&key, None).await;
        assert_eq!(got.status, 200, "{}", got.body);
        assert_eq!(got.body["scope"], "accounts:read audit:read");
    }
    // A scope taken away: asked for, refused; not asked for, not in the token.
    let (status, _) = admin
        .put(
            &format!("/api/office/api-clients/{id}"),
            json!({ "name": "HR-systeem", "scopes": ["accounts:read"] }),
        )
        .await;
    assert_eq!(status, 200);
    let refused = ask(&key, Some("audit:read")).await;
    assert_eq!(
        (refused.status, refused.body["error"].as_str()),
        (400, Some("invalid_scope")),
        "{}",
        refused.body
    );
    let narrower = ask(&key, None).await;
    assert_eq!(narrower.status, 200, "{}", narrower.body);
    assert_eq!(narrower.body["scope"], "accounts:read");
    // A scope given: in the next token at once.
    let (status, _) = admin
        .put(
            &format!("/api/office/api-clients/{id}"),
            json!({ "name": "HR-systeem", "scopes": ["accounts:read", "rights:check"] }),
        )
        .await;
    assert_eq!(status, 200);
    let wider = ask(&key, Some("rights:check")).await;
    assert_eq!(wider.status, 200, "{}", wider.body);
    assert_eq!(wider.body["scope"], "rights:check");
    // The kid registered again for another key: the old private key is refused, the new one
    // gets tokens.
    let (status, client) = admin.get(&format!("/api/office/api-clients/{id}")).await;
    assert_eq!(status, 200);
    let key_id = client["keys"][0]["id"].as_str().unwrap().to_string();
    let (status, _) = admin
        .delete(&format!("/api/office/api-clients/{id}/keys/{key_id}"))
        .await;
    assert_eq!(status, 200);
    let replacement = ed25519(61, "k1");
    let (status, body) = admin
        .post(
            &format!("/api/office/api-clients/{id}/keys"),
            json!({ "key": replacement.public, "kid": "k1" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let old = ask(&key, None).await;
    assert_eq!(
        (old.status, old.body["error"].as_str()),
        (401, Some("invalid_client")),
        "the removed key's signature: {}",
        old.body
    );
    for _ in 0..2 {
        let got = ask(&replacement, None).await;
        assert_eq!(got.status, 200, "{}", got.body);
    }
    // Revoked: refused at once.
    admin
        .post(&format!("/api/office/api-clients/{id}/revoke"), json!({}))
        .await;
    let revoked = ask(&replacement, None).await;
    assert_eq!(
        (revoked.status, revoked.body["error"].as_str()),
        (401, Some("invalid_client")),
        "{}",
        revoked.body
    );
    // Every token issued is in the trail once; the refusals too.
    let (status, trail) = admin.get("/api/office/audit?limit=200").await;
    assert_eq!(status, 200);
    let count = |action: &str| {
        trail["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == action)
            .count()
    };
    let issued: Vec<&Value> = trail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "api_client.token_issued")
        .collect();
    assert_eq!(count("api_client.token_issued"), 6, "{issued:#?}");
}

async fn tokens_are_limited_per_client_and_per_address(kind: poort_e2e::db::Kind) {
    let Some(app) = crate::helpers::spawn_app_with(kind, |s| {
        s.policy.tokens_per_minute_per_api_client = 2;
        s.policy.oauth_requests_per_minute_per_client = 6;
    })
    .await
    else {
        return;
    };
    let operator = app.operator().await;
    let (_, _, admin) = app.office_with_admin(&operator, 6).await;
    let key = ed25519(50, "k");
    let (_, client_id) = client_with_key(&admin, "office", &["accounts:read"], &key).await;
    let request = || async {
        let jwt = assertion(&app, &key, &client_id, json!({}));
        token_request(
            &app,
            &[
                ("grant_type", "client_credentials"),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", &jwt),
            ],
            None,
        )
        .await
    };
    let (first, second, third) = (request().await, request().await, request().await);
    assert_eq!((first.status, second.status), (200, 200));
    assert_eq!(
        (third.status, third.body["error"].as_str()),
        (429, Some("rate_limited")),
        "{}",
        third.body
    );
    let wait: i64 = third
        .headers
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Strangers from one address are counted too, before any client is known.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            token_request(
                &app,
                &[("grant_type", "client_credentials")],
                Some(("pc_x", "y")),
            )
            .await
            .status,
        );
    }
    assert_eq!(
        statuses,
        [401, 401, 401, 429],
        "six requests a minute from this address"
    );
    // The next minute both counts start again.
    app.advance(Duration::seconds(61));
    assert_eq!(request().await.status, 200);
    if kind == poort_e2e::db::Kind::Postgres {
        app.db.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_limited_per_client_and_per_address_on_sqlite() {
    tokens_are_limited_per_client_and_per_address(poort_e2e::db::Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_limited_per_client_and_per_address_on_postgres() {
    tokens_are_limited_per_client_and_per_address(poort_e2e::db::Kind::Postgres).await;
}
