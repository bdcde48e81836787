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

use std::sync::atomic::{AtomicU64, Ordering};

pub use cache::{EntitySql, ShapeMap, Statements};

pub(crate) use builder::Builder;

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

/// A statement text shared by every call (cheap to clone).
pub type Sql = sqlx::SqlStr;

pub(crate) fn sql_from(text: String) -> Sql {
    count_build();
    sqlx::SqlSafeStr::into_sql_str(sqlx::AssertSqlSafe(std::sync::Arc::<str>::from(text)))
}
