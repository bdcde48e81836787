//! Running [`Spec`]s (see [`query`](crate::query)): the `*_by` methods of every repository.
//! A specification's text is built once per shape (kind, visibility, sort, paging and the
//! tree without its values) and kept in the entity's statement cache; a call binds.


use super::Repository;
use super::page::{Direction, Page, Pageable, Sort};
use super::window::{ScrollPosition, Window, bind_keyset, keyset_columns, position_after};
use super::property_path::sort_column;
use crate::entity::Entity;
use crate::error::{DataError, DataResult};
use crate::query::write::{Scope, bind_node, record_reads, write_node};
use crate::query::{Spec, Update, condition};
use crate::sql::{SortColumn, Sql, Visibility};
use crate::value::Args;

/// What a specification's statement does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The matching rows (sorted, paged).
    Rows,
    /// At most two rows, to tell one from more.
    Single,
    /// `SELECT COUNT(*)`.
    Count,
    /// `SELECT 1 .. LIMIT 1`.
    Exists,
    /// A delete (an UPDATE of the soft-delete column for a soft-deleting entity).
    Delete,
    /// A bulk update.
    Update,
    /// The first keyset window: sorted with the id last, `LIMIT ?`.
    Scroll,
    /// A later keyset window: also after the last window's keys.
    ScrollAfter,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Rows => "rows",
            Kind::Single => "one",
            Kind::Count => "count",
            Kind::Exists => "exists",
            Kind::Delete => "delete",
            Kind::Update => "update",
            Kind::Scroll => "scroll",
            Kind::ScrollAfter => "scroll_after",
        }
    }

    fn selects_rows(self) -> bool {
        matches!(self, Kind::Rows | Kind::Single | Kind::Scroll | Kind::ScrollAfter)
    }
}

impl<E: Entity> Repository<E> {
    /// The statement of `kind` for `spec` (sorted by `sort`, with LIMIT/OFFSET placeholders
    /// when `paged`), built once per shape.
    fn spec_sql(&self, spec: &Spec<E>, kind: Kind, sort: Option<&Sort>, paged: bool) -> DataResult<Sql> {
        self.spec_sql_setting(spec, kind, sort, paged, &[])
    }

