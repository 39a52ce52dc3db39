//! Logs through `tracing`: readable lines in dev mode, JSON lines in production. Every line
//! written while handling a request carries its request id (the span of tracing-actix-web).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::configuration::{LogFormat, LogSettings, Mode};

/// Installs the global subscriber once; later calls (tests) are ignored.
pub fn init(settings: &LogSettings, mode: Mode) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let json = match settings.format {
        LogFormat::Auto => mode == Mode::Production,
        LogFormat::Json => true,
        LogFormat::Pretty => false,
    };
    // Closing a request's span writes one access-log line: route, status, latency, request id.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(std::io::stderr);
    // A second init (several apps in one test process) is not an error worth reporting.
    let _ = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.compact().with_target(false).try_init()
    };
}
