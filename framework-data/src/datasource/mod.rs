//! DataSources: one named connection pool per configured database, the beans everything else
//! sends its statements through.
//!
//! `[datasource]` configures the DataSource called `default`; `[datasources.NAME]` adds more.
//! At start-up each pool opens one connection (an unreachable database fails start-up within
//! `acquire_timeout`), and the [`DataSources`] bean holds them all. A [`DataSource`] is cheap to
//! clone and knows its [`Dialect`], its whole [`DataSourceConfig`], its
//! pool's state and its metrics.
//!
//! Connections are lent by the DataSource, never taken from the pool directly: it measures the
//! wait, counts statements, admits outermost transactions so that nested `RequiresNew` ones
//! always find a connection, and tells a database that is down (`DataError::Unreachable`) from
//! a pool that is busy (`DataError::PoolTimeout`).
//!
//! ```no_run
//! use framework_data::prelude::*;
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let ctx = ApplicationContext::builder()
//!     .set("datasource.url", "sqlite::memory:")
//!     .set("datasources.reporting.url", "postgres://report@db/reporting")
//!     .start()
//!     .await?;
//! let main = ctx.datasource_default()?;
//! let reporting = ctx.datasource("reporting")?;
//! println!("{} ({}), {} ({})", main.name(), main.dialect(), reporting.name(), reporting.url());
//! println!("{:?}", main.status());
//! # Ok(()) }
//! ```

mod admission;
mod auditor;
mod auto_config;
mod config;
mod health;
mod metrics;
mod replica;
mod statement;
mod url;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use auditor::AuditorAware;

use std::any::{Any, TypeId};
use std::collections::HashMap;

/// A list of `T`s kept on a DataSource by type (`push_extension`).
pub(crate) type ExtensionList<T> = Arc<[Arc<T>]>;
pub use auto_config::DataSourcesAutoConfiguration;
pub use config::{DataSourceConfig, PoolConfig};
pub use health::{DataSourceHealth, DataSourcesInfo};
pub use metrics::{DataSourcesMetrics, Operation};
pub use replica::{Destination, Fallback, RoutingConfig, on_primary};
pub(crate) use replica::{Target, reads_only, writes};
pub use crate::driver::ExecResult;
pub(crate) use statement::operation_word;
pub use url::mask_url;

use admission::Admission;
pub(crate) use admission::Admitted;

use crate::driver::{BeginSpec, Dialect, LossMark, Pool, PooledConnection, TxConn};
use crate::error::{DataError, DataResult};

/// The name of the DataSource configured by `[datasource]`.
pub const DEFAULT_DATASOURCE: &str = "default";

/// A named database with its pool. Cloning is cheap; clones share the pool.
///
/// ```no_run
/// use framework_data::datasource::{DataSource, DataSourceConfig};
/// # async fn run() -> framework_data::DataResult<()> {
/// let ds = DataSource::connect("default", &DataSourceConfig::new("sqlite::memory:")).await?;
/// let round_trip = ds.ping().await?;
/// println!("{} answered in {round_trip:?}", ds.dialect());
/// ds.close().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DataSource {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    masked_url: String,
    pool: Pool,
    config: DataSourceConfig,
    statements: std::sync::atomic::AtomicU64,
    metrics: metrics::DataSourceMetrics,
    slow_statement_threshold: Duration,
    /// What a higher layer attached to this DataSource (the entity cache's manager).
    extension: std::sync::OnceLock<Arc<dyn std::any::Any + Send + Sync>>,
    /// What higher layers keep per type on this DataSource: the auditor, entity and event
    /// listeners (see `extension_list`).
    extensions: std::sync::RwLock<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
    admission: Admission,
    losses: Arc<LossMark>,
    /// `statement_cache = false` on PostgreSQL: statements outside transactions run in one
    /// of their own (see `DataSourceConfig::statement_cache`).
    wraps_statements: bool,
    /// MySQL's `auto_increment_increment`, learnt at start-up (more than 1 on a Galera node).
    auto_increment_step: std::sync::OnceLock<i64>,
    /// The read replicas and their routing, when configured.
    replicas: std::sync::OnceLock<Arc<replica::Replicas>>,
}

