//! What the SQL of every aggregate shares: ids, instants, enum columns, LIKE patterns, the
//! PostgreSQL statement combiner, and the plumbing of a transaction type ([`tx_plumbing!`],
//! [`tx_base!`]).
//!
//! Why macros and not generics over `sqlx::Database`: the trait bounds sqlx needs for a
//! generic executor are long and leak into every method; a macro keeps each statement written
//! once while each instantiation is plain, concretely typed sqlx code. Each aggregate's file
//! has one macro with its statements, instantiated for the four connection types (SQLite and
//! PostgreSQL, writing and reading) by [`super::all_tx_impls!`].

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreError;
use crate::clock::from_millis;

/// Binds a statement's values (owned, so the statement can wait for its transaction's next
/// round trip; see [`combine`]).
pub(crate) type Binder<DB> = Box<
    dyn FnOnce(
            sqlx::query::Query<'static, DB, <DB as sqlx::Database>::Arguments>,
        ) -> sqlx::query::Query<'static, DB, <DB as sqlx::Database>::Arguments>
        + Send,
>;

/// One PostgreSQL statement that runs several writes: all but the last become data-modifying
/// `WITH` clauses (which always run to completion), their `$n` placeholders renumbered to
/// follow the ones before. The writes must not depend on each other: they see the same
/// snapshot, and must touch different rows.
pub(crate) fn combine(statements: &[&str]) -> String {
    let Some((last, first)) = statements.split_last() else {
        return String::new();
    };
    let mut sql = String::new();
    let mut offset = 0;
    for (i, statement) in first.iter().enumerate() {
        sql.push_str(if i == 0 { "WITH " } else { ", " });
        sql.push_str(&format!("w{i} AS ("));
        offset = renumber(statement, offset, &mut sql);
        sql.push(')');
    }
    if !first.is_empty() {
        sql.push(' ');
    }
    renumber(last, offset, &mut sql);
    sql
}

/// Appends `statement` with each `$n` placeholder shifted by `offset`; returns the highest
/// number written. A `$` inside a string literal (`'…'`, with `''` inside), a quoted
/// identifier (`"…"`) or a `--` comment is text, not a placeholder, and is copied as it is.
fn renumber(statement: &str, offset: usize, out: &mut String) -> usize {
    let mut highest = offset;
    let mut chars = statement.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            '\'' | '"' => {
                // To the closing quote; a doubled quote inside is one quote and goes on.
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == '\n' {
                        break;
                    }
                }
            }
            '$' => {
                let mut digits = String::new();
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    digits.push(d);
                }
                if let Ok(n) = digits.parse::<usize>() {
                    highest = highest.max(offset + n);
                    out.push_str(&(offset + n).to_string());
                } else {
                    out.push_str(&digits);
                }
            }
            _ => {}
        }
    }
    highest
}

/// A UUIDv7 (time-ordered, so ids index well) that is also strictly increasing within this
/// process: a 12-bit sequence after the millisecond keeps ids made in the same millisecond in
/// order, so "newest first" can sort by id alone.
pub fn new_id(now: DateTime<Utc>) -> Uuid {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST: AtomicU64 = AtomicU64::new(0);
    let candidate = u64::try_from(now.timestamp_millis()).unwrap_or(0) << 12;
    let mut previous = LAST.load(Ordering::Relaxed);
    let next = loop {
        let next = candidate.max(previous + 1);
        match LAST.compare_exchange_weak(previous, next, Ordering::SeqCst, Ordering::Relaxed) {
            Ok(_) => break next,
            Err(actual) => previous = actual,
        }
    };
    id_v7(next >> 12, next & 0xfff)
}

