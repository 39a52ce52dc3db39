//! One module per screen.

mod home;
mod not_found;
mod outbox;
mod status;

pub use home::Home;
pub use not_found::NotFound;
pub use outbox::Outbox;
pub use status::Status;
