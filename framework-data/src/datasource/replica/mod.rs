//! Read replicas and the routing of reads to them.
//!
//! A DataSource with `replicas` keeps a pool per replica beside its primary's. Writes,
//! read-write transactions and anything that locks always run on the primary; reads go to a
//! replica by the rules of [`RoutingConfig`]:
//!
//! - a read-only transaction (`#[transactional(read_only = true)]`) runs on one replica, chosen
//!   when it begins; a write sent in it is refused before it leaves
//!   ([`DataError::WriteInReadOnlyTransaction`]);
//! - a `SELECT` outside any transaction (repository reads, derived queries, pages) goes to a
//!   replica, each in turn;
//! - a task that committed a write within `read_your_writes` reads the primary (it would not
//!   see its own write on a replica that has not replayed it yet);
//! - a read that fills the entity or query cache reads the primary, so that a replica's lag
//!   never ends up in a cache; so does anything run under [`on_primary`];
//! - a monitor measures each replica every `check_interval`: one that is unreachable, or
//!   further behind than `max_replica_lag`, is skipped until it is back. A statement that meets
//!   a dead replica marks it down at once and runs again elsewhere; with no replica usable, a
//!   read goes to the primary (`fallback = "primary"`) or fails with
//!   [`DataError::NoReplica`] (`fallback = "fail"`).
//!
//! Statement spans carry `db.replica` (the replica's number, from 1) when a replica ran them;
//! the actuator shows each pool with a `role` attribute and each replica's lag.
//!
//! ```no_run
//! use framework_data::prelude::*;
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let ctx = ApplicationContext::builder()
//!     .set("datasource.url", "postgres://app@primary/app")
//!     .set("datasource.replicas", vec!["postgres://app@replica1/app"])
//!     .set("datasource.routing.max_replica_lag", "1s")
//!     .start()
//!     .await?;
//! let ds = ctx.datasource_default()?;
//! // A read that must see the latest committed state, whatever the rules say:
//! let fresh = framework_data::datasource::on_primary(ds.ping()).await?;
//! # let _ = fresh; Ok(()) }
//! ```

mod config;
mod monitor;
mod writers;

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

pub use config::{Destination, Fallback, RoutingConfig};
use writers::RecentWriters;

use super::metrics::{PoolMetrics, Role};
use super::{DataSource, DataSourceConfig, operation_word};
use crate::driver::{Dialect, LossMark, Pool};
use crate::error::{DataError, DataResult};

/// Which pool of a DataSource a statement or a transaction uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// The primary: every write.
    Primary,
    /// The replica at this index of `replicas`.
    Replica(usize),
}

/// A replica a DataSource reads from: its pool and what the monitor last measured.
pub(crate) struct Replica {
    pub(crate) pool: Pool,
    url: String,
    pub(crate) metrics: Arc<PoolMetrics>,
    pub(crate) losses: Arc<LossMark>,
    usable: AtomicBool,
    reachable: AtomicBool,
    /// The last measured lag in microseconds, plus one; 0 when unknown.
    lag: AtomicU64,
}

impl Replica {
    /// Whether reads are routed to it now.
    pub(crate) fn is_usable(&self) -> bool {
        self.usable.load(Ordering::Acquire)
    }

    /// How far behind its primary it was at the last measurement (`None`: unknown or
    /// unreachable).
    pub(crate) fn lag(&self) -> Option<Duration> {
        match self.lag.load(Ordering::Acquire) {
            0 => None,
            n => Some(Duration::from_micros(n - 1)),
        }
    }

    fn set_down(&self, datasource: &str, reason: &str) {
        self.lag.store(0, Ordering::Release);
        self.usable.store(false, Ordering::Release);
        if self.reachable.swap(false, Ordering::AcqRel) {
            tracing::warn!(datasource, replica = %self.url, reason, "replica unreachable; its reads go elsewhere");
        }
    }

