//! The OpenAPI document, built by a pure function. `cargo xtask openapi` writes it to
//! `openapi/openapi.json`; a test fails when that file is stale or a route is missing.

use utoipa::OpenApi;

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Poort API",
        license(name = "Proprietary"),
        description = "Sign-in, invitations and portfolio rights of the adviser extranet.\n\n\
            Every error answer has the body `{\"code\": \"…\", \"message\": \"…\"}`; `code` is stable \
            and documented per endpoint, `message` is for developers (the token endpoint answers \
            as RFC 6749 says: `{\"error\": \"…\"}`).\n\n\
            **Integrators.** An office's user administrator makes an API client under *Koppelingen* \
            (`/beheer/koppelingen`; the relations team makes the insurer's own) and registers its \
            public key (Ed25519, P-256 or RSA ≥ 2048 bits, as JWK or PEM) under a `kid`. The program \
            signs a client assertion (RFC 7523: header `alg` and `kid`; claims `iss` = `sub` = the \
            client id, `aud` = this server's `/oauth2/token` URL, `exp` at most 5 minutes ahead, a \
            fresh `jti`), posts it to `/oauth2/token` (`grant_type=client_credentials`, \
            `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`), and \
            sends the access token it gets as `Authorization: Bearer` for 10 minutes. Each operation \
            names the scope it needs; state changes take an `Idempotency-Key`. The README shows \
            the whole walk in shell and in Python."
    ),
    paths(
        routes::health::health,
        routes::health::ready,
        routes::public_config::public_config,
        routes::outbox::dev_outbox,
        routes::invitations::open,
        routes::invitations::set_password,
        routes::invitations::resume,
        routes::invitations::send_mobile_code,
        routes::invitations::verify_mobile,
        routes::invitations::start_authenticator,
        routes::invitations::confirm_authenticator,
        routes::invitations::setup_passkey_options,
        routes::invitations::setup_passkey,
        routes::signin::start,
        routes::signin::authenticator,
        routes::signin::send_sms,
        routes::signin::verify_sms,
        routes::signin::new_password,
        routes::passkeys::passkey_sign_in_options,
        routes::passkeys::passkey_sign_in,
        routes::passkeys::passwordless_options,
        routes::passkeys::passwordless_sign_in,
        routes::signin::request_reset,
        routes::signin::open_reset,
        routes::signin::reset_sms,
        routes::signin::verify_reset,
        routes::signin::complete_reset,
        routes::signin::forgot_email,
        routes::eherkenning::sign_in,
        routes::eherkenning::callback,
        routes::eherkenning::start_link,
        routes::eherkenning::link,
        routes::eherkenning::unlink,
        routes::account::profile,
        routes::account::reauthenticate,
        routes::passkeys::reauthentication_options,
        routes::passkeys::reauthenticate_with_passkey,
        routes::account::change_mobile,
        routes::account::verify_mobile,
        routes::account::remove_mobile,
        routes::account::change_password,
        routes::account::start_authenticator,
        routes::account::confirm_authenticator,
        routes::passkeys::list_passkeys,
        routes::passkeys::passkey_registration_options,
        routes::passkeys::add_passkey,
        routes::passkeys::rename_passkey,
        routes::passkeys::remove_passkey,
        routes::access_requests::my_access_requests,
        routes::access_requests::create_access_request,
        routes::access_requests::withdraw_access_request,
        routes::account::sessions,
        routes::account::end_session,
        routes::account::events,
        routes::account::portfolios,
        routes::account::select_portfolio,
        routes::account::token,
        routes::account::jwks,
        routes::me::me,
        routes::me::logout,
        routes::me::rights_catalogue,
        routes::office::list_accounts,
        routes::office::get_account,
        routes::office::set_rights,
        routes::office::deactivate,
        routes::office::reactivate,
        routes::office::appoint_admin,
        routes::office::remove_admin,
        routes::office::list_invitations,
        routes::office::invite,
        routes::office::resend,
        routes::office::withdraw,
        routes::office::portfolios,
        routes::office::audit,
        routes::access_requests::office_access_requests,
        routes::access_requests::grant_access_request,
        routes::access_requests::decline_access_request,
        routes::moves::request_move,
        routes::reviews::office_access_review,
        routes::reviews::confirm_access_review,
        routes::reviews::access_reviews_due,
        routes::reviews::office_review_for_operator,
        routes::operator::list_offices,
        routes::operator::create_office,
        routes::operator::get_office,
        routes::operator::update_office,
        routes::operator::portfolios,
        routes::operator::create_portfolio,
        routes::operator::update_portfolio,
        routes::operator::office_invitations,
        routes::operator::invite_into_office,
        routes::operator::invite_operator,
        routes::operator::search_accounts,
        routes::operator::overview,
        routes::operator::open_invitations,
        routes::operator::dead_letters,
        routes::operator::get_account,
        routes::operator::delete_account,
        routes::operator::reset_sign_in,
        routes::moves::move_account,
        routes::moves::move_requests,
        routes::moves::decline_move_request,
        routes::operator::resend,
        routes::operator::withdraw,
        routes::operator::audit,
        routes::api_clients::office_scopes,
        routes::api_clients::office_list,
        routes::api_clients::office_create,
        routes::api_clients::office_get,
        routes::api_clients::office_update,
        routes::api_clients::office_revoke,
        routes::api_clients::office_add_key,
        routes::api_clients::office_remove_key,
        routes::api_clients::office_secret,
        routes::api_clients::operator_scopes,
        routes::api_clients::operator_list,
        routes::api_clients::operator_create,
        routes::api_clients::operator_get,
        routes::api_clients::operator_update,
        routes::api_clients::operator_revoke,
        routes::api_clients::operator_add_key,
        routes::api_clients::operator_remove_key,
        routes::api_clients::operator_secret,
        routes::oauth::token,
        routes::oauth::metadata,
        routes::oauth::introspect,
        routes::oauth::check,
        routes::oauth::check_batch,
    ),
    // The shared answer lists (`routes::answers`) refer to their bodies without registering them.
    components(schemas(
        poort_shared::ErrorBody,
        poort_shared::ErrorCode,
        poort_shared::dto::AccountDetailResponse,
        poort_shared::dto::AuditPageResponse,
        poort_shared::dto::InvitationListResponse,
        poort_shared::dto::InvitationResponse,
        poort_shared::dto::ApiClientResponse,
        poort_shared::dto::ApiClientListResponse,
        poort_shared::dto::ApiClientSecretResponse,
        poort_shared::dto::ApiScopeCatalogueResponse,
        poort_shared::dto::AccessTokenClaims,
        poort_shared::dto::OfficeSort,
        poort_shared::dto::OverviewResponse,
        poort_shared::dto::FactorFilter,
        poort_shared::dto::AccessRequestFilter,
        poort_shared::dto::InvitationFilter,
        poort_shared::dto::DeadLetterResponse,
        poort_shared::dto::DeadLetterListResponse,
        poort_shared::dto::SortOrder,
        poort_shared::dto::UserTokenClaims,
        poort_shared::dto::EherkenningRefusal,
    )),
    modifiers(&SessionCookie, &AnswerHeaders, &NoNul),
    tags(
        (name = "service", description = "Health, readiness and public configuration"),
        (name = "invitation", description = "Accepting an invitation (or setting up sign-in again after a reset)"),
        (name = "sign-in", description = "Signing in, step by step"),
        (name = "recovery", description = "Forgot password, forgot e-mail address"),
        (name = "account", description = "The signed-in account: Mijn account, portfolio context, tokens"),
        (name = "office", description = "An office's user administrator, for their own office"),
        (name = "operator", description = "The insurer's relations team"),
        (name = "oauth", description = "Integrators: OAuth 2.0 client credentials (`/oauth2/token`), token introspection and rights checks"),
        (name = "development", description = "Only in dev mode"),
    )
)]
struct ApiDoc;

