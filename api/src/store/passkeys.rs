//! Passkeys: an account's credentials (the account row counts them) and the challenges of
//! ceremonies under way (each taken once).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreError;
use crate::domain::passkey::{Ceremony, Passkey, PasskeyChallenge};

#[async_trait]
pub trait Passkeys: Send {
    /// Adds a passkey. A credential id registered already (to any account) is
    /// [`StoreError::Conflict`].
    async fn insert_passkey(&mut self, passkey: &Passkey) -> Result<(), StoreError>;
    /// An account's passkeys, oldest first.
    async fn passkeys_of(&mut self, account_id: Uuid) -> Result<Vec<Passkey>, StoreError>;
    /// The passkey with this credential id.
    async fn find_passkey(&mut self, credential_id: &[u8]) -> Result<Option<Passkey>, StoreError>;
    /// Renames one of the account's passkeys; whether it was there.
    async fn rename_passkey(
        &mut self,
        account_id: Uuid,
        id: Uuid,
        name: &str,
    ) -> Result<bool, StoreError>;
    /// Removes one of the account's passkeys; whether it was there.
    async fn delete_passkey(&mut self, account_id: Uuid, id: Uuid) -> Result<bool, StoreError>;
    /// Removes all of an account's passkeys; how many there were.
    async fn delete_passkeys_of(&mut self, account_id: Uuid) -> Result<u64, StoreError>;
    /// After a use: the credential as updated (counter, backup flags) and when; whether the
    /// passkey was still there.
    async fn record_passkey_use(
        &mut self,
        passkey: &Passkey,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Records a challenge (and forgets those that expired before it was made).
    async fn insert_passkey_challenge(
        &mut self,
        challenge: &PasskeyChallenge,
    ) -> Result<(), StoreError>;
    /// Takes a challenge: it is gone afterwards, so it is answered at most once.
    async fn take_passkey_challenge(
        &mut self,
        id: Uuid,
    ) -> Result<Option<PasskeyChallenge>, StoreError>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct PasskeyRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub credential_id: Vec<u8>,
    pub name: String,
    pub credential: String,
    pub sign_count: i64,
    pub backup_eligible: bool,
    pub backed_up: bool,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl From<PasskeyRow> for Passkey {
    fn from(r: PasskeyRow) -> Self {
        Passkey {
            id: r.id,
            account_id: r.account_id,
            credential_id: r.credential_id,
            name: r.name,
            credential: r.credential,
            sign_count: u32::try_from(r.sign_count).unwrap_or(u32::MAX),
            backup_eligible: r.backup_eligible,
            backed_up: r.backed_up,
            created_at: crate::clock::from_millis(r.created_at),
            last_used_at: r.last_used_at.map(crate::clock::from_millis),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ChallengeRow {
    pub id: Uuid,
    pub ceremony: String,
    pub account_id: Option<Uuid>,
    pub bound_to: Option<Uuid>,
    pub state: String,
    pub created_at: i64,
    pub expires_at: i64,
}

impl TryFrom<ChallengeRow> for PasskeyChallenge {
    type Error = StoreError;
    fn try_from(r: ChallengeRow) -> Result<Self, StoreError> {
        Ok(PasskeyChallenge {
            id: r.id,
            ceremony: super::sql::parse_enum(
                &r.ceremony,
                "passkey_challenges.ceremony",
                Ceremony::parse,
            )?,
            account_id: r.account_id,
            bound_to: r.bound_to,
            state: r.state,
            created_at: crate::clock::from_millis(r.created_at),
            expires_at: crate::clock::from_millis(r.expires_at),
        })
    }
}

macro_rules! passkey_cols {
    () => {
        "id, account_id, credential_id, name, credential, sign_count, backup_eligible, backed_up, created_at, last_used_at"
    };
}

/// The account row's count, after a change to its passkeys.
pub(crate) const RECOUNT_SQL: &str = "UPDATE accounts SET passkeys = (SELECT COUNT(*) FROM passkeys WHERE account_id = $1) WHERE id = $1";

macro_rules! passkeys_sql {
    ($tx:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::passkeys::Passkeys for $tx {
            async fn insert_passkey(
                &mut self,
                p: &$crate::domain::passkey::Passkey,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(concat!(
                    "INSERT INTO passkeys (",
                    passkey_cols!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                ))
                .bind(p.id)
                .bind(p.account_id)
                .bind(&p.credential_id)
                .bind(&p.name)
                .bind(&p.credential)
                .bind(i64::from(p.sign_count))
                .bind(p.backup_eligible)
                .bind(p.backed_up)
                .bind($crate::clock::to_millis(p.created_at))
                .bind(p.last_used_at.map($crate::clock::to_millis))
                .execute(self.conn().await?)
                .await?;
                sqlx::query($crate::store::passkeys::RECOUNT_SQL)
                    .bind(p.account_id)
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn passkeys_of(
                &mut self,
                account_id: uuid::Uuid,
            ) -> Result<Vec<$crate::domain::passkey::Passkey>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::passkeys::PasskeyRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    passkey_cols!(),
                    " FROM passkeys WHERE account_id = $1 ORDER BY created_at, id"
                ))
                .bind(account_id)
                .fetch_all(self.conn().await?)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn find_passkey(
                &mut self,
                credential_id: &[u8],
            ) -> Result<Option<$crate::domain::passkey::Passkey>, $crate::store::StoreError> {
                let row: Option<$crate::store::passkeys::PasskeyRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    passkey_cols!(),
                    " FROM passkeys WHERE credential_id = $1"
                ))
                .bind(credential_id)
                .fetch_optional(self.conn().await?)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn rename_passkey(
                &mut self,
                account_id: uuid::Uuid,
                id: uuid::Uuid,
                name: &str,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query("UPDATE passkeys SET name = $3 WHERE id = $1 AND account_id = $2")
                    .bind(id)
                    .bind(account_id)
                    .bind(name)
                    .execute(self.conn().await?)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete_passkey(
                &mut self,
                account_id: uuid::Uuid,
                id: uuid::Uuid,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND account_id = $2")
                    .bind(id)
                    .bind(account_id)
                    .execute(self.conn().await?)
                    .await?;
                sqlx::query($crate::store::passkeys::RECOUNT_SQL)
                    .bind(account_id)
                    .execute(self.conn().await?)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete_passkeys_of(
                &mut self,
                account_id: uuid::Uuid,
            ) -> Result<u64, $crate::store::StoreError> {
                let done = sqlx::query("DELETE FROM passkeys WHERE account_id = $1")
                    .bind(account_id)
                    .execute(self.conn().await?)
                    .await?;
                sqlx::query($crate::store::passkeys::RECOUNT_SQL)
                    .bind(account_id)
                    .execute(self.conn().await?)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn record_passkey_use(
                &mut self,
                p: &$crate::domain::passkey::Passkey,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE passkeys SET credential = $2, sign_count = $3, backed_up = $4, backup_eligible = $5, last_used_at = $6 WHERE id = $1",
                )
                .bind(p.id)
                .bind(&p.credential)
                .bind(i64::from(p.sign_count))
                .bind(p.backed_up)
                .bind(p.backup_eligible)
                .bind($crate::clock::to_millis(now))
                .execute(self.conn().await?)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_passkey_challenge(
                &mut self,
                c: &$crate::domain::passkey::PasskeyChallenge,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM passkey_challenges WHERE expires_at < $1")
                    .bind($crate::clock::to_millis(c.created_at))
                    .execute(self.conn().await?)
                    .await?;
                sqlx::query(
                    "INSERT INTO passkey_challenges (id, ceremony, account_id, bound_to, state, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(c.id)
                .bind(c.ceremony.as_str())
                .bind(c.account_id)
                .bind(c.bound_to)
                .bind(&c.state)
                .bind($crate::clock::to_millis(c.created_at))
                .bind($crate::clock::to_millis(c.expires_at))
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn take_passkey_challenge(
                &mut self,
                id: uuid::Uuid,
            ) -> Result<Option<$crate::domain::passkey::PasskeyChallenge>, $crate::store::StoreError> {
                let row: Option<$crate::store::passkeys::ChallengeRow> = sqlx::query_as(
                    "DELETE FROM passkey_challenges WHERE id = $1 \
                     RETURNING id, ceremony, account_id, bound_to, state, created_at, expires_at",
                )
                .bind(id)
                .fetch_optional(self.conn().await?)
                .await?;
                row.map(TryInto::try_into).transpose()
            }
        }
    };
}