    /// [`spec_sql`](Self::spec_sql), with the columns an update sets (indexes into the
    /// metadata's columns).
    fn spec_sql_setting(
        &self,
        spec: &Spec<E>,
        kind: Kind,
        sort: Option<&Sort>,
        paged: bool,
        sets: &[usize],
    ) -> DataResult<Sql> {
        let dialect = self.dialect();
        let sql = crate::sql::dialect::of(dialect);
        let meta = E::metadata();
        // A delete removes live rows; a read sees its repository's.
        let visibility = if kind == Kind::Delete {
            Visibility::Live
        } else {
            self.visibility()
        };
        let soft_delete = kind == Kind::Delete && meta.soft_delete.is_some();
        let mut key = format!("spec:{}:{}", kind.key(), visibility.key());
        if let Some(sort) = sort {
            for o in sort.orders() {
                key.push_str(&o.property);
                key.push(if o.direction == Direction::Desc { '-' } else { '+' });
            }
        }
        if paged {
            key.push_str(":page");
        }
        for i in sets {
            key.push_str(&format!(":{i}"));
        }
        key.push(':');
        spec.node.shape(&mut key);
        E::sql().try_variable(dialect, &key, || {
            let mut out = String::with_capacity(128);
            let mut n = 0usize;
            let mut ph = |out: &mut String| {
                n += 1;
                sql.placeholder(n, out);
            };
            match kind {
                Kind::Rows | Kind::Single | Kind::Scroll | Kind::ScrollAfter => {
                    out.push_str("SELECT ");
                    sql.column_list(meta.columns, &mut out);
                    out.push_str(" FROM ");
                }
                Kind::Count => out.push_str("SELECT COUNT(*) FROM "),
                Kind::Exists => out.push_str("SELECT 1 FROM "),
                Kind::Delete if soft_delete => out.push_str("UPDATE "),
                Kind::Delete => out.push_str("DELETE FROM "),
                Kind::Update => out.push_str("UPDATE "),
            }
            sql.quote(meta.table, &mut out);
            if kind == Kind::Update {
                let mut first = true;
                let mut assign = |out: &mut String, column: &str| {
                    out.push_str(if first { " SET " } else { ", " });
                    first = false;
                    sql.quote(column, out);
                    out.push_str(" = ");
                };
                for i in sets {
                    assign(&mut out, meta.columns[*i].column);
                    ph(&mut out);
                }
                if let Some(v) = meta.version {
                    let column = meta.columns[v].column;
                    assign(&mut out, column);
                    sql.quote(column, &mut out);
                    out.push_str(" + 1");
                }
                for stamped in [meta.updated_at, meta.last_modified_by].into_iter().flatten() {
                    let column = meta.columns[stamped];
                    assign(&mut out, column.column);
                    if Some(stamped) == meta.last_modified_by && !column.nullable {
                        // Nobody acting leaves a required auditor as it is, as `save` does.
                        out.push_str("COALESCE(");
                        ph(&mut out);
                        out.push_str(", ");
                        sql.quote(column.column, &mut out);
                        out.push(')');
                    } else {
                        ph(&mut out);
                    }
                }
            }
            if let Some(c) = meta.soft_delete_column().filter(|_| soft_delete) {
                out.push_str(" SET ");
                sql.quote(c.column, &mut out);
                out.push_str(" = ");
                ph(&mut out);
            }
            let scroll = matches!(kind, Kind::Scroll | Kind::ScrollAfter);
            let mut keys: Vec<(SortColumn, bool)> = Vec::new();
            if kind.selects_rows() {
                if let Some(sort) = sort {
                    for o in sort.orders() {
                        keys.push((sort_column::<E>(&o.property)?, o.direction == Direction::Desc));
                    }
                }
                if paged || scroll {
                    // A total order, so that pages neither repeat nor skip rows.
                    for id in meta.id_columns() {
                        let column = SortColumn::Own(id.column);
                        if !keys.iter().any(|(c, _)| *c == column) {
                            keys.push((column, false));
                        }
                    }
                }
            }
            // The conditions, in placeholder order: visibility, the tree, the keyset.
            let mut conds: Vec<String> = Vec::new();
            let mut filter = String::new();
            if visibility.write_condition(meta, sql, None, &mut filter) {
                conds.push(filter);
            }
            if !spec.is_all() {
                let mut tree = String::new();
                write_node::<E>(&spec.node, sql, Scope::Rows(None), &mut ph, &mut tree)?;
                conds.push(tree);
            }
            if kind == Kind::ScrollAfter {
                let mut after = String::new();
                condition::write_keyset(&keys, meta.table, sql, &mut ph, &mut after);
                conds.push(after);
            }
            for (i, c) in conds.iter().enumerate() {
                out.push_str(if i == 0 { " WHERE " } else { " AND " });
                out.push_str(c);
            }
            if kind.selects_rows() {
                for (i, (column, desc)) in keys.iter().enumerate() {
                    out.push_str(if i == 0 { " ORDER BY " } else { ", " });
                    column.write(meta.table, sql, &mut out);
                    if *desc {
                        out.push_str(" DESC");
                    }
                }
                if paged {
                    out.push_str(" LIMIT ");
                    ph(&mut out);
                    out.push_str(" OFFSET ");
                    ph(&mut out);
                } else if scroll {
                    out.push_str(" LIMIT ");
                    ph(&mut out);
                } else if kind == Kind::Single {
                    out.push_str(" LIMIT 2");
                }
            } else if kind == Kind::Exists {
                out.push_str(" LIMIT 1");
            }
            Ok(out)
        })
    }

    /// The arguments of `spec` (after a soft delete's time for `Kind::Delete`).
    fn spec_args(&self, spec: &Spec<E>, kind: Kind) -> DataResult<Args> {
        self.spec_args_after(spec, kind, self.datasource().args())
    }

    /// The arguments of `spec`, after `args` (an update's assignments).
    fn spec_args_after(&self, spec: &Spec<E>, kind: Kind, mut args: Args) -> DataResult<Args> {
        if kind == Kind::Delete {
            self.deletion_args_first(&mut args)?;
        }
        let sql = crate::sql::dialect::of(self.dialect());
        bind_node(&spec.node, sql, &mut args).map_err(|e| self.bind_err(e))?;
        Ok(args)
    }