/// Browser sessions: the session cookie set when an invitation is accepted or a sign-in
/// completes (`__Host-poort_session` in production, `poort_session` in dev mode).
/// State-changing requests must also come from the same origin.
struct SessionCookie;

impl utoipa::Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        use utoipa::openapi::security::{ClientCredentials, Flow, OAuth2, Scopes};
        let scopes = Scopes::from_iter(
            poort_shared::dto::ApiScope::ALL
                .iter()
                .map(|s| (s.as_str(), crate::auth::bearer::scope_description(*s))),
        );
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(ClientCredentials::new(
                    "/oauth2/token",
                    scopes,
                ))],
                "API clients (integrators): an access token from `/oauth2/token`, sent as \
                 `Authorization: Bearer`. The client authenticates with `private_key_jwt` \
                 (a client assertion signed with a registered key) or its secret over HTTP \
                 Basic. An office's client reaches its own office only (and its portfolios, \
                 if limited); the insurer's clients reach the relations team's endpoints.",
            )),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::principal::PRODUCTION_SESSION_COOKIE,
                "The session cookie, set when a sign-in, an invitation's set-up or a password \
                 reset completes: `__Host-poort_session` in production (HttpOnly, Secure, \
                 SameSite=Strict, host-only), `poort_session` in dev mode (plain http). \
                 Requests that change something must also carry the site's own `Origin`.",
            ))),
        );
    }
}

