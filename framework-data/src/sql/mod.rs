//! SQL text, generated with sea-query per dialect and built once.
//!
//! Nothing here runs a statement; it decides what the text is. Each entity type has an
//! [`EntitySql`] (a `static` its derive creates): the fixed statements of the entity on a
//! dialect ([`Statements`]: find by id, insert, versioned update, ...) are built the first time
//! they are needed, and the texts whose shape depends on the call (a sort, the length of an
//! IN-list padded to a power of two, a batch size) are built once per shape and kept in a
//! [`ShapeMap`]. A repeated call only binds values, which is what keeps the framework's cost
//! per statement near raw sqlx's: identifiers are quoted per dialect and values are always
//! bound, never spliced into the text.
//!
//! ```no_run
//! use framework_data::prelude::*;
//! use framework_data::entity::Entity as _;
//!
//! #[derive(Entity, Debug, Clone)]
//! #[entity(table = "accounts", crate = "framework_data")] // `crate` only inside this crate's docs
//! pub struct Account {
//!     #[id(generated)] pub id: i64,
//!     pub owner: String,
//! }
//!
//! let texts = Account::sql().statements(Account::metadata(), Dialect::Postgres);
//! assert_eq!(texts.find_by_id.as_str(), r#"SELECT "id", "owner" FROM "accounts" WHERE "id" = $1"#);
//! ```

pub(crate) mod builder;
mod cache;
pub(crate) mod dialect;
pub(crate) mod named;
mod lock;
mod sort_column;
pub(crate) mod values;
mod visibility;

use std::sync::atomic::{AtomicU64, Ordering};

pub use cache::{EntitySql, ShapeMap, Statements};

pub(crate) use builder::Builder;
pub(crate) use sort_column::SortColumn;
pub use lock::{Lock, LockMode, LockWait};
pub use visibility::Visibility;

static BUILDS: AtomicU64 = AtomicU64::new(0);

/// How many statement texts have been generated since the process started. A repeated call
/// must not move it: tests use it to prove that calls only bind values.
#[doc(hidden)]
pub fn builds_total() -> u64 {
    BUILDS.load(Ordering::Relaxed)
}

pub(crate) fn count_build() {
    BUILDS.fetch_add(1, Ordering::Relaxed);
}

/// A statement text built once and shared by every call (cloning it copies a pointer).
///
/// A text written by hand converts from a `&'static str` or a `String`, for the DataSource's
/// low-level statement methods:
///
/// ```no_run
/// # async fn demo(ds: &framework_data::datasource::DataSource) -> framework_data::DataResult<()> {
/// use framework_data::sql::Sql;
/// let rows = ds.fetch_all(Sql::from("SELECT id FROM items ORDER BY id"), ds.args()).await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Sql(sqlx::SqlStr);

impl Sql {
    /// The statement text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// A text known at compile time (introspection queries), not counted as a build.
    pub(crate) fn from_static(text: &'static str) -> Sql {
        Sql(sqlx::SqlSafeStr::into_sql_str(text))
    }

    /// A text assembled at run time without counting it as a build (scripts, plain SQL).
    pub(crate) fn from_owned(text: String) -> Sql {
        Sql(sqlx::SqlSafeStr::into_sql_str(sqlx::AssertSqlSafe(text)))
    }

    /// The text as the driver takes it.
    pub(crate) fn to_driver(&self) -> sqlx::SqlStr {
        self.0.clone()
    }
}

impl From<&'static str> for Sql {
    fn from(text: &'static str) -> Sql {
        Sql::from_static(text)
    }
}

impl From<String> for Sql {
    fn from(text: String) -> Sql {
        Sql::from_owned(text)
    }
}

impl std::fmt::Display for Sql {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

pub(crate) fn sql_from(text: String) -> Sql {
    count_build();
    Sql(sqlx::SqlSafeStr::into_sql_str(sqlx::AssertSqlSafe(
        std::sync::Arc::<str>::from(text),
    )))
}
