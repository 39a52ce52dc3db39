//! Accounts as administrators and the relations team manage them: listing and finding,
//! rights per portfolio, deactivating and reactivating, the administrator role (an office
//! always keeps one), deleting, and resetting the sign-in set-up.

use std::collections::BTreeMap;

use poort_shared::ErrorCode;
use poort_shared::dto::{
    AccountDetailResponse, AccountResponse, AccountStatus, Factors, InvitationKind,
    InvitationStatus, MeResponse, OfficeRef, PortfolioRightsResponse, RightsGrant, Role,
};
use serde_json::json;
use uuid::Uuid;

use super::Scope;
use super::invitations::{list_for_account, start_setup, validate_grants};
use crate::auth::principal::Principal;
use crate::error::ApiError;
use crate::startup::AppState;
use crate::store::{Account, AccountRight, Tx};

pub async fn me(tx: &mut dyn Tx, account: &Account) -> Result<MeResponse, ApiError> {
    let office_name = match account.office_id {
        Some(id) => tx.get_office(id).await?.map(|o| o.name),
        None => None,
    };
    Ok(me_of(account, office_name))
}

/// The signed-in account as `/api/me` shows it, with its office's name already known.
pub fn me_of(account: &Account, office_name: Option<String>) -> MeResponse {
    MeResponse {
        id: account.id,
        name: account.name.clone(),
        email: account.email.clone(),
        role: account.role,
        office: account
            .office_id
            .zip(office_name)
            .map(|(id, name)| OfficeRef { id, name }),
    }
}

fn group_rights(rights: &[AccountRight], account_id: Uuid) -> Vec<PortfolioRightsResponse> {
    let mut by_portfolio: BTreeMap<(String, Uuid), PortfolioRightsResponse> = BTreeMap::new();
    for r in rights.iter().filter(|r| r.account_id == account_id) {
        by_portfolio
            .entry((r.agency_number.clone(), r.portfolio_id))
            .or_insert_with(|| PortfolioRightsResponse {
                portfolio_id: r.portfolio_id,
                agency_number: r.agency_number.clone(),
                portfolio_name: r.portfolio_name.clone(),
                rights: Vec::new(),
            })
            .rights
            .push(r.right_code.clone());
    }
    by_portfolio.into_values().collect()
}

fn describe(
    account: &Account,
    office_name: Option<String>,
    rights: &[AccountRight],
) -> AccountResponse {
    AccountResponse {
        id: account.id,
        name: account.name.clone(),
        email: account.email.clone(),
        role: account.role,
        status: account.status,
        office_id: account.office_id,
        office_name,
        mobile: account.mobile.clone(),
        factors: Factors {
            password: account.password_hash.is_some(),
            mobile: account.mobile.is_some(),
            authenticator: account.totp_secret.is_some(),
            eherkenning: account.ehk_pseudonym.is_some(),
        },
        last_sign_in_at: account.last_sign_in_at,
        created_at: account.created_at,
        rights: group_rights(rights, account.id),
    }
}

async fn describe_one(tx: &mut dyn Tx, account: &Account) -> Result<AccountResponse, ApiError> {
    let office_name = match account.office_id {
        Some(id) => tx.get_office(id).await?.map(|o| o.name),
        None => None,
    };
    let rights = tx.rights_of_account(account.id).await?;
    Ok(describe(account, office_name, &rights))
}

/// Accounts in scope, optionally matching `query` (e-mail, name or mobile number).
pub async fn list(
    state: &AppState,
    scope: Scope,
    query: Option<&str>,
) -> Result<Vec<AccountResponse>, ApiError> {
    let query = query.map(str::trim).filter(|q| !q.is_empty());
    let mut tx = state.store.read().await?;
    let accounts = tx.list_accounts(scope.office(), query, 200).await?;
    let out = match scope {
        Scope::Office(office_id) => {
            let office_name = tx.get_office(office_id).await?.map(|o| o.name);
            let rights = tx.rights_in_office(office_id).await?;
            accounts
                .iter()
                .map(|a| describe(a, office_name.clone(), &rights))
                .collect()
        }
        Scope::All => {
            let mut out = Vec::with_capacity(accounts.len());
            for account in &accounts {
                out.push(describe_one(tx.as_mut(), account).await?);
            }
            out
        }
    };
    tx.commit().await?;
    Ok(out)
}

