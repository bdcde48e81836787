//! The sample bank: a REST API over accounts, transfers and an audit log, built only on the
//! framework's public API.
//!
//! - `sample-app` / `sample-app serve`: the dev profile (a SQLite file under `data/`, migrated at
//!   start-up, demo accounts seeded from `seeds/dev/` once per database), the REST API on `bank.address` (127.0.0.1:8080) and the
//!   actuator on `management.address` (127.0.0.1:8081).
//! - `sample-app simulate --accounts 100 --transfers 20000 --concurrency 32`: concurrent random
//!   transfers, then the invariant check (exit code 1 if one breaks).
//! - `sample-app check`: the invariant check alone.
//! - `sample-app migrate [--dry-run | undo [--to N] | baseline --version N | repair] | info |
//!   validate`: the migration commands.

mod api;
mod bank;
mod check;
mod model;
mod outbox;
mod repositories;
mod simulate;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use serde::Deserialize;
use starter_sqlite::framework_core::{ApplicationContext, ApplicationContextBuilder, NoModule};
use starter_sqlite::prelude::*;

use crate::bank::BankModule;

// The migrations are compiled in: the binary needs no files beside it.
starter_sqlite::embed_migrations!("migrations");

#[derive(Parser)]
#[command(name = "sample-app", about = "A small bank on the framework", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the REST API and the actuator (the default).
    Serve,
    /// Run concurrent random transfers, then check the invariants.
    Simulate {
        /// Accounts to create for the run.
        #[arg(long, default_value_t = 100)]
        accounts: u64,
        /// Transfers to attempt.
        #[arg(long, default_value_t = 20_000)]
        transfers: u64,
        /// Concurrent tasks.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Reads after each transfer: a page of the run's accounts, listed by another client
        /// (on a replica when `datasource.replicas` are configured).
        #[arg(long, default_value_t = 0)]
        reads: u64,
    },
    /// Check the invariants on the configured database.
    Check,
    /// Apply pending migrations; `migrate --dry-run`, `migrate undo [--to N]`,
    /// `migrate baseline --version N`, `migrate repair`.
    Migrate {
        /// The subcommand and its flags, passed to the framework's migration commands.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// List applied and pending migrations.
    Info,
    /// Check the entities against the schema.
    Validate,
}

/// The `[bank]` section.
// Rebuilt when a migration is added: `embed_migrations!` reads the folder at compile time
// (V3__idempotency_keys).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct BankConfig {
    /// Where the REST API listens.
    address: String,
}

impl Default for BankConfig {
    fn default() -> Self {
        BankConfig {
            address: "127.0.0.1:8080".to_owned(),
        }
    }
}

/// `./config` when run from a directory that has one, else the config shipped with the crate
/// (so `cargo run -p sample-app` works from the workspace root).
fn config_dir() -> PathBuf {
    let local = PathBuf::from("config");
    if local.join("application.toml").is_file() {
        local
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")
    }
}

fn builder() -> ApplicationContextBuilder<NoModule> {
    ApplicationContext::builder()
        .config_dir(config_dir())
        .default_profiles(["dev"])
        .config_section("bank")
        .set("app.version", env!("CARGO_PKG_VERSION"))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                // PostgreSQL reports a redundant ROLLBACK after a failed COMMIT as a notice.
                .unwrap_or_else(|_| {
                    tracing_subscriber::EnvFilter::new("info,sqlx::postgres::notice=error")
                }),
        )
        .init();
    let cli = Cli::parse();
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::Simulate {
            accounts,
            transfers,
            concurrency,
            reads,
        } => {
            simulate(simulate::Load {
                accounts,
                transfers,
                concurrency,
                reads,
            })
            .await
        }
        Command::Check => check().await,
        Command::Migrate { args } => operator("migrate", args).await,
        Command::Info => operator("info", Vec::new()).await,
        Command::Validate => operator("validate", Vec::new()).await,
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type AppResult = Result<bool, Box<dyn std::error::Error>>;

async fn operator(command: &str, rest: Vec<String>) -> AppResult {
    let mut args = vec![command.to_owned()];
    args.extend(rest);
    let report = starter_sqlite::migrate::cli::run(builder(), &args).await?;
    println!("{report}");
    Ok(true)
}

/// `bank.address`, checked and bound before anything connects: a bad or busy address fails
/// at once, naming the key, the value and where it was set.
async fn bind_api() -> Result<tokio::net::TcpListener, Box<dyn std::error::Error>> {
    let config = builder().load_config()?;
    let bank: BankConfig = config.section_or_default("bank")?;
    let source = config.source_of("bank.address");
    let address: std::net::SocketAddr = bank.address.parse().map_err(|e| {
        format!(
            "{source}: key `bank.address`: `{}` is not a socket address like 127.0.0.1:8080 ({e})",
            bank.address
        )
    })?;
    tokio::net::TcpListener::bind(address).await.map_err(|e| {
        format!("{source}: key `bank.address`: cannot listen on {address}: {e}").into()
    })
}

async fn serve() -> AppResult {
    let listener = bind_api().await?;
    let ctx = builder().module::<BankModule>().start().await?;
    outbox::install(&ctx)?;
    tracing::info!(profiles = ?ctx.config().profiles(), "active profiles");
    for ds in ctx.datasources().iter() {
        let version = ds.server_version().await?;
        tracing::info!(datasource = ds.name(), url = ds.url(), %version, "DataSource active");
    }
    let accounts: Arc<dyn repositories::AccountRepository> = ctx.resolve();
    let address = listener.local_addr()?;
    let api = Arc::new(api::Api {
        accounts,
        audit: ctx.resolve(),
        transfers: ctx.resolve(),
    });
    tracing::info!("REST API listening on http://{address}");
    // SIGINT or SIGTERM: stop accepting, finish the requests in flight, then stop the actuator
    // and close the pools.
    axum::serve(listener, api::router(api))
        .with_graceful_shutdown(async {
            shutdown_signal().await;
        })
        .await?;
    ctx.shutdown().await?;
    Ok(true)
}

async fn simulate(load: simulate::Load) -> AppResult {
    if load.accounts < 2 {
        return Err("simulate needs at least two accounts".into());
    }
    // The configured pool, whatever the concurrency: every transfer holds a connection and
    // briefly a second one for its audit line (RequiresNew), and the DataSource admits only as
    // many transfers at once as leave a connection for an audit line. It opens its own
    // accounts: no demo seeds.
    let ctx = builder()
        .set("management.enabled", false)
        .set("datasource.seed", false)
        .module::<BankModule>()
        .start()
        .await?;
    outbox::install(&ctx)?;
    let ok = simulate::run(&ctx, load).await?;
    ctx.shutdown().await?;
    Ok(ok)
}

async fn check() -> AppResult {
    let ctx = builder()
        .set("management.enabled", false)
        .set("datasource.seed", false)
        .module::<BankModule>()
        .start()
        .await?;
    let report = check::invariants(&ctx).await?;
    println!("{report}");
    ctx.shutdown().await?;
    Ok(report.hold())
}
