//! A named cache region: its settings, its counters and the caches of the entity types in it.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use super::EffectiveSettings;
use super::entity_cache::EntityCache;
use crate::entity::Entity;

/// Hit, miss, put and eviction counters of a region.
#[derive(Debug)]
pub struct RegionStats {
    hits: AtomicU64,
    misses: AtomicU64,
    puts: AtomicU64,
    evictions: AtomicU64,
    facade: FacadeCounters,
}

/// The same counters in the `metrics` facade, registered once: a hit then costs two atomic
/// increments instead of building a labelled key (an application recorder must be installed
/// before the context starts to receive them, as for the DataSource metrics).
#[derive(Debug)]
struct FacadeCounters {
    hits: metrics::Counter,
    misses: metrics::Counter,
    puts: metrics::Counter,
    evictions: metrics::Counter,
}

impl RegionStats {
    fn new(region: &str) -> Self {
        let region = region.to_owned();
        RegionStats {
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            puts: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
            facade: FacadeCounters {
                hits: metrics::counter!("cache.gets", "cache" => region.clone(), "result" => "hit"),
                misses: metrics::counter!("cache.gets", "cache" => region.clone(), "result" => "miss"),
                puts: metrics::counter!("cache.puts", "cache" => region.clone()),
                evictions: metrics::counter!("cache.evictions", "cache" => region),
            },
        }
    }

    pub(crate) fn hit(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
        self.facade.hits.increment(1);
    }

    pub(crate) fn miss(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
        self.facade.misses.increment(1);
    }

    pub(crate) fn put(&self) {
        self.puts.fetch_add(1, Ordering::Relaxed);
        self.facade.puts.increment(1);
    }

    pub(crate) fn evicted(&self) {
        self.evictions.fetch_add(1, Ordering::Relaxed);
        self.facade.evictions.increment(1);
    }
}

/// A region's numbers at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegionSnapshot {
    /// The region.
    pub name: String,
    /// Reads answered from the cache.
    pub hits: u64,
    /// Reads that went to the database.
    pub misses: u64,
    /// Rows put.
    pub puts: u64,
    /// Entries removed by capacity or expiry.
    pub evictions: u64,
    /// Entries now.
    pub size: u64,
    /// Whether the region caches.
    pub enabled: bool,
}

/// Type-erased access to an entity cache, for region-wide operations.
trait AnyEntityCache: Send + Sync {
    fn evict_all(&self);
    fn entry_count(&self) -> u64;
    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

impl<E: Entity> AnyEntityCache for EntityCache<E> {
    fn evict_all(&self) {
        EntityCache::evict_all(self);
    }
    fn entry_count(&self) -> u64 {
        EntityCache::entry_count(self)
    }
    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// One region.
pub struct Region {
    fill_hook: Arc<RwLock<Option<super::FillHook>>>,
    name: String,
    settings: EffectiveSettings,
    stats: Arc<RegionStats>,
    caches: RwLock<HashMap<(TypeId, usize), Arc<dyn AnyEntityCache>>>,
}

impl Region {
    pub(crate) fn new(
        name: &str,
        settings: EffectiveSettings,
        fill_hook: Arc<RwLock<Option<super::FillHook>>>,
    ) -> Self {
        Region {
            fill_hook,
            name: name.to_owned(),
            settings,
            stats: Arc::new(RegionStats::new(name)),
            caches: RwLock::new(HashMap::new()),
        }
    }

    /// The region's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its settings.
    pub fn settings(&self) -> EffectiveSettings {
        self.settings
    }

    /// The cache of `E` on the DataSource `datasource` (by identity), created on first use.
    pub(crate) fn entity_cache<E: Entity>(&self, datasource: usize) -> Option<Arc<EntityCache<E>>> {
        if !self.settings.enabled {
            return None;
        }
        let key = (TypeId::of::<E>(), datasource);
        let existing = self
            .caches
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned();
        let any = match existing {
            Some(c) => c,
            None => self
                .caches
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .entry(key)
                .or_insert_with(|| {
                    Arc::new(EntityCache::<E>::new(
                        self.settings,
                        self.stats.clone(),
                        self.fill_hook.clone(),
                    ))
                })
                .clone(),
        };
        any.as_any().downcast::<EntityCache<E>>().ok()
    }

    /// Removes every entry of every entity type.
    pub fn evict_all(&self) {
        for c in self
            .caches
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            c.evict_all();
        }
    }

    /// The counters and size now.
    pub fn snapshot(&self) -> RegionSnapshot {
        let size = self
            .caches
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .map(|c| c.entry_count())
            .sum();
        RegionSnapshot {
            name: self.name.clone(),
            hits: self.stats.hits.load(Ordering::Relaxed),
            misses: self.stats.misses.load(Ordering::Relaxed),
            puts: self.stats.puts.load(Ordering::Relaxed),
            evictions: self.stats.evictions.load(Ordering::Relaxed),
            size,
            enabled: self.settings.enabled,
        }
    }
}
