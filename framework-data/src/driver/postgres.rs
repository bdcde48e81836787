//! PostgreSQL.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::value::native;
use super::{BoxDynError, Driver, ExecResult, Row};

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;

use sqlx::SqlSafeStr;


/// The connect options of `url`; without the statement cache, statements are not kept per
/// connection (see `DataSourceConfig::statement_cache`).
pub(crate) fn options(url: &str, statement_cache: bool) -> Result<PgConnectOptions, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?;
    Ok(match statement_cache {
        true => options,
        false => options.statement_cache_capacity(0),
    })
}

/// Begins a transaction on a connection the caller borrowed (through the DataSource, which
/// measures and admits every acquire): one `BEGIN ...` carrying isolation and read-only, plus
/// `SET LOCAL statement_timeout` when a timeout is set.
pub(crate) async fn begin(
    conn: &mut sqlx::PgConnection,
    spec: &crate::driver::BeginSpec,
) -> Result<(), sqlx::Error> {
    use sqlx_core::transaction::TransactionManager;
    let mut statement = String::from("BEGIN");
    if let Some(level) = spec.isolation.sql_name() {
        statement.push_str(" ISOLATION LEVEL ");
        statement.push_str(level);
    }
    if spec.read_only {
        statement.push_str(" READ ONLY");
    }
    sqlx::postgres::PgTransactionManager::begin(
        conn,
        Some(sqlx::AssertSqlSafe(statement).into_sql_str()),
    )
    .await?;
    if let Some(timeout) = spec.timeout {
        // Transaction-scoped: gone at COMMIT/ROLLBACK, never leaks to the next borrower.
        let ms = timeout.as_millis().max(1);
        let set = format!("SET LOCAL statement_timeout = {ms}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(set)).execute(conn).await?;
    }
    Ok(())
}

/// The replay lag in milliseconds: 0 on a primary and on a standby that has replayed all the
/// WAL it received; else the time since the last replayed transaction committed on the primary.
const REPLICA_LAG: &str = "SELECT CASE \
    WHEN NOT pg_is_in_recovery() THEN 0::float8 \
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0::float8 \
    ELSE (EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8 \
    END";

/// How far this server's replay is behind (see `Pool::replica_lag`).
pub(crate) async fn replica_lag(
    conn: &mut sqlx::PgConnection,
) -> Result<Option<std::time::Duration>, sqlx::Error> {
    // The simple protocol: no prepared statement (a transaction pooler may sit between).
    let row = sqlx::raw_sql(sqlx::AssertSqlSafe(REPLICA_LAG)).fetch_one(conn).await?;
    let ms: Option<f64> = sqlx::Row::try_get(&row, 0)?;
    Ok(ms.map(|ms| std::time::Duration::from_secs_f64(ms.max(0.0) / 1000.0)))
}

native!(arrays sqlx::Postgres: i16, i32, i64, f32, f64, bool, String, Vec<u8>, NaiveDateTime, NaiveDate,
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

/// A connection LISTENing on one channel (cluster-wide cache invalidation).
pub(crate) struct Listener(sqlx::postgres::PgListener);

impl Listener {
    /// Connects to `url` and LISTENs on `channel`.
    pub(crate) async fn connect(url: &str, channel: &str) -> Result<Listener, sqlx::Error> {
        let mut listener = sqlx::postgres::PgListener::connect(url).await?;
        // A lost connection is reported at once; the caller reconnects (and acts on the loss)
        // itself instead of the listener retrying inside `try_recv`.
        listener.eager_reconnect(false);
        listener.listen(channel).await?;
        Ok(Listener(listener))
    }

    /// The next notification's payload; `None` when the connection was lost.
    pub(crate) async fn next(&mut self) -> Result<Option<String>, sqlx::Error> {
        Ok(self.0.try_recv().await?.map(|n| n.payload().to_owned()))
    }
}
