//! One-time codes, for every purpose (set-up, sign-in, forgot password, a new number in
//! *Mijn account*): sending one by SMS, checking a typed SMS or authenticator code, and counting
//! wrong ones. The rules (expiry, tries, re-send wait) are in `domain::code`; this module is
//! the only place that issues, hashes, stores and checks codes.
//!
//! Sending is two steps because of the counters: [`may_send`] before the write transaction
//! (the re-send wait, and the SMS budgets, which count on their own connection), [`send`]
//! inside it (with the caller's own changes and audit event).

use chrono::{DateTime, Utc};
use poort_shared::ErrorCode;
use poort_shared::dto::CodeSentResponse;
use poort_shared::validate::{MobileNumber, OneTimeCode};
use uuid::Uuid;

use crate::auth::secrets::{Context, new_code};
use crate::auth::totp;
use crate::domain::code::{self, CodeRules};
use crate::domain::limits::Limit;
use crate::domain::lockout::AfterWrong;
use crate::domain::{Account, CodePurpose, VerificationCode};
use crate::error::ApiError;
use crate::messages;
use crate::state::AppState;
use crate::store::Tx;

fn rules(state: &AppState, purpose: CodePurpose) -> CodeRules {
    purpose.rules(state.policy())
}

/// May another SMS code for `purpose` and `subject` go to `number` now? Not before the
/// re-send wait, and within the hourly budgets per number and (when known) per client address;
/// 429 with `Retry-After` otherwise. Call before the write transaction.
pub async fn may_send(
    state: &AppState,
    purpose: CodePurpose,
    subject: Uuid,
    number: &MobileNumber,
    client_ip: Option<&str>,
) -> Result<(), ApiError> {
    let mut tx = state.store.read().await?;
    let previous = tx.latest_code(purpose, subject).await?;
    tx.commit().await?;
    if let Err(retry_after_seconds) = rules(state, purpose).may_send(previous.as_ref(), state.now())
    {
        return Err(ApiError::RateLimited {
            retry_after_seconds,
        });
    }
    state.limit(Limit::SmsPerNumber(number)).await?;
    if let Some(ip) = client_ip {
        state.limit(Limit::SmsPerClient(ip)).await?;
    }
    Ok(())
}

/// A new code for `purpose` and `subject`, sent by SMS to `number` (queued in `tx`, which the
/// caller commits and then wakes the outbox): the previous code stops working, and for a
/// purpose whose budget is per code the count of wrong ones starts again.
pub async fn send(
    state: &AppState,
    tx: &mut dyn Tx,
    purpose: CodePurpose,
    subject: Uuid,
    number: &MobileNumber,
) -> Result<CodeSentResponse, ApiError> {
    let now = state.now();
    let rules = rules(state, purpose);
    let code = new_code()?;
    tx.replace_code(&VerificationCode {
        id: crate::store::new_id(now),
        purpose,
        subject_id: subject,
        target: number.clone(),
        code_hash: state
            .secrets
            .code_hash(purpose.as_str(), &subject.to_string(), &code),
        created_at: now,
        expires_at: rules.expires_at(now),
        consumed_at: None,
    })
    .await?;
    if purpose.new_code_restarts_count() {
        tx.clear_wrong_codes(purpose, subject).await?;
    }
    tx.enqueue(
        &[messages::sms_code(
            &state.settings,
            number.as_str(),
            &code,
            state.policy().sms_code_valid_minutes,
        )],
        now,
    )
    .await?;
    Ok(CodeSentResponse {
        sent_to: number.masked(),
        expires_at: rules.expires_at(now),
        resend_after_seconds: rules.resend_after.num_seconds(),
    })
}

/// Checks a typed SMS code for `purpose` and `subject`. `Ok(Ok(code))`: right (the caller
/// consumes it); `Ok(Err(code_incorrect))`: wrong, to be counted with [`count_wrong`]. No code,
/// an expired one or a spent budget is an error of its own (nothing to count).
pub async fn check_sms(
    state: &AppState,
    tx: &mut dyn Tx,
    purpose: CodePurpose,
    subject: Uuid,
    typed: &OneTimeCode,
    now: DateTime<Utc>,
) -> Result<Result<VerificationCode, ErrorCode>, ApiError> {
    let stored = code::usable(tx.latest_code(purpose, subject).await?, now)?;
    if rules(state, purpose)
        .tries
        .spent(tx.wrong_codes(purpose, subject).await?)
    {
        return Err(ErrorCode::CodeAttemptsExceeded.into());
    }
    let right = state.secrets.code_matches(
        purpose.as_str(),
        &subject.to_string(),
        typed.as_str(),
        &stored.code_hash,
    );
    Ok(if right {
        Ok(stored)
    } else {
        Err(ErrorCode::CodeIncorrect)
    })
}

/// The authenticator time step a typed code belongs to (now or an adjacent step), if any.
/// The secret is the account's (`account`: it is encrypted bound to that account).
pub fn authenticator_step(
    state: &AppState,
    account: Uuid,
    encrypted_secret: &[u8],
    typed: &OneTimeCode,
    now: DateTime<Utc>,
) -> Result<Option<i64>, ApiError> {
    let secret = state
        .secrets
        .open(Context::Authenticator(account), encrypted_secret)?;
    let unix = u64::try_from(now.timestamp()).unwrap_or(0);
    Ok(totp::matching_step(&secret, typed.as_str(), unix)?
        .map(|step| i64::try_from(step).unwrap_or(i64::MAX)))
}

/// Checks a typed authenticator code and accepts its time step once (no replay, across
/// instances: an atomic claim, for callers that have not locked the account).
/// `Ok(Err(..))` is a wrong (`code_incorrect`) or already used (`code_already_used`) code.
pub async fn claim_authenticator(
    state: &AppState,
    tx: &mut dyn Tx,
    account: &Account,
    typed: &OneTimeCode,
) -> Result<Result<i64, ErrorCode>, ApiError> {
    let Some(secret) = &account.totp_secret else {
        return Err(ErrorCode::CodeNotRequested.into());
    };
    let Some(step) = authenticator_step(state, account.id, secret, typed, state.now())? else {
        return Ok(Err(ErrorCode::CodeIncorrect));
    };
    Ok(if tx.claim_totp_step(account.id, step).await? {
        Ok(step)
    } else {
        Err(ErrorCode::CodeAlreadyUsed)
    })
}

/// Counts a wrong code for `purpose` and `subject` and says whether its budget is spent.
/// The caller makes the transaction durable first (a wrong code must survive a crash).
pub async fn count_wrong(
    state: &AppState,
    tx: &mut dyn Tx,
    purpose: CodePurpose,
    subject: Uuid,
) -> Result<(i32, AfterWrong), ApiError> {
    let wrong = tx.count_wrong_code(purpose, subject, state.now()).await?;
    Ok((wrong, rules(state, purpose).tries.after_wrong(wrong)))
}
