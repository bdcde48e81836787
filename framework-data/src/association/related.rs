//! [`Related<V>`]: a to-many association, loaded or not.

use crate::error::{DataError, DataResult};

/// A to-many association (`#[one_to_many(mapped_by = "author")]` on a `Related<Vec<Post>>`):
/// [`NotLoaded`](Related::NotLoaded) when the entity is read, the children once loaded. Not a
/// column: `save` does not write it.
///
/// ```
/// use framework_data::prelude::*;
/// let posts: Related<Vec<String>> = Related::default();
/// assert!(posts.get().is_err()); // DataError::NotLoaded
/// let posts = Related::Loaded(vec!["hello".to_owned()]);
/// assert_eq!(posts.get().unwrap().len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Related<V> {
    /// Not loaded (the default when an entity is read).
    #[default]
    NotLoaded,
    /// Loaded: the children, in the association's `order_by`.
    Loaded(V),
}

impl<V> Related<V> {
    /// The children, or [`DataError::NotLoaded`] when they were not loaded.
    pub fn get(&self) -> DataResult<&V> {
        match self {
            Related::Loaded(v) => Ok(v),
            Related::NotLoaded => Err(DataError::NotLoaded {
                entity: std::any::type_name::<V>(),
                association: "a Related collection",
            }),
        }
    }

    /// The children, mutably, or [`DataError::NotLoaded`].
    pub fn get_mut(&mut self) -> DataResult<&mut V> {
        match self {
            Related::Loaded(v) => Ok(v),
            Related::NotLoaded => Err(DataError::NotLoaded {
                entity: std::any::type_name::<V>(),
                association: "a Related collection",
            }),
        }
    }

    /// Whether the children were loaded.
    pub fn is_loaded(&self) -> bool {
        matches!(self, Related::Loaded(_))
    }
}

/// Serialized as the children when loaded, else as `null` (skip the field with
/// `#[serde(skip_serializing_if = "Related::is_not_loaded")]`).
impl<V: serde::Serialize> serde::Serialize for Related<V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Related::Loaded(v) => serializer.serialize_some(v),
            Related::NotLoaded => serializer.serialize_none(),
        }
    }
}

/// Read as loaded children; `null` or a missing field (with `#[serde(default)]`) is not
/// loaded.
impl<'de, V: serde::Deserialize<'de>> serde::Deserialize<'de> for Related<V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<V>::deserialize(deserializer)
            .map(|v| v.map_or(Related::NotLoaded, Related::Loaded))
    }
}

impl<V> Related<V> {
    /// Whether the children were not loaded (for `serde(skip_serializing_if)`).
    pub fn is_not_loaded(&self) -> bool {
        !self.is_loaded()
    }
}
