//! Collection caches: `#[one_to_many(mapped_by = "owner", cache)]` keeps each parent's children
//! in the parent's region, so loading the association again sends no statement.
//!
//! Consistency follows the entity cache's protocol (see `keyed`), with a coarser write: a
//! write of the child type (insert, update, delete, by a repository, a cascade, a derived
//! delete or a modifying query) cannot know every parent it affects (an updated child's
//! previous parent is not known without a read), so it empties the collection caches over that
//! child type and blocks their refill until its transaction ends. Loads take their ticket
//! before the SELECT and put only if no such write began or ended since: a collection read
//! before a commit is never served after it.
//!
//! The derive registers each cached association here (a link-time list), so that a writer of
//! the child type finds every collection cache over it, even one no loader has created yet.

use std::any::TypeId;
use std::sync::Arc;

use super::CacheManager;
use crate::datasource::DataSource;
use crate::entity::Entity;
use crate::tx::TransactionSynchronization;

/// A cached to-many association, as `#[derive(Entity)]` registers it.
pub struct CachedCollection {
    /// The child entity type.
    pub child: fn() -> TypeId,
    /// Starts a write of the child type on this cache: the guard ends it when dropped.
    pub begin_write: fn(&CacheManager, &DataSource) -> Option<Arc<dyn TransactionSynchronization>>,
}

/// Every cached association linked into the program.
#[linkme::distributed_slice]
#[linkme(crate = framework_core::__private::linkme)]
pub static CACHED_COLLECTIONS: [CachedCollection];

/// The cached associations whose children are `C`.
pub(crate) fn over<C: 'static>() -> Vec<&'static CachedCollection> {
    CACHED_COLLECTIONS
        .iter()
        .filter(|c| (c.child)() == TypeId::of::<C>())
        .collect()
}

impl CacheManager {
    /// The collection cache `name` (`"Owner.pets"`) of parent `P` with children `C` on `ds`,
    /// in `P`'s region, when that region is enabled.
    pub fn collection_cache<P: Entity, C: Entity>(
        &self,
        name: &'static str,
        ds: &DataSource,
    ) -> Option<Arc<super::CollectionCache<P, C>>> {
        let region = P::metadata().cache_region?;
        self.region(region)
            .cache::<P::Id, Vec<C>>(name, ds.identity())
    }
}

/// [`CachedCollection::begin_write`] for parent `P`, children `C`.
#[doc(hidden)]
pub fn begin_collection_write<P: Entity, C: Entity>(
    name: &'static str,
    manager: &CacheManager,
    ds: &DataSource,
) -> Option<Arc<dyn TransactionSynchronization>> {
    let cache = manager.collection_cache::<P, C>(name, ds)?;
    Some(Arc::new(cache.begin_write_all()))
}
