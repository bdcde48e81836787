//! Errors of transaction management.

use std::time::Duration;

use super::DataError;
use crate::definition::Propagation;

/// Why a transactional scope failed, beyond the body's own error.
///
/// Convert it into your error type with `From<TxError>` (or `From<DataError>`, which carries a
/// `TxError` in [`DataError::Transaction`]); `#[transactional]` requires one of the two.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TxError {
    /// `Mandatory` found no transaction to join.
    #[error(
        "propagation {propagation} on DataSource `{datasource}` requires an existing transaction, and there is none"
    )]
    NoTransaction {
        /// The DataSource.
        datasource: String,
        /// The propagation that required it.
        propagation: Propagation,
    },
    /// A synchronization was registered outside any transactional scope of the DataSource.
    #[error(
        "no transactional scope on DataSource `{datasource}` to register a synchronization with: call it inside #[transactional] (any propagation) or a TransactionManager scope"
    )]
    NoScope {
        /// The DataSource.
        datasource: String,
    },
    /// `Never` found a transaction running.
    #[error(
        "propagation Never on DataSource `{datasource}`: a transaction (`{existing}`) is already running"
    )]
    ExistingTransaction {
        /// The DataSource.
        datasource: String,
        /// The running transaction's name.
        existing: String,
    },
    /// A participant marked the shared transaction rollback-only, and its owner then tried to
    /// commit: everything was rolled back.
    #[error(
        "transaction `{name}` on DataSource `{datasource}` was rolled back because a participating scope failed and marked it rollback-only"
    )]
    UnexpectedRollback {
        /// The DataSource.
        datasource: String,
        /// The transaction's name.
        name: String,
    },
    /// The body ran past the transaction's timeout; the transaction was rolled back.
    #[error(
        "transaction `{name}` on DataSource `{datasource}` timed out after {} and was rolled back",
        humantime::format_duration(*timeout)
    )]
    Timeout {
        /// The DataSource.
        datasource: String,
        /// The transaction's name.
        name: String,
        /// The configured timeout.
        timeout: Duration,
    },
    /// Joining a transaction whose isolation or read-only flag differs, with
    /// `validate_existing` on.
    #[error("cannot join transaction `{existing}` on DataSource `{datasource}`: {reason}")]
    IncompatibleTransaction {
        /// The DataSource.
        datasource: String,
        /// The running transaction's name.
        existing: String,
        /// What differs.
        reason: String,
    },
    /// A new transaction needed a connection, and the ones held by this task's suspended
    /// transactions left none free within the acquire timeout.
    #[error(
        "cannot begin transaction `{name}` on DataSource `{datasource}`: no connection within {}; {held} of the pool's {max} connections are held by transactions this task suspended (RequiresNew and NotSupported keep the outer transaction's connection reserved); raise pool.max_connections or avoid nesting new transactions",
        humantime::format_duration(*timeout)
    )]
    SuspendedHoldConnections {
        /// The DataSource.
        datasource: String,
        /// The new transaction's name.
        name: String,
        /// Connections held by this task's suspended and current transactions.
        held: usize,
        /// The pool's size.
        max: u32,
        /// The acquire timeout.
        timeout: Duration,
    },
    /// A statement or callback used a transaction that its owner already committed or rolled
    /// back (work carried into a spawned task that outlived it).
    #[error("transaction `{name}` on DataSource `{datasource}` has already completed")]
    Completed {
        /// The DataSource.
        datasource: String,
        /// The transaction's name.
        name: String,
    },
    /// A synchronization's `before_commit` failed; the transaction was rolled back.
    #[error("transaction `{name}`: a before-commit synchronization failed: {message}")]
    Synchronization {
        /// The transaction's name.
        name: String,
        /// What the synchronization reported.
        message: String,
    },
    /// No started application context has a DataSource of that name.
    #[error(
        "no TransactionManager for DataSource `{datasource}`: no started ApplicationContext has it (start one, or pass `manager = ...` to #[transactional])"
    )]
    NoManager {
        /// The DataSource name looked up.
        datasource: String,
    },
    /// Several started contexts have a DataSource of that name, and nothing says which.
    #[error(
        "{count} started ApplicationContexts have a DataSource `{datasource}`; run the call inside `ctx.scope(...)` or pass `manager = ...` to #[transactional]"
    )]
    AmbiguousManager {
        /// The DataSource name looked up.
        datasource: String,
        /// How many contexts have it.
        count: usize,
    },
    /// A database error while beginning, committing or rolling back.
    #[error(transparent)]
    Data(#[from] DataError),
}

impl TxError {
    /// Whether re-running the transaction may succeed (serialization failure or deadlock).
    pub fn is_transient(&self) -> bool {
        matches!(self, TxError::Data(d) if d.is_transient())
    }

    /// What kind of failure this is: a timeout or connections held by this task's suspended
    /// transactions are [`Unavailable`](crate::ErrorCategory::Unavailable), a database error
    /// has its own category, the rest (misuse, unexpected rollback) is internal.
    pub fn category(&self) -> crate::ErrorCategory {
        match self {
            TxError::Data(d) => d.category(),
            TxError::Timeout { .. } | TxError::SuspendedHoldConnections { .. } => {
                crate::ErrorCategory::Unavailable
            }
            _ => crate::ErrorCategory::Internal,
        }
    }
}

impl From<TxError> for DataError {
    fn from(e: TxError) -> Self {
        match e {
            TxError::Data(d) => d,
            other => DataError::Transaction(Box::new(other)),
        }
    }
}
