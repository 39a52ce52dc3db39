//! Rows inserted many at a time, for the scale seed of development and benchmarks
//! (`poort --dev seed-scale`, [`crate::services::scale`]): multi-row `INSERT`s in one
//! transaction per call, as many rows per statement as the database's limit on bound values
//! allows. Nothing in the service writes through this; it skips no trigger or constraint.

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

/// Bound values per statement: under SQLite's 32,766 and PostgreSQL's 65,535.
const VALUES_PER_STATEMENT: usize = 30_000;

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

    /// Rows per statement.
    pub(crate) fn per_statement(&self) -> usize {
        (VALUES_PER_STATEMENT / self.columns.len().max(1)).max(1)
    }
}

#[async_trait]
pub trait BulkStore {
    /// Inserts `rows` in one transaction; a row of the wrong width is refused before anything
    /// is written.
    async fn insert_rows(&self, rows: &Rows) -> Result<(), StoreError>;
}

macro_rules! bulk_store_sql {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::bulk::BulkStore for $store {
            async fn insert_rows(
                &self,
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
                let mut tx = self.begin_write().await?;
                for chunk in rows.rows.chunks(rows.per_statement()) {
                    let sql = rows.statement(chunk.len());
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for value in chunk.iter().flatten() {
                        query = match value {
                            Value::Id(v) => query.bind(*v),
                            Value::Text(v) => query.bind(v.clone()),
                            Value::Int(v) => query.bind(*v),
                            Value::Bytes(v) => query.bind(v.clone()),
                        };
                    }
                    query.execute(&mut *tx).await?;
                }
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
        assert_eq!(rows.per_statement(), 15_000);
    }
}
