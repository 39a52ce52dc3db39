//! The JSON API's routes. Every route is registered here through [`Registrar`], which also
//! records it: a test compares that record with the OpenAPI document in both directions, so a
//! route cannot ship undocumented and the document cannot list a route that does not exist.

pub mod access_requests;
pub mod account;
pub mod answers;
pub mod api_clients;
pub mod eherkenning;
pub mod health;
pub mod invitations;
pub mod me;
pub mod moves;
pub mod oauth;
pub mod office;
pub mod operator;
pub mod outbox;
pub mod passkeys;
pub mod public_config;
pub mod reviews;
pub mod signin;

use actix_web::dev::Handler;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpResponse, Resource, Responder, web};
use poort_shared::{ErrorBody, ErrorCode};

use crate::metrics::RoutePattern;

/// One registered route, as the OpenAPI document must describe it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RouteInfo {
    pub method: String,
    pub path: &'static str,
}

/// Collects routes into one actix resource per path (so a wrong method answers 405, not 404).
#[derive(Default)]
pub struct Registrar {
    resources: Vec<(&'static str, Resource)>,
    routes: Vec<RouteInfo>,
}

impl Registrar {
    fn add<F, Args>(&mut self, method: Method, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.routes.push(RouteInfo {
            method: method.as_str().to_ascii_lowercase(),
            path,
        });
        let changes = matches!(
            method,
            Method::POST | Method::PUT | Method::PATCH | Method::DELETE
        );
        let route = web::method(method).to(handler);
        // `Idempotency-Key` once the request found its route: a method the path does not
        // have answers 405 whatever key it carries.
        let route = if changes {
            route.wrap(actix_web::middleware::from_fn(
                crate::idempotency::idempotent,
            ))
        } else {
            route
        };
        match self.resources.iter().position(|(p, _)| *p == path) {
            Some(i) => {
                let (p, resource) = self.resources.remove(i);
                self.resources.insert(i, (p, resource.route(route)));
            }
            None => self.resources.push((
                path,
                web::resource(path)
                    .app_data(RoutePattern(path))
                    .route(route),
            )),
        }
        self
    }

    pub fn get<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::GET, path, handler)
    }

    pub fn post<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, path, handler)
    }

    pub fn put<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::PUT, path, handler)
    }

    pub fn patch<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::PATCH, path, handler)
    }

    pub fn delete<F, Args>(&mut self, path: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::DELETE, path, handler)
    }

    /// The routes registered so far, sorted.
    pub fn routes(&self) -> Vec<RouteInfo> {
        let mut routes = self.routes.clone();
        routes.sort();
        routes
    }

    /// Registers every resource; a method a path does not have answers 405 with `Allow`
    /// naming those it has (RFC 9110 §15.5.6).
    ///
    /// Paths without parameters come first: actix tries resources in order, a path with
    /// parameters costs a regular-expression match per request that passes it, and one without
    /// only a comparison. (Where a path could match both, the fixed one is the one meant.)
    pub fn configure(self, cfg: &mut web::ServiceConfig) {
        let (fixed, with_parameters): (Vec<_>, Vec<_>) = self
            .resources
            .into_iter()
            .partition(|(path, _)| !path.contains('{'));
        for (path, resource) in fixed.into_iter().chain(with_parameters) {
            let allow = self
                .routes
                .iter()
                .filter(|r| r.path == path)
                .map(|r| r.method.to_ascii_uppercase())
                .collect::<Vec<_>>()
                .join(", ");
            cfg.service(resource.default_service(web::to(move || {
                let allow = allow.clone();
                async move { method_not_allowed(&allow) }
            })));
        }
    }
}

