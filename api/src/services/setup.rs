//! Accepting an invitation (or setting up sign-in again after a reset), step by step:
//! password → mobile number confirmed by SMS code → authenticator app confirmed by a code →
//! the account is active and signed in.
//!
//! The link authorises opening the set-up and choosing the password. The steps after that
//! need the set-up token the password step returns (valid one hour); a set-up interrupted
//! later is resumed from the link by entering the chosen password again, so a leaked link alone
//! cannot finish someone else's set-up once they have started it.

use chrono::Duration;
use poort_shared::ErrorCode;
use poort_shared::dto::{
    AccountStatus, AuthenticatorSetupResponse, CodeSentResponse, InvitationEventKind,
    InvitationStatus, MeResponse, SetupStep, SetupStepResponse, SetupTokenResponse,
};
use poort_shared::password;
use poort_shared::validate::{Email, MobileNumber, parse_code};
use serde_json::json;

use super::invitations::{OpenLink, invitee_audit, usable_link};
use super::parse;
use crate::auth::principal::ClientInfo;
use crate::auth::secrets::{new_code, new_token, token_hash};
use crate::auth::totp;
use crate::error::ApiError;
use crate::messages;
use crate::startup::AppState;
use crate::store::{InvitationEvent, Session, Tx, VerificationCode, new_id};

const MOBILE_PURPOSE: &str = "setup_mobile";

/// Constant-time equality of two hashes.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The link must be usable, the set-up token valid, and the set-up at `step`.
async fn at_step(
    tx: &mut dyn Tx,
    token: &str,
    setup_token: &str,
    step: SetupStep,
    now: chrono::DateTime<chrono::Utc>,
    lock: bool,
) -> Result<OpenLink, ApiError> {
    let open = usable_link(tx, token, now, lock).await?;
    let valid = match (
        &open.invitation.setup_token_hash,
        open.invitation.setup_token_expires_at,
    ) {
        (Some(stored), Some(until)) => now < until && same(stored, &token_hash(setup_token)),
        _ => false,
    };
    if !valid {
        return Err(ErrorCode::SetupTokenInvalid.into());
    }
    if open.invitation.step != step {
        return Err(ErrorCode::StepOutOfOrder.into());
    }
    Ok(open)
}

