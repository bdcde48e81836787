//! Callbacks registered on the current transaction, run around its completion in Spring's
//! order: `before_commit` (commit path only) -> `before_completion` -> COMMIT or ROLLBACK ->
//! `after_commit` (after a successful commit only) -> `after_completion(status)`.
//!
//! Callbacks registered inside a joined scope or a `Nested` savepoint belong to the owning
//! transaction and run when it completes; a `RequiresNew` transaction has its own. A scope that
//! runs without a transaction (`Supports`, `NotSupported`, `Never`) still takes callbacks, as
//! Spring's default `SYNCHRONIZATION_ALWAYS` does: they run when that scope ends, as for a
//! commit when it ends normally (or with an error its rules commit on), as for a rollback
//! otherwise; scopes without a transaction nested in it share it. `after_*`
//! callbacks run outside the finished transaction: a repository call there uses the outer
//! transaction, if any, or auto-commit.

use std::sync::{Arc, Mutex, PoisonError};

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

/// The synchronizations registered on one transaction or one scope without a transaction, and
/// the triggers that run them in Spring's order. One list type for both, so that the two run
/// their callbacks the same way.
#[derive(Default)]
pub(crate) struct Synchronizations(Mutex<Vec<Arc<dyn TransactionSynchronization>>>);

impl Synchronizations {
    pub(crate) fn register(&self, sync: Arc<dyn TransactionSynchronization>) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(sync);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    /// The callbacks registered so far, to run without holding the lock (a callback may
    /// register another).
    pub(crate) fn snapshot(&self) -> Vec<Arc<dyn TransactionSynchronization>> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// `before_commit` of each, stopping at the first veto (named after the transaction).
pub(crate) async fn before_commit(
    syncs: &[Arc<dyn TransactionSynchronization>],
    read_only: bool,
    name: &str,
) -> Result<(), TxError> {
    for sync in syncs {
        sync.before_commit(read_only)
            .await
            .map_err(|e| TxError::Synchronization {
                name: name.to_owned(),
                message: e.to_string(),
            })?;
    }
    Ok(())
}

pub(crate) async fn before_completion(syncs: &[Arc<dyn TransactionSynchronization>]) {
    for sync in syncs {
        sync.before_completion().await;
    }
}

pub(crate) async fn after_commit(syncs: &[Arc<dyn TransactionSynchronization>]) {
    for sync in syncs {
        sync.after_commit().await;
    }
}

pub(crate) async fn after_completion(
    syncs: &[Arc<dyn TransactionSynchronization>],
    status: CompletionStatus,
) {
    for sync in syncs {
        sync.after_completion(status).await;
    }
}

/// The synchronizations of a scope running without a transaction (Spring's "empty
/// transaction"): registered like a transaction's, triggered when the scope ends.
pub(crate) struct EmptyScope {
    read_only: bool,
    pub(crate) syncs: Synchronizations,
}

impl EmptyScope {
    pub(crate) fn new(read_only: bool) -> Self {
        EmptyScope {
            read_only,
            syncs: Synchronizations::default(),
        }
    }

    /// Runs the callbacks for the scope's end: the commit path (`before_commit`, which may
    /// veto, `before_completion`, `after_commit`, `after_completion(Committed)`) or the
    /// rollback path (`before_completion`, `after_completion(RolledBack)`).
    pub(crate) async fn complete(&self, commit: bool) -> Result<(), TxError> {
        let syncs = self.syncs.snapshot();
        let vetoed = if commit {
            before_commit(&syncs, self.read_only, "(no transaction)")
                .await
                .err()
        } else {
            None
        };
        before_completion(&syncs).await;
        let committed = commit && vetoed.is_none();
        if committed {
            after_commit(&syncs).await;
        }
        let status = if committed {
            CompletionStatus::Committed
        } else {
            CompletionStatus::RolledBack
        };
        after_completion(&syncs, status).await;
        vetoed.map_or(Ok(()), Err)
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
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
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
