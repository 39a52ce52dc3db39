//! An office's user administrator manages the accounts of their own office. Every handler
//! takes an [`OfficeAdmin`] (401 without a session, 403 for anyone else) and works only inside
//! that office (another office's accounts and invitations answer 404).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use poort_shared::ErrorBody;
use poort_shared::dto::{
    AccountDetailResponse, AccountListResponse, AccountResponse, AccountStatus, AuditPageResponse,
    FactorFilter, InvitationListResponse, InvitationResponse, InviteRequest, PortfolioListResponse,
    SetRightsRequest,
};
use serde::Deserialize;
use uuid::Uuid;

use super::answers::{
    AccountDetailAnswers, AuditAnswers, InvitationListAnswers, ResendAnswers, WithdrawAnswers,
};
use crate::auth::bearer::{ManageAccounts, ManageRights, OfficeCaller, ReadAccounts, ReadAudit};
use crate::error::ApiError;
use crate::services::accounts::{AccountQuery, Filter};
use crate::services::audit::AuditQuery;
use crate::services::invitations::NewInvitee;
use crate::services::{accounts, audit as audit_service, invitations, offices};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Part of an e-mail address, name or mobile number (e.g. to find a colleague's address).
    pub q: Option<String>,
    /// Only accounts with this status.
    pub status: Option<AccountStatus>,
    /// Only accounts without any right.
    pub without_rights: Option<bool>,
    /// Only accounts that have this factor set up.
    pub factor: Option<FactorFilter>,
    /// Paging: how many accounts to skip (0–100,000, default 0; `next_offset` of the previous page).
    #[param(minimum = 0, maximum = 100000)]
    pub offset: Option<i64>,
    /// Page size, 1–200 (default 200).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InvitationPageQuery {
    /// Paging: invitations older than this one (`next_before` of the previous page).
    pub before: Option<Uuid>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OfficeAuditQuery {
    /// Events where this account acted or was acted on.
    pub account_id: Option<Uuid>,
    /// Events this API client did (its `id`, not its `client_id`).
    pub api_client_id: Option<Uuid>,
    /// Only this action, e.g. `invitation.sent`.
    pub action: Option<String>,
    /// Paging: events older than this event id (`next_before` of the previous page).
    pub before: Option<Uuid>,
    /// Only events at or after this moment (RFC 3339, e.g. `2026-12-01T00:00:00Z`).
    pub since: Option<DateTime<Utc>>,
    /// Only events before this moment (RFC 3339); at or before `since` the page is empty.
    pub until: Option<DateTime<Utc>>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

impl From<OfficeAuditQuery> for AuditQuery {
    fn from(q: OfficeAuditQuery) -> Self {
        AuditQuery {
            office_id: None,
            account_id: q.account_id,
            api_client_id: q.api_client_id,
            action: q.action,
            before: q.before,
            since: q.since,
            until: q.until,
            limit: q.limit,
        }
    }
}

/// Lists the office's accounts with status, last sign-in, factors and rights, by name, a page
/// at a time.
#[utoipa::path(
    get, path = "/api/office/accounts", tag = "office", params(SearchQuery),
    responses(
        (status = 200, description = "One page of the office's accounts, by name", body = AccountListResponse),
        (status = 400, description = "`invalid_request`: an unknown status or factor, a limit or offset out of range", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a user administrator", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:read"]))
)]
pub async fn list_accounts(
    state: web::Data<AppState>,
    caller: OfficeCaller<ReadAccounts>,
    query: web::Query<SearchQuery>,
) -> Result<web::Json<AccountListResponse>, ApiError> {
    let q = AccountQuery {
        query: query.q.as_deref(),
        filter: Filter {
            status: query.status,
            without_rights: query.without_rights.unwrap_or(false),
            factor: query.factor,
        },
        offset: query.offset,
        limit: query.limit,
    };
    let mut page = accounts::list(&state, caller.scope(), &q).await?;
    page.accounts = page.accounts.into_iter().map(|a| caller.shown(a)).collect();
    Ok(web::Json(page))
}

