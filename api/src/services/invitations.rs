//! Invitations: the only way to a new account. An administrator (or the relations team)
//! invites; the invitee gets a link by e-mail; re-sending or an automatic renewal after
//! expiry replaces the link (the old one stops working); withdrawing ends it.

use chrono::Duration;
use poort_shared::ErrorCode;
use poort_shared::dto::{
    AccountStatus, InvitationEventKind, InvitationEventResponse, InvitationKind,
    InvitationLinkResponse, InvitationResponse, InvitationStatus, RightsGrant, Role, SetupStep,
};
use poort_shared::validate::{Email, parse_name};
use serde_json::json;
use uuid::Uuid;

use super::{Scope, parse};
use crate::auth::principal::ClientInfo;
use crate::auth::secrets::{new_token, token_hash};
use crate::error::ApiError;
use crate::messages::{self, InvitationMail, InvitationText};
use crate::startup::AppState;
use crate::store::{
    Account, AuditRecord, Invitation, InvitationEvent, InvitationLink, Tx, fetch_account, new_id,
};

/// Who is inviting.
pub struct Inviter<'a> {
    pub actor: Option<Uuid>,
    pub client: &'a ClientInfo,
}

/// What an invitation creates.
pub struct NewInvitee<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub office_id: Option<Uuid>,
    pub rights: &'a [RightsGrant],
}

/// Checks rights grants against the office's portfolios and the catalogue; returns the
/// (portfolio, right) pairs, without duplicates.
pub async fn validate_grants(
    tx: &mut dyn Tx,
    office_id: Option<Uuid>,
    grants: &[RightsGrant],
) -> Result<Vec<(Uuid, String)>, ApiError> {
    if grants.is_empty() {
        return Ok(Vec::new());
    }
    let Some(office_id) = office_id else {
        return Err(ErrorCode::UnknownPortfolio.into());
    };
    let portfolios: Vec<Uuid> = tx
        .portfolios_of(office_id)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let catalogue: Vec<String> = tx
        .rights_catalogue()
        .await?
        .into_iter()
        .map(|r| r.code)
        .collect();
    let mut pairs = Vec::new();
    for grant in grants {
        if !portfolios.contains(&grant.portfolio_id) {
            return Err(ErrorCode::UnknownPortfolio.into());
        }
        for right in &grant.rights {
            if !catalogue.contains(right) {
                return Err(ApiError::client(
                    actix_web::http::StatusCode::BAD_REQUEST,
                    ErrorCode::UnknownRight,
                    format!("unknown right {right:?}"),
                ));
            }
            let pair = (grant.portfolio_id, right.clone());
            if !pairs.contains(&pair) {
                pairs.push(pair);
            }
        }
    }
    Ok(pairs)
}

/// Invites a person: creates the account (status invited) with its rights, the invitation and
/// its link, and queues the e-mail, all in one transaction.
pub async fn invite(
    state: &AppState,
    by: &Inviter<'_>,
    who: &NewInvitee<'_>,
) -> Result<InvitationResponse, ApiError> {
    Ok(invite_with_link(state, by, who).await?.0)
}

