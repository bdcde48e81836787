//! A named cache region: its settings, its counters and the caches of the entity types in it.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::EffectiveSettings;
use super::stats::{RegionSnapshot, RegionStats};
use super::keyed::{CacheKey, CacheValue, KeyedCache};
use super::EntityCache;
use crate::entity::Entity;

/// Type-erased access to a cache, for region-wide operations.
trait AnyCache: Send + Sync {
    fn evict_all(&self);
    fn entry_count(&self) -> u64;
    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

impl<K: CacheKey, V: CacheValue> AnyCache for KeyedCache<K, V> {
    fn evict_all(&self) {
        KeyedCache::evict_all(self);
    }
    fn entry_count(&self) -> u64 {
        KeyedCache::entry_count(self)
    }
    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// Which cache of a region: its value type, its association's name ("" for an entity's) and
/// its DataSource's identity.
type CacheId = (TypeId, &'static str, usize);

/// One region.
pub struct Region {
    fill_hook: Arc<RwLock<Option<super::FillHook>>>,
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
                    Arc::new(KeyedCache::<K, V>::new(
                        self.settings,
                        self.stats.clone(),
                        self.fill_hook.clone(),
                    ))
                })
                .clone(),
        };
        any.as_any().downcast::<KeyedCache<K, V>>().ok()
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
