//! Typed errors of the data layer: [`DataError`] for statements and repositories, and
//! [`TxError`] for transaction management (re-exported as `tx::TxError`), which wrap each other.

mod tx;
mod violation;

use std::time::Duration;

pub use tx::TxError;
pub use violation::Violation;

/// The result type of every data-layer operation.
pub type DataResult<T> = Result<T, DataError>;

/// What can go wrong in the data layer. Messages never contain a password: URLs are masked and
/// driver messages are scrubbed before they are stored here.
///
/// ```
/// use framework_data::DataError;
/// let e = DataError::PoolTimeout { datasource: "default".into(), timeout: std::time::Duration::from_secs(5) };
/// assert_eq!(e.to_string(), "DataSource `default`: no connection available within 5s (pool exhausted)");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The URL's scheme names a driver whose starter is not a dependency.
    #[error(
        "DataSource `{datasource}`: URL scheme `{scheme}` needs the {driver} driver, which is not compiled in; add the `{starter}` crate to your dependencies"
    )]
    DriverNotEnabled {
        /// The DataSource's name.
        datasource: String,
        /// The URL scheme.
        scheme: String,
        /// The driver it needs.
        driver: &'static str,
        /// The starter crate that brings it.
        starter: &'static str,
    },
    /// The URL could not be understood.
    #[error("DataSource `{datasource}`: invalid URL {url}: {reason}")]
    InvalidUrl {
        /// The DataSource's name.
        datasource: String,
        /// The URL, password masked.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A DataSource's settings cannot work together (replicas for SQLite, a replica URL of
    /// another database than the primary's).
    #[error("DataSource `{datasource}`: invalid configuration: {reason}")]
    InvalidConfig {
        /// The DataSource's name.
        datasource: String,
        /// What is wrong.
        reason: String,
    },
    /// A read bound for a replica found none usable, and the routing's `fallback` is `"fail"`.
    #[error("DataSource `{datasource}`: no usable replica ({reason})")]
    NoReplica {
        /// The DataSource's name.
        datasource: String,
        /// Each replica's state.
        reason: String,
    },
    /// A statement that writes was sent in a read-only transaction running on a replica;
    /// refused before it left.
    #[error("DataSource `{datasource}`: `{operation}` in a read-only transaction, which runs on a replica; writes need a read-write transaction")]
    WriteInReadOnlyTransaction {
        /// The DataSource's name.
        datasource: String,
        /// The statement's first word.
        operation: String,
    },
    /// The database could not be reached at start-up.
    #[error("DataSource `{datasource}` at {url} is unreachable: {reason}")]
    Unreachable {
        /// The DataSource's name.
        datasource: String,
        /// The URL, password masked.
        url: String,
        /// The driver's reason, password scrubbed.
        reason: String,
        /// The driver's error below its message (an `std::io::Error` for a broken connection,
        /// the decoder's error for a column), when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// No connection became free within `acquire_timeout`.
    #[error("DataSource `{datasource}`: no connection available within {} (pool exhausted)", humantime::format_duration(*timeout))]
    PoolTimeout {
        /// The DataSource's name.
        datasource: String,
        /// The configured `acquire_timeout`.
        timeout: Duration,
    },
    /// The pool was closed (the context is shutting down).
    #[error("DataSource `{datasource}`: the pool is closed")]
    PoolClosed {
        /// The DataSource's name.
        datasource: String,
    },
    /// `ctx.datasource(name)` named a DataSource that is not configured.
    #[error("no DataSource named `{name}` (configured: {})", if available.is_empty() { "none".to_owned() } else { available.join(", ") })]
    NoSuchDataSource {
        /// The name asked for.
        name: String,
        /// The configured names.
        available: Vec<String>,
    },
    /// A unique or primary-key constraint rejected the write.
    #[error(
        "DataSource `{datasource}`: unique constraint violated{}: {message}",
        fmt_name(constraint)
    )]
    UniqueViolation {
        /// The DataSource's name.
        datasource: String,
        /// The constraint, index or column the database named, when it did.
        constraint: Option<String>,
        /// The database's message.
        message: String,
    },
    /// A NOT NULL column was given no value.
    #[error(
        "DataSource `{datasource}`: not-null constraint violated{}: {message}",
        fmt_name(column)
    )]
    NotNullViolation {
        /// The DataSource's name.
        datasource: String,
        /// The column, when the database named it.
        column: Option<String>,
        /// The database's message.
        message: String,
    },
    /// A foreign key rejected the write.
    #[error(
        "DataSource `{datasource}`: foreign-key constraint violated{}: {message}",
        fmt_name(constraint)
    )]
    ForeignKeyViolation {
        /// The DataSource's name.
        datasource: String,
        /// The constraint, when the database named it.
        constraint: Option<String>,
        /// The database's message.
        message: String,
    },
    /// The database could not serialize the transaction (or the database was busy); retrying
    /// the whole transaction may succeed.
    #[error("DataSource `{datasource}`: serialization failure: {message}")]
    SerializationFailure {
        /// The DataSource's name.
        datasource: String,
        /// The database's message.
        message: String,
    },
    /// A locking read with `NOWAIT` met a row another transaction holds (PostgreSQL's
    /// `lock_not_available`, MariaDB's lock wait timeout under NOWAIT); retrying the whole
    /// transaction may succeed.
    #[error("DataSource `{datasource}`: lock not available: {message}")]
    LockNotAvailable {
        /// The DataSource's name.
        datasource: String,
        /// The database's message.
        message: String,
    },
    /// A deadlock or lock-wait timeout; retrying the whole transaction may succeed.
    #[error("DataSource `{datasource}`: deadlock: {message}")]
    Deadlock {
        /// The DataSource's name.
        datasource: String,
        /// The database's message.
        message: String,
    },
    /// An update found the row changed (or deleted) since it was read.
    #[error(
        "optimistic lock conflict: {entity} with id {id} was changed or deleted by someone else"
    )]
    OptimisticLock {
        /// The entity type.
        entity: &'static str,
        /// The id, formatted.
        id: String,
    },
    /// An update of an entity without a version matched no row.
    #[error("{entity} with id {id} does not exist")]
    NotFound {
        /// The entity type.
        entity: &'static str,
        /// The id, formatted.
        id: String,
    },
    /// An association was read before it was loaded (see
    /// [`Repository::load`](crate::repository::Repository::load)): never a hidden query.
    #[error("{association} of {entity} was not loaded; load it first (repository.load(.., \"path\"))")]
    NotLoaded {
        /// The association's target type.
        entity: &'static str,
        /// What was read.
        association: &'static str,
    },
    /// A sort or query named a property the entity does not have.
    #[error("{entity} has no property `{property}` (properties: {})", known.join(", "))]
    UnknownProperty {
        /// The entity type.
        entity: &'static str,
        /// The property asked for.
        property: String,
        /// The entity's properties.
        known: Vec<&'static str>,
    },
    /// A caller passed an argument the operation cannot use (a page size of 0, ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The entity breaks validation rules (`#[validate(..)]` on its fields): every violation
    /// of it (and of its embedded values and cascaded children), found before any statement.
    #[error("{entity} is not valid: {}", violation::list(violations))]
    Validation {
        /// The entity type saved.
        entity: &'static str,
        /// Every rule broken.
        violations: Vec<Violation>,
    },
    /// A value could not be bound or a column could not be decoded.
    #[error("DataSource `{datasource}`: cannot map a value: {message}")]
    Mapping {
        /// The DataSource's name.
        datasource: String,
        /// What went wrong.
        message: String,
        /// The driver's error below its message (an `std::io::Error` for a broken connection,
        /// the decoder's error for a column), when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// A query expected at most (or exactly) one row found more.
    #[error("{query}: expected {expected} row, found {actual} or more")]
    IncorrectResultSize {
        /// The repository method.
        query: &'static str,
        /// Rows expected at most.
        expected: usize,
        /// Rows found (2 means "two or more": the query stops there).
        actual: usize,
    },
    /// The connection died under the statement (the server restarted or killed it, or the
    /// network broke). Outside a transaction a statement that certainly did not run (or only
    /// reads) was already sent again once on another connection; inside one, the transaction
    /// is gone.
    #[error("DataSource `{datasource}`: connection lost: {message}")]
    ConnectionLost {
        /// The DataSource's name.
        datasource: String,
        /// The driver's message.
        message: String,
        /// The driver's error below its message (an `std::io::Error` for a broken connection,
        /// the decoder's error for a column), when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// The database rejected a value: text it cannot store (a NUL character on PostgreSQL,
    /// invalid UTF-8), a number out of the column's range, a string too long for the column,
    /// an invalid date.
    #[error("DataSource `{datasource}`: invalid value: {message}")]
    InvalidValue {
        /// The DataSource's name.
        datasource: String,
        /// The database's message.
        message: String,
        /// The SQLSTATE or vendor code.
        code: Option<String>,
    },
    /// An entity's `#[version]` is at its type's maximum and cannot be incremented by `save`.
    #[error("{entity} with id {id}: version {version} cannot be incremented")]
    VersionOverflow {
        /// The entity type.
        entity: &'static str,
        /// The id, formatted.
        id: String,
        /// The version the entity carried.
        version: i64,
    },
    /// A transaction management failure (see [`TxError`]).
    #[error(transparent)]
    Transaction(Box<TxError>),
    /// Any other database error, with the driver's message.
    #[error("DataSource `{datasource}`: database error: {message}")]
    Database {
        /// The DataSource's name.
        datasource: String,
        /// The driver's message.
        message: String,
        /// The SQLSTATE or vendor code, when the driver gives one.
        code: Option<String>,
        /// The driver's error below its message (an `std::io::Error` for a broken connection,
        /// the decoder's error for a column), when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
}

/// What kind of failure a [`DataError`] is, for deciding what to do about it without listing
/// variants: retry, answer "unavailable", report a conflict, or reject the input.
///
/// ```
/// use framework_data::{DataError, ErrorCategory};
/// # fn status(e: &DataError) -> u16 {
/// match e.category() {
///     ErrorCategory::Transient => 409,      // with Retry-After: the client may try again
///     ErrorCategory::Unavailable => 503,
///     ErrorCategory::Conflict => 409,
///     ErrorCategory::NotFound => 404,
///     ErrorCategory::InvalidInput => 400,
///     _ => 500,
/// }
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCategory {
    /// Serialization failure or deadlock: running the whole transaction again may succeed
    /// (`#[transactional(retry = N)]` does so). Same as [`DataError::is_transient`].
    Transient,
    /// The database cannot serve now: unreachable, pool exhausted or closed, connection lost,
    /// transaction timed out. Trying later may succeed.
    Unavailable,
    /// The write conflicts with stored data: an optimistic-lock conflict, a unique violation.
    Conflict,
    /// The entity does not exist.
    NotFound,
    /// The input cannot be stored or used: an invalid value, a missing required value, a
    /// foreign key to nothing, an unknown property, a version that cannot be incremented.
    InvalidInput,
    /// A programming or configuration error, or a database error without a better category.
    Internal,
}

impl DataError {
    /// Whether retrying the whole transaction may succeed (serialization failure, deadlock).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            DataError::SerializationFailure { .. }
                | DataError::Deadlock { .. }
                | DataError::LockNotAvailable { .. }
        ) || matches!(self, DataError::Transaction(t) if t.is_transient())
    }

    /// What kind of failure this is (see [`ErrorCategory`]).
    ///
    /// ```
    /// use framework_data::{DataError, ErrorCategory};
    /// let e = DataError::PoolTimeout { datasource: "default".into(), timeout: std::time::Duration::from_secs(5) };
    /// assert_eq!(e.category(), ErrorCategory::Unavailable);
    /// ```
    pub fn category(&self) -> ErrorCategory {
        match self {
            DataError::SerializationFailure { .. }
            | DataError::Deadlock { .. }
            | DataError::LockNotAvailable { .. } => ErrorCategory::Transient,
            DataError::Unreachable { .. }
            | DataError::PoolTimeout { .. }
            | DataError::PoolClosed { .. }
            | DataError::NoReplica { .. }
            | DataError::ConnectionLost { .. } => ErrorCategory::Unavailable,
            DataError::OptimisticLock { .. } | DataError::UniqueViolation { .. } => {
                ErrorCategory::Conflict
            }
            DataError::NotFound { .. } => ErrorCategory::NotFound,
            DataError::InvalidValue { .. }
            | DataError::NotNullViolation { .. }
            | DataError::ForeignKeyViolation { .. }
            | DataError::UnknownProperty { .. }
            | DataError::InvalidArgument(_)
            | DataError::Validation { .. }
            | DataError::VersionOverflow { .. } => ErrorCategory::InvalidInput,
            DataError::Transaction(t) => t.category(),
            DataError::DriverNotEnabled { .. }
            | DataError::InvalidUrl { .. }
            | DataError::InvalidConfig { .. }
            | DataError::WriteInReadOnlyTransaction { .. }
            | DataError::NoSuchDataSource { .. }
            | DataError::Mapping { .. }
            | DataError::IncorrectResultSize { .. }
            | DataError::NotLoaded { .. }
            | DataError::Database { .. } => ErrorCategory::Internal,
        }
    }

    /// Maps a driver error met while using DataSource `datasource`.
    pub(crate) fn from_sqlx(datasource: &str, timeout: Duration, err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolTimedOut => DataError::PoolTimeout {
                datasource: datasource.to_owned(),
                timeout,
            },
            sqlx::Error::PoolClosed => DataError::PoolClosed {
                datasource: datasource.to_owned(),
            },
            sqlx::Error::Database(db) => from_database(datasource, db.as_ref()),
            e @ (sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::Decode(_)
            | sqlx::Error::Encode(_)
            | sqlx::Error::ColumnIndexOutOfBounds { .. }) => {
                let (message, source) = split(e);
                DataError::Mapping {
                    datasource: datasource.to_owned(),
                    message,
                    source,
                }
            }
            other => {
                let (message, source) = split(other);
                DataError::Database {
                    datasource: datasource.to_owned(),
                    message,
                    code: None,
                    source,
                }
            }
        }
    }
}

