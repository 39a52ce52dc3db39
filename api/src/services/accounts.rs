//! Accounts as administrators and the relations team manage them: listing and finding,
//! rights per portfolio, deactivating and reactivating, the administrator role (an office
//! always keeps one), deleting, and resetting the sign-in set-up. Whose accounts a caller may
//! touch is its [`Scope`]; the rules are in `domain::account` and `domain::office`.

use poort_shared::ErrorCode;
use poort_shared::dto::{
    AccountDetailResponse, AccountListResponse, AccountResponse, AccountStatus, AuditAction,
    InvitationKind, RightsGrant, Role,
};
use serde_json::json;
use uuid::Uuid;

use super::invitations::{
    list_for_account, office_name, start_setup, validate_grants, withdraw_open,
};
use crate::auth::principal::Actor;
use crate::domain::account::{may_deactivate, may_reset_sign_in, reactivated};
use crate::domain::limits::Limit;
use crate::domain::office::{
    holds_administration, may_leave_administration, portfolios_of, rights_diff,
};
use crate::domain::{Account, AccountRight, Scope, listing, lockout};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Tx;
use crate::store::accounts::Listing;
pub use crate::store::accounts::list_sql::Filter;

fn describe(
    account: &Account,
    office_name: Option<String>,
    rights: &[AccountRight],
) -> AccountResponse {
    AccountResponse {
        id: account.id,
        name: account.name.clone(),
        email: account.email.to_string(),
        role: account.role,
        status: account.status,
        office_id: account.office_id,
        office_name,
        mobile: account.mobile.as_ref().map(ToString::to_string),
        factors: account.factors(),
        last_sign_in_at: account.last_sign_in_at,
        created_at: account.created_at,
        rights: portfolios_of(rights.iter().filter(|r| r.account_id == account.id)),
    }
}

pub(crate) async fn describe_one(
    tx: &mut dyn Tx,
    account: &Account,
) -> Result<AccountResponse, ApiError> {
    let office_name = office_name(tx, account).await?;
    let rights = tx.rights_of_account(account.id).await?;
    Ok(describe(account, office_name, &rights))
}

/// What an account list asks: a fragment of e-mail address, name or mobile number, a filter
/// and a page.
#[derive(Debug, Clone, Default)]
pub struct AccountQuery<'a> {
    pub query: Option<&'a str>,
    pub filter: Filter,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

/// A page of the accounts in scope (by name) that match the query.
pub async fn list(
    state: &AppState,
    scope: Scope,
    q: &AccountQuery<'_>,
) -> Result<AccountListResponse, ApiError> {
    let page = listing::ACCOUNTS
        .page(q.offset, q.limit)
        .map_err(ApiError::invalid_request)?;
    let query = q.query.map(str::trim).filter(|q| !q.is_empty());
    let mut tx = state.store.read().await?;
    // With their office's name and rights, in the one query.
    let mut found = tx
        .list_accounts_described(&Listing {
            office_id: scope.office(),
            query,
            filter: q.filter,
            limit: page.probe(),
            offset: page.offset,
        })
        .await?;
    tx.commit().await?;
    let next_offset = page.next_offset(found.len());
    found.truncate(page.limit as usize);
    Ok(AccountListResponse {
        accounts: found
            .into_iter()
            .map(|d| describe(&d.account, d.office_name, &d.rights))
            .collect(),
        next_offset,
    })
}

/// The account, locked, if the scope may manage it; "not found" otherwise.
async fn load(tx: &mut dyn Tx, scope: Scope, id: Uuid) -> Result<Account, ApiError> {
    tx.lock_account(id)
        .await?
        .filter(|a| scope.may_manage(a))
        .ok_or(ApiError::from(ErrorCode::NotFound))
}

pub async fn detail(
    state: &AppState,
    scope: Scope,
    id: Uuid,
) -> Result<AccountDetailResponse, ApiError> {
    let now = state.now();
    let mut tx = state.store.read().await?;
    let account = tx
        .get_account(id)
        .await?
        .filter(|a| scope.may_manage(a))
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    let response = AccountDetailResponse {
        account: describe_one(tx.as_mut(), &account).await?,
        invitations: list_for_account(tx.as_mut(), &account, now).await?,
    };
    tx.commit().await?;
    Ok(response)
}

