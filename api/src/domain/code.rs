//! One-time codes: six digits sent by SMS (or read from the authenticator app) to prove
//! possession of a phone. Each code is for a [`CodePurpose`] and a subject (the set-up, the
//! sign-in, the reset link or the account it belongs to), is stored as a keyed hash, expires,
//! is used once, and a new one replaces the previous. Wrong tries are counted per purpose and
//! subject (authenticator codes too) against that purpose's budget; a new SMS may go out only
//! after a wait.

use chrono::{DateTime, Duration, Utc};
use poort_shared::ErrorCode;
use poort_shared::validate::MobileNumber;
use uuid::Uuid;

use super::lockout::Tries;
use crate::configuration::PolicySettings;

poort_shared::wire_enum! {
    /// What a code proves, and for what. The name is part of the code's keyed hash, so a code
    /// sent for one purpose never works for another.
    pub enum CodePurpose {
        /// Confirming the mobile number during set-up (subject: the invitation).
        SetUpMobile = "setup_mobile",
        /// The second factor of a sign-in (subject: the sign-in).
        SignIn = "sign_in",
        /// Proving possession during *forgot password* (subject: the reset link).
        PasswordReset = "password_reset",
        /// Confirming a new mobile number in *Mijn account* (subject: the account).
        ChangeMobile = "change_mobile",
    }
}

/// The rules for one purpose's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeRules {
    /// How long an SMS code is valid.
    pub valid: Duration,
    /// Wrong tries allowed (SMS and authenticator codes together).
    pub tries: Tries,
    /// The wait before another SMS code may be sent.
    pub resend_after: Duration,
}

impl CodePurpose {
    pub fn rules(self, policy: &PolicySettings) -> CodeRules {
        let max = match self {
            CodePurpose::SetUpMobile => policy.setup_code_attempts,
            CodePurpose::SignIn => policy.sign_in_code_attempts,
            CodePurpose::PasswordReset => policy.password_reset_code_attempts,
            CodePurpose::ChangeMobile => policy.mobile_change_code_attempts,
        };
        CodeRules {
            valid: Duration::minutes(policy.sms_code_valid_minutes),
            tries: Tries { max },
            resend_after: Duration::seconds(policy.sms_resend_seconds),
        }
    }

    /// Whether sending a new code starts the count of wrong tries again. Codes that confirm a
    /// number are one try-budget per SMS (the subject lives on: an invitation, an account); a
    /// sign-in or a reset link has one budget in all, whatever is sent.
    pub fn new_code_restarts_count(self) -> bool {
        matches!(self, CodePurpose::SetUpMobile | CodePurpose::ChangeMobile)
    }
}

/// A code as stored: its keyed hash, never the code.
#[derive(Clone, PartialEq, Eq)]
pub struct VerificationCode {
    pub id: Uuid,
    pub purpose: CodePurpose,
    pub subject_id: Uuid,
    /// The number it was sent to.
    pub target: MobileNumber,
    pub code_hash: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub consumed_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for VerificationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerificationCode")
            .field("id", &self.id)
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

impl CodeRules {
    /// When a code sent now expires.
    pub fn expires_at(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + self.valid
    }

    /// May another code go out now, `previous` being the last one sent for this purpose and
    /// subject? `Err(seconds)` to wait otherwise.
    pub fn may_send(
        self,
        previous: Option<&VerificationCode>,
        now: DateTime<Utc>,
    ) -> Result<(), i64> {
        match previous {
            Some(p) if now < p.created_at + self.resend_after => {
                Err((p.created_at + self.resend_after - now)
                    .num_seconds()
                    .max(1))
            }
            _ => Ok(()),
        }
    }
}

/// The code a typed one is checked against: the latest, unused and unexpired.
pub fn usable(
    latest: Option<VerificationCode>,
    now: DateTime<Utc>,
) -> Result<VerificationCode, ErrorCode> {
    let code = latest
        .filter(|c| c.consumed_at.is_none())
        .ok_or(ErrorCode::CodeNotRequested)?;
    if now >= code.expires_at {
        return Err(ErrorCode::CodeExpired);
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + Duration::days(20_000) + Duration::seconds(seconds)
    }

    fn code(created: i64) -> VerificationCode {
        let rules = CodePurpose::SignIn.rules(&PolicySettings::default());
        VerificationCode {
            id: Uuid::nil(),
            purpose: CodePurpose::SignIn,
            subject_id: Uuid::nil(),
            target: MobileNumber::parse("0612345678").unwrap(),
            code_hash: vec![0; 32],
            created_at: at(created),
            expires_at: rules.expires_at(at(created)),
            consumed_at: None,
        }
    }

    #[test]
    fn a_code_is_valid_ten_minutes_and_used_once() {
        assert!(usable(Some(code(0)), at(599)).is_ok());
        assert_eq!(usable(Some(code(0)), at(600)), Err(ErrorCode::CodeExpired));
        let mut used = code(0);
        used.consumed_at = Some(at(5));
        assert_eq!(usable(Some(used), at(6)), Err(ErrorCode::CodeNotRequested));
        assert_eq!(usable(None, at(6)), Err(ErrorCode::CodeNotRequested));
    }

    #[test]
    fn another_sms_waits_thirty_seconds() {
        let rules = CodePurpose::SetUpMobile.rules(&PolicySettings::default());
        assert_eq!(rules.may_send(None, at(0)), Ok(()));
        assert_eq!(rules.may_send(Some(&code(0)), at(10)), Err(20));
        assert_eq!(rules.may_send(Some(&code(0)), at(30)), Ok(()));
    }

    #[test]
    fn each_purpose_has_its_own_budget_of_tries() {
        let policy = PolicySettings {
            setup_code_attempts: 2,
            sign_in_code_attempts: 3,
            password_reset_code_attempts: 4,
            mobile_change_code_attempts: 5,
            ..PolicySettings::default()
        };
        let max = |p: CodePurpose| p.rules(&policy).tries.max;
        assert_eq!(
            CodePurpose::ALL.iter().map(|p| max(*p)).collect::<Vec<_>>(),
            [2, 3, 4, 5]
        );
    }

    #[test]
    fn only_codes_that_confirm_a_number_restart_their_count() {
        assert!(CodePurpose::SetUpMobile.new_code_restarts_count());
        assert!(CodePurpose::ChangeMobile.new_code_restarts_count());
        assert!(!CodePurpose::SignIn.new_code_restarts_count());
        assert!(!CodePurpose::PasswordReset.new_code_restarts_count());
    }
}
