//! Move requests: offices asking the relations team to move a person in from another office.

use async_trait::async_trait;
use poort_shared::dto::MoveRequestStatus;
use uuid::Uuid;

use super::StoreError;
use crate::domain::move_request::MoveRequest;

/// A request with the names the relations team's list shows.
#[derive(Debug, Clone)]
pub struct DescribedMoveRequest {
    pub request: MoveRequest,
    pub account_name: String,
    pub account_email: String,
    pub from_office_name: String,
    pub to_office_name: String,
    pub requested_by_name: Option<String>,
}

#[async_trait]
pub trait MoveRequests: Send {
    /// Records an open request; one open already for the account and office is
    /// [`StoreError::Conflict`].
    async fn insert_move_request(&mut self, request: &MoveRequest) -> Result<(), StoreError>;
    /// The request, locked for an answer.
    async fn lock_move_request(&mut self, id: Uuid) -> Result<Option<MoveRequest>, StoreError>;
    /// Writes a decline (status, when, by whom, why).
    async fn record_move_answer(&mut self, request: &MoveRequest) -> Result<(), StoreError>;
    /// The account's open requests (the account is locked by the caller).
    async fn open_move_requests_of(
        &mut self,
        account_id: Uuid,
    ) -> Result<Vec<MoveRequest>, StoreError>;
    /// The open requests, oldest first; a page.
    async fn open_move_requests(
        &mut self,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<DescribedMoveRequest>, StoreError>;
    /// One request, described.
    async fn described_move_request(
        &mut self,
        id: Uuid,
    ) -> Result<Option<DescribedMoveRequest>, StoreError>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct MoveRequestRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub from_office_id: Uuid,
    pub to_office_id: Uuid,
    pub requested_by: Option<Uuid>,
    pub note: Option<String>,
    pub status: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by: Option<Uuid>,
    pub reason: Option<String>,
}

impl TryFrom<MoveRequestRow> for MoveRequest {
    type Error = StoreError;
    fn try_from(r: MoveRequestRow) -> Result<Self, StoreError> {
        Ok(MoveRequest {
            id: r.id,
            account_id: r.account_id,
            from_office_id: r.from_office_id,
            to_office_id: r.to_office_id,
            requested_by: r.requested_by,
            note: r.note,
            status: super::sql::parse_enum(
                &r.status,
                "move_requests.status",
                MoveRequestStatus::parse,
            )?,
            created_at: crate::clock::from_millis(r.created_at),
            decided_at: r.decided_at.map(crate::clock::from_millis),
            decided_by: r.decided_by,
            reason: r.reason,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DescribedRow {
    #[sqlx(flatten)]
    pub request: MoveRequestRow,
    pub account_name: String,
    pub account_email: String,
    pub from_office_name: String,
    pub to_office_name: String,
    pub requested_by_name: Option<String>,
}

impl TryFrom<DescribedRow> for DescribedMoveRequest {
    type Error = StoreError;
    fn try_from(r: DescribedRow) -> Result<Self, StoreError> {
        Ok(DescribedMoveRequest {
            request: r.request.try_into()?,
            account_name: r.account_name,
            account_email: r.account_email,
            from_office_name: r.from_office_name,
            to_office_name: r.to_office_name,
            requested_by_name: r.requested_by_name,
        })
    }
}

macro_rules! move_request_cols {
    () => {
        "id, account_id, from_office_id, to_office_id, requested_by, note, status, created_at, decided_at, decided_by, reason"
    };
}

macro_rules! described_move_request_sql {
    () => {
        "SELECT m.id, m.account_id, m.from_office_id, m.to_office_id, m.requested_by, m.note, \
         m.status, m.created_at, m.decided_at, m.decided_by, m.reason, a.name AS account_name, \
         a.email AS account_email, f.name AS from_office_name, t.name AS to_office_name, \
         q.name AS requested_by_name \
         FROM move_requests m JOIN accounts a ON a.id = m.account_id \
         JOIN offices f ON f.id = m.from_office_id JOIN offices t ON t.id = m.to_office_id \
         LEFT JOIN accounts q ON q.id = m.requested_by "
    };
}

macro_rules! move_requests_sql {
    ($tx:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::move_requests::MoveRequests for $tx {
            async fn insert_move_request(
                &mut self,
                r: &$crate::domain::move_request::MoveRequest,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(concat!(
                    "INSERT INTO move_requests (",
                    move_request_cols!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                ))
                .bind(r.id)
                .bind(r.account_id)
                .bind(r.from_office_id)
                .bind(r.to_office_id)
                .bind(r.requested_by)
                .bind(&r.note)
                .bind(r.status.as_str())
                .bind($crate::clock::to_millis(r.created_at))
                .bind(r.decided_at.map($crate::clock::to_millis))
                .bind(r.decided_by)
                .bind(&r.reason)
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn lock_move_request(
                &mut self,
                id: uuid::Uuid,
            ) -> Result<Option<$crate::domain::move_request::MoveRequest>, $crate::store::StoreError> {
                let sql = if $crate::store::sql::is_postgres::<$db>() {
                    concat!("SELECT ", move_request_cols!(), " FROM move_requests WHERE id = $1 FOR UPDATE")
                } else {
                    concat!("SELECT ", move_request_cols!(), " FROM move_requests WHERE id = $1")
                };
                let row: Option<$crate::store::move_requests::MoveRequestRow> =
                    sqlx::query_as(sql).bind(id).fetch_optional(self.conn().await?).await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn record_move_answer(
                &mut self,
                r: &$crate::domain::move_request::MoveRequest,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE move_requests SET status = $2, decided_at = $3, decided_by = $4, reason = $5 WHERE id = $1",
                )
                .bind(r.id)
                .bind(r.status.as_str())
                .bind(r.decided_at.map($crate::clock::to_millis))
                .bind(r.decided_by)
                .bind(&r.reason)
                .execute(self.conn().await?)
                .await?;
                Ok(())
            }

            async fn open_move_requests_of(
                &mut self,
                account_id: uuid::Uuid,
            ) -> Result<Vec<$crate::domain::move_request::MoveRequest>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::move_requests::MoveRequestRow> = sqlx::query_as(concat!(
                    "SELECT ", move_request_cols!(),
                    " FROM move_requests WHERE account_id = $1 AND status = 'open' ORDER BY created_at, id"
                ))
                .bind(account_id)
                .fetch_all(self.conn().await?)
                .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn open_move_requests(
                &mut self,
                limit: i64,
                offset: i64,
            ) -> Result<Vec<$crate::store::move_requests::DescribedMoveRequest>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::move_requests::DescribedRow> = sqlx::query_as(concat!(
                    described_move_request_sql!(),
                    "WHERE m.status = 'open' ORDER BY m.created_at, m.id LIMIT $1 OFFSET $2"
                ))
                .bind(limit)
                .bind(offset)
                .fetch_all(self.conn().await?)
                .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn described_move_request(
                &mut self,
                id: uuid::Uuid,
            ) -> Result<Option<$crate::store::move_requests::DescribedMoveRequest>, $crate::store::StoreError> {
                let row: Option<$crate::store::move_requests::DescribedRow> = sqlx::query_as(concat!(
                    described_move_request_sql!(),
                    "WHERE m.id = $1"
                ))
                .bind(id)
                .fetch_optional(self.conn().await?)
                .await?;
                row.map(TryInto::try_into).transpose()
            }
        }
    };
}
