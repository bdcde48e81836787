//! The `[datasource.routing]` section: which reads a DataSource with replicas sends to them.

use std::time::Duration;

use serde::Deserialize;

/// Where a DataSource with `replicas` sends its reads. Writes and read-write transactions
/// always go to the primary.
///
/// ```toml
/// [datasource]
/// url = "postgres://app@primary/app"
/// replicas = ["postgres://app@replica1/app", "postgres://app@replica2/app"]
/// [datasource.routing]
/// read_only_transactions = "replica"     # #[transactional(read_only = true)] -> a replica
/// reads_outside_transactions = "replica" # a SELECT outside any transaction -> a replica
/// read_your_writes = "2s"                # after a task committed a write, it reads the primary
/// max_replica_lag = "1s"                 # replicas measured every check_interval
/// fallback = "primary"                   # or "fail" when no replica is usable
/// ```
///
/// ```
/// use framework_data::datasource::{Destination, Fallback, RoutingConfig};
/// let r = RoutingConfig::default();
/// assert_eq!(r.read_only_transactions, Destination::Replica);
/// assert_eq!(r.fallback, Fallback::Primary);
/// assert_eq!(r.read_your_writes, std::time::Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct RoutingConfig {
    /// Where read-only transactions run. Default `"replica"`.
    pub read_only_transactions: Destination,
    /// Where a `SELECT` sent outside any transaction goes (repository reads, derived queries,
    /// specifications, pages). Default `"replica"`.
    pub reads_outside_transactions: Destination,
    /// After a task (a request: one tokio task; outside a task, the thread) committed a write
    /// on the primary, its reads stay on the primary for this long, so it sees what it wrote.
    /// `"0s"` turns it off. Default `"2s"`.
    #[serde(with = "humantime_serde")]
    pub read_your_writes: Duration,
    /// Replicas further behind than this are skipped until they catch up. Unset (the default):
    /// no limit, only unreachable replicas are skipped.
    #[serde(with = "humantime_serde")]
    pub max_replica_lag: Option<Duration>,
    /// How often each replica's lag and reachability are measured. Default `"1s"`.
    #[serde(with = "humantime_serde")]
    pub check_interval: Duration,
    /// What a read bound for a replica does when none is usable. Default `"primary"`.
    pub fallback: Fallback,
}

impl Default for RoutingConfig {
    fn default() -> Self {
        RoutingConfig {
            read_only_transactions: Destination::Replica,
            reads_outside_transactions: Destination::Replica,
            read_your_writes: Duration::from_secs(2),
            max_replica_lag: None,
            check_interval: Duration::from_secs(1),
            fallback: Fallback::Primary,
        }
    }
}

/// Which server a kind of read goes to.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    /// The primary, as writes do.
    Primary,
    /// A usable replica, chosen in turn.
    Replica,
}

/// What a read bound for a replica does when no replica is usable (all unreachable or lagging).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// Read the primary.
    Primary,
    /// Fail with [`DataError::NoReplica`](crate::DataError::NoReplica).
    Fail,
}
