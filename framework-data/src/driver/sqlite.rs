//! SQLite (bundled).

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

use sqlx::SqlSafeStr;

use crate::datasource::PoolConfig;

pub(crate) fn connect_lazy(url: &str, cfg: &PoolConfig) -> Result<sqlx::SqlitePool, sqlx::Error> {
    let mut options = SqliteConnectOptions::from_str(url)?
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        // LIKE is case-sensitive, as on PostgreSQL; `ignore_case` queries say so explicitly.
        .pragma("case_sensitive_like", "ON")
        // Case-insensitive comparison beyond ASCII, for `ignore_case` equality.
        .collation("fw_nocase", |a, b| a.to_lowercase().cmp(&b.to_lowercase()));
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
    Ok(super::pool_options(cfg).connect_lazy_with(options))
}

/// Begins a transaction on a pooled connection: `BEGIN IMMEDIATE` for serializable (the write
/// lock is taken up front), plain deferred `BEGIN` otherwise. SQLite has no per-transaction
/// read-only mode.
pub(crate) async fn begin(
    pool: &sqlx::SqlitePool,
    spec: &crate::driver::BeginSpec,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    let statement = match spec.isolation {
        crate::tx::Isolation::Serializable => "BEGIN IMMEDIATE",
        _ => "BEGIN",
    };
    let conn = pool.acquire().await?;
    sqlx::Transaction::begin(conn, Some(statement.into_sql_str())).await
}
