//! A DataSource's health (a validation query with a short timeout) and its `/actuator/info`
//! section.

use std::sync::Arc;
use std::time::Duration;

use framework_core::context::BoxFuture;
use framework_core::management::{Health, HealthIndicator, InfoContributor};
use serde_json::json;

use super::{DataSource, DataSources};

/// How long the validation query may take before the DataSource counts as DOWN.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// `db.{name}`: UP when `SELECT 1` answers within two seconds on the primary; each replica's
/// state (usable, lag) is in the details.
pub struct DataSourceHealth(pub DataSource);

impl HealthIndicator for DataSourceHealth {
    fn name(&self) -> String {
        format!("db.{}", self.0.name())
    }

    fn check(&self) -> BoxFuture<'_, Health> {
        Box::pin(async move {
            let mut details = serde_json::Map::new();
            details.insert("database".into(), json!(self.0.dialect().product_name()));
            // Replicas do not make the DataSource DOWN: their reads go elsewhere meanwhile.
            let replicas: Vec<_> = self
                .0
                .replica_states()
                .into_iter()
                .map(|(url, usable, lag)| {
                    json!({
                        "url": url,
                        "usable": usable,
                        "lag_ms": lag.map(|l| l.as_secs_f64() * 1000.0),
                    })
                })
                .collect();
            if !replicas.is_empty() {
                details.insert("replicas".into(), json!(replicas));
            }
            match tokio::time::timeout(HEALTH_TIMEOUT, self.0.ping()).await {
                Ok(Ok(took)) => {
                    details.insert(
                        "validation_query_ms".into(),
                        json!(took.as_secs_f64() * 1000.0),
                    );
                    Health::up(details)
                }
                Ok(Err(e)) => {
                    let reason = match &e {
                        crate::DataError::PoolTimeout { .. } => "pool exhausted",
                        e if e.category() == crate::ErrorCategory::Unavailable => "unreachable",
                        _ => "error",
                    };
                    details.insert("reason".into(), json!(reason));
                    details.insert("error".into(), json!(e.to_string()));
                    Health::down(details)
                }
                Err(_) => {
                    // Every connection busy: the database may be fine, the pool is not.
                    let status = self.0.status();
                    let reason = if status.in_use >= status.max {
                        "pool exhausted"
                    } else {
                        "no answer"
                    };
                    details.insert("reason".into(), json!(reason));
                    details.insert(
                        "error".into(),
                        json!(format!("no answer within {HEALTH_TIMEOUT:?}")),
                    );
                    Health::down(details)
                }
            }
        })
    }
}

/// The `datasources` section of `/actuator/info`: names, masked URLs, drivers, pool sizes.
pub struct DataSourcesInfo(pub Arc<DataSources>);

impl InfoContributor for DataSourcesInfo {
    fn key(&self) -> &'static str {
        "datasources"
    }

    fn info(&self) -> serde_json::Value {
        json!(
            self.0
                .iter()
                .map(|ds| json!({
                    "name": ds.name(),
                    "url": ds.url(),
                    "database": ds.dialect().product_name(),
                    "driver": ds.dialect().starter(),
                    "max_connections": ds.pool_config().max_connections,
                    "replicas": ds.replica_states().into_iter().map(|(url, _, _)| url).collect::<Vec<_>>(),
                }))
                .collect::<Vec<_>>()
        )
    }
}
