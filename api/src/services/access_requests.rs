//! Access requests: an adviser asks the office's user administrators for rights (from the
//! *geen toegang* page or beside the portfolio switcher); the administrators get an e-mail and
//! see the open requests in `/beheer`; they grant (adjusting what is granted; the rights are
//! added, nothing is revoked) or decline with a reason, and the adviser gets an e-mail. The
//! rules are in `domain::access_request`.

use poort_shared::ErrorCode;
use poort_shared::dto::{
    AccessRequestFilter, AccessRequestListResponse, AccessRequestResponse, AuditAction,
    CreateAccessRequest, MyAccessRequestsResponse, PortfolioRightsResponse, RightsGrant,
};
use poort_shared::validate::{parse_note, parse_reason};
use serde_json::json;
use uuid::Uuid;

use super::accounts::apply_rights;
use super::invitations::validate_grants;
use super::offices::portfolio_response;
use crate::auth::principal::{Actor, Principal};
use crate::domain::access_request::{AccessRequest, Pair, what_is_new, with_granted};
use crate::domain::{Limit, Portfolio, Right, listing};
use crate::error::ApiError;
use crate::messages;
use crate::state::AppState;
use crate::store::Tx;
use crate::store::access_requests::DescribedAccessRequest;

/// How many of their own requests an adviser sees.
const MINE: i64 = 20;

/// The pairs as the API shows them, per portfolio (portfolios removed since are left out).
fn per_portfolio(portfolios: &[Portfolio], pairs: &[Pair]) -> Vec<PortfolioRightsResponse> {
    let mut out: Vec<PortfolioRightsResponse> = Vec::new();
    for (pid, code) in pairs {
        let Some(p) = portfolios.iter().find(|p| p.id == *pid) else {
            continue;
        };
        match out.iter_mut().find(|r| r.portfolio_id == *pid) {
            Some(r) => r.rights.push(code.clone()),
            None => out.push(PortfolioRightsResponse {
                portfolio_id: p.id,
                agency_number: p.agency_number.to_string(),
                portfolio_name: p.name.clone(),
                rights: vec![code.clone()],
            }),
        }
    }
    out
}

fn response(
    d: DescribedAccessRequest,
    portfolios: &[Portfolio],
    now: chrono::DateTime<chrono::Utc>,
) -> AccessRequestResponse {
    let r = d.request;
    AccessRequestResponse {
        id: r.id,
        office_id: r.office_id,
        account_id: r.account_id,
        account_name: d.account_name,
        account_email: d.account_email,
        requested: per_portfolio(portfolios, &r.requested),
        note: r.note.clone(),
        status: r.status_at(now),
        created_at: r.created_at,
        expires_at: r.expires_at,
        decided_at: r.decided_at,
        decided_by_name: d.decided_by_name,
        granted: per_portfolio(portfolios, &r.granted),
        reason: r.reason,
    }
}

