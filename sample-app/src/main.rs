//! The sample bank. At this stage it starts the application context on the active profile
//! (dev by default: a SQLite file under `data/`), reports what is running, asks each database
//! for its version and shuts down cleanly.

use std::path::PathBuf;

use starter_sqlite::prelude::*;
// The other starters compile their drivers in, so `APP_PROFILES_ACTIVE=prod` can point the same
// binary at PostgreSQL or MySQL.
use starter_mysql as _;
use starter_postgres as _;

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

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let ctx = ApplicationContext::builder()
        .config_dir(config_dir())
        .default_profiles(["dev"])
        .start()
        .await?;

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
    ctx.shutdown().await
}
