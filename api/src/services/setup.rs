//! Accepting an invitation (or setting up sign-in again after a reset), step by step — the
//! step machine is `domain::invitation::Setup`: password → mobile number confirmed by SMS code
//! → authenticator app confirmed by a code (or a passkey) → the account is active and signed in.
//!
//! The link authorises opening the set-up and choosing the password. The steps after that
//! need the set-up token the password step returns; a set-up interrupted later is resumed from
//! the link by entering the chosen password again, so a leaked link alone cannot finish someone
//! else's set-up once they have started it.

use poort_shared::ErrorCode;
use poort_shared::dto::{
    AuditAction, AuthenticatorSetupResponse, CodeSentResponse, InvitationEventKind, MeResponse,
    PasskeyChallengeResponse, SetupPasskeyRequest, SetupStep, SetupStepResponse,
    SetupTokenResponse,
};
use poort_shared::password;
use poort_shared::validate::{MobileNumber, OneTimeCode};
use serde_json::json;

use super::invitations::{invitee_audit, office_name};
use super::links::{OpenLink, usable_link};
use super::{codes, passkeys, sessions};
use crate::auth::principal::ClientInfo;
use crate::auth::secrets::{Context, new_token, token_hash};
use crate::auth::totp;
use crate::domain::invitation::InvitationRules;
use crate::domain::limits::Limit;
use crate::domain::lockout;
use crate::domain::passkey::{self, Ceremony};
use crate::domain::{CodePurpose, InvitationEvent, InvitationState, Setup};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Tx;

/// An open link whose set-up token is valid and whose set-up is at `step`; with the set-up.
async fn at_step(
    tx: &mut dyn Tx,
    token: &str,
    setup_token: &str,
    step: SetupStep,
    now: chrono::DateTime<chrono::Utc>,
    lock: bool,
) -> Result<(OpenLink, Setup), ApiError> {
    let open = usable_link(tx, token, now, lock).await?;
    let setup = open
        .invitation
        .setup_with_token(&token_hash(setup_token), now)?
        .clone();
    if setup.step() != step {
        return Err(ErrorCode::StepOutOfOrder.into());
    }
    Ok((open, setup))
}

/// Saves the set-up's new state, keeping its token.
async fn save(tx: &mut dyn Tx, open: &OpenLink, setup: Setup) -> Result<(), ApiError> {
    let token = match &open.invitation.state {
        InvitationState::Open { token, .. } => token.clone(),
        _ => None,
    };
    tx.save_invitation_state(open.invitation.id, &InvitationState::Open { setup, token })
        .await?;
    Ok(())
}

