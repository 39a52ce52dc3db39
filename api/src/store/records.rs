//! What the store reads and writes, and the transaction interface ([`Tx`]) the services use.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use poort_shared::dto::{
    AccountStatus, InvitationEventKind, InvitationKind, InvitationStatus, Role, SetupStep,
};
use uuid::Uuid;

use super::{NewMessage, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Office {
    pub id: Uuid,
    pub name: String,
    pub kvk_number: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeSummary {
    pub office: Office,
    pub portfolio_count: i64,
    pub account_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Portfolio {
    pub id: Uuid,
    pub office_id: Uuid,
    pub agency_number: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Right {
    pub code: String,
    pub label_nl: String,
    pub label_en: String,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub id: Uuid,
    pub office_id: Option<Uuid>,
    pub role: Role,
    pub email: String,
    pub email_key: String,
    pub name: String,
    pub mobile: Option<String>,
    pub status: AccountStatus,
    pub password_hash: Option<String>,
    pub password_changed_at: Option<DateTime<Utc>>,
    /// Encrypted.
    pub totp_secret: Option<Vec<u8>>,
    pub totp_last_step: Option<i64>,
    pub ehk_pseudonym: Option<String>,
    pub failed_password_attempts: i32,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// A new authenticator waiting for its first code (encrypted); replaces `totp_secret` then.
    pub pending_totp_secret: Option<Vec<u8>>,
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

/// One right of an account on one portfolio, with the portfolio's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRight {
    pub account_id: Uuid,
    pub portfolio_id: Uuid,
    pub agency_number: String,
    pub portfolio_name: String,
    pub right_code: String,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: Uuid,
    pub account_id: Uuid,
    pub kind: InvitationKind,
    pub status: InvitationStatus,
    pub step: SetupStep,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// When the current link expires.
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub pending_password_hash: Option<String>,
    pub pending_mobile: Option<String>,
    pub verified_mobile: Option<String>,
    /// Encrypted.
    pub pending_totp_secret: Option<Vec<u8>>,
    pub setup_token_hash: Option<Vec<u8>>,
    pub setup_token_expires_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for Invitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invitation")
            .field("id", &self.id)
            .field("account_id", &self.account_id)
            .field("kind", &self.kind)
            .field("status", &self.status)
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

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

#[derive(Clone, PartialEq, Eq)]
pub struct VerificationCode {
    pub id: Uuid,
    pub purpose: String,
    pub subject_id: Uuid,
    pub target: String,
    pub code_hash: Vec<u8>,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub consumed_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for VerificationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerificationCode")
            .field("id", &self.id)
            .field("purpose", &self.purpose)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: Uuid,
    pub account_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The portfolio chosen for this session.
    pub active_portfolio_id: Option<Uuid>,
    /// When the person last proved it is them again (for sensitive changes).
    pub reauthenticated_at: Option<DateTime<Utc>>,
}

/// An open session with what every signed-in request needs: the account, its office's name
/// (None for the relations team) and its rights, ordered by agency number and right.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: Session,
    pub account: Account,
    pub office_name: Option<String>,
    pub rights: Vec<AccountRight>,
}

/// Where a sign-in stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInStage {
    SecondFactor,
    NewPassword,
    Done,
    /// Too many wrong codes: this sign-in is over.
    Void,
}

impl SignInStage {
    pub fn as_str(self) -> &'static str {
        match self {
            SignInStage::SecondFactor => "second_factor",
            SignInStage::NewPassword => "new_password",
            SignInStage::Done => "done",
            SignInStage::Void => "void",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "second_factor" => Some(SignInStage::SecondFactor),
            "new_password" => Some(SignInStage::NewPassword),
            "done" => Some(SignInStage::Done),
            "void" => Some(SignInStage::Void),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInAttempt {
    pub id: Uuid,
    pub account_id: Uuid,
    pub stage: SignInStage,
    pub failed_codes: i32,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordReset {
    pub id: Uuid,
    pub account_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
    pub used_at: Option<DateTime<Utc>>,
    pub failed_codes: i32,
}

/// An audit event to write.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub actor_id: Option<Uuid>,
    pub action: &'static str,
    pub target_account_id: Option<Uuid>,
    pub office_id: Option<Uuid>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: serde_json::Value,
}

/// An audit event as read, with the names of accounts that still exist.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
    pub target_account_id: Option<Uuid>,
    pub target_name: Option<String>,
    pub target_email: Option<String>,
    pub office_id: Option<Uuid>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub office_id: Option<Uuid>,
    /// Events where this account is the actor or the target.
    pub account_id: Option<Uuid>,
    pub action: Option<String>,
    /// Only events older than this one (paging).
    pub before: Option<Uuid>,
    pub limit: i64,
}

/// Reads an account, taking its row lock when `lock` (only in write transactions: a read
/// transaction must not write, SQLite could not upgrade it safely).
pub async fn fetch_account(
    tx: &mut dyn Tx,
    id: Uuid,
    lock: bool,
) -> Result<Option<Account>, StoreError> {
    if lock {
        tx.lock_account(id).await
    } else {
        tx.get_account(id).await
    }
}

/// Everything done inside one database transaction. Dropping it without [`Tx::commit`] rolls
/// back.
#[async_trait]
pub trait Tx: Send {
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;

    /// Makes a transaction from [`super::Store::begin_fast`] wait for the disk at commit after
    /// all (it found something that must survive a crash: a wrong code, say). No-op otherwise.
    async fn durable(&mut self) -> Result<(), StoreError>;

    /// Whether this transaction's commit will wait for the disk (for tests and diagnostics).
    async fn waits_for_disk(&mut self) -> Result<bool, StoreError>;

    // --- offices and portfolios
    async fn insert_office(&mut self, office: &Office) -> Result<(), StoreError>;
    async fn update_office(&mut self, office: &Office) -> Result<(), StoreError>;
    async fn get_office(&mut self, id: Uuid) -> Result<Option<Office>, StoreError>;
    /// Takes the office's row lock: serialises changes that must keep an office invariant
    /// (at least one administrator) across instances.
    async fn lock_office(&mut self, id: Uuid) -> Result<(), StoreError>;
    async fn list_offices(
        &mut self,
        query: Option<&str>,
        limit: i64,
    ) -> Result<Vec<OfficeSummary>, StoreError>;
    async fn insert_portfolio(&mut self, portfolio: &Portfolio) -> Result<(), StoreError>;
    async fn update_portfolio(&mut self, portfolio: &Portfolio) -> Result<(), StoreError>;
    async fn get_portfolio(&mut self, id: Uuid) -> Result<Option<Portfolio>, StoreError>;
    async fn portfolios_of(&mut self, office_id: Uuid) -> Result<Vec<Portfolio>, StoreError>;
    async fn rights_catalogue(&mut self) -> Result<Vec<Right>, StoreError>;

    // --- accounts and rights
    async fn insert_account(&mut self, account: &Account) -> Result<(), StoreError>;
    /// Writes every field of the account (load, change, save: lock it first).
    async fn update_account(&mut self, account: &Account) -> Result<(), StoreError>;
    /// Reads the account and takes its row lock.
    async fn lock_account(&mut self, id: Uuid) -> Result<Option<Account>, StoreError>;
    async fn get_account(&mut self, id: Uuid) -> Result<Option<Account>, StoreError>;
    async fn find_account_by_email(
        &mut self,
        email_key: &str,
    ) -> Result<Option<Account>, StoreError>;
    /// Accounts of one office (or of all), optionally matching a search on e-mail, name or
    /// mobile number; sorted by name.
    async fn list_accounts(
        &mut self,
        office_id: Option<Uuid>,
        query: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Account>, StoreError>;
    async fn count_active_admins(&mut self, office_id: Uuid) -> Result<i64, StoreError>;
    async fn count_active_operators(&mut self) -> Result<i64, StoreError>;
    async fn delete_account(&mut self, id: Uuid) -> Result<(), StoreError>;
    /// Removes what else identifies a person about to be deleted: their codes, messages in
    /// the outbox, rate-limit counters keyed by address or number, and the addresses and
    /// browsers in audit events they caused (the events stay, pseudonymous).
    async fn forget_personal_data(
        &mut self,
        account_id: Uuid,
        email: &str,
        email_key: &str,
        mobile: Option<&str>,
    ) -> Result<(), StoreError>;
    async fn rights_of_account(
        &mut self,
        account_id: Uuid,
    ) -> Result<Vec<AccountRight>, StoreError>;
    async fn rights_in_office(&mut self, office_id: Uuid) -> Result<Vec<AccountRight>, StoreError>;
    /// Replaces all rights of the account by `rights` (portfolio, right code).
    async fn replace_rights(
        &mut self,
        account_id: Uuid,
        rights: &[(Uuid, String)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    // --- invitations
    async fn insert_invitation(&mut self, invitation: &Invitation) -> Result<(), StoreError>;
    async fn update_invitation(&mut self, invitation: &Invitation) -> Result<(), StoreError>;
    async fn get_invitation(&mut self, id: Uuid) -> Result<Option<Invitation>, StoreError>;
    /// Newest first.
    async fn invitations_of_account(
        &mut self,
        account_id: Uuid,
    ) -> Result<Vec<Invitation>, StoreError>;
    /// Invitations for accounts of the office, newest first.
    async fn invitations_in_office(
        &mut self,
        office_id: Uuid,
    ) -> Result<Vec<Invitation>, StoreError>;
    async fn insert_link(&mut self, link: &InvitationLink) -> Result<(), StoreError>;
    async fn find_link(&mut self, token_hash: &[u8]) -> Result<Option<InvitationLink>, StoreError>;
    /// Marks the link superseded if it was not already; false when another request did first.
    async fn supersede_link(
        &mut self,
        token_hash: &[u8],
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    async fn supersede_links_of(
        &mut self,
        invitation_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn insert_invitation_event(&mut self, event: &InvitationEvent) -> Result<(), StoreError>;
    /// Oldest first, with actor names.
    async fn events_of_invitation(
        &mut self,
        invitation_id: Uuid,
    ) -> Result<Vec<InvitationEvent>, StoreError>;
    async fn count_invitation_events_since(
        &mut self,
        invitation_id: Uuid,
        kind: InvitationEventKind,
        since: DateTime<Utc>,
    ) -> Result<i64, StoreError>;

    // --- one-time codes
    /// Stores a new code and voids earlier unused ones for the same purpose and subject.
    async fn replace_code(&mut self, code: &VerificationCode) -> Result<(), StoreError>;
    async fn latest_code(
        &mut self,
        purpose: &str,
        subject_id: Uuid,
    ) -> Result<Option<VerificationCode>, StoreError>;
    async fn count_code_attempt(&mut self, id: Uuid) -> Result<(), StoreError>;
    async fn consume_code(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError>;

    // --- sessions
    async fn insert_session(
        &mut self,
        session: &Session,
        token_hash: &[u8],
    ) -> Result<(), StoreError>;
    async fn end_session(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Ends every open session of the account; returns how many.
    async fn end_sessions_of_account(
        &mut self,
        account_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    async fn end_other_sessions(
        &mut self,
        account_id: Uuid,
        keep: Uuid,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
    /// Open sessions of the account, newest first.
    async fn sessions_of_account(&mut self, account_id: Uuid) -> Result<Vec<Session>, StoreError>;
    async fn set_session_portfolio(
        &mut self,
        id: Uuid,
        portfolio: Option<Uuid>,
    ) -> Result<(), StoreError>;
    async fn set_session_reauthenticated(
        &mut self,
        id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    // --- sign-in
    async fn insert_sign_in(
        &mut self,
        attempt: &SignInAttempt,
        token_hash: &[u8],
    ) -> Result<(), StoreError>;
    /// The sign-in behind a token hash with its account (row-locked when `lock`) and the
    /// name of the account's office, in one query.
    async fn find_sign_in(
        &mut self,
        token_hash: &[u8],
        lock: bool,
    ) -> Result<Option<(SignInAttempt, Account, Option<String>)>, StoreError>;
    async fn set_sign_in_stage(&mut self, id: Uuid, stage: SignInStage) -> Result<(), StoreError>;
    /// Counts a wrong code on a sign-in; returns the new count.
    async fn count_sign_in_failure(&mut self, id: Uuid) -> Result<i32, StoreError>;
    /// Counts a wrong password on the account (atomic, so instances share it); returns the
    /// new count of wrong passwords in a row.
    async fn count_wrong_password(&mut self, account_id: Uuid) -> Result<i32, StoreError>;
    /// Accepts an authenticator time step once: true if it is newer than the last accepted.
    async fn claim_totp_step(&mut self, account_id: Uuid, step: i64) -> Result<bool, StoreError>;
    /// Earlier password hashes, newest first.
    async fn password_history(
        &mut self,
        account_id: Uuid,
        limit: i64,
    ) -> Result<Vec<String>, StoreError>;
    async fn add_password_history(
        &mut self,
        account_id: Uuid,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn accounts_with_mobile(&mut self, mobile: &str) -> Result<Vec<Account>, StoreError>;
    /// The office's active user administrators.
    async fn office_admins(&mut self, office_id: Uuid) -> Result<Vec<Account>, StoreError>;

    // --- password resets
    async fn insert_password_reset(
        &mut self,
        reset: &PasswordReset,
        token_hash: &[u8],
    ) -> Result<(), StoreError>;
    async fn find_password_reset(
        &mut self,
        token_hash: &[u8],
    ) -> Result<Option<PasswordReset>, StoreError>;
    async fn update_password_reset(&mut self, reset: &PasswordReset) -> Result<(), StoreError>;

    // --- messages and audit
    async fn enqueue(
        &mut self,
        messages: &[NewMessage],
        now: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError>;
    async fn audit(&mut self, record: &AuditRecord, now: DateTime<Utc>) -> Result<(), StoreError>;
}
