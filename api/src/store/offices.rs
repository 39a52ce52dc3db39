//! Offices, their portfolios, the rights catalogue and the rights accounts hold on portfolios.
//! An office's KvK number and a portfolio's agency number are unique (a write that repeats one
//! fails with [`StoreError::Conflict`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use poort_shared::dto::{OfficeSort, SortOrder};
use poort_shared::validate::{AgencyNumber, KvkNumber};
use uuid::Uuid;

use super::StoreError;
use super::sql::parse_text;
use crate::clock::from_millis;
use crate::domain::{AccountRight, Office, OfficeSummary, Portfolio, Right};

#[async_trait]
pub trait Offices: Send {
    /// Fails with `Conflict` when the KvK number is taken.
    async fn insert_office(&mut self, office: &Office) -> Result<(), StoreError>;
    /// Writes name, KvK number and `updated_at`; `Conflict` when the KvK number is taken.
    async fn update_office(&mut self, office: &Office) -> Result<(), StoreError>;
    async fn get_office(&mut self, id: Uuid) -> Result<Option<Office>, StoreError>;
    /// Takes the office's row lock: serialises changes that must keep an office invariant
    /// (at least one administrator) across instances.
    async fn lock_office(&mut self, id: Uuid) -> Result<(), StoreError>;
    /// One page of the offices (optionally those matching part of the name, the KvK number or
    /// one of their agency numbers) in the order asked, with their numbers of portfolios and
    /// accounts; and how many match in all.
    async fn list_offices(
        &mut self,
        listing: &OfficeListing<'_>,
    ) -> Result<(Vec<OfficeSummary>, i64), StoreError>;
    /// One office with its numbers of portfolios and accounts.
    async fn office_summary(&mut self, id: Uuid) -> Result<Option<OfficeSummary>, StoreError>;

    /// Fails with `Conflict` when the agency number is taken.
    async fn insert_portfolio(&mut self, portfolio: &Portfolio) -> Result<(), StoreError>;
    /// Writes agency number, name and `updated_at` (the rights copies of the accounts with
    /// rights on it follow); `Conflict` when the agency number is taken.
    async fn update_portfolio(&mut self, portfolio: &Portfolio) -> Result<(), StoreError>;
    async fn get_portfolio(&mut self, id: Uuid) -> Result<Option<Portfolio>, StoreError>;
    async fn find_portfolio_by_agency_number(
        &mut self,
        agency_number: &AgencyNumber,
    ) -> Result<Option<Portfolio>, StoreError>;
    /// The office's portfolios by agency number.
    async fn portfolios_of(&mut self, office_id: Uuid) -> Result<Vec<Portfolio>, StoreError>;

