//! The use cases: what an operator, an office user administrator, an invitee or a signed-in
//! person does, each as one function that loads what it needs, asks the rules in
//! [`crate::domain`], writes the outcome in one transaction (with the messages and audit events
//! it causes) and returns what the API answers. Handlers in `routes/` only parse, authorize and
//! call these.
//!
//! | module | use cases |
//! |---|---|
//! | [`signin`] | the sign-in steps |
//! | [`setup`] | accepting an invitation: the set-up steps |
//! | [`recovery`] | forgot password, forgot e-mail address |
//! | [`my_account`] | *Mijn account*: profile, re-authentication, mobile number, password, authenticator, sessions |
//! | [`passkeys`] | *Mijn account*'s passkeys; signing in with a passkey alone |
//! | [`context`] | the portfolio context and the signed token for other applications |
//! | [`invitations`] | inviting, re-sending, withdrawing, bootstrapping the first operator |
//! | [`links`] | opening an invitation link; renewing an expired one |
//! | [`access_requests`] | advisers ask their office's administrators for rights; granting, declining, withdrawing |
//! | [`moves`] | an adviser who changes office: the relations team's move, offices asking for one |
//! | [`reviews`] | periodic access reviews: confirming rights, completion, reminders, deactivation when overdue |
//! | [`accounts`] | managing accounts: lists, rights, (de)activation, the administrator role, deletion, reset |
//! | [`offices`] | offices, portfolios, the rights catalogue |
//! | [`audit`] | reading the audit trail |
//! | [`overview`] | the relations team's numbers and the undelivered messages |
//! | [`api_clients`] | integrators' API clients: settings, keys, secrets, revocation |
//! | [`oauth`] | the token endpoint, introspection and rights checks for programs |
//! | [`codes`], [`lockout`], [`passwords`], [`sessions`] | what several of the above share: one-time codes, blocking, new passwords, starting a session |
//! | [`demo`] | demo data for development and the benchmark |
//! | [`upgrade`] | bringing what an earlier version stored up to date, once at start-up |

pub mod access_requests;
pub mod accounts;
pub mod api_clients;
pub mod audit;
pub mod codes;
pub mod context;
pub mod demo;
pub mod eherkenning;
pub mod invitations;
pub mod links;
pub mod lockout;
pub mod moves;
pub mod my_account;
pub mod oauth;
pub mod offices;
pub mod overview;
pub mod passkeys;
pub mod passwords;
pub mod recovery;
pub mod reviews;
pub mod scale;
pub mod sessions;
pub mod setup;
pub mod signin;
pub mod upgrade;

/// Answers that must not tell a stranger whether an address or number is known (a wrong
/// password, forgot password, forgot e-mail address) are given no sooner than this after the
/// request came in, so the extra work a known one causes does not show in the time taken.
pub(crate) const EQUAL_ANSWER_TIME: std::time::Duration = std::time::Duration::from_millis(200);

/// Waits until [`EQUAL_ANSWER_TIME`] has passed since `started`.
pub(crate) async fn no_sooner_than_equal_time(started: tokio::time::Instant) {
    tokio::time::sleep_until(started + EQUAL_ANSWER_TIME).await;
}
