//! The relations team (operators): offices and portfolios, inviting an office's first user
//! administrator (or other members of the team), finding any account, re-sending and
//! withdrawing invitations, deleting accounts, resetting sign-in set-ups, the audit trail.
//! Every handler takes an [`Operator`] (401 without a session, 403 for anyone else).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use poort_shared::ErrorBody;
use poort_shared::dto::{
    AccountDetailResponse, AccountListResponse, AccountStatus, AuditPageResponse,
    CreateOfficeRequest, CreatePortfolioRequest, DeadLetterListResponse, FactorFilter,
    InvitationFilter, InvitationListResponse, InvitationResponse, InviteOperatorRequest,
    InviteRequest, OfficeListResponse, OfficeResponse, OfficeSort, OverviewResponse,
    PortfolioListResponse, PortfolioResponse, Role, SortOrder, UpdateOfficeRequest,
    UpdatePortfolioRequest,
};
use serde::Deserialize;
use uuid::Uuid;

use super::answers::{
    AccountDetailAnswers, AuditAnswers, InvitationListAnswers, ResendAnswers, WithdrawAnswers,
};
use crate::auth::bearer::{ManageAccounts, ManageOffices, OperatorCaller, ReadAccounts, ReadAudit};
use crate::auth::principal::Operator;
use crate::domain::Scope;
use crate::error::ApiError;
use crate::services::accounts::{AccountQuery, Filter};
use crate::services::audit::AuditQuery;
use crate::services::invitations::NewInvitee;
use crate::services::{accounts, audit as audit_service, invitations, offices, overview};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OfficeSearchQuery {
    /// Part of the office name, its KvK number or one of its portfolios' agency numbers.
    pub q: Option<String>,
    /// What the list is ordered by (default `name`; ties by name).
    pub sort: Option<OfficeSort>,
    /// `asc` (default) or `desc`.
    pub order: Option<SortOrder>,
    /// Paging: how many offices to skip (0–1,000,000, default 0).
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<i64>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccountSearchQuery {
    /// Part of an e-mail address, name or mobile number (across offices a fragment of one or
    /// two characters matches the beginning of the name or address).
    pub q: Option<String>,
    /// Only accounts of this office.
    pub office_id: Option<Uuid>,
    /// Only accounts with this status.
    pub status: Option<AccountStatus>,
    /// Only accounts of an office without any right.
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
pub struct OpenInvitationsQuery {
    /// `open` (the link still works) or `expired`.
    pub state: InvitationFilter,
    /// Paging: invitations older than this one (`next_before` of the previous page).
    pub before: Option<Uuid>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeadLetterQuery {
    /// Paging: how many to skip (0–100,000, default 0; `next_offset` of the previous page).
    #[param(minimum = 0, maximum = 100000)]
    pub offset: Option<i64>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OperatorAuditQuery {
    pub office_id: Option<Uuid>,
    /// Events where this account acted or was acted on.
    pub account_id: Option<Uuid>,
    /// Events this API client did (its `id`, not its `client_id`).
    pub api_client_id: Option<Uuid>,
    /// Only this action, e.g. `account.deleted`.
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

impl From<OperatorAuditQuery> for AuditQuery {
    fn from(q: OperatorAuditQuery) -> Self {
        AuditQuery {
            office_id: q.office_id,
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

/// Lists (and searches) offices.
#[utoipa::path(
    get, path = "/api/operator/offices", tag = "operator", params(OfficeSearchQuery),
    responses(
        (status = 200, description = "One page of the offices, in the order asked", body = OfficeListResponse),
        (status = 400, description = "`invalid_request`: an unknown sort or order, a limit or offset out of range", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not in the relations team", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["offices:manage"]))
)]
pub async fn list_offices(
    state: web::Data<AppState>,
    _caller: OperatorCaller<ManageOffices>,
    query: web::Query<OfficeSearchQuery>,
) -> Result<web::Json<OfficeListResponse>, ApiError> {
    let q = query.into_inner();
    Ok(web::Json(
        offices::list(
            &state,
            q.q.as_deref(),
            q.sort.unwrap_or_default(),
            q.order.unwrap_or_default(),
            q.offset,
            q.limit,
        )
        .await?,
    ))
}

/// Creates an office.
#[utoipa::path(
    post, path = "/api/operator/offices", tag = "operator", request_body = CreateOfficeRequest,
    responses(
        (status = 201, description = "Created", body = OfficeResponse),
        (status = 400, description = "`invalid_name`, `invalid_kvk_number`, `invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`", body = ErrorBody),
        (status = 409, description = "`kvk_number_taken`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["offices:manage"]))
)]
pub async fn create_office(
    state: web::Data<AppState>,
    operator: OperatorCaller<ManageOffices>,
    body: web::Json<CreateOfficeRequest>,
) -> Result<HttpResponse, ApiError> {
    let office = offices::create(&state, &operator.actor(), &body.name, &body.kvk_number).await?;
    Ok(HttpResponse::Created().json(office))
}

/// One office.
#[utoipa::path(
    get, path = "/api/operator/offices/{id}", tag = "operator", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The office", body = OfficeResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["offices:manage"]))
)]
pub async fn get_office(
    state: web::Data<AppState>,
    _caller: OperatorCaller<ManageOffices>,
    id: web::Path<Uuid>,
) -> Result<web::Json<OfficeResponse>, ApiError> {
    Ok(web::Json(offices::get(&state, *id).await?))
}

/// Changes an office's name or KvK number.
#[utoipa::path(
    patch, path = "/api/operator/offices/{id}", tag = "operator", params(("id" = Uuid, Path)),
    request_body = UpdateOfficeRequest,
    responses(
        (status = 200, description = "Changed", body = OfficeResponse),
        (status = 400, description = "`invalid_name`, `invalid_kvk_number`, `invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`kvk_number_taken`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["offices:manage"]))
)]
pub async fn update_office(
    state: web::Data<AppState>,
    operator: OperatorCaller<ManageOffices>,
    id: web::Path<Uuid>,
    body: web::Json<UpdateOfficeRequest>,
) -> Result<web::Json<OfficeResponse>, ApiError> {
    Ok(web::Json(
        offices::update(
            &state,
            &operator.actor(),
            *id,
            body.name.as_deref(),
            body.kvk_number.as_deref(),
        )
        .await?,
    ))
}

/// The portfolios of an office.
#[utoipa::path(
    operation_id = "operator_portfolios",
    get, path = "/api/operator/offices/{id}/portfolios", tag = "operator", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Portfolios", body = PortfolioListResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["offices:manage"]))
)]
pub async fn portfolios(
    state: web::Data<AppState>,
    _caller: OperatorCaller<ManageOffices>,
    id: web::Path<Uuid>,
) -> Result<web::Json<PortfolioListResponse>, ApiError> {
    Ok(web::Json(PortfolioListResponse {
        portfolios: offices::portfolios(&state, *id).await?,
    }))
}

/// Adds a portfolio to an office.
#[utoipa::path(
    post, path = "/api/operator/offices/{id}/portfolios", tag = "operator", params(("id" = Uuid, Path)),
    request_body = CreatePortfolioRequest,
    responses(
        (status = 201, description = "Created", body = PortfolioResponse),
        (status = 400, description = "`invalid_agency_number`, `invalid_name`, `invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`agency_number_taken`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["offices:manage"]))
)]
pub async fn create_portfolio(
    state: web::Data<AppState>,
    operator: OperatorCaller<ManageOffices>,
    id: web::Path<Uuid>,
    body: web::Json<CreatePortfolioRequest>,
) -> Result<HttpResponse, ApiError> {
    let portfolio = offices::create_portfolio(
        &state,
        &operator.actor(),
        *id,
        &body.agency_number,
        &body.name,
    )
    .await?;
    Ok(HttpResponse::Created().json(portfolio))
}

/// Changes a portfolio's agency number or name.
#[utoipa::path(
    patch, path = "/api/operator/portfolios/{id}", tag = "operator", params(("id" = Uuid, Path)),
    request_body = UpdatePortfolioRequest,
    responses(
        (status = 200, description = "Changed", body = PortfolioResponse),
        (status = 400, description = "`invalid_agency_number`, `invalid_name`, `invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`agency_number_taken`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["offices:manage"]))
)]
pub async fn update_portfolio(
    state: web::Data<AppState>,
    operator: OperatorCaller<ManageOffices>,
    id: web::Path<Uuid>,
    body: web::Json<UpdatePortfolioRequest>,
) -> Result<web::Json<PortfolioResponse>, ApiError> {
    Ok(web::Json(
        offices::update_portfolio(
            &state,
            &operator.actor(),
            *id,
            body.agency_number.as_deref(),
            body.name.as_deref(),
        )
        .await?,
    ))
}

/// The invitations of an office, newest first, a page at a time.
#[utoipa::path(
    get, path = "/api/operator/offices/{id}/invitations", tag = "operator",
    params(("id" = Uuid, Path), crate::routes::office::InvitationPageQuery),
    responses(InvitationListAnswers),
    security(("session" = []), ("oauth2" = ["accounts:read"]))
)]
pub async fn office_invitations(
    state: web::Data<AppState>,
    _caller: OperatorCaller<ReadAccounts>,
    id: web::Path<Uuid>,
    query: web::Query<crate::routes::office::InvitationPageQuery>,
) -> Result<web::Json<InvitationListResponse>, ApiError> {
    Ok(web::Json(
        invitations::list_in_office(&state, *id, query.before, query.limit).await?,
    ))
}

/// Invites someone into an office, typically its first user administrator.
#[utoipa::path(
    post, path = "/api/operator/offices/{id}/invitations", tag = "operator", params(("id" = Uuid, Path)),
    request_body = InviteRequest,
    responses(
        (status = 201, description = "Invitation sent", body = InvitationResponse),
        (status = 400, description = "`invalid_name`, `invalid_email`, `unknown_right`, `unknown_portfolio`, `invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such office", body = ErrorBody),
        (status = 409, description = "`email_taken`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:manage"]))
)]
pub async fn invite_into_office(
    state: web::Data<AppState>,
    operator: OperatorCaller<ManageAccounts>,
    id: web::Path<Uuid>,
    body: web::Json<InviteRequest>,
) -> Result<HttpResponse, ApiError> {
    let granted: Vec<Uuid> = body.rights.iter().map(|g| g.portfolio_id).collect();
    operator.may_grant(&granted)?;
    let who = NewInvitee::of_office(&body, *id);
    let invitation = invitations::invite(&state, &operator.actor(), operator.scope(), &who).await?;
    Ok(HttpResponse::Created().json(invitation))
}

