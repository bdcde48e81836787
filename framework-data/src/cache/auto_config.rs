//! Builds the cache manager at start-up and attaches it to every DataSource.

use std::sync::Arc;

use framework_core::context::{AutoConfiguration, BoxError, BoxFuture, Stage, StartContext};
use framework_core::management::MetricsRegistry;

use super::{CacheConfig, CacheManager};
use crate::datasource::DataSources;

/// Reads `[cache]`, registers the [`CacheManager`] bean and its metrics, and lets every
/// DataSource's repositories use it. Discovered automatically.
pub struct CacheAutoConfiguration;

framework_core::register_auto_configuration!(CacheAutoConfiguration);

impl AutoConfiguration for CacheAutoConfiguration {
    fn name(&self) -> &'static str {
        "caches"
    }

    fn stage(&self) -> Stage {
        Stage::Caches
    }

    fn config_sections(&self) -> &'static [&'static str] {
        &["cache"]
    }

    fn configure<'a>(&'a self, ctx: &'a mut StartContext) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move {
            let config: CacheConfig = ctx.config().section_or_default("cache")?;
            let manager = Arc::new(CacheManager::new(config));
            if let Some(all) = ctx.beans().get::<DataSources>() {
                manager.start_broadcast(&all).await?;
                for ds in all.iter() {
                    ds.attach_cache(manager.clone());
                }
            }
            let stopping = manager.clone();
            ctx.on_shutdown("cache invalidation", move || async move {
                stopping.stop_broadcast();
            });
            ctx.beans()
                .get_or_insert_default::<MetricsRegistry>()
                .register(manager.clone());
            ctx.beans().insert(manager);
            Ok(())
        })
    }
}
