//! The drivers behind one narrow interface: a [`Pool`] per DataSource and the [`Dialect`] it
//! speaks. Each driver lives in its own module, compiled in by its cargo feature (which the
//! starters turn on).

mod args;
mod config;
mod dispatch;
mod events;
mod listen;
mod loss;
mod manager;
#[cfg(feature = "mysql")]
mod mysql;
mod pool;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;
mod transaction;
mod value;

use std::fmt;

pub(crate) use args::{ArgsKind, IntoDriverError, RowKind};
pub use args::{Args, DecodeError, Driver, ExecResult, Row};
pub use config::PoolConfig;
pub(crate) use events::PoolEvents;
pub(crate) use listen::Listener;
pub use events::{PoolEvent, PoolInfo, PoolListener, PoolListeners};
pub(crate) use dispatch::dispatch;
pub use value::{ColumnValue, DriverValue, MySqlValue, PgValue, SqliteValue};

/// Escapes text for a regular expression of SQLite's `REGEXP` (the only dialect whose
/// case-insensitive LIKE the framework builds from one; without SQLite nothing calls it).
#[cfg(feature = "sqlite")]
pub(crate) use sqlite::regex_escape;
#[cfg(not(feature = "sqlite"))]
pub(crate) fn regex_escape(s: &str) -> String {
    s.to_owned()
}

/// An error from the driver while binding or decoding a value.
pub type BoxDynError = Box<dyn std::error::Error + Send + Sync + 'static>;
pub(crate) use loss::{LossMark, Lost, connection_lost};
pub use pool::{Pool, PooledConnection};
pub(crate) use pool::ConnKind;
pub(crate) use transaction::{BeginSpec, TxConn};

/// The SQL dialect of a DataSource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// PostgreSQL.
    Postgres,
    /// MySQL and MariaDB.
    MySql,
    /// SQLite.
    Sqlite,
}

impl Dialect {
    /// The product name, as shown to users (`"PostgreSQL"`).
    pub fn product_name(self) -> &'static str {
        match self {
            Dialect::Postgres => "PostgreSQL",
            Dialect::MySql => "MySQL",
            Dialect::Sqlite => "SQLite",
        }
    }

    /// The starter crate that compiles this driver in.
    pub fn starter(self) -> &'static str {
        match self {
            Dialect::Postgres => "starter-postgres",
            Dialect::MySql => "starter-mysql",
            Dialect::Sqlite => "starter-sqlite",
        }
    }

    /// The statement that returns the server's version as text.
    pub(crate) fn version_query(self) -> &'static str {
        match self {
            Dialect::Postgres => "SELECT version()",
            Dialect::MySql => "SELECT VERSION()",
            Dialect::Sqlite => "SELECT 'SQLite ' || sqlite_version()",
        }
    }

    /// Whether this driver is compiled into the binary.
    ///
    /// ```
    /// use framework_data::driver::Dialect;
    /// // true when the `starter-sqlite` crate (the `sqlite` feature) is a dependency
    /// let _ = Dialect::Sqlite.is_enabled();
    /// ```
    pub fn is_enabled(self) -> bool {
        match self {
            Dialect::Postgres => cfg!(feature = "postgres"),
            Dialect::MySql => cfg!(feature = "mysql"),
            Dialect::Sqlite => cfg!(feature = "sqlite"),
        }
    }

    /// A dense index (0, 1, 2), for per-dialect arrays of cached statement texts.
    pub(crate) fn slot(self) -> usize {
        match self {
            Dialect::Postgres => 0,
            Dialect::MySql => 1,
            Dialect::Sqlite => 2,
        }
    }

    /// Whether statements travel to a server over a connection that can be lost (all but
    /// SQLite, which runs in the process).
    pub(crate) fn talks_to_a_server(self) -> bool {
        !matches!(self, Dialect::Sqlite)
    }

    /// The OpenTelemetry `db.system` name (`postgresql`, `mysql`, `sqlite`).
    pub fn system_name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgresql",
            Dialect::MySql => "mysql",
            Dialect::Sqlite => "sqlite",
        }
    }

    /// Whether a failed statement leaves the whole transaction unusable until it ends (or
    /// rolls back to a savepoint): PostgreSQL's "current transaction is aborted". There a
    /// COMMIT after a swallowed error would silently roll back, so the framework treats the
    /// transaction as rollback-only instead.
    pub(crate) fn error_aborts_transaction(self) -> bool {
        matches!(self, Dialect::Postgres)
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.product_name())
    }
}
