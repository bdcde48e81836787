//! Loading one association level for a list of parents: one statement over all their keys.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::Arc;

use super::eager::{FetchChain, load_eager};
use super::related::Children;
use super::{Associations, Ref, split_path};
use crate::cache::CollectionCache;
use crate::datasource::{DataSource, Operation};
use crate::entity::Entity;
use crate::error::{DataError, DataResult};
use crate::mapping::JoinTable;
use crate::sql::Visibility;
use crate::sql::dialect::DialectSql;
use crate::value::SqlValue;

/// Keys per `IN` list at most: far below every dialect's bind limit, and few padded shapes.
const KEYS_PER_STATEMENT: usize = 1_024;

/// Loads `Related<Vec<C>>` (or a one-to-one's `Related<Option<C>>`; through `slot`) on
/// `parents`: the children whose `mapped_by`
/// property (a `Ref<P>` column of `C`) holds a parent's id, in `order_by`, with one statement
/// per 1,024 distinct parents (none for parents whose children are in the collection cache
/// `cache`, when the association has one). Then `rest` on the children.
#[allow(clippy::too_many_arguments)]
pub async fn one_to_many<P, C, S>(
    ds: &DataSource,
    mut parents: Vec<&mut P>,
    association: &'static str,
    mapped_by: &'static str,
    order_by: &'static str,
    cache: Option<&'static str>,
    rest: &str,
    slot: fn(&mut P) -> &mut S,
    chain: &FetchChain,
) -> DataResult<()>
where
    P: Associations,
    P::Id: SqlValue,
    C: Associations,
    S: Children<C>,
{
    if parents.iter_mut().all(|p| slot(p).is_loaded()) {
        // Loaded before: go on to the next level only.
        return load_rest(ds, parents, rest, slot, chain).await;
    }
    let meta = C::metadata();
    let fk = meta
        .columns
        .iter()
        .position(|c| c.field == mapped_by)
        .ok_or_else(|| DataError::UnknownProperty {
            entity: meta.name,
            property: mapped_by.to_owned(),
            known: meta.columns.iter().map(|c| c.field).collect(),
        })?;
    let order = order_clause::<C>(order_by)?;
    let level = Level {
        association,
        shape: format!("o2m:{mapped_by}:{order_by}"),
        key_at: fk,
        first_column: 0,
    };
    let cache = cache.and_then(|name| usable_cache::<P, C>(ds, name));
    load_level(ds, parents, rest, slot, level, cache, chain, |dialect, padded| {
        let q = crate::sql::dialect::of(dialect);
        let every_row = C::sql().statements_seeing(meta, dialect, Visibility::All);
        let mut text = every_row.find_all.as_str().to_owned();
        text.push_str(" WHERE ");
        // Soft-deleted children are not in the collection.
        if Visibility::Live.write_condition(meta, q, None, &mut text) {
            text.push_str(" AND ");
        }
        q.quote(meta.columns[fk].column, &mut text);
        push_in_list(q, padded, &mut text);
        push_order(q, &order, "", &mut text);
        text
    })
    .await
}

/// One to-many level's statement: where the parent's key and the child's columns are in its
/// rows, and the name of its shapes.
struct Level {
    association: &'static str,
    shape: String,
    key_at: usize,
    first_column: usize,
}

/// A collection cache a load may use: read, and filled too when `fill` (outside
/// transactions).
struct UsableCache<P: Entity, C: Entity> {
    cache: Arc<CollectionCache<P, C>>,
    fill: bool,
}

/// The collection cache `name` of `P`'s children `C`, when it is on and this load may read it:
/// not inside a transaction that wrote `C` (it must see its own writes), nor a read-write one
/// asking for `RepeatableRead` or `Serializable` (as for the entity cache).
fn usable_cache<P: Entity, C: Entity>(ds: &DataSource, name: &'static str) -> Option<UsableCache<P, C>> {
    let cache = ds.cache()?.collection_cache::<P, C>(name, ds)?;
    let fill = match crate::tx::ambient::current(ds) {
        Some(tx) => {
            let strict = !tx.def.read_only
                && matches!(
                    tx.def.isolation,
                    crate::tx::Isolation::RepeatableRead | crate::tx::Isolation::Serializable
                );
            if strict || tx.has_written(TypeId::of::<C>()) {
                return None;
            }
            false
        }
        None => true,
    };
    Some(UsableCache { cache, fill })
}

