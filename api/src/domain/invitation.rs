//! Invitations and the set-up they start.
//!
//! An invitation is *open* until it is *accepted* (the set-up finished) or *withdrawn*. Its
//! link is valid `policy.invitation_valid_days`; re-sending or renewing replaces the link (the
//! old one answers `invitation_superseded`). Opening an expired link renews it — at most
//! `policy.invitation_renewals_per_day` times in 24 hours.
//!
//! The set-up is a step machine ([`Setup`]); each state holds exactly what it has gathered:
//!
//! ```text
//!  Password ──(password chosen)──► Mobile { password } ──(code sent)──► Mobile { password, sent_to }
//!      ──(code confirms that number)──► Authenticator { password, mobile }
//!      ──(secret shown)──► Authenticator { …, secret } ──(first code)──► accepted: the account is active
//!      ──(or a passkey, registered)──────────────────────────────────► accepted: the account is active
//! ```
//!
//! At the last step a passkey may take the authenticator app's place (the mobile number stays
//! mandatory, as the insurer asks).
//!
//! The link alone authorises the password step; the steps after it need the set-up token that
//! step returns ([`SetupToken`], `policy.setup_token_minutes`). Resuming from the link with the
//! chosen password issues a new token, so a leaked link cannot finish a started set-up.

use chrono::{DateTime, Duration, Utc};
use poort_shared::ErrorCode;
use poort_shared::dto::{InvitationEventKind, InvitationKind, InvitationStatus, SetupStep};
use poort_shared::validate::MobileNumber;
use uuid::Uuid;

use crate::configuration::PolicySettings;

#[derive(Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: Uuid,
    pub account_id: Uuid,
    pub kind: InvitationKind,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// When the current link expires.
    pub expires_at: DateTime<Utc>,
    pub state: InvitationState,
}

impl std::fmt::Debug for Invitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invitation")
            .field("id", &self.id)
            .field("account_id", &self.account_id)
            .field("kind", &self.kind)
            .field("status", &self.status())
            .field("step", &self.step())
            .finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq)]
pub enum InvitationState {
    Open {
        setup: Setup,
        /// Present once the password step is done (and renewed on resuming).
        token: Option<SetupToken>,
    },
    Accepted {
        at: DateTime<Utc>,
    },
    Withdrawn {
        at: DateTime<Utc>,
    },
}

/// The hash of the token that carries a set-up past its password step, and its end.
#[derive(Clone, PartialEq, Eq)]
pub struct SetupToken {
    pub hash: Vec<u8>,
    pub expires_at: DateTime<Utc>,
}

/// What a set-up has gathered, per step.
#[derive(Clone, PartialEq, Eq)]
pub enum Setup {
    Password,
    Mobile {
        password_hash: String,
        /// The number the last code went to.
        sent_to: Option<MobileNumber>,
    },
    Authenticator {
        password_hash: String,
        /// Confirmed by an SMS code.
        mobile: MobileNumber,
        /// The secret shown to scan (encrypted), once asked for.
        secret: Option<Vec<u8>>,
    },
}

/// What a finished set-up gives the account.
#[derive(Clone, PartialEq, Eq)]
pub struct Activation {
    pub password_hash: String,
    pub mobile: MobileNumber,
    /// Encrypted; absent when a passkey took the authenticator app's place.
    pub totp_secret: Option<Vec<u8>>,
}

impl Setup {
    pub fn step(&self) -> SetupStep {
        match self {
            Setup::Password => SetupStep::Password,
            Setup::Mobile { .. } => SetupStep::Mobile,
            Setup::Authenticator { .. } => SetupStep::Authenticator,
        }
    }

    /// The password chosen in the first step.
    pub fn password_hash(&self) -> Option<&str> {
        match self {
            Setup::Password => None,
            Setup::Mobile { password_hash, .. } | Setup::Authenticator { password_hash, .. } => {
                Some(password_hash)
            }
        }
    }

    /// Step 1 done: the password is chosen.
    pub fn password_chosen(&self, password_hash: String) -> Result<Setup, ErrorCode> {
        match self {
            Setup::Password => Ok(Setup::Mobile {
                password_hash,
                sent_to: None,
            }),
            _ => Err(ErrorCode::StepOutOfOrder),
        }
    }

