//! Statement texts from sea-query, one backend per dialect. Values are placeholders only: the
//! dummy values sea-query collects are thrown away and real ones are bound per call.

use sea_query::{
    Alias, Asterisk, Cond, DeleteStatement, Expr, ExprTrait, InsertStatement, MysqlQueryBuilder,
    OnConflict, Order, PostgresQueryBuilder, Query, QueryStatementWriter, SelectStatement,
    SqliteQueryBuilder, UpdateStatement,
};

use super::{Visibility, cache::Statements, sql_from};
use crate::driver::Dialect;
use crate::mapping::EntityMetadata;

/// One sort key, already validated against the entity's properties.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SortKey {
    pub column: super::SortColumn,
    pub descending: bool,
}

pub(crate) struct Builder<'m> {
    meta: &'m EntityMetadata,
    dialect: Dialect,
    visibility: Visibility,
}

fn placeholder() -> Expr {
    Expr::val(sea_query::Value::BigInt(Some(0)))
}

fn ident(name: &str) -> Alias {
    Alias::new(name)
}

impl<'m> Builder<'m> {
    /// The texts of reads that see live rows only.
    pub(crate) fn new(meta: &'m EntityMetadata, dialect: Dialect) -> Self {
        Self::seeing(meta, dialect, Visibility::Live)
    }

    /// The texts of reads that see `visibility`'s rows (see [`Visibility`]).
    pub(crate) fn seeing(meta: &'m EntityMetadata, dialect: Dialect, visibility: Visibility) -> Self {
        Self {
            meta,
            dialect,
            visibility: visibility.of(meta),
        }
    }

    /// The condition that keeps the visible rows, if there is one.
    fn visible(&self) -> Option<Expr> {
        let column = Expr::col(ident(self.meta.soft_delete_column()?.column));
        match self.visibility {
            Visibility::Live => Some(column.is_null()),
            Visibility::Deleted => Some(column.is_not_null()),
            Visibility::All => None,
        }
    }

    /// Adds the visibility condition to a SELECT.
    fn filtered(&self, mut q: SelectStatement) -> SelectStatement {
        if let Some(keep) = self.visible() {
            q.and_where(keep);
        }
        q
    }

    /// A soft delete of the live rows that `cond` matches: `UPDATE t SET deleted_at = ? WHERE
    /// cond AND deleted_at IS NULL` (the time is bound first); a DELETE without a soft-delete
    /// column.
    fn delete_where(&self, cond: Option<Cond>) -> String {
        let Some(column) = self.meta.soft_delete_column() else {
            let mut q = DeleteStatement::new();
            q.from_table(ident(self.meta.table));
            if let Some(c) = cond {
                q.cond_where(c);
            }
            return self.render(&q);
        };
        let mut q = UpdateStatement::new();
        q.table(ident(self.meta.table))
            .values([(ident(column.column), placeholder())]);
        if let Some(c) = cond {
            q.cond_where(c);
        }
        q.and_where(Expr::col(ident(column.column)).is_null());
        self.render(&q)
    }

    /// `UPDATE t SET deleted_at = NULL WHERE id = ? AND deleted_at IS NOT NULL`: brings a
    /// soft-deleted row back (`None` without a soft-delete column).
    pub(crate) fn restore_by_id(&self) -> Option<String> {
        let column = self.meta.soft_delete_column()?;
        let mut q = UpdateStatement::new();
        q.table(ident(self.meta.table))
            // Written out, not a value: `render` turns every value into a placeholder.
            .values([(ident(column.column), Expr::cust("NULL"))])
            .cond_where(self.id_eq())
            .and_where(Expr::col(ident(column.column)).is_not_null());
        Some(self.render(&q))
    }

    /// `DELETE FROM t WHERE id = ?`, soft-delete column or not.
    pub(crate) fn hard_delete_by_id(&self) -> String {
        let mut q = DeleteStatement::new();
        q.from_table(ident(self.meta.table))
            .cond_where(self.id_eq());
        self.render(&q)
    }

    fn render<S: QueryStatementWriter>(&self, stmt: &S) -> String {
        match self.dialect {
            Dialect::Postgres => stmt.build(PostgresQueryBuilder).0,
            Dialect::MySql => stmt.build(MysqlQueryBuilder).0,
            Dialect::Sqlite => stmt.build(SqliteQueryBuilder).0,
        }
    }

    fn select_all_columns(&self) -> SelectStatement {
        let mut q = Query::select();
        q.columns(self.meta.columns.iter().map(|c| ident(c.column)))
            .from(ident(self.meta.table));
        q
    }

    /// `id = ?`, or `a = ? AND b = ?` for a composite id.
    fn id_eq(&self) -> Cond {
        self.meta.id_columns().fold(Cond::all(), |c, col| {
            c.add(Expr::col(ident(col.column)).eq(placeholder()))
        })
    }

