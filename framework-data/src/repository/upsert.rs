//! Upserts and conflict-ignoring bulk inserts: one multi-row statement per bind limit's worth
//! of rows, whatever the database.
//!
//! An upsert inserts each entity, or, when a stored row already holds its key (`on`: the
//! properties of a unique constraint), updates that row instead, and returns what is stored:
//! the id (generated or not), the version, the timestamps.
//!
//! | | PostgreSQL | SQLite | MySQL / MariaDB |
//! |---|---|---|---|
//! | upsert | `ON CONFLICT (key) DO UPDATE .. RETURNING` | the same | `ON DUPLICATE KEY UPDATE`, then the rows read back by key |
//! | ignore conflicts | `ON CONFLICT DO NOTHING` | the same | a no-op `ON DUPLICATE KEY UPDATE` |

use super::crud::MAX_CACHED_INSERT_ROWS;
use super::{Repository, crud::WriteMarks};
use crate::driver::Dialect;
use crate::entity::Entity;
use crate::error::{DataError, DataResult};
use crate::sql::{Builder, Sql, dialect};
use crate::tx::TransactionDefinition;
use crate::value::Row;

impl<E: Entity> Repository<E> {
    /// Inserts `entity`, or updates the stored row that has the same values of the properties
    /// `on` (a unique key: `&["email"]`, or several properties for a composite one), and
    /// returns the stored entity with its id. See [`upsert_all`](Self::upsert_all).
    ///
    /// ```no_run
    /// use framework_data::prelude::*;
    /// # #[derive(Entity, Debug, Clone)] #[entity(table = "users", crate = "framework_data")]
    /// # struct User { #[id(generated)] id: i64, email: String, name: String }
    /// # async fn demo(users: Repository<User>) -> DataResult<()> {
    /// // CREATE UNIQUE INDEX ON users (email)
    /// let ann = users.upsert(User { id: 0, email: "ann@x.org".into(), name: "Ann".into() }, &["email"]).await?;
    /// let again = users.upsert(User { id: 0, email: "ann@x.org".into(), name: "Anna".into() }, &["email"]).await?;
    /// assert_eq!((again.id, again.name.as_str()), (ann.id, "Anna"));
    /// # Ok(()) }
    /// ```
    pub async fn upsert(&self, entity: E, on: &[&str]) -> DataResult<E> {
        let mut stored = self.upsert_all(vec![entity], on).await?;
        stored.pop().ok_or(DataError::IncorrectResultSize {
            query: "upsert",
            expected: 1,
            actual: 0,
        })
    }

    /// Upserts every entity: one multi-row statement per bind limit's worth of rows (MySQL:
    /// two, the second reading the rows back), in one transaction when that takes more than
    /// one statement and none is running. Returns the stored entities in the order given.
    ///
    /// - `on` names properties (fields, `address.city` for an embedded value) whose columns
    ///   carry a unique constraint; on PostgreSQL and SQLite exactly that constraint must
    ///   exist. MySQL resolves a conflict on any unique key of the table.
    /// - A new row gets version 1 and both timestamps; an updated row keeps its id and
    ///   `created_at`, gets every other column from the entity, `updated_at` now and its
    ///   stored version plus one. It is a blind write: the entity's version is not checked.
    /// - A generated id is never written (an entity's own id is ignored); an assigned id is
    ///   written on insert and kept on update.
    /// - Associations are not cascaded (use `save`); the returned entities' `Related` fields
    ///   are not loaded.
    /// - The same key twice in one call: SQLite and MySQL apply them in order (the last one
    ///   wins); PostgreSQL refuses to update a row twice in one statement, which is
    ///   `DataError::InvalidArgument`.
    /// - Cached entities of `E` are evicted after the commit (those of the entities' ids when
    ///   the key is the assigned id, else the whole region).
    ///
    /// Key properties must be `NOT NULL` (a `NULL` never conflicts), and may not be a
    /// generated id: both are `DataError::InvalidArgument`, with no statement sent.
    pub async fn upsert_all(&self, entities: Vec<E>, on: &[&str]) -> DataResult<Vec<E>> {
        let key = upsert_key(E::metadata(), on)?;
        crate::entity::validation::check(entities.iter())?;
        if entities.is_empty() {
            return Ok(Vec::new());
        }
        let per_statement = self.rows_per_insert();
        let batches = entities.len().div_ceil(per_statement);
        let statements = if dialect::of(self.dialect()).upsert_returns_rows() {
            batches
        } else {
            2 * batches
        };
        if crate::tx::ambient::current(self.datasource()).is_none() && statements > 1 {
            let def = TransactionDefinition::new().name("upsert_all");
            let tm = self.transaction_manager();
            return tm.execute(&def, self.upsert_now(entities, &key)).await;
        }
        self.upsert_now(entities, &key).await
    }

