//! The TransactionManager of a DataSource: decides per propagation whether a scope joins,
//! suspends, takes a savepoint or begins a transaction, runs the body under the resulting
//! ambient context, then commits or rolls back (Spring's `AbstractPlatformTransactionManager`).

use std::future::Future;
use std::panic::{AssertUnwindSafe, resume_unwind};
use std::sync::Arc;
use std::task::Poll;

use tracing::Instrument;

use super::active::ActiveTransaction;
use super::ambient::Ambient;
use super::managers::TransactionManager;
use super::synchronization::{AfterCommit, AfterCompletion, CompletionStatus, EmptyScope};
use super::{
    Propagation, RollbackPolicy, TransactionDefinition, TransactionSynchronization, TxError,
};
use crate::error::DataError;

/// The outcome of one run of a transactional scope, and whether running it again may succeed.
/// Used with [`Retry`](super::Retry); [`TransactionManager::execute`] returns only the result.
#[derive(Debug)]
pub struct Attempt<T, E> {
    result: Result<T, E>,
    retryable: bool,
}

impl<T, E> Attempt<T, E> {
    fn done(result: Result<T, E>) -> Self {
        Attempt {
            result,
            retryable: false,
        }
    }

    /// Whether this scope owned its transaction and it failed on a serialization failure or
    /// deadlock.
    pub fn retryable(&self) -> bool {
        self.retryable
    }

    /// The scope's result.
    pub fn into_result(self) -> Result<T, E> {
        self.result
    }
}

impl TransactionManager {
    /// The manager `#[transactional(datasource = "name")]` uses, found without being passed:
    ///
    /// 1. the manager of a transaction on a DataSource of that name that this task is already
    ///    running (current or suspended), so nested calls stay in their caller's context;
    /// 2. else the context this task runs in through [`DataContextExt::scope`](crate::context::DataContextExt::scope);
    /// 3. else the one started [`ApplicationContext`](framework_core::ApplicationContext) of
    ///    the process that has such a DataSource ([`TxError::AmbiguousManager`] when several
    ///    do, as in parallel tests: use `scope` there, or `manager = expr` on the macro).
    pub fn lookup(datasource: &str) -> Result<TransactionManager, TxError> {
        // Read in place: every #[transactional] call without `manager =` comes through here.
        let in_task = |ambient: &Ambient| {
            if let Some(tx) = ambient.transaction_named(datasource) {
                return Some(Ok(tx.manager.clone()));
            }
            let managers = ambient.managers.as_ref()?;
            Some(
                managers
                    .get(datasource)
                    .cloned()
                    .ok_or_else(|| TxError::NoManager {
                        datasource: datasource.to_owned(),
                    }),
            )
        };
        match Ambient::inspect(in_task) {
            Some(found) => found,
            None => super::registry::find(datasource),
        }
    }

    /// Whether this task has a transaction on this manager's DataSource now.
    pub fn is_transaction_active(&self) -> bool {
        super::ambient::current(&self.inner.ds).is_some()
    }

    /// Registers `sync` on the current transaction of this DataSource; it runs when the
    /// transaction's owner completes it. In a scope without a transaction (`Supports`,
    /// `NotSupported`, `Never`) it runs when that scope ends (Spring's `SYNCHRONIZATION_ALWAYS`).
    /// [`TxError::NoScope`] outside any transactional scope.
    pub fn register_synchronization(
        &self,
        sync: Arc<dyn TransactionSynchronization>,
    ) -> Result<(), TxError> {
        if let Some(tx) = super::ambient::current(&self.inner.ds) {
            tx.register(sync);
            return Ok(());
        }
        match super::ambient::empty_scope(&self.inner.ds) {
            Some(scope) => {
                scope.syncs.register(sync);
                Ok(())
            }
            None => Err(TxError::NoScope {
                datasource: self.inner.ds.name().to_owned(),
            }),
        }
    }

