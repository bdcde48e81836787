//! The running transaction as a scope sees it: Spring's `TransactionStatus`.
//!
//! [`current()`] (default DataSource) and [`current_on`] return the status of the innermost
//! transactional scope the task runs in, so a service can mark the transaction rollback-only
//! without returning an error, or work with savepoints by hand:
//!
//! ```no_run
//! use framework_data::prelude::*;
//! use framework_data::tx;
//!
//! // In a #[transactional] function, or a TransactionManager scope as here:
//! async fn import(tm: &TransactionManager, rows: &[String]) -> DataResult<usize> {
//!     tm.execute(&TransactionDefinition::new(), async {
//!         let status = tx::current().expect("inside a transactional scope");
//!         let before_batch = status.create_savepoint().await?;
//!         let imported = rows.len(); /* ... write the rows ... */
//!         if imported == 0 {
//!             status.rollback_to_savepoint(&before_batch).await?; // undo the batch only
//!         } else {
//!             status.release_savepoint(before_batch).await?;
//!         }
//!         if rows.iter().any(|r| r.is_empty()) {
//!             status.set_rollback_only(); // roll everything back, still return Ok
//!         }
//!         Ok::<_, DataError>(imported)
//!     })
//!     .await
//! }
//! ```

use std::sync::Arc;

use super::active::{ActiveTransaction, Frame};
use crate::datasource::DEFAULT_DATASOURCE;
use crate::error::DataError;

/// A transactional scope's view of its running transaction.
///
/// `set_rollback_only` follows Spring: in the scope that began the transaction, it rolls back
/// quietly when the scope ends (the scope's result is returned as is); in a `Nested` scope, it
/// rolls back to the scope's savepoint, quietly; in a participating scope (`Required`,
/// `Supports`, `Mandatory` joining), it dooms the whole transaction, whose owner then gets
/// `TxError::UnexpectedRollback`.
#[derive(Clone)]
pub struct TransactionStatus {
    tx: Arc<ActiveTransaction>,
    frame: Option<Arc<Frame>>,
}

/// A savepoint made with [`TransactionStatus::create_savepoint`].
#[derive(Debug, PartialEq, Eq)]
pub struct Savepoint(u32);

/// The status of the innermost transactional scope on the default DataSource, or `None` when
/// the task runs no transaction there (outside any scope, or in a scope without a transaction).
pub fn current() -> Option<TransactionStatus> {
    current_on(DEFAULT_DATASOURCE)
}

/// [`current`] for the DataSource called `datasource`.
pub fn current_on(datasource: &str) -> Option<TransactionStatus> {
    let tx = super::ambient::current_named(datasource)?;
    let frame = tx.innermost();
    Some(TransactionStatus { tx, frame })
}

impl TransactionStatus {
    /// Whether this scope began the transaction (false in a participating or `Nested` scope).
    pub fn is_new_transaction(&self) -> bool {
        self.frame.as_ref().is_some_and(|f| f.new_transaction)
    }

    /// Whether this scope holds a savepoint (a `Nested` scope inside a transaction).
    pub fn has_savepoint(&self) -> bool {
        self.frame.as_ref().is_some_and(|f| f.savepoint.is_some())
    }

    /// Whether this scope or the whole transaction was marked rollback-only.
    pub fn is_rollback_only(&self) -> bool {
        self.tx.is_rollback_only() || self.frame.as_ref().is_some_and(|f| f.local_rollback_only())
    }

    /// Marks the scope rollback-only (see the type's documentation for what that does).
    pub fn set_rollback_only(&self) {
        match &self.frame {
            Some(frame) => frame.set_local_rollback_only(),
            None => self.tx.set_rollback_only(),
        }
    }

    /// Whether the transaction has committed or rolled back already.
    pub fn is_completed(&self) -> bool {
        self.tx.is_completed()
    }

    /// The transaction's name (`#[transactional]` uses the function's path).
    pub fn name(&self) -> &str {
        self.tx.name()
    }

    /// The DataSource it runs on.
    pub fn datasource(&self) -> &str {
        self.tx.ds.name()
    }

    /// `SAVEPOINT`.
    pub async fn create_savepoint(&self) -> Result<Savepoint, DataError> {
        self.tx.savepoint().await.map(Savepoint)
    }

    /// `ROLLBACK TO SAVEPOINT` (and release it): what followed it is undone, the transaction
    /// goes on, no longer rollback-only from a statement failure after the savepoint.
    pub async fn rollback_to_savepoint(&self, savepoint: &Savepoint) -> Result<(), DataError> {
        self.tx.rollback_to(savepoint.0).await
    }

    /// `RELEASE SAVEPOINT`: keep what followed it.
    pub async fn release_savepoint(&self, savepoint: Savepoint) -> Result<(), DataError> {
        self.tx.release(savepoint.0).await
    }
}

impl std::fmt::Debug for TransactionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransactionStatus")
            .field("name", &self.name())
            .field("datasource", &self.datasource())
            .field("new_transaction", &self.is_new_transaction())
            .field("has_savepoint", &self.has_savepoint())
            .field("rollback_only", &self.is_rollback_only())
            .finish()
    }
}
