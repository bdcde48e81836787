//! Seed data per profile: SQL scripts in a folder per profile (`seeds/dev/01_demo.sql`, with
//! dialect variants `01_demo.postgres.sql` as for migrations), run in file-name order for
//! each active profile, then its Rust seeders (`#[seeder(profile = "dev", order = 1)] async fn
//! demo(ds: DataSource) -> DataResult<()>`) by order, each once per database: its run is recorded in its own history table
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
use super::driver::in_own_transaction;
use super::history::{bind_err, now, statement};
use super::source::{Script, read_dir, resolve_dir};
use crate::datasource::DataSource;
use crate::error::DataError;
use crate::sql::Sql;

/// The seeds' history table.
pub const SEED_HISTORY_TABLE: &str = "framework_seed_history";

/// A seeder written in Rust (`#[seeder(profile = "dev", order = 1)] async fn ..`), as the
/// attribute registers it.
#[derive(Debug)]
pub struct RustSeeder {
    /// The function's name: its entry in the history.
    pub name: &'static str,
    /// The profile it seeds.
    pub profile: &'static str,
    /// Its place among the profile's Rust seeders (they run after its SQL files).
    pub order: i32,
    /// The DataSource it seeds.
    pub datasource: &'static str,
    /// The function.
    pub run: fn(DataSource) -> crate::__private::BoxFuture<'static, crate::error::DataResult<()>>,
}

/// Every `#[seeder]` of the program.
#[linkme::distributed_slice]
#[linkme(crate = framework_core::__private::linkme)]
pub static SEEDERS: [RustSeeder];

/// What a seed runs.
#[derive(Debug, Clone)]
enum Work {
    Sql(Script),
    Rust(&'static RustSeeder),
}

/// One seed of one profile.
#[derive(Debug, Clone)]
struct Seed {
    profile: String,
    /// Its entry in the history: the file's name, or the Rust function's.
    name: String,
    /// Where it is, for messages: the file, or `#[seeder] fn name`.
    origin: String,
    checksum: String,
    work: Work,
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
        let dir = resolve_dir(location, config_dir);
        let registered = SEEDERS.iter().any(|s| s.datasource == ds.name());
        let Some(dir) = dir.or_else(|| registered.then(std::path::PathBuf::new)) else {
            return Err(MigrationError::NoSeeds {
                location: location.to_owned(),
            });
        };
        let mut seeds = Vec::new();
        for profile in profiles {
            let folder = dir.join(profile);
            if folder.is_dir() {
                for script in read_dir(&folder, ds.dialect(), |_| true)? {
                    seeds.push(Seed {
                        profile: profile.clone(),
                        name: script.id.clone(),
                        origin: script.file.clone(),
                        checksum: checksum(&script.sql),
                        work: Work::Sql(script),
                    });
                }
            }
            let mut rust: Vec<&'static RustSeeder> = SEEDERS
                .iter()
                .filter(|s| s.profile == profile && s.datasource == ds.name())
                .collect();
            rust.sort_by_key(|s| (s.order, s.name));
            for r in rust {
                seeds.push(Seed {
                    profile: profile.clone(),
                    name: r.name.to_owned(),
                    origin: format!("#[seeder] fn {}", r.name),
                    checksum: "rust".to_owned(),
                    work: Work::Rust(r),
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
            let id = format!("{}/{}", seed.profile, seed.name);
            if let Some((_, _, was)) = recorded
                .iter()
                .find(|(p, n, _)| *p == seed.profile && *n == seed.name)
            {
                if *was != seed.checksum {
                    tracing::warn!(datasource = %self.ds.name(), seed = %id, origin = %seed.origin,
                        "seed script changed after it ran; it is not run again (seeds run once per database)");
                }
                continue;
            }
            in_own_transaction(&self.ds, "seed", async {
                match &seed.work {
                    Work::Sql(script) => {
                        self.ds.execute_script(&script.sql).await?;
                    }
                    Work::Rust(rust) => (rust.run)(self.ds.clone()).await?,
                }
                self.record(seed).await
            })
            .await
                .map_err(|e| MigrationError::Failed {
                    datasource: self.ds.name().to_owned(),
                    file: seed.origin.clone(),
                    message: e.to_string(),
                })?;
            tracing::info!(datasource = %self.ds.name(), seed = %id, "seed applied");
            ran.push(id);
        }
        Ok(ran)
    }

    async fn record(&self, seed: &Seed) -> Result<(), DataError> {
        let sql = statement(
            &self.ds,
            &format!("INSERT INTO {SEED_HISTORY_TABLE} (profile, name, checksum, applied_on) VALUES (?, ?, ?, ?)"),
        );
        let mut args = self.ds.args();
        let bind = bind_err(&self.ds);
        args.add(&seed.profile).map_err(&bind)?;
        args.add(&seed.name).map_err(&bind)?;
        args.add(&seed.checksum).map_err(&bind)?;
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
