//! Every HTTP call of the SPA. Pages call these functions and never build URLs themselves;
//! each returns `Result<T, ApiError>` with the API's stable error code when there is one.

use gloo_net::http::{Request, Response};
use poort_shared::dto::{HealthResponse, OutboxListResponse, PublicConfigResponse, ReadyResponse};
use poort_shared::{ErrorBody, ErrorCode};
use serde::de::DeserializeOwned;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The API answered with an error body.
    Api {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    /// No answer at all (offline, server down).
    Network(String),
    /// An answer we could not read.
    UnexpectedAnswer(String),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Api {
                status,
                code,
                message,
            } => write!(f, "{status} {code}: {message}"),
            ApiError::Network(e) => write!(f, "network: {e}"),
            ApiError::UnexpectedAnswer(e) => write!(f, "unexpected answer: {e}"),
        }
    }
}

impl std::error::Error for ApiError {}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let status = response.status();
    if response.ok() {
        return response
            .json::<T>()
            .await
            .map_err(|e| ApiError::UnexpectedAnswer(e.to_string()));
    }
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(ApiError::Api {
            status,
            code: body.code,
            message: body.message,
        }),
        Err(_) => Err(ApiError::UnexpectedAnswer(format!("HTTP {status}"))),
    }
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = Request::get(path)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    read(response).await
}

pub async fn health() -> Result<HealthResponse, ApiError> {
    get("/api/health").await
}

pub async fn ready() -> Result<ReadyResponse, ApiError> {
    get("/api/ready").await
}

pub async fn public_config() -> Result<PublicConfigResponse, ApiError> {
    get("/api/config").await
}

pub async fn dev_outbox() -> Result<OutboxListResponse, ApiError> {
    get("/api/dev/outbox?limit=200").await
}
