//! The SQL both databases share, instantiated once per database by [`sql_store_impl!`].
//!
//! Why a macro and not generics over `sqlx::Database`: the trait bounds sqlx needs for a
//! generic executor are long and leak into every method; the macro keeps each statement
//! written once while each instantiation is plain, concretely typed sqlx code.

use chrono::{DateTime, Utc};
use poort_shared::dto::{
    AccountStatus, Channel, DeliveryStatus, InvitationEventKind, InvitationKind, InvitationStatus,
    Role, SetupStep,
};
use uuid::Uuid;

use super::{
    Account, AccountRight, AuditRow, Invitation, InvitationEvent, InvitationLink, Office,
    OfficeSummary, OutboxMessage, Portfolio, Session, StoreError, VerificationCode,
};
use crate::clock::from_millis;

/// Binds a statement's values (owned, so the statement can wait for its transaction's next
/// round trip; see [`combine`]).
pub(crate) type Binder<DB> = Box<
    dyn FnOnce(
            sqlx::query::Query<'static, DB, <DB as sqlx::Database>::Arguments>,
        ) -> sqlx::query::Query<'static, DB, <DB as sqlx::Database>::Arguments>
        + Send,
>;

/// One PostgreSQL statement that runs several writes: all but the last become data-modifying
/// `WITH` clauses (which always run to completion), their `$n` placeholders renumbered to
/// follow the ones before. The writes must not depend on each other: they see the same
/// snapshot, and must touch different rows.
pub(crate) fn combine(statements: &[&str]) -> String {
    let Some((last, first)) = statements.split_last() else {
        return String::new();
    };
    let mut sql = String::new();
    let mut offset = 0;
    for (i, statement) in first.iter().enumerate() {
        sql.push_str(if i == 0 { "WITH " } else { ", " });
        sql.push_str(&format!("w{i} AS ("));
        offset = renumber(statement, offset, &mut sql);
        sql.push(')');
    }
    if !first.is_empty() {
        sql.push(' ');
    }
    renumber(last, offset, &mut sql);
    sql
}

/// Appends `statement` with each `$n` shifted by `offset`; returns the highest number written.
fn renumber(statement: &str, offset: usize, out: &mut String) -> usize {
    let mut highest = offset;
    let mut chars = statement.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.next_if(char::is_ascii_digit) {
            digits.push(d);
        }
        if let Ok(n) = digits.parse::<usize>() {
            highest = highest.max(offset + n);
            out.push_str(&(offset + n).to_string());
        } else {
            out.push_str(&digits);
        }
    }
    highest
}

#[cfg(test)]
mod tests {
    use super::combine;

    #[test]
    fn writes_are_combined_with_their_placeholders_renumbered() {
        assert_eq!(
            combine(&["UPDATE t SET a = $2 WHERE id = $1"]),
            "UPDATE t SET a = $2 WHERE id = $1"
        );
        assert_eq!(
            combine(&[
                "UPDATE t SET a = $2 WHERE id = $1",
                "INSERT INTO u (x, y, z) VALUES ($1, $2, $3)",
                "INSERT INTO v (x) VALUES ($1)",
            ]),
            "WITH w0 AS (UPDATE t SET a = $2 WHERE id = $1), \
             w1 AS (INSERT INTO u (x, y, z) VALUES ($3, $4, $5)) \
             INSERT INTO v (x) VALUES ($6)"
        );
        assert_eq!(
            combine(&["SELECT $10, $1", "SELECT $1"]),
            "WITH w0 AS (SELECT $10, $1) SELECT $11"
        );
    }
}

/// The columns of `outbox` as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct OutboxRow {
    pub id: Uuid,
    pub channel: String,
    pub recipient: String,
    pub subject: Option<String>,
    pub body: String,
    pub status: String,
    pub attempts: i32,
    pub created_at: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
}

impl TryFrom<OutboxRow> for OutboxMessage {
    type Error = StoreError;

    fn try_from(row: OutboxRow) -> Result<Self, StoreError> {
        Ok(OutboxMessage {
            id: row.id,
            channel: Channel::parse(&row.channel)
                .ok_or_else(|| StoreError::Corrupt(format!("outbox.channel {:?}", row.channel)))?,
            recipient: row.recipient,
            subject: row.subject,
            body: row.body,
            status: DeliveryStatus::parse(&row.status)
                .ok_or_else(|| StoreError::Corrupt(format!("outbox.status {:?}", row.status)))?,
            attempts: row.attempts,
            created_at: from_millis(row.created_at),
            next_attempt_at: from_millis(row.next_attempt_at),
            sent_at: row.sent_at.map(from_millis),
            last_error: row.last_error,
        })
    }
}

pub(crate) fn rows_to_messages(rows: Vec<OutboxRow>) -> Result<Vec<OutboxMessage>, StoreError> {
    rows.into_iter().map(OutboxMessage::try_from).collect()
}

pub(crate) fn parse_enum<T>(
    value: &str,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    parse(value).ok_or_else(|| StoreError::Corrupt(format!("{column} = {value:?}")))
}

pub(crate) fn opt_millis(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.map(from_millis)
}

pub(crate) fn opt_to_millis(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(crate::clock::to_millis)
}

