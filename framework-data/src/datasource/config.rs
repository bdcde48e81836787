//! The `[datasource]` and `[datasources.NAME]` sections.

use std::time::Duration;

use serde::Deserialize;

use super::replica::RoutingConfig;
use super::url::mask_url;
pub use crate::driver::PoolConfig;

/// One DataSource: where the database is and how its pool behaves.
///
/// ```toml
/// [datasource]
/// url = "sqlite://data/app.db?mode=rwc"
/// pool = { max_connections = 10, acquire_timeout = "5s" }
/// ```
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DataSourceConfig {
    /// The database URL; its scheme picks the driver (`sqlite:`, `postgres:`/`postgresql:`,
    /// `mysql:`/`mariadb:`).
    pub url: String,
    /// Pool settings (each replica gets a pool of its own with the same settings).
    #[serde(default)]
    pub pool: PoolConfig,
    /// The other nodes of a multi-primary cluster (MariaDB Galera) that `url` is a node of: the
    /// pool opens its connections on `url` and these in turn, skipping a node that refuses.
    /// Every node takes writes; a conflict between nodes fails at COMMIT as a deadlock, which
    /// `retry = N` re-runs.
    #[serde(default)]
    pub nodes: Vec<String>,
    /// Read replicas of the same database (PostgreSQL streaming replicas, MySQL/MariaDB
    /// replicas): reads go there by the `routing` rules, writes never do.
    #[serde(default)]
    pub replicas: Vec<String>,
    /// Which reads go to the replicas (see [`RoutingConfig`]).
    #[serde(default)]
    pub routing: RoutingConfig,
    /// Apply pending migrations at start-up.
    #[serde(default)]
    pub migrate: bool,
    /// Where the migrations are: embedded ones registered under this location, else this
    /// directory (relative to the working directory, or else beside the config directory).
    #[serde(default = "default_migrations")]
    pub migrations: String,
    /// Run the seed scripts of the active profiles at start-up, after migrations (each once per
    /// database).
    #[serde(default)]
    pub seed: bool,
    /// Where the seed scripts are: a directory with a folder per profile (`seeds/dev/*.sql`),
    /// relative to the working directory, or else beside the config directory.
    #[serde(default = "default_seeds")]
    pub seeds: String,
    /// Check every entity of this DataSource against the live schema at start-up.
    #[serde(default = "default_true")]
    pub validate_schema: bool,
    /// Prepare each statement once per connection and keep it (named prepared statements, the
    /// default). `false` sends every statement unnamed, re-prepared each time, and on PostgreSQL
    /// runs each statement outside a transaction inside one of its own: what a transaction
    /// pooler without prepared-statement support needs (PgBouncer before 1.21 in
    /// `pool_mode = transaction`).
    #[serde(default = "default_true")]
    pub statement_cache: bool,
    /// Statements at least this slow are logged at warn. Default `"500ms"`.
    #[serde(default = "default_slow", with = "humantime_serde")]
    pub slow_statement_threshold: Duration,
}

fn default_slow() -> Duration {
    Duration::from_millis(500)
}

fn default_migrations() -> String {
    "migrations".to_owned()
}

fn default_seeds() -> String {
    "seeds".to_owned()
}

fn default_true() -> bool {
    true
}

impl DataSourceConfig {
    /// A config for `url` with default pool settings.
    ///
    /// ```
    /// let c = framework_data::datasource::DataSourceConfig::new("sqlite::memory:");
    /// assert_eq!(c.pool.max_connections, 10);
    /// ```
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            pool: PoolConfig::default(),
            nodes: Vec::new(),
            replicas: Vec::new(),
            routing: RoutingConfig::default(),
            migrate: false,
            migrations: default_migrations(),
            seed: false,
            seeds: default_seeds(),
            validate_schema: true,
            statement_cache: true,
            slow_statement_threshold: default_slow(),
        }
    }
}

impl std::fmt::Debug for DataSourceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataSourceConfig")
            .field("url", &mask_url(&self.url))
            .field("pool", &self.pool)
            .field(
                "nodes",
                &self.nodes.iter().map(|u| mask_url(u)).collect::<Vec<_>>(),
            )
            .field(
                "replicas",
                &self.replicas.iter().map(|u| mask_url(u)).collect::<Vec<_>>(),
            )
            .field("routing", &self.routing)
            .field("migrate", &self.migrate)
            .field("migrations", &self.migrations)
            .field("seed", &self.seed)
            .field("seeds", &self.seeds)
            .field("validate_schema", &self.validate_schema)
            .field("statement_cache", &self.statement_cache)
            .field("slow_statement_threshold", &self.slow_statement_threshold)
            .finish()
    }
}
