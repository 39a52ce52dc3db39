//! Reading the audit trail: the relations team everything, an office's administrators their
//! own office.

use chrono::{DateTime, Utc};
use poort_shared::dto::{AuditAccountRef, AuditClientRef, AuditEventResponse, AuditPageResponse};
use uuid::Uuid;

use crate::domain::{Scope, listing};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::AuditFilter;

pub struct AuditQuery {
    pub office_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub api_client_id: Option<Uuid>,
    pub action: Option<String>,
    pub before: Option<Uuid>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
}

pub async fn page(
    state: &AppState,
    scope: Scope,
    q: AuditQuery,
) -> Result<AuditPageResponse, ApiError> {
    let limit = listing::BY_CURSOR
        .limit(q.limit)
        .map_err(ApiError::invalid_request)?;
    if listing::period_is_empty(q.since, q.until) {
        // A period that ends before it starts holds no events (the document cannot say
        // "after `since`", so such a request is valid and simply finds nothing).
        return Ok(AuditPageResponse {
            events: Vec::new(),
            next_before: None,
        });
    }
    let office_id = match scope {
        Scope::Office(own) => Some(own),
        Scope::All => q.office_id,
    };
    let rows = state
        .store
        .query_audit(&AuditFilter {
            office_id,
            account_id: q.account_id,
            api_client_id: q.api_client_id,
            action: q.action.filter(|a| !a.is_empty()),
            before: q.before,
            since: q.since,
            until: q.until,
            limit: limit + 1,
        })
        .await?;
    let more = rows.len() as i64 > limit;
    let events: Vec<AuditEventResponse> = rows
        .into_iter()
        .take(limit as usize)
        .map(|r| AuditEventResponse {
            id: r.id,
            at: r.at,
            action: r.action,
            actor: r.actor_id.map(|id| AuditAccountRef {
                id,
                name: r.actor_name,
                email: r.actor_email,
            }),
            actor_client: r.actor_client.map(|(id, client_id, name)| AuditClientRef {
                id,
                client_id,
                name,
            }),
            target: r.target_account_id.map(|id| AuditAccountRef {
                id,
                name: r.target_name,
                email: r.target_email,
            }),
            office_id: r.office_id,
            client_ip: r.client_ip,
            user_agent: r.user_agent,
            details: r.details,
        })
        .collect();
    let next_before = if more {
        events.last().map(|e| e.id)
    } else {
        None
    };
    Ok(AuditPageResponse {
        events,
        next_before,
    })
}
