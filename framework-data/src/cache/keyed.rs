//! The cache of one entity type (entity id -> entity) or of one to-many association (parent
//! id -> children) in a region, with the consistency protocol that keeps it from ever
//! answering with a value older than the last committed write:
//!
//! - A writer, before its statement, marks the id's stripe as being written (`pending`), bumps
//!   its generation and removes the entry; when its transaction ends (commit, rollback, or the
//!   transaction being dropped) it bumps the generation again and unmarks the stripe.
//! - A loader takes a ticket (the stripe's generation) before its SELECT and may put its row
//!   only if, at put time, no write is pending on the stripe and the generation is unchanged.
//!   The check and the put run inside moka's per-key compute, which also serializes them with a
//!   writer's removal.
//!
//! - A write whose ids are unknown (a derived delete, a modifying query, `delete_all`) bumps the
//!   region's epoch when it begins and when it ends, and holds every stripe meanwhile. Each
//!   entry carries the epoch its loader's ticket saw, and a hit counts only if that is still the
//!   current epoch: an entry put by a loader that read before such a write (even one that slipped
//!   in while the write was emptying the store) is never served after it.
//!
//! So no row read before a write commits can be put after it, and while a write is in flight
//! nobody refills its ids. Stripes (a fixed array indexed by the id's hash) keep the state
//! bounded; two ids sharing a stripe only cost an occasional skipped put.
//!
//! The store is moka's synchronous cache: nothing here waits on I/O, and a hit takes a fifth
//! fewer instructions than through its future cache (no shared housekeeping future per read).

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, PoisonError};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use moka::ops::compute::Op;
use moka::sync::Cache;

use super::EffectiveSettings;
use super::broadcast::{Address, Broadcaster, Event};
use super::stats::RegionStats;

const STRIPES: usize = 256;

/// What a cache is keyed by: an entity's id (its `Debug` text names it in the invalidation
/// messages other instances receive).
pub trait CacheKey: Clone + Eq + std::hash::Hash + std::fmt::Debug + Send + Sync + 'static {}
impl<T: Clone + Eq + std::hash::Hash + std::fmt::Debug + Send + Sync + 'static> CacheKey for T {}

/// What a cache holds: an entity, or an association's children.
pub trait CacheValue: Clone + Send + Sync + 'static {}
impl<T: Clone + Send + Sync + 'static> CacheValue for T {}

/// foldhash rather than SipHash: a hit hashes its id once, and SipHash was a tenth of a hit's
/// instructions. Seeded per process, so ids an attacker picks cannot be aimed at one bucket.
type Hasher = foldhash::quality::RandomState;

/// The entries of one entity type, or one association, in one region.
pub struct KeyedCache<K: CacheKey, V: CacheValue> {
    /// Each value with the epoch it was loaded under.
    cache: Cache<K, (V, u64), Hasher>,
    generations: [AtomicU64; STRIPES],
    pending: [AtomicU32; STRIPES],
    /// Writes whose ids are unknown (derived deletes, modifying queries) hold every stripe.
    pending_all: AtomicU32,
    epoch: AtomicU64,
    hasher: Hasher,
    pub(crate) stats: Arc<RegionStats>,
    fill_hook: Arc<std::sync::RwLock<Option<super::FillHook>>>,
    /// With cluster-wide invalidation: where this cache's writes are announced, and its keys by
    /// their `Debug` text (what a message names).
    peer: Option<Peer<K>>,
}

/// A cache's part in cluster-wide invalidation (see `broadcast`).
struct Peer<K> {
    link: Arc<Broadcaster>,
    address: Address,
    keys: Arc<Mutex<HashMap<String, K, Hasher>>>,
}

/// What a loader must show to put: the generation and epoch seen before its SELECT.
#[derive(Debug, Clone, Copy)]
pub struct Ticket {
    generation: u64,
    epoch: u64,
}

