//! Runs schema validation at start-up, after migrations.

use framework_core::context::{AutoConfiguration, BoxError, BoxFuture, Stage, StartContext};

use super::{SchemaError, validate};
use crate::datasource::DataSources;
use crate::entity::entities_of;

/// For each DataSource with `validate_schema = true` (the default), checks its registered
/// entities and fails start-up with every mismatch. Discovered automatically.
pub struct SchemaValidationAutoConfiguration;

framework_core::register_auto_configuration!(SchemaValidationAutoConfiguration);

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
            for ds in all.iter().filter(|ds| ds.config().validate_schema) {
                let name = ds.name().to_owned();
                let entities = entities_of(&name);
                if entities.is_empty() {
                    continue;
                }
                let mismatches = validate(ds, &entities).await?;
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
