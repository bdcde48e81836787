//! What the framework knows about an entity type's table: its columns in order, which of them
//! are the key, the version and the timestamps. `#[derive(Entity)]` builds it; SQL generation,
//! sort and derived-query validation and schema validation read it. It sits below the `sql` and
//! `entity` layers, which both use it (the `Entity` trait re-exports it).

mod builder;

pub use builder::{MetadataBuilder, Role};

use crate::value::SqlType;

/// One persistent field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnMeta {
    /// The Rust field name (the property name in sorts and derived queries).
    pub field: &'static str,
    /// The column name.
    pub column: &'static str,
    /// The logical type.
    pub sql_type: SqlType,
    /// Whether the field is an `Option<T>`.
    pub nullable: bool,
}

/// What the framework knows about an entity type.
#[derive(Debug, Clone, Copy)]
pub struct EntityMetadata {
    /// The Rust type's name.
    pub name: &'static str,
    /// The table.
    pub table: &'static str,
    /// Persistent columns, in declaration order (an embedded field's columns in its type's
    /// order, where the field is); the generated SELECT lists them in this order.
    pub columns: &'static [ColumnMeta],
    /// Indexes of the id columns in `columns`: one, or several for a composite key (several
    /// `#[id]` fields, or an `#[embedded_id]`), in declaration order.
    pub ids: &'static [usize],
    /// Whether the database generates the id.
    pub id_generated: bool,
    /// Index of the `#[version]` column.
    pub version: Option<usize>,
    /// Index of the `#[created_at]` column.
    pub created_at: Option<usize>,
    /// Index of the `#[updated_at]` column.
    pub updated_at: Option<usize>,
    /// Index of the `#[created_by]` column.
    pub created_by: Option<usize>,
    /// Index of the `#[last_modified_by]` column.
    pub last_modified_by: Option<usize>,
    /// Index of the `#[soft_delete]` column: when set, deletes stamp it instead of removing
    /// the row, and reads skip rows where it is not NULL.
    pub soft_delete: Option<usize>,
    /// The cache region, when the entity opts in.
    pub cache_region: Option<&'static str>,
    /// The DataSource whose schema the entity is validated against (`#[entity(datasource =
    /// "...")]`, default `"default"`).
    pub datasource: &'static str,
    /// The join tables of its `#[many_to_many]` associations.
    pub join_tables: &'static [JoinTable],
    /// Its foreign-key columns: one per `#[many_to_one]` (and owning `#[one_to_one]`).
    pub references: &'static [Reference],
    /// The indexes its fields declare (`#[index]`, `#[unique]`, an owning `#[one_to_one]`).
    pub indexes: &'static [IndexMeta],
}

/// Where a many-to-many association's links live: a table of (owner id, target id) rows.
#[derive(Debug, Clone, Copy)]
pub struct JoinTable {
    /// The association's field.
    pub field: &'static str,
    /// The join table.
    pub table: &'static str,
    /// Its column holding the owner's id.
    pub join_column: &'static str,
    /// Its column holding the target's id.
    pub inverse_join_column: &'static str,
    /// The target entity's metadata.
    pub target: fn() -> &'static EntityMetadata,
}

/// An index an entity declares: schema validation wants one over these columns (unique when
/// asked), and `migrate generate` writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexMeta {
    /// Its name, for generated DDL: `{table}_{column}_idx` or `_key`.
    pub name: &'static str,
    /// Its columns, in order.
    pub columns: &'static [&'static str],
    /// Whether it is unique.
    pub unique: bool,
}

/// A to-one association as derived queries see it: `find_by_author_name` compares `name` of
/// the row `author_id` points to.
#[derive(Debug, Clone, Copy)]
pub struct Reference {
    /// The foreign-key column of the owner.
    pub column: &'static str,
    /// The target entity's metadata.
    pub target: fn() -> &'static EntityMetadata,
}

/// A to-many association as derived queries see it: `find_by_posts_title` keeps the entities
/// that have a child whose `title` matches.
#[derive(Debug, Clone, Copy)]
pub struct Collection {
    /// The child's `#[many_to_one]` property that points back.
    pub mapped_by: &'static str,
    /// The child entity's metadata.
    pub target: fn() -> &'static EntityMetadata,
}

/// Every entity type linked into the program, registered by `#[derive(Entity)]`; schema
/// validation checks those of each DataSource.
#[linkme::distributed_slice]
#[linkme(crate = framework_core::__private::linkme)]
pub static ENTITIES: [fn() -> &'static EntityMetadata];

/// The registered entities of the DataSource `datasource`, by name.
pub fn entities_of(datasource: &str) -> Vec<&'static EntityMetadata> {
    let mut out: Vec<&'static EntityMetadata> = ENTITIES
        .iter()
        .map(|f| f())
        .filter(|m| m.datasource == datasource)
        .collect();
    out.sort_by_key(|m| m.name);
    out.dedup_by_key(|m| (m.name, m.table));
    out
}

impl EntityMetadata {
    /// The id columns (one, or several for a composite key).
    pub fn id_columns(&self) -> impl Iterator<Item = &ColumnMeta> {
        self.ids.iter().map(|i| &self.columns[*i])
    }

    /// Whether column `idx` is (part of) the id.
    pub fn is_id(&self, idx: usize) -> bool {
        self.ids.contains(&idx)
    }

    /// The column of property `name`: a field name, or `field.sub` for a field of an embedded
    /// value.
    pub fn property(&self, name: &str) -> Option<(usize, &ColumnMeta)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.field == name)
    }

    /// Columns written by INSERT: all but a generated id.
    pub fn insert_columns(&self) -> impl Iterator<Item = (usize, &ColumnMeta)> {
        self.columns
            .iter()
            .enumerate()
            .filter(move |(i, _)| !(self.id_generated && self.is_id(*i)))
    }

    /// Columns written by UPDATE: all but the id, `created_at`, `created_by` and the
    /// `#[soft_delete]` column (only deletes and `restore` write it).
    pub fn update_columns(&self) -> impl Iterator<Item = (usize, &ColumnMeta)> {
        self.columns.iter().enumerate().filter(move |(i, _)| {
            !self.is_id(*i)
                && Some(*i) != self.created_at
                && Some(*i) != self.created_by
                && Some(*i) != self.soft_delete
        })
    }

    /// The `#[soft_delete]` column, if the entity has one.
    pub fn soft_delete_column(&self) -> Option<&ColumnMeta> {
        self.soft_delete.map(|i| &self.columns[i])
    }
}

/// What a derived query may do with a property, decided from its Rust type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyKind {
    /// `String` (or `Option<String>`): `like`, `containing`, `ignore_case`.
    Text,
    /// `bool`: `true`/`false`.
    Bool,
    /// Anything else.
    Other,
}

/// One field of an [`Embeddable`](crate::entity::Embeddable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddedField {
    /// The Rust field name.
    pub field: &'static str,
    /// The column name before the owner's prefix.
    pub column: &'static str,
    /// The logical type.
    pub sql_type: SqlType,
    /// Whether the field is an `Option<T>`.
    pub nullable: bool,
    /// What derived queries may do with it.
    pub kind: PropertyKind,
}