    /// A code went to `number` (a later code to another number replaces it).
    pub fn code_sent(&self, number: MobileNumber) -> Result<Setup, ErrorCode> {
        match self {
            Setup::Mobile { password_hash, .. } => Ok(Setup::Mobile {
                password_hash: password_hash.clone(),
                sent_to: Some(number),
            }),
            _ => Err(ErrorCode::StepOutOfOrder),
        }
    }

    /// The code sent to `number` was right: the number is confirmed if it is the one the
    /// last code went to.
    pub fn mobile_confirmed(&self, number: &MobileNumber) -> Result<Setup, ErrorCode> {
        match self {
            Setup::Mobile {
                password_hash,
                sent_to: Some(sent_to),
            } if sent_to == number => Ok(Setup::Authenticator {
                password_hash: password_hash.clone(),
                mobile: number.clone(),
                secret: None,
            }),
            Setup::Mobile { .. } => Err(ErrorCode::CodeIncorrect),
            _ => Err(ErrorCode::StepOutOfOrder),
        }
    }

    /// A (new) authenticator secret to scan; asking again replaces it.
    pub fn secret_shown(&self, secret: Vec<u8>) -> Result<Setup, ErrorCode> {
        match self {
            Setup::Authenticator {
                password_hash,
                mobile,
                ..
            } => Ok(Setup::Authenticator {
                password_hash: password_hash.clone(),
                mobile: mobile.clone(),
                secret: Some(secret),
            }),
            _ => Err(ErrorCode::StepOutOfOrder),
        }
    }

    /// The last step: what the account becomes (the first code is checked by the caller).
    pub fn finish(&self) -> Result<Activation, ErrorCode> {
        match self {
            Setup::Authenticator {
                password_hash,
                mobile,
                secret: Some(secret),
            } => Ok(Activation {
                password_hash: password_hash.clone(),
                mobile: mobile.clone(),
                totp_secret: Some(secret.clone()),
            }),
            Setup::Authenticator { secret: None, .. } => Err(ErrorCode::CodeNotRequested),
            _ => Err(ErrorCode::StepOutOfOrder),
        }
    }

    /// The last step with a passkey instead of the app (the passkey is verified by the caller):
    /// what the account becomes, without an authenticator.
    pub fn finish_with_passkey(&self) -> Result<Activation, ErrorCode> {
        match self {
            Setup::Authenticator {
                password_hash,
                mobile,
                ..
            } => Ok(Activation {
                password_hash: password_hash.clone(),
                mobile: mobile.clone(),
                totp_secret: None,
            }),
            _ => Err(ErrorCode::StepOutOfOrder),
        }
    }
}

impl Invitation {
    pub fn status(&self) -> InvitationStatus {
        match self.state {
            InvitationState::Open { .. } => InvitationStatus::Open,
            InvitationState::Accepted { .. } => InvitationStatus::Accepted,
            InvitationState::Withdrawn { .. } => InvitationStatus::Withdrawn,
        }
    }

    pub fn is_open(&self) -> bool {
        matches!(self.state, InvitationState::Open { .. })
    }

    pub fn accepted_at(&self) -> Option<DateTime<Utc>> {
        match self.state {
            InvitationState::Accepted { at } => Some(at),
            _ => None,
        }
    }

    /// The step its set-up is at (`done` once accepted or withdrawn).
    pub fn step(&self) -> SetupStep {
        match &self.state {
            InvitationState::Open { setup, .. } => setup.step(),
            _ => SetupStep::Done,
        }
    }

    /// The open set-up, if the invitation is open.
    pub fn setup(&self) -> Option<&Setup> {
        match &self.state {
            InvitationState::Open { setup, .. } => Some(setup),
            _ => None,
        }
    }

    /// Whether the current link has expired (only meaningful while open).
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.is_open() && now >= self.expires_at
    }

    /// The set-up, if `token_hash` is its valid set-up token; `setup_token_invalid` otherwise.
    pub fn setup_with_token(
        &self,
        token_hash: &[u8],
        now: DateTime<Utc>,
    ) -> Result<&Setup, ErrorCode> {
        match &self.state {
            InvitationState::Open {
                setup,
                token: Some(token),
            } if now < token.expires_at && same(&token.hash, token_hash) => Ok(setup),
            _ => Err(ErrorCode::SetupTokenInvalid),
        }
    }

    /// Withdrawing: only an open invitation; what its set-up gathered is forgotten.
    pub fn withdrawn(&self, now: DateTime<Utc>) -> Result<InvitationState, ErrorCode> {
        if !self.is_open() {
            return Err(ErrorCode::NotInvited);
        }
        Ok(InvitationState::Withdrawn { at: now })
    }
}