/// A fresh set-up token for `setup`, saved; returns the token for the client.
async fn issue_token(
    state: &AppState,
    tx: &mut dyn Tx,
    open: &OpenLink,
    setup: Setup,
) -> Result<String, ApiError> {
    let token = new_token()?;
    let stored =
        InvitationRules::from_policy(state.policy()).setup_token(token_hash(&token), state.now());
    tx.save_invitation_state(
        open.invitation.id,
        &InvitationState::Open {
            setup,
            token: Some(stored),
        },
    )
    .await?;
    Ok(token)
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
    if open.setup()?.step() != SetupStep::Password {
        return Err(ErrorCode::StepOutOfOrder.into());
    }
    password::check(
        &password,
        open.account.email.local_part(),
        &open.account.name,
    )?;
    let hash = state.hasher.hash(password).await?;

    let now = state.now();
    let mut tx = state.store.begin().await?;
    let open = usable_link(tx.as_mut(), token, now, true).await?;
    let setup = open.setup()?.password_chosen(hash)?;
    let step = setup.step();
    let setup_token = issue_token(state, tx.as_mut(), &open, setup).await?;
    tx.audit(
        &invitee_audit(
            client,
            AuditAction::SetupPasswordChosen,
            &open.account,
            json!({ "invitation_id": open.invitation.id }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(SetupTokenResponse { setup_token, step })
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
    let Some(stored) = open.setup()?.password_hash().map(str::to_string) else {
        return Err(ErrorCode::StepOutOfOrder.into());
    };
    state.limit(Limit::SetupResumes(open.invitation.id)).await?;
    if !state.hasher.verify(password, Some(stored)).await? {
        let mut tx = state.store.begin().await?;
        tx.audit(
            &invitee_audit(
                client,
                AuditAction::SetupResumeFailed,
                &open.account,
                json!({ "invitation_id": open.invitation.id }),
            ),
            state.now(),
        )
        .await?;
        tx.commit().await?;
        return Err(ErrorCode::WrongPassword.into());
    }
    let mut tx = state.store.begin().await?;
    let open = usable_link(tx.as_mut(), token, state.now(), true).await?;
    let setup = open.setup()?.clone();
    let step = setup.step();
    let setup_token = issue_token(state, tx.as_mut(), &open, setup).await?;
    tx.commit().await?;
    Ok(SetupTokenResponse { setup_token, step })
}

/// Step 2a: send a code to the mobile number.
pub async fn send_mobile_code(
    state: &AppState,
    token: &str,
    setup_token: &str,
    mobile: &str,
    client: &ClientInfo,
) -> Result<CodeSentResponse, ApiError> {
    let number = MobileNumber::parse(mobile)?;
    // Checks and rate limits first, outside the write transaction (the counters are written
    // on their own connection, which must not wait for ours).
    let mut tx = state.store.read().await?;
    let (open, _) = at_step(
        tx.as_mut(),
        token,
        setup_token,
        SetupStep::Mobile,
        state.now(),
        false,
    )
    .await?;
    tx.commit().await?;
    codes::may_send(
        state,
        CodePurpose::SetUpMobile,
        open.invitation.id,
        &number,
        client.ip.as_deref(),
    )
    .await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (open, setup) = at_step(
        tx.as_mut(),
        token,
        setup_token,
        SetupStep::Mobile,
        now,
        true,
    )
    .await?;
    let sent = codes::send(
        state,
        tx.as_mut(),
        CodePurpose::SetUpMobile,
        open.invitation.id,
        &number,
    )
    .await?;
    save(tx.as_mut(), &open, setup.code_sent(number)?).await?;
    tx.audit(
        &invitee_audit(
            client,
            AuditAction::SetupMobileCodeSent,
            &open.account,
            json!({ "invitation_id": open.invitation.id }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(sent)
}

/// Step 2b: the code from the SMS confirms the number it was sent to.
pub async fn verify_mobile(
    state: &AppState,
    token: &str,
    setup_token: &str,
    code: &str,
    client: &ClientInfo,
) -> Result<SetupStepResponse, ApiError> {
    let code = OneTimeCode::parse(code)?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (open, setup) = at_step(
        tx.as_mut(),
        token,
        setup_token,
        SetupStep::Mobile,
        now,
        true,
    )
    .await?;
    let subject = open.invitation.id;
    let confirmed = match codes::check_sms(
        state,
        tx.as_mut(),
        CodePurpose::SetUpMobile,
        subject,
        &code,
        now,
    )
    .await?
    {
        Ok(stored) => setup
            .mobile_confirmed(&stored.target)
            .map(|s| (s, stored.id)),
        Err(wrong) => Err(wrong),
    };
    let Ok((setup, code_id)) = confirmed else {
        codes::count_wrong(state, tx.as_mut(), CodePurpose::SetUpMobile, subject).await?;
        tx.audit(
            &invitee_audit(
                client,
                AuditAction::SetupMobileCodeWrong,
                &open.account,
                json!({ "invitation_id": subject }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(ErrorCode::CodeIncorrect.into());
    };
    tx.consume_code(code_id, now).await?;
    let step = setup.step();
    save(tx.as_mut(), &open, setup).await?;
    tx.audit(
        &invitee_audit(
            client,
            AuditAction::SetupMobileVerified,
            &open.account,
            json!({ "invitation_id": subject }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(SetupStepResponse { step })
}

/// Step 3a: a new authenticator secret to scan (asking again replaces it).
pub async fn start_authenticator(
    state: &AppState,
    token: &str,
    setup_token: &str,
) -> Result<AuthenticatorSetupResponse, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (open, setup) = at_step(
        tx.as_mut(),
        token,
        setup_token,
        SetupStep::Authenticator,
        now,
        true,
    )
    .await?;
    let secret = totp::new_secret()?;
    save(
        tx.as_mut(),
        &open,
        setup.secret_shown(
            state
                .secrets
                .seal(Context::Authenticator(open.account.id), &secret)?,
        )?,
    )
    .await?;
    tx.commit().await?;
    Ok(totp::setup_response(
        &secret,
        &state.settings.branding.insurer_name,
        open.account.email.as_str(),
    ))
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
    let code = OneTimeCode::parse(code)?;
    let mut tx = state.store.read().await?;
    let (peek, _) = at_step(
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
        .limit(Limit::SetupAuthenticatorCodes(peek.invitation.id))
        .await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (open, setup) = at_step(
        tx.as_mut(),
        token,
        setup_token,
        SetupStep::Authenticator,
        now,
        true,
    )
    .await?;
    let activation = setup.finish()?;
    let secret = activation.totp_secret.clone().unwrap_or_default();
    let Some(step) = codes::authenticator_step(state, open.account.id, &secret, &code, now)? else {
        tx.audit(
            &invitee_audit(
                client,
                AuditAction::SetupAuthenticatorCodeWrong,
                &open.account,
                json!({ "invitation_id": open.invitation.id }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(ErrorCode::CodeIncorrect.into());
    };
    tx.activate(open.account.id, &activation, Some(step), now)
        .await?;
    accept(state, tx, open, client, now).await
}

/// The set-up is finished: the account is active (`activate`d by the caller), the invitation
/// accepted, and the person signed in. Commits.
async fn accept(
    state: &AppState,
    mut tx: Box<dyn Tx>,
    open: OpenLink,
    client: &ClientInfo,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(MeResponse, String), ApiError> {
    let account = &open.account;
    if lockout::ends_run(account.wrong_passwords) {
        tx.clear_wrong_passwords(account.id).await?;
    }
    let invitation = &open.invitation;
    tx.save_invitation_state(invitation.id, &InvitationState::Accepted { at: now })
        .await?;
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
            AuditAction::InvitationAccepted,
            account,
            json!({ "invitation_id": invitation.id, "kind": invitation.kind }),
        ),
        now,
    )
    .await?;
    let session_token = sessions::start(state, tx.as_mut(), account.id, client).await?;
    tx.audit(
        &invitee_audit(
            client,
            AuditAction::SessionStarted,
            account,
            json!({ "via": "setup" }),
        ),
        now,
    )
    .await?;
    let me = account.me(office_name(tx.as_mut(), account).await?);
    tx.commit().await?;
    Ok((me, session_token))
}

/// Step 3, with a passkey instead of the app: the options for `navigator.credentials.create()`.
pub async fn start_passkey(
    state: &AppState,
    token: &str,
    setup_token: &str,
    client: &ClientInfo,
) -> Result<PasskeyChallengeResponse, ApiError> {
    let rp = passkeys::relying_party(state)?;
    passkeys::count_challenge(state, client).await?;
    let mut tx = state.store.begin().await?;
    let (open, _) = at_step(
        tx.as_mut(),
        token,
        setup_token,
        SetupStep::Authenticator,
        state.now(),
        false,
    )
    .await?;
    let account = &open.account;
    let options = rp.start_registration(account.id, account.email.as_str(), &account.name, &[])?;
    let answer = passkeys::issue(
        state,
        tx.as_mut(),
        Ceremony::Setup,
        Some(account.id),
        Some(open.invitation.id),
        options,
    )
    .await?;
    tx.commit().await?;
    Ok(answer)
}

/// Step 3, with a passkey: the browser's new credential. The account becomes active with the
/// passkey as its second factor (and its mobile number) and is signed in.
pub async fn confirm_passkey(
    state: &AppState,
    token: &str,
    setup_token: &str,
    request: &SetupPasskeyRequest,
    client: &ClientInfo,
) -> Result<(MeResponse, String), ApiError> {
    let rp = passkeys::relying_party(state)?;
    let name = passkey::name(&request.name)?;
    let mut tx = state.store.read().await?;
    let (peek, _) = at_step(
        tx.as_mut(),
        token,
        setup_token,
        SetupStep::Authenticator,
        state.now(),
        false,
    )
    .await?;
    tx.commit().await?;
    let challenge = passkeys::take(
        state,
        request.challenge_id,
        Ceremony::Setup,
        Some(peek.invitation.id),
    )
    .await?;
    let registered = rp.finish_registration(&request.credential, &challenge.state)?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (open, setup) = at_step(
        tx.as_mut(),
        token,
        setup_token,
        SetupStep::Authenticator,
        now,
        true,
    )
    .await?;
    let activation = setup.finish_with_passkey()?;
    tx.activate(open.account.id, &activation, None, now).await?;
    let added = passkeys::keep(tx.as_mut(), open.account.id, registered, name, now).await?;
    tx.audit(
        &invitee_audit(
            client,
            AuditAction::PasskeyAdded,
            &open.account,
            json!({ "passkey_id": added.id, "invitation_id": open.invitation.id }),
        ),
        now,
    )
    .await?;
    accept(state, tx, open, client, now).await
}
