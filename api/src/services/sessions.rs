//! Starting and ending sessions. A session starts only when a sign-in, a set-up or a password
//! reset is complete; its token (256 random bits) goes into the cookie and only its hash into
//! the database. Its limits are `domain::session`'s.

use poort_shared::dto::AuditAction;
use serde_json::json;
use uuid::Uuid;

use crate::auth::principal::{ClientInfo, Principal};
use crate::auth::secrets::{new_token, token_hash};
use crate::domain::Session;
use crate::domain::session::SessionRules;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Tx;

/// Creates a session for the account in `tx`; returns the token for the cookie.
pub async fn start(
    state: &AppState,
    tx: &mut dyn Tx,
    account_id: Uuid,
    client: &ClientInfo,
) -> Result<String, ApiError> {
    let now = state.now();
    let token = new_token()?;
    let session = Session {
        id: crate::store::new_id(now),
        account_id,
        created_at: now,
        last_seen_at: now,
        expires_at: SessionRules::from_policy(state.policy()).expires_at(now),
        ended_at: None,
        client_ip: client.ip.clone(),
        user_agent: client.user_agent.clone(),
        active_portfolio_id: None,
        reauthenticated_at: None,
    };
    tx.insert_session(&session, &token_hash(&token)).await?;
    Ok(token)
}

/// Ends the session of this request (signing out).
pub async fn end_own(state: &AppState, principal: &Principal) -> Result<(), ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    tx.end_session(principal.session_id, now).await?;
    tx.audit(
        &principal.audit_self(AuditAction::SessionEnded, json!({ "reason": "logout" })),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
