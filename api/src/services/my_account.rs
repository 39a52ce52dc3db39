//! *Mijn account*: what a signed-in person sees and changes of their own account. Changing
//! the mobile number or the authenticator needs proof it is still them (password or
//! authenticator code, within `policy.reauthentication_minutes`: `domain::session`; the proof
//! gives the session a new token); changing the password needs the current one. Each change
//! of a factor ends the account's other sessions, is audited and announced by e-mail.

use poort_shared::ErrorCode;
use poort_shared::dto::{
    AuditAction, AuditPageResponse, AuthenticatorSetupResponse, CodeSentResponse, Factors,
    MobileRemovedResponse, ProfileResponse, ReauthenticatedResponse, SessionListResponse,
    SessionResponse,
};
use poort_shared::validate::{MobileNumber, OneTimeCode};
use serde_json::json;
use uuid::Uuid;

use super::audit::AuditQuery;
use super::{codes, lockout, passwords};
use crate::auth::principal::Principal;
use crate::auth::secrets::{Context, new_token, token_hash};
use crate::auth::totp;
use crate::domain::limits::Limit;
use crate::domain::lockout::WrongCode;
use crate::domain::office::portfolios_of;
use crate::domain::password::PasswordRules;
use crate::domain::session::SessionRules;
use crate::domain::{Account, CodePurpose, Scope};
use crate::error::ApiError;
use crate::messages;
use crate::state::AppState;
use crate::store::{NewMessage, Tx};

pub async fn profile(state: &AppState, principal: &Principal) -> Result<ProfileResponse, ApiError> {
    let account = &principal.account;
    let rules = PasswordRules::from_policy(state.policy());
    Ok(ProfileResponse {
        account: principal.me(),
        name_editable: false,
        mobile: account.mobile.as_ref().map(MobileNumber::to_string),
        factors: account.factors(),
        password_changed_at: account.password_changed_at,
        password_expires_at: account.password_changed_at.map(|at| rules.expires_at(at)),
        portfolios: portfolios_of(&principal.rights),
    })
}

fn session_rules(state: &AppState) -> SessionRules {
    SessionRules::from_policy(state.policy())
}

/// Proves it is still this person: the password, or a code from the authenticator app.
pub async fn reauthenticate(
    state: &AppState,
    principal: &Principal,
    password: Option<String>,
    code: Option<String>,
) -> Result<(ReauthenticatedResponse, String), ApiError> {
    state
        .limit(Limit::Reauthentications(principal.id()))
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
            let code = OneTimeCode::parse(&code)?;
            let mut tx = state.store.begin().await?;
            match codes::claim_authenticator(state, tx.as_mut(), &principal.account, &code).await? {
                Ok(_) => {
                    lockout::right_code(tx.as_mut(), &principal.account).await?;
                    tx.commit().await?;
                }
                Err(wrong) => {
                    // Counted on the account, as at sign-in: no way around its limit.
                    tx.audit(
                        &principal.audit_self(
                            AuditAction::SessionReauthenticationFailed,
                            json!({ "method": "authenticator" }),
                        ),
                        now,
                    )
                    .await?;
                    let on_account = lockout::wrong_code(
                        state,
                        tx.as_mut(),
                        &principal.account,
                        &principal.client,
                    )
                    .await?;
                    tx.commit().await?;
                    state.outbox_wake.notify_one();
                    return Err(match on_account {
                        WrongCode::Counted { .. } => wrong,
                        _ => ErrorCode::AccountBlocked,
                    }
                    .into());
                }
            }
            true
        }
        (None, None) => return Err(ApiError::invalid_request("give password or code")),
    };
    let mut tx = state.store.begin().await?;
    if !ok {
        tx.audit(
            &principal.audit_self(AuditAction::SessionReauthenticationFailed, json!({})),
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(ErrorCode::WrongPassword.into());
    }
    proven(state, tx, principal, json!({})).await
}