/// A link as stored (the token only as its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationLink {
    pub token_hash: Vec<u8>,
    pub invitation_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub superseded_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationEvent {
    pub invitation_id: Uuid,
    pub kind: InvitationEventKind,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    /// Filled in on reading (absent for a deleted actor).
    pub actor_name: Option<String>,
}

/// Whether a link can be used now. An expired link is `invitation_expired`, which opening the
/// link turns into a renewal.
pub fn link_usable(
    invitation: &Invitation,
    link: &InvitationLink,
    now: DateTime<Utc>,
) -> Result<(), ErrorCode> {
    match invitation.state {
        InvitationState::Accepted { .. } => return Err(ErrorCode::InvitationUsed),
        InvitationState::Withdrawn { .. } => return Err(ErrorCode::InvitationWithdrawn),
        InvitationState::Open { .. } => {}
    }
    if link.superseded_at.is_some() {
        return Err(ErrorCode::InvitationSuperseded);
    }
    if now >= link.expires_at {
        return Err(ErrorCode::InvitationExpired);
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvitationRules {
    pub valid: Duration,
    pub renewals_per_day: i64,
    pub setup_token: Duration,
}

impl InvitationRules {
    pub fn from_policy(policy: &PolicySettings) -> Self {
        Self {
            valid: Duration::days(policy.invitation_valid_days),
            renewals_per_day: policy.invitation_renewals_per_day,
            setup_token: Duration::minutes(policy.setup_token_minutes),
        }
    }

    /// When a link sent now expires.
    pub fn link_expires_at(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + self.valid
    }

    /// Since when renewals count against the daily budget.
    pub fn renewals_since(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::days(1)
    }

    /// Whether another renewal fits the budget, `renewals` having happened since
    /// [`Self::renewals_since`].
    pub fn may_renew(self, renewals: i64) -> Result<(), ErrorCode> {
        if renewals >= self.renewals_per_day {
            Err(ErrorCode::InvitationRenewalLimit)
        } else {
            Ok(())
        }
    }

    /// A set-up token issued now.
    pub fn setup_token(self, hash: Vec<u8>, now: DateTime<Utc>) -> SetupToken {
        SetupToken {
            hash,
            expires_at: now + self.setup_token,
        }
    }
}

impl std::fmt::Debug for Setup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Hashes, numbers and secrets stay out of logs: the step says enough.
        write!(f, "Setup::{:?}", self.step())
    }
}

impl std::fmt::Debug for Activation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Activation { .. }")
    }
}

impl std::fmt::Debug for InvitationState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InvitationState::Open { setup, token } => {
                write!(f, "Open {{ {setup:?}, token: {} }}", token.is_some())
            }
            InvitationState::Accepted { at } => write!(f, "Accepted {{ at: {at} }}"),
            InvitationState::Withdrawn { at } => write!(f, "Withdrawn {{ at: {at} }}"),
        }
    }
}

