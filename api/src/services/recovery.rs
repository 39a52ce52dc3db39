//! Forgot password: e-mail → link (1 hour, once) → proof of possession with an SMS code or an
//! authenticator code → new password, which unblocks the account, ends its other sessions and
//! signs this one in. Forgot e-mail address: mobile number → SMS with the address(es).
//! Both answer strangers the same whether or not the address or number is known.

use chrono::Duration;
use poort_shared::ErrorCode;
use poort_shared::dto::{
    AcceptedResponse, AccountStatus, CodeSentResponse, MeResponse, PasswordResetLinkResponse,
    SecondFactor,
};
use poort_shared::validate::{Email, MobileNumber, parse_code};
use serde_json::json;

use super::parse;
use super::signin::{
    check_and_hash_new_password, claim_totp, methods, mobile_hint, replace_password,
};
use crate::auth::principal::ClientInfo;
use crate::auth::secrets::{new_code, new_token, token_hash};
use crate::error::ApiError;
use crate::messages;
use crate::startup::AppState;
use crate::store::{Account, PasswordReset, Tx, VerificationCode, fetch_account, new_id};

const SMS_PURPOSE: &str = "password_reset";

fn accepted() -> AcceptedResponse {
    AcceptedResponse {
        status: "accepted".into(),
    }
}

