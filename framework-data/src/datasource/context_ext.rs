//! DataSource lookups on the [`ApplicationContext`].

use std::sync::Arc;

use framework_core::ApplicationContext;
use shaku::Module;

use super::{DataSource, DataSources};
use crate::entity::Entity;
use crate::error::DataResult;
use crate::repository::Repository;

/// Adds DataSource lookups to [`ApplicationContext`] (in the prelude).
///
/// ```no_run
/// use framework_core::ApplicationContext;
/// use framework_data::datasource::DataContextExt;
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
    /// The CRUD repository of `E` on the default DataSource.
    fn repository<E: Entity>(&self) -> DataResult<Repository<E>> {
        self.datasource_default().map(Repository::new)
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
}