    /// Inserts every entity whose row does not conflict with a stored one (on any unique key)
    /// and leaves out the others, without an error: one multi-row statement per bind limit's
    /// worth of rows, in one transaction when that takes more than one. Generated ids are not
    /// returned (read the rows back when you need them).
    ///
    /// It does not say how many rows went in: MySQL, whose driver asks for found rows, counts
    /// a row left alone like an inserted one, so no count would be right on every database.
    ///
    /// ```no_run
    /// use framework_data::prelude::*;
    /// # #[derive(Entity, Debug, Clone)] #[entity(table = "users", crate = "framework_data")]
    /// # struct User { #[id(generated)] id: i64, email: String, name: String }
    /// # async fn demo(users: Repository<User>, batch: Vec<User>) -> DataResult<()> {
    /// users.insert_all_ignore_conflicts(batch).await?;
    /// # Ok(()) }
    /// ```
    pub async fn insert_all_ignore_conflicts(&self, entities: Vec<E>) -> DataResult<()> {
        crate::entity::validation::check(entities.iter())?;
        if entities.is_empty() {
            return Ok(());
        }
        if crate::tx::ambient::current(self.datasource()).is_none()
            && entities.len() > self.rows_per_insert()
        {
            let def = TransactionDefinition::new().name("insert_all_ignore_conflicts");
            let tm = self.transaction_manager();
            return tm.execute(&def, self.insert_ignoring_now(entities)).await;
        }
        self.insert_ignoring_now(entities).await
    }

    async fn insert_ignoring_now(&self, mut entities: Vec<E>) -> DataResult<()> {
        let meta = E::metadata();
        let _marks = self.write_marks(&entities, meta.ids).await;
        let stamp = self.stamp();
        for e in entities.iter_mut() {
            Self::prepare_insert(e, &stamp);
        }
        let dialect = self.dialect();
        for batch in entities.chunks(self.rows_per_insert()) {
            let n = batch.len();
            let sql = self.text(&format!("insert_ignore:{n}"), n, || {
                Builder::new(meta, dialect).insert_ignore_conflicts_text(n)
            });
            let mut args = self.datasource().args();
            for e in batch {
                self.bind_columns(&mut args, e, meta.insert_columns().map(|(i, _)| i))?;
            }
            self.datasource()
                .execute_as(self.op("insert_all_ignore_conflicts"), sql, args)
                .await?;
        }
        Ok(())
    }

    async fn upsert_now(&self, mut entities: Vec<E>, key: &[usize]) -> DataResult<Vec<E>> {
        let _marks = self.write_marks(&entities, key).await;
        let stamp = self.stamp();
        for e in entities.iter_mut() {
            Self::prepare_insert(e, &stamp);
        }
        let mut stored = Vec::with_capacity(entities.len());
        for batch in entities.chunks(self.rows_per_insert()) {
            stored.extend(self.upsert_batch(batch, key).await?);
        }
        Ok(stored)
    }

