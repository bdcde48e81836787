//! Cascading writes of a to-many association (`#[one_to_many(cascade = "all", orphan_removal)]`):
//! called by the parent's generated hooks, inside the transaction of the parent's `save` or
//! `delete` (see `repository::cascade`).

use super::Associations;
use super::related::Children;
use crate::datasource::{DataSource, Operation};
use crate::error::{DataError, DataResult};
use crate::repository::Repository;
use crate::sql::Sql;
use crate::value::SqlValue;

/// After the parent's row was written: points every loaded child at the parent, saves them
/// all (new ones inserted, others updated, batched like `save_all`), and with
/// `orphan_removal` deletes the parent's children that are no longer in the collection. A
/// collection that was not loaded is not touched.
pub async fn cascade_save<P, C, S>(
    ds: &DataSource,
    parent: P::Id,
    children: &mut S,
    mapped_by: &'static str,
    orphan_removal: bool,
    existed: bool,
) -> DataResult<()>
where
    P: Associations,
    C: Associations,
    C::Id: SqlValue,
    S: Children<C>,
{
    let Some(mut pending) = children.take_loaded() else {
        return Ok(());
    };
    for child in pending.iter_mut() {
        if !child.set_reference(mapped_by, &parent) {
            return Err(DataError::UnknownProperty {
                entity: C::metadata().name,
                property: mapped_by.to_owned(),
                known: C::metadata().columns.iter().map(|c| c.field).collect(),
            });
        }
    }
    let repo = Repository::<C>::new(ds.clone());
    let saved = repo.save_all(pending).await?;
    // A parent inserted just now has no other children to remove.
    if orphan_removal && existed {
        let kept: std::collections::HashSet<C::Id> = saved.iter().map(|c| c.id()).collect();
        let orphans: Vec<C::Id> = child_ids::<P, C>(ds, &parent, mapped_by)
            .await?
            .into_iter()
            .filter(|id| !kept.contains(id))
            .collect();
        remove_children(&repo, orphans).await?;
    }
    children.set_loaded(saved)
}

/// Before the parent's row is deleted: deletes its children (and theirs, when the children
/// cascade too).
pub async fn cascade_delete<P, C>(
    ds: &DataSource,
    parent: &P::Id,
    mapped_by: &'static str,
) -> DataResult<()>
where
    P: Associations,
    C: Associations,
    C::Id: SqlValue,
{
    let repo = Repository::<C>::new(ds.clone());
    let ids = child_ids::<P, C>(ds, parent, mapped_by).await?;
    remove_children(&repo, ids).await
}

/// Deletes children by id: one statement per chunk, or one by one (each cascading) when the
/// children have cascading associations of their own (`delete_all_by_id` decides).
async fn remove_children<C: Associations>(repo: &Repository<C>, ids: Vec<C::Id>) -> DataResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    repo.delete_all_by_id(ids).await.map(|_| ())
}

/// The ids of the children whose `mapped_by` column holds `parent`.
async fn child_ids<P, C>(ds: &DataSource, parent: &P::Id, mapped_by: &str) -> DataResult<Vec<C::Id>>
where
    P: Associations,
    C: Associations,
    C::Id: SqlValue,
{
    let meta = C::metadata();
    let fk = meta
        .columns
        .iter()
        .find(|c| c.field == mapped_by)
        .ok_or_else(|| DataError::UnknownProperty {
            entity: meta.name,
            property: mapped_by.to_owned(),
            known: meta.columns.iter().map(|c| c.field).collect(),
        })?;
    let [id_column] = meta.ids else {
        return Err(DataError::InvalidArgument(format!(
            "{}: cascades need a single-column id",
            meta.name
        )));
    };
    let dialect = ds.dialect();
    let shape = format!("cascade_ids:{mapped_by}");
    let sql: Sql = C::sql().variable(dialect, &shape, || {
        where_eq(dialect, Some(meta.columns[*id_column].column), meta.table, fk.column)
    });
    let mut args = ds.args();
    P::bind_id(parent, &mut args).map_err(|e| bind_error(ds, meta.name, e))?;
    let rows = ds
        .fetch_all_as(Operation::new(meta.name, "cascade"), sql, args)
        .await?;
    rows.iter()
        .map(|r| r.get::<C::Id>(0).map_err(|e| ds.error(e)))
        .collect()
}