    /// Runs `f` after the current transaction commits (never if it rolls back).
    pub fn after_commit(&self, f: impl FnOnce() + Send + 'static) -> Result<(), TxError> {
        self.register_synchronization(Arc::new(AfterCommit::new(f)))
    }

    /// Runs `f` with the outcome after the current transaction completes.
    pub fn after_completion(
        &self,
        f: impl FnOnce(CompletionStatus) + Send + 'static,
    ) -> Result<(), TxError> {
        self.register_synchronization(Arc::new(AfterCompletion::new(f)))
    }

    /// Runs `body` as a transactional scope of `def`, rolling back on any `Err` and on panic
    /// (the panic continues after the rollback).
    pub async fn execute<T, E, Fut>(&self, def: &TransactionDefinition, body: Fut) -> Result<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
        E: From<TxError>,
    {
        self.run(def, RollbackPolicy::always(), E::from, body)
            .await
            .into_result()
    }

    /// Like [`execute`](Self::execute), with rollback rules.
    pub async fn execute_with<T, E, Fut>(
        &self,
        def: &TransactionDefinition,
        policy: RollbackPolicy<E>,
        body: Fut,
    ) -> Result<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
        E: From<TxError>,
    {
        self.run(def, policy, E::from, body).await.into_result()
    }

