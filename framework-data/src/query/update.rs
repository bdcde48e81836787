//! [`Update`]: the assignments of a bulk `update_by_spec`.

use std::marker::PhantomData;
use std::sync::Arc;

use super::field::{Field, Operand};
use super::spec::Arg;
use crate::value::SqlValue;

/// The assignments of [`Repository::update_by_spec`](crate::repository::Repository::update_by_spec)
/// (JPA's `CriteriaUpdate.set`): each names one of the entity's own fields, typed like a
/// comparison. The id, `#[version]`, `#[created_at]`/`#[created_by]` and the `#[soft_delete]`
/// column cannot be set (the framework keeps them); `#[version]` goes up by one and
/// `#[updated_at]`/`#[last_modified_by]` are stamped as by `save`.
///
/// ```no_run
/// use framework_data::prelude::*;
/// use framework_data::query::Update;
/// # #[derive(Entity, Debug, Clone)] #[entity(table = "accounts", crate = "framework_data")]
/// # struct Account { #[id(generated)] id: i64, status: String, note: Option<String>, balance_cents: i64 }
/// # async fn demo(accounts: Repository<Account>) -> DataResult<()> {
/// let f = Account::fields();
/// let closed = accounts
///     .update_by_spec(
///         f.balance_cents().eq(0),
///         Update::new().set(f.status(), "closed").set_null(f.note()),
///     )
///     .await?;
/// # Ok(()) }
/// ```
pub struct Update<E> {
    pub(crate) sets: Vec<(Option<&'static str>, &'static str, Arg)>,
    _entity: PhantomData<fn() -> E>,
}

impl<E> Default for Update<E> {
    fn default() -> Self {
        Update {
            sets: Vec::new(),
            _entity: PhantomData,
        }
    }
}

impl<E> Clone for Update<E> {
    fn clone(&self) -> Self {
        Update {
            sets: self.sets.clone(),
            _entity: PhantomData,
        }
    }
}

impl<E> std::fmt::Debug for Update<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.sets.iter().map(|(_, n, _)| *n).collect();
        f.debug_tuple("Update").field(&names).finish()
    }
}

impl<E> Update<E> {
    /// No assignments yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// `field = value`.
    pub fn set<T>(mut self, field: Field<E, T>, value: impl Operand<T>) -> Self {
        self.sets.push((field.head(), field.name(), value.into_arg()));
        self
    }

    /// `field = NULL` (an `Option` field).
    pub fn set_null<T: SqlValue>(mut self, field: Field<E, Option<T>>) -> Self {
        self.sets
            .push((field.head(), field.name(), Arc::new(None::<T>)));
        self
    }

    /// Whether it assigns nothing.
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }
}
