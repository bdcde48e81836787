//! MySQL and MariaDB.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::value::native;
use super::{BoxDynError, ColumnValue, Driver, ExecResult, Row};

use std::str::FromStr;

use sqlx::mysql::MySqlConnectOptions;

use sqlx::SqlSafeStr;


/// The connect options of `url` (`mariadb:` is read as `mysql:`, the same protocol); without
/// the statement cache, statements are not kept per connection.
pub(crate) fn options(url: &str, statement_cache: bool) -> Result<MySqlConnectOptions, sqlx::Error> {
    let url = match url.strip_prefix("mariadb:") {
        Some(rest) => format!("mysql:{rest}"),
        None => url.to_owned(),
    };
    let options = MySqlConnectOptions::from_str(&url)?;
    Ok(match statement_cache {
        true => options,
        false => options.statement_cache_capacity(0),
    })
}

/// Begins a transaction on a pooled connection. The isolation level is set for the next
/// transaction only (`SET TRANSACTION`, no session leak), then `START TRANSACTION [READ ONLY]`.
pub(crate) async fn begin(
    conn: &mut sqlx::MySqlConnection,
    spec: &crate::driver::BeginSpec,
) -> Result<(), sqlx::Error> {
    use sqlx_core::transaction::TransactionManager;
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
    sqlx::mysql::MySqlTransactionManager::begin(conn, statement).await
}

/// How far this server's replication is behind (see `Pool::replica_lag`): MySQL's and
/// MariaDB's `Seconds_Behind_Master`, zero for a server that replicates from nothing.
pub(crate) async fn replica_lag(
    conn: &mut sqlx::MySqlConnection,
) -> Result<Option<std::time::Duration>, sqlx::Error> {
    use sqlx::Row as _;
    let rows = sqlx::raw_sql(sqlx::AssertSqlSafe("SHOW SLAVE STATUS"))
        .fetch_all(conn)
        .await?;
    let Some(row) = rows.first() else {
        return Ok(Some(std::time::Duration::ZERO));
    };
    let seconds = row
        .try_get::<Option<u64>, _>("Seconds_Behind_Master")
        .or_else(|_| {
            row.try_get::<Option<i64>, _>("Seconds_Behind_Master")
                .map(|s| s.map(|s| s.max(0) as u64))
        })?;
    Ok(seconds.map(std::time::Duration::from_secs))
}

native!(sqlx::MySql: i16, i32, i64, f32, f64, bool, String, Vec<u8>, NaiveDateTime, NaiveDate,
    Uuid, serde_json::Value, Decimal);

// sqlx binds `DateTime<Utc>` as a TIMESTAMP parameter, which MySQL/MariaDB convert to NULL (or
// zero) outside TIMESTAMP's 1970..2038 range even for a DATETIME column. Bound as a DATETIME
// (the UTC wall-clock time), every value a DATETIME(6) column holds (1000..9999, in
// microseconds) round-trips; reads accept DATETIME and TIMESTAMP columns.
impl ColumnValue<sqlx::MySql> for DateTime<Utc> {
    fn bind(&self, args: &mut sqlx::mysql::MySqlArguments) -> Result<(), BoxDynError> {
        sqlx::Arguments::add(args, self.naive_utc())
    }
    fn bind_null(args: &mut sqlx::mysql::MySqlArguments) -> Result<(), BoxDynError> {
        sqlx::Arguments::add(args, None::<NaiveDateTime>)
    }
    fn decode(row: &sqlx::mysql::MySqlRow, idx: usize) -> Result<Self, sqlx::Error> {
        sqlx::Row::try_get::<DateTime<Utc>, _>(row, idx)
    }
    fn decode_opt(row: &sqlx::mysql::MySqlRow, idx: usize) -> Result<Option<Self>, sqlx::Error> {
        sqlx::Row::try_get::<Option<DateTime<Utc>>, _>(row, idx)
    }
}

impl Driver for sqlx::MySql {
    fn add_str(args: &mut sqlx::mysql::MySqlArguments, value: &str) -> Result<(), BoxDynError> {
        sqlx::Arguments::add(args, value)
    }
    fn add_bytes(args: &mut sqlx::mysql::MySqlArguments, value: &[u8]) -> Result<(), BoxDynError> {
        sqlx::Arguments::add(args, value)
    }
    fn row(row: sqlx::mysql::MySqlRow) -> Row {
        Row(super::RowKind::MySql(row))
    }
    fn exec_result(done: sqlx::mysql::MySqlQueryResult) -> ExecResult {
        ExecResult {
            rows_affected: done.rows_affected(),
            last_insert_id: i64::try_from(done.last_insert_id()).unwrap_or(i64::MAX),
        }
    }
}