/// "AG-101 Portefeuille 0: Polissen inzien, Schade melden" per line, in Dutch (`en` false) or
/// English.
fn rights_lines(portfolios: &[Portfolio], catalogue: &[Right], pairs: &[Pair], en: bool) -> String {
    per_portfolio(portfolios, pairs)
        .into_iter()
        .map(|p| {
            let labels: Vec<&str> = p
                .rights
                .iter()
                .map(|code| {
                    catalogue
                        .iter()
                        .find(|r| &r.code == code)
                        .map_or(
                            code.as_str(),
                            |r| if en { &r.label_en } else { &r.label_nl },
                        )
                })
                .collect();
            format!(
                "- {} {}: {}",
                p.agency_number,
                p.portfolio_name,
                labels.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn office_of(principal: &Principal) -> Result<Uuid, ApiError> {
    principal
        .account
        .office_id
        .ok_or(ApiError::from(ErrorCode::Forbidden))
}

fn pairs(current: &[crate::domain::AccountRight]) -> Vec<Pair> {
    current
        .iter()
        .map(|r| (r.portfolio_id, r.right_code.clone()))
        .collect()
}

/// The signed-in account's requests, with the office's portfolios and the catalogue to ask from.
pub async fn mine(
    state: &AppState,
    principal: &Principal,
) -> Result<MyAccessRequestsResponse, ApiError> {
    let office = office_of(principal)?;
    let now = state.now();
    let mut tx = state.store.read().await?;
    let portfolios = tx.portfolios_of(office).await?;
    let rights = tx.rights_catalogue().await?;
    let requests = tx.access_requests_of_account(principal.id(), MINE).await?;
    tx.commit().await?;
    Ok(MyAccessRequestsResponse {
        requests: requests
            .into_iter()
            .map(|d| response(d, &portfolios, now))
            .collect(),
        current: crate::domain::office::portfolios_of(&principal.rights),
        portfolios: portfolios.into_iter().map(portfolio_response).collect(),
        rights: rights
            .into_iter()
            .map(|r| poort_shared::dto::RightResponse {
                code: r.code,
                label_nl: r.label_nl,
                label_en: r.label_en,
            })
            .collect(),
    })
}

async fn described(
    tx: &mut dyn Tx,
    request: &AccessRequest,
) -> Result<DescribedAccessRequest, ApiError> {
    let account = tx.get_account(request.account_id).await?;
    let decided_by = match request.decided_by {
        Some(id) => tx.get_account(id).await?.map(|a| a.name),
        None => None,
    };
    Ok(DescribedAccessRequest {
        request: request.clone(),
        account_name: account.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
        account_email: account.map(|a| a.email.to_string()).unwrap_or_default(),
        decided_by_name: decided_by,
    })
}

/// An adviser asks for rights: the office's active administrators (but the asker) get an e-mail.
pub async fn create(
    state: &AppState,
    principal: &Principal,
    body: &CreateAccessRequest,
) -> Result<AccessRequestResponse, ApiError> {
    let office = office_of(principal)?;
    let note = match body.note.as_deref() {
        Some(note) => parse_note(note)?,
        None => None,
    };
    // Before the transaction (the counter is written on its own connection); every attempt
    // counts.
    state.limit(Limit::AccessRequests(principal.id())).await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let asked = validate_grants(tx.as_mut(), Some(office), &body.rights).await?;
    let current = tx.rights_of_account(principal.id()).await?;
    let requested = what_is_new(&pairs(&current), asked)?;
    tx.expire_access_requests_of(principal.id(), now).await?;
    let request = AccessRequest::new(
        crate::store::new_id(now),
        office,
        principal.id(),
        requested,
        note,
        now,
        state.policy().access_request_days,
    );
    match tx.insert_access_request(&request).await {
        Err(crate::store::StoreError::Conflict) => {
            return Err(ErrorCode::AccessRequestOpen.into());
        }
        other => other?,
    }
    let portfolios = tx.portfolios_of(office).await?;
    let catalogue = tx.rights_catalogue().await?;
    let admins: Vec<_> = tx
        .office_admins(office)
        .await?
        .into_iter()
        .filter(|a| a.id != principal.id())
        .collect();
    let link = format!("{}/beheer?tab=requests", state.public_url);
    let mails: Vec<_> = admins
        .iter()
        .map(|admin| {
            messages::access_requested(
                &state.settings,
                &messages::AccessRequestedText {
                    to: admin.email.as_str(),
                    name: &admin.name,
                    asker: &principal.account.name,
                    asker_email: principal.account.email.as_str(),
                    rights_nl: &rights_lines(&portfolios, &catalogue, &request.requested, false),
                    rights_en: &rights_lines(&portfolios, &catalogue, &request.requested, true),
                    note: request.note.as_deref(),
                    link: &link,
                    valid_days: state.policy().access_request_days,
                },
            )
        })
        .collect();
    tx.enqueue(&mails, now).await?;
    tx.audit(
        &principal.audit_self(
            AuditAction::AccessRequestCreated,
            json!({
                "access_request_id": request.id,
                "requested": request.requested.iter().map(|(p, r)| json!({ "portfolio_id": p, "right": r })).collect::<Vec<_>>(),
                "administrators_notified": admins.len(),
            }),
        ),
        now,
    )
    .await?;
    let answer = response(described(tx.as_mut(), &request).await?, &portfolios, now);
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(answer)
}

/// The adviser withdraws their open request.
pub async fn withdraw(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
) -> Result<AccessRequestResponse, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut request = tx
        .lock_access_request(id)
        .await?
        .filter(|r| r.account_id == principal.id())
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    request.withdraw(now)?;
    tx.record_access_answer(&request).await?;
    tx.audit(
        &principal.audit_self(
            AuditAction::AccessRequestWithdrawn,
            json!({ "access_request_id": request.id }),
        ),
        now,
    )
    .await?;
    let portfolios = tx.portfolios_of(request.office_id).await?;
    let answer = response(described(tx.as_mut(), &request).await?, &portfolios, now);
    tx.commit().await?;
    Ok(answer)
}

/// A page of the office's open (oldest first) or closed (newest first) requests, with the
/// number open.
pub async fn list(
    state: &AppState,
    office: Uuid,
    filter: AccessRequestFilter,
    offset: Option<i64>,
    limit: Option<i64>,
    portfolios_limit: Option<&[Uuid]>,
) -> Result<AccessRequestListResponse, ApiError> {
    let page = listing::DEAD_LETTERS
        .page(offset, limit)
        .map_err(ApiError::invalid_request)?;
    let now = state.now();
    let mut tx = state.store.read().await?;
    let open = filter == AccessRequestFilter::Open;
    let mut found = tx
        .access_requests_of_office(office, open, now, page.probe(), page.offset)
        .await?;
    let count = tx.count_open_access_requests(office, now).await?;
    let portfolios = tx.portfolios_of(office).await?;
    tx.commit().await?;
    let next_offset = page.next_offset(found.len());
    found.truncate(page.limit as usize);
    // An API client limited to some portfolios sees those only.
    let portfolios: Vec<Portfolio> = portfolios
        .into_iter()
        .filter(|p| within(portfolios_limit, p.id))
        .collect();
    Ok(AccessRequestListResponse {
        requests: found
            .into_iter()
            .map(|d| response(d, &portfolios, now))
            .filter(|r| !r.requested.is_empty() || portfolios_limit.is_none())
            .collect(),
        open: u32::try_from(count).unwrap_or(u32::MAX),
        next_offset,
    })
}

/// Whether a portfolio is within an API client's `limit` (none: every portfolio).
fn within(limit: Option<&[Uuid]>, portfolio: Uuid) -> bool {
    limit.is_none_or(|l| l.contains(&portfolio))
}

/// The office's open request `id`, locked.
async fn open_in_office(
    tx: &mut dyn Tx,
    office: Uuid,
    id: Uuid,
) -> Result<AccessRequest, ApiError> {
    tx.lock_access_request(id)
        .await?
        .filter(|r| r.office_id == office)
        .ok_or(ApiError::from(ErrorCode::NotFound))
}

/// An administrator (or API client) grants a request: `rights` are added to the account's
/// (within the client's portfolio `limit`); the adviser gets an e-mail.
pub async fn grant(
    state: &AppState,
    by: &Actor<'_>,
    office: Uuid,
    id: Uuid,
    rights: &[RightsGrant],
    limit: Option<&[Uuid]>,
) -> Result<AccessRequestResponse, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    // The account first, then the request: the order a move takes them in.
    let asker = tx
        .get_access_request(id)
        .await?
        .filter(|r| r.office_id == office)
        .ok_or(ApiError::from(ErrorCode::NotFound))?
        .account_id;
    let account = tx
        .lock_account(asker)
        .await?
        .filter(|a| a.office_id == Some(office))
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    let mut request = open_in_office(tx.as_mut(), office, id).await?;
    let asked = validate_grants(tx.as_mut(), Some(office), rights).await?;
    let current = tx.rights_of_account(account.id).await?;
    let held = pairs(&current);
    let granted = what_is_new(&held, asked)?;
    request.grant(by.id, granted, now)?;
    // Within a client's portfolio limit: the rights it cannot see stay as they are.
    let held_within: Vec<Pair> = held
        .iter()
        .filter(|(p, _)| within(limit, *p))
        .cloned()
        .collect();
    let wanted = with_granted(&held_within, &request.granted);
    apply_rights(tx.as_mut(), by, &account, &current, wanted, limit, now).await?;
    tx.record_access_answer(&request).await?;
    let portfolios = tx.portfolios_of(office).await?;
    let catalogue = tx.rights_catalogue().await?;
    tx.enqueue(
        &[messages::access_granted(
            &state.settings,
            account.email.as_str(),
            &account.name,
            &rights_lines(&portfolios, &catalogue, &request.granted, false),
            &rights_lines(&portfolios, &catalogue, &request.granted, true),
            &format!("{}/start", state.public_url),
        )],
        now,
    )
    .await?;
    tx.audit(
        &by.audit(
            AuditAction::AccessRequestGranted,
            Some(account.id),
            Some(office),
            json!({
                "access_request_id": request.id,
                "granted": request.granted.iter().map(|(p, r)| json!({ "portfolio_id": p, "right": r })).collect::<Vec<_>>(),
                "as_asked": request.granted == request.requested,
            }),
        ),
        now,
    )
    .await?;
    let answer = response(described(tx.as_mut(), &request).await?, &portfolios, now);
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(answer)
}

/// An administrator (or API client) declines a request with a reason, which the adviser gets
/// by e-mail.
pub async fn decline(
    state: &AppState,
    by: &Actor<'_>,
    office: Uuid,
    id: Uuid,
    reason: &str,
    limit: Option<&[Uuid]>,
) -> Result<AccessRequestResponse, ApiError> {
    let reason = parse_reason(reason)?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut request = open_in_office(tx.as_mut(), office, id).await?;
    // A client limited to some portfolios declines only what lies within them.
    if !request.requested.iter().all(|(p, _)| within(limit, *p)) {
        return Err(ErrorCode::NotFound.into());
    }
    request.decline(by.id, reason, now)?;
    tx.record_access_answer(&request).await?;
    let account = tx
        .get_account(request.account_id)
        .await?
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    tx.enqueue(
        &[messages::access_declined(
            &state.settings,
            account.email.as_str(),
            &account.name,
            request.reason.as_deref().unwrap_or_default(),
        )],
        now,
    )
    .await?;
    tx.audit(
        &by.audit(
            AuditAction::AccessRequestDeclined,
            Some(account.id),
            Some(office),
            json!({ "access_request_id": request.id }),
        ),
        now,
    )
    .await?;
    let portfolios = tx.portfolios_of(office).await?;
    let answer = response(described(tx.as_mut(), &request).await?, &portfolios, now);
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(answer)
}
