//! Answer lists for the OpenAPI document that an office's administrators and the relations
//! team share: the same action in their two areas (`/api/office/…`, `/api/operator/…`) answers
//! the same, so it is documented once, here.

use poort_shared::ErrorBody;
use poort_shared::dto::{
    AccountDetailResponse, AuditPageResponse, InvitationListResponse, InvitationResponse,
};

/// One account with its invitation history.
#[derive(utoipa::IntoResponses)]
pub enum AccountDetailAnswers {
    #[response(status = 200, description = "The account")]
    Ok(AccountDetailResponse),
    #[response(status = 401, description = "`unauthenticated`")]
    Unauthenticated(ErrorBody),
    #[response(status = 403, description = "`forbidden`")]
    Forbidden(ErrorBody),
    #[response(
        status = 404,
        description = "`not_found` (also for accounts the caller may not manage)"
    )]
    NotFound(ErrorBody),
}

/// Invitations with their history.
#[derive(utoipa::IntoResponses)]
pub enum InvitationListAnswers {
    #[response(status = 200, description = "Invitations, newest first")]
    Ok(InvitationListResponse),
    #[response(
        status = 400,
        description = "`invalid_request`: a limit outside 1–500, or a `before` that is not an id"
    )]
    InvalidRequest(ErrorBody),
    #[response(status = 401, description = "`unauthenticated`")]
    Unauthenticated(ErrorBody),
    #[response(status = 403, description = "`forbidden`")]
    Forbidden(ErrorBody),
}

/// Re-sending an invitation.
#[derive(utoipa::IntoResponses)]
pub enum ResendAnswers {
    #[response(status = 200, description = "Sent again")]
    Ok(InvitationResponse),
    #[response(status = 401, description = "`unauthenticated`")]
    Unauthenticated(ErrorBody),
    #[response(status = 403, description = "`forbidden`, `origin_mismatch`")]
    Forbidden(ErrorBody),
    #[response(status = 404, description = "`not_found`")]
    NotFound(ErrorBody),
    #[response(status = 409, description = "`not_invited` (accepted or withdrawn)")]
    NotInvited(ErrorBody),
    #[response(status = 429, description = "`rate_limited`")]
    RateLimited(ErrorBody),
}

/// Withdrawing an invitation.
#[derive(utoipa::IntoResponses)]
pub enum WithdrawAnswers {
    #[response(status = 200, description = "Withdrawn")]
    Ok(InvitationResponse),
    #[response(status = 401, description = "`unauthenticated`")]
    Unauthenticated(ErrorBody),
    #[response(status = 403, description = "`forbidden`, `origin_mismatch`")]
    Forbidden(ErrorBody),
    #[response(status = 404, description = "`not_found`")]
    NotFound(ErrorBody),
    #[response(
        status = 409,
        description = "`not_invited` (accepted or withdrawn already)"
    )]
    NotInvited(ErrorBody),
}

/// A page of the audit trail.
#[derive(utoipa::IntoResponses)]
pub enum AuditAnswers {
    #[response(status = 200, description = "A page of events")]
    Ok(AuditPageResponse),
    #[response(status = 400, description = "`invalid_request`")]
    InvalidRequest(ErrorBody),
    #[response(status = 401, description = "`unauthenticated`")]
    Unauthenticated(ErrorBody),
    #[response(status = 403, description = "`forbidden`")]
    Forbidden(ErrorBody),
}
