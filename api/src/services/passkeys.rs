//! Passkeys in *Mijn account* (add after re-authentication, name, rename, remove) and the
//! passwordless sign-in. The rules are `domain::passkey`'s, the WebAuthn checks
//! `auth::passkeys`'. Each change is audited and announced by e-mail; removing one ends the
//! account's other sessions, like every other change to a second factor.

use poort_shared::ErrorCode;
use poort_shared::dto::{
    AuditAction, PasskeyChallengeResponse, PasskeyListResponse, PasskeyResponse, SignInResponse,
    SignInStep,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{lockout, sessions};
use crate::auth::passkeys::RelyingParty;
use crate::auth::principal::{ClientInfo, Principal};
use crate::domain::Account;
use crate::domain::limits::Limit;
use crate::domain::lockout::WrongCode;
use crate::domain::passkey::{self, Ceremony, Passkey, PasskeyChallenge};
use crate::domain::session::SessionRules;
use crate::error::ApiError;
use crate::messages;
use crate::state::AppState;
use crate::store::{NewMessage, Tx};

/// The relying party, or `passkeys_unavailable` when the public URL has none.
pub fn relying_party(state: &AppState) -> Result<&RelyingParty, ApiError> {
    state
        .passkeys
        .as_deref()
        .ok_or_else(|| ErrorCode::PasskeysUnavailable.into())
}

/// Records a challenge and answers its options.
pub async fn issue(
    state: &AppState,
    tx: &mut dyn Tx,
    ceremony: Ceremony,
    account_id: Option<Uuid>,
    bound_to: Option<Uuid>,
    (options, state_json): (Value, String),
) -> Result<PasskeyChallengeResponse, ApiError> {
    let now = state.now();
    let challenge = passkey::challenge(
        crate::store::new_id(now),
        ceremony,
        account_id,
        bound_to,
        state_json,
        now,
    );
    tx.insert_passkey_challenge(&challenge).await?;
    Ok(PasskeyChallengeResponse {
        challenge_id: challenge.id,
        options,
    })
}

/// Takes the challenge (it is gone whatever follows) and checks it answers `ceremony` for
/// `bound_to`. Commits the taking on its own, so a refused answer cannot be tried again.
pub async fn take(
    state: &AppState,
    id: Uuid,
    ceremony: Ceremony,
    bound_to: Option<Uuid>,
) -> Result<PasskeyChallenge, ApiError> {
    let mut tx = state.store.begin().await?;
    let taken = tx.take_passkey_challenge(id).await?;
    tx.commit().await?;
    let challenge = taken.ok_or(ApiError::from(ErrorCode::PasskeyChallengeInvalid))?;
    passkey::challenge_answers(&challenge, ceremony, bound_to, state.now())?;
    Ok(challenge)
}

/// Keeps a verified new credential as the account's passkey named `name`; one registered
/// already (to any account) is `passkey_taken`.
pub async fn keep(
    tx: &mut dyn Tx,
    account_id: Uuid,
    registered: crate::auth::passkeys::Registered,
    name: String,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Passkey, ApiError> {
    let added = Passkey {
        id: crate::store::new_id(now),
        account_id,
        credential_id: registered.credential_id,
        name,
        credential: registered.credential,
        sign_count: registered.sign_count,
        backup_eligible: registered.backup_eligible,
        backed_up: registered.backed_up,
        created_at: now,
        last_used_at: None,
    };
    match tx.insert_passkey(&added).await {
        Err(crate::store::StoreError::Conflict) => Err(ErrorCode::PasskeyTaken.into()),
        other => Ok(other.map(|()| added)?),
    }
}

fn notice(state: &AppState, account: &Account, nl: &str, en: &str) -> NewMessage {
    messages::security_notice(
        &state.settings,
        account.email.as_str(),
        &account.name,
        nl,
        en,
    )
}

fn require_recent_proof(state: &AppState, principal: &Principal) -> Result<(), ApiError> {
    Ok(SessionRules::from_policy(state.policy())
        .require_recent_proof(&principal.session, state.now())?)
}

/// The signed-in account's passkeys.
pub async fn list(
    state: &AppState,
    principal: &Principal,
) -> Result<PasskeyListResponse, ApiError> {
    let mut tx = state.store.read().await?;
    let passkeys = tx.passkeys_of(principal.id()).await?;
    tx.commit().await?;
    Ok(PasskeyListResponse {
        passkeys: passkeys.iter().map(Passkey::response).collect(),
    })
}

/// Options to create a passkey (needs a recent proof that it is this person).
pub async fn start_registration(
    state: &AppState,
    principal: &Principal,
) -> Result<PasskeyChallengeResponse, ApiError> {
    let rp = relying_party(state)?;
    require_recent_proof(state, principal)?;
    let account = &principal.account;
    let mut tx = state.store.begin().await?;
    let existing = tx.passkeys_of(account.id).await?;
    passkey::may_add(existing.len())?;
    let options =
        rp.start_registration(account.id, account.email.as_str(), &account.name, &existing)?;
    let answer = issue(
        state,
        tx.as_mut(),
        Ceremony::Registration,
        Some(account.id),
        Some(principal.session_id),
        options,
    )
    .await?;
    tx.commit().await?;
    Ok(answer)
}

/// The browser's new credential: verified, named and kept.
pub async fn register(
    state: &AppState,
    principal: &Principal,
    challenge_id: Uuid,
    name: &str,
    credential: &Value,
) -> Result<PasskeyResponse, ApiError> {
    let rp = relying_party(state)?;
    let name = passkey::name(name)?;
    require_recent_proof(state, principal)?;
    let challenge = take(
        state,
        challenge_id,
        Ceremony::Registration,
        Some(principal.session_id),
    )
    .await?;
    if challenge.account_id != Some(principal.id()) {
        return Err(ErrorCode::PasskeyChallengeInvalid.into());
    }
    let registered = rp.finish_registration(credential, &challenge.state)?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let account = tx
        .lock_account(principal.id())
        .await?
        .ok_or(ApiError::from(ErrorCode::Unauthenticated))?;
    // Blocked, deactivated or reset meanwhile: its sessions have ended, this one too.
    if account.status != poort_shared::dto::AccountStatus::Active {
        return Err(ErrorCode::Unauthenticated.into());
    }
    passkey::may_add(usize::try_from(account.passkeys).unwrap_or(0))?;
    let added = keep(tx.as_mut(), account.id, registered, name, now).await?;
    tx.enqueue(
        &[notice(
            state,
            &account,
            &format!(
                "Er is een passkey aan uw account toegevoegd: “{}”.",
                added.name
            ),
            &format!(
                "A passkey has been added to your account: “{}”.",
                added.name
            ),
        )],
        now,
    )
    .await?;
    tx.audit(
        &principal.audit_self(
            AuditAction::PasskeyAdded,
            json!({ "passkey_id": added.id, "backup_eligible": added.backup_eligible }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(added.response())
}

/// Renames one of one's own passkeys.
pub async fn rename(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    name: &str,
) -> Result<PasskeyResponse, ApiError> {
    let name = passkey::name(name)?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let Some(before) = tx
        .passkeys_of(principal.id())
        .await?
        .into_iter()
        .find(|p| p.id == id)
    else {
        return Err(ErrorCode::NotFound.into());
    };
    if before.name == name {
        // Nothing changes: nothing written, no e-mail.
        return Ok(before.response());
    }
    if !tx.rename_passkey(principal.id(), id, &name).await? {
        return Err(ErrorCode::NotFound.into());
    }
    let renamed = tx
        .passkeys_of(principal.id())
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(ApiError::from(ErrorCode::NotFound))?;
    tx.enqueue(
        &[notice(
            state,
            &principal.account,
            &format!("Een passkey van uw account heet nu “{name}”."),
            &format!("A passkey of your account is now called “{name}”."),
        )],
        now,
    )
    .await?;
    tx.audit(
        &principal.audit_self(AuditAction::PasskeyRenamed, json!({ "passkey_id": id })),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(renamed.response())
}

/// Removes one of one's own passkeys (needs a recent proof; never the last second factor).
/// The account's other sessions end.
pub async fn remove(state: &AppState, principal: &Principal, id: Uuid) -> Result<(), ApiError> {
    require_recent_proof(state, principal)?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let account = tx
        .lock_account(principal.id())
        .await?
        .ok_or(ApiError::from(ErrorCode::Unauthenticated))?;
    let Some(removed) = tx
        .passkeys_of(account.id)
        .await?
        .into_iter()
        .find(|p| p.id == id)
    else {
        return Err(ErrorCode::NotFound.into());
    };
    passkey::may_remove(&account)?;
    tx.delete_passkey(account.id, id).await?;
    let ended = tx
        .end_other_sessions(account.id, principal.session_id, now)
        .await?;
    tx.enqueue(
        &[notice(
            state,
            &account,
            &format!(
                "De passkey “{}” is van uw account verwijderd; uw andere sessies zijn beëindigd.",
                removed.name
            ),
            &format!(
                "The passkey “{}” has been removed from your account; your other sessions have been ended.",
                removed.name
            ),
        )],
        now,
    )
    .await?;
    tx.audit(
        &principal.audit_self(
            AuditAction::PasskeyRemoved,
            json!({ "passkey_id": id, "other_sessions_ended": ended }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(())
}

/// Counts a ceremony begun against the client address's limit (each makes a row until it is
/// answered or expires).
pub async fn count_challenge(state: &AppState, client: &ClientInfo) -> Result<(), ApiError> {
    if let Some(ip) = &client.ip {
        state.limit(Limit::PasskeyChallengesPerClient(ip)).await?;
    }
    Ok(())
}

/// Options for a passwordless sign-in. Counted as a ceremony begun, not as a sign-in: the
/// sign-in page asks for them on every visit, for the browser's autofill; the answer is.
pub async fn start_passwordless(
    state: &AppState,
    client: &ClientInfo,
) -> Result<PasskeyChallengeResponse, ApiError> {
    let rp = relying_party(state)?;
    count_challenge(state, client).await?;
    let options = rp.start_discoverable()?;
    let mut tx = state.store.begin().await?;
    let answer = issue(
        state,
        tx.as_mut(),
        Ceremony::Passwordless,
        None,
        None,
        options,
    )
    .await?;
    tx.commit().await?;
    Ok(answer)
}

/// A passkey's answer that did not verify, on a known account: counted as a wrong second
/// factor on the account (its limit blocks, as with codes), audited.
pub async fn count_refusal(
    state: &AppState,
    tx: &mut dyn Tx,
    account: &Account,
    client: &ClientInfo,
    details: Value,
) -> Result<ErrorCode, ApiError> {
    tx.audit(
        &super::signin::audit(client, AuditAction::SignInPasskeyRefused, account, details),
        state.now(),
    )
    .await?;
    Ok(
        match lockout::wrong_code(state, tx, account, client).await? {
            WrongCode::Counted { .. } => ErrorCode::PasskeyInvalid,
            _ => ErrorCode::AccountBlocked,
        },
    )
}

/// Signs in with a passkey alone: the passkey names the account; an active account gets a
/// session (no password step, also when the password has expired: `domain::passkey`).
pub async fn passwordless(
    state: &AppState,
    challenge_id: Uuid,
    credential: &Value,
    client: &ClientInfo,
) -> Result<(SignInResponse, String), ApiError> {
    let rp = relying_party(state)?;
    // Counted against the client's sign-ins, like a password step.
    if let Some(ip) = &client.ip {
        state.limit(Limit::SignInsPerClient(ip)).await?;
    }
    let (assertion, credential_id) = RelyingParty::read_assertion(credential)?;
    let challenge = take(state, challenge_id, Ceremony::Passwordless, None).await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    // The account the user handle names, locked first; then its passkey, read under the lock
    // (a passkey removed meanwhile is not found).
    let account = match RelyingParty::user_of(&assertion) {
        Some(user) => tx.lock_account(user).await?,
        None => None,
    };
    let key = match &account {
        Some(account) => tx
            .find_passkey(&credential_id)
            .await?
            .filter(|k| k.account_id == account.id),
        None => None,
    };
    let (Some(account), Some(key)) = (account, key) else {
        tx.audit(
            &client.audit(
                None,
                AuditAction::SignInFailed,
                None,
                None,
                json!({ "reason": "unknown_passkey" }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(ErrorCode::PasskeyInvalid.into());
    };
    let used = match rp.finish_discoverable(&assertion, &challenge.state, &key) {
        Ok(used) => used,
        Err(refused) if refused.code() == ErrorCode::PasskeyInvalid => {
            // Counted on the account like a wrong code, but answered as any refusal: a stranger
            // who only knows a credential id learns nothing from the answer.
            count_refusal(
                state,
                tx.as_mut(),
                &account,
                client,
                json!({ "passkey_id": key.id, "passwordless": true }),
            )
            .await?;
            tx.commit().await?;
            state.outbox_wake.notify_one();
            return Err(ErrorCode::PasskeyInvalid.into());
        }
        Err(other) => return Err(other),
    };
    if let Err(refusal) = passkey::may_sign_in(&account) {
        tx.audit(
            &super::signin::audit(
                client,
                AuditAction::SignInRefused,
                &account,
                json!({ "reason": refusal.as_str(), "via": "passkey" }),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        return Err(refusal.into());
    }
    if !tx.record_passkey_use(&used.passkey, now).await? {
        return Err(ErrorCode::PasskeyInvalid.into());
    }
    lockout::right_code(tx.as_mut(), &account).await?;
    if lockout_rules_end_password_run(&account) {
        tx.clear_wrong_passwords(account.id).await?;
    }
    tx.record_sign_in(account.id, now, None).await?;
    let session = sessions::start(state, tx.as_mut(), account.id, client).await?;
    tx.audit(
        &super::signin::audit(
            client,
            AuditAction::SessionStarted,
            &account,
            json!({ "via": "passkey", "passkey_id": key.id }),
        ),
        now,
    )
    .await?;
    let office_name = super::invitations::office_name(tx.as_mut(), &account).await?;
    tx.commit().await?;
    Ok((
        SignInResponse {
            step: SignInStep::Done,
            sign_in_token: None,
            methods: Vec::new(),
            mobile_hint: None,
            account: Some(account.me(office_name)),
        },
        session,
    ))
}

/// A passkey sign-in ends a run of wrong passwords, as a completed password sign-in does.
fn lockout_rules_end_password_run(account: &Account) -> bool {
    crate::domain::lockout::ends_run(account.wrong_passwords)
}

/// Options to prove it is still this person with one of the account's passkeys.
pub async fn start_reauthentication(
    state: &AppState,
    principal: &Principal,
) -> Result<PasskeyChallengeResponse, ApiError> {
    let rp = relying_party(state)?;
    let mut tx = state.store.begin().await?;
    let keys = tx.passkeys_of(principal.id()).await?;
    if keys.is_empty() {
        return Err(ErrorCode::CodeNotRequested.into());
    }
    let options = rp.start_authentication(&keys)?;
    let answer = issue(
        state,
        tx.as_mut(),
        Ceremony::Reauthentication,
        Some(principal.id()),
        Some(principal.session_id),
        options,
    )
    .await?;
    tx.commit().await?;
    Ok(answer)
}

/// Proves it is still this person with a passkey, as a password or an authenticator code does
/// (`my_account::reauthenticate`): counted against the same limit, a refusal counted like a
/// wrong code; the session gets a new token.
pub async fn reauthenticate(
    state: &AppState,
    principal: &Principal,
    challenge_id: Uuid,
    credential: &Value,
) -> Result<(poort_shared::dto::ReauthenticatedResponse, String), ApiError> {
    let rp = relying_party(state)?;
    state
        .limit(Limit::Reauthentications(principal.id()))
        .await?;
    let (assertion, credential_id) = RelyingParty::read_assertion(credential)?;
    let challenge = take(
        state,
        challenge_id,
        Ceremony::Reauthentication,
        Some(principal.session_id),
    )
    .await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let account = tx
        .lock_account(principal.id())
        .await?
        .ok_or(ApiError::from(ErrorCode::Unauthenticated))?;
    let key = tx
        .find_passkey(&credential_id)
        .await?
        .filter(|k| k.account_id == account.id);
    let verified = match &key {
        Some(key) => rp.finish_authentication(&assertion, &challenge.state, key),
        None => Err(ErrorCode::PasskeyInvalid.into()),
    };
    let used = match verified {
        Ok(used) => used,
        Err(refused) if refused.code() == ErrorCode::PasskeyInvalid => {
            tx.audit(
                &principal.audit_self(
                    AuditAction::SessionReauthenticationFailed,
                    json!({ "method": "passkey" }),
                ),
                now,
            )
            .await?;
            let on_account =
                lockout::wrong_code(state, tx.as_mut(), &account, &principal.client).await?;
            tx.commit().await?;
            state.outbox_wake.notify_one();
            return Err(match on_account {
                WrongCode::Counted { .. } => ErrorCode::PasskeyInvalid,
                _ => ErrorCode::AccountBlocked,
            }
            .into());
        }
        Err(other) => return Err(other),
    };
    if !tx.record_passkey_use(&used.passkey, now).await? {
        return Err(ErrorCode::PasskeyInvalid.into());
    }
    lockout::right_code(tx.as_mut(), &account).await?;
    super::my_account::proven(
        state,
        tx,
        principal,
        json!({ "method": "passkey", "passkey_id": used.passkey.id }),
    )
    .await
}
