//! Signing in, as explicit steps (the step machine is `domain::sign_in`): e-mail and password →
//! second factor (authenticator code, or an SMS code) → a new password when the current one is
//! too old → signed in.
//!
//! Wrong passwords in a row are counted on the account in the database (every instance shares
//! the count) and block it at the threshold (`domain::lockout`); wrong codes are counted per
//! sign-in, voiding it (`domain::code`), and on the account, blocking it (`services::lockout`).
//! An unknown address costs the same hashing work and gets the same answer as a wrong password,
//! also when that wrong password blocks the account.

use poort_shared::ErrorCode;
use poort_shared::dto::{AccountStatus, AuditAction, CodeSentResponse, SignInResponse, SignInStep};
use poort_shared::validate::{Email, OneTimeCode};
use serde_json::json;

use super::{codes, lockout, passkeys, passwords, sessions};
use crate::auth::passkeys::RelyingParty;
use crate::auth::principal::ClientInfo;
use crate::auth::secrets::{new_token, token_hash};
use crate::domain::limits::Limit;
use crate::domain::lockout::{
    self as lockout_rules, AfterWrong, Lockout, WrongCode, WrongPassword,
};
use crate::domain::passkey::Ceremony;
use crate::domain::password::PasswordRules;
use crate::domain::sign_in::{self, SignInStage};
use crate::domain::{Account, CodePurpose, SignInAttempt};
use crate::error::ApiError;
use crate::messages::Blocked;
use crate::state::AppState;
use crate::store::{AuditRecord, Tx};

/// A step's answer, and the session token once signed in (for the cookie).
pub struct Outcome {
    pub response: SignInResponse,
    pub session_token: Option<String>,
}

impl Outcome {
    fn next(step: SignInStep, token: &str, account: Option<&Account>) -> Self {
        Outcome {
            response: SignInResponse {
                step,
                sign_in_token: Some(token.to_string()),
                methods: account.map(Account::second_factors).unwrap_or_default(),
                mobile_hint: account.and_then(Account::mobile_hint),
                account: None,
            },
            session_token: None,
        }
    }
}

/// An audit event about `account`, by itself.
pub(super) fn audit(
    client: &ClientInfo,
    action: AuditAction,
    account: &Account,
    details: serde_json::Value,
) -> AuditRecord {
    client.audit(
        Some(account.id),
        action,
        Some(account.id),
        account.office_id,
        details,
    )
}

/// Finds the account for an address, counting the client's sign-in against its limit (one
/// statement on PostgreSQL).
async fn find_counting(
    state: &AppState,
    key: &str,
    client: &ClientInfo,
) -> Result<Option<Account>, ApiError> {
    let Some(ip) = &client.ip else {
        let mut tx = state.store.read().await?;
        let account = tx.find_account_by_email(key).await?;
        tx.commit().await?;
        return Ok(account);
    };
    let limit = Limit::SignInsPerClient(ip);
    let rule = limit.rule(state.policy());
    let now = state.now();
    let ((count, started), account) = state
        .store
        .hit_and_find_account(&limit.key(), rule.window, now, key)
        .await?;
    if let crate::domain::limits::Verdict::Over {
        retry_after_seconds,
    } = rule.judge(count, started, now)
    {
        tracing::warn!(key = limit.key(), "rate limit reached");
        return Err(ApiError::RateLimited {
            retry_after_seconds,
        });
    }
    Ok(account)
}

/// Step 1: e-mail address and password. A wrong password takes as long to answer as an
/// unknown address (both verify a hash, and both answers wait for the same moment).
pub async fn start(
    state: &AppState,
    email: &str,
    password: String,
    client: &ClientInfo,
) -> Result<Outcome, ApiError> {
    let started = tokio::time::Instant::now();
    let outcome = check_password(state, email, password, client).await;
    if matches!(&outcome, Err(e) if e.code() == ErrorCode::InvalidCredentials) {
        super::no_sooner_than_equal_time(started).await;
    }
    outcome
}

