//! An account: who it is, how it signs in, and what its status allows an administrator or the
//! relations team to do with it.
//!
//! Statuses: *invited* (set-up not finished) → *active* (set-up done) ⇄ *blocked* (too many
//! wrong passwords; only *forgot password* unblocks) and *deactivated* (by an administrator;
//! reactivating restores what the set-up had reached). The name never changes once the
//! account exists.

use chrono::{DateTime, Utc};
use poort_shared::ErrorCode;
use poort_shared::dto::{AccountStatus, Factors, MeResponse, OfficeRef, Role, SecondFactor};
use poort_shared::validate::{Email, KvkNumber, MobileNumber};
use uuid::Uuid;

#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub id: Uuid,
    /// None for the relations team.
    pub office_id: Option<Uuid>,
    pub role: Role,
    pub email: Email,
    pub name: String,
    pub mobile: Option<MobileNumber>,
    pub status: AccountStatus,
    pub password_hash: Option<String>,
    pub password_changed_at: Option<DateTime<Utc>>,
    /// Encrypted.
    pub totp_secret: Option<Vec<u8>>,
    /// The last authenticator time step accepted (a code is accepted once).
    pub totp_last_step: Option<i64>,
    /// A new authenticator waiting for its first code (encrypted); replaces `totp_secret` then.
    pub pending_totp_secret: Option<Vec<u8>>,
    pub ehk_pseudonym: Option<String>,
    /// How many passkeys it has (`passkeys` rows; kept on the account so that every read of
    /// it knows its second factors).
    pub passkeys: i32,
    /// Wrong passwords in a row (see [`super::lockout`]).
    pub wrong_passwords: i32,
    /// Wrong second-factor codes in a row, across sign-ins, resets and re-authentication.
    pub wrong_codes: i32,
    /// The status it had when it was deactivated (restored on reactivation).
    pub deactivated_from: Option<AccountStatus>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("office_id", &self.office_id)
            .field("role", &self.role)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl Account {
    /// The form of the address that decides uniqueness.
    pub fn email_key(&self) -> String {
        self.email.key()
    }

    pub fn factors(&self) -> Factors {
        Factors {
            password: self.password_hash.is_some(),
            mobile: self.mobile.is_some(),
            authenticator: self.totp_secret.is_some(),
            eherkenning: self.ehk_pseudonym.is_some(),
            passkeys: u32::try_from(self.passkeys).unwrap_or(0),
        }
    }

    /// The second factors it can sign in with: a passkey first (the strongest), then the
    /// authenticator, then SMS.
    pub fn second_factors(&self) -> Vec<SecondFactor> {
        let mut methods = Vec::new();
        if self.passkeys > 0 {
            methods.push(SecondFactor::Passkey);
        }
        methods.extend(self.code_factors());
        methods
    }

    /// The second factors that give a code (what a password reset is proven with): the
    /// authenticator first.
    pub fn code_factors(&self) -> Vec<SecondFactor> {
        let mut methods = Vec::new();
        if self.totp_secret.is_some() {
            methods.push(SecondFactor::Authenticator);
        }
        if self.mobile.is_some() {
            methods.push(SecondFactor::Sms);
        }
        methods
    }

    /// Where an SMS code would go, partly hidden.
    pub fn mobile_hint(&self) -> Option<String> {
        self.mobile.as_ref().map(MobileNumber::masked)
    }

    /// The account as `/api/me` shows it, with its office's name.
    pub fn me(&self, office_name: Option<String>) -> MeResponse {
        MeResponse {
            id: self.id,
            name: self.name.clone(),
            email: self.email.to_string(),
            role: self.role,
            office: self
                .office_id
                .zip(office_name)
                .map(|(id, name)| OfficeRef { id, name }),
        }
    }
}

/// An administrator deactivates an account: possible unless it is deactivated already. Its
/// sessions end at once.
pub fn may_deactivate(status: AccountStatus) -> Result<(), ErrorCode> {
    match status {
        AccountStatus::Active | AccountStatus::Blocked | AccountStatus::Invited => Ok(()),
        AccountStatus::Deactivated => Err(ErrorCode::AccountNotActive),
    }
}

/// The status a deactivated account returns to: the one it had (a blocked account stays
/// blocked: deactivating is no way around *forgot password*). For accounts deactivated before
/// that was recorded: active when the set-up was finished (it has a password), else invited.
pub fn reactivated(account: &Account) -> Result<AccountStatus, ErrorCode> {
    if account.status != AccountStatus::Deactivated {
        return Err(ErrorCode::AccountNotActive);
    }
    Ok(match account.deactivated_from {
        Some(status) if status != AccountStatus::Deactivated => status,
        _ if account.password_hash.is_some() => AccountStatus::Active,
        _ => AccountStatus::Invited,
    })
}