async fn load(tx: &mut dyn Tx, scope: Scope, id: Uuid) -> Result<Account, ApiError> {
    let account = tx
        .lock_account(id)
        .await?
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    if !scope.contains(account.office_id) || (scope != Scope::All && account.role == Role::Operator)
    {
        return Err(ErrorCode::NotFound.into());
    }
    Ok(account)
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
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    if !scope.contains(account.office_id) {
        return Err(ErrorCode::NotFound.into());
    }
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
    by: &Principal,
    scope: Scope,
    id: Uuid,
    grants: &[RightsGrant],
) -> Result<AccountResponse, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let account = load(tx.as_mut(), scope, id).await?;
    if account.role == Role::Operator {
        return Err(ErrorCode::UnknownPortfolio.into());
    }
    let wanted = validate_grants(tx.as_mut(), account.office_id, grants).await?;
    let current = tx.rights_of_account(account.id).await?;
    let current_pairs: Vec<(Uuid, String)> = current
        .iter()
        .map(|r| (r.portfolio_id, r.right_code.clone()))
        .collect();
    let agency = |pid: &Uuid| -> String {
        current
            .iter()
            .find(|r| r.portfolio_id == *pid)
            .map(|r| r.agency_number.clone())
            .unwrap_or_else(|| pid.to_string())
    };
    let granted: Vec<serde_json::Value> = wanted
        .iter()
        .filter(|p| !current_pairs.contains(p))
        .map(|(pid, code)| json!({ "portfolio_id": pid, "right": code }))
        .collect();
    let revoked: Vec<serde_json::Value> = current_pairs
        .iter()
        .filter(|p| !wanted.contains(p))
        .map(|(pid, code)| json!({ "portfolio_id": pid, "agency_number": agency(pid), "right": code }))
        .collect();
    tx.replace_rights(account.id, &wanted, now).await?;
    if !granted.is_empty() || !revoked.is_empty() {
        tx.audit(
            &by.audit(
                "account.rights_changed",
                Some(account.id),
                account.office_id,
                json!({ "granted": granted, "revoked": revoked }),
            ),
            now,
        )
        .await?;
    }
    let response = describe_one(tx.as_mut(), &account).await?;
    tx.commit().await?;
    Ok(response)
}

/// Refuses when `account` is the last active administrator of its office.
async fn keep_an_admin(tx: &mut dyn Tx, account: &Account) -> Result<(), ApiError> {
    if account.role == Role::OfficeAdmin
        && account.status == AccountStatus::Active
        && let Some(office) = account.office_id
    {
        tx.lock_office(office).await?;
        if tx.count_active_admins(office).await? <= 1 {
            return Err(ErrorCode::LastAdministrator.into());
        }
    }
    Ok(())
}