/// The headers answers carry, documented where they are: the ones every answer has (defined
/// once under `components.headers`, referred to from each response), `Retry-After` on every
/// 429 and 503, and the session cookie on the answers that set or clear it.
struct AnswerHeaders;

/// (name, description) of the headers on every `/api` answer (`headers.rs`, `startup.rs`).
const EVERY_ANSWER: [(&str, &str); 5] = [
    (
        "Cache-Control",
        "`no-store`: no answer of the API may be kept by a cache (they carry profiles, tokens and \
         authenticator secrets).",
    ),
    (
        "Strict-Transport-Security",
        "In production only: `max-age=31536000; includeSubDomains`.",
    ),
    ("X-Content-Type-Options", "`nosniff`."),
    ("Referrer-Policy", "`no-referrer`."),
    ("X-Frame-Options", "`DENY`."),
];

/// The answers that set the session cookie (a sign-in, a set-up or a password reset that
/// completes) or clear it (sign-out), as (method, path, status).
const SETS_SESSION_COOKIE: [(&str, &str, &str); 6] = [
    ("post", "/api/sign-in/authenticator", "200"),
    ("post", "/api/sign-in/sms/verify", "200"),
    ("post", "/api/sign-in/new-password", "200"),
    ("post", "/api/password-reset/{token}/password", "200"),
    (
        "post",
        "/api/invitations/{token}/authenticator/confirm",
        "200",
    ),
    ("post", "/api/session/logout", "204"),
];

