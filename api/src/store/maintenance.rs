//! Upgrades run once at start-up, recorded so the next start skips them (`maintenance`): the
//! authenticator secrets an earlier version encrypted without binding them to their account
//! are read here and written back bound (see `services::upgrade`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreError;

/// An account's encrypted authenticator secrets: (account, current, waiting).
pub type AccountSecrets = (Uuid, Option<Vec<u8>>, Option<Vec<u8>>);

#[async_trait]
pub trait MaintenanceStore: Send + Sync {
    /// Whether the upgrade `name` was done.
    async fn maintenance_done(&self, name: &str) -> Result<bool, StoreError>;
    /// Records the upgrade `name` as done (again: no harm).
    async fn mark_maintenance_done(&self, name: &str, now: DateTime<Utc>)
    -> Result<(), StoreError>;
    /// Every account that has an authenticator secret, current or waiting.
    async fn account_secrets(&self) -> Result<Vec<AccountSecrets>, StoreError>;
    /// Writes an account's secrets as given, if they are still `before` (another instance
    /// upgrading at the same moment writes them once).
    async fn replace_account_secrets(
        &self,
        before: &AccountSecrets,
        after: &AccountSecrets,
    ) -> Result<(), StoreError>;
    /// Every open set-up with a secret to scan: (invitation, its account, the secret).
    async fn invitation_secrets(&self) -> Result<Vec<(Uuid, Uuid, Vec<u8>)>, StoreError>;
    /// Writes a set-up's secret, if it is still `before`.
    async fn replace_invitation_secret(
        &self,
        invitation: Uuid,
        before: &[u8],
        after: &[u8],
    ) -> Result<(), StoreError>;
}

macro_rules! maintenance_store_sql {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::maintenance::MaintenanceStore for $store {
            async fn maintenance_done(&self, name: &str) -> Result<bool, $crate::store::StoreError> {
                let row: Option<(i64,)> = sqlx::query_as("SELECT done_at FROM maintenance WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.is_some())
            }

            async fn mark_maintenance_done(&self, name: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                sqlx::query("INSERT INTO maintenance (name, done_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                    .bind(name)
                    .bind($crate::clock::to_millis(now))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn account_secrets(&self) -> Result<Vec<$crate::store::maintenance::AccountSecrets>, $crate::store::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT id, totp_secret, pending_totp_secret FROM accounts \
                     WHERE totp_secret IS NOT NULL OR pending_totp_secret IS NOT NULL ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn replace_account_secrets(
                &self,
                before: &$crate::store::maintenance::AccountSecrets,
                after: &$crate::store::maintenance::AccountSecrets,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE accounts SET totp_secret = $2, pending_totp_secret = $3 WHERE id = $1 \
                     AND totp_secret IS NOT DISTINCT FROM $4 AND pending_totp_secret IS NOT DISTINCT FROM $5",
                )
                .bind(after.0)
                .bind(&after.1)
                .bind(&after.2)
                .bind(&before.1)
                .bind(&before.2)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn invitation_secrets(&self) -> Result<Vec<(uuid::Uuid, uuid::Uuid, Vec<u8>)>, $crate::store::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT id, account_id, pending_totp_secret FROM invitations \
                     WHERE pending_totp_secret IS NOT NULL ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn replace_invitation_secret(&self, invitation: uuid::Uuid, before: &[u8], after: &[u8]) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE invitations SET pending_totp_secret = $2 WHERE id = $1 AND pending_totp_secret = $3")
                    .bind(invitation)
                    .bind(after)
                    .bind(before)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    };
}
