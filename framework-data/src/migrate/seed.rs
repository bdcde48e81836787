//! Seed data per profile: SQL scripts in a folder per profile (`seeds/dev/01_demo.sql`, with
//! dialect variants `01_demo.postgres.sql` as for migrations), run in file-name order for
//! each active profile, each once per database: its run is recorded in its own history table
//! (`framework_seed_history`), in the same transaction as the script. A script edited after
//! it ran is not run again (a warning says so): seeds are for data a fresh database needs,
//! not for changes, which are migrations.
//!
//! ```toml
//! # config/application-dev.toml
//! [datasource]
//! migrate = true
//! seed = true          # run seeds/dev/*.sql at start-up, after the migrations
//! seeds = "seeds"      # the default
//! ```

use std::path::Path;

use super::MigrationError;
use super::history::{bind_err, now, statement};
use super::source::{Script, read_dir, resolve_dir};
use crate::datasource::DataSource;
use crate::error::DataError;
use crate::sql::Sql;
use crate::tx::{Propagation, TransactionDefinition, TransactionManager};

/// The seeds' history table.
pub const SEED_HISTORY_TABLE: &str = "framework_seed_history";

/// One seed script of one profile.
#[derive(Debug, Clone)]
struct Seed {
    profile: String,
    script: Script,
}

/// Runs the seed scripts of the active profiles on one DataSource.
///
/// ```no_run
/// use framework_data::migrate::Seeder;
/// # async fn run(ds: framework_data::datasource::DataSource) -> Result<(), framework_data::migrate::MigrationError> {
/// let seeder = Seeder::load(ds, "seeds", None, &["dev".to_owned()])?;
/// for seed in seeder.seed().await? {
///     println!("seeded {seed}");
/// }
/// # Ok(()) }
/// ```
pub struct Seeder {
    ds: DataSource,
    seeds: Vec<Seed>,
}

/// A stable 64-bit FNV-1a hash of a script: what the history records to notice an edit.
fn checksum(sql: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in sql.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

impl Seeder {
    /// The scripts of `profiles` (in that order) under the directory `location` (relative to
    /// the working directory, or else beside the config directory), chosen for the
    /// DataSource's database. A profile without a folder has no seeds; no directory at all is
    /// [`MigrationError::NoSeeds`].
    pub fn load(
        ds: DataSource,
        location: &str,
        config_dir: Option<&Path>,
        profiles: &[String],
    ) -> Result<Self, MigrationError> {
        let Some(dir) = resolve_dir(location, config_dir) else {
            return Err(MigrationError::NoSeeds {
                location: location.to_owned(),
            });
        };
        let mut seeds = Vec::new();
        for profile in profiles {
            let folder = dir.join(profile);
            if !folder.is_dir() {
                continue;
            }
            for script in read_dir(&folder, ds.dialect(), |_| true)? {
                seeds.push(Seed {
                    profile: profile.clone(),
                    script,
                });
            }
        }
        Ok(Seeder { ds, seeds })
    }

    fn history_error(&self, e: DataError) -> MigrationError {
        MigrationError::History {
            datasource: self.ds.name().to_owned(),
            message: e.to_string(),
        }
    }

    /// The profile and name of every seed already run, with its recorded checksum.
    async fn recorded(&self) -> Result<Vec<(String, String, String)>, DataError> {
        self.ds
            .execute_script(&format!(
                "CREATE TABLE IF NOT EXISTS {SEED_HISTORY_TABLE} (profile VARCHAR(100) NOT NULL, \
                 name VARCHAR(255) NOT NULL, checksum VARCHAR(32) NOT NULL, applied_on VARCHAR(64) NOT NULL, \
                 PRIMARY KEY (profile, name))"
            ))
            .await?;
        let sql = Sql::from_owned(format!("SELECT profile, name, checksum FROM {SEED_HISTORY_TABLE}"));
        let rows = self.ds.fetch_all(sql, self.ds.args()).await?;
        rows.iter()
            .map(|r| {
                let text = |i| r.get::<String>(i).map_err(|e| self.ds.error(e));
                Ok((text(0)?, text(1)?, text(2)?))
            })
            .collect()
    }

    /// Runs every seed not run on this database before, in order, each with its history row in
    /// one transaction; stops at the first failure, naming the file. Returns the seeds run now
    /// (`profile/name`).
    pub async fn seed(&self) -> Result<Vec<String>, MigrationError> {
        let recorded = self.recorded().await.map_err(|e| self.history_error(e))?;
        let mut ran = Vec::new();
        for seed in &self.seeds {
            let id = format!("{}/{}", seed.profile, seed.script.id);
            let sum = checksum(&seed.script.sql);
            if let Some((_, _, was)) = recorded
                .iter()
                .find(|(p, n, _)| *p == seed.profile && *n == seed.script.id)
            {
                if *was != sum {
                    tracing::warn!(datasource = %self.ds.name(), seed = %id, file = %seed.script.file,
                        "seed script changed after it ran; it is not run again (seeds run once per database)");
                }
                continue;
            }
            let def = TransactionDefinition::new()
                .propagation(Propagation::RequiresNew)
                .name("seed");
            TransactionManager::new(self.ds.clone())
                .execute(&def, async {
                    self.ds.execute_script(&seed.script.sql).await?;
                    self.record(seed, &sum).await
                })
                .await
                .map_err(|e| MigrationError::Failed {
                    datasource: self.ds.name().to_owned(),
                    file: seed.script.file.clone(),
                    message: e.to_string(),
                })?;
            tracing::info!(datasource = %self.ds.name(), seed = %id, "seed applied");
            ran.push(id);
        }
        Ok(ran)
    }

    async fn record(&self, seed: &Seed, sum: &str) -> Result<(), DataError> {
        let sql = statement(
            &self.ds,
            &format!("INSERT INTO {SEED_HISTORY_TABLE} (profile, name, checksum, applied_on) VALUES (?, ?, ?, ?)"),
        );
        let mut args = self.ds.args();
        let bind = bind_err(&self.ds);
        args.add(&seed.profile).map_err(&bind)?;
        args.add(&seed.script.id).map_err(&bind)?;
        args.add(&sum.to_owned()).map_err(&bind)?;
        args.add(&now(&self.ds)?).map_err(&bind)?;
        self.ds.execute(sql, args).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_checksum_is_stable_and_sees_edits() {
        assert_eq!(super::checksum(""), "cbf29ce484222325");
        assert_ne!(super::checksum("INSERT 1"), super::checksum("INSERT 2"));
    }
}
