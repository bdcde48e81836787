//! The run-time half of derived queries: `#[repository]` parses a method name at compile time
//! into a static [`DerivedQuery`]; a [`Call`] binds the method's arguments, picks the statement
//! text (built once per dialect and shape, then cached) and maps the rows.

use std::sync::OnceLock;

use super::Repository;
use super::page::{Direction, Page, Pageable, Sort};
use crate::query::condition::{self, Shape};
use super::window::ScrollPosition;
use super::property_path::sort_column;
use crate::query::condition_site;
use super::stream::EntityStream;
use crate::datasource::Operation;
use crate::driver::Dialect;
use crate::entity::{Entity, EntityMetadata};
use crate::error::{DataError, DataResult};
use crate::sql::{ShapeMap, SortColumn, Sql, Visibility, dialect, sql_from};
use crate::value::{Args, QueryArg};

pub use framework_vocabulary::{Op, Subject};

/// One condition of a derived query.
#[derive(Debug, Clone, Copy)]
pub struct Part {
    /// The entity property (field name).
    pub property: &'static str,
    /// The comparison.
    pub op: Op,
    /// Compare case-insensitively.
    pub ignore_case: bool,
    /// The OR group: parts of one group are ANDed, groups are ORed.
    pub group: u16,
}

/// A derived query, as `#[repository]` parsed it from the method name.
#[derive(Debug)]
pub struct DerivedQuery {
    /// The method, for error messages.
    pub method: &'static str,
    /// What it does.
    pub subject: Subject,
    /// `distinct`.
    pub distinct: bool,
    /// `first` / `topN`.
    pub limit: Option<u32>,
    /// The conditions.
    pub parts: &'static [Part],
    /// `order_by` items: property and descending.
    pub order: &'static [(&'static str, bool)],
    /// `#[lock(..)]`: a locking read.
    pub lock: Option<crate::sql::Lock>,
    /// Which rows of a soft-deleting entity it sees: `Live` unless the name says
    /// `find_deleted_by` (`Deleted`) or `find_with_deleted_by` (`All`); a `Live` query of a
    /// repository from `with_deleted()`/`only_deleted()` sees what that repository sees.
    pub visibility: crate::sql::Visibility,
    /// `#[cacheable(region = "..")]`: the query-cache region of its results.
    pub cache_region: Option<&'static str>,
}

/// The statement texts of one derived query, built on first use per dialect and shape.
#[derive(Debug)]
pub struct QueryCache {
    fixed: [[OnceLock<Sql>; KINDS]; 3],
    shaped: ShapeMap,
}

const KINDS: usize = 4;

/// Which statement of a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Its main statement.
    Main = 0,
    /// `SELECT COUNT(*)` with the same conditions, for pages.
    Count = 1,
    /// `LIMIT 2`, to tell one row from more.
    Single = 2,
    /// The matching rows of a delete whose entity cascades: read, then deleted one by one.
    Rows = 3,
}

impl QueryCache {
    /// An empty cache (`const`, for a `static`).
    pub const fn new() -> Self {
        QueryCache {
            fixed: [const { [const { OnceLock::new() }; KINDS] }; 3],
            shaped: ShapeMap::new(),
        }
    }
}

impl Default for QueryCache {
    fn default() -> Self {
        Self::new()
    }
}

/// One execution of a derived query: arguments are bound in part order, then a terminal method
/// runs it.
pub struct Call<'r, E: Entity> {
    query: &'static DerivedQuery,
    cache: &'static QueryCache,
    repo: &'r Repository<E>,
    args: Args,
    shapes: Vec<Shape>,
    sort: Option<Sort>,
    page: Option<Pageable>,
    shaped: bool,
    /// Which rows it sees.
    visibility: Visibility,
    /// A soft delete's binding of its time, which failed or not.
    soft_delete: Option<DataResult<()>>,
    /// Where a window starts (a `ScrollPosition` argument).
    scroll: Option<ScrollPosition>,
}

