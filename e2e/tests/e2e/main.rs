//! Black-box tests of the `poort` binary: over HTTP on SQLite and PostgreSQL, delivery through
//! a real SMTP server and an SMS gateway stand-in, and the SPA in headless Chromium.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod config;
mod delivery;
mod eherkenning;
mod faults;
mod fuzz;
mod http;
mod instances;
mod integrators;
mod journeys;
mod keyboard;
mod layout;
mod passkeys;
mod security;
mod staff_at_scale;
mod support;