/// [`invite`], also returning the link (only `poort bootstrap-operator` shows it: everyone
/// else gets it by e-mail).
pub async fn invite_with_link(
    state: &AppState,
    by: &Inviter<'_>,
    who: &NewInvitee<'_>,
) -> Result<(InvitationResponse, String), ApiError> {
    let name = parse(parse_name(who.name))?;
    let email = parse(Email::parse(who.email))?;
    let policy = &state.settings.policy;
    if let Some(ip) = &by.client.ip {
        state
            .limit(
                &format!("invite:client:{ip}"),
                policy.invitations_per_hour_per_client,
                Duration::hours(1),
            )
            .await?;
    }
    state
        .limit(
            &format!("invite:address:{}", email.key()),
            policy.invitations_per_day_per_address,
            Duration::days(1),
        )
        .await?;

    let now = state.now();
    let mut tx = state.store.begin().await?;
    let rights = validate_grants(tx.as_mut(), who.office_id, who.rights).await?;
    let office_name = match who.office_id {
        Some(id) => Some(
            tx.get_office(id)
                .await?
                .ok_or(ApiError::from(ErrorCode::NotFound))?
                .name,
        ),
        None => None,
    };
    // An address whose earlier invitation was withdrawn before acceptance may be invited again.
    let account = match tx.find_account_by_email(&email.key()).await? {
        Some(existing) => {
            let open = tx
                .invitations_of_account(existing.id)
                .await?
                .into_iter()
                .any(|i| i.status == InvitationStatus::Open);
            if existing.status != AccountStatus::Invited || open || existing.password_hash.is_some()
            {
                return Err(ErrorCode::EmailTaken.into());
            }
            let mut reused = existing;
            reused.name = name.clone();
            reused.email = email.as_str().to_string();
            reused.role = who.role;
            reused.office_id = who.office_id;
            reused.updated_at = now;
            tx.update_account(&reused).await?;
            reused
        }
        None => {
            let account = Account {
                id: new_id(now),
                office_id: who.office_id,
                role: who.role,
                email: email.as_str().to_string(),
                email_key: email.key(),
                name: name.clone(),
                mobile: None,
                status: AccountStatus::Invited,
                password_hash: None,
                password_changed_at: None,
                totp_secret: None,
                totp_last_step: None,
                ehk_pseudonym: None,
                failed_password_attempts: 0,
                last_sign_in_at: None,
                created_at: now,
                updated_at: now,
                pending_totp_secret: None,
            };
            tx.insert_account(&account).await.map_err(|e| match e {
                crate::store::StoreError::Conflict => ApiError::from(ErrorCode::EmailTaken),
                other => other.into(),
            })?;
            account
        }
    };
    tx.replace_rights(account.id, &rights, now).await?;
    let (invitation, link) = start_setup(
        state,
        tx.as_mut(),
        &account,
        office_name.as_deref(),
        InvitationKind::Invitation,
        by.actor,
    )
    .await?;
    tx.audit(
        &by.client.audit(
            by.actor,
            "invitation.sent",
            Some(account.id),
            who.office_id,
            json!({ "invitation_id": invitation.id, "role": who.role.as_str(), "rights": rights.len() }),
        ),
        now,
    )
    .await?;
    let response = describe(tx.as_mut(), &invitation, &account, now).await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok((response, link))
}

/// Creates an open invitation for `account` with a fresh link, and queues the e-mail. Used
/// for new accounts and for a reset of an existing account's sign-in set-up. Returns the
/// invitation and its link.
pub async fn start_setup(
    state: &AppState,
    tx: &mut dyn Tx,
    account: &Account,
    office_name: Option<&str>,
    kind: InvitationKind,
    actor: Option<Uuid>,
) -> Result<(Invitation, String), ApiError> {
    let now = state.now();
    let valid = Duration::days(state.settings.policy.invitation_valid_days);
    let invitation = Invitation {
        id: new_id(now),
        account_id: account.id,
        kind,
        status: InvitationStatus::Open,
        step: SetupStep::Password,
        created_by: actor,
        created_at: now,
        expires_at: now + valid,
        accepted_at: None,
        withdrawn_at: None,
        pending_password_hash: None,
        pending_mobile: None,
        verified_mobile: None,
        pending_totp_secret: None,
        setup_token_hash: None,
        setup_token_expires_at: None,
    };
    tx.insert_invitation(&invitation).await?;
    let why = match kind {
        InvitationKind::Invitation => InvitationMail::New,
        InvitationKind::Reset => InvitationMail::Reset,
    };
    let link = send_new_link(
        state,
        tx,
        &invitation,
        account,
        office_name,
        why,
        InvitationEventKind::Sent,
        actor,
    )
    .await?;
    Ok((invitation, link))
}

/// Stores a new link (valid from now) and queues the e-mail with it, recording `event`.
/// Returns the link.
#[allow(clippy::too_many_arguments)]
async fn send_new_link(
    state: &AppState,
    tx: &mut dyn Tx,
    invitation: &Invitation,
    account: &Account,
    office_name: Option<&str>,
    why: InvitationMail,
    event: InvitationEventKind,
    actor: Option<Uuid>,
) -> Result<String, ApiError> {
    let now = state.now();
    let valid_days = state.settings.policy.invitation_valid_days;
    let token = new_token()?;
    tx.insert_link(&InvitationLink {
        token_hash: token_hash(&token),
        invitation_id: invitation.id,
        created_at: now,
        expires_at: now + Duration::days(valid_days),
        superseded_at: None,
    })
    .await?;
    tx.insert_invitation_event(&InvitationEvent {
        invitation_id: invitation.id,
        kind: event,
        at: now,
        actor_id: actor,
        actor_name: None,
    })
    .await?;
    let link = state.invitation_link(&token);
    let message = messages::invitation(
        &state.settings,
        why,
        &InvitationText {
            to: &account.email,
            name: &account.name,
            office: office_name,
            link: &link,
            valid_days,
        },
    );
    tx.enqueue(&[message], now).await?;
    Ok(link)
}