impl utoipa::Modify for AnswerHeaders {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{Header, HeaderBuilder, Ref, RefOr, Type};
        let header = |description: &str| -> RefOr<Header> {
            RefOr::T(
                HeaderBuilder::new()
                    .schema(Some(
                        utoipa::openapi::ObjectBuilder::new().schema_type(Type::String),
                    ))
                    .description(Some(description))
                    .build(),
            )
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, description) in EVERY_ANSWER {
            components
                .headers
                .insert(name.to_string(), header(description));
        }
        components.headers.insert(
            "Retry-After".to_string(),
            RefOr::T(
                HeaderBuilder::new()
                    .schema(Some(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .minimum(Some(1)),
                    ))
                    .description(Some("Seconds to wait before trying again."))
                    .build(),
            ),
        );
        let to = |name: &str| RefOr::Ref(Ref::new(format!("#/components/headers/{name}")));
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                ("get", item.get.as_mut()),
                ("post", item.post.as_mut()),
                ("put", item.put.as_mut()),
                ("patch", item.patch.as_mut()),
                ("delete", item.delete.as_mut()),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                // Operations programs may call with a bearer token: say what its refusals are.
                let bearer = operation.security.as_ref().is_some_and(|list| {
                    list.iter()
                        .any(|r| serde_json::to_value(r).is_ok_and(|v| v.get("oauth2").is_some()))
                });
                // State changes with a bearer token take an Idempotency-Key (`idempotency.rs`),
                // but the token endpoint, which is not under /api.
                if bearer && method != "get" && path.starts_with("/api/") {
                    idempotent(operation);
                }
                if path.starts_with("/api/") {
                    unreadable(operation);
                }
                for (status, response) in operation.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    if bearer && (status == "401" || status == "403") {
                        let (code, header_text) = if status == "401" {
                            (
                                "`invalid_token`",
                                "`Bearer realm=\"poort\", error=\"invalid_token\"` (a bearer token that is malformed, expired, forged, or of a revoked client or removed key)",
                            )
                        } else {
                            (
                                "`insufficient_scope`",
                                "`Bearer realm=\"poort\", error=\"insufficient_scope\", scope=\"…\"` (a token without the scope this operation needs)",
                            )
                        };
                        if !response.description.contains(code) {
                            response.description =
                                format!("{}; with a bearer token: {code}", response.description);
                        }
                        response
                            .headers
                            .insert("WWW-Authenticate".to_string(), header(header_text));
                    }
                    for (name, _) in EVERY_ANSWER {
                        response.headers.insert(name.to_string(), to(name));
                    }
                    if status == "429" || status == "503" {
                        response
                            .headers
                            .insert("Retry-After".to_string(), to("Retry-After"));
                    }
                    if SETS_SESSION_COOKIE.contains(&(method, path.as_str(), status.as_str())) {
                        let what = if status == "204" {
                            "Clears the session cookie (the same name and attributes, empty, \
                             expired)."
                        } else {
                            "The session cookie: `__Host-poort_session` in production \
                             (HttpOnly, Secure, SameSite=Strict, Path=/), `poort_session` in \
                             dev mode."
                        };
                        response
                            .headers
                            .entry("Set-Cookie".to_string())
                            .or_insert_with(|| header(what));
                    }
                }
            }
        }
    }
}

/// Documents the 400 `invalid_request` of an operation that reads a body, a path or a query:
/// what the extractors (`routes::extractor_config`) and `input::refuse_nul` answer.
fn unreadable(operation: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let has = |place: ParameterIn| {
        parameters
            .iter()
            .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
    };
    let mut what = Vec::new();
    if operation.request_body.is_some() {
        what.push(
            "a body that is not JSON of the documented shape, or not sent as `application/json`",
        );
    }
    if has(ParameterIn::Path) {
        what.push("a malformed path parameter (such as an id that is not a UUID)");
    }
    if has(ParameterIn::Query) {
        what.push("a malformed or unknown query parameter");
    }
    if what.is_empty() {
        return;
    }
    let text = format!(
        "`invalid_request` when the request cannot be read: {}; or text with a NUL character (U+0000)",
        what.join("; ")
    );
    let responses = &mut operation.responses.responses;
    match responses.get_mut("400") {
        Some(RefOr::T(response)) => {
            if !response.description.contains("cannot be read") {
                response.description = format!("{}; {text}", response.description);
            }
        }
        _ => {
            responses.insert(
                "400".into(),
                RefOr::T(
                    ResponseBuilder::new()
                        .description(text)
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("ErrorBody")))
                                .build(),
                        )
                        .build(),
                ),
            );
        }
    }
}

