//! What the periodic clean-up removes ([`crate::retention`]): rows past their use and past the
//! retention the settings give. Each call removes at most `limit` rows, oldest first, so one
//! sweep never holds SQLite's write lock for long; the sweeper calls again until less than a
//! batch went. Several instances sweeping at once is safe: a row is deleted once, by whichever
//! gets there first, and nothing else reads a row that is this old.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;

/// A kind of row the clean-up removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expired {
    /// One-time codes (SMS and e-mail), counters of wrong codes, password-reset links, trips
    /// to the eHerkenning broker and passkey challenges, expired (or last counted) before the
    /// instant.
    Codes,
    /// Sign-ins under way (the steps between password and second factor) expired before it.
    SignIns,
    /// Sessions that ended or expired before it.
    Sessions,
    /// Rate-limit windows that started before it.
    RateLimits,
    /// Audit events that happened before it.
    Audit,
}

impl Expired {
    /// Every kind, in the order a sweep takes them.
    pub const ALL: [Expired; 5] = [
        Expired::Codes,
        Expired::SignIns,
        Expired::Sessions,
        Expired::RateLimits,
        Expired::Audit,
    ];

    /// `DELETE` statements for this kind: `$1` the instant, `$2` the batch size.
    pub(crate) fn statements(self) -> &'static [&'static str] {
        match self {
            Expired::Codes => &[
                "DELETE FROM verification_codes WHERE id IN \
                 (SELECT id FROM verification_codes WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)",
                "DELETE FROM code_attempts WHERE (purpose, subject_id) IN \
                 (SELECT purpose, subject_id FROM code_attempts WHERE updated_at < $1 ORDER BY updated_at LIMIT $2)",
                "DELETE FROM password_resets WHERE id IN \
                 (SELECT id FROM password_resets WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)",
                "DELETE FROM eherkenning_trips WHERE state_hash IN \
                 (SELECT state_hash FROM eherkenning_trips WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)",
                "DELETE FROM passkey_challenges WHERE id IN \
                 (SELECT id FROM passkey_challenges WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)",
            ],
            Expired::SignIns => &["DELETE FROM sign_in_attempts WHERE id IN \
                 (SELECT id FROM sign_in_attempts WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)"],
            Expired::Sessions => &["DELETE FROM sessions WHERE id IN \
                 (SELECT id FROM sessions WHERE expires_at < $1 OR ended_at < $1 LIMIT $2)"],
            Expired::RateLimits => &["DELETE FROM rate_limits WHERE key IN \
                 (SELECT key FROM rate_limits WHERE window_start < $1 LIMIT $2)"],
            Expired::Audit => &["DELETE FROM audit_events WHERE id IN \
                 (SELECT id FROM audit_events WHERE at < $1 ORDER BY at LIMIT $2)"],
        }
    }
}

#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// Removes up to `limit` rows of each table of `what` older than `before`; returns how
    /// many went in all.
    async fn delete_expired(
        &self,
        what: Expired,
        before: DateTime<Utc>,
        limit: i64,
    ) -> Result<u64, StoreError>;
}

macro_rules! retention_store_sql {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::retention::RetentionStore for $store {
            async fn delete_expired(
                &self,
                what: $crate::store::retention::Expired,
                before: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> Result<u64, $crate::store::StoreError> {
                let mut removed = 0;
                for statement in what.statements() {
                    let done = sqlx::query(*statement)
                        .bind($crate::clock::to_millis(before))
                        .bind(limit)
                        .execute(&self.pool)
                        .await?;
                    removed += done.rows_affected();
                }
                Ok(removed)
            }
        }
    };
}