    /// `id IN (?, ...)` with `n` placeholders; for a composite id
    /// `(a = ? AND b = ?) OR ...`, which every dialect plans with the primary key.
    fn id_in(&self, n: usize) -> Cond {
        if let [only] = self.meta.ids {
            let col = self.meta.columns[*only].column;
            return Cond::all().add(Expr::col(ident(col)).is_in((0..n).map(|_| placeholder())));
        }
        (0..n).fold(Cond::any(), |c, _| c.add(self.id_eq()))
    }

    /// Whether an INSERT of `rows` rows returns its generated ids with RETURNING (see
    /// [`DialectSql::returns_generated_ids`](super::dialect::DialectSql::returns_generated_ids)).
    pub(crate) fn returns_ids(dialect: Dialect, rows: usize) -> bool {
        super::dialect::of(dialect).returns_generated_ids(rows)
    }

    pub(crate) fn statements(&self) -> Statements {
        let find_by_id = {
            let mut q = self.select_all_columns();
            q.cond_where(self.id_eq());
            sql_from(self.render(&self.filtered(q)))
        };
        let exists_by_id = {
            let mut q = Query::select();
            q.expr(Expr::cust("1"))
                .from(ident(self.meta.table))
                .cond_where(self.id_eq());
            sql_from(self.render(&self.filtered(q)))
        };
        let find_all = sql_from(self.render(&self.filtered(self.select_all_columns())));
        let count = {
            let mut q = Query::select();
            q.expr(Expr::col(Asterisk).count())
                .from(ident(self.meta.table));
            sql_from(self.render(&self.filtered(q)))
        };
        let insert = sql_from(self.insert_text(1));
        // An entity with nothing but its id has no UPDATE; the repository never sends one.
        let update = if self.meta.update_columns().next().is_none() {
            exists_by_id.clone()
        } else {
            let mut q = UpdateStatement::new();
            q.table(ident(self.meta.table));
            q.values(
                self.meta
                    .update_columns()
                    .map(|(_, c)| (ident(c.column), placeholder())),
            );
            q.cond_where(self.id_eq());
            if let Some(v) = self.meta.version {
                q.and_where(Expr::col(ident(self.meta.columns[v].column)).eq(placeholder()));
            }
            // A soft-deleted row is not there to update (unless the repository sees it).
            if let Some(keep) = self.visible() {
                q.and_where(keep);
            }
            sql_from(self.render(&q))
        };
        let delete_by_id = sql_from(self.delete_where(Some(self.id_eq())));
        let delete_all = sql_from(self.delete_where(None));
        Statements {
            find_by_id,
            exists_by_id,
            find_all,
            count,
            insert,
            update,
            delete_by_id,
            delete_all,
        }
    }

    /// A multi-row INSERT of `rows` rows.
    pub(crate) fn insert_text(&self, rows: usize) -> String {
        let mut q = self.insert_values(rows);
        if self.meta.id_generated
            && Self::returns_ids(self.dialect, rows)
            && let Some(id) = self.meta.id_columns().next()
        {
            q.returning_col(ident(id.column));
        }
        self.render(&q)
    }

    /// PostgreSQL's insert of any number of rows in one shape: `INSERT INTO t (cols) SELECT *
    /// FROM UNNEST($1, .., $k)`, one array parameter per column (its element type comes with
    /// the parameter), `RETURNING` the generated ids.
    pub(crate) fn insert_unnest_text(&self) -> String {
        let d = super::dialect::of(self.dialect);
        let mut out = String::from("INSERT INTO ");
        d.quote(self.meta.table, &mut out);
        out.push_str(" (");
        let mut width = 0;
        for (_, c) in self.meta.insert_columns() {
            if width > 0 {
                out.push_str(", ");
            }
            d.quote(c.column, &mut out);
            width += 1;
        }
        out.push_str(") SELECT * FROM UNNEST(");
        for n in 1..=width {
            if n > 1 {
                out.push_str(", ");
            }
            d.placeholder(n, &mut out);
        }
        out.push(')');
        if self.meta.id_generated
            && let Some(id) = self.meta.id_columns().next()
        {
            out.push_str(" RETURNING ");
            d.quote(id.column, &mut out);
        }
        out
    }

    /// `SELECT cols FROM t ORDER BY ...` and, when `paged`, `LIMIT ? OFFSET ?`.
    pub(crate) fn select_sorted(&self, sort: &[SortKey], paged: bool) -> String {
        let mut q = self.select_all_columns();
        for key in sort {
            let order = if key.descending {
                Order::Desc
            } else {
                Order::Asc
            };
            match key.column {
                super::SortColumn::Own(column) => q.order_by(ident(column), order),
                through => q.order_by_expr(
                    Expr::cust(through.text(self.meta.table, super::dialect::of(self.dialect))),
                    order,
                ),
            };
        }
        let mut q = self.filtered(q);
        if paged {
            q.limit(0).offset(0);
        }
        self.render(&q)
    }

    /// The multi-row INSERT of `rows` rows without its RETURNING clause.
    fn insert_values(&self, rows: usize) -> InsertStatement {
        let mut q = InsertStatement::new();
        q.into_table(ident(self.meta.table));
        let cols: Vec<Alias> = self
            .meta
            .insert_columns()
            .map(|(_, c)| ident(c.column))
            .collect();
        let width = cols.len();
        q.columns(cols);
        for _ in 0..rows {
            q.values_panic((0..width).map(|_| placeholder()));
        }
        q
    }

