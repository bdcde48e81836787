//! `[cache.default]` and `[cache.regions.NAME]`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

/// Settings of a cache region; unset fields of a region take the `[cache.default]` ones.
///
/// ```toml
/// [cache.default]
/// ttl = "10m"
/// max_capacity = 10000
///
/// [cache.regions.accounts]
/// tti = "2m"
/// enabled = true
/// ```
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct RegionSettings {
    /// Entries expire this long after they were put.
    #[serde(with = "humantime_serde")]
    pub ttl: Option<Duration>,
    /// Entries expire when unread this long.
    #[serde(with = "humantime_serde")]
    pub tti: Option<Duration>,
    /// Most entries per entity type in the region.
    pub max_capacity: Option<u64>,
    /// `false` switches the region off (every read goes to the database).
    pub enabled: Option<bool>,
}

/// The `[cache]` section.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// Defaults of every region.
    pub default: RegionSettings,
    /// Per-region overrides.
    pub regions: BTreeMap<String, RegionSettings>,
    /// Cluster-wide invalidation (see [`InvalidationConfig`](super::InvalidationConfig)).
    pub invalidation: super::InvalidationConfig,
}

/// A region's effective settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffectiveSettings {
    /// Time to live.
    pub ttl: Option<Duration>,
    /// Time to idle.
    pub tti: Option<Duration>,
    /// Most entries per entity type.
    pub max_capacity: u64,
    /// Whether the region caches at all.
    pub enabled: bool,
}

/// Default capacity of a region, per entity type.
pub const DEFAULT_MAX_CAPACITY: u64 = 10_000;

impl CacheConfig {
    /// The settings of region `name`: its own, else the defaults, else the built-in ones (no
    /// expiry, 10,000 entries, enabled).
    pub fn settings(&self, name: &str) -> EffectiveSettings {
        let own = self.regions.get(name).cloned().unwrap_or_default();
        let d = &self.default;
        EffectiveSettings {
            ttl: own.ttl.or(d.ttl),
            tti: own.tti.or(d.tti),
            max_capacity: own
                .max_capacity
                .or(d.max_capacity)
                .unwrap_or(DEFAULT_MAX_CAPACITY),
            enabled: own.enabled.or(d.enabled).unwrap_or(true),
        }
    }
}
