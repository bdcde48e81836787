//! How the pool opens, checks and retires connections: bb8's `ManageConnection` over sqlx's
//! connections, the same for every driver.
//!
//! The pool is bb8 rather than sqlx's own: sqlx's pool spawns a task for every connection given
//! back and pings the server from it (a second round trip for every statement, measured at 2.7x
//! the client instructions of a point read and 0.6x the throughput at 16 tasks), and it cycles
//! through its connections. bb8 takes a connection back synchronously and hands out the most
//! recently used one first. Checkout follows the framework's validation rule: a connection idle
//! longer than the validation window, or idle since before a connection was found dead (see
//! [`LossMark`]), is pinged; any other is handed out as it is. A statement whose connection was
//! lost marks it broken, and bb8 drops it instead of taking it back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::{ConnectOptions, Connection};

use super::LossMark;

/// Opens connections of `DB` for one pool.
pub(crate) struct Manager<DB: sqlx::Database> {
    /// Where connections are opened: one server, or every node of a multi-primary cluster,
    /// taken in turn.
    pub(crate) options: Vec<<DB::Connection as Connection>::Options>,
    pub(crate) next: std::sync::atomic::AtomicUsize,
    pub(crate) window: Duration,
    pub(crate) losses: Arc<LossMark>,
    pub(crate) state: Arc<PoolState>,
}

/// What the pool's owner and its connections share: whether it was closed, and whether
/// connections can be opened at all.
#[derive(Debug)]
pub(crate) struct PoolState {
    pub(crate) closed: AtomicBool,
    /// Its lifecycle events' listeners.
    pub(crate) events: super::events::PoolEvents,
    epoch: Instant,
    /// Microseconds after `epoch` (+1) of the last failed and the last successful connect.
    last_connect_failure: AtomicU64,
    last_connect_success: AtomicU64,
}

impl PoolState {
    pub(crate) fn new(events: super::events::PoolEvents) -> Self {
        PoolState {
            closed: AtomicBool::new(false),
            events,
            epoch: Instant::now(),
            last_connect_failure: AtomicU64::new(0),
            last_connect_success: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX - 1) + 1
    }

    /// Whether the last attempt to open a connection failed, within `within`: a pool timeout
    /// then means the database is unreachable rather than every connection busy.
    pub(crate) fn connects_failing(&self, within: Duration) -> bool {
        let failed = self.last_connect_failure.load(Ordering::Acquire);
        let succeeded = self.last_connect_success.load(Ordering::Acquire);
        let window = u64::try_from(within.as_micros()).unwrap_or(u64::MAX);
        failed > succeeded && self.now().saturating_sub(failed) <= window
    }
}

/// A pooled connection: sqlx's connection, when it went idle, and whether it may be reused.
pub struct Conn<DB: sqlx::Database> {
    /// `None` only after the pool took it out to close it.
    raw: Option<DB::Connection>,
    idle_since: Instant,
    broken: bool,
    opened: Instant,
    checked_out: Instant,
    state: Arc<PoolState>,
}

impl<DB: sqlx::Database> Drop for Conn<DB> {
    fn drop(&mut self) {
        self.state.events.fire(super::PoolEvent::Closed {
            lifetime: self.opened.elapsed(),
        });
    }
}

impl<DB: sqlx::Database> std::fmt::Debug for Conn<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("open", &self.raw.is_some())
            .field("broken", &self.broken)
            .finish()
    }
}

impl<DB: sqlx::Database> Conn<DB> {
    /// The sqlx connection.
    pub(crate) fn raw(&mut self) -> Result<&mut DB::Connection, sqlx::Error> {
        self.raw.as_mut().ok_or(sqlx::Error::PoolClosed)
    }

    /// The sqlx connection, if still open.
    pub(crate) fn raw_opt(&mut self) -> Option<&mut DB::Connection> {
        self.raw.as_mut()
    }

    /// Takes the connection out to close it; the empty shell is dropped by the pool.
    pub(crate) fn take_raw(&mut self) -> Option<DB::Connection> {
        self.raw.take()
    }

    /// Marks the connection broken when `result` says it was lost, so that the pool drops it
    /// instead of handing it out again.
    pub(crate) fn observe<T>(&mut self, result: &Result<T, sqlx::Error>) {
        if let Err(e) = result
            && (super::connection_lost(e).is_some()
                || matches!(
                    e,
                    sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::Tls(_)
                ))
        {
            self.broken = true;
        }
    }

    /// Marks the connection not to be reused.
    pub(crate) fn discard(&mut self) {
        self.broken = true;
    }
}

impl<DB: sqlx::Database> Manager<DB> {
    /// A connection to the next server in turn; one that refuses is skipped for the next
    /// (a cluster node down), and the last error is returned when all refuse.
    async fn open(&self) -> Result<DB::Connection, sqlx::Error> {
        let n = self.options.len().max(1);
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        let mut last = sqlx::Error::PoolClosed;
        for k in 0..n {
            let Some(options) = self.options.get((first + k) % n) else {
                break;
            };
            match options.connect().await {
                Ok(raw) => return Ok(raw),
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

impl<DB: sqlx::Database> bb8::ManageConnection for Manager<DB> {
    type Connection = Conn<DB>;
    type Error = sqlx::Error;

    async fn connect(&self) -> Result<Conn<DB>, sqlx::Error> {
        if self.state.closed.load(Ordering::Acquire) {
            return Err(sqlx::Error::PoolClosed);
        }
        let started = Instant::now();
        match self.open().await {
            Ok(raw) => {
                let now = self.state.now();
                self.state
                    .last_connect_success
                    .fetch_max(now, Ordering::AcqRel);
                self.state.events.fire(super::PoolEvent::Created {
                    took: started.elapsed(),
                });
                let now = Instant::now();
                Ok(Conn {
                    raw: Some(raw),
                    idle_since: now,
                    broken: false,
                    opened: now,
                    checked_out: now,
                    state: self.state.clone(),
                })
            }
            Err(e) => {
                let now = self.state.now();
                self.state
                    .last_connect_failure
                    .fetch_max(now, Ordering::AcqRel);
                Err(e)
            }
        }
    }

    async fn is_valid(&self, conn: &mut Conn<DB>) -> Result<(), sqlx::Error> {
        // Called at every checkout of an idle connection (`test_on_check_out`).
        conn.checked_out = Instant::now();
        let idle = conn.idle_since.elapsed();
        if idle >= self.window || self.losses.suspects(idle) {
            // An error here makes bb8 drop this connection and try another.
            conn.raw()?.ping().await?;
        }
        Ok(())
    }

    fn has_broken(&self, conn: &mut Conn<DB>) -> bool {
        // Called as the connection goes back: it is idle from now.
        conn.idle_since = Instant::now();
        self.state.events.fire(super::PoolEvent::Released {
            held: conn.checked_out.elapsed(),
        });
        conn.broken || conn.raw.is_none() || self.state.closed.load(Ordering::Acquire)
    }
}