/// Documents `Idempotency-Key` on a state-changing operation: the header, the replayed
/// answer's header, and the two refusals it can bring.
fn idempotent(operation: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{
        ContentBuilder, HeaderBuilder, ObjectBuilder, Ref, RefOr, Required, ResponseBuilder, Type,
    };
    let parameter = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "With a bearer token: the request is done once per key (for 24 hours). A retry \
             with the same key and request gets the first answer again \
             (`Idempotent-Replayed: true`), also on another instance; one that arrives while \
             the first runs waits for it. Server errors and 429s are not kept.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                .pattern(Some("^[!-~]{1,255}$")),
        ))
        .build();
    operation
        .parameters
        .get_or_insert_with(Vec::new)
        .push(RefOr::T(parameter));
    let error_body = || {
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build()
    };
    let responses = &mut operation.responses.responses;
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(response) = response
            && status.starts_with('2')
        {
            response.headers.insert(
                "Idempotent-Replayed".into(),
                RefOr::T(
                    HeaderBuilder::new()
                        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                        .description(Some(
                            "With an `Idempotency-Key`: `true` when this is the first answer given \
                         again, `false` when the request was done now.",
                        ))
                        .build(),
                ),
            );
        }
    }
    match responses.get_mut("409") {
        Some(RefOr::T(conflict)) => {
            conflict.description.push_str(", `idempotency_key_in_use`");
        }
        _ => {
            responses.insert(
                "409".into(),
                RefOr::T(
                    ResponseBuilder::new()
                        .description(
                            "`idempotency_key_in_use`: the first request with this key still runs",
                        )
                        .content("application/json", error_body())
                        .build(),
                ),
            );
        }
    }
    responses.insert(
        "422".into(),
        RefOr::T(
            ResponseBuilder::new()
                .description("`idempotency_key_reused`: the key was used for another request")
                .content("application/json", error_body())
                .build(),
        ),
    );
    if !responses.contains_key("400") {
        responses.insert(
            "400".into(),
            RefOr::T(
                ResponseBuilder::new()
                    .description("`invalid_request`: an unreadable `Idempotency-Key`")
                    .content("application/json", error_body())
                    .build(),
            ),
        );
    }
}

/// Free text never holds a NUL character (`input::refuse_nul` answers 400): every string
/// schema without a format, pattern or list of values says so with a pattern.
struct NoNul;

/// The pattern of free text.
pub const NO_NUL: &str = "^[^\\x00]*$";

fn no_nul(schema: &mut utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ArrayItems, Schema, SchemaType, Type};
    let RefOr::T(schema) = schema else { return };
    match schema {
        Schema::Object(o) => {
            let text = match &o.schema_type {
                SchemaType::Type(t) => *t == Type::String,
                SchemaType::Array(types) => types.contains(&Type::String),
                SchemaType::AnyValue => false,
            };
            if text && o.format.is_none() && o.enum_values.is_none() && o.pattern.is_none() {
                o.pattern = Some(NO_NUL.to_string());
            }
            for property in o.properties.values_mut() {
                no_nul(property);
            }
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                no_nul(items);
            }
        }
        Schema::OneOf(c) => c.items.iter_mut().for_each(no_nul),
        Schema::AllOf(c) => c.items.iter_mut().for_each(no_nul),
        Schema::AnyOf(c) => c.items.iter_mut().for_each(no_nul),
        _ => {}
    }
}

impl utoipa::Modify for NoNul {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            for schema in components.schemas.values_mut() {
                no_nul(schema);
            }
        }
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ];
            for operation in operations.into_iter().flatten() {
                for parameter in operation.parameters.iter_mut().flatten() {
                    if let utoipa::openapi::RefOr::T(parameter) = parameter
                        && let Some(schema) = parameter.schema.as_mut()
                    {
                        no_nul(schema);
                    }
                }
            }
        }
    }
}

/// The document as committed (and served in production).
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The committed document, `openapi/openapi.json`: the API tests keep it equal to [`document`]
/// (`cargo xtask openapi` writes it).
const COMMITTED: &str = include_str!("../../openapi/openapi.json");