/// Loads an invitation and its account, if inside `scope`; otherwise "not found".
async fn load_in_scope(
    tx: &mut dyn Tx,
    invitation_id: Uuid,
    scope: Scope,
    lock: bool,
) -> Result<(Invitation, Account), ApiError> {
    let invitation = tx
        .get_invitation(invitation_id)
        .await?
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    let account = fetch_account(tx, invitation.account_id, lock)
        .await?
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    if !scope.contains(account.office_id) {
        return Err(ErrorCode::NotFound.into());
    }
    Ok((invitation, account))
}

/// Sends an open invitation again with a new link; the previous link stops working.
pub async fn resend(
    state: &AppState,
    by: &Inviter<'_>,
    invitation_id: Uuid,
    scope: Scope,
) -> Result<InvitationResponse, ApiError> {
    let mut tx = state.store.read().await?;
    let (_, peek) = load_in_scope(tx.as_mut(), invitation_id, scope, false).await?;
    tx.commit().await?;
    state
        .limit(
            &format!("invite:address:{}", peek.email_key),
            state.settings.policy.invitations_per_day_per_address,
            Duration::days(1),
        )
        .await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (mut invitation, account) = load_in_scope(tx.as_mut(), invitation_id, scope, true).await?;
    if invitation.status != InvitationStatus::Open {
        return Err(ErrorCode::NotInvited.into());
    }
    tx.supersede_links_of(invitation.id, now).await?;
    invitation.expires_at = now + Duration::days(state.settings.policy.invitation_valid_days);
    tx.update_invitation(&invitation).await?;
    let office_name = office_name(tx.as_mut(), &account).await?;
    let why = match invitation.kind {
        InvitationKind::Invitation => InvitationMail::Resent,
        InvitationKind::Reset => InvitationMail::Reset,
    };
    send_new_link(
        state,
        tx.as_mut(),
        &invitation,
        &account,
        office_name.as_deref(),
        why,
        InvitationEventKind::Resent,
        by.actor,
    )
    .await?;
    tx.audit(
        &by.client.audit(
            by.actor,
            "invitation.resent",
            Some(account.id),
            account.office_id,
            json!({ "invitation_id": invitation.id }),
        ),
        now,
    )
    .await?;
    let response = describe(tx.as_mut(), &invitation, &account, now).await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(response)
}

/// Withdraws an open invitation: its links stop working at once.
pub async fn withdraw(
    state: &AppState,
    by: &Inviter<'_>,
    invitation_id: Uuid,
    scope: Scope,
) -> Result<InvitationResponse, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (mut invitation, account) = load_in_scope(tx.as_mut(), invitation_id, scope, true).await?;
    if invitation.status != InvitationStatus::Open {
        return Err(ErrorCode::NotInvited.into());
    }
    invitation.status = InvitationStatus::Withdrawn;
    invitation.withdrawn_at = Some(now);
    invitation.setup_token_hash = None;
    invitation.pending_totp_secret = None;
    invitation.pending_password_hash = None;
    tx.update_invitation(&invitation).await?;
    tx.supersede_links_of(invitation.id, now).await?;
    tx.insert_invitation_event(&InvitationEvent {
        invitation_id: invitation.id,
        kind: InvitationEventKind::Withdrawn,
        at: now,
        actor_id: by.actor,
        actor_name: None,
    })
    .await?;
    tx.audit(
        &by.client.audit(
            by.actor,
            "invitation.withdrawn",
            Some(account.id),
            account.office_id,
            json!({ "invitation_id": invitation.id }),
        ),
        now,
    )
    .await?;
    let response = describe(tx.as_mut(), &invitation, &account, now).await?;
    tx.commit().await?;
    Ok(response)
}

/// The invitations of an office, newest first, with their history.
pub async fn list_in_office(
    state: &AppState,
    office_id: Uuid,
) -> Result<Vec<InvitationResponse>, ApiError> {
    let now = state.now();
    let mut tx = state.store.read().await?;
    let accounts = tx.list_accounts(Some(office_id), None, 10_000).await?;
    let mut out = Vec::new();
    for invitation in tx.invitations_in_office(office_id).await? {
        if let Some(account) = accounts.iter().find(|a| a.id == invitation.account_id) {
            out.push(describe(tx.as_mut(), &invitation, account, now).await?);
        }
    }
    tx.commit().await?;
    Ok(out)
}

