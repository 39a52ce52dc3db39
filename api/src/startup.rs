//! Building the application from settings: open the database (migrating it), start the
//! outbox worker, bind the listener and assemble the HTTP app. `main` and the tests both go
//! through [`Application::build`], so tests run exactly what production runs.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context as _;
use tokio::task::JoinHandle;
use tracing_actix_web::TracingLogger;
use utoipa_swagger_ui::SwaggerUi;

use crate::clock::{Clock, SystemClock};
use crate::configuration::{Mode, Settings};
use crate::delivery::{Transports, Worker};
use crate::state::AppState;
use crate::{openapi, routes, spa};

pub struct Application {
    port: u16,
    server: Server,
    worker: JoinHandle<()>,
    stopping: Arc<std::sync::atomic::AtomicBool>,
    grace: std::time::Duration,
    sweeper: JoinHandle<()>,
    reviews: JoinHandle<()>,
    state: web::Data<AppState>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        crate::state::install_crypto_provider();
        settings.validate()?;
        let transports = Transports::from_settings(&settings)?;
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .with_context(|| {
                format!(
                    "cannot listen on {}:{} (server.host, server.port)",
                    settings.server.host, settings.server.port
                )
            })?;
        let port = listener.local_addr()?.port();
        let public_url = settings.public_url(port);
        let state = web::Data::new(AppState::new(settings, clock, public_url).await?);
        crate::services::upgrade::run(&state)
            .await
            .context("cannot upgrade what an earlier version stored")?;
        let settings = state.settings.clone();

        let stopping = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let worker = Worker {
            store: state.store.clone(),
            transports,
            settings: settings.delivery.clone(),
            clock: state.clock.clone(),
            metrics: state.metrics.clone(),
            wake: state.outbox_wake.clone(),
            erase_delivered: settings.mode == Mode::Production,
            stopping: stopping.clone(),
        };
        let worker = tokio::spawn(worker.run());
        let sweeper = tokio::spawn(
            crate::retention::Sweeper {
                store: state.store.clone(),
                retention: settings.retention.clone(),
                delivery: settings.delivery.clone(),
                clock: state.clock.clone(),
            }
            .run(),
        );
        // Access reviews' reminders and deadlines, on the clean-up's timer.
        let reviews = tokio::spawn(crate::services::reviews::run(
            state.clone(),
            std::time::Duration::from_secs(settings.retention.sweep_interval_minutes.max(1) * 60),
        ));

