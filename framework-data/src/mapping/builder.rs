//! Builds an entity's metadata from the calls its derive generates (reached through
//! `__private`).

use super::{ColumnMeta, EmbeddedField, EntityMetadata};

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
    /// `#[created_by]`.
    CreatedBy,
    /// `#[last_modified_by]`.
    LastModifiedBy,
    /// `#[soft_delete]`.
    SoftDelete,
}

/// Builds an entity's metadata once, at its first use: an embedded field's columns come from
/// its value type's `Embeddable::FIELDS`, which the entity's derive cannot see.
pub struct MetadataBuilder {
    meta: EntityMetadata,
    columns: Vec<ColumnMeta>,
    ids: Vec<usize>,
    join_tables: Vec<super::JoinTable>,
    references: Vec<super::Reference>,
    indexes: Vec<super::IndexMeta>,
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
                created_by: None,
                last_modified_by: None,
                soft_delete: None,
                cache_region,
                datasource,
                join_tables: &[],
                references: &[],
                indexes: &[],
            },
            columns: Vec::new(),
            ids: Vec::new(),
            join_tables: Vec::new(),
            references: Vec::new(),
            indexes: Vec::new(),
        }
    }

    /// The join table of a `#[many_to_many]` association.
    pub fn join_table(mut self, join: super::JoinTable) -> Self {
        self.join_tables.push(join);
        self
    }

    /// The foreign key of a `#[many_to_one]` (or owning `#[one_to_one]`) association.
    pub fn reference(mut self, reference: super::Reference) -> Self {
        self.references.push(reference);
        self
    }

    /// An index the entity's fields declare.
    pub fn index(mut self, index: super::IndexMeta) -> Self {
        self.indexes.push(index);
        self
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
            Role::CreatedBy => self.meta.created_by = Some(idx),
            Role::LastModifiedBy => self.meta.last_modified_by = Some(idx),
            Role::SoftDelete => self.meta.soft_delete = Some(idx),
        }
        self.columns.push(column);
        self
    }

    /// The columns of embedded field `field` whose value type has `fields`, named
    /// `{prefix}{column}`, all nullable when the field is `optional`; with `id`, they are the
    /// (composite) id.
    pub fn embedded(
        mut self,
        field: &str,
        prefix: &str,
        id: bool,
        fields: &[EmbeddedField],
        optional: bool,
    ) -> Self {
        for column in fields.iter().map(|f| ColumnMeta {
            field: leak(format!("{field}.{}", f.field)),
            column: leak(format!("{prefix}{}", f.column)),
            sql_type: f.sql_type,
            nullable: f.nullable || optional,
        }) {
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
            join_tables: self.join_tables.leak(),
            references: self.references.leak(),
            indexes: self.indexes.leak(),
            ..self.meta
        }
    }
}

/// Metadata lives for the whole program (it is built once per entity type).
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}
