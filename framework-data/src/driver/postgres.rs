//! PostgreSQL.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::value::native;
use super::{BoxDynError, Driver, ExecResult, Row};

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;

use sqlx::SqlSafeStr;

use std::sync::Arc;

use super::LossMark;
use super::PoolConfig;

pub(crate) fn connect_lazy(
    url: &str,
    cfg: &PoolConfig,
    losses: &Arc<LossMark>,
) -> Result<sqlx::PgPool, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?;
    Ok(super::pool_options(cfg, losses).connect_lazy_with(options))
}

/// Begins a transaction on a connection borrowed by the caller (the DataSource, which measures
/// and admits every acquire): one `BEGIN ...` carrying isolation and
/// read-only, plus `SET LOCAL statement_timeout` when a timeout is set.
pub(crate) async fn begin(
    conn: sqlx::pool::PoolConnection<sqlx::Postgres>,
    spec: &crate::driver::BeginSpec,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    let mut statement = String::from("BEGIN");
    if let Some(level) = spec.isolation.sql_name() {
        statement.push_str(" ISOLATION LEVEL ");
        statement.push_str(level);
    }
    if spec.read_only {
        statement.push_str(" READ ONLY");
    }
    let mut tx =
        sqlx::Transaction::begin(conn, Some(sqlx::AssertSqlSafe(statement).into_sql_str())).await?;
    if let Some(timeout) = spec.timeout {
        // Transaction-scoped: gone at COMMIT/ROLLBACK, never leaks to the next borrower.
        let ms = timeout.as_millis().max(1);
        let set = format!("SET LOCAL statement_timeout = {ms}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(set))
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

native!(sqlx::Postgres: i16, i32, i64, f32, f64, bool, String, Vec<u8>, NaiveDateTime, NaiveDate,
    Uuid, serde_json::Value, DateTime<Utc>, Decimal);

impl Driver for sqlx::Postgres {
    fn add_str(args: &mut sqlx::postgres::PgArguments, value: &str) -> Result<(), BoxDynError> {
        sqlx::Arguments::add(args, value)
    }
    fn add_bytes(args: &mut sqlx::postgres::PgArguments, value: &[u8]) -> Result<(), BoxDynError> {
        sqlx::Arguments::add(args, value)
    }
    fn row(row: sqlx::postgres::PgRow) -> Row {
        Row(super::RowKind::Postgres(row))
    }
    fn exec_result(done: sqlx::postgres::PgQueryResult) -> ExecResult {
        ExecResult {
            rows_affected: done.rows_affected(),
            last_insert_id: 0,
        }
    }
}
