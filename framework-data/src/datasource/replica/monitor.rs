//! The replica monitor: one task per DataSource with replicas that measures each replica's lag
//! every `check_interval` and marks it usable or not, so that routing never waits on a replica
//! that is down or behind. A statement that meets a dead replica marks it down at once; only
//! the monitor brings it back.

use std::sync::{Arc, Weak};
use std::time::Duration;

use super::{Replica, Replicas};

/// How long one measurement may take before the replica counts as unreachable.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Starts the monitor of `replicas`; it ends when they are dropped or the handle is aborted.
pub(super) fn spawn(replicas: &Arc<Replicas>) -> tokio::task::AbortHandle {
    let weak: Weak<Replicas> = Arc::downgrade(replicas);
    let interval = replicas.routing.check_interval.max(Duration::from_millis(10));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(interval).await;
            let Some(replicas) = weak.upgrade() else {
                return;
            };
            replicas.check().await;
        }
    })
    .abort_handle()
}

impl Replicas {
    /// Measures every replica once (concurrently) and updates what routing sees.
    pub(crate) async fn check(&self) {
        let bound = CHECK_TIMEOUT.min(self.acquire_timeout);
        futures_util::future::join_all(
            self.nodes
                .iter()
                .map(|node| self.check_one(node, bound)),
        )
        .await;
    }

    async fn check_one(&self, node: &Replica, bound: Duration) {
        let measured = tokio::time::timeout(bound, node.pool.replica_lag()).await;
        let lag = match measured {
            Ok(Ok(lag)) => lag,
            Ok(Err(e)) => {
                node.set_down(&self.datasource, &e.to_string());
                return;
            }
            Err(_) => {
                node.set_down(
                    &self.datasource,
                    &format!("no answer within {}", humantime::format_duration(bound)),
                );
                return;
            }
        };
        node.set_measured(&self.datasource, lag, self.routing.max_replica_lag);
    }
}
