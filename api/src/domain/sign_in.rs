//! Signing in as explicit steps, and *forgot password*.
//!
//! ```text
//!  e-mail + password ──► SecondFactor ──(code)──► NewPassword ──(new password)──► Done
//!                             │                     (only when the password     ▲
//!                             │                      has expired)               │
//!                             └───────────────(code, password still valid)──────┘
//!  too many wrong codes at SecondFactor ──► Void (this sign-in is over)
//! ```
//!
//! Each step is taken with the sign-in's token and only in its stage; a sign-in is valid
//! `policy.sign_in_minutes`. An account that stops being active in between is refused at its
//! next step. A reset link ([`PasswordReset`]) is valid `policy.password_reset_minutes`, needs a
//! code first, and is used once.

use chrono::{DateTime, Duration, Utc};
use poort_shared::ErrorCode;
use poort_shared::dto::{AccountStatus, SecondFactor};
use uuid::Uuid;

use super::Account;
use super::password::PasswordRules;

poort_shared::wire_enum! {
    /// Where a sign-in stands.
    pub enum SignInStage {
        SecondFactor = "second_factor",
        NewPassword = "new_password",
        Done = "done",
        /// Too many wrong codes: this sign-in is over.
        Void = "void",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInAttempt {
    pub id: Uuid,
    pub account_id: Uuid,
    pub stage: SignInStage,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// After the right password: which second factors the account may use, or why it may not
/// sign in. Only an active account with a second factor goes on.
pub fn after_password(account: &Account) -> Result<Vec<SecondFactor>, ErrorCode> {
    match account.status {
        AccountStatus::Blocked => Err(ErrorCode::AccountBlocked),
        AccountStatus::Deactivated => Err(ErrorCode::AccountDeactivated),
        AccountStatus::Invited => Err(ErrorCode::SetUpNotFinished),
        AccountStatus::Active => {
            let methods = account.second_factors();
            if methods.is_empty() {
                Err(ErrorCode::TwoFactorNotSetUp)
            } else {
                Ok(methods)
            }
        }
    }
}

/// A sign-in begun now, with `minutes` to finish.
pub fn begin(id: Uuid, account_id: Uuid, now: DateTime<Utc>, minutes: i64) -> SignInAttempt {
    SignInAttempt {
        id,
        account_id,
        stage: SignInStage::SecondFactor,
        created_at: now,
        expires_at: now + Duration::minutes(minutes),
    }
}

/// A step may be taken only in its stage, before the sign-in expires, by an account that is
/// still active.
pub fn may_take_step(
    attempt: &SignInAttempt,
    account: &Account,
    step: SignInStage,
    now: DateTime<Utc>,
) -> Result<(), ErrorCode> {
    match attempt.stage {
        SignInStage::Void => return Err(ErrorCode::SignInAttemptVoid),
        SignInStage::Done => return Err(ErrorCode::SignInExpired),
        stage if stage != step => return Err(ErrorCode::StepOutOfOrder),
        _ => {}
    }
    if now >= attempt.expires_at {
        return Err(ErrorCode::SignInExpired);
    }
    match account.status {
        AccountStatus::Active => Ok(()),
        AccountStatus::Blocked => Err(ErrorCode::AccountBlocked),
        AccountStatus::Deactivated => Err(ErrorCode::AccountDeactivated),
        AccountStatus::Invited => Err(ErrorCode::SignInExpired),
    }
}

/// After the second factor: a new password first when the current one has expired.
pub fn after_second_factor(
    rules: PasswordRules,
    password_changed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> SignInStage {
    if rules.is_expired(password_changed_at, now) {
        SignInStage::NewPassword
    } else {
        SignInStage::Done
    }
}

/// A *forgot password* link, as stored (the token only as its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordReset {
    pub id: Uuid,
    pub account_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// When a code proved possession of the phone or the authenticator.
    pub verified_at: Option<DateTime<Utc>>,
    /// When the link was used (or spent by wrong codes).
    pub used_at: Option<DateTime<Utc>>,
}

/// Whose password can be reset: an account that finished its set-up and is not deactivated
/// (a blocked one above all: that is how it is unblocked).
pub fn may_reset_password(status: AccountStatus) -> bool {
    matches!(status, AccountStatus::Active | AccountStatus::Blocked)
}

/// A reset link works until it is used or expires, for an account that may reset.
pub fn reset_usable(
    reset: &PasswordReset,
    status: AccountStatus,
    now: DateTime<Utc>,
) -> Result<(), ErrorCode> {
    if reset.used_at.is_some() || now >= reset.expires_at || !may_reset_password(status) {
        return Err(ErrorCode::ResetLinkInvalid);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::configuration::PolicySettings;
    use crate::domain::account::tests::account;
    use poort_shared::dto::Role;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + Duration::days(20_000) + Duration::minutes(minutes)
    }

    fn active() -> Account {
        let mut a = account(Role::Adviser, AccountStatus::Active);
        a.totp_secret = Some(vec![1]);
        a
    }

    #[test]
    fn only_an_active_account_with_a_second_factor_goes_on_after_its_password() {
        assert_eq!(
            after_password(&active()),
            Ok(vec![SecondFactor::Authenticator])
        );
        let mut a = active();
        a.totp_secret = None;
        assert_eq!(after_password(&a), Err(ErrorCode::TwoFactorNotSetUp));
        for (status, refusal) in [
            (AccountStatus::Blocked, ErrorCode::AccountBlocked),
            (AccountStatus::Deactivated, ErrorCode::AccountDeactivated),
            (AccountStatus::Invited, ErrorCode::SetUpNotFinished),
        ] {
            let mut a = active();
            a.status = status;
            assert_eq!(after_password(&a), Err(refusal), "{status}");
        }
    }

    #[test]
    fn each_step_is_taken_in_its_stage_and_in_time() {
        let a = active();
        let mut s = begin(Uuid::nil(), a.id, at(0), 10);
        assert_eq!(
            may_take_step(&s, &a, SignInStage::SecondFactor, at(9)),
            Ok(())
        );
        assert_eq!(
            may_take_step(&s, &a, SignInStage::SecondFactor, at(10)),
            Err(ErrorCode::SignInExpired)
        );
        assert_eq!(
            may_take_step(&s, &a, SignInStage::NewPassword, at(1)),
            Err(ErrorCode::StepOutOfOrder)
        );
        s.stage = SignInStage::Void;
        assert_eq!(
            may_take_step(&s, &a, SignInStage::SecondFactor, at(1)),
            Err(ErrorCode::SignInAttemptVoid)
        );
        s.stage = SignInStage::Done;
        assert_eq!(
            may_take_step(&s, &a, SignInStage::SecondFactor, at(1)),
            Err(ErrorCode::SignInExpired),
            "a finished sign-in cannot be taken again"
        );
    }

    #[test]
    fn an_account_blocked_mid_sign_in_is_refused_at_its_next_step() {
        let mut a = active();
        let s = begin(Uuid::nil(), a.id, at(0), 10);
        a.status = AccountStatus::Blocked;
        assert_eq!(
            may_take_step(&s, &a, SignInStage::SecondFactor, at(1)),
            Err(ErrorCode::AccountBlocked)
        );
    }

    #[test]
    fn an_expired_password_is_replaced_before_signing_in_ends() {
        let rules = PasswordRules::from_policy(&PolicySettings::default());
        assert_eq!(
            after_second_factor(rules, Some(at(0)), at(60)),
            SignInStage::Done
        );
        assert_eq!(
            after_second_factor(rules, Some(at(0)), at(0) + Duration::days(90)),
            SignInStage::NewPassword
        );
    }

    #[test]
    fn a_reset_link_works_once_in_time_for_active_and_blocked_accounts() {
        let reset = PasswordReset {
            id: Uuid::nil(),
            account_id: Uuid::nil(),
            created_at: at(0),
            expires_at: at(60),
            verified_at: None,
            used_at: None,
        };
        assert_eq!(reset_usable(&reset, AccountStatus::Blocked, at(59)), Ok(()));
        assert_eq!(
            reset_usable(&reset, AccountStatus::Active, at(60)),
            Err(ErrorCode::ResetLinkInvalid)
        );
        assert_eq!(
            reset_usable(&reset, AccountStatus::Deactivated, at(1)),
            Err(ErrorCode::ResetLinkInvalid)
        );
        let used = PasswordReset {
            used_at: Some(at(2)),
            ..reset
        };
        assert_eq!(
            reset_usable(&used, AccountStatus::Active, at(3)),
            Err(ErrorCode::ResetLinkInvalid)
        );
    }
}
