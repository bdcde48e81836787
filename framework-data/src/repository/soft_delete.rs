//! Soft deletes: an entity with a `#[soft_delete]` field is never removed by `delete*`; its
//! column is stamped with the time instead, and every generated read skips stamped rows.
//!
//! ```no_run
//! use framework_data::prelude::*;
//!
//! #[derive(Entity, Debug, Clone)]
//! #[entity(table = "notes", crate = "framework_data")] // `crate` only inside this crate's docs
//! pub struct Note {
//!     #[id(generated)] pub id: i64,
//!     pub text: String,
//!     #[soft_delete] pub deleted_at: Option<DateTime<Utc>>,
//! }
//!
//! # async fn demo(notes: Repository<Note>) -> DataResult<()> {
//! let note = notes.save(Note { id: 0, text: "draft".into(), deleted_at: None }).await?;
//! notes.delete_by_id(note.id).await?;              // UPDATE notes SET deleted_at = ? ...
//! assert!(notes.find_by_id(note.id).await?.is_none());
//! assert_eq!(notes.only_deleted().count().await?, 1);
//! assert!(notes.restore(note.id).await?);          // deleted_at = NULL again
//! notes.hard_delete_by_id(note.id).await?;         // DELETE FROM notes ...
//! # Ok(()) }
//! ```
//!
//! What sees deleted rows, and what does not:
//!
//! - Not seen: `find_by_id` (and its locking forms), `find_all*`, `count`, `exists_by_id`,
//!   derived queries (their `count`/`exists` too), fetch plans and eager loads of to-many
//!   associations, conditions over to-many associations (`find_by_posts_title`), and the
//!   entity cache, which never holds a deleted row.
//! - Seen: `repo.with_deleted()` reads (every row), `repo.only_deleted()` and derived
//!   `find_deleted_by_*` / `count_deleted_by_*` (deleted rows only), `find_with_deleted_by_*`
//!   (every row); to-one references (`Ref<T>`) resolve to their row even when it is deleted,
//!   as Jmix and CUBA do: the row is still there, and the referencing entity stays readable.
//! - `#[query]` methods run the SQL as written: add `deleted_at IS NULL` yourself.
//! - `save` of an entity whose row is soft-deleted finds no row (it does not restore it:
//!   `restore` does); an upsert that meets a deleted row with its key writes the new values,
//!   `deleted_at` included, so the row is live again.
//! - Cascading removals go on to the children: soft for children with a `#[soft_delete]`
//!   field, a real DELETE for the others.

use super::Repository;
use crate::entity::Entity;
use crate::error::{DataError, DataResult};

impl<E: Entity> Repository<E> {
    /// Brings a soft-deleted entity back (its `#[soft_delete]` column set to NULL); returns
    /// whether a deleted row with this id was there. Its cache entry and the collection caches
    /// over `E` are evicted. An entity without a `#[soft_delete]` field is
    /// [`DataError::InvalidArgument`].
    pub async fn restore(&self, id: E::Id) -> DataResult<bool> {
        let meta = E::metadata();
        if meta.soft_delete.is_none() {
            return Err(DataError::InvalidArgument(format!(
                "{}: restore needs a #[soft_delete] field",
                meta.name
            )));
        }
        let dialect = self.dialect();
        let sql = E::sql().variable(dialect, "restore_by_id", || {
            crate::sql::Builder::new(meta, dialect).restore_by_id().unwrap_or_default()
        });
        let _write = self.cache_write(vec![id.clone()]).await;
        let mut args = self.datasource().args();
        self.bind_id(&mut args, &id)?;
        let done = self
            .datasource()
            .execute_as(self.op("restore"), sql, args)
            .await?;
        Ok(done.rows_affected > 0)
    }

    /// Deletes the row for good (`DELETE FROM t WHERE id = ?`), deleted or not, without
    /// lifecycle callbacks, listeners or cascades: for purging soft-deleted rows. Returns
    /// whether a row went. For an entity without a `#[soft_delete]` field it is a plain
    /// delete of the row.
    pub async fn hard_delete_by_id(&self, id: E::Id) -> DataResult<bool> {
        let dialect = self.dialect();
        let sql = E::sql().variable(dialect, "hard_delete_by_id", || {
            crate::sql::Builder::new(E::metadata(), dialect).hard_delete_by_id()
        });
        let _write = self.cache_write(vec![id.clone()]).await;
        let mut args = self.datasource().args();
        self.bind_id(&mut args, &id)?;
        let done = self
            .datasource()
            .execute_as(self.op("hard_delete_by_id"), sql, args)
            .await?;
        Ok(done.rows_affected > 0)
    }
}
