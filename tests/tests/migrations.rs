//! Migrations at start-up (refinery over the framework's connections) and start-up schema
//! validation, on every database.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use framework_data::migrate::{MigrationError, Migrator};
use framework_data::prelude::*;
use framework_data::schema::SchemaError;
use framework_data::sql::Sql;
use tests::{Backend, TestDatabase, db_test};

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "customers")]
pub struct Customer {
    #[id(generated)]
    pub id: i64,
    pub name: String,
    pub note: Option<String>,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[entity(table = "ledger")]
pub struct LedgerEntry {
    #[id]
    pub id: i64,
    pub customer_id: i64,
    pub cents: i64,
    pub booked_on: NaiveDate,
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(name)
}

/// A copy of a fixture directory the test may edit.
fn copy_of(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture(name)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

async fn start(
    db: &TestDatabase,
    migrations: &Path,
    validate: bool,
) -> Result<ApplicationContext, Error> {
    db.context()
        .set("datasource.migrate", true)
        .set("datasource.migrations", migrations.display().to_string())
        .set("datasource.validate_schema", validate)
        .start()
        .await
}

fn cause(e: &Error) -> String {
    match e {
        Error::Startup { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

async fn tables(ds: &DataSource) -> Vec<String> {
    let rows = ds
        .fetch_all(
            Sql::from(match ds.dialect() {
                Dialect::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table'",
                Dialect::Postgres => "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
                Dialect::MySql => "SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE()",
            }),
            ds.args(),
        )
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.get::<String>(0).unwrap().to_lowercase())
        .collect()
}

db_test! {
    async fn a_fresh_database_is_migrated_and_validated_and_a_second_start_applies_nothing(db: TestDatabase) {
        let ctx = start(&db, &fixture("bank"), true).await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        let migrator = Migrator::load(ds.clone(), &fixture("bank").display().to_string(), None).unwrap();
        let info = migrator.info().await.unwrap();
        assert_eq!(
            info.iter().map(|m| (m.id.as_str(), m.applied_on.is_some())).collect::<Vec<_>>(),
            [("V1__customers", true), ("V2__ledger", true), ("V3__customer_note", true)]
        );
        // The dialect's own variant was used where one exists.
        let v1 = info[0].file.clone().unwrap();
        match db.backend() {
            Backend::Postgres => assert!(v1.ends_with("V1__customers.postgres.sql"), "{v1}"),
            Backend::MySql => assert!(v1.ends_with("V1__customers.mysql.sql"), "{v1}"),
            Backend::Sqlite => assert!(v1.ends_with("V1__customers.sql"), "{v1}"),
        }
        // The schema works for the entities.
        let customers = Repository::<Customer>::new(ds.clone());
        let ann = customers.save(Customer { id: 0, name: "Ann".into(), note: None }).await.unwrap();
        assert!(ann.id > 0);
        ctx.shutdown().await.unwrap();

        // Second start: nothing pending.
        let ctx = start(&db, &fixture("bank"), true).await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        let before = ds.statements_executed();
        let again = Migrator::load(ds.clone(), &fixture("bank").display().to_string(), None).unwrap();
        assert!(again.migrate().await.unwrap().applied.is_empty());
        // Checking is a couple of statements, not a replay.
        assert!(ds.statements_executed() - before <= 3, "{}", ds.statements_executed() - before);
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn a_failing_migration_stops_start_up_naming_the_file(db: TestDatabase) {
        let err = start(&db, &fixture("broken"), false).await.err().expect("start-up fails");
        let msg = cause(&err);
        assert!(msg.contains("V2__broken.sql"), "{msg}");
        assert!(msg.contains("no_such_table"), "the database's message: {msg}");

        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        let info = Migrator::load(ds.clone(), &fixture("broken").display().to_string(), None)
            .unwrap()
            .info()
            .await
            .unwrap();
        assert_eq!(
            info.iter().map(|m| (m.id.as_str(), m.applied_on.is_some())).collect::<Vec<_>>(),
            [("V1__first", true), ("V2__broken", false)],
            "the history lists only what succeeded"
        );
        let present = tables(&ds).await;
        assert!(present.contains(&"first_table".to_owned()));
        match db.backend() {
            // DDL is transactional there: the failed migration left nothing.
            Backend::Postgres | Backend::Sqlite => {
                assert!(!present.contains(&"partial_table".to_owned()), "{present:?}")
            }
            // MySQL commits DDL implicitly (documented).
            Backend::MySql => {}
        }
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn an_edited_applied_migration_is_a_checksum_error(db: TestDatabase) {
        let dir = copy_of("bank");
        start(&db, dir.path(), false).await.unwrap().shutdown().await.unwrap();
        let v2 = dir.path().join("V2__ledger.sql");
        let edited = std::fs::read_to_string(&v2).unwrap().replace("cents BIGINT", "amount_cents BIGINT");
        std::fs::write(&v2, edited).unwrap();
        let err = start(&db, dir.path(), false).await.err().expect("start-up fails");
        let msg = cause(&err);
        assert!(msg.contains("V2__ledger.sql") && msg.contains("changed after it was applied"), "{msg}");
        // Typed, for programs that handle it.
        let ctx = db.context().start().await.unwrap();
        let direct = Migrator::load(ctx.datasource_default().unwrap(), &dir.path().display().to_string(), None)
            .unwrap()
            .migrate()
            .await
            .unwrap_err();
        assert!(matches!(direct, MigrationError::ChecksumMismatch { .. }), "{direct}");
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn schema_drift_is_reported_all_at_once(db: TestDatabase) {
        start(&db, &fixture("bank"), true).await.unwrap().shutdown().await.unwrap();
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        let drift = match db.backend() {
            Backend::Postgres => "ALTER TABLE ledger DROP COLUMN cents; \
                 ALTER TABLE ledger ALTER COLUMN booked_on TYPE TEXT; \
                 ALTER TABLE customers ALTER COLUMN name DROP NOT NULL;",
            Backend::MySql => "ALTER TABLE ledger DROP COLUMN cents; \
                 ALTER TABLE ledger MODIFY booked_on VARCHAR(20) NOT NULL; \
                 ALTER TABLE customers MODIFY name VARCHAR(100) NULL;",
            // SQLite changes types and nullability by rebuilding the table.
            Backend::Sqlite => "ALTER TABLE ledger DROP COLUMN cents; \
                 CREATE TABLE ledger_new (id BIGINT PRIMARY KEY, customer_id BIGINT NOT NULL, booked_on BLOB NOT NULL); \
                 DROP TABLE ledger; ALTER TABLE ledger_new RENAME TO ledger; \
                 CREATE TABLE customers_new (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NULL, note VARCHAR(200) NULL); \
                 DROP TABLE customers; ALTER TABLE customers_new RENAME TO customers;",
        };
        ds.execute_script(drift).await.unwrap();
        ctx.shutdown().await.unwrap();

        let err = start(&db, &fixture("bank"), true).await.err().expect("start-up fails");
        let msg = cause(&err);
        let lines: Vec<&str> = msg.lines().filter(|l| l.trim_start().starts_with("- ")).collect();
        assert_eq!(lines.len(), 3, "{msg}");
        assert!(msg.contains("LedgerEntry (table ledger) column cents: expected a column for field `cents`, found no such column"), "{msg}");
        assert!(msg.contains("LedgerEntry (table ledger) column booked_on: expected"), "{msg}");
        assert!(msg.contains("Customer (table customers) column name: expected NOT NULL"), "{msg}");
        // The same through the API.
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        let entities = framework_data::entity::entities_of("default");
        let mismatches = framework_data::schema::validate(&ds, &entities).await.unwrap();
        assert_eq!(mismatches.len(), 3);
        let as_error = SchemaError { datasource: "default".into(), mismatches };
        assert!(as_error.to_string().starts_with("DataSource `default`: the schema does not match the entities (3 problem(s))"));
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn a_missing_table_and_a_wrong_primary_key_are_mismatches(db: TestDatabase) {
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        ds.execute_script("CREATE TABLE ledger (id BIGINT NOT NULL, customer_id BIGINT NOT NULL, cents BIGINT NOT NULL, booked_on DATE NOT NULL)")
            .await
            .unwrap();
        let mismatches = framework_data::schema::validate(&ds, &framework_data::entity::entities_of("default")).await.unwrap();
        let text: Vec<String> = mismatches.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 2, "{text:#?}");
        assert!(text.iter().any(|t| t.starts_with("Customer (table customers): expected the table to exist")), "{text:#?}");
        assert!(text.iter().any(|t| t.contains("column id: expected the primary key")), "{text:#?}");
        ctx.shutdown().await.unwrap();
    }
}

type Introspected = (
    String,
    Vec<framework_data::schema::introspect::LiveColumn>,
    Vec<(Vec<String>, bool)>,
    Vec<(String, String)>,
);

/// Every table with its columns (name, type, nullability, key), index column lists (with
/// uniqueness) and foreign keys, sorted: what the framework's introspection reads, the
/// history table left out.
async fn schema(ds: &DataSource) -> Vec<Introspected> {
    use framework_data::schema::introspect;
    let mut out = Vec::new();
    for table in introspect::tables(ds).await.unwrap() {
        if table.eq_ignore_ascii_case(framework_data::migrate::HISTORY_TABLE)
            || table.starts_with("sqlite_")
        {
            continue;
        }
        let mut columns = introspect::columns(ds, &table).await.unwrap();
        columns.sort_by(|a, b| a.name.cmp(&b.name));
        // Index names may differ between runs (generated ones): compare their columns.
        let mut indexes: Vec<(Vec<String>, bool)> = introspect::indexes(ds, &table)
            .await
            .unwrap()
            .into_iter()
            .map(|i| (i.columns, i.unique))
            .collect();
        indexes.sort();
        let mut keys: Vec<(String, String)> = introspect::foreign_keys(ds, &table)
            .await
            .unwrap()
            .into_iter()
            .map(|k| (k.column, k.target_table))
            .collect();
        keys.sort();
        out.push((table.to_lowercase(), columns, indexes, keys));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn ids(info: &[framework_data::migrate::MigrationInfo]) -> Vec<(String, bool)> {
    info.iter()
        .map(|m| (m.id.clone(), m.applied_on.is_some()))
        .collect()
}

fn migrator(ds: &DataSource, dir: &Path) -> Migrator {
    Migrator::load(ds.clone(), &dir.display().to_string(), None).unwrap()
}

db_test! {
    async fn undo_to_1_then_migrate_again_reaches_the_same_schema(db: TestDatabase) {
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        let m = migrator(&ds, &fixture("undo"));
        assert_eq!(m.migrate().await.unwrap().applied.len(), 3);
        let migrated = schema(&ds).await;
        assert!(m.info().await.unwrap().iter().all(|i| i.undoable));

        // Undo the newest one alone, then down to version 1, newest first.
        assert_eq!(m.undo(None).await.unwrap(), ["V3__customer_note"]);
        assert!(!schema(&ds).await.iter().any(|(_, cols, _, _)| cols.iter().any(|c| c.name == "note")));
        assert_eq!(m.undo(Some(1)).await.unwrap(), ["V2__ledger"]);
        assert_eq!(
            ids(&m.info().await.unwrap()),
            [("V1__customers".into(), true), ("V2__ledger".into(), false), ("V3__customer_note".into(), false)]
        );
        let tables: Vec<String> = schema(&ds).await.into_iter().map(|(t, ..)| t).collect();
        assert_eq!(tables, ["customers"]);
        assert!(m.undo(Some(1)).await.unwrap().is_empty(), "nothing above 1 is applied");

        // Forward again: the same schema, introspected.
        assert_eq!(m.migrate().await.unwrap().applied, ["V2__ledger", "V3__customer_note"]);
        assert_eq!(schema(&ds).await, migrated);
        // And all the way down.
        assert_eq!(m.undo(Some(0)).await.unwrap(), ["V3__customer_note", "V2__ledger", "V1__customers"]);
        assert!(schema(&ds).await.is_empty());
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn a_failing_undo_stops_naming_its_file_and_a_missing_one_undoes_nothing(db: TestDatabase) {
        let dir = copy_of("undo");
        std::fs::write(dir.path().join("U3__customer_note.sql"), "ALTER TABLE no_such_table DROP COLUMN note;\n").unwrap();
        std::fs::remove_file(dir.path().join("U1__customers.sql")).unwrap();
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        let m = migrator(&ds, dir.path());
        m.migrate().await.unwrap();
        let before = schema(&ds).await;

        // V1 has no undo file: refused before anything runs, naming it.
        let err = m.undo(Some(0)).await.unwrap_err();
        assert!(matches!(&err, MigrationError::NotUndoable { version: 1, .. }), "{err}");
        assert!(err.to_string().contains("V1__customers") && err.to_string().contains("U1__"), "{err}");
        assert_eq!(schema(&ds).await, before, "nothing was undone");
        assert!(!m.info().await.unwrap()[0].undoable);

        // U3 fails: the command stops there, naming the file, and V3 stays applied.
        let err = m.undo(Some(1)).await.unwrap_err();
        assert!(matches!(&err, MigrationError::Failed { .. }), "{err}");
        assert!(err.to_string().contains("U3__customer_note.sql"), "{err}");
        assert!(m.info().await.unwrap().iter().all(|i| i.applied_on.is_some()), "V2 was not undone either");
        assert_eq!(schema(&ds).await, before);
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn baseline_adopts_a_hand_made_database_and_migrate_applies_only_later_versions(db: TestDatabase) {
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        // Made by hand (or another tool): what V1 and V2 would have made.
        ds.execute_script("CREATE TABLE customers (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL)").await.unwrap();
        ds.execute_script("CREATE TABLE ledger (id BIGINT PRIMARY KEY, customer_id BIGINT NOT NULL, cents BIGINT NOT NULL, booked_on DATE NOT NULL)").await.unwrap();
        let m = migrator(&ds, &fixture("undo"));
        assert_eq!(m.baseline(2).await.unwrap(), ["V1__customers", "V2__ledger"]);
        assert_eq!(m.migrate().await.unwrap().applied, ["V3__customer_note"], "V1 and V2 did not run");
        assert!(ids(&m.info().await.unwrap()).iter().all(|(_, applied)| *applied));
        // A second baseline is refused: the history records migrations.
        let err = m.baseline(3).await.unwrap_err();
        assert!(matches!(err, MigrationError::AlreadyMigrated { applied: 3, .. }), "{err}");
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn repair_realigns_an_edited_file_and_forgets_a_deleted_one(db: TestDatabase) {
        let dir = copy_of("undo");
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        migrator(&ds, dir.path()).migrate().await.unwrap();
        let recorded = migrator(&ds, dir.path()).info().await.unwrap()[1].checksum;
        // An edit on purpose (a comment), and a migration whose file went away.
        let v2 = dir.path().join("V2__ledger.sql");
        let text = std::fs::read_to_string(&v2).unwrap();
        std::fs::write(&v2, format!("-- the ledger\n{text}")).unwrap();
        std::fs::remove_file(dir.path().join("V3__customer_note.sql")).unwrap();
        let m = migrator(&ds, dir.path());
        assert!(matches!(m.migrate().await.unwrap_err(), MigrationError::ChecksumMismatch { .. }));
        assert!(matches!(m.pending().await.unwrap_err(), MigrationError::ChecksumMismatch { .. }));

        let changes = m.repair().await.unwrap();
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert!(changes[0].starts_with("realigned V2__ledger") && changes[0].contains("V2__ledger.sql"), "{changes:?}");
        assert_eq!(changes[1], "removed V3__customer_note: no file");
        let info = m.info().await.unwrap();
        assert_eq!(ids(&info), [("V1__customers".into(), true), ("V2__ledger".into(), true)]);
        assert_ne!(info[1].checksum, recorded, "info shows the new checksum");
        assert!(m.migrate().await.unwrap().applied.is_empty());
        assert!(m.repair().await.unwrap().is_empty(), "nothing left to repair");
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn the_operator_commands_dry_run_undo_baseline_and_repair(db: TestDatabase) {
        let dir = copy_of("undo");
        let builder = || db.context().set("datasource.migrations", dir.path().display().to_string());
        let run = async |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
            framework_data::migrate::cli::run(builder(), &args).await
        };
        // The dry run lists the three migrations with their SQL and changes nothing.
        let dry = run(&["migrate", "--dry-run"]).await.unwrap();
        assert!(dry.contains("would apply V1__customers") && dry.contains("would apply V3__customer_note"), "{dry}");
        assert!(dry.contains("ALTER TABLE customers ADD COLUMN note"), "{dry}");
        let info = run(&["info"]).await.unwrap();
        assert_eq!(info.matches("pending").count(), 3, "{info}");

        let applied = run(&["migrate"]).await.unwrap();
        assert_eq!(applied.matches("applied V").count(), 3, "{applied}");
        assert!(run(&["migrate", "--dry-run"]).await.unwrap().contains("up to date (dry run)"));
        let undone = run(&["migrate", "undo", "--to", "1"]).await.unwrap();
        assert!(undone.contains("undone V3__customer_note\n  undone V2__ledger"), "{undone}");
        assert!(run(&["migrate", "repair"]).await.unwrap().contains("nothing to repair"));
        let err = run(&["migrate", "baseline", "--version", "1"]).await.unwrap_err();
        assert!(err.to_string().contains("cannot baseline"), "{err}");

        // Bad arguments are typed errors naming the problem.
        for bad in [&["migrate", "undo", "--to", "x"][..], &["migrate", "baseline"], &["migrate", "--force"]] {
            let err = run(bad).await.unwrap_err();
            assert!(matches!(err, framework_data::migrate::cli::CliError::BadArguments(_)), "{bad:?}: {err}");
        }
        assert!(matches!(run(&["migrat"]).await.unwrap_err(), framework_data::migrate::cli::CliError::UnknownCommand(_)));

        // `generate`: V3 undone and its files gone, the entity's `note` is missing; the
        // command writes V4 (and U4) for this database, which then applies and validates.
        run(&["migrate"]).await.unwrap();
        let none = run(&["migrate", "generate", "none", "--print"]).await.unwrap();
        assert!(none.contains("nothing to generate"), "{none}");
        run(&["migrate", "undo"]).await.unwrap();
        std::fs::remove_file(dir.path().join("V3__customer_note.sql")).unwrap();
        std::fs::remove_file(dir.path().join("U3__customer_note.sql")).unwrap();
        let printed = run(&["migrate", "generate", "add_note", "--print"]).await.unwrap();
        assert!(printed.contains("ADD COLUMN") && printed.contains("note"), "{printed}");
        let wrote = run(&["migrate", "generate", "add_note"]).await.unwrap();
        let tag = match db.backend() {
            Backend::Postgres => "postgres",
            Backend::MySql => "mysql",
            Backend::Sqlite => "sqlite",
        };
        assert!(wrote.contains(&format!("V3__add_note.{tag}.sql")), "{wrote}");
        assert!(dir.path().join(format!("U3__add_note.{tag}.sql")).is_file());
        assert!(run(&["migrate"]).await.unwrap().contains("applied V3__add_note"));
        assert!(run(&["validate"]).await.unwrap().contains("schema matches"));
        let err = run(&["migrate", "generate", "Bad-Name"]).await.unwrap_err();
        assert!(matches!(err, framework_data::migrate::cli::CliError::BadArguments(_)), "{err}");
    }
}

fn seeds(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(name)
}

async fn customer_names(ds: &DataSource) -> Vec<String> {
    let rows = ds
        .fetch_all(
            Sql::from("SELECT name FROM customers ORDER BY id"),
            ds.args(),
        )
        .await
        .unwrap();
    rows.iter().map(|r| r.get::<String>(0).unwrap()).collect()
}

db_test! {
    async fn seeds_run_once_per_database_for_the_active_profiles_in_order(db: TestDatabase) {
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        migrator(&ds, &fixture("bank")).migrate().await.unwrap();
        let dir = seeds("").display().to_string();
        let profiles = ["dev".to_owned(), "test".to_owned(), "absent".to_owned()];
        let seeder = framework_data::migrate::Seeder::load(ds.clone(), &dir, None, &profiles).unwrap();
        assert_eq!(seeder.seed().await.unwrap(), ["dev/01_customers", "dev/02_more", "test/01_fixtures"]);
        let cy = if db.backend() == Backend::Postgres { "Cy (postgres)" } else { "Cy" };
        assert_eq!(customer_names(&ds).await, ["Ann", "Bob", cy, "Test"]);
        // Again: nothing runs, nothing is added.
        assert!(seeder.seed().await.unwrap().is_empty());
        assert_eq!(customer_names(&ds).await.len(), 4);
        // Only the dev profile's, on another start: already run, so nothing.
        let dev = framework_data::migrate::Seeder::load(ds.clone(), &dir, None, &profiles[..1]).unwrap();
        assert!(dev.seed().await.unwrap().is_empty());
        // No directory at all (and no Rust seeder for another DataSource) is a typed error
        // naming the location.
        let other = framework_data::datasource::DataSource::connect("other", &framework_data::datasource::DataSourceConfig::new("sqlite::memory:")).await.unwrap();
        let err = framework_data::migrate::Seeder::load(other, "no/such/seeds", None, &profiles).err().unwrap();
        assert!(matches!(err, MigrationError::NoSeeds { .. }), "{err}");
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn a_failing_seed_stops_naming_its_file_and_runs_again_once_fixed(db: TestDatabase) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("dev")).unwrap();
        for f in ["01_good.sql", "02_bad.sql"] {
            std::fs::copy(seeds("broken").join("dev").join(f), dir.path().join("dev").join(f)).unwrap();
        }
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        migrator(&ds, &fixture("bank")).migrate().await.unwrap();
        let location = dir.path().display().to_string();
        let load = || framework_data::migrate::Seeder::load(ds.clone(), &location, None, &["dev".to_owned()]).unwrap();
        let err = load().seed().await.unwrap_err();
        assert!(matches!(&err, MigrationError::Failed { .. }), "{err}");
        assert!(err.to_string().contains("02_bad.sql"), "{err}");
        let names = customer_names(&ds).await;
        match db.backend() {
            // The failed seed's first insert went with it.
            Backend::Postgres | Backend::Sqlite => assert_eq!(names, ["Good"]),
            // MySQL: DML in a transaction is rolled back too.
            Backend::MySql => assert_eq!(names, ["Good"]),
        }
        std::fs::write(dir.path().join("dev").join("02_bad.sql"), "INSERT INTO customers (name) VALUES ('Fixed');\n").unwrap();
        assert_eq!(load().seed().await.unwrap(), ["dev/02_bad"]);
        assert_eq!(customer_names(&ds).await, ["Good", "Fixed"]);
        // Edited after it ran: not run again.
        std::fs::write(dir.path().join("dev").join("01_good.sql"), "INSERT INTO customers (name) VALUES ('Twice');\n").unwrap();
        assert!(load().seed().await.unwrap().is_empty());
        ctx.shutdown().await.unwrap();
    }
}

db_test! {
    async fn start_up_seeds_where_the_profile_asks_and_the_command_seeds_too(db: TestDatabase) {
        // Profiles need their files (empty here: the test sets what it needs).
        let config = tempfile::tempdir().unwrap();
        for f in ["application.toml", "application-dev.toml", "application-test.toml"] {
            std::fs::write(config.path().join(f), "").unwrap();
        }
        let started = db
            .context()
            .config_dir(config.path())
            .profiles(["dev"])
            .set("datasource.migrate", true)
            .set("datasource.migrations", fixture("bank").display().to_string())
            .set("datasource.seed", true)
            .set("datasource.seeds", seeds("").display().to_string())
            .start()
            .await
            .unwrap();
        let ds = started.datasource_default().unwrap();
        assert_eq!(customer_names(&ds).await.len(), 3, "dev's two seeds");
        started.shutdown().await.unwrap();
        // The command, with the test profile active: its seed alone runs now.
        let out = framework_data::migrate::cli::run(
            db.context().config_dir(config.path()).profiles(["dev", "test"]).set("datasource.seeds", seeds("").display().to_string()),
            &["migrate".to_owned(), "seed".to_owned()],
        )
        .await
        .unwrap();
        assert!(out.contains("seeded test/01_fixtures") && !out.contains("dev/"), "{out}");
    }
}

// Entities for `generate`: every field type, and an association of each kind.

#[derive(Entity, Debug, Clone)]
#[entity(table = "gen_owners", datasource = "generate")]
pub struct GenOwner {
    #[id(generated)]
    pub id: i64,
    pub name: String,
    #[one_to_many(mapped_by = "owner")]
    pub pets: Related<Vec<GenPet>>,
    #[many_to_many(
        join_table = "gen_owner_tags",
        join_column = "owner_id",
        inverse_join_column = "tag_code"
    )]
    pub tags: Related<Vec<GenTag>>,
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "gen_tags", datasource = "generate")]
pub struct GenTag {
    #[id]
    pub code: String,
    pub label: Option<String>,
}

/// `GenTag` after a field was added.
#[derive(Entity, Debug, Clone)]
#[entity(table = "gen_tags", datasource = "generate")]
pub struct GenTagWithColor {
    #[id]
    pub code: String,
    pub label: Option<String>,
    pub color: Option<String>,
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "gen_pets", datasource = "generate")]
pub struct GenPet {
    #[id(generated)]
    pub id: i64,
    #[many_to_one(column = "owner_id")]
    pub owner: Ref<GenOwner>,
    pub small: i16,
    pub count: i32,
    pub ratio: f32,
    pub weight: f64,
    pub flag: bool,
    pub photo: Vec<u8>,
    pub born_at: DateTime<Utc>,
    pub seen_at: NaiveDateTime,
    #[index]
    pub birthday: NaiveDate,
    #[unique]
    pub chip: uuid::Uuid,
    pub fee: rust_decimal::Decimal,
    pub extra: serde_json::Value,
    pub note: Option<String>,
    #[one_to_one(column = "collar_id")]
    pub collar: Option<Ref<GenCollar>>,
    #[version]
    pub version: i64,
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "gen_collars", datasource = "generate")]
pub struct GenCollar {
    #[id(generated)]
    pub id: i64,
    pub color: String,
    #[one_to_one(mapped_by = "collar")]
    pub pet: Related<Option<GenPet>>,
}

fn gen_entities() -> Vec<&'static framework_data::entity::EntityMetadata> {
    vec![
        GenOwner::metadata(),
        GenPet::metadata(),
        GenTag::metadata(),
        GenCollar::metadata(),
    ]
}

db_test! {
    async fn generate_writes_a_migration_that_applies_validates_clean_and_undoes(db: TestDatabase) {
        use framework_data::migrate::generate::diff;
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        let entities = gen_entities();
        let first = diff(&ds, &entities).await.unwrap();
        assert_eq!(first.changes, 8, "four tables, the join table and three indexes:\n{}", first.up);
        assert!(first.warnings.is_empty(), "{:?}", first.warnings);
        // gen_pets points to gen_owners: created after it.
        assert!(first.up.find("gen_owners").unwrap() < first.up.find("gen_pets").unwrap(), "{}", first.up);

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("V1__generated.sql"), &first.up).unwrap();
        std::fs::write(dir.path().join("U1__generated.sql"), &first.down).unwrap();
        let m = migrator(&ds, dir.path());
        m.migrate().await.unwrap_or_else(|e| panic!("{e}\n{}", first.up));
        let mismatches = framework_data::schema::validate(&ds, &entities).await.unwrap();
        assert!(mismatches.is_empty(), "{mismatches:#?}\n{}", first.up);
        let again = diff(&ds, &entities).await.unwrap();
        assert_eq!((again.changes, again.warnings.len()), (0, 0), "{}", again.up);

        // The schema works: a pet saved and read back with every type.
        let owners = Repository::<GenOwner>::new(ds.clone());
        let owner = owners
            .save(GenOwner { id: 0, name: "Ann".into(), pets: Related::default(), tags: Related::default() })
            .await
            .unwrap();
        let pets = Repository::<GenPet>::new(ds.clone());
        let pet = GenPet {
            id: 0,
            owner: Ref::to(owner.id),
            small: 1,
            count: 2,
            ratio: 0.5,
            weight: 4.25,
            flag: true,
            photo: vec![1, 2, 3],
            born_at: DateTime::from_timestamp(1_700_000_000, 123_456_000).unwrap(),
            seen_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap().naive_utc(),
            birthday: NaiveDate::from_ymd_opt(2020, 2, 29).unwrap(),
            chip: uuid::Uuid::from_u128(42),
            fee: rust_decimal::Decimal::new(12_345, 2),
            extra: serde_json::json!({"a": 1}),
            note: None,
            collar: None,
            version: 0,
        };
        let saved = pets.save(pet.clone()).await.unwrap();
        let read = pets.find_by_id(saved.id).await.unwrap().unwrap();
        assert_eq!((read.born_at, read.fee, read.chip, read.photo.clone()), (pet.born_at, pet.fee, pet.chip, pet.photo.clone()));

        // A field added to an entity: exactly that column.
        let with_color = vec![GenOwner::metadata(), GenPet::metadata(), GenTagWithColor::metadata(), GenCollar::metadata()];
        let added = diff(&ds, &with_color).await.unwrap();
        assert_eq!(added.changes, 1, "{}", added.up);
        assert_eq!(added.up.lines().filter(|l| !l.starts_with("--")).count(), 1, "{}", added.up);
        assert!(added.up.contains("ADD COLUMN") && added.up.contains("color"), "{}", added.up);
        assert!(added.down.contains("DROP COLUMN") && added.down.contains("color"), "{}", added.down);
        std::fs::write(dir.path().join("V2__color.sql"), &added.up).unwrap();
        std::fs::write(dir.path().join("U2__color.sql"), &added.down).unwrap();
        let m = migrator(&ds, dir.path());
        assert_eq!(m.migrate().await.unwrap().applied, ["V2__color"]);
        assert!(framework_data::schema::validate(&ds, &with_color).await.unwrap().is_empty());

        // Destructive differences are written commented out, with warnings.
        let without_tags = vec![GenOwner::metadata(), GenPet::metadata(), GenTag::metadata(), GenCollar::metadata()];
        let narrowed = diff(&ds, &without_tags).await.unwrap();
        assert_eq!(narrowed.changes, 0, "{}", narrowed.up);
        assert_eq!(narrowed.warnings.len(), 1, "{:?}", narrowed.warnings);
        assert!(narrowed.warnings[0].contains("color"), "{:?}", narrowed.warnings);
        assert!(narrowed.up.lines().all(|l| l.starts_with("--")), "{}", narrowed.up);

        // And back down with the generated undo files.
        m.undo(Some(0)).await.unwrap();
        let left: Vec<String> = schema(&ds).await.into_iter().map(|(t, ..)| t).collect();
        assert!(left.is_empty(), "{left:?}");
        ctx.shutdown().await.unwrap();
    }
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "hand_owners", datasource = "generate")]
pub struct HandOwner {
    #[id]
    pub id: i64,
    #[unique]
    pub email: String,
}

#[derive(Entity, Debug, Clone)]
#[entity(table = "hand_pets", datasource = "generate")]
pub struct HandPet {
    #[id]
    pub id: i64,
    #[many_to_one(column = "owner_id")]
    pub owner: Ref<HandOwner>,
    #[index]
    pub name: String,
}

db_test! {
    async fn validation_reports_missing_foreign_keys_and_indexes_and_generate_adds_them(db: TestDatabase) {
        use framework_data::migrate::generate::diff;
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        let text = if db.backend() == Backend::MySql { "VARCHAR(255)" } else { "TEXT" };
        ds.execute_script(&format!("CREATE TABLE hand_owners (id BIGINT PRIMARY KEY, email {text} NOT NULL)")).await.unwrap();
        ds.execute_script(&format!("CREATE TABLE hand_pets (id BIGINT PRIMARY KEY, owner_id BIGINT NOT NULL, name {text} NOT NULL)")).await.unwrap();
        // An extra index is fine.
        ds.execute_script("CREATE INDEX hand_pets_owner ON hand_pets (owner_id)").await.unwrap();
        let entities = vec![HandOwner::metadata(), HandPet::metadata()];
        let mismatches = framework_data::schema::validate(&ds, &entities).await.unwrap();
        let lines: Vec<String> = mismatches.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert!(lines.iter().any(|l| l.contains("HandOwner (table hand_owners) column email: expected a unique index (`hand_owners_email_key`), found no index")), "{lines:#?}");
        assert!(lines.iter().any(|l| l.contains("column name: expected an index (`hand_pets_name_idx`)")), "{lines:#?}");
        assert!(lines.iter().any(|l| l.contains("column owner_id: expected a foreign key to hand_owners")), "{lines:#?}");

        let generated = diff(&ds, &entities).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("V1__constraints.sql"), &generated.up).unwrap();
        std::fs::write(dir.path().join("U1__constraints.sql"), &generated.down).unwrap();
        let m = migrator(&ds, dir.path());
        m.migrate().await.unwrap_or_else(|e| panic!("{e}\n{}", generated.up));
        let left: Vec<String> = framework_data::schema::validate(&ds, &entities).await.unwrap().iter().map(ToString::to_string).collect();
        match db.backend() {
            // SQLite cannot add a foreign key to an existing table: a warning, still missing.
            Backend::Sqlite => {
                assert_eq!(generated.warnings.len(), 1, "{:?}", generated.warnings);
                assert_eq!(left.len(), 1, "{left:#?}");
                assert!(left[0].contains("foreign key"), "{left:#?}");
            }
            _ => {
                assert_eq!(generated.changes, 3, "{}", generated.up);
                assert!(left.is_empty(), "{left:#?}\n{}", generated.up);
            }
        }
        // The undo removes what it added.
        m.undo(None).await.unwrap_or_else(|e| panic!("{e}\n{}", generated.down));
        assert_eq!(framework_data::schema::validate(&ds, &entities).await.unwrap().len(), 3);
        ctx.shutdown().await.unwrap();
    }
}

#[seeder(profile = "rusty", order = 2)]
async fn second_customers(ds: DataSource) -> DataResult<()> {
    ds.execute_script("INSERT INTO customers (name) VALUES ('From Rust 2')")
        .await?;
    Ok(())
}

#[seeder(profile = "rusty", order = 1)]
async fn first_customers(ds: DataSource) -> DataResult<()> {
    let customers = Repository::<Customer>::new(ds);
    customers
        .save(Customer {
            id: 0,
            name: "From Rust 1".into(),
            note: None,
        })
        .await?;
    Ok(())
}

db_test! {
    async fn rust_seeders_run_after_the_profile_s_sql_files_in_order_once(db: TestDatabase) {
        let ctx = db.context().start().await.unwrap();
        let ds = ctx.datasource_default().unwrap();
        migrator(&ds, &fixture("bank")).migrate().await.unwrap();
        let dir = seeds("").display().to_string();
        let profiles = ["rusty".to_owned()];
        let seeder = framework_data::migrate::Seeder::load(ds.clone(), &dir, None, &profiles).unwrap();
        assert_eq!(seeder.seed().await.unwrap(), ["rusty/01_sql_first", "rusty/first_customers", "rusty/second_customers"]);
        assert_eq!(customer_names(&ds).await, ["From SQL", "From Rust 1", "From Rust 2"]);
        assert!(seeder.seed().await.unwrap().is_empty(), "once per database");
        // Without a seeds directory, the registered seeders still run.
        let fresh = framework_data::migrate::Seeder::load(ds.clone(), "no/such/seeds", None, &profiles).unwrap();
        assert!(fresh.seed().await.unwrap().is_empty());
        ctx.shutdown().await.unwrap();
    }
}
