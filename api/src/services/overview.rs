//! The relations team's view of the whole: the numbers that matter (each what a filtered list
//! shows) and the messages given up on.

use poort_shared::dto::{DeadLetterListResponse, DeadLetterResponse, OverviewResponse};

use crate::domain::listing;
use crate::error::ApiError;
use crate::state::AppState;

/// The relations team's numbers.
pub async fn overview(state: &AppState) -> Result<OverviewResponse, ApiError> {
    let mut tx = state.store.read().await?;
    let o = tx.overview(state.now()).await?;
    tx.commit().await?;
    Ok(OverviewResponse {
        offices: o.offices,
        active_accounts: o.active_accounts,
        blocked_accounts: o.blocked_accounts,
        accounts_without_rights: o.accounts_without_rights,
        open_invitations: o.open_invitations,
        expired_invitations: o.expired_invitations,
        dead_letters: o.dead_letters,
    })
}

/// A page of the messages given up on, newest first.
pub async fn dead_letters(
    state: &AppState,
    offset: Option<i64>,
    limit: Option<i64>,
) -> Result<DeadLetterListResponse, ApiError> {
    let page = listing::DEAD_LETTERS
        .page(offset, limit)
        .map_err(ApiError::invalid_request)?;
    let mut found = state.store.dead_letters(page.offset, page.probe()).await?;
    let next_offset = page.next_offset(found.len());
    found.truncate(page.limit as usize);
    Ok(DeadLetterListResponse {
        messages: found
            .into_iter()
            .map(|m| DeadLetterResponse {
                id: m.id,
                channel: m.channel,
                recipient: m.recipient,
                subject: m.subject,
                attempts: m.attempts,
                created_at: m.created_at,
                last_error: m.last_error,
            })
            .collect(),
        next_offset,
    })
}
