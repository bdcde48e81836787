//! SQL text, generated with sea-query per dialect and built once: fixed statements per entity and
//! dialect on first use, variable ones (a sort, an IN-list size, a batch size) once per shape.

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
