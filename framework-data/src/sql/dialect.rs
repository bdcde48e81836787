//! What differs between the dialects when the framework writes SQL text itself (derived and
//! `#[query]` statements): quoting, placeholders, case-insensitive comparison. One backend per
//! dialect, as sea-query does.

use super::lock::{Lock, LockMode, LockWait};
use crate::driver::Dialect;

/// The SQL-writing rules of one dialect.
pub(crate) trait DialectSql: Sync {
    /// Quotes an identifier.
    fn quote(&self, ident: &str, out: &mut String);
    /// The `n`th (1-based) placeholder.
    fn placeholder(&self, n: usize, out: &mut String);
    /// Writes the quoted names of `columns`, comma-separated (a SELECT list).
    fn column_list(&self, columns: &[crate::mapping::ColumnMeta], out: &mut String) {
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.quote(c.column, out);
        }
    }
    /// `column = placeholder`, ignoring case.
    fn eq_ignore_case(&self, column: &str, placeholder: &str, negated: bool, out: &mut String) {
        let op = if negated { "<>" } else { "=" };
        out.push_str(&format!("LOWER({column}) {op} LOWER({placeholder})"));
    }
    /// `column [NOT] LIKE placeholder`, ignoring case (`escaped`: the pattern escapes with `!`).
    fn like_ignore_case(
        &self,
        column: &str,
        placeholder: &str,
        negated: bool,
        escaped: bool,
        out: &mut String,
    ) {
        let op = if negated { "NOT LIKE" } else { "LIKE" };
        out.push_str(&format!("LOWER({column}) {op} LOWER({placeholder})"));
        if escaped {
            out.push_str(" ESCAPE '!'");
        }
    }
    /// Whether [`like_ignore_case`](Self::like_ignore_case) takes a regular expression instead
    /// of a LIKE pattern (see `repository::derived::Call::pattern`).
    fn pattern_ignore_case_is_regex(&self) -> bool {
        false
    }
    /// Whether an INSERT of `rows` rows gets its generated ids back with `RETURNING` (else from
    /// the statement's result: the last insert id).
    fn returns_generated_ids(&self, rows: usize) -> bool;

    /// The type an integer SUM is cast to for an `i64` (none where it is one already).
    fn integer_cast(&self) -> Option<&'static str> {
        None
    }

    /// The type a float SUM or an AVG is cast to for an `f64` (none where it is one already).
    fn double_cast(&self) -> Option<&'static str> {
        None
    }
    /// Whether an upsert returns the stored rows itself (`RETURNING`), else they are read back
    /// by key in the same transaction.
    fn upsert_returns_rows(&self) -> bool {
        true
    }
    /// Appends the locking clause of `lock` to a SELECT (` FOR UPDATE`, ...); an error message
    /// when the dialect cannot take it.
    fn lock_clause(&self, lock: Lock, out: &mut String) -> Result<(), &'static str> {
        out.push_str(match lock.mode {
            LockMode::PessimisticWrite => " FOR UPDATE",
            LockMode::PessimisticRead => " FOR SHARE",
        });
        out.push_str(match lock.wait {
            LockWait::Wait => "",
            LockWait::SkipLocked => " SKIP LOCKED",
            LockWait::NoWait => " NOWAIT",
        });
        Ok(())
    }
    /// A statement to run in the transaction before a locking read of `table`, where the
    /// dialect locks that way instead of with a clause.
    fn lock_prelude(&self, lock: Lock, table: &str, column: &str) -> Option<String> {
        let _ = (lock, table, column);
        None
    }
}

struct Postgres;
struct MySql;
struct Sqlite;

fn quote_with(q: char, ident: &str, out: &mut String) {
    out.push(q);
    for c in ident.chars() {
        if c == q {
            out.push(q);
        }
        out.push(c);
    }
    out.push(q);
}

impl DialectSql for Postgres {
    fn integer_cast(&self) -> Option<&'static str> {
        Some("BIGINT")
    }

    fn double_cast(&self) -> Option<&'static str> {
        Some("DOUBLE PRECISION")
    }

    fn quote(&self, ident: &str, out: &mut String) {
        quote_with('"', ident, out);
    }
    /// No other way to learn them.
    fn returns_generated_ids(&self, _rows: usize) -> bool {
        true
    }
    fn placeholder(&self, n: usize, out: &mut String) {
        out.push('$');
        out.push_str(&n.to_string());
    }
}

