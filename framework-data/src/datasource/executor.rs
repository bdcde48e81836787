//! Sending one statement with its arguments through a DataSource's pool, whatever the driver.
//!
//! Every statement the framework sends goes through here, so this is where the statement counter
//! lives.

use std::sync::atomic::Ordering;

use super::DataSource;
use crate::driver::Pool;
use crate::error::{DataError, DataResult};
use crate::sql::Sql;
use crate::value::{Args, Row};

/// What an INSERT/UPDATE/DELETE reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecResult {
    /// Rows changed.
    pub rows_affected: u64,
    /// The first generated id (MySQL's `LAST_INSERT_ID()`, SQLite's rowid); 0 where unknown.
    pub last_insert_id: i64,
}

macro_rules! dispatch {
    ($ds:expr, $args:expr, |$p:ident, $a:ident| $body:expr) => {{
        $ds.count_statement();
        match ($ds.pool(), $args) {
            #[cfg(feature = "postgres")]
            (Pool::Postgres($p), Args::Postgres($a)) => $body,
            #[cfg(feature = "mysql")]
            (Pool::MySql($p), Args::MySql($a)) => $body,
            #[cfg(feature = "sqlite")]
            (Pool::Sqlite($p), Args::Sqlite($a)) => $body,
            #[allow(unreachable_patterns)]
            _ => return Err($ds.mismatch()),
        }
    }};
}

impl DataSource {
    fn count_statement(&self) {
        self.inner.statements.fetch_add(1, Ordering::Relaxed);
    }

    fn mismatch(&self) -> DataError {
        DataError::InvalidArgument(format!(
            "arguments built for another dialect than DataSource `{}` ({})",
            self.name(),
            self.dialect()
        ))
    }

    /// Statements sent through this DataSource since it started.
    pub fn statements_executed(&self) -> u64 {
        self.inner.statements.load(Ordering::Relaxed)
    }

    /// Fresh, empty arguments for this DataSource's driver.
    pub fn args(&self) -> Args {
        Args::new(self.dialect())
    }

    /// Runs a query expected to return at most one row.
    pub async fn fetch_optional(&self, sql: Sql, args: Args) -> DataResult<Option<Row>> {
        let row: Result<Option<Row>, sqlx::Error> = dispatch!(self, args, |p, a| sqlx::query_with(sql, a)
            .fetch_optional(p)
            .await
            .map(|r| r.map(Into::into)));
        row.map_err(|e| self.error(e))
    }

    /// Runs a query and collects every row.
    pub async fn fetch_all(&self, sql: Sql, args: Args) -> DataResult<Vec<Row>> {
        let rows: Result<Vec<Row>, sqlx::Error> = dispatch!(self, args, |p, a| sqlx::query_with(sql, a)
            .fetch_all(p)
            .await
            .map(|rows| rows.into_iter().map(Into::into).collect()));
        rows.map_err(|e| self.error(e))
    }

    /// Runs SQL text as given, unprepared and without arguments; it may hold several statements
    /// separated by `;` (DDL scripts). Never pass user input here: nothing is bound.
    pub async fn execute_script(&self, sql: &str) -> DataResult<u64> {
        self.count_statement();
        let text = sqlx::AssertSqlSafe(sql.to_owned());
        let done: Result<u64, sqlx::Error> = match self.pool() {
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => sqlx::raw_sql(text)
                .execute(p)
                .await
                .map(|r| r.rows_affected()),
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => sqlx::raw_sql(text)
                .execute(p)
                .await
                .map(|r| r.rows_affected()),
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => sqlx::raw_sql(text)
                .execute(p)
                .await
                .map(|r| r.rows_affected()),
            #[allow(unreachable_patterns)]
            _ => return Err(self.mismatch()),
        };
        done.map_err(|e| self.error(e))
    }

    /// Runs a statement that returns no rows.
    pub async fn execute(&self, sql: Sql, args: Args) -> DataResult<ExecResult> {
        let done: Result<ExecResult, sqlx::Error> =
            dispatch!(self, args, |p, a| sqlx::query_with(sql, a)
                .execute(p)
                .await
                .map(Into::into));
        done.map_err(|e| self.error(e))
    }
}

#[cfg(feature = "postgres")]
impl From<sqlx::postgres::PgQueryResult> for ExecResult {
    fn from(r: sqlx::postgres::PgQueryResult) -> Self {
        ExecResult {
            rows_affected: r.rows_affected(),
            last_insert_id: 0,
        }
    }
}

#[cfg(feature = "mysql")]
impl From<sqlx::mysql::MySqlQueryResult> for ExecResult {
    fn from(r: sqlx::mysql::MySqlQueryResult) -> Self {
        ExecResult {
            rows_affected: r.rows_affected(),
            last_insert_id: r.last_insert_id() as i64,
        }
    }
}

#[cfg(feature = "sqlite")]
impl From<sqlx::sqlite::SqliteQueryResult> for ExecResult {
    fn from(r: sqlx::sqlite::SqliteQueryResult) -> Self {
        ExecResult {
            rows_affected: r.rows_affected(),
            last_insert_id: r.last_insert_rowid(),
        }
    }
}

#[cfg(feature = "postgres")]
impl From<sqlx::postgres::PgRow> for Row {
    fn from(r: sqlx::postgres::PgRow) -> Self {
        Row::Postgres(r)
    }
}

#[cfg(feature = "mysql")]
impl From<sqlx::mysql::MySqlRow> for Row {
    fn from(r: sqlx::mysql::MySqlRow) -> Self {
        Row::MySql(r)
    }
}

#[cfg(feature = "sqlite")]
impl From<sqlx::sqlite::SqliteRow> for Row {
    fn from(r: sqlx::sqlite::SqliteRow) -> Self {
        Row::Sqlite(r)
    }
}