    /// The rights that can be granted, in catalogue order.
    async fn rights_catalogue(&mut self) -> Result<Vec<Right>, StoreError>;
    /// The account's rights by agency number and catalogue order.
    async fn rights_of_account(
        &mut self,
        account_id: Uuid,
    ) -> Result<Vec<AccountRight>, StoreError>;
    /// The rights of the accounts given (one query), by account, agency number and catalogue
    /// order.
    async fn rights_of_accounts(
        &mut self,
        account_ids: &[Uuid],
    ) -> Result<Vec<AccountRight>, StoreError>;
    /// The names of the offices given that exist (one query).
    async fn office_names(&mut self, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>, StoreError>;
    /// The rights of every account of the office, by account, agency number and catalogue order.
    async fn rights_in_office(&mut self, office_id: Uuid) -> Result<Vec<AccountRight>, StoreError>;
    /// Replaces all rights of the account by `rights` (portfolio, right code).
    async fn replace_rights(
        &mut self,
        account_id: Uuid,
        rights: &[(Uuid, String)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct OfficeRow {
    pub id: Uuid,
    pub name: String,
    pub kvk_number: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl TryFrom<OfficeRow> for Office {
    type Error = StoreError;
    fn try_from(r: OfficeRow) -> Result<Self, StoreError> {
        Ok(Office {
            id: r.id,
            name: r.name,
            kvk_number: parse_text(&r.kvk_number, "offices.kvk_number", KvkNumber::parse)?,
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OfficeSummaryRow {
    #[sqlx(flatten)]
    pub office: OfficeRow,
    pub portfolio_count: i64,
    pub account_count: i64,
}

impl TryFrom<OfficeSummaryRow> for OfficeSummary {
    type Error = StoreError;
    fn try_from(r: OfficeSummaryRow) -> Result<Self, StoreError> {
        Ok(OfficeSummary {
            office: r.office.try_into()?,
            portfolio_count: r.portfolio_count,
            account_count: r.account_count,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PortfolioRow {
    pub id: Uuid,
    pub office_id: Uuid,
    pub agency_number: String,
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl TryFrom<PortfolioRow> for Portfolio {
    type Error = StoreError;
    fn try_from(r: PortfolioRow) -> Result<Self, StoreError> {
        Ok(Portfolio {
            id: r.id,
            office_id: r.office_id,
            agency_number: parse_text(
                &r.agency_number,
                "portfolios.agency_number",
                AgencyNumber::parse,
            )?,
            name: r.name,
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRightRow {
    pub account_id: Uuid,
    pub portfolio_id: Uuid,
    pub agency_number: String,
    pub portfolio_name: String,
    pub right_code: String,
}

impl TryFrom<AccountRightRow> for AccountRight {
    type Error = StoreError;
    fn try_from(r: AccountRightRow) -> Result<Self, StoreError> {
        Ok(AccountRight {
            account_id: r.account_id,
            portfolio_id: r.portfolio_id,
            agency_number: parse_text(
                &r.agency_number,
                "portfolios.agency_number",
                AgencyNumber::parse,
            )?,
            portfolio_name: r.portfolio_name,
            right_code: r.right_code,
        })
    }
}

pub(crate) fn all<R, T: TryFrom<R, Error = StoreError>>(
    rows: Vec<R>,
) -> Result<Vec<T>, StoreError> {
    rows.into_iter().map(T::try_from).collect()
}

macro_rules! portfolio_cols {
    () => {
        "id, office_id, agency_number, name, created_at, updated_at"
    };
}

/// A page of the office list: the search, the order and the page.
#[derive(Debug, Clone, Copy)]
pub struct OfficeListing<'a> {
    pub query: Option<&'a str>,
    pub sort: OfficeSort,
    pub order: SortOrder,
    pub offset: i64,
    pub limit: i64,
}

impl<'a> OfficeListing<'a> {
    /// The first `limit` offices by name, matching `query` when given.
    pub fn by_name(query: Option<&'a str>, limit: i64) -> Self {
        OfficeListing {
            query,
            sort: OfficeSort::Name,
            order: SortOrder::Asc,
            offset: 0,
            limit,
        }
    }

    /// The statement's `WHERE` (with `$1` the search pattern, when there is a search) and
    /// `ORDER BY`; both are made from fixed pieces only. Ties are broken by name and id, so
    /// pages never overlap.
    pub(crate) fn clauses(&self) -> (&'static str, String) {
        let filter = if self.query.is_some() {
            "WHERE LOWER(o.name) LIKE $1 ESCAPE '\\' OR o.kvk_number LIKE $1 ESCAPE '\\' \
             OR EXISTS (SELECT 1 FROM portfolios p WHERE p.office_id = o.id \
                        AND LOWER(p.agency_number) LIKE $1 ESCAPE '\\') "
        } else {
            ""
        };
        let dir = match self.order {
            SortOrder::Asc => "ASC",
            SortOrder::Desc => "DESC",
        };
        let order = match self.sort {
            OfficeSort::Name => format!("ORDER BY LOWER(o.name) {dir}, o.id {dir}"),
            OfficeSort::KvkNumber => format!("ORDER BY o.kvk_number {dir}, o.id {dir}"),
            OfficeSort::CreatedAt => format!("ORDER BY o.created_at {dir}, o.id {dir}"),
            OfficeSort::AccountCount => {
                format!("ORDER BY account_count {dir}, LOWER(o.name) ASC, o.id ASC")
            }
        };
        (filter, order)
    }
}

macro_rules! office_summary_select {
    () => {
        "SELECT o.id, o.name, o.kvk_number, o.created_at, o.updated_at, \
                (SELECT COUNT(*) FROM portfolios p WHERE p.office_id = o.id) AS portfolio_count, \
                (SELECT COUNT(*) FROM accounts a WHERE a.office_id = o.id) AS account_count \
         FROM offices o "
    };
}

macro_rules! account_rights_select {
    () => {
        "SELECT r.account_id, r.portfolio_id, p.agency_number, p.name AS portfolio_name, r.right_code \
         FROM account_rights r JOIN portfolios p ON p.id = r.portfolio_id JOIN rights c ON c.code = r.right_code "
    };
}

macro_rules! offices_sql {
    ($tx:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::offices::Offices for $tx {
            async fn insert_office(&mut self, o: &$crate::domain::Office) -> Result<(), $crate::store::StoreError> {
                sqlx::query("INSERT INTO offices (id, name, kvk_number, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(o.id)
                    .bind(&o.name)
                    .bind(o.kvk_number.as_str())
                    .bind($crate::clock::to_millis(o.created_at))
                    .bind($crate::clock::to_millis(o.updated_at))
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn update_office(&mut self, o: &$crate::domain::Office) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE offices SET name = $2, kvk_number = $3, updated_at = $4 WHERE id = $1")
                    .bind(o.id)
                    .bind(&o.name)
                    .bind(o.kvk_number.as_str())
                    .bind($crate::clock::to_millis(o.updated_at))
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn get_office(&mut self, id: uuid::Uuid) -> Result<Option<$crate::domain::Office>, $crate::store::StoreError> {
                let row: Option<$crate::store::offices::OfficeRow> =
                    sqlx::query_as("SELECT id, name, kvk_number, created_at, updated_at FROM offices WHERE id = $1")
                        .bind(id)
                        .fetch_optional(self.conn().await?)
                        .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn lock_office(&mut self, id: uuid::Uuid) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE offices SET updated_at = updated_at WHERE id = $1")
                    .bind(id)
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn list_offices(
                &mut self,
                listing: &$crate::store::offices::OfficeListing<'_>,
            ) -> Result<(Vec<$crate::domain::OfficeSummary>, i64), $crate::store::StoreError> {
                type Row = $crate::store::offices::OfficeSummaryRow;
                let (filter, order) = listing.clauses();
                let pattern = listing.query.map($crate::store::sql::like_pattern);
                let next = if pattern.is_some() { 2 } else { 1 };
                let page_sql = format!(
                    "{}{filter}{order} LIMIT ${next} OFFSET ${}",
                    office_summary_select!(),
                    next + 1
                );
                let count_sql = format!("SELECT COUNT(*) FROM offices o {filter}");
                let conn = self.conn().await?;
                let mut page = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(page_sql));
                let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
                if let Some(pattern) = &pattern {
                    page = page.bind(pattern.clone());
                    count = count.bind(pattern.clone());
                }
                let rows = page
                    .bind(listing.limit)
                    .bind(listing.offset)
                    .fetch_all(&mut *conn)
                    .await?;
                let total = count.fetch_one(&mut *conn).await?;
                Ok(($crate::store::offices::all(rows)?, total))
            }

            async fn office_summary(&mut self, id: uuid::Uuid) -> Result<Option<$crate::domain::OfficeSummary>, $crate::store::StoreError> {
                let row: Option<$crate::store::offices::OfficeSummaryRow> =
                    sqlx::query_as(concat!(office_summary_select!(), "WHERE o.id = $1"))
                        .bind(id)
                        .fetch_optional(self.conn().await?)
                        .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn insert_portfolio(&mut self, p: &$crate::domain::Portfolio) -> Result<(), $crate::store::StoreError> {
                sqlx::query(concat!("INSERT INTO portfolios (", portfolio_cols!(), ") VALUES ($1, $2, $3, $4, $5, $6)"))
                    .bind(p.id)
                    .bind(p.office_id)
                    .bind(p.agency_number.as_str())
                    .bind(&p.name)
                    .bind($crate::clock::to_millis(p.created_at))
                    .bind($crate::clock::to_millis(p.updated_at))
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn update_portfolio(&mut self, p: &$crate::domain::Portfolio) -> Result<(), $crate::store::StoreError> {
                if $crate::store::sql::is_postgres::<$db>() {
                    // The accounts whose rights copy the rename rewrites, locked before the
                    // portfolio row: the order in which a change of rights takes them.
                    sqlx::query(
                        "SELECT 1 FROM accounts WHERE id IN \
                         (SELECT account_id FROM account_rights WHERE portfolio_id = $1) ORDER BY id FOR UPDATE",
                    )
                    .bind(p.id)
                    .execute(self.conn().await?)
                    .await?;
                }
                sqlx::query("UPDATE portfolios SET agency_number = $2, name = $3, updated_at = $4 WHERE id = $1")
                    .bind(p.id)
                    .bind(p.agency_number.as_str())
                    .bind(&p.name)
                    .bind($crate::clock::to_millis(p.updated_at))
                    .execute(self.conn().await?)
                    .await?;
                Ok(())
            }

            async fn get_portfolio(&mut self, id: uuid::Uuid) -> Result<Option<$crate::domain::Portfolio>, $crate::store::StoreError> {
                let row: Option<$crate::store::offices::PortfolioRow> =
                    sqlx::query_as(concat!("SELECT ", portfolio_cols!(), " FROM portfolios WHERE id = $1"))
                        .bind(id)
                        .fetch_optional(self.conn().await?)
                        .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn find_portfolio_by_agency_number(
                &mut self,
                agency_number: &poort_shared::validate::AgencyNumber,
            ) -> Result<Option<$crate::domain::Portfolio>, $crate::store::StoreError> {
                let row: Option<$crate::store::offices::PortfolioRow> =
                    sqlx::query_as(concat!("SELECT ", portfolio_cols!(), " FROM portfolios WHERE agency_number = $1"))
                        .bind(agency_number.as_str())
                        .fetch_optional(self.conn().await?)
                        .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn portfolios_of(&mut self, office_id: uuid::Uuid) -> Result<Vec<$crate::domain::Portfolio>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::offices::PortfolioRow> = sqlx::query_as(concat!(
                    "SELECT ", portfolio_cols!(), " FROM portfolios WHERE office_id = $1 ORDER BY agency_number"
                ))
                .bind(office_id)
                .fetch_all(self.conn().await?)
                .await?;
                $crate::store::offices::all(rows)
            }

            async fn rights_catalogue(&mut self) -> Result<Vec<$crate::domain::Right>, $crate::store::StoreError> {
                let rows: Vec<(String, String, String)> =
                    sqlx::query_as("SELECT code, label_nl, label_en FROM rights ORDER BY position, code")
                        .fetch_all(self.conn().await?)
                        .await?;
                Ok(rows
                    .into_iter()
                    .map(|(code, label_nl, label_en)| $crate::domain::Right { code, label_nl, label_en })
                    .collect())
            }

            async fn rights_of_account(&mut self, account_id: uuid::Uuid) -> Result<Vec<$crate::domain::AccountRight>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::offices::AccountRightRow> = sqlx::query_as(concat!(
                    account_rights_select!(),
                    "WHERE r.account_id = $1 ORDER BY p.agency_number, c.position"
                ))
                .bind(account_id)
                .fetch_all(self.conn().await?)
                .await?;
                $crate::store::offices::all(rows)
            }

            async fn rights_of_accounts(
                &mut self,
                account_ids: &[uuid::Uuid],
            ) -> Result<Vec<$crate::domain::AccountRight>, $crate::store::StoreError> {
                if account_ids.is_empty() {
                    return Ok(Vec::new());
                }
                // From each account's copy of its rights: one row per account, not per right.
                let sql = if $crate::store::sql::is_postgres::<$db>() {
                    "SELECT id, rights_json FROM accounts WHERE id = ANY(CAST($1 AS uuid[])) ORDER BY id"
                } else {
                    "SELECT id, rights_json FROM accounts WHERE id IN (SELECT unhex(value) FROM json_each($1)) ORDER BY id"
                };
                let rows: Vec<(uuid::Uuid, Option<String>)> = sqlx::query_as(sql)
                    .bind($crate::store::sql::id_list::<$db>(account_ids))
                    .fetch_all(self.conn().await?)
                    .await?;
                let mut out = Vec::new();
                for (id, copy) in rows {
                    out.extend($crate::store::sessions::rights_from_copy(id, copy.as_deref())?);
                }
                Ok(out)
            }

            async fn office_names(
                &mut self,
                ids: &[uuid::Uuid],
            ) -> Result<Vec<(uuid::Uuid, String)>, $crate::store::StoreError> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let conn = self.conn().await?;
                Ok(if $crate::store::sql::is_postgres::<$db>() {
                    sqlx::query_as("SELECT id, name FROM offices WHERE id = ANY(CAST($1 AS uuid[]))")
                        .bind($crate::store::sql::id_list::<$db>(ids))
                        .fetch_all(conn)
                        .await?
                } else {
                    sqlx::query_as("SELECT id, name FROM offices WHERE id IN (SELECT unhex(value) FROM json_each($1))")
                        .bind($crate::store::sql::id_list::<$db>(ids))
                        .fetch_all(conn)
                        .await?
                })
            }

            async fn rights_in_office(&mut self, office_id: uuid::Uuid) -> Result<Vec<$crate::domain::AccountRight>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::offices::AccountRightRow> = sqlx::query_as(concat!(
                    account_rights_select!(),
                    "WHERE p.office_id = $1 ORDER BY r.account_id, p.agency_number, c.position"
                ))
                .bind(office_id)
                .fetch_all(self.conn().await?)
                .await?;
                $crate::store::offices::all(rows)
            }

            async fn replace_rights(
                &mut self,
                account_id: uuid::Uuid,
                rights: &[(uuid::Uuid, String)],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM account_rights WHERE account_id = $1")
                    .bind(account_id)
                    .execute(self.conn().await?)
                    .await?;
                for (portfolio_id, code) in rights {
                    sqlx::query(
                        "INSERT INTO account_rights (account_id, portfolio_id, right_code, granted_at) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(account_id)
                    .bind(*portfolio_id)
                    .bind(code)
                    .bind($crate::clock::to_millis(now))
                    .execute(self.conn().await?)
                    .await?;
                }
                Ok(())
            }
        }
    };
}
