//! Applies pending migrations at start-up where `migrate = true`, then the active profiles'
//! seeds where `seed = true`.

use framework_core::context::{AutoConfiguration, BoxError, BoxFuture, Stage, StartContext};

use super::{Migrator, Seeder};
use crate::datasource::DataSources;

/// For each DataSource with `migrate = true`, applies its pending migrations before schema
/// validation, and with `seed = true` runs the seeds of the active profiles not run before; a
/// failure stops start-up. Discovered automatically.
pub struct MigrationsAutoConfiguration;

framework_core::register_auto_configuration!(MigrationsAutoConfiguration);

impl AutoConfiguration for MigrationsAutoConfiguration {
    fn name(&self) -> &'static str {
        "migrations"
    }

    fn stage(&self) -> Stage {
        Stage::Migrations
    }

    fn config_sections(&self) -> &'static [&'static str] {
        &[]
    }

    fn configure<'a>(&'a self, ctx: &'a mut StartContext) -> BoxFuture<'a, Result<(), BoxError>> {
        Box::pin(async move {
            let Some(all) = ctx.beans().get::<DataSources>() else {
                return Ok(());
            };
            for ds in all.iter() {
                let name = ds.name().to_owned();
                if ds.config().migrate {
                    let migrator =
                        Migrator::load(ds.clone(), &ds.config().migrations, ctx.config().dir())?;
                    let report = migrator.migrate().await?;
                    tracing::info!(datasource = %name, applied = report.applied.len(), "migrations up to date");
                }
                if ds.config().seed {
                    let seeder = Seeder::load(
                        ds.clone(),
                        &ds.config().seeds,
                        ctx.config().dir(),
                        ctx.config().profiles(),
                    )?;
                    let ran = seeder.seed().await?;
                    tracing::info!(datasource = %name, seeded = ran.len(), "seeds up to date");
                }
            }
            Ok(())
        })
    }
}
