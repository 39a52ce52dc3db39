//! Poort's rules, as types and plain functions: no database, no HTTP, no clock of their own
//! (time is passed in). A service loads what a rule needs, asks the rule, and stores what it
//! decided; each rule is unit-tested in its file, without a database (`cargo test -p poort-api
//! --lib domain`).
//!
//! | module | the rules |
//! |---|---|
//! | [`lockout`] | wrong passwords in a row and wrong codes: when they block an account, void a sign-in or spend a link; what ends a run |
//! | [`password`] | password age and expiry; which earlier passwords may not come back |
//! | [`session`] | idle and absolute expiry, when activity is written, re-authentication for sensitive changes |
//! | [`invitation`] | invitation links (validity, renewal budget) and the set-up step machine |
//! | [`sign_in`] | the sign-in step machine: who may sign in, which step comes next |
//! | [`account`] | an account's factors, and what its status allows (deactivate, reactivate, reset, invite again) |
//! | [`office`] | offices, portfolios and rights; whose data a request may touch; the last-administrator rule |
//! | [`code`] | one-time codes: purposes, expiry, tries and the wait before another is sent |
//! | [`limits`] | every rate limit by name: its key, maximum and window |
//! | [`listing`] | lists: page sizes and how far each list may be paged; what a period holds |
//! | [`eherkenning`] | eHerkenning: the identity a broker reports (company, person, level), a link's key, who may link or sign in with it |
//! | [`passkey`] | passkeys: challenges (single-use, bound, 5 minutes), names, how many, the last second factor, who signs in with one |
//! | [`access_review`] | periodic access reviews: periods, due dates, reminders, what is settled, deactivation after the grace period |
//! | [`access_request`] | access requests: what an adviser may ask, one open at a time, expiry, granting adds and revokes nothing |
//! | [`move_request`] | an office asks the relations team to move a person in from another office; declining |
//! | [`api_client`] | integrators' clients: scopes an owner may give, status, token scopes, client assertions, keys, portfolios, idempotent retries |
//!
//! Records here are what the store reads and writes ([`crate::store`]); they hold parsed values
//! (`Email`, `MobileNumber`, `KvkNumber`, `AgencyNumber`), never text to parse again.

pub mod access_request;
pub mod access_review;
pub mod account;
pub mod api_client;
pub mod code;
pub mod eherkenning;
pub mod invitation;
pub mod limits;
pub mod listing;
pub mod lockout;
pub mod move_request;
pub mod office;
pub mod passkey;
pub mod password;
pub mod session;
pub mod sign_in;

pub use account::Account;
pub use api_client::{ApiClient, ApiClientKey};
pub use code::{CodePurpose, VerificationCode};
pub use invitation::{Invitation, InvitationEvent, InvitationLink, InvitationState, Setup};
pub use limits::Limit;
pub use office::{AccountRight, Office, OfficeSummary, Portfolio, Right, Scope};
pub use session::Session;
pub use sign_in::{PasswordReset, SignInAttempt, SignInStage};
