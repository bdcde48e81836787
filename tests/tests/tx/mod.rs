//! Helpers for the transaction tests: an `items` table, an observer on its own pool, and
//! shortcuts for statements and error checks.

#![allow(dead_code)]

use std::time::Duration;

use framework_data::datasource::{DataSource, DataSourceConfig};
use framework_data::prelude::*;
use framework_data::sql::Sql;
use framework_data::tx::TxError;
use tests::{Backend, TestDatabase};

/// A context on the test database (with `extra` settings, numbers and booleans typed) and its default DataSource, with an
/// `items (id, label)` table.
pub async fn start_with(
    db: &TestDatabase,
    extra: &[(&str, &str)],
) -> (ApplicationContext, DataSource, TransactionManager) {
    let mut builder = db.context();
    for (k, v) in extra {
        builder = match (v.parse::<i64>(), v.parse::<bool>()) {
            (Ok(n), _) => builder.set(k, n),
            (_, Ok(b)) => builder.set(k, b),
            _ => builder.set(k, *v),
        };
    }
    let ctx = builder.start().await.unwrap();
    let ds = ctx.datasource_default().unwrap();
    let label = if db.backend() == Backend::MySql {
        "VARCHAR(64)"
    } else {
        "TEXT"
    };
    ds.execute_script(&format!(
        "CREATE TABLE IF NOT EXISTS items (id BIGINT PRIMARY KEY, label {label} NOT NULL)"
    ))
    .await
    .unwrap();
    let tm = ctx.transaction_manager_default().unwrap();
    (ctx, ds, tm)
}

pub async fn start(db: &TestDatabase) -> (ApplicationContext, DataSource, TransactionManager) {
    start_with(db, &[]).await
}

/// A second pool on the same database: it never takes part in the test's transactions, so it
/// sees only committed rows.
pub async fn observer(db: &TestDatabase) -> DataSource {
    DataSource::connect("observer", &DataSourceConfig::new(db.url()))
        .await
        .unwrap()
}

/// Inserts item `id` through `ds` (inside the ambient transaction, if any).
pub async fn insert(ds: &DataSource, id: i64) -> DataResult<()> {
    let mut args = ds.args();
    args.add(&id).unwrap();
    args.add(&format!("item {id}")).unwrap();
    let sql = match ds.dialect() {
        Dialect::Postgres => "INSERT INTO items (id, label) VALUES ($1, $2)",
        _ => "INSERT INTO items (id, label) VALUES (?, ?)",
    };
    ds.execute(Sql::from(sql), args).await.map(|_| ())
}

/// The ids in `items`, sorted, as `ds` sees them.
pub async fn ids(ds: &DataSource) -> Vec<i64> {
    ds.fetch_all(Sql::from("SELECT id FROM items ORDER BY id"), ds.args())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<i64>(0).unwrap())
        .collect()
}

/// The TxError inside a DataError, if that is what it is.
pub fn tx_error(e: &DataError) -> Option<&TxError> {
    match e {
        DataError::Transaction(t) => Some(t),
        _ => None,
    }
}

/// An error a test body returns on purpose.
pub fn boom() -> DataError {
    DataError::InvalidArgument("boom".to_owned())
}

pub fn is_boom(e: &DataError) -> bool {
    matches!(e, DataError::InvalidArgument(m) if m == "boom")
}

/// Waits until every connection of `ds` is back in the pool.
pub async fn all_idle(ds: &DataSource) -> bool {
    tests::eventually(Duration::from_secs(10), || ds.status().in_use == 0).await
}

/// SQLite allows one writer at a time: a second transaction cannot write while the first one
/// has written, so tests that need both to write order them accordingly there.
pub fn single_writer(db: &TestDatabase) -> bool {
    db.backend() == Backend::Sqlite
}
