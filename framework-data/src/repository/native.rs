//! The run-time half of `#[query("...")]`: hand-written SQL with `:name` parameters, whose
//! placeholders are written per dialect once; rows map to the entity (by column name, looked up
//! once), a scalar or a tuple.

use std::sync::OnceLock;

use super::Repository;
use super::page::{Direction, Page, Pageable};
use crate::datasource::Operation;
use crate::driver::Dialect;
use crate::entity::Entity;
use crate::error::{DataError, DataResult};
use crate::sql::{ShapeMap, Sql, dialect, sql_from};
use crate::value::{Args, QueryArg, Row, SqlValue};

/// A piece of a hand-written statement.
#[derive(Debug, Clone, Copy)]
pub enum Segment {
    /// SQL text, as written.
    Text(&'static str),
    /// A parameter: a placeholder, bound in order of appearance.
    Param,
    /// A list parameter (`IN (:ids)`): as many placeholders as the call's list, padded to a
    /// power of two; `NULL` for an empty list, which matches nothing.
    List,
}

/// A `#[query]` method's statements, as `#[repository]` parsed them.
#[derive(Debug)]
pub struct NativeQuery {
    /// The method, for error messages.
    pub method: &'static str,
    /// The statement.
    pub sql: &'static [Segment],
    /// The count statement for pages (`count = "..."`), if any.
    pub count: Option<&'static [Segment]>,
}

/// Texts and entity column positions of one `#[query]`, per dialect.
#[derive(Debug)]
pub struct NativeCache {
    main: [OnceLock<Sql>; 3],
    count: [OnceLock<Sql>; 3],
    positions: [OnceLock<Vec<usize>>; 3],
    paged: ShapeMap,
}

impl NativeCache {
    /// An empty cache (`const`, for a `static`).
    pub const fn new() -> Self {
        NativeCache {
            main: [const { OnceLock::new() }; 3],
            count: [const { OnceLock::new() }; 3],
            positions: [const { OnceLock::new() }; 3],
            paged: ShapeMap::new(),
        }
    }
}

impl Default for NativeCache {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes `segments` with `d`'s placeholders; list parameters take their lengths from `lists`,
/// in order.
fn render(segments: &[Segment], d: Dialect, out: &mut String, n: &mut usize, lists: &[usize]) {
    let sql = dialect::of(d);
    let mut lists = lists.iter();
    for s in segments {
        match s {
            Segment::Text(t) => out.push_str(t),
            Segment::Param => {
                *n += 1;
                sql.placeholder(*n, out);
            }
            Segment::List => match lists.next().copied().unwrap_or(0) {
                0 => out.push_str("NULL"),
                len => {
                    for i in 0..len {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        *n += 1;
                        sql.placeholder(*n, out);
                    }
                }
            },
        }
    }
}

/// The shape key of a call's list lengths (empty when it has none).
fn lists_key(lists: &[usize]) -> String {
    lists.iter().map(|l| format!("L{l}")).collect()
}

/// A result row type of a `#[query]`: a scalar (column 0) or a tuple (columns 0, 1, ...).
pub trait FromQueryRow: Sized + Send {
    /// Decodes the row.
    fn from_query_row(row: &Row) -> Result<Self, crate::value::DecodeError>;
}

impl<T: SqlValue> FromQueryRow for T {
    fn from_query_row(row: &Row) -> Result<Self, crate::value::DecodeError> {
        row.get(0)
    }
}

macro_rules! tuple_rows {
    ($($name:ident $idx:tt),+) => {
        impl<$($name: SqlValue),+> FromQueryRow for ($($name,)+) {
            fn from_query_row(row: &Row) -> Result<Self, crate::value::DecodeError> {
                Ok(($(row.get::<$name>($idx)?,)+))
            }
        }
    };
}
tuple_rows!(A 0);
tuple_rows!(A 0, B 1);
tuple_rows!(A 0, B 1, C 2);
tuple_rows!(A 0, B 1, C 2, D 3);
tuple_rows!(A 0, B 1, C 2, D 3, F 4);
tuple_rows!(A 0, B 1, C 2, D 3, F 4, G 5);
tuple_rows!(A 0, B 1, C 2, D 3, F 4, G 5, H 6);
tuple_rows!(A 0, B 1, C 2, D 3, F 4, G 5, H 6, I 7);

/// Where each column of `E` is in `row`, by name (case-insensitive): a hand-written query
/// selects columns in its own order. `query` names the query in the error.
pub(crate) fn entity_positions<E: Entity>(
    ds: &crate::datasource::DataSource,
    query: &str,
    row: &Row,
) -> DataResult<Vec<usize>> {
    let names: Vec<String> = row
        .column_names()
        .iter()
        .map(|n| n.to_lowercase())
        .collect();
    let meta = E::metadata();
    let mut positions = Vec::with_capacity(meta.columns.len());
    for c in meta.columns {
        let i = names
            .iter()
            .position(|n| *n == c.column.to_lowercase())
            .ok_or_else(|| DataError::Mapping {
                datasource: ds.name().to_owned(),
                message: format!(
                    "{query}: the query's result has no column `{}` for {}.{} (it has: {})",
                    c.column,
                    meta.name,
                    c.field,
                    names.join(", ")
                ),
                source: None,
            })?;
        positions.push(i);
    }
    Ok(positions)
}

/// One execution of a `#[query]` method.
pub struct NativeCall<'r, E: Entity> {
    query: &'static NativeQuery,
    cache: &'static NativeCache,
    repo: &'r Repository<E>,
    args: Args,
    page: Option<Pageable>,
    /// Padded lengths of the list parameters bound so far, in order.
    lists: Vec<usize>,
}

impl<'r, E: Entity> NativeCall<'r, E> {
    /// Starts a call of `query` on `repo`.
    pub fn new(
        query: &'static NativeQuery,
        cache: &'static NativeCache,
        repo: &'r Repository<E>,
    ) -> Self {
        NativeCall {
            query,
            cache,
            repo,
            args: repo.datasource().args(),
            page: None,
            lists: Vec::new(),
        }
    }

