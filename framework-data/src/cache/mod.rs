//! The second-level entity cache: regions of moka caches that `find_by_id` and
//! `find_all_by_id` read first, kept consistent with committed writes.
//!
//! ```toml
//! [cache.default]
//! ttl = "10m"
//! max_capacity = 10000
//!
//! [cache.regions.accounts]   # an entity opts in with #[entity(cache = "accounts")]
//! enabled = true
//! ```
//!
//! Consistency: writes through repositories remove the affected entries before their statement
//! and block refills of those ids until their transaction ends; loads take a ticket before their
//! SELECT and put only if no write began or committed since (see `keyed`). Reads inside a
//! transaction that wrote the entity type go to the database; loads inside any transaction never
//! fill the cache (their rows may not be committed, or may come from an older snapshot). Writes
//! the framework cannot attribute to ids — derived `delete_by_*`, `#[query(.., modifying)]` —
//! empty the entity type's cache in that region; SQL sent any other way is invisible: call
//! `ctx.cache().evict_region("name")` after it.

mod auto_config;
mod broadcast;
mod collection;
mod config;
mod keyed;
pub(crate) mod query;
mod region;
mod stats;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use framework_core::ApplicationContext;
use framework_core::management::{Metric, MetricKind, MetricSource, MetricValue, Sample};
use shaku::Module;

pub use auto_config::CacheAutoConfiguration;
pub use broadcast::InvalidationConfig;
use broadcast::{Broadcaster, Event};
#[doc(hidden)]
pub use collection::{CACHED_COLLECTIONS, CachedCollection, begin_collection_write};
pub(crate) use collection::over as collections_over;
pub use config::{CacheConfig, DEFAULT_MAX_CAPACITY, EffectiveSettings, RegionSettings};
pub use keyed::{CacheKey, CacheValue, KeyedCache, Ticket};

/// The cache of entity type `E`: id -> entity.
pub type EntityCache<E> = KeyedCache<<E as Entity>::Id, E>;

/// A write in progress on a cache; see [`KeyedCache::begin_write`].
pub type WriteGuard<K, V> = keyed::WriteGuard<K, V>;

/// The cache of one `#[one_to_many(cache)]` association: parent id -> children.
pub type CollectionCache<P, C> = KeyedCache<<P as Entity>::Id, Vec<C>>;
pub use region::Region;
pub use stats::RegionSnapshot;

use crate::datasource::DataSource;
use crate::entity::Entity;

/// Called between a cache miss's SELECT and its put (tests use it to force a race).
pub type FillHook = Arc<dyn Fn() -> framework_core::context::BoxFuture<'static, ()> + Send + Sync>;

/// Every cache region of a context: a bean (`ctx.cache()`).
pub struct CacheManager {
    config: CacheConfig,
    /// The tables' stamps, for the query cache.
    tables: query::TableStamps,
    regions: RwLock<HashMap<String, Arc<Region>>>,
    fill_hook: Arc<RwLock<Option<FillHook>>>,
    /// Cluster-wide invalidation, when `[cache.invalidation] broadcast` is set.
    broadcast: std::sync::OnceLock<Arc<Broadcaster>>,
}

impl DataSource {
    /// Lets this DataSource's repositories use `cache` (once; later calls are ignored).
    pub fn attach_cache(&self, cache: Arc<CacheManager>) {
        self.attach(cache);
    }

    /// The cache manager its repositories use, if any.
    pub fn cache(&self) -> Option<&CacheManager> {
        self.attached::<CacheManager>()
    }
}

impl CacheManager {
    /// Regions configured by `config`, created on first use.
    pub fn new(config: CacheConfig) -> Self {
        CacheManager {
            config,
            tables: query::TableStamps::default(),
            regions: RwLock::new(HashMap::new()),
            fill_hook: Arc::new(RwLock::new(None)),
            broadcast: std::sync::OnceLock::new(),
        }
    }

    /// Starts cluster-wide invalidation (`[cache.invalidation]`) before any region is used.
    pub(crate) async fn start_broadcast(
        self: &Arc<Self>,
        datasources: &crate::datasource::DataSources,
    ) -> crate::DataResult<()> {
        if self.config.invalidation.broadcast.is_none() {
            return Ok(());
        }
        let link =
            Broadcaster::start(&self.config.invalidation, datasources, Arc::downgrade(self))
                .await?;
        let _ = self.broadcast.set(link);
        Ok(())
    }

    /// Stops cluster-wide invalidation (at shutdown).
    pub(crate) fn stop_broadcast(&self) {
        if let Some(link) = self.broadcast.get() {
            link.stop();
        }
    }

    /// With cluster-wide invalidation (`[cache.invalidation]`), whether this instance is
    /// listening to the others now (while it is not, the caches answer nothing); `None`
    /// without it.
    ///
    /// ```no_run
    /// # fn demo(ctx: &framework_data::prelude::ApplicationContext) {
    /// use framework_data::cache::CacheContextExt;
    /// if ctx.cache().invalidation_listening() == Some(false) {
    ///     eprintln!("cache invalidation is reconnecting; reads go to the database meanwhile");
    /// }
    /// # }
    /// ```
    pub fn invalidation_listening(&self) -> Option<bool> {
        self.broadcast.get().map(|l| l.is_up())
    }

    /// Whether the caches may answer: always, except with cluster-wide invalidation whose
    /// listening connection is down.
    pub(crate) fn answers(&self) -> bool {
        self.broadcast.get().is_none_or(|l| l.is_up())
    }