impl<'r, E: Entity> Call<'r, E> {
    /// Starts a call of `query` on `repo`.
    pub fn new(
        query: &'static DerivedQuery,
        cache: &'static QueryCache,
        repo: &'r Repository<E>,
    ) -> Self {
        let visibility = match query.visibility {
            Visibility::Live => repo.visibility(),
            asked => asked.of(E::metadata()),
        };
        let mut call = Call {
            query,
            cache,
            repo,
            args: repo.datasource().args(),
            shapes: vec![Shape::Plain; query.parts.len()],
            sort: None,
            page: None,
            // Statement texts of other visibilities are kept by shape.
            shaped: visibility != Visibility::Live,
            visibility,
            soft_delete: None,
            scroll: None,
        };
        if call.soft_deletes() {
            // The soft delete's `SET deleted_at = ?` comes before the conditions.
            call.soft_delete = Some(call.repo.deletion_args_first(&mut call.args));
        }
        call
    }

    /// Whether the query's delete is an UPDATE of the soft-delete column (not when `E`
    /// cascades removals: then the rows are read and deleted one by one).
    fn soft_deletes(&self) -> bool {
        self.query.subject == Subject::Delete
            && E::metadata().soft_delete.is_some()
            && super::cascade::hooks::<E>().is_none()
    }

    fn bind_error(&self, e: crate::value::BoxDynError) -> DataError {
        DataError::Mapping {
            datasource: self.repo.datasource().name().to_owned(),
            message: format!("{}: {e}", self.query.method),
            source: Some(e),
        }
    }

    /// Binds a value for part `part`.
    pub fn value<T: QueryArg + ?Sized>(&mut self, part: usize, value: &T) -> DataResult<()> {
        let _ = part;
        value
            .bind_to(&mut self.args)
            .map_err(|e| self.bind_error(e))
    }

    /// Binds an optional value for an `is`/`is_not` part: `None` renders `IS [NOT] NULL`.
    pub fn nullable<T: QueryArg + ?Sized>(
        &mut self,
        part: usize,
        value: Option<&T>,
    ) -> DataResult<()> {
        match value {
            Some(v) => self.value(part, v),
            None => {
                self.shapes[part] = Shape::Null;
                self.shaped = true;
                Ok(())
            }
        }
    }

    /// Binds the text of a LIKE-family part: escaped and wrapped for `starting_with`,
    /// `ending_with`, `containing`; as given for `like`.
    pub fn pattern(&mut self, part: usize, value: &str) -> DataResult<()> {
        let p = self.query.parts[part];
        let dialect = crate::sql::dialect::of(self.repo.datasource().dialect());
        let pattern = condition::pattern(dialect, p.op, p.ignore_case, value);
        self.args.add(&pattern).map_err(|e| self.bind_error(e))
    }

    /// Binds the values of an `in`/`not_in` part, padded to a power of two (repeating the last
    /// one) so that few statement texts exist.
    pub fn list<'v, T, I>(&mut self, part: usize, values: I) -> DataResult<()>
    where
        T: QueryArg + ?Sized + 'v,
        I: IntoIterator<Item = &'v T>,
    {
        let padded = self
            .args
            .add_padded_list(values)
            .map_err(|e| self.bind_error(e))?;
        self.shapes[part] = Shape::List(padded);
        self.shaped = true;
        Ok(())
    }

    /// Adds a dynamic sort after the method's own `order_by`.
    pub fn sort(&mut self, sort: &Sort) -> DataResult<()> {
        if !sort.is_unsorted() {
            self.sort = Some(sort.clone());
            self.shaped = true;
        }
        Ok(())
    }

    /// Scrolls the query from `position` (a `Window` result).
    pub fn scroll(&mut self, position: &ScrollPosition) -> DataResult<()> {
        self.scroll = Some(position.clone());
        self.shaped = true;
        Ok(())
    }

