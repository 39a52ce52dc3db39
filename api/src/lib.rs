//! Poort's API service: configuration, storage, delivery of e-mail and SMS, and the HTTP API
//! that also serves the SPA. `main.rs` only parses the command line and wires these together.

pub mod auth;
pub mod backup;
pub mod clock;
pub mod configuration;
pub mod delivery;
pub mod domain;
pub mod error;
pub mod headers;
pub mod idempotency;
pub mod input;
pub mod messages;
pub mod metrics;
pub mod openapi;
pub mod retention;
pub mod routes;
pub mod services;
pub mod spa;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
