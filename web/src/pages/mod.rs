//! One module per screen.

mod access_requests;
pub mod api_clients;
mod eherkenning;
mod invitation;
mod moves;
mod my_account;
mod not_found;
pub mod office_admin;
mod operator;
mod outbox;
mod recovery;
mod reviews;
mod sign_in;
mod start;
mod status;

pub use api_clients::{OfficeApiClients, OperatorApiClients};
pub use eherkenning::{EherkenningRefused, EherkenningSection, EherkenningSignIn};
pub use invitation::AcceptInvitation;
pub use my_account::MyAccount;
pub use not_found::NotFound;
pub use office_admin::OfficeAdmin;
pub use operator::{Operator, OperatorNewOffice, OperatorOffice};
pub use outbox::Outbox;
pub use recovery::{ForgotEmail, ForgotPassword, ResetPassword};
pub use sign_in::SignIn;
pub use start::Start;
pub use status::Status;
