//! Forgot password: e-mail → link (1 hour, once) → proof of possession with an SMS code or an
//! authenticator code → new password, which unblocks the account, ends its other sessions and
//! signs this one in. Forgot e-mail address: mobile number → SMS with the address(es).
//! Both answer strangers the same whether or not the address or number is known.

use poort_shared::ErrorCode;
use poort_shared::dto::{
    AcceptedResponse, AccountStatus, AuditAction, CodeSentResponse, MeResponse,
    PasswordResetLinkResponse, SecondFactor,
};
use poort_shared::validate::{Email, MobileNumber, OneTimeCode};
use serde_json::json;

use super::invitations::office_name;
use super::{codes, lockout, passwords, sessions};
use crate::auth::principal::ClientInfo;
use crate::auth::secrets::{new_token, token_hash};
use crate::domain::limits::Limit;
use crate::domain::lockout::{AfterWrong, Lockout, WrongCode};
use crate::domain::sign_in::{self, may_reset_password};
use crate::domain::{Account, CodePurpose, PasswordReset};
use crate::error::ApiError;
use crate::messages;
use crate::state::AppState;
use crate::store::{AuditRecord, Tx};

fn accepted() -> AcceptedResponse {
    AcceptedResponse {
        status: "accepted".into(),
    }
}

/// An audit record for something done about `account` without a signed-in actor.
fn about(
    client: &ClientInfo,
    action: AuditAction,
    account: &Account,
    details: serde_json::Value,
) -> AuditRecord {
    client.audit(None, action, Some(account.id), account.office_id, details)
}

/// Step 1: sends a reset link if the address belongs to an account that can reset.
pub async fn request(
    state: &AppState,
    email: &str,
    client: &ClientInfo,
) -> Result<AcceptedResponse, ApiError> {
    if let Some(ip) = &client.ip {
        state.limit(Limit::PasswordResetsPerClient(ip)).await?;
    }
    let email = Email::parse(email)?;
    let started = tokio::time::Instant::now();
    send_reset_link(state, &email, client).await?;
    super::no_sooner_than_equal_time(started).await;
    Ok(accepted())
}

