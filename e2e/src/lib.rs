//! The harness of Poort's black-box tests: fresh databases (SQLite files and PostgreSQL
//! databases), the real `poort` binary on a free port, a real SMTP server (aiosmtpd), a
//! stand-in for the SMS provider's HTTP API, and headless Chromium through chromedriver.
//!
//! Nothing here replaces a part of Poort: the binary under test is the one that ships.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod broker;
pub mod browser;
pub mod contact_sheet;
pub mod db;
pub mod haproxy;
pub mod proxy;
pub mod server;
pub mod sms;
pub mod smtp;
pub mod totp;

use std::net::TcpListener;

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port on 127.0.0.1")
}

/// Waits until `check` returns `Some`, polling every 100 ms, for at most `seconds`.
pub async fn eventually<T, F, Fut>(seconds: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {seconds} s waiting for: {what}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
