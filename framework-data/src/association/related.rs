//! [`Related<V>`]: a to-many association (`Related<Vec<T>>`) or the inverse side of a
//! one-to-one (`Related<Option<T>>`), loaded or not.

use crate::error::{DataError, DataResult};

/// A to-many association (`#[one_to_many(mapped_by = "author")]` on a `Related<Vec<Post>>`),
/// or the inverse side of a one-to-one (`#[one_to_one(mapped_by = "user")]` on a
/// `Related<Option<Profile>>`): [`NotLoaded`](Related::NotLoaded) when the entity is read,
/// the children (the child, or `None`) once loaded. Not a column: `save` writes it only with a
/// cascade.
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

/// What an association field that the children's foreign key points back to holds
/// (`Related<Vec<C>>`, `Related<Option<C>>`): the loaders fill it and the cascades read it.
#[doc(hidden)]
pub trait Children<C>: Send {
    /// Whether it was loaded.
    fn is_loaded(&self) -> bool;
    /// The loaded children (none when not loaded).
    fn loaded_mut(&mut self) -> Vec<&mut C>;
    /// Takes the loaded children out (`None` when not loaded), leaving it loaded and empty.
    fn take_loaded(&mut self) -> Option<Vec<C>>;
    /// Sets the children found for one parent, in order; more than one for a one-to-one is
    /// [`DataError::IncorrectResultSize`].
    fn set_loaded(&mut self, children: Vec<C>) -> DataResult<()>;
}

impl<C: Send> Children<C> for Related<Vec<C>> {
    fn is_loaded(&self) -> bool {
        Related::is_loaded(self)
    }
    fn loaded_mut(&mut self) -> Vec<&mut C> {
        match self {
            Related::Loaded(v) => v.iter_mut().collect(),
            Related::NotLoaded => Vec::new(),
        }
    }
    fn take_loaded(&mut self) -> Option<Vec<C>> {
        match self {
            Related::Loaded(v) => Some(std::mem::take(v)),
            Related::NotLoaded => None,
        }
    }
    fn set_loaded(&mut self, children: Vec<C>) -> DataResult<()> {
        *self = Related::Loaded(children);
        Ok(())
    }
}

impl<C: Send> Children<C> for Related<Option<C>> {
    fn is_loaded(&self) -> bool {
        Related::is_loaded(self)
    }
    fn loaded_mut(&mut self) -> Vec<&mut C> {
        match self {
            Related::Loaded(Some(c)) => vec![c],
            _ => Vec::new(),
        }
    }
    fn take_loaded(&mut self) -> Option<Vec<C>> {
        match self {
            Related::Loaded(v) => Some(v.take().into_iter().collect()),
            Related::NotLoaded => None,
        }
    }
    fn set_loaded(&mut self, mut children: Vec<C>) -> DataResult<()> {
        if children.len() > 1 {
            return Err(DataError::IncorrectResultSize {
                query: "a #[one_to_one] association",
                expected: 1,
                actual: children.len(),
            });
        }
        *self = Related::Loaded(children.pop());
        Ok(())
    }
}