/// The relations team resets the sign-in set-up of an account that finished it (active or
/// blocked); an invited one gets its invitation re-sent instead, a deactivated one must be
/// reactivated first.
pub fn may_reset_sign_in(status: AccountStatus) -> Result<(), ErrorCode> {
    match status {
        AccountStatus::Active | AccountStatus::Blocked => Ok(()),
        AccountStatus::Invited => Err(ErrorCode::NotInvited),
        AccountStatus::Deactivated => Err(ErrorCode::AccountNotActive),
    }
}

/// The relations team moves an account to another office (an adviser who changes office keeps
/// their sign-in): an office's account only, whose set-up is finished, to an office it is not in.
/// What moves with it is decided in [`moved`].
pub fn may_move(account: &Account, to: Uuid) -> Result<(), ErrorCode> {
    if account.role == Role::Operator || account.office_id.is_none() {
        return Err(ErrorCode::NotFound);
    }
    let unfinished = account.status == AccountStatus::Invited
        || account.deactivated_from == Some(AccountStatus::Invited)
        || account.password_hash.is_none() && account.ehk_pseudonym.is_none();
    if unfinished {
        return Err(ErrorCode::AccountNotActive);
    }
    if account.office_id == Some(to) {
        return Err(ErrorCode::SameOffice);
    }
    Ok(())
}

/// The account in its new office: an adviser there (an administrator role belongs to the old
/// office), with its password, factors, passkeys and status; the eHerkenning link stays only
/// when it names the new office's company (`link_subject`: the link's `kvk:…` / `rsin:…`).
pub fn moved(
    account: &Account,
    to: Uuid,
    new_kvk: &KvkNumber,
    link_subject: Option<&str>,
) -> Account {
    let keeps_link = link_subject == Some(format!("kvk:{}", new_kvk.as_str()).as_str());
    Account {
        office_id: Some(to),
        role: Role::Adviser,
        ehk_pseudonym: if keeps_link {
            account.ehk_pseudonym.clone()
        } else {
            None
        },
        ..account.clone()
    }
}

