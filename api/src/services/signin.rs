//! Signing in, as explicit steps: e-mail and password → second factor (authenticator code, or
//! an SMS code) → a new password when the current one is too old → signed in.
//!
//! Every step answers with the next one. Wrong passwords in a row are counted on the account
//! in the database (so all instances share the count) and block it at the threshold; wrong
//! codes are counted per sign-in and void it. An unknown address costs the same hashing work
//! and gets the same answer as a wrong password.

use chrono::Duration;
use poort_shared::ErrorCode;
use poort_shared::dto::{
    AccountStatus, CodeSentResponse, InvitationStatus, SecondFactor, SignInResponse, SignInStep,
};
use poort_shared::password;
use poort_shared::validate::{Email, MobileNumber, parse_code};
use serde_json::json;

use super::parse;
use crate::auth::principal::ClientInfo;
use crate::auth::secrets::{new_code, new_token, token_hash};
use crate::auth::totp;
use crate::error::ApiError;
use crate::messages;
use crate::startup::AppState;
use crate::store::{Account, SignInAttempt, SignInStage, Tx, VerificationCode, new_id};

pub const SMS_PURPOSE: &str = "sign_in";

/// A step's answer, and the session token once signed in (for the cookie).
pub struct Outcome {
    pub response: SignInResponse,
    pub session_token: Option<String>,
}

/// The second factors an account can use, authenticator first.
pub fn methods(account: &Account) -> Vec<SecondFactor> {
    let mut methods = Vec::new();
    if account.totp_secret.is_some() {
        methods.push(SecondFactor::Authenticator);
    }
    if account.mobile.is_some() {
        methods.push(SecondFactor::Sms);
    }
    methods
}

pub fn mobile_hint(account: &Account) -> Option<String> {
    account
        .mobile
        .as_deref()
        .and_then(|m| MobileNumber::parse(m).ok())
        .map(|m| m.masked())
}

