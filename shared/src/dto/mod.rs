//! Request and response bodies of the API. Names follow `XxxRequest` / `XxxResponse`; request
//! bodies refuse unknown fields, and those carrying a password or code never print it.

mod access;
mod accounts;
mod audit;
mod clients;
#[cfg(feature = "openapi")]
pub mod doc;
mod eherkenning;
mod invitations;
mod offices;
mod passkeys;
mod service;
mod signin;

pub use access::*;
pub use accounts::*;
pub use audit::*;
pub use clients::*;
pub use eherkenning::*;
pub use invitations::*;
pub use offices::*;
pub use passkeys::*;
pub use service::*;
pub use signin::*;

/// `Debug` that names the type and hides every field: for bodies with passwords or codes.
macro_rules! redacted_debug {
    ($($t:ty),* $(,)?) => {
        $(impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($t), " { [REDACTED] }"))
            }
        })*
    };
}
pub(crate) use redacted_debug;
