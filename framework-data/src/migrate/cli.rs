//! The operator commands, for an application to expose as subcommands (the sample app does:
//! `sample-app migrate undo --to 2`):
//!
//! | arguments | what it does, on every DataSource |
//! |---|---|
//! | `migrate` | applies the pending migrations |
//! | `migrate --dry-run` | prints what `migrate` would apply, with its SQL, changing nothing |
//! | `migrate undo [--to N]` | undoes the newest migration, or every one above version N, with their `U{n}__` files |
//! | `migrate baseline --version N` | records the migrations up to N as applied without running them (an existing database) |
//! | `migrate generate <name> [--print]` | writes `V{next}__<name>.<dialect>.sql` and its U-file from the entities' difference with the live schema (`--print`: shows it instead) |
//! | `migrate seed` | runs the active profiles' seed scripts not run on the database before |
//! | `migrate repair` | re-records the checksums of edited applied migrations, forgets ones whose file is gone |
//! | `info` (or `migrate info`) | lists applied (with dates) and pending migrations |
//! | `validate` | checks the entities against the schema |
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

use super::{MigrationError, Migrator, Seeder};
use crate::context::DataContextExt;
use crate::datasource::DataSourcesAutoConfiguration;
use crate::entity::entities_of;
use crate::schema::{SchemaError, validate};

/// The commands, for help texts.
pub const COMMANDS: &str = "migrate [--dry-run] (apply pending migrations), migrate undo [--to N], migrate baseline --version N, migrate repair, migrate seed, migrate generate <name> [--print], info (list applied and pending migrations), validate (check the entities against the schema)";

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// Not one of [`COMMANDS`].
    #[error("unknown command `{0}`; expected one of: {COMMANDS}")]
    UnknownCommand(String),
    /// A command's arguments are wrong (a missing or non-numeric version, an unknown flag).
    #[error("{0}; expected one of: {COMMANDS}")]
    BadArguments(String),
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

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Command {
    Generate { name: String, print: bool },
    Migrate { dry_run: bool },
    Undo { to: Option<i32> },
    Baseline { version: i32 },
    Repair,
    Seed,
    Info,
    Validate,
}

/// The version after `flag` in `rest`.
fn version_after(flag: &str, rest: &[&str]) -> Result<Option<i32>, CliError> {
    match rest {
        [] => Ok(None),
        [f, v] if *f == flag => v
            .parse()
            .map(Some)
            .map_err(|_| CliError::BadArguments(format!("`{flag} {v}`: the version is a number"))),
        other => Err(CliError::BadArguments(format!(
            "unexpected arguments `{}`",
            other.join(" ")
        ))),
    }
}

fn parse(args: &[String]) -> Result<Command, CliError> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["migrate"] => Ok(Command::Migrate { dry_run: false }),
        ["migrate", "--dry-run"] => Ok(Command::Migrate { dry_run: true }),
        ["migrate", "undo", rest @ ..] => Ok(Command::Undo {
            to: version_after("--to", rest)?,
        }),
        ["migrate", "baseline", rest @ ..] => match version_after("--version", rest)? {
            Some(version) => Ok(Command::Baseline { version }),
            None => Err(CliError::BadArguments(
                "`migrate baseline` needs `--version N`".to_owned(),
            )),
        },
        ["migrate", "repair"] => Ok(Command::Repair),
        ["migrate", "seed"] => Ok(Command::Seed),
        ["migrate", "generate", name, rest @ ..] if !name.starts_with('-') => {
            let valid = !name.is_empty()
                && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                return Err(CliError::BadArguments(format!(
                    "`{name}`: a migration name is lower-case letters, digits and `_`"
                )));
            }
            match rest {
                [] => Ok(Command::Generate { name: (*name).to_owned(), print: false }),
                ["--print"] => Ok(Command::Generate { name: (*name).to_owned(), print: true }),
                other => Err(CliError::BadArguments(format!("unexpected arguments `{}`", other.join(" ")))),
            }
        }
        ["migrate", "generate", ..] => Err(CliError::BadArguments(
            "`migrate generate` needs a name: `migrate generate add_notes`".to_owned(),
        )),
        ["info"] | ["migrate", "info"] => Ok(Command::Info),
        ["validate"] => Ok(Command::Validate),
        ["migrate" | "info" | "validate", rest @ ..] => Err(CliError::BadArguments(format!(
            "unexpected arguments `{}`",
            rest.join(" ")
        ))),
        [other, ..] => Err(CliError::UnknownCommand((*other).to_owned())),
        [] => Err(CliError::UnknownCommand(String::new())),
    }
}

/// Runs the command `args` name (see the module docs) on every DataSource of the context
/// `builder` describes; returns the report to print.
pub async fn run<M>(
    builder: ApplicationContextBuilder<M>,
    args: &[String],
) -> Result<String, CliError>
where
    M: Module + HasComponent<Beans>,
    M::Submodules: Default,
{
    let command = parse(args)?;
    let ctx = builder
        .without_discovery()
        .auto_configuration(&DataSourcesAutoConfiguration)
        .auto_configuration(&crate::tx::TransactionManagersAutoConfiguration)
        .start()
        .await?;
    let result = execute(&ctx, &command).await;
    ctx.shutdown().await?;
    result
}