/// Constant-time equality of two hashes.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + Duration::days(20_000) + Duration::minutes(minutes)
    }

    fn number(n: &str) -> MobileNumber {
        MobileNumber::parse(n).unwrap()
    }

    fn open(setup: Setup, token: Option<SetupToken>) -> Invitation {
        Invitation {
            id: Uuid::nil(),
            account_id: Uuid::nil(),
            kind: InvitationKind::Invitation,
            created_by: None,
            created_at: at(0),
            expires_at: at(7 * 24 * 60),
            state: InvitationState::Open { setup, token },
        }
    }

    #[test]
    fn the_set_up_goes_password_mobile_authenticator_and_keeps_what_it_gathered() {
        let s = Setup::Password.password_chosen("hash".into()).unwrap();
        assert_eq!(s.step(), SetupStep::Mobile);
        assert_eq!(s.password_hash(), Some("hash"));
        let s = s.code_sent(number("0611111111")).unwrap();
        let s = s.code_sent(number("0622222222")).unwrap();
        assert_eq!(
            s.mobile_confirmed(&number("0611111111")),
            Err(ErrorCode::CodeIncorrect),
            "only the number the last code went to"
        );
        let s = s.mobile_confirmed(&number("0622222222")).unwrap();
        assert_eq!(s.step(), SetupStep::Authenticator);
        assert_eq!(s.finish(), Err(ErrorCode::CodeNotRequested));
        let s = s
            .secret_shown(vec![1])
            .unwrap()
            .secret_shown(vec![2])
            .unwrap();
        let done = s.finish().unwrap();
        assert_eq!(done.password_hash, "hash");
        assert_eq!(done.mobile, number("0622222222"));
        assert_eq!(done.totp_secret, Some(vec![2]), "the last secret shown");
        let with_passkey = s.finish_with_passkey().unwrap();
        assert_eq!(
            with_passkey.totp_secret, None,
            "a passkey instead of the app"
        );
        assert_eq!(
            with_passkey.mobile,
            number("0622222222"),
            "the number stays"
        );
        assert_eq!(
            Setup::Password.finish_with_passkey(),
            Err(ErrorCode::StepOutOfOrder)
        );
    }

    #[test]
    fn steps_out_of_order_are_refused() {
        assert_eq!(
            Setup::Password.code_sent(number("0611111111")),
            Err(ErrorCode::StepOutOfOrder)
        );
        assert_eq!(Setup::Password.finish(), Err(ErrorCode::StepOutOfOrder));
        let mobile = Setup::Mobile {
            password_hash: "h".into(),
            sent_to: None,
        };
        assert_eq!(
            mobile.password_chosen("again".into()),
            Err(ErrorCode::StepOutOfOrder)
        );
        assert_eq!(mobile.secret_shown(vec![1]), Err(ErrorCode::StepOutOfOrder));
    }

    #[test]
    fn the_steps_after_the_password_need_the_set_up_token_in_time() {
        let rules = InvitationRules::from_policy(&PolicySettings::default());
        let invitation = open(Setup::Password, Some(rules.setup_token(vec![7; 32], at(0))));
        assert!(invitation.setup_with_token(&[7; 32], at(59)).is_ok());
        assert_eq!(
            invitation.setup_with_token(&[7; 32], at(60)).err(),
            Some(ErrorCode::SetupTokenInvalid)
        );
        assert_eq!(
            invitation.setup_with_token(&[8; 32], at(1)).err(),
            Some(ErrorCode::SetupTokenInvalid)
        );
        assert_eq!(
            open(Setup::Password, None)
                .setup_with_token(&[7; 32], at(1))
                .err(),
            Some(ErrorCode::SetupTokenInvalid)
        );
    }

    #[test]
    fn a_link_works_while_open_current_and_unexpired() {
        let invitation = open(Setup::Password, None);
        let link = InvitationLink {
            token_hash: vec![1],
            invitation_id: invitation.id,
            created_at: at(0),
            expires_at: at(100),
            superseded_at: None,
        };
        assert_eq!(link_usable(&invitation, &link, at(99)), Ok(()));
        assert_eq!(
            link_usable(&invitation, &link, at(100)),
            Err(ErrorCode::InvitationExpired)
        );
        let replaced = InvitationLink {
            superseded_at: Some(at(5)),
            ..link.clone()
        };
        assert_eq!(
            link_usable(&invitation, &replaced, at(6)),
            Err(ErrorCode::InvitationSuperseded)
        );
        let accepted = Invitation {
            state: InvitationState::Accepted { at: at(3) },
            ..invitation.clone()
        };
        assert_eq!(
            link_usable(&accepted, &link, at(4)),
            Err(ErrorCode::InvitationUsed)
        );
        let withdrawn = Invitation {
            state: invitation.withdrawn(at(3)).unwrap(),
            ..invitation
        };
        assert_eq!(
            link_usable(&withdrawn, &link, at(4)),
            Err(ErrorCode::InvitationWithdrawn)
        );
        assert_eq!(
            withdrawn.withdrawn(at(5)).err(),
            Some(ErrorCode::NotInvited)
        );
        assert_eq!(withdrawn.step(), SetupStep::Done);
    }

    #[test]
    fn an_expired_link_renews_itself_three_times_a_day() {
        let rules = InvitationRules::from_policy(&PolicySettings::default());
        assert_eq!(rules.link_expires_at(at(0)), at(7 * 24 * 60));
        assert_eq!(rules.renewals_since(at(24 * 60)), at(0));
        assert_eq!(rules.may_renew(2), Ok(()));
        assert_eq!(rules.may_renew(3), Err(ErrorCode::InvitationRenewalLimit));
    }

    #[test]
    fn hashes_compare_whole() {
        assert!(same(&[1, 2, 3], &[1, 2, 3]));
        assert!(!same(&[1, 2, 3], &[1, 2, 4]));
        assert!(!same(&[1, 2], &[1, 2, 3]));
    }
}
