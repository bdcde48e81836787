//! A named cache region: its settings, its counters and the caches of the entity types in it.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::EffectiveSettings;
use super::broadcast::{Address, Broadcaster};
use super::stats::{RegionSnapshot, RegionStats};
use super::keyed::{CacheKey, CacheValue, KeyedCache};
use super::EntityCache;
use crate::entity::Entity;

/// Type-erased access to a cache, for region-wide operations.
trait AnyCache: Send + Sync {
    fn evict_all(&self);
    fn evict_announced(&self, ids: &[String]);
    fn value_type(&self) -> &'static str;
    fn entry_count(&self) -> u64;
    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

impl<K: CacheKey, V: CacheValue> AnyCache for KeyedCache<K, V> {
    fn evict_all(&self) {
        KeyedCache::evict_all(self);
    }
    fn evict_announced(&self, ids: &[String]) {
        KeyedCache::evict_announced(self, ids);
    }
    fn value_type(&self) -> &'static str {
        std::any::type_name::<V>()
    }
    fn entry_count(&self) -> u64 {
        KeyedCache::entry_count(self)
    }
    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// The name of the query cache's cache in a region.
pub(crate) const QUERY_CACHE: &str = "__query";

/// Which cache of a region: its value type, its association's name ("" for an entity's) and
/// its DataSource's identity.
type CacheId = (TypeId, &'static str, usize);

/// One region.
pub struct Region {
    fill_hook: Arc<RwLock<Option<super::FillHook>>>,
    broadcast: Option<Arc<Broadcaster>>,
    name: String,
    settings: EffectiveSettings,
    stats: Arc<RegionStats>,
    /// By (value type, association name or "" for an entity, DataSource identity).
    caches: RwLock<HashMap<CacheId, Arc<dyn AnyCache>>>,
}

impl Region {
    pub(crate) fn new(
        name: &str,
        settings: EffectiveSettings,
        fill_hook: Arc<RwLock<Option<super::FillHook>>>,
        broadcast: Option<Arc<Broadcaster>>,
    ) -> Self {
        Region {
            fill_hook,
            broadcast,
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
        self.cache::<E::Id, E>("", datasource)
    }

    /// The cache of values `V` by `K` named `name` (an association's, or "" for an entity's)
    /// on the DataSource `datasource`, created on first use.
    pub(crate) fn cache<K: CacheKey, V: CacheValue>(
        &self,
        name: &'static str,
        datasource: usize,
    ) -> Option<Arc<KeyedCache<K, V>>> {
        if !self.settings.enabled {
            return None;
        }
        let key = (TypeId::of::<V>(), name, datasource);
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
                    // The query cache's keys are this process's statements: other instances
                    // hear of its tables instead.
                    let peer = self.broadcast.clone().filter(|_| name != QUERY_CACHE).map(|link| {
                        let address = Address {
                            region: self.name.as_str().into(),
                            value: std::any::type_name::<V>(),
                            association: name,
                            datasource,
                        };
                        (link, address)
                    });
                    Arc::new(KeyedCache::<K, V>::new(
                        self.settings,
                        self.stats.clone(),
                        self.fill_hook.clone(),
                        peer,
                    ))
                })
                .clone(),
        };
        any.as_any().downcast::<KeyedCache<K, V>>().ok()
    }

    /// Applies another instance's announcement to the cache it names by value type,
    /// association and DataSource (`ids`: those entries; `None`: all of them).
    pub(crate) fn apply(
        &self,
        value: &str,
        association: &str,
        datasource: usize,
        ids: Option<&[String]>,
    ) {
        let caches = self.caches.read().unwrap_or_else(|e| e.into_inner());
        for ((_, own_association, own_datasource), cache) in caches.iter() {
            if *own_association == association
                && *own_datasource == datasource
                && cache.value_type() == value
            {
                match ids {
                    Some(ids) => cache.evict_announced(ids),
                    None => cache.evict_all(),
                }
            }
        }
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
        self.stats
            .snapshot(self.name.clone(), size, self.settings.enabled)
    }
}
