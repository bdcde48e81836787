//! Propagation and isolation: what `#[transactional(propagation = .., isolation = ..)]` names
//! and the transaction manager obeys. The macro reads the names from [`Propagation::ALL`] and
//! [`Isolation::ALL`], so an option the runtime does not know cannot be written.

use std::fmt;

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
    /// Join the current transaction; fail with `TxError::NoTransaction`
    /// when there is none.
    Mandatory,
    /// Run without a transaction; fail with
    /// `TxError::ExistingTransaction` when one exists.
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

impl Propagation {
    /// Every propagation, in Spring's order.
    pub const ALL: [Propagation; 7] = [
        Propagation::Required,
        Propagation::RequiresNew,
        Propagation::Nested,
        Propagation::Supports,
        Propagation::NotSupported,
        Propagation::Mandatory,
        Propagation::Never,
    ];

    /// The propagation named `name` (its variant's name, as written in `#[transactional]`).
    ///
    /// ```
    /// use framework_vocabulary::Propagation;
    /// assert_eq!(Propagation::from_name("RequiresNew"), Some(Propagation::RequiresNew));
    /// assert_eq!(Propagation::from_name("REQUIRES_NEW"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Propagation> {
        Self::ALL.into_iter().find(|p| p.to_string() == name)
    }
}

impl Isolation {
    /// Every isolation level, weakest first.
    pub const ALL: [Isolation; 5] = [
        Isolation::Default,
        Isolation::ReadUncommitted,
        Isolation::ReadCommitted,
        Isolation::RepeatableRead,
        Isolation::Serializable,
    ];

    /// The isolation level named `name` (its variant's name).
    ///
    /// ```
    /// use framework_vocabulary::Isolation;
    /// assert_eq!(Isolation::from_name("Serializable"), Some(Isolation::Serializable));
    /// ```
    pub fn from_name(name: &str) -> Option<Isolation> {
        Self::ALL.into_iter().find(|i| i.to_string() == name)
    }
}
