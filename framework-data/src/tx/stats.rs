//! Transaction counters of one TransactionManager, for metrics and the actuator.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use framework_core::management::{DurationHistogram, HistogramSnapshot};

/// Live counters; read a consistent-enough copy with [`snapshot`](Self::snapshot).
#[derive(Debug)]
pub struct TransactionStats {
    commits_facade: metrics::Counter,
    rollbacks_facade: metrics::Counter,
    duration_facade: metrics::Histogram,
    begun: AtomicU64,
    committed: AtomicU64,
    rolled_back: AtomicU64,
    unexpected_rollbacks: AtomicU64,
    timeouts: AtomicU64,
    retries: AtomicU64,
    active: AtomicU64,
    duration: DurationHistogram,
}

/// A copy of [`TransactionStats`] at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TransactionStatsSnapshot {
    /// Transactions begun (joined scopes and savepoints not counted).
    pub begun: u64,
    /// Transactions committed.
    pub committed: u64,
    /// Transactions rolled back, for whatever reason (including cancelled ones).
    pub rolled_back: u64,
    /// Of those, rolled back because a participant marked them rollback-only.
    pub unexpected_rollbacks: u64,
    /// Of those, rolled back on timeout.
    pub timeouts: u64,
    /// Re-runs after serialization failures and deadlocks.
    pub retries: u64,
    /// Transactions running now.
    pub active: u64,
}

impl TransactionStats {
    /// Counters of the DataSource `datasource` (facade handles registered once).
    pub(crate) fn new(datasource: &str) -> Self {
        TransactionStats {
            commits_facade: metrics::counter!("db.transactions", "datasource" => datasource.to_owned(), "outcome" => "commit"),
            rollbacks_facade: metrics::counter!("db.transactions", "datasource" => datasource.to_owned(), "outcome" => "rollback"),
            duration_facade: metrics::histogram!("db.transaction.duration", "datasource" => datasource.to_owned()),
            begun: AtomicU64::new(0),
            committed: AtomicU64::new(0),
            rolled_back: AtomicU64::new(0),
            unexpected_rollbacks: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            active: AtomicU64::new(0),
            duration: DurationHistogram::default(),
        }
    }

    /// The counters now.
    pub fn snapshot(&self) -> TransactionStatsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        TransactionStatsSnapshot {
            begun: get(&self.begun),
            committed: get(&self.committed),
            rolled_back: get(&self.rolled_back),
            unexpected_rollbacks: get(&self.unexpected_rollbacks),
            timeouts: get(&self.timeouts),
            retries: get(&self.retries),
            active: get(&self.active),
        }
    }

    /// How long transactions took, begin to completion.
    pub fn duration(&self) -> HistogramSnapshot {
        self.duration.snapshot()
    }

    pub(crate) fn record_begin(&self) -> ActiveGuard<'_> {
        self.begun.fetch_add(1, Ordering::Relaxed);
        self.active.fetch_add(1, Ordering::Relaxed);
        ActiveGuard {
            stats: self,
            ended: false,
            started: Instant::now(),
        }
    }

    pub(crate) fn record_retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }
}

/// Decrements `active` when the transaction ends, however it ends; a transaction dropped
/// without an outcome (a cancelled future) counts as rolled back, which sqlx then does.
pub(crate) struct ActiveGuard<'a> {
    stats: &'a TransactionStats,
    ended: bool,
    started: Instant,
}

impl ActiveGuard<'_> {
    pub(crate) fn committed(mut self) {
        self.stats.committed.fetch_add(1, Ordering::Relaxed);
        self.ended = true;
    }

    pub(crate) fn rolled_back(self) {
        // `Drop` counts it.
    }

    pub(crate) fn unexpected_rollback(self) {
        self.stats
            .unexpected_rollbacks
            .fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn timed_out(self) {
        self.stats.timeouts.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for ActiveGuard<'_> {
    fn drop(&mut self) {
        if !self.ended {
            self.stats.rolled_back.fetch_add(1, Ordering::Relaxed);
        }
        self.stats.active.fetch_sub(1, Ordering::Relaxed);
        let took = self.started.elapsed();
        self.stats.duration.record(took);
        self.stats.duration_facade.record(took.as_secs_f64());
        let outcome = if self.ended {
            self.stats.commits_facade.increment(1);
            "commit"
        } else {
            self.stats.rollbacks_facade.increment(1);
            "rollback"
        };
        tracing::Span::current().record("outcome", outcome);
    }
}
