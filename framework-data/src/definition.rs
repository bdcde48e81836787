//! What a transactional scope asks for: propagation, isolation, read-only, timeout, name.

use std::borrow::Cow;
use std::time::Duration;

pub use framework_vocabulary::{Isolation, Propagation};

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