/// Invites a colleague into the relations team.
#[utoipa::path(
    post, path = "/api/operator/operators/invitations", tag = "operator", request_body = InviteOperatorRequest,
    responses(
        (status = 201, description = "Invitation sent", body = InvitationResponse),
        (status = 400, description = "`invalid_name`, `invalid_email`, `invalid_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`", body = ErrorBody),
        (status = 409, description = "`email_taken`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn invite_operator(
    state: web::Data<AppState>,
    operator: Operator,
    body: web::Json<InviteOperatorRequest>,
) -> Result<HttpResponse, ApiError> {
    let who = NewInvitee {
        name: &body.name,
        email: &body.email,
        role: Role::Operator,
        office_id: None,
        rights: &[],
    };
    let invitation = invitations::invite(&state, &operator.actor(), operator.scope(), &who).await?;
    Ok(HttpResponse::Created().json(invitation))
}

/// Finds accounts across offices by e-mail address, name or mobile number, narrowed by office,
/// status, rights or factor; a page at a time, by name.
#[utoipa::path(
    get, path = "/api/operator/accounts", tag = "operator", params(AccountSearchQuery),
    responses(
        (status = 200, description = "One page of the matching accounts, by name", body = AccountListResponse),
        (status = 400, description = "`invalid_request`: an unknown status or factor, a limit or offset out of range", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:read"]))
)]
pub async fn search_accounts(
    state: web::Data<AppState>,
    _caller: OperatorCaller<ReadAccounts>,
    query: web::Query<AccountSearchQuery>,
) -> Result<web::Json<AccountListResponse>, ApiError> {
    let scope = query.office_id.map(Scope::Office).unwrap_or(Scope::All);
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
    Ok(web::Json(accounts::list(&state, scope, &q).await?))
}

/// The relations team's numbers: offices, active and blocked accounts, active accounts without
/// rights, open and expired invitations, dead letters. Each is what a filtered list shows.
#[utoipa::path(
    get, path = "/api/operator/overview", tag = "operator",
    responses(
        (status = 200, description = "The numbers, counted now", body = OverviewResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:read"]))
)]
pub async fn overview(
    state: web::Data<AppState>,
    _caller: OperatorCaller<ReadAccounts>,
) -> Result<web::Json<OverviewResponse>, ApiError> {
    Ok(web::Json(overview::overview(&state).await?))
}

/// The open invitations of every office whose link still works (`state=open`) or has expired
/// (`state=expired`), newest first, a page at a time, with their office.
#[utoipa::path(
    get, path = "/api/operator/invitations", tag = "operator", params(OpenInvitationsQuery),
    responses(InvitationListAnswers),
    security(("session" = []), ("oauth2" = ["accounts:read"]))
)]
pub async fn open_invitations(
    state: web::Data<AppState>,
    _caller: OperatorCaller<ReadAccounts>,
    query: web::Query<OpenInvitationsQuery>,
) -> Result<web::Json<InvitationListResponse>, ApiError> {
    Ok(web::Json(
        invitations::list_open(&state, query.state, query.before, query.limit).await?,
    ))
}

