//! One running transaction: its connection, definition, rollback-only flag, savepoints and
//! synchronizations. Shared (`Arc`) by the scopes that joined it; owned by the scope that began
//! it, which alone commits or rolls it back.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{MappedMutexGuard, MutexGuard};

use super::synchronization::{
    self, CompletionStatus, Synchronizations, TransactionSynchronization,
};
use super::{TransactionDefinition, TransactionManager, TxError};
use crate::datasource::{Admitted, DataSource, Target};
use crate::driver::{BeginSpec, TxConn};
use crate::error::DataError;

pub(crate) struct ActiveTransaction {
    pub(crate) manager: TransactionManager,
    pub(crate) ds: DataSource,
    pub(crate) def: TransactionDefinition,
    /// `None` once committed or rolled back. The async mutex is the guard that keeps two tasks
    /// sharing the transaction (see `tx::carry`) from interleaving statements on one connection.
    conn: tokio::sync::Mutex<Option<TxConn>>,
    rollback_only: AtomicBool,
    transient_failure: AtomicBool,
    savepoints: AtomicU32,
    streams: AtomicU32,
    written: Mutex<Vec<std::any::TypeId>>,
    synchronizations: Synchronizations,
    /// An outermost transaction's admission (see `datasource::admission`), given back when the
    /// transaction completes.
    admitted: Mutex<Option<Admitted>>,
    /// A `Nested` scope dropped before it ended (cancelled) leaves its savepoint to be rolled
    /// back to before anything else runs on the connection, since `Drop` cannot run a
    /// statement: the savepoint's number, and whether the transaction must stay rollback-only
    /// afterwards (it was before the savepoint, or a participant failed since the drop).
    pending_undo: Mutex<Option<(u32, bool)>>,
    /// The scopes running in this transaction, outermost (the owner's) first: what
    /// [`TransactionStatus`](super::TransactionStatus) reports for the innermost one.
    frames: Mutex<Vec<Arc<Frame>>>,
    /// The pool it runs on: the primary, or a replica for a read-only transaction.
    pub(crate) target: Target,
    /// See [`mark_wrote`](Self::mark_wrote).
    wrote: AtomicBool,
}

/// One transactional scope's view of its transaction.
#[derive(Debug)]
pub(crate) struct Frame {
    /// The scope began the transaction.
    pub(crate) new_transaction: bool,
    /// The savepoint a `Nested` scope holds.
    pub(crate) savepoint: Option<u32>,
    /// `TransactionStatus::set_rollback_only` in this scope: the owner rolls back silently, a
    /// savepoint scope rolls back to its savepoint, a participant dooms the transaction.
    local_rollback_only: AtomicBool,
}

impl Frame {
    pub(crate) fn local_rollback_only(&self) -> bool {
        self.local_rollback_only.load(Ordering::Acquire)
    }

    pub(crate) fn set_local_rollback_only(&self) {
        self.local_rollback_only.store(true, Ordering::Release);
    }
}

impl ActiveTransaction {
    /// Begins a transaction; `held` is how many connections of the DataSource the task holds
    /// already (0: this one is outermost and is admitted first).
    pub(crate) async fn begin(
        manager: &TransactionManager,
        def: &TransactionDefinition,
        held: usize,
    ) -> Result<ActiveTransaction, DataError> {
        let ds = manager.datasource();
        let spec = BeginSpec {
            isolation: def.isolation,
            read_only: def.read_only,
            timeout: def.timeout,
        };
        // Boxed: admission, the borrow (on a replica or the primary) and BEGIN would otherwise
        // add to the future of every transactional call.
        let (conn, admitted, target) = Box::pin(ds.begin_transaction(&spec, held)).await?;
        Ok(ActiveTransaction {
            manager: manager.clone(),
            ds: ds.clone(),
            def: def.clone(),
            conn: tokio::sync::Mutex::new(Some(conn)),
            rollback_only: AtomicBool::new(false),
            transient_failure: AtomicBool::new(false),
            savepoints: AtomicU32::new(0),
            streams: AtomicU32::new(0),
            written: Mutex::new(Vec::new()),
            synchronizations: Synchronizations::default(),
            admitted: Mutex::new(admitted),
            pending_undo: Mutex::new(None),
            frames: Mutex::new(Vec::new()),
            target,
            wrote: AtomicBool::new(false),
        })
    }

