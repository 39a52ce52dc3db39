//! Invitations: the only way to a new account. An administrator (or the relations team)
//! invites; the invitee gets a link by e-mail; re-sending or an automatic renewal after
//! expiry replaces the link (the old one stops working); withdrawing ends it. The rules (link
//! validity, renewal budget, who may be invited again) are in `domain::invitation` and
//! `domain::account`.

use poort_shared::ErrorCode;
use poort_shared::dto::{
    AccountStatus, AuditAction, InvitationEventKind, InvitationEventResponse, InvitationFilter,
    InvitationKind, InvitationListResponse, InvitationResponse, InviteRequest, RightsGrant, Role,
};
use poort_shared::validate::{Email, parse_name};
use serde_json::json;
use uuid::Uuid;

use crate::auth::principal::{Actor, ClientInfo};
use crate::auth::secrets::{new_token, token_hash};
use crate::domain::invitation::InvitationRules;
use crate::domain::limits::Limit;
use crate::domain::office::{GrantRefused, grant_pairs};
use crate::domain::{
    Account, Invitation, InvitationEvent, InvitationLink, InvitationState, Scope, Setup, listing,
};
use crate::error::ApiError;
use crate::messages::{self, InvitationMail, InvitationText};
use crate::state::AppState;
use crate::store::{AuditRecord, StoreError, Tx};

/// What an invitation creates.
pub struct NewInvitee<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub office_id: Option<Uuid>,
    pub rights: &'a [RightsGrant],
}

impl<'a> NewInvitee<'a> {
    /// Someone of `office`, as an invitation request names them.
    pub fn of_office(request: &'a InviteRequest, office: Uuid) -> Self {
        NewInvitee {
            name: &request.name,
            email: &request.email,
            role: if request.administrator {
                Role::OfficeAdmin
            } else {
                Role::Adviser
            },
            office_id: Some(office),
            rights: &request.rights,
        }
    }
}

pub(super) fn rules(state: &AppState) -> InvitationRules {
    InvitationRules::from_policy(state.policy())
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
    let portfolios: Option<Vec<Uuid>> = match office_id {
        Some(office) => Some(
            tx.portfolios_of(office)
                .await?
                .into_iter()
                .map(|p| p.id)
                .collect(),
        ),
        None => None,
    };
    let catalogue: Vec<String> = tx
        .rights_catalogue()
        .await?
        .into_iter()
        .map(|r| r.code)
        .collect();
    grant_pairs(portfolios.as_deref(), &catalogue, grants).map_err(|refused| match refused {
        GrantRefused::UnknownPortfolio => ErrorCode::UnknownPortfolio.into(),
        GrantRefused::UnknownRight(right) => ApiError::client(
            actix_web::http::StatusCode::BAD_REQUEST,
            ErrorCode::UnknownRight,
            format!("unknown right {right:?}"),
        ),
    })
}

/// Invites a person: creates the account (status invited) with its rights, the invitation and
/// its link, and queues the e-mail, all in one transaction.
pub async fn invite(
    state: &AppState,
    by: &Actor<'_>,
    scope: Scope,
    who: &NewInvitee<'_>,
) -> Result<InvitationResponse, ApiError> {
    Ok(invite_with_link(state, by, scope, who).await?.0)
}

