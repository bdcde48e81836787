//! Migrations: plain SQL files applied with refinery through the framework's own connections,
//! at start-up (`migrate = true`) or from the command line ([`cli`]).
//!
//! ```toml
//! [datasource]
//! url = "sqlite://data/app.db?mode=rwc"
//! migrate = true               # apply pending migrations at start-up (dev)
//! migrations = "migrations"    # V1__init.sql, V2__accounts.sql, V2__accounts.postgres.sql, ...
//! ```
//!
//! Files are read at start-up from the directory, unless the program embedded that location at
//! compile time with [`embed_migrations!`](crate::embed_migrations).

mod auto_config;
pub mod cli;
mod driver;
mod source;

use std::path::Path;

use refinery_core::Migration;
use refinery_core::traits::r#async::AsyncMigrate;
use time::format_description::well_known::Rfc3339;

pub use auto_config::MigrationsAutoConfiguration;
pub use source::{EMBEDDED_MIGRATIONS, EmbeddedMigrations, Script};

use crate::datasource::DataSource;
use crate::error::DataError;

/// refinery's history table.
pub const HISTORY_TABLE: &str = "refinery_schema_history";

/// Why migrating failed. Every variant names the DataSource and, where there is one, the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrationError {
    /// No embedded migrations and no directory at the configured location.
    #[error(
        "no migrations at `{location}`: neither embedded with embed_migrations! nor a directory (relative to the working directory or beside the config directory)"
    )]
    NoMigrations {
        /// The configured location.
        location: String,
    },
    /// A file or directory could not be read.
    #[error("cannot read migration `{file}`: {reason}")]
    Unreadable {
        /// The path.
        file: String,
        /// Why.
        reason: String,
    },
    /// A file name is not `V{n}__{name}.sql`.
    #[error("invalid migration file `{file}`: {reason}")]
    InvalidName {
        /// The file.
        file: String,
        /// What refinery said.
        reason: String,
    },
    /// A migration failed; what it did was rolled back where the database allows DDL in
    /// transactions (not on MySQL).
    #[error("DataSource `{datasource}`: migration `{file}` failed: {message}")]
    Failed {
        /// The DataSource.
        datasource: String,
        /// The file.
        file: String,
        /// The database's message.
        message: String,
    },
    /// An applied migration's file changed since it was applied.
    #[error(
        "DataSource `{datasource}`: migration `{file}` was changed after it was applied (checksum differs from the history table); add a new migration instead of editing an applied one"
    )]
    ChecksumMismatch {
        /// The DataSource.
        datasource: String,
        /// The file.
        file: String,
    },
    /// An applied migration has no file any more, or a new file is older than the last applied
    /// one.
    #[error("DataSource `{datasource}`: migration {migration} {problem}")]
    OutOfOrder {
        /// The DataSource.
        datasource: String,
        /// `V{n}__{name}`.
        migration: String,
        /// What is wrong.
        problem: String,
    },
    /// The history table could not be read or written.
    #[error("DataSource `{datasource}`: {message}")]
    History {
        /// The DataSource.
        datasource: String,
        /// What failed.
        message: String,
    },
}

/// The state of one migration, for `info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationInfo {
    /// The version.
    pub version: i32,
    /// `V{n}__{name}`.
    pub id: String,
    /// When it was applied (RFC 3339), or `None` while pending.
    pub applied_on: Option<String>,
    /// The file, when there is one.
    pub file: Option<String>,
}

/// What a migration run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// The migrations applied now, in order (`V{n}__{name}`).
    pub applied: Vec<String>,
}

/// Applies and lists the migrations of one DataSource.
///
/// ```no_run
/// use framework_data::migrate::Migrator;
/// # async fn run(ds: framework_data::datasource::DataSource) -> Result<(), framework_data::migrate::MigrationError> {
/// let migrator = Migrator::load(ds, "migrations", None)?;
/// let report = migrator.migrate().await?;
/// println!("applied {:?}", report.applied);
/// # Ok(()) }
/// ```
pub struct Migrator {
    ds: DataSource,
    scripts: Vec<Script>,
    migrations: Vec<Migration>,
}

impl Migrator {
    /// The migrations at `location` (embedded, or a directory; see the module docs) for the
    /// DataSource's database.
    pub fn load(
        ds: DataSource,
        location: &str,
        config_dir: Option<&Path>,
    ) -> Result<Self, MigrationError> {
        let scripts = source::load(location, config_dir, ds.dialect())?;
        Self::from_scripts(ds, scripts)
    }

