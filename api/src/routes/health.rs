//! Liveness (`/api/health`: the process answers) and readiness (`/api/ready`: the database
//! answers too). A load balancer sends traffic only to instances that are ready.

use actix_web::web;
use poort_shared::dto::{HealthResponse, ReadyResponse, RunMode};

use crate::error::ApiError;
use crate::state::AppState;

/// Liveness: answers as long as the process runs; never touches the database.
#[utoipa::path(
    get,
    path = "/api/health",
    tag = "service",
    responses((status = 200, description = "The process is up", body = HealthResponse))
)]
pub async fn health(state: web::Data<AppState>) -> web::Json<HealthResponse> {
    web::Json(HealthResponse {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        mode: state.run_mode(),
    })
}

/// Readiness: the database answers; also reports how many messages wait in the outbox.
#[utoipa::path(
    get,
    path = "/api/ready",
    tag = "service",
    responses(
        (status = 200, description = "Ready to serve", body = ReadyResponse),
        (status = 503, description = "The database does not answer (code `unavailable`)", body = poort_shared::ErrorBody),
    )
)]
pub async fn ready(state: web::Data<AppState>) -> Result<web::Json<ReadyResponse>, ApiError> {
    let check = async {
        state.store.ping().await?;
        state.store.outbox_stats().await
    };
    let stats = tokio::time::timeout(std::time::Duration::from_secs(3), check)
        .await
        .map_err(|_| {
            ApiError::Unavailable(crate::store::StoreError::Database(
                sqlx::Error::PoolTimedOut,
            ))
        })?
        .map_err(ApiError::Unavailable)?;
    Ok(web::Json(ReadyResponse {
        status: "ready".into(),
        database: state.store.kind().as_str().into(),
        outbox_pending: stats.pending,
    }))
}

impl AppState {
    pub fn run_mode(&self) -> RunMode {
        match self.settings.mode {
            crate::configuration::Mode::Dev => RunMode::Dev,
            crate::configuration::Mode::Production => RunMode::Production,
        }
    }
}