/// [`invite`], also returning the link (only `poort bootstrap-operator` shows it: everyone
/// else gets it by e-mail).
pub async fn invite_with_link(
    state: &AppState,
    by: &Actor<'_>,
    scope: Scope,
    who: &NewInvitee<'_>,
) -> Result<(InvitationResponse, String), ApiError> {
    let name = parse_name(who.name)?;
    let email = Email::parse(who.email)?;
    if let Some(ip) = &by.client.ip {
        state.limit(Limit::InvitationsPerClient(ip)).await?;
    }
    state
        .limit(Limit::InvitationsPerAddress(&email.key()))
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
                .iter()
                .any(Invitation::is_open);
            crate::domain::account::may_invite_again(&existing, open, scope)?;
            tx.reinvite(existing.id, &name, &email, who.role, who.office_id, now)
                .await?;
            Account {
                name: name.clone(),
                email: email.clone(),
                role: who.role,
                office_id: who.office_id,
                updated_at: now,
                ..existing
            }
        }
        None => {
            let account = Account {
                id: crate::store::new_id(now),
                office_id: who.office_id,
                role: who.role,
                email: email.clone(),
                name: name.clone(),
                mobile: None,
                status: AccountStatus::Invited,
                password_hash: None,
                password_changed_at: None,
                totp_secret: None,
                totp_last_step: None,
                pending_totp_secret: None,
                ehk_pseudonym: None,
                passkeys: 0,
                wrong_passwords: 0,
                wrong_codes: 0,
                deactivated_from: None,
                last_sign_in_at: None,
                created_at: now,
                updated_at: now,
            };
            tx.insert_account(&account).await.map_err(|e| match e {
                StoreError::Conflict => ApiError::from(ErrorCode::EmailTaken),
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
        by.id,
    )
    .await?;
    tx.audit(
        &by.audit(
            AuditAction::InvitationSent,
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
    let invitation = Invitation {
        id: crate::store::new_id(now),
        account_id: account.id,
        kind,
        created_by: actor,
        created_at: now,
        expires_at: rules(state).link_expires_at(now),
        state: InvitationState::Open {
            setup: Setup::Password,
            token: None,
        },
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
pub(super) async fn send_new_link(
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
    let token = new_token()?;
    tx.insert_link(&InvitationLink {
        token_hash: token_hash(&token),
        invitation_id: invitation.id,
        created_at: now,
        expires_at: rules(state).link_expires_at(now),
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
            to: account.email.as_str(),
            name: &account.name,
            office: office_name,
            link: &link,
            valid_days: state.policy().invitation_valid_days,
        },
    );
    tx.enqueue(&[message], now).await?;
    Ok(link)
}

/// Withdraws every open invitation of an account (before a new one replaces them); their
/// links stop working.
pub async fn withdraw_open(
    tx: &mut dyn Tx,
    account_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    for open in tx
        .invitations_of_account(account_id)
        .await?
        .into_iter()
        .filter(Invitation::is_open)
    {
        tx.save_invitation_state(open.id, &open.withdrawn(now)?)
            .await?;
        tx.supersede_links_of(open.id, now).await?;
    }
    Ok(())
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
    let account = if lock {
        tx.lock_account(invitation.account_id).await?
    } else {
        tx.get_account(invitation.account_id).await?
    }
    .filter(|a| scope.contains(a.office_id))
    .ok_or(ApiError::from(ErrorCode::NotFound))?;
    Ok((invitation, account))
}

/// Sends an open invitation again with a new link; the previous link stops working.
pub async fn resend(
    state: &AppState,
    by: &Actor<'_>,
    invitation_id: Uuid,
    scope: Scope,
) -> Result<InvitationResponse, ApiError> {
    let mut tx = state.store.read().await?;
    let (_, peek) = load_in_scope(tx.as_mut(), invitation_id, scope, false).await?;
    tx.commit().await?;
    state
        .limit(Limit::InvitationsPerAddress(&peek.email_key()))
        .await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (mut invitation, account) = load_in_scope(tx.as_mut(), invitation_id, scope, true).await?;
    if !invitation.is_open() {
        return Err(ErrorCode::NotInvited.into());
    }
    tx.supersede_links_of(invitation.id, now).await?;
    invitation.expires_at = rules(state).link_expires_at(now);
    tx.set_invitation_expiry(invitation.id, invitation.expires_at)
        .await?;
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
        by.id,
    )
    .await?;
    tx.audit(
        &by.audit(
            AuditAction::InvitationResent,
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
    by: &Actor<'_>,
    invitation_id: Uuid,
    scope: Scope,
) -> Result<InvitationResponse, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (mut invitation, account) = load_in_scope(tx.as_mut(), invitation_id, scope, true).await?;
    invitation.state = invitation.withdrawn(now)?;
    tx.save_invitation_state(invitation.id, &invitation.state)
        .await?;
    tx.supersede_links_of(invitation.id, now).await?;
    tx.insert_invitation_event(&InvitationEvent {
        invitation_id: invitation.id,
        kind: InvitationEventKind::Withdrawn,
        at: now,
        actor_id: by.id,
        actor_name: None,
    })
    .await?;
    tx.audit(
        &by.audit(
            AuditAction::InvitationWithdrawn,
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

/// One page of an office's invitations, newest first, with their history: at most `limit`
/// (1–500, default 50), older than `before` if given.
pub async fn list_in_office(
    state: &AppState,
    office_id: Uuid,
    before: Option<Uuid>,
    limit: Option<i64>,
) -> Result<InvitationListResponse, ApiError> {
    let limit = listing::BY_CURSOR
        .limit(limit)
        .map_err(ApiError::invalid_request)?;
    let mut tx = state.store.read().await?;
    let found = tx
        .invitations_in_office(office_id, before, limit + 1)
        .await?;
    let page = answer_page(tx.as_mut(), found, limit, state.now(), false).await?;
    tx.commit().await?;
    Ok(page)
}

/// One page of the open invitations of every office whose link works or (`filter` expired)
/// has expired, newest first, with their office and history.
pub async fn list_open(
    state: &AppState,
    filter: InvitationFilter,
    before: Option<Uuid>,
    limit: Option<i64>,
) -> Result<InvitationListResponse, ApiError> {
    let limit = listing::BY_CURSOR
        .limit(limit)
        .map_err(ApiError::invalid_request)?;
    let now = state.now();
    let mut tx = state.store.read().await?;
    let found = tx
        .open_invitations(filter == InvitationFilter::Expired, now, before, limit + 1)
        .await?;
    let page = answer_page(tx.as_mut(), found, limit, now, true).await?;
    tx.commit().await?;
    Ok(page)
}

/// A page of invitations (read one beyond `limit`) as answered: their accounts and histories
/// in one query each, and their offices' names when asked.
async fn answer_page(
    tx: &mut dyn Tx,
    mut invitations: Vec<Invitation>,
    limit: i64,
    now: chrono::DateTime<chrono::Utc>,
    office_names: bool,
) -> Result<InvitationListResponse, ApiError> {
    let more = invitations.len() as i64 > limit;
    invitations.truncate(limit as usize);
    let mut ids: Vec<Uuid> = invitations.iter().map(|i| i.account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let accounts: std::collections::HashMap<Uuid, Account> = tx
        .accounts_by_ids(&ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut names: std::collections::HashMap<Uuid, String> = std::collections::HashMap::new();
    if office_names {
        let mut offices: Vec<Uuid> = accounts.values().filter_map(|a| a.office_id).collect();
        offices.sort_unstable();
        offices.dedup();
        for id in offices {
            if let Some(office) = tx.get_office(id).await? {
                names.insert(id, office.name);
            }
        }
    }
    let ids: Vec<Uuid> = invitations.iter().map(|i| i.id).collect();
    let mut events: std::collections::HashMap<Uuid, Vec<InvitationEvent>> =
        std::collections::HashMap::new();
    for event in tx.events_of_invitations(&ids).await? {
        events.entry(event.invitation_id).or_default().push(event);
    }
    let out: Vec<InvitationResponse> = invitations
        .iter()
        .filter_map(|invitation| {
            let account = accounts.get(&invitation.account_id)?;
            let history = events.remove(&invitation.id).unwrap_or_default();
            let mut answer = response(invitation, account, history, now);
            answer.office_name = account.office_id.and_then(|id| names.get(&id).cloned());
            Some(answer)
        })
        .collect();
    Ok(InvitationListResponse {
        next_before: if more {
            invitations.last().map(|i| i.id)
        } else {
            None
        },
        invitations: out,
    })
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

/// The name of the account's office (None for the relations team).
pub async fn office_name(tx: &mut dyn Tx, account: &Account) -> Result<Option<String>, ApiError> {
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
    let events = tx.events_of_invitation(invitation.id).await?;
    Ok(response(invitation, account, events, now))
}

/// The invitation as answered, with its history (`events`, oldest first).
fn response(
    invitation: &Invitation,
    account: &Account,
    events: Vec<InvitationEvent>,
    now: chrono::DateTime<chrono::Utc>,
) -> InvitationResponse {
    InvitationResponse {
        id: invitation.id,
        account_id: account.id,
        name: account.name.clone(),
        email: account.email.to_string(),
        kind: invitation.kind,
        status: invitation.status(),
        expired: invitation.expired(now),
        expires_at: invitation.expires_at,
        created_at: invitation.created_at,
        accepted_at: invitation.accepted_at(),
        office_id: account.office_id,
        office_name: None,
        events: events
            .into_iter()
            .map(|e| InvitationEventResponse {
                kind: e.kind,
                at: e.at,
                actor_name: e.actor_name,
            })
            .collect(),
    }
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
    let parsed = Email::parse(email)?;
    let mut tx = state.store.begin().await?;
    if let Some(existing) = tx.find_account_by_email(&parsed.key()).await? {
        withdraw_open(tx.as_mut(), existing.id, state.now()).await?;
    }
    tx.commit().await?;
    let client = ClientInfo {
        ip: None,
        user_agent: Some("poort bootstrap-operator".into()),
    };
    let (_, link) = invite_with_link(
        state,
        &Actor::nobody(&client),
        Scope::All,
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
    action: AuditAction,
    account: &Account,
    details: serde_json::Value,
) -> AuditRecord {
    client.audit(None, action, Some(account.id), account.office_id, details)
}