    /// Pages the query (its sort is added as by [`sort`](Self::sort)).
    pub fn pageable(&mut self, pageable: &Pageable) -> DataResult<()> {
        if pageable.size() == 0 {
            return Err(DataError::InvalidArgument(format!(
                "{}: page size must be at least 1",
                self.query.method
            )));
        }
        self.sort(pageable.sort())?;
        self.page = Some(pageable.clone());
        self.shaped = true;
        Ok(())
    }

    /// For a `#[cacheable]` query outside a transaction: its repository in the query's
    /// region, and the key of this call (statement shape and bound values).
    fn query_cache(&self) -> Option<(Repository<E>, String)> {
        let repo = self.repo.cacheable(self.query.cache_region?);
        let key = repo.query_key(|| {
            let d = self.repo.datasource().dialect();
            let page = self.page.as_ref().map(|p| (p.size(), p.offset()));
            format!(
                "{}|{}|{:?}|{page:?}",
                self.query.method,
                self.shape_key(Kind::Main, d),
                self.args
            )
        })?;
        Some((repo, key))
    }

    /// The operation label: the method's repository and name.
    fn op(&self) -> Operation {
        // For the query cache, while a cacheable result is computed: the entity's table, and
        // those its conditions' paths read.
        if crate::cache::query::recording() {
            crate::cache::query::record_read(E::metadata().table);
            for part in self.query.parts {
                if let Some((head, _)) = part.property.split_once('.') {
                    crate::query::record_path_read::<E>(head);
                }
            }
        }
        Operation::of_method(self.query.method)
    }

