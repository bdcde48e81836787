//! Statement texts from sea-query, one backend per dialect. Values are placeholders only: the
//! dummy values sea-query collects are thrown away and real ones are bound per call.

use sea_query::{
    Alias, Asterisk, Cond, DeleteStatement, Expr, ExprTrait, InsertStatement, MysqlQueryBuilder,
    Order, PostgresQueryBuilder, Query, QueryStatementWriter, SelectStatement, SqliteQueryBuilder,
    UpdateStatement,
};

use super::{cache::Statements, sql_from};
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
}

fn placeholder() -> Expr {
    Expr::val(sea_query::Value::BigInt(Some(0)))
}

fn ident(name: &str) -> Alias {
    Alias::new(name)
}

impl<'m> Builder<'m> {
    pub(crate) fn new(meta: &'m EntityMetadata, dialect: Dialect) -> Self {
        Self { meta, dialect }
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
            sql_from(self.render(&q))
        };
        let exists_by_id = {
            let mut q = Query::select();
            q.expr(Expr::cust("1"))
                .from(ident(self.meta.table))
                .cond_where(self.id_eq());
            sql_from(self.render(&q))
        };
        let find_all = sql_from(self.render(&self.select_all_columns()));
        let count = {
            let mut q = Query::select();
            q.expr(Expr::col(Asterisk).count())
                .from(ident(self.meta.table));
            sql_from(self.render(&q))
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
            sql_from(self.render(&q))
        };
        let delete_by_id = {
            let mut q = DeleteStatement::new();
            q.from_table(ident(self.meta.table))
                .cond_where(self.id_eq());
            sql_from(self.render(&q))
        };
        let delete_all = {
            let mut q = DeleteStatement::new();
            q.from_table(ident(self.meta.table));
            sql_from(self.render(&q))
        };
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
        if self.meta.id_generated
            && Self::returns_ids(self.dialect, rows)
            && let Some(id) = self.meta.id_columns().next()
        {
            q.returning_col(ident(id.column));
        }
        self.render(&q)
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
        if paged {
            q.limit(0).offset(0);
        }
        self.render(&q)
    }

    /// `SELECT cols FROM t WHERE id IN (?, ...)` with `n` ids.
    pub(crate) fn select_in(&self, n: usize) -> String {
        let mut q = self.select_all_columns();
        q.cond_where(self.id_in(n));
        self.render(&q)
    }

    /// `DELETE FROM t WHERE id IN (?, ...)` with `n` ids.
    pub(crate) fn delete_in(&self, n: usize) -> String {
        let mut q = DeleteStatement::new();
        q.from_table(ident(self.meta.table))
            .cond_where(self.id_in(n));
        self.render(&q)
    }
}