/// A driver error's message and the error beneath it. The message is the variant's text (so
/// `{e}` alone says what happened); the cause is kept as `source()` for code that inspects it
/// (an `io::ErrorKind`, a decoder's error). Server-reported errors have no cause beyond their
/// message and code.
pub(crate) fn split(
    e: sqlx::Error,
) -> (
    String,
    Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
) {
    let message = e.to_string();
    let source: Option<Box<dyn std::error::Error + Send + Sync + 'static>> = match e {
        sqlx::Error::Io(io) => Some(Box::new(io)),
        sqlx::Error::Tls(cause) | sqlx::Error::Decode(cause) | sqlx::Error::Encode(cause) => {
            Some(cause)
        }
        sqlx::Error::ColumnDecode { source, .. } => Some(source),
        _ => None,
    };
    (message, source)
}

fn fmt_name(name: &Option<String>) -> String {
    name.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
}

/// Maps a database's error by its portable kind first, then by vendor codes.
fn from_database(datasource: &str, db: &dyn sqlx::error::DatabaseError) -> DataError {
    use sqlx::error::ErrorKind;
    let datasource = datasource.to_owned();
    let message = db.message().to_owned();
    let code = db.code().map(|c| c.into_owned());
    let named = || {
        db.constraint()
            .map(str::to_owned)
            .or_else(|| name_in_message(&message))
    };
    match db.kind() {
        ErrorKind::UniqueViolation => {
            return DataError::UniqueViolation {
                constraint: named(),
                datasource,
                message,
            };
        }
        ErrorKind::ForeignKeyViolation => {
            return DataError::ForeignKeyViolation {
                constraint: named(),
                datasource,
                message,
            };
        }
        ErrorKind::NotNullViolation => {
            return DataError::NotNullViolation {
                column: name_in_message(&message),
                datasource,
                message,
            };
        }
        _ => {}
    }
    match code.as_deref() {
        // PostgreSQL serialization_failure; SQLite BUSY and its extended codes.
        Some("40001") | Some("5") | Some("517") | Some("261") => DataError::SerializationFailure {
            datasource,
            message,
        },
        // PostgreSQL deadlock_detected; MySQL ER_LOCK_DEADLOCK and ER_LOCK_WAIT_TIMEOUT
        // (sqlx reports MySQL's SQLSTATE 40001 for 1213).
        Some("40P01") | Some("1213") | Some("1205") => DataError::Deadlock {
            datasource,
            message,
        },
        // PostgreSQL lock_not_available (NOWAIT, lock_timeout).
        Some("55P03") => DataError::LockNotAvailable {
            datasource,
            message,
        },
        // Data exceptions (SQLSTATE class 22): PostgreSQL's invalid text, out-of-range numbers
        // and too-long strings; MySQL's 1406/1264/1292. MySQL's 1366 (incorrect string value)
        // reports the generic HY000.
        Some(c) if c.starts_with("22") => DataError::InvalidValue {
            datasource,
            message,
            code,
        },
        _ if message.starts_with("Incorrect string value") => DataError::InvalidValue {
            datasource,
            message,
            code,
        },
        _ if message.contains("Deadlock found") || message.contains("Lock wait timeout") => {
            DataError::Deadlock {
                datasource,
                message,
            }
        }
        _ => DataError::Database {
            datasource,
            message,
            code,
            source: None,
        },
    }
}

