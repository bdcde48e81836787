//! The escape hatch for what specifications do not say: a statement written with sea-query
//! (a CTE, a window function, a UNION, an aggregate report) run through the repository, so it
//! still joins the task's transaction, is counted in the metrics, traced, and has its rows
//! mapped. sea-query writes the text for the DataSource's dialect and its values are bound,
//! never spliced. The text is built per call (unlike generated statements, it is not cached).
//!
//! ```no_run
//! use framework_data::prelude::*;
//! use framework_data::sea_query::{Alias, Expr, ExprTrait, Order, Query};
//!
//! #[derive(Entity, Debug, Clone)]
//! #[entity(table = "accounts", crate = "framework_data")] // `crate` only inside this crate's docs
//! pub struct Account {
//!     #[id(generated)] pub id: i64,
//!     pub owner: String,
//!     pub balance_cents: i64,
//! }
//!
//! # async fn demo(accounts: Repository<Account>) -> DataResult<()> {
//! // SELECT owner, SUM(balance_cents) FROM accounts GROUP BY owner HAVING SUM(..) > ? ORDER BY 2 DESC
//! let mut q = Query::select();
//! q.column(Alias::new("owner"))
//!     .expr(Expr::col(Alias::new("balance_cents")).sum())
//!     .from(Alias::new("accounts"))
//!     .group_by_col(Alias::new("owner"))
//!     .and_having(Expr::col(Alias::new("balance_cents")).sum().gt(10_000))
//!     .order_by_expr(Expr::col(Alias::new("balance_cents")).sum(), Order::Desc);
//! let totals: Vec<(String, i64)> = accounts.fetch_statement(&q).await?;
//! # Ok(()) }
//! ```

use sea_query::{MysqlQueryBuilder, PostgresQueryBuilder, QueryStatementWriter, SqliteQueryBuilder};

use super::Repository;
use super::native::{FromQueryRow, entity_positions};
use crate::driver::Dialect;
use crate::entity::Entity;
use crate::error::DataResult;
use crate::sql::Sql;
use crate::value::Args;

impl<E: Entity> Repository<E> {
    /// The text and arguments of `stmt` for this repository's DataSource.
    fn statement(&self, stmt: &impl QueryStatementWriter) -> DataResult<(Sql, Args)> {
        let (text, values) = match self.dialect() {
            Dialect::Postgres => stmt.build(PostgresQueryBuilder),
            Dialect::MySql => stmt.build(MysqlQueryBuilder),
            Dialect::Sqlite => stmt.build(SqliteQueryBuilder),
        };
        let mut args = self.datasource().args();
        for value in values.0 {
            crate::sql::values::bind(&mut args, value).map_err(|e| self.bind_err(e))?;
        }
        Ok((Sql::from_owned(text), args))
    }

    /// Runs a query written with sea-query (a `SelectStatement`, a `WithQuery` for a CTE, a
    /// UNION, ...) and maps each row to `T`: a scalar (column 0), a tuple (columns in order),
    /// or a `#[derive(Projection)]` struct (columns by name).
    pub async fn fetch_statement<T: FromQueryRow>(
        &self,
        stmt: &impl QueryStatementWriter,
    ) -> DataResult<Vec<T>> {
        let (sql, args) = self.statement(stmt)?;
        let rows = self
            .datasource()
            .fetch_all_as(self.op("fetch_statement"), sql, args)
            .await?;
        rows.iter()
            .map(|r| T::from_query_row(r).map_err(|e| self.datasource().error(e)))
            .collect()
    }

    /// Runs a query written with sea-query whose rows are `E`'s (every column, by name, in
    /// any order) and returns the entities, eager associations loaded.
    pub async fn fetch_entities_statement(
        &self,
        stmt: &impl QueryStatementWriter,
    ) -> DataResult<Vec<E>> {
        let (sql, args) = self.statement(stmt)?;
        let rows = self
            .datasource()
            .fetch_all_as(self.op("fetch_entities_statement"), sql, args)
            .await?;
        let Some(first) = rows.first() else {
            return Ok(Vec::new());
        };
        let positions = entity_positions::<E>(self.datasource(), "fetch_entities_statement", first)?;
        let mut found = rows
            .iter()
            .map(|r| E::from_row_at(r, &positions).map_err(|e| self.datasource().error(e)))
            .collect::<DataResult<Vec<E>>>()?;
        self.eager(&mut found).await?;
        Ok(found)
    }

    /// Runs a write written with sea-query (an UPDATE, DELETE or INSERT of `E`'s table) and
    /// returns the rows it changed. The entity cache of `E` is emptied, since the rows it
    /// touched are not known; no versions, timestamps or callbacks are handled for it.
    pub async fn execute_statement(&self, stmt: &impl QueryStatementWriter) -> DataResult<u64> {
        let (sql, args) = self.statement(stmt)?;
        let _write = self.cache_write_all();
        Ok(self
            .datasource()
            .execute_as(self.op("execute_statement"), sql, args)
            .await?
            .rows_affected)
    }
}