/// The invitations of one account, newest first.
pub async fn list_for_account(
    tx: &mut dyn Tx,
    account: &Account,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<InvitationResponse>, ApiError> {
    let mut out = Vec::new();
    for invitation in tx.invitations_of_account(account.id).await? {
        out.push(describe(tx, &invitation, account, now).await?);
    }
    Ok(out)
}

async fn office_name(tx: &mut dyn Tx, account: &Account) -> Result<Option<String>, ApiError> {
    Ok(match account.office_id {
        Some(id) => tx.get_office(id).await?.map(|o| o.name),
        None => None,
    })
}

pub async fn describe(
    tx: &mut dyn Tx,
    invitation: &Invitation,
    account: &Account,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<InvitationResponse, ApiError> {
    let events = tx
        .events_of_invitation(invitation.id)
        .await?
        .into_iter()
        .map(|e| InvitationEventResponse {
            kind: e.kind,
            at: e.at,
            actor_name: e.actor_name,
        })
        .collect();
    Ok(InvitationResponse {
        id: invitation.id,
        account_id: account.id,
        name: account.name.clone(),
        email: account.email.clone(),
        kind: invitation.kind,
        status: invitation.status,
        expired: invitation.status == InvitationStatus::Open && now >= invitation.expires_at,
        expires_at: invitation.expires_at,
        created_at: invitation.created_at,
        accepted_at: invitation.accepted_at,
        events,
    })
}

/// The state of the link a request carries.
pub struct OpenLink {
    pub invitation: Invitation,
    pub account: Account,
    pub link: InvitationLink,
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
    match invitation.status {
        InvitationStatus::Accepted => return Err(ErrorCode::InvitationUsed.into()),
        InvitationStatus::Withdrawn => return Err(ErrorCode::InvitationWithdrawn.into()),
        InvitationStatus::Open => {}
    }
    if link.superseded_at.is_some() {
        return Err(ErrorCode::InvitationSuperseded.into());
    }
    if now >= link.expires_at {
        return Err(ErrorCode::InvitationExpired.into());
    }
    let account = fetch_account(tx, invitation.account_id, lock)
        .await?
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
                name: open.account.name,
                email: open.account.email,
                office_name,
                role: open.account.role,
                step: open.invitation.step,
                expires_at: open.link.expires_at,
            })
        }
        Err(ApiError::Client {
            code: ErrorCode::InvitationExpired,
            ..
        }) => renew(state, tx, token, client).await,
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
            now - Duration::days(1),
        )
        .await?;
    if renewals >= state.settings.policy.invitation_renewals_per_day {
        tx.audit(
            &client.audit(
                None,
                "invitation.renewal_refused",
                Some(account.id),
                account.office_id,
                json!({ "invitation_id": invitation.id }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(ErrorCode::InvitationRenewalLimit.into());
    }
    if !tx.supersede_link(&link.token_hash, now).await? {
        // Another click renewed it a moment ago.
        return Err(ErrorCode::InvitationSuperseded.into());
    }
    invitation.expires_at = now + Duration::days(state.settings.policy.invitation_valid_days);
    tx.update_invitation(&invitation).await?;
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
            "invitation.renewed",
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

/// Whether an active relations-team account exists.
pub async fn has_active_operator(state: &AppState) -> Result<bool, ApiError> {
    let mut tx = state.store.read().await?;
    let n = tx.count_active_operators().await?;
    tx.commit().await?;
    Ok(n > 0)
}

/// The first relations-team invitation, made from the command line. Refused once an active
/// operator exists (operators invite each other in the console). Returns the link.
pub async fn bootstrap_operator(
    state: &AppState,
    name: &str,
    email: &str,
) -> Result<String, ApiError> {
    if has_active_operator(state).await? {
        return Err(ApiError::client(
            actix_web::http::StatusCode::CONFLICT,
            ErrorCode::AlreadyExists,
            "an active relations-team account exists already; operators invite each other in the console",
        ));
    }
    // Running the command again replaces an earlier, unaccepted bootstrap invitation.
    let parsed = parse(Email::parse(email))?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    if let Some(existing) = tx.find_account_by_email(&parsed.key()).await? {
        for mut open in tx
            .invitations_of_account(existing.id)
            .await?
            .into_iter()
            .filter(|i| i.status == InvitationStatus::Open)
        {
            open.status = InvitationStatus::Withdrawn;
            open.withdrawn_at = Some(now);
            tx.update_invitation(&open).await?;
            tx.supersede_links_of(open.id, now).await?;
        }
    }
    tx.commit().await?;
    let client = ClientInfo {
        ip: None,
        user_agent: Some("poort bootstrap-operator".into()),
    };
    let (_, link) = invite_with_link(
        state,
        &Inviter {
            actor: None,
            client: &client,
        },
        &NewInvitee {
            name,
            email,
            role: Role::Operator,
            office_id: None,
            rights: &[],
        },
    )
    .await?;
    Ok(link)
}

/// An audit record without a signed-in actor (the invitee).
pub fn invitee_audit(
    client: &ClientInfo,
    action: &'static str,
    account: &Account,
    details: serde_json::Value,
) -> AuditRecord {
    client.audit(None, action, Some(account.id), account.office_id, details)
}
