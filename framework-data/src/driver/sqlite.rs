//! SQLite (bundled).

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

use std::sync::Arc;

use super::LossMark;
use super::PoolConfig;

pub(crate) fn connect_lazy(
    url: &str,
    cfg: &PoolConfig,
    losses: &Arc<LossMark>,
) -> Result<sqlx::SqlitePool, sqlx::Error> {
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
    Ok(super::pool_options(cfg, losses).connect_lazy_with(options))
}

/// Begins a transaction on a pooled connection with a deferred `BEGIN`, whatever the isolation:
/// SQLite transactions are always serializable. (`BEGIN IMMEDIATE` would take the single write
/// lock at once, so a `RequiresNew` transaction inside could never write.) Conflicting writers
/// fail with SQLITE_BUSY, a transient error that `retry` re-runs. SQLite has no per-transaction
/// read-only mode.
pub(crate) async fn begin(
    conn: sqlx::pool::PoolConnection<sqlx::Sqlite>,
    spec: &crate::driver::BeginSpec,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    let _ = spec;
    sqlx::Transaction::begin(conn, None).await
}
