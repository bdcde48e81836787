//! What `#[derive(Entity)]` and `#[repository]` generate calls to; reached through
//! `__private`, not a public API.

use super::embedded::{self, EmbeddedField, EmbeddedValue, PropertyKind};
use super::{ColumnMeta, EntityMetadata};
use crate::value::DecodeError;

/// A field's role, as the derive read it from the field's attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A plain column.
    Plain,
    /// (Part of) the id.
    Id,
    /// `#[version]`.
    Version,
    /// `#[created_at]`.
    CreatedAt,
    /// `#[updated_at]`.
    UpdatedAt,
}

/// Builds an entity's metadata once, at its first use: an embedded field's columns come from
/// its type's [`Embeddable::FIELDS`](super::Embeddable::FIELDS), which the entity's derive
/// cannot see.
pub struct MetadataBuilder {
    meta: EntityMetadata,
    columns: Vec<ColumnMeta>,
    ids: Vec<usize>,
}

impl MetadataBuilder {
    /// An entity with no columns yet.
    pub fn new(
        name: &'static str,
        table: &'static str,
        datasource: &'static str,
        cache_region: Option<&'static str>,
        id_generated: bool,
    ) -> Self {
        Self {
            meta: EntityMetadata {
                name,
                table,
                columns: &[],
                ids: &[],
                id_generated,
                version: None,
                created_at: None,
                updated_at: None,
                cache_region,
                datasource,
            },
            columns: Vec::new(),
            ids: Vec::new(),
        }
    }

    /// The next column.
    pub fn column(mut self, column: ColumnMeta, role: Role) -> Self {
        let idx = self.columns.len();
        match role {
            Role::Plain => {}
            Role::Id => self.ids.push(idx),
            Role::Version => self.meta.version = Some(idx),
            Role::CreatedAt => self.meta.created_at = Some(idx),
            Role::UpdatedAt => self.meta.updated_at = Some(idx),
        }
        self.columns.push(column);
        self
    }

    /// The columns of embedded field `field` of type `V`, named `{prefix}{column}`; with `id`,
    /// they are the (composite) id.
    pub fn embedded<V: EmbeddedValue>(mut self, field: &str, prefix: &str, id: bool) -> Self {
        for column in embedded::columns_of::<V>(field, prefix) {
            if id {
                self.ids.push(self.columns.len());
            }
            self.columns.push(column);
        }
        self
    }

    /// The metadata, for the rest of the program.
    pub fn build(self) -> EntityMetadata {
        EntityMetadata {
            columns: self.columns.leak(),
            ids: self.ids.leak(),
            ..self.meta
        }
    }
}

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

impl EmbeddedInfo {
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
    DecodeError::ColumnDecode {
        index: position.to_string(),
        source: Box::new(sqlx::error::UnexpectedNullError),
    }
}
