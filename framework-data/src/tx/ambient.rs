//! The ambient transaction context: a tokio task-local holding, per DataSource, the current
//! transaction and the ones this task suspended, plus the TransactionManagers that
//! `#[transactional]` finds (see [`scope`](super::scope)).
//!
//! The context is immutable: a scope that begins, suspends or clears a transaction runs its body
//! under a new context and the old one is back when it returns, so suspension and resumption
//! follow the call stack and cannot be forgotten.

use std::future::Future;
use std::sync::Arc;

use super::active::ActiveTransaction;
use super::managers::TransactionManagers;
use super::synchronization::EmptyScope;
use crate::datasource::DataSource;

tokio::task_local! {
    static AMBIENT: Ambient;
}

#[derive(Clone, Default)]
pub(crate) struct Ambient {
    pub(crate) managers: Option<Arc<TransactionManagers>>,
    bindings: Vec<Binding>,
}

#[derive(Clone)]
struct Binding {
    datasource: usize,
    current: Option<Arc<ActiveTransaction>>,
    suspended: Vec<Arc<ActiveTransaction>>,
    /// The scope without a transaction this task runs in on the DataSource, when there is no
    /// current transaction: where synchronizations are registered.
    empty: Option<Arc<EmptyScope>>,
}

impl Ambient {
    /// The context of the running task (empty outside any scope).
    pub(crate) fn snapshot() -> Ambient {
        AMBIENT.try_with(Clone::clone).unwrap_or_default()
    }

    /// `f` of the running task's context, read in place (of an empty one outside any scope).
    pub(crate) fn inspect<R>(f: impl Fn(&Ambient) -> R) -> R {
        AMBIENT
            .try_with(&f)
            .unwrap_or_else(|_| f(&Ambient::default()))
    }

    pub(crate) fn with_managers(mut self, managers: Arc<TransactionManagers>) -> Ambient {
        self.managers = Some(managers);
        self
    }

    fn binding(&self, ds: &DataSource) -> Option<&Binding> {
        let key = ds.identity();
        self.bindings.iter().find(|b| b.datasource == key)
    }

    pub(crate) fn current(&self, ds: &DataSource) -> Option<&Arc<ActiveTransaction>> {
        self.binding(ds).and_then(|b| b.current.as_ref())
    }

    /// Connections of `ds` this task holds through transactions: the current one and the
    /// suspended ones.
    pub(crate) fn held_connections(&self, ds: &DataSource) -> usize {
        self.binding(ds)
            .map(|b| b.suspended.len() + usize::from(b.current.is_some()))
            .unwrap_or(0)
    }

    /// A transaction of any DataSource named `name` this task has, current or suspended.
    pub(crate) fn transaction_named(&self, name: &str) -> Option<&Arc<ActiveTransaction>> {
        self.bindings
            .iter()
            .flat_map(|b| b.current.iter().chain(b.suspended.iter().rev()))
            .find(|tx| tx.ds.name() == name)
    }

    /// This context with `tx` (or no transaction) as the current one of `ds`, the previous
    /// current one suspended.
    pub(crate) fn with_current(
        &self,
        ds: &DataSource,
        tx: Option<Arc<ActiveTransaction>>,
    ) -> Ambient {
        self.with(ds, tx, None)
    }

    /// This context running a scope without a transaction on `ds` (the current one, if any,
    /// suspended), whose synchronizations go to `scope`.
    pub(crate) fn with_empty_scope(&self, ds: &DataSource, scope: Arc<EmptyScope>) -> Ambient {
        self.with(ds, None, Some(scope))
    }

    fn with(
        &self,
        ds: &DataSource,
        tx: Option<Arc<ActiveTransaction>>,
        empty: Option<Arc<EmptyScope>>,
    ) -> Ambient {
        let mut next = self.clone();
        let key = ds.identity();
        match next.bindings.iter_mut().find(|b| b.datasource == key) {
            Some(b) => {
                if let Some(previous) = b.current.take() {
                    b.suspended.push(previous);
                }
                b.current = tx;
                b.empty = empty;
            }
            None => next.bindings.push(Binding {
                datasource: key,
                current: tx,
                suspended: Vec::new(),
                empty,
            }),
        }
        next
    }

    /// Runs `fut` with this context as the task's ambient one.
    pub(crate) async fn run<F: Future>(self, fut: F) -> F::Output {
        AMBIENT.scope(self, fut).await
    }
}

/// The current transaction of this task on the DataSource called `name`.
pub(crate) fn current_named(name: &str) -> Option<Arc<ActiveTransaction>> {
    AMBIENT
        .try_with(|a| {
            a.bindings
                .iter()
                .filter_map(|b| b.current.as_ref())
                .find(|tx| tx.ds.name() == name)
                .cloned()
        })
        .ok()
        .flatten()
}

/// The scope without a transaction this task runs in on `ds`, if any (and no transaction).
pub(crate) fn empty_scope(ds: &DataSource) -> Option<Arc<EmptyScope>> {
    AMBIENT
        .try_with(|a| {
            a.binding(ds)
                .filter(|b| b.current.is_none())
                .and_then(|b| b.empty.clone())
        })
        .ok()
        .flatten()
}

/// Where a statement of `ds` goes.
pub(crate) enum Route {
    /// To the task's current transaction on it.
    Transaction(Arc<ActiveTransaction>),
    /// To a pooled connection; the task holds `held` connections of `ds` through suspended
    /// transactions meanwhile.
    Pool {
        /// Connections held by suspended transactions.
        held: usize,
    },
}

/// Where a statement of `ds` sent by this task goes (one look at the task-local).
#[inline]
pub(crate) fn route(ds: &DataSource) -> Route {
    AMBIENT
        .try_with(|a| match a.binding(ds) {
            Some(b) => match &b.current {
                Some(tx) => Route::Transaction(tx.clone()),
                None => Route::Pool {
                    held: b.suspended.len(),
                },
            },
            None => Route::Pool { held: 0 },
        })
        .unwrap_or(Route::Pool { held: 0 })
}

/// The current transaction of `ds` in this task, if any: where its statements go.
#[inline]
pub(crate) fn current(ds: &DataSource) -> Option<Arc<ActiveTransaction>> {
    AMBIENT.try_with(|a| a.current(ds).cloned()).ok().flatten()
}

/// Carries the calling task's transaction context into `fut`, typically a future about to be
/// `tokio::spawn`ed (spawned work starts with no transaction, as threads do in Spring).
///
/// ```no_run
/// # use framework_data::tx;
/// # async fn work() {}
/// # async fn demo() {
/// // inside a transactional scope:
/// let handle = tokio::spawn(tx::carry(async move {
///     work().await // repository calls here join the caller's transaction
/// }));
/// handle.await.ok(); // wait before the scope ends, or the transaction is gone
/// # }
/// ```
///
/// Dangers, and how each is handled:
/// - Both tasks now send statements over one connection. They are serialized (each statement
///   holds the transaction's connection lock), so nothing interleaves on the wire, but nothing
///   runs in parallel either.
/// - The owner may commit or roll back while the spawned task is still working: its later
///   statements fail with [`TxError::Completed`](super::TxError) and are not part of the
///   transaction. Await spawned work before the transactional scope returns.
/// - A failure in the spawned task only affects the transaction through the error it returns
///   (or through a `#[transactional]` scope it runs, which marks it rollback-only).
pub fn carry<F: Future>(fut: F) -> impl Future<Output = F::Output> {
    Ambient::snapshot().run(fut)
}
