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
//! | [`context`] | the portfolio context and the signed token for other applications |
//! | [`invitations`] | inviting, re-sending, withdrawing, bootstrapping the first operator |
//! | [`links`] | opening an invitation link; renewing an expired one |
//! | [`accounts`] | managing accounts: lists, rights, (de)activation, the administrator role, deletion, reset |
//! | [`offices`] | offices, portfolios, the rights catalogue |
//! | [`audit`] | reading the audit trail |
//! | [`codes`], [`passwords`], [`sessions`] | what several of the above share: one-time codes, new passwords, starting a session |
//! | [`demo`] | demo data for development and the benchmark |

pub mod accounts;
pub mod audit;
pub mod codes;
pub mod context;
pub mod demo;
pub mod invitations;
pub mod links;
pub mod my_account;
pub mod offices;
pub mod passwords;
pub mod recovery;
pub mod sessions;
pub mod setup;
pub mod signin;