/// The proof was given (password, code or passkey): sensitive changes are allowed for a while,
/// and the session gets a new token — one taken before is useless now. Commits `tx`.
pub(super) async fn proven(
    state: &AppState,
    mut tx: Box<dyn Tx>,
    principal: &Principal,
    details: serde_json::Value,
) -> Result<(ReauthenticatedResponse, String), ApiError> {
    let now = state.now();
    tx.set_session_reauthenticated(principal.session_id, now)
        .await?;
    let token = new_token()?;
    tx.rotate_session_token(principal.session_id, &token_hash(&token))
        .await?;
    tx.audit(
        &principal.audit_self(AuditAction::SessionReauthenticated, details),
        now,
    )
    .await?;
    tx.commit().await?;
    let until = session_rules(state).proof_valid_until(now);
    Ok((ReauthenticatedResponse { until }, token))
}

fn require_recent_proof(state: &AppState, principal: &Principal) -> Result<(), ApiError> {
    Ok(session_rules(state).require_recent_proof(&principal.session, state.now())?)
}

/// The own account, locked for a change.
async fn lock_own(tx: &mut dyn Tx, principal: &Principal) -> Result<Account, ApiError> {
    tx.lock_account(principal.id())
        .await?
        .ok_or(ApiError::from(ErrorCode::Unauthenticated))
}

/// An e-mail to the account's owner about a change to their account.
fn notice(state: &AppState, account: &Account, nl: &str, en: &str) -> NewMessage {
    messages::security_notice(
        &state.settings,
        account.email.as_str(),
        &account.name,
        nl,
        en,
    )
}

