//! Running a [`Select`] (see [`query::Select`](crate::query::Select)): its statement text is
//! built once per shape and kept in the entity's statement cache; a call binds, runs it in the
//! task's transaction like every repository call, and maps each row to the select's type (or
//! a projection's, by column alias).

use super::Repository;
use super::native::FromQueryRow;
use crate::entity::Entity;
use crate::error::DataResult;
use crate::query::Select;
use crate::query::write::{bind_select, record_select_reads, write_select};
use crate::sql::Sql;
use crate::value::Args;

impl<E: Entity> Repository<E> {
    /// The statement of `select` (built once per shape) and its arguments.
    fn select_statement<O>(&self, select: &Select<E, O>) -> DataResult<(Sql, Args)> {
        let dialect = self.dialect();
        let sql = crate::sql::dialect::of(dialect);
        let visibility = self.visibility();
        let mut key = format!("select:{}:", visibility.key());
        select.parts.shape(&mut key);
        let text = E::sql().try_variable(dialect, &key, || {
            let mut out = String::with_capacity(160);
            let mut n = 0usize;
            let mut ph = |out: &mut String| {
                n += 1;
                sql.placeholder(n, out);
            };
            write_select::<E>(&select.parts, sql, visibility, &mut ph, &mut out)?;
            Ok::<_, crate::error::DataError>(out)
        })?;
        let mut args = self.datasource().args();
        bind_select(&select.parts, sql, &mut args).map_err(|e| self.bind_err(e))?;
        Ok((text, args))
    }

    /// Runs `select` and returns its rows, typed by its expressions (a value, or a tuple of
    /// them). Cacheable like the other reads (see [`cacheable`](Self::cacheable)).
    ///
    /// ```no_run
    /// use framework_data::prelude::*;
    /// # #[derive(Entity, Debug, Clone)] #[entity(table = "accounts", crate = "framework_data")]
    /// # struct Account { #[id(generated)] id: i64, owner: String, balance_cents: i64 }
    /// # async fn demo(accounts: Repository<Account>) -> DataResult<()> {
    /// let f = Account::fields();
    /// let q = Select::of((f.owner(), f.id().count(), f.balance_cents().max()))
    ///     .group_by(f.owner())
    ///     .having(f.balance_cents().sum().gt(10_000));
    /// for (owner, accounts, largest) in accounts.fetch_select(&q).await? {
    ///     println!("{owner}: {accounts} accounts, largest {largest:?}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn fetch_select<O>(&self, select: &Select<E, O>) -> DataResult<Vec<O>>
    where
        O: FromQueryRow + Clone + Sync + 'static,
    {
        self.fetch_select_as::<O, O>(select).await
    }

    /// Runs `select` and maps each row to `P`: a `#[derive(Projection)]` struct (its fields
    /// matched with the select's column aliases: the field's name, `head_name` through an
    /// association, `count_name`, `sum_name`, ... for an aggregate, or what `as_` gave), or
    /// any other row type.
    pub async fn fetch_select_as<P, O>(&self, select: &Select<E, O>) -> DataResult<Vec<P>>
    where
        P: FromQueryRow + Clone + Sync + 'static,
    {
        let (sql, args) = self.select_statement(select)?;
        let key = self.query_key(|| format!("fetch_select|{sql}|{args:?}"));
        self.through_query_cache(key, async {
            if crate::cache::query::recording() {
                record_select_reads::<E>(&select.parts);
            }
            let rows = self
                .datasource()
                .fetch_all_as(self.op("fetch_select"), sql, args)
                .await?;
            rows.iter()
                .map(|r| P::from_query_row(r).map_err(|e| self.datasource().error(e)))
                .collect()
        })
        .await
    }
}
