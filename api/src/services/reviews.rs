//! Periodic access reviews (rules in `domain::access_review`): the office administrator's
//! screen of every account's rights with what is still to confirm, keeping rights (one account,
//! every account on a portfolio), the review completing when nothing is left, the relations
//! team's list of overdue offices and each office's history, and the periodic sweep that sends
//! the reminders and, when configured, deactivates what was not confirmed after the grace
//! period. Setting rights or deactivating an account settles it too (`settle`).

use poort_shared::ErrorCode;
use poort_shared::dto::{
    AccessReviewRecord, AccessReviewResponse, AccessReviewState, AccountStatus, AuditAction,
    ConfirmReviewRequest, OfficeReviewListResponse, OfficeReviewResponse, ReviewAccount,
    ReviewPortfolio,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::principal::{Actor, ClientInfo};
use crate::domain::access_review::{Period, ReviewItem, ReviewRules, Step, complete};
use crate::domain::office::portfolios_of;
use crate::error::ApiError;
use crate::messages;
use crate::state::AppState;
use crate::store::Tx;
use crate::store::access_reviews::ReviewRecord;

/// How many completed reviews are shown.
const HISTORY: i64 = 20;

fn rules(state: &AppState) -> ReviewRules {
    ReviewRules::from_policy(state.policy())
}

/// The office's current period and what it reviews.
async fn current(
    tx: &mut dyn Tx,
    rules: &ReviewRules,
    office: Uuid,
) -> Result<(Period, Vec<ReviewItem>), ApiError> {
    let created = tx
        .get_office(office)
        .await?
        .ok_or(ApiError::from(ErrorCode::NotFound))?
        .created_at;
    let last = tx.last_review_completed(office).await?;
    Ok((rules.period(created, last), tx.review_items(office).await?))
}

/// Whether a review with nothing left ends now: when it is due soon or overdue, or when an
/// administrator confirmed something in it (rights merely set in the period do not end a
/// review that is far from due).
fn finishes(
    rules: &ReviewRules,
    period: &Period,
    items: &[ReviewItem],
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    rules.state(period, now) != AccessReviewState::OnTime
        || items
            .iter()
            .any(|i| i.confirmed_at.is_some_and(|c| c > period.started_at))
}

/// Completes the office's review when nothing is left to confirm and it [`finishes`].
/// Returns whether it completed.
pub(crate) async fn settle(
    tx: &mut dyn Tx,
    rules: &ReviewRules,
    by: &Actor<'_>,
    office: Uuid,
    deactivated: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, ApiError> {
    let (period, items) = current(tx, rules, office).await?;
    if !complete(&items, &period) || !finishes(rules, &period, &items, now) {
        return Ok(false);
    }
    let record = ReviewRecord {
        id: crate::store::new_id(now),
        office_id: office,
        started_at: period.started_at,
        due_at: period.due_at,
        completed_at: now,
        completed_by: by.id,
        confirmed: i64::try_from(items.len()).unwrap_or(i64::MAX),
        deactivated,
    };
    tx.insert_review(&record).await?;
    tx.audit(
        &by.audit(
            AuditAction::AccessReviewCompleted,
            None,
            Some(office),
            json!({ "due_at": period.due_at, "confirmed": record.confirmed, "deactivated": deactivated }),
        ),
        now,
    )
    .await?;
    Ok(true)
}

/// [`settle`] with the policy's rules, for the services that set rights or deactivate.
pub(crate) async fn settle_after_change(
    state: &AppState,
    tx: &mut dyn Tx,
    by: &Actor<'_>,
    office: Option<Uuid>,
) -> Result<(), ApiError> {
    if let Some(office) = office {
        settle(tx, &rules(state), by, office, 0, state.now()).await?;
    }
    Ok(())
}

async fn describe(
    state: &AppState,
    tx: &mut dyn Tx,
    office: Uuid,
) -> Result<AccessReviewResponse, ApiError> {
    let now = state.now();
    let rules = rules(state);
    let (period, items) = current(tx, &rules, office).await?;
    let mut ids: Vec<Uuid> = items.iter().map(|i| i.account_id).collect();
    ids.sort();
    ids.dedup();
    let mut accounts = tx.accounts_by_ids(&ids).await?;
    accounts.sort_by_key(|a| a.name.to_lowercase());
    let rights = tx.rights_of_accounts(&ids).await?;
    let reviewed = accounts
        .into_iter()
        .map(|a| {
            let portfolios: Vec<ReviewPortfolio> =
                portfolios_of(rights.iter().filter(|r| r.account_id == a.id))
                    .into_iter()
                    .map(|p| {
                        let item = items
                            .iter()
                            .find(|i| i.account_id == a.id && i.portfolio_id == p.portfolio_id);
                        ReviewPortfolio {
                            settled: item.is_none_or(|i| i.settled(&period)),
                            confirmed_at: item.and_then(|i| i.confirmed_at),
                            portfolio_id: p.portfolio_id,
                            agency_number: p.agency_number,
                            portfolio_name: p.portfolio_name,
                            rights: p.rights,
                        }
                    })
                    .collect();
            ReviewAccount {
                account_id: a.id,
                name: a.name.clone(),
                email: a.email.to_string(),
                status: a.status,
                settled: portfolios.iter().all(|p| p.settled),
                portfolios,
            }
        })
        .collect();
    let history = tx
        .reviews_of(office, HISTORY)
        .await?
        .into_iter()
        .map(|(r, by)| AccessReviewRecord {
            started_at: r.started_at,
            due_at: r.due_at,
            completed_at: r.completed_at,
            completed_by_name: by,
            confirmed: u32::try_from(r.confirmed).unwrap_or(u32::MAX),
            deactivated: u32::try_from(r.deactivated).unwrap_or(u32::MAX),
        })
        .collect();
    Ok(AccessReviewResponse {
        office_id: office,
        started_at: period.started_at,
        due_at: period.due_at,
        state: rules.state(&period, now),
        pending: u32::try_from(items.iter().filter(|i| !i.settled(&period)).count())
            .unwrap_or(u32::MAX),
        accounts: reviewed,
        history,
    })
}

/// The office's current review.
pub async fn status(state: &AppState, office: Uuid) -> Result<AccessReviewResponse, ApiError> {
    let mut tx = state.store.read().await?;
    let response = describe(state, tx.as_mut(), office).await?;
    tx.commit().await?;
    Ok(response)
}

/// Keeps rights: one account's, every account's on one portfolio, or one account's on one
/// portfolio. Completes the review when nothing is left.
pub async fn confirm(
    state: &AppState,
    by: &Actor<'_>,
    office: Uuid,
    request: &ConfirmReviewRequest,
) -> Result<AccessReviewResponse, ApiError> {
    if request.account_id.is_none() && request.portfolio_id.is_none() {
        return Err(ApiError::invalid_request(
            "account_id or portfolio_id (or both) is needed".to_string(),
        ));
    }
    let now = state.now();
    let rules = rules(state);
    let mut tx = state.store.begin().await?;
    tx.lock_office(office).await?;
    let (period, items) = current(tx.as_mut(), &rules, office).await?;
    let chosen: Vec<&ReviewItem> = items
        .iter()
        .filter(|i| request.account_id.is_none_or(|a| a == i.account_id))
        .filter(|i| request.portfolio_id.is_none_or(|p| p == i.portfolio_id))
        .collect();
    if chosen.is_empty() {
        // No such account or portfolio in this office's review.
        return Err(ErrorCode::NotFound.into());
    }
    let pairs: Vec<(Uuid, Uuid)> = chosen
        .iter()
        .filter(|i| !i.settled(&period))
        .map(|i| (i.account_id, i.portfolio_id))
        .collect();
    if !pairs.is_empty() {
        tx.confirm_rights(&pairs, by.id, now).await?;
        tx.audit(
            &by.audit(
                AuditAction::AccessReviewConfirmed,
                request.account_id,
                Some(office),
                json!({ "portfolio_id": request.portfolio_id, "confirmed": pairs.len() }),
            ),
            now,
        )
        .await?;
        settle(tx.as_mut(), &rules, by, office, 0, now).await?;
    }
    let response = describe(state, tx.as_mut(), office).await?;
    tx.commit().await?;
    Ok(response)
}

/// The offices whose review is overdue or due soon, by due date (the relations team).
pub async fn due(state: &AppState) -> Result<OfficeReviewListResponse, ApiError> {
    let now = state.now();
    let rules = rules(state);
    let mut tx = state.store.read().await?;
    let offices = tx.offices_for_review().await?;
    tx.commit().await?;
    let mut list: Vec<OfficeReviewResponse> = offices
        .into_iter()
        .filter_map(|o| {
            let period = rules.period(o.created_at, o.last_completed);
            let state = rules.state(&period, now);
            (state != AccessReviewState::OnTime).then_some(OfficeReviewResponse {
                office_id: o.office_id,
                office_name: o.name,
                kvk_number: o.kvk_number,
                started_at: period.started_at,
                due_at: period.due_at,
                state,
                last_completed_at: o.last_completed,
            })
        })
        .collect();
    list.sort_by_key(|o| (o.due_at, o.office_id));
    Ok(OfficeReviewListResponse { offices: list })
}

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    pub reminders: u64,
    pub deactivated: u64,
    pub completed: u64,
}

/// Sends the reminders that are due, completes reviews with nothing left, and (when
/// configured) deactivates what was not confirmed after the grace period; each step once per
/// office and due date, whichever instance gets there first.
pub async fn sweep(state: &AppState) -> Result<Swept, ApiError> {
    let now = state.now();
    let rules = rules(state);
    let nobody = ClientInfo {
        ip: None,
        user_agent: None,
    };
    let system = Actor::nobody(&nobody);
    let mut swept = Swept::default();
    let offices = {
        let mut tx = state.store.read().await?;
        let offices = tx.offices_for_review().await?;
        tx.commit().await?;
        offices
    };
    for office in offices {
        let period = rules.period(office.created_at, office.last_completed);
        if rules.state(&period, now) == AccessReviewState::OnTime {
            continue;
        }
        let mut tx = state.store.begin().await?;
        tx.lock_office(office.office_id).await?;
        if settle(tx.as_mut(), &rules, &system, office.office_id, 0, now).await? {
            swept.completed += 1;
            tx.commit().await?;
            continue;
        }
        let (period, items) = current(tx.as_mut(), &rules, office.office_id).await?;
        let pending: Vec<&ReviewItem> = items.iter().filter(|i| !i.settled(&period)).collect();
        let mut mails = Vec::new();
        for step in rules.steps(&period, now) {
            if !tx
                .record_review_step(office.office_id, period.due_at, step.kind(), now)
                .await?
            {
                continue;
            }
            match step {
                Step::Remind(_) => {
                    // Whole days left, rounded up (a sweep may come a little after the mark).
                    let days = ((period.due_at - now).num_hours() + 23) / 24;
                    for admin in tx.office_admins(office.office_id).await? {
                        mails.push(messages::review_reminder(
                            &state.settings,
                            admin.email.as_str(),
                            &admin.name,
                            pending.len(),
                            days,
                            &format!("{}/beheer?tab=review", state.public_url),
                        ));
                    }
                    tx.audit(
                        &system.audit(
                            AuditAction::AccessReviewReminderSent,
                            None,
                            Some(office.office_id),
                            json!({ "days_before": days, "pending": pending.len(), "due_at": period.due_at }),
                        ),
                        now,
                    )
                    .await?;
                    swept.reminders += 1;
                }
                Step::Enforce => {
                    let mut ids: Vec<Uuid> = pending.iter().map(|i| i.account_id).collect();
                    ids.sort();
                    ids.dedup();
                    let mut names = Vec::new();
                    for account in tx.accounts_by_ids(&ids).await? {
                        if account.status == AccountStatus::Deactivated {
                            continue;
                        }
                        tx.deactivate(account.id, now).await?;
                        let ended = tx.end_sessions_of_account(account.id, now).await?;
                        tx.audit(
                            &system.audit(
                                AuditAction::AccountDeactivated,
                                Some(account.id),
                                Some(office.office_id),
                                json!({ "sessions_ended": ended, "reason": "access_review_overdue" }),
                            ),
                            now,
                        )
                        .await?;
                        mails.push(messages::review_deactivated(
                            &state.settings,
                            account.email.as_str(),
                            &account.name,
                        ));
                        names.push(account.name);
                    }
                    for admin in tx.office_admins(office.office_id).await? {
                        mails.push(messages::review_enforced(
                            &state.settings,
                            admin.email.as_str(),
                            &admin.name,
                            &names,
                        ));
                    }
                    let count = i64::try_from(names.len()).unwrap_or(i64::MAX);
                    swept.deactivated += names.len() as u64;
                    if settle(tx.as_mut(), &rules, &system, office.office_id, count, now).await? {
                        swept.completed += 1;
                    }
                }
            }
        }
        tx.enqueue(&mails, now).await?;
        tx.commit().await?;
    }
    if swept.reminders + swept.deactivated > 0 {
        state.outbox_wake.notify_one();
    }
    Ok(swept)
}

/// Runs [`sweep`] until the task is dropped: at start, then every `every`.
pub async fn run(state: actix_web::web::Data<AppState>, every: std::time::Duration) {
    loop {
        match sweep(&state).await {
            Ok(swept) if swept != Swept::default() => {
                tracing::info!(?swept, "access reviews: reminders and completions");
            }
            Ok(_) => {}
            Err(error) => tracing::error!(error = ?error, "access reviews: sweep failed"),
        }
        tokio::time::sleep(every).await;
    }
}