/// Every API route. Dev-only routes are included when `dev` is true.
pub fn api(dev: bool) -> Registrar {
    let mut r = Registrar::default();
    r.get("/api/health", health::health)
        .get("/api/ready", health::ready)
        .get("/api/config", public_config::public_config);
    // Accepting an invitation (public: the link is the credential).
    r.get("/api/invitations/{token}", invitations::open)
        .post(
            "/api/invitations/{token}/password",
            invitations::set_password,
        )
        .post("/api/invitations/{token}/resume", invitations::resume)
        .post(
            "/api/invitations/{token}/mobile",
            invitations::send_mobile_code,
        )
        .post(
            "/api/invitations/{token}/mobile/verify",
            invitations::verify_mobile,
        )
        .post(
            "/api/invitations/{token}/authenticator",
            invitations::start_authenticator,
        )
        .post(
            "/api/invitations/{token}/authenticator/confirm",
            invitations::confirm_authenticator,
        )
        .post(
            "/api/invitations/{token}/passkey/options",
            invitations::setup_passkey_options,
        )
        .post(
            "/api/invitations/{token}/passkey",
            invitations::setup_passkey,
        );
    // Signing in, and recovering a password or e-mail address (public).
    r.post("/api/sign-in", signin::start)
        .post("/api/sign-in/authenticator", signin::authenticator)
        .post("/api/sign-in/sms", signin::send_sms)
        .post("/api/sign-in/sms/verify", signin::verify_sms)
        .post("/api/sign-in/new-password", signin::new_password)
        .post(
            "/api/sign-in/passkey/options",
            passkeys::passkey_sign_in_options,
        )
        .post("/api/sign-in/passkey", passkeys::passkey_sign_in)
        .post(
            "/api/sign-in/passkey/discoverable/options",
            passkeys::passwordless_options,
        )
        .post(
            "/api/sign-in/passkey/discoverable",
            passkeys::passwordless_sign_in,
        )
        .post("/api/password-reset", signin::request_reset)
        .get("/api/password-reset/{token}", signin::open_reset)
        .post("/api/password-reset/{token}/sms", signin::reset_sms)
        .post("/api/password-reset/{token}/verify", signin::verify_reset)
        .post(
            "/api/password-reset/{token}/password",
            signin::complete_reset,
        )
        .post("/api/forgot-email", signin::forgot_email)
        .get("/.well-known/jwks.json", account::jwks)
        .post("/api/eherkenning/sign-in", eherkenning::sign_in)
        .get("/api/eherkenning/callback", eherkenning::callback);
    // The signed-in account.
    r.get("/api/me", me::me)
        .post("/api/session/logout", me::logout)
        .get("/api/rights", me::rights_catalogue)
        .get("/api/me/profile", account::profile)
        .post("/api/me/reauthenticate", account::reauthenticate)
        .post(
            "/api/me/reauthenticate/passkey/options",
            passkeys::reauthentication_options,
        )
        .post(
            "/api/me/reauthenticate/passkey",
            passkeys::reauthenticate_with_passkey,
        )
        .post("/api/me/mobile", account::change_mobile)
        .delete("/api/me/mobile", account::remove_mobile)
        .post("/api/me/mobile/verify", account::verify_mobile)
        .post("/api/me/password", account::change_password)
        .post("/api/me/authenticator", account::start_authenticator)
        .post(
            "/api/me/authenticator/confirm",
            account::confirm_authenticator,
        )
        .get("/api/me/sessions", account::sessions)
        .delete("/api/me/sessions/{id}", account::end_session)
        .get("/api/me/events", account::events)
        .get("/api/me/portfolios", account::portfolios)
        .put("/api/me/portfolio", account::select_portfolio)
        .post("/api/me/token", account::token)
        .get("/api/me/eherkenning", eherkenning::link)
        .post("/api/me/eherkenning", eherkenning::start_link)
        .delete("/api/me/eherkenning", eherkenning::unlink)
        .get("/api/me/passkeys", passkeys::list_passkeys)
        .post("/api/me/passkeys", passkeys::add_passkey)
        .post(
            "/api/me/passkeys/options",
            passkeys::passkey_registration_options,
        )
        .patch("/api/me/passkeys/{id}", passkeys::rename_passkey)
        .delete("/api/me/passkeys/{id}", passkeys::remove_passkey)
        .get(
            "/api/me/access-requests",
            access_requests::my_access_requests,
        )
        .post(
            "/api/me/access-requests",
            access_requests::create_access_request,
        )
        .post(
            "/api/me/access-requests/{id}/withdraw",
            access_requests::withdraw_access_request,
        );
    // An office's user administrator, for their own office.
    r.get("/api/office/accounts", office::list_accounts)
        .get("/api/office/accounts/{id}", office::get_account)
        .put("/api/office/accounts/{id}/rights", office::set_rights)
        .post("/api/office/accounts/{id}/deactivate", office::deactivate)
        .post("/api/office/accounts/{id}/reactivate", office::reactivate)
        .post(
            "/api/office/accounts/{id}/administrator",
            office::appoint_admin,
        )
        .delete(
            "/api/office/accounts/{id}/administrator",
            office::remove_admin,
        )
        .get("/api/office/invitations", office::list_invitations)
        .post("/api/office/invitations", office::invite)
        .post("/api/office/invitations/{id}/resend", office::resend)
        .post("/api/office/invitations/{id}/withdraw", office::withdraw)
        .get("/api/office/portfolios", office::portfolios)
        .get("/api/office/audit", office::audit)
        .get(
            "/api/office/access-requests",
            access_requests::office_access_requests,
        )
        .post(
            "/api/office/access-requests/{id}/grant",
            access_requests::grant_access_request,
        )
        .post(
            "/api/office/access-requests/{id}/decline",
            access_requests::decline_access_request,
        )
        .post("/api/office/move-requests", moves::request_move)
        .get("/api/office/access-review", reviews::office_access_review)
        .post(
            "/api/office/access-review/confirm",
            reviews::confirm_access_review,
        );
    // The relations team.
    r.get("/api/operator/offices", operator::list_offices)
        .post("/api/operator/offices", operator::create_office)
        .get("/api/operator/offices/{id}", operator::get_office)
        .patch("/api/operator/offices/{id}", operator::update_office)
        .get(
            "/api/operator/offices/{id}/portfolios",
            operator::portfolios,
        )
        .post(
            "/api/operator/offices/{id}/portfolios",
            operator::create_portfolio,
        )
        .patch("/api/operator/portfolios/{id}", operator::update_portfolio)
        .get(
            "/api/operator/offices/{id}/invitations",
            operator::office_invitations,
        )
        .post(
            "/api/operator/offices/{id}/invitations",
            operator::invite_into_office,
        )
        .post(
            "/api/operator/operators/invitations",
            operator::invite_operator,
        )
        .get("/api/operator/accounts", operator::search_accounts)
        .get("/api/operator/overview", operator::overview)
        .get("/api/operator/invitations", operator::open_invitations)
        .get("/api/operator/dead-letters", operator::dead_letters)
        .get("/api/operator/accounts/{id}", operator::get_account)
        .delete("/api/operator/accounts/{id}", operator::delete_account)
        .post(
            "/api/operator/accounts/{id}/reset-sign-in",
            operator::reset_sign_in,
        )
        .post("/api/operator/accounts/{id}/move", moves::move_account)
        .get("/api/operator/move-requests", moves::move_requests)
        .get("/api/operator/access-reviews", reviews::access_reviews_due)
        .get(
            "/api/operator/offices/{id}/access-review",
            reviews::office_review_for_operator,
        )
        .post(
            "/api/operator/move-requests/{id}/decline",
            moves::decline_move_request,
        )
        .post("/api/operator/invitations/{id}/resend", operator::resend)
        .post(
            "/api/operator/invitations/{id}/withdraw",
            operator::withdraw,
        )
        .get("/api/operator/audit", operator::audit);
    // API clients, managed by an office's administrators and the relations team.
    r.get("/api/office/api-scopes", api_clients::office_scopes)
        .get("/api/office/api-clients", api_clients::office_list)
        .post("/api/office/api-clients", api_clients::office_create)
        .get("/api/office/api-clients/{id}", api_clients::office_get)
        .put("/api/office/api-clients/{id}", api_clients::office_update)
        .post(
            "/api/office/api-clients/{id}/revoke",
            api_clients::office_revoke,
        )
        .post(
            "/api/office/api-clients/{id}/keys",
            api_clients::office_add_key,
        )
        .delete(
            "/api/office/api-clients/{id}/keys/{key_id}",
            api_clients::office_remove_key,
        )
        .post(
            "/api/office/api-clients/{id}/secret",
            api_clients::office_secret,
        )
        .get("/api/operator/api-scopes", api_clients::operator_scopes)
        .get("/api/operator/api-clients", api_clients::operator_list)
        .post("/api/operator/api-clients", api_clients::operator_create)
        .get("/api/operator/api-clients/{id}", api_clients::operator_get)
        .put(
            "/api/operator/api-clients/{id}",
            api_clients::operator_update,
        )
        .post(
            "/api/operator/api-clients/{id}/revoke",
            api_clients::operator_revoke,
        )
        .post(
            "/api/operator/api-clients/{id}/keys",
            api_clients::operator_add_key,
        )
        .delete(
            "/api/operator/api-clients/{id}/keys/{key_id}",
            api_clients::operator_remove_key,
        )
        .post(
            "/api/operator/api-clients/{id}/secret",
            api_clients::operator_secret,
        );
    // Programs: OAuth 2.0 and rights checks.
    r.post("/oauth2/token", oauth::token)
        .post("/oauth2/introspect", oauth::introspect)
        .get("/.well-known/oauth-authorization-server", oauth::metadata)
        .get("/api/rights/check", oauth::check)
        .post("/api/rights/check", oauth::check_batch);
    if dev {
        r.get("/api/dev/outbox", outbox::dev_outbox);
    }
    r
}

