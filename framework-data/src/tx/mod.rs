//! Transactions with Spring's semantics: propagation, isolation, read-only, timeout, rollback
//! rules, synchronizations and retry, on every driver.
//!
//! The current transaction lives in a tokio task-local (the *ambient* context). Repository
//! calls and every statement a [`DataSource`](crate::datasource::DataSource) runs take the
//! current transaction of their DataSource when the task has one and an auto-commit pooled
//! connection otherwise; nobody passes connections around.
//!
//! - [`TransactionManager::execute`]: run a future as a transactional scope.
//! - [`TransactionTemplate`]: the same with retry, for closures.
//! - `#[transactional(...)]` (re-exported in the prelude): the same on an `async fn`.
//!
//! Work spawned with `tokio::spawn` starts without a transaction, as a new thread does in
//! Spring; [`carry`] takes the context along explicitly (read its caveats).
//!
//! A transaction whose future is dropped (cancelled, or the task aborted) or whose body panics
//! is rolled back: sqlx queues the ROLLBACK when the transaction is dropped and flushes it
//! before the connection is reused, so no connection returns to the pool inside a transaction.
//! Synchronizations do not run for a cancelled transaction.

pub(crate) mod active;
pub(crate) mod ambient;
mod auto_config;
pub mod events;
pub(crate) mod macro_support;
pub(crate) mod manager;
mod managers;
mod registry;
pub(crate) mod retry;
mod rollback;
mod stats;
mod status;
mod synchronization;
mod template;

pub use crate::definition::{Isolation, Propagation, TransactionDefinition};
pub use crate::error::TxError;
pub use ambient::carry;
pub use auto_config::TransactionManagersAutoConfiguration;
pub use events::{TransactionPhase, TransactionalEventListener, publish};
pub use managers::{TransactionManager, TransactionManagers, TransactionMetrics};
pub(crate) use retry::Retry;
pub use rollback::RollbackPolicy;
pub use stats::{TransactionStats, TransactionStatsSnapshot};
pub use status::{Savepoint, TransactionStatus, current, current_on};
pub use synchronization::{CompletionStatus, TransactionSynchronization};
pub use template::TransactionTemplate;

pub(crate) use registry::{deregister, register};