    fn set_measured(&self, datasource: &str, lag: Option<Duration>, max: Option<Duration>) {
        let micros = lag.map_or(0, |l| u64::try_from(l.as_micros()).unwrap_or(u64::MAX - 1) + 1);
        self.lag.store(micros, Ordering::Release);
        if !self.reachable.swap(true, Ordering::AcqRel) {
            tracing::info!(datasource, replica = %self.url, "replica reachable again");
        }
        let ok = match (lag, max) {
            // Replication stopped, or nothing replayed yet while WAL waits.
            (None, _) => false,
            (Some(lag), Some(max)) => lag <= max,
            (Some(_), None) => true,
        };
        let was = self.usable.swap(ok, Ordering::AcqRel);
        if was != ok {
            let lag = lag.map(|l| humantime::format_duration(Duration::from_millis(l.as_millis() as u64)).to_string());
            if ok {
                tracing::info!(datasource, replica = %self.url, lag = lag.as_deref().unwrap_or("-"), "replica caught up; reads routed to it again");
            } else {
                tracing::warn!(datasource, replica = %self.url, lag = lag.as_deref().unwrap_or("unknown"), "replica behind max_replica_lag; its reads go elsewhere");
            }
        }
    }

    /// Why it is not usable, for an error message.
    fn state(&self, index: usize, max: Option<Duration>) -> String {
        let n = index + 1;
        match (self.reachable.load(Ordering::Acquire), self.lag(), max) {
            (false, _, _) => format!("replica {n} unreachable"),
            (true, Some(lag), Some(max)) => format!(
                "replica {n} {} behind (max_replica_lag {})",
                humantime::format_duration(Duration::from_millis(lag.as_millis() as u64)),
                humantime::format_duration(max)
            ),
            (true, _, _) => format!("replica {n} not replaying"),
        }
    }
}

/// The replicas of one DataSource with its routing rules.
pub(crate) struct Replicas {
    datasource: String,
    pub(crate) nodes: Vec<Replica>,
    routing: RoutingConfig,
    acquire_timeout: Duration,
    next: AtomicUsize,
    writers: RecentWriters,
    monitor: Mutex<Option<tokio::task::AbortHandle>>,
}

/// A statement waits at most this long for a replica's connection before it runs elsewhere.
const REPLICA_ACQUIRE: Duration = Duration::from_secs(1);

impl Replicas {
    /// The replicas of `config`, measured once and watched from then on; `None` without any.
    /// A replica that cannot be reached yet does not stop start-up: it is skipped until the
    /// monitor finds it.
    pub(crate) async fn connect(
        datasource: &str,
        dialect: Dialect,
        config: &DataSourceConfig,
        listeners: &[Arc<dyn crate::driver::PoolListener>],
    ) -> DataResult<Option<Arc<Replicas>>> {
        if config.replicas.is_empty() {
            return Ok(None);
        }
        let invalid = |reason: String| DataError::InvalidConfig {
            datasource: datasource.to_owned(),
            reason,
        };
        if !dialect.talks_to_a_server() {
            return Err(invalid(format!(
                "{dialect} has no replicas: remove `replicas` (and `routing`)"
            )));
        }
        let mut nodes = Vec::with_capacity(config.replicas.len());
        for (i, url) in config.replicas.iter().enumerate() {
            let masked = super::mask_url(url);
            if super::url::dialect_of(url) != Some(dialect) {
                return Err(invalid(format!(
                    "replica {} ({masked}) is not a {dialect} URL like the primary's",
                    i + 1
                )));
            }
            let losses = Arc::new(LossMark::new());
            let name = format!("{datasource}/replica-{}", i + 1);
            let metrics = Arc::new(PoolMetrics::new(&name, Role::Replica));
            let events = crate::driver::PoolEvents::new(
                crate::driver::PoolInfo {
                    datasource: datasource.to_owned(),
                    pool: name,
                    role: Role::Replica.as_str(),
                },
                Some(metrics.clone()),
            );
            for l in listeners {
                events.add(l.clone());
            }
            let pool = Pool::connect_lazy(
                dialect,
                &[url.as_str()],
                &config.pool,
                config.statement_cache,
                &losses,
                events,
            )
                .map_err(|e| DataError::InvalidUrl {
                    datasource: datasource.to_owned(),
                    url: masked.clone(),
                    reason: super::url::scrub(&e.to_string(), url),
                })?
                .ok_or_else(|| invalid(format!("the {dialect} driver is not compiled in")))?;
            nodes.push(Replica {
                pool,
                metrics,
                url: masked,
                losses,
                usable: AtomicBool::new(false),
                reachable: AtomicBool::new(true),
                lag: AtomicU64::new(0),
            });
        }
        let replicas = Arc::new(Replicas {
            datasource: datasource.to_owned(),
            nodes,
            routing: config.routing.clone(),
            acquire_timeout: config.pool.acquire_timeout,
            next: AtomicUsize::new(0),
            writers: RecentWriters::new(config.routing.read_your_writes),
            monitor: Mutex::new(None),
        });
        // Routing is right from the first statement.
        replicas.check().await;
        *replicas.monitor.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(monitor::spawn(&replicas));
        Ok(Some(replicas))
    }

