//! Re-running a whole transaction after a serialization failure or deadlock.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use super::manager::Attempt;
use super::managers::TransactionManager;

/// The first back-off step; each retry doubles it, up to [`MAX_BACKOFF`].
const BASE_BACKOFF: Duration = Duration::from_millis(10);
const MAX_BACKOFF: Duration = Duration::from_millis(1_000);

/// Counts the retries of one transactional call and sleeps between them.
///
/// Only an attempt whose transaction this call owned and that failed because of a serialization
/// failure or deadlock (PostgreSQL 40001/40P01, MySQL 1213/1205, SQLite busy) is retried; a
/// joined scope never retries (its owner does). The pause is "full jitter": a random duration
/// between zero and `10ms * 2^retry` (at most 1s), so that the transactions that collided do not
/// collide again in lockstep.
///
/// `#[transactional(retry = N)]` and [`TransactionTemplate`](super::TransactionTemplate)
/// drive it; it is not used directly.
#[derive(Debug, Clone)]
pub struct Retry {
    max: u32,
    done: u32,
}

impl Retry {
    /// At most `max` re-runs after the first attempt.
    pub const fn new(max: u32) -> Self {
        Retry { max, done: 0 }
    }

    /// Re-runs so far.
    pub fn retries(&self) -> u32 {
        self.done
    }

    /// Whether to run again after `attempt` of a transaction of `manager`; sleeps the back-off
    /// first when so.
    pub async fn again<T, E>(
        &mut self,
        manager: &TransactionManager,
        attempt: &Attempt<T, E>,
    ) -> bool {
        if !attempt.retryable() || self.done >= self.max {
            return false;
        }
        self.done += 1;
        manager.stats().record_retry();
        let ceiling = BASE_BACKOFF
            .saturating_mul(1u32 << self.done.min(16))
            .min(MAX_BACKOFF);
        let pause = ceiling.mul_f64(random_unit());
        tracing::debug!(
            retry = self.done,
            of = self.max,
            ?pause,
            "retrying transaction"
        );
        tokio::time::sleep(pause).await;
        true
    }
}

/// A random number in `[0, 1)`, from the standard library's per-instance random hash keys.
fn random_unit() -> f64 {
    let bits = RandomState::new().hash_one(std::time::Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}
