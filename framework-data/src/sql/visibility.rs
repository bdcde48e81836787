//! Soft deletes as the statement texts see them: which rows of an entity with a
//! `#[soft_delete]` column a read sees. Deletes of such an entity stamp the column instead of
//! removing the row; every generated read adds `col IS NULL` (live rows), unless the
//! repository was asked for [`All`](Visibility::All) rows (`with_deleted()`) or only the
//! [`Deleted`](Visibility::Deleted) ones (`only_deleted()`, `find_deleted_by_*`).

use super::dialect::DialectSql;
use crate::mapping::EntityMetadata;

/// Which rows of a soft-deleting entity a read sees (for an entity without a
/// `#[soft_delete]` column every row is live and this changes nothing).
///
/// ```no_run
/// use framework_data::sql::Visibility;
/// assert_eq!(Visibility::default(), Visibility::Live);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Visibility {
    /// Rows not soft-deleted: what every read sees unless asked otherwise.
    #[default]
    Live,
    /// Every row, soft-deleted or not.
    All,
    /// Only the soft-deleted rows.
    Deleted,
}

impl Visibility {
    /// What `self` means for `meta`: `Live` when the entity has no soft-delete column, so that
    /// such an entity keeps one set of statement texts.
    pub(crate) fn of(self, meta: &EntityMetadata) -> Visibility {
        if meta.soft_delete.is_none() {
            Visibility::Live
        } else {
            self
        }
    }

    /// Its index in per-visibility tables.
    pub(crate) fn slot(self) -> usize {
        self as usize
    }

    /// The prefix of its statement-shape keys.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Visibility::Live => "",
            Visibility::All => "all:",
            Visibility::Deleted => "deleted:",
        }
    }

    /// Writes the condition that keeps the visible rows of `meta` (`"deleted_at" IS NULL`),
    /// its column qualified by `qualifier` when given; returns whether it wrote one.
    pub(crate) fn write_condition(
        self,
        meta: &EntityMetadata,
        sql: &dyn DialectSql,
        qualifier: Option<&str>,
        out: &mut String,
    ) -> bool {
        let Some(column) = meta.soft_delete_column() else {
            return false;
        };
        let test = match self {
            Visibility::Live => " IS NULL",
            Visibility::Deleted => " IS NOT NULL",
            Visibility::All => return false,
        };
        if let Some(q) = qualifier {
            out.push_str(q);
            out.push('.');
        }
        sql.quote(column.column, out);
        out.push_str(test);
        true
    }
}