        if !settings.server.static_dir.join("index.html").is_file() {
            tracing::warn!(
                static_dir = %settings.server.static_dir.display(),
                "the SPA is not built; `cargo xtask run` builds it"
            );
        }
        let server_state = state.clone();
        let dev = settings.mode == Mode::Dev;
        let mode = settings.mode;
        // Dev mode at a loopback name: pages asked for at another one are sent to it.
        let canonical = settings
            .server
            .public_url
            .as_deref()
            .filter(|_| dev)
            .and_then(spa::loopback_authority);
        // Read once here: every worker serves the same copy.
        let spa_assets = spa::load(
            &settings.server.static_dir,
            canonical,
            &settings.branding.insurer_name,
        );
        // One copy for every worker (a document per worker cost each one megabytes, and each
        // request serialized it again).
        let openapi_json = web::Bytes::from(openapi::served_json(mode));
        let mut server = HttpServer::new(move || {
            let openapi_json = openapi_json.clone();
            let spa_assets = spa_assets.clone();
            App::new()
                .app_data(server_state.clone())
                .app_data(web::Data::from(server_state.metrics.clone()))
                .configure(routes::extractor_config)
                .configure(|cfg| routes::api(dev).configure(cfg))
                .route(
                    "/api/openapi.json",
                    web::get().to(move || {
                        let body = openapi_json.clone();
                        async move {
                            HttpResponse::Ok()
                                .content_type("application/json")
                                .body(body)
                        }
                    }),
                )
                .service(
                    SwaggerUi::new("/api/docs/{_:.*}")
                        .config(utoipa_swagger_ui::Config::from("/api/openapi.json")),
                )
                .route(
                    "/api/docs",
                    web::get().to(|| async {
                        HttpResponse::PermanentRedirect()
                            .insert_header(("Location", "/api/docs/"))
                            .finish()
                    }),
                )
                .route("/metrics", web::get().to(metrics_endpoint))
                .service(web::scope("/api").default_service(web::to(routes::api_not_found)))
                .configure(move |cfg| spa::configure(cfg, spa_assets))
                .wrap(from_fn(crate::input::refuse_nul))
                .wrap(Compress::default())
                .wrap(
                    DefaultHeaders::new()
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("Referrer-Policy", "no-referrer"))
                        .add(("X-Frame-Options", "DENY")),
                )
                .wrap(from_fn(crate::headers::security_headers))
                .wrap(from_fn(crate::metrics::track))
                .wrap(TracingLogger::<crate::telemetry::PoortRootSpan>::new())
        })
        .listen(listener)?;
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        // On SIGTERM/SIGINT: stop accepting, let requests under way finish for this long.
        server = server.shutdown_timeout(settings.server.shutdown_grace_seconds);
        let server = server.run();
        Ok(Self {
            port,
            server,
            worker,
            stopping,
            grace: std::time::Duration::from_secs(settings.server.shutdown_grace_seconds),
            sweeper,
            reviews,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until the server stops (SIGINT/SIGTERM: requests under way finish, within
    /// `server.shutdown_grace_seconds`), then stops the outbox worker: it finishes the message
    /// it is sending and hands the rest of its batch back (another instance, or the next
    /// start, sends them at once instead of after their lease). A worker still busy after the
    /// grace period is stopped; its message is retried after its lease.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.sweeper.abort();
        self.reviews.abort();
        self.stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.state.outbox_wake.notify_one();
        let mut worker = self.worker;
        if tokio::time::timeout(self.grace, &mut worker).await.is_err() {
            tracing::warn!("outbox: the worker did not stop within the grace period; stopped");
            worker.abort();
        }
        tracing::info!("stopped");
        result
    }
}

/// Whether a request may read `/metrics`: anyone in dev mode; in production only with the
/// configured bearer token (none configured: nobody).
fn may_read_metrics(state: &AppState, req: &actix_web::HttpRequest) -> bool {
    use secrecy::ExposeSecret as _;
    if state.settings.mode == Mode::Dev {
        return true;
    }
    let Some(token) = &state.settings.metrics.bearer_token else {
        return false;
    };
    let given = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compared as digests: the time taken says nothing about the token.
    use sha2::{Digest as _, Sha256};
    Sha256::digest(given.as_bytes()) == Sha256::digest(token.expose_secret().as_bytes())
}

async fn metrics_endpoint(state: web::Data<AppState>, req: actix_web::HttpRequest) -> HttpResponse {
    if !may_read_metrics(&state, &req) {
        return match state.settings.metrics.bearer_token {
            Some(_) => HttpResponse::Unauthorized()
                .insert_header(("WWW-Authenticate", "Bearer"))
                .finish(),
            None => HttpResponse::NotFound().finish(),
        };
    }
    // Depth gauges come from the database, so every instance reports the shared truth.
    match state.store.outbox_stats().await {
        Ok(stats) => {
            state.metrics.outbox_pending.set(stats.pending);
            state.metrics.outbox_dead.set(stats.dead);
        }
        Err(error) => tracing::warn!(error = %error, "metrics: cannot read outbox depth"),
    }
    if let Some((lookups, queries)) = state.store.session_lookup_counts() {
        state.metrics.session_lookups_are(lookups, queries);
    }
    match state.metrics.render() {
        Ok(text) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(text),
        Err(error) => {
            tracing::error!(error = %error, "metrics: cannot render");
            HttpResponse::InternalServerError().finish()
        }
    }
}
