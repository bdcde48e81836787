//! Lifecycle callbacks on the entity itself: JPA's `@PrePersist`, `@PostPersist`,
//! `@PreUpdate`, `@PostUpdate`, `@PreRemove`, `@PostRemove` and `@PostLoad`, as the methods
//! of [`Lifecycle`], which an entity with `#[entity(lifecycle)]` implements.
//!
//! ```no_run
//! use framework_data::prelude::*;
//! #[derive(Entity, Debug, Clone)]
//! #[entity(table = "users", lifecycle, crate = "framework_data")]
//! struct User {
//!     #[id(generated)] id: i64,
//!     email: String,
//!     #[transient] domain: String,
//! }
//!
//! impl Lifecycle for User {
//!     fn pre_persist(&mut self) -> DataResult<()> {
//!         self.email = self.email.trim().to_lowercase();   // before validation and the INSERT
//!         Ok(())
//!     }
//!     fn post_load(&mut self) {
//!         self.domain = self.email.rsplit('@').next().unwrap_or_default().to_owned();
//!     }
//! }
//! ```

use crate::error::DataResult;

/// The write or read an entity goes through; what [`Lifecycle`] methods and
/// `EntityListener`s are called for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LifecycleEvent {
    /// Before a new entity is inserted (and validated).
    PrePersist,
    /// After its INSERT, with its id.
    PostPersist,
    /// Before an existing entity is updated (and validated).
    PreUpdate,
    /// After its UPDATE.
    PostUpdate,
    /// Before its DELETE.
    PreRemove,
    /// After its DELETE.
    PostRemove,
    /// After it was read from a row.
    PostLoad,
}

/// An entity's own lifecycle callbacks; every method defaults to doing nothing. An error from
/// one aborts the write and, as the write runs in a transaction whenever callbacks or
/// listeners exist, rolls back what the call wrote (the caller's transaction, when there is
/// one, sees the error).
pub trait Lifecycle {
    /// Before the INSERT of a new entity (`save`, `save_all`, a cascade), before validation.
    fn pre_persist(&mut self) -> DataResult<()> {
        Ok(())
    }
    /// After the INSERT, with the generated id.
    fn post_persist(&mut self) -> DataResult<()> {
        Ok(())
    }
    /// Before the UPDATE of an existing entity, before validation.
    fn pre_update(&mut self) -> DataResult<()> {
        Ok(())
    }
    /// After the UPDATE, with the new version.
    fn post_update(&mut self) -> DataResult<()> {
        Ok(())
    }
    /// Before the DELETE (`delete`, `delete_by_id`, `delete_all_by_id`, `delete_all`).
    fn pre_remove(&mut self) -> DataResult<()> {
        Ok(())
    }
    /// After the DELETE.
    fn post_remove(&mut self) -> DataResult<()> {
        Ok(())
    }
    /// After the entity was read from a row (every read path, before it is cached).
    fn post_load(&mut self) {}
}

/// Calls the [`Lifecycle`] method of `event` (generated code's dispatch).
pub fn dispatch<E: Lifecycle>(entity: &mut E, event: LifecycleEvent) -> DataResult<()> {
    match event {
        LifecycleEvent::PrePersist => entity.pre_persist(),
        LifecycleEvent::PostPersist => entity.post_persist(),
        LifecycleEvent::PreUpdate => entity.pre_update(),
        LifecycleEvent::PostUpdate => entity.post_update(),
        LifecycleEvent::PreRemove => entity.pre_remove(),
        LifecycleEvent::PostRemove => entity.post_remove(),
        LifecycleEvent::PostLoad => {
            entity.post_load();
            Ok(())
        }
    }
}

/// A decoded entity after its `post_load` (generated `from_row`).
pub fn loaded<E: Lifecycle, X>(mut entity: E) -> Result<E, X> {
    entity.post_load();
    Ok(entity)
}
