//! A DataSource's statement bookkeeping: the arguments of its driver, the connections it lends
//! (measured), the statement counter and slow-statement log, and when a statement that met a
//! lost connection may be sent again. Sending statements, in the task's transaction or on a
//! pooled connection, is the [`executor`](crate::executor)'s job, one layer up.

use std::sync::atomic::Ordering;

use super::metrics::Operation;
use super::{DataSource, Target};
use crate::driver::PooledConnection;
use crate::error::{DataError, DataResult};
use crate::value::Args;

/// The statement's first word (`SELECT`, `INSERT`, ...), for traces.
pub(crate) fn operation_word(sql: &str) -> &str {
    sql.split_whitespace().next().unwrap_or("")
}

impl DataSource {
    pub(crate) fn count_statement(&self) {
        self.inner.statements.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn mismatch(&self) -> DataError {
        DataError::InvalidArgument(format!(
            "arguments built for another dialect than DataSource `{}` ({})",
            self.name(),
            self.dialect()
        ))
    }

    /// Statements sent through this DataSource since it started.
    pub fn statements_executed(&self) -> u64 {
        self.inner.statements.load(Ordering::Relaxed)
    }

    /// Fresh, empty arguments for this DataSource's driver.
    pub fn args(&self) -> Args {
        Args::new(self.dialect())
    }

    /// Borrows a pooled connection, measuring the wait, the callers waiting and timeouts.
    /// Every connection the framework borrows comes through here (or [`acquire_since`]).
    ///
    /// [`acquire_since`]: Self::acquire_since
    pub(crate) async fn acquire_measured(&self) -> DataResult<PooledConnection> {
        self.acquire_since(std::time::Instant::now()).await
    }

    /// [`acquire_measured`](Self::acquire_measured) for a caller that began waiting at
    /// `started` (a transaction's admission).
    pub(crate) async fn acquire_since(
        &self,
        started: std::time::Instant,
    ) -> DataResult<PooledConnection> {
        self.acquire_on(Target::Primary, started)
            .await
            .map_err(|e| self.error(e))
    }

    /// Borrows a connection of the pool `target` names, counted as pending in that pool's
    /// metrics; a replica's borrow waits at most a second (the statement then runs elsewhere).
    pub(crate) async fn acquire_on(
        &self,
        target: Target,
        started: std::time::Instant,
    ) -> Result<PooledConnection, sqlx::Error> {
        let m = self.pool_metrics(target);
        m.pending.fetch_add(1, Ordering::Relaxed);
        let conn = match target {
            Target::Primary => self.pool().acquire().await,
            // Boxed: the timer would otherwise add to every statement's future.
            Target::Replica(_) => {
                let bound = self.acquire_bound(target);
                Box::pin(tokio::time::timeout(bound, self.pool_of(target).acquire()))
                    .await
                    .unwrap_or(Err(sqlx::Error::PoolTimedOut))
            }
        };
        m.pending.fetch_sub(1, Ordering::Relaxed);
        // The pool reports waits and timeouts as events (the metrics are a listener); a
        // replica's wait cut short here is this layer's to count.
        if matches!(target, Target::Replica(_)) && started.elapsed() >= self.acquire_bound(target)
        {
            m.record_timeout();
        }
        conn
    }

    /// A copy of `args` for sending a statement again after a lost connection, on the drivers
    /// that talk to a server (an in-process SQLite connection is never lost that way).
    pub(crate) fn spare_args(&self, args: &Args) -> Option<Args> {
        self.dialect().talks_to_a_server().then(|| args.clone())
    }

    /// Whether a statement that failed with `e` outside a transaction may be sent again: the
    /// connection was lost, and either the server said so before running it, or it only reads.
    pub(crate) fn may_resend(&self, e: &sqlx::Error, sql: &str) -> bool {
        let lost = crate::driver::connection_lost(e);
        if lost.is_some() {
            // Before the second attempt borrows: the connections idle since then are suspect.
            self.inner.losses.record();
        }
        match lost {
            Some(crate::driver::Lost::BeforeExecution) => true,
            Some(crate::driver::Lost::Unknown) => {
                let word = operation_word(sql);
                word.eq_ignore_ascii_case("SELECT") || word.eq_ignore_ascii_case("SHOW")
            }
            None => false,
        }
    }

    /// Records a finished statement; a slow one is logged at warn (its text, never its values).
    pub(crate) fn statement_done(&self, op: Operation, sql: &str, elapsed: std::time::Duration) {
        self.metrics().record_statement(self.name(), op, elapsed);
        if elapsed >= self.slow_statement_threshold() {
            tracing::warn!(
                datasource = %self.name(),
                repository = op.repository,
                method = op.method,
                elapsed_ms = elapsed.as_millis() as u64,
                statement = sql,
                "slow statement"
            );
        }
    }
}

