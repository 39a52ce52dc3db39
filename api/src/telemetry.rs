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

/// The span of each request: like tracing-actix-web's default, but secrets in paths (the
/// token of an invitation link) never reach the log.
pub struct PoortRootSpan;

impl tracing_actix_web::RootSpanBuilder for PoortRootSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        use actix_web::HttpMessage as _;
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let user_agent = request
            .headers()
            .get("User-Agent")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
            .to_string();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %redact_path(request.path()),
            http.client_ip = %crate::auth::principal::client_ip(request.request()).unwrap_or_default(),
            http.user_agent = %user_agent,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// Every path that carries a token, with the token replaced: the invitation link
/// (`/api/invitations/<token>/…`, `/uitnodiging/<token>`) and the password-reset link
/// (`/api/password-reset/<token>/…`, `/wachtwoord-herstellen/<token>`).
pub fn redact_path(path: &str) -> String {
    let mut parts: Vec<&str> = path.split('/').collect();
    for i in 1..parts.len() {
        if matches!(
            parts[i - 1],
            "invitations" | "uitnodiging" | "password-reset" | "wachtwoord-herstellen"
        ) && parts[i].len() >= 40
        {
            parts[i] = "[token]";
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::redact_path;

    #[test]
    fn link_tokens_are_redacted_from_logged_paths() {
        let token = "a".repeat(43);
        assert_eq!(
            redact_path(&format!("/api/invitations/{token}/mobile")),
            "/api/invitations/[token]/mobile"
        );
        assert_eq!(
            redact_path(&format!("/uitnodiging/{token}")),
            "/uitnodiging/[token]"
        );
        let id = "/api/office/invitations/0195f1e2-0000-7000-8000-000000000000/resend";
        assert_eq!(redact_path(id), id, "ids are not secrets");
        assert_eq!(redact_path("/api/health"), "/api/health");
    }
}
