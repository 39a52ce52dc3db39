//! Sessions, sign-ins under way and password-reset links: everything a person holds a token
//! for (stored only as the token's SHA-256). The session lookup is the hot path of every
//! signed-in request: one query and one row with the account, its office's name and its
//! rights ([`SessionStore::find_session`]; on PostgreSQL lookups that arrive together share a
//! query, see `batches`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreError;
use super::accounts::AccountRow;
use super::sql::{opt_millis, parse_enum, parse_text};
use crate::clock::from_millis;
use crate::domain::{Account, AccountRight, PasswordReset, Session, SignInAttempt, SignInStage};

/// An open session with what every signed-in request needs: the account, its office's name
/// (None for the relations team) and its rights, ordered by agency number and right.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: Session,
    pub account: Account,
    pub office_name: Option<String>,
    pub rights: Vec<AccountRight>,
}

/// The session reads and writes outside a transaction.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// The unended session with this token hash, with its account, the office's name and the
    /// account's rights, in one query. (Whether it is still open in time is the caller's
    /// rule: `domain::session`.)
    async fn find_session(&self, token_hash: &[u8]) -> Result<Option<SignedIn>, StoreError>;

    /// Session lookups made and the queries that answered them, when lookups that arrive
    /// together share a query (PostgreSQL); None where each lookup is its own query.
    fn session_lookup_counts(&self) -> Option<(u64, u64)>;

    /// Records activity (sliding idle timeout): sets `last_seen_at` to `now` if it is before
    /// `if_before`. Commits without waiting for the disk where so configured.
    async fn touch_session(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        if_before: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

#[async_trait]
pub trait Sessions: Send {
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
    /// Ends the account's open sessions but `keep`; returns how many.
    async fn end_other_sessions(
        &mut self,
        account_id: Uuid,
        keep: Uuid,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
    /// Unended sessions of the account, newest first.
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
    /// Gives the session a new token (its hash): the old one stops working.
    async fn rotate_session_token(&mut self, id: Uuid, token_hash: &[u8])
    -> Result<(), StoreError>;

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

    async fn insert_password_reset(
        &mut self,
        reset: &PasswordReset,
        token_hash: &[u8],
    ) -> Result<(), StoreError>;
    async fn find_password_reset(
        &mut self,
        token_hash: &[u8],
    ) -> Result<Option<PasswordReset>, StoreError>;
    /// A code proved possession for this reset link.
    async fn mark_reset_verified(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// The link is used (or spent by wrong codes): it works no more.
    async fn mark_reset_used(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError>;
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

/// A session with its account, read in one query (the session's columns are prefixed).
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

/// An account's rights from its copy (`accounts.rights_json`: a JSON array of `[portfolio id,
/// agency number, portfolio name, right code]` by agency number and catalogue order; NULL or
/// `[]` for none).
pub(crate) fn rights_from_copy(
    account_id: Uuid,
    copy: Option<&str>,
) -> Result<Vec<AccountRight>, StoreError> {
    let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("rights copy: {e}"));
    let listed: Vec<(String, String, String, String)> = match copy {
        None => Vec::new(),
        Some(json) => serde_json::from_str(json).map_err(|e| corrupt(&e))?,
    };
    listed
        .into_iter()
        .map(|(portfolio, agency_number, portfolio_name, right_code)| {
            Ok(AccountRight {
                account_id,
                portfolio_id: Uuid::parse_str(&portfolio).map_err(|e| corrupt(&e))?,
                agency_number: parse_text(
                    &agency_number,
                    "accounts.rights_json",
                    poort_shared::validate::AgencyNumber::parse,
                )?,
                portfolio_name,
                right_code,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()
}

/// A session row as `find_session` reads it, with its rights unpacked.
pub(crate) fn signed_in(row: SessionAccountRow) -> Result<SignedIn, StoreError> {
    let rights = rights_from_copy(row.account.id, row.s_rights.as_deref())?;
    let session = Session {
        id: row.s_id,
        account_id: row.s_account_id,
        created_at: from_millis(row.s_created_at),
        last_seen_at: from_millis(row.s_last_seen_at),
        expires_at: from_millis(row.s_expires_at),
        ended_at: opt_millis(row.s_ended_at),
        client_ip: row.s_client_ip,
        user_agent: row.s_user_agent,
        active_portfolio_id: row.s_active_portfolio_id,
        reauthenticated_at: opt_millis(row.s_reauthenticated_at),
    };
    Ok(SignedIn {
        session,
        account: row.account.try_into()?,
        office_name: row.s_office_name,
        rights,
    })
}

#[derive(sqlx::FromRow)]
pub(crate) struct SignInRow {
    pub si_id: Uuid,
    pub si_account_id: Uuid,
    pub si_stage: String,
    pub si_created_at: i64,
    pub si_expires_at: i64,
    pub si_office_name: Option<String>,
    #[sqlx(flatten)]
    pub account: AccountRow,
}

impl TryFrom<SignInRow> for (SignInAttempt, Account, Option<String>) {
    type Error = StoreError;
    fn try_from(r: SignInRow) -> Result<Self, StoreError> {
        let attempt = SignInAttempt {
            id: r.si_id,
            account_id: r.si_account_id,
            stage: parse_enum(&r.si_stage, "sign_in_attempts.stage", SignInStage::parse)?,
            created_at: from_millis(r.si_created_at),
            expires_at: from_millis(r.si_expires_at),
        };
        Ok((attempt, r.account.try_into()?, r.si_office_name))
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
}

impl From<ResetRow> for PasswordReset {
    fn from(r: ResetRow) -> Self {
        PasswordReset {
            id: r.id,
            account_id: r.account_id,
            created_at: from_millis(r.created_at),
            expires_at: from_millis(r.expires_at),
            verified_at: opt_millis(r.verified_at),
            used_at: opt_millis(r.used_at),
        }
    }
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

macro_rules! session_store_sql {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::sessions::SessionStore for $store {
            async fn find_session(
                &self,
                token_hash: &[u8],
            ) -> Result<Option<$crate::store::sessions::SignedIn>, $crate::store::StoreError> {
                // SQLite looks each one up; PostgreSQL answers the lookups that arrive together
                // with one query (see `store::batches`).
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
                let _turn = self.write_turn().await;
                sqlx::query(
                    "UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $3",
                )
                .bind(id)
                .bind($crate::clock::to_millis(now))
                .bind($crate::clock::to_millis(if_before))
                .execute(self.fast_pool())
                .await?;
                Ok(())
            }
        }
    };
}

macro_rules! sessions_sql {
    ($tx:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::sessions::Sessions for $tx {
            async fn insert_session(&mut self, s: &$crate::domain::Session, token_hash: &[u8]) -> Result<(), $crate::store::StoreError> {
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

            async fn sessions_of_account(&mut self, account_id: uuid::Uuid) -> Result<Vec<$crate::domain::Session>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::sessions::SessionRow> = sqlx::query_as(
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

            async fn rotate_session_token(&mut self, id: uuid::Uuid, token_hash: &[u8]) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE sessions SET token_hash = $2 WHERE id = $1")
                    .bind(id)
                    .bind(token_hash)
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn insert_sign_in(&mut self, a: &$crate::domain::SignInAttempt, token_hash: &[u8]) -> Result<(), $crate::store::StoreError> {
                let (a, token_hash) = (a.clone(), token_hash.to_vec());
                self.defer(
                    "sign_in_attempts",
                    "INSERT INTO sign_in_attempts (id, token_hash, account_id, stage, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    Box::new(move |q| {
                        q.bind(a.id)
                            .bind(token_hash)
                            .bind(a.account_id)
                            .bind(a.stage.as_str())
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
            ) -> Result<Option<($crate::domain::SignInAttempt, $crate::domain::Account, Option<String>)>, $crate::store::StoreError> {
                macro_rules! select {
                    () => {
                        concat!(
                            "SELECT si.id AS si_id, si.account_id AS si_account_id, si.stage AS si_stage, \
                                    si.created_at AS si_created_at, si.expires_at AS si_expires_at, \
                                    o.name AS si_office_name, ",
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
                let row: Option<$crate::store::sessions::SignInRow> = sqlx::query_as(sql)
                    .bind(token_hash)
                    .fetch_optional(self.conn().await?)
                    .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn set_sign_in_stage(&mut self, id: uuid::Uuid, stage: $crate::domain::SignInStage) -> Result<(), $crate::store::StoreError> {
                self.defer(
                    "sign_in_attempts",
                    "UPDATE sign_in_attempts SET stage = $2 WHERE id = $1",
                    Box::new(move |q| q.bind(id).bind(stage.as_str())),
                )
                .await
            }

            async fn insert_password_reset(&mut self, r: &$crate::domain::PasswordReset, token_hash: &[u8]) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO password_resets (id, token_hash, account_id, created_at, expires_at, verified_at, used_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(r.id)
                .bind(token_hash)
                .bind(r.account_id)
                .bind($crate::clock::to_millis(r.created_at))
                .bind($crate::clock::to_millis(r.expires_at))
                .bind($crate::store::sql::opt_to_millis(r.verified_at))
                .bind($crate::store::sql::opt_to_millis(r.used_at))
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn find_password_reset(&mut self, token_hash: &[u8]) -> Result<Option<$crate::domain::PasswordReset>, $crate::store::StoreError> {
                let row: Option<$crate::store::sessions::ResetRow> = sqlx::query_as(
                    "SELECT id, account_id, created_at, expires_at, verified_at, used_at FROM password_resets WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(self.conn().await?)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn mark_reset_verified(&mut self, id: uuid::Uuid, at: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE password_resets SET verified_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind($crate::clock::to_millis(at))
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn mark_reset_used(&mut self, id: uuid::Uuid, at: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE password_resets SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
                    .bind(id)
                    .bind($crate::clock::to_millis(at))
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }
        }
    };
}
