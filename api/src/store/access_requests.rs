//! Access requests: what advisers asked their office's administrators for, and the answers.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use poort_shared::dto::AccessRequestStatus;
use uuid::Uuid;

use super::StoreError;
use crate::domain::access_request::{AccessRequest, Pair};

/// A request with the names a list shows beside it.
#[derive(Debug, Clone)]
pub struct DescribedAccessRequest {
    pub request: AccessRequest,
    pub account_name: String,
    pub account_email: String,
    pub decided_by_name: Option<String>,
}

#[async_trait]
pub trait AccessRequests: Send {
    /// Records a new (open) request. An open one of the same account is
    /// [`StoreError::Conflict`].
    async fn insert_access_request(&mut self, request: &AccessRequest) -> Result<(), StoreError>;
    /// Closes the account's open requests that expired before `now`; how many.
    async fn expire_access_requests_of(
        &mut self,
        account_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
    /// Closes the account's open requests as withdrawn (it moved to another office); how many.
    async fn withdraw_access_requests_of(
        &mut self,
        account_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
    /// The request (not locked).
    async fn get_access_request(&mut self, id: Uuid) -> Result<Option<AccessRequest>, StoreError>;
    /// The request, locked for an answer.
    async fn lock_access_request(&mut self, id: Uuid) -> Result<Option<AccessRequest>, StoreError>;
    /// Writes an answer (status, when, by whom, what was granted, why declined).
    async fn record_access_answer(&mut self, request: &AccessRequest) -> Result<(), StoreError>;
    /// The account's requests, newest first.
    async fn access_requests_of_account(
        &mut self,
        account_id: Uuid,
        limit: i64,
    ) -> Result<Vec<DescribedAccessRequest>, StoreError>;
    /// An office's requests: the open ones (not expired at `now`) oldest first, or the others
    /// newest first; a page.
    async fn access_requests_of_office(
        &mut self,
        office_id: Uuid,
        open: bool,
        now: DateTime<Utc>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<DescribedAccessRequest>, StoreError>;
    /// How many of an office's requests are open at `now`.
    async fn count_open_access_requests(
        &mut self,
        office_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
}

pub(crate) fn pairs_to_json(pairs: &[Pair]) -> String {
    serde_json::to_string(pairs).unwrap_or_else(|_| "[]".into())
}

fn pairs_from_json(text: &str, column: &str) -> Result<Vec<Pair>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccessRequestRow {
    pub id: Uuid,
    pub office_id: Uuid,
    pub account_id: Uuid,
    pub requested: String,
    pub note: Option<String>,
    pub status: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by: Option<Uuid>,
    pub granted: String,
    pub reason: Option<String>,
}

impl TryFrom<AccessRequestRow> for AccessRequest {
    type Error = StoreError;
    fn try_from(r: AccessRequestRow) -> Result<Self, StoreError> {
        Ok(AccessRequest {
            id: r.id,
            office_id: r.office_id,
            account_id: r.account_id,
            requested: pairs_from_json(&r.requested, "access_requests.requested")?,
            note: r.note,
            status: super::sql::parse_enum(
                &r.status,
                "access_requests.status",
                AccessRequestStatus::parse,
            )?,
            created_at: crate::clock::from_millis(r.created_at),
            expires_at: crate::clock::from_millis(r.expires_at),
            decided_at: r.decided_at.map(crate::clock::from_millis),
            decided_by: r.decided_by,
            granted: pairs_from_json(&r.granted, "access_requests.granted")?,
            reason: r.reason,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DescribedRow {
    #[sqlx(flatten)]
    pub request: AccessRequestRow,
    pub account_name: String,
    pub account_email: String,
    pub decided_by_name: Option<String>,
}

impl TryFrom<DescribedRow> for DescribedAccessRequest {
    type Error = StoreError;
    fn try_from(r: DescribedRow) -> Result<Self, StoreError> {
        Ok(DescribedAccessRequest {
            request: r.request.try_into()?,
            account_name: r.account_name,
            account_email: r.account_email,
            decided_by_name: r.decided_by_name,
        })
    }
}

macro_rules! access_request_cols {
    () => {
        "id, office_id, account_id, requested, note, status, created_at, expires_at, decided_at, decided_by, granted, reason"
    };
}

macro_rules! described_access_request_sql {
    () => {
        "SELECT r.id, r.office_id, r.account_id, r.requested, r.note, r.status, r.created_at, \
         r.expires_at, r.decided_at, r.decided_by, r.granted, r.reason, a.name AS account_name, \
         a.email AS account_email, d.name AS decided_by_name \
         FROM access_requests r JOIN accounts a ON a.id = r.account_id \
         LEFT JOIN accounts d ON d.id = r.decided_by "
    };
}

macro_rules! access_requests_sql {
    ($tx:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::access_requests::AccessRequests for $tx {
            async fn insert_access_request(
                &mut self,
                r: &$crate::domain::access_request::AccessRequest,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(concat!(
                    "INSERT INTO access_requests (",
                    access_request_cols!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                ))
                .bind(r.id)
                .bind(r.office_id)
                .bind(r.account_id)
                .bind($crate::store::access_requests::pairs_to_json(&r.requested))
                .bind(&r.note)
                .bind(r.status.as_str())
                .bind($crate::clock::to_millis(r.created_at))
                .bind($crate::clock::to_millis(r.expires_at))
                .bind(r.decided_at.map($crate::clock::to_millis))
                .bind(r.decided_by)
                .bind($crate::store::access_requests::pairs_to_json(&r.granted))
                .bind(&r.reason)
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn expire_access_requests_of(
                &mut self,
                account_id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<u64, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE access_requests SET status = 'expired' \
                     WHERE account_id = $1 AND status = 'open' AND expires_at <= $2",
                )
                .bind(account_id)
                .bind($crate::clock::to_millis(now))
                .execute(self.conn().await?)
                .await?;
                Ok(done.rows_affected())
            }

            async fn withdraw_access_requests_of(
                &mut self,
                account_id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<u64, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE access_requests SET status = 'withdrawn', decided_at = $2 \
                     WHERE account_id = $1 AND status = 'open'",
                )
                .bind(account_id)
                .bind($crate::clock::to_millis(now))
                .execute(self.conn().await?)
                .await?;
                Ok(done.rows_affected())
            }

            async fn get_access_request(
                &mut self,
                id: uuid::Uuid,
            ) -> Result<
                Option<$crate::domain::access_request::AccessRequest>,
                $crate::store::StoreError,
            > {
                let row: Option<$crate::store::access_requests::AccessRequestRow> =
                    sqlx::query_as(concat!(
                        "SELECT ",
                        access_request_cols!(),
                        " FROM access_requests WHERE id = $1"
                    ))
                    .bind(id)
                    .fetch_optional(self.conn().await?)
                    .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn lock_access_request(
                &mut self,
                id: uuid::Uuid,
            ) -> Result<
                Option<$crate::domain::access_request::AccessRequest>,
                $crate::store::StoreError,
            > {
                let sql = if $crate::store::sql::is_postgres::<$db>() {
                    concat!(
                        "SELECT ",
                        access_request_cols!(),
                        " FROM access_requests WHERE id = $1 FOR UPDATE"
                    )
                } else {
                    concat!(
                        "SELECT ",
                        access_request_cols!(),
                        " FROM access_requests WHERE id = $1"
                    )
                };
                let row: Option<$crate::store::access_requests::AccessRequestRow> =
                    sqlx::query_as(sql)
                        .bind(id)
                        .fetch_optional(self.conn().await?)
                        .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn record_access_answer(
                &mut self,
                r: &$crate::domain::access_request::AccessRequest,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE access_requests SET status = $2, decided_at = $3, decided_by = $4, \
                     granted = $5, reason = $6 WHERE id = $1",
                )
                .bind(r.id)
                .bind(r.status.as_str())
                .bind(r.decided_at.map($crate::clock::to_millis))
                .bind(r.decided_by)
                .bind($crate::store::access_requests::pairs_to_json(&r.granted))
                .bind(&r.reason)
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn access_requests_of_account(
                &mut self,
                account_id: uuid::Uuid,
                limit: i64,
            ) -> Result<
                Vec<$crate::store::access_requests::DescribedAccessRequest>,
                $crate::store::StoreError,
            > {
                let rows: Vec<$crate::store::access_requests::DescribedRow> =
                    sqlx::query_as(concat!(
                        described_access_request_sql!(),
                        "WHERE r.account_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2"
                    ))
                    .bind(account_id)
                    .bind(limit)
                    .fetch_all(self.conn().await?)
                    .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn access_requests_of_office(
                &mut self,
                office_id: uuid::Uuid,
                open: bool,
                now: chrono::DateTime<chrono::Utc>,
                limit: i64,
                offset: i64,
            ) -> Result<
                Vec<$crate::store::access_requests::DescribedAccessRequest>,
                $crate::store::StoreError,
            > {
                let sql = if open {
                    concat!(
                        described_access_request_sql!(),
                        "WHERE r.office_id = $1 AND r.status = 'open' AND r.expires_at > $2 \
                         ORDER BY r.created_at, r.id LIMIT $3 OFFSET $4"
                    )
                } else {
                    concat!(
                        described_access_request_sql!(),
                        "WHERE r.office_id = $1 AND (r.status <> 'open' OR r.expires_at <= $2) \
                         ORDER BY r.created_at DESC, r.id DESC LIMIT $3 OFFSET $4"
                    )
                };
                let rows: Vec<$crate::store::access_requests::DescribedRow> = sqlx::query_as(sql)
                    .bind(office_id)
                    .bind($crate::clock::to_millis(now))
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(self.conn().await?)
                    .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn count_open_access_requests(
                &mut self,
                office_id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, $crate::store::StoreError> {
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM access_requests \
                     WHERE office_id = $1 AND status = 'open' AND expires_at > $2",
                )
                .bind(office_id)
                .bind($crate::clock::to_millis(now))
                .fetch_one(self.conn().await?)
                .await?;
                Ok(n)
            }
        }
    };
}