/// Runs a to-many level's statement over the parents' distinct keys (1,024 per statement,
/// padded), decodes (key, child) pairs, loads `rest` on the children and gives each parent
/// its own. With a collection cache, parents whose children it holds are not queried, and
/// those queried are put (outside transactions).
#[allow(clippy::too_many_arguments)]
async fn load_level<P, C, S>(
    ds: &DataSource,
    mut parents: Vec<&mut P>,
    rest: &str,
    slot: fn(&mut P) -> &mut S,
    level: Level,
    cache: Option<UsableCache<P, C>>,
    chain: &FetchChain,
    text: impl Fn(crate::driver::Dialect, usize) -> String,
) -> DataResult<()>
where
    P: Associations,
    P::Id: SqlValue,
    C: Associations,
    S: Children<C>,
{
    let meta = C::metadata();
    let dialect = ds.dialect();
    let positions: Vec<usize> = (level.first_column..level.first_column + meta.columns.len()).collect();
    let mut found: Vec<(P::Id, C)> = Vec::new();
    let mut missing = distinct_ids(&parents);
    let mut tickets = HashMap::new();
    if let Some(usable) = &cache {
        let mut wanted = Vec::with_capacity(missing.len());
        for id in missing {
            match usable.cache.get(&id).await {
                Some(children) => found.extend(children.into_iter().map(|c| (id.clone(), c))),
                None => {
                    tickets.insert(id.clone(), usable.cache.ticket(&id));
                    wanted.push(id);
                }
            }
        }
        missing = wanted;
    }
    let from_cache = found.len();
    for chunk in missing.chunks(KEYS_PER_STATEMENT) {
        let mut args = ds.args();
        let padded = args
            .add_padded_list(chunk.iter())
            .map_err(|e| bind_error(ds, level.association, e))?;
        let shape = format!("{}:{padded}", level.shape);
        let sql = C::sql().variable(dialect, &shape, || text(dialect, padded));
        crate::cache::query::record_read(meta.table);
        let fetch = ds.fetch_all_as(Operation::new(meta.name, level.association), sql, args);
        // What fills the collection cache comes from the primary (a replica may lag).
        let rows = match &cache {
            Some(_) => crate::datasource::on_primary(fetch).await?,
            None => fetch.await?,
        };
        found.reserve(rows.len());
        for row in &rows {
            let key: P::Id = row.get(level.key_at).map_err(|e| ds.error(e))?;
            let child = C::from_row_at(row, &positions).map_err(|e| ds.error(e))?;
            found.push((key, child));
        }
    }
    if let Some(usable) = cache.filter(|u| u.fill) {
        // Every queried parent, those without children too, as the rows came (in order).
        let mut loaded: HashMap<P::Id, Vec<C>> =
            missing.iter().map(|id| (id.clone(), Vec::new())).collect();
        for (key, child) in &found[from_cache..] {
            if let Some(children) = loaded.get_mut(key) {
                children.push(child.clone());
            }
        }
        for (id, children) in loaded {
            if let Some(ticket) = tickets.remove(&id) {
                usable.cache.put(id, children, ticket).await;
            }
        }
    }
    load_eager(found.iter_mut().map(|(_, c)| c).collect(), ds, chain).await?;
    if !rest.is_empty() {
        let (head, tail) = split_path(rest);
        let children = found.iter_mut().map(|(_, c)| c).collect();
        C::load_association(children, head, tail, ds, chain).await?;
    }
    assign(&mut parents, found, slot)
}