/// E-mails and SMS messages given up on (the address, subject, attempts and last error; the
/// body is erased), newest first, a page at a time.
#[utoipa::path(
    get, path = "/api/operator/dead-letters", tag = "operator", params(DeadLetterQuery),
    responses(
        (status = 200, description = "One page of dead letters, newest first", body = DeadLetterListResponse),
        (status = 400, description = "`invalid_request`: a limit or offset out of range", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:read"]))
)]
pub async fn dead_letters(
    state: web::Data<AppState>,
    _caller: OperatorCaller<ReadAccounts>,
    query: web::Query<DeadLetterQuery>,
) -> Result<web::Json<DeadLetterListResponse>, ApiError> {
    Ok(web::Json(
        overview::dead_letters(&state, query.offset, query.limit).await?,
    ))
}

/// One account: status, factors, last sign-in, rights and invitation history.
#[utoipa::path(
    operation_id = "operator_get_account",
    get, path = "/api/operator/accounts/{id}", tag = "operator", params(("id" = Uuid, Path)),
    responses(AccountDetailAnswers),
    security(("session" = []), ("oauth2" = ["accounts:read"]))
)]
pub async fn get_account(
    state: web::Data<AppState>,
    operator: OperatorCaller<ReadAccounts>,
    id: web::Path<Uuid>,
) -> Result<web::Json<AccountDetailResponse>, ApiError> {
    Ok(web::Json(
        accounts::detail(&state, operator.scope(), *id).await?,
    ))
}

