//! Transactional events: Spring's `@TransactionalEventListener`. Code publishes an event
//! (a service, or an entity from a [`Lifecycle`](crate::entity::Lifecycle) callback) while a
//! transaction runs; the listeners of its type run at the phase they asked for, only for
//! that outcome: before the commit (still inside the transaction), after the commit, after a
//! rollback, or after either.
//!
//! ```no_run
//! use std::sync::Arc;
//! use framework_data::prelude::*;
//! use framework_data::tx::{TransactionPhase, TransactionalEventListener};
//!
//! #[derive(Debug)]
//! struct OrderPlaced { id: i64 }
//!
//! struct Mailer;
//! impl TransactionalEventListener<OrderPlaced> for Mailer {
//!     // The default phase is AfterCommit: no mail for an order that rolled back.
//!     fn on_event<'a>(&'a self, event: &'a OrderPlaced) -> BoxFuture<'a, DataResult<()>> {
//!         Box::pin(async move { println!("mail for order {}", event.id); Ok(()) })
//!     }
//! }
//!
//! # async fn demo(ctx: ApplicationContext) -> DataResult<()> {
//! ctx.add_event_listener::<OrderPlaced>(Arc::new(Mailer));
//! let tm = ctx.transaction_manager_default()?;
//! tm.execute(&TransactionDefinition::new(), async {
//!     // ... write the order ...
//!     tm.publish(OrderPlaced { id: 7 });
//!     Ok::<_, DataError>(())
//! })
//! .await?;
//! # Ok(()) }
//! ```
//!
//! - Events belong to the transaction that is running where they are published (its outer
//!   transaction for a joined or `Nested` scope; a `RequiresNew` one has its own), and go
//!   when it completes, in the order published; each event's listeners in the order added.
//! - A `BeforeCommit` listener runs inside the transaction: what it writes commits with it,
//!   and its error rolls the transaction back (the scope fails with
//!   `TxError::Synchronization`). The other phases run after the end: an error there is
//!   logged, as the outcome cannot change.
//! - Published with no transaction and no transactional scope, an event reaches only the
//!   listeners whose `fallback_execution` is true (Spring's `fallbackExecution`), at once on
//!   a task of its own.

use std::sync::Arc;

use framework_core::context::BoxFuture;

use super::{CompletionStatus, TransactionManager, TransactionSynchronization, TxError};
use crate::datasource::DataSource;
use crate::error::DataResult;

/// When a [`TransactionalEventListener`] runs, relative to the publishing transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TransactionPhase {
    /// Before COMMIT, inside the transaction.
    BeforeCommit,
    /// After a successful COMMIT (the default).
    #[default]
    AfterCommit,
    /// After a ROLLBACK.
    AfterRollback,
    /// After COMMIT or ROLLBACK.
    AfterCompletion,
}

/// Receives the events of type `Ev` published in transactions, at its [`phase`](Self::phase).
/// See the [module docs](self).
pub trait TransactionalEventListener<Ev>: Send + Sync + 'static {
    /// The phase it runs at; `AfterCommit` unless overridden.
    fn phase(&self) -> TransactionPhase {
        TransactionPhase::AfterCommit
    }

    /// Whether it also runs for events published without a transaction (at once).
    fn fallback_execution(&self) -> bool {
        false
    }

    /// Handles one event.
    fn on_event<'a>(&'a self, event: &'a Ev) -> BoxFuture<'a, DataResult<()>>;
}

impl DataSource {
    /// Adds `listener` for events of type `Ev` published in transactions on this DataSource.
    pub fn add_event_listener<Ev: Send + Sync + 'static>(
        &self,
        listener: Arc<dyn TransactionalEventListener<Ev>>,
    ) {
        self.push_extension(listener);
    }
}

impl TransactionManager {
    /// Publishes `event` in the current transaction of this manager's DataSource: its
    /// listeners run at their phases when the transaction completes (see the
    /// [module docs](crate::tx::events)). Without listeners for `Ev` it does nothing.
    pub fn publish<Ev: Send + Sync + 'static>(&self, event: Ev) {
        let Some(listeners) = self
            .datasource()
            .extension_list::<dyn TransactionalEventListener<Ev>>()
        else {
            return;
        };
        let published = Arc::new(Published {
            event: Arc::new(event),
            listeners,
        });
        if self.register_synchronization(published.clone()).is_err() {
            // No transaction and no transactional scope: only the fallback listeners.
            tokio::spawn(async move {
                for l in published.listeners.iter().filter(|l| l.fallback_execution()) {
                    if let Err(e) = l.on_event(&published.event).await {
                        tracing::warn!(error = %e, "event listener failed (no transaction)");
                    }
                }
            });
        }
    }
}

/// Publishes `event` in the current transaction of the default DataSource's manager: what an
/// entity's `Lifecycle` callback (or any code without a manager at hand) calls. Without a
/// manager for the default DataSource, only fallback listeners could run, and there are none
/// to find: it does nothing.
pub fn publish<Ev: Send + Sync + 'static>(event: Ev) {
    if let Ok(tm) = TransactionManager::lookup(crate::datasource::DEFAULT_DATASOURCE) {
        tm.publish(event);
    }
}

/// One published event and the listeners it had then, as a synchronization.
struct Published<Ev> {
    event: Arc<Ev>,
    listeners: crate::datasource::ExtensionList<dyn TransactionalEventListener<Ev>>,
}

impl<Ev: Send + Sync + 'static> Published<Ev> {
    async fn run(&self, phase: TransactionPhase) -> DataResult<()> {
        for l in self.listeners.iter().filter(|l| l.phase() == phase) {
            l.on_event(&self.event).await?;
        }
        Ok(())
    }
}

impl<Ev: Send + Sync + 'static> TransactionSynchronization for Published<Ev> {
    fn before_commit(&self, _read_only: bool) -> BoxFuture<'_, Result<(), TxError>> {
        Box::pin(async move {
            self.run(TransactionPhase::BeforeCommit)
                .await
                .map_err(TxError::from)
        })
    }

    fn after_completion(&self, status: CompletionStatus) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let phase = match status {
                CompletionStatus::Committed => Some(TransactionPhase::AfterCommit),
                CompletionStatus::RolledBack => Some(TransactionPhase::AfterRollback),
                CompletionStatus::Unknown => None,
            };
            for phase in phase.into_iter().chain([TransactionPhase::AfterCompletion]) {
                if let Err(e) = self.run(phase).await {
                    tracing::warn!(error = %e, ?phase, "transactional event listener failed");
                }
            }
        })
    }
}
