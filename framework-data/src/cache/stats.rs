//! A region's counters: kept as atomics for the actuator's snapshot and mirrored in the
//! `metrics` facade.

use std::sync::atomic::{AtomicU64, Ordering};

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
    pub(crate) fn new(region: &str) -> Self {
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

    /// The counters now, with what only the region knows.
    pub(crate) fn snapshot(&self, name: String, size: u64, enabled: bool) -> RegionSnapshot {
        RegionSnapshot {
            name,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            puts: self.puts.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
            size,
            enabled,
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
