//! A new password, wherever it is chosen (an expired one at sign-in, *forgot password*,
//! *Mijn account*): the shared policy, not one of the last ones (`domain::password`), hashed
//! outside any transaction (argon2 takes a while), then written with the old one kept.

use chrono::{DateTime, Utc};
use poort_shared::ErrorCode;
use poort_shared::password;

use crate::domain::Account;
use crate::domain::lockout;
use crate::domain::password::PasswordRules;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Tx;

/// Applies the policy and the history rule, then hashes. Call outside a write transaction.
pub async fn check_and_hash(
    state: &AppState,
    account: &Account,
    password: String,
) -> Result<String, ApiError> {
    password::check(&password, account.email.local_part(), &account.name)?;
    let rules = PasswordRules::from_policy(state.policy());
    let mut tx = state.store.read().await?;
    let earlier = tx
        .password_history(account.id, rules.earlier_to_check())
        .await?;
    tx.commit().await?;
    for old in rules.not_again(account.password_hash.as_deref(), &earlier) {
        if state
            .hasher
            .verify(password.clone(), Some(old.to_string()))
            .await?
        {
            return Err(ErrorCode::PasswordReused.into());
        }
    }
    Ok(state.hasher.hash(password).await?)
}

/// Sets a new password hash, keeping the old one in the history; a new password ends a run
/// of wrong ones.
pub async fn replace(
    tx: &mut dyn Tx,
    account: &Account,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if let Some(old) = &account.password_hash {
        tx.add_password_history(account.id, old, now).await?;
    }
    tx.set_password(account.id, hash, now).await?;
    if lockout::ends_run(account.wrong_passwords) {
        tx.clear_wrong_passwords(account.id).await?;
    }
    Ok(())
}
