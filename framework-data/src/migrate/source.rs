//! Where migrations come from: files read at run time, or embedded at compile time with
//! `embed_migrations!`. Files are `V{n}__{name}.sql`, with an optional undo file
//! `U{n}__{name}.sql` beside (Flyway's convention); a dialect variant
//! `V{n}__{name}.{postgres|mysql|sqlite}.sql` (or `U..`) replaces the plain file on that
//! database.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::MigrationError;
use crate::driver::Dialect;

/// Migrations compiled into the program by `embed_migrations!("dir")`, found by their location.
#[derive(Debug)]
pub struct EmbeddedMigrations {
    /// The directory as given to the macro (relative to the crate), which `migrations = "..."`
    /// names.
    pub location: &'static str,
    /// File names and contents.
    pub files: &'static [(&'static str, &'static str)],
}

/// Every `embed_migrations!` of the program.
#[linkme::distributed_slice]
#[linkme(crate = framework_core::__private::linkme)]
pub static EMBEDDED_MIGRATIONS: [EmbeddedMigrations];

/// One migration script chosen for a dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// `V{n}__{name}` (what refinery parses and records).
    pub id: String,
    /// The file it came from (its path for files, its name for embedded ones).
    pub file: String,
    /// The SQL.
    pub sql: String,
}

fn normalize(location: &str) -> &str {
    location.trim_start_matches("./").trim_end_matches('/')
}

/// The dialect suffix of a migration file name (`postgres`, `mysql`, `sqlite`).
pub(crate) fn dialect_tag(d: Dialect) -> &'static str {
    match d {
        Dialect::Postgres => "postgres",
        Dialect::MySql => "mysql",
        Dialect::Sqlite => "sqlite",
    }
}

/// Whether a file's id (its name without the dialect tag and `.sql`) is a migration's:
/// `V{n}__{name}` or an undo file's `U{n}__{name}`.
fn is_migration(id: &str) -> bool {
    (id.starts_with('V') || id.starts_with('U')) && id.contains("__")
}

/// Splits `V1__init.postgres.sql` into (`V1__init`, Some("postgres")); `None` for files that
/// are not SQL scripts `accept` takes.
fn classify(file_name: &str, accept: fn(&str) -> bool) -> Option<(&str, Option<&str>)> {
    let stem = file_name.strip_suffix(".sql")?;
    let (id, tag) = match stem.rsplit_once('.') {
        Some((id, tag)) if ["postgres", "mysql", "sqlite"].contains(&tag) => (id, Some(tag)),
        // Another database's tag (`.oracle.sql`), or dots in the name: not a script.
        Some(_) => return None,
        None => (stem, None),
    };
    accept(id).then_some((id, tag))
}

/// Picks, per migration id, the file for `dialect`: its variant when there is one, else the
/// plain file. A variant for another database alone is not a migration of this one.
fn choose<'a>(
    files: impl Iterator<Item = (&'a str, String)>,
    dialect: Dialect,
    accept: fn(&str) -> bool,
) -> BTreeMap<String, (String, bool)> {
    let tag = dialect_tag(dialect);
    let mut chosen: BTreeMap<String, (String, bool)> = BTreeMap::new();
    for (name, file) in files {
        let Some((id, variant)) = classify(name, accept) else {
            continue;
        };
        match variant {
            Some(v) if v == tag => {
                chosen.insert(id.to_owned(), (file, true));
            }
            Some(_) => {}
            None => {
                chosen.entry(id.to_owned()).or_insert((file, false));
            }
        }
    }
    chosen
}

/// Resolves the migrations directory: as given when it exists (relative to the working
/// directory), else relative to the parent of the configuration directory.
pub(crate) fn resolve_dir(location: &str, config_dir: Option<&Path>) -> Option<PathBuf> {
    let direct = PathBuf::from(location);
    if direct.is_dir() {
        return Some(direct);
    }
    if direct.is_relative()
        && let Some(base) = config_dir.and_then(Path::parent)
    {
        let beside = base.join(location);
        if beside.is_dir() {
            return Some(beside);
        }
    }
    None
}

/// The scripts of `location` for `dialect`: embedded ones if the program embedded that location,
/// else the directory's files.
pub(crate) fn load(
    location: &str,
    config_dir: Option<&Path>,
    dialect: Dialect,
) -> Result<Vec<Script>, MigrationError> {
    if let Some(embedded) = EMBEDDED_MIGRATIONS
        .iter()
        .find(|e| normalize(e.location) == normalize(location))
    {
        let chosen = choose(
            embedded.files.iter().map(|(n, _)| (*n, (*n).to_owned())),
            dialect,
            is_migration,
        );
        return Ok(chosen
            .into_iter()
            .filter_map(|(id, (file, _))| {
                embedded
                    .files
                    .iter()
                    .find(|(n, _)| *n == file)
                    .map(|(_, sql)| Script {
                        id,
                        file,
                        sql: (*sql).to_owned(),
                    })
            })
            .collect());
    }
    let Some(dir) = resolve_dir(location, config_dir) else {
        return Err(MigrationError::NoMigrations {
            location: location.to_owned(),
        });
    };
    read_dir(&dir, dialect, is_migration)
}

/// The SQL scripts of directory `dir` that `accept` takes, chosen for `dialect` (a variant
/// over the plain file), in file-name order.
pub(crate) fn read_dir(
    dir: &Path,
    dialect: Dialect,
    accept: fn(&str) -> bool,
) -> Result<Vec<Script>, MigrationError> {
    let entries = std::fs::read_dir(dir).map_err(|e| MigrationError::Unreadable {
        file: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut names = Vec::new();
    for entry in entries.flatten() {
        if let Some(name) = entry.file_name().to_str() {
            names.push(name.to_owned());
        }
    }
    let chosen = choose(names.iter().map(|n| (n.as_str(), n.clone())), dialect, accept);
    let mut scripts = Vec::new();
    for (id, (file, _)) in chosen {
        let path = dir.join(&file);
        let sql = std::fs::read_to_string(&path).map_err(|e| MigrationError::Unreadable {
            file: path.display().to_string(),
            reason: e.to_string(),
        })?;
        scripts.push(Script {
            id,
            file: path.display().to_string(),
            sql,
        });
    }
    Ok(scripts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_replace_plain_files_on_their_database() {
        let files = [
            "V1__init.sql",
            "V1__init.postgres.sql",
            "V2__more.sqlite.sql",
            "V3__x.sql",
            "README.md",
            "V4__y.oracle.sql",
        ];
        let pick = |d| {
            choose(files.iter().map(|n| (*n, (*n).to_owned())), d, is_migration)
                .into_iter()
                .map(|(id, (f, _))| format!("{id}={f}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            pick(Dialect::Postgres),
            ["V1__init=V1__init.postgres.sql", "V3__x=V3__x.sql"]
        );
        assert_eq!(
            pick(Dialect::Sqlite),
            [
                "V1__init=V1__init.sql",
                "V2__more=V2__more.sqlite.sql",
                "V3__x=V3__x.sql"
            ]
        );
        assert_eq!(
            pick(Dialect::MySql),
            ["V1__init=V1__init.sql", "V3__x=V3__x.sql"]
        );
    }
}
