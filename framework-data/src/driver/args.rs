//! What crosses the driver boundary per statement: the [`Args`] bound into it, the [`Row`]s it
//! returns and the [`ExecResult`] of a write, each one variant per compiled-in driver.

use super::{BoxDynError, Dialect, DriverValue, dispatch};

/// The arguments of one statement, for the DataSource's driver.
///
/// ```
/// use framework_data::driver::Dialect;
/// use framework_data::value::Args;
/// let mut args = Args::new(Dialect::Sqlite);
/// args.add(&42_i64).unwrap();
/// args.add_str("ada@example.com").unwrap();
/// assert_eq!(args.len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct Args(pub(crate) ArgsKind);

/// [`Args`] of each compiled-in driver.
#[derive(Debug, Clone)]
pub(crate) enum ArgsKind {
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
            Dialect::Postgres => Args(ArgsKind::Postgres(Default::default())),
            #[cfg(feature = "mysql")]
            Dialect::MySql => Args(ArgsKind::MySql(Default::default())),
            #[cfg(feature = "sqlite")]
            Dialect::Sqlite => Args(ArgsKind::Sqlite(Default::default())),
            #[allow(unreachable_patterns)]
            other => unreachable!("no DataSource of {other} exists without its driver"),
        }
    }

    /// Appends one value.
    #[inline]
    pub fn add<T: DriverValue>(&mut self, value: &T) -> Result<(), BoxDynError> {
        dispatch!(&mut self.0 => ArgsKind(a), DB => <T as super::ColumnValue<DB>>::bind(value, a))
    }

    /// Whether `T` binds as an array for this driver ([`add_array`](Self::add_array)).
    pub(crate) fn supports_array<T: DriverValue>(&self) -> bool {
        dispatch!(&self.0 => ArgsKind(_a), DB => <T as super::ColumnValue<DB>>::ARRAY)
    }

    /// Appends one column of many rows as one array (`None`: NULL); see
    /// [`ColumnValue::bind_array`](super::ColumnValue::bind_array).
    pub(crate) fn add_array<T: DriverValue>(
        &mut self,
        values: &[Option<&T>],
    ) -> Result<(), BoxDynError> {
        dispatch!(&mut self.0 => ArgsKind(a), DB => <T as super::ColumnValue<DB>>::bind_array(values, a))
    }

    /// Appends a borrowed string (no copy into a `String` first where the driver allows).
    pub fn add_str(&mut self, value: &str) -> Result<(), BoxDynError> {
        dispatch!(&mut self.0 => ArgsKind(a), DB => <DB as super::Driver>::add_str(a, value))
    }

    /// Appends borrowed bytes.
    pub fn add_bytes(&mut self, value: &[u8]) -> Result<(), BoxDynError> {
        dispatch!(&mut self.0 => ArgsKind(a), DB => <DB as super::Driver>::add_bytes(a, value))
    }

    /// How many values were added.
    pub fn len(&self) -> usize {
        dispatch!(&self.0 => ArgsKind(a), DB => sqlx::Arguments::len(a))
    }

    /// Whether no value was added.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One result row, read by column position (generated entity code and
/// [`FromQueryRow`](crate::repository::FromQueryRow) implementations read it).
#[derive(Debug)]
pub struct Row(pub(crate) RowKind);

/// A [`Row`] of each compiled-in driver.
#[derive(Debug)]
pub(crate) enum RowKind {
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
    pub fn get<T: DriverValue>(&self, idx: usize) -> Result<T, DecodeError> {
        dispatch!(&self.0 => RowKind(r), DB => <T as super::ColumnValue<DB>>::decode(r, idx))
            .map_err(DecodeError)
    }

    /// The position of the column named `name` (ASCII case-insensitive), if the result has
    /// one.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        use sqlx::{Column, Row as _};
        dispatch!(&self.0 => RowKind(r), DB => r.columns().iter().position(|c| c.name().eq_ignore_ascii_case(name)))
    }

    /// The result's column names, in order.
    pub fn column_names(&self) -> Vec<String> {
        use sqlx::{Column, Row as _};
        dispatch!(&self.0 => RowKind(r), DB => r.columns().iter().map(|c| c.name().to_owned()).collect())
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
    /// Whether sqlx's decoders read a NULL as a default value instead of failing, so that a
    /// required value must be checked for NULL first.
    const NULL_DECODES_AS_DEFAULT: bool = false;
    /// Appends borrowed text.
    fn add_str(args: &mut Self::Arguments, value: &str) -> Result<(), BoxDynError>;
    /// Appends borrowed bytes.
    fn add_bytes(args: &mut Self::Arguments, value: &[u8]) -> Result<(), BoxDynError>;
    /// The row, as the framework passes it around.
    fn row(row: Self::Row) -> Row;
    /// What a write reports.
    fn exec_result(done: Self::QueryResult) -> ExecResult;
}

/// A column that could not be decoded into the asked type: a NULL for a required value, text
/// that is no valid value of a `DbEnum`, a type the column cannot convert to, an index past
/// the row's end. Repositories report it as [`DataError::Mapping`](crate::DataError::Mapping);
/// the driver's own error is its [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DecodeError(pub(crate) sqlx::Error);

/// The driver's errors the framework maps to [`DataError`](crate::DataError): sqlx's and a
/// [`DecodeError`] (which wraps one).
pub(crate) trait IntoDriverError {
    fn into_driver_error(self) -> sqlx::Error;
}

impl IntoDriverError for sqlx::Error {
    fn into_driver_error(self) -> sqlx::Error {
        self
    }
}

impl IntoDriverError for DecodeError {
    fn into_driver_error(self) -> sqlx::Error {
        self.0
    }
}

impl DecodeError {
    /// Column `index` does not exist in a row of `len` columns.
    pub fn index_out_of_bounds(index: usize, len: usize) -> DecodeError {
        DecodeError(sqlx::Error::ColumnIndexOutOfBounds { index, len })
    }

    /// The result has no column `name`.
    pub fn missing_column(name: &str) -> DecodeError {
        DecodeError(sqlx::Error::ColumnDecode {
            index: format!("{name:?}"),
            source: format!("the result has no column `{name}`").into(),
        })
    }

    /// Column `index` could not be decoded: `cause` says why.
    pub fn column(index: usize, cause: impl Into<BoxDynError>) -> DecodeError {
        DecodeError(sqlx::Error::ColumnDecode {
            index: index.to_string(),
            source: cause.into(),
        })
    }
}
