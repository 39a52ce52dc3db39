//! eHerkenning: linking it in *Mijn account* and signing in with it, through the broker
//! (`auth::oidc`), with the rules of `domain::eherkenning`.
//!
//! A trip to the broker begins with a random value in a short-lived cookie (the browser
//! binding); the PKCE verifier and the nonce are derived from it, so the server keeps only
//! digests (of the state, the binding and the nonce) and a trip can only be finished by the
//! browser that began it, once, within 10 minutes. Every refusal is audited and explained on
//! a page of the SPA; none creates or changes an account.
//!
//! An expired password does not stop a sign-in with eHerkenning: the password is not used on
//! this path, and the person proved who they are at the configured level (EH3 by default);
//! the next sign-in with the password asks for a new one as before.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use poort_shared::ErrorCode;
use poort_shared::dto::{
    AuditAction, EherkenningLinkResponse, EherkenningPurpose, EherkenningRefusal,
    EherkenningStartResponse,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::sessions;
use crate::auth::oidc::{Broker, BrokerError, code_challenge};
use crate::auth::principal::{ClientInfo, Principal};
use crate::auth::secrets::{new_token, token_hash};
use crate::domain::eherkenning::{self as rules, Identity, Level};
use crate::domain::limits::Limit;
use crate::domain::session::SessionRules;
use crate::domain::{Account, Office};
use crate::error::ApiError;
use crate::messages;
use crate::state::AppState;
use crate::store::eherkenning::EherkenningTrip;
use crate::store::{StoreError, Tx};

/// How long a trip to the broker may take.
pub const TRIP_MINUTES: i64 = 10;

/// A trip begun: where the browser goes, and the cookie value that binds it.
pub struct Started {
    pub response: EherkenningStartResponse,
    pub binding: String,
}

/// How a return from the broker ended.
pub enum Returned {
    /// Signed in: the session token for the cookie.
    SignedIn {
        session_token: String,
    },
    Linked,
    Refused(Refused),
}

/// A refusal, with what its page shows.
pub struct Refused {
    pub reason: EherkenningRefusal,
    /// For `level_too_low`: the level needed.
    pub level: Option<Level>,
    /// For `other_company`: the KvK number the office is registered with.
    pub kvk: Option<String>,
}

impl From<EherkenningRefusal> for Refused {
    fn from(reason: EherkenningRefusal) -> Self {
        Refused {
            reason,
            level: None,
            kvk: None,
        }
    }
}

fn broker(state: &AppState) -> Result<&Broker, ApiError> {
    state
        .eherkenning
        .as_deref()
        .ok_or(ApiError::from(ErrorCode::EherkenningUnavailable))
}

fn minimum_level(state: &AppState) -> Level {
    Level::parse(&state.settings.eherkenning.minimum_level).unwrap_or(Level::Eh3)
}

/// The redirect URL registered at the broker.
pub fn redirect_uri(state: &AppState) -> String {
    state
        .settings
        .eherkenning
        .redirect_url
        .clone()
        .unwrap_or_else(|| format!("{}/api/eherkenning/callback", state.public_url))
}

/// What the binding's value gives: the PKCE verifier and the nonce.
fn derived(binding: &str, what: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(format!(
        "poort-eherkenning-{what}:{binding}"
    )))
}

async fn begin(
    state: &AppState,
    purpose: EherkenningPurpose,
    who: Option<&Principal>,
    client: &ClientInfo,
) -> Result<Started, ApiError> {
    let broker = broker(state)?;
    if let Some(ip) = &client.ip {
        state.limit(Limit::EherkenningStartsPerClient(ip)).await?;
    }
    let binding = new_token()?;
    let trip_state = new_token()?;
    let nonce = derived(&binding, "nonce");
    let url = broker
        .authorize_url(
            &redirect_uri(state),
            &trip_state,
            &nonce,
            &code_challenge(&derived(&binding, "pkce")),
        )
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "eHerkenning broker unavailable");
            ApiError::from(ErrorCode::EherkenningUnreachable)
        })?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    tx.insert_ehk_trip(&EherkenningTrip {
        state_hash: token_hash(&trip_state),
        binding_hash: token_hash(&binding),
        nonce_hash: token_hash(&nonce),
        purpose,
        account_id: who.map(Principal::id),
        session_id: who.map(|p| p.session_id),
        created_at: now,
        expires_at: now + Duration::minutes(TRIP_MINUTES),
    })
    .await?;
    tx.commit().await?;
    Ok(Started {
        response: EherkenningStartResponse { authorize_url: url },
        binding,
    })
}