    /// Binds the next list parameter: its values, padded to a power of two by repeating the
    /// last one (so few statement texts exist); none for an empty list.
    pub fn list<'v, T, I>(&mut self, values: I) -> DataResult<()>
    where
        T: QueryArg + ?Sized + 'v,
        I: IntoIterator<Item = &'v T>,
    {
        let padded = self
            .args
            .add_padded_list(values)
            .map_err(|e| DataError::Mapping {
                datasource: self.repo.datasource().name().to_owned(),
                message: format!("{}: {e}", self.query.method),
                source: Some(e),
            })?;
        self.lists.push(padded);
        Ok(())
    }

    /// Binds the next parameter.
    pub fn value<T: QueryArg + ?Sized>(&mut self, value: &T) -> DataResult<()> {
        value
            .bind_to(&mut self.args)
            .map_err(|e| DataError::Mapping {
                datasource: self.repo.datasource().name().to_owned(),
                message: format!("{}: {e}", self.query.method),
                source: Some(e),
            })
    }

    /// Pages the query: its sort (entity properties) is appended as `ORDER BY`, then
    /// `LIMIT ? OFFSET ?`. The statement must not end with its own ORDER BY or LIMIT.
    pub fn pageable(&mut self, pageable: &Pageable) -> DataResult<()> {
        if pageable.size() == 0 {
            return Err(DataError::InvalidArgument(format!(
                "{}: page size must be at least 1",
                self.query.method
            )));
        }
        self.page = Some(pageable.clone());
        Ok(())
    }

    /// The operation label: the method's repository and name.
    fn op(&self) -> Operation {
        // For the query cache: a hand-written query is taken to read its entity's table.
        crate::cache::query::record_read(E::metadata().table);
        Operation::of_method(self.query.method)
    }

    fn dialect(&self) -> Dialect {
        self.repo.datasource().dialect()
    }