/// Replaces the account's rights by `grants`; the audit event lists what was granted and
/// what revoked.
pub async fn set_rights(
    state: &AppState,
    by: &Actor<'_>,
    scope: Scope,
    id: Uuid,
    grants: &[RightsGrant],
    limit: Option<&[Uuid]>,
) -> Result<AccountResponse, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let account = load(tx.as_mut(), scope, id).await?;
    if account.role == Role::Operator {
        return Err(ErrorCode::UnknownPortfolio.into());
    }
    let wanted = validate_grants(tx.as_mut(), account.office_id, grants).await?;
    let current = tx.rights_of_account(account.id).await?;
    apply_rights(tx.as_mut(), by, &account, &current, wanted, limit, now).await?;
    // Setting rights is a review decision too.
    super::reviews::settle_after_change(state, tx.as_mut(), by, account.office_id).await?;
    let response = describe_one(tx.as_mut(), &account).await?;
    tx.commit().await?;
    Ok(response)
}

/// Gives `account` exactly the rights `wanted` (validated by the caller; `current_rights` is
/// what it has now), within an API client's portfolio `limit`; audited with what was granted
/// and what revoked, when anything changed.
pub(crate) async fn apply_rights(
    tx: &mut dyn Tx,
    by: &Actor<'_>,
    account: &Account,
    current_rights: &[AccountRight],
    wanted: Vec<(Uuid, String)>,
    limit: Option<&[Uuid]>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    let current: Vec<(Uuid, String)> = current_rights
        .iter()
        .map(|r| (r.portfolio_id, r.right_code.clone()))
        .collect();
    let agency = |pid: &Uuid| -> String {
        current_rights
            .iter()
            .find(|r| r.portfolio_id == *pid)
            .map_or_else(|| pid.to_string(), |r| r.agency_number.to_string())
    };
    let wanted = crate::domain::api_client::rights_within_limit(&current, wanted, limit)?;
    let (granted, revoked) = rights_diff(&current, &wanted);
    let granted: Vec<serde_json::Value> = granted
        .into_iter()
        .map(|(pid, code)| json!({ "portfolio_id": pid, "right": code }))
        .collect();
    let revoked: Vec<serde_json::Value> = revoked
        .into_iter()
        .map(|(pid, code)| json!({ "portfolio_id": pid, "agency_number": agency(pid), "right": code }))
        .collect();
    tx.replace_rights(account.id, &wanted, now).await?;
    if !granted.is_empty() || !revoked.is_empty() {
        tx.audit(
            &by.audit(
                AuditAction::AccountRightsChanged,
                Some(account.id),
                account.office_id,
                json!({ "granted": granted, "revoked": revoked }),
            ),
            now,
        )
        .await?;
    }
    Ok(())
}

/// Refuses when taking `account` out of the administration would leave its office without
/// an active administrator (the office's row lock serialises this across instances).
pub(crate) async fn keep_an_admin(tx: &mut dyn Tx, account: &Account) -> Result<(), ApiError> {
    if holds_administration(account)
        && let Some(office) = account.office_id
    {
        tx.lock_office(office).await?;
        may_leave_administration(tx.count_active_admins(office).await?)?;
    }
    Ok(())
}