/// `%text%` for LIKE, with the wildcards in `text` escaped (ESCAPE '\').
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[derive(sqlx::FromRow)]
pub(crate) struct OfficeRow {
    pub id: Uuid,
    pub name: String,
    pub kvk_number: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<OfficeRow> for Office {
    fn from(r: OfficeRow) -> Self {
        Office {
            id: r.id,
            name: r.name,
            kvk_number: r.kvk_number,
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OfficeSummaryRow {
    pub id: Uuid,
    pub name: String,
    pub kvk_number: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub portfolio_count: i64,
    pub account_count: i64,
}

impl From<OfficeSummaryRow> for OfficeSummary {
    fn from(r: OfficeSummaryRow) -> Self {
        OfficeSummary {
            office: Office {
                id: r.id,
                name: r.name,
                kvk_number: r.kvk_number,
                created_at: from_millis(r.created_at),
                updated_at: from_millis(r.updated_at),
            },
            portfolio_count: r.portfolio_count,
            account_count: r.account_count,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PortfolioRow {
    pub id: Uuid,
    pub office_id: Uuid,
    pub agency_number: String,
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<PortfolioRow> for Portfolio {
    fn from(r: PortfolioRow) -> Self {
        Portfolio {
            id: r.id,
            office_id: r.office_id,
            agency_number: r.agency_number,
            name: r.name,
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RightRow {
    pub code: String,
    pub label_nl: String,
    pub label_en: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    pub id: Uuid,
    pub office_id: Option<Uuid>,
    pub role: String,
    pub email: String,
    pub email_key: String,
    pub name: String,
    pub mobile: Option<String>,
    pub status: String,
    pub password_hash: Option<String>,
    pub password_changed_at: Option<i64>,
    pub totp_secret: Option<Vec<u8>>,
    pub totp_last_step: Option<i64>,
    pub ehk_pseudonym: Option<String>,
    pub failed_password_attempts: i32,
    pub last_sign_in_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub pending_totp_secret: Option<Vec<u8>>,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;
    fn try_from(r: AccountRow) -> Result<Self, StoreError> {
        Ok(Account {
            id: r.id,
            office_id: r.office_id,
            role: parse_enum(&r.role, "accounts.role", Role::parse)?,
            email: r.email,
            email_key: r.email_key,
            name: r.name,
            mobile: r.mobile,
            status: parse_enum(&r.status, "accounts.status", AccountStatus::parse)?,
            password_hash: r.password_hash,
            password_changed_at: opt_millis(r.password_changed_at),
            totp_secret: r.totp_secret,
            totp_last_step: r.totp_last_step,
            ehk_pseudonym: r.ehk_pseudonym,
            failed_password_attempts: r.failed_password_attempts,
            last_sign_in_at: opt_millis(r.last_sign_in_at),
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
            pending_totp_secret: r.pending_totp_secret,
        })
    }
}

pub(crate) fn accounts(rows: Vec<AccountRow>) -> Result<Vec<Account>, StoreError> {
    rows.into_iter().map(Account::try_from).collect()
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRightRow {
    pub account_id: Uuid,
    pub portfolio_id: Uuid,
    pub agency_number: String,
    pub portfolio_name: String,
    pub right_code: String,
}

impl From<AccountRightRow> for AccountRight {
    fn from(r: AccountRightRow) -> Self {
        AccountRight {
            account_id: r.account_id,
            portfolio_id: r.portfolio_id,
            agency_number: r.agency_number,
            portfolio_name: r.portfolio_name,
            right_code: r.right_code,
        }
    }
}

pub(crate) fn invitation_kind(s: &str) -> Option<InvitationKind> {
    match s {
        "invitation" => Some(InvitationKind::Invitation),
        "reset" => Some(InvitationKind::Reset),
        _ => None,
    }
}

pub(crate) fn invitation_kind_str(k: InvitationKind) -> &'static str {
    match k {
        InvitationKind::Invitation => "invitation",
        InvitationKind::Reset => "reset",
    }
}

pub(crate) fn invitation_status(s: &str) -> Option<InvitationStatus> {
    match s {
        "open" => Some(InvitationStatus::Open),
        "accepted" => Some(InvitationStatus::Accepted),
        "withdrawn" => Some(InvitationStatus::Withdrawn),
        _ => None,
    }
}

pub(crate) fn invitation_status_str(s: InvitationStatus) -> &'static str {
    match s {
        InvitationStatus::Open => "open",
        InvitationStatus::Accepted => "accepted",
        InvitationStatus::Withdrawn => "withdrawn",
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct InvitationRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub kind: String,
    pub status: String,
    pub step: String,
    pub created_by: Option<Uuid>,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
    pub pending_password_hash: Option<String>,
    pub pending_mobile: Option<String>,
    pub verified_mobile: Option<String>,
    pub pending_totp_secret: Option<Vec<u8>>,
    pub setup_token_hash: Option<Vec<u8>>,
    pub setup_token_expires_at: Option<i64>,
}

impl TryFrom<InvitationRow> for Invitation {
    type Error = StoreError;
    fn try_from(r: InvitationRow) -> Result<Self, StoreError> {
        Ok(Invitation {
            id: r.id,
            account_id: r.account_id,
            kind: parse_enum(&r.kind, "invitations.kind", invitation_kind)?,
            status: parse_enum(&r.status, "invitations.status", invitation_status)?,
            step: parse_enum(&r.step, "invitations.step", SetupStep::parse)?,
            created_by: r.created_by,
            created_at: from_millis(r.created_at),
            expires_at: from_millis(r.expires_at),
            accepted_at: opt_millis(r.accepted_at),
            withdrawn_at: opt_millis(r.withdrawn_at),
            pending_password_hash: r.pending_password_hash,
            pending_mobile: r.pending_mobile,
            verified_mobile: r.verified_mobile,
            pending_totp_secret: r.pending_totp_secret,
            setup_token_hash: r.setup_token_hash,
            setup_token_expires_at: opt_millis(r.setup_token_expires_at),
        })
    }
}

pub(crate) fn invitations(rows: Vec<InvitationRow>) -> Result<Vec<Invitation>, StoreError> {
    rows.into_iter().map(Invitation::try_from).collect()
}

#[derive(sqlx::FromRow)]
pub(crate) struct LinkRow {
    pub token_hash: Vec<u8>,
    pub invitation_id: Uuid,
    pub created_at: i64,
    pub expires_at: i64,
    pub superseded_at: Option<i64>,
}

impl From<LinkRow> for InvitationLink {
    fn from(r: LinkRow) -> Self {
        InvitationLink {
            token_hash: r.token_hash,
            invitation_id: r.invitation_id,
            created_at: from_millis(r.created_at),
            expires_at: from_millis(r.expires_at),
            superseded_at: opt_millis(r.superseded_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    pub invitation_id: Uuid,
    pub kind: String,
    pub at: i64,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
}

impl TryFrom<EventRow> for InvitationEvent {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        Ok(InvitationEvent {
            invitation_id: r.invitation_id,
            kind: parse_enum(
                &r.kind,
                "invitation_events.kind",
                InvitationEventKind::parse,
            )?,
            at: from_millis(r.at),
            actor_id: r.actor_id,
            actor_name: r.actor_name,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CodeRow {
    pub id: Uuid,
    pub purpose: String,
    pub subject_id: Uuid,
    pub target: String,
    pub code_hash: Vec<u8>,
    pub attempts: i32,
    pub created_at: i64,
    pub expires_at: i64,
    pub consumed_at: Option<i64>,
}

impl From<CodeRow> for VerificationCode {
    fn from(r: CodeRow) -> Self {
        VerificationCode {
            id: r.id,
            purpose: r.purpose,
            subject_id: r.subject_id,
            target: r.target,
            code_hash: r.code_hash,
            attempts: r.attempts,
            created_at: from_millis(r.created_at),
            expires_at: from_millis(r.expires_at),
            consumed_at: opt_millis(r.consumed_at),
        }
    }
}

/// A session with its account, read in one query (the columns of `accounts` are prefixed).
#[derive(sqlx::FromRow)]
pub(crate) struct SessionAccountRow {
    pub s_token_hash: Vec<u8>,
    pub s_id: Uuid,
    pub s_account_id: Uuid,
    pub s_created_at: i64,
    pub s_last_seen_at: i64,
    pub s_expires_at: i64,
    pub s_ended_at: Option<i64>,
    pub s_client_ip: Option<String>,
    pub s_user_agent: Option<String>,
    pub s_active_portfolio_id: Option<Uuid>,
    pub s_reauthenticated_at: Option<i64>,
    pub s_office_name: Option<String>,
    /// The account's rights as a JSON array of `[portfolio id, agency number, portfolio name,
    /// right code]` (NULL or `[]` for none).
    pub s_rights: Option<String>,
    #[sqlx(flatten)]
    pub account: AccountRow,
}

/// A session row as `find_session` reads it, with its rights unpacked.
pub(crate) fn signed_in(row: SessionAccountRow) -> Result<super::SignedIn, StoreError> {
    let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("session rights: {e}"));
    let listed: Vec<(String, String, String, String)> = match row.s_rights.as_deref() {
        None => Vec::new(),
        Some(json) => serde_json::from_str(json).map_err(|e| corrupt(&e))?,
    };
    let account_id = row.account.id;
    let rights = listed
        .into_iter()
        .map(|(portfolio, agency_number, portfolio_name, right_code)| {
            Ok(AccountRight {
                account_id,
                portfolio_id: Uuid::parse_str(&portfolio).map_err(|e| corrupt(&e))?,
                agency_number,
                portfolio_name,
                right_code,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let (session, account, office_name) = row.try_into()?;
    Ok(super::SignedIn {
        session,
        account,
        office_name,
        rights,
    })
}

impl TryFrom<SessionAccountRow> for (Session, Account, Option<String>) {
    type Error = StoreError;
    fn try_from(r: SessionAccountRow) -> Result<Self, StoreError> {
        Ok((
            Session {
                id: r.s_id,
                account_id: r.s_account_id,
                created_at: from_millis(r.s_created_at),
                last_seen_at: from_millis(r.s_last_seen_at),
                expires_at: from_millis(r.s_expires_at),
                ended_at: opt_millis(r.s_ended_at),
                client_ip: r.s_client_ip,
                user_agent: r.s_user_agent,
                active_portfolio_id: r.s_active_portfolio_id,
                reauthenticated_at: opt_millis(r.s_reauthenticated_at),
            },
            Account::try_from(r.account)?,
            r.s_office_name,
        ))
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub ended_at: Option<i64>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub active_portfolio_id: Option<Uuid>,
    pub reauthenticated_at: Option<i64>,
}

impl From<SessionRow> for Session {
    fn from(r: SessionRow) -> Self {
        Session {
            id: r.id,
            account_id: r.account_id,
            created_at: from_millis(r.created_at),
            last_seen_at: from_millis(r.last_seen_at),
            expires_at: from_millis(r.expires_at),
            ended_at: opt_millis(r.ended_at),
            client_ip: r.client_ip,
            user_agent: r.user_agent,
            active_portfolio_id: r.active_portfolio_id,
            reauthenticated_at: opt_millis(r.reauthenticated_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SignInRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub stage: String,
    pub failed_codes: i32,
    pub created_at: i64,
    pub expires_at: i64,
}

impl TryFrom<SignInRow> for super::SignInAttempt {
    type Error = StoreError;
    fn try_from(r: SignInRow) -> Result<Self, StoreError> {
        Ok(super::SignInAttempt {
            id: r.id,
            account_id: r.account_id,
            stage: parse_enum(
                &r.stage,
                "sign_in_attempts.stage",
                super::SignInStage::parse,
            )?,
            failed_codes: r.failed_codes,
            created_at: from_millis(r.created_at),
            expires_at: from_millis(r.expires_at),
        })
    }
}

/// A sign-in with its account and office name, read in one query.
#[derive(sqlx::FromRow)]
pub(crate) struct SignInAccountRow {
    pub si_id: Uuid,
    pub si_account_id: Uuid,
    pub si_stage: String,
    pub si_failed_codes: i32,
    pub si_created_at: i64,
    pub si_expires_at: i64,
    pub si_office_name: Option<String>,
    #[sqlx(flatten)]
    pub account: AccountRow,
}

impl TryFrom<SignInAccountRow> for (super::SignInAttempt, Account, Option<String>) {
    type Error = StoreError;
    fn try_from(r: SignInAccountRow) -> Result<Self, StoreError> {
        let attempt = SignInRow {
            id: r.si_id,
            account_id: r.si_account_id,
            stage: r.si_stage,
            failed_codes: r.si_failed_codes,
            created_at: r.si_created_at,
            expires_at: r.si_expires_at,
        }
        .try_into()?;
        Ok((attempt, Account::try_from(r.account)?, r.si_office_name))
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ResetRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub created_at: i64,
    pub expires_at: i64,
    pub verified_at: Option<i64>,
    pub used_at: Option<i64>,
    pub failed_codes: i32,
}

impl From<ResetRow> for super::PasswordReset {
    fn from(r: ResetRow) -> Self {
        super::PasswordReset {
            id: r.id,
            account_id: r.account_id,
            created_at: from_millis(r.created_at),
            expires_at: from_millis(r.expires_at),
            verified_at: opt_millis(r.verified_at),
            used_at: opt_millis(r.used_at),
            failed_codes: r.failed_codes,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRowDb {
    pub id: Uuid,
    pub at: i64,
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
    pub details: String,
}

impl From<AuditRowDb> for AuditRow {
    fn from(r: AuditRowDb) -> Self {
        AuditRow {
            id: r.id,
            at: from_millis(r.at),
            action: r.action,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            actor_email: r.actor_email,
            target_account_id: r.target_account_id,
            target_name: r.target_name,
            target_email: r.target_email,
            office_id: r.office_id,
            client_ip: r.client_ip,
            user_agent: r.user_agent,
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// A UUIDv7 (time-ordered, so ids index well) that is also strictly increasing within this
/// process: a 12-bit sequence after the millisecond keeps ids made in the same millisecond in
/// order, so "newest first" can sort by id alone.
pub fn new_id(now: DateTime<Utc>) -> Uuid {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST: AtomicU64 = AtomicU64::new(0);
    let candidate = u64::try_from(now.timestamp_millis()).unwrap_or(0) << 12;
    let mut previous = LAST.load(Ordering::Relaxed);
    let next = loop {
        let next = candidate.max(previous + 1);
        match LAST.compare_exchange_weak(previous, next, Ordering::SeqCst, Ordering::Relaxed) {
            Ok(_) => break next,
            Err(actual) => previous = actual,
        }
    };
    let millis = next >> 12;
    let sequence = next & 0xfff;
    let mut bytes = *Uuid::new_v4().as_bytes();
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    bytes[6] = 0x70 | ((sequence >> 8) as u8 & 0x0f);
    bytes[7] = (sequence & 0xff) as u8;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

/// Column lists, as macros so `concat!` can build `&'static str` statements from them.
macro_rules! account_cols {
    () => {
        "id, office_id, role, email, email_key, name, mobile, status, password_hash, password_changed_at, totp_secret, totp_last_step, ehk_pseudonym, failed_password_attempts, last_sign_in_at, created_at, updated_at, pending_totp_secret"
    };
}
/// [`account_cols`] of the table aliased `a`, for joins.
macro_rules! account_cols_a {
    () => {
        "a.id, a.office_id, a.role, a.email, a.email_key, a.name, a.mobile, a.status, a.password_hash, a.password_changed_at, a.totp_secret, a.totp_last_step, a.ehk_pseudonym, a.failed_password_attempts, a.last_sign_in_at, a.created_at, a.updated_at, a.pending_totp_secret"
    };
}

/// Whether `DB` is PostgreSQL (for the few statements whose SQL differs per database).
pub(crate) fn is_postgres<DB: sqlx::Database>() -> bool {
    DB::NAME == "PostgreSQL"
}
/// The session lookup behind every signed-in request, up to the token hash comparison that
/// each database completes (`= $1`, or `= ANY($1)` for a batch): one round trip and one row per
/// session whatever the request goes on to show. The rights come as the account row's copy
/// (`rights_json`, kept by triggers; see migrations/*/0004_rights_copy.sql).
macro_rules! session_select {
    () => {
        concat!(
            "SELECT s.token_hash AS s_token_hash, s.id AS s_id, s.account_id AS s_account_id, s.created_at AS s_created_at, \
                    s.last_seen_at AS s_last_seen_at, s.expires_at AS s_expires_at, s.ended_at AS s_ended_at, \
                    s.client_ip AS s_client_ip, s.user_agent AS s_user_agent, \
                    s.active_portfolio_id AS s_active_portfolio_id, s.reauthenticated_at AS s_reauthenticated_at, ",
            account_cols_a!(),
            ", o.name AS s_office_name, a.rights_json AS s_rights \
             FROM sessions s JOIN accounts a ON a.id = s.account_id \
             LEFT JOIN offices o ON o.id = a.office_id \
             WHERE s.ended_at IS NULL AND s.token_hash "
        )
    };
}

/// Counts one hit against a fixed window (`$1` key, `$2` now, `$3` the start of a window that
/// began now); returns the count and the window's start.
macro_rules! rate_limit_hit {
    () => {
        "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           count = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.count + 1 END, \
           window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
         RETURNING CAST(count AS BIGINT) AS count, window_start"
    };
}

macro_rules! invitation_cols {
    () => {
        "id, account_id, kind, status, step, created_by, created_at, expires_at, accepted_at, withdrawn_at, pending_password_hash, pending_mobile, verified_mobile, pending_totp_secret, setup_token_hash, setup_token_expires_at"
    };
}
macro_rules! portfolio_cols {
    () => {
        "id, office_id, agency_number, name, created_at, updated_at"
    };
}
macro_rules! code_cols {
    () => {
        "id, purpose, subject_id, target, code_hash, attempts, created_at, expires_at, consumed_at"
    };
}

/// Implements [`super::Store`] for a store type with a `pool` field and a `begin_write()`
/// method, for the sqlx database type given.
macro_rules! sql_store_impl {
    ($store:ty, $tx:ident, $read:ident, $db:ty, $kind:expr) => {
        impl $store {
            /// Writes messages on the connection of the caller's transaction: a state change and
            /// the messages it causes commit or roll back together.
            #[allow(dead_code)]
            pub(crate) async fn insert_messages(
                conn: &mut <$db as sqlx::Database>::Connection,
                messages: &[$crate::store::NewMessage],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<uuid::Uuid>, $crate::store::StoreError> {
                let now_ms = $crate::clock::to_millis(now);
                let mut ids = Vec::with_capacity(messages.len());
                for message in messages {
                    let id = $crate::store::sql::new_id(now);
                    sqlx::query(
                        "INSERT INTO outbox (id, channel, recipient, subject, body, status, attempts, created_at, next_attempt_at) \
                         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6)",
                    )
                    .bind(id)
                    .bind(message.channel.as_str())
                    .bind(&message.recipient)
                    .bind(&message.subject)
                    .bind(&message.body)
                    .bind(now_ms)
                    .execute(&mut *conn)
                    .await?;
                    ids.push(id);
                }
                Ok(ids)
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn kind(&self) -> $crate::configuration::DatabaseKind {
                $kind
            }

            async fn ping(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn begin(&self) -> Result<Box<dyn $crate::store::Tx>, $crate::store::StoreError> {
                Ok(Box::new(self.begin_tx().await?))
            }

            async fn begin_fast(&self) -> Result<Box<dyn $crate::store::Tx>, $crate::store::StoreError> {
                Ok(Box::new(self.begin_fast_tx().await?))
            }

            async fn read(&self) -> Result<Box<dyn $crate::store::Tx>, $crate::store::StoreError> {
                Ok(Box::new($read { tx: self.pool.acquire().await? }))
            }

            async fn find_session(
                &self,
                token_hash: &[u8],
            ) -> Result<Option<$crate::store::SignedIn>, $crate::store::StoreError> {
                // SQLite looks each one up; PostgreSQL answers the lookups that arrive together
                // with one query (see `store::session_batches`).
                self.lookup_session(token_hash).await
            }

            fn session_lookup_counts(&self) -> Option<(u64, u64)> {
                self.lookup_counts()
            }

            async fn touch_session(
                &self,
                id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
                if_before: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                // Conditional: of several requests (or instances) touching at once, one writes
                // and the others, once its row lock is released, find nothing to do.
                sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $3")
                    .bind(id)
                    .bind($crate::clock::to_millis(now))
                    .bind($crate::clock::to_millis(if_before))
                    .execute(self.fast_pool())
                    .await?;
                Ok(())
            }

            async fn hit_rate_limit(
                &self,
                key: &str,
                window: chrono::Duration,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(i64, chrono::DateTime<chrono::Utc>), $crate::store::StoreError> {
                let now_ms = $crate::clock::to_millis(now);
                let (count, start): (i64, i64) = sqlx::query_as(rate_limit_hit!())
                .bind(key)
                .bind(now_ms)
                .bind(now_ms - window.num_milliseconds())
                .fetch_one(self.fast_pool())
                .await?;
                Ok((count, $crate::clock::from_millis(start)))
            }

            async fn hit_rate_limit_and_find_account(
                &self,
                key: &str,
                window: chrono::Duration,
                now: chrono::DateTime<chrono::Utc>,
                email_key: &str,
            ) -> Result<((i64, chrono::DateTime<chrono::Utc>), Option<$crate::store::Account>), $crate::store::StoreError> {
                if !$crate::store::sql::is_postgres::<$db>() {
                    let hit = self.hit_rate_limit(key, window, now).await?;
                    let mut tx = self.read().await?;
                    let account = tx.find_account_by_email(email_key).await?;
                    tx.commit().await?;
                    return Ok((hit, account));
                }
                use sqlx::Row as _;
                let now_ms = $crate::clock::to_millis(now);
                let row = sqlx::query(concat!(
                    "WITH hit AS (", rate_limit_hit!(), ") SELECT hit.count AS hit_count, hit.window_start AS hit_window_start, ",
                    account_cols_a!(),
                    " FROM hit LEFT JOIN accounts a ON a.email_key = $4"
                ))
                .bind(key)
                .bind(now_ms)
                .bind(now_ms - window.num_milliseconds())
                .bind(email_key)
                .fetch_one(self.fast_pool())
                .await?;
                let count: i64 = row.try_get("hit_count")?;
                let start: i64 = row.try_get("hit_window_start")?;
                let found: Option<uuid::Uuid> = row.try_get("id")?;
                let account = match found {
                    Some(_) => Some(
                        <$crate::store::sql::AccountRow as sqlx::FromRow<_>>::from_row(&row)?.try_into()?,
                    ),
                    None => None,
                };
                Ok(((count, $crate::clock::from_millis(start)), account))
            }

            async fn query_audit(
                &self,
                filter: &$crate::store::AuditFilter,
            ) -> Result<Vec<$crate::store::AuditRow>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::sql::AuditRowDb> = sqlx::query_as(
                    "SELECT e.id, e.at, e.action, e.actor_id, ac.name AS actor_name, ac.email AS actor_email, \
                            e.target_account_id, t.name AS target_name, t.email AS target_email, e.office_id, \
                            e.client_ip, e.user_agent, e.details \
                     FROM audit_events e \
                     LEFT JOIN accounts ac ON ac.id = e.actor_id \
                     LEFT JOIN accounts t ON t.id = e.target_account_id \
                     WHERE ($1 IS NULL OR e.office_id = $1) \
                       AND ($2 IS NULL OR e.actor_id = $2 OR e.target_account_id = $2) \
                       AND ($3 IS NULL OR e.action = $3) \
                       AND ($4 IS NULL OR e.id < $4) \
                     ORDER BY e.id DESC LIMIT $5",
                )
                .bind(filter.office_id)
                .bind(filter.account_id)
                .bind(filter.action.clone())
                .bind(filter.before)
                .bind(filter.limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn enqueue(
                &self,
                messages: &[$crate::store::NewMessage],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<uuid::Uuid>, $crate::store::StoreError> {
                let mut tx = self.begin_write().await?;
                let ids = Self::insert_messages(&mut *tx, messages, now).await?;
                tx.commit().await?;
                Ok(ids)
            }

            async fn claim_due(
                &self,
                now: chrono::DateTime<chrono::Utc>,
                lease_until: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> Result<Vec<$crate::store::OutboxMessage>, $crate::store::StoreError> {
                // The outer conditions repeat the inner ones on purpose: when two workers race
                // for the same row, PostgreSQL re-checks the outer WHERE on the row as the first
                // worker left it, so the second finds it leased and skips it.
                let rows: Vec<$crate::store::sql::OutboxRow> = sqlx::query_as(
                    "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 \
                     WHERE id IN (SELECT id FROM outbox \
                                  WHERE status = 'pending' AND next_attempt_at <= $2 \
                                    AND (locked_until IS NULL OR locked_until <= $2) \
                                  ORDER BY next_attempt_at, id LIMIT $3) \
                       AND status = 'pending' AND (locked_until IS NULL OR locked_until <= $2) \
                     RETURNING id, channel, recipient, subject, body, status, attempts, created_at, next_attempt_at, sent_at, last_error",
                )
                .bind($crate::clock::to_millis(lease_until))
                .bind($crate::clock::to_millis(now))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                let mut messages = $crate::store::sql::rows_to_messages(rows)?;
                messages.sort_by_key(|m| (m.next_attempt_at, m.id));
                Ok(messages)
            }

            async fn record_attempt(
                &self,
                id: uuid::Uuid,
                outcome: &$crate::store::AttemptOutcome,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::AttemptOutcome;
                let query = match outcome {
                    AttemptOutcome::Sent => sqlx::query(
                        "UPDATE outbox SET status = 'sent', sent_at = $2, locked_until = NULL, last_error = NULL \
                         WHERE id = $1 AND status = 'pending'",
                    )
                    .bind(id)
                    .bind($crate::clock::to_millis(now)),
                    AttemptOutcome::RetryAt(at, error) => sqlx::query(
                        "UPDATE outbox SET next_attempt_at = $2, locked_until = NULL, last_error = $3 \
                         WHERE id = $1 AND status = 'pending'",
                    )
                    .bind(id)
                    .bind($crate::clock::to_millis(*at))
                    .bind(error.clone()),
                    AttemptOutcome::Dead(error) => sqlx::query(
                        "UPDATE outbox SET status = 'dead', locked_until = NULL, last_error = $2 \
                         WHERE id = $1 AND status = 'pending'",
                    )
                    .bind(id)
                    .bind(error.clone()),
                };
                query.execute(&self.pool).await?;
                Ok(())
            }

            async fn outbox_stats(&self) -> Result<$crate::store::OutboxStats, $crate::store::StoreError> {
                let (pending, dead): (i64, i64) = sqlx::query_as(
                    "SELECT COUNT(*) FILTER (WHERE status = 'pending'), COUNT(*) FILTER (WHERE status = 'dead') FROM outbox",
                )
                .fetch_one(&self.pool)
                .await?;
                Ok($crate::store::OutboxStats { pending, dead })
            }

            async fn list_outbox(
                &self,
                limit: i64,
            ) -> Result<Vec<$crate::store::OutboxMessage>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::sql::OutboxRow> = sqlx::query_as(
                    "SELECT id, channel, recipient, subject, body, status, attempts, created_at, next_attempt_at, sent_at, last_error \
                     FROM outbox ORDER BY id DESC LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                $crate::store::sql::rows_to_messages(rows)
            }
        }
    };
}

/// Implements [`super::Tx`] for a transaction wrapper `$tx { tx: sqlx::Transaction<'static, $db> }`.
///
/// The same body serves reads without a transaction: `$tx` holding a pool connection, whose
/// "commit" only gives the connection back (no BEGIN/COMMIT round trips on the hot read paths).
macro_rules! sql_tx_impl {
    // A write transaction that runs every statement at once (SQLite: in process, a round
    // trip costs nothing to speak of).
    ($tx:ident, $db:ty, $store:ty) => {
        sql_tx_impl!(@plain $tx, $db, $store, sqlx::Transaction<'static, $db>, |this| this.tx.commit().await);
    };
    // Reads on a pooled connection, no transaction ("commit" gives the connection back).
    (read $tx:ident, $db:ty, $store:ty) => {
        sql_tx_impl!(@plain $tx, $db, $store, sqlx::pool::PoolConnection<$db>, |this| {
            drop(this.tx);
            Ok::<(), sqlx::Error>(())
        });
    };
    (@plain $tx:ident, $db:ty, $store:ty, $inner:ty, |$this:ident| $finish:expr) => {
        pub struct $tx {
            tx: $inner,
        }

        impl $tx {
            async fn conn(&mut self) -> Result<&mut <$db as sqlx::Database>::Connection, $crate::store::StoreError> {
                Ok(&mut *self.tx)
            }

            async fn defer(
                &mut self,
                _table: &'static str,
                sql: &'static str,
                bind: $crate::store::sql::Binder<$db>,
            ) -> Result<(), $crate::store::StoreError> {
                bind(sqlx::query(sql)).execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn make_durable(&mut self) -> Result<(), $crate::store::StoreError> {
                Ok(())
            }

            async fn finish(self) -> Result<(), $crate::store::StoreError> {
                let $this = self;
                $finish?;
                Ok(())
            }
        }

        sql_tx_impl!(@body $tx, $db, $store);
    };
    // A type that brings its own `conn`, `defer` and `finish` (PostgreSQL's `PgTx`).
    (own $tx:ident, $db:ty, $store:ty) => {
        sql_tx_impl!(@body $tx, $db, $store);
    };
    (@body $tx:ident, $db:ty, $store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::Tx for $tx {
            async fn commit(self: Box<Self>) -> Result<(), $crate::store::StoreError> {
                (*self).finish().await
            }

            async fn durable(&mut self) -> Result<(), $crate::store::StoreError> {
                self.make_durable().await
            }

            async fn waits_for_disk(&mut self) -> Result<bool, $crate::store::StoreError> {
                if !$crate::store::sql::is_postgres::<$db>() {
                    return Ok(true);
                }
                let (setting,): (String,) = sqlx::query_as("SELECT current_setting('synchronous_commit')")
                    .fetch_one(self.conn().await?)
                    .await?;
                Ok(setting != "off")
            }

            async fn insert_office(&mut self, o: &$crate::store::Office) -> Result<(), $crate::store::StoreError> {
                sqlx::query("INSERT INTO offices (id, name, kvk_number, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(o.id)
                    .bind(&o.name)
                    .bind(&o.kvk_number)
                    .bind($crate::clock::to_millis(o.created_at))
                    .bind($crate::clock::to_millis(o.updated_at))
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn update_office(&mut self, o: &$crate::store::Office) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE offices SET name = $2, kvk_number = $3, updated_at = $4 WHERE id = $1")
                    .bind(o.id)
                    .bind(&o.name)
                    .bind(&o.kvk_number)
                    .bind($crate::clock::to_millis(o.updated_at))
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn get_office(&mut self, id: uuid::Uuid) -> Result<Option<$crate::store::Office>, $crate::store::StoreError> {
                let row: Option<$crate::store::sql::OfficeRow> =
                    sqlx::query_as("SELECT id, name, kvk_number, created_at, updated_at FROM offices WHERE id = $1")
                        .bind(id)
                        .fetch_optional(self.conn().await?)
                        .await?;
                Ok(row.map(Into::into))
            }

            async fn lock_office(&mut self, id: uuid::Uuid) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE offices SET updated_at = updated_at WHERE id = $1")
                    .bind(id)
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn list_offices(
                &mut self,
                query: Option<&str>,
                limit: i64,
            ) -> Result<Vec<$crate::store::OfficeSummary>, $crate::store::StoreError> {
                let pattern = query.map($crate::store::sql::like_pattern);
                let rows: Vec<$crate::store::sql::OfficeSummaryRow> = sqlx::query_as(
                    "SELECT o.id, o.name, o.kvk_number, o.created_at, o.updated_at, \
                            (SELECT COUNT(*) FROM portfolios p WHERE p.office_id = o.id) AS portfolio_count, \
                            (SELECT COUNT(*) FROM accounts a WHERE a.office_id = o.id) AS account_count \
                     FROM offices o \
                     WHERE ($1 IS NULL OR LOWER(o.name) LIKE $1 ESCAPE '\\' OR o.kvk_number LIKE $1 ESCAPE '\\') \
                     ORDER BY LOWER(o.name), o.id LIMIT $2",
                )
                .bind(pattern)
                .bind(limit)
                .fetch_all(self.conn().await?)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn insert_portfolio(&mut self, p: &$crate::store::Portfolio) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO portfolios (id, office_id, agency_number, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(p.id)
                .bind(p.office_id)
                .bind(&p.agency_number)
                .bind(&p.name)
                .bind($crate::clock::to_millis(p.created_at))
                .bind($crate::clock::to_millis(p.updated_at))
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn update_portfolio(&mut self, p: &$crate::store::Portfolio) -> Result<(), $crate::store::StoreError> {
                if $crate::store::sql::is_postgres::<$db>() {
                    // The accounts whose rights copy the rename rewrites, locked before the
                    // portfolio row: the order in which a change of rights takes them.
                    sqlx::query(
                        "SELECT 1 FROM accounts WHERE id IN \
                         (SELECT account_id FROM account_rights WHERE portfolio_id = $1) ORDER BY id FOR UPDATE",
                    )
                    .bind(p.id)
                    .execute(self.conn().await?)
                    .await?;
                }
                sqlx::query("UPDATE portfolios SET agency_number = $2, name = $3, updated_at = $4 WHERE id = $1")
                    .bind(p.id)
                    .bind(&p.agency_number)
                    .bind(&p.name)
                    .bind($crate::clock::to_millis(p.updated_at))
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn get_portfolio(&mut self, id: uuid::Uuid) -> Result<Option<$crate::store::Portfolio>, $crate::store::StoreError> {
                let row: Option<$crate::store::sql::PortfolioRow> =
                    sqlx::query_as(concat!("SELECT ", portfolio_cols!(), " FROM portfolios WHERE id = $1"))
                        .bind(id)
                        .fetch_optional(self.conn().await?)
                        .await?;
                Ok(row.map(Into::into))
            }

            async fn portfolios_of(&mut self, office_id: uuid::Uuid) -> Result<Vec<$crate::store::Portfolio>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::sql::PortfolioRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    portfolio_cols!(),
                    " FROM portfolios WHERE office_id = $1 ORDER BY agency_number"
                ))
                .bind(office_id)
                .fetch_all(self.conn().await?)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn rights_catalogue(&mut self) -> Result<Vec<$crate::store::Right>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::sql::RightRow> =
                    sqlx::query_as("SELECT code, label_nl, label_en FROM rights ORDER BY position, code")
                        .fetch_all(self.conn().await?)
                        .await?;
                Ok(rows
                    .into_iter()
                    .map(|r| $crate::store::Right { code: r.code, label_nl: r.label_nl, label_en: r.label_en })
                    .collect())
            }

            async fn insert_account(&mut self, a: &$crate::store::Account) -> Result<(), $crate::store::StoreError> {
                sqlx::query(concat!(
                    "INSERT INTO accounts (",
                    account_cols!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
                ))
                .bind(a.id)
                .bind(a.office_id)
                .bind(a.role.as_str())
                .bind(&a.email)
                .bind(&a.email_key)
                .bind(&a.name)
                .bind(&a.mobile)
                .bind(a.status.as_str())
                .bind(&a.password_hash)
                .bind($crate::store::sql::opt_to_millis(a.password_changed_at))
                .bind(&a.totp_secret)
                .bind(a.totp_last_step)
                .bind(&a.ehk_pseudonym)
                .bind(a.failed_password_attempts)
                .bind($crate::store::sql::opt_to_millis(a.last_sign_in_at))
                .bind($crate::clock::to_millis(a.created_at))
                .bind($crate::clock::to_millis(a.updated_at))
                .bind(&a.pending_totp_secret)
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn update_account(&mut self, a: &$crate::store::Account) -> Result<(), $crate::store::StoreError> {
                let a = a.clone();
                self.defer(
                    "accounts",
                    "UPDATE accounts SET office_id = $2, role = $3, email = $4, email_key = $5, name = $6, mobile = $7, \
                     status = $8, password_hash = $9, password_changed_at = $10, totp_secret = $11, totp_last_step = $12, \
                     ehk_pseudonym = $13, failed_password_attempts = $14, last_sign_in_at = $15, updated_at = $16, \
                     pending_totp_secret = $17 WHERE id = $1",
                    Box::new(move |q| {
                        q.bind(a.id)
                            .bind(a.office_id)
                            .bind(a.role.as_str())
                            .bind(a.email)
                            .bind(a.email_key)
                            .bind(a.name)
                            .bind(a.mobile)
                            .bind(a.status.as_str())
                            .bind(a.password_hash)
                            .bind($crate::store::sql::opt_to_millis(a.password_changed_at))
                            .bind(a.totp_secret)
                            .bind(a.totp_last_step)
                            .bind(a.ehk_pseudonym)
                            .bind(a.failed_password_attempts)
                            .bind($crate::store::sql::opt_to_millis(a.last_sign_in_at))
                            .bind($crate::clock::to_millis(a.updated_at))
                            .bind(a.pending_totp_secret)
                    }),
                )
                .await
            }

            async fn lock_account(&mut self, id: uuid::Uuid) -> Result<Option<$crate::store::Account>, $crate::store::StoreError> {
                // PostgreSQL: a row lock until the end of the transaction. SQLite: a writing
                // transaction (BEGIN IMMEDIATE) already excludes every other writer.
                let sql = if $crate::store::sql::is_postgres::<$db>() {
                    concat!("SELECT ", account_cols!(), " FROM accounts WHERE id = $1 FOR UPDATE")
                } else {
                    concat!("SELECT ", account_cols!(), " FROM accounts WHERE id = $1")
                };
                let row: Option<$crate::store::sql::AccountRow> = sqlx::query_as(sql)
                .bind(id)
                .fetch_optional(self.conn().await?)
                .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn get_account(&mut self, id: uuid::Uuid) -> Result<Option<$crate::store::Account>, $crate::store::StoreError> {
                let row: Option<$crate::store::sql::AccountRow> =
                    sqlx::query_as(concat!("SELECT ", account_cols!(), " FROM accounts WHERE id = $1"))
                        .bind(id)
                        .fetch_optional(self.conn().await?)
                        .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn find_account_by_email(&mut self, email_key: &str) -> Result<Option<$crate::store::Account>, $crate::store::StoreError> {
                let row: Option<$crate::store::sql::AccountRow> =
                    sqlx::query_as(concat!("SELECT ", account_cols!(), " FROM accounts WHERE email_key = $1"))
                        .bind(email_key)
                        .fetch_optional(self.conn().await?)
                        .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn list_accounts(
                &mut self,
                office_id: Option<uuid::Uuid>,
                query: Option<&str>,
                limit: i64,
            ) -> Result<Vec<$crate::store::Account>, $crate::store::StoreError> {
                let pattern = query.map($crate::store::sql::like_pattern);
                let digits: Option<String> = query
                    .map(|q| q.chars().filter(char::is_ascii_digit).collect::<String>())
                    .filter(|d| d.len() >= 3)
                    .map(|d| {
                        // Dutch numbers are stored as +316…: search without the leading 0 of 06…
                        let d = d.strip_prefix('0').map(str::to_string).unwrap_or(d);
                        format!("%{d}%")
                    });
                let rows: Vec<$crate::store::sql::AccountRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    account_cols!(),
                    " FROM accounts \
                     WHERE ($1 IS NULL OR office_id = $1) \
                       AND ($2 IS NULL OR email_key LIKE $2 ESCAPE '\\' OR LOWER(name) LIKE $2 ESCAPE '\\' OR mobile LIKE $3) \
                     ORDER BY LOWER(name), id LIMIT $4"
                ))
                .bind(office_id)
                .bind(pattern)
                .bind(digits)
                .bind(limit)
                .fetch_all(self.conn().await?)
                .await?;
                $crate::store::sql::accounts(rows)
            }

            async fn count_active_admins(&mut self, office_id: uuid::Uuid) -> Result<i64, $crate::store::StoreError> {
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM accounts WHERE office_id = $1 AND role = 'office_admin' AND status = 'active'",
                )
                .bind(office_id)
                .fetch_one(self.conn().await?)
                .await?;
                Ok(n)
            }

            async fn count_active_operators(&mut self) -> Result<i64, $crate::store::StoreError> {
                let (n,): (i64,) =
                    sqlx::query_as("SELECT COUNT(*) FROM accounts WHERE role = 'operator' AND status = 'active'")
                        .fetch_one(self.conn().await?)
                        .await?;
                Ok(n)
            }

            async fn delete_account(&mut self, id: uuid::Uuid) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM accounts WHERE id = $1").bind(id).execute(self.conn().await?).await?;
                Ok(())
            }

            async fn forget_personal_data(
                &mut self,
                account_id: uuid::Uuid,
                email: &str,
                email_key: &str,
                mobile: Option<&str>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "DELETE FROM verification_codes WHERE subject_id = $1                      OR subject_id IN (SELECT id FROM invitations WHERE account_id = $1)",
                )
                .bind(account_id)
                .execute(self.conn().await?)
                .await?;
                sqlx::query("DELETE FROM outbox WHERE recipient = $1 OR recipient = $2 OR recipient = $3")
                    .bind(email)
                    .bind(email_key)
                    .bind(mobile)
                    .execute(self.conn().await?)
                    .await?;
                sqlx::query("DELETE FROM rate_limits WHERE key = $1 OR key = $2")
                    .bind(format!("invite:address:{email_key}"))
                    .bind(mobile.map(|m| format!("sms:number:{m}")))
                    .execute(self.conn().await?)
                    .await?;
                sqlx::query("UPDATE audit_events SET client_ip = NULL, user_agent = NULL WHERE actor_id = $1")
                    .bind(account_id)
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn rights_of_account(&mut self, account_id: uuid::Uuid) -> Result<Vec<$crate::store::AccountRight>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::sql::AccountRightRow> = sqlx::query_as(
                    "SELECT r.account_id, r.portfolio_id, p.agency_number, p.name AS portfolio_name, r.right_code \
                     FROM account_rights r JOIN portfolios p ON p.id = r.portfolio_id JOIN rights c ON c.code = r.right_code \
                     WHERE r.account_id = $1 ORDER BY p.agency_number, c.position",
                )
                .bind(account_id)
                .fetch_all(self.conn().await?)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn rights_in_office(&mut self, office_id: uuid::Uuid) -> Result<Vec<$crate::store::AccountRight>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::sql::AccountRightRow> = sqlx::query_as(
                    "SELECT r.account_id, r.portfolio_id, p.agency_number, p.name AS portfolio_name, r.right_code \
                     FROM account_rights r JOIN portfolios p ON p.id = r.portfolio_id JOIN rights c ON c.code = r.right_code \
                     WHERE p.office_id = $1 ORDER BY r.account_id, p.agency_number, c.position",
                )
                .bind(office_id)
                .fetch_all(self.conn().await?)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn replace_rights(
                &mut self,
                account_id: uuid::Uuid,
                rights: &[(uuid::Uuid, String)],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM account_rights WHERE account_id = $1")
                    .bind(account_id)
                    .execute(self.conn().await?)
                    .await?;
                for (portfolio_id, code) in rights {
                    sqlx::query(
                        "INSERT INTO account_rights (account_id, portfolio_id, right_code, granted_at) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(account_id)
                    .bind(*portfolio_id)
                    .bind(code)
                    .bind($crate::clock::to_millis(now))
                    .execute(self.conn().await?)
                    .await?;
                }
                Ok(())
            }

            async fn insert_invitation(&mut self, i: &$crate::store::Invitation) -> Result<(), $crate::store::StoreError> {
                sqlx::query(concat!(
                    "INSERT INTO invitations (",
                    invitation_cols!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
                ))
                .bind(i.id)
                .bind(i.account_id)
                .bind($crate::store::sql::invitation_kind_str(i.kind))
                .bind($crate::store::sql::invitation_status_str(i.status))
                .bind(i.step.as_str())
                .bind(i.created_by)
                .bind($crate::clock::to_millis(i.created_at))
                .bind($crate::clock::to_millis(i.expires_at))
                .bind($crate::store::sql::opt_to_millis(i.accepted_at))
                .bind($crate::store::sql::opt_to_millis(i.withdrawn_at))
                .bind(&i.pending_password_hash)
                .bind(&i.pending_mobile)
                .bind(&i.verified_mobile)
                .bind(&i.pending_totp_secret)
                .bind(&i.setup_token_hash)
                .bind($crate::store::sql::opt_to_millis(i.setup_token_expires_at))
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn update_invitation(&mut self, i: &$crate::store::Invitation) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE invitations SET status = $2, step = $3, expires_at = $4, accepted_at = $5, withdrawn_at = $6, \
                     pending_password_hash = $7, pending_mobile = $8, verified_mobile = $9, pending_totp_secret = $10, \
                     setup_token_hash = $11, setup_token_expires_at = $12 WHERE id = $1",
                )
                .bind(i.id)
                .bind($crate::store::sql::invitation_status_str(i.status))
                .bind(i.step.as_str())
                .bind($crate::clock::to_millis(i.expires_at))
                .bind($crate::store::sql::opt_to_millis(i.accepted_at))
                .bind($crate::store::sql::opt_to_millis(i.withdrawn_at))
                .bind(&i.pending_password_hash)
                .bind(&i.pending_mobile)
                .bind(&i.verified_mobile)
                .bind(&i.pending_totp_secret)
                .bind(&i.setup_token_hash)
                .bind($crate::store::sql::opt_to_millis(i.setup_token_expires_at))
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn get_invitation(&mut self, id: uuid::Uuid) -> Result<Option<$crate::store::Invitation>, $crate::store::StoreError> {
                let row: Option<$crate::store::sql::InvitationRow> =
                    sqlx::query_as(concat!("SELECT ", invitation_cols!(), " FROM invitations WHERE id = $1"))
                        .bind(id)
                        .fetch_optional(self.conn().await?)
                        .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn invitations_of_account(&mut self, account_id: uuid::Uuid) -> Result<Vec<$crate::store::Invitation>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::sql::InvitationRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    invitation_cols!(),
                    " FROM invitations WHERE account_id = $1 ORDER BY id DESC"
                ))
                .bind(account_id)
                .fetch_all(self.conn().await?)
                .await?;
                $crate::store::sql::invitations(rows)
            }

            async fn invitations_in_office(&mut self, office_id: uuid::Uuid) -> Result<Vec<$crate::store::Invitation>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::sql::InvitationRow> = sqlx::query_as(
                    "SELECT i.id, i.account_id, i.kind, i.status, i.step, i.created_by, i.created_at, i.expires_at, \
                            i.accepted_at, i.withdrawn_at, i.pending_password_hash, i.pending_mobile, i.verified_mobile, \
                            i.pending_totp_secret, i.setup_token_hash, i.setup_token_expires_at \
                     FROM invitations i JOIN accounts a ON a.id = i.account_id \
                     WHERE a.office_id = $1 ORDER BY i.id DESC",
                )
                .bind(office_id)
                .fetch_all(self.conn().await?)
                .await?;
                $crate::store::sql::invitations(rows)
            }

            async fn insert_link(&mut self, l: &$crate::store::InvitationLink) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO invitation_links (token_hash, invitation_id, created_at, expires_at, superseded_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&l.token_hash)
                .bind(l.invitation_id)
                .bind($crate::clock::to_millis(l.created_at))
                .bind($crate::clock::to_millis(l.expires_at))
                .bind($crate::store::sql::opt_to_millis(l.superseded_at))
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn find_link(&mut self, token_hash: &[u8]) -> Result<Option<$crate::store::InvitationLink>, $crate::store::StoreError> {
                let row: Option<$crate::store::sql::LinkRow> = sqlx::query_as(
                    "SELECT token_hash, invitation_id, created_at, expires_at, superseded_at FROM invitation_links WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(self.conn().await?)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn supersede_link(&mut self, token_hash: &[u8], now: chrono::DateTime<chrono::Utc>) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query("UPDATE invitation_links SET superseded_at = $2 WHERE token_hash = $1 AND superseded_at IS NULL")
                    .bind(token_hash)
                    .bind($crate::clock::to_millis(now))
                    .execute(self.conn().await?)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn supersede_links_of(&mut self, invitation_id: uuid::Uuid, now: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE invitation_links SET superseded_at = $2 WHERE invitation_id = $1 AND superseded_at IS NULL")
                    .bind(invitation_id)
                    .bind($crate::clock::to_millis(now))
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn insert_invitation_event(&mut self, e: &$crate::store::InvitationEvent) -> Result<(), $crate::store::StoreError> {
                sqlx::query("INSERT INTO invitation_events (id, invitation_id, kind, at, actor_id) VALUES ($1, $2, $3, $4, $5)")
                    .bind($crate::store::sql::new_id(e.at))
                    .bind(e.invitation_id)
                    .bind(e.kind.as_str())
                    .bind($crate::clock::to_millis(e.at))
                    .bind(e.actor_id)
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn events_of_invitation(&mut self, invitation_id: uuid::Uuid) -> Result<Vec<$crate::store::InvitationEvent>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::sql::EventRow> = sqlx::query_as(
                    "SELECT e.invitation_id, e.kind, e.at, e.actor_id, a.name AS actor_name \
                     FROM invitation_events e LEFT JOIN accounts a ON a.id = e.actor_id \
                     WHERE e.invitation_id = $1 ORDER BY e.id",
                )
                .bind(invitation_id)
                .fetch_all(self.conn().await?)
                .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn count_invitation_events_since(
                &mut self,
                invitation_id: uuid::Uuid,
                kind: poort_shared::dto::InvitationEventKind,
                since: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, $crate::store::StoreError> {
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM invitation_events WHERE invitation_id = $1 AND kind = $2 AND at >= $3",
                )
                .bind(invitation_id)
                .bind(kind.as_str())
                .bind($crate::clock::to_millis(since))
                .fetch_one(self.conn().await?)
                .await?;
                Ok(n)
            }

            async fn replace_code(&mut self, c: &$crate::store::VerificationCode) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE verification_codes SET consumed_at = $3 WHERE purpose = $1 AND subject_id = $2 AND consumed_at IS NULL",
                )
                .bind(&c.purpose)
                .bind(c.subject_id)
                .bind($crate::clock::to_millis(c.created_at))
                .execute(self.conn().await?)
                .await?;
                sqlx::query(concat!(
                    "INSERT INTO verification_codes (",
                    code_cols!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                ))
                .bind(c.id)
                .bind(&c.purpose)
                .bind(c.subject_id)
                .bind(&c.target)
                .bind(&c.code_hash)
                .bind(c.attempts)
                .bind($crate::clock::to_millis(c.created_at))
                .bind($crate::clock::to_millis(c.expires_at))
                .bind($crate::store::sql::opt_to_millis(c.consumed_at))
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn latest_code(
                &mut self,
                purpose: &str,
                subject_id: uuid::Uuid,
            ) -> Result<Option<$crate::store::VerificationCode>, $crate::store::StoreError> {
                let row: Option<$crate::store::sql::CodeRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    code_cols!(),
                    " FROM verification_codes WHERE purpose = $1 AND subject_id = $2 ORDER BY id DESC LIMIT 1"
                ))
                .bind(purpose)
                .bind(subject_id)
                .fetch_optional(self.conn().await?)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn count_code_attempt(&mut self, id: uuid::Uuid) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE verification_codes SET attempts = attempts + 1 WHERE id = $1")
                    .bind(id)
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn consume_code(&mut self, id: uuid::Uuid, now: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE verification_codes SET consumed_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind($crate::clock::to_millis(now))
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn insert_session(&mut self, s: &$crate::store::Session, token_hash: &[u8]) -> Result<(), $crate::store::StoreError> {
                let (s, token_hash) = (s.clone(), token_hash.to_vec());
                self.defer(
                    "sessions",
                    "INSERT INTO sessions (id, token_hash, account_id, created_at, last_seen_at, expires_at, ended_at, client_ip, user_agent, \
                     active_portfolio_id, reauthenticated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    Box::new(move |q| {
                        q.bind(s.id)
                            .bind(token_hash)
                            .bind(s.account_id)
                            .bind($crate::clock::to_millis(s.created_at))
                            .bind($crate::clock::to_millis(s.last_seen_at))
                            .bind($crate::clock::to_millis(s.expires_at))
                            .bind($crate::store::sql::opt_to_millis(s.ended_at))
                            .bind(s.client_ip)
                            .bind(s.user_agent)
                            .bind(s.active_portfolio_id)
                            .bind($crate::store::sql::opt_to_millis(s.reauthenticated_at))
                    }),
                )
                .await
            }

            async fn end_session(&mut self, id: uuid::Uuid, now: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL")
                    .bind(id)
                    .bind($crate::clock::to_millis(now))
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn end_sessions_of_account(&mut self, account_id: uuid::Uuid, now: chrono::DateTime<chrono::Utc>) -> Result<u64, $crate::store::StoreError> {
                let done = sqlx::query("UPDATE sessions SET ended_at = $2 WHERE account_id = $1 AND ended_at IS NULL")
                    .bind(account_id)
                    .bind($crate::clock::to_millis(now))
                    .execute(self.conn().await?)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn end_other_sessions(&mut self, account_id: uuid::Uuid, keep: uuid::Uuid, now: chrono::DateTime<chrono::Utc>) -> Result<u64, $crate::store::StoreError> {
                let done = sqlx::query("UPDATE sessions SET ended_at = $3 WHERE account_id = $1 AND id <> $2 AND ended_at IS NULL")
                    .bind(account_id)
                    .bind(keep)
                    .bind($crate::clock::to_millis(now))
                    .execute(self.conn().await?)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn sessions_of_account(&mut self, account_id: uuid::Uuid) -> Result<Vec<$crate::store::Session>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::sql::SessionRow> = sqlx::query_as(
                    "SELECT id, account_id, created_at, last_seen_at, expires_at, ended_at, client_ip, user_agent, active_portfolio_id, reauthenticated_at \
                     FROM sessions WHERE account_id = $1 AND ended_at IS NULL ORDER BY id DESC",
                )
                .bind(account_id)
                .fetch_all(self.conn().await?)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn set_session_portfolio(&mut self, id: uuid::Uuid, portfolio: Option<uuid::Uuid>) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE sessions SET active_portfolio_id = $2 WHERE id = $1")
                    .bind(id)
                    .bind(portfolio)
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn set_session_reauthenticated(&mut self, id: uuid::Uuid, at: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE sessions SET reauthenticated_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind($crate::clock::to_millis(at))
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn insert_sign_in(&mut self, a: &$crate::store::SignInAttempt, token_hash: &[u8]) -> Result<(), $crate::store::StoreError> {
                let (a, token_hash) = (a.clone(), token_hash.to_vec());
                self.defer(
                    "sign_in_attempts",
                    "INSERT INTO sign_in_attempts (id, token_hash, account_id, stage, failed_codes, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    Box::new(move |q| {
                        q.bind(a.id)
                            .bind(token_hash)
                            .bind(a.account_id)
                            .bind(a.stage.as_str())
                            .bind(a.failed_codes)
                            .bind($crate::clock::to_millis(a.created_at))
                            .bind($crate::clock::to_millis(a.expires_at))
                    }),
                )
                .await
            }

            async fn find_sign_in(
                &mut self,
                token_hash: &[u8],
                lock: bool,
            ) -> Result<Option<($crate::store::SignInAttempt, $crate::store::Account, Option<String>)>, $crate::store::StoreError> {
                macro_rules! select {
                    () => {
                        concat!(
                            "SELECT si.id AS si_id, si.account_id AS si_account_id, si.stage AS si_stage, \
                                    si.failed_codes AS si_failed_codes, si.created_at AS si_created_at, \
                                    si.expires_at AS si_expires_at, o.name AS si_office_name, ",
                            account_cols_a!(),
                            " FROM sign_in_attempts si JOIN accounts a ON a.id = si.account_id \
                             LEFT JOIN offices o ON o.id = a.office_id \
                             WHERE si.token_hash = $1"
                        )
                    };
                }
                // PostgreSQL locks the account row; in SQLite a writing transaction (BEGIN
                // IMMEDIATE) already excludes every other writer.
                let sql = if lock && $crate::store::sql::is_postgres::<$db>() {
                    concat!(select!(), " FOR UPDATE OF a")
                } else {
                    select!()
                };
                let row: Option<$crate::store::sql::SignInAccountRow> = sqlx::query_as(sql)
                    .bind(token_hash)
                    .fetch_optional(self.conn().await?)
                    .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn set_sign_in_stage(&mut self, id: uuid::Uuid, stage: $crate::store::SignInStage) -> Result<(), $crate::store::StoreError> {
                self.defer(
                    "sign_in_attempts",
                    "UPDATE sign_in_attempts SET stage = $2 WHERE id = $1",
                    Box::new(move |q| q.bind(id).bind(stage.as_str())),
                )
                .await
            }

            async fn count_sign_in_failure(&mut self, id: uuid::Uuid) -> Result<i32, $crate::store::StoreError> {
                let (n,): (i32,) = sqlx::query_as(
                    "UPDATE sign_in_attempts SET failed_codes = failed_codes + 1 WHERE id = $1 RETURNING failed_codes",
                )
                .bind(id)
                .fetch_one(self.conn().await?)
                .await?;
                Ok(n)
            }

            async fn count_wrong_password(&mut self, account_id: uuid::Uuid) -> Result<i32, $crate::store::StoreError> {
                let (n,): (i32,) = sqlx::query_as(
                    "UPDATE accounts SET failed_password_attempts = failed_password_attempts + 1 WHERE id = $1 \
                     RETURNING failed_password_attempts",
                )
                .bind(account_id)
                .fetch_one(self.conn().await?)
                .await?;
                Ok(n)
            }

            async fn claim_totp_step(&mut self, account_id: uuid::Uuid, step: i64) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE accounts SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
                )
                .bind(account_id)
                .bind(step)
                .execute(self.conn().await?)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn password_history(&mut self, account_id: uuid::Uuid, limit: i64) -> Result<Vec<String>, $crate::store::StoreError> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT password_hash FROM password_history WHERE account_id = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(account_id)
                .bind(limit)
                .fetch_all(self.conn().await?)
                .await?;
                Ok(rows.into_iter().map(|(h,)| h).collect())
            }

            async fn add_password_history(&mut self, account_id: uuid::Uuid, hash: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                sqlx::query("INSERT INTO password_history (id, account_id, password_hash, created_at) VALUES ($1, $2, $3, $4)")
                    .bind($crate::store::sql::new_id(now))
                    .bind(account_id)
                    .bind(hash)
                    .bind($crate::clock::to_millis(now))
                    .execute(self.conn().await?)
                    .await?;
                // Keep the last ten; older ones serve no rule.
                sqlx::query(
                    "DELETE FROM password_history WHERE account_id = $1 AND id NOT IN \
                     (SELECT id FROM password_history WHERE account_id = $1 ORDER BY id DESC LIMIT 10)",
                )
                .bind(account_id)
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn accounts_with_mobile(&mut self, mobile: &str) -> Result<Vec<$crate::store::Account>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::sql::AccountRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    account_cols!(),
                    " FROM accounts WHERE mobile = $1 AND status IN ('active', 'blocked') ORDER BY id"
                ))
                .bind(mobile)
                .fetch_all(self.conn().await?)
                .await?;
                $crate::store::sql::accounts(rows)
            }

            async fn office_admins(&mut self, office_id: uuid::Uuid) -> Result<Vec<$crate::store::Account>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::sql::AccountRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    account_cols!(),
                    " FROM accounts WHERE office_id = $1 AND role = 'office_admin' AND status = 'active' ORDER BY LOWER(name)"
                ))
                .bind(office_id)
                .fetch_all(self.conn().await?)
                .await?;
                $crate::store::sql::accounts(rows)
            }

            async fn insert_password_reset(&mut self, r: &$crate::store::PasswordReset, token_hash: &[u8]) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO password_resets (id, token_hash, account_id, created_at, expires_at, verified_at, used_at, failed_codes) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(r.id)
                .bind(token_hash)
                .bind(r.account_id)
                .bind($crate::clock::to_millis(r.created_at))
                .bind($crate::clock::to_millis(r.expires_at))
                .bind($crate::store::sql::opt_to_millis(r.verified_at))
                .bind($crate::store::sql::opt_to_millis(r.used_at))
                .bind(r.failed_codes)
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn find_password_reset(&mut self, token_hash: &[u8]) -> Result<Option<$crate::store::PasswordReset>, $crate::store::StoreError> {
                let row: Option<$crate::store::sql::ResetRow> = sqlx::query_as(
                    "SELECT id, account_id, created_at, expires_at, verified_at, used_at, failed_codes FROM password_resets WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(self.conn().await?)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn update_password_reset(&mut self, r: &$crate::store::PasswordReset) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE password_resets SET verified_at = $2, used_at = $3, failed_codes = $4 WHERE id = $1")
                    .bind(r.id)
                    .bind($crate::store::sql::opt_to_millis(r.verified_at))
                    .bind($crate::store::sql::opt_to_millis(r.used_at))
                    .bind(r.failed_codes)
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn enqueue(
                &mut self,

                messages: &[$crate::store::NewMessage],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<uuid::Uuid>, $crate::store::StoreError> {
                <$store>::insert_messages(self.conn().await?, messages, now).await
            }

            async fn audit(&mut self, r: &$crate::store::AuditRecord, now: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                let (id, r) = ($crate::store::sql::new_id(now), r.clone());
                self.defer(
                    "audit_events",
                    "INSERT INTO audit_events (id, at, actor_id, action, target_account_id, office_id, client_ip, user_agent, details) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    Box::new(move |q| {
                        q.bind(id)
                            .bind($crate::clock::to_millis(now))
                            .bind(r.actor_id)
                            .bind(r.action)
                            .bind(r.target_account_id)
                            .bind(r.office_id)
                            .bind(r.client_ip)
                            .bind(r.user_agent)
                            .bind(r.details.to_string())
                    }),
                )
                .await
            }
        }
    };
}