async fn execute<M: Module>(
    ctx: &framework_core::ApplicationContext<M>,
    command: &Command,
) -> Result<String, CliError> {
    let mut out = String::new();
    for ds in ctx.datasources().iter() {
        let name = ds.name().to_owned();
        let ds = ds.clone();
        out.push_str(&format!("DataSource `{name}` ({}):\n", ds.url()));
        if *command == Command::Validate {
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
            continue;
        }
        if let Command::Generate { name: migration, print } = &command {
            out.push_str(&generate_for(ctx, &ds, migration, *print).await?);
            continue;
        }
        if *command == Command::Seed {
            let seeds = ds.config().seeds.clone();
            let seeder = match Seeder::load(ds, &seeds, ctx.config().dir(), ctx.config().profiles()) {
                Ok(s) => s,
                Err(MigrationError::NoSeeds { location }) => {
                    out.push_str(&format!("  no seeds at `{location}`\n"));
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let ran = seeder.seed().await?;
            if ran.is_empty() {
                out.push_str("  seeds up to date\n");
            }
            for seed in ran {
                out.push_str(&format!("  seeded {seed}\n"));
            }
            continue;
        }
        let migrations = ds.config().migrations.clone();
        let migrator = match Migrator::load(ds, &migrations, ctx.config().dir()) {
            Ok(m) => m,
            Err(MigrationError::NoMigrations { location }) => {
                out.push_str(&format!("  no migrations at `{location}`\n"));
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let lines = |out: &mut String, lines: Vec<String>, prefix: &str, none: &str| {
            if lines.is_empty() {
                out.push_str(&format!("  {none}\n"));
            }
            for line in lines {
                out.push_str(&format!("  {prefix}{line}\n"));
            }
        };
        match *command {
            Command::Migrate { dry_run: false } => {
                let report = migrator.migrate().await?;
                lines(&mut out, report.applied, "applied ", "up to date");
            }
            Command::Migrate { dry_run: true } => {
                let pending = migrator.pending().await?;
                if pending.is_empty() {
                    out.push_str("  up to date (dry run)\n");
                }
                for script in pending {
                    out.push_str(&format!("  would apply {} ({}):\n", script.id, script.file));
                    for line in script.sql.lines() {
                        out.push_str(&format!("    {line}\n"));
                    }
                }
            }
            Command::Undo { to } => {
                let undone = migrator.undo(to).await?;
                lines(&mut out, undone, "undone ", "nothing to undo");
            }
            Command::Baseline { version } => {
                let recorded = migrator.baseline(version).await?;
                out.push_str(&format!("  baseline at version {version}\n"));
                lines(&mut out, recorded, "recorded as applied (not run): ", "no migration file at or below it");
            }
            Command::Repair => {
                let changes = migrator.repair().await?;
                lines(&mut out, changes, "", "history matches the files: nothing to repair");
            }
            Command::Info => {
                for m in migrator.info().await? {
                    let state = match &m.applied_on {
                        Some(at) => format!("applied {at}"),
                        None => "pending".to_owned(),
                    };
                    let undo = if m.undoable { "" } else { "  (no undo file)" };
                    out.push_str(&format!(
                        "  {:<40} {state}  checksum {}{undo}\n",
                        m.id, m.checksum
                    ));
                }
            }
            Command::Validate | Command::Seed | Command::Generate { .. } => {}
        }
    }
    Ok(out.trim_end().to_owned())
}

/// `migrate generate`: the migration that makes the schema of `ds` match its entities,
/// written beside its migrations as `V{next}__{name}.{dialect}.sql` with its U-file, or
/// printed.
async fn generate_for<M: Module>(
    ctx: &framework_core::ApplicationContext<M>,
    ds: &crate::datasource::DataSource,
    name: &str,
    print: bool,
) -> Result<String, CliError> {
    let mut out = String::new();
    let entities = entities_of(ds.name());
    let generated = super::generate::diff(ds, &entities).await?;
    for w in &generated.warnings {
        out.push_str(&format!("  warning: {w} (written commented out)\n"));
    }
    if generated.changes == 0 && generated.warnings.is_empty() {
        out.push_str("  the schema matches the entities: nothing to generate\n");
        return Ok(out);
    }
    let location = ds.config().migrations.clone();
    let dir = super::source::resolve_dir(&location, ctx.config().dir());
    let migrator = match &dir {
        Some(d) => Some(Migrator::load(ds.clone(), &d.display().to_string(), None)?),
        None => None,
    };
    let next = match &migrator {
        Some(m) => m.next_version().await?,
        None => 1,
    };
    let tag = super::source::dialect_tag(ds.dialect());
    let up_name = format!("V{next}__{name}.{tag}.sql");
    let down_name = format!("U{next}__{name}.{tag}.sql");
    if print {
        out.push_str(&format!("  -- {up_name}\n"));
        for line in generated.up.lines() {
            out.push_str(&format!("  {line}\n"));
        }
        out.push_str(&format!("  -- {down_name}\n"));
        for line in generated.down.lines() {
            out.push_str(&format!("  {line}\n"));
        }
        return Ok(out);
    }
    let Some(dir) = dir else {
        return Err(MigrationError::NoMigrations { location }.into());
    };
    for (file, text) in [(&up_name, &generated.up), (&down_name, &generated.down)] {
        let path = dir.join(file);
        std::fs::write(&path, text).map_err(|e| MigrationError::Unreadable {
            file: path.display().to_string(),
            reason: e.to_string(),
        })?;
        out.push_str(&format!("  wrote {}\n", path.display()));
    }
    Ok(out)
}
