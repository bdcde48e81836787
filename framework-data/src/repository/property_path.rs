//! Property paths (`title`, `address.city`, `author.name`) resolved against an entity: the
//! column a derived query compares or a [`Sort`](super::Sort) orders by.
//!
//! A path through a `#[many_to_one]` reaches the target's column without a join: a sort key
//! becomes a correlated subquery (`ORDER BY (SELECT t_.name FROM users t_ WHERE t_.id =
//! posts.author_id)`), so the rows stay exactly the entity's rows, one each. Sorting through a
//! to-many association has no single value per row and is refused.

use crate::entity::Entity;
use crate::error::{DataError, DataResult};
use crate::mapping::EntityMetadata;
use crate::sql::SortColumn;
use crate::sql::dialect::DialectSql;

fn unknown(meta: &EntityMetadata, property: &str) -> DataError {
    DataError::UnknownProperty {
        entity: meta.name,
        property: property.to_owned(),
        known: meta.columns.iter().map(|c| c.field).collect(),
    }
}

/// The column `property` of `E` orders by: its own (an embedded path included), or, for
/// `author.name` with `author` a `#[many_to_one]`, the target's column.
pub(crate) fn sort_column<E: Entity>(property: &str) -> DataResult<SortColumn> {
    let meta = E::metadata();
    if let Some((_, c)) = meta.property(property) {
        return Ok(SortColumn::Own(c.column));
    }
    let Some((head, rest)) = property.split_once('.') else {
        return Err(unknown(meta, property));
    };
    if let Some(reference) = E::__fw_reference(head) {
        let (target, id) = single_key(reference.target, property)?;
        let column = target
            .property(rest)
            .map(|(_, c)| c.column)
            .ok_or_else(|| unknown(target, rest))?;
        return Ok(SortColumn::Through {
            fk: reference.column,
            table: target.table,
            id,
            column,
        });
    }
    if E::__fw_collection(head).is_some() {
        return Err(DataError::InvalidArgument(format!(
            "cannot sort {} by `{property}`: `{head}` is a to-many association, with no single value per row",
            meta.name
        )));
    }
    Err(unknown(meta, property))
}

/// Where a condition on `property` goes: its own column, or, for a path through a
/// `#[many_to_one]` (`author.name`), the target's column inside `<fk> IN (SELECT <id>
/// FROM <target> WHERE ...)`, or through a `#[one_to_many]` (`posts.title`), the child's
/// column inside `<id> IN (SELECT <child fk> FROM <child> WHERE ...)`: Spring's nested
/// properties, as semi-joins, so each row comes at most once (Spring's distinct roots).
/// Returns the column and the text before and after the condition.
pub(crate) fn condition_site<E: Entity>(
    property: &str,
    sql: &dyn DialectSql,
) -> DataResult<(&'static str, String, &'static str)> {
    if let Some((head, rest)) = property.split_once('.')
        && E::metadata().property(property).is_none()
        && let Some(reference) = E::__fw_reference(head)
    {
        let (target, id) = single_key(reference.target, property)?;
        let column = target
            .property(rest)
            .map(|(_, c)| c.column)
            .ok_or_else(|| DataError::UnknownProperty {
                entity: target.name,
                property: rest.to_owned(),
                known: target.columns.iter().map(|c| c.field).collect(),
            })?;
        let mut before = String::new();
        sql.quote(reference.column, &mut before);
        before.push_str(" IN (SELECT ");
        sql.quote(id, &mut before);
        before.push_str(" FROM ");
        sql.quote(target.table, &mut before);
        before.push_str(" WHERE ");
        return Ok((column, before, ")"));
    }
    if let Some((head, rest)) = property.split_once('.')
        && E::metadata().property(property).is_none()
        && let Some(collection) = E::__fw_collection(head)
    {
        let meta = E::metadata();
        let child = (collection.target)();
        let [id] = meta.ids else {
            return Err(DataError::InvalidArgument(format!(
                "{property}: {} has a composite key",
                meta.name
            )));
        };
        let (fk, column) = match (child.property(collection.mapped_by), child.property(rest)) {
            (Some((_, fk)), Some((_, c))) => (fk.column, c.column),
            (fk, _) => {
                return Err(DataError::UnknownProperty {
                    entity: child.name,
                    property: if fk.is_none() { collection.mapped_by } else { rest }.to_owned(),
                    known: child.columns.iter().map(|c| c.field).collect(),
                });
            }
        };
        let mut before = String::new();
        sql.quote(meta.columns[*id].column, &mut before);
        before.push_str(" IN (SELECT ");
        sql.quote(fk, &mut before);
        before.push_str(" FROM ");
        sql.quote(child.table, &mut before);
        before.push_str(" WHERE ");
        // Soft-deleted children are not in the collection.
        if crate::sql::Visibility::Live.write_condition(child, sql, None, &mut before) {
            before.push_str(" AND ");
        }
        return Ok((column, before, ")"));
    }
    let meta = E::metadata();
    let column = meta
        .property(property)
        .map(|(_, c)| c.column)
        .ok_or_else(|| unknown(meta, property))?;
    Ok((column, String::new(), ""))
}

/// The target's metadata and its single id column.
pub(crate) fn single_key(
    target: fn() -> &'static EntityMetadata,
    property: &str,
) -> DataResult<(&'static EntityMetadata, &'static str)> {
    let target = target();
    match target.ids {
        [id] => Ok((target, target.columns[*id].column)),
        _ => Err(DataError::InvalidArgument(format!(
            "{property}: {} has a composite key",
            target.name
        ))),
    }
}

/// Records, for the query cache, the table that the association `head` of `E` leads to (a
/// condition through it reads that table).
pub(crate) fn record_path_read<E: Entity>(head: &str) {
    if let Some(reference) = E::__fw_reference(head) {
        crate::cache::query::record_read((reference.target)().table);
    } else if let Some(collection) = E::__fw_collection(head) {
        crate::cache::query::record_read((collection.target)().table);
    }
}