impl<K: CacheKey, V: CacheValue> KeyedCache<K, V> {
    pub(crate) fn new(
        settings: EffectiveSettings,
        stats: Arc<RegionStats>,
        fill_hook: Arc<std::sync::RwLock<Option<super::FillHook>>>,
        broadcast: Option<(Arc<Broadcaster>, Address)>,
    ) -> Self {
        let mut builder = Cache::builder().max_capacity(settings.max_capacity);
        if let Some(ttl) = settings.ttl {
            builder = builder.time_to_live(ttl);
        }
        if let Some(tti) = settings.tti {
            builder = builder.time_to_idle(tti);
        }
        let listener_stats = stats.clone();
        let peer = broadcast.map(|(link, address)| Peer {
            link,
            address,
            keys: Arc::new(Mutex::new(HashMap::default())),
        });
        let keys = peer.as_ref().map(|p| p.keys.clone());
        let cache = builder
            .eviction_listener(move |k: Arc<K>, _v, cause| {
                if cause.was_evicted() {
                    listener_stats.evicted();
                }
                if let Some(keys) = &keys
                    && cause != moka::notification::RemovalCause::Replaced
                {
                    keys.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .remove(&format!("{k:?}"));
                }
            })
            .build_with_hasher(Hasher::default());
        KeyedCache {
            cache,
            generations: [const { AtomicU64::new(0) }; STRIPES],
            pending: [const { AtomicU32::new(0) }; STRIPES],
            pending_all: AtomicU32::new(0),
            epoch: AtomicU64::new(0),
            hasher: Default::default(),
            stats,
            fill_hook,
            peer,
        }
    }

    fn stripe(&self, id: &K) -> usize {
        (self.hasher.hash_one(id) as usize) % STRIPES
    }

    /// The cached entity, counting a hit or a miss. An entry loaded before the last whole-type
    /// write is a miss.
    pub async fn get(&self, id: &K) -> Option<V> {
        // Without the invalidation link, another instance's write could go unnoticed.
        if let Some(peer) = &self.peer
            && !peer.link.is_up()
        {
            self.stats.miss();
            return None;
        }
        match self.cache.get(id) {
            Some((entity, epoch)) if epoch == self.epoch.load(Ordering::Acquire) => {
                self.stats.hit();
                Some(entity)
            }
            _ => {
                self.stats.miss();
                None
            }
        }
    }

    /// Taken before loading `id` from the database.
    pub fn ticket(&self, id: &K) -> Ticket {
        Ticket {
            generation: self.generations[self.stripe(id)].load(Ordering::Acquire),
            epoch: self.epoch.load(Ordering::Acquire),
        }
    }

    /// Puts a loaded row, unless a write began or committed since the ticket was taken.
    pub async fn put(&self, id: K, entity: V, ticket: Ticket) -> bool {
        let hook = self
            .fill_hook
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(hook) = hook {
            hook().await;
        }
        let s = self.stripe(&id);
        let fresh = || {
            self.pending[s].load(Ordering::Acquire) == 0
                && self.pending_all.load(Ordering::Acquire) == 0
                && self.generations[s].load(Ordering::Acquire) == ticket.generation
                && self.epoch.load(Ordering::Acquire) == ticket.epoch
        };
        if !fresh() {
            return false;
        }
        let result = self.cache.entry(id).and_compute_with(|_| {
            if fresh() {
                Op::Put((entity, ticket.epoch))
            } else {
                Op::Nop
            }
        });
        let put = match result {
            moka::ops::compute::CompResult::Inserted(entry)
            | moka::ops::compute::CompResult::ReplacedWith(entry) => {
                if let Some(peer) = &self.peer {
                    let key = entry.key().clone();
                    peer.keys
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(format!("{key:?}"), key);
                }
                true
            }
            _ => false,
        };
        if put {
            self.stats.put();
        }
        put
    }

    fn remove(&self, id: &K) {
        let s = self.stripe(id);
        let _ = self.cache.entry(id.clone()).and_compute_with(|_| {
            // Inside the key's compute: a loader's check-and-put cannot interleave.
            self.generations[s].fetch_add(1, Ordering::AcqRel);
            Op::<(V, u64)>::Remove
        });
    }