/// Step 1: sends a reset link if the address belongs to an account that can sign in.
pub async fn request(
    state: &AppState,
    email: &str,
    client: &ClientInfo,
) -> Result<AcceptedResponse, ApiError> {
    let policy = &state.settings.policy;
    if let Some(ip) = &client.ip {
        state
            .limit(
                &format!("reset:client:{ip}"),
                policy.password_resets_per_hour_per_client,
                Duration::hours(1),
            )
            .await?;
    }
    let Ok(email) = Email::parse(email) else {
        return Err(ErrorCode::InvalidEmail.into());
    };
    let mut tx = state.store.read().await?;
    let account = tx.find_account_by_email(&email.key()).await?;
    tx.commit().await?;
    let Some(account) =
        account.filter(|a| matches!(a.status, AccountStatus::Active | AccountStatus::Blocked))
    else {
        return Ok(accepted());
    };
    // Over the per-address limit: the same answer, nothing sent (nothing to learn from it).
    let (count, _) = state
        .store
        .hit_rate_limit(
            &format!("reset:address:{}", account.email_key),
            Duration::hours(1),
            state.now(),
        )
        .await?;
    if count > policy.password_resets_per_hour_per_address {
        return Ok(accepted());
    }
    let now = state.now();
    let token = new_token()?;
    let reset = PasswordReset {
        id: new_id(now),
        account_id: account.id,
        created_at: now,
        expires_at: now + Duration::minutes(policy.password_reset_minutes),
        verified_at: None,
        used_at: None,
        failed_codes: 0,
    };
    let link = format!("{}/wachtwoord-herstellen/{token}", state.public_url);
    let mut tx = state.store.begin().await?;
    tx.insert_password_reset(&reset, &token_hash(&token))
        .await?;
    tx.enqueue(
        &[messages::password_reset(
            &state.settings,
            &account.email,
            &account.name,
            &link,
            policy.password_reset_minutes,
        )],
        now,
    )
    .await?;
    tx.audit(
        &client.audit(
            None,
            "password_reset.requested",
            Some(account.id),
            account.office_id,
            json!({}),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(accepted())
}

/// The reset behind a link, usable now, with its (locked) account.
async fn load(
    tx: &mut dyn Tx,
    token: &str,
    now: chrono::DateTime<chrono::Utc>,
    lock: bool,
) -> Result<(PasswordReset, Account), ApiError> {
    let reset = tx
        .find_password_reset(&token_hash(token))
        .await?
        .ok_or(ApiError::from(ErrorCode::ResetLinkInvalid))?;
    if reset.used_at.is_some() || now >= reset.expires_at {
        return Err(ErrorCode::ResetLinkInvalid.into());
    }
    let account = fetch_account(tx, reset.account_id, lock)
        .await?
        .ok_or(ApiError::from(ErrorCode::ResetLinkInvalid))?;
    if !matches!(
        account.status,
        AccountStatus::Active | AccountStatus::Blocked
    ) {
        return Err(ErrorCode::ResetLinkInvalid.into());
    }
    Ok((reset, account))
}

/// Step 2: what the link allows. Without mobile number and authenticator: not set up.
pub async fn open(state: &AppState, token: &str) -> Result<PasswordResetLinkResponse, ApiError> {
    let mut tx = state.store.read().await?;
    let (reset, account) = load(tx.as_mut(), token, state.now(), false).await?;
    tx.commit().await?;
    let methods = methods(&account);
    if methods.is_empty() {
        return Err(ErrorCode::TwoFactorNotSetUp.into());
    }
    Ok(PasswordResetLinkResponse {
        methods,
        mobile_hint: mobile_hint(&account),
        verified: reset.verified_at.is_some(),
        expires_at: reset.expires_at,
    })
}

/// Step 3a: an SMS code to prove possession of the phone.
pub async fn send_sms(
    state: &AppState,
    token: &str,
    client: &ClientInfo,
) -> Result<CodeSentResponse, ApiError> {
    let policy = &state.settings.policy;
    let mut tx = state.store.read().await?;
    let (reset, account) = load(tx.as_mut(), token, state.now(), false).await?;
    let previous = tx.latest_code(SMS_PURPOSE, reset.id).await?;
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
    let (reset, account) = load(tx.as_mut(), token, now, true).await?;
    tx.replace_code(&VerificationCode {
        id: new_id(now),
        purpose: SMS_PURPOSE.into(),
        subject_id: reset.id,
        target: mobile.clone(),
        code_hash: state
            .secrets
            .code_hash(SMS_PURPOSE, &reset.id.to_string(), &code),
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
        &client.audit(
            None,
            "password_reset.sms_sent",
            Some(account.id),
            account.office_id,
            json!({}),
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

/// Step 3b: the SMS or authenticator code. Five wrong codes spend the link.
pub async fn verify(
    state: &AppState,
    token: &str,
    method: SecondFactor,
    code: &str,
    client: &ClientInfo,
) -> Result<PasswordResetLinkResponse, ApiError> {
    let code = parse(parse_code(code))?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (mut reset, mut account) = load(tx.as_mut(), token, now, true).await?;
    let verdict = match method {
        SecondFactor::Sms => {
            let stored = tx
                .latest_code(SMS_PURPOSE, reset.id)
                .await?
                .filter(|c| c.consumed_at.is_none())
                .ok_or(ApiError::from(ErrorCode::CodeNotRequested))?;
            if now >= stored.expires_at {
                return Err(ErrorCode::CodeExpired.into());
            }
            if state.secrets.code_matches(
                SMS_PURPOSE,
                &reset.id.to_string(),
                &code,
                &stored.code_hash,
            ) {
                tx.consume_code(stored.id, now).await?;
                Ok(())
            } else {
                Err(ErrorCode::CodeInvalid)
            }
        }
        SecondFactor::Authenticator => {
            let Some(encrypted) = account.totp_secret.clone() else {
                return Err(ErrorCode::CodeNotRequested.into());
            };
            claim_totp(state, tx.as_mut(), &mut account, &encrypted, &code).await?
        }
    };
    if let Err(wrong) = verdict {
        reset.failed_codes += 1;
        let spent = reset.failed_codes >= state.settings.policy.sms_code_attempts;
        if spent {
            reset.used_at = Some(now);
        }
        tx.update_password_reset(&reset).await?;
        tx.audit(
            &client.audit(
                None,
                "password_reset.code_wrong",
                Some(account.id),
                account.office_id,
                json!({ "failures": reset.failed_codes }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(if spent {
            ErrorCode::CodeAttemptsExceeded
        } else {
            wrong
        }
        .into());
    }
    reset.verified_at = Some(now);
    tx.update_password_reset(&reset).await?;
    tx.audit(
        &client.audit(
            None,
            "password_reset.verified",
            Some(account.id),
            account.office_id,
            json!({ "method": method }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(PasswordResetLinkResponse {
        methods: methods(&account),
        mobile_hint: mobile_hint(&account),
        verified: true,
        expires_at: reset.expires_at,
    })
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
    let (reset, account) = load(tx.as_mut(), token, state.now(), false).await?;
    tx.commit().await?;
    if reset.verified_at.is_none() {
        return Err(ErrorCode::ResetNotVerified.into());
    }
    let hash = check_and_hash_new_password(state, &account, password).await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (mut reset, mut account) = load(tx.as_mut(), token, now, true).await?;
    if reset.verified_at.is_none() {
        return Err(ErrorCode::ResetNotVerified.into());
    }
    let was_blocked = account.status == AccountStatus::Blocked;
    account.status = AccountStatus::Active;
    replace_password(tx.as_mut(), &mut account, hash, now).await?;
    reset.used_at = Some(now);
    tx.update_password_reset(&reset).await?;
    let ended = tx.end_sessions_of_account(account.id, now).await?;
    tx.enqueue(
        &[messages::security_notice(
            &state.settings,
            &account.email,
            &account.name,
            "Het wachtwoord van uw account is zojuist opnieuw ingesteld. Alle andere sessies zijn beëindigd.",
            "The password of your account has just been reset. All other sessions have been ended.",
        )],
        now,
    )
    .await?;
    tx.audit(
        &client.audit(
            None,
            "password_reset.completed",
            Some(account.id),
            account.office_id,
            json!({ "sessions_ended": ended, "unblocked": was_blocked }),
        ),
        now,
    )
    .await?;
    if was_blocked {
        tx.audit(
            &client.audit(
                None,
                "account.unblocked",
                Some(account.id),
                account.office_id,
                json!({}),
            ),
            now,
        )
        .await?;
    }
    account.last_sign_in_at = Some(now);
    tx.update_account(&account).await?;
    let session = super::setup::start_session(state, tx.as_mut(), account.id, client).await?;
    tx.audit(
        &client.audit(
            Some(account.id),
            "session.started",
            Some(account.id),
            account.office_id,
            json!({ "via": "password_reset" }),
        ),
        now,
    )
    .await?;
    let me = super::accounts::me(tx.as_mut(), &account).await?;
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
    let number = parse(MobileNumber::parse(mobile))?;
    let policy = &state.settings.policy;
    if let Some(ip) = &client.ip {
        state
            .limit(
                &format!("forgot-email:client:{ip}"),
                policy.forgot_email_per_hour_per_client,
                Duration::hours(1),
            )
            .await?;
    }
    let now = state.now();
    let (for_number, _) = state
        .store
        .hit_rate_limit(
            &format!("forgot-email:number:{}", number.as_str()),
            Duration::days(1),
            now,
        )
        .await?;
    let (total, _) = state
        .store
        .hit_rate_limit("forgot-email:total", Duration::hours(1), now)
        .await?;
    if for_number > policy.forgot_email_per_day_per_number
        || total > policy.forgot_email_per_hour_total
    {
        tracing::warn!(
            for_number,
            total,
            "forgot e-mail address: limit reached, nothing sent"
        );
        return Ok(accepted());
    }
    let mut tx = state.store.begin().await?;
    let accounts = tx.accounts_with_mobile(number.as_str()).await?;
    if !accounts.is_empty() {
        let addresses: Vec<String> = accounts.iter().map(|a| a.email.clone()).collect();
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
                &client.audit(
                    None,
                    "forgot_email.sent",
                    Some(account.id),
                    account.office_id,
                    json!({}),
                ),
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(accepted())
}