/// Deactivates (sessions end at once) or reactivates an account.
pub async fn set_active(
    state: &AppState,
    by: &Principal,
    scope: Scope,
    id: Uuid,
    active: bool,
) -> Result<AccountResponse, ApiError> {
    if id == by.id() {
        return Err(ErrorCode::CannotTargetSelf.into());
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut account = load(tx.as_mut(), scope, id).await?;
    if active {
        if account.status != AccountStatus::Deactivated {
            return Err(ErrorCode::AccountNotActive.into());
        }
        account.status = if account.password_hash.is_some() {
            AccountStatus::Active
        } else {
            AccountStatus::Invited
        };
        account.updated_at = now;
        tx.update_account(&account).await?;
        tx.audit(
            &by.audit(
                "account.reactivated",
                Some(account.id),
                account.office_id,
                json!({}),
            ),
            now,
        )
        .await?;
    } else {
        if !matches!(
            account.status,
            AccountStatus::Active | AccountStatus::Blocked | AccountStatus::Invited
        ) {
            return Err(ErrorCode::AccountNotActive.into());
        }
        keep_an_admin(tx.as_mut(), &account).await?;
        account.status = AccountStatus::Deactivated;
        account.updated_at = now;
        tx.update_account(&account).await?;
        let ended = tx.end_sessions_of_account(account.id, now).await?;
        tx.audit(
            &by.audit(
                "account.deactivated",
                Some(account.id),
                account.office_id,
                json!({ "sessions_ended": ended }),
            ),
            now,
        )
        .await?;
    }
    let response = describe_one(tx.as_mut(), &account).await?;
    tx.commit().await?;
    Ok(response)
}

/// Appoints or removes a user administrator of the office (one always remains).
pub async fn set_admin(
    state: &AppState,
    by: &Principal,
    scope: Scope,
    id: Uuid,
    admin: bool,
) -> Result<AccountResponse, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut account = load(tx.as_mut(), scope, id).await?;
    match (account.role, admin) {
        (Role::Adviser, true) => {
            account.role = Role::OfficeAdmin;
            account.updated_at = now;
            tx.update_account(&account).await?;
            tx.audit(
                &by.audit(
                    "account.admin_appointed",
                    Some(account.id),
                    account.office_id,
                    json!({}),
                ),
                now,
            )
            .await?;
        }
        (Role::OfficeAdmin, false) => {
            keep_an_admin(tx.as_mut(), &account).await?;
            account.role = Role::Adviser;
            account.updated_at = now;
            tx.update_account(&account).await?;
            tx.audit(
                &by.audit(
                    "account.admin_removed",
                    Some(account.id),
                    account.office_id,
                    json!({}),
                ),
                now,
            )
            .await?;
        }
        (Role::Operator, _) => return Err(ErrorCode::NotFound.into()),
        _ => {}
    }
    let response = describe_one(tx.as_mut(), &account).await?;
    tx.commit().await?;
    Ok(response)
}

/// Deletes an account (relations team): its sessions end at once and its personal data is
/// removed; the audit trail keeps a pseudonymous record (the account id only).
pub async fn delete(state: &AppState, by: &Principal, id: Uuid) -> Result<(), ApiError> {
    if id == by.id() {
        return Err(ErrorCode::CannotTargetSelf.into());
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let account = load(tx.as_mut(), Scope::All, id).await?;
    let ended = tx.end_sessions_of_account(account.id, now).await?;
    tx.forget_personal_data(
        account.id,
        &account.email,
        &account.email_key,
        account.mobile.as_deref(),
    )
    .await?;
    tx.delete_account(account.id).await?;
    tx.audit(
        &by.audit(
            "account.deleted",
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

/// Resets the sign-in set-up (relations team): password, authenticator and eHerkenning link
/// are removed, sessions end, and an e-mail with a set-up link goes out (the invitation flow).
pub async fn reset_sign_in(
    state: &AppState,
    by: &Principal,
    id: Uuid,
) -> Result<AccountDetailResponse, ApiError> {
    if id == by.id() {
        return Err(ErrorCode::CannotTargetSelf.into());
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut account = load(tx.as_mut(), Scope::All, id).await?;
    match account.status {
        AccountStatus::Active | AccountStatus::Blocked => {}
        AccountStatus::Invited => return Err(ErrorCode::NotInvited.into()),
        AccountStatus::Deactivated => return Err(ErrorCode::AccountNotActive.into()),
    }
    for mut open in tx
        .invitations_of_account(account.id)
        .await?
        .into_iter()
        .filter(|i| i.status == InvitationStatus::Open)
    {
        open.status = InvitationStatus::Withdrawn;
        open.withdrawn_at = Some(now);
        tx.update_invitation(&open).await?;
        tx.supersede_links_of(open.id, now).await?;
    }
    account.password_hash = None;
    account.password_changed_at = None;
    account.totp_secret = None;
    account.totp_last_step = None;
    account.ehk_pseudonym = None;
    account.failed_password_attempts = 0;
    account.status = AccountStatus::Invited;
    account.updated_at = now;
    tx.update_account(&account).await?;
    let ended = tx.end_sessions_of_account(account.id, now).await?;
    let office_name = match account.office_id {
        Some(office) => tx.get_office(office).await?.map(|o| o.name),
        None => None,
    };
    let (invitation, _) = start_setup(
        state,
        tx.as_mut(),
        &account,
        office_name.as_deref(),
        InvitationKind::Reset,
        Some(by.id()),
    )
    .await?;
    tx.audit(
        &by.audit(
            "account.sign_in_reset",
            Some(account.id),
            account.office_id,
            json!({ "invitation_id": invitation.id, "sessions_ended": ended }),
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