/// Deletes an account: its sessions end at once and its personal data is removed; the audit
/// trail keeps a pseudonymous record.
#[utoipa::path(
    delete, path = "/api/operator/accounts/{id}", tag = "operator", params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`, `cannot_target_self`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:manage"]))
)]
pub async fn delete_account(
    state: web::Data<AppState>,
    operator: OperatorCaller<ManageAccounts>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    accounts::delete(&state, &operator.actor(), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Resets the sign-in set-up: password, authenticator and eHerkenning link removed, sessions
/// ended, and an e-mail with a set-up link sent.
#[utoipa::path(
    post, path = "/api/operator/accounts/{id}/reset-sign-in", tag = "operator", params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "Reset; the set-up e-mail is on its way", body = AccountDetailResponse),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `origin_mismatch`, `cannot_target_self`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`not_invited` (still invited: re-send instead), `account_not_active` (deactivated)", body = ErrorBody),
    ),
    security(("session" = []), ("oauth2" = ["accounts:manage"]))
)]
pub async fn reset_sign_in(
    state: web::Data<AppState>,
    operator: OperatorCaller<ManageAccounts>,
    id: web::Path<Uuid>,
) -> Result<web::Json<AccountDetailResponse>, ApiError> {
    Ok(web::Json(
        accounts::reset_sign_in(&state, &operator.actor(), *id).await?,
    ))
}

/// Sends an open invitation again with a new link.
#[utoipa::path(
    operation_id = "operator_resend",
    post, path = "/api/operator/invitations/{id}/resend", tag = "operator", params(("id" = Uuid, Path)),
    responses(ResendAnswers),
    security(("session" = []), ("oauth2" = ["accounts:manage"]))
)]
pub async fn resend(
    state: web::Data<AppState>,
    operator: OperatorCaller<ManageAccounts>,
    id: web::Path<Uuid>,
) -> Result<web::Json<InvitationResponse>, ApiError> {
    Ok(web::Json(
        invitations::resend(&state, &operator.actor(), *id, operator.scope()).await?,
    ))
}

/// Withdraws an open invitation.
#[utoipa::path(
    operation_id = "operator_withdraw",
    post, path = "/api/operator/invitations/{id}/withdraw", tag = "operator", params(("id" = Uuid, Path)),
    responses(WithdrawAnswers),
    security(("session" = []), ("oauth2" = ["accounts:manage"]))
)]
pub async fn withdraw(
    state: web::Data<AppState>,
    operator: OperatorCaller<ManageAccounts>,
    id: web::Path<Uuid>,
) -> Result<web::Json<InvitationResponse>, ApiError> {
    Ok(web::Json(
        invitations::withdraw(&state, &operator.actor(), *id, operator.scope()).await?,
    ))
}

/// The whole audit trail, newest first, with filters.
#[utoipa::path(
    operation_id = "operator_audit",
    get, path = "/api/operator/audit", tag = "operator", params(OperatorAuditQuery),
    responses(AuditAnswers),
    security(("session" = []), ("oauth2" = ["audit:read"]))
)]
pub async fn audit(
    state: web::Data<AppState>,
    operator: OperatorCaller<ReadAudit>,
    query: web::Query<OperatorAuditQuery>,
) -> Result<web::Json<AuditPageResponse>, ApiError> {
    let page = audit_service::page(&state, operator.scope(), query.into_inner().into()).await?;
    Ok(web::Json(page))
}