    /// A statement that is not a plain read ran in this transaction (read-your-writes; only
    /// tracked on a DataSource with replicas).
    pub(crate) fn mark_wrote(&self) {
        self.wrote.store(true, Ordering::Relaxed);
    }

    pub(crate) fn name(&self) -> &str {
        self.def.display_name()
    }

    /// A scope enters this transaction; [`leave`](Self::leave) when it ends (or is dropped).
    pub(crate) fn enter(&self, new_transaction: bool, savepoint: Option<u32>) -> Arc<Frame> {
        let frame = Arc::new(Frame {
            new_transaction,
            savepoint,
            local_rollback_only: AtomicBool::new(false),
        });
        self.frames
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(frame.clone());
        frame
    }

    pub(crate) fn leave(&self, frame: &Arc<Frame>) {
        let mut frames = self.frames.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(i) = frames.iter().rposition(|f| Arc::ptr_eq(f, frame)) {
            frames.remove(i);
        }
    }

    /// The innermost scope running in this transaction.
    pub(crate) fn innermost(&self) -> Option<Arc<Frame>> {
        self.frames
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last()
            .cloned()
    }

    fn completed(&self) -> TxError {
        TxError::Completed {
            datasource: self.ds.name().to_owned(),
            name: self.name().to_owned(),
        }
    }

