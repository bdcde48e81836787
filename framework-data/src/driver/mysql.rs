//! MySQL and MariaDB.

use std::str::FromStr;

use sqlx::mysql::MySqlConnectOptions;

use sqlx::SqlSafeStr;

use std::sync::Arc;

use super::LossMark;
use super::PoolConfig;

pub(crate) fn connect_lazy(
    url: &str,
    cfg: &PoolConfig,
    losses: &Arc<LossMark>,
) -> Result<sqlx::MySqlPool, sqlx::Error> {
    // sqlx knows only `mysql:`; MariaDB speaks the same protocol.
    let url = match url.strip_prefix("mariadb:") {
        Some(rest) => format!("mysql:{rest}"),
        None => url.to_owned(),
    };
    let options = MySqlConnectOptions::from_str(&url)?;
    Ok(super::pool_options(cfg, losses).connect_lazy_with(options))
}

/// Begins a transaction on a pooled connection. The isolation level is set for the next
/// transaction only (`SET TRANSACTION`, no session leak), then `START TRANSACTION [READ ONLY]`.
pub(crate) async fn begin(
    mut conn: sqlx::pool::PoolConnection<sqlx::MySql>,
    spec: &crate::driver::BeginSpec,
) -> Result<sqlx::Transaction<'static, sqlx::MySql>, sqlx::Error> {
    if let Some(level) = spec.isolation.sql_name() {
        let set = format!("SET TRANSACTION ISOLATION LEVEL {level}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(set))
            .execute(&mut *conn)
            .await?;
    }
    // Read-write: sqlx's own BEGIN, exactly what `pool.begin()` sends.
    let statement = spec
        .read_only
        .then(|| "START TRANSACTION READ ONLY".into_sql_str());
    sqlx::Transaction::begin(conn, statement).await
}
