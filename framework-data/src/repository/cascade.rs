//! Cascades: what `#[derive(Entity)]` registers for an entity whose to-many associations
//! cascade (`#[one_to_many(cascade = "all")]`), and where the repository runs it.
//!
//! `save` writes the entity's row, then its loaded cascading collections (see
//! `association::cascade_save`); `delete` and `delete_by_id` remove the cascading children
//! first. Both run in one transaction: the caller's, else one of their own (`Required`).

use crate::__private::BoxFuture;
use crate::datasource::DataSource;
use crate::entity::Entity;
use crate::error::DataResult;

/// Writes an entity's cascading collections after its own row; `existed` says whether the row
/// was there before (a new one has no stored children or links to compare against).
pub type AfterSave<E> =
    for<'a> fn(&'a mut E, bool, &'a DataSource) -> BoxFuture<'a, DataResult<()>>;

/// Deletes the cascading children of the entity with this id before its own row.
pub type BeforeDelete<E> =
    for<'a> fn(&'a <E as Entity>::Id, &'a DataSource) -> BoxFuture<'a, DataResult<()>>;

/// The cascade operations of one entity type, as a static the derive hands out through
/// `Entity::__fw_cascade`.
pub struct CascadeHooks<E: Entity> {
    /// Runs after `save` wrote the entity's row (its id is set).
    pub after_save: AfterSave<E>,
    /// Runs before the entity's row is deleted.
    pub before_delete: BeforeDelete<E>,
}

/// The hooks of `E`, when it has cascading associations.
pub(crate) fn hooks<E: Entity>() -> Option<&'static CascadeHooks<E>> {
    E::__fw_cascade().and_then(|any| any.downcast_ref::<CascadeHooks<E>>())
}
