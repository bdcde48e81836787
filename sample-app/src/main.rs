//! The sample bank. It starts the application context on the active profile (dev by default: a
//! SQLite file under `data/`, migrated at start-up), reports what is running, asks each
//! database for its version and shuts down cleanly.
//!
//! Operator commands: `sample-app migrate | info | validate` (exit code 1 on failure).

mod model;

use std::path::PathBuf;
use std::process::ExitCode;

use starter_sqlite::framework_core::NoModule;
use starter_sqlite::prelude::*;
// The other starters compile their drivers in, so `APP_PROFILES_ACTIVE=prod` can point the same
// binary at PostgreSQL or MySQL.
use starter_mysql as _;
use starter_postgres as _;

// The migrations are compiled in: the binary needs no files beside it.
starter_sqlite::framework_data::embed_migrations!("migrations");

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

fn builder() -> starter_sqlite::framework_core::ApplicationContextBuilder<NoModule> {
    ApplicationContext::builder()
        .config_dir(config_dir())
        .default_profiles(["dev"])
        .set("app.version", env!("CARGO_PKG_VERSION"))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.is_empty() {
        return match starter_sqlite::framework_data::migrate::cli::run(builder(), &args).await {
            Ok(report) => {
                println!("{report}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), Error> {
    let ctx = builder().start().await?;

    tracing::info!(profiles = ?ctx.config().profiles(), "active profiles");
    for ds in ctx.datasources().iter() {
        let version = ds
            .server_version()
            .await
            .map_err(|e| Error::Other(e.into()))?;
        let status = ds.status();
        tracing::info!(
            datasource = ds.name(),
            url = ds.url(),
            %version,
            open = status.size,
            max = status.max,
            "DataSource active"
        );
    }
    let accounts = ctx
        .repository::<model::Account>()
        .map_err(|e| Error::Other(e.into()))?;
    let count = accounts.count().await.map_err(|e| Error::Other(e.into()))?;
    tracing::info!(accounts = count, "ready");
    ctx.shutdown().await
}
