//! Types that cross the wire between the Poort API and its clients (the SPA and integrators).
//!
//! Everything here compiles natively and to `wasm32-unknown-unknown`, so the SPA parses and
//! validates with exactly the rules the API applies. Nothing here does I/O.

pub mod dto;
pub mod error;
pub mod password;
pub mod validate;
mod wire;
pub mod words;

pub use error::{ErrorBody, ErrorCode};
