//! Contributions to `/actuator/info`.

use std::sync::{Arc, RwLock};

/// Adds a section to `/actuator/info` (the DataSources, the build).
pub trait InfoContributor: Send + Sync {
    /// The section's key.
    fn key(&self) -> &'static str;
    /// Its content (never secrets).
    fn info(&self) -> serde_json::Value;
}

/// Every info contributor of a context: a bean.
#[derive(Default)]
pub struct InfoContributors {
    contributors: RwLock<Vec<Arc<dyn InfoContributor>>>,
}

impl InfoContributors {
    /// Adds one.
    pub fn register(&self, c: Arc<dyn InfoContributor>) {
        self.contributors
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(c);
    }

    /// Every section.
    pub fn collect(&self) -> serde_json::Map<String, serde_json::Value> {
        self.contributors
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|c| (c.key().to_owned(), c.info()))
            .collect()
    }
}
