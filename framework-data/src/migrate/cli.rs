//! The operator commands `migrate`, `info` and `validate`, for an application to expose as
//! subcommands (the sample app does: `sample-app migrate`).
//!
//! ```no_run
//! use framework_core::ApplicationContext;
//! # async fn main_() -> std::process::ExitCode {
//! let args: Vec<String> = std::env::args().skip(1).collect();
//! let builder = ApplicationContext::builder().config_dir("config");
//! match framework_data::migrate::cli::run(builder, &args).await {
//!     Ok(report) => { println!("{report}"); std::process::ExitCode::SUCCESS }
//!     Err(e) => { eprintln!("error: {e}"); std::process::ExitCode::FAILURE }
//! }
//! # }
//! ```
//!
//! Only the DataSources start (no migrations or validation at start-up, no module), so the
//! commands work on a database the application itself would refuse.

use framework_core::context::BoxError;
use framework_core::{ApplicationContextBuilder, Beans};
use shaku::{HasComponent, Module};

use super::{MigrationError, Migrator};
use crate::context::DataContextExt;
use crate::datasource::DataSourcesAutoConfiguration;
use crate::entity::entities_of;
use crate::schema::{SchemaError, validate};

/// The commands, for help texts.
pub const COMMANDS: &str = "migrate (apply pending migrations), info (list applied and pending migrations), validate (check the entities against the schema)";

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// Not one of [`COMMANDS`].
    #[error("unknown command `{0}`; expected one of: {COMMANDS}")]
    UnknownCommand(String),
    /// Start-up (configuration, DataSources) failed.
    #[error(transparent)]
    Startup(#[from] framework_core::Error),
    /// A migration failed.
    #[error(transparent)]
    Migration(#[from] MigrationError),
    /// The schema does not match.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// Something else failed.
    #[error(transparent)]
    Other(#[from] BoxError),
}

/// Runs `args[0]` (`migrate`, `info` or `validate`) on every DataSource of the context
/// `builder` describes; returns the report to print.
pub async fn run<M>(
    builder: ApplicationContextBuilder<M>,
    args: &[String],
) -> Result<String, CliError>
where
    M: Module + HasComponent<Beans>,
    M::Submodules: Default,
{
    let command = args.first().map(String::as_str).unwrap_or("");
    if !matches!(command, "migrate" | "info" | "validate") {
        return Err(CliError::UnknownCommand(command.to_owned()));
    }
    let ctx = builder
        .without_discovery()
        .auto_configuration(&DataSourcesAutoConfiguration)
        .auto_configuration(&crate::tx::TransactionManagersAutoConfiguration)
        .start()
        .await?;
    let result = execute(&ctx, command).await;
    ctx.shutdown().await?;
    result
}

async fn execute<M: Module>(
    ctx: &framework_core::ApplicationContext<M>,
    command: &str,
) -> Result<String, CliError> {
    let mut out = String::new();
    for ds in ctx.datasources().iter() {
        let name = ds.name().to_owned();
        let ds = ds.clone();
        out.push_str(&format!("DataSource `{name}` ({}):\n", ds.url()));
        match command {
            "validate" => {
                let entities = entities_of(&name);
                let mismatches = validate(&ds, &entities)
                    .await
                    .map_err(|e| CliError::Other(e.into()))?;
                if !mismatches.is_empty() {
                    return Err(SchemaError {
                        datasource: name,
                        mismatches,
                    }
                    .into());
                }
                out.push_str(&format!(
                    "  schema matches {} entit{}\n",
                    entities.len(),
                    if entities.len() == 1 { "y" } else { "ies" }
                ));
            }
            _ => {
                let migrations = ds.config().migrations.clone();
                let migrator = match Migrator::load(ds, &migrations, ctx.config().dir()) {
                    Ok(m) => m,
                    Err(MigrationError::NoMigrations { location }) => {
                        out.push_str(&format!("  no migrations at `{location}`\n"));
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                };
                if command == "migrate" {
                    let report = migrator.migrate().await?;
                    if report.applied.is_empty() {
                        out.push_str("  up to date\n");
                    }
                    for id in report.applied {
                        out.push_str(&format!("  applied {id}\n"));
                    }
                } else {
                    for m in migrator.info().await? {
                        let state = match &m.applied_on {
                            Some(at) => format!("applied {at}"),
                            None => "pending".to_owned(),
                        };
                        out.push_str(&format!("  {:<40} {state}\n", m.id));
                    }
                }
            }
        }
    }
    Ok(out.trim_end().to_owned())
}
