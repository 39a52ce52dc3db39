//! A fresh, empty database per test: an SQLite file in a temporary folder, or a PostgreSQL
//! database created for the test and dropped afterwards.

use std::path::PathBuf;
use std::str::FromStr;

use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Sqlite => "sqlite",
            Kind::Postgres => "postgres",
        }
    }
}

pub struct TestDatabase {
    pub kind: Kind,
    /// What `database.url` should be.
    pub url: String,
    /// Holds the SQLite file (and anything else the test keeps) until the test ends.
    pub dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

/// The PostgreSQL server for tests, from `POORT_TEST_POSTGRES_URL` (set by `cargo xtask test`).
/// `None` means: not available here. Under `CI=true` that is a failure, never a silent skip.
pub fn postgres_admin_url() -> Option<String> {
    let url = std::env::var("POORT_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "POORT_TEST_POSTGRES_URL is not set, and CI=true: PostgreSQL tests must run"
        );
        eprintln!(
            "!!! PostgreSQL test NOT RUN: POORT_TEST_POSTGRES_URL is not set (cargo xtask test sets it)"
        );
    }
    url
}

impl TestDatabase {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}", dir.path().join("poort.sqlite").display());
        Self {
            kind: Kind::Sqlite,
            url,
            dir,
            postgres: None,
        }
    }

    /// A new database on the test PostgreSQL server, or `None` when there is none (see
    /// [`postgres_admin_url`]).
    pub async fn postgres() -> Option<Self> {
        let admin = postgres_admin_url()?;
        let name = format!("poort_t_{}", uuid::Uuid::new_v4().simple());
        let options = PgConnectOptions::from_str(&admin).expect("POORT_TEST_POSTGRES_URL");
        let mut conn = PgConnection::connect_with(&options)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL at {admin}: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut conn)
            .await
            .expect("CREATE DATABASE");
        let url = with_database(&admin, &name);
        Some(Self {
            kind: Kind::Postgres,
            url,
            dir: tempfile::tempdir().expect("temporary folder"),
            postgres: Some((admin, name)),
        })
    }

    pub async fn new(kind: Kind) -> Option<Self> {
        match kind {
            Kind::Sqlite => Some(Self::sqlite()),
            Kind::Postgres => Self::postgres().await,
        }
    }

    /// Another handle on the same database (for a second instance); it does not own the
    /// files or the database, the original does.
    pub fn share(&self) -> Self {
        Self {
            kind: self.kind,
            url: self.url.clone(),
            dir: tempfile::tempdir().expect("temporary folder"),
            postgres: None,
        }
    }

    /// Like [`TestDatabase::drop_database`], for a database still borrowed elsewhere.
    pub async fn drop_database_ref(&self) {
        if let Some((admin, name)) = &self.postgres
            && let Ok(options) = PgConnectOptions::from_str(admin)
            && let Ok(mut conn) = PgConnection::connect_with(&options).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await;
        }
    }

    /// Runs one SQL statement on the database, as an operator with a database console would:
    /// only to arrange data the product itself cannot make (such as an account migrated from
    /// before two-step verification). Returns the number of rows changed.
    pub async fn execute(&self, sql: &str) -> u64 {
        match self.kind {
            Kind::Sqlite => {
                let options = sqlx::sqlite::SqliteConnectOptions::from_str(&self.url)
                    .expect("SQLite URL")
                    .busy_timeout(std::time::Duration::from_secs(10));
                let mut conn = sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .expect("connect to SQLite");
                sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                    .execute(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
                    .rows_affected()
            }
            Kind::Postgres => {
                let options = PgConnectOptions::from_str(&self.url).expect("PostgreSQL URL");
                let mut conn = PgConnection::connect_with(&options)
                    .await
                    .expect("connect to PostgreSQL");
                sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                    .execute(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
                    .rows_affected()
            }
        }
    }

    /// Reads one number (`SELECT COUNT(*) …`) from the database, as an operator's console would.
    pub async fn count(&self, sql: &str) -> i64 {
        match self.kind {
            Kind::Sqlite => {
                let options = sqlx::sqlite::SqliteConnectOptions::from_str(&self.url)
                    .expect("SQLite URL")
                    .busy_timeout(std::time::Duration::from_secs(10));
                let mut conn = sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .expect("connect to SQLite");
                let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
                    .fetch_one(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                n
            }
            Kind::Postgres => {
                let options = PgConnectOptions::from_str(&self.url).expect("PostgreSQL URL");
                let mut conn = PgConnection::connect_with(&options)
                    .await
                    .expect("connect to PostgreSQL");
                let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
                    .fetch_one(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                n
            }
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// Drops the PostgreSQL database (connections of a still-running server are ended).
    pub async fn drop_database(self) {
        self.drop_database_ref().await;
    }
}

/// The same server URL with another database name.
pub fn with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (before_query, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let authority = before_query.split('/').next().unwrap_or(before_query);
    match query {
        Some(q) => format!("{scheme}://{authority}/{database}?{q}"),
        None => format!("{scheme}://{authority}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced_and_parameters_kept() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u@h:5432/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
