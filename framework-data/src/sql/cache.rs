//! The per-entity cache of statement texts.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use super::{Builder, Sql, Visibility};
use crate::driver::Dialect;
use crate::mapping::EntityMetadata;

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

/// Statement texts keyed by their shape (a sort, a list size, a page), each built once: the
/// cache behind every statement whose text depends on the call.
#[derive(Debug, Default)]
pub struct ShapeMap {
    texts: RwLock<Option<HashMap<String, Sql>>>,
}

impl ShapeMap {
    /// An empty map (`const`, for statics).
    pub const fn new() -> Self {
        ShapeMap {
            texts: RwLock::new(None),
        }
    }

    /// The text of `key`, built by `build` the first time.
    pub fn get_or_build<E>(
        &self,
        key: &str,
        build: impl FnOnce() -> Result<String, E>,
    ) -> Result<Sql, E> {
        {
            let map = self.texts.read().unwrap_or_else(|e| e.into_inner());
            if let Some(sql) = map.as_ref().and_then(|m| m.get(key)) {
                return Ok(sql.clone());
            }
        }
        let text = build()?;
        let mut map = self.texts.write().unwrap_or_else(|e| e.into_inner());
        Ok(map
            .get_or_insert_with(HashMap::new)
            .entry(key.to_owned())
            .or_insert_with(|| super::sql_from(text))
            .clone())
    }
}

/// Statement texts of one entity, for every dialect; `#[derive(Entity)]` gives each entity a
/// static one.
pub struct EntitySql {
    /// Per visibility (see [`Visibility`]), per dialect.
    fixed: [[OnceLock<Statements>; 3]; 3],
    variable: [ShapeMap; 3],
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
            fixed: [const { [const { OnceLock::new() }; 3] }; 3],
            variable: [ShapeMap::new(), ShapeMap::new(), ShapeMap::new()],
        }
    }

    /// The fixed statements for `dialect`, built on first use (reads see live rows).
    pub fn statements(&self, meta: &EntityMetadata, dialect: Dialect) -> &Statements {
        self.statements_seeing(meta, dialect, Visibility::Live)
    }

    /// The fixed statements for `dialect` whose reads see `visibility`'s rows.
    pub fn statements_seeing(
        &self,
        meta: &EntityMetadata,
        dialect: Dialect,
        visibility: Visibility,
    ) -> &Statements {
        let visibility = visibility.of(meta);
        self.fixed[visibility.slot()][dialect.slot()]
            .get_or_init(|| Builder::seeing(meta, dialect, visibility).statements())
    }

    /// Like [`variable`](Self::variable), for a text whose building can fail (nothing is
    /// kept then).
    pub(crate) fn try_variable<Er>(
        &self,
        dialect: Dialect,
        key: &str,
        build: impl FnOnce() -> Result<String, Er>,
    ) -> Result<Sql, Er> {
        self.variable[dialect.slot()].get_or_build(key, build)
    }

    /// A statement whose shape depends on the call (sort, list size), built once per shape.
    pub(crate) fn variable(
        &self,
        dialect: Dialect,
        key: &str,
        build: impl FnOnce() -> String,
    ) -> Sql {
        let built: Result<Sql, std::convert::Infallible> =
            self.variable[dialect.slot()].get_or_build(key, || Ok(build()));
        match built {
            Ok(sql) => sql,
            Err(never) => match never {},
        }
    }
}