async fn check_password(
    state: &AppState,
    email: &str,
    password: String,
    client: &ClientInfo,
) -> Result<Outcome, ApiError> {
    // A place in the hashing queue first: under a flood of sign-ins the excess is refused at
    // the door (503 with Retry-After), before the database.
    let place = state.hasher.reserve().map_err(|_| ApiError::Overloaded)?;
    let key = Email::parse(email)
        .map(|e| e.key())
        .unwrap_or_else(|_| email.trim().to_lowercase());
    let account = find_counting(state, &key, client).await?;
    // An invited account whose set-up has begun has a password on its open invitation: with
    // that password (and only with it) the person hears that the set-up is not finished.
    let pending = match &account {
        Some(a) if a.status == AccountStatus::Invited && a.password_hash.is_none() => {
            let mut tx = state.store.read().await?;
            let pending = tx
                .invitations_of_account(a.id)
                .await?
                .into_iter()
                .find_map(|i| {
                    i.setup()
                        .and_then(|s| s.password_hash().map(str::to_string))
                });
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
    let correct = state.hasher.verify_in(place, password, stored).await?;
    let now = state.now();
    let Some(account) = account else {
        let mut tx = state.store.begin().await?;
        tx.audit(
            &client.audit(
                None,
                AuditAction::SignInFailed,
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
        return wrong_password(state, &account, client).await;
    }
    let methods = match sign_in::after_password(&account) {
        Ok(methods) => methods,
        Err(refusal) => return refuse(state, client, &account, refusal).await,
    };
    let new_hash = match rehash_with {
        Some(password) => Some(state.hasher.hash(password).await?),
        None => None,
    };

    // A successful step: committed without waiting for the disk where so configured (see
    // `Store::begin_fast`). The account row is written only when there is something to write
    // (the usual sign-in has no run of wrong passwords to end and nothing to re-hash).
    let mut tx = state.store.begin_fast().await?;
    if lockout_rules::ends_run(account.wrong_passwords) {
        tx.clear_wrong_passwords(account.id).await?;
    }
    if let Some(hash) = &new_hash {
        tx.rehash_password(account.id, hash).await?;
    }
    let token = new_token()?;
    let attempt = sign_in::begin(
        crate::store::new_id(now),
        account.id,
        now,
        state.policy().sign_in_minutes,
    );
    tx.insert_sign_in(&attempt, &token_hash(&token)).await?;
    tx.audit(
        &audit(
            client,
            AuditAction::SignInPasswordAccepted,
            &account,
            json!({ "sign_in_id": attempt.id }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    let mut outcome = Outcome::next(SignInStep::SecondFactor, &token, Some(&account));
    outcome.response.methods = methods;
    Ok(outcome)
}

/// A wrong password: counted on an active account; at the threshold the account is blocked,
/// its sessions end and its owner gets an e-mail.
async fn wrong_password(
    state: &AppState,
    account: &Account,
    client: &ClientInfo,
) -> Result<Outcome, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    if !Lockout::counts(account.status) {
        tx.audit(
            &audit(
                client,
                AuditAction::SignInFailed,
                account,
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
            AuditAction::SignInFailed,
            account,
            json!({ "reason": "wrong_password", "in_a_row": in_a_row }),
        ),
        now,
    )
    .await?;
    if let WrongPassword::Block { in_a_row } =
        Lockout::from_policy(state.policy()).after_wrong_password(in_a_row)
    {
        lockout::block(
            state,
            tx.as_mut(),
            account,
            Blocked::WrongPasswords,
            client,
            json!({ "wrong_passwords": in_a_row }),
        )
        .await?;
        tx.commit().await?;
        state.outbox_wake.notify_one();
    } else {
        tx.commit().await?;
    }
    // The same answer as for an unknown address or any other wrong password, also on the one
    // that blocks (its owner learns of the block by e-mail; a stranger learns nothing).
    Err(ErrorCode::InvalidCredentials.into())
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
            AuditAction::SignInRefused,
            account,
            json!({ "reason": code.as_str() }),
        ),
        state.now(),
    )
    .await?;
    tx.commit().await?;
    Err(code.into())
}

/// A sign-in under way with its account and the account's office name.
struct Signer {
    attempt: SignInAttempt,
    account: Account,
    office_name: Option<String>,
}

/// The sign-in behind a token, which must be at `stage`, with its account (locked when
/// `lock`) and the office name for the answer when the sign-in completes, in one query.
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
    sign_in::may_take_step(&attempt, &account, stage, now)?;
    Ok(Signer {
        attempt,
        account,
        office_name,
    })
}

/// A wrong code: counted; when the sign-in's budget is spent, the sign-in is void. Commits,
/// waiting for the disk.
async fn wrong_code(
    state: &AppState,
    mut tx: Box<dyn Tx>,
    signer: &Signer,
    client: &ClientInfo,
    code: ErrorCode,
) -> Result<Outcome, ApiError> {
    tx.durable().await?;
    let (failures, after) =
        codes::count_wrong(state, tx.as_mut(), CodePurpose::SignIn, signer.attempt.id).await?;
    tx.audit(
        &audit(
            client,
            AuditAction::SignInCodeWrong,
            &signer.account,
            json!({ "sign_in_id": signer.attempt.id, "failures": failures }),
        ),
        state.now(),
    )
    .await?;
    let on_account = lockout::wrong_code(state, tx.as_mut(), &signer.account, client).await?;
    if !matches!(on_account, WrongCode::Counted { .. }) {
        tx.set_sign_in_stage(signer.attempt.id, SignInStage::Void)
            .await?;
        tx.commit().await?;
        state.outbox_wake.notify_one();
        return Err(ErrorCode::AccountBlocked.into());
    }
    if after == AfterWrong::Exhausted {
        tx.set_sign_in_stage(signer.attempt.id, SignInStage::Void)
            .await?;
        tx.commit().await?;
        return Err(ErrorCode::SignInAttemptVoid.into());
    }
    tx.commit().await?;
    Err(code.into())
}

/// After the second factor (which accepted `totp_step`, if by authenticator): a new password
/// first if the current one is too old, else signed in.
async fn advance(
    state: &AppState,
    mut tx: Box<dyn Tx>,
    signer: Signer,
    token: &str,
    client: &ClientInfo,
    via: &str,
    totp_step: Option<i64>,
) -> Result<Outcome, ApiError> {
    let now = state.now();
    let rules = PasswordRules::from_policy(state.policy());
    match sign_in::after_second_factor(rules, signer.account.password_changed_at, now) {
        SignInStage::NewPassword => {
            // Keeps the authenticator step just accepted: the code cannot be used again.
            if let Some(step) = totp_step {
                tx.set_totp_step(signer.account.id, step).await?;
            }
            lockout::right_code(tx.as_mut(), &signer.account).await?;
            tx.set_sign_in_stage(signer.attempt.id, SignInStage::NewPassword)
                .await?;
            tx.audit(
                &audit(
                    client,
                    AuditAction::SignInPasswordExpired,
                    &signer.account,
                    json!({ "sign_in_id": signer.attempt.id, "via": via }),
                ),
                now,
            )
            .await?;
            tx.commit().await?;
            Ok(Outcome::next(SignInStep::NewPassword, token, None))
        }
        _ => complete(state, tx, signer, client, via, totp_step).await,
    }
}

async fn complete(
    state: &AppState,
    mut tx: Box<dyn Tx>,
    signer: Signer,
    client: &ClientInfo,
    via: &str,
    totp_step: Option<i64>,
) -> Result<Outcome, ApiError> {
    let Signer {
        attempt,
        account,
        office_name,
    } = signer;
    let now = state.now();
    tx.set_sign_in_stage(attempt.id, SignInStage::Done).await?;
    tx.record_sign_in(account.id, now, totp_step).await?;
    let session = sessions::start(state, tx.as_mut(), account.id, client).await?;
    tx.audit(
        &audit(
            client,
            AuditAction::SessionStarted,
            &account,
            json!({ "via": via }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Outcome {
        response: SignInResponse {
            step: SignInStep::Done,
            sign_in_token: None,
            methods: Vec::new(),
            mobile_hint: None,
            account: Some(account.me(office_name)),
        },
        session_token: Some(session),
    })
}

/// Step 2, with the authenticator app.
pub async fn authenticator(
    state: &AppState,
    token: &str,
    code: &str,
    client: &ClientInfo,
) -> Result<Outcome, ApiError> {
    let code = OneTimeCode::parse(code)?;
    // Fast unless the code is wrong (`wrong_code` makes it durable).
    let mut tx = state.store.begin_fast().await?;
    let now = state.now();
    let signer = load(tx.as_mut(), token, SignInStage::SecondFactor, now, true).await?;
    let Some(secret) = &signer.account.totp_secret else {
        return Err(ErrorCode::CodeNotRequested.into());
    };
    // The account row is locked (`load` with lock): the step is checked against it here and
    // written with the account when the sign-in goes on, in this transaction; a second use of
    // the code waits for the lock and then finds the step taken.
    match codes::authenticator_step(state, signer.account.id, secret, &code, now)? {
        None => wrong_code(state, tx, &signer, client, ErrorCode::CodeIncorrect).await,
        Some(step)
            if signer
                .account
                .totp_last_step
                .is_some_and(|last| last >= step) =>
        {
            wrong_code(state, tx, &signer, client, ErrorCode::CodeAlreadyUsed).await
        }
        Some(step) => {
            advance(
                state,
                tx,
                signer,
                token,
                client,
                "authenticator",
                Some(step),
            )
            .await
        }
    }
}

/// Step 2, by SMS: send the code.
pub async fn send_sms(
    state: &AppState,
    token: &str,
    client: &ClientInfo,
) -> Result<CodeSentResponse, ApiError> {
    let mut tx = state.store.read().await?;
    let signer = load(
        tx.as_mut(),
        token,
        SignInStage::SecondFactor,
        state.now(),
        false,
    )
    .await?;
    tx.commit().await?;
    let Some(mobile) = signer.account.mobile.clone() else {
        return Err(ErrorCode::NoMobileNumber.into());
    };
    codes::may_send(
        state,
        CodePurpose::SignIn,
        signer.attempt.id,
        &mobile,
        client.ip.as_deref(),
    )
    .await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let Signer {
        attempt, account, ..
    } = load(tx.as_mut(), token, SignInStage::SecondFactor, now, true).await?;
    let sent = codes::send(state, tx.as_mut(), CodePurpose::SignIn, attempt.id, &mobile).await?;
    tx.audit(
        &audit(
            client,
            AuditAction::SignInSmsSent,
            &account,
            json!({ "sign_in_id": attempt.id }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(sent)
}

/// Step 2, by SMS: the code.
pub async fn verify_sms(
    state: &AppState,
    token: &str,
    code: &str,
    client: &ClientInfo,
) -> Result<Outcome, ApiError> {
    let code = OneTimeCode::parse(code)?;
    let now = state.now();
    // Fast unless the code is wrong (`wrong_code` makes it durable).
    let mut tx = state.store.begin_fast().await?;
    let signer = load(tx.as_mut(), token, SignInStage::SecondFactor, now, true).await?;
    match codes::check_sms(
        state,
        tx.as_mut(),
        CodePurpose::SignIn,
        signer.attempt.id,
        &code,
        now,
    )
    .await?
    {
        Ok(stored) => {
            tx.consume_code(stored.id, now).await?;
            advance(state, tx, signer, token, client, "sms", None).await
        }
        Err(wrong) => wrong_code(state, tx, &signer, client, wrong).await,
    }
}

/// Step 2 with a passkey: the options for the browser (the account's passkeys allowed).
pub async fn passkey_options(
    state: &AppState,
    token: &str,
    client: &ClientInfo,
) -> Result<poort_shared::dto::PasskeyChallengeResponse, ApiError> {
    let rp = passkeys::relying_party(state)?;
    passkeys::count_challenge(state, client).await?;
    let mut tx = state.store.begin().await?;
    let signer = load(
        tx.as_mut(),
        token,
        SignInStage::SecondFactor,
        state.now(),
        false,
    )
    .await?;
    let keys = tx.passkeys_of(signer.account.id).await?;
    if keys.is_empty() {
        return Err(ErrorCode::CodeNotRequested.into());
    }
    let options = rp.start_authentication(&keys)?;
    let answer = passkeys::issue(
        state,
        tx.as_mut(),
        Ceremony::SecondFactor,
        Some(signer.account.id),
        Some(signer.attempt.id),
        options,
    )
    .await?;
    tx.commit().await?;
    Ok(answer)
}

/// Step 2 with a passkey: the browser's answer. A refused answer counts like a wrong code
/// (on the sign-in and on the account).
pub async fn passkey(
    state: &AppState,
    token: &str,
    challenge_id: uuid::Uuid,
    credential: &serde_json::Value,
    client: &ClientInfo,
) -> Result<Outcome, ApiError> {
    let rp = passkeys::relying_party(state)?;
    let (assertion, credential_id) = RelyingParty::read_assertion(credential)?;
    let now = state.now();
    let attempt_id = {
        let mut tx = state.store.read().await?;
        let signer = load(tx.as_mut(), token, SignInStage::SecondFactor, now, false).await?;
        tx.commit().await?;
        signer.attempt.id
    };
    let challenge = passkeys::take(
        state,
        challenge_id,
        Ceremony::SecondFactor,
        Some(attempt_id),
    )
    .await?;
    let mut tx = state.store.begin_fast().await?;
    let signer = load(tx.as_mut(), token, SignInStage::SecondFactor, now, true).await?;
    let key = tx
        .find_passkey(&credential_id)
        .await?
        .filter(|k| k.account_id == signer.account.id);
    let verified = match &key {
        Some(key) => rp.finish_authentication(&assertion, &challenge.state, key),
        None => Err(ErrorCode::PasskeyInvalid.into()),
    };
    match verified {
        Ok(used) if tx.record_passkey_use(&used.passkey, now).await? => {
            advance(state, tx, signer, token, client, "passkey", None).await
        }
        // Removed while this sign-in was under way.
        Ok(_) => Err(ErrorCode::PasskeyInvalid.into()),
        Err(refused) if refused.code() == ErrorCode::PasskeyInvalid => {
            tx.audit(
                &audit(
                    client,
                    AuditAction::SignInPasskeyRefused,
                    &signer.account,
                    json!({ "sign_in_id": signer.attempt.id, "passkey_id": key.map(|k| k.id) }),
                ),
                now,
            )
            .await?;
            wrong_code(state, tx, &signer, client, ErrorCode::PasskeyInvalid).await
        }
        Err(other) => Err(other),
    }
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
    let hash = passwords::check_and_hash(state, &account, password).await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let signer = load(tx.as_mut(), token, SignInStage::NewPassword, now, true).await?;
    passwords::replace(tx.as_mut(), &signer.account, &hash, now).await?;
    tx.audit(
        &audit(
            client,
            AuditAction::PasswordChanged,
            &signer.account,
            json!({ "reason": "expired" }),
        ),
        now,
    )
    .await?;
    complete(state, tx, signer, client, "new_password", None).await
}
