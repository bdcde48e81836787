//! Entities: the [`Entity`] trait that `#[derive(Entity)]` implements, and the metadata every
//! later feature (SQL generation, sort validation, schema validation) reads at run time.

mod audit;
pub mod embedded;
mod id;
pub mod lifecycle;
pub(crate) mod validation;
pub(crate) mod macro_support;

use std::fmt::Debug;

pub use audit::{AuditTimestamp, AuditorValue};
pub use lifecycle::{Lifecycle, LifecycleEvent};
pub use crate::datasource::AuditorAware;
pub use embedded::{Embeddable, EmbeddedValue};
pub use id::{GeneratedId, VersionValue};

pub use crate::mapping::{ColumnMeta, ENTITIES, EntityMetadata, entities_of};
use crate::sql::EntitySql;
use crate::value::{Args, BoxDynError, Row};

/// A persistent type. Implement it with `#[derive(Entity)]`:
///
/// ```no_run
/// use framework_data::prelude::*;
///
/// #[derive(Entity, Debug, Clone)]
/// #[entity(table = "accounts", crate = "framework_data")] // `crate` only inside this crate's docs
/// pub struct Account {
///     #[id(generated)] pub id: i64,
///     #[column(name = "email_address")] pub email: String,
///     pub closed_at: Option<DateTime<Utc>>,
///     #[version] pub version: i64,
///     #[created_at] pub created_at: DateTime<Utc>,
///     #[updated_at] pub updated_at: DateTime<Utc>,
/// }
/// ```
///
/// **New or existing?** `save` inserts a new entity and updates an existing one. With a
/// generated id, an entity is new while its id is `0`. With an assigned id and a `#[version]`,
/// it is new while its version is `0` (the first insert sets it to 1). With an assigned id and
/// no version, `save` tries an UPDATE and inserts when no row matched.
///
/// **Composite keys.** Several `#[id]` fields make the id a tuple of their values in
/// declaration order (`find_by_id((order_id, line_no))`); an `#[embedded_id]` field of an
/// [`Embeddable`] type with `Eq + Hash` makes that type the id. Composite ids are assigned,
/// never generated. See [`embedded`] for embedded value types.
pub trait Entity: Clone + Send + Sync + Sized + 'static {
    /// The id's type: the `#[id]` field's type, a tuple of several, or the `#[embedded_id]`
    /// type.
    type Id: Clone + Debug + Eq + std::hash::Hash + Send + Sync + 'static;

    /// The entity's metadata.
    fn metadata() -> &'static EntityMetadata;

    /// The per-dialect statement texts, built once.
    fn sql() -> &'static EntitySql;

    /// The id (a copy: a composite id is built from its fields).
    fn id(&self) -> Self::Id;

    /// Sets the id.
    fn set_id(&mut self, id: Self::Id);

    /// Binds `id`'s values in the order of [`EntityMetadata::ids`].
    fn bind_id(id: &Self::Id, args: &mut Args) -> Result<(), BoxDynError>;

    /// Sets a database-generated integer id (`i64` or `i32` ids).
    fn set_generated_id(&mut self, _raw: i64) {}

    /// Whether `save` should insert (see the trait docs).
    fn is_new(&self) -> bool;

    /// Binds the value of column `idx` (an index into `metadata().columns`).
    fn bind_column(&self, idx: usize, args: &mut Args) -> Result<(), BoxDynError>;

    /// Builds the entity from a row holding every column in metadata order, read by position.
    fn from_row(row: &Row) -> Result<Self, crate::value::DecodeError>;

    /// Builds the entity from a row in which metadata column `i` is at `positions[i]` (a
    /// hand-written `#[query]` selects columns in its own order; the positions are looked up
    /// by name once per query and dialect).
    fn from_row_at(row: &Row, positions: &[usize]) -> Result<Self, crate::value::DecodeError>;

    /// The `#[version]` value, if the entity has one.
    fn version(&self) -> Option<i64> {
        None
    }

    /// Sets the `#[version]` value.
    fn set_version(&mut self, _version: i64) {}

    /// The largest value the `#[version]` field's type holds.
    fn version_max(&self) -> i64 {
        i64::MAX
    }

    /// Sets `#[created_at]`.
    fn set_created_at(&mut self, _now: chrono::DateTime<chrono::Utc>) {}

    /// Sets `#[updated_at]`.
    fn set_updated_at(&mut self, _now: chrono::DateTime<chrono::Utc>) {}

    /// Sets `#[created_by]` (see [`AuditorAware`]).
    fn set_created_by(&mut self, _who: Option<&str>) {}

    /// Sets `#[last_modified_by]`.
    fn set_last_modified_by(&mut self, _who: Option<&str>) {}

    /// Whether the entity implements [`Lifecycle`] (`#[entity(lifecycle)]`; generated).
    #[doc(hidden)]
    fn __fw_lifecycle() -> bool {
        false
    }

    /// Calls the entity's [`Lifecycle`] method of `event` (generated).
    #[doc(hidden)]
    fn __fw_callback(&mut self, _event: LifecycleEvent) -> crate::DataResult<()> {
        Ok(())
    }

    /// Column `idx`'s value (generated; for Query by Example). `None` for a column of an
    /// absent embedded value.
    #[doc(hidden)]
    fn __fw_column(&self, _idx: usize) -> Option<&dyn crate::value::ColumnRef> {
        None
    }

    /// Whether the entity's `#[soft_delete]` column is set (generated; `false` without one),
    /// so that no cache keeps a deleted row read with `with_deleted`.
    #[doc(hidden)]
    fn __fw_deleted(&self) -> bool {
        false
    }

    /// Whether the entity has a `#[created_by]` or `#[last_modified_by]` field (generated),
    /// so that a repository asks who is acting only when it needs to.
    #[doc(hidden)]
    fn __fw_audited() -> bool {
        false
    }

    /// The `#[many_to_one]` field `name`, for derived queries over its target's properties
    /// (generated).
    #[doc(hidden)]
    fn __fw_reference(_name: &str) -> Option<crate::mapping::Reference> {
        None
    }

    /// The `#[one_to_many]` field `name`, for derived queries over its children's properties
    /// (generated).
    #[doc(hidden)]
    fn __fw_collection(_name: &str) -> Option<crate::mapping::Collection> {
        None
    }

    /// The cascade operations of an entity with cascading associations (generated; the
    /// repository downcasts it to its own hook type).
    #[doc(hidden)]
    fn __fw_cascade() -> Option<&'static (dyn std::any::Any + Send + Sync)> {
        None
    }

    /// The eager loading of an entity with `fetch = "eager"` associations (generated; the
    /// repository downcasts it to its own hook type).
    #[doc(hidden)]
    fn __fw_eager() -> Option<&'static (dyn std::any::Any + Send + Sync)> {
        None
    }

    /// Whether saving the entity may find violations: it has `#[validate(..)]` rules, embedded
    /// values or cascading children (generated).
    #[doc(hidden)]
    fn __fw_validates() -> bool {
        false
    }

    /// Adds the entity's violations to `out`, paths after `prefix`: its own rules', its
    /// embedded values' and its loaded cascading children's (generated).
    #[doc(hidden)]
    fn __fw_violations(&self, _prefix: &str, _out: &mut Vec<crate::Violation>) {}
}
