//! Rate-limit counters: fixed windows kept in the database (an atomic upsert per hit), so every
//! instance counts together. The store counts under a key in a window; which key, which
//! window and how many are allowed is `domain::limits`.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::StoreError;
use crate::domain::Account;

/// A hit counted: the count in the current window (this hit included) and when it started.
pub type Hit = (i64, DateTime<Utc>);

#[async_trait]
pub trait LimitStore: Send + Sync {
    /// Counts one hit under `key` in a fixed `window`. Commits without waiting for the disk
    /// where so configured.
    async fn hit_rate_limit(
        &self,
        key: &str,
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<Hit, StoreError>;

    /// [`Self::hit_rate_limit`], and the account with this e-mail key: what the first sign-in
    /// step needs (one statement on PostgreSQL).
    async fn hit_and_find_account(
        &self,
        key: &str,
        window: Duration,
        now: DateTime<Utc>,
        email_key: &str,
    ) -> Result<(Hit, Option<Account>), StoreError>;
}

/// Counts one hit against a fixed window (`$1` key, `$2` now, `$3` the start of a window that
/// began now); returns the count and the window's start.
macro_rules! rate_limit_hit {
    () => {
        rate_limit_hit_at!("$1", "$2", "$3")
    };
}

/// [`rate_limit_hit!`] with its three parameters numbered as a longer statement needs.
macro_rules! rate_limit_hit_at {
    ($key:literal, $now:literal, $start:literal) => {
        concat!(
            "INSERT INTO rate_limits (key, window_start, count) VALUES (",
            $key,
            ", ",
            $now,
            ", 1) \
             ON CONFLICT (key) DO UPDATE SET \
               count = CASE WHEN rate_limits.window_start <= ",
            $start,
            " THEN 1 ELSE rate_limits.count + 1 END, \
               window_start = CASE WHEN rate_limits.window_start <= ",
            $start,
            " THEN ",
            $now,
            " ELSE rate_limits.window_start END \
             RETURNING CAST(count AS BIGINT) AS count, window_start"
        )
    };
}

macro_rules! limit_store_sql {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::limits::LimitStore for $store {
            async fn hit_rate_limit(
                &self,
                key: &str,
                window: chrono::Duration,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<$crate::store::limits::Hit, $crate::store::StoreError> {
                if let Some(group) = self.grouped() {
                    return group.hit(key, window, now).await;
                }
                let now_ms = $crate::clock::to_millis(now);
                let _turn = self.write_turn().await;
                let (count, start): (i64, i64) = sqlx::query_as(rate_limit_hit!())
                    .bind(key)
                    .bind(now_ms)
                    .bind(now_ms - window.num_milliseconds())
                    .fetch_one(self.fast_pool())
                    .await?;
                Ok((count, $crate::clock::from_millis(start)))
            }

            async fn hit_and_find_account(
                &self,
                key: &str,
                window: chrono::Duration,
                now: chrono::DateTime<chrono::Utc>,
                email_key: &str,
            ) -> Result<
                ($crate::store::limits::Hit, Option<$crate::domain::Account>),
                $crate::store::StoreError,
            > {
                use $crate::store::accounts::Accounts as _;
                if !$crate::store::sql::is_postgres::<$db>() {
                    let hit = self.hit_rate_limit(key, window, now).await?;
                    let mut tx = self.read_conn().await?;
                    let account = tx.find_account_by_email(email_key).await?;
                    return Ok((hit, account));
                }
                use sqlx::Row as _;
                let now_ms = $crate::clock::to_millis(now);
                let row = sqlx::query(concat!(
                    "WITH hit AS (",
                    rate_limit_hit!(),
                    ") SELECT hit.count AS hit_count, hit.window_start AS hit_window_start, ",
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
                        <$crate::store::accounts::AccountRow as sqlx::FromRow<_>>::from_row(&row)?
                            .try_into()?,
                    ),
                    None => None,
                };
                Ok(((count, $crate::clock::from_millis(start)), account))
            }
        }
    };
}