/// Answer for any unknown path under `/api`: JSON, not the SPA's index.html.
pub async fn api_not_found() -> HttpResponse {
    HttpResponse::NotFound().json(ErrorBody {
        code: ErrorCode::NotFound,
        former_code: None,
        message: "No such API endpoint; see /api/docs.".into(),
        details: None,
    })
}

/// 405, with `Allow` naming the methods the path has.
pub fn method_not_allowed(allow: &str) -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((actix_web::http::header::ALLOW, allow.to_string()))
        .json(ErrorBody {
            code: ErrorCode::MethodNotAllowed,
            former_code: None,
            message: "This endpoint does not support that method; see /api/docs.".into(),
            details: None,
        })
}

/// Malformed JSON bodies, queries and paths get the same error shape as everything else.
pub fn extractor_config(cfg: &mut web::ServiceConfig) {
    fn invalid(message: String) -> actix_web::Error {
        crate::error::ApiError::invalid_request(message).into()
    }
    cfg.app_data(
        web::JsonConfig::default()
            .limit(64 * 1024)
            .error_handler(|err, _| invalid(format!("request body: {err}"))),
    )
    .app_data(web::QueryConfig::default().error_handler(|err, _| invalid(format!("query: {err}"))))
    .app_data(web::PathConfig::default().error_handler(|err, _| invalid(format!("path: {err}"))));
}
