//! Statement arguments and result rows of whichever driver a DataSource uses.

use super::{BoxDynError, SqlValue};
use crate::driver::Dialect;

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
    /// Only when no driver is compiled in.
    #[doc(hidden)]
    #[cfg(not(any(feature = "postgres", feature = "mysql", feature = "sqlite")))]
    NoDriver(std::convert::Infallible),
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
    pub fn add<T: SqlValue>(&mut self, value: &T) -> Result<(), BoxDynError> {
        match self {
            #[cfg(feature = "postgres")]
            Args::Postgres(a) => value.bind_pg(a),
            #[cfg(feature = "mysql")]
            Args::MySql(a) => value.bind_mysql(a),
            #[cfg(feature = "sqlite")]
            Args::Sqlite(a) => value.bind_sqlite(a),
            #[cfg(not(any(feature = "postgres", feature = "mysql", feature = "sqlite")))]
            Args::NoDriver(n) => match *n {},
        }
    }

    /// Appends a borrowed string (no copy into a `String` first).
    pub fn add_str(&mut self, value: &str) -> Result<(), BoxDynError> {
        use sqlx::Arguments;
        match self {
            #[cfg(feature = "postgres")]
            Args::Postgres(a) => a.add(value),
            #[cfg(feature = "mysql")]
            Args::MySql(a) => a.add(value),
            #[cfg(feature = "sqlite")]
            Args::Sqlite(a) => a.add(value.to_owned()),
            #[cfg(not(any(feature = "postgres", feature = "mysql", feature = "sqlite")))]
            Args::NoDriver(n) => match *n {},
        }
    }

    /// Appends the values of a list parameter (`IN (...)`), padded to a power of two by
    /// repeating the last one, so that few statement shapes exist; returns the padded length
    /// (0 for an empty list, which binds nothing).
    pub fn add_padded_list<'v, T, I>(&mut self, values: I) -> Result<usize, BoxDynError>
    where
        T: super::QueryArg + ?Sized + 'v,
        I: IntoIterator<Item = &'v T>,
    {
        let mut n: usize = 0;
        let mut last = None;
        for v in values {
            v.bind_to(self)?;
            last = Some(v);
            n += 1;
        }
        let padded = if n == 0 { 0 } else { n.next_power_of_two() };
        if let Some(last) = last {
            for _ in n..padded {
                last.bind_to(self)?;
            }
        }
        Ok(padded)
    }

    /// Appends borrowed bytes.
    pub fn add_bytes(&mut self, value: &[u8]) -> Result<(), BoxDynError> {
        use sqlx::Arguments;
        match self {
            #[cfg(feature = "postgres")]
            Args::Postgres(a) => a.add(value),
            #[cfg(feature = "mysql")]
            Args::MySql(a) => a.add(value),
            #[cfg(feature = "sqlite")]
            Args::Sqlite(a) => a.add(value.to_owned()),
            #[cfg(not(any(feature = "postgres", feature = "mysql", feature = "sqlite")))]
            Args::NoDriver(n) => match *n {},
        }
    }

    /// How many values were added.
    pub fn len(&self) -> usize {
        use sqlx::Arguments;
        match self {
            #[cfg(feature = "postgres")]
            Args::Postgres(a) => a.len(),
            #[cfg(feature = "mysql")]
            Args::MySql(a) => a.len(),
            #[cfg(feature = "sqlite")]
            Args::Sqlite(a) => a.len(),
            #[cfg(not(any(feature = "postgres", feature = "mysql", feature = "sqlite")))]
            Args::NoDriver(n) => match *n {},
        }
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
    /// Only when no driver is compiled in.
    #[doc(hidden)]
    #[cfg(not(any(feature = "postgres", feature = "mysql", feature = "sqlite")))]
    NoDriver(std::convert::Infallible),
}

impl Row {
    /// Decodes column `idx` (0-based) as `T`.
    #[inline]
    pub fn get<T: SqlValue>(&self, idx: usize) -> Result<T, sqlx::Error> {
        match self {
            #[cfg(feature = "postgres")]
            Row::Postgres(r) => T::decode_pg(r, idx),
            #[cfg(feature = "mysql")]
            Row::MySql(r) => T::decode_mysql(r, idx),
            #[cfg(feature = "sqlite")]
            Row::Sqlite(r) => T::decode_sqlite(r, idx),
            #[cfg(not(any(feature = "postgres", feature = "mysql", feature = "sqlite")))]
            Row::NoDriver(n) => match *n {},
        }
    }

    /// The result's column names, in order.
    pub fn column_names(&self) -> Vec<String> {
        use sqlx::{Column, Row as _};
        match self {
            #[cfg(feature = "postgres")]
            Row::Postgres(r) => r.columns().iter().map(|c| c.name().to_owned()).collect(),
            #[cfg(feature = "mysql")]
            Row::MySql(r) => r.columns().iter().map(|c| c.name().to_owned()).collect(),
            #[cfg(feature = "sqlite")]
            Row::Sqlite(r) => r.columns().iter().map(|c| c.name().to_owned()).collect(),
            #[cfg(not(any(feature = "postgres", feature = "mysql", feature = "sqlite")))]
            Row::NoDriver(n) => match *n {},
        }
    }
}