/// The distinct ids of `parents`, in first-seen order.
fn distinct_ids<P: Entity>(parents: &[&mut P]) -> Vec<P::Id> {
    let mut seen = std::collections::HashSet::with_capacity(parents.len());
    parents
        .iter()
        .map(|p| p.id())
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

/// Appends ` IN (?, ?, ...)` with `n` placeholders.
fn push_in_list(q: &dyn DialectSql, n: usize, text: &mut String) {
    text.push_str(" IN (");
    for i in 1..=n {
        if i > 1 {
            text.push_str(", ");
        }
        q.placeholder(i, text);
    }
    text.push(')');
}

/// Appends ` ORDER BY ...` for `order` (columns qualified by `prefix`), if any.
fn push_order(q: &dyn DialectSql, order: &[(&str, bool)], prefix: &str, text: &mut String) {
    for (i, (column, desc)) in order.iter().enumerate() {
        text.push_str(if i == 0 { " ORDER BY " } else { ", " });
        text.push_str(prefix);
        q.quote(column, text);
        text.push_str(if *desc { " DESC" } else { " ASC" });
    }
}

/// Groups `found` (parent key, child) in query order and gives each parent its children; a
/// parent listed twice gets its own copy.
fn assign<P: Entity, C: Clone, S: Children<C>>(
    parents: &mut [&mut P],
    found: Vec<(P::Id, C)>,
    slot: fn(&mut P) -> &mut S,
) -> DataResult<()> {
    let mut wanted: HashMap<P::Id, usize> = HashMap::with_capacity(parents.len());
    for p in parents.iter() {
        *wanted.entry(p.id()).or_default() += 1;
    }
    let mut grouped: HashMap<P::Id, Vec<C>> = HashMap::with_capacity(wanted.len());
    for (key, child) in found {
        grouped.entry(key).or_default().push(child);
    }
    for p in parents.iter_mut() {
        let id = p.id();
        let left = wanted.get_mut(&id).map(|n| {
            *n -= 1;
            *n
        });
        let mine = match left {
            Some(0) | None => grouped.remove(&id).unwrap_or_default(),
            Some(_) => grouped.get(&id).cloned().unwrap_or_default(),
        };
        slot(p).set_loaded(mine)?;
    }
    Ok(())
}

/// `rest` on children that every parent already has.
async fn load_rest<P, C, S>(
    ds: &DataSource,
    mut parents: Vec<&mut P>,
    rest: &str,
    slot: fn(&mut P) -> &mut S,
    chain: &FetchChain,
) -> DataResult<()>
where
    C: Associations,
    S: Children<C>,
{
    if rest.is_empty() {
        return Ok(());
    }
    let (head, tail) = split_path(rest);
    let mut children: Vec<&mut C> = Vec::new();
    for p in parents.iter_mut() {
        children.extend(slot(p).loaded_mut());
    }
    if children.is_empty() {
        return Ok(());
    }
    C::load_association(children, head, tail, ds, chain).await
}

/// Loads the `Ref<T>` (through `slot`) of every parent: the distinct keys in one
/// `find_all_by_id` (through the entity cache where `T` has a region), then `rest` on the
/// targets. A key whose row does not exist is [`DataError::NotFound`].
pub async fn many_to_one<P, T>(
    ds: &DataSource,
    mut parents: Vec<&mut P>,
    rest: &str,
    slot: fn(&mut P) -> Option<&mut Ref<T>>,
    chain: &FetchChain,
) -> DataResult<()>
where
    P: Entity,
    T: Associations,
{
    let mut keys: Vec<T::Id> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in parents.iter_mut() {
        if let Some(r) = slot(p)
            && (!r.is_loaded() || !rest.is_empty())
            && seen.insert(r.id().clone())
        {
            keys.push(r.id().clone());
        }
    }
    if keys.is_empty() {
        return Ok(());
    }
    // A reference resolves to its row even when that is soft-deleted: the row is there.
    let repo = crate::repository::Repository::<T>::new(ds.clone()).with_deleted();
    let mut targets = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(KEYS_PER_STATEMENT) {
        targets.extend(repo.find_all_by_id_lazy(chunk.to_vec()).await?);
    }
    load_eager(targets.iter_mut().collect(), ds, chain).await?;
    if !rest.is_empty() {
        let (head, tail) = split_path(rest);
        T::load_association(targets.iter_mut().collect(), head, tail, ds, chain).await?;
    }
    let by_id: HashMap<T::Id, Arc<T>> = targets
        .into_iter()
        .map(|t| (t.id(), Arc::new(t)))
        .collect();
    for p in parents.iter_mut() {
        if let Some(r) = slot(p)
            && (!r.is_loaded() || !rest.is_empty())
        {
            match by_id.get(r.id()) {
                Some(target) => r.set_loaded(target.clone()),
                None => {
                    return Err(DataError::NotFound {
                        entity: T::metadata().name,
                        id: format!("{:?}", r.id()),
                    });
                }
            }
        }
    }
    Ok(())
}

/// `"title asc, created_at desc"` as (column, descending) pairs of `C`'s columns.
fn order_clause<C: Entity>(order_by: &str) -> DataResult<Vec<(&'static str, bool)>> {
    let meta = C::metadata();
    let mut out = Vec::new();
    for part in order_by.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut words = part.split_whitespace();
        let property = words.next().unwrap_or_default();
        let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(DataError::InvalidArgument(format!(
                    "order_by `{order_by}`: `{other}` is neither asc nor desc"
                )));
            }
        };
        let column = meta
            .columns
            .iter()
            .find(|c| c.field == property)
            .ok_or_else(|| DataError::UnknownProperty {
                entity: meta.name,
                property: property.to_owned(),
                known: meta.columns.iter().map(|c| c.field).collect(),
            })?;
        out.push((column.column, desc));
    }
    Ok(out)
}