/// One account of the office, with its invitation history.
#[utoipa::path(
    operation_id = "office_get_account",
    get, path = "/api/office/accounts/{id}", tag = "office", params(("id" = Uuid, Path)),
    responses(AccountDetailAnswers),
    security(("session" = []), ("oauth2" = ["accounts:read"]))
)]
pub async fn get_account(
    state: web::Data<AppState>,
    caller: OfficeCaller<ReadAccounts>,
    id: web::Path<Uuid>,
) -> Result<web::Json<AccountDetailResponse>, ApiError> {
    let detail = accounts::detail(&state, caller.scope(), *id).await?;
    Ok(web::Json(AccountDetailResponse {
        account: caller.shown(detail.account),
        ..detail
    }))
}

/// Sets the account's rights: the complete list per portfolio; what is left out is revoked.
#[utoipa::path(
    put, path = "/api/office/accounts/{id}/rights", tag = "office", params(("id" = Uuid, Path)),
    request_body = SetRightsRequest,
    responses(
        (status = 200, description = "The account with its new rights", body = AccountResponse),
        (status = 400, description = "`unknown_right`, `unknown_portfolio` (not of this office), `invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["rights:manage"]))
)]
pub async fn set_rights(
    state: web::Data<AppState>,
    caller: OfficeCaller<ManageRights>,
    id: web::Path<Uuid>,
    body: web::Json<SetRightsRequest>,
) -> Result<web::Json<AccountResponse>, ApiError> {
    let account = accounts::set_rights(
        &state,
        &caller.actor(),
        caller.scope(),
        *id,
        &body.portfolios,
        caller.portfolio_limit(),
    )
    .await?;
    Ok(web::Json(caller.shown(account)))
}

/// Deactivates an account: its sessions end at once and it cannot sign in.
#[utoipa::path(
    post, path = "/api/office/accounts/{id}/deactivate", tag = "office", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Deactivated", body = AccountResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`, `cannot_target_self`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`last_administrator`, `account_not_active`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:manage"]))
)]
pub async fn deactivate(
    state: web::Data<AppState>,
    caller: OfficeCaller<ManageAccounts>,
    id: web::Path<Uuid>,
) -> Result<web::Json<AccountResponse>, ApiError> {
    let account = accounts::set_active(&state, &caller.actor(), caller.scope(), *id, false).await?;
    Ok(web::Json(caller.shown(account)))
}

/// Reactivates a deactivated account.
#[utoipa::path(
    post, path = "/api/office/accounts/{id}/reactivate", tag = "office", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Active again", body = AccountResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`, `cannot_target_self`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`account_not_active` (it was not deactivated)", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:manage"]))
)]
pub async fn reactivate(
    state: web::Data<AppState>,
    caller: OfficeCaller<ManageAccounts>,
    id: web::Path<Uuid>,
) -> Result<web::Json<AccountResponse>, ApiError> {
    let account = accounts::set_active(&state, &caller.actor(), caller.scope(), *id, true).await?;
    Ok(web::Json(caller.shown(account)))
}

/// Makes the account a user administrator of the office too.
#[utoipa::path(
    post, path = "/api/office/accounts/{id}/administrator", tag = "office", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Now an administrator", body = AccountResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:manage"]))
)]
pub async fn appoint_admin(
    state: web::Data<AppState>,
    caller: OfficeCaller<ManageAccounts>,
    id: web::Path<Uuid>,
) -> Result<web::Json<AccountResponse>, ApiError> {
    let account = accounts::set_admin(&state, &caller.actor(), caller.scope(), *id, true).await?;
    Ok(web::Json(caller.shown(account)))
}

/// Takes the administrator role away; the office always keeps at least one active one.
#[utoipa::path(
    delete, path = "/api/office/accounts/{id}/administrator", tag = "office", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "No longer an administrator", body = AccountResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`last_administrator`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:manage"]))
)]
pub async fn remove_admin(
    state: web::Data<AppState>,
    caller: OfficeCaller<ManageAccounts>,
    id: web::Path<Uuid>,
) -> Result<web::Json<AccountResponse>, ApiError> {
    let account = accounts::set_admin(&state, &caller.actor(), caller.scope(), *id, false).await?;
    Ok(web::Json(caller.shown(account)))
}