fn audit(
    client: &ClientInfo,
    action: &'static str,
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

/// Step 1: e-mail address and password.
pub async fn start(
    state: &AppState,
    email: &str,
    password: String,
    client: &ClientInfo,
) -> Result<Outcome, ApiError> {
    let policy = &state.settings.policy;
    let key = Email::parse(email)
        .map(|e| e.key())
        .unwrap_or_else(|_| email.trim().to_lowercase());
    // The client's sign-in count and the account come together (one statement on PostgreSQL).
    let account = match &client.ip {
        Some(ip) => {
            let (limit, window, now) = (
                format!("sign-in:client:{ip}"),
                Duration::minutes(1),
                state.now(),
            );
            let (hit, account) = state
                .store
                .hit_rate_limit_and_find_account(&limit, window, now, &key)
                .await?;
            AppState::over_limit(
                &limit,
                hit,
                policy.sign_ins_per_minute_per_client,
                window,
                now,
            )?;
            account
        }
        None => {
            let mut tx = state.store.read().await?;
            let account = tx.find_account_by_email(&key).await?;
            tx.commit().await?;
            account
        }
    };
    // An invited account whose set-up has begun has a password on its open invitation: with
    // that password (and only with it) the person hears that the set-up is not finished.
    let pending = match &account {
        Some(a) if a.status == AccountStatus::Invited && a.password_hash.is_none() => {
            let mut tx = state.store.read().await?;
            let pending = tx
                .invitations_of_account(a.id)
                .await?
                .into_iter()
                .filter(|i| i.status == InvitationStatus::Open)
                .find_map(|i| i.pending_password_hash);
            tx.commit().await?;
            pending
        }
        _ => None,
    };
    let account = account.filter(|a| a.password_hash.is_some() || pending.is_some());
    let stored = account
        .as_ref()
        .and_then(|a| a.password_hash.clone())
        .or(pending);
    let rehash_with = match &stored {
        Some(hash) if state.hasher.needs_rehash(hash) => Some(password.clone()),
        _ => None,
    };
    let correct = state.hasher.verify(password, stored).await?;
    let now = state.now();
    let Some(account) = account else {
        let mut tx = state.store.begin().await?;
        tx.audit(
            &client.audit(
                None,
                "sign_in.failed",
                None,
                None,
                json!({ "reason": "unknown_or_not_set_up" }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(ErrorCode::InvalidCredentials.into());
    };

    if !correct {
        let mut tx = state.store.begin().await?;
        if account.status != AccountStatus::Active {
            tx.audit(
                &audit(
                    client,
                    "sign_in.failed",
                    &account,
                    json!({ "reason": "wrong_password", "status": account.status.as_str() }),
                ),
                now,
            )
            .await?;
            tx.commit().await?;
            return Err(ErrorCode::InvalidCredentials.into());
        }
        let in_a_row = tx.count_wrong_password(account.id).await?;
        tx.audit(
            &audit(
                client,
                "sign_in.failed",
                &account,
                json!({ "reason": "wrong_password", "in_a_row": in_a_row }),
            ),
            now,
        )
        .await?;
        if in_a_row >= policy.lockout_threshold {
            let mut blocked = tx
                .lock_account(account.id)
                .await?
                .ok_or(ApiError::from(ErrorCode::InvalidCredentials))?;
            blocked.status = AccountStatus::Blocked;
            blocked.updated_at = now;
            tx.update_account(&blocked).await?;
            let ended = tx.end_sessions_of_account(blocked.id, now).await?;
            let reset_page = format!("{}/wachtwoord-vergeten", state.public_url);
            tx.enqueue(
                &[messages::account_blocked(
                    &state.settings,
                    &blocked.email,
                    &blocked.name,
                    &reset_page,
                )],
                now,
            )
            .await?;
            tx.audit(
                &audit(
                    client,
                    "account.blocked",
                    &blocked,
                    json!({ "wrong_passwords": in_a_row, "sessions_ended": ended }),
                ),
                now,
            )
            .await?;
            tx.commit().await?;
            state.outbox_wake.notify_one();
            return Err(ErrorCode::AccountBlocked.into());
        }
        tx.commit().await?;
        return Err(ErrorCode::InvalidCredentials.into());
    }

    match account.status {
        AccountStatus::Blocked => {
            return refuse(state, client, &account, ErrorCode::AccountBlocked).await;
        }
        AccountStatus::Deactivated => {
            return refuse(state, client, &account, ErrorCode::AccountDeactivated).await;
        }
        AccountStatus::Invited => {
            return refuse(state, client, &account, ErrorCode::SetUpNotFinished).await;
        }
        AccountStatus::Active => {}
    }
    let methods = methods(&account);
    if methods.is_empty() {
        return refuse(state, client, &account, ErrorCode::TwoFactorNotSetUp).await;
    }
    let new_hash = match rehash_with {
        Some(password) => Some(state.hasher.hash(password).await?),
        None => None,
    };

    // A successful step: committed without waiting for the disk where so configured (see
    // `Store::begin_fast`).
    let mut tx = state.store.begin_fast().await?;
    // The right password ends a run of wrong ones; the account row is written only when
    // there is something to write (the usual sign-in has no earlier wrong password).
    if account.failed_password_attempts != 0 || new_hash.is_some() {
        let mut current = tx
            .lock_account(account.id)
            .await?
            .ok_or(ApiError::from(ErrorCode::InvalidCredentials))?;
        current.failed_password_attempts = 0;
        if let Some(hash) = new_hash {
            current.password_hash = Some(hash);
        }
        tx.update_account(&current).await?;
    }
    let token = new_token()?;
    let attempt = SignInAttempt {
        id: new_id(now),
        account_id: account.id,
        stage: SignInStage::SecondFactor,
        failed_codes: 0,
        created_at: now,
        expires_at: now + Duration::minutes(policy.sign_in_minutes),
    };
    tx.insert_sign_in(&attempt, &token_hash(&token)).await?;
    tx.audit(
        &audit(
            client,
            "sign_in.password_accepted",
            &account,
            json!({ "sign_in_id": attempt.id }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Outcome {
        response: SignInResponse {
            step: SignInStep::SecondFactor,
            sign_in_token: Some(token),
            mobile_hint: mobile_hint(&account),
            methods,
            account: None,
        },
        session_token: None,
    })
}

async fn refuse<T>(
    state: &AppState,
    client: &ClientInfo,
    account: &Account,
    code: ErrorCode,
) -> Result<T, ApiError> {
    let mut tx = state.store.begin().await?;
    tx.audit(
        &audit(
            client,
            "sign_in.refused",
            account,
            json!({ "reason": code.as_str() }),
        ),
        state.now(),
    )
    .await?;
    tx.commit().await?;
    Err(code.into())
}

/// The sign-in behind a token, at `stage`, with its (locked) account and the account's
/// office name (for the answer when the sign-in completes), in one query.
async fn load(
    tx: &mut dyn Tx,
    token: &str,
    stage: SignInStage,
    now: chrono::DateTime<chrono::Utc>,
    lock: bool,
) -> Result<Signer, ApiError> {
    let (attempt, account, office_name) = tx
        .find_sign_in(&token_hash(token), lock)
        .await?
        .ok_or(ApiError::from(ErrorCode::SignInExpired))?;
    match attempt.stage {
        SignInStage::Void => return Err(ErrorCode::SignInAttemptVoid.into()),
        SignInStage::Done => return Err(ErrorCode::SignInExpired.into()),
        s if s != stage => return Err(ErrorCode::StepOutOfOrder.into()),
        _ => {}
    }
    if now >= attempt.expires_at {
        return Err(ErrorCode::SignInExpired.into());
    }
    match account.status {
        AccountStatus::Active => Ok(Signer {
            attempt,
            account,
            office_name,
        }),
        AccountStatus::Blocked => Err(ErrorCode::AccountBlocked.into()),
        AccountStatus::Deactivated => Err(ErrorCode::AccountDeactivated.into()),
        AccountStatus::Invited => Err(ErrorCode::SignInExpired.into()),
    }
}

/// A wrong code: counted; at the limit the sign-in is void. Commits, waiting for the disk.
async fn wrong_code(
    state: &AppState,
    mut tx: Box<dyn Tx>,
    attempt: &SignInAttempt,
    account: &Account,
    client: &ClientInfo,
    code: ErrorCode,
) -> Result<Outcome, ApiError> {
    tx.durable().await?;
    let now = state.now();
    let failures = tx.count_sign_in_failure(attempt.id).await?;
    tx.audit(
        &audit(
            client,
            "sign_in.code_wrong",
            account,
            json!({ "sign_in_id": attempt.id, "failures": failures }),
        ),
        now,
    )
    .await?;
    let limit = state.settings.policy.sign_in_code_attempts;
    if failures >= limit {
        tx.set_sign_in_stage(attempt.id, SignInStage::Void).await?;
        tx.commit().await?;
        return Err(ErrorCode::SignInAttemptVoid.into());
    }
    tx.commit().await?;
    Err(code.into())
}

/// A sign-in under way with its account and the account's office name, as [`load`] reads them.
struct Signer {
    attempt: SignInAttempt,
    account: Account,
    office_name: Option<String>,
}

/// After the second factor: a new password first if the current one is too old.
async fn advance(
    state: &AppState,
    mut tx: Box<dyn Tx>,
    signer: Signer,
    token: &str,
    client: &ClientInfo,
    via: &str,
) -> Result<Outcome, ApiError> {
    let Signer {
        attempt, account, ..
    } = &signer;
    let now = state.now();
    let max_age = Duration::days(state.settings.policy.password_max_age_days);
    let expired = account
        .password_changed_at
        .is_none_or(|at| now >= at + max_age);
    if expired {
        // Keeps the authenticator step just accepted (see `authenticator`).
        tx.update_account(account).await?;
        tx.set_sign_in_stage(attempt.id, SignInStage::NewPassword)
            .await?;
        tx.audit(
            &audit(
                client,
                "sign_in.password_expired",
                account,
                json!({ "sign_in_id": attempt.id, "via": via }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        return Ok(Outcome {
            response: SignInResponse {
                step: SignInStep::NewPassword,
                sign_in_token: Some(token.to_string()),
                methods: Vec::new(),
                mobile_hint: None,
                account: None,
            },
            session_token: None,
        });
    }
    complete(state, tx, signer, client, via).await
}

async fn complete(
    state: &AppState,
    mut tx: Box<dyn Tx>,
    signer: Signer,
    client: &ClientInfo,
    via: &str,
) -> Result<Outcome, ApiError> {
    let Signer {
        attempt,
        mut account,
        office_name,
    } = signer;
    let now = state.now();
    tx.set_sign_in_stage(attempt.id, SignInStage::Done).await?;
    account.last_sign_in_at = Some(now);
    account.failed_password_attempts = 0;
    account.updated_at = now;
    tx.update_account(&account).await?;
    let session = super::setup::start_session(state, tx.as_mut(), account.id, client).await?;
    tx.audit(
        &audit(client, "session.started", &account, json!({ "via": via })),
        now,
    )
    .await?;
    let me = super::accounts::me_of(&account, office_name);
    tx.commit().await?;
    Ok(Outcome {
        response: SignInResponse {
            step: SignInStep::Done,
            sign_in_token: None,
            methods: Vec::new(),
            mobile_hint: None,
            account: Some(me),
        },
        session_token: Some(session),
    })
}

/// The time step an authenticator code belongs to (now or the adjacent steps), if any.
fn totp_step(state: &AppState, encrypted: &[u8], code: &str) -> Result<Option<i64>, ApiError> {
    let secret = state.secrets.decrypt(encrypted)?;
    let unix = u64::try_from(state.now().timestamp()).unwrap_or(0);
    Ok(totp::matching_step(&secret, code, unix)?
        .map(|step| i64::try_from(step).unwrap_or(i64::MAX)))
}

/// Accepts an authenticator code once per time step (no replay, across instances) with an
/// atomic claim, for callers that have not locked the account. On success
/// `account.totp_last_step` is updated too, so a later save keeps it.
pub async fn claim_totp(
    state: &AppState,
    tx: &mut dyn Tx,
    account: &mut Account,
    encrypted: &[u8],
    code: &str,
) -> Result<Result<(), ErrorCode>, ApiError> {
    let Some(step) = totp_step(state, encrypted, code)? else {
        return Ok(Err(ErrorCode::CodeInvalid));
    };
    if tx.claim_totp_step(account.id, step).await? {
        account.totp_last_step = Some(step);
        Ok(Ok(()))
    } else {
        Ok(Err(ErrorCode::CodeAlreadyUsed))
    }
}

/// Step 2, with the authenticator app.
pub async fn authenticator(
    state: &AppState,
    token: &str,
    code: &str,
    client: &ClientInfo,
) -> Result<Outcome, ApiError> {
    let code = parse(parse_code(code))?;
    // Fast unless the code is wrong (`wrong_code` makes it durable).
    let mut tx = state.store.begin_fast().await?;
    let mut signer = load(
        tx.as_mut(),
        token,
        SignInStage::SecondFactor,
        state.now(),
        true,
    )
    .await?;
    let Some(encrypted) = signer.account.totp_secret.clone() else {
        return Err(ErrorCode::CodeNotRequested.into());
    };
    // The account row is locked (`load` with lock): the step is checked against it here and
    // written with the account when the sign-in goes on, in this transaction; a second use of
    // the code waits for the lock and then finds the step taken.
    let verdict = match totp_step(state, &encrypted, &code)? {
        None => Err(ErrorCode::CodeInvalid),
        Some(step)
            if signer
                .account
                .totp_last_step
                .is_some_and(|last| last >= step) =>
        {
            Err(ErrorCode::CodeAlreadyUsed)
        }
        Some(step) => {
            signer.account.totp_last_step = Some(step);
            Ok(())
        }
    };
    match verdict {
        Ok(()) => advance(state, tx, signer, token, client, "authenticator").await,
        Err(wrong) => wrong_code(state, tx, &signer.attempt, &signer.account, client, wrong).await,
    }
}

/// Step 2, by SMS: send the code.
pub async fn send_sms(
    state: &AppState,
    token: &str,
    client: &ClientInfo,
) -> Result<CodeSentResponse, ApiError> {
    let policy = &state.settings.policy;
    let mut tx = state.store.read().await?;
    let Signer {
        attempt, account, ..
    } = load(
        tx.as_mut(),
        token,
        SignInStage::SecondFactor,
        state.now(),
        false,
    )
    .await?;
    let previous = tx.latest_code(SMS_PURPOSE, attempt.id).await?;
    tx.commit().await?;
    let Some(mobile) = account.mobile.clone() else {
        return Err(ErrorCode::NoMobileNumber.into());
    };
    state
        .sms_allowed(previous.as_ref(), &mobile, client.ip.as_deref())
        .await?;
    let now = state.now();
    let code = new_code()?;
    let expires_at = now + Duration::minutes(policy.sms_code_valid_minutes);
    let mut tx = state.store.begin().await?;
    let Signer {
        attempt, account, ..
    } = load(tx.as_mut(), token, SignInStage::SecondFactor, now, true).await?;
    tx.replace_code(&VerificationCode {
        id: new_id(now),
        purpose: SMS_PURPOSE.into(),
        subject_id: attempt.id,
        target: mobile.clone(),
        code_hash: state
            .secrets
            .code_hash(SMS_PURPOSE, &attempt.id.to_string(), &code),
        attempts: 0,
        created_at: now,
        expires_at,
        consumed_at: None,
    })
    .await?;
    tx.enqueue(
        &[messages::sms_code(
            &state.settings,
            &mobile,
            &code,
            policy.sms_code_valid_minutes,
        )],
        now,
    )
    .await?;
    tx.audit(
        &audit(
            client,
            "sign_in.sms_sent",
            &account,
            json!({ "sign_in_id": attempt.id }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(CodeSentResponse {
        sent_to: mobile_hint(&account).unwrap_or_default(),
        expires_at,
        resend_after_seconds: policy.sms_resend_seconds,
    })
}

/// Step 2, by SMS: the code.
pub async fn verify_sms(
    state: &AppState,
    token: &str,
    code: &str,
    client: &ClientInfo,
) -> Result<Outcome, ApiError> {
    let code = parse(parse_code(code))?;
    let now = state.now();
    // Fast unless the code is wrong (`wrong_code` makes it durable).
    let mut tx = state.store.begin_fast().await?;
    let signer = load(tx.as_mut(), token, SignInStage::SecondFactor, now, true).await?;
    let Signer {
        attempt, account, ..
    } = &signer;
    let stored = tx
        .latest_code(SMS_PURPOSE, attempt.id)
        .await?
        .filter(|c| c.consumed_at.is_none())
        .ok_or(ApiError::from(ErrorCode::CodeNotRequested))?;
    if now >= stored.expires_at {
        return Err(ErrorCode::CodeExpired.into());
    }
    if !state.secrets.code_matches(
        SMS_PURPOSE,
        &attempt.id.to_string(),
        &code,
        &stored.code_hash,
    ) {
        return wrong_code(state, tx, attempt, account, client, ErrorCode::CodeInvalid).await;
    }
    tx.consume_code(stored.id, now).await?;
    advance(state, tx, signer, token, client, "sms").await
}

/// Step 3 when the password is too old: the new password (policy, not one of the last five).
pub async fn new_password(
    state: &AppState,
    token: &str,
    password: String,
    client: &ClientInfo,
) -> Result<Outcome, ApiError> {
    let mut tx = state.store.read().await?;
    let Signer { account, .. } = load(
        tx.as_mut(),
        token,
        SignInStage::NewPassword,
        state.now(),
        false,
    )
    .await?;
    tx.commit().await?;
    let hash = check_and_hash_new_password(state, &account, password).await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut signer = load(tx.as_mut(), token, SignInStage::NewPassword, now, true).await?;
    replace_password(tx.as_mut(), &mut signer.account, hash, now).await?;
    tx.audit(
        &audit(
            client,
            "password.changed",
            &signer.account,
            json!({ "reason": "expired" }),
        ),
        now,
    )
    .await?;
    complete(state, tx, signer, client, "new_password").await
}

/// Applies the policy and the history rule (not the current password nor the ones before it,
/// `policy.password_history` in all), then hashes.
pub async fn check_and_hash_new_password(
    state: &AppState,
    account: &Account,
    password: String,
) -> Result<String, ApiError> {
    let email = Email::parse(&account.email).map_err(ApiError::from)?;
    parse(password::check(
        &password,
        email.local_part(),
        &account.name,
    ))?;
    let keep = state.settings.policy.password_history;
    let mut tx = state.store.read().await?;
    let mut earlier = tx.password_history(account.id, (keep - 1).max(0)).await?;
    tx.commit().await?;
    if let Some(current) = &account.password_hash {
        earlier.insert(0, current.clone());
    }
    for old in earlier.into_iter().take(usize::try_from(keep).unwrap_or(5)) {
        if state.hasher.verify(password.clone(), Some(old)).await? {
            return Err(ErrorCode::PasswordReused.into());
        }
    }
    Ok(state.hasher.hash(password).await?)
}

/// Sets a new password hash, keeping the old one in the history.
pub async fn replace_password(
    tx: &mut dyn Tx,
    account: &mut Account,
    hash: String,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    if let Some(old) = account.password_hash.take() {
        tx.add_password_history(account.id, &old, now).await?;
    }
    account.password_hash = Some(hash);
    account.password_changed_at = Some(now);
    account.failed_password_attempts = 0;
    account.updated_at = now;
    tx.update_account(account).await?;
    Ok(())
}