/// *Inloggen met eHerkenning* on the sign-in page.
pub async fn start_sign_in(state: &AppState, client: &ClientInfo) -> Result<Started, ApiError> {
    begin(state, EherkenningPurpose::SignIn, None, client).await
}

/// *eHerkenning koppelen* in Mijn account: after a recent re-authentication, for an account
/// of an office, not linked yet.
pub async fn start_link(state: &AppState, principal: &Principal) -> Result<Started, ApiError> {
    broker(state)?;
    SessionRules::from_policy(state.policy())
        .require_recent_proof(&principal.session, state.now())?;
    if principal.account.office_id.is_none() {
        return Err(ErrorCode::Forbidden.into());
    }
    if principal.account.ehk_pseudonym.is_some() {
        return Err(ErrorCode::EherkenningAlreadyLinked.into());
    }
    begin(
        state,
        EherkenningPurpose::Link,
        Some(principal),
        &principal.client,
    )
    .await
}

/// The signed-in account's link.
pub async fn link_of(
    state: &AppState,
    principal: &Principal,
) -> Result<EherkenningLinkResponse, ApiError> {
    let mut tx = state.store.read().await?;
    let link = tx.ehk_link_of(principal.id()).await?;
    tx.commit().await?;
    Ok(EherkenningLinkResponse {
        linked: link.is_some(),
        kvk_number: link.as_ref().map(|l| {
            l.legal_subject
                .split_once(':')
                .map_or(l.legal_subject.clone(), |(_, n)| n.to_string())
        }),
        linked_at: link.map(|l| l.linked_at),
    })
}

fn notice(state: &AppState, account: &Account, nl: &str, en: &str) -> crate::store::NewMessage {
    messages::security_notice(
        &state.settings,
        account.email.as_str(),
        &account.name,
        nl,
        en,
    )
}

