//! Start-up schema validation: every registered entity of a DataSource is checked against the
//! live schema, and all mismatches are reported together.
//!
//! Checked per entity: the table exists; every persistent field's column exists; its type is
//! compatible with the field's type on that database (see [`compat`](self) for the table); a
//! nullable column is mapped to an `Option` (a NOT NULL column mapped to `Option<T>` is only a
//! warning, except for the `#[soft_delete]` column, which must be nullable); the id columns are the primary key, the whole of it for a composite key; no two
//! fields share a column. A `#[many_to_one]` is checked as the column it is (present, of the
//! target's id type, nullable only for an `Option<Ref<T>>`); a `#[many_to_many]`'s join table
//! must exist with both key columns, NOT NULL, of the owner's and the target's id types.

mod auto_config;
pub(crate) mod compat;
pub mod introspect;

use std::fmt;

pub use auto_config::SchemaValidationAutoConfiguration;
pub use introspect::LiveColumn;

use crate::datasource::DataSource;
use crate::entity::EntityMetadata;
use crate::mapping::JoinTable;
use crate::error::DataResult;

/// One difference between an entity and the live schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The entity type.
    pub entity: &'static str,
    /// The table.
    pub table: &'static str,
    /// The column (empty for a missing table).
    pub column: String,
    /// What the entity needs.
    pub expected: String,
    /// What the database has.
    pub found: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column.is_empty() {
            write!(
                f,
                "{} (table {}): expected {}, found {}",
                self.entity, self.table, self.expected, self.found
            )
        } else {
            write!(
                f,
                "{} (table {}) column {}: expected {}, found {}",
                self.entity, self.table, self.column, self.expected, self.found
            )
        }
    }
}

/// Every mismatch of one DataSource, as one error.
#[derive(Debug, Clone, thiserror::Error)]
#[error("DataSource `{datasource}`: the schema does not match the entities ({} problem(s)):\n{}", mismatches.len(), mismatches.iter().map(|m| format!("  - {m}")).collect::<Vec<_>>().join("\n"))]
pub struct SchemaError {
    /// The DataSource.
    pub datasource: String,
    /// Every mismatch, one per problem.
    pub mismatches: Vec<Mismatch>,
}

