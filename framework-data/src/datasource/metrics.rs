//! What a DataSource measures: connection waits and use, timeouts, pending acquires, and the
//! duration of every statement by repository method. Read by the actuator through
//! [`DataSourcesMetrics`]; also emitted through the `metrics` facade.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use framework_core::management::{
    DurationHistogram, Metric, MetricKind, MetricSource, MetricValue, Sample,
};

use super::DataSources;

/// What a statement is, for metrics and traces: the repository (an entity or repository trait)
/// and its method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operation {
    /// `Account`, `AccountRepository`, or `sql` for statements sent directly.
    pub repository: &'static str,
    /// `find_by_id`, `find_by_email`, or `execute`.
    pub method: &'static str,
}

impl Operation {
    /// A statement sent through the DataSource's own methods.
    pub const SQL: Operation = Operation {
        repository: "sql",
        method: "execute",
    };

    /// `repository.method`.
    pub const fn new(repository: &'static str, method: &'static str) -> Self {
        Operation { repository, method }
    }

    /// The operation of a repository method named `Trait::method`.
    pub fn of_method(path: &'static str) -> Self {
        let (repository, method) = path.split_once("::").unwrap_or(("repository", path));
        Operation { repository, method }
    }
}

/// A statement histogram with its handle in the `metrics` facade (registered once, so that
/// recording allocates nothing).
struct OperationHistogram {
    own: DurationHistogram,
    facade: metrics::Histogram,
}

impl OperationHistogram {
    fn record(&self, elapsed: Duration) {
        self.own.record(elapsed);
        self.facade.record(elapsed.as_secs_f64());
    }
}

/// Which of a DataSource's pools: the primary (every write) or a read replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Primary,
    Replica,
}

impl Role {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::Primary => "primary",
            Role::Replica => "replica",
        }
    }
}

/// What one pool measures: connection waits and use, timeouts, callers waiting. The primary's
/// pool is named after its DataSource, a replica's `NAME/replica-N` (`pool` and `role`
/// attributes in the facade and the actuator).
pub(crate) struct PoolMetrics {
    pub(crate) pool: String,
    pub(crate) role: Role,
    pub(crate) wait_time: DurationHistogram,
    pub(crate) use_time: DurationHistogram,
    pub(crate) timeouts: AtomicU64,
    pub(crate) pending: AtomicU64,
    /// Statements run on this pool (counted for replicas only: the primary's are the rest of
    /// the DataSource's).
    pub(crate) statements: AtomicU64,
    // Facade handles, registered once (an application recorder must be installed before the
    // context starts to receive them).
    wait_facade: metrics::Histogram,
    use_facade: metrics::Histogram,
    timeouts_facade: metrics::Counter,
}

impl std::fmt::Debug for PoolMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolMetrics")
            .field("pool", &self.pool)
            .field("role", &self.role)
            .finish()
    }
}

impl PoolMetrics {
    pub(crate) fn new(pool: &str, role: Role) -> Self {
        let labels = || [("pool", pool.to_owned()), ("role", role.as_str().to_owned())];
        PoolMetrics {
            pool: pool.to_owned(),
            role,
            wait_time: DurationHistogram::default(),
            use_time: DurationHistogram::default(),
            timeouts: AtomicU64::new(0),
            pending: AtomicU64::new(0),
            statements: AtomicU64::new(0),
            wait_facade: metrics::histogram!("db.client.connection.wait_time", &labels()),
            use_facade: metrics::histogram!("db.client.connection.use_time", &labels()),
            timeouts_facade: metrics::counter!("db.client.connection.timeouts", &labels()),
        }
    }

    pub(crate) fn record_wait(&self, waited: Duration) {
        self.wait_time.record(waited);
        self.wait_facade.record(waited.as_secs_f64());
    }

    pub(crate) fn record_use(&self, used: Duration) {
        self.use_time.record(used);
        self.use_facade.record(used.as_secs_f64());
    }

    pub(crate) fn record_timeout(&self) {
        self.timeouts.fetch_add(1, Ordering::Relaxed);
        self.timeouts_facade.increment(1);
    }

    pub(crate) fn labels(&self) -> Vec<(&'static str, String)> {
        vec![("pool", self.pool.clone()), ("role", self.role.as_str().to_owned())]
    }
}

// The actuator's connection metrics are one listener of the pool's lifecycle events.
impl crate::driver::PoolListener for PoolMetrics {
    fn on_event(&self, _pool: &crate::driver::PoolInfo, event: crate::driver::PoolEvent) {
        use crate::driver::PoolEvent;
        match event {
            PoolEvent::Acquired { waited } => self.record_wait(waited),
            PoolEvent::Timeout { waited } => {
                self.record_wait(waited);
                self.record_timeout();
            }
            PoolEvent::Released { held } => self.record_use(held),
            _ => {}
        }
    }
}

/// The counters and histograms of one DataSource: its primary pool's and its statements'.
pub(crate) struct DataSourceMetrics {
    datasource: String,
    pub(crate) primary: Arc<PoolMetrics>,
    /// foldhash: every statement hashes its operation's two names to find its histogram.
    operations: RwLock<HashMap<Operation, Arc<OperationHistogram>, foldhash::quality::RandomState>>,
}

impl std::fmt::Debug for DataSourceMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataSourceMetrics")
            .field("datasource", &self.datasource)
            .finish()
    }
}

impl DataSourceMetrics {
    pub(crate) fn new(datasource: &str) -> Self {
        DataSourceMetrics {
            datasource: datasource.to_owned(),
            primary: Arc::new(PoolMetrics::new(datasource, Role::Primary)),
            operations: RwLock::new(HashMap::default()),
        }
    }