impl DataSource {
    /// Builds the pool for `config` and opens its first connection, failing within
    /// `acquire_timeout` when the database cannot be reached.
    pub async fn connect(name: &str, config: &DataSourceConfig) -> DataResult<DataSource> {
        Self::connect_with_listeners(name, config, &[]).await
    }

    /// [`connect`](Self::connect), with `listeners` on its pools (the primary's and every
    /// replica's) from the start: they see the first connections too, which
    /// [`add_pool_listener`](Self::add_pool_listener) after `connect` would miss. In a context,
    /// register them on the builder instead
    /// ([`DataBuilderExt::pool_listener`](crate::context::DataBuilderExt::pool_listener)).
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use framework_data::datasource::{DataSource, DataSourceConfig};
    /// use framework_data::driver::{PoolEvent, PoolInfo, PoolListener};
    ///
    /// struct Opened;
    /// impl PoolListener for Opened {
    ///     fn on_event(&self, pool: &PoolInfo, event: PoolEvent) {
    ///         if let PoolEvent::Created { took } = event {
    ///             eprintln!("{}: connection opened in {took:?}", pool.pool);
    ///         }
    ///     }
    /// }
    /// # async fn demo() -> framework_data::DataResult<()> {
    /// let config = DataSourceConfig::new("sqlite::memory:");
    /// let ds = DataSource::connect_with_listeners("default", &config, &[Arc::new(Opened)]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect_with_listeners(
        name: &str,
        config: &DataSourceConfig,
        listeners: &[Arc<dyn crate::driver::PoolListener>],
    ) -> DataResult<DataSource> {
        let masked_url = mask_url(&config.url);
        let scheme = url::scheme(&config.url).to_owned();
        let dialect = url::dialect_of(&config.url).ok_or_else(|| DataError::InvalidUrl {
            datasource: name.to_owned(),
            url: masked_url.clone(),
            reason: format!(
                "unknown scheme `{scheme}` (expected sqlite:, postgres:, postgresql:, mysql: or mariadb:)"
            ),
        })?;
        let losses = Arc::new(LossMark::new());
        let metrics = metrics::DataSourceMetrics::new(name);
        let events = crate::driver::PoolEvents::new(
            crate::driver::PoolInfo {
                datasource: name.to_owned(),
                pool: name.to_owned(),
                role: metrics::Role::Primary.as_str(),
            },
            Some(metrics.primary.clone()),
        );
        for l in listeners {
            events.add(l.clone());
        }
        for (i, node) in config.nodes.iter().enumerate() {
            if url::dialect_of(node) != Some(dialect) {
                return Err(DataError::InvalidConfig {
                    datasource: name.to_owned(),
                    reason: format!(
                        "node {} ({}) is not a {dialect} URL like `url`",
                        i + 1,
                        mask_url(node)
                    ),
                });
            }
        }
        let urls: Vec<&str> = std::iter::once(config.url.as_str())
            .chain(config.nodes.iter().map(String::as_str))
            .collect();
        let pool = Pool::connect_lazy(
            dialect,
            &urls,
            &config.pool,
            config.statement_cache,
            &losses,
            events,
        )
            .map_err(|e| DataError::InvalidUrl {
                datasource: name.to_owned(),
                url: masked_url.clone(),
                reason: url::scrub(&e.to_string(), &config.url),
            })?
            .ok_or_else(|| DataError::DriverNotEnabled {
                datasource: name.to_owned(),
                scheme,
                driver: dialect.product_name(),
                starter: dialect.starter(),
            })?;

        let ds = DataSource {
            inner: Arc::new(Inner {
                name: name.to_owned(),
                masked_url,
                pool,
                config: config.clone(),
                statements: std::sync::atomic::AtomicU64::new(0),
                metrics,
                slow_statement_threshold: config.slow_statement_threshold,
                extension: std::sync::OnceLock::new(),
                extensions: std::sync::RwLock::new(HashMap::new()),
                admission: Admission::new(config.pool.max_connections),
                losses,
                wraps_statements: !config.statement_cache && dialect == Dialect::Postgres,
                auto_increment_step: std::sync::OnceLock::new(),
                replicas: std::sync::OnceLock::new(),
            }),
        };
        // The pool's own acquire already stops at `acquire_timeout`; the outer timeout also
        // bounds drivers that retry refused connections until then.
        let first =
            tokio::time::timeout(config.pool.acquire_timeout, ds.inner.pool.acquire()).await;
        let failure = match first {
            Ok(Ok(conn)) => {
                drop(conn);
                None
            }
            Ok(Err(sqlx::Error::PoolTimedOut)) | Err(_) => {
                let waited = format!(
                    "no connection within acquire_timeout ({})",
                    humantime::format_duration(config.pool.acquire_timeout)
                );
                // One more attempt, bounded, to say why (refused, unknown host, bad password).
                let probe = config.pool.acquire_timeout.min(Duration::from_secs(2));
                match tokio::time::timeout(probe, ds.inner.pool.probe()).await {
                    Ok(Err(e)) => {
                        let (message, source) = crate::error::split(e);
                        let message = url::scrub(&message, &config.url);
                        Some((format!("{waited}; last attempt: {message}"), source))
                    }
                    Ok(Ok(())) | Err(_) => Some((waited, None)),
                }
            }
            Ok(Err(e)) => {
                let (message, source) = crate::error::split(e);
                Some((url::scrub(&message, &config.url), source))
            }
        };
        if let Some((reason, source)) = failure {
            ds.inner.pool.close().await;
            return Err(DataError::Unreachable {
                datasource: ds.inner.name.clone(),
                url: ds.inner.masked_url.clone(),
                reason,
                source,
            });
        }
        if dialect == Dialect::MySql {
            let step = ds.read_auto_increment_step().await;
            let _ = ds.inner.auto_increment_step.set(step);
        }
        let replicas = match replica::Replicas::connect(name, dialect, config, listeners).await {
            Ok(replicas) => replicas,
            Err(e) => {
                ds.inner.pool.close().await;
                return Err(e);
            }
        };
        if let Some(replicas) = replicas {
            let _ = ds.inner.replicas.set(replicas);
        }
        tracing::info!(
            datasource = %ds.inner.name,
            url = %ds.inner.masked_url,
            database = %dialect,
            max_connections = config.pool.max_connections,
            replicas = config.replicas.len(),
            "DataSource ready"
        );
        Ok(ds)
    }

    /// The DataSource's name (`"default"` for `[datasource]`).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Its URL with the password masked.
    pub fn url(&self) -> &str {
        &self.inner.masked_url
    }

    /// The SQL dialect it speaks.
    pub fn dialect(&self) -> Dialect {
        self.inner.pool.dialect()
    }

    /// The pool, for statistics or raw sqlx work beside the framework.
    pub fn pool(&self) -> &Pool {
        &self.inner.pool
    }

    /// The pool settings it was built with.
    pub fn pool_config(&self) -> &PoolConfig {
        &self.inner.config.pool
    }

    /// How far apart generated ids are (MySQL's `auto_increment_increment`; 1 elsewhere).
    pub(crate) fn auto_increment_step(&self) -> i64 {
        self.inner.auto_increment_step.get().copied().unwrap_or(1)
    }

    /// MySQL's `auto_increment_increment` (1 when it cannot be read).
    async fn read_auto_increment_step(&self) -> i64 {
        self.fetch_optional(
            crate::sql::Sql::from("SELECT CAST(@@auto_increment_increment AS SIGNED)"),
            self.args(),
        )
        .await
        .ok()
        .flatten()
        .and_then(|row| row.get::<i64>(0).ok())
        .unwrap_or(1)
        .max(1)
    }

    /// Whether statements are prepared once per connection and kept (`statement_cache`).
    pub(crate) fn statement_cache(&self) -> bool {
        self.inner.config.statement_cache
    }

    /// Whether a statement outside a transaction runs in a transaction of its own.
    pub(crate) fn wraps_statements(&self) -> bool {
        self.inner.wraps_statements
    }

    /// Its whole configuration (`migrate`, `migrations`, `validate_schema`, ...), as read at
    /// start-up: later stages read it here instead of parsing the sections again.
    pub fn config(&self) -> &DataSourceConfig {
        &self.inner.config
    }

    /// Adds `listener` to the lifecycle events of this DataSource's pools (the primary's and
    /// every replica's): connections created, closed, borrowed, returned, and borrows that
    /// timed out. See [`PoolListener`](crate::driver::PoolListener).
    pub fn add_pool_listener(&self, listener: Arc<dyn crate::driver::PoolListener>) {
        self.inner.pool.add_listener(listener.clone());
        self.add_replica_pool_listener(listener);
    }

    /// Borrows a connection; [`DataError::PoolTimeout`] when none frees up within
    /// `acquire_timeout`.
    pub async fn acquire(&self) -> DataResult<PooledConnection> {
        self.acquire_measured().await
    }

    /// Attaches `value` to this DataSource, once (a later call is ignored): how a higher layer
    /// (the entity cache) gives the DataSource's users something without this layer knowing
    /// its type.
    pub(crate) fn attach<T: std::any::Any + Send + Sync>(&self, value: Arc<T>) {
        let _ = self.inner.extension.set(value);
    }

    /// Makes `auditor` the one this DataSource's repositories ask who is acting (for
    /// `#[created_by]` and `#[last_modified_by]` fields); replaces any earlier one.
    ///
    /// ```no_run
    /// # use framework_data::prelude::*;
    /// # fn demo(ds: DataSource) {
    /// ds.set_auditor_aware(std::sync::Arc::new(|| Some("batch-import".to_owned())));
    /// # }
    /// ```
    pub fn set_auditor_aware(&self, auditor: Arc<dyn AuditorAware>) {
        self.extensions_mut()
            .insert(TypeId::of::<dyn AuditorAware>(), Arc::new(auditor));
    }

    /// The current auditor, when an [`AuditorAware`] is set and names one.
    pub(crate) fn current_auditor(&self) -> Option<String> {
        let slot = self.extension(TypeId::of::<dyn AuditorAware>())?;
        let auditor = slot.downcast_ref::<Arc<dyn AuditorAware>>()?.clone();
        auditor.current_auditor()
    }

    /// Appends `item` to the list of `T`s kept on this DataSource (listeners of one type).
    pub(crate) fn push_extension<T: ?Sized + Send + Sync + 'static>(&self, item: Arc<T>) {
        let mut map = self.extensions_mut();
        let key = TypeId::of::<ExtensionList<T>>();
        let mut all: Vec<Arc<T>> = map
            .get(&key)
            .and_then(|o| o.downcast_ref::<ExtensionList<T>>())
            .map(|l| l.to_vec())
            .unwrap_or_default();
        all.push(item);
        map.insert(key, Arc::new(ExtensionList::<T>::from(all)));
    }

    /// The list of `T`s kept on this DataSource, in the order added; `None` when empty (one
    /// map lookup: what every write of an entity type without listeners pays).
    pub(crate) fn extension_list<T: ?Sized + Send + Sync + 'static>(
        &self,
    ) -> Option<ExtensionList<T>> {
        let found = self.extension(TypeId::of::<ExtensionList<T>>())?;
        found.downcast_ref::<ExtensionList<T>>().cloned()
    }

    fn extensions_mut(
        &self,
    ) -> std::sync::RwLockWriteGuard<'_, HashMap<TypeId, Arc<dyn Any + Send + Sync>>> {
        self.inner
            .extensions
            .write()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn extension(&self, key: TypeId) -> Option<Arc<dyn Any + Send + Sync>> {
        let map = self
            .inner
            .extensions
            .read()
            .unwrap_or_else(|e| e.into_inner());
        if map.is_empty() {
            return None;
        }
        map.get(&key).cloned()
    }

    /// The attached value, if it is a `T` (a lock-free read).
    pub(crate) fn attached<T: std::any::Any + Send + Sync>(&self) -> Option<&T> {
        self.inner.extension.get()?.downcast_ref::<T>()
    }

    pub(crate) fn metrics(&self) -> &metrics::DataSourceMetrics {
        &self.inner.metrics
    }

    /// Statements at least this slow are logged at warn.
    pub fn slow_statement_threshold(&self) -> Duration {
        self.inner.slow_statement_threshold
    }

    /// Runs `SELECT 1` through the pool and returns the round trip's duration.
    pub async fn ping(&self) -> DataResult<Duration> {
        let start = Instant::now();
        self.inner
            .pool
            .select_one()
            .await
            .map_err(|e| self.error(e))?;
        Ok(start.elapsed())
    }

    /// The database server's version, as the server reports it.
    pub async fn server_version(&self) -> DataResult<String> {
        self.inner
            .pool
            .server_version()
            .await
            .map_err(|e| self.error(e))
    }

    /// Pool statistics.
    pub fn status(&self) -> PoolStatus {
        let size = self.inner.pool.size();
        let idle = self.inner.pool.num_idle() as u32;
        PoolStatus {
            size,
            idle,
            in_use: size.saturating_sub(idle),
            max: self.inner.config.pool.max_connections,
        }
    }

    /// Closes the pool, waiting for borrowed connections to come back.
    pub async fn close(&self) {
        self.close_replicas().await;
        self.inner.pool.close().await;
        tracing::debug!(datasource = %self.inner.name, "DataSource closed");
    }

    /// Identifies this DataSource (not a clone's copy of the same config) while it lives: the
    /// key of its transactions in the ambient context.
    pub(crate) fn identity(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
    }

    /// Maps a driver error met on this DataSource. A connection found dead marks the pool so
    /// that connections idle since then are validated before reuse; a pool timeout while
    /// pool is not full means connections could not be opened: the database is unreachable,
    /// not the pool exhausted.
    pub(crate) fn error(&self, e: impl crate::driver::IntoDriverError) -> DataError {
        let e = e.into_driver_error();
        // Recognising a lost connection is the driver layer's job (error.rs stays below it).
        if crate::driver::connection_lost(&e).is_some() {
            self.inner.losses.record();
            let (message, source) = crate::error::split(e);
            return DataError::ConnectionLost {
                datasource: self.inner.name.clone(),
                message,
                source,
            };
        }
        if matches!(e, sqlx::Error::PoolTimedOut)
            && (self
                .inner
                .pool
                .connects_failing(self.inner.config.pool.acquire_timeout)
                || self.inner.pool.size() < self.inner.config.pool.max_connections)
        {
            return DataError::Unreachable {
                datasource: self.inner.name.clone(),
                url: self.inner.masked_url.clone(),
                reason: format!(
                    "no connection could be opened within acquire_timeout ({})",
                    humantime::format_duration(self.inner.config.pool.acquire_timeout)
                ),
                source: None,
            };
        }
        DataError::from_sqlx(&self.inner.name, self.inner.config.pool.acquire_timeout, e)
    }

    /// Borrows a connection and begins a transaction on it. `held` is how many connections of
    /// this DataSource the calling task already holds through its transactions: with none, the
    /// transaction is outermost and is admitted first (see `admission`), so that nested ones
    /// always find a connection; the returned permit is held until the transaction completes.
    /// A BEGIN that meets a connection the server already closed is retried once on another. A
    /// read-only transaction begins on a replica when the routing says so (see `replica`).
    pub(crate) async fn begin_transaction(
        &self,
        spec: &BeginSpec,
        held: usize,
    ) -> DataResult<(TxConn, Option<Admitted>, Target)> {
        let started = Instant::now();
        let admitted = if held == 0
            && let Some(now) = self.inner.admission.try_admit()
        {
            Some(now)
        } else if held == 0 {
            let m = &self.metrics().primary;
            m.pending.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let admitted = tokio::time::timeout(
                self.inner.config.pool.acquire_timeout,
                self.inner.admission.admit(),
            )
            .await;
            m.pending.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            match admitted {
                Ok(permit) => permit,
                Err(_) => {
                    m.record_wait(started.elapsed());
                    m.record_timeout();
                    return Err(DataError::PoolTimeout {
                        datasource: self.inner.name.clone(),
                        timeout: self.inner.config.pool.acquire_timeout,
                    });
                }
            }
        } else {
            self.inner.admission.observe(held + 1);
            None
        };
        let mut target = self.transaction_target(spec.read_only)?;
        let (mut first, mut resent) = (true, false);
        loop {
            let attempt = match self.acquire_on(target, started).await {
                Ok(conn) => TxConn::begin(conn, spec).await,
                Err(e) => Err(e),
            };
            let e = match attempt {
                Ok(tx) => return Ok((tx, admitted, target)),
                Err(e) => e,
            };
            // A replica that failed: begin on another one, or per the fallback.
            if let Some(next) = self.reroute(target, &e, first) {
                first = false;
                target = next?;
                continue;
            }
            if target == Target::Primary && !resent && crate::driver::connection_lost(&e).is_some()
            {
                self.inner.losses.record();
                tracing::debug!(datasource = %self.inner.name, error = %e, "BEGIN met a dead connection; retrying on another");
                resent = true;
                continue;
            }
            return Err(self.error(e));
        }
    }

    /// How many outermost transactions may run at once on this DataSource now (see the
    /// README's transaction section: `(max_connections - 1) / (depth - 1)`).
    pub fn transaction_admission_limit(&self) -> u32 {
        self.inner.admission.limit()
    }

    /// A task runs a statement outside a transaction while holding `held` connections of this
    /// DataSource through suspended transactions.
    pub(crate) fn observe_nesting(&self, held: usize) {
        if held > 0 {
            self.inner.admission.observe(held + 1);
        }
    }
}

