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
//! compile time with [`embed_migrations!`](crate::embed_migrations). An undo file
//! `U{n}__{name}.sql` beside a migration reverts it ([`Migrator::undo`]); seed data per
//! profile is [`Seeder`]'s.

mod auto_config;
pub mod cli;
mod driver;
pub mod generate;
mod history;
mod seed;
mod source;

use std::path::Path;

use refinery_core::Migration;
use refinery_core::traits::r#async::AsyncMigrate;

use time::format_description::well_known::Rfc3339;

pub use auto_config::MigrationsAutoConfiguration;
pub use seed::{RustSeeder, SEED_HISTORY_TABLE, SEEDERS, Seeder};
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
    /// No seeds directory at the configured location.
    #[error(
        "no seeds at `{location}`: no such directory (relative to the working directory or beside the config directory)"
    )]
    NoSeeds {
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
    /// An applied migration to undo has no undo file (`U{n}__{name}.sql`).
    #[error(
        "DataSource `{datasource}`: {migration} cannot be undone: there is no U{version}__*.sql file for it (nothing was undone)"
    )]
    NotUndoable {
        /// The DataSource.
        datasource: String,
        /// `V{n}__{name}`.
        migration: String,
        /// Its version.
        version: i32,
    },
    /// `baseline` on a database whose history table already records migrations.
    #[error(
        "DataSource `{datasource}`: cannot baseline: the history table already records {applied} migration(s); baseline adopts a database created without migrations"
    )]
    AlreadyMigrated {
        /// The DataSource.
        datasource: String,
        /// How many migrations the history records.
        applied: usize,
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
    /// Whether it has an undo file (`U{n}__{name}.sql`).
    pub undoable: bool,
    /// Its checksum: as recorded when applied, the file's while pending.
    pub checksum: u64,
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
    /// The undo scripts (`U{n}__{name}.sql`), by version.
    undo: Vec<(i32, Script)>,
}