/// Removes the link (after a recent re-authentication).
pub async fn unlink(state: &AppState, principal: &Principal) -> Result<(), ApiError> {
    SessionRules::from_policy(state.policy())
        .require_recent_proof(&principal.session, state.now())?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let account = tx
        .lock_account(principal.id())
        .await?
        .ok_or(ApiError::from(ErrorCode::Unauthenticated))?;
    if account.ehk_pseudonym.is_some() {
        tx.set_ehk_link(account.id, None, now).await?;
        tx.enqueue(
            &[notice(
                state,
                &account,
                "eHerkenning is van uw account ontkoppeld. Inloggen kan nu alleen nog met e-mailadres, wachtwoord en code.",
                "eHerkenning has been unlinked from your account. You can now sign in only with e-mail address, password and code.",
            )],
            now,
        )
        .await?;
        tx.audit(
            &principal.audit_self(AuditAction::EherkenningUnlinked, json!({})),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(())
}

/// What the callback got.
pub struct Callback {
    pub binding: Option<String>,
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// The return from the broker: never an error answer, always where the browser goes next.
pub async fn callback(state: &AppState, back: Callback, client: &ClientInfo) -> Returned {
    match finish(state, back, client).await {
        Ok(done) => done,
        Err(e) => {
            tracing::error!(error = %e, "eHerkenning return failed");
            Returned::Refused(EherkenningRefusal::BrokerUnreachable.into())
        }
    }
}

/// One refusal, audited (with the account and office where they are known).
async fn refuse(
    state: &AppState,
    client: &ClientInfo,
    purpose: Option<EherkenningPurpose>,
    account: Option<&Account>,
    refused: Refused,
    details: serde_json::Value,
) -> Result<Returned, ApiError> {
    let mut tx = state.store.begin().await?;
    let mut record = client.audit(
        account.map(|a| a.id),
        AuditAction::EherkenningRefused,
        account.map(|a| a.id),
        account.and_then(|a| a.office_id),
        json!({
            "reason": refused.reason.as_str(),
            "purpose": purpose.map(|p| p.as_str()),
            "details": details,
        }),
    );
    if purpose == Some(EherkenningPurpose::SignIn) {
        // Nobody is signed in: the account (if any) is the target, not the actor.
        record.actor_id = None;
    }
    tx.audit(&record, state.now()).await?;
    tx.commit().await?;
    Ok(Returned::Refused(refused))
}

async fn finish(
    state: &AppState,
    back: Callback,
    client: &ClientInfo,
) -> Result<Returned, ApiError> {
    let Some(broker) = state.eherkenning.as_deref() else {
        return Ok(Returned::Refused(EherkenningRefusal::InvalidAnswer.into()));
    };
    if let Some(ip) = &client.ip
        && let Err(ApiError::RateLimited { .. }) =
            state.limit(Limit::EherkenningCallbacksPerClient(ip)).await
    {
        return Ok(Returned::Refused(EherkenningRefusal::RateLimited.into()));
    }
    let now = state.now();
    // The trip: taken (gone) whatever follows, so it returns once.
    let trip = match &back.state {
        Some(s) => {
            let mut tx = state.store.begin().await?;
            let trip = tx.take_ehk_trip(&token_hash(s)).await?;
            tx.commit().await?;
            trip
        }
        None => None,
    };
    let bound = |t: &EherkenningTrip| {
        back.binding
            .as_deref()
            .is_some_and(|b| token_hash(b) == t.binding_hash)
    };
    let (trip, binding) = match (trip, &back.binding) {
        (Some(t), Some(b)) if bound(&t) && t.expires_at > now => (t, b.clone()),
        (found, _) => {
            let why = match &found {
                None => "unknown or used state",
                Some(t) if t.expires_at <= now => "expired",
                Some(_) => "another browser (cookie missing or different)",
            };
            return refuse(
                state,
                client,
                found.map(|t| t.purpose),
                None,
                EherkenningRefusal::StateInvalid.into(),
                json!({ "why": why }),
            )
            .await;
        }
    };
    let purpose = Some(trip.purpose);
    let linking = match (trip.purpose, trip.account_id) {
        (EherkenningPurpose::Link, Some(id)) => {
            let mut tx = state.store.read().await?;
            let account = tx.get_account(id).await?;
            tx.commit().await?;
            account
        }
        _ => None,
    };
    if let Some(error) = &back.error {
        let reason = rules::refusal_for_error(error, back.error_description.as_deref());
        return refuse(
            state,
            client,
            purpose,
            linking.as_ref(),
            reason.into(),
            json!({ "error": error, "error_description": back.error_description }),
        )
        .await;
    }
    let Some(code) = &back.code else {
        return refuse(
            state,
            client,
            purpose,
            linking.as_ref(),
            EherkenningRefusal::InvalidAnswer.into(),
            json!({ "why": "no code" }),
        )
        .await;
    };
    let nonce = derived(&binding, "nonce");
    if token_hash(&nonce) != trip.nonce_hash {
        return refuse(
            state,
            client,
            purpose,
            linking.as_ref(),
            EherkenningRefusal::StateInvalid.into(),
            json!({ "why": "nonce" }),
        )
        .await;
    }
    let answer = broker
        .finish(
            code,
            &derived(&binding, "pkce"),
            &redirect_uri(state),
            &nonce,
            now,
        )
        .await;
    let claims = match answer {
        Ok(a) => a.claims,
        Err(e) => {
            let reason = match &e {
                BrokerError::Unreachable(_) => EherkenningRefusal::BrokerUnreachable,
                BrokerError::Refused(_) => EherkenningRefusal::InvalidAnswer,
            };
            tracing::warn!(error = %e, "eHerkenning answer refused");
            return refuse(
                state,
                client,
                purpose,
                linking.as_ref(),
                reason.into(),
                json!({ "why": e.to_string() }),
            )
            .await;
        }
    };
    let settings = &state.settings.eherkenning;
    let identity = match rules::read_identity(&claims, &settings.claims, &settings.levels) {
        Ok(i) => i,
        Err(reason) => {
            return refuse(
                state,
                client,
                purpose,
                linking.as_ref(),
                reason.into(),
                json!({ "why": "no company or person in the answer" }),
            )
            .await;
        }
    };
    let seen = json!({
        "legal_subject": identity.legal_subject.key(),
        "level": identity.level.map(Level::as_str),
        "intermediary": identity.intermediary,
        "branch": identity.branch,
    });
    match trip.purpose {
        EherkenningPurpose::Link => {
            let Some(account) = linking else {
                return refuse(
                    state,
                    client,
                    purpose,
                    None,
                    EherkenningRefusal::SessionEnded.into(),
                    seen,
                )
                .await;
            };
            link(
                state,
                client,
                &trip,
                account,
                &identity,
                broker.issuer(),
                seen,
            )
            .await
        }
        EherkenningPurpose::SignIn => {
            sign_in(state, client, &identity, broker.issuer(), seen).await
        }
    }
}

async fn office_of(tx: &mut dyn Tx, account: &Account) -> Result<Option<Office>, ApiError> {
    Ok(match account.office_id {
        Some(id) => tx.get_office(id).await?,
        None => None,
    })
}

/// Whether the identity may act for the account's office; the refusal names the level
/// needed or the office's KvK number.
fn judge(state: &AppState, identity: &Identity, office: Option<&Office>) -> Result<(), Refused> {
    let minimum = minimum_level(state);
    let Some(office) = office else {
        return Err(EherkenningRefusal::OtherCompany.into());
    };
    rules::may_act_for(identity, minimum, &office.kvk_number).map_err(|reason| Refused {
        reason,
        level: (reason == EherkenningRefusal::LevelTooLow).then_some(minimum),
        kvk: (reason == EherkenningRefusal::OtherCompany)
            .then(|| office.kvk_number.as_str().to_string()),
    })
}

async fn link(
    state: &AppState,
    client: &ClientInfo,
    trip: &EherkenningTrip,
    account: Account,
    identity: &Identity,
    issuer: &str,
    seen: serde_json::Value,
) -> Result<Returned, ApiError> {
    let purpose = Some(EherkenningPurpose::Link);
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let session_open = tx.sessions_of_account(account.id).await?.iter().any(|s| {
        Some(s.id) == trip.session_id && SessionRules::from_policy(state.policy()).is_open(s, now)
    });
    let office = office_of(tx.as_mut(), &account).await?;
    drop(tx);
    if !session_open {
        return refuse(
            state,
            client,
            purpose,
            Some(&account),
            EherkenningRefusal::SessionEnded.into(),
            seen,
        )
        .await;
    }
    if let Err(reason) = rules::account_may_sign_in(account.status) {
        return refuse(state, client, purpose, Some(&account), reason.into(), seen).await;
    }
    if let Err(refused) = judge(state, identity, office.as_ref()) {
        return refuse(state, client, purpose, Some(&account), refused, seen).await;
    }
    let key = identity.link_key(issuer);
    let mut tx = state.store.begin().await?;
    // Again inside the write, the account locked: a move to another office (or anything that
    // ended the session) in between is seen here, and the link refused.
    let unchanged = tx
        .lock_account(account.id)
        .await?
        .is_some_and(|a| a.office_id == account.office_id && a.status == account.status);
    let still_open = tx.sessions_of_account(account.id).await?.iter().any(|s| {
        Some(s.id) == trip.session_id && SessionRules::from_policy(state.policy()).is_open(s, now)
    });
    if !unchanged || !still_open {
        drop(tx);
        return refuse(
            state,
            client,
            purpose,
            Some(&account),
            EherkenningRefusal::SessionEnded.into(),
            seen,
        )
        .await;
    }
    if let Some(other) = tx.find_account_by_ehk(&key).await?
        && other.id != account.id
    {
        drop(tx);
        return refuse(
            state,
            client,
            purpose,
            Some(&account),
            EherkenningRefusal::AlreadyLinked.into(),
            seen,
        )
        .await;
    }
    match tx
        .set_ehk_link(account.id, Some((&key, &identity.legal_subject.key())), now)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict) => {
            drop(tx);
            return refuse(
                state,
                client,
                purpose,
                Some(&account),
                EherkenningRefusal::AlreadyLinked.into(),
                seen,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    }
    let ended = match trip.session_id {
        Some(keep) => tx.end_other_sessions(account.id, keep, now).await?,
        None => 0,
    };
    tx.enqueue(
        &[notice(
            state,
            &account,
            "eHerkenning is aan uw account gekoppeld. U kunt voortaan ook met eHerkenning inloggen. Was u dit niet? Neem dan direct contact op met Team Relatiebeheer.",
            "eHerkenning has been linked to your account. From now on you can also sign in with eHerkenning. Was this not you? Contact Team Relatiebeheer at once.",
        )],
        now,
    )
    .await?;
    tx.audit(
        &client.audit(
            Some(account.id),
            AuditAction::EherkenningLinked,
            Some(account.id),
            account.office_id,
            json!({ "identity": seen, "other_sessions_ended": ended }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(Returned::Linked)
}

async fn sign_in(
    state: &AppState,
    client: &ClientInfo,
    identity: &Identity,
    issuer: &str,
    seen: serde_json::Value,
) -> Result<Returned, ApiError> {
    let purpose = Some(EherkenningPurpose::SignIn);
    let minimum = minimum_level(state);
    if rules::reaches(identity, minimum).is_err() {
        let refused = Refused {
            reason: EherkenningRefusal::LevelTooLow,
            level: Some(minimum),
            kvk: None,
        };
        return refuse(state, client, purpose, None, refused, seen).await;
    }
    let mut tx = state.store.read().await?;
    let account = tx.find_account_by_ehk(&identity.link_key(issuer)).await?;
    let office = match &account {
        Some(a) => office_of(tx.as_mut(), a).await?,
        None => None,
    };
    tx.commit().await?;
    let Some(account) = account else {
        return refuse(
            state,
            client,
            purpose,
            None,
            EherkenningRefusal::NotLinked.into(),
            seen,
        )
        .await;
    };
    if let Err(reason) = rules::account_may_sign_in(account.status) {
        return refuse(state, client, purpose, Some(&account), reason.into(), seen).await;
    }
    if let Err(refused) = judge(state, identity, office.as_ref()) {
        return refuse(state, client, purpose, Some(&account), refused, seen).await;
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    tx.record_sign_in(account.id, now, None).await?;
    let session_token = sessions::start(state, tx.as_mut(), account.id, client).await?;
    tx.audit(
        &client.audit(
            Some(account.id),
            AuditAction::SessionStarted,
            Some(account.id),
            account.office_id,
            json!({ "via": "eherkenning", "identity": seen }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Returned::SignedIn { session_token })
}

/// Where the browser goes after a return: the SPA's page for the outcome.
pub fn landing(returned: &Returned) -> String {
    match returned {
        Returned::SignedIn { .. } => "/start".into(),
        Returned::Linked => "/mijn-account?eherkenning=gekoppeld".into(),
        Returned::Refused(r) => {
            let mut query = vec![("reden", r.reason.as_str().to_string())];
            if let Some(level) = r.level {
                query.push(("niveau", level.as_str().to_string()));
            }
            if let Some(kvk) = &r.kvk {
                query.push(("kvk", kvk.clone()));
            }
            format!(
                "/eherkenning/geweigerd?{}",
                serde_urlencoded::to_string(&query).unwrap_or_default()
            )
        }
    }
}
