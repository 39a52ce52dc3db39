//! How errors become HTTP answers: a status and `{ "code": …, "message": … }` with a stable
//! code from [`poort_shared::ErrorCode`]. Unexpected errors are logged with their whole chain
//! and answered with a generic message; details never reach the client.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use poort_shared::{ErrorBody, ErrorCode};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The client can fix this; the message says how (in English, for developers).
    #[error("{message}")]
    Client {
        status: StatusCode,
        code: ErrorCode,
        message: String,
    },
    /// The database did not answer in time.
    #[error("the database is unavailable")]
    Unavailable(#[source] StoreError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ApiError {
    pub fn client(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::Client {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::client(StatusCode::NOT_FOUND, ErrorCode::NotFound, message)
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::client(StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, message)
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Client { code, .. } => *code,
            ApiError::Unavailable(_) => ErrorCode::Unavailable,
            ApiError::Unexpected(_) => ErrorCode::Internal,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match &error {
            StoreError::Database(sqlx::Error::PoolTimedOut | sqlx::Error::Io(_)) => {
                ApiError::Unavailable(error)
            }
            _ => ApiError::Unexpected(anyhow::Error::new(error)),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Client { status, .. } => *status,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            ApiError::Client { message, .. } => message.clone(),
            ApiError::Unavailable(error) => {
                tracing::error!(error = %error, "database unavailable");
                "The database is unavailable; try again shortly.".into()
            }
            ApiError::Unexpected(error) => {
                tracing::error!(error = ?error, "unexpected error");
                "Something went wrong on our side; the request id identifies it in the logs.".into()
            }
        };
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, ApiError::Unavailable(_)) {
            response.insert_header(("Retry-After", "5"));
        }
        response.json(ErrorBody {
            code: self.code(),
            message,
        })
    }
}
