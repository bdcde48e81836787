//! The data layer's additions to the [`ApplicationContext`]: its DataSources, repositories,
//! SQL client and transaction scope (`ctx.datasource_default()`, `ctx.repository::<E>()`,
//! `ctx.sql(..)`, `ctx.scope(..)`). This module sits on top of the others: it reaches each.

use std::future::Future;
use std::sync::Arc;

use framework_core::{ApplicationContext, ApplicationContextBuilder};
use shaku::Module;

use crate::datasource::{AuditorAware, DEFAULT_DATASOURCE, DataSource, DataSources};
use crate::entity::Entity;
use crate::error::DataResult;
use crate::repository::Repository;
use crate::tx::ambient::Ambient;
use crate::tx::{TransactionManager, TransactionManagers, TxError};

/// Adds DataSource lookups to [`ApplicationContext`] (in the prelude).
///
/// ```no_run
/// use framework_core::ApplicationContext;
/// use framework_data::context::DataContextExt;
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let ctx = ApplicationContext::builder().set("datasource.url", "sqlite::memory:").start().await?;
/// let ds = ctx.datasource_default()?;
/// ds.ping().await?;
/// # Ok(()) }
/// ```
pub trait DataContextExt {
    /// Every DataSource.
    fn datasources(&self) -> Arc<DataSources>;
    /// The DataSource called `name`.
    fn datasource(&self, name: &str) -> DataResult<DataSource>;
    /// The default DataSource (`[datasource]`).
    fn datasource_default(&self) -> DataResult<DataSource>;
    /// The TransactionManager of the DataSource called `name`.
    fn transaction_manager(&self, name: &str) -> DataResult<TransactionManager>;
    /// The TransactionManager of the default DataSource.
    fn transaction_manager_default(&self) -> DataResult<TransactionManager> {
        self.transaction_manager(DEFAULT_DATASOURCE)
    }
    /// Makes `auditor` the one every DataSource of the context asks who is acting, for
    /// `#[created_by]` and `#[last_modified_by]` fields (Spring Data's `AuditorAware` bean).
    ///
    /// ```no_run
    /// # use framework_data::prelude::*;
    /// # fn demo(ctx: ApplicationContext) {
    /// tokio::task_local! { static USER: String; }
    /// ctx.set_auditor_aware(std::sync::Arc::new(|| USER.try_with(|u| u.clone()).ok()));
    /// # }
    /// ```
    fn set_auditor_aware(&self, auditor: Arc<dyn AuditorAware>) {
        for ds in self.datasources().iter() {
            ds.set_auditor_aware(auditor.clone());
        }
    }
    /// Adds `listener` to the ones called around writes of `E`, on every DataSource of the
    /// context (see [`EntityListener`](crate::repository::EntityListener)).
    fn add_entity_listener<E: Entity>(
        &self,
        listener: Arc<dyn crate::repository::EntityListener<E>>,
    ) {
        for ds in self.datasources().iter() {
            ds.add_entity_listener(listener.clone());
        }
    }
    /// Adds `listener` for events of type `Ev` published in transactions, on every
    /// DataSource of the context (see
    /// [`TransactionalEventListener`](crate::tx::TransactionalEventListener)).
    fn add_event_listener<Ev: Send + Sync + 'static>(
        &self,
        listener: Arc<dyn crate::tx::TransactionalEventListener<Ev>>,
    ) {
        for ds in self.datasources().iter() {
            ds.add_event_listener(listener.clone());
        }
    }
    /// Runs `fut` with this context's TransactionManagers as the ones `#[transactional]` and
    /// [`TransactionManager::lookup`] find, whatever other contexts the process has started
    /// (tests running in parallel, say).
    fn scope<F: Future>(&self, fut: F) -> impl Future<Output = F::Output> + use<Self, F>;
    /// The CRUD repository of `E` on the default DataSource.
    fn repository<E: Entity>(&self) -> DataResult<Repository<E>> {
        self.datasource_default().map(Repository::new)
    }
    /// A plain SQL statement on the default DataSource, with `:name` parameters, run in the
    /// task's transaction there if there is one (see
    /// [`SqlStatement`](crate::repository::SqlStatement)).
    fn sql<'a>(&self, text: &str) -> crate::repository::SqlStatement<'a> {
        crate::repository::SqlStatement::new(self.datasource_default(), text)
    }
}

impl<M: Module> DataContextExt for ApplicationContext<M> {
    fn datasources(&self) -> Arc<DataSources> {
        // Registered by the DataSources auto-configuration; empty if it was left out.
        self.beans().get::<DataSources>().unwrap_or_default()
    }

    fn datasource(&self, name: &str) -> DataResult<DataSource> {
        self.datasources().get(name)
    }

    fn datasource_default(&self) -> DataResult<DataSource> {
        self.datasources().default_datasource()
    }

    fn transaction_manager(&self, name: &str) -> DataResult<TransactionManager> {
        let managers = self
            .beans()
            .get::<TransactionManagers>()
            .unwrap_or_default();
        match managers.get(name) {
            Some(m) => Ok(m.clone()),
            None => Err(self.datasource(name).err().unwrap_or_else(|| {
                TxError::NoManager {
                    datasource: name.to_owned(),
                }
                .into()
            })),
        }
    }

    fn scope<F: Future>(&self, fut: F) -> impl Future<Output = F::Output> + use<M, F> {
        let managers = self
            .beans()
            .get::<TransactionManagers>()
            .unwrap_or_default();
        Ambient::snapshot().with_managers(managers).run(fut)
    }
}

/// Adds the data layer's start-up registrations to the context builder (in the prelude).
///
/// ```no_run
/// use std::sync::Arc;
/// use framework_data::driver::{PoolEvent, PoolInfo, PoolListener};
/// use framework_data::prelude::*;
///
/// struct Timeouts;
/// impl PoolListener for Timeouts {
///     fn on_event(&self, pool: &PoolInfo, event: PoolEvent) {
///         if let PoolEvent::Timeout { waited } = event {
///             eprintln!("{}: no connection within {waited:?}", pool.pool);
///         }
///     }
/// }
/// # async fn run() -> Result<(), framework_core::Error> {
/// let ctx = ApplicationContext::builder().pool_listener(Arc::new(Timeouts)).start().await?;
/// # Ok(()) }
/// ```
pub trait DataBuilderExt: Sized {
    /// Adds `listener` to every pool of every DataSource the context opens (primaries and
    /// replicas), from their first connection on: HikariCP's metrics tracker as a bean. The
    /// actuator's connection metrics are one such listener.
    fn pool_listener(self, listener: Arc<dyn crate::driver::PoolListener>) -> Self;
}

impl<M> DataBuilderExt for ApplicationContextBuilder<M> {
    fn pool_listener(self, listener: Arc<dyn crate::driver::PoolListener>) -> Self {
        self.beans()
            .get_or_insert_default::<crate::driver::PoolListeners>()
            .add(listener);
        self
    }
}
