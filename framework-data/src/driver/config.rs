//! How a driver's pool is sized and timed: the `[datasource.pool]` settings.

use std::time::Duration;

use serde::Deserialize;

/// Pool settings. Durations are human-readable strings (`"5s"`, `"10m"`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct PoolConfig {
    /// Most connections open at once. Default 10.
    pub max_connections: u32,
    /// Connections kept open even when idle. Default 0.
    pub min_connections: u32,
    /// How long a caller waits for a connection before `DataError::PoolTimeout`; also bounds
    /// the first connection at start-up. Default 30s.
    #[serde(with = "humantime_serde")]
    pub acquire_timeout: Duration,
    /// Idle connections above `min_connections` are closed after this long. Default 10m.
    #[serde(with = "humantime_serde")]
    pub idle_timeout: Option<Duration>,
    /// Connections are retired after this long. Default 30m.
    #[serde(with = "humantime_serde")]
    pub max_lifetime: Option<Duration>,
    /// A connection idle longer than this is pinged before it is handed out; a dead one is
    /// discarded and another taken. Connections used more recently are trusted, which saves a
    /// round trip per checkout (HikariCP's rule). Default 500ms.
    #[serde(with = "humantime_serde")]
    pub validation_window: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            max_connections: 10,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(30),
            idle_timeout: Some(Duration::from_secs(600)),
            max_lifetime: Some(Duration::from_secs(1800)),
            validation_window: Duration::from_millis(500),
        }
    }
}