    /// An INSERT of `rows` rows that updates the row already holding the key `on` (column
    /// indexes) instead of failing: every written column but the key, the id, `created_at` and
    /// `created_by`
    /// takes the new value, the version goes up by one. `returning`: the stored rows come
    /// back, all columns (PostgreSQL, SQLite).
    pub(crate) fn upsert_text(&self, rows: usize, on: &[usize], returning: bool) -> String {
        let meta = self.meta;
        let mut q = self.insert_values(rows);
        let mut conflict = OnConflict::columns(on.iter().map(|i| ident(meta.columns[*i].column)));
        let updated: Vec<Alias> = meta
            .insert_columns()
            .filter(|(i, _)| {
                !on.contains(i)
                    && !meta.is_id(*i)
                    && Some(*i) != meta.created_at
                    && Some(*i) != meta.created_by
                    && Some(*i) != meta.version
            })
            .map(|(_, c)| ident(c.column))
            .collect();
        let no_update = updated.is_empty() && meta.version.is_none();
        conflict.update_columns(updated);
        if let Some(v) = meta.version {
            let column = meta.columns[v].column;
            conflict.value(
                ident(column),
                // Written out, not a value: `render` turns every value into a placeholder.
                Expr::col((ident(meta.table), ident(column))).add(Expr::cust("1")),
            );
        }
        if no_update {
            // Only key columns: a no-op update, so that the row still comes back.
            let key = ident(meta.columns[on[0]].column);
            conflict.value(key.clone(), Expr::col((ident(meta.table), key)));
        }
        q.on_conflict(conflict);
        if returning {
            q.returning(Query::returning().columns(meta.columns.iter().map(|c| ident(c.column))));
        }
        self.render(&q)
    }

    /// An INSERT of `rows` rows that leaves out those conflicting with a stored row
    /// (PostgreSQL and SQLite: `ON CONFLICT DO NOTHING` on any unique key; MySQL: a no-op
    /// `ON DUPLICATE KEY UPDATE` of the first column, never `INSERT IGNORE`, which would also
    /// turn bad values into warnings).
    pub(crate) fn insert_ignore_conflicts_text(&self, rows: usize) -> String {
        let mut q = self.insert_values(rows);
        let first = self.meta.columns[self.meta.ids[0]].column;
        let mut conflict = OnConflict::new();
        conflict.do_nothing_on([ident(first)]);
        q.on_conflict(conflict);
        self.render(&q)
    }

    /// The stored rows of `rows` keys (`on`: column indexes), in the order given, one row per
    /// key even when a key repeats: `SELECT t.cols FROM t JOIN (SELECT 0 AS fw_o, ? AS k0 ..
    /// UNION ALL SELECT 1, ? ..) fw_v ON t.a = fw_v.k0 .. ORDER BY fw_v.fw_o`. For MySQL's
    /// upserts, which cannot return rows (its untyped placeholders compare as the column).
    pub(crate) fn select_by_keys_text(&self, rows: usize, on: &[usize]) -> String {
        let sql = super::dialect::of(self.dialect);
        let meta = self.meta;
        let mut out = String::from("SELECT ");
        for (k, c) in meta.columns.iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            sql.quote(meta.table, &mut out);
            out.push('.');
            sql.quote(c.column, &mut out);
        }
        out.push_str(" FROM ");
        sql.quote(meta.table, &mut out);
        out.push_str(" JOIN (");
        let mut n = 0;
        for row in 0..rows {
            if row > 0 {
                out.push_str(" UNION ALL ");
            }
            out.push_str(&format!("SELECT {row}"));
            if row == 0 {
                out.push_str(" AS fw_o");
            }
            for k in 0..on.len() {
                n += 1;
                out.push_str(", ");
                sql.placeholder(n, &mut out);
                if row == 0 {
                    out.push_str(&format!(" AS k{k}"));
                }
            }
        }
        out.push_str(") fw_v ON ");
        for (k, i) in on.iter().enumerate() {
            if k > 0 {
                out.push_str(" AND ");
            }
            sql.quote(meta.table, &mut out);
            out.push('.');
            sql.quote(meta.columns[*i].column, &mut out);
            out.push_str(&format!(" = fw_v.k{k}"));
        }
        out.push_str(" ORDER BY fw_v.fw_o");
        out
    }

    /// `SELECT cols FROM t WHERE id IN (?, ...)` with `n` ids.
    pub(crate) fn select_in(&self, n: usize) -> String {
        let mut q = self.select_all_columns();
        q.cond_where(self.id_in(n));
        self.render(&self.filtered(q))
    }

    /// `DELETE FROM t WHERE id IN (?, ...)` with `n` ids (a soft delete, its time bound
    /// first, with a soft-delete column).
    pub(crate) fn delete_in(&self, n: usize) -> String {
        self.delete_where(Some(self.id_in(n)))
    }
}