    /// A usable replica other than `except`, each in turn.
    fn pick(&self, except: Option<usize>) -> Option<usize> {
        let n = self.nodes.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..n)
            .map(|k| (start + k) % n)
            .find(|&i| Some(i) != except && self.nodes[i].is_usable())
    }

    /// Where a read bound for a replica runs: a usable one (not `except`), else per `fallback`.
    fn route_read(&self, except: Option<usize>) -> DataResult<Target> {
        if let Some(i) = self.pick(except) {
            return Ok(Target::Replica(i));
        }
        match self.routing.fallback {
            Fallback::Primary => Ok(Target::Primary),
            Fallback::Fail => Err(DataError::NoReplica {
                datasource: self.datasource.clone(),
                reason: self
                    .nodes
                    .iter()
                    .enumerate()
                    .map(|(i, n)| n.state(i, self.routing.max_replica_lag))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Stops the monitor and closes the replicas' pools.
    pub(crate) async fn close(&self) {
        if let Some(monitor) = self
            .monitor
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            monitor.abort();
        }
        for node in &self.nodes {
            node.pool.close().await;
        }
    }
}

tokio::task_local! {
    static ON_PRIMARY: ();
}

/// Runs `fut` with every statement it sends on the primary of its DataSource, replicas or not:
/// for a read that must see the latest committed state (a check before a write, a read right
/// after another service's write).
///
/// ```no_run
/// # async fn demo(ds: framework_data::datasource::DataSource) -> framework_data::DataResult<()> {
/// use framework_data::datasource::on_primary;
/// let version = on_primary(ds.server_version()).await?;
/// # let _ = version; Ok(()) }
/// ```
pub async fn on_primary<F: Future>(fut: F) -> F::Output {
    ON_PRIMARY.scope((), fut).await
}

fn pinned_to_primary() -> bool {
    ON_PRIMARY.try_with(|_| ()).is_ok()
}

/// Whether `sql` only reads: a `SELECT` (or `VALUES`) without a locking clause.
pub(crate) fn reads_only(sql: &str) -> bool {
    let word = operation_word(sql);
    (word.eq_ignore_ascii_case("SELECT") || word.eq_ignore_ascii_case("VALUES"))
        && ![" FOR UPDATE", " FOR SHARE", " FOR NO KEY UPDATE", " FOR KEY SHARE", " LOCK IN SHARE MODE"]
            .iter()
            .any(|clause| contains_ignore_case(sql, clause))
}

/// Whether `sql` writes (what a read-only transaction on a replica refuses).
pub(crate) fn writes(sql: &str) -> bool {
    let word = operation_word(sql);
    [
        "INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT", "CREATE", "ALTER", "DROP",
        "TRUNCATE",
    ]
    .iter()
    .any(|w| word.eq_ignore_ascii_case(w))
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Whether a replica's failure `e` is the replica's (down, restarting, saturated) rather than
/// the statement's, and whether it means the replica is down.
fn replica_fault(e: &sqlx::Error) -> Option<bool> {
    if crate::driver::connection_lost(e).is_some() {
        return Some(true);
    }
    match e {
        sqlx::Error::PoolTimedOut => Some(false),
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => Some(true),
        // PostgreSQL: shutting down, starting up, or a query cancelled by replay
        // (`canceling statement due to conflict with recovery`).
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("57P01" | "57P02" | "57P03") => Some(true),
            Some("40001") if db.message().contains("recovery") => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// One of a DataSource's pools, for the actuator.
pub(crate) struct PoolView<'a> {
    pub(crate) metrics: &'a PoolMetrics,
    pub(crate) status: super::PoolStatus,
    pub(crate) replica: Option<&'a Replica>,
}

impl DataSource {
    fn replica_set(&self) -> Option<&Replicas> {
        self.inner.replicas.get().map(|r| &**r)
    }

    /// Whether this DataSource has replicas configured.
    pub fn has_replicas(&self) -> bool {
        self.inner.replicas.get().is_some()
    }

    /// Where a statement sent outside any transaction runs.
    #[inline]
    pub(crate) fn statement_target(&self, sql: &str) -> DataResult<Target> {
        let Some(r) = self.replica_set() else {
            return Ok(Target::Primary);
        };
        if r.routing.reads_outside_transactions == Destination::Primary
            || !reads_only(sql)
            || pinned_to_primary()
            || r.writers.is_recent()
        {
            return Ok(Target::Primary);
        }
        r.route_read(None)
    }

    /// Whether `sql`, sent outside a transaction, is a read the routing sends to replicas
    /// (when one is usable).
    pub(crate) fn reads_on_replicas(&self, sql: &str) -> bool {
        self.replica_set().is_some_and(|r| {
            r.routing.reads_outside_transactions == Destination::Replica && reads_only(sql)
        })
    }

    /// Where a transaction begins.
    pub(crate) fn transaction_target(&self, read_only: bool) -> DataResult<Target> {
        let Some(r) = self.replica_set() else {
            return Ok(Target::Primary);
        };
        if !read_only
            || r.routing.read_only_transactions == Destination::Primary
            || pinned_to_primary()
            || r.writers.is_recent()
        {
            return Ok(Target::Primary);
        }
        r.route_read(None)
    }

    /// After `target` failed with `e`: where to run it again when the failure was a replica's
    /// (which is marked down when it is), `None` when it was not. A second failure goes to the
    /// fallback.
    pub(crate) fn reroute(&self, target: Target, e: &sqlx::Error, first: bool) -> Option<DataResult<Target>> {
        let Target::Replica(i) = target else {
            return None;
        };
        let r = self.replica_set()?;
        let node = &r.nodes[i];
        // A borrow that timed out: down when its connects fail, else only busy.
        let down = replica_fault(e)? || node.pool.connects_failing(r.acquire_timeout);
        if down {
            node.losses.record();
            node.set_down(&r.datasource, &e.to_string());
        }
        tracing::debug!(datasource = %r.datasource, replica = %node.url, error = %e, "read failed on a replica; running it elsewhere");
        Some(if first {
            r.route_read(Some(i))
        } else {
            match r.routing.fallback {
                Fallback::Primary => Ok(Target::Primary),
                Fallback::Fail => Err(DataError::NoReplica {
                    datasource: r.datasource.clone(),
                    reason: format!("replica {} failed: {e}", i + 1),
                }),
            }
        })
    }

    /// The pool `target` names.
    pub(crate) fn pool_of(&self, target: Target) -> &Pool {
        match (target, self.replica_set()) {
            (Target::Replica(i), Some(r)) => &r.nodes[i].pool,
            _ => &self.inner.pool,
        }
    }

    /// The metrics of the pool `target` names.
    pub(crate) fn pool_metrics(&self, target: Target) -> &PoolMetrics {
        match (target, self.replica_set()) {
            (Target::Replica(i), Some(r)) => &r.nodes[i].metrics,
            _ => &self.metrics().primary,
        }
    }

    /// How long a borrow from `target` may wait.
    pub(crate) fn acquire_bound(&self, target: Target) -> Duration {
        let timeout = self.inner.config.pool.acquire_timeout;
        match target {
            Target::Primary => timeout,
            Target::Replica(_) => timeout.min(REPLICA_ACQUIRE),
        }
    }

    /// The running task committed a write on the primary now (read-your-writes).
    #[inline]
    pub(crate) fn note_write(&self) {
        if let Some(r) = self.replica_set() {
            r.writers.record();
        }
    }

    /// Measures every replica now instead of at the monitor's next turn (tests, and an
    /// operator who just fixed one).
    pub async fn check_replicas(&self) {
        if let Some(r) = self.replica_set() {
            r.check().await;
        }
    }

    /// Statements the replicas ran since start-up (the rest of
    /// [`statements_executed`](Self::statements_executed) ran on the primary).
    pub fn statements_on_replicas(&self) -> u64 {
        self.replica_set().map_or(0, |r| {
            r.nodes
                .iter()
                .map(|n| n.metrics.statements.load(Ordering::Relaxed))
                .sum()
        })
    }

    /// Counts a statement run on replica `target`.
    #[inline]
    pub(crate) fn count_on(&self, target: Target) {
        if let Target::Replica(_) = target {
            self.pool_metrics(target)
                .statements
                .fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The replicas' masked URLs, whether each is usable now, and its last measured lag.
    ///
    /// ```no_run
    /// # fn demo(ds: framework_data::datasource::DataSource) {
    /// for (url, usable, lag) in ds.replica_states() {
    ///     println!("{url}: usable {usable}, lag {lag:?}");
    /// }
    /// # }
    /// ```
    pub fn replica_states(&self) -> Vec<(String, bool, Option<Duration>)> {
        self.replica_set()
            .map(|r| {
                r.nodes
                    .iter()
                    .map(|n| (n.url.clone(), n.is_usable(), n.lag()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The primary's pool and each replica's, for the actuator.
    pub(crate) fn pool_views(&self) -> Vec<PoolView<'_>> {
        let mut views = vec![PoolView {
            metrics: &self.metrics().primary,
            status: self.status(),
            replica: None,
        }];
        if let Some(r) = self.replica_set() {
            for node in &r.nodes {
                let size = node.pool.size();
                let idle = node.pool.num_idle() as u32;
                views.push(PoolView {
                    metrics: &node.metrics,
                    status: super::PoolStatus {
                        size,
                        idle,
                        in_use: size.saturating_sub(idle),
                        max: self.inner.config.pool.max_connections,
                    },
                    replica: Some(node),
                });
            }
        }
        views
    }

    pub(super) fn add_replica_pool_listener(&self, listener: Arc<dyn crate::driver::PoolListener>) {
        if let Some(r) = self.replica_set() {
            for node in &r.nodes {
                node.pool.add_listener(listener.clone());
            }
        }
    }

    /// Stops routing to replicas and closes their pools.
    pub(crate) async fn close_replicas(&self) {
        if let Some(r) = self.replica_set() {
            r.close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_selects_count_as_reads() {
        assert!(reads_only("SELECT 1"));
        assert!(reads_only("  select * from t where id = $1"));
        assert!(!reads_only("SELECT * FROM t WHERE id = $1 FOR UPDATE"));
        assert!(!reads_only("select * from t for share skip locked"));
        assert!(!reads_only("SELECT * FROM t LOCK IN SHARE MODE"));
        assert!(!reads_only("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d"));
        assert!(!reads_only("INSERT INTO t VALUES (1)"));
        assert!(writes("insert into t values (1)"));
        assert!(writes("DELETE FROM t"));
        assert!(!writes("SELECT 1"));
        assert!(!writes("WITH x AS (SELECT 1) SELECT * FROM x"));
    }
}