/// The version of an undo script's id (`U3__drop_notes` is 3).
fn undo_version(id: &str) -> Option<i32> {
    id.strip_prefix('U')?.split_once("__")?.0.parse().ok()
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
    /// Ids `U{n}__{name}` are undo scripts, the others versioned migrations.
    pub fn from_scripts(ds: DataSource, all: Vec<Script>) -> Result<Self, MigrationError> {
        let (undo_scripts, scripts): (Vec<Script>, Vec<Script>) =
            all.into_iter().partition(|s| s.id.starts_with('U'));
        let mut undo = Vec::with_capacity(undo_scripts.len());
        for s in undo_scripts {
            let Some(version) = undo_version(&s.id) else {
                return Err(MigrationError::InvalidName {
                    file: s.file,
                    reason: "an undo file is named U{version}__{name}.sql".to_owned(),
                });
            };
            undo.push((version, s));
        }
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
            undo,
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
        let applied = self.applied().await?;
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
                undoable: self.has_undo(m.version()),
                checksum: m.checksum(),
            })
            .collect();
        for (m, s) in self.migrations.iter().zip(&self.scripts) {
            if !applied.iter().any(|a| a.version() == m.version()) {
                out.push(MigrationInfo {
                    version: m.version(),
                    id: m.to_string(),
                    applied_on: None,
                    file: Some(s.file.clone()),
                    undoable: self.has_undo(m.version()),
                    checksum: m.checksum(),
                });
            }
        }
        out.sort_by_key(|i| i.version);
        Ok(out)
    }

    /// The version a new migration gets: one above every file's and every applied one's.
    pub async fn next_version(&self) -> Result<i32, MigrationError> {
        let applied = self.applied().await?;
        let highest = self
            .migrations
            .iter()
            .map(Migration::version)
            .chain(applied.iter().map(Migration::version))
            .chain(self.undo.iter().map(|(v, _)| *v))
            .max()
            .unwrap_or(0);
        Ok(highest + 1)
    }

    fn has_undo(&self, version: i32) -> bool {
        self.undo.iter().any(|(v, _)| *v == version)
    }

    /// The applied migrations, by version.
    async fn applied(&self) -> Result<Vec<Migration>, MigrationError> {
        history::applied(&self.ds).await.map_err(|e| self.history_error(e))
    }

    fn history_error(&self, e: DataError) -> MigrationError {
        MigrationError::History {
            datasource: self.ds.name().to_owned(),
            message: e.to_string(),
        }
    }


    /// What `migrate` would apply now, in order, after the checks `migrate` makes (a changed
    /// or missing applied migration, a new file older than the last applied one): the dry run.
    pub async fn pending(&self) -> Result<Vec<Script>, MigrationError> {
        let datasource = self.ds.name().to_owned();
        let applied = self.applied().await?;
        for app in &applied {
            match self.migrations.iter().find(|m| m.version() == app.version()) {
                Some(m) if m != app => {
                    return Err(MigrationError::ChecksumMismatch {
                        datasource,
                        file: self.file_of(app.version()),
                    });
                }
                Some(_) => {}
                None => {
                    return Err(MigrationError::OutOfOrder {
                        datasource,
                        migration: app.to_string(),
                        problem: "is in the history table but has no file".to_owned(),
                    });
                }
            }
        }
        let current = applied.last().map_or(i64::from(i32::MIN), |m| i64::from(m.version()));
        let mut pending: Vec<(&Migration, &Script)> = Vec::new();
        for (m, s) in self.migrations.iter().zip(&self.scripts) {
            if applied.iter().any(|a| a.version() == m.version()) {
                continue;
            }
            if i64::from(m.version()) <= current {
                return Err(MigrationError::OutOfOrder {
                    datasource,
                    migration: m.to_string(),
                    problem: "is older than the last applied migration and was never applied".to_owned(),
                });
            }
            pending.push((m, s));
        }
        pending.sort_by_key(|(m, _)| m.version());
        Ok(pending.into_iter().map(|(_, s)| s.clone()).collect())
    }

    /// Undoes applied migrations with their `U{n}__{name}.sql` files, newest first: the newest
    /// one alone, or with `to = Some(n)` every one above version `n`. Each undo runs with its
    /// history row's removal in one transaction (MySQL commits DDL implicitly: there, a failed
    /// undo may leave part of its work). Before anything runs, every migration to undo must
    /// have its undo file ([`MigrationError::NotUndoable`] names the first that has none);
    /// the first failure stops the command, naming its file. Returns the undone migrations.
    pub async fn undo(&self, to: Option<i32>) -> Result<Vec<String>, MigrationError> {
        let datasource = self.ds.name().to_owned();
        let mut applied = self.applied().await?;
        applied.reverse();
        let targets: Vec<&Migration> = match to {
            Some(n) => applied.iter().filter(|m| m.version() > n).collect(),
            None => applied.first().into_iter().collect(),
        };
        let mut plan = Vec::with_capacity(targets.len());
        for m in targets {
            let Some((_, script)) = self.undo.iter().find(|(v, _)| *v == m.version()) else {
                return Err(MigrationError::NotUndoable {
                    datasource,
                    migration: m.to_string(),
                    version: m.version(),
                });
            };
            plan.push((m, script));
        }
        let mut undone = Vec::with_capacity(plan.len());
        for (m, script) in plan {
            let version = m.version();
            driver::in_own_transaction(&self.ds, "migration undo", async {
                self.ds.execute_script(&script.sql).await?;
                history::delete(&self.ds, version).await
            })
            .await
            .map_err(|e| MigrationError::Failed {
                datasource: datasource.clone(),
                file: script.file.clone(),
                message: e.to_string(),
            })?;
            tracing::info!(datasource = %datasource, migration = %m, file = %script.file, "migration undone");
            undone.push(m.to_string());
        }
        Ok(undone)
    }

    /// Adopts a database created without these migrations (by hand, by another tool) as being
    /// at `version` (Flyway's `baseline`): the migrations up to and including `version` are
    /// recorded as applied without running, so `migrate` applies only later ones. Refused when
    /// the history already records migrations. Returns the migrations recorded.
    pub async fn baseline(&self, version: i32) -> Result<Vec<String>, MigrationError> {
        let applied = self.applied().await?;
        if !applied.is_empty() {
            return Err(MigrationError::AlreadyMigrated {
                datasource: self.ds.name().to_owned(),
                applied: applied.len(),
            });
        }
        history::ensure(&self.ds).await.map_err(|e| self.history_error(e))?;
        let mut below: Vec<&Migration> = self.migrations.iter().filter(|m| m.version() <= version).collect();
        below.sort_by_key(|m| m.version());
        driver::in_own_transaction(&self.ds, "migration baseline", async {
            for m in &below {
                history::insert(&self.ds, m).await?;
            }
            Ok(())
        })
        .await
        .map_err(|e| self.history_error(e))?;
        let recorded: Vec<String> = below.iter().map(|m| m.to_string()).collect();
        tracing::info!(datasource = %self.ds.name(), version, recorded = ?recorded, "baseline recorded");
        Ok(recorded)
    }

    /// Repairs the history after files were changed on purpose (Flyway's `repair`): an applied
    /// migration whose file was edited gets the file's checksum and name, and one whose file
    /// is gone is removed from the history. One transaction; returns a line per change.
    pub async fn repair(&self) -> Result<Vec<String>, MigrationError> {
        let applied = self.applied().await?;
        let mut changes: Vec<(String, Option<&Migration>, i32)> = Vec::new();
        for app in &applied {
            match self.migrations.iter().find(|m| m.version() == app.version()) {
                Some(m) if m != app => changes.push((
                    format!(
                        "realigned {app}: checksum {} -> {} ({})",
                        app.checksum(),
                        m.checksum(),
                        self.file_of(m.version())
                    ),
                    Some(m),
                    app.version(),
                )),
                Some(_) => {}
                None => changes.push((format!("removed {app}: no file"), None, app.version())),
            }
        }
        driver::in_own_transaction(&self.ds, "migration repair", async {
            for (_, file, version) in &changes {
                match file {
                    Some(m) => history::realign(&self.ds, m).await?,
                    None => history::delete(&self.ds, *version).await?,
                }
            }
            Ok(())
        })
        .await
        .map_err(|e| self.history_error(e))?;
        let lines: Vec<String> = changes.into_iter().map(|(line, _, _)| line).collect();
        for line in &lines {
            tracing::info!(datasource = %self.ds.name(), change = %line, "migration history repaired");
        }
        Ok(lines)
    }
}
