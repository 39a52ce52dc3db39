//! The API crate's one integration-test binary: the store contract on SQLite and PostgreSQL,
//! the OpenAPI document's freshness and coverage, and in-process HTTP tests (`spawn_app`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access_requests;
mod architecture;
mod client_store_contract;
mod contract;
mod eherkenning;
mod hardening;
mod helpers;
mod integrator_access;
mod integrators;
mod invitations;
mod moves;
mod openapi;
mod overview;
mod passkeys;
mod retention;
mod reviews;
mod robustness;
mod scale;
mod scoping;
mod service;
mod signin;
mod store_contract;
mod validation;