impl DialectSql for MySql {
    fn integer_cast(&self) -> Option<&'static str> {
        Some("SIGNED")
    }

    fn double_cast(&self) -> Option<&'static str> {
        Some("DOUBLE")
    }

    fn quote(&self, ident: &str, out: &mut String) {
        quote_with('`', ident, out);
    }
    /// No RETURNING: `LAST_INSERT_ID()` is the first id, the others follow it.
    fn returns_generated_ids(&self, _rows: usize) -> bool {
        false
    }
    fn placeholder(&self, _n: usize, out: &mut String) {
        out.push('?');
    }
    /// MySQL has no `INSERT .. RETURNING` (MariaDB's would tie us to MariaDB).
    fn upsert_returns_rows(&self) -> bool {
        false
    }
    /// MariaDB 10.11 has no `FOR SHARE`: `LOCK IN SHARE MODE` (which MySQL 8 still accepts).
    fn lock_clause(&self, lock: Lock, out: &mut String) -> Result<(), &'static str> {
        out.push_str(match lock.mode {
            LockMode::PessimisticWrite => " FOR UPDATE",
            LockMode::PessimisticRead => " LOCK IN SHARE MODE",
        });
        out.push_str(match lock.wait {
            LockWait::Wait => "",
            LockWait::SkipLocked => " SKIP LOCKED",
            LockWait::NoWait => " NOWAIT",
        });
        Ok(())
    }
}

impl DialectSql for Sqlite {
    fn quote(&self, ident: &str, out: &mut String) {
        quote_with('"', ident, out);
    }
    /// One row's id is the connection's `last_insert_rowid`, which comes with the result for
    /// free (a generated id is a rowid alias); RETURNING would send a row back through sqlx's
    /// worker thread. Several rows' ids are not promised to be consecutive: RETURNING.
    fn returns_generated_ids(&self, rows: usize) -> bool {
        rows > 1
    }
    fn placeholder(&self, _n: usize, out: &mut String) {
        out.push('?');
    }
    /// SQLite's `LOWER` folds ASCII only; the `fw_nocase` collation (registered on every
    /// connection) compares Unicode-lowercased text.
    fn eq_ignore_case(&self, column: &str, placeholder: &str, negated: bool, out: &mut String) {
        let op = if negated { "<>" } else { "=" };
        out.push_str(&format!("{column} {op} {placeholder} COLLATE fw_nocase"));
    }
    /// `LIKE` folds ASCII only here, and no collation applies to it: the pattern is bound as a
    /// case-insensitive Unicode regular expression for the `REGEXP` function sqlx registers on
    /// every connection (compiled once per statement execution).
    fn like_ignore_case(
        &self,
        column: &str,
        placeholder: &str,
        negated: bool,
        _escaped: bool,
        out: &mut String,
    ) {
        let op = if negated { "NOT REGEXP" } else { "REGEXP" };
        out.push_str(&format!("{column} {op} {placeholder}"));
    }
    fn pattern_ignore_case_is_regex(&self) -> bool {
        true
    }
    /// No row locks: a write lock is the database's write lock, taken by the prelude; there is
    /// nothing to skip or to fail fast on.
    fn lock_clause(&self, lock: Lock, _out: &mut String) -> Result<(), &'static str> {
        match lock.wait {
            LockWait::Wait => Ok(()),
            _ => Err("SQLite has no row locks: SKIP LOCKED and NOWAIT are not available"),
        }
    }
    /// A write that changes nothing: the deferred transaction takes the write lock now (other
    /// writers wait for it, up to the busy timeout), so the read that follows sees the last
    /// committed state and nobody changes it before this transaction ends.
    fn lock_prelude(&self, lock: Lock, table: &str, column: &str) -> Option<String> {
        if lock.mode != LockMode::PessimisticWrite {
            return None;
        }
        let mut text = String::from("UPDATE ");
        self.quote(table, &mut text);
        text.push_str(" SET ");
        self.quote(column, &mut text);
        text.push_str(" = ");
        self.quote(column, &mut text);
        text.push_str(" WHERE 1 = 0");
        Some(text)
    }
}

/// The rules of `dialect`.
pub(crate) fn of(dialect: Dialect) -> &'static dyn DialectSql {
    match dialect {
        Dialect::Postgres => &Postgres,
        Dialect::MySql => &MySql,
        Dialect::Sqlite => &Sqlite,
    }
}