    /// One run of a transactional scope, for callers that retry (the macro, the template):
    /// `convert` turns the framework's failures into the body's error type.
    #[doc(hidden)]
    pub async fn run<T, E, Fut>(
        &self,
        def: &TransactionDefinition,
        policy: RollbackPolicy<E>,
        convert: fn(TxError) -> E,
        body: Fut,
    ) -> Attempt<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        // On the heap: scopes nest, and each would otherwise embed the whole body future in its
        // own, growing the caller's future (and, in debug builds, its stack) at every level.
        let body = Box::pin(body);
        let ds = &self.inner.ds;
        // Only the current transaction first: a joining scope needs no copy of the context.
        let existing = super::ambient::current(ds);
        let fail = |e: TxError| Attempt::done(Err(convert(e)));
        match (def.propagation, existing) {
            (Propagation::Required | Propagation::Supports | Propagation::Mandatory, Some(tx)) => {
                if let Err(e) = self.check_joinable(&tx, def) {
                    return fail(e);
                }
                Attempt::done(join(&tx, policy, body).await)
            }
            (Propagation::Nested, Some(tx)) => self.savepoint(&tx, policy, convert, body).await,
            (Propagation::Required | Propagation::RequiresNew | Propagation::Nested, None)
            | (Propagation::RequiresNew, Some(_)) => {
                self.begin_and_run(Ambient::snapshot(), def, policy, convert, body)
                    .await
            }
            (Propagation::Supports | Propagation::NotSupported | Propagation::Never, None) => {
                if super::ambient::empty_scope(ds).is_some() {
                    // Inside another scope without a transaction: share its synchronizations.
                    Attempt::done(body.await)
                } else {
                    self.run_without_transaction(def, policy, convert, body)
                        .await
                }
            }
            (Propagation::NotSupported, Some(_)) => {
                self.run_without_transaction(def, policy, convert, body)
                    .await
            }
            (Propagation::Mandatory, None) => fail(TxError::NoTransaction {
                datasource: ds.name().to_owned(),
                propagation: def.propagation,
            }),
            (Propagation::Never, Some(tx)) => fail(TxError::ExistingTransaction {
                datasource: ds.name().to_owned(),
                existing: tx.name().to_owned(),
            }),
        }
    }

    /// A scope without a transaction (the current one, if any, suspended): synchronizations
    /// registered in it run when it ends.
    async fn run_without_transaction<T, E, Fut>(
        &self,
        def: &TransactionDefinition,
        policy: RollbackPolicy<E>,
        convert: fn(TxError) -> E,
        body: Fut,
    ) -> Attempt<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        let scope = Arc::new(EmptyScope::new(def.read_only));
        let outcome = Ambient::snapshot()
            .with_empty_scope(&self.inner.ds, scope.clone())
            .run(catch_unwind(body))
            .await;
        match outcome {
            Err(panic) => {
                let _ = scope.complete(false).await;
                resume_unwind(panic)
            }
            Ok(result) => {
                let commit = match &result {
                    Ok(_) => true,
                    Err(e) => !policy.rolls_back(e),
                };
                match scope.complete(commit).await {
                    Ok(()) => Attempt::done(result),
                    Err(veto) => Attempt::done(Err(convert(veto))),
                }
            }
        }
    }

    fn check_joinable(
        &self,
        tx: &ActiveTransaction,
        def: &TransactionDefinition,
    ) -> Result<(), TxError> {
        if !self.inner.validate_existing {
            return Ok(());
        }
        let incompatible = |reason: String| TxError::IncompatibleTransaction {
            datasource: self.inner.ds.name().to_owned(),
            existing: tx.name().to_owned(),
            reason,
        };
        if def.isolation != super::Isolation::Default && def.isolation != tx.def.isolation {
            return Err(incompatible(format!(
                "it runs with isolation {}, this scope asks for {}",
                tx.def.isolation, def.isolation
            )));
        }
        if !def.read_only && tx.def.read_only {
            return Err(incompatible(
                "it is read-only, this scope is not".to_owned(),
            ));
        }
        Ok(())
    }

    /// A new transaction owned by this scope: begin, run, complete.
    async fn begin_and_run<T, E, Fut>(
        &self,
        outer: Ambient,
        def: &TransactionDefinition,
        policy: RollbackPolicy<E>,
        convert: fn(TxError) -> E,
        body: Fut,
    ) -> Attempt<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        let ds = &self.inner.ds;
        let held = outer.held_connections(ds);
        let tx = match ActiveTransaction::begin(self, def, held).await {
            Ok(tx) => Arc::new(tx),
            Err(e) => return Attempt::done(Err(convert(self.begin_failed(&outer, def, e)))),
        };
        let stats = self.inner.stats.record_begin();
        let frame = tx.enter(true, None);
        // Without a subscriber, no span (see the executor: tracing's `log` feature).
        let span = if tracing::dispatcher::has_been_set() {
            tracing::debug_span!(
                "transaction",
                datasource = %ds.name(),
                name = %def.display_name(),
                propagation = %def.propagation,
                isolation = %def.isolation,
                outcome = tracing::field::Empty,
            )
        } else {
            tracing::Span::none()
        };
        let outcome = outer
            .with_current(ds, Some(tx.clone()))
            .run(catch_unwind(with_timeout(def.timeout, body)))
            .instrument(span.clone())
            .await;
        let _entered = span.enter();
        let result = match outcome {
            Err(panic) => {
                tx.rollback().await;
                drop(stats);
                tracing::debug!("rolled back after a panic");
                resume_unwind(panic)
            }
            Ok(None) => {
                tx.rollback().await;
                stats.timed_out();
                Err(convert(TxError::Timeout {
                    datasource: ds.name().to_owned(),
                    name: def.display_name().to_owned(),
                    timeout: def.timeout.unwrap_or_default(),
                }))
            }
            Ok(Some(Err(e))) if policy.rolls_back(&e) => {
                tx.rollback().await;
                stats.rolled_back();
                Err(e)
            }
            Ok(Some(outcome)) => {
                // Ok, or an error the rules commit on. A cancelled nested scope's savepoint is
                // undone first: its failure must not doom the transaction, its work must go.
                tx.settle().await;
                if frame.local_rollback_only() {
                    // The owner's own `TransactionStatus::set_rollback_only`: a silent rollback.
                    tx.rollback().await;
                    stats.rolled_back();
                    outcome
                } else if tx.is_rollback_only() {
                    tx.rollback().await;
                    stats.unexpected_rollback();
                    if outcome.is_err() {
                        tracing::warn!("application error overridden by the unexpected rollback");
                    }
                    Err(convert(TxError::UnexpectedRollback {
                        datasource: ds.name().to_owned(),
                        name: def.display_name().to_owned(),
                    }))
                } else {
                    match self.commit(&tx, &outer).await {
                        Ok(()) => {
                            stats.committed();
                            outcome
                        }
                        Err(e) => {
                            let retryable = e.is_transient();
                            drop(stats);
                            return Attempt {
                                result: Err(convert(e)),
                                retryable,
                            };
                        }
                    }
                }
            }
        };
        Attempt {
            retryable: result.is_err() && tx.had_transient_failure(),
            result,
        }
    }

    async fn commit(&self, tx: &Arc<ActiveTransaction>, outer: &Ambient) -> Result<(), TxError> {
        // before_commit runs inside the transaction's context, built again only when there is
        // something to run there.
        if tx.has_synchronizations()
            && let Err(e) = outer
                .with_current(&self.inner.ds, Some(tx.clone()))
                .run(tx.before_commit())
                .await
        {
            tx.rollback().await;
            return Err(e);
        }
        tx.commit().await
    }

    /// Explains a failed BEGIN: a pool timeout while this task's own suspended transactions
    /// hold connections is a self-inflicted exhaustion and is named as such.
    fn begin_failed(
        &self,
        ambient: &Ambient,
        def: &TransactionDefinition,
        e: DataError,
    ) -> TxError {
        let ds = &self.inner.ds;
        let held = ambient.held_connections(ds);
        match e {
            DataError::PoolTimeout { timeout, .. } if held > 0 => {
                TxError::SuspendedHoldConnections {
                    datasource: ds.name().to_owned(),
                    name: def.display_name().to_owned(),
                    held,
                    max: ds.pool_config().max_connections,
                    timeout,
                }
            }
            other => TxError::Data(other),
        }
    }

    /// `Nested` inside a transaction: a savepoint around the body.
    async fn savepoint<T, E, Fut>(
        &self,
        tx: &Arc<ActiveTransaction>,
        policy: RollbackPolicy<E>,
        convert: fn(TxError) -> E,
        body: Fut,
    ) -> Attempt<T, E>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        // Already doomed before the savepoint: undoing the savepoint must not un-doom it.
        let doomed = tx.is_rollback_only();
        let savepoint = match tx.savepoint().await {
            Ok(n) => n,
            Err(e) => return Attempt::done(Err(convert(e.into()))),
        };
        // Dropped before the scope ends (cancelled): the savepoint is rolled back to before the
        // transaction's next statement, as a failure of the scope would.
        let frame = tx.enter(false, Some(savepoint));
        let guard = ScopeGuard::new(|| {
            tx.leave(&frame);
            tx.defer_undo(savepoint, doomed);
        });
        let undo = |tx: Arc<ActiveTransaction>, savepoint: u32| async move {
            let undone = tx.rollback_to(savepoint).await;
            if doomed {
                tx.set_rollback_only();
            }
            undone
        };
        let outcome = catch_unwind(body).await;
        guard.disarm();
        tx.leave(&frame);
        // A nested scope of this one that was cancelled left its savepoint to undo first.
        tx.settle().await;
        let result = match outcome {
            Err(panic) => {
                if let Err(e) = undo(tx.clone(), savepoint).await {
                    tracing::warn!(error = %e, "rollback to savepoint failed after a panic");
                    tx.set_rollback_only();
                }
                resume_unwind(panic)
            }
            Ok(Err(e)) if policy.rolls_back(&e) => match undo(tx.clone(), savepoint).await {
                Ok(()) => Err(e),
                Err(undo_error) => {
                    tx.set_rollback_only();
                    Err(convert(undo_error.into()))
                }
            },
            // `TransactionStatus::set_rollback_only` in this scope: back to the savepoint,
            // quietly (Spring's rollback to the held savepoint).
            Ok(outcome) if frame.local_rollback_only() => match undo(tx.clone(), savepoint).await {
                Ok(()) => outcome,
                Err(undo_error) => {
                    tx.set_rollback_only();
                    Err(convert(undo_error.into()))
                }
            },
            Ok(outcome) if tx.is_rollback_only() && !doomed => {
                match undo(tx.clone(), savepoint).await {
                    Ok(()) => {
                        if outcome.is_err() {
                            tracing::warn!(
                                "application error overridden by the unexpected rollback"
                            );
                        }
                        Err(convert(TxError::UnexpectedRollback {
                            datasource: self.inner.ds.name().to_owned(),
                            name: tx.name().to_owned(),
                        }))
                    }
                    Err(undo_error) => Err(convert(undo_error.into())),
                }
            }
            Ok(outcome) => match tx.release(savepoint).await {
                Ok(()) => outcome,
                Err(e) => {
                    tx.set_rollback_only();
                    Err(convert(e.into()))
                }
            },
        };
        Attempt::done(result)
    }
}