    /// Starts a write of `ids`: no refill of their stripes until the guard drops.
    pub async fn begin_write(self: &Arc<Self>, ids: Vec<K>) -> WriteGuard<K, V> {
        let stripes: Vec<usize> = ids.iter().map(|id| self.stripe(id)).collect();
        for s in &stripes {
            self.pending[*s].fetch_add(1, Ordering::AcqRel);
        }
        for id in &ids {
            self.remove(id);
        }
        let announced = self
            .peer
            .as_ref()
            .map(|_| ids.iter().map(|id| format!("{id:?}")).collect());
        WriteGuard {
            cache: self.clone(),
            stripes: Some(stripes),
            announced,
        }
    }

    /// Starts a write whose ids are unknown: no refill at all until the guard drops, and every
    /// entry of an older epoch is dead (emptying the store only frees the memory).
    pub fn begin_write_all(self: &Arc<Self>) -> WriteGuard<K, V> {
        self.pending_all.fetch_add(1, Ordering::AcqRel);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.cache.invalidate_all();
        WriteGuard {
            cache: self.clone(),
            stripes: None,
            announced: None,
        }
    }

    /// Removes `id`.
    pub async fn evict(&self, id: &K) {
        self.remove(id);
    }

    /// Removes everything.
    pub fn evict_all(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.cache.invalidate_all();
        if let Some(peer) = &self.peer {
            peer.keys
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clear();
        }
    }

    /// Another instance committed a write of the entries its message names (by `Debug` text):
    /// they are removed, and no load that began before now may put (every stripe's generation
    /// moves, since a key not cached here has no known stripe).
    pub(crate) fn evict_announced(&self, ids: &[String]) {
        for generation in &self.generations {
            generation.fetch_add(1, Ordering::AcqRel);
        }
        let Some(peer) = &self.peer else {
            return;
        };
        let found: Vec<K> = {
            let keys = peer.keys.lock().unwrap_or_else(PoisonError::into_inner);
            ids.iter().filter_map(|id| keys.get(id).cloned()).collect()
        };
        for id in &found {
            self.remove(id);
        }
    }

    /// Entries now (approximate, as moka counts them).
    pub fn entry_count(&self) -> u64 {
        self.cache.entry_count()
    }
}

/// Ends a write when dropped: after the statement (auto-commit) or with its transaction
/// (committed, rolled back, or dropped unfinished).
pub struct WriteGuard<K: CacheKey, V: CacheValue> {
    cache: Arc<KeyedCache<K, V>>,
    stripes: Option<Vec<usize>>,
    /// The written ids' `Debug` texts, announced to other instances when the write ends.
    announced: Option<Vec<String>>,
}

impl<K: CacheKey, V: CacheValue> Drop for WriteGuard<K, V> {
    fn drop(&mut self) {
        let c = &self.cache;
        match &self.stripes {
            Some(stripes) => {
                for s in stripes {
                    // A loader that read before the commit holds an older ticket: its put fails.
                    c.generations[*s].fetch_add(1, Ordering::AcqRel);
                    c.pending[*s].fetch_sub(1, Ordering::AcqRel);
                }
            }
            None => {
                c.epoch.fetch_add(1, Ordering::AcqRel);
                c.pending_all.fetch_sub(1, Ordering::AcqRel);
                c.cache.invalidate_all();
            }
        }
        // After the commit (or rollback: an extra eviction elsewhere costs only a reload).
        if let Some(peer) = &c.peer {
            match self.announced.take() {
                Some(ids) => peer.link.announce(Event::Evict(peer.address.clone(), ids)),
                None => peer.link.announce(Event::EvictAll(peer.address.clone())),
            }
        }
    }
}

impl<K: CacheKey, V: CacheValue> crate::tx::TransactionSynchronization for WriteGuard<K, V> {}
