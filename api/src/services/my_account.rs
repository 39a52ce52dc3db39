//! *Mijn account*: what a signed-in person sees and changes of their own account. Changing
//! the mobile number or the authenticator needs proof it is still them (password or
//! authenticator code, valid `reauthentication_minutes`); changing the password needs the
//! current one. Each change is audited and announced by e-mail.

use chrono::Duration;
use poort_shared::ErrorCode;
use poort_shared::dto::{
    AuditPageResponse, AuthenticatorSetupResponse, CodeSentResponse, Factors,
    MobileRemovedResponse, ProfileResponse, ReauthenticatedResponse, SessionListResponse,
    SessionResponse,
};
use poort_shared::validate::{MobileNumber, parse_code};
use serde_json::json;
use uuid::Uuid;

use super::audit::AuditQuery;
use super::signin::{check_and_hash_new_password, claim_totp, replace_password};
use super::{Scope, parse};
use crate::auth::principal::Principal;
use crate::auth::secrets::new_code;
use crate::auth::totp;
use crate::error::ApiError;
use crate::messages;
use crate::startup::AppState;
use crate::store::{Account, VerificationCode, new_id};

const MOBILE_PURPOSE: &str = "change_mobile";

fn factors(account: &Account) -> Factors {
    Factors {
        password: account.password_hash.is_some(),
        mobile: account.mobile.is_some(),
        authenticator: account.totp_secret.is_some(),
        eherkenning: account.ehk_pseudonym.is_some(),
    }
}

pub async fn profile(state: &AppState, principal: &Principal) -> Result<ProfileResponse, ApiError> {
    let account = &principal.account;
    let portfolios = super::context::portfolios_of(&principal.rights);
    let me = principal.me();
    let max_age = Duration::days(state.settings.policy.password_max_age_days);
    Ok(ProfileResponse {
        account: me,
        name_editable: false,
        mobile: account.mobile.clone(),
        factors: factors(account),
        password_changed_at: account.password_changed_at,
        password_expires_at: account.password_changed_at.map(|at| at + max_age),
        portfolios,
    })
}