/// A UUIDv7 of Unix millisecond `millis` whose 12-bit `sequence` (the low 12 bits are taken)
/// orders ids of one millisecond; the rest is random.
pub fn id_v7(millis: u64, sequence: u64) -> Uuid {
    let mut bytes = *Uuid::new_v4().as_bytes();
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    bytes[6] = 0x70 | ((sequence >> 8) as u8 & 0x0f);
    bytes[7] = (sequence & 0xff) as u8;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

/// Reads a column that holds one of an enum's wire names.
pub(crate) fn parse_enum<T>(
    value: &str,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    parse(value).ok_or_else(|| StoreError::Corrupt(format!("{column} = {value:?}")))
}

/// Reads a column that holds a parsed text value (e-mail, number, …).
pub(crate) fn parse_text<T>(
    value: &str,
    column: &str,
    parse: fn(&str) -> Result<T, poort_shared::ErrorCode>,
) -> Result<T, StoreError> {
    parse(value).map_err(|_| StoreError::Corrupt(format!("{column} = {value:?}")))
}

pub(crate) fn opt_millis(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.map(from_millis)
}

pub(crate) fn opt_to_millis(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(crate::clock::to_millis)
}

/// `%text%` for LIKE, with the wildcards in `text` escaped (ESCAPE '\').
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Ids as one text parameter of statements both databases run: for PostgreSQL an array
/// literal (`= ANY(CAST($1 AS uuid[]))`), for SQLite a JSON array of hex strings
/// (`IN (SELECT unhex(value) FROM json_each($1))`: its ids are 16-byte blobs).
pub(crate) fn id_list<DB: sqlx::Database>(ids: &[Uuid]) -> String {
    if is_postgres::<DB>() {
        let list: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        format!("{{{}}}", list.join(","))
    } else {
        let hex: Vec<String> = ids.iter().map(|id| id.simple().to_string()).collect();
        serde_json::Value::from(hex).to_string()
    }
}

/// Whether `DB` is PostgreSQL (for the few statements whose SQL differs per database).
pub(crate) fn is_postgres<DB: sqlx::Database>() -> bool {
    DB::NAME == "PostgreSQL"
}

/// A connection type whose every statement runs at once: a SQLite write transaction (in
/// process, a round trip costs nothing to speak of) or a pooled connection for reads (no
/// transaction: its "commit" gives the connection back). Gives it the methods every
/// aggregate's SQL uses: `conn`, `defer`, `make_durable`, `finish`.
macro_rules! tx_plumbing {
    ($tx:ident, $db:ty, $inner:ty, |$this:ident| $finish:expr) => {
        pub struct $tx {
            tx: $inner,
            sealer: std::sync::Arc<dyn $crate::store::BodySealer>,
        }

        impl $tx {
            async fn conn(
                &mut self,
            ) -> Result<&mut <$db as sqlx::Database>::Connection, $crate::store::StoreError> {
                Ok(&mut *self.tx)
            }

            async fn defer(
                &mut self,
                _table: &'static str,
                sql: &'static str,
                bind: $crate::store::sql::Binder<$db>,
            ) -> Result<(), $crate::store::StoreError> {
                bind(sqlx::query(sql)).execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn make_durable(&mut self) -> Result<(), $crate::store::StoreError> {
                Ok(())
            }

            async fn finish(self) -> Result<(), $crate::store::StoreError> {
                let $this = self;
                $finish?;
                Ok(())
            }
        }
    };
}

/// The transaction's own part of [`super::Tx`]: commit, and whether it waits for the disk.
macro_rules! tx_base {
    ($tx:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::Tx for $tx {
            async fn commit(self: Box<Self>) -> Result<(), $crate::store::StoreError> {
                (*self).finish().await
            }

            async fn durable(&mut self) -> Result<(), $crate::store::StoreError> {
                self.make_durable().await
            }

            async fn waits_for_disk(&mut self) -> Result<bool, $crate::store::StoreError> {
                if !$crate::store::sql::is_postgres::<$db>() {
                    return Ok(true);
                }
                let (setting,): (String,) =
                    sqlx::query_as("SELECT current_setting('synchronous_commit')")
                        .fetch_one(self.conn().await?)
                        .await?;
                Ok(setting != "off")
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::combine;

    #[test]
    fn writes_are_combined_with_their_placeholders_renumbered() {
        assert_eq!(
            combine(&["UPDATE t SET a = $2 WHERE id = $1"]),
            "UPDATE t SET a = $2 WHERE id = $1"
        );
        assert_eq!(
            combine(&[
                "UPDATE t SET a = $2 WHERE id = $1",
                "INSERT INTO u (x, y, z) VALUES ($1, $2, $3)",
                "INSERT INTO v (x) VALUES ($1)",
            ]),
            "WITH w0 AS (UPDATE t SET a = $2 WHERE id = $1), \
             w1 AS (INSERT INTO u (x, y, z) VALUES ($3, $4, $5)) \
             INSERT INTO v (x) VALUES ($6)"
        );
        assert_eq!(
            combine(&["SELECT $10, $1", "SELECT $1"]),
            "WITH w0 AS (SELECT $10, $1) SELECT $11"
        );
    }

    #[test]
    fn a_dollar_in_a_literal_identifier_or_comment_is_not_a_placeholder() {
        assert_eq!(
            combine(&[
                "UPDATE t SET a = '$1 it''s $2' WHERE id = $1 -- $1\n",
                "SELECT \"$1\" FROM t WHERE b = $1",
            ]),
            "WITH w0 AS (UPDATE t SET a = '$1 it''s $2' WHERE id = $1 -- $1\n) \
             SELECT \"$1\" FROM t WHERE b = $2"
        );
    }

    /// A piece of a generated statement.
    #[derive(Debug, Clone)]
    enum Piece {
        Placeholder(usize),
        Literal(String),
        Identifier(String),
        Text(String),
    }

    fn piece() -> impl proptest::strategy::Strategy<Value = Piece> {
        use proptest::prelude::*;
        prop_oneof![
            (1usize..40).prop_map(Piece::Placeholder),
            "[a-z$0-9 ,()']{0,12}".prop_map(|s| Piece::Literal(s.replace('\'', "''"))),
            "[a-z$0-9 ]{0,8}".prop_map(Piece::Identifier),
            "[a-z0-9 ,=()]{1,12}".prop_map(Piece::Text),
        ]
    }

    /// The statement as written, and as it must read when its placeholders start after `offset`.
    fn render(pieces: &[Piece], offset: usize) -> (String, String, usize) {
        let (mut written, mut shifted, mut highest) = (String::new(), String::new(), offset);
        for p in pieces {
            let (a, b) = match p {
                Piece::Placeholder(n) => {
                    highest = highest.max(offset + n);
                    (format!("${n}"), format!("${}", offset + n))
                }
                Piece::Literal(s) => (format!("'{s}'"), format!("'{s}'")),
                Piece::Identifier(s) => (format!("\"{s}\""), format!("\"{s}\"")),
                // A space keeps text from running into a placeholder's digits.
                Piece::Text(s) => (format!(" {s} "), format!(" {s} ")),
            };
            written.push_str(&a);
            shifted.push_str(&b);
        }
        (written, shifted, highest)
    }

    proptest::proptest! {
        /// Every placeholder moves past the ones of the statements before it; nothing else
        /// changes, whatever `$` and digits the literals and identifiers hold.
        #[test]
        fn placeholders_are_renumbered_and_nothing_else(
            statements in proptest::collection::vec(proptest::collection::vec(piece(), 1..8), 1..5)
        ) {
            let mut written = Vec::new();
            let mut expected = Vec::new();
            let mut offset = 0;
            for pieces in &statements {
                let (w, e, highest) = render(pieces, offset);
                written.push(w);
                expected.push(e);
                offset = highest;
            }
            let refs: Vec<&str> = written.iter().map(String::as_str).collect();
            let (last, first) = expected.split_last().unwrap();
            let mut want = String::new();
            for (i, e) in first.iter().enumerate() {
                want.push_str(if i == 0 { "WITH " } else { ", " });
                want.push_str(&format!("w{i} AS ({e})"));
            }
            if !first.is_empty() {
                want.push(' ');
            }
            want.push_str(last);
            proptest::prop_assert_eq!(combine(&refs), want);
        }
    }

    #[test]
    fn ids_made_in_one_millisecond_stay_in_order() {
        let now = chrono::Utc::now();
        let ids: Vec<_> = (0..100).map(|_| super::new_id(now)).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ids[0].get_version_num(), 7);
    }
}
