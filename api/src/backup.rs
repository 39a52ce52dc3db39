//! `poort backup FILE`: a consistent copy of the SQLite database, taken while Poort serves.
//! SQLite's `VACUUM INTO` reads the database in one read transaction (WAL mode: writers go
//! on meanwhile) and writes a compact copy holding exactly what was committed when it began.
//! The copy is written beside FILE under a temporary name, checked with `PRAGMA
//! integrity_check`, and only then renamed to FILE, so FILE is either a whole, checked backup
//! or not there. An existing FILE is never overwritten. PostgreSQL is backed up with its own
//! tools (`pg_dump`, or base backups with WAL archiving).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

use anyhow::{Context, bail};
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use crate::configuration::{DatabaseKind, Settings};

/// What a backup wrote.
#[derive(Debug)]
pub struct Backup {
    pub file: PathBuf,
    pub bytes: u64,
    pub accounts: i64,
    pub seconds: f64,
}

/// Copies the configured SQLite database to `file` (see the module's text).
pub async fn backup(settings: &Settings, file: &Path) -> anyhow::Result<Backup> {
    match settings.database_kind()? {
        DatabaseKind::Sqlite => {}
        DatabaseKind::Postgres => bail!(
            "the database is PostgreSQL: back it up with PostgreSQL's own tools, e.g. \
             `pg_dump --format=custom --file {} \"$DATABASE_URL\"` (restore with pg_restore), \
             or base backups with WAL archiving for point-in-time recovery",
            file.display()
        ),
    }
    let url = &settings.database.url;
    let options = SqliteConnectOptions::from_str(url)?.create_if_missing(false);
    let source = options.get_filename().to_path_buf();
    if url.contains(":memory:") || source.as_os_str() == ":memory:" {
        bail!("the database is in memory ({url}): there is nothing on disk to back up");
    }
    if !source.is_file() {
        bail!("no database at {} (database.url = {url})", source.display());
    }
    if file.exists() {
        bail!(
            "{} exists; a backup never overwrites a file: give a new name",
            file.display()
        );
    }
    let started = Instant::now();
    let partial = partial_name(file);
    let _ = std::fs::remove_file(&partial);
    let result = async {
        let mut live = SqliteConnection::connect_with(
            &options
                .clone()
                .read_only(true)
                .busy_timeout(std::time::Duration::from_secs(30)),
        )
        .await
        .with_context(|| format!("cannot open {}", source.display()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(partial.to_string_lossy().as_ref())
            .execute(&mut live)
            .await
            .with_context(|| format!("cannot write {}", partial.display()))?;
        live.close().await?;
        let mut copy = SqliteConnection::connect_with(
            &SqliteConnectOptions::new()
                .filename(&partial)
                .read_only(true),
        )
        .await?;
        let check: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
            .fetch_all(&mut copy)
            .await?;
        if check.len() != 1 || check[0].0 != "ok" {
            bail!("the copy failed SQLite's integrity check: {check:?}");
        }
        let (accounts,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM accounts")
            .fetch_one(&mut copy)
            .await?;
        copy.close().await?;
        Ok(accounts)
    }
    .await;
    let accounts = match result {
        Ok(accounts) => accounts,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    if file.exists() {
        let _ = std::fs::remove_file(&partial);
        bail!(
            "{} appeared while the backup ran; not overwritten",
            file.display()
        );
    }
    std::fs::rename(&partial, file)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), file.display()))?;
    Ok(Backup {
        file: file.to_path_buf(),
        bytes: std::fs::metadata(file)?.len(),
        accounts,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn partial_name(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    file.with_file_name(name)
}
