//! Admission of outermost transactions, so that nested ones can always get a connection.
//!
//! A task inside a transaction that opens another one (`RequiresNew`, or any statement under
//! `NotSupported`) holds one connection and waits for a second. If as many tasks as the pool
//! has connections each hold one and wait for another, none can proceed: the pool deadlocks
//! until `acquire_timeout` (HikariCP's "pool-locking"). Spring leaves it to pool sizing
//! (`threads x (connections per task - 1) + 1`); here the DataSource applies that rule itself.
//!
//! The rule: a transaction begun by a task that holds no connection of this DataSource (an
//! *outermost* one) first takes `depth - 1` of the `max_connections - 1` admission permits,
//! where `depth` is the most connections one task has held at once on this DataSource (at
//! least 2, learned as tasks nest). So at most `(max_connections - 1) / (depth - 1)` outermost
//! transactions run at once, and even if each of them holds all but its last connection, one
//! connection is left over for someone's nested one: every task can finish. Nested acquires
//! and statements outside transactions take no permit (they hold at most one connection that
//! they give back without needing another).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The admission state of one DataSource.
#[derive(Debug)]
pub(crate) struct Admission {
    permits: Arc<Semaphore>,
    total: u32,
    depth: AtomicU32,
}

/// Held by an outermost transaction until it completes.
#[derive(Debug)]
pub(crate) struct Admitted {
    _permits: OwnedSemaphorePermit,
}

impl Admission {
    /// For a pool of `max_connections`.
    pub(crate) fn new(max_connections: u32) -> Self {
        let total = max_connections.saturating_sub(1).max(1);
        Admission {
            permits: Arc::new(Semaphore::new(total as usize)),
            total,
            depth: AtomicU32::new(2),
        }
    }

    /// A task now holds `connections` connections of this DataSource at once.
    pub(crate) fn observe(&self, connections: usize) {
        let n = u32::try_from(connections).unwrap_or(u32::MAX);
        self.depth.fetch_max(n, Ordering::Relaxed);
    }

    /// The most connections one task was seen holding (at least 2).
    pub(crate) fn depth(&self) -> u32 {
        self.depth.load(Ordering::Relaxed)
    }

    /// How many outermost transactions may run at once now.
    pub(crate) fn limit(&self) -> u32 {
        self.total / self.cost()
    }

    fn cost(&self) -> u32 {
        (self.depth() - 1).clamp(1, self.total)
    }

    /// Admission now if permits are free (the common case: no timer, no wait).
    pub(crate) fn try_admit(&self) -> Option<Admitted> {
        let permits = self.permits.clone().try_acquire_many_owned(self.cost());
        permits.ok().map(|p| Admitted { _permits: p })
    }

    /// Waits for admission (the caller bounds the wait). Nothing closes the semaphore, so
    /// `None` cannot happen in practice; a caller would then proceed unadmitted.
    pub(crate) async fn admit(&self) -> Option<Admitted> {
        let permits = self.permits.clone().acquire_many_owned(self.cost()).await;
        permits.ok().map(|p| Admitted { _permits: p })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_follows_hikaris_rule() {
        let a = Admission::new(4);
        assert_eq!(a.limit(), 3); // depth 2: 4 = 3 x (2 - 1) + 1
        a.observe(3);
        assert_eq!(a.limit(), 1); // depth 3: 3 x 2 + 1 = 7 > 4, one at a time
        let a = Admission::new(20);
        a.observe(3);
        assert_eq!(a.limit(), 9); // 9 x 2 + 1 = 19 <= 20
        let one = Admission::new(1);
        assert_eq!(one.limit(), 1);
    }

    #[tokio::test]
    async fn admission_waits_for_a_permit() {
        let a = Admission::new(3); // 2 permits, depth 2: 2 at once
        let first = a.admit().await;
        let _second = a.admit().await;
        let third = tokio::time::timeout(std::time::Duration::from_millis(20), a.admit()).await;
        assert!(third.is_err(), "a third outermost transaction must wait");
        drop(first);
        let third = tokio::time::timeout(std::time::Duration::from_secs(5), a.admit()).await;
        assert!(third.is_ok());
    }
}