fn bind_error(ds: &DataSource, association: &str, e: crate::value::BoxDynError) -> DataError {
    DataError::Mapping {
        datasource: ds.name().to_owned(),
        message: format!("loading {association}: {e}"),
        source: Some(e),
    }
}

/// Loads a many-to-many `Related<Vec<C>>` (through `slot`) on `parents`: one
/// `SELECT j.join_column, c.* FROM c JOIN j ON ... WHERE j.join_column IN (...)` per 1,024
/// parents, in `order_by`; then `rest` on the targets (each parent gets its own copies).
#[allow(clippy::too_many_arguments)]
pub async fn many_to_many<P, C, S>(
    ds: &DataSource,
    mut parents: Vec<&mut P>,
    association: &'static str,
    join: JoinTable,
    order_by: &'static str,
    rest: &str,
    slot: fn(&mut P) -> &mut S,
    chain: &FetchChain,
) -> DataResult<()>
where
    P: Associations,
    P::Id: SqlValue,
    C: Associations,
    S: Children<C>,
{
    if parents.iter_mut().all(|p| slot(p).is_loaded()) {
        return load_rest(ds, parents, rest, slot, chain).await;
    }
    let meta = C::metadata();
    let [target_id] = meta.ids else {
        return Err(DataError::InvalidArgument(format!(
            "{}: a many-to-many target needs a single-column id",
            meta.name
        )));
    };
    let order = order_clause::<C>(order_by)?;
    let level = Level {
        association,
        shape: format!("m2m:{}:{}:{order_by}", join.table, join.join_column),
        key_at: 0,
        first_column: 1,
    };
    load_level(ds, parents, rest, slot, level, None, chain, |dialect, padded| {
        let q = crate::sql::dialect::of(dialect);
        let mut text = String::from("SELECT j.");
        q.quote(join.join_column, &mut text);
        for c in meta.columns {
            text.push_str(", t.");
            q.quote(c.column, &mut text);
        }
        text.push_str(" FROM ");
        q.quote(meta.table, &mut text);
        text.push_str(" t JOIN ");
        q.quote(join.table, &mut text);
        text.push_str(" j ON t.");
        q.quote(meta.columns[*target_id].column, &mut text);
        text.push_str(" = j.");
        q.quote(join.inverse_join_column, &mut text);
        text.push_str(" WHERE ");
        if Visibility::Live.write_condition(meta, q, Some("t"), &mut text) {
            text.push_str(" AND ");
        }
        text.push_str("j.");
        q.quote(join.join_column, &mut text);
        push_in_list(q, padded, &mut text);
        push_order(q, &order, "t.", &mut text);
        text
    })
    .await
}