/// The document as a server in this mode serves it at `/api/openapi.json`: the committed one,
/// and in dev mode with the session cookie `poort_session` (plain http cannot carry a `__Host-`
/// cookie), so tools that read it send the cookie the server reads. Served as committed
/// rather than built at start-up: building it took megabytes of memory that the allocator
/// kept for the life of the process.
pub fn served_json(mode: crate::configuration::Mode) -> String {
    use crate::auth::principal::{PRODUCTION_SESSION_COOKIE, SESSION_COOKIE};
    match mode {
        crate::configuration::Mode::Dev => COMMITTED.replacen(
            &format!(r#""name": "{PRODUCTION_SESSION_COOKIE}""#),
            &format!(r#""name": "{SESSION_COOKIE}""#),
            1,
        ),
        crate::configuration::Mode::Production => COMMITTED.to_string(),
    }
}

/// The document as committed: pretty JSON with a final newline.
pub fn document_json() -> Result<String, serde_json::Error> {
    let mut json = serde_json::to_string_pretty(&document())?;
    json.push('\n');
    Ok(json)
}

/// Every (method, path) the document describes, sorted; for the route-coverage test.
pub fn documented_routes() -> Vec<(String, String)> {
    let doc = document();
    let mut out = Vec::new();
    for (path, item) in &doc.paths.paths {
        let methods = [
            ("get", item.get.is_some()),
            ("post", item.post.is_some()),
            ("put", item.put.is_some()),
            ("patch", item.patch.is_some()),
            ("delete", item.delete.is_some()),
        ];
        for (method, present) in methods {
            if present {
                out.push((method.to_string(), path.clone()));
            }
        }
    }
    out.sort();
    out
}

/// Routes the server registers that belong in the document, as (method, path).
pub fn registered_routes() -> Vec<(String, String)> {
    routes::api(true)
        .routes()
        .into_iter()
        .map(|r| (r.method, r.path.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_dev_mode_the_served_document_differs_by_the_session_cookies_name_only() {
        // That the committed document is what the code describes is the API tests' freshness
        // check (`api/tests/api/openapi.rs`).
        use crate::configuration::Mode;
        let production: serde_json::Value =
            serde_json::from_str(&served_json(Mode::Production)).unwrap();
        assert_eq!(
            production["components"]["securitySchemes"]["session"]["name"],
            crate::auth::principal::PRODUCTION_SESSION_COOKIE
        );
        let mut dev: serde_json::Value = serde_json::from_str(&served_json(Mode::Dev)).unwrap();
        let scheme = &mut dev["components"]["securitySchemes"]["session"]["name"];
        assert_eq!(*scheme, crate::auth::principal::SESSION_COOKIE);
        *scheme = crate::auth::principal::PRODUCTION_SESSION_COOKIE.into();
        assert_eq!(dev, production);
    }

    #[test]
    fn every_answer_names_its_headers_and_the_cookie_answers_exist() {
        let doc = document();
        let mut cookie_answers = Vec::new();
        for (path, item) in &doc.paths.paths {
            for (method, operation) in [
                ("get", &item.get),
                ("post", &item.post),
                ("put", &item.put),
                ("patch", &item.patch),
                ("delete", &item.delete),
            ] {
                let Some(operation) = operation else { continue };
                for (status, response) in &operation.responses.responses {
                    let utoipa::openapi::RefOr::T(response) = response else {
                        panic!("{method} {path} {status}: a response by reference")
                    };
                    for (name, _) in EVERY_ANSWER {
                        assert!(
                            response.headers.contains_key(name),
                            "{method} {path} {status} lacks {name}"
                        );
                    }
                    if status == "429" || status == "503" {
                        assert!(
                            response.headers.contains_key("Retry-After"),
                            "{method} {path} {status} lacks Retry-After"
                        );
                    }
                    if response.headers.contains_key("Set-Cookie") {
                        cookie_answers.push((method, path.clone(), status.clone()));
                    }
                }
            }
        }
        for (method, path, status) in SETS_SESSION_COOKIE {
            assert!(
                cookie_answers
                    .iter()
                    .any(|(m, p, s)| *m == method && p == path && s == status),
                "{method} {path} {status} is not in the document"
            );
        }
    }
}

#[cfg(test)]
#[path = "openapi_roundtrip.rs"]
mod roundtrip;
