//! Plain SQL in the ambient transaction, without sqlx: Spring's `JdbcClient` shape.
//!
//! `ds.sql(text)` (or `ctx.sql(text)` on the default DataSource) takes SQL with `:name`
//! parameters, `bind`s values by name, and runs it like a repository method would: in the task's
//! transaction on that DataSource if there is one (else on a pooled connection), measured as
//! `db.client.operation.duration{repository="sql",method="query"|"execute"}`, traced in a
//! `statement` span, values always bound (never spliced into the text). Rows map to scalars,
//! tuples (by position), any type implementing [`FromQueryRow`], or entities (by column name).
//!
//! ```no_run
//! use framework_data::prelude::*;
//! # #[derive(Entity, Debug, Clone)] #[entity(table = "accounts", crate = "framework_data")]
//! # struct Account { #[id(generated)] id: i64, owner: String, balance_cents: i64 }
//! # async fn run(ctx: ApplicationContext) -> DataResult<()> {
//! let richest: Option<i64> = ctx
//!     .sql("SELECT MAX(balance_cents) FROM accounts WHERE owner = :owner")
//!     .bind("owner", "ann")
//!     .fetch_one()
//!     .await?;
//! let rich: Vec<Account> = ctx
//!     .sql("SELECT * FROM accounts WHERE balance_cents > :min ORDER BY id")
//!     .bind("min", 1_000_i64)
//!     .fetch_entities()
//!     .await?;
//! let pairs: Vec<(i64, String)> = ctx.sql("SELECT id, owner FROM accounts").fetch_all().await?;
//! let moved = ctx
//!     .sql("UPDATE accounts SET owner = :to WHERE owner = :from")
//!     .bind("from", "ann")
//!     .bind("to", "anna")
//!     .execute()
//!     .await?;
//! # let _ = (richest, rich, pairs, moved); Ok(()) }
//! ```
//!
//! Unlike repository methods, the text is parsed and its placeholders written on every call (a
//! few hundred nanoseconds); the driver still reuses its prepared statement, the text being the
//! same each time. Writes through it are invisible to the entity cache: evict what they change
//! (`ctx.cache().evict_region(..)`).

use super::native::{FromQueryRow, entity_positions};
use crate::datasource::{DataSource, Operation};
use crate::entity::Entity;
use crate::error::{DataError, DataResult};
use crate::sql::dialect;
use crate::sql::named::{Segment, segments};
use crate::value::{Args, QueryArg, Row};

const QUERY: Operation = Operation::new("sql", "query");
const EXECUTE: Operation = Operation::new("sql", "execute");

/// A statement being prepared: SQL text with `:name` parameters and the values bound so far.
/// Nothing runs until one of the `fetch_*` methods or [`execute`](Self::execute).
#[must_use = "a statement runs only when fetched or executed"]
pub struct SqlStatement<'a> {
    target: DataResult<DataSource>,
    text: String,
    values: Vec<(String, Box<dyn QueryArg + Send + 'a>)>,
}

impl<'a> SqlStatement<'a> {
    pub(crate) fn new(target: DataResult<DataSource>, text: &str) -> Self {
        SqlStatement {
            target,
            text: text.to_owned(),
            values: Vec::new(),
        }
    }

