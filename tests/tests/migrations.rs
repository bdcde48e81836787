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