/// Proves it is still this person: the password, or a code from the authenticator app.
pub async fn reauthenticate(
    state: &AppState,
    principal: &Principal,
    password: Option<String>,
    code: Option<String>,
) -> Result<ReauthenticatedResponse, ApiError> {
    state
        .limit(
            &format!("reauth:{}", principal.id()),
            5,
            Duration::minutes(15),
        )
        .await?;
    let now = state.now();
    let ok = match (password, code) {
        (Some(password), _) => {
            state
                .hasher
                .verify(password, principal.account.password_hash.clone())
                .await?
        }
        (None, Some(code)) => {
            let code = parse(parse_code(&code))?;
            let Some(encrypted) = principal.account.totp_secret.clone() else {
                return Err(ErrorCode::CodeNotRequested.into());
            };
            let mut tx = state.store.begin().await?;
            let mut account = principal.account.clone();
            let verdict = claim_totp(state, tx.as_mut(), &mut account, &encrypted, &code).await?;
            tx.commit().await?;
            if let Err(wrong) = verdict {
                return Err(wrong.into());
            }
            true
        }
        (None, None) => return Err(ApiError::invalid_request("give password or code")),
    };
    let mut tx = state.store.begin().await?;
    if !ok {
        tx.audit(
            &principal.audit(
                "session.reauthentication_failed",
                Some(principal.id()),
                principal.account.office_id,
                json!({}),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(ErrorCode::WrongPassword.into());
    }
    tx.set_session_reauthenticated(principal.session_id, now)
        .await?;
    tx.audit(
        &principal.audit(
            "session.reauthenticated",
            Some(principal.id()),
            principal.account.office_id,
            json!({}),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(ReauthenticatedResponse {
        until: now + Duration::minutes(state.settings.policy.reauthentication_minutes),
    })
}

fn require_recent_proof(state: &AppState, principal: &Principal) -> Result<(), ApiError> {
    let window = Duration::minutes(state.settings.policy.reauthentication_minutes);
    match principal.session.reauthenticated_at {
        Some(at) if state.now() < at + window => Ok(()),
        _ => Err(ErrorCode::ReauthenticationRequired.into()),
    }
}

/// A new mobile number: a code goes to it.
pub async fn start_mobile_change(
    state: &AppState,
    principal: &Principal,
    mobile: &str,
) -> Result<CodeSentResponse, ApiError> {
    require_recent_proof(state, principal)?;
    let number = parse(MobileNumber::parse(mobile))?;
    let policy = &state.settings.policy;
    let mut tx = state.store.read().await?;
    let previous = tx.latest_code(MOBILE_PURPOSE, principal.id()).await?;
    tx.commit().await?;
    state
        .sms_allowed(previous.as_ref(), number.as_str(), None)
        .await?;
    let now = state.now();
    let code = new_code()?;
    let expires_at = now + Duration::minutes(policy.sms_code_valid_minutes);
    let mut tx = state.store.begin().await?;
    tx.replace_code(&VerificationCode {
        id: new_id(now),
        purpose: MOBILE_PURPOSE.into(),
        subject_id: principal.id(),
        target: number.as_str().to_string(),
        code_hash: state
            .secrets
            .code_hash(MOBILE_PURPOSE, &principal.id().to_string(), &code),
        attempts: 0,
        created_at: now,
        expires_at,
        consumed_at: None,
    })
    .await?;
    tx.enqueue(
        &[messages::sms_code(
            &state.settings,
            number.as_str(),
            &code,
            policy.sms_code_valid_minutes,
        )],
        now,
    )
    .await?;
    tx.audit(
        &principal.audit(
            "mobile.change_code_sent",
            Some(principal.id()),
            principal.account.office_id,
            json!({}),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(CodeSentResponse {
        sent_to: number.masked(),
        expires_at,
        resend_after_seconds: policy.sms_resend_seconds,
    })
}

/// The code from the SMS to the new number: the number changes; the old number and the
/// e-mail address are told.
pub async fn confirm_mobile_change(
    state: &AppState,
    principal: &Principal,
    code: &str,
) -> Result<Factors, ApiError> {
    let code = parse(parse_code(code))?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut account = tx
        .lock_account(principal.id())
        .await?
        .ok_or(ApiError::from(ErrorCode::Unauthenticated))?;
    let stored = tx
        .latest_code(MOBILE_PURPOSE, account.id)
        .await?
        .filter(|c| c.consumed_at.is_none())
        .ok_or(ApiError::from(ErrorCode::CodeNotRequested))?;
    if now >= stored.expires_at {
        return Err(ErrorCode::CodeExpired.into());
    }
    if stored.attempts >= state.settings.policy.sms_code_attempts {
        return Err(ErrorCode::CodeAttemptsExceeded.into());
    }
    if !state.secrets.code_matches(
        MOBILE_PURPOSE,
        &account.id.to_string(),
        &code,
        &stored.code_hash,
    ) {
        tx.count_code_attempt(stored.id).await?;
        tx.commit().await?;
        return Err(ErrorCode::CodeInvalid.into());
    }
    tx.consume_code(stored.id, now).await?;
    let old = account.mobile.replace(stored.target);
    account.updated_at = now;
    tx.update_account(&account).await?;
    let mut notices = vec![messages::security_notice(
        &state.settings,
        &account.email,
        &account.name,
        "Het mobiele nummer van uw account is gewijzigd.",
        "The mobile number of your account has been changed.",
    )];
    if let Some(old) = &old {
        notices.push(messages::mobile_changed_sms(&state.settings, old));
    }
    tx.enqueue(&notices, now).await?;
    tx.audit(
        &principal.audit(
            "mobile.changed",
            Some(account.id),
            account.office_id,
            json!({ "had_number": old.is_some() }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(factors(&account))
}

/// Removes the mobile number. The answer warns (`recovery_disabled`): forgot password and
/// forgot e-mail address no longer work without it.
pub async fn remove_mobile(
    state: &AppState,
    principal: &Principal,
) -> Result<MobileRemovedResponse, ApiError> {
    require_recent_proof(state, principal)?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut account = tx
        .lock_account(principal.id())
        .await?
        .ok_or(ApiError::from(ErrorCode::Unauthenticated))?;
    if account.totp_secret.is_none() {
        // Without it there would be no second factor left at all.
        return Err(ErrorCode::TwoFactorNotSetUp.into());
    }
    if account.mobile.take().is_some() {
        account.updated_at = now;
        tx.update_account(&account).await?;
        tx.enqueue(
            &[messages::security_notice(
                &state.settings,
                &account.email,
                &account.name,
                "Het mobiele nummer is van uw account verwijderd. Wachtwoord vergeten en e-mailadres vergeten werken daardoor niet meer.",
                "The mobile number has been removed from your account. Forgot password and forgot e-mail address no longer work.",
            )],
            now,
        )
        .await?;
        tx.audit(
            &principal.audit(
                "mobile.removed",
                Some(account.id),
                account.office_id,
                json!({}),
            ),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(MobileRemovedResponse {
        warning: "recovery_disabled".into(),
        factors: factors(&account),
    })
}

/// Changes the password: the current one, then the new one (policy, not one of the last
/// five). Other sessions end.
pub async fn change_password(
    state: &AppState,
    principal: &Principal,
    current: String,
    new: String,
) -> Result<(), ApiError> {
    state
        .limit(
            &format!("change-password:{}", principal.id()),
            5,
            Duration::minutes(15),
        )
        .await?;
    if !state
        .hasher
        .verify(current, principal.account.password_hash.clone())
        .await?
    {
        let mut tx = state.store.begin().await?;
        tx.audit(
            &principal.audit(
                "password.change_failed",
                Some(principal.id()),
                principal.account.office_id,
                json!({}),
            ),
            state.now(),
        )
        .await?;
        tx.commit().await?;
        return Err(ErrorCode::WrongPassword.into());
    }
    let hash = check_and_hash_new_password(state, &principal.account, new).await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut account = tx
        .lock_account(principal.id())
        .await?
        .ok_or(ApiError::from(ErrorCode::Unauthenticated))?;
    replace_password(tx.as_mut(), &mut account, hash, now).await?;
    let ended = tx
        .end_other_sessions(account.id, principal.session_id, now)
        .await?;
    tx.enqueue(
        &[messages::security_notice(
            &state.settings,
            &account.email,
            &account.name,
            "Het wachtwoord van uw account is gewijzigd. Uw andere sessies zijn beëindigd.",
            "The password of your account has been changed. Your other sessions have been ended.",
        )],
        now,
    )
    .await?;
    tx.audit(
        &principal.audit(
            "password.changed",
            Some(account.id),
            account.office_id,
            json!({ "other_sessions_ended": ended }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(())
}

/// A new authenticator to link; it replaces the current one once confirmed (never two).
pub async fn start_authenticator(
    state: &AppState,
    principal: &Principal,
) -> Result<AuthenticatorSetupResponse, ApiError> {
    require_recent_proof(state, principal)?;
    let secret = totp::new_secret()?;
    let mut tx = state.store.begin().await?;
    let mut account = tx
        .lock_account(principal.id())
        .await?
        .ok_or(ApiError::from(ErrorCode::Unauthenticated))?;
    account.pending_totp_secret = Some(state.secrets.encrypt(&secret)?);
    tx.update_account(&account).await?;
    tx.commit().await?;
    let issuer = state.settings.branding.insurer_name.clone();
    Ok(AuthenticatorSetupResponse {
        otpauth_uri: totp::otpauth_uri(&secret, &issuer, &account.email),
        secret: totp::secret_base32(&secret),
        issuer,
        account_name: account.email.clone(),
        digits: totp::DIGITS,
        period_seconds: totp::PERIOD_SECONDS,
    })
}

pub async fn confirm_authenticator(
    state: &AppState,
    principal: &Principal,
    code: &str,
) -> Result<Factors, ApiError> {
    let code = parse(parse_code(code))?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut account = tx
        .lock_account(principal.id())
        .await?
        .ok_or(ApiError::from(ErrorCode::Unauthenticated))?;
    let Some(encrypted) = account.pending_totp_secret.clone() else {
        return Err(ErrorCode::CodeNotRequested.into());
    };
    let secret = state.secrets.decrypt(&encrypted)?;
    let unix = u64::try_from(now.timestamp()).unwrap_or(0);
    let Some(step) = totp::matching_step(&secret, &code, unix)? else {
        return Err(ErrorCode::CodeInvalid.into());
    };
    account.totp_secret = Some(encrypted);
    account.totp_last_step = i64::try_from(step).ok();
    account.pending_totp_secret = None;
    account.updated_at = now;
    tx.update_account(&account).await?;
    tx.enqueue(
        &[messages::security_notice(
            &state.settings,
            &account.email,
            &account.name,
            "Er is een nieuwe authenticator-app aan uw account gekoppeld; de vorige werkt niet meer.",
            "A new authenticator app has been linked to your account; the previous one no longer works.",
        )],
        now,
    )
    .await?;
    tx.audit(
        &principal.audit(
            "authenticator.replaced",
            Some(account.id),
            account.office_id,
            json!({}),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(factors(&account))
}

pub async fn sessions(
    state: &AppState,
    principal: &Principal,
) -> Result<SessionListResponse, ApiError> {
    let now = state.now();
    let idle = Duration::minutes(state.settings.policy.session_idle_minutes);
    let mut tx = state.store.read().await?;
    let sessions = tx.sessions_of_account(principal.id()).await?;
    tx.commit().await?;
    Ok(SessionListResponse {
        sessions: sessions
            .into_iter()
            .filter(|s| now < s.expires_at && now < s.last_seen_at + idle)
            .map(|s| SessionResponse {
                current: s.id == principal.session_id,
                id: s.id,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                client_ip: s.client_ip,
                user_agent: s.user_agent,
            })
            .collect(),
    })
}

/// Ends one of one's own sessions.
pub async fn end_session(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
) -> Result<(), ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let own = tx
        .sessions_of_account(principal.id())
        .await?
        .into_iter()
        .any(|s| s.id == id);
    if !own {
        return Err(ErrorCode::NotFound.into());
    }
    tx.end_session(id, now).await?;
    tx.audit(
        &principal.audit(
            "session.ended",
            Some(principal.id()),
            principal.account.office_id,
            json!({ "reason": "ended_by_user", "session_id": id }),
        ),
        now,
    )
    .await?;
    tx.commit().await.map_err(ApiError::from)
}

/// The security events of one's own account, newest first.
pub async fn events(
    state: &AppState,
    principal: &Principal,
) -> Result<AuditPageResponse, ApiError> {
    super::audit::page(
        state,
        Scope::All,
        AuditQuery {
            office_id: None,
            account_id: Some(principal.id()),
            action: None,
            before: None,
            limit: Some(50),
        },
    )
    .await
}
