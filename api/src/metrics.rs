//! Prometheus metrics at `/metrics`: requests by route and status with latency histograms,
//! outbox depth, delivery outcomes and dead letters. One registry per [`crate::startup::Application`],
//! so several instances in one test process do not mix their counts.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, web};
use prometheus::{
    HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// The pattern of the route a request was routed to, as resource data (set by the routes'
/// registrar): requests are labelled by it without matching the path against every route again.
#[derive(Debug, Clone, Copy)]
pub struct RoutePattern(pub &'static str);

pub struct Metrics {
    registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    /// Requests received and not yet answered (what a graceful shutdown waits for).
    pub http_in_flight: IntGauge,
    pub outbox_delivered: IntCounterVec,
    pub outbox_failures: IntCounterVec,
    pub outbox_dead_letters: IntCounterVec,
    pub outbox_pending: IntGauge,
    pub outbox_dead: IntGauge,
    pub session_lookups: IntCounter,
    pub session_lookup_queries: IntCounter,
    /// Held while the lookup counters catch up, so two scrapes at once don't both add.
    catching_up: std::sync::Mutex<()>,
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new(
                "poort_http_requests_total",
                "HTTP requests by method, route and status",
            ),
            &["method", "route", "status"],
        )?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "poort_http_request_duration_seconds",
                "HTTP request latency by method and route",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route"],
        )?;
        let http_in_flight = IntGauge::new(
            "poort_http_requests_in_flight",
            "HTTP requests received and not yet answered",
        )?;
        let outbox_delivered = IntCounterVec::new(
            Opts::new(
                "poort_outbox_delivered_total",
                "Messages handed to SMTP or the SMS gateway",
            ),
            &["channel"],
        )?;
        let outbox_failures = IntCounterVec::new(
            Opts::new("poort_outbox_failures_total", "Failed delivery attempts"),
            &["channel"],
        )?;
        let outbox_dead_letters = IntCounterVec::new(
            Opts::new(
                "poort_outbox_dead_letters_total",
                "Messages given up on by this process",
            ),
            &["channel"],
        )?;
        let outbox_pending =
            IntGauge::new("poort_outbox_pending", "Messages waiting for delivery")?;
        let outbox_dead = IntGauge::new("poort_outbox_dead", "Dead letters in the outbox")?;
        let session_lookups = IntCounter::new(
            "poort_session_lookups_total",
            "Session lookups of signed-in requests answered by shared queries (PostgreSQL)",
        )?;
        let session_lookup_queries = IntCounter::new(
            "poort_session_lookup_queries_total",
            "Queries that answered them (lookups per query = how much they were shared)",
        )?;
        registry.register(Box::new(session_lookups.clone()))?;
        registry.register(Box::new(session_lookup_queries.clone()))?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_duration.clone()))?;
        registry.register(Box::new(http_in_flight.clone()))?;
        registry.register(Box::new(outbox_delivered.clone()))?;
        registry.register(Box::new(outbox_failures.clone()))?;
        registry.register(Box::new(outbox_dead_letters.clone()))?;
        registry.register(Box::new(outbox_pending.clone()))?;
        registry.register(Box::new(outbox_dead.clone()))?;
        Ok(Self {
            registry,
            http_requests,
            http_duration,
            http_in_flight,
            outbox_delivered,
            outbox_failures,
            outbox_dead_letters,
            outbox_pending,
            outbox_dead,
            session_lookups,
            session_lookup_queries,
            catching_up: std::sync::Mutex::default(),
        })
    }

    /// Brings the session lookup counters up to the store's totals.
    pub fn session_lookups_are(&self, lookups: u64, queries: u64) {
        let _one_at_a_time = self
            .catching_up
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.session_lookups
            .inc_by(lookups.saturating_sub(self.session_lookups.get()));
        self.session_lookup_queries
            .inc_by(queries.saturating_sub(self.session_lookup_queries.get()));
    }

    pub fn render(&self) -> Result<String, prometheus::Error> {
        TextEncoder::new().encode_to_string(&self.registry.gather())
    }
}

/// One request counted in `poort_http_requests_in_flight` until it is answered or dropped.
struct InFlight(IntGauge);

impl InFlight {
    fn new(gauge: &IntGauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Counts and times every request, and returns the request id as `x-request-id` so a user's
/// report can be matched to the log lines.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let _in_flight = metrics.as_ref().map(|m| InFlight::new(&m.http_in_flight));
    let mut response = next.call(req).await?;
    let path = response.request().path();
    // Routes are labelled by pattern, never by raw path, to keep the label set small. API
    // routes carry their pattern; the rest are matched again (only /metrics and unknown paths).
    let known = response.request().app_data::<RoutePattern>().map(|p| p.0);
    let route = if let Some(pattern) = known {
        pattern.to_owned()
    } else if path.starts_with("/api") || path.starts_with("/.well-known") || path == "/metrics" {
        response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into())
    } else {
        "spa".into()
    };
    if let Some(metrics) = metrics {
        let status = response.status().as_u16().to_string();
        metrics
            .http_requests
            .with_label_values(&[method.as_str(), route.as_str(), status.as_str()])
            .inc();
        metrics
            .http_duration
            .with_label_values(&[method.as_str(), route.as_str()])
            .observe(start.elapsed().as_secs_f64());
    }
    let request_id = response
        .request()
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string());
    if let Some(id) = request_id
        && let Ok(value) = HeaderValue::from_str(&id)
    {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}