    /// Every entity `spec` matches (Spring Data's `findAll(Specification)`).
    ///
    /// ```no_run
    /// use framework_data::prelude::*;
    /// # #[derive(Entity, Debug, Clone)] #[entity(table = "accounts", crate = "framework_data")]
    /// # struct Account { #[id(generated)] id: i64, owner: String, balance_cents: i64 }
    /// # async fn demo(accounts: Repository<Account>) -> DataResult<()> {
    /// let f = Account::fields();
    /// let found = accounts.find_all_by(f.owner().eq("ann").and(f.balance_cents().gt(0))).await?;
    /// # Ok(()) }
    /// ```
    pub async fn find_all_by(&self, spec: impl Into<Spec<E>>) -> DataResult<Vec<E>> {
        let spec: Spec<E> = spec.into();
        self.find_all_sorted_by(spec, Sort::unsorted()).await
    }

    /// Every entity `spec` matches, in `sort`'s order.
    pub async fn find_all_sorted_by(&self, spec: impl Into<Spec<E>>, sort: Sort) -> DataResult<Vec<E>> {
        let spec: Spec<E> = spec.into();
        let sql = self.spec_sql(&spec, Kind::Rows, Some(&sort), false)?;
        let args = self.spec_args(&spec, Kind::Rows)?;
        let key = self.query_key(|| format!("find_all_by|{sql}|{args:?}"));
        self.through_query_cache(key, async {
            self.record_path_reads(&spec);
            let mut found = self.fetch_rows("find_all_by", sql, args).await?;
            self.eager(&mut found).await?;
            Ok(found)
        })
        .await
    }

    /// Records the tables a specification's association paths read, for the query cache.
    fn record_path_reads(&self, spec: &Spec<E>) {
        if !crate::cache::query::recording() {
            return;
        }
        record_reads::<E>(&spec.node);
    }

    /// The one entity `spec` matches, if any; two or more is
    /// [`DataError::IncorrectResultSize`].
    pub async fn find_one_by(&self, spec: impl Into<Spec<E>>) -> DataResult<Option<E>> {
        let spec: Spec<E> = spec.into();
        let sql = self.spec_sql(&spec, Kind::Single, None, false)?;
        let args = self.spec_args(&spec, Kind::Single)?;
        let key = self.query_key(|| format!("find_one_by|{sql}|{args:?}"));
        let fetched = async {
            self.record_path_reads(&spec);
            self.fetch_rows("find_one_by", sql, args).await
        };
        let mut found = self.through_query_cache(key, fetched).await?;
        if found.len() > 1 {
            return Err(DataError::IncorrectResultSize {
                query: "find_one_by",
                expected: 1,
                actual: found.len(),
            });
        }
        self.eager(&mut found).await?;
        Ok(found.pop())
    }

    /// One page of the entities `spec` matches, with their total (two statements: the count,
    /// then the page, ordered by the pageable's sort and then the id).
    pub async fn find_page_by(&self, spec: impl Into<Spec<E>>, pageable: Pageable) -> DataResult<Page<E>> {
        let spec: Spec<E> = spec.into();
        if pageable.size() == 0 {
            return Err(DataError::InvalidArgument(
                "page size must be at least 1".into(),
            ));
        }
        let sql = self.spec_sql(&spec, Kind::Rows, Some(pageable.sort()), true)?;
        let mut args = self.spec_args(&spec, Kind::Rows)?;
        let limit = i64::try_from(pageable.size()).unwrap_or(i64::MAX);
        let offset = i64::try_from(pageable.offset()).unwrap_or(i64::MAX);
        args.add(&limit).map_err(|e| self.bind_err(e))?;
        args.add(&offset).map_err(|e| self.bind_err(e))?;
        let key = self.query_key(|| format!("find_page_by|{sql}|{args:?}"));
        self.through_query_cache(key, async {
            let total = self.count_by_spec(spec.clone()).await?;
            self.record_path_reads(&spec);
            let mut content = self.fetch_rows("find_page_by", sql, args).await?;
            self.eager(&mut content).await?;
            Ok(Page::new(content, &pageable, total))
        })
        .await
    }

    /// How many entities `spec` matches.
    pub async fn count_by_spec(&self, spec: impl Into<Spec<E>>) -> DataResult<u64> {
        let spec: Spec<E> = spec.into();
        let sql = self.spec_sql(&spec, Kind::Count, None, false)?;
        let args = self.spec_args(&spec, Kind::Count)?;
        let key = self.query_key(|| format!("count_by_spec|{sql}|{args:?}"));
        self.through_query_cache(key, async {
            self.record_path_reads(&spec);
            self.count_now_by(sql, args).await
        })
        .await
    }

