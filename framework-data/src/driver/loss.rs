//! Connections that died under the pool: recognising the error, and validating the connections
//! that were idle when it happened.
//!
//! A pooled connection used within the validation window is handed out without a ping. When
//! the server kills connections (a restart, `pg_terminate_backend`, MariaDB's `KILL`), every
//! idle one is dead, and each would fail the request that borrows it. So the first statement
//! that meets a dead connection records the moment in the pool's [`LossMark`]; from then on a
//! connection idle since before that moment is pinged at checkout whatever the window, and the
//! dead ones are replaced instead of handed out.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// When the pool last saw a connection die.
#[derive(Debug)]
pub(crate) struct LossMark {
    epoch: Instant,
    /// Microseconds after `epoch` of the last loss, plus one; 0 for none yet.
    last_loss: AtomicU64,
}

impl LossMark {
    pub(crate) fn new() -> Self {
        LossMark {
            epoch: Instant::now(),
            last_loss: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX - 1) + 1
    }

    /// A connection was found dead now.
    pub(crate) fn record(&self) {
        self.last_loss.fetch_max(self.now(), Ordering::AcqRel);
    }

    /// Whether a connection idle for `idle_for` went idle before the last loss (and so may
    /// have been killed with the one that was found dead).
    pub(crate) fn suspects(&self, idle_for: Duration) -> bool {
        let loss = self.last_loss.load(Ordering::Acquire);
        if loss == 0 {
            return false;
        }
        let idle_us = u64::try_from(idle_for.as_micros()).unwrap_or(u64::MAX);
        self.now().saturating_sub(idle_us) <= loss
    }
}

/// How sure it is that a failed statement never ran on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lost {
    /// The server said it had closed the connection (PostgreSQL's FATAL 57P01 "terminating
    /// connection due to administrator command", MariaDB's 1927 "Connection was killed") in
    /// answer to the statement: the statement was never executed.
    BeforeExecution,
    /// The socket broke (reset, closed, EOF): the statement may or may not have run.
    Unknown,
}

/// Whether `e` means the connection is gone, and how sure it is that the statement did not run.
pub(crate) fn connection_lost(e: &sqlx::Error) -> Option<Lost> {
    use std::io::ErrorKind;
    match e {
        sqlx::Error::Io(io) => matches!(
            io.kind(),
            ErrorKind::BrokenPipe
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::UnexpectedEof
                | ErrorKind::NotConnected
        )
        .then_some(Lost::Unknown),
        sqlx::Error::Database(db) => match db.code().as_deref() {
            // admin_shutdown, crash_shutdown, cannot_connect_now; ER_CONNECTION_KILLED.
            Some("57P01") | Some("57P02") | Some("57P03") | Some("70100") => {
                Some(Lost::BeforeExecution)
            }
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_idle_since_before_a_loss_are_suspect() {
        let mark = LossMark::new();
        assert!(!mark.suspects(Duration::from_secs(3600)));
        std::thread::sleep(Duration::from_millis(5));
        mark.record();
        // idle for 1 h: went idle long before the loss
        assert!(mark.suspects(Duration::from_secs(3600)));
        std::thread::sleep(Duration::from_millis(5));
        // went idle 1 ms ago, after the loss
        assert!(!mark.suspects(Duration::from_millis(1)));
    }

    #[test]
    fn io_failures_are_losses_of_unknown_outcome() {
        let reset = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert_eq!(connection_lost(&reset), Some(Lost::Unknown));
        assert_eq!(connection_lost(&sqlx::Error::RowNotFound), None);
    }
}
