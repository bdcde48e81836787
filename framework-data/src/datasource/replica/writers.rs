//! Read-your-writes: which tasks committed a write on the primary within the window, so that
//! their reads stay there while replicas may not have replayed it yet.
//!
//! A task is a tokio task (one request, in axum and hyper), or the thread when the code runs
//! outside any task (`block_on`, `#[tokio::main]`'s body).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Writer {
    Task(tokio::task::Id),
    Thread(std::thread::ThreadId),
}

fn current() -> Writer {
    tokio::task::try_id()
        .map(Writer::Task)
        .unwrap_or_else(|| Writer::Thread(std::thread::current().id()))
}

/// More writers than this kept at once: the expired ones are dropped.
const PRUNE_ABOVE: usize = 1_024;

/// The tasks that committed a write within `window`.
#[derive(Debug)]
pub(crate) struct RecentWriters {
    window: Duration,
    epoch: Instant,
    /// Microseconds after `epoch` of the latest write, plus one (0: none yet): most reads of
    /// a quiet DataSource are answered without the lock.
    latest: AtomicU64,
    by_writer: Mutex<HashMap<Writer, Instant, foldhash::quality::RandomState>>,
}

impl RecentWriters {
    pub(crate) fn new(window: Duration) -> Self {
        RecentWriters {
            window,
            epoch: Instant::now(),
            latest: AtomicU64::new(0),
            by_writer: Mutex::new(HashMap::default()),
        }
    }

    fn micros(&self, at: Instant) -> u64 {
        u64::try_from(at.duration_since(self.epoch).as_micros()).unwrap_or(u64::MAX - 1) + 1
    }

    /// The running task committed a write now.
    pub(crate) fn record(&self) {
        if self.window.is_zero() {
            return;
        }
        let now = Instant::now();
        self.latest.fetch_max(self.micros(now), Ordering::AcqRel);
        let mut map = self
            .by_writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.insert(current(), now);
        if map.len() > PRUNE_ABOVE {
            map.retain(|_, at| at.elapsed() < self.window);
        }
    }

    /// Whether the running task committed a write within the window.
    pub(crate) fn is_recent(&self) -> bool {
        let latest = self.latest.load(Ordering::Acquire);
        if self.window.is_zero() || latest == 0 {
            return false;
        }
        let since_latest = self.micros(Instant::now()).saturating_sub(latest);
        if since_latest >= self.window.as_micros() as u64 {
            return false;
        }
        let map = self
            .by_writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(&current())
            .is_some_and(|at| at.elapsed() < self.window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_write_pins_its_own_task_only_and_only_within_the_window() {
        let w = std::sync::Arc::new(RecentWriters::new(Duration::from_millis(200)));
        assert!(!w.is_recent());
        let w2 = w.clone();
        tokio::spawn(async move { w2.record() }).await.unwrap();
        assert!(!w.is_recent(), "another task wrote");
        w.record();
        assert!(w.is_recent());
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(!w.is_recent(), "the window has passed");
        let off = RecentWriters::new(Duration::ZERO);
        off.record();
        assert!(!off.is_recent());
    }
}