    async fn count_now_by(&self, sql: Sql, args: Args) -> DataResult<u64> {
        let row = self
            .datasource()
            .fetch_optional_as(self.op("count_by_spec"), sql, args)
            .await?;
        let n = match row {
            Some(r) => r.get::<i64>(0).map_err(|e| self.datasource().error(e))?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Whether `spec` matches any entity.
    pub async fn exists_by_spec(&self, spec: impl Into<Spec<E>>) -> DataResult<bool> {
        let spec: Spec<E> = spec.into();
        let sql = self.spec_sql(&spec, Kind::Exists, None, false)?;
        let args = self.spec_args(&spec, Kind::Exists)?;
        let key = self.query_key(|| format!("exists_by_spec|{sql}|{args:?}"));
        self.through_query_cache(key, async {
            self.record_path_reads(&spec);
            Ok(self
                .datasource()
                .fetch_optional_as(self.op("exists_by_spec"), sql, args)
                .await?
                .is_some())
        })
        .await
    }

    /// Deletes the entities `spec` matches in one statement (soft for a soft-deleting
    /// entity) and returns how many; the entity cache of `E` is emptied, as for a derived
    /// delete. When `E` cascades removals, the matching entities are read and deleted one by
    /// one, each after its children, in one transaction. A bulk statement: no lifecycle
    /// callbacks or listeners run (as for JPA's `CriteriaDelete`).
    pub async fn delete_by_spec(&self, spec: impl Into<Spec<E>>) -> DataResult<u64> {
        let spec: Spec<E> = spec.into();
        if let Some(hooks) = super::cascade::hooks::<E>() {
            return self
                .in_transaction("delete_by_spec", async {
                    let found = self.find_all_by(spec).await?;
                    self.delete_each(hooks, found.iter().map(Entity::id).collect())
                        .await
                })
                .await;
        }
        let sql = self.spec_sql(&spec, Kind::Delete, None, false)?;
        let args = self.spec_args(&spec, Kind::Delete)?;
        let _write = self.cache_write_all();
        Ok(self
            .datasource()
            .execute_as(self.op("delete_by_spec"), sql, args)
            .await?
            .rows_affected)
    }

    /// Updates the entities `spec` matches in one statement and returns how many rows changed:
    /// the assignments of `update`, `#[version]` + 1, `#[updated_at]` and `#[last_modified_by]`
    /// stamped; the entity cache of `E` is emptied. A bulk statement: no validation, lifecycle
    /// callbacks or listeners (as for JPA's `CriteriaUpdate`). Setting a field reached through
    /// an association, or one the framework keeps (the id, the version, the creation stamps,
    /// the soft-delete column), and an empty `update`, are [`DataError::InvalidArgument`]
    /// before any statement.
    pub async fn update_by_spec(&self, spec: impl Into<Spec<E>>, update: Update<E>) -> DataResult<u64> {
        let spec: Spec<E> = spec.into();
        let meta = E::metadata();
        if update.is_empty() {
            return Err(DataError::InvalidArgument(format!(
                "{}: update_by_spec needs at least one assignment",
                meta.name
            )));
        }
        let mut sets = Vec::with_capacity(update.sets.len());
        for (head, name, _) in &update.sets {
            let found = meta.property(name).map(|(i, _)| i);
            let Some(i) = found.filter(|_| head.is_none()) else {
                return Err(DataError::InvalidArgument(format!(
                    "{}: update_by_spec sets the entity's own fields, not `{}`",
                    meta.name,
                    head.map_or_else(|| (*name).to_owned(), |h| format!("{h}.{name}"))
                )));
            };
            let kept = meta.is_id(i)
                || [meta.version, meta.created_at, meta.created_by, meta.soft_delete]
                    .contains(&Some(i));
            if kept {
                return Err(DataError::InvalidArgument(format!(
                    "{}: `{name}` is kept by the framework and cannot be set by update_by_spec",
                    meta.name
                )));
            }
            sets.push(i);
        }
        let sql = self.spec_sql_setting(&spec, Kind::Update, None, false, &sets)?;
        let mut args = self.datasource().args();
        for (_, _, value) in &update.sets {
            value.bind_to(&mut args).map_err(|e| self.bind_err(e))?;
        }
        let stamp = self.stamp();
        for stamped in [meta.updated_at, meta.last_modified_by].into_iter().flatten() {
            let bound = if Some(stamped) == meta.last_modified_by {
                args.add(&stamp.who)
            } else if meta.columns[stamped].sql_type == crate::value::SqlType::Timestamp {
                args.add(&stamp.now.naive_utc())
            } else {
                args.add(&stamp.now)
            };
            bound.map_err(|e| self.bind_err(e))?;
        }
        let args = self.spec_args_after(&spec, Kind::Update, args)?;
        let _write = self.cache_write_all();
        Ok(self
            .datasource()
            .execute_as(self.op("update_by_spec"), sql, args)
            .await?
            .rows_affected)
    }

    /// One window of the entities `spec` matches, in `sort`'s order with the id last, starting
    /// at `position` (see [`ScrollPosition`]); at most `size` rows, one more read to tell
    /// whether more follow.
    ///
    /// ```no_run
    /// use framework_data::prelude::*;
    /// # #[derive(Entity, Debug, Clone)] #[entity(table = "accounts", crate = "framework_data")]
    /// # struct Account { #[id(generated)] id: i64, owner: String }
    /// # async fn demo(accounts: Repository<Account>, token: Option<String>) -> DataResult<()> {
    /// let position = match token {
    ///     Some(t) => ScrollPosition::from_token(&t)?,
    ///     None => ScrollPosition::keyset(),
    /// };
    /// let window = accounts.scroll_by(Spec::all(), Sort::asc("owner"), position, 50).await?;
    /// let next = window.position_after_last().filter(|_| window.has_next()).map(|p| p.to_token());
    /// # Ok(()) }
    /// ```
    pub async fn scroll_by(
        &self,
        spec: impl Into<Spec<E>>,
        sort: Sort,
        position: ScrollPosition,
        size: u64,
    ) -> DataResult<Window<E>> {
        let spec: Spec<E> = spec.into();
        if size == 0 {
            return Err(DataError::InvalidArgument("window size must be at least 1".into()));
        }
        let limit = i64::try_from(size.saturating_add(1)).unwrap_or(i64::MAX);
        let keys = match position {
            ScrollPosition::Offset(skipped) => {
                let sql = self.spec_sql(&spec, Kind::Rows, Some(&sort), true)?;
                let mut args = self.spec_args(&spec, Kind::Rows)?;
                let offset = i64::try_from(skipped).unwrap_or(i64::MAX);
                args.add(&limit).map_err(|e| self.bind_err(e))?;
                args.add(&offset).map_err(|e| self.bind_err(e))?;
                let mut content = self.fetch_rows("scroll_by", sql, args).await?;
                let has_next = content.len() as u64 > size;
                content.truncate(usize::try_from(size).unwrap_or(usize::MAX));
                self.eager(&mut content).await?;
                let after = (!content.is_empty())
                    .then(|| ScrollPosition::Offset(skipped + content.len() as u64));
                return Ok(Window::new(content, has_next, after));
            }
            ScrollPosition::Keyset(keys) => keys,
        };
        let meta = E::metadata();
        let columns = keyset_columns(meta, sort.orders().iter().map(|o| o.property.as_str()))?;
        let kind = if keys.is_empty() { Kind::Scroll } else { Kind::ScrollAfter };
        let sql = self.spec_sql(&spec, kind, Some(&sort), false)?;
        let mut args = self.spec_args(&spec, kind)?;
        if !keys.is_empty() {
            bind_keyset(&keys, &columns, meta, &mut args)?;
        }
        args.add(&limit).map_err(|e| self.bind_err(e))?;
        let mut rows = self
            .datasource()
            .fetch_all_as(self.op("scroll_by"), sql, args)
            .await?;
        let has_next = rows.len() as u64 > size;
        rows.truncate(usize::try_from(size).unwrap_or(usize::MAX));
        let after = rows
            .last()
            .map(|last| position_after(last, &columns, meta))
            .transpose()?;
        let mut content = rows
            .iter()
            .map(|r| self.decode(r))
            .collect::<DataResult<Vec<E>>>()?;
        self.eager(&mut content).await?;
        Ok(Window::new(content, has_next, after))
    }
}
