//! SQLite (bundled).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::value::native;
use super::{BoxDynError, ColumnValue, Driver, ExecResult, Row};

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};


/// The connect options of `url`, with the framework's settings.
pub(crate) fn options(url: &str) -> Result<SqliteConnectOptions, sqlx::Error> {
    let mut options = SqliteConnectOptions::from_str(url)?
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        // LIKE is case-sensitive, as on PostgreSQL; `ignore_case` queries say so explicitly.
        .pragma("case_sensitive_like", "ON")
        // Case-insensitive comparison beyond ASCII, for `ignore_case` equality.
        .collation("fw_nocase", |a, b| a.to_lowercase().cmp(&b.to_lowercase()))
        // `REGEXP`: Unicode-aware `ignore_case` for the LIKE-family derived queries.
        .with_regexp();
    let file = options.get_filename().to_path_buf();
    let in_memory = file.as_os_str().is_empty()
        || file.to_string_lossy().contains(":memory:")
        || url.contains("mode=memory");
    if !in_memory {
        // WAL lets readers run beside the writer; NORMAL sync is safe with WAL.
        options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal);
        // A dev database under `data/` should just work on a fresh clone.
        if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
    }
    Ok(options)
}

/// Begins a transaction on a pooled connection with a deferred `BEGIN`, whatever the isolation:
/// SQLite transactions are always serializable. (`BEGIN IMMEDIATE` would take the single write
/// lock at once, so a `RequiresNew` transaction inside could never write.) Conflicting writers
/// fail with SQLITE_BUSY, a transient error that `retry` re-runs. SQLite has no per-transaction
/// read-only mode.
pub(crate) async fn begin(
    conn: &mut sqlx::SqliteConnection,
    spec: &crate::driver::BeginSpec,
) -> Result<(), sqlx::Error> {
    use sqlx_core::transaction::TransactionManager;
    let _ = spec;
    sqlx::sqlite::SqliteTransactionManager::begin(conn, None).await
}

native!(sqlx::Sqlite: i16, i32, i64, f32, f64, bool, String, Vec<u8>, NaiveDateTime, NaiveDate,
    Uuid, serde_json::Value, DateTime<Utc>);

// sqlx has no decimal type for SQLite: the exact text form is stored and parsed back.
impl ColumnValue<sqlx::Sqlite> for Decimal {
    fn bind(&self, args: &mut sqlx::sqlite::SqliteArguments) -> Result<(), BoxDynError> {
        sqlx::Arguments::add(args, self.to_string())
    }
    fn bind_null(args: &mut sqlx::sqlite::SqliteArguments) -> Result<(), BoxDynError> {
        sqlx::Arguments::add(args, None::<String>)
    }
    fn decode(row: &sqlx::sqlite::SqliteRow, idx: usize) -> Result<Self, sqlx::Error> {
        parse_decimal(idx, &sqlx::Row::try_get::<String, _>(row, idx)?)
    }
    fn decode_opt(row: &sqlx::sqlite::SqliteRow, idx: usize) -> Result<Option<Self>, sqlx::Error> {
        sqlx::Row::try_get::<Option<String>, _>(row, idx)?
            .map(|s| parse_decimal(idx, &s))
            .transpose()
    }
}

fn parse_decimal(idx: usize, s: &str) -> Result<Decimal, sqlx::Error> {
    s.parse::<Decimal>().map_err(|e| sqlx::Error::ColumnDecode {
        index: idx.to_string(),
        source: Box::new(e),
    })
}

impl Driver for sqlx::Sqlite {
    // sqlx-sqlite reads a NULL as 0, 0.0, "" or an empty blob.
    const NULL_DECODES_AS_DEFAULT: bool = true;
    // SQLite's arguments keep their values until the statement runs: owned copies.
    fn add_str(args: &mut sqlx::sqlite::SqliteArguments, value: &str) -> Result<(), BoxDynError> {
        sqlx::Arguments::add(args, value.to_owned())
    }
    fn add_bytes(args: &mut sqlx::sqlite::SqliteArguments, value: &[u8]) -> Result<(), BoxDynError> {
        sqlx::Arguments::add(args, value.to_owned())
    }
    fn row(row: sqlx::sqlite::SqliteRow) -> Row {
        Row(super::RowKind::Sqlite(row))
    }
    fn exec_result(done: sqlx::sqlite::SqliteQueryResult) -> ExecResult {
        ExecResult {
            rows_affected: done.rows_affected(),
            last_insert_id: done.last_insert_rowid(),
        }
    }
}

/// Escapes `s` for a regular expression (SQLite's `REGEXP` runs the `regex` crate).
pub(crate) fn regex_escape(s: &str) -> String {
    regex::escape(s)
}