/// A participating scope: the body runs in the existing transaction; a failure the rules roll
/// back on (or a panic) marks the whole transaction rollback-only for its owner.
async fn join<T, E, Fut>(
    tx: &ActiveTransaction,
    policy: RollbackPolicy<E>,
    body: Fut,
) -> Result<T, E>
where
    Fut: Future<Output = Result<T, E>>,
{
    // Dropped before the body ends (cancelled: a timeout around the call, a disconnected
    // client): the work is half done, so the owner must not commit it (Spring's rule for a
    // participant that does not complete normally).
    let frame = tx.enter(false, None);
    let guard = ScopeGuard::new(|| {
        tx.leave(&frame);
        tracing::debug!(transaction = %tx.name(), "participant cancelled: marking the transaction rollback-only");
        tx.set_rollback_only();
    });
    let outcome = catch_unwind(body).await;
    guard.disarm();
    tx.leave(&frame);
    if frame.local_rollback_only() {
        // `TransactionStatus::set_rollback_only` in a participant dooms the whole transaction.
        tx.set_rollback_only();
    }
    match outcome {
        Err(panic) => {
            tx.set_rollback_only();
            resume_unwind(panic)
        }
        Ok(Err(e)) => {
            if policy.rolls_back(&e) {
                tracing::debug!(transaction = %tx.name(), "participant failed: marking the transaction rollback-only");
                tx.set_rollback_only();
            }
            Err(e)
        }
        Ok(ok) => ok,
    }
}

