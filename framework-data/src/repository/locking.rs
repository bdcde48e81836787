//! Locking reads (`find_by_id_for_update`, `#[lock(..)]` on derived queries): what runs before
//! the SELECT, the clause after it, and the errors of `NOWAIT`.

use crate::datasource::DataSource;
use crate::entity::EntityMetadata;
use crate::error::{DataError, DataResult, TxError};
use crate::sql::Lock;
use crate::sql::dialect;
use crate::tx::Propagation;

/// Checks that a locking read may run (inside a transaction on `ds`: the lock lasts until it
/// ends, so outside one it would be released at once) and that the dialect can take `lock`,
/// then runs the dialect's prelude (SQLite's write lock). Returns the clause to append to the
/// SELECT.
pub(crate) async fn prepare(
    ds: &DataSource,
    lock: Lock,
    meta: &'static EntityMetadata,
) -> DataResult<String> {
    if crate::tx::ambient::current(ds).is_none() {
        return Err(DataError::Transaction(Box::new(TxError::NoTransaction {
            datasource: ds.name().to_owned(),
            propagation: Propagation::Mandatory,
        })));
    }
    let sql = dialect::of(ds.dialect());
    let mut clause = String::new();
    sql.lock_clause(lock, &mut clause)
        .map_err(|why| DataError::InvalidArgument(why.to_owned()))?;
    let column = meta
        .id_columns()
        .next()
        .map_or(meta.columns[0].column, |c| c.column);
    if let Some(prelude) = sql.lock_prelude(lock, meta.table, column) {
        ds.execute_script(&prelude).await?;
    }
    Ok(clause)
}

/// The error of a locking read: with `NOWAIT`, a lock-wait failure is
/// [`DataError::LockNotAvailable`] on every database.
pub(crate) fn error(lock: Lock, e: DataError) -> DataError {
    match e {
        DataError::Deadlock {
            datasource,
            message,
        } if lock.wait == crate::sql::LockWait::NoWait => DataError::LockNotAvailable {
            datasource,
            message,
        },
        other => other,
    }
}