/// Checks `entities` against `ds`'s live schema; returns every mismatch (warnings are logged).
pub async fn validate(
    ds: &DataSource,
    entities: &[&'static EntityMetadata],
) -> DataResult<Vec<Mismatch>> {
    let dialect = ds.dialect();
    let tables = introspect::tables(ds).await?;
    let mut out = Vec::new();
    for meta in entities {
        let Some(table) = tables.iter().find(|t| t.eq_ignore_ascii_case(meta.table)) else {
            out.push(Mismatch {
                entity: meta.name,
                table: meta.table,
                column: String::new(),
                expected: "the table to exist".to_owned(),
                found: "no such table".to_owned(),
            });
            continue;
        };
        let live = introspect::columns(ds, table).await?;
        for (i, col) in meta.columns.iter().enumerate() {
            let mismatch = |expected: String, found: String| Mismatch {
                entity: meta.name,
                table: meta.table,
                column: col.column.to_owned(),
                expected,
                found,
            };
            let Some(found) = live
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(col.column))
            else {
                out.push(mismatch(
                    format!("a column for field `{}`", col.field),
                    "no such column".to_owned(),
                ));
                continue;
            };
            if !compat::compatible(dialect, col.sql_type, &found.data_type) {
                out.push(mismatch(
                    format!(
                        "{} (field `{}`)",
                        compat::expected_name(dialect, col.sql_type),
                        col.field
                    ),
                    found.data_type.clone(),
                ));
            }
            let is_id = meta.is_id(i);
            if found.nullable && !col.nullable && !is_id {
                out.push(mismatch(
                    format!("NOT NULL (field `{}` is not an Option)", col.field),
                    "nullable".to_owned(),
                ));
            } else if !found.nullable && meta.soft_delete == Some(i) {
                // A delete writes a time into it and a live row holds NULL.
                out.push(mismatch(
                    format!(
                        "a nullable column (field `{}` is the #[soft_delete] column, NULL while the row is live)",
                        col.field
                    ),
                    "NOT NULL".to_owned(),
                ));
            } else if !found.nullable && col.nullable {
                tracing::warn!(
                    datasource = %ds.name(),
                    entity = meta.name,
                    column = col.column,
                    "a NOT NULL column is mapped to an Option field"
                );
            }
            if is_id && !found.primary_key {
                out.push(mismatch(
                    format!("the primary key (field `{}` is the #[id])", col.field),
                    "not the primary key".to_owned(),
                ));
            }
        }
        // A composite key must be the whole primary key, not part of a wider one.
        let extra: Vec<&str> = live
            .iter()
            .filter(|c| c.primary_key)
            .filter(|c| {
                !meta
                    .id_columns()
                    .any(|id| id.column.eq_ignore_ascii_case(&c.name))
            })
            .map(|c| c.name.as_str())
            .collect();
        if !extra.is_empty() {
            out.push(Mismatch {
                entity: meta.name,
                table: meta.table,
                column: extra.join(", "),
                expected: format!(
                    "a primary key of the id column(s) only ({})",
                    meta.id_columns()
                        .map(|c| c.column)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                found: "more primary key columns".to_owned(),
            });
        }
        out.extend(shared_columns(meta));
        out.extend(declared_constraints(ds, table, meta).await?);
    }
    for meta in entities {
        for join in meta.join_tables {
            out.extend(join_table(ds, &tables, meta, join).await?);
        }
    }
    Ok(out)
}

/// The indexes the entity declares (`#[index]`, `#[unique]`, an owning `#[one_to_one]`) and
/// the foreign keys of its `#[many_to_one]` columns: each must exist (extra ones are fine).
/// An index is there when one covers exactly its columns in order (unique when asked: a
/// unique constraint or the primary key counts).
async fn declared_constraints(
    ds: &DataSource,
    table: &str,
    meta: &'static EntityMetadata,
) -> DataResult<Vec<Mismatch>> {
    let mut out = Vec::new();
    if !meta.indexes.is_empty() {
        let live = introspect::indexes(ds, table).await?;
        for index in meta.indexes {
            let found: Vec<&introspect::LiveIndex> =
                live.iter().filter(|l| l.covers(index.columns, false)).collect();
            let kind = if index.unique { "a unique index" } else { "an index" };
            if found.is_empty() || (index.unique && !found.iter().any(|l| l.unique)) {
                out.push(Mismatch {
                    entity: meta.name,
                    table: meta.table,
                    column: index.columns.join(", "),
                    expected: format!("{kind} (`{}`)", index.name),
                    found: if found.is_empty() { "no index" } else { "an index that is not unique" }.to_owned(),
                });
            }
        }
    }
    if !meta.references.is_empty() {
        let live = introspect::foreign_keys(ds, table).await?;
        for r in meta.references {
            let target = (r.target)();
            let there = live.iter().any(|k| k.is_key(r.column, target.table));
            if !there {
                out.push(Mismatch {
                    entity: meta.name,
                    table: meta.table,
                    column: r.column.to_owned(),
                    expected: format!("a foreign key to {} (the #[many_to_one] / #[one_to_one])", target.table),
                    found: "no foreign key".to_owned(),
                });
            }
        }
    }
    Ok(out)
}

/// A `#[many_to_many]` join table: it exists, and holds both keys as NOT NULL columns of the
/// owner's and the target's id types.
async fn join_table(
    ds: &DataSource,
    tables: &[String],
    meta: &'static EntityMetadata,
    join: &JoinTable,
) -> DataResult<Vec<Mismatch>> {
    let mismatch = |column: &str, expected: String, found: String| Mismatch {
        entity: meta.name,
        table: join.table,
        column: column.to_owned(),
        expected,
        found,
    };
    let Some(table) = tables.iter().find(|t| t.eq_ignore_ascii_case(join.table)) else {
        return Ok(vec![mismatch(
            "",
            format!("the join table of `{}` to exist", join.field),
            "no such table".to_owned(),
        )]);
    };
    let live = introspect::columns(ds, table).await?;
    let target = (join.target)();
    let mut out = Vec::new();
    for (column, side, key) in [
        (join.join_column, meta, "owner"),
        (join.inverse_join_column, target, "target"),
    ] {
        let Some(id) = side.id_columns().next() else {
            continue;
        };
        let Some(found) = live.iter().find(|c| c.name.eq_ignore_ascii_case(column)) else {
            out.push(mismatch(
                column,
                format!("a column for the {key}'s id (`{}` of {})", join.field, side.name),
                "no such column".to_owned(),
            ));
            continue;
        };
        let dialect = ds.dialect();
        if !compat::compatible(dialect, id.sql_type, &found.data_type) {
            out.push(mismatch(
                column,
                format!(
                    "{} ({}'s id)",
                    compat::expected_name(dialect, id.sql_type),
                    side.name
                ),
                found.data_type.clone(),
            ));
        }
        if found.nullable {
            out.push(mismatch(
                column,
                format!("NOT NULL (a link of `{}` always has both ids)", join.field),
                "nullable".to_owned(),
            ));
        }
    }
    Ok(out)
}

/// Two fields mapped to one column (two embedded values of one type without prefixes, or a
/// `#[column(name)]` repeating another field's column).
fn shared_columns(meta: &'static EntityMetadata) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for (i, a) in meta.columns.iter().enumerate() {
        if let Some(b) = meta.columns[..i]
            .iter()
            .find(|b| b.column.eq_ignore_ascii_case(a.column))
        {
            out.push(Mismatch {
                entity: meta.name,
                table: meta.table,
                column: a.column.to_owned(),
                expected: format!(
                    "one column per field (fields `{}` and `{}` both map to it; give an #[embedded] field a prefix or the field a #[column(name)])",
                    b.field, a.field
                ),
                found: "a shared column".to_owned(),
            });
        }
    }
    out
}