    /// The connection, for one statement at a time. A savepoint left by a cancelled `Nested`
    /// scope is rolled back to first.
    pub(crate) async fn lock(&self) -> Result<MappedMutexGuard<'_, TxConn>, DataError> {
        let mut conn = MutexGuard::try_map(self.conn.lock().await, Option::as_mut)
            .map_err(|_| DataError::from(self.completed()))?;
        self.apply_pending_undo(&mut conn).await?;
        Ok(conn)
    }

    /// Rolls back to a cancelled nested scope's savepoint, if one is pending, on the locked
    /// connection.
    async fn apply_pending_undo(&self, conn: &mut TxConn) -> Result<(), DataError> {
        let pending = self
            .pending_undo
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match pending {
            Some((n, doomed)) => self.undo_on(conn, n, doomed).await,
            None => Ok(()),
        }
    }

    /// `ROLLBACK TO SAVEPOINT` and `RELEASE` of savepoint `n` on the locked connection.
    async fn undo_on(&self, conn: &mut TxConn, n: u32, doomed: bool) -> Result<(), DataError> {
        let name = savepoint_name(n);
        let undone = match conn.control(format!("ROLLBACK TO SAVEPOINT {name}")).await {
            Ok(()) => conn.control(format!("RELEASE SAVEPOINT {name}")).await,
            Err(e) => Err(e),
        };
        match undone {
            Ok(()) => {
                self.rollback_only.store(doomed, Ordering::Release);
                tracing::debug!(transaction = %self.name(), savepoint = %name, "rolled back to the savepoint of a cancelled nested scope");
                Ok(())
            }
            Err(e) => {
                // The half-done work cannot be undone alone: the whole transaction must go.
                self.rollback_only.store(true, Ordering::Release);
                Err(self.ds.error(e))
            }
        }
    }

    /// A `Nested` scope holding savepoint `n` was dropped before it ended: roll back to it
    /// before the transaction's next statement or completion. The earliest such savepoint wins
    /// (rolling back to it undoes the later ones too).
    pub(crate) fn defer_undo(&self, n: u32, doomed: bool) {
        let mut pending = self
            .pending_undo
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match *pending {
            Some((earlier, _)) if earlier < n => {}
            _ => *pending = Some((n, doomed)),
        }
    }

    /// Applies a pending undo now (before the owner or a savepoint scope decides on the
    /// rollback-only flag). A failure leaves the transaction rollback-only.
    pub(crate) async fn settle(&self) {
        let pending = self
            .pending_undo
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some();
        if pending && let Err(e) = self.lock().await {
            tracing::warn!(transaction = %self.name(), error = %e, "rollback to the savepoint of a cancelled nested scope failed");
        }
    }

    /// Marks a result stream open on this transaction until the guard drops.
    pub(crate) fn open_stream(&self) -> StreamGuard<'_> {
        self.streams.fetch_add(1, Ordering::AcqRel);
        StreamGuard(self)
    }

    pub(crate) fn streams_open(&self) -> bool {
        self.streams.load(Ordering::Acquire) > 0
    }

    /// A statement tried to run while a stream holds the connection: it would wait for a
    /// consumer that is waiting for it.
    pub(crate) fn stream_in_the_way(&self) -> DataError {
        DataError::InvalidArgument(format!(
            "transaction `{}` on DataSource `{}`: a result stream is still open on its connection; consume or drop it before running another statement",
            self.name(),
            self.ds.name()
        ))
    }

    /// Records that this transaction wrote entities of type `t` (its reads of `t` then bypass
    /// the entity cache).
    pub(crate) fn mark_written(&self, t: std::any::TypeId) {
        let mut w = self.written.lock().unwrap_or_else(PoisonError::into_inner);
        if !w.contains(&t) {
            w.push(t);
        }
    }

    pub(crate) fn has_written(&self, t: std::any::TypeId) -> bool {
        self.written
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&t)
    }

    /// Whether the owner committed or rolled it back.
    pub(crate) fn is_completed(&self) -> bool {
        match self.conn.try_lock() {
            Ok(conn) => conn.is_none(),
            // Someone holds the connection for a statement: not completed.
            Err(_) => false,
        }
    }

    pub(crate) fn is_rollback_only(&self) -> bool {
        self.rollback_only.load(Ordering::Acquire)
    }

    pub(crate) fn set_rollback_only(&self) {
        self.rollback_only.store(true, Ordering::Release);
        // A doom after a cancelled nested scope must survive that scope's pending undo.
        if let Some(pending) = self
            .pending_undo
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            pending.1 = true;
        }
    }

    /// Records a failed statement: PostgreSQL aborts the transaction on any error, and a
    /// serialization failure or deadlock makes the owner eligible for a retry.
    pub(crate) fn statement_failed(&self, error: &DataError) {
        if error.is_transient() {
            self.transient_failure.store(true, Ordering::Release);
        }
        if self.ds.dialect().error_aborts_transaction() {
            self.set_rollback_only();
        }
    }

    pub(crate) fn had_transient_failure(&self) -> bool {
        self.transient_failure.load(Ordering::Acquire)
    }

    pub(crate) fn register(&self, sync: Arc<dyn TransactionSynchronization>) {
        self.synchronizations.register(sync);
    }

    pub(crate) fn has_synchronizations(&self) -> bool {
        !self.synchronizations.is_empty()
    }

    /// `SAVEPOINT`; returns its number (its name is [`savepoint_name`]).
    pub(crate) async fn savepoint(&self) -> Result<u32, DataError> {
        let n = self.savepoints.fetch_add(1, Ordering::Relaxed) + 1;
        self.control(format!("SAVEPOINT {}", savepoint_name(n)))
            .await?;
        Ok(n)
    }

    /// `ROLLBACK TO SAVEPOINT` and release it; the transaction is usable again and no longer
    /// rollback-only (what the savepoint undid was the failure).
    pub(crate) async fn rollback_to(&self, savepoint: u32) -> Result<(), DataError> {
        let name = savepoint_name(savepoint);
        self.control(format!("ROLLBACK TO SAVEPOINT {name}"))
            .await?;
        self.rollback_only.store(false, Ordering::Release);
        self.control(format!("RELEASE SAVEPOINT {name}")).await
    }

    /// `RELEASE SAVEPOINT`.
    pub(crate) async fn release(&self, savepoint: u32) -> Result<(), DataError> {
        self.control(format!("RELEASE SAVEPOINT {}", savepoint_name(savepoint)))
            .await
    }

    async fn control(&self, sql: String) -> Result<(), DataError> {
        let mut guard = self.lock().await?;
        let result = guard.control(sql).await;
        result.map_err(|e| {
            let e = self.ds.error(e);
            self.statement_failed(&e);
            e
        })
    }

    /// Runs the before-commit callbacks, then COMMIT, then the after callbacks. Called by the
    /// owner only, after its body succeeded and nothing marked the transaction rollback-only.
    pub(crate) async fn before_commit(&self) -> Result<(), TxError> {
        let syncs = self.synchronizations.snapshot();
        synchronization::before_commit(&syncs, self.def.read_only, self.name()).await
    }

    /// COMMIT with `before_completion` before and `after_commit`/`after_completion` after.
    pub(crate) async fn commit(&self) -> Result<(), TxError> {
        let syncs = self.synchronizations.snapshot();
        synchronization::before_completion(&syncs).await;
        let conn = {
            let mut guard = self.conn.lock().await;
            let Some(conn) = guard.as_mut() else {
                return Err(self.completed());
            };
            // A savepoint left by a cancelled nested scope goes before COMMIT.
            self.apply_pending_undo(conn).await?;
            guard.take().ok_or_else(|| self.completed())?
        };
        let committed = conn.commit().await;
        self.release_admission();
        match committed {
            Ok(()) => {
                if self.wrote.load(Ordering::Relaxed) {
                    self.ds.note_write();
                }
                synchronization::after_commit(&syncs).await;
                synchronization::after_completion(&syncs, CompletionStatus::Committed).await;
                Ok(())
            }
            Err(e) => {
                let status = match &e {
                    sqlx::Error::Database(_) => CompletionStatus::RolledBack,
                    _ => CompletionStatus::Unknown,
                };
                let e = self.ds.error(e);
                self.statement_failed(&e);
                synchronization::after_completion(&syncs, status).await;
                Err(e.into())
            }
        }
    }

    /// ROLLBACK with `before_completion` before and `after_completion` after. A failed
    /// ROLLBACK is logged: the connection is then closed by the pool rather than reused.
    pub(crate) async fn rollback(&self) {
        let syncs = self.synchronizations.snapshot();
        synchronization::before_completion(&syncs).await;
        let conn = self.conn.lock().await.take();
        let rolled_back = match conn {
            Some(conn) => conn.rollback().await,
            None => Ok(()),
        };
        self.release_admission();
        if let Err(e) = rolled_back {
            tracing::warn!(
                datasource = %self.ds.name(),
                transaction = %self.name(),
                error = %e,
                "rollback failed"
            );
        }
        synchronization::after_completion(&syncs, CompletionStatus::RolledBack).await;
    }
}

impl ActiveTransaction {
    /// Gives the admission back once the connection has returned to the pool.
    fn release_admission(&self) {
        drop(
            self.admitted
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
    }
}

/// The name of savepoint number `n`.
pub(crate) fn savepoint_name(n: u32) -> String {
    format!("fw_savepoint_{n}")
}

/// Counts an open result stream; see [`ActiveTransaction::open_stream`].
pub(crate) struct StreamGuard<'a>(&'a ActiveTransaction);

impl Drop for StreamGuard<'_> {
    fn drop(&mut self) {
        self.0.streams.fetch_sub(1, Ordering::AcqRel);
    }
}