    async fn upsert_batch(&self, batch: &[E], key: &[usize]) -> DataResult<Vec<E>> {
        let meta = E::metadata();
        let dialect = self.dialect();
        let n = batch.len();
        let returning = dialect::of(dialect).upsert_returns_rows();
        let key_name = key
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let sql = self.text(&format!("upsert:{key_name}:{n}"), n, || {
            Builder::new(meta, dialect).upsert_text(n, key, returning)
        });
        let mut args = self.datasource().args();
        for e in batch {
            self.bind_columns(&mut args, e, meta.insert_columns().map(|(i, _)| i))?;
        }
        let op = self.op("upsert_all");
        let rows: Vec<Row> = if returning {
            self.datasource()
                .fetch_all_as(op, sql, args)
                .await
                .map_err(|e| twice_in_one_statement(dialect, e))?
        } else {
            self.datasource().execute_as(op, sql, args).await?;
            let select = self.text(&format!("upsert_select:{key_name}:{n}"), n, || {
                Builder::new(meta, dialect).select_by_keys_text(n, key)
            });
            let mut args = self.datasource().args();
            for e in batch {
                self.bind_columns(&mut args, e, key.iter().copied())?;
            }
            self.datasource()
                .fetch_all_as(self.op("upsert_all"), select, args)
                .await?
        };
        if rows.len() != n {
            return Err(DataError::IncorrectResultSize {
                query: "upsert_all",
                expected: n,
                actual: rows.len(),
            });
        }
        rows.iter().map(|r| self.decode(r)).collect()
    }

    /// The statement text of shape `shape` (`rows` rows): kept per shape up to
    /// `MAX_CACHED_INSERT_ROWS` rows, built for the call above.
    fn text(&self, shape: &str, rows: usize, build: impl FnOnce() -> String) -> Sql {
        if rows <= MAX_CACHED_INSERT_ROWS {
            E::sql().variable(self.dialect(), shape, build)
        } else {
            crate::sql::sql_from(build())
        }
    }

    /// The cache marks of a write of `entities` keyed by `key`: their ids when the key is the
    /// assigned id, else the whole region (the ids of updated rows are not known before).
    async fn write_marks(&self, entities: &[E], key: &[usize]) -> WriteMarks<E> {
        let meta = E::metadata();
        let by_id = !meta.id_generated && key.len() == meta.ids.len()
            && key.iter().all(|i| meta.is_id(*i));
        if by_id {
            self.cache_write(entities.iter().map(|e| e.id()).collect())
                .await
        } else if meta.id_generated && key == meta.ids {
            // Inserts with new generated ids: nothing cached can have them.
            self.insert_write()
        } else {
            self.cache_write_all()
        }
    }
}

/// The column indexes of the upsert key `on`: each a NOT NULL property, not a generated id.
fn upsert_key(meta: &crate::mapping::EntityMetadata, on: &[&str]) -> DataResult<Vec<usize>> {
    if on.is_empty() {
        return Err(DataError::InvalidArgument(format!(
            "upsert of {}: `on` names no property (give those of a unique key, e.g. &[\"email\"])",
            meta.name
        )));
    }
    let mut key = Vec::with_capacity(on.len());
    for name in on {
        let Some((i, column)) = meta.property(name) else {
            let known: Vec<&str> = meta.columns.iter().map(|c| c.field).collect();
            return Err(DataError::InvalidArgument(format!(
                "upsert of {}: no property `{name}` (properties: {})",
                meta.name,
                known.join(", ")
            )));
        };
        if meta.id_generated && meta.is_id(i) {
            return Err(DataError::InvalidArgument(format!(
                "upsert of {}: `{name}` is a generated id, never inserted: key the upsert on a unique property",
                meta.name
            )));
        }
        if column.nullable {
            return Err(DataError::InvalidArgument(format!(
                "upsert of {}: `{name}` is nullable, and a NULL never conflicts: key the upsert on NOT NULL properties",
                meta.name
            )));
        }
        if !key.contains(&i) {
            key.push(i);
        }
    }
    Ok(key)
}

/// PostgreSQL's `ON CONFLICT DO UPDATE command cannot affect row a second time` (SQLSTATE
/// 21000): the same key twice in one call, a caller's error.
fn twice_in_one_statement(dialect: Dialect, e: DataError) -> DataError {
    match e {
        DataError::Database {
            code: Some(ref code),
            ref message,
            ..
        } if dialect == Dialect::Postgres && code == "21000" => DataError::InvalidArgument(format!(
            "upsert_all: two entities with the same key in one call ({message}); PostgreSQL updates a row once per statement"
        )),
        other => other,
    }
}
