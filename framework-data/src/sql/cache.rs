//! The per-entity cache of statement texts.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use super::{Builder, Sql};
use crate::driver::Dialect;
use crate::entity::EntityMetadata;

/// The fixed statements of one entity on one dialect.
#[derive(Debug)]
pub struct Statements {
    /// `SELECT cols FROM t WHERE id = ?`
    pub find_by_id: Sql,
    /// `SELECT 1 FROM t WHERE id = ?`
    pub exists_by_id: Sql,
    /// `SELECT cols FROM t`
    pub find_all: Sql,
    /// `SELECT COUNT(*) FROM t`
    pub count: Sql,
    /// `INSERT INTO t (cols) VALUES (?, ...)` (with `RETURNING id` for generated ids where the
    /// dialect has it)
    pub insert: Sql,
    /// `UPDATE t SET ... WHERE id = ? [AND version = ?]`
    pub update: Sql,
    /// `DELETE FROM t WHERE id = ?`
    pub delete_by_id: Sql,
    /// `DELETE FROM t`
    pub delete_all: Sql,
}

/// Statement texts of one entity, for every dialect; `#[derive(Entity)]` gives each entity a
/// static one.
pub struct EntitySql {
    fixed: [OnceLock<Statements>; 3],
    variable: [OnceLock<RwLock<HashMap<String, Sql>>>; 3],
}

impl Default for EntitySql {
    fn default() -> Self {
        Self::new()
    }
}

impl EntitySql {
    /// An empty cache (a `const fn`, so it can be a `static`).
    pub const fn new() -> Self {
        Self {
            fixed: [OnceLock::new(), OnceLock::new(), OnceLock::new()],
            variable: [OnceLock::new(), OnceLock::new(), OnceLock::new()],
        }
    }

    /// The fixed statements for `dialect`, built on first use.
    pub fn statements(&self, meta: &EntityMetadata, dialect: Dialect) -> &Statements {
        self.fixed[dialect.slot()].get_or_init(|| Builder::new(meta, dialect).statements())
    }

    /// A statement whose shape depends on the call (sort, list size), built once per shape.
    pub(crate) fn variable(
        &self,
        dialect: Dialect,
        key: &str,
        build: impl FnOnce() -> String,
    ) -> Sql {
        let cell = self.variable[dialect.slot()].get_or_init(Default::default);
        {
            let map = cell.read().unwrap_or_else(|e| e.into_inner());
            if let Some(sql) = map.get(key) {
                return sql.clone();
            }
        }
        let sql = super::sql_from(build());
        let mut map = cell.write().unwrap_or_else(|e| e.into_inner());
        map.entry(key.to_owned()).or_insert(sql).clone()
    }
}
