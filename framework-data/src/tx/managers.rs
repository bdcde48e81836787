//! The TransactionManager of each DataSource, as the context holds them: the managers
//! themselves, their registry by DataSource name and their metrics. What a manager does with a
//! scope (propagation, commit, rollback) is in `manager.rs`, which runs on the ambient context;
//! this file sits below it, so the ambient context can hold the registry.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::stats::TransactionStats;
use crate::datasource::{DEFAULT_DATASOURCE, DataSource, DataSources};

/// Begins, joins, suspends and completes transactions on one DataSource. One per DataSource,
/// a bean of the context (see [`TransactionManagers`]); cloning is cheap.
///
/// ```no_run
/// use framework_data::prelude::*;
/// use framework_data::tx::{Propagation, TransactionDefinition};
/// # #[derive(Entity, Debug, Clone)] #[entity(table = "accounts", crate = "framework_data")]
/// # struct Account { #[id(generated)] id: i64, owner: String }
/// # async fn run(ctx: ApplicationContext) -> Result<(), DataError> {
/// let tx = ctx.transaction_manager_default()?;
/// let accounts = ctx.repository::<Account>()?;
/// let def = TransactionDefinition::new().propagation(Propagation::RequiresNew);
/// let saved = tx
///     .execute(&def, async {
///         // both statements run on the transaction's connection
///         let a = accounts.save(Account { id: 0, owner: "ann".into() }).await?;
///         accounts.save(Account { id: 0, owner: "bob".into() }).await?;
///         Ok::<_, DataError>(a)
///     })
///     .await?;
/// # let _ = saved; Ok(()) }
/// ```
#[derive(Clone)]
pub struct TransactionManager {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) ds: DataSource,
    pub(super) validate_existing: bool,
    pub(super) stats: TransactionStats,
}

impl TransactionManager {
    /// A manager for `ds`, with `validate_existing` off.
    pub fn new(ds: DataSource) -> Self {
        Self::with_validation(ds, false)
    }

    /// A manager for `ds`. With `validate_existing`, joining a transaction whose isolation
    /// level or read-only flag differs from the joining scope's fails with
    /// [`TxError::IncompatibleTransaction`](super::TxError::IncompatibleTransaction); without it the difference is ignored (Spring's
    /// `validateExistingTransaction`). Configured by `transaction.validate_existing`.
    pub fn with_validation(ds: DataSource, validate_existing: bool) -> Self {
        TransactionManager {
            inner: Arc::new(Inner {
                stats: TransactionStats::new(ds.name()),
                ds,
                validate_existing,
            }),
        }
    }

    /// Whether joining validates isolation and read-only (see [`with_validation`](Self::with_validation)).
    pub fn validate_existing(&self) -> bool {
        self.inner.validate_existing
    }

    /// The DataSource whose transactions this manages.
    pub fn datasource(&self) -> &DataSource {
        &self.inner.ds
    }

    /// Transaction counters.
    pub fn stats(&self) -> &TransactionStats {
        &self.inner.stats
    }
}

/// Transaction metrics of every TransactionManager, for the actuator.
pub struct TransactionMetrics(pub(crate) std::sync::Arc<TransactionManagers>);

impl framework_core::management::MetricSource for TransactionMetrics {
    fn collect(&self, out: &mut Vec<framework_core::management::Metric>) {
        use framework_core::management::{Metric, MetricKind, MetricValue, Sample};
        let mut outcomes = Metric {
            name: "db.transactions",
            description: "Transactions completed, by outcome",
            unit: None,
            kind: MetricKind::Counter,
            samples: Vec::new(),
        };
        let mut active = Metric {
            name: "db.transactions.active",
            description: "Transactions running now",
            unit: None,
            kind: MetricKind::Gauge,
            samples: Vec::new(),
        };
        let mut duration = Metric {
            name: "db.transaction.duration",
            description: "Transaction duration, begin to completion",
            unit: Some("seconds"),
            kind: MetricKind::Histogram,
            samples: Vec::new(),
        };
        for m in self.0.iter() {
            let ds = m.datasource().name().to_owned();
            let s = m.stats().snapshot();
            let n = |v: u64| MetricValue::Number(v as f64);
            outcomes.samples.push(Sample {
                labels: vec![("datasource", ds.clone()), ("outcome", "commit".into())],
                value: n(s.committed),
            });
            outcomes.samples.push(Sample {
                labels: vec![("datasource", ds.clone()), ("outcome", "rollback".into())],
                value: n(s.rolled_back),
            });
            active.samples.push(Sample {
                labels: vec![("datasource", ds.clone())],
                value: n(s.active),
            });
            duration.samples.push(Sample {
                labels: vec![("datasource", ds)],
                value: MetricValue::Histogram(m.stats().duration()),
            });
        }
        out.extend([outcomes, active, duration]);
    }
}

/// Every DataSource's TransactionManager: a bean of the context.
#[derive(Default)]
pub struct TransactionManagers {
    by_name: BTreeMap<String, TransactionManager>,
}

impl TransactionManagers {
    /// One manager per DataSource.
    pub fn new(datasources: &DataSources, validate_existing: bool) -> Self {
        TransactionManagers {
            by_name: datasources
                .iter()
                .map(|ds| {
                    (
                        ds.name().to_owned(),
                        TransactionManager::with_validation(ds.clone(), validate_existing),
                    )
                })
                .collect(),
        }
    }

    /// The manager of the DataSource called `name`.
    pub fn get(&self, name: &str) -> Option<&TransactionManager> {
        self.by_name.get(name)
    }

    /// The manager of the default DataSource.
    pub fn default_manager(&self) -> Option<&TransactionManager> {
        self.get(DEFAULT_DATASOURCE)
    }

    /// Every manager, by DataSource name.
    pub fn iter(&self) -> impl Iterator<Item = &TransactionManager> {
        self.by_name.values()
    }
}

impl std::fmt::Debug for TransactionManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransactionManager")
            .field("datasource", &self.inner.ds.name())
            .field("validate_existing", &self.inner.validate_existing)
            .finish()
    }
}

impl std::fmt::Debug for TransactionManagers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.by_name.keys()).finish()
    }
}