    fn main_sql(&self) -> DataResult<Sql> {
        let d = self.dialect();
        let lists = &self.lists;
        let Some(page) = &self.page else {
            if !lists.is_empty() {
                let key = format!("{}{}", d.slot(), lists_key(lists));
                return self.cache.paged.get_or_build(&key, || {
                    let mut out = String::new();
                    render(self.query.sql, d, &mut out, &mut 0, lists);
                    Ok(out)
                });
            }
            return Ok(self.cache.main[d.slot()]
                .get_or_init(|| {
                    let mut out = String::new();
                    render(self.query.sql, d, &mut out, &mut 0, &[]);
                    sql_from(out)
                })
                .clone());
        };
        let meta = E::metadata();
        let mut key = format!("{}{}", d.slot(), lists_key(lists));
        let mut order = Vec::new();
        for o in page.sort().orders() {
            let (_, col) =
                meta.property(&o.property)
                    .ok_or_else(|| DataError::UnknownProperty {
                        entity: meta.name,
                        property: o.property.clone(),
                        known: meta.columns.iter().map(|c| c.field).collect(),
                    })?;
            let desc = o.direction == Direction::Desc;
            key.push_str(&format!("|{}{}", col.column, if desc { '-' } else { '+' }));
            order.push((col.column, desc));
        }
        self.cache.paged.get_or_build(&key, || {
            let mut out = String::new();
            let mut n = 0;
            render(self.query.sql, d, &mut out, &mut n, lists);
            let w = dialect::of(d);
            for (i, (col, desc)) in order.iter().enumerate() {
                out.push_str(if i == 0 { " ORDER BY " } else { ", " });
                w.quote(col, &mut out);
                if *desc {
                    out.push_str(" DESC");
                }
            }
            out.push_str(" LIMIT ");
            n += 1;
            w.placeholder(n, &mut out);
            out.push_str(" OFFSET ");
            n += 1;
            w.placeholder(n, &mut out);
            Ok(out)
        })
    }

    /// The bound arguments plus, for a page, LIMIT and OFFSET. Takes them (a page clones them
    /// for its count first).
    fn main_args(&mut self) -> DataResult<Args> {
        let empty = self.repo.datasource().args();
        let mut args = std::mem::replace(&mut self.args, empty);
        if let Some(page) = &self.page {
            let limit = i64::try_from(page.size()).unwrap_or(i64::MAX);
            let offset = i64::try_from(page.offset()).unwrap_or(i64::MAX);
            for v in [limit, offset] {
                args.add(&v).map_err(|e| DataError::Mapping {
                    datasource: self.repo.datasource().name().to_owned(),
                    message: e.to_string(),
                    source: Some(e),
                })?;
            }
        }
        Ok(args)
    }

    async fn rows(&mut self) -> DataResult<Vec<Row>> {
        let sql = self.main_sql()?;
        let args = self.main_args()?;
        self.repo
            .datasource()
            .fetch_all_as(self.op(), sql, args)
            .await
    }

    /// Where each entity column is in this query's rows, by name (case-insensitive), looked up
    /// on the first row and kept.
    fn positions(&self, row: &Row) -> DataResult<&'static [usize]> {
        let cell = &self.cache.positions[self.dialect().slot()];
        if let Some(p) = cell.get() {
            return Ok(p);
        }
        let positions = entity_positions::<E>(self.repo.datasource(), self.query.method, row)?;
        Ok(cell.get_or_init(|| positions))
    }

    fn entity(&self, row: &Row) -> DataResult<E> {
        let positions = self.positions(row)?;
        E::from_row_at(row, positions).map_err(|e| self.repo.datasource().error(e))
    }

    fn too_many(&self, actual: usize) -> DataError {
        DataError::IncorrectResultSize {
            query: self.query.method,
            expected: 1,
            actual,
        }
    }

    /// Every row, as entities.
    pub async fn entities(mut self) -> DataResult<Vec<E>> {
        let rows = self.rows().await?;
        let mut found = rows
            .iter()
            .map(|r| self.entity(r))
            .collect::<DataResult<Vec<E>>>()?;
        self.repo.eager(&mut found).await?;
        Ok(found)
    }

