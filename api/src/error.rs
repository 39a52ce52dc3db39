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
    /// Too many requests; try again after the given number of seconds.
    #[error("rate limited")]
    RateLimited { retry_after_seconds: i64 },
    /// The service is too busy right now (password hashing queue full).
    #[error("overloaded")]
    Overloaded,
    /// A client error with facts for the client (e.g. `no_access` with the administrators).
    #[error("{code}")]
    WithDetails {
        code: ErrorCode,
        details: serde_json::Value,
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

    /// An error with the status its code implies and the code's standard explanation.
    pub fn from_code(code: ErrorCode) -> Self {
        Self::client(status_of(code), code, code.describe())
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Client { code, .. } => *code,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::Overloaded => ErrorCode::Overloaded,
            ApiError::WithDetails { code, .. } => *code,
            ApiError::Unavailable(_) => ErrorCode::Unavailable,
            ApiError::Unexpected(_) => ErrorCode::Internal,
        }
    }
}

impl From<crate::auth::password::HashError> for ApiError {
    fn from(error: crate::auth::password::HashError) -> Self {
        match error {
            crate::auth::password::HashError::Overloaded(_) => ApiError::Overloaded,
            crate::auth::password::HashError::Failed(e) => ApiError::Unexpected(e),
        }
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        ApiError::from_code(code)
    }
}

/// The HTTP status that goes with each code.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode::*;
    match code {
        InvalidRequest
        | InvalidEmail
        | InvalidMobile
        | InvalidKvkNumber
        | InvalidAgencyNumber
        | InvalidName
        | CodeMalformed
        | UnknownRight
        | UnknownPortfolio
        | PasswordTooShort
        | PasswordTooLong
        | PasswordTooCommon
        | PasswordContainsPersonalData
        | CodeIncorrect
        | CodeExpired
        | CodeAttemptsExceeded
        | CodeNotRequested
        | WrongPassword => StatusCode::BAD_REQUEST,
        InvalidCredentials | PasswordReused | NoMobileNumber | ResetNotVerified
        | ScopeNotAllowed | ApiClientKeyInvalid => StatusCode::BAD_REQUEST,
        PasskeyInvalid | PasskeyChallengeInvalid | NothingRequested | InvalidNote => {
            StatusCode::BAD_REQUEST
        }
        Unauthenticated
        | SetupTokenInvalid
        | SignInExpired
        | SignInAttemptVoid
        | ReauthenticationRequired
        | InvalidToken => StatusCode::UNAUTHORIZED,
        Forbidden | OriginMismatch | CannotTargetSelf | AccountBlocked | AccountDeactivated
        | TwoFactorNotSetUp | SetUpNotFinished | NoAccess | RecoveryClosed | InsufficientScope => {
            StatusCode::FORBIDDEN
        }
        CodeAlreadyUsed => StatusCode::BAD_REQUEST,
        NoActivePortfolio => StatusCode::CONFLICT,
        ResetLinkInvalid => StatusCode::GONE,
        NotFound | InvitationNotFound | EherkenningUnavailable | PasskeysUnavailable => {
            StatusCode::NOT_FOUND
        }
        MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        KvkNumberTaken
        | AgencyNumberTaken
        | EmailTaken
        | StepOutOfOrder
        | LastAdministrator
        | NotInvited
        | AccountNotActive
        | AlreadyExists
        | ApiClientKeyLimit
        | ApiClientRevoked
        | KidTaken
        | IdempotencyKeyInUse
        | EherkenningAlreadyLinked
        | PasskeyTaken
        | PasskeyLimit
        | LastSecondFactor
        | AccessRequestOpen
        | RequestClosed
        | SameOffice => StatusCode::CONFLICT,
        IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
        EherkenningUnreachable => StatusCode::SERVICE_UNAVAILABLE,
        InvitationRenewed
        | InvitationRenewalLimit
        | InvitationExpired
        | InvitationSuperseded
        | InvitationUsed
        | InvitationWithdrawn => StatusCode::GONE,
        RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Overloaded | Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The refusal of text with a NUL character (U+0000), which no database here can keep
/// alike (`input::refuse_nul`).
pub const NUL_REFUSED: &str = "text may not contain the NUL character (U+0000)";

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match &error {
            _ if error.unavailable().is_some() => ApiError::Unavailable(error),
            // Text PostgreSQL cannot store (a NUL, or a character the encoding lacks): the
            // request's fault. `input::refuse_nul` stops NULs before they get here.
            StoreError::Database(sqlx::Error::Database(db))
                if matches!(db.code().as_deref(), Some("22021" | "22P05")) =>
            {
                ApiError::invalid_request(NUL_REFUSED)
            }
            _ => ApiError::Unexpected(anyhow::Error::new(error)),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Client { status, .. } => *status,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::WithDetails { code, .. } => status_of(*code),
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            ApiError::Client { message, .. } => message.clone(),
            ApiError::RateLimited { .. } => ErrorCode::RateLimited.describe().into(),
            ApiError::Overloaded => ErrorCode::Overloaded.describe().into(),
            ApiError::WithDetails { code, .. } => code.describe().into(),
            ApiError::Unavailable(error) => {
                tracing::error!(error = %error, "database unavailable");
                match error.unavailable() {
                    Some(crate::store::Unavailable::Full) => {
                        "The database's disk is full: nothing was changed. Try again shortly."
                            .into()
                    }
                    _ => "The database is unavailable: nothing was changed. Try again shortly."
                        .into(),
                }
            }
            ApiError::Unexpected(error) => {
                tracing::error!(error = ?error, "unexpected error");
                "Something went wrong on our side; the request id identifies it in the logs.".into()
            }
        };
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::Unavailable(_) => {
                response.insert_header(("Retry-After", "5"));
            }
            ApiError::RateLimited {
                retry_after_seconds,
            } => {
                response.insert_header(("Retry-After", retry_after_seconds.max(&1).to_string()));
            }
            ApiError::Overloaded => {
                response.insert_header(("Retry-After", "1"));
            }
            _ => {}
        }
        // RFC 6750 §3: a bearer token's refusals say why in `WWW-Authenticate`.
        match (self.code(), self) {
            (ErrorCode::InvalidToken, _) => {
                response.insert_header((
                    "WWW-Authenticate",
                    "Bearer realm=\"poort\", error=\"invalid_token\"",
                ));
            }
            (ErrorCode::InsufficientScope, ApiError::WithDetails { details, .. }) => {
                let scope = details["required_scope"].as_str().unwrap_or_default();
                response.insert_header((
                    "WWW-Authenticate",
                    format!(
                        "Bearer realm=\"poort\", error=\"insufficient_scope\", scope=\"{scope}\""
                    ),
                ));
            }
            _ => {}
        }
        let details = match self {
            ApiError::WithDetails { details, .. } => Some(details.clone()),
            _ => None,
        };
        response.json(ErrorBody {
            code: self.code(),
            former_code: self.code().former_name().map(str::to_string),
            message,
            details,
        })
    }
}