    fn announce(&self, event: Event) {
        if let Some(link) = self.broadcast.get() {
            link.announce(event);
        }
    }

    /// Another instance's write of entries (`ids`) or of a whole cache (`None`).
    pub(crate) fn apply_announced(
        &self,
        region: &str,
        value: &str,
        association: &str,
        datasource: usize,
        ids: Option<&[String]>,
    ) {
        let found = self
            .regions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(region)
            .cloned();
        if let Some(r) = found {
            r.apply(value, association, datasource, ids);
        }
    }

    /// Another instance's write of `table` (the query cache).
    pub(crate) fn apply_table(&self, datasource: usize, table: &str) {
        self.tables.apply_announced(datasource, table);
    }

    /// Empties region `name` here only (another instance emptied it).
    pub(crate) fn evict_region_here(&self, name: &str) {
        if let Some(r) = self
            .regions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            r.evict_all();
        }
    }

    /// Empties every cache and outdates every query result: what was announced while the
    /// listening connection was down is unknown.
    pub(crate) fn clear_for_broadcast(&self) {
        for r in self
            .regions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            r.evict_all();
        }
        self.tables.outdate_all();
    }

    /// The region `name`.
    pub fn region(&self, name: &str) -> Arc<Region> {
        if let Some(r) = self
            .regions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            return r.clone();
        }
        self.regions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name.to_owned())
            .or_insert_with(|| {
                Arc::new(Region::new(
                    name,
                    self.config.settings(name),
                    self.fill_hook.clone(),
                    self.broadcast.get().cloned(),
                ))
            })
            .clone()
    }

    /// The cache of `E` on `ds`, when `E` opts in and its region is enabled.
    pub fn entity_cache<E: Entity>(&self, ds: &DataSource) -> Option<Arc<EntityCache<E>>> {
        let region = E::metadata().cache_region?;
        self.region(region).entity_cache::<E>(ds.identity())
    }

    /// Removes one entity from the cache (with cluster-wide invalidation, in every instance).
    pub async fn evict<E: Entity>(&self, ds: &DataSource, id: &E::Id) {
        if let Some(c) = self.entity_cache::<E>(ds) {
            c.evict(id).await;
            if let Some(region) = E::metadata().cache_region {
                self.announce(Event::Evict(
                    broadcast::Address {
                        region: region.into(),
                        value: std::any::type_name::<E>(),
                        association: "",
                        datasource: ds.identity(),
                    },
                    vec![format!("{id:?}")],
                ));
            }
        }
    }

    /// Empties the region `name` (with cluster-wide invalidation, in every instance).
    pub fn evict_region(&self, name: &str) {
        self.evict_region_here(name);
        self.announce(Event::Region(name.to_owned()));
    }

    /// Empties every region (with cluster-wide invalidation, in every instance).
    pub fn clear(&self) {
        let names: Vec<String> = self
            .regions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect();
        for name in names {
            self.evict_region(&name);
        }
    }

    /// Runs `hook` after every miss's SELECT and before its put; `None` removes it. For tests
    /// that need a load to pause at exactly that point.
    #[doc(hidden)]
    pub fn set_fill_hook(&self, hook: Option<FillHook>) {
        *self.fill_hook.write().unwrap_or_else(|e| e.into_inner()) = hook;
    }

    /// Every region's numbers, by name.
    pub fn stats(&self) -> Vec<RegionSnapshot> {
        let mut all: Vec<RegionSnapshot> = self
            .regions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .map(|r| r.snapshot())
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }
}

impl MetricSource for CacheManager {
    fn collect(&self, out: &mut Vec<Metric>) {
        let stats = self.stats();
        let metric = |name, description, kind| Metric {
            name,
            description,
            unit: None,
            kind,
            samples: Vec::new(),
        };
        let mut gets = metric(
            "cache.gets",
            "Entity cache reads, by result",
            MetricKind::Counter,
        );
        let mut puts = metric(
            "cache.puts",
            "Rows put into the entity cache",
            MetricKind::Counter,
        );
        let mut evictions = metric(
            "cache.evictions",
            "Entries removed by capacity or expiry",
            MetricKind::Counter,
        );
        let mut size = metric("cache.size", "Entries in the region", MetricKind::Gauge);
        for r in stats {
            let n = |v: u64| MetricValue::Number(v as f64);
            let region = || vec![("cache", r.name.clone())];
            gets.samples.push(Sample {
                labels: vec![("cache", r.name.clone()), ("result", "hit".into())],
                value: n(r.hits),
            });
            gets.samples.push(Sample {
                labels: vec![("cache", r.name.clone()), ("result", "miss".into())],
                value: n(r.misses),
            });
            puts.samples.push(Sample {
                labels: region(),
                value: n(r.puts),
            });
            evictions.samples.push(Sample {
                labels: region(),
                value: n(r.evictions),
            });
            size.samples.push(Sample {
                labels: region(),
                value: n(r.size),
            });
        }
        out.extend([gets, puts, evictions, size]);
    }
}

/// `ctx.cache()`.
pub trait CacheContextExt {
    /// The context's cache manager (empty, with nothing cached, if caching is not configured).
    fn cache(&self) -> Arc<CacheManager>;
}

impl<M: Module> CacheContextExt for ApplicationContext<M> {
    fn cache(&self) -> Arc<CacheManager> {
        self.beans()
            .get::<CacheManager>()
            .unwrap_or_else(|| Arc::new(CacheManager::new(CacheConfig::default())))
    }
}
