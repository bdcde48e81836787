//! Eager associations: what `#[derive(Entity)]` registers for an entity with
//! `fetch = "eager"` associations, and where the repository runs it.
//!
//! Every read that returns entities (`find_by_id`, `find_all*`, derived queries, `#[query]`
//! methods) loads their eager associations before returning, one statement per association
//! and level (see `association::load_eager`). Streams do not: they hand out rows one by one.

use crate::__private::BoxFuture;
use crate::datasource::DataSource;
use crate::entity::Entity;
use crate::error::DataResult;

/// Loads the eager associations of the entities a read found.
pub type LoadEager<E> = for<'a> fn(Vec<&'a mut E>, &'a DataSource) -> BoxFuture<'a, DataResult<()>>;

/// The eager loading of one entity type, as a static the derive hands out through
/// `Entity::__fw_eager`.
pub struct EagerHook<E: Entity> {
    /// Runs on what a read found.
    pub load: LoadEager<E>,
}

/// Loads the eager associations of `found`, when `E` has any.
pub(crate) async fn load<E: Entity>(found: &mut [E], ds: &DataSource) -> DataResult<()> {
    let Some(hook) = E::__fw_eager().and_then(|any| any.downcast_ref::<EagerHook<E>>()) else {
        return Ok(());
    };
    if found.is_empty() {
        return Ok(());
    }
    (hook.load)(found.iter_mut().collect(), ds).await
}
