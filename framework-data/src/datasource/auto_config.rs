//! Creates the DataSource beans at start-up.

use std::sync::Arc;

use framework_core::config::{Config, ConfigError};
use framework_core::context::{AutoConfiguration, BoxError, BoxFuture, Stage, StartContext};

use framework_core::management::{HealthIndicators, InfoContributors, MetricsRegistry};

use super::{
    DEFAULT_DATASOURCE, DataSource, DataSourceConfig, DataSourceHealth, DataSources,
    DataSourcesInfo, DataSourcesMetrics,
};

/// Reads `[datasource]` and `[datasources.NAME]`, opens one pool each, registers the
/// [`DataSources`] bean with its health, metrics and info, and closes the pools at shutdown.
/// Discovered automatically.
pub struct DataSourcesAutoConfiguration;

framework_core::register_auto_configuration!(DataSourcesAutoConfiguration);

impl AutoConfiguration for DataSourcesAutoConfiguration {
    fn name(&self) -> &'static str {
        "datasources"
    }

    fn stage(&self) -> Stage {
        Stage::DataSources
    }

    fn config_sections(&self) -> &'static [&'static str] {
        &["datasource", "datasources"]
    }

    fn configure<'a>(&'a self, ctx: &'a mut StartContext) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move {
            let configs = read_configs(ctx.config())?;
            let mut all = DataSources::default();
            // Listeners registered before start (the builder's `pool_listener`) see every
            // pool from its first connection.
            let listeners = ctx
                .beans()
                .get::<crate::driver::PoolListeners>()
                .map(|l| l.all())
                .unwrap_or_default();
            for (name, config) in &configs {
                match DataSource::connect_with_listeners(name, config, &listeners).await {
                    Ok(ds) => all.insert(ds),
                    Err(e) => {
                        all.close_all().await;
                        return Err(e.into());
                    }
                }
            }
            let beans = Arc::new(all);
            register_management(ctx, &beans);
            ctx.beans().insert(beans.clone());
            ctx.on_shutdown(
                "datasources",
                move || async move { beans.close_all().await },
            );
            Ok(())
        })
    }
}

/// Health indicators, metric sources and the info section of the DataSources.
fn register_management(ctx: &StartContext, all: &Arc<DataSources>) {
    let health = ctx.beans().get_or_insert_default::<HealthIndicators>();
    for ds in all.iter() {
        health.register(Arc::new(DataSourceHealth(ds.clone())));
    }
    let metrics = ctx.beans().get_or_insert_default::<MetricsRegistry>();
    metrics.register(Arc::new(DataSourcesMetrics(all.clone())));
    let info = ctx.beans().get_or_insert_default::<InfoContributors>();
    info.register(Arc::new(DataSourcesInfo(all.clone())));
}

/// The default DataSource first, then the named ones by name.
fn read_configs(
    config: &Config,
) -> Result<Vec<(String, DataSourceConfig)>, ConfigError> {
    let mut out = Vec::new();
    if let Some(default) = config.section::<DataSourceConfig>("datasource")? {
        validate(config, "datasource", &default)?;
        out.push((DEFAULT_DATASOURCE.to_owned(), default));
    }
    let named: std::collections::BTreeMap<String, DataSourceConfig> =
        config.section_or_default("datasources")?;
    for (name, ds) in named {
        let key = format!("datasources.{name}");
        if name == DEFAULT_DATASOURCE {
            return Err(ConfigError::InvalidValue {
                source_name: config.source_of(&key),
                key,
                problem: "`default` is the name of [datasource]; choose another name".to_owned(),
            });
        }
        validate(config, &key, &ds)?;
        out.push((name, ds));
    }
    Ok(out)
}

fn validate(config: &Config, prefix: &str, ds: &DataSourceConfig) -> Result<(), ConfigError> {
    let invalid = |field: &str, problem: &str| {
        let key = format!("{prefix}.{field}");
        ConfigError::InvalidValue {
            source_name: config.source_of(&key),
            key,
            problem: problem.to_owned(),
        }
    };
    if ds.url.trim().is_empty() {
        return Err(invalid("url", "must not be empty"));
    }
    if ds.pool.max_connections == 0 {
        return Err(invalid("pool.max_connections", "must be at least 1"));
    }
    if ds.pool.min_connections > ds.pool.max_connections {
        return Err(invalid(
            "pool.min_connections",
            "must not exceed pool.max_connections",
        ));
    }
    if ds.pool.acquire_timeout.is_zero() {
        return Err(invalid("pool.acquire_timeout", "must be greater than zero"));
    }
    Ok(())
}