    /// At most one entity.
    pub async fn entity_optional(mut self) -> DataResult<Option<E>> {
        let rows = self.rows().await?;
        let mut found = match rows.as_slice() {
            [] => None,
            [row] => Some(self.entity(row)?),
            more => return Err(self.too_many(more.len())),
        };
        self.repo.eager(found.as_mut_slice()).await?;
        Ok(found)
    }

    /// Exactly one entity.
    pub async fn entity_one(self) -> DataResult<E> {
        let method = self.query.method;
        self.entity_optional()
            .await?
            .ok_or_else(|| DataError::NotFound {
                entity: E::metadata().name,
                id: format!("(matching {method})"),
            })
    }

    /// One page of entities; the `count` statement gives the total.
    pub async fn entity_page(mut self) -> DataResult<Page<E>> {
        let (Some(pageable), Some(count)) = (self.page.clone(), self.query.count) else {
            return Err(DataError::InvalidArgument(format!(
                "{}: a Page needs a Pageable argument and #[query(.., count = \"...\")]",
                self.query.method
            )));
        };
        let d = self.dialect();
        let count_sql = if self.lists.is_empty() {
            self.cache.count[d.slot()]
                .get_or_init(|| {
                    let mut out = String::new();
                    render(count, d, &mut out, &mut 0, &[]);
                    sql_from(out)
                })
                .clone()
        } else {
            let key = format!("count{}{}", d.slot(), lists_key(&self.lists));
            self.cache.paged.get_or_build(&key, || {
                let mut out = String::new();
                render(count, d, &mut out, &mut 0, &self.lists);
                Ok::<_, DataError>(out)
            })?
        };
        let total = match self
            .repo
            .datasource()
            .fetch_optional_as(self.op(), count_sql, self.args.clone())
            .await?
        {
            Some(r) => r
                .get::<i64>(0)
                .map_err(|e| self.repo.datasource().error(e))?,
            None => 0,
        };
        let rows = self.rows().await?;
        let mut content = rows
            .iter()
            .map(|r| self.entity(r))
            .collect::<DataResult<Vec<E>>>()?;
        self.repo.eager(&mut content).await?;
        Ok(Page::new(
            content,
            &pageable,
            u64::try_from(total).unwrap_or(0),
        ))
    }

    /// Every row, as scalars or tuples.
    pub async fn rows_as<T: FromQueryRow>(mut self) -> DataResult<Vec<T>> {
        let rows = self.rows().await?;
        rows.iter()
            .map(|r| T::from_query_row(r).map_err(|e| self.repo.datasource().error(e)))
            .collect()
    }

    /// At most one row, as a scalar or tuple.
    pub async fn row_optional_as<T: FromQueryRow>(mut self) -> DataResult<Option<T>> {
        let rows = self.rows().await?;
        match rows.as_slice() {
            [] => Ok(None),
            [row] => T::from_query_row(row)
                .map(Some)
                .map_err(|e| self.repo.datasource().error(e)),
            more => Err(self.too_many(more.len())),
        }
    }

    /// Exactly one row, as a scalar or tuple.
    pub async fn row_one_as<T: FromQueryRow>(self) -> DataResult<T> {
        let method = self.query.method;
        self.row_optional_as()
            .await?
            .ok_or_else(|| DataError::NotFound {
                entity: E::metadata().name,
                id: format!("(a row of {method})"),
            })
    }

    /// Runs a modifying statement; returns the rows affected. The entity cache of `E` is
    /// emptied (the rows it touched are not known).
    pub async fn execute(mut self) -> DataResult<u64> {
        let _write = self.repo.cache_write_all();
        let sql = self.main_sql()?;
        let args = self.main_args()?;
        Ok(self
            .repo
            .datasource()
            .execute_as(self.op(), sql, args)
            .await?
            .rows_affected)
    }
}
