//! One condition of a generated WHERE clause (`col = ?`, `col LIKE ? ESCAPE '!'`,
//! `col IN (?, ?)`, ...), written the same way for derived queries and specifications, and the
//! text a LIKE-family condition binds.

use crate::sql::dialect::DialectSql;
use framework_vocabulary::Op;

/// How a call's arguments shape the statement text of one part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Shape {
    #[default]
    Plain,
    /// A `None` for `is`/`is_not`.
    Null,
    /// An IN-list of this many placeholders (0: empty list).
    List(usize),
}

/// The case-insensitive (Unicode) regular expression that matches what the LIKE-family `op`
/// with `value` matches: for dialects whose `LOWER` folds ASCII only (SQLite).
fn ignore_case_regex(op: Op, value: &str) -> String {
    let escape = crate::driver::regex_escape;
    match op {
        Op::StartsWith => format!("(?is)\\A{}", escape(value)),
        Op::EndsWith => format!("(?is){}\\z", escape(value)),
        Op::Contains | Op::NotContains => format!("(?is){}", escape(value)),
        // A LIKE pattern as given: `%` any run, `_` any one character, the rest literal.
        _ => {
            let mut out = String::from("(?is)\\A");
            let mut literal = String::new();
            for c in value.chars() {
                match c {
                    '%' | '_' => {
                        out.push_str(&escape(&literal));
                        literal.clear();
                        out.push_str(if c == '%' { ".*" } else { "." });
                    }
                    c => literal.push(c),
                }
            }
            out.push_str(&escape(&literal));
            out.push_str("\\z");
            out
        }
    }
}

/// Escapes `%`, `_` and the escape character itself for a LIKE pattern.
pub(crate) fn escape_like(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

/// The text a LIKE-family condition `op` binds for `value`: escaped and wrapped for
/// `starts_with`, `ends_with`, `contains`, as given for `like`; a case-insensitive regular
/// expression instead where the dialect's `LOWER` folds ASCII only.
pub(crate) fn pattern(sql: &dyn DialectSql, op: Op, ignore_case: bool, value: &str) -> String {
    if ignore_case && sql.pattern_ignore_case_is_regex() {
        return ignore_case_regex(op, value);
    }
    match op {
        Op::StartsWith => format!("{}%", escape_like(value)),
        Op::EndsWith => format!("%{}", escape_like(value)),
        Op::Contains | Op::NotContains => format!("%{}%", escape_like(value)),
        _ => value.to_owned(),
    }
}

/// Writes the condition `op` on the quoted column `col` (its placeholders from `ph`).
pub(crate) fn write(
    sql: &dyn DialectSql,
    col: &str,
    op: Op,
    ignore_case: bool,
    shape: Shape,
    ph: &mut dyn FnMut(&mut String),
    out: &mut String,
) {
    match (op, shape) {
        (Op::Eq, Shape::Null) => out.push_str(&format!("{col} IS NULL")),
        (Op::Ne, Shape::Null) => out.push_str(&format!("{col} IS NOT NULL")),
        (Op::Eq | Op::Ne, _) if ignore_case => {
            let mut p = String::new();
            ph(&mut p);
            sql.eq_ignore_case(col, &p, op == Op::Ne, out);
        }
        (Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge, _) => {
            let op = match op {
                Op::Eq => "=",
                Op::Ne => "<>",
                Op::Lt => "<",
                Op::Le => "<=",
                Op::Gt => ">",
                _ => ">=",
            };
            out.push_str(col);
            out.push(' ');
            out.push_str(op);
            out.push(' ');
            ph(out);
        }
        (Op::IsNull, _) => out.push_str(&format!("{col} IS NULL")),
        (Op::IsNotNull, _) => out.push_str(&format!("{col} IS NOT NULL")),
        (Op::True, _) => out.push_str(&format!("{col} = TRUE")),
        (Op::False, _) => out.push_str(&format!("{col} = FALSE")),
        (Op::Between, _) => {
            out.push_str(col);
            out.push_str(" BETWEEN ");
            ph(out);
            out.push_str(" AND ");
            ph(out);
        }
        (
            Op::Like
            | Op::NotLike
            | Op::StartsWith
            | Op::EndsWith
            | Op::Contains
            | Op::NotContains,
            _,
        ) => {
            let not = matches!(op, Op::NotLike | Op::NotContains);
            let escaped = !matches!(op, Op::Like | Op::NotLike);
            if ignore_case {
                let mut p = String::new();
                ph(&mut p);
                sql.like_ignore_case(col, &p, not, escaped, out);
            } else {
                out.push_str(col);
                out.push_str(if not { " NOT LIKE " } else { " LIKE " });
                ph(out);
                if escaped {
                    out.push_str(" ESCAPE '!'");
                }
            }
        }
        (Op::In | Op::NotIn, shape) => {
            let len = match shape {
                Shape::List(len) => len,
                _ => 0,
            };
            if len == 0 {
                // Nothing is IN an empty list; everything is NOT IN it.
                out.push_str(if op == Op::In { "1 = 0" } else { "1 = 1" });
            } else {
                out.push_str(col);
                out.push_str(if op == Op::In {
                    " IN ("
                } else {
                    " NOT IN ("
                });
                for k in 0..len {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    ph(out);
                }
                out.push(')');
            }
        }
    }
}

/// Writes the keyset condition "after the row whose `keys` were the bound values":
/// `(k1 >= ? AND ((k1 > ?) OR (k1 = ? AND k2 > ?) OR ..))`, `<=`/`<` for a descending key.
/// The leading bound repeats what the expansion implies, so that the planner can start an
/// index range scan at the position (an OR alone reads the table from its start). The values
/// bind in that order: see [`bind_keyset`](super::window::bind_keyset).
pub(crate) fn write_keyset(
    keys: &[(crate::sql::SortColumn, bool)],
    table: &str,
    sql: &dyn DialectSql,
    ph: &mut dyn FnMut(&mut String),
    out: &mut String,
) {
    let Some((first, first_desc)) = keys.first() else {
        return;
    };
    out.push('(');
    first.write(table, sql, out);
    out.push_str(if *first_desc { " <= " } else { " >= " });
    ph(out);
    out.push_str(" AND (");
    for i in 0..keys.len() {
        if i > 0 {
            out.push_str(" OR ");
        }
        out.push('(');
        for (j, (column, desc)) in keys.iter().enumerate().take(i + 1) {
            if j > 0 {
                out.push_str(" AND ");
            }
            column.write(table, sql, out);
            out.push_str(match (j == i, desc) {
                (false, _) => " = ",
                (true, false) => " > ",
                (true, true) => " < ",
            });
            ph(out);
        }
        out.push(')');
    }
    out.push_str("))");
}
