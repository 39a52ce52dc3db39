//! Periodic access reviews: confirmations of accounts' rights per portfolio, completed reviews,
//! and the reminders (and enforcement) done once per office and due date.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreError;
use crate::domain::access_review::ReviewItem;

/// A completed review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRecord {
    pub id: Uuid,
    pub office_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
    pub completed_by: Option<Uuid>,
    pub confirmed: i64,
    pub deactivated: i64,
}

/// An office with when its last review was completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeReview {
    pub office_id: Uuid,
    pub name: String,
    pub kvk_number: String,
    pub created_at: DateTime<Utc>,
    pub last_completed: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait AccessReviews: Send {
    /// Every right to review in the office (accounts not deactivated), per account and portfolio.
    async fn review_items(&mut self, office_id: Uuid) -> Result<Vec<ReviewItem>, StoreError>;
    /// Confirms these (account, portfolio) pairs now.
    async fn confirm_rights(
        &mut self,
        pairs: &[(Uuid, Uuid)],
        by: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// When the office's last review was completed.
    async fn last_review_completed(
        &mut self,
        office_id: Uuid,
    ) -> Result<Option<DateTime<Utc>>, StoreError>;
    async fn insert_review(&mut self, record: &ReviewRecord) -> Result<(), StoreError>;
    /// The office's completed reviews, newest first, with the completing administrator's name.
    async fn reviews_of(
        &mut self,
        office_id: Uuid,
        limit: i64,
    ) -> Result<Vec<(ReviewRecord, Option<String>)>, StoreError>;
    /// Records a reminder or enforcement for the office's period due at `due_at`; false when it
    /// was recorded before (by this or another instance).
    async fn record_review_step(
        &mut self,
        office_id: Uuid,
        due_at: DateTime<Utc>,
        kind: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Every office with its last completed review.
    async fn offices_for_review(&mut self) -> Result<Vec<OfficeReview>, StoreError>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct ItemRow {
    pub account_id: Uuid,
    pub portfolio_id: Uuid,
    pub granted_at: i64,
    pub confirmed_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct RecordRow {
    pub id: Uuid,
    pub office_id: Uuid,
    pub started_at: i64,
    pub due_at: i64,
    pub completed_at: i64,
    pub completed_by: Option<Uuid>,
    pub confirmed: i64,
    pub deactivated: i64,
    pub completed_by_name: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct OfficeRow {
    pub id: Uuid,
    pub name: String,
    pub kvk_number: String,
    pub created_at: i64,
    pub last_completed: Option<i64>,
}

macro_rules! access_reviews_sql {
    ($tx:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::access_reviews::AccessReviews for $tx {
            async fn review_items(
                &mut self,
                office_id: uuid::Uuid,
            ) -> Result<Vec<$crate::domain::access_review::ReviewItem>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::access_reviews::ItemRow> = sqlx::query_as(
                    "SELECT ar.account_id, ar.portfolio_id, MIN(ar.granted_at) AS granted_at, \
                     MAX(c.confirmed_at) AS confirmed_at \
                     FROM account_rights ar JOIN accounts a ON a.id = ar.account_id \
                     LEFT JOIN right_confirmations c \
                       ON c.account_id = ar.account_id AND c.portfolio_id = ar.portfolio_id \
                     WHERE a.office_id = $1 AND a.status <> 'deactivated' \
                     GROUP BY ar.account_id, ar.portfolio_id",
                )
                .bind(office_id)
                .fetch_all(self.conn().await?)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|r| $crate::domain::access_review::ReviewItem {
                        account_id: r.account_id,
                        portfolio_id: r.portfolio_id,
                        granted_at: $crate::clock::from_millis(r.granted_at),
                        confirmed_at: r.confirmed_at.map($crate::clock::from_millis),
                    })
                    .collect())
            }

            async fn confirm_rights(
                &mut self,
                pairs: &[(uuid::Uuid, uuid::Uuid)],
                by: Option<uuid::Uuid>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                for (account_id, portfolio_id) in pairs {
                    sqlx::query(
                        "INSERT INTO right_confirmations (account_id, portfolio_id, confirmed_at, confirmed_by) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, portfolio_id) \
                         DO UPDATE SET confirmed_at = excluded.confirmed_at, confirmed_by = excluded.confirmed_by",
                    )
                    .bind(*account_id)
                    .bind(*portfolio_id)
                    .bind($crate::clock::to_millis(now))
                    .bind(by)
                    .execute(self.conn().await?)
                    .await?;
                }
                Ok(())
            }

            async fn last_review_completed(
                &mut self,
                office_id: uuid::Uuid,
            ) -> Result<Option<chrono::DateTime<chrono::Utc>>, $crate::store::StoreError> {
                let (last,): (Option<i64>,) = sqlx::query_as(
                    "SELECT MAX(completed_at) FROM access_reviews WHERE office_id = $1",
                )
                .bind(office_id)
                .fetch_one(self.conn().await?)
                .await?;
                Ok(last.map($crate::clock::from_millis))
            }

            async fn insert_review(
                &mut self,
                r: &$crate::store::access_reviews::ReviewRecord,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO access_reviews (id, office_id, started_at, due_at, completed_at, completed_by, confirmed, deactivated) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(r.id)
                .bind(r.office_id)
                .bind($crate::clock::to_millis(r.started_at))
                .bind($crate::clock::to_millis(r.due_at))
                .bind($crate::clock::to_millis(r.completed_at))
                .bind(r.completed_by)
                .bind(r.confirmed)
                .bind(r.deactivated)
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn reviews_of(
                &mut self,
                office_id: uuid::Uuid,
                limit: i64,
            ) -> Result<Vec<($crate::store::access_reviews::ReviewRecord, Option<String>)>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::access_reviews::RecordRow> = sqlx::query_as(
                    "SELECT r.id, r.office_id, r.started_at, r.due_at, r.completed_at, r.completed_by, \
                     r.confirmed, r.deactivated, a.name AS completed_by_name \
                     FROM access_reviews r LEFT JOIN accounts a ON a.id = r.completed_by \
                     WHERE r.office_id = $1 ORDER BY r.completed_at DESC, r.id DESC LIMIT $2",
                )
                .bind(office_id)
                .bind(limit)
                .fetch_all(self.conn().await?)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|r| {
                        (
                            $crate::store::access_reviews::ReviewRecord {
                                id: r.id,
                                office_id: r.office_id,
                                started_at: $crate::clock::from_millis(r.started_at),
                                due_at: $crate::clock::from_millis(r.due_at),
                                completed_at: $crate::clock::from_millis(r.completed_at),
                                completed_by: r.completed_by,
                                confirmed: r.confirmed,
                                deactivated: r.deactivated,
                            },
                            r.completed_by_name,
                        )
                    })
                    .collect())
            }

            async fn record_review_step(
                &mut self,
                office_id: uuid::Uuid,
                due_at: chrono::DateTime<chrono::Utc>,
                kind: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "INSERT INTO access_review_reminders (office_id, due_at, kind, sent_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(office_id)
                .bind($crate::clock::to_millis(due_at))
                .bind(kind)
                .bind($crate::clock::to_millis(now))
                .execute(self.conn().await?)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn offices_for_review(
                &mut self,
            ) -> Result<Vec<$crate::store::access_reviews::OfficeReview>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::access_reviews::OfficeRow> = sqlx::query_as(
                    "SELECT o.id, o.name, o.kvk_number, o.created_at, \
                     (SELECT MAX(r.completed_at) FROM access_reviews r WHERE r.office_id = o.id) AS last_completed \
                     FROM offices o ORDER BY o.name",
                )
                .fetch_all(self.conn().await?)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|r| $crate::store::access_reviews::OfficeReview {
                        office_id: r.id,
                        name: r.name,
                        kvk_number: r.kvk_number,
                        created_at: $crate::clock::from_millis(r.created_at),
                        last_completed: r.last_completed.map($crate::clock::from_millis),
                    })
                    .collect())
            }
        }
    };
}