/// The office's invitations with their history (sent, re-sent, renewed, accepted, withdrawn),
/// newest first, a page at a time.
#[utoipa::path(
    get, path = "/api/office/invitations", tag = "office", params(InvitationPageQuery),
    responses(InvitationListAnswers),
    security(("session" = []), ("oauth2" = ["accounts:read"]))
)]
pub async fn list_invitations(
    state: web::Data<AppState>,
    caller: OfficeCaller<ReadAccounts>,
    query: web::Query<InvitationPageQuery>,
) -> Result<web::Json<InvitationListResponse>, ApiError> {
    let office = caller.office;
    let page = invitations::list_in_office(&state, office, query.before, query.limit).await?;
    Ok(web::Json(page))
}

/// Invites a colleague: name, e-mail address, rights per portfolio, and whether they also
/// become a user administrator.
#[utoipa::path(
    post, path = "/api/office/invitations", tag = "office",
    request_body = InviteRequest,
    responses(
        (status = 201, description = "Invitation sent", body = InvitationResponse),
        (status = 400, description = "`invalid_name`, `invalid_email`, `unknown_right`, `unknown_portfolio`, `invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`", body = ErrorBody),
        (status = 409, description = "`email_taken`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:manage"]))
)]
pub async fn invite(
    state: web::Data<AppState>,
    caller: OfficeCaller<ManageAccounts>,
    body: web::Json<InviteRequest>,
) -> Result<HttpResponse, ApiError> {
    let granted: Vec<Uuid> = body.rights.iter().map(|g| g.portfolio_id).collect();
    caller.may_grant(&granted)?;
    let who = NewInvitee::of_office(&body, caller.office);
    let invitation = invitations::invite(&state, &caller.actor(), caller.scope(), &who).await?;
    Ok(HttpResponse::Created().json(invitation))
}

/// Sends an open invitation again with a new link (the old link stops working).
#[utoipa::path(
    operation_id = "office_resend",
    post, path = "/api/office/invitations/{id}/resend", tag = "office", params(("id" = Uuid, Path)),
    responses(ResendAnswers),
    security(("session" = []), ("oauth2" = ["accounts:manage"]))
)]
pub async fn resend(
    state: web::Data<AppState>,
    caller: OfficeCaller<ManageAccounts>,
    id: web::Path<Uuid>,
) -> Result<web::Json<InvitationResponse>, ApiError> {
    Ok(web::Json(
        invitations::resend(&state, &caller.actor(), *id, caller.scope()).await?,
    ))
}

/// Withdraws an open invitation: its link stops working.
#[utoipa::path(
    operation_id = "office_withdraw",
    post, path = "/api/office/invitations/{id}/withdraw", tag = "office", params(("id" = Uuid, Path)),
    responses(WithdrawAnswers),
    security(("session" = []), ("oauth2" = ["accounts:manage"]))
)]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: OfficeCaller<ManageAccounts>,
    id: web::Path<Uuid>,
) -> Result<web::Json<InvitationResponse>, ApiError> {
    Ok(web::Json(
        invitations::withdraw(&state, &caller.actor(), *id, caller.scope()).await?,
    ))
}

/// The office's portfolios (to grant rights on).
#[utoipa::path(
    operation_id = "office_portfolios",
    get, path = "/api/office/portfolios", tag = "office",
    responses(
        (status = 200, description = "Portfolios of the office", body = PortfolioListResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:read"]))
)]
pub async fn portfolios(
    state: web::Data<AppState>,
    caller: OfficeCaller<ReadAccounts>,
) -> Result<web::Json<PortfolioListResponse>, ApiError> {
    let mut portfolios = offices::portfolios(&state, caller.office).await?;
    if let Some(limit) = caller.portfolio_limit() {
        portfolios.retain(|p| limit.contains(&p.id));
    }
    Ok(web::Json(PortfolioListResponse { portfolios }))
}

/// The audit trail of the office, newest first.
#[utoipa::path(
    operation_id = "office_audit",
    get, path = "/api/office/audit", tag = "office", params(OfficeAuditQuery),
    responses(AuditAnswers),
    security(("session" = []), ("oauth2" = ["audit:read"]))
)]
pub async fn audit(
    state: web::Data<AppState>,
    caller: OfficeCaller<ReadAudit>,
    query: web::Query<OfficeAuditQuery>,
) -> Result<web::Json<AuditPageResponse>, ApiError> {
    let page = audit_service::page(&state, caller.scope(), query.into_inner().into()).await?;
    Ok(web::Json(page))
}
