//! What `#[derive(Entity)]`, `#[derive(Embeddable)]` and `#[repository]` generate calls to;
//! reached through `__private`, not a public API.

use super::embedded::{EmbeddedField, EmbeddedValue, PropertyKind};
use crate::value::DecodeError;

/// What a derived query needs of an embedded property (checked at compile time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// That it exists.
    Exists,
    /// A text property (`ignore_case`).
    Text,
    /// A bool property (`true`/`false`).
    Bool,
    /// A nullable property (`is_null`): an `Option` field, or any field of an `Option`al
    /// embedded value.
    Nullable,
}

/// An embedded field as the entity's derive describes it to `#[repository]`.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedInfo {
    /// Whether the field is an `Option`.
    pub optional: bool,
    /// The value type's fields.
    pub fields: &'static [EmbeddedField],
}

/// An entity's plain fields, for compile-time checks of derived queries that reach them through
/// a `#[many_to_one]` (`find_by_author_name`).
pub trait EntityFields {
    /// The fields, as an embedded value's are described.
    const FIELDS: &'static [EmbeddedField];
}

impl EmbeddedInfo {
    /// The info of a `#[many_to_one]` field to `T` (`optional` for an `Option<Ref<T>>`).
    pub const fn reference<T: EntityFields>(optional: bool) -> Self {
        Self {
            optional,
            fields: T::FIELDS,
        }
    }

    /// The info of a field of type `V`.
    pub const fn of<V: EmbeddedValue>() -> Self {
        Self {
            optional: V::OPTIONAL,
            fields: <V::Value as super::Embeddable>::FIELDS,
        }
    }
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The first segment of a dotted association path and the rest after the dot (`None` for the
/// last segment), for the compile-time check of `#[fetch]` paths.
pub const fn path_head(path: &[u8]) -> (&[u8], Option<&[u8]>) {
    let mut i = 0;
    while i < path.len() {
        if path[i] == b'.' {
            let (head, rest) = path.split_at(i);
            let (_, rest) = rest.split_at(1);
            return (head, Some(rest));
        }
        i += 1;
    }
    (path, None)
}

/// Whether `head` is the association `name` (a const string comparison).
pub const fn is_association(head: &[u8], name: &str) -> bool {
    match core::str::from_utf8(head) {
        Ok(head) => str_eq(head, name),
        Err(_) => false,
    }
}

/// Whether sub-property `name` of an embedded field exists and meets `need`.
pub const fn embedded_property(info: EmbeddedInfo, name: &str, need: Need) -> bool {
    let mut i = 0;
    while i < info.fields.len() {
        let f = &info.fields[i];
        if str_eq(f.field, name) {
            return match need {
                Need::Exists => true,
                Need::Text => matches!(f.kind, PropertyKind::Text),
                Need::Bool => matches!(f.kind, PropertyKind::Bool),
                Need::Nullable => f.nullable || info.optional,
            };
        }
        i += 1;
    }
    false
}

/// The error of a NULL in the column of a field that is not an `Option`, inside an embedded
/// value that has some non-NULL columns.
pub fn unexpected_null(position: usize) -> DecodeError {
    DecodeError::column(position, sqlx::error::UnexpectedNullError)
}
