//! [`Ref<T>`]: a to-one association, stored as its foreign key.

use std::fmt;
use std::sync::Arc;

use crate::driver::{BoxDynError, ColumnValue};
use crate::entity::Entity;
use crate::error::{DataError, DataResult};
use crate::value::{SqlType, SqlValue};

/// A to-one association (`#[many_to_one(column = "author_id")]`): always the target's key,
/// and the target itself once loaded. Stored in its column as the key; `Option<Ref<T>>` is a
/// nullable foreign key. Two `Ref`s are equal when their keys are.
///
/// ```
/// # use framework_data::prelude::*;
/// # #[derive(Entity, Debug, Clone)] #[entity(table = "users", crate = "framework_data")]
/// # pub struct User { #[id(generated)] pub id: i64, pub name: String }
/// let author: Ref<User> = Ref::to(7);
/// assert_eq!(author.id(), &7);
/// assert!(!author.is_loaded());
/// assert!(author.get().is_err()); // DataError::NotLoaded, no hidden query
///
/// let ada = User { id: 8, name: "Ada".into() };
/// let loaded = Ref::from(&ada);
/// assert_eq!(loaded.get().unwrap().name, "Ada");
/// ```
pub struct Ref<T: Entity> {
    id: T::Id,
    target: Option<Arc<T>>,
}

impl<T: Entity> Ref<T> {
    /// A reference to the entity with this id (not loaded).
    pub fn to(id: T::Id) -> Self {
        Ref { id, target: None }
    }

    /// The target's key.
    pub fn id(&self) -> &T::Id {
        &self.id
    }

    /// Whether the target was loaded.
    pub fn is_loaded(&self) -> bool {
        self.target.is_some()
    }

    /// The target, or [`DataError::NotLoaded`] when it was not loaded.
    pub fn get(&self) -> DataResult<&T> {
        self.target.as_deref().ok_or_else(|| DataError::NotLoaded {
            entity: T::metadata().name,
            association: "a Ref",
        })
    }

    /// Sets the loaded target (its id must be this key).
    pub(crate) fn set_loaded(&mut self, target: Arc<T>) {
        self.target = Some(target);
    }
}

impl<T: Entity> From<&T> for Ref<T> {
    /// A loaded reference to `target`.
    fn from(target: &T) -> Self {
        Ref {
            id: target.id(),
            target: Some(Arc::new(target.clone())),
        }
    }
}

impl<T: Entity> Clone for Ref<T> {
    fn clone(&self) -> Self {
        Ref {
            id: self.id.clone(),
            target: self.target.clone(),
        }
    }
}

impl<T: Entity> PartialEq for Ref<T> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<T: Entity> Eq for Ref<T> {}

impl<T: Entity + fmt::Debug> fmt::Debug for Ref<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Some(t) => f.debug_tuple("Ref").field(t).finish(),
            None => f.debug_tuple("Ref").field(&self.id).finish(),
        }
    }
}

impl<DB: sqlx::Database, T: Entity> ColumnValue<DB> for Ref<T>
where
    T::Id: ColumnValue<DB>,
{
    fn bind(&self, args: &mut DB::Arguments) -> Result<(), BoxDynError> {
        self.id.bind(args)
    }
    fn bind_null(args: &mut DB::Arguments) -> Result<(), BoxDynError> {
        <T::Id as ColumnValue<DB>>::bind_null(args)
    }
    fn decode(row: &DB::Row, idx: usize) -> Result<Self, sqlx::Error> {
        <T::Id as ColumnValue<DB>>::decode(row, idx).map(Ref::to)
    }
    fn decode_opt(row: &DB::Row, idx: usize) -> Result<Option<Self>, sqlx::Error> {
        <T::Id as ColumnValue<DB>>::decode_opt(row, idx).map(|id| id.map(Ref::to))
    }
    const ARRAY: bool = <T::Id as ColumnValue<DB>>::ARRAY;
    fn bind_array(values: &[Option<&Self>], args: &mut DB::Arguments) -> Result<(), BoxDynError> {
        let ids: Vec<Option<&T::Id>> = values.iter().map(|v| v.map(|r| &r.id)).collect();
        <T::Id as ColumnValue<DB>>::bind_array(&ids, args)
    }
}

impl<T: Entity> SqlValue for Ref<T>
where
    T::Id: SqlValue,
{
    const SQL_TYPE: SqlType = <T::Id as SqlValue>::SQL_TYPE;
}

/// A field that holds a to-one association: `Ref<T>`, or `Option<Ref<T>>` for a nullable
/// foreign key (generated code reaches either through this).
pub trait RefField<T: Entity> {
    /// The reference, when the field has one.
    fn slot(&mut self) -> Option<&mut Ref<T>>;
    /// Points the field at the entity with this id (not loaded).
    fn assign(&mut self, id: T::Id);
}

impl<T: Entity> RefField<T> for Ref<T> {
    fn slot(&mut self) -> Option<&mut Ref<T>> {
        Some(self)
    }
    fn assign(&mut self, id: T::Id) {
        if self.id != id {
            *self = Ref::to(id);
        }
    }
}

impl<T: Entity> RefField<T> for Option<Ref<T>> {
    fn slot(&mut self) -> Option<&mut Ref<T>> {
        self.as_mut()
    }
    fn assign(&mut self, id: T::Id) {
        match self {
            Some(r) => r.assign(id),
            None => *self = Some(Ref::to(id)),
        }
    }
}

/// Serialized as the target when it was loaded, else as its key: a REST handler returns an
/// aggregate as it was fetched.
impl<T> serde::Serialize for Ref<T>
where
    T: Entity + serde::Serialize,
    T::Id: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.target {
            Some(target) => target.serialize(serializer),
            None => self.id.serialize(serializer),
        }
    }
}

/// Read from the target's key (`"author": 7`), not loaded.
impl<'de, T> serde::Deserialize<'de> for Ref<T>
where
    T: Entity,
    T::Id: serde::Deserialize<'de>,
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::Id::deserialize(deserializer).map(Ref::to)
    }
}
