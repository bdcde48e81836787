//! `TransactionTemplate`: the programmatic form of `#[transactional]`, with retry.

use std::future::Future;

use super::{Retry, RollbackPolicy, TransactionDefinition, TransactionManager, TxError};

/// A TransactionManager with a definition, rollback rules and a retry count: call
/// [`execute`](Self::execute) with a closure that builds the body, as often as needed.
///
/// ```no_run
/// use framework_data::prelude::*;
/// use framework_data::tx::{Isolation, TransactionDefinition, TransactionTemplate};
/// # async fn run(ctx: ApplicationContext) -> Result<(), DataError> {
/// let template = TransactionTemplate::new(ctx.transaction_manager_default()?)
///     .definition(TransactionDefinition::new().isolation(Isolation::Serializable))
///     .retry(3);
/// let ds = ctx.datasource_default()?;
/// let rows = template
///     .execute(|| {
///         let ds = ds.clone();
///         async move { ds.execute_script("UPDATE counters SET n = n + 1").await }
///     })
///     .await?;
/// # let _ = rows; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TransactionTemplate {
    manager: TransactionManager,
    definition: TransactionDefinition,
    retry: u32,
}

impl TransactionTemplate {
    /// `Required`, default isolation, no retry.
    pub fn new(manager: TransactionManager) -> Self {
        TransactionTemplate {
            manager,
            definition: TransactionDefinition::new(),
            retry: 0,
        }
    }

    /// Sets the definition.
    pub fn definition(mut self, definition: TransactionDefinition) -> Self {
        self.definition = definition;
        self
    }

    /// Re-runs the whole transaction up to `retries` times on a serialization failure or
    /// deadlock (see [`Retry`]).
    pub fn retry(mut self, retries: u32) -> Self {
        self.retry = retries;
        self
    }

    /// Runs the body `body()` builds in a transaction, rolling back on any error.
    pub async fn execute<T, E, F, Fut>(&self, body: F) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: From<TxError>,
    {
        self.execute_with(RollbackPolicy::always(), body).await
    }

    /// Like [`execute`](Self::execute), with rollback rules.
    pub async fn execute_with<T, E, F, Fut>(
        &self,
        policy: RollbackPolicy<E>,
        mut body: F,
    ) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: From<TxError>,
    {
        let mut retry = Retry::new(self.retry);
        loop {
            let attempt = self
                .manager
                .run(&self.definition, policy, E::from, body())
                .await;
            if !retry.again(&self.manager, &attempt).await {
                return attempt.into_result();
            }
        }
    }
}
