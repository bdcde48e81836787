//! Pool lifecycle events (HikariCP's metrics tracker): every pool reports each connection it
//! opens and closes, each borrow (with the wait) and return (with the time held), and each
//! borrow that timed out, to its listeners. The actuator's connection metrics are one such
//! listener; add your own with
//! [`DataSource::add_pool_listener`](crate::datasource::DataSource::add_pool_listener).
//!
//! ```no_run
//! use std::sync::Arc;
//! use framework_data::driver::{PoolEvent, PoolInfo, PoolListener};
//!
//! struct SlowBorrows;
//!
//! impl PoolListener for SlowBorrows {
//!     fn on_event(&self, pool: &PoolInfo, event: PoolEvent) {
//!         if let PoolEvent::Acquired { waited } = event
//!             && waited.as_millis() > 100
//!         {
//!             tracing::warn!(pool = %pool.pool, ?waited, "slow connection borrow");
//!         }
//!     }
//! }
//! # fn demo(ds: framework_data::datasource::DataSource) {
//! ds.add_pool_listener(Arc::new(SlowBorrows));
//! # }
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

/// What happened to one of a pool's connections. Listeners are called on the task (or the
/// pool's thread) where it happened: keep them quick, and never block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PoolEvent {
    /// A connection was opened, taking `took`.
    Created {
        /// How long opening it took.
        took: Duration,
    },
    /// A connection was closed (retired, found broken, or the pool closed), after `lifetime`.
    Closed {
        /// How long it was open.
        lifetime: Duration,
    },
    /// A caller borrowed a connection after waiting `waited`.
    Acquired {
        /// The wait.
        waited: Duration,
    },
    /// A borrowed connection went back to the pool after `held`.
    Released {
        /// How long it was borrowed.
        held: Duration,
    },
    /// A caller gave up waiting for a connection after `waited` (`acquire_timeout`).
    Timeout {
        /// The wait.
        waited: Duration,
    },
}

/// Which pool an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolInfo {
    /// The DataSource's name.
    pub datasource: String,
    /// The pool's name: the DataSource's for its primary, `NAME/replica-N` for a replica's.
    pub pool: String,
    /// `"primary"` or `"replica"`.
    pub role: &'static str,
}

/// Receives a pool's lifecycle events.
pub trait PoolListener: Send + Sync + 'static {
    /// Called for every event of the pool `pool`.
    fn on_event(&self, pool: &PoolInfo, event: PoolEvent);
}

/// The pool listeners every DataSource of a context gets at start-up, before its first
/// connection: a bean that start-up stages read. Add to it with
/// [`DataBuilderExt::pool_listener`](crate::context::DataBuilderExt::pool_listener).
///
/// ```
/// use std::sync::Arc;
/// use framework_data::driver::{PoolEvent, PoolInfo, PoolListener, PoolListeners};
///
/// struct Quiet;
/// impl PoolListener for Quiet {
///     fn on_event(&self, _: &PoolInfo, _: PoolEvent) {}
/// }
/// let listeners = PoolListeners::default();
/// listeners.add(Arc::new(Quiet));
/// assert_eq!(listeners.all().len(), 1);
/// ```
#[derive(Default)]
pub struct PoolListeners(RwLock<Vec<Arc<dyn PoolListener>>>);

impl std::fmt::Debug for PoolListeners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolListeners")
            .field("len", &self.all().len())
            .finish()
    }
}

impl PoolListeners {
    /// Adds `listener`; DataSources opened afterwards call it.
    pub fn add(&self, listener: Arc<dyn PoolListener>) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(listener);
    }

    /// Every listener, in the order added.
    pub fn all(&self) -> Vec<Arc<dyn PoolListener>> {
        self.0.read().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// A pool's listeners: its metrics first (fixed at creation), then any added later.
pub(crate) struct PoolEvents {
    info: PoolInfo,
    metrics: Option<Arc<dyn PoolListener>>,
    added: RwLock<Vec<Arc<dyn PoolListener>>>,
    /// Whether `added` has any: the usual pool pays for one load per event.
    any_added: AtomicBool,
}

impl std::fmt::Debug for PoolEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolEvents").field("info", &self.info).finish()
    }
}

impl PoolEvents {
    pub(crate) fn new(info: PoolInfo, metrics: Option<Arc<dyn PoolListener>>) -> Self {
        PoolEvents {
            info,
            metrics,
            added: RwLock::new(Vec::new()),
            any_added: AtomicBool::new(false),
        }
    }

    pub(crate) fn add(&self, listener: Arc<dyn PoolListener>) {
        self.added
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(listener);
        self.any_added.store(true, Ordering::Release);
    }

    #[inline]
    pub(crate) fn fire(&self, event: PoolEvent) {
        if let Some(m) = &self.metrics {
            m.on_event(&self.info, event);
        }
        if self.any_added.load(Ordering::Acquire) {
            for l in self
                .added
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
            {
                l.on_event(&self.info, event);
            }
        }
    }
}
