//! One-time codes (as keyed hashes) and the one counter of wrong codes per purpose and subject
//! (`code_attempts`), for SMS and authenticator codes alike. The rules are in
//! `domain::code`; the use in `services::codes`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use poort_shared::validate::MobileNumber;
use uuid::Uuid;

use super::StoreError;
use super::sql::{opt_millis, parse_enum, parse_text};
use crate::clock::from_millis;
use crate::domain::{CodePurpose, VerificationCode};

#[async_trait]
pub trait Codes: Send {
    /// Stores a new code and voids earlier unused ones for the same purpose and subject.
    async fn replace_code(&mut self, code: &VerificationCode) -> Result<(), StoreError>;
    /// The newest code for the purpose and subject (used or not).
    async fn latest_code(
        &mut self,
        purpose: CodePurpose,
        subject_id: Uuid,
    ) -> Result<Option<VerificationCode>, StoreError>;
    async fn consume_code(&mut self, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Counts a wrong code; returns the wrong codes so far, this one included.
    async fn count_wrong_code(
        &mut self,
        purpose: CodePurpose,
        subject_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<i32, StoreError>;
    /// The wrong codes counted so far.
    async fn wrong_codes(
        &mut self,
        purpose: CodePurpose,
        subject_id: Uuid,
    ) -> Result<i32, StoreError>;
    /// Starts the count again (a new code for a purpose whose budget is per code).
    async fn clear_wrong_codes(
        &mut self,
        purpose: CodePurpose,
        subject_id: Uuid,
    ) -> Result<(), StoreError>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct CodeRow {
    pub id: Uuid,
    pub purpose: String,
    pub subject_id: Uuid,
    pub target: String,
    pub code_hash: Vec<u8>,
    pub created_at: i64,
    pub expires_at: i64,
    pub consumed_at: Option<i64>,
}

impl TryFrom<CodeRow> for VerificationCode {
    type Error = StoreError;
    fn try_from(r: CodeRow) -> Result<Self, StoreError> {
        Ok(VerificationCode {
            id: r.id,
            purpose: parse_enum(&r.purpose, "verification_codes.purpose", CodePurpose::parse)?,
            subject_id: r.subject_id,
            target: parse_text(&r.target, "verification_codes.target", MobileNumber::parse)?,
            code_hash: r.code_hash,
            created_at: from_millis(r.created_at),
            expires_at: from_millis(r.expires_at),
            consumed_at: opt_millis(r.consumed_at),
        })
    }
}

macro_rules! codes_sql {
    ($tx:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::codes::Codes for $tx {
            async fn replace_code(&mut self, c: &$crate::domain::VerificationCode) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE verification_codes SET consumed_at = $3 WHERE purpose = $1 AND subject_id = $2 AND consumed_at IS NULL",
                )
                .bind(c.purpose.as_str())
                .bind(c.subject_id)
                .bind($crate::clock::to_millis(c.created_at))
                .execute(self.conn().await?)
                .await?;
                sqlx::query(
                    "INSERT INTO verification_codes (id, purpose, subject_id, target, code_hash, created_at, expires_at, consumed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(c.id)
                .bind(c.purpose.as_str())
                .bind(c.subject_id)
                .bind(c.target.as_str())
                .bind(&c.code_hash)
                .bind($crate::clock::to_millis(c.created_at))
                .bind($crate::clock::to_millis(c.expires_at))
                .bind($crate::store::sql::opt_to_millis(c.consumed_at))
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn latest_code(
                &mut self,
                purpose: $crate::domain::CodePurpose,
                subject_id: uuid::Uuid,
            ) -> Result<Option<$crate::domain::VerificationCode>, $crate::store::StoreError> {
                let row: Option<$crate::store::codes::CodeRow> = sqlx::query_as(
                    "SELECT id, purpose, subject_id, target, code_hash, created_at, expires_at, consumed_at \
                     FROM verification_codes WHERE purpose = $1 AND subject_id = $2 ORDER BY id DESC LIMIT 1",
                )
                .bind(purpose.as_str())
                .bind(subject_id)
                .fetch_optional(self.conn().await?)
                .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn consume_code(&mut self, id: uuid::Uuid, now: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE verification_codes SET consumed_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind($crate::clock::to_millis(now))
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn count_wrong_code(
                &mut self,
                purpose: $crate::domain::CodePurpose,
                subject_id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i32, $crate::store::StoreError> {
                let (n,): (i32,) = sqlx::query_as(
                    "INSERT INTO code_attempts (purpose, subject_id, failures, updated_at) VALUES ($1, $2, 1, $3) \
                     ON CONFLICT (purpose, subject_id) DO UPDATE SET failures = code_attempts.failures + 1, updated_at = $3 \
                     RETURNING failures",
                )
                .bind(purpose.as_str())
                .bind(subject_id)
                .bind($crate::clock::to_millis(now))
                .fetch_one(self.conn().await?)
                .await?;
                Ok(n)
            }

            async fn wrong_codes(&mut self, purpose: $crate::domain::CodePurpose, subject_id: uuid::Uuid) -> Result<i32, $crate::store::StoreError> {
                let row: Option<(i32,)> =
                    sqlx::query_as("SELECT failures FROM code_attempts WHERE purpose = $1 AND subject_id = $2")
                        .bind(purpose.as_str())
                        .bind(subject_id)
                        .fetch_optional(self.conn().await?)
                        .await?;
                Ok(row.map_or(0, |(n,)| n))
            }

            async fn clear_wrong_codes(&mut self, purpose: $crate::domain::CodePurpose, subject_id: uuid::Uuid) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM code_attempts WHERE purpose = $1 AND subject_id = $2")
                    .bind(purpose.as_str())
                    .bind(subject_id)
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }
        }
    };
}
