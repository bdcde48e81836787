//! What a sort key orders by: a column of the entity's table, or one of the row a
//! `#[many_to_one]` points to, read by a correlated subquery so that the rows stay exactly
//! the entity's rows, one each.

use super::dialect::DialectSql;

/// What a sort key orders by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortColumn {
    /// A column of the entity's own table.
    Own(&'static str),
    /// A column of the row a `#[many_to_one]` points to.
    Through {
        /// The entity's foreign-key column.
        fk: &'static str,
        /// The target's table.
        table: &'static str,
        /// The target's id column.
        id: &'static str,
        /// The target's column to order by.
        column: &'static str,
    },
}

impl SortColumn {
    /// Writes the key: the quoted column, or the correlated subquery that reads the target's
    /// column (`outer` is the entity's table, as the statement names it).
    pub(crate) fn write(&self, outer: &str, q: &dyn DialectSql, out: &mut String) {
        match self {
            SortColumn::Own(column) => q.quote(column, out),
            SortColumn::Through {
                fk,
                table,
                id,
                column,
            } => {
                // The alias keeps a self-reference (employees.manager) unambiguous.
                out.push_str("(SELECT t_.");
                q.quote(column, out);
                out.push_str(" FROM ");
                q.quote(table, out);
                out.push_str(" t_ WHERE t_.");
                q.quote(id, out);
                out.push_str(" = ");
                q.quote(outer, out);
                out.push('.');
                q.quote(fk, out);
                out.push(')');
            }
        }
    }

    /// The key as text, for a statement built by sea-query.
    pub(crate) fn text(&self, outer: &str, q: &dyn DialectSql) -> String {
        let mut out = String::new();
        self.write(outer, q, &mut out);
        out
    }
}