    /// Records a statement's duration.
    pub(crate) fn record_statement(&self, datasource: &str, op: Operation, elapsed: Duration) {
        // Recorded under the read lock: cloning the Arc out would bounce its count between
        // the cores of concurrent statements.
        if let Some(h) = self
            .operations
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&op)
        {
            return h.record(elapsed);
        }
        self.operations
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(op)
            .or_insert_with(|| {
                Arc::new(OperationHistogram {
                    own: DurationHistogram::default(),
                    facade: metrics::histogram!(
                        "db.client.operation.duration",
                        "datasource" => datasource.to_owned(),
                        "repository" => op.repository,
                        "method" => op.method
                    ),
                })
            })
            .record(elapsed);
    }

    fn operations(&self) -> Vec<(Operation, Arc<OperationHistogram>)> {
        self.operations
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect()
    }
}

/// Pool and statement metrics of every DataSource, for the actuator.
pub struct DataSourcesMetrics(pub(crate) Arc<DataSources>);

fn number(labels: Vec<(&'static str, String)>, v: f64) -> Sample {
    Sample {
        labels,
        value: MetricValue::Number(v),
    }
}

impl MetricSource for DataSourcesMetrics {
    fn collect(&self, out: &mut Vec<Metric>) {
        let metric = |name, description, unit, kind| Metric {
            name,
            description,
            unit,
            kind,
            samples: Vec::new(),
        };
        let mut count = metric(
            "db.client.connection.count",
            "Connections open, by state",
            Some("connections"),
            MetricKind::Gauge,
        );
        let mut max = metric(
            "db.client.connection.max",
            "Most connections the pool opens",
            Some("connections"),
            MetricKind::Gauge,
        );
        let mut idle_min = metric(
            "db.client.connection.idle.min",
            "Idle connections the pool keeps",
            Some("connections"),
            MetricKind::Gauge,
        );
        let mut pending = metric(
            "db.client.connection.pending_requests",
            "Callers waiting for a connection",
            Some("requests"),
            MetricKind::Gauge,
        );
        let mut timeouts = metric(
            "db.client.connection.timeouts",
            "Acquires that timed out",
            None,
            MetricKind::Counter,
        );
        let mut wait = metric(
            "db.client.connection.wait_time",
            "Time to obtain a connection",
            Some("seconds"),
            MetricKind::Histogram,
        );
        let mut used = metric(
            "db.client.connection.use_time",
            "Time between borrowing a connection and returning it",
            Some("seconds"),
            MetricKind::Histogram,
        );
        let mut ops = metric(
            "db.client.operation.duration",
            "Statement duration by repository method",
            Some("seconds"),
            MetricKind::Histogram,
        );
        let mut statements = metric(
            "db.client.statements",
            "Statements sent",
            None,
            MetricKind::Counter,
        );
        let mut lag = metric(
            "db.client.replica.lag",
            "How far a replica's replay is behind its primary (-1: unknown or unreachable)",
            Some("seconds"),
            MetricKind::Gauge,
        );
        let mut replica_statements = metric(
            "db.client.replica.statements",
            "Statements a replica ran",
            None,
            MetricKind::Counter,
        );
        let mut usable = metric(
            "db.client.replica.usable",
            "Whether reads are routed to the replica (reachable, within max_replica_lag)",
            None,
            MetricKind::Gauge,
        );
        for ds in self.0.iter() {
            for view in ds.pool_views() {
                let pool = || view.metrics.labels();
                let m = view.metrics;
                let with_state = |state: &str| {
                    let mut l = pool();
                    l.push(("state", state.to_owned()));
                    l
                };
                count.samples.push(number(with_state("idle"), view.status.idle.into()));
                count.samples.push(number(with_state("used"), view.status.in_use.into()));
                max.samples.push(number(pool(), view.status.max.into()));
                idle_min
                    .samples
                    .push(number(pool(), ds.pool_config().min_connections.into()));
                pending
                    .samples
                    .push(number(pool(), m.pending.load(Ordering::Relaxed) as f64));
                timeouts
                    .samples
                    .push(number(pool(), m.timeouts.load(Ordering::Relaxed) as f64));
                wait.samples.push(Sample {
                    labels: pool(),
                    value: MetricValue::Histogram(m.wait_time.snapshot()),
                });
                used.samples.push(Sample {
                    labels: pool(),
                    value: MetricValue::Histogram(m.use_time.snapshot()),
                });
                if let Some(replica) = view.replica {
                    let seconds = replica.lag().map_or(-1.0, |l| l.as_secs_f64());
                    lag.samples.push(number(pool(), seconds));
                    replica_statements.samples.push(number(
                        pool(),
                        m.statements.load(Ordering::Relaxed) as f64,
                    ));
                    usable
                        .samples
                        .push(number(pool(), f64::from(u8::from(replica.is_usable()))));
                }
            }
            statements.samples.push(number(
                vec![("datasource", ds.name().to_owned())],
                ds.statements_executed() as f64,
            ));
            for (op, h) in ds.metrics().operations() {
                ops.samples.push(Sample {
                    labels: vec![
                        ("datasource", ds.name().to_owned()),
                        ("repository", op.repository.to_owned()),
                        ("method", op.method.to_owned()),
                    ],
                    value: MetricValue::Histogram(h.own.snapshot()),
                });
            }
        }
        out.extend([
            count, max, idle_min, pending, timeouts, wait, used, ops, statements,
        ]);
        if !lag.samples.is_empty() {
            out.extend([lag, usable, replica_statements]);
        }
    }
}
