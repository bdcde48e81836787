//! Health indicators: components (a DataSource, a broker) report UP or DOWN with details.

use std::sync::{Arc, RwLock};

use serde::Serialize;

use crate::context::BoxFuture;

/// UP or DOWN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Working.
    Up,
    /// Not working.
    Down,
}

/// One component's health.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Health {
    /// UP or DOWN.
    pub status: Status,
    /// What the component reports (never secrets).
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl Health {
    /// UP with `details`.
    pub fn up(details: serde_json::Map<String, serde_json::Value>) -> Self {
        Health {
            status: Status::Up,
            details,
        }
    }

    /// DOWN with `details`.
    pub fn down(details: serde_json::Map<String, serde_json::Value>) -> Self {
        Health {
            status: Status::Down,
            details,
        }
    }
}

/// A component whose health `/actuator/health` reports.
///
/// ```
/// use framework_core::context::BoxFuture;
/// use framework_core::management::{Health, HealthIndicator};
///
/// struct Broker;
/// impl HealthIndicator for Broker {
///     fn name(&self) -> String { "broker".into() }
///     fn check(&self) -> BoxFuture<'_, Health> {
///         Box::pin(async { Health::up(Default::default()) })
///     }
/// }
/// ```
pub trait HealthIndicator: Send + Sync {
    /// The component's name in the report (`db.default`).
    fn name(&self) -> String;
    /// Checks the component; should answer within a second or two.
    fn check(&self) -> BoxFuture<'_, Health>;
}

/// Every health indicator of a context: a bean; components register at start-up.
#[derive(Default)]
pub struct HealthIndicators {
    indicators: RwLock<Vec<Arc<dyn HealthIndicator>>>,
}

impl HealthIndicators {
    /// Adds one.
    pub fn register(&self, indicator: Arc<dyn HealthIndicator>) {
        self.indicators
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(indicator);
    }

    /// Checks every component (concurrently); the overall status is DOWN when any is.
    pub async fn check_all(&self) -> (Status, Vec<(String, Health)>) {
        let all: Vec<Arc<dyn HealthIndicator>> = self
            .indicators
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut tasks = Vec::with_capacity(all.len());
        for indicator in all {
            tasks.push(tokio::spawn(async move {
                (indicator.name(), indicator.check().await)
            }));
        }
        let mut out = Vec::with_capacity(tasks.len());
        for t in tasks {
            if let Ok(r) = t.await {
                out.push(r);
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        let status = if out.iter().any(|(_, h)| h.status == Status::Down) {
            Status::Down
        } else {
            Status::Up
        };
        (status, out)
    }
}