/// After the owner's row was written: makes the join table hold exactly the links of a loaded
/// many-to-many collection (inserting the missing links in one statement, deleting the extra
/// ones in another). The targets themselves must exist; they are not saved. A collection that
/// was not loaded is not touched.
pub async fn link_save<P, C>(
    ds: &DataSource,
    owner: P::Id,
    targets: &super::Related<Vec<C>>,
    join: crate::mapping::JoinTable,
    existed: bool,
) -> DataResult<()>
where
    P: Associations,
    P::Id: SqlValue,
    C: Associations,
    C::Id: SqlValue,
{
    let super::Related::Loaded(list) = targets else {
        return Ok(());
    };
    let wanted: Vec<C::Id> = {
        let mut seen = std::collections::HashSet::new();
        list.iter()
            .map(|t| t.id())
            .filter(|id| seen.insert(id.clone()))
            .collect()
    };
    let dialect = ds.dialect();
    let q = crate::sql::dialect::of(dialect);
    let meta = P::metadata();
    let bind = |args: &mut crate::value::Args, v: &dyn crate::value::QueryArg| {
        v.bind_to(args).map_err(|e| bind_error(ds, meta.name, e))
    };
    // The links there now.
    let select = P::sql().variable(dialect, &format!("links:{}:{}", join.table, join.join_column), || {
        where_eq(dialect, Some(join.inverse_join_column), join.table, join.join_column)
    });
    // An owner inserted just now has no links yet.
    let existing: Vec<C::Id> = if existed {
        let mut args = ds.args();
        bind(&mut args, &owner)?;
        let rows = ds
            .fetch_all_as(Operation::new(meta.name, "links"), select, args)
            .await?;
        rows.iter()
            .map(|r| r.get::<C::Id>(0).map_err(|e| ds.error(e)))
            .collect::<DataResult<_>>()?
    } else {
        Vec::new()
    };
    let have: std::collections::HashSet<&C::Id> = existing.iter().collect();
    let want: std::collections::HashSet<&C::Id> = wanted.iter().collect();
    let missing: Vec<&C::Id> = wanted.iter().filter(|id| !have.contains(id)).collect();
    let extra: Vec<&C::Id> = existing.iter().filter(|id| !want.contains(id)).collect();
    for chunk in missing.chunks(1_000) {
        let n = chunk.len();
        let insert = P::sql().variable(dialect, &format!("link_insert:{}:{n}", join.table), || {
            let mut text = String::from("INSERT INTO ");
            q.quote(join.table, &mut text);
            text.push_str(" (");
            q.quote(join.join_column, &mut text);
            text.push_str(", ");
            q.quote(join.inverse_join_column, &mut text);
            text.push_str(") VALUES ");
            for i in 0..n {
                if i > 0 {
                    text.push_str(", ");
                }
                text.push('(');
                q.placeholder(2 * i + 1, &mut text);
                text.push_str(", ");
                q.placeholder(2 * i + 2, &mut text);
                text.push(')');
            }
            text
        });
        let mut args = ds.args();
        for id in chunk {
            bind(&mut args, &owner)?;
            bind(&mut args, *id)?;
        }
        ds.execute_as(Operation::new(meta.name, "links"), insert, args)
            .await?;
    }
    for chunk in extra.chunks(1_000) {
        let mut args = ds.args();
        bind(&mut args, &owner)?;
        let padded = args
            .add_padded_list(chunk.iter().copied())
            .map_err(|e| bind_error(ds, meta.name, e))?;
        let delete = P::sql().variable(dialect, &format!("link_delete:{}:{padded}", join.table), || {
            let mut text = where_eq(dialect, None, join.table, join.join_column);
            text.push_str(" AND ");
            q.quote(join.inverse_join_column, &mut text);
            text.push_str(" IN (");
            for i in 0..padded {
                if i > 0 {
                    text.push_str(", ");
                }
                q.placeholder(i + 2, &mut text);
            }
            text.push(')');
            text
        });
        ds.execute_as(Operation::new(meta.name, "links"), delete, args)
            .await?;
    }
    Ok(())
}

/// Before the owner's row is deleted: deletes its links (the targets stay).
pub async fn link_delete<P>(ds: &DataSource, owner: &P::Id, join: crate::mapping::JoinTable) -> DataResult<()>
where
    P: Associations,
    P::Id: SqlValue,
{
    let dialect = ds.dialect();
    let meta = P::metadata();
    let sql = P::sql().variable(dialect, &format!("link_clear:{}:{}", join.table, join.join_column), || {
        where_eq(dialect, None, join.table, join.join_column)
    });
    let mut args = ds.args();
    crate::value::QueryArg::bind_to(owner, &mut args).map_err(|e| bind_error(ds, meta.name, e))?;
    ds.execute_as(Operation::new(meta.name, "links"), sql, args)
        .await
        .map(|_| ())
}

/// `SELECT <column> FROM <table> WHERE <key> = ?` (or `DELETE FROM ...` without a column).
fn where_eq(dialect: crate::driver::Dialect, select: Option<&str>, table: &str, key: &str) -> String {
    let q = crate::sql::dialect::of(dialect);
    let mut text = String::new();
    match select {
        Some(column) => {
            text.push_str("SELECT ");
            q.quote(column, &mut text);
            text.push_str(" FROM ");
        }
        None => text.push_str("DELETE FROM "),
    }
    q.quote(table, &mut text);
    text.push_str(" WHERE ");
    q.quote(key, &mut text);
    text.push_str(" = ");
    q.placeholder(1, &mut text);
    text
}

fn bind_error(ds: &DataSource, entity: &str, e: crate::value::BoxDynError) -> DataError {
    DataError::Mapping {
        datasource: ds.name().to_owned(),
        message: format!("associations of {entity}: {e}"),
        source: Some(e),
    }
}