    /// Migrations given directly.
    pub fn from_scripts(ds: DataSource, scripts: Vec<Script>) -> Result<Self, MigrationError> {
        let mut migrations = Vec::with_capacity(scripts.len());
        for s in &scripts {
            let m =
                Migration::unapplied(&s.id, &s.sql).map_err(|e| MigrationError::InvalidName {
                    file: s.file.clone(),
                    reason: e.to_string(),
                })?;
            migrations.push(m);
        }
        Ok(Migrator {
            ds,
            scripts,
            migrations,
        })
    }

    fn file_of(&self, version: i32) -> String {
        self.migrations
            .iter()
            .zip(&self.scripts)
            .find(|(m, _)| m.version() == version)
            .map(|(_, s)| s.file.clone())
            .unwrap_or_else(|| format!("version {version}"))
    }

    fn map_error(&self, e: refinery_core::Error) -> MigrationError {
        use refinery_core::error::Kind;
        let datasource = self.ds.name().to_owned();
        match e.kind() {
            Kind::DivergentVersion(applied, _) => MigrationError::ChecksumMismatch {
                datasource,
                file: self.file_of(applied.version()),
            },
            Kind::MissingVersion(m) => MigrationError::OutOfOrder {
                datasource,
                migration: m.to_string(),
                problem: "is in the history table but has no file, or is older than the last applied migration and was never applied".to_owned(),
            },
            Kind::RepeatedVersion(m) => MigrationError::OutOfOrder {
                datasource,
                migration: m.to_string(),
                problem: "has the same version as another migration".to_owned(),
            },
            Kind::Connection(msg, source) => {
                // refinery says "error applying migration V2__name"; name the file instead.
                let failed = self
                    .migrations
                    .iter()
                    .find(|m| msg.ends_with(&format!(" {m}")));
                match failed {
                    Some(m) => MigrationError::Failed {
                        datasource,
                        file: self.file_of(m.version()),
                        message: source.to_string(),
                    },
                    None => MigrationError::History {
                        datasource,
                        message: format!("{msg}: {source}"),
                    },
                }
            }
            other => MigrationError::History {
                datasource,
                message: other.to_string(),
            },
        }
    }

    /// Applies the pending migrations in order, each with its history row in one transaction;
    /// stops at the first failure, a changed applied migration or a missing one.
    pub async fn migrate(&self) -> Result<MigrationReport, MigrationError> {
        let mut conn = driver::MigrationConnection::new(self.ds.clone());
        let report = conn
            .migrate(
                &self.migrations,
                true,
                true,
                false,
                refinery_core::Target::Latest,
                HISTORY_TABLE,
            )
            .await
            .map_err(|e| self.map_error(e))?;
        let applied: Vec<String> = report
            .applied_migrations()
            .iter()
            .map(|m| m.to_string())
            .collect();
        for id in &applied {
            tracing::info!(datasource = %self.ds.name(), migration = %id, "migration applied");
        }
        Ok(MigrationReport { applied })
    }

    /// Every migration, applied or pending, by version.
    pub async fn info(&self) -> Result<Vec<MigrationInfo>, MigrationError> {
        let mut conn = driver::MigrationConnection::new(self.ds.clone());
        let history = self.history_exists().await?;
        let applied = if history {
            conn.get_applied_migrations(HISTORY_TABLE)
                .await
                .map_err(|e| self.map_error(e))?
        } else {
            Vec::new()
        };
        let mut out: Vec<MigrationInfo> = applied
            .iter()
            .map(|m| MigrationInfo {
                version: m.version(),
                id: m.to_string(),
                applied_on: m.applied_on().and_then(|t| t.format(&Rfc3339).ok()),
                file: self
                    .migrations
                    .iter()
                    .any(|f| f.version() == m.version())
                    .then(|| self.file_of(m.version())),
            })
            .collect();
        for (m, s) in self.migrations.iter().zip(&self.scripts) {
            if !applied.iter().any(|a| a.version() == m.version()) {
                out.push(MigrationInfo {
                    version: m.version(),
                    id: m.to_string(),
                    applied_on: None,
                    file: Some(s.file.clone()),
                });
            }
        }
        out.sort_by_key(|i| i.version);
        Ok(out)
    }

    async fn history_exists(&self) -> Result<bool, MigrationError> {
        let tables =
            crate::schema::introspect::tables(&self.ds)
                .await
                .map_err(|e: DataError| MigrationError::History {
                    datasource: self.ds.name().to_owned(),
                    message: e.to_string(),
                })?;
        Ok(tables.iter().any(|t| t.eq_ignore_ascii_case(HISTORY_TABLE)))
    }
}