/// Step 1: choose the password (the shared policy decides).
pub async fn set_password(
    state: &AppState,
    token: &str,
    password: String,
    client: &ClientInfo,
) -> Result<SetupTokenResponse, ApiError> {
    // Check first, hash outside any transaction (argon2 takes a while), then write.
    let mut tx = state.store.read().await?;
    let open = usable_link(tx.as_mut(), token, state.now(), false).await?;
    tx.commit().await?;
    if open.invitation.step != SetupStep::Password {
        return Err(ErrorCode::StepOutOfOrder.into());
    }
    let email = Email::parse(&open.account.email).map_err(ApiError::from)?;
    parse(password::check(
        &password,
        email.local_part(),
        &open.account.name,
    ))?;
    let hash = state.hasher.hash(password).await?;

    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut open = usable_link(tx.as_mut(), token, now, true).await?;
    if open.invitation.step != SetupStep::Password {
        return Err(ErrorCode::StepOutOfOrder.into());
    }
    let setup_token = new_token()?;
    open.invitation.pending_password_hash = Some(hash);
    open.invitation.step = SetupStep::Mobile;
    open.invitation.setup_token_hash = Some(token_hash(&setup_token));
    open.invitation.setup_token_expires_at =
        Some(now + Duration::minutes(state.settings.policy.setup_token_minutes));
    tx.update_invitation(&open.invitation).await?;
    tx.audit(
        &invitee_audit(
            client,
            "setup.password_chosen",
            &open.account,
            json!({ "invitation_id": open.invitation.id }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(SetupTokenResponse {
        setup_token,
        step: SetupStep::Mobile,
    })
}

/// Continues an interrupted set-up: the password chosen in step 1 gives a new set-up token.
pub async fn resume(
    state: &AppState,
    token: &str,
    password: String,
    client: &ClientInfo,
) -> Result<SetupTokenResponse, ApiError> {
    let mut tx = state.store.read().await?;
    let open = usable_link(tx.as_mut(), token, state.now(), false).await?;
    tx.commit().await?;
    let Some(stored) = open.invitation.pending_password_hash.clone() else {
        return Err(ErrorCode::StepOutOfOrder.into());
    };
    state
        .limit(
            &format!("setup-resume:{}", open.invitation.id),
            5,
            Duration::minutes(15),
        )
        .await?;
    if !state.hasher.verify(password, Some(stored)).await? {
        let mut tx = state.store.begin().await?;
        tx.audit(
            &invitee_audit(
                client,
                "setup.resume_failed",
                &open.account,
                json!({ "invitation_id": open.invitation.id }),
            ),
            state.now(),
        )
        .await?;
        tx.commit().await?;
        return Err(ErrorCode::WrongPassword.into());
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut open = usable_link(tx.as_mut(), token, now, true).await?;
    let setup_token = new_token()?;
    open.invitation.setup_token_hash = Some(token_hash(&setup_token));
    open.invitation.setup_token_expires_at =
        Some(now + Duration::minutes(state.settings.policy.setup_token_minutes));
    tx.update_invitation(&open.invitation).await?;
    tx.commit().await?;
    Ok(SetupTokenResponse {
        setup_token,
        step: open.invitation.step,
    })
}

/// Step 2a: send a code to the mobile number.
pub async fn send_mobile_code(
    state: &AppState,
    token: &str,
    setup_token: &str,
    mobile: &str,
    client: &ClientInfo,
) -> Result<CodeSentResponse, ApiError> {
    let number = parse(MobileNumber::parse(mobile))?;
    let policy = &state.settings.policy;
    // Checks and rate limits first, outside the write transaction (the counters are written
    // on their own connection, which must not wait for ours).
    let mut tx = state.store.read().await?;
    let open = at_step(
        tx.as_mut(),
        token,
        setup_token,
        SetupStep::Mobile,
        state.now(),
        false,
    )
    .await?;
    let previous = tx.latest_code(MOBILE_PURPOSE, open.invitation.id).await?;
    tx.commit().await?;
    state
        .sms_allowed(previous.as_ref(), number.as_str(), client.ip.as_deref())
        .await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut open = at_step(
        tx.as_mut(),
        token,
        setup_token,
        SetupStep::Mobile,
        now,
        true,
    )
    .await?;
    let code = new_code()?;
    let subject = open.invitation.id.to_string();
    let expires_at = now + Duration::minutes(policy.sms_code_valid_minutes);
    tx.replace_code(&VerificationCode {
        id: new_id(now),
        purpose: MOBILE_PURPOSE.into(),
        subject_id: open.invitation.id,
        target: number.as_str().to_string(),
        code_hash: state.secrets.code_hash(MOBILE_PURPOSE, &subject, &code),
        attempts: 0,
        created_at: now,
        expires_at,
        consumed_at: None,
    })
    .await?;
    open.invitation.pending_mobile = Some(number.as_str().to_string());
    tx.update_invitation(&open.invitation).await?;
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
        &invitee_audit(
            client,
            "setup.mobile_code_sent",
            &open.account,
            json!({ "invitation_id": open.invitation.id }),
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

/// Step 2b: the code from the SMS confirms the number.
pub async fn verify_mobile(
    state: &AppState,
    token: &str,
    setup_token: &str,
    code: &str,
    client: &ClientInfo,
) -> Result<SetupStepResponse, ApiError> {
    let code = parse(parse_code(code))?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut open = at_step(
        tx.as_mut(),
        token,
        setup_token,
        SetupStep::Mobile,
        now,
        true,
    )
    .await?;
    let stored = tx
        .latest_code(MOBILE_PURPOSE, open.invitation.id)
        .await?
        .filter(|c| c.consumed_at.is_none())
        .ok_or(ApiError::from(ErrorCode::CodeNotRequested))?;
    if now >= stored.expires_at {
        return Err(ErrorCode::CodeExpired.into());
    }
    if stored.attempts >= state.settings.policy.sms_code_attempts {
        return Err(ErrorCode::CodeAttemptsExceeded.into());
    }
    let subject = open.invitation.id.to_string();
    let matches = state
        .secrets
        .code_matches(MOBILE_PURPOSE, &subject, &code, &stored.code_hash)
        && open.invitation.pending_mobile.as_deref() == Some(stored.target.as_str());
    if !matches {
        tx.count_code_attempt(stored.id).await?;
        tx.audit(
            &invitee_audit(
                client,
                "setup.mobile_code_wrong",
                &open.account,
                json!({ "invitation_id": open.invitation.id }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(ErrorCode::CodeInvalid.into());
    }
    tx.consume_code(stored.id, now).await?;
    open.invitation.verified_mobile = Some(stored.target);
    open.invitation.step = SetupStep::Authenticator;
    tx.update_invitation(&open.invitation).await?;
    tx.audit(
        &invitee_audit(
            client,
            "setup.mobile_verified",
            &open.account,
            json!({ "invitation_id": open.invitation.id }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(SetupStepResponse {
        step: SetupStep::Authenticator,
    })
}

/// Step 3a: a new authenticator secret to scan (asking again replaces it).
pub async fn start_authenticator(
    state: &AppState,
    token: &str,
    setup_token: &str,
) -> Result<AuthenticatorSetupResponse, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut open = at_step(
        tx.as_mut(),
        token,
        setup_token,
        SetupStep::Authenticator,
        now,
        true,
    )
    .await?;
    let secret = totp::new_secret()?;
    open.invitation.pending_totp_secret = Some(state.secrets.encrypt(&secret)?);
    tx.update_invitation(&open.invitation).await?;
    tx.commit().await?;
    let issuer = state.settings.branding.insurer_name.clone();
    Ok(AuthenticatorSetupResponse {
        otpauth_uri: totp::otpauth_uri(&secret, &issuer, &open.account.email),
        secret: totp::secret_base32(&secret),
        issuer,
        account_name: open.account.email.clone(),
        digits: totp::DIGITS,
        period_seconds: totp::PERIOD_SECONDS,
    })
}

/// Step 3b: a code from the app confirms it; the account becomes active and is signed in.
/// Returns the account and the new session token (for the cookie).
pub async fn confirm_authenticator(
    state: &AppState,
    token: &str,
    setup_token: &str,
    code: &str,
    client: &ClientInfo,
) -> Result<(MeResponse, String), ApiError> {
    let code = parse(parse_code(code))?;
    let mut tx = state.store.read().await?;
    let peek = at_step(
        tx.as_mut(),
        token,
        setup_token,
        SetupStep::Authenticator,
        state.now(),
        false,
    )
    .await?;
    tx.commit().await?;
    state
        .limit(
            &format!("setup-totp:{}", peek.invitation.id),
            10,
            Duration::minutes(15),
        )
        .await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut open = at_step(
        tx.as_mut(),
        token,
        setup_token,
        SetupStep::Authenticator,
        now,
        true,
    )
    .await?;
    let encrypted = open
        .invitation
        .pending_totp_secret
        .clone()
        .ok_or(ApiError::from(ErrorCode::CodeNotRequested))?;
    let secret = state.secrets.decrypt(&encrypted)?;
    let unix = u64::try_from(now.timestamp()).unwrap_or(0);
    let Some(step) = totp::matching_step(&secret, &code, unix)? else {
        tx.audit(
            &invitee_audit(
                client,
                "setup.authenticator_code_wrong",
                &open.account,
                json!({ "invitation_id": open.invitation.id }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(ErrorCode::CodeInvalid.into());
    };
    let (Some(password_hash), Some(mobile)) = (
        open.invitation.pending_password_hash.clone(),
        open.invitation.verified_mobile.clone(),
    ) else {
        return Err(ErrorCode::StepOutOfOrder.into());
    };

    let account = &mut open.account;
    account.password_hash = Some(password_hash);
    account.password_changed_at = Some(now);
    account.mobile = Some(mobile);
    account.totp_secret = Some(encrypted);
    account.totp_last_step = i64::try_from(step).ok();
    account.status = AccountStatus::Active;
    account.failed_password_attempts = 0;
    account.updated_at = now;
    tx.update_account(account).await?;

    let invitation = &mut open.invitation;
    invitation.status = InvitationStatus::Accepted;
    invitation.step = SetupStep::Done;
    invitation.accepted_at = Some(now);
    invitation.pending_password_hash = None;
    invitation.pending_totp_secret = None;
    invitation.pending_mobile = None;
    invitation.setup_token_hash = None;
    invitation.setup_token_expires_at = None;
    tx.update_invitation(invitation).await?;
    tx.supersede_links_of(invitation.id, now).await?;
    tx.insert_invitation_event(&InvitationEvent {
        invitation_id: invitation.id,
        kind: InvitationEventKind::Accepted,
        at: now,
        actor_id: None,
        actor_name: None,
    })
    .await?;
    tx.audit(
        &invitee_audit(
            client,
            "invitation.accepted",
            &open.account,
            json!({ "invitation_id": open.invitation.id, "kind": open.invitation.kind }),
        ),
        now,
    )
    .await?;
    let session_token = start_session(state, tx.as_mut(), open.account.id, client).await?;
    tx.audit(
        &invitee_audit(
            client,
            "session.started",
            &open.account,
            json!({ "via": "setup" }),
        ),
        now,
    )
    .await?;
    let me = super::accounts::me(tx.as_mut(), &open.account).await?;
    tx.commit().await?;
    Ok((me, session_token))
}

/// Creates a session for the account; returns the token for the cookie.
pub async fn start_session(
    state: &AppState,
    tx: &mut dyn Tx,
    account_id: uuid::Uuid,
    client: &ClientInfo,
) -> Result<String, ApiError> {
    let now = state.now();
    let token = new_token()?;
    let session = Session {
        id: new_id(now),
        account_id,
        created_at: now,
        last_seen_at: now,
        expires_at: now + Duration::hours(state.settings.policy.session_absolute_hours),
        ended_at: None,
        client_ip: client.ip.clone(),
        user_agent: client.user_agent.clone(),
        active_portfolio_id: None,
        reauthenticated_at: None,
    };
    tx.insert_session(&session, &token_hash(&token)).await?;
    Ok(token)
}