/// The work behind a reset request, the same whether or not the address is known: the
/// per-address counter, a token, and one committed transaction (for an unknown address it
/// only records the request in the audit trail, without the address).
async fn send_reset_link(
    state: &AppState,
    email: &Email,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    let mut tx = state.store.read().await?;
    let account = tx.find_account_by_email(&email.key()).await?;
    tx.commit().await?;
    let closed = |a: &Account| Lockout::from_policy(state.policy()).recovery_closed(a.wrong_codes);
    let account = account.filter(|a| may_reset_password(a.status) && !closed(a));
    // Over the per-address limit: the same answer, nothing sent (nothing to learn from it).
    let within = state
        .within(Limit::PasswordResetsPerAddress(&email.key()))
        .await?;
    let now = state.now();
    let token = new_token()?;
    let mut tx = state.store.begin().await?;
    match account.filter(|_| within) {
        Some(account) => {
            let minutes = state.policy().password_reset_minutes;
            let reset = PasswordReset {
                id: crate::store::new_id(now),
                account_id: account.id,
                created_at: now,
                expires_at: now + chrono::Duration::minutes(minutes),
                verified_at: None,
                used_at: None,
            };
            tx.insert_password_reset(&reset, &token_hash(&token))
                .await?;
            tx.enqueue(
                &[messages::password_reset(
                    &state.settings,
                    account.email.as_str(),
                    &account.name,
                    &state.reset_link(&token),
                    minutes,
                )],
                now,
            )
            .await?;
            tx.audit(
                &about(
                    client,
                    AuditAction::PasswordResetRequested,
                    &account,
                    json!({}),
                ),
                now,
            )
            .await?;
        }
        None => {
            let details = json!({ "sent": false, "within_limit": within });
            tx.audit(
                &client.audit(
                    None,
                    AuditAction::PasswordResetRequested,
                    None,
                    None,
                    details,
                ),
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(())
}

/// The reset behind a link, usable now, with its (locked) account.
async fn load(
    state: &AppState,
    tx: &mut dyn Tx,
    token: &str,
    now: chrono::DateTime<chrono::Utc>,
    lock: bool,
) -> Result<(PasswordReset, Account), ApiError> {
    let reset = tx
        .find_password_reset(&token_hash(token))
        .await?
        .ok_or(ApiError::from(ErrorCode::ResetLinkInvalid))?;
    let account = if lock {
        tx.lock_account(reset.account_id).await?
    } else {
        tx.get_account(reset.account_id).await?
    }
    .ok_or(ApiError::from(ErrorCode::ResetLinkInvalid))?;
    sign_in::reset_usable(&reset, account.status, now)?;
    if Lockout::from_policy(state.policy()).recovery_closed(account.wrong_codes) {
        return Err(ErrorCode::RecoveryClosed.into());
    }
    Ok((reset, account))
}

fn link_response(
    reset: &PasswordReset,
    account: &Account,
    verified: bool,
) -> PasswordResetLinkResponse {
    PasswordResetLinkResponse {
        methods: account.code_factors(),
        mobile_hint: account.mobile_hint(),
        verified,
        expires_at: reset.expires_at,
    }
}

/// Step 2: what the link allows. Without mobile number and authenticator: not set up.
pub async fn open(state: &AppState, token: &str) -> Result<PasswordResetLinkResponse, ApiError> {
    let mut tx = state.store.read().await?;
    let (reset, account) = load(state, tx.as_mut(), token, state.now(), false).await?;
    tx.commit().await?;
    if account.code_factors().is_empty() {
        return Err(ErrorCode::TwoFactorNotSetUp.into());
    }
    Ok(link_response(&reset, &account, reset.verified_at.is_some()))
}

/// Step 3a: an SMS code to prove possession of the phone.
pub async fn send_sms(
    state: &AppState,
    token: &str,
    client: &ClientInfo,
) -> Result<CodeSentResponse, ApiError> {
    let mut tx = state.store.read().await?;
    let (reset, account) = load(state, tx.as_mut(), token, state.now(), false).await?;
    tx.commit().await?;
    let Some(mobile) = account.mobile.clone() else {
        return Err(ErrorCode::NoMobileNumber.into());
    };
    codes::may_send(
        state,
        CodePurpose::PasswordReset,
        reset.id,
        &mobile,
        client.ip.as_deref(),
    )
    .await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (reset, account) = load(state, tx.as_mut(), token, now, true).await?;
    let sent = codes::send(
        state,
        tx.as_mut(),
        CodePurpose::PasswordReset,
        reset.id,
        &mobile,
    )
    .await?;
    tx.audit(
        &about(
            client,
            AuditAction::PasswordResetSmsSent,
            &account,
            json!({}),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(sent)
}

/// Step 3b: the SMS or authenticator code. When the link's budget of wrong codes is spent,
/// the link is.
pub async fn verify(
    state: &AppState,
    token: &str,
    method: SecondFactor,
    code: &str,
    client: &ClientInfo,
) -> Result<PasswordResetLinkResponse, ApiError> {
    let code = OneTimeCode::parse(code)?;
    if method == SecondFactor::Passkey {
        // A reset is proven with a code (the passkey is no way around a forgotten password).
        return Err(ErrorCode::CodeNotRequested.into());
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (reset, account) = load(state, tx.as_mut(), token, now, true).await?;
    let verdict = match method {
        SecondFactor::Sms => {
            match codes::check_sms(
                state,
                tx.as_mut(),
                CodePurpose::PasswordReset,
                reset.id,
                &code,
                now,
            )
            .await?
            {
                Ok(stored) => {
                    tx.consume_code(stored.id, now).await?;
                    Ok(())
                }
                Err(wrong) => Err(wrong),
            }
        }
        SecondFactor::Authenticator | SecondFactor::Passkey => {
            codes::claim_authenticator(state, tx.as_mut(), &account, &code)
                .await?
                .map(|_| ())
        }
    };
    if let Err(wrong) = verdict {
        let (failures, after) =
            codes::count_wrong(state, tx.as_mut(), CodePurpose::PasswordReset, reset.id).await?;
        tx.audit(
            &about(
                client,
                AuditAction::PasswordResetCodeWrong,
                &account,
                json!({ "failures": failures }),
            ),
            now,
        )
        .await?;
        // Counted on the account too: a reset's codes are no way to keep guessing.
        let on_account = lockout::wrong_code(state, tx.as_mut(), &account, client).await?;
        let closed = matches!(on_account, WrongCode::CloseRecovery { .. });
        if after == AfterWrong::Exhausted || closed {
            tx.mark_reset_used(reset.id, now).await?;
        }
        tx.commit().await?;
        state.outbox_wake.notify_one();
        return Err(if closed {
            ErrorCode::RecoveryClosed
        } else if after == AfterWrong::Exhausted {
            ErrorCode::CodeAttemptsExceeded
        } else {
            wrong
        }
        .into());
    }
    lockout::right_code(tx.as_mut(), &account).await?;
    tx.mark_reset_verified(reset.id, now).await?;
    tx.audit(
        &about(
            client,
            AuditAction::PasswordResetVerified,
            &account,
            json!({ "method": method }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(link_response(&reset, &account, true))
}

/// Step 4: the new password. Unblocks, ends every other session, tells the person by e-mail,
/// and signs this browser in. Returns the account and the session token.
pub async fn complete(
    state: &AppState,
    token: &str,
    password: String,
    client: &ClientInfo,
) -> Result<(MeResponse, String), ApiError> {
    let mut tx = state.store.read().await?;
    let (reset, account) = load(state, tx.as_mut(), token, state.now(), false).await?;
    tx.commit().await?;
    if reset.verified_at.is_none() {
        return Err(ErrorCode::ResetNotVerified.into());
    }
    let hash = passwords::check_and_hash(state, &account, password).await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (reset, account) = load(state, tx.as_mut(), token, now, true).await?;
    if reset.verified_at.is_none() {
        return Err(ErrorCode::ResetNotVerified.into());
    }
    let was_blocked = account.status == AccountStatus::Blocked;
    if was_blocked {
        tx.set_status(account.id, AccountStatus::Active, now)
            .await?;
    }
    passwords::replace(tx.as_mut(), &account, &hash, now).await?;
    tx.mark_reset_used(reset.id, now).await?;
    let ended = tx.end_sessions_of_account(account.id, now).await?;
    tx.enqueue(
        &[messages::security_notice(
            &state.settings,
            account.email.as_str(),
            &account.name,
            "Het wachtwoord van uw account is zojuist opnieuw ingesteld. Alle andere sessies zijn beëindigd.",
            "The password of your account has just been reset. All other sessions have been ended.",
        )],
        now,
    )
    .await?;
    tx.audit(
        &about(
            client,
            AuditAction::PasswordResetCompleted,
            &account,
            json!({ "sessions_ended": ended, "unblocked": was_blocked }),
        ),
        now,
    )
    .await?;
    if was_blocked {
        tx.audit(
            &about(client, AuditAction::AccountUnblocked, &account, json!({})),
            now,
        )
        .await?;
    }
    tx.record_sign_in(account.id, now, None).await?;
    let session = sessions::start(state, tx.as_mut(), account.id, client).await?;
    tx.audit(
        &client.audit(
            Some(account.id),
            AuditAction::SessionStarted,
            Some(account.id),
            account.office_id,
            json!({ "via": "password_reset" }),
        ),
        now,
    )
    .await?;
    let me = account.me(office_name(tx.as_mut(), &account).await?);
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok((me, session))
}

/// Forgot e-mail address: an SMS with the addresses registered with the number. The client
/// limit answers 429; the per-number limit and the hourly budget send nothing but answer the
/// same as always, so nothing is learned about the number.
pub async fn forgot_email(
    state: &AppState,
    mobile: &str,
    client: &ClientInfo,
) -> Result<AcceptedResponse, ApiError> {
    let number = MobileNumber::parse(mobile)?;
    if let Some(ip) = &client.ip {
        state.limit(Limit::ForgotEmailPerClient(ip)).await?;
    }
    let started = tokio::time::Instant::now();
    send_addresses(state, &number, client).await?;
    super::no_sooner_than_equal_time(started).await;
    Ok(accepted())
}

/// The work behind *forgot e-mail address*; the answer is the same whatever it finds.
async fn send_addresses(
    state: &AppState,
    number: &MobileNumber,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    let for_number = state.within(Limit::ForgotEmailPerNumber(number)).await?;
    let in_budget = state.within(Limit::ForgotEmailTotal).await?;
    if !(for_number && in_budget) {
        return Ok(());
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let accounts = tx.accounts_with_mobile(number).await?;
    if !accounts.is_empty() {
        let addresses: Vec<String> = accounts.iter().map(|a| a.email.to_string()).collect();
        tx.enqueue(
            &[messages::forgot_email(
                &state.settings,
                number.as_str(),
                &addresses,
            )],
            now,
        )
        .await?;
        for account in &accounts {
            tx.audit(
                &about(client, AuditAction::ForgotEmailSent, account, json!({})),
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(())
}
