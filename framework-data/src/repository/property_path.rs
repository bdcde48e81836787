//! Property paths (`title`, `address.city`, `author.name`) resolved against an entity: the
//! column a derived query compares or a [`Sort`](super::Sort) orders by.
//!
//! A path through a `#[many_to_one]` reaches the target's column without a join: a sort key
//! becomes a correlated subquery (`ORDER BY (SELECT t_.name FROM users t_ WHERE t_.id =
//! posts.author_id)`), so the rows stay exactly the entity's rows, one each. Sorting through a
//! to-many association has no single value per row and is refused.

use crate::entity::Entity;
use crate::error::{DataError, DataResult};
use crate::sql::SortColumn;
use crate::query::{single_key, unknown_property};


/// The column `property` of `E` orders by: its own (an embedded path included), or, for
/// `author.name` with `author` a `#[many_to_one]`, the target's column.
pub(crate) fn sort_column<E: Entity>(property: &str) -> DataResult<SortColumn> {
    let meta = E::metadata();
    if let Some((_, c)) = meta.property(property) {
        return Ok(SortColumn::Own(c.column));
    }
    let Some((head, rest)) = property.split_once('.') else {
        return Err(unknown_property(meta, property));
    };
    if let Some(reference) = E::__fw_reference(head) {
        let (target, id) = single_key(reference.target, property)?;
        let column = target
            .property(rest)
            .map(|(_, c)| c.column)
            .ok_or_else(|| unknown_property(target, rest))?;
        return Ok(SortColumn::Through {
            fk: reference.column,
            table: target.table,
            id,
            column,
        });
    }
    if E::__fw_collection(head).is_some() {
        return Err(DataError::InvalidArgument(format!(
            "cannot sort {} by `{property}`: `{head}` is a to-many association, with no single value per row",
            meta.name
        )));
    }
    Err(unknown_property(meta, property))
}