impl std::fmt::Debug for DataSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataSource")
            .field("name", &self.inner.name)
            .field("url", &self.inner.masked_url)
            .field("status", &self.status())
            .finish()
    }
}

/// A snapshot of a pool's connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// Open connections.
    pub size: u32,
    /// Open and idle.
    pub idle: u32,
    /// Borrowed.
    pub in_use: u32,
    /// Configured maximum.
    pub max: u32,
}

/// Every DataSource of the application, by name; a bean of the context.
#[derive(Debug, Clone, Default)]
pub struct DataSources {
    by_name: BTreeMap<String, DataSource>,
}

impl DataSources {
    /// The DataSource called `name` (`"default"` for `[datasource]`).
    pub fn get(&self, name: &str) -> DataResult<DataSource> {
        self.by_name
            .get(name)
            .cloned()
            .ok_or_else(|| DataError::NoSuchDataSource {
                name: name.to_owned(),
                available: self.by_name.keys().cloned().collect(),
            })
    }

    /// The default DataSource (`[datasource]`).
    pub fn default_datasource(&self) -> DataResult<DataSource> {
        self.get(DEFAULT_DATASOURCE)
    }

    /// All of them, by name.
    pub fn iter(&self) -> impl Iterator<Item = &DataSource> {
        // `[datasource]` first, then the named ones by name (the order of the config).
        let default = self.by_name.get(DEFAULT_DATASOURCE);
        default.into_iter().chain(
            self.by_name
                .iter()
                .filter(|(name, _)| name.as_str() != DEFAULT_DATASOURCE)
                .map(|(_, ds)| ds),
        )
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    pub(crate) fn insert(&mut self, ds: DataSource) {
        self.by_name.insert(ds.name().to_owned(), ds);
    }

    /// Closes every pool.
    pub async fn close_all(&self) {
        for ds in self.by_name.values() {
            ds.close().await;
        }
    }
}

