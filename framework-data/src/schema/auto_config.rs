//! Runs schema validation at start-up, after migrations.

use framework_core::context::{AutoConfiguration, BoxError, BoxFuture, Stage, StartContext};

use super::{SchemaError, validate};
use crate::datasource::DataSources;
use crate::entity::entities_of;

/// For each DataSource with `validate_schema = true` (the default), checks its registered
/// entities and fails start-up with every mismatch. Discovered automatically.
pub struct SchemaValidationAutoConfiguration;

#[linkme::distributed_slice(framework_core::context::AUTO_CONFIGURATIONS)]
#[linkme(crate = framework_core::__private::linkme)]
static SCHEMA_VALIDATION: &'static dyn AutoConfiguration = &SchemaValidationAutoConfiguration;

impl AutoConfiguration for SchemaValidationAutoConfiguration {
    fn name(&self) -> &'static str {
        "schema-validation"
    }

    fn stage(&self) -> Stage {
        Stage::SchemaValidation
    }

    fn config_sections(&self) -> &'static [&'static str] {
        &[]
    }

    fn configure<'a>(&'a self, ctx: &'a mut StartContext) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move {
            let Some(all) = ctx.beans().get::<DataSources>() else {
                return Ok(());
            };
            let configs = crate::datasource::read_configs(ctx.config())?;
            for (name, config) in configs {
                if !config.validate_schema {
                    continue;
                }
                let ds = all.get(&name)?;
                let entities = entities_of(&name);
                if entities.is_empty() {
                    continue;
                }
                let mismatches = validate(&ds, &entities).await?;
                if !mismatches.is_empty() {
                    return Err(SchemaError {
                        datasource: name,
                        mismatches,
                    }
                    .into());
                }
                tracing::info!(datasource = %name, entities = entities.len(), "schema validated");
            }
            Ok(())
        })
    }
}
