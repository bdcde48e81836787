//! What crosses the driver boundary per statement: the [`Args`] bound into it, the [`Row`]s it
//! returns and the [`ExecResult`] of a write, each one variant per compiled-in driver.

use super::{BoxDynError, Dialect, DriverValue, dispatch};

/// The arguments of one statement, for the DataSource's driver.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Args {
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::postgres::PgArguments),
    /// MySQL / MariaDB.
    #[cfg(feature = "mysql")]
    MySql(sqlx::mysql::MySqlArguments),
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::sqlite::SqliteArguments),
}

impl Args {
    /// Empty arguments for `dialect` (whose driver must be compiled in, as it is for any
    /// connected DataSource).
    pub fn new(dialect: Dialect) -> Args {
        match dialect {
            #[cfg(feature = "postgres")]
            Dialect::Postgres => Args::Postgres(Default::default()),
            #[cfg(feature = "mysql")]
            Dialect::MySql => Args::MySql(Default::default()),
            #[cfg(feature = "sqlite")]
            Dialect::Sqlite => Args::Sqlite(Default::default()),
            #[allow(unreachable_patterns)]
            other => unreachable!("no DataSource of {other} exists without its driver"),
        }
    }

    /// Appends one value.
    #[inline]
    pub fn add<T: DriverValue>(&mut self, value: &T) -> Result<(), BoxDynError> {
        dispatch!(self => Args(a), DB => <T as super::ColumnValue<DB>>::bind(value, a))
    }

    /// Appends a borrowed string (no copy into a `String` first where the driver allows).
    pub fn add_str(&mut self, value: &str) -> Result<(), BoxDynError> {
        dispatch!(self => Args(a), DB => <DB as super::Driver>::add_str(a, value))
    }

    /// Appends borrowed bytes.
    pub fn add_bytes(&mut self, value: &[u8]) -> Result<(), BoxDynError> {
        dispatch!(self => Args(a), DB => <DB as super::Driver>::add_bytes(a, value))
    }

    /// How many values were added.
    pub fn len(&self) -> usize {
        dispatch!(self => Args(a), DB => sqlx::Arguments::len(a))
    }

    /// Whether no value was added.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One result row, read by column position.
#[derive(Debug)]
#[non_exhaustive]
pub enum Row {
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::postgres::PgRow),
    /// MySQL / MariaDB.
    #[cfg(feature = "mysql")]
    MySql(sqlx::mysql::MySqlRow),
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::sqlite::SqliteRow),
}

impl Row {
    /// Decodes column `idx` (0-based) as `T`.
    #[inline]
    pub fn get<T: DriverValue>(&self, idx: usize) -> Result<T, sqlx::Error> {
        dispatch!(self => Row(r), DB => <T as super::ColumnValue<DB>>::decode(r, idx))
    }

    /// The result's column names, in order.
    pub fn column_names(&self) -> Vec<String> {
        use sqlx::{Column, Row as _};
        dispatch!(self => Row(r), DB => r.columns().iter().map(|c| c.name().to_owned()).collect())
    }
}

/// What an INSERT/UPDATE/DELETE reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecResult {
    /// Rows changed.
    pub rows_affected: u64,
    /// The first generated id (MySQL's `LAST_INSERT_ID()`, SQLite's rowid); 0 where unknown.
    pub last_insert_id: i64,
}

/// What the framework needs of a driver beyond sqlx's own traits, implemented in each driver's
/// module for its sqlx database type.
pub trait Driver: sqlx::Database {
    /// Appends borrowed text.
    fn add_str(args: &mut Self::Arguments, value: &str) -> Result<(), BoxDynError>;
    /// Appends borrowed bytes.
    fn add_bytes(args: &mut Self::Arguments, value: &[u8]) -> Result<(), BoxDynError>;
    /// The row, as the framework passes it around.
    fn row(row: Self::Row) -> Row;
    /// What a write reports.
    fn exec_result(done: Self::QueryResult) -> ExecResult;
}