/// A new mobile number: a code goes to it.
pub async fn start_mobile_change(
    state: &AppState,
    principal: &Principal,
    mobile: &str,
) -> Result<CodeSentResponse, ApiError> {
    require_recent_proof(state, principal)?;
    let number = MobileNumber::parse(mobile)?;
    codes::may_send(
        state,
        CodePurpose::ChangeMobile,
        principal.id(),
        &number,
        None,
    )
    .await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let sent = codes::send(
        state,
        tx.as_mut(),
        CodePurpose::ChangeMobile,
        principal.id(),
        &number,
    )
    .await?;
    tx.audit(
        &principal.audit_self(AuditAction::MobileChangeCodeSent, json!({})),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(sent)
}

/// The code from the SMS to the new number: the number changes; the old number and the
/// e-mail address are told.
pub async fn confirm_mobile_change(
    state: &AppState,
    principal: &Principal,
    code: &str,
) -> Result<Factors, ApiError> {
    let code = OneTimeCode::parse(code)?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let account = lock_own(tx.as_mut(), principal).await?;
    let stored = match codes::check_sms(
        state,
        tx.as_mut(),
        CodePurpose::ChangeMobile,
        account.id,
        &code,
        now,
    )
    .await?
    {
        Ok(stored) => stored,
        Err(wrong) => {
            codes::count_wrong(state, tx.as_mut(), CodePurpose::ChangeMobile, account.id).await?;
            tx.commit().await?;
            return Err(wrong.into());
        }
    };
    tx.consume_code(stored.id, now).await?;
    tx.set_mobile(account.id, Some(&stored.target), now).await?;
    let ended = tx
        .end_other_sessions(account.id, principal.session_id, now)
        .await?;
    let mut notices = vec![notice(
        state,
        &account,
        "Het mobiele nummer van uw account is gewijzigd.",
        "The mobile number of your account has been changed.",
    )];
    if let Some(old) = &account.mobile {
        notices.push(messages::mobile_changed_sms(&state.settings, old.as_str()));
    }
    tx.enqueue(&notices, now).await?;
    tx.audit(
        &principal.audit_self(
            AuditAction::MobileChanged,
            json!({ "had_number": account.mobile.is_some(), "other_sessions_ended": ended }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(Account {
        mobile: Some(stored.target),
        ..account
    }
    .factors())
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
    let account = lock_own(tx.as_mut(), principal).await?;
    if account.totp_secret.is_none() && account.passkeys == 0 {
        // Without it there would be no second factor left at all.
        return Err(ErrorCode::TwoFactorNotSetUp.into());
    }
    if account.mobile.is_some() {
        tx.set_mobile(account.id, None, now).await?;
        let ended = tx
            .end_other_sessions(account.id, principal.session_id, now)
            .await?;
        tx.enqueue(
            &[notice(
                state,
                &account,
                "Het mobiele nummer is van uw account verwijderd. Wachtwoord vergeten en e-mailadres vergeten werken daardoor niet meer.",
                "The mobile number has been removed from your account. Forgot password and forgot e-mail address no longer work.",
            )],
            now,
        )
        .await?;
        tx.audit(
            &principal.audit_self(
                AuditAction::MobileRemoved,
                json!({ "other_sessions_ended": ended }),
            ),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(MobileRemovedResponse {
        warning: "recovery_disabled".into(),
        factors: Account {
            mobile: None,
            ..account
        }
        .factors(),
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
    state.limit(Limit::PasswordChanges(principal.id())).await?;
    if !state
        .hasher
        .verify(current, principal.account.password_hash.clone())
        .await?
    {
        let mut tx = state.store.begin().await?;
        tx.audit(
            &principal.audit_self(AuditAction::PasswordChangeFailed, json!({})),
            state.now(),
        )
        .await?;
        tx.commit().await?;
        return Err(ErrorCode::WrongPassword.into());
    }
    let hash = passwords::check_and_hash(state, &principal.account, new).await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let account = lock_own(tx.as_mut(), principal).await?;
    passwords::replace(tx.as_mut(), &account, &hash, now).await?;
    let ended = tx
        .end_other_sessions(account.id, principal.session_id, now)
        .await?;
    tx.enqueue(
        &[notice(
            state,
            &account,
            "Het wachtwoord van uw account is gewijzigd. Uw andere sessies zijn beëindigd.",
            "The password of your account has been changed. Your other sessions have been ended.",
        )],
        now,
    )
    .await?;
    tx.audit(
        &principal.audit_self(
            AuditAction::PasswordChanged,
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
    let account = lock_own(tx.as_mut(), principal).await?;
    tx.set_pending_totp(
        account.id,
        Some(
            &state
                .secrets
                .seal(Context::Authenticator(account.id), &secret)?,
        ),
        state.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(totp::setup_response(
        &secret,
        &state.settings.branding.insurer_name,
        account.email.as_str(),
    ))
}

pub async fn confirm_authenticator(
    state: &AppState,
    principal: &Principal,
    code: &str,
) -> Result<Factors, ApiError> {
    let code = OneTimeCode::parse(code)?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let account = lock_own(tx.as_mut(), principal).await?;
    let Some(pending) = account.pending_totp_secret.clone() else {
        return Err(ErrorCode::CodeNotRequested.into());
    };
    let Some(step) = codes::authenticator_step(state, account.id, &pending, &code, now)? else {
        return Err(ErrorCode::CodeIncorrect.into());
    };
    tx.set_totp(account.id, Some((&pending, step)), now).await?;
    let ended = tx
        .end_other_sessions(account.id, principal.session_id, now)
        .await?;
    tx.enqueue(
        &[notice(
            state,
            &account,
            "Er is een nieuwe authenticator-app aan uw account gekoppeld; de vorige werkt niet meer.",
            "A new authenticator app has been linked to your account; the previous one no longer works.",
        )],
        now,
    )
    .await?;
    tx.audit(
        &principal.audit_self(
            AuditAction::AuthenticatorReplaced,
            json!({ "other_sessions_ended": ended }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(Account {
        totp_secret: Some(pending),
        ..account
    }
    .factors())
}

pub async fn sessions(
    state: &AppState,
    principal: &Principal,
) -> Result<SessionListResponse, ApiError> {
    let now = state.now();
    let rules = session_rules(state);
    let mut tx = state.store.read().await?;
    let sessions = tx.sessions_of_account(principal.id()).await?;
    tx.commit().await?;
    Ok(SessionListResponse {
        sessions: sessions
            .into_iter()
            .filter(|s| rules.is_open(s, now))
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
        &principal.audit_self(
            AuditAction::SessionEnded,
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
            api_client_id: None,
            action: None,
            before: None,
            since: None,
            until: None,
            limit: Some(50),
        },
    )
    .await
}