/// The constraint or column a message names: MySQL's `for key 'x'`, `CONSTRAINT `x``,
/// `Column 'x'`, SQLite's `constraint failed: t.c`.
fn name_in_message(message: &str) -> Option<String> {
    if let Some(rest) = message.split("CONSTRAINT `").nth(1) {
        return rest.split('`').next().map(str::to_owned);
    }
    if let Some(rest) = message.split("for key '").nth(1) {
        return rest.split('\'').next().map(str::to_owned);
    }
    if let Some(rest) = message.split("Column '").nth(1) {
        return rest.split('\'').next().map(str::to_owned);
    }
    if let Some(rest) = message.split("constraint failed: ").nth(1) {
        return Some(rest.trim().to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::name_in_message;

    #[test]
    fn constraint_names_are_read_from_the_messages_that_carry_them() {
        let fk = "Cannot delete or update a parent row: a foreign key constraint fails (`db`.`posts`, CONSTRAINT `posts_ibfk_1` FOREIGN KEY (`author_id`) REFERENCES `users` (`id`))";
        assert_eq!(name_in_message(fk).as_deref(), Some("posts_ibfk_1"));
        let unique = "Duplicate entry 'a' for key 'users_email'";
        assert_eq!(name_in_message(unique).as_deref(), Some("users_email"));
        let sqlite = "UNIQUE constraint failed: users.email";
        assert_eq!(name_in_message(sqlite).as_deref(), Some("users.email"));
        assert_eq!(name_in_message("FOREIGN KEY constraint failed"), None);
    }
}
