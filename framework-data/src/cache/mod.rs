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
        }
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
                ))
            })
            .clone()
    }

    /// The cache of `E` on `ds`, when `E` opts in and its region is enabled.
    pub fn entity_cache<E: Entity>(&self, ds: &DataSource) -> Option<Arc<EntityCache<E>>> {
        let region = E::metadata().cache_region?;
        self.region(region).entity_cache::<E>(ds.identity())
    }

    /// Removes one entity from the cache (of every DataSource).
    pub async fn evict<E: Entity>(&self, ds: &DataSource, id: &E::Id) {
        if let Some(c) = self.entity_cache::<E>(ds) {
            c.evict(id).await;
        }
    }

    /// Empties the region `name`.
    pub fn evict_region(&self, name: &str) {
        if let Some(r) = self
            .regions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            r.evict_all();
        }
    }

    /// Empties every region.
    pub fn clear(&self) {
        for r in self
            .regions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            r.evict_all();
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
