//! Stable error codes. The `code` of an error body is public API: clients (the SPA, integrators)
//! switch on it, and the SPA turns it into a Dutch or English sentence (its match is
//! exhaustive, so a new code without a sentence does not compile). Add codes; never rename.

use serde::{Deserialize, Serialize};

/// Every error the API answers with has this body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable, machine-readable code.
    pub code: ErrorCode,
    /// Human-readable explanation in English, for logs and developers; not for end users.
    pub message: String,
}

/// The stable error codes of the Poort API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body or query could not be read (malformed JSON, wrong types, unknown fields).
    InvalidRequest,
    /// No such resource, or the caller may not know it exists.
    NotFound,
    /// The HTTP method is not supported on this path.
    MethodNotAllowed,
    /// The database is not reachable; try again later.
    Unavailable,
    /// Too many requests from this client, address or number; see `Retry-After`.
    RateLimited,
    /// The service is busy; see `Retry-After`.
    Overloaded,
    /// Something went wrong on our side; the request id in the logs tells what.
    Internal,
}

impl ErrorCode {
    /// Every code, for exhaustive tests (e.g. that the SPA has a sentence for each).
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::InvalidRequest,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Unavailable,
        ErrorCode::RateLimited,
        ErrorCode::Overloaded,
        ErrorCode::Internal,
    ];

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Overloaded => "overloaded",
            ErrorCode::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_serialises_to_its_wire_name() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: ErrorCode = serde_json::from_str(&json).unwrap();
            assert_eq!(back, *code);
        }
    }
}
