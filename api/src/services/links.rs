//! An invitation link: whether it can be used, and opening it. An expired link renews
//! itself (a new link by e-mail, within the daily budget of `domain::invitation`); the set-up
//! steps behind a link are `setup`'s.

use poort_shared::ErrorCode;
use poort_shared::dto::{AuditAction, InvitationEventKind, InvitationLinkResponse};
use serde_json::json;

use super::invitations::{office_name, rules, send_new_link};
use crate::auth::principal::ClientInfo;
use crate::auth::secrets::token_hash;
use crate::domain::invitation;
use crate::domain::{Account, Invitation, InvitationLink, Setup};
use crate::error::ApiError;
use crate::messages::InvitationMail;
use crate::state::AppState;
use crate::store::Tx;

/// The state of the link a request carries.
pub struct OpenLink {
    pub invitation: Invitation,
    pub account: Account,
    pub link: InvitationLink,
}

impl OpenLink {
    /// The set-up of the (open) invitation.
    pub fn setup(&self) -> Result<&Setup, ApiError> {
        self.invitation
            .setup()
            .ok_or_else(|| ErrorCode::InvitationUsed.into())
    }
}

/// Finds the invitation behind a link and checks the link may be used (not expired: that
/// case is [`open`]'s to handle).
pub async fn usable_link(
    tx: &mut dyn Tx,
    token: &str,
    now: chrono::DateTime<chrono::Utc>,
    lock: bool,
) -> Result<OpenLink, ApiError> {
    let link = tx
        .find_link(&token_hash(token))
        .await?
        .ok_or(ApiError::from(ErrorCode::InvitationNotFound))?;
    let invitation = tx
        .get_invitation(link.invitation_id)
        .await?
        .ok_or(ApiError::from(ErrorCode::InvitationNotFound))?;
    invitation::link_usable(&invitation, &link, now)?;
    let account = if lock {
        tx.lock_account(invitation.account_id).await?
    } else {
        tx.get_account(invitation.account_id).await?
    }
    .ok_or(ApiError::from(ErrorCode::InvitationNotFound))?;
    Ok(OpenLink {
        invitation,
        account,
        link,
    })
}

/// Opening a link. An expired (current) link sends a fresh invitation to the same address,
/// at most `invitation_renewals_per_day` times per 24 hours, and answers
/// `invitation_renewed`; the expired link then stops working, so each click renews once.
pub async fn open(
    state: &AppState,
    token: &str,
    client: &ClientInfo,
) -> Result<InvitationLinkResponse, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    match usable_link(tx.as_mut(), token, now, true).await {
        Ok(open) => {
            let office_name = office_name(tx.as_mut(), &open.account).await?;
            tx.commit().await?;
            Ok(InvitationLinkResponse {
                kind: open.invitation.kind,
                name: open.account.name.clone(),
                email: open.account.email.to_string(),
                office_name,
                role: open.account.role,
                step: open.invitation.step(),
                expires_at: open.link.expires_at,
            })
        }
        Err(error) if error.code() == ErrorCode::InvitationExpired => {
            renew(state, tx, token, client).await
        }
        Err(other) => Err(other),
    }
}

async fn renew(
    state: &AppState,
    mut tx: Box<dyn Tx>,
    token: &str,
    client: &ClientInfo,
) -> Result<InvitationLinkResponse, ApiError> {
    let now = state.now();
    let rules = rules(state);
    let link = tx
        .find_link(&token_hash(token))
        .await?
        .ok_or(ApiError::from(ErrorCode::InvitationNotFound))?;
    let mut invitation = tx
        .get_invitation(link.invitation_id)
        .await?
        .ok_or(ApiError::from(ErrorCode::InvitationNotFound))?;
    let account = tx
        .lock_account(invitation.account_id)
        .await?
        .ok_or(ApiError::from(ErrorCode::InvitationNotFound))?;
    let renewals = tx
        .count_invitation_events_since(
            invitation.id,
            InvitationEventKind::Renewed,
            rules.renewals_since(now),
        )
        .await?;
    if let Err(refusal) = rules.may_renew(renewals) {
        tx.audit(
            &client.audit(
                None,
                AuditAction::InvitationRenewalRefused,
                Some(account.id),
                account.office_id,
                json!({ "invitation_id": invitation.id }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(refusal.into());
    }
    if !tx.supersede_link(&link.token_hash, now).await? {
        // Another click renewed it a moment ago.
        return Err(ErrorCode::InvitationSuperseded.into());
    }
    invitation.expires_at = rules.link_expires_at(now);
    tx.set_invitation_expiry(invitation.id, invitation.expires_at)
        .await?;
    let office_name = office_name(tx.as_mut(), &account).await?;
    send_new_link(
        state,
        tx.as_mut(),
        &invitation,
        &account,
        office_name.as_deref(),
        InvitationMail::Renewed,
        InvitationEventKind::Renewed,
        None,
    )
    .await?;
    tx.audit(
        &client.audit(
            None,
            AuditAction::InvitationRenewed,
            Some(account.id),
            account.office_id,
            json!({ "invitation_id": invitation.id }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Err(ErrorCode::InvitationRenewed.into())
}