/// Runs its action when dropped before [`disarm`](Self::disarm): what a scope does when its
/// future is dropped mid-way.
struct ScopeGuard<F: FnOnce()> {
    on_drop: Option<F>,
}

impl<F: FnOnce()> ScopeGuard<F> {
    fn new(on_drop: F) -> Self {
        ScopeGuard {
            on_drop: Some(on_drop),
        }
    }

    /// The scope ended: nothing to do on drop.
    fn disarm(mut self) {
        self.on_drop = None;
    }
}

impl<F: FnOnce()> Drop for ScopeGuard<F> {
    fn drop(&mut self) {
        if let Some(f) = self.on_drop.take() {
            f();
        }
    }
}

/// `None` when `timeout` passed first (the body is dropped, cancelling it).
async fn with_timeout<F: Future>(
    timeout: Option<std::time::Duration>,
    body: F,
) -> Option<F::Output> {
    match timeout {
        Some(limit) => tokio::time::timeout(limit, body).await.ok(),
        None => Some(body.await),
    }
}

/// Polls `fut`, turning a panic into an `Err` so the transaction can be rolled back before the
/// panic resumes.
async fn catch_unwind<F: Future>(fut: F) -> std::thread::Result<F::Output> {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(move |cx| {
        match std::panic::catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic)),
        }
    })
    .await
}
