//! Blocking an account (after too many wrong passwords or second-factor codes) and counting a
//! wrong code on the account. The thresholds are `domain::lockout`'s; this is what follows
//! from them: the status, the sessions, the e-mail and the audit event, in the caller's
//! transaction.

use poort_shared::dto::{AccountStatus, AuditAction};
use serde_json::json;

use crate::auth::principal::ClientInfo;
use crate::domain::Account;
use crate::domain::lockout::{self, Lockout, WrongCode};
use crate::error::ApiError;
use crate::messages::{self, Blocked};
use crate::state::AppState;
use crate::store::Tx;

fn audit(
    client: &ClientInfo,
    action: AuditAction,
    account: &Account,
    details: serde_json::Value,
) -> crate::store::AuditRecord {
    client.audit(
        Some(account.id),
        action,
        Some(account.id),
        account.office_id,
        details,
    )
}

/// Blocks the account: its sessions end and its owner is told by e-mail; only *forgot
/// password* unblocks it. The caller commits and wakes the outbox.
pub async fn block(
    state: &AppState,
    tx: &mut dyn Tx,
    account: &Account,
    why: Blocked,
    client: &ClientInfo,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    let now = state.now();
    tx.set_status(account.id, AccountStatus::Blocked, now)
        .await?;
    let ended = tx.end_sessions_of_account(account.id, now).await?;
    tx.enqueue(
        &[messages::account_blocked(
            &state.settings,
            why,
            account.email.as_str(),
            &account.name,
            &state.page("/wachtwoord-vergeten"),
        )],
        now,
    )
    .await?;
    let mut details = details;
    details["sessions_ended"] = json!(ended);
    tx.audit(
        &audit(client, AuditAction::AccountBlocked, account, details),
        now,
    )
    .await?;
    Ok(())
}

/// A wrong second-factor code (sign-in, *forgot password* or re-authentication), counted on
/// the account: at `policy.max_failed_codes` in a row the account is blocked, at twice that
/// *forgot password* closes too. The caller has made the transaction durable and commits it.
pub async fn wrong_code(
    state: &AppState,
    tx: &mut dyn Tx,
    account: &Account,
    client: &ClientInfo,
) -> Result<WrongCode, ApiError> {
    let in_a_row = tx.count_wrong_second_factor(account.id).await?;
    let verdict = Lockout::from_policy(state.policy()).after_wrong_code(in_a_row);
    match verdict {
        WrongCode::Counted { .. } => {}
        WrongCode::Block { in_a_row } => {
            if account.status == AccountStatus::Active {
                block(
                    state,
                    tx,
                    account,
                    Blocked::WrongCodes,
                    client,
                    json!({ "wrong_codes": in_a_row }),
                )
                .await?;
            }
        }
        WrongCode::CloseRecovery { in_a_row } => {
            if account.status == AccountStatus::Active {
                block(
                    state,
                    tx,
                    account,
                    Blocked::WrongCodes,
                    client,
                    json!({ "wrong_codes": in_a_row }),
                )
                .await?;
            }
            if in_a_row
                == Lockout::from_policy(state.policy())
                    .codes
                    .max
                    .saturating_mul(2)
            {
                let now = state.now();
                tx.enqueue(
                    &[messages::recovery_closed(
                        &state.settings,
                        account.email.as_str(),
                        &account.name,
                    )],
                    now,
                )
                .await?;
                tx.audit(
                    &audit(
                        client,
                        AuditAction::AccountRecoveryClosed,
                        account,
                        json!({ "wrong_codes": in_a_row }),
                    ),
                    now,
                )
                .await?;
            }
        }
    }
    Ok(verdict)
}

/// A right code ends a run of wrong ones (written only when there is one).
pub async fn right_code(tx: &mut dyn Tx, account: &Account) -> Result<(), ApiError> {
    if lockout::ends_run(account.wrong_codes) {
        tx.clear_wrong_second_factors(account.id).await?;
    }
    Ok(())
}