/// Deactivates (sessions end at once) or reactivates an account.
pub async fn set_active(
    state: &AppState,
    by: &Actor<'_>,
    scope: Scope,
    id: Uuid,
    active: bool,
) -> Result<AccountResponse, ApiError> {
    if by.id == Some(id) {
        return Err(ErrorCode::CannotTargetSelf.into());
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut account = load(tx.as_mut(), scope, id).await?;
    if active {
        account.status = reactivated(&account)?;
        tx.set_status(account.id, account.status, now).await?;
        tx.audit(
            &by.audit(
                AuditAction::AccountReactivated,
                Some(account.id),
                account.office_id,
                json!({}),
            ),
            now,
        )
        .await?;
    } else {
        may_deactivate(account.status)?;
        keep_an_admin(tx.as_mut(), &account).await?;
        account.deactivated_from = Some(account.status);
        account.status = AccountStatus::Deactivated;
        tx.deactivate(account.id, now).await?;
        let ended = tx.end_sessions_of_account(account.id, now).await?;
        tx.audit(
            &by.audit(
                AuditAction::AccountDeactivated,
                Some(account.id),
                account.office_id,
                json!({ "sessions_ended": ended }),
            ),
            now,
        )
        .await?;
        // A deactivated account leaves the access review.
        super::reviews::settle_after_change(state, tx.as_mut(), by, account.office_id).await?;
    }
    let response = describe_one(tx.as_mut(), &account).await?;
    tx.commit().await?;
    Ok(response)
}

/// Appoints or removes a user administrator of the office (one always remains).
pub async fn set_admin(
    state: &AppState,
    by: &Actor<'_>,
    scope: Scope,
    id: Uuid,
    admin: bool,
) -> Result<AccountResponse, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut account = load(tx.as_mut(), scope, id).await?;
    let change = match (account.role, admin) {
        (Role::Adviser, true) => Some((Role::OfficeAdmin, AuditAction::AccountAdminAppointed)),
        (Role::OfficeAdmin, false) => {
            keep_an_admin(tx.as_mut(), &account).await?;
            Some((Role::Adviser, AuditAction::AccountAdminRemoved))
        }
        (Role::Operator, _) => return Err(ErrorCode::NotFound.into()),
        _ => None,
    };
    if let Some((role, action)) = change {
        account.role = role;
        tx.set_role(account.id, role, now).await?;
        tx.audit(
            &by.audit(action, Some(account.id), account.office_id, json!({})),
            now,
        )
        .await?;
    }
    let response = describe_one(tx.as_mut(), &account).await?;
    tx.commit().await?;
    Ok(response)
}

/// Deletes an account (relations team): its sessions end at once and its personal data is
/// removed; the audit trail keeps a pseudonymous record (the account id only).
pub async fn delete(state: &AppState, by: &Actor<'_>, id: Uuid) -> Result<(), ApiError> {
    if by.id == Some(id) {
        return Err(ErrorCode::CannotTargetSelf.into());
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let account = load(tx.as_mut(), Scope::All, id).await?;
    let ended = tx.end_sessions_of_account(account.id, now).await?;
    let email_key = account.email_key();
    let mut recipients = vec![account.email.to_string(), email_key.clone()];
    let mut limit_keys = vec![Limit::InvitationsPerAddress(&email_key).key()];
    if let Some(mobile) = &account.mobile {
        recipients.push(mobile.to_string());
        limit_keys.push(Limit::SmsPerNumber(mobile).key());
    }
    tx.forget_personal_data(account.id, &recipients, &limit_keys)
        .await?;
    tx.delete_account(account.id).await?;
    tx.audit(
        &by.audit(
            AuditAction::AccountDeleted,
            Some(account.id),
            account.office_id,
            json!({ "role": account.role.as_str(), "sessions_ended": ended }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Resets the sign-in set-up (relations team): password, authenticator, passkeys and
/// eHerkenning link are removed, sessions end, and an e-mail with a set-up link goes out (the invitation flow).
pub async fn reset_sign_in(
    state: &AppState,
    by: &Actor<'_>,
    id: Uuid,
) -> Result<AccountDetailResponse, ApiError> {
    if by.id == Some(id) {
        return Err(ErrorCode::CannotTargetSelf.into());
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let account = load(tx.as_mut(), Scope::All, id).await?;
    may_reset_sign_in(account.status)?;
    withdraw_open(tx.as_mut(), account.id, now).await?;
    let passkeys_removed = tx.delete_passkeys_of(account.id).await?;
    tx.clear_sign_in_set_up(account.id, now).await?;
    if lockout::ends_run(account.wrong_passwords) {
        tx.clear_wrong_passwords(account.id).await?;
    }
    let account = Account {
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
        updated_at: now,
        ..account
    };
    let ended = tx.end_sessions_of_account(account.id, now).await?;
    let office = office_name(tx.as_mut(), &account).await?;
    let (invitation, _) = start_setup(
        state,
        tx.as_mut(),
        &account,
        office.as_deref(),
        InvitationKind::Reset,
        by.id,
    )
    .await?;
    tx.audit(
        &by.audit(
            AuditAction::AccountSignInReset,
            Some(account.id),
            account.office_id,
            json!({ "invitation_id": invitation.id, "sessions_ended": ended, "passkeys_removed": passkeys_removed }),
        ),
        now,
    )
    .await?;
    let response = AccountDetailResponse {
        account: describe_one(tx.as_mut(), &account).await?,
        invitations: list_for_account(tx.as_mut(), &account, now).await?,
    };
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(response)
}
