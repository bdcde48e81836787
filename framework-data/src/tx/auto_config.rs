//! Creates the TransactionManagers at start-up, one per DataSource.

use std::sync::Arc;

use framework_core::context::{AutoConfiguration, BoxError, BoxFuture, Stage, StartContext};
use framework_core::management::MetricsRegistry;

use super::{TransactionManagers, TransactionMetrics};
use crate::datasource::DataSources;

/// `[transaction]`: settings of every TransactionManager.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
struct TransactionConfig {
    /// Joining a transaction with another isolation level or read-only flag is an error.
    validate_existing: bool,
}

/// Registers a [`TransactionManagers`] bean (one TransactionManager per DataSource, with the
/// `[transaction]` settings) and its metrics, and makes it findable by `#[transactional]`
/// until shutdown. Discovered automatically; runs after the DataSources.
pub struct TransactionManagersAutoConfiguration;

framework_core::register_auto_configuration!(TransactionManagersAutoConfiguration);

impl AutoConfiguration for TransactionManagersAutoConfiguration {
    fn name(&self) -> &'static str {
        "transactions"
    }

    fn stage(&self) -> Stage {
        Stage::Transactions
    }

    fn config_sections(&self) -> &'static [&'static str] {
        &["transaction"]
    }

    fn configure<'a>(&'a self, ctx: &'a mut StartContext) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move {
            let config: TransactionConfig = ctx.config().section_or_default("transaction")?;
            let Some(all) = ctx.beans().get::<DataSources>() else {
                return Ok(());
            };
            let managers = Arc::new(TransactionManagers::new(&all, config.validate_existing));
            super::register(&managers);
            ctx.beans()
                .get_or_insert_default::<MetricsRegistry>()
                .register(Arc::new(TransactionMetrics(managers.clone())));
            ctx.beans().insert(managers.clone());
            ctx.on_shutdown("transactions", move || async move {
                super::deregister(&managers);
            });
            Ok(())
        })
    }
}