/// An address that has an account may be invited again only when that account never finished
/// a set-up and has no open invitation (its invitation was withdrawn before acceptance), and
/// only by whoever may manage it: its own office, or the relations team. Another office gets
/// `email_taken` like for any other address in use (the record never moves between offices,
/// and the answer does not say whose it is).
pub fn may_invite_again(
    existing: &Account,
    has_open_invitation: bool,
    inviter: super::Scope,
) -> Result<(), ErrorCode> {
    if existing.status != AccountStatus::Invited
        || has_open_invitation
        || existing.password_hash.is_some()
        || !inviter.may_manage(existing)
    {
        return Err(ErrorCode::EmailTaken);
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An account for rule tests: no factors, no office.
    pub(crate) fn account(role: Role, status: AccountStatus) -> Account {
        let now = DateTime::UNIX_EPOCH;
        Account {
            id: Uuid::from_u128(42),
            office_id: None,
            role,
            email: Email::parse("jan@kantoor.nl").unwrap(),
            name: "Jan".into(),
            mobile: None,
            status,
            password_hash: None,
            password_changed_at: None,
            totp_secret: None,
            totp_last_step: None,
            pending_totp_secret: None,
            ehk_pseudonym: None,
            passkeys: 0,
            wrong_passwords: 0,
            wrong_codes: 0,
            deactivated_from: None,
            last_sign_in_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_move_keeps_the_sign_in_and_drops_the_role_and_a_foreign_link() {
        let (old, new) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut a = account(Role::OfficeAdmin, AccountStatus::Active);
        a.office_id = Some(old);
        a.ehk_pseudonym = Some("p".into());
        a.password_hash = Some("hash".into());
        assert_eq!(may_move(&a, old), Err(ErrorCode::SameOffice));
        assert_eq!(may_move(&a, new), Ok(()));
        let kvk = KvkNumber::parse("12345678").unwrap();
        let there = moved(&a, new, &kvk, Some("kvk:12345678"));
        assert_eq!((there.office_id, there.role), (Some(new), Role::Adviser));
        assert_eq!(there.ehk_pseudonym.as_deref(), Some("p"));
        assert_eq!(there.password_hash.as_deref(), Some("hash"));
        assert_eq!(
            moved(&a, new, &kvk, Some("kvk:87654321")).ehk_pseudonym,
            None
        );
        assert_eq!(
            moved(&a, new, &kvk, Some("rsin:123456789")).ehk_pseudonym,
            None
        );

        let invited = Account {
            office_id: Some(old),
            ..account(Role::Adviser, AccountStatus::Invited)
        };
        assert_eq!(may_move(&invited, new), Err(ErrorCode::AccountNotActive));
        let deactivated = Account {
            office_id: Some(old),
            password_hash: Some("hash".into()),
            deactivated_from: Some(AccountStatus::Active),
            ..account(Role::Adviser, AccountStatus::Deactivated)
        };
        assert_eq!(may_move(&deactivated, new), Ok(()));
        let never_set_up = Account {
            deactivated_from: Some(AccountStatus::Invited),
            ..deactivated.clone()
        };
        assert_eq!(
            may_move(&never_set_up, new),
            Err(ErrorCode::AccountNotActive)
        );
        assert_eq!(
            may_move(&account(Role::Operator, AccountStatus::Active), new),
            Err(ErrorCode::NotFound)
        );
    }

    #[test]
    fn second_factors_come_authenticator_first() {
        let mut a = account(Role::Adviser, AccountStatus::Active);
        assert!(a.second_factors().is_empty());
        a.mobile = Some(MobileNumber::parse("0612345678").unwrap());
        assert_eq!(a.second_factors(), [SecondFactor::Sms]);
        a.totp_secret = Some(vec![1]);
        assert_eq!(
            a.second_factors(),
            [SecondFactor::Authenticator, SecondFactor::Sms]
        );
        assert_eq!(a.mobile_hint().as_deref(), Some("+31 6 ••••• 678"));
        let f = a.factors();
        assert!(f.mobile && f.authenticator && !f.password && !f.eherkenning);
        a.passkeys = 2;
        assert_eq!(
            a.second_factors(),
            [
                SecondFactor::Passkey,
                SecondFactor::Authenticator,
                SecondFactor::Sms
            ]
        );
        assert_eq!(
            a.code_factors(),
            [SecondFactor::Authenticator, SecondFactor::Sms]
        );
        assert_eq!(a.factors().passkeys, 2);
    }

    #[test]
    fn reactivating_restores_what_the_set_up_reached() {
        let mut a = account(Role::Adviser, AccountStatus::Deactivated);
        assert_eq!(reactivated(&a), Ok(AccountStatus::Invited));
        a.password_hash = Some("h".into());
        assert_eq!(reactivated(&a), Ok(AccountStatus::Active));
        a.status = AccountStatus::Active;
        assert_eq!(reactivated(&a), Err(ErrorCode::AccountNotActive));
        assert_eq!(
            may_deactivate(AccountStatus::Deactivated),
            Err(ErrorCode::AccountNotActive)
        );
        assert_eq!(may_deactivate(AccountStatus::Blocked), Ok(()));
    }

    #[test]
    fn a_blocked_account_stays_blocked_through_deactivation() {
        let mut a = account(Role::Adviser, AccountStatus::Deactivated);
        a.password_hash = Some("h".into());
        a.deactivated_from = Some(AccountStatus::Blocked);
        assert_eq!(reactivated(&a), Ok(AccountStatus::Blocked));
        a.deactivated_from = Some(AccountStatus::Invited);
        assert_eq!(reactivated(&a), Ok(AccountStatus::Invited));
    }

    #[test]
    fn only_a_finished_set_up_can_be_reset() {
        assert_eq!(may_reset_sign_in(AccountStatus::Active), Ok(()));
        assert_eq!(may_reset_sign_in(AccountStatus::Blocked), Ok(()));
        assert_eq!(
            may_reset_sign_in(AccountStatus::Invited),
            Err(ErrorCode::NotInvited)
        );
        assert_eq!(
            may_reset_sign_in(AccountStatus::Deactivated),
            Err(ErrorCode::AccountNotActive)
        );
    }

    #[test]
    fn an_address_is_invited_again_only_after_a_withdrawn_invitation() {
        use crate::domain::Scope;
        let (mine, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut invited = account(Role::Adviser, AccountStatus::Invited);
        invited.office_id = Some(mine);
        assert_eq!(
            may_invite_again(&invited, false, Scope::Office(mine)),
            Ok(())
        );
        assert_eq!(may_invite_again(&invited, false, Scope::All), Ok(()));
        assert_eq!(
            may_invite_again(&invited, false, Scope::Office(other)),
            Err(ErrorCode::EmailTaken),
            "never to another office"
        );
        assert_eq!(
            may_invite_again(&invited, true, Scope::All),
            Err(ErrorCode::EmailTaken)
        );
        let mut active = account(Role::Adviser, AccountStatus::Active);
        active.office_id = Some(mine);
        assert_eq!(
            may_invite_again(&active, false, Scope::Office(mine)),
            Err(ErrorCode::EmailTaken)
        );
    }

    #[test]
    fn me_names_the_office_only_for_office_accounts() {
        let mut a = account(Role::Operator, AccountStatus::Active);
        assert!(a.me(None).office.is_none());
        a.office_id = Some(Uuid::from_u128(7));
        let me = a.me(Some("Kantoor".into()));
        assert_eq!(me.office.map(|o| o.name).as_deref(), Some("Kantoor"));
        assert_eq!(me.email, "jan@kantoor.nl");
    }
}
