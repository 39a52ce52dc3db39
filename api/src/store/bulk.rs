//! Rows inserted many at a time, for the scale seed of development and benchmarks
//! (`poort --dev seed-scale`, [`crate::services::scale`]): multi-row `INSERT`s in one
//! transaction per call, as many rows per statement as the database's limit on bound values
//! allows. Nothing in the service writes through this. It skips no constraint, and no trigger
//! but the one [`BulkStore::insert_rights`] replaces by one statement.

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreError;

/// One column's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Id(Option<Uuid>),
    Text(Option<String>),
    Int(Option<i64>),
    Bytes(Option<Vec<u8>>),
}

/// Rows of one table, each with a value per column, in the order of `columns`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    pub table: &'static str,
    pub columns: &'static [&'static str],
    pub rows: Vec<Vec<Value>>,
}

/// Bound values per statement on SQLite, which takes 32,766: but sqlx finds each SQLite
/// parameter by its name among all of the statement's (a cost that grows with their square):
/// 30,000 made 10,000 accounts in 22.7 s, 1,000 in 1.5 s.
const SQLITE_VALUES_PER_STATEMENT: usize = 1_000;
/// Bound values per statement on PostgreSQL, which takes 65,535. Each statement is a round
/// trip that waited ~40 ms here whatever its size (1,000 values: 2,500 audit events a second;
/// 30,000: many times that).
const POSTGRES_VALUES_PER_STATEMENT: usize = 30_000;

impl Rows {
    /// The `INSERT` statement for `n` rows, with `$1…` placeholders (both databases take them).
    pub(crate) fn statement(&self, n: usize) -> String {
        let width = self.columns.len();
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ",
            self.table,
            self.columns.join(", ")
        );
        for row in 0..n {
            if row > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for col in 0..width {
                if col > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", row * width + col + 1));
            }
            sql.push(')');
        }
        sql
    }

    /// Rows per statement on database `DB`.
    pub(crate) fn per_statement<DB: sqlx::Database>(&self) -> usize {
        let values = if crate::store::sql::is_postgres::<DB>() {
            POSTGRES_VALUES_PER_STATEMENT
        } else {
            SQLITE_VALUES_PER_STATEMENT
        };
        (values / self.columns.len().max(1)).max(1)
    }
}

#[async_trait]
pub trait BulkStore {
    /// Inserts `rows` in one transaction; a row of the wrong width is refused before anything
    /// is written.
    async fn insert_rows(&self, rows: &Rows) -> Result<(), StoreError>;

    /// Inserts rows of `account_rights` (account, portfolio, right, granted at) and brings
    /// the accounts' copy of their rights (`rights_json`) up to date. On PostgreSQL the copy's
    /// row trigger (a refresh of the account per right: a quarter of a second per hundred
    /// rights at 100,000 accounts) is off for this transaction only and the copies are
    /// refreshed once per account at the end of it; on SQLite the trigger does it.
    async fn insert_rights(&self, rows: &Rows) -> Result<(), StoreError>;

    /// Statistics for the planner (`ANALYZE`), so that statements during a long bulk insert
    /// are planned for the tables as they now are.
    async fn analyze(&self) -> Result<(), StoreError>;
}

macro_rules! bulk_store_sql {
    ($store:ty, $db:ty) => {
        impl $store {
            /// The rows' multi-row `INSERT`s on `conn`; a row of the wrong width is refused
            /// before anything is written.
            async fn write_rows(
                conn: &mut <$db as sqlx::Database>::Connection,
                rows: &$crate::store::bulk::Rows,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::bulk::Value;
                if rows.rows.iter().any(|r| r.len() != rows.columns.len()) {
                    return Err($crate::store::StoreError::Corrupt(format!(
                        "a row for {} does not have {} values",
                        rows.table,
                        rows.columns.len()
                    )));
                }
                for chunk in rows.rows.chunks(rows.per_statement::<$db>()) {
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(rows.statement(chunk.len())));
                    for value in chunk.iter().flatten() {
                        query = match value {
                            Value::Id(v) => query.bind(*v),
                            Value::Text(v) => query.bind(v.clone()),
                            Value::Int(v) => query.bind(*v),
                            Value::Bytes(v) => query.bind(v.clone()),
                        };
                    }
                    query.execute(&mut *conn).await?;
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::bulk::BulkStore for $store {
            async fn insert_rows(
                &self,
                rows: &$crate::store::bulk::Rows,
            ) -> Result<(), $crate::store::StoreError> {
                let started = std::time::Instant::now();
                let mut tx = self.begin_write().await?;
                Self::write_rows(&mut tx, rows).await?;
                tx.commit().await?;
                tracing::debug!(table = rows.table, rows = rows.rows.len(), seconds = started.elapsed().as_secs_f64(), "bulk insert");
                Ok(())
            }

            async fn analyze(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query("ANALYZE").execute(&self.pool).await?;
                Ok(())
            }

            async fn insert_rights(&self, rows: &$crate::store::bulk::Rows) -> Result<(), $crate::store::StoreError> {
                use $crate::store::bulk::Value;
                if rows.table != "account_rights" || rows.columns.first() != Some(&"account_id") {
                    return Err($crate::store::StoreError::Corrupt("insert_rights takes account_rights rows, account first".into()));
                }
                if !$crate::store::sql::is_postgres::<$db>() {
                    return self.insert_rows(rows).await;
                }
                let mut accounts: Vec<uuid::Uuid> = rows
                    .rows
                    .iter()
                    .filter_map(|r| match r.first() {
                        Some(Value::Id(Some(id))) => Some(*id),
                        _ => None,
                    })
                    .collect();
                accounts.sort_unstable();
                accounts.dedup();
                let mut tx = self.begin_write().await?;
                // Transactional: a failure below rolls the switch back with the rest.
                sqlx::query("ALTER TABLE account_rights DISABLE TRIGGER account_rights_copy")
                    .execute(&mut *tx)
                    .await?;
                Self::write_rows(&mut tx, rows).await?;
                // One index lookup per account, whatever the statistics say about tables that
                // were empty a moment ago (planned from those, one refresh took 40 s).
                for setting in ["enable_seqscan", "enable_hashjoin", "enable_mergejoin"] {
                    sqlx::query(sqlx::AssertSqlSafe(format!("SET LOCAL {setting} = off")))
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(
                    "UPDATE accounts a SET rights_json = \
                     (SELECT v.rights FROM account_rights_json v WHERE v.account_id = a.id) \
                     WHERE a.id = ANY(CAST($1 AS uuid[]))",
                )
                .bind($crate::store::sql::id_list::<$db>(&accounts))
                .execute(&mut *tx)
                .await?;
                sqlx::query("ALTER TABLE account_rights ENABLE TRIGGER account_rights_copy")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_run_across_rows() {
        let rows = Rows {
            table: "t",
            columns: &["a", "b"],
            rows: vec![],
        };
        assert_eq!(
            rows.statement(2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(rows.per_statement::<sqlx::Sqlite>(), 500);
        assert_eq!(rows.per_statement::<sqlx::Postgres>(), 15_000);
    }
}
