//! Passkeys (WebAuthn): an account's credentials, the challenges of ceremonies under way, and
//! the rules around them. The cryptography (attestation, assertion, counters, user
//! verification) is webauthn-rs' (`crate::auth::passkeys`); what may be done when is here.
//!
//! - A challenge is single-use, kept on the server, valid [`CHALLENGE_MINUTES`], and bound to
//!   what started it: a registration to the session that asked for it, a second factor to its
//!   sign-in, a passwordless sign-in to nothing (anyone may start one; the passkey says who).
//! - An account has at most [`MAX_PER_ACCOUNT`] passkeys; a name is written like a person's
//!   name (1 to 100 characters, runs of white space made one).
//! - The last second factor cannot be removed: a passkey goes only when the authenticator app,
//!   an SMS number or another passkey remains.
//! - A passwordless sign-in is strong authentication on its own: it skips the password and the
//!   second factor. Blocked, deactivated and unfinished accounts are refused as with a password.
//!   *Decision*: an expired password does not stop a passkey sign-in (the password is not used
//!   in it); it stays expired, *Mijn account* says so, and the next sign-in with the password
//!   asks for a new one first.

use chrono::{DateTime, Duration, Utc};
use poort_shared::ErrorCode;
use poort_shared::dto::{AccountStatus, PasskeyResponse};
use uuid::Uuid;

use super::Account;

/// How long a challenge may be answered.
pub const CHALLENGE_MINUTES: i64 = 5;
/// Passkeys one account may have.
pub const MAX_PER_ACCOUNT: usize = 10;

poort_shared::wire_enum! {
    /// What a challenge is for.
    pub enum Ceremony {
        /// Adding a passkey in *Mijn account* (bound to the session).
        Registration = "registration",
        /// The second step of a sign-in with a password (bound to the sign-in).
        SecondFactor = "second_factor",
        /// Signing in with a passkey alone (bound to nothing).
        Passwordless = "passwordless",
        /// The last step of an invitation's set-up, instead of the app (bound to the invitation).
        Setup = "setup",
        /// Proving it is still this person in *Mijn account* (bound to the session).
        Reauthentication = "reauthentication",
    }
}

/// A passkey as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passkey {
    pub id: Uuid,
    pub account_id: Uuid,
    /// The credential id the authenticator chose (unique across accounts).
    pub credential_id: Vec<u8>,
    pub name: String,
    /// The verified credential as webauthn-rs serialises it (public key, counter, flags).
    pub credential: String,
    pub sign_count: u32,
    /// May be synchronised between devices (a cloud-synced passkey).
    pub backup_eligible: bool,
    /// Is synchronised now (as the last use reported).
    pub backed_up: bool,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl Passkey {
    pub fn response(&self) -> PasskeyResponse {
        PasskeyResponse {
            id: self.id,
            name: self.name.clone(),
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            sign_count: self.sign_count,
            backup_eligible: self.backup_eligible,
            backed_up: self.backed_up,
        }
    }
}

/// A ceremony under way: its server-side state until it is answered (once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyChallenge {
    pub id: Uuid,
    pub ceremony: Ceremony,
    /// The account it is for (absent for a passwordless sign-in).
    pub account_id: Option<Uuid>,
    /// The session (registration) or the sign-in (second factor) that started it.
    pub bound_to: Option<Uuid>,
    /// webauthn-rs' state of the ceremony (JSON), with the challenge itself.
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A challenge begun now.
pub fn challenge(
    id: Uuid,
    ceremony: Ceremony,
    account_id: Option<Uuid>,
    bound_to: Option<Uuid>,
    state: String,
    now: DateTime<Utc>,
) -> PasskeyChallenge {
    PasskeyChallenge {
        id,
        ceremony,
        account_id,
        bound_to,
        state,
        created_at: now,
        expires_at: now + Duration::minutes(CHALLENGE_MINUTES),
    }
}

/// A taken challenge answers only its own ceremony, for what it is bound to, in time.
pub fn challenge_answers(
    challenge: &PasskeyChallenge,
    ceremony: Ceremony,
    bound_to: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), ErrorCode> {
    if challenge.ceremony != ceremony
        || challenge.bound_to != bound_to
        || now >= challenge.expires_at
    {
        return Err(ErrorCode::PasskeyChallengeInvalid);
    }
    Ok(())
}

