//! Entity listeners: application code called around every write of an entity type, JPA's
//! `@EntityListeners` / Hibernate's event listeners, registered on the context rather than
//! named on the entity.
//!
//! A listener is async and runs inside the write's transaction (the caller's, else one the
//! repository opens whenever listeners or [`Lifecycle`](crate::entity::Lifecycle) callbacks
//! exist), so what it writes through a repository commits or rolls back with the entity: an
//! audit trail or an outbox row. An error from it aborts the write.
//!
//! Order, for each event: the listeners in the order they were added, then the entity's own
//! `Lifecycle` method (as JPA calls entity listeners before the entity's callbacks). Per
//! write: `pre_persist`/`pre_update` of every entity of the call, then validation, then the
//! statements, then `post_persist`/`post_update`.
//!
//! ```no_run
//! use std::sync::Arc;
//! use framework_data::prelude::*;
//! # #[derive(Entity, Debug, Clone)] #[entity(table = "orders", crate = "framework_data")]
//! # struct Order { #[id(generated)] id: i64, total: i64 }
//! # #[derive(Entity, Debug, Clone)] #[entity(table = "outbox", crate = "framework_data")]
//! # struct OutboxRow { #[id(generated)] id: i64, topic: String, payload: String }
//! struct Outbox(Repository<OutboxRow>);
//!
//! impl EntityListener<Order> for Outbox {
//!     fn post_persist<'a>(&'a self, order: &'a Order) -> BoxFuture<'a, DataResult<()>> {
//!         Box::pin(async move {
//!             let row = OutboxRow { id: 0, topic: "order.created".into(), payload: order.id.to_string() };
//!             self.0.save(row).await.map(|_| ())     // in the order's transaction
//!         })
//!     }
//! }
//!
//! # fn demo(ctx: ApplicationContext) -> DataResult<()> {
//! ctx.add_entity_listener::<Order>(Arc::new(Outbox(ctx.repository()?)));
//! # Ok(()) }
//! ```

use std::sync::Arc;

use framework_core::context::BoxFuture;

use crate::datasource::DataSource;
use crate::entity::{Entity, LifecycleEvent};
use crate::error::DataResult;

/// Called around the writes of entities of type `E`; every method defaults to doing nothing.
/// See the [module docs](self).
pub trait EntityListener<E: Entity>: Send + Sync + 'static {
    /// Before a new entity is inserted (it may still be changed: it is validated after).
    fn pre_persist<'a>(&'a self, _entity: &'a mut E) -> BoxFuture<'a, DataResult<()>> {
        Box::pin(async { Ok(()) })
    }
    /// After its INSERT, with its id.
    fn post_persist<'a>(&'a self, _entity: &'a E) -> BoxFuture<'a, DataResult<()>> {
        Box::pin(async { Ok(()) })
    }
    /// Before an existing entity is updated (it may still be changed).
    fn pre_update<'a>(&'a self, _entity: &'a mut E) -> BoxFuture<'a, DataResult<()>> {
        Box::pin(async { Ok(()) })
    }
    /// After its UPDATE.
    fn post_update<'a>(&'a self, _entity: &'a E) -> BoxFuture<'a, DataResult<()>> {
        Box::pin(async { Ok(()) })
    }
    /// Before its DELETE.
    fn pre_remove<'a>(&'a self, _entity: &'a E) -> BoxFuture<'a, DataResult<()>> {
        Box::pin(async { Ok(()) })
    }
    /// After its DELETE.
    fn post_remove<'a>(&'a self, _entity: &'a E) -> BoxFuture<'a, DataResult<()>> {
        Box::pin(async { Ok(()) })
    }
}

type Listeners<E> = crate::datasource::ExtensionList<dyn EntityListener<E>>;

impl DataSource {
    /// Adds `listener` to the ones called around writes of `E` through this DataSource.
    pub fn add_entity_listener<E: Entity>(&self, listener: Arc<dyn EntityListener<E>>) {
        self.push_extension(listener);
    }
}

/// What a write of `E` must call: its listeners and whether it has `Lifecycle` callbacks.
pub(crate) struct Events<E: Entity> {
    listeners: Listeners<E>,
    callbacks: bool,
}

impl<E: Entity> Events<E> {
    /// The events of writes of `E` on `ds`, or `None` when nothing listens (the usual case:
    /// then a write pays for one map lookup).
    pub(crate) fn of(ds: &DataSource) -> Option<Self> {
        let listeners = ds.extension_list::<dyn EntityListener<E>>();
        if listeners.is_none() && !E::__fw_lifecycle() {
            return None;
        }
        Some(Events {
            listeners: listeners.unwrap_or_else(|| Arc::new([])),
            callbacks: E::__fw_lifecycle(),
        })
    }

    /// Calls the listeners, then the entity's callback, for `event`.
    pub(crate) async fn fire(&self, event: LifecycleEvent, entity: &mut E) -> DataResult<()> {
        for l in self.listeners.iter() {
            match event {
                LifecycleEvent::PrePersist => l.pre_persist(entity).await?,
                LifecycleEvent::PostPersist => l.post_persist(entity).await?,
                LifecycleEvent::PreUpdate => l.pre_update(entity).await?,
                LifecycleEvent::PostUpdate => l.post_update(entity).await?,
                LifecycleEvent::PreRemove => l.pre_remove(entity).await?,
                LifecycleEvent::PostRemove => l.post_remove(entity).await?,
                _ => {}
            }
        }
        if self.callbacks {
            entity.__fw_callback(event)?;
        }
        Ok(())
    }
}
