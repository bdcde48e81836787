//! Callbacks registered on the current transaction, run around its completion in Spring's
//! order: `before_commit` (commit path only) -> `before_completion` -> COMMIT or ROLLBACK ->
//! `after_commit` (after a successful commit only) -> `after_completion(status)`.
//!
//! Callbacks registered inside a joined scope or a `Nested` savepoint belong to the owning
//! transaction and run when it completes; a `RequiresNew` transaction has its own. `after_*`
//! callbacks run outside the finished transaction: a repository call there uses the outer
//! transaction, if any, or auto-commit.

use std::sync::Mutex;

use framework_core::context::BoxFuture;

use super::TxError;

/// How a transaction ended, for [`TransactionSynchronization::after_completion`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompletionStatus {
    /// Committed.
    Committed,
    /// Rolled back (including a failed commit the database rolled back).
    RolledBack,
    /// The commit was sent but its outcome is unknown (the connection broke).
    Unknown,
}

/// Callbacks around a transaction's completion (Spring's `TransactionSynchronization`).
///
/// Every method has an empty default. `before_commit` may veto the commit by returning an
/// error: the transaction then rolls back and the scope fails with
/// [`TxError::Synchronization`].
///
/// ```
/// use std::sync::Arc;
/// use framework_core::context::BoxFuture;
/// use framework_data::tx::{CompletionStatus, TransactionSynchronization};
///
/// struct Audit;
/// impl TransactionSynchronization for Audit {
///     fn after_completion(&self, status: CompletionStatus) -> BoxFuture<'_, ()> {
///         Box::pin(async move { tracing::info!(?status, "transaction finished") })
///     }
/// }
/// let _sync: Arc<dyn TransactionSynchronization> = Arc::new(Audit);
/// ```
pub trait TransactionSynchronization: Send + Sync + 'static {
    /// Before COMMIT, inside the transaction (statements here still belong to it).
    fn before_commit(&self, read_only: bool) -> BoxFuture<'_, Result<(), TxError>> {
        let _ = read_only;
        Box::pin(async { Ok(()) })
    }

    /// Before COMMIT or ROLLBACK.
    fn before_completion(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }

    /// After a successful COMMIT.
    fn after_commit(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }

    /// After COMMIT or ROLLBACK, with the outcome.
    fn after_completion(&self, status: CompletionStatus) -> BoxFuture<'_, ()> {
        let _ = status;
        Box::pin(async {})
    }
}

type AfterCommitFn = Box<dyn FnOnce() + Send>;
type AfterCompletionFn = Box<dyn FnOnce(CompletionStatus) + Send>;

/// A callback that runs at most once, taken out under a lock.
struct Once<F>(Mutex<Option<F>>);

impl<F> Once<F> {
    fn new(f: F) -> Self {
        Once(Mutex::new(Some(f)))
    }

    fn take(&self) -> Option<F> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }
}

/// A one-shot `after_commit` closure.
pub(crate) struct AfterCommit(Once<AfterCommitFn>);

impl AfterCommit {
    pub(crate) fn new(f: impl FnOnce() + Send + 'static) -> Self {
        AfterCommit(Once::new(Box::new(f)))
    }
}

impl TransactionSynchronization for AfterCommit {
    fn after_commit(&self) -> BoxFuture<'_, ()> {
        if let Some(f) = self.0.take() {
            f();
        }
        Box::pin(async {})
    }
}

/// A one-shot `after_completion` closure.
pub(crate) struct AfterCompletion(Once<AfterCompletionFn>);

impl AfterCompletion {
    pub(crate) fn new(f: impl FnOnce(CompletionStatus) + Send + 'static) -> Self {
        AfterCompletion(Once::new(Box::new(f)))
    }
}

impl TransactionSynchronization for AfterCompletion {
    fn after_completion(&self, status: CompletionStatus) -> BoxFuture<'_, ()> {
        if let Some(f) = self.0.take() {
            f(status);
        }
        Box::pin(async {})
    }
}