    /// Binds `value` (any type an entity field can have, `&str` or `&[u8]`) to every `:name`
    /// in the text. Binding a name twice keeps the last value.
    pub fn bind<T: QueryArg + Send + 'a>(mut self, name: &str, value: T) -> Self {
        self.values.retain(|(n, _)| n != name);
        self.values.push((name.to_owned(), Box::new(value)));
        self
    }

    fn value(&self, name: &str) -> Option<&(dyn QueryArg + Send + 'a)> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_ref())
    }

    /// The DataSource, the text with the dialect's placeholders, and the arguments in the order
    /// the placeholders appear. A parameter without a value or a value without a parameter is
    /// an error before anything is sent.
    fn prepare(&self) -> DataResult<(DataSource, crate::sql::Sql, Args)> {
        let ds = match &self.target {
            Ok(ds) => ds.clone(),
            Err(e) => return Err(DataError::InvalidArgument(e.to_string())),
        };
        let sql = dialect::of(ds.dialect());
        let mut text = String::with_capacity(self.text.len() + 8);
        let mut args = ds.args();
        let mut used: Vec<&str> = Vec::new();
        let mut n = 0;
        let parsed = segments(&self.text);
        for s in &parsed {
            match s {
                Segment::Text(t) => text.push_str(t),
                Segment::Param(name) => {
                    let value = self.value(name).ok_or_else(|| {
                        DataError::InvalidArgument(format!(
                            "SQL parameter `:{name}` has no value: call .bind(\"{name}\", ..)"
                        ))
                    })?;
                    n += 1;
                    sql.placeholder(n, &mut text);
                    value.bind_to(&mut args).map_err(|e| DataError::Mapping {
                        datasource: ds.name().to_owned(),
                        message: format!("parameter `:{name}`: {e}"),
                        source: Some(e),
                    })?;
                    used.push(name);
                }
            }
        }
        for (name, _) in &self.values {
            if !used.contains(&name.as_str()) {
                return Err(DataError::InvalidArgument(format!(
                    "a value was bound to `{name}`, but the SQL has no parameter `:{name}`"
                )));
            }
        }
        let text = crate::sql::Sql::from_owned(text);
        Ok((ds, text, args))
    }

    async fn rows(&self) -> DataResult<(DataSource, Vec<Row>)> {
        let (ds, sql, args) = self.prepare()?;
        let rows = ds.fetch_all_as(QUERY, sql, args).await?;
        Ok((ds, rows))
    }

    fn decode<T: FromQueryRow>(ds: &DataSource, row: &Row) -> DataResult<T> {
        T::from_query_row(row).map_err(|e| ds.error(e))
    }

    /// Every row, as `T`: a scalar (column 0), a tuple (columns 0, 1, ...) or a type
    /// implementing [`FromQueryRow`].
    pub async fn fetch_all<T: FromQueryRow>(self) -> DataResult<Vec<T>> {
        let (ds, rows) = self.rows().await?;
        rows.iter().map(|r| Self::decode(&ds, r)).collect()
    }

    /// At most one row (`None` for none; more than one is
    /// [`DataError::IncorrectResultSize`]). For a scalar, `Option<T>` also reads NULL as `None`.
    pub async fn fetch_optional<T: FromQueryRow>(self) -> DataResult<Option<T>> {
        let (ds, rows) = self.rows().await?;
        match rows.as_slice() {
            [] => Ok(None),
            [row] => Self::decode(&ds, row).map(Some),
            more => Err(too_many(more.len())),
        }
    }

    /// Exactly one row (none is [`DataError::IncorrectResultSize`] with 0 found). An aggregate
    /// such as `SELECT SUM(..)` always has its row; read it as `Option<T>` when it may be NULL.
    pub async fn fetch_one<T: FromQueryRow>(self) -> DataResult<T> {
        let (ds, rows) = self.rows().await?;
        match rows.as_slice() {
            [row] => Self::decode(&ds, row),
            [] => Err(DataError::IncorrectResultSize {
                query: "sql",
                expected: 1,
                actual: 0,
            }),
            more => Err(too_many(more.len())),
        }
    }

    /// Every row, as entities: columns matched to fields by name, in any order.
    pub async fn fetch_entities<E: Entity>(self) -> DataResult<Vec<E>> {
        let (ds, rows) = self.rows().await?;
        let Some(first) = rows.first() else {
            return Ok(Vec::new());
        };
        let positions = entity_positions::<E>(&ds, "sql", first)?;
        rows.iter()
            .map(|r| E::from_row_at(r, &positions).map_err(|e| ds.error(e)))
            .collect()
    }

    /// At most one entity.
    pub async fn fetch_entity_optional<E: Entity>(self) -> DataResult<Option<E>> {
        let mut all = self.fetch_entities::<E>().await?;
        match all.len() {
            0 | 1 => Ok(all.pop()),
            n => Err(too_many(n)),
        }
    }

    /// Runs a statement that returns no rows (INSERT, UPDATE, DELETE, DDL with parameters);
    /// returns the rows affected.
    pub async fn execute(self) -> DataResult<u64> {
        let (ds, sql, args) = self.prepare()?;
        ds.execute_as(EXECUTE, sql, args)
            .await
            .map(|r| r.rows_affected)
    }
}

fn too_many(actual: usize) -> DataError {
    DataError::IncorrectResultSize {
        query: "sql",
        expected: 1,
        actual,
    }
}

impl DataSource {
    /// A statement on this DataSource, in the task's transaction on it if there is one (see
    /// [`SqlStatement`]).
    ///
    /// ```no_run
    /// # async fn run(ds: framework_data::datasource::DataSource) -> framework_data::DataResult<()> {
    /// let n: i64 = ds.sql("SELECT COUNT(*) FROM accounts WHERE owner = :owner")
    ///     .bind("owner", "ann")
    ///     .fetch_one()
    ///     .await?;
    /// # let _ = n; Ok(()) }
    /// ```
    pub fn sql<'a>(&self, text: &str) -> SqlStatement<'a> {
        SqlStatement::new(Ok(self.clone()), text)
    }
}
