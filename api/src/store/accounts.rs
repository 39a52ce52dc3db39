//! Accounts: created whole, then changed by narrow writes, each naming what changes (a status,
//! a password, a mobile number, an authenticator…) so two changes to different parts of an
//! account never overwrite each other. Writes whose result nobody waits for are deferred (on
//! PostgreSQL they go with the transaction's next statement; see `PgTx`). The e-mail address
//! is unique case-insensitively (`Conflict`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use poort_shared::dto::{AccountStatus, Role};
use poort_shared::validate::{Email, MobileNumber};
use uuid::Uuid;

use super::StoreError;
use super::sql::{opt_millis, parse_enum, parse_text};
use crate::clock::from_millis;
use crate::domain::Account;
use crate::domain::invitation::Activation;

#[async_trait]
pub trait Accounts: Send {
    /// Fails with `Conflict` when the e-mail address is taken.
    async fn insert_account(&mut self, account: &Account) -> Result<(), StoreError>;
    async fn get_account(&mut self, id: Uuid) -> Result<Option<Account>, StoreError>;
    /// Reads the account and takes its row lock (PostgreSQL; an SQLite write transaction
    /// excludes other writers already). Only in write transactions.
    async fn lock_account(&mut self, id: Uuid) -> Result<Option<Account>, StoreError>;
    async fn find_account_by_email(
        &mut self,
        email_key: &str,
    ) -> Result<Option<Account>, StoreError>;
    /// Accounts of one office (or of all), optionally matching part of an e-mail address,
    /// name or mobile number; by name. Across offices a fragment of one or two characters
    /// matches the beginning of the name or e-mail address only.
    async fn list_accounts(
        &mut self,
        office_id: Option<Uuid>,
        query: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Account>, StoreError>;
    /// A page of [`Accounts::list_accounts`], narrowed by a filter, with each account's office
    /// name and rights, in one query.
    async fn list_accounts_described(
        &mut self,
        listing: &Listing<'_>,
    ) -> Result<Vec<Described>, StoreError>;
    /// The relations team's numbers (see [`Overview`]).
    async fn overview(&mut self, now: DateTime<Utc>) -> Result<Overview, StoreError>;
    /// The accounts given that exist (one query), in no particular order.
    async fn accounts_by_ids(&mut self, ids: &[Uuid]) -> Result<Vec<Account>, StoreError>;
    /// The office's active user administrators, by name.
    async fn office_admins(&mut self, office_id: Uuid) -> Result<Vec<Account>, StoreError>;
    async fn count_active_admins(&mut self, office_id: Uuid) -> Result<i64, StoreError>;
    async fn count_active_operators(&mut self) -> Result<i64, StoreError>;
    /// Active and blocked accounts with this mobile number (forgot e-mail address).
    async fn accounts_with_mobile(
        &mut self,
        mobile: &MobileNumber,
    ) -> Result<Vec<Account>, StoreError>;
    async fn delete_account(&mut self, id: Uuid) -> Result<(), StoreError>;
    /// Removes what else identifies a person about to be deleted: their codes and code
    /// counters, messages to `recipients` in the outbox, the rate-limit counters under
    /// `limit_keys`, and the addresses and browsers in audit events they caused (the events
    /// stay, pseudonymous).
    async fn forget_personal_data(
        &mut self,
        account_id: Uuid,
        recipients: &[String],
        limit_keys: &[String],
    ) -> Result<(), StoreError>;

    /// Counts a wrong password (atomic, so instances share it); returns the new count of wrong
    /// passwords in a row.
    async fn count_wrong_password(&mut self, id: Uuid) -> Result<i32, StoreError>;
    /// Ends a run of wrong passwords (see `domain::lockout::ends_run`).
    async fn clear_wrong_passwords(&mut self, id: Uuid) -> Result<(), StoreError>;
    /// Counts a wrong second-factor code on the account (atomic); returns the new count of
    /// wrong codes in a row.
    async fn count_wrong_second_factor(&mut self, id: Uuid) -> Result<i32, StoreError>;
    /// Ends a run of wrong codes (a right code).
    async fn clear_wrong_second_factors(&mut self, id: Uuid) -> Result<(), StoreError>;
    /// A new status (not deactivation: see [`Self::deactivate`]).
    async fn set_status(
        &mut self,
        id: Uuid,
        status: AccountStatus,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Deactivates, keeping the status it had for a reactivation.
    async fn deactivate(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError>;
    async fn set_role(
        &mut self,
        id: Uuid,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The account in another office, with this role.
    async fn move_account(
        &mut self,
        id: Uuid,
        office_id: Uuid,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// A new password (its age starts now).
    async fn set_password(
        &mut self,
        id: Uuid,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The same password hashed with today's cost (its age stays).
    async fn rehash_password(&mut self, id: Uuid, hash: &str) -> Result<(), StoreError>;
    /// A completed sign-in: its time, the authenticator step it used (if any), and the end of
    /// any run of wrong passwords or codes.
    async fn record_sign_in(
        &mut self,
        id: Uuid,
        now: DateTime<Utc>,
        totp_step: Option<i64>,
    ) -> Result<(), StoreError>;
    /// Accepts an authenticator time step once: true if it is newer than the last accepted
    /// (atomic: of two uses of one code, one wins, across instances).
    async fn claim_totp_step(&mut self, id: Uuid, step: i64) -> Result<bool, StoreError>;
    /// Writes an authenticator step already checked against the locked account row.
    async fn set_totp_step(&mut self, id: Uuid, step: i64) -> Result<(), StoreError>;
    async fn set_mobile(
        &mut self,
        id: Uuid,
        mobile: Option<&MobileNumber>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// A new authenticator waiting for its first code (encrypted), or none.
    async fn set_pending_totp(
        &mut self,
        id: Uuid,
        secret: Option<&[u8]>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The authenticator (encrypted) and the step of its first code, replacing the previous
    /// one and any waiting one; `None` removes it.
    async fn set_totp(
        &mut self,
        id: Uuid,
        secret: Option<(&[u8], i64)>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// A finished set-up: password, mobile number and authenticator (or none, when a passkey
    /// took its place: `totp_step` `None`), and the account active.
    async fn activate(
        &mut self,
        id: Uuid,
        activation: &Activation,
        totp_step: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// A reset of the sign-in set-up: password, authenticator and eHerkenning link removed,
    /// the count of wrong codes ended, the account invited again (its mobile number stays).
    async fn clear_sign_in_set_up(
        &mut self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// An account whose invitation was withdrawn, invited again: who it is now.
    async fn reinvite(
        &mut self,
        id: Uuid,
        name: &str,
        email: &Email,
        role: Role,
        office_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Earlier password hashes, newest first.
    async fn password_history(&mut self, id: Uuid, limit: i64) -> Result<Vec<String>, StoreError>;
    /// Keeps a replaced password's hash (the last ten are kept).
    async fn add_password_history(
        &mut self,
        id: Uuid,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    pub id: Uuid,
    pub office_id: Option<Uuid>,
    pub role: String,
    pub email: String,
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
    pub failed_codes: i32,
    pub deactivated_from: Option<String>,
    pub passkeys: i32,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;
    fn try_from(r: AccountRow) -> Result<Self, StoreError> {
        Ok(Account {
            id: r.id,
            office_id: r.office_id,
            role: parse_enum(&r.role, "accounts.role", Role::parse)?,
            email: parse_text(&r.email, "accounts.email", Email::parse)?,
            name: r.name,
            mobile: r
                .mobile
                .map(|m| parse_text(&m, "accounts.mobile", MobileNumber::parse))
                .transpose()?,
            status: parse_enum(&r.status, "accounts.status", AccountStatus::parse)?,
            password_hash: r.password_hash,
            password_changed_at: opt_millis(r.password_changed_at),
            totp_secret: r.totp_secret,
            totp_last_step: r.totp_last_step,
            pending_totp_secret: r.pending_totp_secret,
            ehk_pseudonym: r.ehk_pseudonym,
            passkeys: r.passkeys,
            wrong_passwords: r.failed_password_attempts,
            wrong_codes: r.failed_codes,
            deactivated_from: r
                .deactivated_from
                .map(|s| parse_enum(&s, "accounts.deactivated_from", AccountStatus::parse))
                .transpose()?,
            last_sign_in_at: opt_millis(r.last_sign_in_at),
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
        })
    }
}

/// The columns of `accounts` as [`AccountRow`] reads them, as macros so `concat!` can build
/// `&'static str` statements from them.
macro_rules! account_cols {
    () => {
        "id, office_id, role, email, name, mobile, status, password_hash, password_changed_at, totp_secret, totp_last_step, ehk_pseudonym, failed_password_attempts, last_sign_in_at, created_at, updated_at, pending_totp_secret, failed_codes, deactivated_from, passkeys"
    };
}
/// [`account_cols`] of the table aliased `a`, for joins.
macro_rules! account_cols_a {
    () => {
        "a.id, a.office_id, a.role, a.email, a.name, a.mobile, a.status, a.password_hash, a.password_changed_at, a.totp_secret, a.totp_last_step, a.ehk_pseudonym, a.failed_password_attempts, a.last_sign_in_at, a.created_at, a.updated_at, a.pending_totp_secret, a.failed_codes, a.deactivated_from, a.passkeys"
    };
}

/// What a search of accounts by a fragment of e-mail address, name or mobile number matches.
pub mod search {
    /// A fragment as the statements take it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Fragment {
        /// The fragment in lower case.
        pub text: String,
        /// `%text%`, wildcards escaped.
        pub like: String,
        /// The digits of a fragment with three or more, as a LIKE pattern on the stored
        /// `+316…` form (without the leading 0 of `06…`).
        pub digits_like: Option<String>,
        digits: Option<String>,
    }

    impl Fragment {
        pub fn new(query: &str) -> Self {
            let digits: Option<String> = Some(
                query
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect::<String>(),
            )
            .map(|d| d.strip_prefix('0').map(str::to_string).unwrap_or(d))
            // Three digits or more after the 0 (what every path, the trigram index too, takes).
            .filter(|d| d.len() >= 3);
            Fragment {
                text: query.to_lowercase(),
                like: crate::store::sql::like_pattern(query),
                digits_like: digits.as_ref().map(|d| format!("%{d}%")),
                digits,
            }
        }

        /// `text%`, wildcards escaped: the beginning of a name or address.
        pub fn prefix_like(&self) -> String {
            let like = &self.like;
            format!("{}%", &like[1..like.len() - 1])
        }

        /// The first text after every text that begins with the fragment (for a range over
        /// an index in binary order).
        pub fn prefix_end(&self) -> String {
            format!("{}\u{10FFFF}", self.text)
        }

        /// Whether a trigram index can find it (three characters or more); across offices a
        /// shorter one matches the beginning of the name or e-mail address.
        pub fn indexed(&self) -> bool {
            self.text.chars().count() >= 3
        }

        /// The FTS5 query for SQLite's trigram index: the fragment in e-mail address or name,
        /// or its digits in the mobile number (each a quoted phrase: no operator of the user's).
        pub fn fts_query(&self) -> String {
            let phrase = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            let mut q = format!("{{email_key name}} : {}", phrase(&self.text));
            if let Some(d) = self.digits.as_ref().filter(|d| d.chars().count() >= 3) {
                q.push_str(&format!(" OR mobile : {}", phrase(d)));
            }
            q
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_fragment_is_quoted_and_its_digits_searched_in_the_mobile_number() {
            let f = Fragment::new("Jan \"de\" 06-123");
            assert_eq!(f.like, "%jan \"de\" 06-123%");
            assert_eq!(f.digits_like.as_deref(), Some("%6123%"));
            assert_eq!(
                f.fts_query(),
                "{email_key name} : \"jan \"\"de\"\" 06-123\" OR mobile : \"6123\""
            );
            assert!(!Fragment::new("ab").indexed());
            assert_eq!(Fragment::new("A_").prefix_like(), "a\\_%");
            assert_eq!(Fragment::new("ab").digits_like, None);
            assert_eq!(Fragment::new("012").digits_like, None);
        }
    }
}

/// The statement of an account listing, built per case so each is planned for what it filters
/// on (public for the tests that check their plans).
pub mod list_sql {
    use poort_shared::dto::{AccountStatus, FactorFilter};

    /// What a listing is narrowed to besides the office and the search fragment.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    pub struct Filter {
        pub status: Option<AccountStatus>,
        /// Only accounts of an office without any right.
        pub without_rights: bool,
        /// Only accounts that have this factor set up.
        pub factor: Option<FactorFilter>,
    }

    impl Filter {
        /// The conditions, as SQL over `accounts` (wire names of closed sets: no input).
        ///
        /// `status_by_index`: whether the status may be found through its index
        /// (`accounts_status_by_name`), which serves a page of every office's accounts with one
        /// status. Narrower paths (one office's index, the partial index of accounts without
        /// rights, a search) must not lose to it: a planner without statistics would walk every
        /// active account to fill a page of a small office. There the status is written
        /// `(status || '') = …`, which no index serves, on both databases.
        pub fn conditions(&self, status_by_index: bool) -> Vec<String> {
            let mut out = Vec::new();
            if let Some(status) = self.status {
                let column = if status_by_index {
                    "status"
                } else {
                    "(status || '')"
                };
                out.push(format!("{column} = '{}'", status.as_str()));
            }
            if self.without_rights {
                // Of an office: not the relations team's (`role` has no index, so the partial
                // index of accounts without rights is the way in; `office_id IS NOT NULL` would
                // offer the office index instead).
                out.push("rights_json IS NULL AND role <> 'operator'".to_string());
            }
            if let Some(factor) = self.factor {
                let column = match factor {
                    FactorFilter::Authenticator => "totp_secret",
                    FactorFilter::Sms => "mobile",
                    FactorFilter::Eherkenning => "ehk_pseudonym",
                    FactorFilter::Passkey => "NULLIF(passkeys, 0)",
                };
                out.push(format!("{column} IS NOT NULL"));
            }
            out
        }
    }

    /// A parameter of a statement.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Bind {
        Id(uuid::Uuid),
        Text(Option<String>),
        Int(i64),
    }

    /// The statement for a listing and its parameters: accounts of one office (or of every
    /// office), matching a fragment of e-mail address, name or mobile number, narrowed by
    /// `filter`, by name, `limit` from `offset`.
    ///
    /// Across offices PostgreSQL's trigram indexes serve the LIKEs; SQLite's FTS5 trigram
    /// index fragments of three characters or more; a shorter fragment matches the beginning
    /// of the name or e-mail address only (PostgreSQL: the anchored pattern; SQLite: ranges
    /// over the name and address indexes). In one office the office's index narrows first.
    pub fn statement(
        postgres: bool,
        office_id: Option<uuid::Uuid>,
        query: Option<&str>,
        filter: &Filter,
        limit: i64,
        offset: i64,
    ) -> (String, Vec<Bind>) {
        let mut binds = Vec::new();
        let mut bind = |b: Bind| {
            binds.push(b);
            format!("${}", binds.len())
        };
        let status_by_index = office_id.is_none() && query.is_none() && !filter.without_rights;
        let search = query.map(super::search::Fragment::new);
        let case = match (search, office_id) {
            (None, Some(office)) => Some(format!("office_id = {}", bind(Bind::Id(office)))),
            (None, None) => None,
            (Some(f), Some(office)) => {
                let office = bind(Bind::Id(office));
                let like = bind(Bind::Text(Some(f.like)));
                let digits = bind(Bind::Text(f.digits_like));
                Some(format!(
                    "office_id = {office} AND (email_key LIKE {like} ESCAPE '\\' OR LOWER(name) LIKE {like} ESCAPE '\\' OR mobile LIKE {digits})"
                ))
            }
            (Some(f), None) if !postgres && f.indexed() => Some(format!(
                "search_id IN (SELECT rowid FROM accounts_search WHERE accounts_search MATCH {})",
                bind(Bind::Text(Some(f.fts_query())))
            )),
            (Some(f), None) if !f.indexed() && postgres => {
                let prefix = bind(Bind::Text(Some(f.prefix_like())));
                Some(format!(
                    "(email_key LIKE {prefix} ESCAPE '\\' OR LOWER(name) LIKE {prefix} ESCAPE '\\')"
                ))
            }
            (Some(f), None) if !f.indexed() => {
                let (from, to) = (
                    bind(Bind::Text(Some(f.text.clone()))),
                    bind(Bind::Text(Some(f.prefix_end()))),
                );
                Some(format!(
                    "((LOWER(name) >= {from} AND LOWER(name) < {to}) OR (email_key >= {from} AND email_key < {to}))"
                ))
            }
            (Some(f), None) => {
                let like = bind(Bind::Text(Some(f.like)));
                let digits = bind(Bind::Text(f.digits_like));
                Some(format!(
                    "(email_key LIKE {like} ESCAPE '\\' OR LOWER(name) LIKE {like} ESCAPE '\\' OR mobile LIKE {digits})"
                ))
            }
        };
        let conditions: Vec<String> = case
            .into_iter()
            .chain(filter.conditions(status_by_index))
            .collect();
        let mut sql = concat!("SELECT ", account_cols!(), " FROM accounts").to_string();
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(&format!(
            " ORDER BY LOWER(name), id LIMIT {}",
            bind(Bind::Int(limit))
        ));
        if offset > 0 {
            sql.push_str(&format!(" OFFSET {}", bind(Bind::Int(offset))));
        }
        (sql, binds)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn filters_and_paging_narrow_every_case() {
            let office = uuid::Uuid::nil();
            let filter = Filter {
                status: Some(AccountStatus::Active),
                without_rights: true,
                factor: Some(FactorFilter::Sms),
            };
            let (sql, binds) = statement(true, Some(office), None, &filter, 50, 100);
            assert!(sql.ends_with(
                "FROM accounts WHERE office_id = $1 AND (status || '') = 'active' AND rights_json IS NULL \
                 AND role <> 'operator' AND mobile IS NOT NULL ORDER BY LOWER(name), id LIMIT $2 OFFSET $3"
            ), "{sql}");
            assert_eq!(binds, vec![Bind::Id(office), Bind::Int(50), Bind::Int(100)]);
            // Every office's accounts of one status: through the status index.
            let blocked = Filter {
                status: Some(AccountStatus::Blocked),
                ..Filter::default()
            };
            let (sql, _) = statement(false, None, None, &blocked, 50, 0);
            assert!(sql.contains("WHERE status = 'blocked' ORDER BY"), "{sql}");
            // Without anything: every account, no WHERE, no OFFSET.
            let (sql, binds) = statement(false, None, None, &Filter::default(), 200, 0);
            assert!(
                sql.ends_with("FROM accounts ORDER BY LOWER(name), id LIMIT $1"),
                "{sql}"
            );
            assert_eq!(binds, vec![Bind::Int(200)]);
            // A short fragment across offices: the alternatives stay together before the filter.
            let (sql, _) = statement(true, None, Some("ab"), &filter, 50, 0);
            assert!(sql.contains(
                "WHERE (email_key LIKE $1 ESCAPE '\\' OR LOWER(name) LIKE $1 ESCAPE '\\') AND (status || '') = 'active'"
            ), "{sql}");
            let (sql, binds) = statement(false, None, Some("ab"), &filter, 50, 0);
            assert!(sql.contains("((LOWER(name) >= $1 AND LOWER(name) < $2) OR (email_key >= $1 AND email_key < $2)) AND"), "{sql}");
            assert_eq!(binds.len(), 3);
            let (sql, _) = statement(false, None, Some("olga"), &Filter::default(), 50, 0);
            assert!(sql.contains("WHERE search_id IN (SELECT rowid FROM accounts_search WHERE accounts_search MATCH $1) ORDER BY"), "{sql}");
        }
    }
}

/// A page of accounts as administrators list them.
#[derive(Debug, Clone, Default)]
pub struct Listing<'a> {
    pub office_id: Option<Uuid>,
    pub query: Option<&'a str>,
    pub filter: list_sql::Filter,
    pub limit: i64,
    pub offset: i64,
}

/// The relations team's numbers, each what a filtered list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Overview {
    pub offices: i64,
    pub active_accounts: i64,
    pub blocked_accounts: i64,
    pub accounts_without_rights: i64,
    pub open_invitations: i64,
    pub expired_invitations: i64,
    pub dead_letters: i64,
}

/// The statement of [`Overview`]: `$1` now (Unix milliseconds). Each count reads an index
/// alone (the accounts without rights: the partial index that holds only them; see
/// [`list_sql::Filter::conditions`] for the status written so no other index is chosen).
pub const OVERVIEW_SQL: &str = "SELECT \
    (SELECT COUNT(*) FROM offices) AS offices, \
    (SELECT COUNT(*) FROM accounts WHERE status = 'active') AS active_accounts, \
    (SELECT COUNT(*) FROM accounts WHERE status = 'blocked') AS blocked_accounts, \
    (SELECT COUNT(*) FROM accounts WHERE (status || '') = 'active' \
     AND rights_json IS NULL AND role <> 'operator') AS accounts_without_rights, \
    (SELECT COUNT(*) FROM invitations WHERE status = 'open' AND expires_at > $1) AS open_invitations, \
    (SELECT COUNT(*) FROM invitations WHERE status = 'open' AND expires_at <= $1) AS expired_invitations, \
    (SELECT COUNT(*) FROM outbox WHERE status = 'dead') AS dead_letters";

/// An account as listed for administrators: with its office's name and its rights.
#[derive(Debug, Clone, PartialEq)]
pub struct Described {
    pub account: Account,
    pub office_name: Option<String>,
    pub rights: Vec<crate::domain::AccountRight>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct DescribedRow {
    #[sqlx(flatten)]
    account: AccountRow,
    l_office_name: Option<String>,
    l_rights: Option<String>,
}

impl TryFrom<DescribedRow> for Described {
    type Error = StoreError;
    fn try_from(row: DescribedRow) -> Result<Self, StoreError> {
        let rights = super::sessions::rights_from_copy(row.account.id, row.l_rights.as_deref())?;
        Ok(Described {
            account: row.account.try_into()?,
            office_name: row.l_office_name,
            rights,
        })
    }
}

macro_rules! accounts_sql {
    ($tx:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::accounts::Accounts for $tx {
            async fn insert_account(&mut self, a: &$crate::domain::Account) -> Result<(), $crate::store::StoreError> {
                sqlx::query(concat!(
                    "INSERT INTO accounts (email_key, ",
                    account_cols!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"
                ))
                .bind(a.email_key())
                .bind(a.id)
                .bind(a.office_id)
                .bind(a.role.as_str())
                .bind(a.email.as_str())
                .bind(&a.name)
                .bind(a.mobile.as_ref().map(|m| m.as_str()))
                .bind(a.status.as_str())
                .bind(&a.password_hash)
                .bind($crate::store::sql::opt_to_millis(a.password_changed_at))
                .bind(&a.totp_secret)
                .bind(a.totp_last_step)
                .bind(&a.ehk_pseudonym)
                .bind(a.wrong_passwords)
                .bind($crate::store::sql::opt_to_millis(a.last_sign_in_at))
                .bind($crate::clock::to_millis(a.created_at))
                .bind($crate::clock::to_millis(a.updated_at))
                .bind(&a.pending_totp_secret)
                .bind(a.wrong_codes)
                .bind(a.deactivated_from.map(|s| s.as_str()))
                .bind(a.passkeys)
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn get_account(&mut self, id: uuid::Uuid) -> Result<Option<$crate::domain::Account>, $crate::store::StoreError> {
                let row: Option<$crate::store::accounts::AccountRow> =
                    sqlx::query_as(concat!("SELECT ", account_cols!(), " FROM accounts WHERE id = $1"))
                        .bind(id)
                        .fetch_optional(self.conn().await?)
                        .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn lock_account(&mut self, id: uuid::Uuid) -> Result<Option<$crate::domain::Account>, $crate::store::StoreError> {
                let sql = if $crate::store::sql::is_postgres::<$db>() {
                    concat!("SELECT ", account_cols!(), " FROM accounts WHERE id = $1 FOR UPDATE")
                } else {
                    concat!("SELECT ", account_cols!(), " FROM accounts WHERE id = $1")
                };
                let row: Option<$crate::store::accounts::AccountRow> = sqlx::query_as(sql)
                    .bind(id)
                    .fetch_optional(self.conn().await?)
                    .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn find_account_by_email(&mut self, email_key: &str) -> Result<Option<$crate::domain::Account>, $crate::store::StoreError> {
                let row: Option<$crate::store::accounts::AccountRow> =
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
            ) -> Result<Vec<$crate::domain::Account>, $crate::store::StoreError> {
                use $crate::store::accounts::list_sql::{self, Bind, Filter};
                let (sql, binds) = list_sql::statement($crate::store::sql::is_postgres::<$db>(), office_id, query, &Filter::default(), limit, 0);
                let mut q = sqlx::query_as::<_, $crate::store::accounts::AccountRow>(sqlx::AssertSqlSafe(sql));
                for bind in binds {
                    q = match bind {
                        Bind::Id(v) => q.bind(v),
                        Bind::Text(v) => q.bind(v),
                        Bind::Int(v) => q.bind(v),
                    };
                }
                $crate::store::offices::all(q.fetch_all(self.conn().await?).await?)
            }

            async fn list_accounts_described(
                &mut self,
                listing: &$crate::store::accounts::Listing<'_>,
            ) -> Result<Vec<$crate::store::accounts::Described>, $crate::store::StoreError> {
                use $crate::store::accounts::list_sql::{self, Bind};
                let (sql, binds) = list_sql::statement(
                    $crate::store::sql::is_postgres::<$db>(),
                    listing.office_id,
                    listing.query,
                    &listing.filter,
                    listing.limit,
                    listing.offset,
                );
                // The same page, with each account's office name and copy of its rights: one
                // row per account.
                let sql = format!(
                    "SELECT l.*, o.name AS l_office_name, r.rights_json AS l_rights FROM ({sql}) l \
                     JOIN accounts r ON r.id = l.id LEFT JOIN offices o ON o.id = l.office_id \
                     ORDER BY LOWER(l.name), l.id"
                );
                let mut q = sqlx::query_as::<_, $crate::store::accounts::DescribedRow>(sqlx::AssertSqlSafe(sql));
                for bind in binds {
                    q = match bind {
                        Bind::Id(v) => q.bind(v),
                        Bind::Text(v) => q.bind(v),
                        Bind::Int(v) => q.bind(v),
                    };
                }
                q.fetch_all(self.conn().await?)
                    .await?
                    .into_iter()
                    .map(TryInto::try_into)
                    .collect()
            }

            async fn overview(&mut self, now: chrono::DateTime<chrono::Utc>) -> Result<$crate::store::accounts::Overview, $crate::store::StoreError> {
                Ok(sqlx::query_as($crate::store::accounts::OVERVIEW_SQL)
                    .bind($crate::clock::to_millis(now))
                    .fetch_one(self.conn().await?)
                    .await?)
            }

            async fn accounts_by_ids(&mut self, ids: &[uuid::Uuid]) -> Result<Vec<$crate::domain::Account>, $crate::store::StoreError> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = if $crate::store::sql::is_postgres::<$db>() {
                    concat!("SELECT ", account_cols!(), " FROM accounts WHERE id = ANY(CAST($1 AS uuid[]))")
                } else {
                    concat!("SELECT ", account_cols!(), " FROM accounts WHERE id IN (SELECT unhex(value) FROM json_each($1))")
                };
                let rows: Vec<$crate::store::accounts::AccountRow> = sqlx::query_as(sql)
                    .bind($crate::store::sql::id_list::<$db>(ids))
                    .fetch_all(self.conn().await?)
                    .await?;
                $crate::store::offices::all(rows)
            }

            async fn office_admins(&mut self, office_id: uuid::Uuid) -> Result<Vec<$crate::domain::Account>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::accounts::AccountRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    account_cols!(),
                    " FROM accounts WHERE office_id = $1 AND role = 'office_admin' AND status = 'active' ORDER BY LOWER(name)"
                ))
                .bind(office_id)
                .fetch_all(self.conn().await?)
                .await?;
                $crate::store::offices::all(rows)
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

            async fn accounts_with_mobile(
                &mut self,
                mobile: &poort_shared::validate::MobileNumber,
            ) -> Result<Vec<$crate::domain::Account>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::accounts::AccountRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    account_cols!(),
                    " FROM accounts WHERE mobile = $1 AND status IN ('active', 'blocked') ORDER BY id"
                ))
                .bind(mobile.as_str())
                .fetch_all(self.conn().await?)
                .await?;
                $crate::store::offices::all(rows)
            }

            async fn delete_account(&mut self, id: uuid::Uuid) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM accounts WHERE id = $1").bind(id).execute(self.conn().await?).await?;
                Ok(())
            }

            async fn forget_personal_data(
                &mut self,
                account_id: uuid::Uuid,
                recipients: &[String],
                limit_keys: &[String],
            ) -> Result<(), $crate::store::StoreError> {
                // Every subject a code can be for: the account, its invitations, sign-ins and
                // reset links.
                for table in [
                    "DELETE FROM verification_codes WHERE subject_id = $1 \
                       OR subject_id IN (SELECT id FROM invitations WHERE account_id = $1) \
                       OR subject_id IN (SELECT id FROM sign_in_attempts WHERE account_id = $1) \
                       OR subject_id IN (SELECT id FROM password_resets WHERE account_id = $1)",
                    "DELETE FROM code_attempts WHERE subject_id = $1 \
                       OR subject_id IN (SELECT id FROM invitations WHERE account_id = $1) \
                       OR subject_id IN (SELECT id FROM sign_in_attempts WHERE account_id = $1) \
                       OR subject_id IN (SELECT id FROM password_resets WHERE account_id = $1)",
                    "UPDATE audit_events SET client_ip = NULL, user_agent = NULL WHERE actor_id = $1",
                ] {
                    sqlx::query(table).bind(account_id).execute(self.conn().await?).await?;
                }
                for recipient in recipients {
                    sqlx::query("DELETE FROM outbox WHERE recipient = $1")
                        .bind(recipient)
                        .execute(self.conn().await?)
                        .await?;
                }
                for key in limit_keys {
                    sqlx::query("DELETE FROM rate_limits WHERE key = $1")
                        .bind(key)
                        .execute(self.conn().await?)
                        .await?;
                }
                Ok(())
            }

            async fn count_wrong_password(&mut self, id: uuid::Uuid) -> Result<i32, $crate::store::StoreError> {
                let (n,): (i32,) = sqlx::query_as(
                    "UPDATE accounts SET failed_password_attempts = failed_password_attempts + 1 WHERE id = $1 \
                     RETURNING failed_password_attempts",
                )
                .bind(id)
                .fetch_one(self.conn().await?)
                .await?;
                Ok(n)
            }

            async fn clear_wrong_passwords(&mut self, id: uuid::Uuid) -> Result<(), $crate::store::StoreError> {
                self.defer(
                    "accounts",
                    "UPDATE accounts SET failed_password_attempts = 0 WHERE id = $1",
                    Box::new(move |q| q.bind(id)),
                )
                .await
            }

            async fn count_wrong_second_factor(&mut self, id: uuid::Uuid) -> Result<i32, $crate::store::StoreError> {
                let (n,): (i32,) = sqlx::query_as(
                    "UPDATE accounts SET failed_codes = failed_codes + 1 WHERE id = $1 RETURNING failed_codes",
                )
                .bind(id)
                .fetch_one(self.conn().await?)
                .await?;
                Ok(n)
            }

            async fn clear_wrong_second_factors(&mut self, id: uuid::Uuid) -> Result<(), $crate::store::StoreError> {
                self.defer(
                    "accounts",
                    "UPDATE accounts SET failed_codes = 0 WHERE id = $1",
                    Box::new(move |q| q.bind(id)),
                )
                .await
            }

            async fn deactivate(&mut self, id: uuid::Uuid, now: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                // The right-hand sides read the row as it was: `status` is the one it had.
                self.defer(
                    "accounts",
                    "UPDATE accounts SET deactivated_from = status, status = 'deactivated', updated_at = $2 WHERE id = $1",
                    Box::new(move |q| q.bind(id).bind($crate::clock::to_millis(now))),
                )
                .await
            }

            async fn set_status(
                &mut self,
                id: uuid::Uuid,
                status: poort_shared::dto::AccountStatus,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                self.defer(
                    "accounts",
                    "UPDATE accounts SET status = $2, deactivated_from = NULL, updated_at = $3 WHERE id = $1",
                    Box::new(move |q| q.bind(id).bind(status.as_str()).bind($crate::clock::to_millis(now))),
                )
                .await
            }

            async fn set_role(
                &mut self,
                id: uuid::Uuid,
                role: poort_shared::dto::Role,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                self.defer(
                    "accounts",
                    "UPDATE accounts SET role = $2, updated_at = $3 WHERE id = $1",
                    Box::new(move |q| q.bind(id).bind(role.as_str()).bind($crate::clock::to_millis(now))),
                )
                .await
            }

            async fn move_account(
                &mut self,
                id: uuid::Uuid,
                office_id: uuid::Uuid,
                role: poort_shared::dto::Role,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                self.defer(
                    "accounts",
                    "UPDATE accounts SET office_id = $2, role = $3, updated_at = $4 WHERE id = $1",
                    Box::new(move |q| q.bind(id).bind(office_id).bind(role.as_str()).bind($crate::clock::to_millis(now))),
                )
                .await
            }

            async fn set_password(&mut self, id: uuid::Uuid, hash: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                let (hash, now) = (hash.to_string(), $crate::clock::to_millis(now));
                self.defer(
                    "accounts",
                    "UPDATE accounts SET password_hash = $2, password_changed_at = $3, updated_at = $3 WHERE id = $1",
                    Box::new(move |q| q.bind(id).bind(hash).bind(now)),
                )
                .await
            }

            async fn rehash_password(&mut self, id: uuid::Uuid, hash: &str) -> Result<(), $crate::store::StoreError> {
                let hash = hash.to_string();
                self.defer(
                    "accounts",
                    "UPDATE accounts SET password_hash = $2 WHERE id = $1",
                    Box::new(move |q| q.bind(id).bind(hash)),
                )
                .await
            }

            async fn record_sign_in(
                &mut self,
                id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
                totp_step: Option<i64>,
            ) -> Result<(), $crate::store::StoreError> {
                let now = $crate::clock::to_millis(now);
                self.defer(
                    "accounts",
                    "UPDATE accounts SET last_sign_in_at = $2, updated_at = $2, failed_password_attempts = 0, \
                     failed_codes = 0, totp_last_step = COALESCE($3, totp_last_step) WHERE id = $1",
                    Box::new(move |q| q.bind(id).bind(now).bind(totp_step)),
                )
                .await
            }

            async fn claim_totp_step(&mut self, id: uuid::Uuid, step: i64) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE accounts SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
                )
                .bind(id)
                .bind(step)
                .execute(self.conn().await?)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_totp_step(&mut self, id: uuid::Uuid, step: i64) -> Result<(), $crate::store::StoreError> {
                self.defer(
                    "accounts",
                    "UPDATE accounts SET totp_last_step = $2 WHERE id = $1",
                    Box::new(move |q| q.bind(id).bind(step)),
                )
                .await
            }

            async fn set_mobile(
                &mut self,
                id: uuid::Uuid,
                mobile: Option<&poort_shared::validate::MobileNumber>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                let mobile = mobile.map(|m| m.as_str().to_string());
                self.defer(
                    "accounts",
                    "UPDATE accounts SET mobile = $2, updated_at = $3 WHERE id = $1",
                    Box::new(move |q| q.bind(id).bind(mobile).bind($crate::clock::to_millis(now))),
                )
                .await
            }

            async fn set_pending_totp(
                &mut self,
                id: uuid::Uuid,
                secret: Option<&[u8]>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                let secret = secret.map(<[u8]>::to_vec);
                self.defer(
                    "accounts",
                    "UPDATE accounts SET pending_totp_secret = $2, updated_at = $3 WHERE id = $1",
                    Box::new(move |q| q.bind(id).bind(secret).bind($crate::clock::to_millis(now))),
                )
                .await
            }

            async fn set_totp(
                &mut self,
                id: uuid::Uuid,
                secret: Option<(&[u8], i64)>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                let (secret, step) = match secret {
                    Some((s, step)) => (Some(s.to_vec()), Some(step)),
                    None => (None, None),
                };
                self.defer(
                    "accounts",
                    "UPDATE accounts SET totp_secret = $2, totp_last_step = $3, pending_totp_secret = NULL, updated_at = $4 \
                     WHERE id = $1",
                    Box::new(move |q| q.bind(id).bind(secret).bind(step).bind($crate::clock::to_millis(now))),
                )
                .await
            }

            async fn activate(
                &mut self,
                id: uuid::Uuid,
                activation: &$crate::domain::invitation::Activation,
                totp_step: Option<i64>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                let a = activation.clone();
                let now = $crate::clock::to_millis(now);
                self.defer(
                    "accounts",
                    "UPDATE accounts SET status = 'active', password_hash = $2, password_changed_at = $3, mobile = $4, \
                     totp_secret = $5, totp_last_step = $6, updated_at = $3 WHERE id = $1",
                    Box::new(move |q| {
                        q.bind(id)
                            .bind(a.password_hash)
                            .bind(now)
                            .bind(a.mobile.as_str().to_string())
                            .bind(a.totp_secret)
                            .bind(totp_step)
                    }),
                )
                .await
            }

            async fn clear_sign_in_set_up(&mut self, id: uuid::Uuid, now: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                self.defer(
                    "accounts",
                    "UPDATE accounts SET status = 'invited', password_hash = NULL, password_changed_at = NULL, \
                     totp_secret = NULL, totp_last_step = NULL, pending_totp_secret = NULL, ehk_pseudonym = NULL, ehk_legal_subject = NULL, ehk_linked_at = NULL, \
                     passkeys = 0, failed_codes = 0, updated_at = $2 WHERE id = $1",
                    Box::new(move |q| q.bind(id).bind($crate::clock::to_millis(now))),
                )
                .await
            }

            async fn reinvite(
                &mut self,
                id: uuid::Uuid,
                name: &str,
                email: &poort_shared::validate::Email,
                role: poort_shared::dto::Role,
                office_id: Option<uuid::Uuid>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                let (name, email) = (name.to_string(), email.clone());
                self.defer(
                    "accounts",
                    "UPDATE accounts SET name = $2, email = $3, email_key = $4, role = $5, office_id = $6, updated_at = $7 \
                     WHERE id = $1",
                    Box::new(move |q| {
                        q.bind(id)
                            .bind(name)
                            .bind(email.as_str().to_string())
                            .bind(email.key())
                            .bind(role.as_str())
                            .bind(office_id)
                            .bind($crate::clock::to_millis(now))
                    }),
                )
                .await
            }

            async fn password_history(&mut self, id: uuid::Uuid, limit: i64) -> Result<Vec<String>, $crate::store::StoreError> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT password_hash FROM password_history WHERE account_id = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(id)
                .bind(limit)
                .fetch_all(self.conn().await?)
                .await?;
                Ok(rows.into_iter().map(|(h,)| h).collect())
            }

            async fn add_password_history(&mut self, id: uuid::Uuid, hash: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                sqlx::query("INSERT INTO password_history (id, account_id, password_hash, created_at) VALUES ($1, $2, $3, $4)")
                    .bind($crate::store::sql::new_id(now))
                    .bind(id)
                    .bind(hash)
                    .bind($crate::clock::to_millis(now))
                    .execute(self.conn().await?)
                    .await?;
                // Keep the last ten; older ones serve no rule.
                sqlx::query(
                    "DELETE FROM password_history WHERE account_id = $1 AND id NOT IN \
                     (SELECT id FROM password_history WHERE account_id = $1 ORDER BY id DESC LIMIT 10)",
                )
                .bind(id)
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }
        }
    };
}
