//! Where a condition on a property path goes: the entity's own column, or the column of an
//! associated entity inside a semi-join (`owner_id IN (SELECT id FROM owners WHERE ..)`), so
//! that a condition through an association never repeats a row.

use crate::entity::Entity;
use crate::error::{DataError, DataResult};
use crate::mapping::EntityMetadata;
use crate::sql::dialect::DialectSql;

/// The unknown-property error, listing the entity's fields.
pub(crate) fn unknown_property(meta: &EntityMetadata, property: &str) -> DataError {
    DataError::UnknownProperty {
        entity: meta.name,
        property: property.to_owned(),
        known: meta.columns.iter().map(|c| c.field).collect(),
    }
}

/// Writes `column`, qualified by `qualifier` (the statement's name for the table) when given.
pub(crate) fn qualified(sql: &dyn DialectSql, qualifier: Option<&str>, column: &str, out: &mut String) {
    if let Some(q) = qualifier {
        sql.quote(q, out);
        out.push('.');
    }
    sql.quote(column, out);
}

/// How an entity reaches the rows of one of its associations.
pub(crate) enum Link {
    /// A `#[many_to_one]`: the entity's `fk` column holds the target's `id`.
    ToOne {
        fk: &'static str,
        target: &'static EntityMetadata,
        id: &'static str,
    },
    /// A `#[one_to_many]`: the child's `fk` column holds the entity's `id`.
    ToMany {
        id: &'static str,
        child: &'static EntityMetadata,
        fk: &'static str,
    },
}

impl Link {
    /// The associated entity.
    pub(crate) fn target(&self) -> &'static EntityMetadata {
        match self {
            Link::ToOne { target, .. } => target,
            Link::ToMany { child, .. } => child,
        }
    }
}

/// How `E` reaches its association `head`; `None` when `head` is no association. `path`
/// names the property in errors.
pub(crate) fn link<E: Entity>(head: &str, path: &str) -> DataResult<Option<Link>> {
    if let Some(reference) = E::__fw_reference(head) {
        let (target, id) = single_key(reference.target, path)?;
        return Ok(Some(Link::ToOne {
            fk: reference.column,
            target,
            id,
        }));
    }
    let Some(collection) = E::__fw_collection(head) else {
        return Ok(None);
    };
    let meta = E::metadata();
    let child = (collection.target)();
    let [id] = meta.ids else {
        return Err(DataError::InvalidArgument(format!(
            "{path}: {} has a composite key",
            meta.name
        )));
    };
    let fk = child
        .property(collection.mapped_by)
        .map(|(_, fk)| fk.column)
        .ok_or_else(|| unknown_property(child, collection.mapped_by))?;
    Ok(Some(Link::ToMany {
        id: meta.columns[*id].column,
        child,
        fk,
    }))
}

/// The semi-join through `E`'s association `head`: for a `#[many_to_one]`, `<fk> IN (SELECT
/// <id> FROM <target> WHERE `, for a `#[one_to_many]`, `<id> IN (SELECT <child fk> FROM
/// <child> WHERE <child is live> AND ` (soft-deleted children are not in the collection), and
/// the target's metadata; `None` when `head` is no association. The caller writes the
/// condition on the target and the closing `)`. `path` names the property in errors.
pub(crate) fn association_site<E: Entity>(
    head: &str,
    path: &str,
    sql: &dyn DialectSql,
    qualifier: Option<&str>,
) -> DataResult<Option<(String, &'static EntityMetadata)>> {
    let Some(link) = link::<E>(head, path)? else {
        return Ok(None);
    };
    let (outer, inner) = match &link {
        Link::ToOne { fk, id, .. } => (fk, id),
        Link::ToMany { id, fk, .. } => (id, fk),
    };
    let target = link.target();
    let mut before = String::new();
    qualified(sql, qualifier, outer, &mut before);
    before.push_str(" IN (SELECT ");
    sql.quote(inner, &mut before);
    before.push_str(" FROM ");
    sql.quote(target.table, &mut before);
    before.push_str(" WHERE ");
    if matches!(link, Link::ToMany { .. })
        && crate::sql::Visibility::Live.write_condition(target, sql, None, &mut before)
    {
        before.push_str(" AND ");
    }
    Ok(Some((before, target)))
}

/// Where a condition on `property` goes: its own column (qualified by `qualifier` when
/// given), or, for a path through an association (`author.name`, `posts.title`), the target's
/// column inside the semi-join of [`association_site`]: Spring's nested properties, each row
/// at most once (Spring's distinct roots). Returns the column as written and the text before
/// and after the condition.
pub(crate) fn condition_site<E: Entity>(
    property: &str,
    sql: &dyn DialectSql,
    qualifier: Option<&str>,
) -> DataResult<(String, String, &'static str)> {
    let meta = E::metadata();
    if let Some((_, c)) = meta.property(property) {
        let mut column = String::new();
        qualified(sql, qualifier, c.column, &mut column);
        return Ok((column, String::new(), ""));
    }
    if let Some((head, rest)) = property.split_once('.')
        && let Some((before, target)) = association_site::<E>(head, property, sql, qualifier)?
    {
        let c = target
            .property(rest)
            .map(|(_, c)| c.column)
            .ok_or_else(|| unknown_property(target, rest))?;
        let mut column = String::new();
        sql.quote(c, &mut column);
        return Ok((column, before, ")"));
    }
    Err(unknown_property(meta, property))
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
