//! What a transactional scope asks for: propagation, isolation, read-only, timeout, name.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// How a transactional scope relates to a transaction already running in the task, with
/// Spring's semantics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Propagation {
    /// Join the current transaction, or begin one if there is none.
    #[default]
    Required,
    /// Suspend the current transaction (its connection stays reserved) and begin an independent
    /// one on a second connection; the outer resumes afterwards.
    RequiresNew,
    /// Inside a transaction, a savepoint: a failure rolls back to it and the outer goes on.
    /// Without one, like [`Required`](Self::Required).
    Nested,
    /// Join the current transaction if there is one, else run without a transaction.
    Supports,
    /// Suspend the current transaction, if any, and run without one.
    NotSupported,
    /// Join the current transaction; fail with [`TxError::NoTransaction`](crate::tx::TxError)
    /// when there is none.
    Mandatory,
    /// Run without a transaction; fail with
    /// [`TxError::ExistingTransaction`](crate::tx::TxError) when one exists.
    Never,
}

impl fmt::Display for Propagation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The isolation level a new transaction begins with.
///
/// | level | PostgreSQL | MySQL/MariaDB | SQLite |
/// |---|---|---|---|
/// | `Default` | server default (read committed) | server default (repeatable read) | `BEGIN` (deferred) |
/// | `ReadUncommitted` | as read committed (PostgreSQL's rule) | read uncommitted | `BEGIN` |
/// | `ReadCommitted` | read committed | read committed | `BEGIN` |
/// | `RepeatableRead` | repeatable read (snapshot) | repeatable read | `BEGIN` |
/// | `Serializable` | serializable (SSI) | serializable | `BEGIN` |
///
/// SQLite transactions are always serializable, one writer at a time: a transaction that read
/// and then finds another writer committed meanwhile fails with `SQLITE_BUSY`, which `retry`
/// treats as a serialization failure. (`BEGIN IMMEDIATE` would avoid that by taking the write
/// lock up front, but then a `RequiresNew` transaction inside could never write.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Isolation {
    /// Whatever the database does by default.
    #[default]
    Default,
    /// Dirty reads allowed (where the database has them).
    ReadUncommitted,
    /// Only committed data is read.
    ReadCommitted,
    /// Rows read once read the same again.
    RepeatableRead,
    /// As if the transactions ran one after another; conflicts fail with a serialization error.
    Serializable,
}

impl fmt::Display for Isolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl Isolation {
    /// The SQL name of the level, `None` for [`Default`](Self::Default).
    pub fn sql_name(self) -> Option<&'static str> {
        match self {
            Isolation::Default => None,
            Isolation::ReadUncommitted => Some("READ UNCOMMITTED"),
            Isolation::ReadCommitted => Some("READ COMMITTED"),
            Isolation::RepeatableRead => Some("REPEATABLE READ"),
            Isolation::Serializable => Some("SERIALIZABLE"),
        }
    }
}

/// The attributes of a transactional scope, as Spring's `TransactionDefinition`.
///
/// ```
/// use std::time::Duration;
/// use framework_data::tx::{Isolation, Propagation, TransactionDefinition};
///
/// let def = TransactionDefinition::new()
///     .propagation(Propagation::RequiresNew)
///     .isolation(Isolation::Serializable)
///     .timeout(Duration::from_secs(5))
///     .name("transfer");
/// assert!(!def.read_only);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TransactionDefinition {
    /// How to relate to a transaction already running.
    pub propagation: Propagation,
    /// The isolation level of a new transaction; ignored when joining (see
    /// [`TransactionManager::validate_existing`](crate::tx::TransactionManager::validate_existing)).
    pub isolation: Isolation,
    /// Begin the transaction read-only where the database has such a mode (PostgreSQL and
    /// MySQL: writes fail). SQLite has no per-transaction read-only mode; the flag is recorded
    /// but not enforced there.
    pub read_only: bool,
    /// Roll back and fail with [`TxError::Timeout`](crate::tx::TxError) when the body runs longer.
    /// Applies to new transactions only (a joined scope runs under its owner's timeout). On
    /// PostgreSQL the transaction's `statement_timeout` is set to it as well.
    pub timeout: Option<Duration>,
    /// A name for logs and traces (the macro uses the method's path).
    pub name: Option<Cow<'static, str>>,
}

impl TransactionDefinition {
    /// `Required`, default isolation, read-write, no timeout.
    pub const fn new() -> Self {
        TransactionDefinition {
            propagation: Propagation::Required,
            isolation: Isolation::Default,
            read_only: false,
            timeout: None,
            name: None,
        }
    }

    /// Sets the propagation.
    pub const fn propagation(mut self, propagation: Propagation) -> Self {
        self.propagation = propagation;
        self
    }

    /// Sets the isolation level.
    pub const fn isolation(mut self, isolation: Isolation) -> Self {
        self.isolation = isolation;
        self
    }

    /// Sets the read-only flag.
    pub const fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }

    /// Sets the timeout.
    pub const fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The name, or `"transaction"`.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or("transaction")
    }
}