    fn meta(&self) -> &'static EntityMetadata {
        E::metadata()
    }

    /// The statement text of `kind` for this call's shape.
    fn sql(&self, kind: Kind) -> DataResult<Sql> {
        let d = self.repo.datasource().dialect();
        if !self.shaped {
            let cell = &self.cache.fixed[d.slot()][kind as usize];
            if let Some(sql) = cell.get() {
                return Ok(sql.clone());
            }
            let text = self.render(kind, d)?;
            return Ok(cell.get_or_init(|| sql_from(text)).clone());
        }
        let key = self.shape_key(kind, d);
        self.cache
            .shaped
            .get_or_build(&key, || self.render(kind, d))
    }

    fn shape_key(&self, kind: Kind, d: Dialect) -> String {
        let mut key = format!("{}{}:{}:", self.visibility.key(), d.slot(), kind as usize);
        for s in &self.shapes {
            match s {
                Shape::Plain => key.push('.'),
                Shape::Null => key.push('n'),
                Shape::List(n) => {
                    key.push('[');
                    key.push_str(&n.to_string());
                    key.push(']');
                }
            }
        }
        if let Some(sort) = &self.sort {
            for o in sort.orders() {
                key.push('|');
                key.push_str(&o.property);
                key.push(if o.direction == Direction::Desc {
                    '-'
                } else {
                    '+'
                });
            }
        }
        if self.page.is_some() {
            key.push_str("|page");
        }
        match &self.scroll {
            Some(ScrollPosition::Keyset(k)) if k.is_empty() => key.push_str("|keyset"),
            Some(ScrollPosition::Keyset(_)) => key.push_str("|after"),
            Some(ScrollPosition::Offset(_)) => key.push_str("|offset"),
            None => {}
        }
        key
    }

    /// The ORDER BY keys: the method's `order_by`, the dynamic sort, and (for a page or a
    /// window: a total order) the id.
    fn sort_keys(&self, scrolled: bool) -> DataResult<Vec<(SortColumn, bool)>> {
        let meta = self.meta();
        let mut keys: Vec<(SortColumn, bool)> = Vec::new();
        for (property, desc) in self.query.order {
            keys.push((sort_column::<E>(property)?, *desc));
        }
        if let Some(sort) = &self.sort {
            for o in sort.orders() {
                keys.push((
                    sort_column::<E>(&o.property)?,
                    o.direction == Direction::Desc,
                ));
            }
        }
        if self.page.is_some() || scrolled {
            // A total order, so that pages neither repeat nor skip rows.
            for id in meta.id_columns() {
                let column = SortColumn::Own(id.column);
                if !keys.iter().any(|(c, _)| *c == column) {
                    keys.push((column, false));
                }
            }
        }
        Ok(keys)
    }

    /// The properties of the ORDER BY keys before the id (for a keyset).
    fn sort_properties(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.query.order.iter().map(|(p, _)| *p).collect();
        if let Some(sort) = &self.sort {
            out.extend(sort.orders().iter().map(|o| o.property.as_str()));
        }
        out
    }

    /// Writes the statement of `kind` for `dialect`.
    fn render(&self, kind: Kind, d: Dialect) -> DataResult<String> {
        let sql = dialect::of(d);
        let meta = self.meta();
        let q = self.query;
        let mut out = String::with_capacity(128);
        let mut n = 0usize;
        let mut ph = |out: &mut String| {
            n += 1;
            sql.placeholder(n, out);
        };
        match (q.subject, kind) {
            (Subject::Count, _) | (Subject::Find | Subject::Stream, Kind::Count) => {
                out.push_str("SELECT COUNT(*) FROM ")
            }
            (Subject::Exists, _) => out.push_str("SELECT 1 FROM "),
            (Subject::Delete, Kind::Rows) | (Subject::Find | Subject::Stream, _) => {
                out.push_str("SELECT ");
                if q.distinct {
                    out.push_str("DISTINCT ");
                }
                sql.column_list(meta.columns, &mut out);
                out.push_str(" FROM ");
            }
            (Subject::Delete, _) if self.soft_deletes() => out.push_str("UPDATE "),
            (Subject::Delete, _) => out.push_str("DELETE FROM "),
        }
        sql.quote(meta.table, &mut out);
        let deleting = q.subject == Subject::Delete && kind != Kind::Rows;
        if deleting && self.soft_deletes() {
            out.push_str(" SET ");
            if let Some(c) = meta.soft_delete_column() {
                sql.quote(c.column, &mut out);
            }
            out.push_str(" = ");
            ph(&mut out);
        }
        // A delete removes live rows; a read sees its visibility's.
        let visibility = if deleting {
            Visibility::Live
        } else {
            self.visibility
        };
        let scroll = self.scroll.as_ref().filter(|_| kind == Kind::Main);
        let keys = if q.subject.returns_entities() && kind != Kind::Count {
            self.sort_keys(scroll.is_some())?
        } else {
            Vec::new()
        };
        let after = matches!(scroll, Some(ScrollPosition::Keyset(k)) if !k.is_empty());
        // The conditions, in placeholder order: visibility, the parts, a keyset.
        let mut filter = String::new();
        let filtered = visibility.write_condition(meta, sql, None, &mut filter);
        let mut conds: Vec<String> = Vec::new();
        if filtered {
            conds.push(filter);
        }
        if !q.parts.is_empty() {
            let mut text = String::new();
            let groups = q.parts.iter().map(|p| p.group).max().unwrap_or(0) + 1;
            let wrap = groups > 1 && (filtered || after);
            if wrap {
                text.push('(');
            }
            for g in 0..groups {
                if g > 0 {
                    text.push_str(" OR ");
                }
                if groups > 1 {
                    text.push('(');
                }
                let mut first = true;
                for (i, part) in q.parts.iter().enumerate().filter(|(_, p)| p.group == g) {
                    if !first {
                        text.push_str(" AND ");
                    }
                    first = false;
                    let (col, before, after) = condition_site::<E>(part.property, sql, None)?;
                    text.push_str(&before);
                    condition::write(sql, &col, part.op, part.ignore_case, self.shapes[i], &mut ph, &mut text);
                    text.push_str(after);
                }
                if groups > 1 {
                    text.push(')');
                }
            }
            if wrap {
                text.push(')');
            }
            conds.push(text);
        }
        if after {
            let mut text = String::new();
            condition::write_keyset(&keys, meta.table, sql, &mut ph, &mut text);
            conds.push(text);
        }
        for (i, c) in conds.iter().enumerate() {
            out.push_str(if i == 0 { " WHERE " } else { " AND " });
            out.push_str(c);
        }

        let selecting = q.subject.returns_entities() && kind != Kind::Count;
        if selecting {
            for (i, (column, desc)) in keys.iter().enumerate() {
                out.push_str(if i == 0 { " ORDER BY " } else { ", " });
                column.write(meta.table, sql, &mut out);
                if *desc {
                    out.push_str(" DESC");
                }
            }
            if self.page.is_some() || matches!(scroll, Some(ScrollPosition::Offset(_))) {
                out.push_str(" LIMIT ");
                ph(&mut out);
                out.push_str(" OFFSET ");
                ph(&mut out);
            } else if scroll.is_some() {
                out.push_str(" LIMIT ");
                ph(&mut out);
            } else if kind == Kind::Single {
                out.push_str(" LIMIT 2");
            } else if let Some(limit) = q.limit {
                out.push_str(&format!(" LIMIT {limit}"));
            }
            if let Some(lock) = q.lock {
                sql.lock_clause(lock, &mut out)
                    .map_err(|why| DataError::InvalidArgument(why.to_owned()))?;
            }
        } else if q.subject == Subject::Exists {
            out.push_str(" LIMIT 1");
        }
        Ok(out)
    }

    fn decode(&self, row: &crate::value::Row) -> DataResult<E> {
        E::from_row(row).map_err(|e| self.repo.datasource().error(e))
    }

    /// The bound arguments plus, for a page, LIMIT and OFFSET. Takes them: only a page needs
    /// them twice, and clones them itself first.
    fn paged_args(&mut self) -> DataResult<Args> {
        let empty = self.repo.datasource().args();
        let mut args = std::mem::replace(&mut self.args, empty);
        if let Some(page) = &self.page {
            let limit = i64::try_from(page.size()).unwrap_or(i64::MAX);
            let offset = i64::try_from(page.offset()).unwrap_or(i64::MAX);
            args.add(&limit).map_err(|e| self.bind_error(e))?;
            args.add(&offset).map_err(|e| self.bind_error(e))?;
        }
        Ok(args)
    }

    /// Takes the query's lock first, when it has one (see `locking`).
    async fn lock(&self) -> DataResult<()> {
        if let Some(lock) = self.query.lock {
            super::locking::prepare(self.repo.datasource(), lock, E::metadata()).await?;
        }
        Ok(())
    }

    /// The rows of the main statement (kind `kind`), a locking read's errors mapped.
    async fn rows(&mut self, kind: Kind) -> DataResult<Vec<crate::value::Row>> {
        self.lock().await?;
        let sql = self.sql(kind)?;
        let args = self.paged_args()?;
        let rows = self.repo.datasource().fetch_all_as(self.op(), sql, args).await;
        match self.query.lock {
            Some(lock) => rows.map_err(|e| super::locking::error(lock, e)),
            None => rows,
        }
    }

    /// Every matching entity.
    pub async fn fetch_all(self) -> DataResult<Vec<E>> {
        match self.query_cache() {
            Some((repo, key)) => {
                let compute = Box::pin(self.fetch_all_now());
                repo.through_query_cache(Some(key), compute).await
            }
            None => self.fetch_all_now().await,
        }
    }

    async fn fetch_all_now(mut self) -> DataResult<Vec<E>> {
        let rows = self.rows(Kind::Main).await?;
        let mut found = rows
            .iter()
            .map(|r| self.decode(r))
            .collect::<DataResult<Vec<E>>>()?;
        self.repo.eager(&mut found).await?;
        Ok(found)
    }

    /// At most one entity; more than one is [`DataError::IncorrectResultSize`] (unless the
    /// method says `first`/`top`, which takes the first).
    pub async fn fetch_optional(self) -> DataResult<Option<E>> {
        match self.query_cache() {
            Some((repo, key)) => {
                let compute = Box::pin(self.fetch_optional_now());
                repo.through_query_cache(Some(key), compute).await
            }
            None => self.fetch_optional_now().await,
        }
    }

    async fn fetch_optional_now(mut self) -> DataResult<Option<E>> {
        let kind = if self.query.limit.is_some() {
            Kind::Main
        } else {
            Kind::Single
        };
        let rows = self.rows(kind).await?;
        let mut found = match rows.as_slice() {
            [] => None,
            [row] => Some(self.decode(row)?),
            [row, ..] if self.query.limit.is_some() => Some(self.decode(row)?),
            _ => {
                return Err(DataError::IncorrectResultSize {
                    query: self.query.method,
                    expected: 1,
                    actual: rows.len(),
                });
            }
        };
        self.repo.eager(found.as_mut_slice()).await?;
        Ok(found)
    }

    /// Exactly one entity: none is [`DataError::NotFound`], more is
    /// [`DataError::IncorrectResultSize`].
    pub async fn fetch_one(self) -> DataResult<E> {
        let method = self.query.method;
        self.fetch_optional()
            .await?
            .ok_or_else(|| DataError::NotFound {
                entity: E::metadata().name,
                id: format!("(matching {method})"),
            })
    }

    /// One page of the matching entities, with their total.
    pub async fn fetch_page(self) -> DataResult<Page<E>> {
        match self.query_cache() {
            Some((repo, key)) => {
                let compute = Box::pin(self.fetch_page_now());
                repo.through_query_cache(Some(key), compute).await
            }
            None => self.fetch_page_now().await,
        }
    }

    async fn fetch_page_now(mut self) -> DataResult<Page<E>> {
        let Some(pageable) = self.page.clone() else {
            return Err(DataError::InvalidArgument(format!(
                "{}: a Page needs a Pageable argument",
                self.query.method
            )));
        };
        let count_sql = self.sql(Kind::Count)?;
        let row = self
            .repo
            .datasource()
            .fetch_optional_as(self.op(), count_sql, self.args.clone())
            .await?;
        let total = count_of(self.repo, row)?;
        let rows = self.rows(Kind::Main).await?;
        let mut content = rows
            .iter()
            .map(|r| self.decode(r))
            .collect::<DataResult<Vec<E>>>()?;
        self.repo.eager(&mut content).await?;
        Ok(Page::new(content, &pageable, total))
    }

    /// One window of the matching entities from the call's `ScrollPosition` (at most the
    /// method's `first`/`top` N; all the rest without one), in its order with the id last.
    pub async fn fetch_window(mut self) -> DataResult<super::Window<E>> {
        let Some(position) = self.scroll.clone() else {
            return Err(DataError::InvalidArgument(format!(
                "{}: a Window needs a ScrollPosition argument",
                self.query.method
            )));
        };
        let meta = self.meta();
        let columns = super::window::keyset_columns(meta, self.sort_properties())?;
        let size = self.query.limit.map(u64::from);
        let limit = size.map_or(i64::MAX, |n| i64::try_from(n + 1).unwrap_or(i64::MAX));
        let sql = self.sql(Kind::Main)?;
        let empty = self.repo.datasource().args();
        let mut args = std::mem::replace(&mut self.args, empty);
        let skipped = match &position {
            ScrollPosition::Keyset(keys) => {
                if !keys.is_empty() {
                    super::window::bind_keyset(keys, &columns, meta, &mut args)?;
                }
                None
            }
            ScrollPosition::Offset(n) => Some(*n),
        };
        args.add(&limit).map_err(|e| self.bind_error(e))?;
        if let Some(n) = skipped {
            let offset = i64::try_from(n).unwrap_or(i64::MAX);
            args.add(&offset).map_err(|e| self.bind_error(e))?;
        }
        let mut rows = self.repo.datasource().fetch_all_as(self.op(), sql, args).await?;
        let has_next = size.is_some_and(|n| rows.len() as u64 > n);
        if let Some(n) = size {
            rows.truncate(usize::try_from(n).unwrap_or(usize::MAX));
        }
        let after = match (skipped, rows.last()) {
            (_, None) => None,
            (Some(n), Some(_)) => Some(ScrollPosition::Offset(n + rows.len() as u64)),
            (None, Some(last)) => Some(super::window::position_after(last, &columns, meta)?),
        };
        let mut content = rows
            .iter()
            .map(|r| self.decode(r))
            .collect::<DataResult<Vec<E>>>()?;
        self.repo.eager(&mut content).await?;
        Ok(super::Window::new(content, has_next, after))
    }

    /// The number of matching rows.
    pub async fn count(self) -> DataResult<u64> {
        match self.query_cache() {
            Some((repo, key)) => {
                let compute = Box::pin(self.count_now());
                repo.through_query_cache(Some(key), compute).await
            }
            None => self.count_now().await,
        }
    }

    async fn count_now(self) -> DataResult<u64> {
        let sql = self.sql(Kind::Main)?;
        let row = self
            .repo
            .datasource()
            .fetch_optional_as(self.op(), sql, self.args)
            .await?;
        count_of(self.repo, row)
    }

    /// Whether any row matches.
    pub async fn exists(self) -> DataResult<bool> {
        match self.query_cache() {
            Some((repo, key)) => {
                let compute = Box::pin(self.exists_now());
                repo.through_query_cache(Some(key), compute).await
            }
            None => self.exists_now().await,
        }
    }

    async fn exists_now(self) -> DataResult<bool> {
        let sql = self.sql(Kind::Main)?;
        Ok(self
            .repo
            .datasource()
            .fetch_optional_as(self.op(), sql, self.args)
            .await?
            .is_some())
    }

    /// Deletes the matching rows in one statement; returns how many. The entity cache of `E`
    /// is emptied (the deleted ids are not known). When `E` cascades removals, the matching
    /// entities are read and deleted one by one, each after its children, in one transaction
    /// (as Spring Data JPA's derived deletes do).
    pub async fn delete(mut self) -> DataResult<u64> {
        if let Some(hooks) = super::cascade::hooks::<E>() {
            let repo = self.repo;
            return repo
                .in_transaction("delete", async move {
                    let sql = self.sql(Kind::Rows)?;
                    let rows = repo
                        .datasource()
                        .fetch_all_as(self.op(), sql, self.args.clone())
                        .await?;
                    let ids = rows
                        .iter()
                        .map(|r| self.decode(r).map(|e| e.id()))
                        .collect::<DataResult<Vec<E::Id>>>()?;
                    repo.delete_each(hooks, ids).await
                })
                .await;
        }
        if let Some(bound) = self.soft_delete.take() {
            bound?;
        }
        let _write = self.repo.cache_write_all();
        let sql = self.sql(Kind::Main)?;
        Ok(self
            .repo
            .datasource()
            .execute_as(self.op(), sql, self.args)
            .await?
            .rows_affected)
    }

    /// The matching entities, fetched incrementally.
    pub fn stream(mut self) -> EntityStream<'static, E> {
        let sql = match self.sql(Kind::Main) {
            Ok(sql) => sql,
            Err(e) => return super::stream::failed(e),
        };
        let args = match self.paged_args() {
            Ok(a) => a,
            Err(e) => return super::stream::failed(e),
        };
        super::stream::entities(self.repo.datasource().clone(), sql, args)
    }
}

fn count_of<E: Entity>(repo: &Repository<E>, row: Option<crate::value::Row>) -> DataResult<u64> {
    let n = match row {
        Some(r) => r.get::<i64>(0).map_err(|e| repo.datasource().error(e))?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}