/// A passkey's name, as a person's name is written (`validate::parse_name`).
pub fn name(raw: &str) -> Result<String, ErrorCode> {
    poort_shared::validate::parse_name(raw)
}

/// Another passkey may be added while the account has fewer than [`MAX_PER_ACCOUNT`].
pub fn may_add(existing: usize) -> Result<(), ErrorCode> {
    if existing >= MAX_PER_ACCOUNT {
        return Err(ErrorCode::PasskeyLimit);
    }
    Ok(())
}

/// A passkey may be removed while another second factor remains.
pub fn may_remove(account: &Account) -> Result<(), ErrorCode> {
    let others = account.totp_secret.is_some() || account.mobile.is_some() || account.passkeys > 1;
    if !others {
        return Err(ErrorCode::LastSecondFactor);
    }
    Ok(())
}

/// Who may sign in with a passkey alone: an active account, as with a password.
pub fn may_sign_in(account: &Account) -> Result<(), ErrorCode> {
    match account.status {
        AccountStatus::Active => Ok(()),
        AccountStatus::Blocked => Err(ErrorCode::AccountBlocked),
        AccountStatus::Deactivated => Err(ErrorCode::AccountDeactivated),
        AccountStatus::Invited => Err(ErrorCode::SetUpNotFinished),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::tests::account;
    use poort_shared::dto::Role;
    use poort_shared::validate::MobileNumber;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + Duration::days(20_000) + Duration::minutes(minutes)
    }

    #[test]
    fn a_challenge_answers_its_own_ceremony_for_what_it_is_bound_to_within_five_minutes() {
        let sign_in = Some(Uuid::from_u128(7));
        let c = challenge(
            Uuid::nil(),
            Ceremony::SecondFactor,
            Some(Uuid::from_u128(1)),
            sign_in,
            "{}".into(),
            at(0),
        );
        assert_eq!(
            challenge_answers(&c, Ceremony::SecondFactor, sign_in, at(4)),
            Ok(())
        );
        for (ceremony, bound, when) in [
            (Ceremony::SecondFactor, sign_in, at(5)),
            (Ceremony::Passwordless, sign_in, at(1)),
            (Ceremony::Registration, sign_in, at(1)),
            (Ceremony::SecondFactor, Some(Uuid::from_u128(8)), at(1)),
            (Ceremony::SecondFactor, None, at(1)),
        ] {
            assert_eq!(
                challenge_answers(&c, ceremony, bound, when),
                Err(ErrorCode::PasskeyChallengeInvalid),
                "{ceremony} {bound:?} {when}"
            );
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("  Laptop   thuis ").as_deref(), Ok("Laptop thuis"));
        assert_eq!(name(&"é".repeat(100)).map(|n| n.chars().count()), Ok(100));
        for bad in ["", "   ", &"x".repeat(101), "een\u{7}bel"] {
            assert_eq!(name(bad), Err(ErrorCode::InvalidName), "{bad:?}");
        }
    }

    #[test]
    fn at_most_ten_passkeys() {
        assert_eq!(may_add(9), Ok(()));
        assert_eq!(may_add(10), Err(ErrorCode::PasskeyLimit));
    }

    #[test]
    fn the_last_second_factor_stays() {
        let mut a = account(Role::Adviser, AccountStatus::Active);
        a.passkeys = 1;
        assert_eq!(may_remove(&a), Err(ErrorCode::LastSecondFactor));
        a.passkeys = 2;
        assert_eq!(may_remove(&a), Ok(()));
        a.passkeys = 1;
        a.mobile = Some(MobileNumber::parse("0612345678").unwrap());
        assert_eq!(may_remove(&a), Ok(()));
        a.mobile = None;
        a.totp_secret = Some(vec![1]);
        assert_eq!(may_remove(&a), Ok(()));
    }

    #[test]
    fn only_active_accounts_sign_in_with_a_passkey() {
        let mut a = account(Role::Adviser, AccountStatus::Active);
        assert_eq!(may_sign_in(&a), Ok(()));
        for (status, refusal) in [
            (AccountStatus::Blocked, ErrorCode::AccountBlocked),
            (AccountStatus::Deactivated, ErrorCode::AccountDeactivated),
            (AccountStatus::Invited, ErrorCode::SetUpNotFinished),
        ] {
            a.status = status;
            assert_eq!(may_sign_in(&a), Err(refusal));
        }
    }
}
