//! [`Select`]: a report over an entity's rows — chosen columns and aggregates instead of the
//! entity, grouped, filtered before (`filter`, a [`Spec`]) and after (`having`) grouping,
//! sorted and limited — typed from its expressions to its rows.
//!
//! ```no_run
//! use framework_data::prelude::*;
//!
//! #[derive(Entity, Debug, Clone)]
//! #[entity(table = "pets", crate = "framework_data")] // `crate` only inside this crate's docs
//! pub struct Pet {
//!     #[id(generated)] pub id: i64,
//!     pub name: String,
//!     pub age: i32,
//!     #[many_to_one(column = "owner_id")] pub owner: Ref<Owner>,
//! }
//!
//! #[derive(Entity, Debug, Clone)]
//! #[entity(table = "owners", crate = "framework_data")]
//! pub struct Owner {
//!     #[id(generated)] pub id: i64,
//!     pub last_name: String,
//! }
//!
//! # async fn demo(pets: Repository<Pet>) -> DataResult<()> {
//! let f = Pet::fields();
//! // SELECT j_owner.last_name, COUNT(pets.id), AVG(pets.age) FROM pets
//! //   JOIN owners j_owner ON j_owner.id = pets.owner_id
//! //   WHERE pets.age > ? GROUP BY j_owner.last_name HAVING COUNT(pets.id) >= ?
//! //   ORDER BY COUNT(pets.id) DESC
//! let report = Select::of((f.owner().last_name(), f.id().count(), f.age().avg()))
//!     .filter(f.age().gt(1))
//!     .group_by(f.owner().last_name())
//!     .having(f.id().count().ge(2))
//!     .order_by_desc(f.id().count());
//! let rows: Vec<(String, i64, Option<f64>)> = pets.fetch_select(&report).await?;
//! # Ok(()) }
//! ```

use std::borrow::Cow;
use std::marker::PhantomData;

use framework_vocabulary::Op;

use super::field::{Field, Operand};
use super::spec::{Func, Leaf, Node, Spec, Value};

/// One selected, grouped or sorted expression: a column (through an association when `head`
/// is given) or an aggregate over one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExprNode {
    pub(crate) head: Option<&'static str>,
    pub(crate) name: &'static str,
    pub(crate) func: Option<Func>,
    pub(crate) alias: Option<Cow<'static, str>>,
}

impl ExprNode {
    /// The same column (or aggregate) ignoring the alias.
    pub(crate) fn same(&self, other: &ExprNode) -> bool {
        self.head == other.head && self.name == other.name && self.func == other.func
    }

    /// The column name its value comes back under: the alias given, else `name`,
    /// `head_name`, `count_name`, `sum_head_name`, ... (`count` for `COUNT(*)`).
    pub(crate) fn alias(&self) -> Cow<'static, str> {
        if let Some(alias) = &self.alias {
            return alias.clone();
        }
        let column = match self.head {
            Some(head) => Cow::Owned(format!("{head}_{}", self.name)),
            None => Cow::Borrowed(self.name),
        };
        match self.func {
            None => column,
            Some(Func::CountAll) => Cow::Borrowed("count"),
            Some(func) => Cow::Owned(format!("{}_{column}", func.name())),
        }
    }

    pub(crate) fn shape(&self, key: &mut String) {
        if let Some(func) = self.func {
            key.push_str(func.name());
            key.push('(');
        }
        if let Some(head) = self.head {
            key.push_str(head);
            key.push('.');
        }
        key.push_str(self.name);
        if self.func.is_some() {
            key.push(')');
        }
        if let Some(alias) = &self.alias {
            key.push_str(" as ");
            key.push_str(alias);
        }
    }
}

/// A typed expression over entity `E` whose value is a `T`: a column (from a [`Field`]) or an
/// aggregate over one (`f.balance_cents().sum()` is an `Expr<Account, Option<i64>>`). It is
/// selected by a [`Select`], and its comparisons build the [`Having`] condition of a grouped
/// one.
pub struct Expr<E, T> {
    pub(crate) node: ExprNode,
    _types: PhantomData<fn() -> (E, T)>,
}

impl<E, T> Clone for Expr<E, T> {
    fn clone(&self) -> Self {
        Expr::from_node(self.node.clone())
    }
}

impl<E, T> std::fmt::Debug for Expr<E, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut key = String::new();
        self.node.shape(&mut key);
        f.debug_tuple("Expr").field(&key).finish()
    }
}

impl<E, T> Expr<E, T> {
    pub(crate) fn from_node(node: ExprNode) -> Self {
        Expr {
            node,
            _types: PhantomData,
        }
    }

    fn over<U>(field: &Field<E, U>, func: Option<Func>) -> Self {
        Expr::from_node(ExprNode {
            head: field.head(),
            name: field.name(),
            func,
            alias: None,
        })
    }

    /// The same expression, its value returned under the column name `alias` (what a
    /// `#[derive(Projection)]` struct's field is matched with).
    pub fn as_(mut self, alias: impl Into<Cow<'static, str>>) -> Self {
        self.node.alias = Some(alias.into());
        self
    }

    fn having(&self, op: Op, value: Value) -> Having<E> {
        Having::from_node(Node::Leaf(Leaf {
            head: self.node.head,
            name: self.node.name,
            func: self.node.func,
            op,
            ignore_case: false,
            value,
        }))
    }

    /// `= value`.
    pub fn eq(&self, value: impl Operand<T>) -> Having<E> {
        self.having(Op::Eq, Value::Args(vec![value.into_arg()]))
    }

    /// `<> value`.
    pub fn ne(&self, value: impl Operand<T>) -> Having<E> {
        self.having(Op::Ne, Value::Args(vec![value.into_arg()]))
    }

    /// `< value`.
    pub fn lt(&self, value: impl Operand<T>) -> Having<E> {
        self.having(Op::Lt, Value::Args(vec![value.into_arg()]))
    }

    /// `<= value`.
    pub fn le(&self, value: impl Operand<T>) -> Having<E> {
        self.having(Op::Le, Value::Args(vec![value.into_arg()]))
    }

    /// `> value`.
    pub fn gt(&self, value: impl Operand<T>) -> Having<E> {
        self.having(Op::Gt, Value::Args(vec![value.into_arg()]))
    }

    /// `>= value`.
    pub fn ge(&self, value: impl Operand<T>) -> Having<E> {
        self.having(Op::Ge, Value::Args(vec![value.into_arg()]))
    }

    /// `BETWEEN low AND high`.
    pub fn between(&self, low: impl Operand<T>, high: impl Operand<T>) -> Having<E> {
        self.having(Op::Between, Value::Args(vec![low.into_arg(), high.into_arg()]))
    }

    /// `IS NULL` (a `SUM` or `MIN` over no value is NULL).
    pub fn is_null(&self) -> Having<E> {
        self.having(Op::IsNull, Value::Args(Vec::new()))
    }

    /// `IS NOT NULL`.
    pub fn is_not_null(&self) -> Having<E> {
        self.having(Op::IsNotNull, Value::Args(Vec::new()))
    }
}

impl<E> Expr<E, i64> {
    /// `COUNT(*)`: the rows (of each group).
    pub fn count_all() -> Self {
        Expr::from_node(ExprNode {
            head: None,
            name: "*",
            func: Some(Func::CountAll),
            alias: None,
        })
    }
}

/// A subquery's value type `Self` fits a field of type `T` (`Field::in_select`): the same
/// type, with or without an `Option` on either side (an aggregate's `Option<T>` included).
#[diagnostic::on_unimplemented(
    message = "a subquery returning `{Self}` cannot be compared with a field of type `{T}`",
    note = "select one expression of the field's type (with or without `Option`)"
)]
pub trait Comparable<T> {}
impl<T: crate::value::SqlValue> Comparable<T> for T {}
impl<T: crate::value::SqlValue> Comparable<Option<T>> for T {}
impl<T: crate::value::SqlValue> Comparable<T> for Option<T> {}

/// Field types `sum` and `avg` apply to, with the type of their sum: integers sum to `i64`
/// (checked by the database: an overflow is an error, not a wrap), floats to `f64`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a number: `sum` and `avg` are for integer and floating-point fields"
)]
pub trait Summable {
    /// The type of the sum.
    type Sum;
}

/// Field types `min` and `max` apply to, with the type of their value.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no order `min` and `max` can use: they are for numbers, text, dates and times"
)]
pub trait Ordered {
    /// The value, without the field's own `Option`.
    type Value;
}

macro_rules! summable {
    ($($t:ty => $sum:ty),*) => {$(
        impl Summable for $t { type Sum = $sum; }
        impl Summable for Option<$t> { type Sum = $sum; }
    )*};
}
summable!(i16 => i64, i32 => i64, i64 => i64, f32 => f64, f64 => f64);

macro_rules! ordered {
    ($($t:ty),*) => {$(
        impl Ordered for $t { type Value = $t; }
        impl Ordered for Option<$t> { type Value = $t; }
    )*};
}
ordered!(
    i16,
    i32,
    i64,
    f32,
    f64,
    String,
    rust_decimal::Decimal,
    chrono::NaiveDate,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>
);

impl<E, T> Field<E, T> {
    /// `COUNT(field)`: how many rows (of each group) have a non-NULL value.
    pub fn count(&self) -> Expr<E, i64> {
        Expr::over(self, Some(Func::Count))
    }

    /// `COUNT(DISTINCT field)`: how many different non-NULL values.
    pub fn count_distinct(&self) -> Expr<E, i64> {
        Expr::over(self, Some(Func::CountDistinct))
    }

    /// `SUM(field)`; `None` when no row (of the group) has a value.
    pub fn sum(&self) -> Expr<E, Option<T::Sum>>
    where
        T: Summable,
    {
        Expr::over(self, Some(Func::Sum))
    }

    /// `AVG(field)` as a double; `None` when no row (of the group) has a value.
    pub fn avg(&self) -> Expr<E, Option<f64>>
    where
        T: Summable,
    {
        Expr::over(self, Some(Func::Avg))
    }

    /// `MIN(field)`; `None` when no row (of the group) has a value.
    pub fn min(&self) -> Expr<E, Option<T::Value>>
    where
        T: Ordered,
    {
        Expr::over(self, Some(Func::Min))
    }

    /// `MAX(field)`; `None` when no row (of the group) has a value.
    pub fn max(&self) -> Expr<E, Option<T::Value>>
    where
        T: Ordered,
    {
        Expr::over(self, Some(Func::Max))
    }

    /// The column, its value returned under the name `alias`.
    pub fn as_(&self, alias: impl Into<Cow<'static, str>>) -> Expr<E, T> {
        Expr::over(self, None).as_(alias)
    }
}

/// What can be selected, grouped by or sorted by in a [`Select`] over `E`: a [`Field`] or an
/// [`Expr`], whose value is a `Value`.
pub trait IntoExpr<E> {
    /// The Rust type of its value.
    type Value;

    /// The expression.
    fn into_expr(self) -> Expr<E, Self::Value>;
}

impl<E, T> IntoExpr<E> for Field<E, T> {
    type Value = T;
    fn into_expr(self) -> Expr<E, T> {
        Expr::over(&self, None)
    }
}

impl<E, T> IntoExpr<E> for Expr<E, T> {
    type Value = T;
    fn into_expr(self) -> Expr<E, T> {
        self
    }
}

/// The expressions a [`Select`] returns, and the Rust type of its rows: one expression (its
/// value) or a tuple of up to eight (a tuple of their values).
pub trait Selection<E> {
    /// The row type.
    type Output;

    /// The expressions, in column order.
    #[doc(hidden)]
    fn expressions(self) -> Vec<Expr<E, ()>>;
}

impl<E, T> Selection<E> for Field<E, T> {
    type Output = T;
    fn expressions(self) -> Vec<Expr<E, ()>> {
        vec![Expr::from_node(self.into_expr().node)]
    }
}

impl<E, T> Selection<E> for Expr<E, T> {
    type Output = T;
    fn expressions(self) -> Vec<Expr<E, ()>> {
        vec![Expr::from_node(self.node)]
    }
}

macro_rules! selection_tuple {
    ($($name:ident $idx:tt),+) => {
        impl<E, $($name: IntoExpr<E>),+> Selection<E> for ($($name,)+) {
            type Output = ($($name::Value,)+);
            fn expressions(self) -> Vec<Expr<E, ()>> {
                vec![$(Expr::from_node(self.$idx.into_expr().node)),+]
            }
        }
    };
}
selection_tuple!(A 0);
selection_tuple!(A 0, B 1);
selection_tuple!(A 0, B 1, C 2);
selection_tuple!(A 0, B 1, C 2, D 3);
selection_tuple!(A 0, B 1, C 2, D 3, F 4);
selection_tuple!(A 0, B 1, C 2, D 3, F 4, G 5);
selection_tuple!(A 0, B 1, C 2, D 3, F 4, G 5, H 6);
selection_tuple!(A 0, B 1, C 2, D 3, F 4, G 5, H 6, I 7);

/// The condition on the groups of a grouped [`Select`] (SQL's HAVING), built by comparing
/// aggregates (`f.id().count().ge(2)`) and combined with `and`, `or` and `not`.
pub struct Having<E> {
    pub(crate) node: Node,
    _entity: PhantomData<fn() -> E>,
}

impl<E> Clone for Having<E> {
    fn clone(&self) -> Self {
        Having::from_node(self.node.clone())
    }
}

impl<E> std::fmt::Debug for Having<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut key = String::new();
        self.node.shape(&mut key);
        f.debug_tuple("Having").field(&key).finish()
    }
}

impl<E> Having<E> {
    fn from_node(node: Node) -> Self {
        Having {
            node,
            _entity: PhantomData,
        }
    }

    /// Groups that meet both.
    pub fn and(self, other: Having<E>) -> Self {
        Having::from_node(self.node.and(other.node))
    }

    /// Groups that meet either.
    pub fn or(self, other: Having<E>) -> Self {
        Having::from_node(self.node.or(other.node))
    }

    /// Groups that do not meet it.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Self {
        Having::from_node(self.node.not())
    }
}

/// What a [`Select`] says, without its types: the part that writes and binds its statement.
#[derive(Clone)]
pub(crate) struct SelectParts {
    pub(crate) items: Vec<ExprNode>,
    pub(crate) distinct: bool,
    pub(crate) filter: Node,
    pub(crate) group: Vec<ExprNode>,
    pub(crate) having: Node,
    pub(crate) order: Vec<(ExprNode, bool)>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
}

/// A query over `E`'s rows returning rows of type `O` instead of entities: columns (also of
/// associated entities: a `#[many_to_one]` path is an inner join, a `#[one_to_many]` path a
/// left join, so a parent without children still has its group), aggregates (`count`, `sum`,
/// `avg`, `min`, `max`), `distinct`, a [`Spec`] as its WHERE, `group_by`, `having`, sorting
/// and limits. Run it with `Repository::fetch_select` (rows typed `O`) or
/// `Repository::fetch_select_as` (a `#[derive(Projection)]` struct, by column alias); use it
/// as a subquery with `Field::in_select` and `Spec::exists`. Its statement text is built once
/// per shape.
///
/// A selected column that is not aggregated must be one of the `group_by` expressions when
/// anything is aggregated or grouped: every database then agrees on the result (MariaDB and
/// SQLite would otherwise return an arbitrary row's value), and a mistake is a
/// [`DataError::InvalidArgument`](crate::error::DataError::InvalidArgument) before any
/// statement runs.
///
/// ```no_run
/// use framework_data::prelude::*;
/// # #[derive(Entity, Debug, Clone)] #[entity(table = "accounts", crate = "framework_data")]
/// # struct Account { #[id(generated)] id: i64, owner: String, balance_cents: i64 }
/// # async fn demo(accounts: Repository<Account>) -> DataResult<()> {
/// let f = Account::fields();
/// let q = Select::of((f.owner(), f.balance_cents().sum().as_("total")))
///     .group_by(f.owner())
///     .order_by_asc(f.owner());
/// let totals: Vec<(String, Option<i64>)> = accounts.fetch_select(&q).await?;
/// let owners: Vec<String> = accounts.fetch_select(&Select::of(f.owner()).distinct()).await?;
/// # Ok(()) }
/// ```
pub struct Select<E, O> {
    pub(crate) parts: SelectParts,
    _types: PhantomData<fn() -> (E, O)>,
}

impl<E, O> Clone for Select<E, O> {
    fn clone(&self) -> Self {
        Select {
            parts: self.parts.clone(),
            _types: PhantomData,
        }
    }
}

impl<E, O> std::fmt::Debug for Select<E, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut key = String::new();
        self.parts.shape(&mut key);
        f.debug_tuple("Select").field(&key).finish()
    }
}

impl<E> Select<E, ()> {
    /// A query returning `selection` (a field, an expression, or a tuple of them) for each
    /// row or group.
    pub fn of<S: Selection<E>>(selection: S) -> Select<E, S::Output> {
        Select {
            parts: SelectParts {
                items: selection.expressions().into_iter().map(|e| e.node).collect(),
                distinct: false,
                filter: Node::True,
                group: Vec::new(),
                having: Node::True,
                order: Vec::new(),
                limit: None,
                offset: None,
            },
            _types: PhantomData,
        }
    }
}

impl<E, O> Select<E, O> {
    /// Each distinct row once (`SELECT DISTINCT`).
    pub fn distinct(mut self) -> Self {
        self.parts.distinct = true;
        self
    }

    /// Only the rows `spec` matches (`WHERE`, before grouping); called again, both apply.
    pub fn filter(mut self, spec: impl Into<Spec<E>>) -> Self {
        let filter = std::mem::replace(&mut self.parts.filter, Node::True);
        self.parts.filter = filter.and(spec.into().node);
        self
    }

    /// Groups the rows by `key` (`GROUP BY`); called again, by both keys.
    pub fn group_by(mut self, key: impl IntoExpr<E>) -> Self {
        self.parts.group.push(key.into_expr().node);
        self
    }

    /// Only the groups `having` holds for (`HAVING`); called again, both apply.
    pub fn having(mut self, having: Having<E>) -> Self {
        let before = std::mem::replace(&mut self.parts.having, Node::True);
        self.parts.having = before.and(having.node);
        self
    }

    /// Sorts by `key`, ascending (after the keys given before).
    pub fn order_by_asc(mut self, key: impl IntoExpr<E>) -> Self {
        self.parts.order.push((key.into_expr().node, false));
        self
    }

    /// Sorts by `key`, descending (after the keys given before).
    pub fn order_by_desc(mut self, key: impl IntoExpr<E>) -> Self {
        self.parts.order.push((key.into_expr().node, true));
        self
    }

    /// At most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.parts.limit = Some(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.parts.offset = Some(n);
        self
    }
}

impl SelectParts {
    /// The statement text's cache key: everything but the bound values.
    pub(crate) fn shape(&self, key: &mut String) {
        key.push_str(if self.distinct { "select distinct " } else { "select " });
        for e in &self.items {
            e.shape(key);
            key.push(',');
        }
        key.push_str(" where ");
        self.filter.shape(key);
        key.push_str(" group ");
        for e in &self.group {
            e.shape(key);
            key.push(',');
        }
        key.push_str(" having ");
        self.having.shape(key);
        key.push_str(" order ");
        for (e, desc) in &self.order {
            e.shape(key);
            key.push(if *desc { '-' } else { '+' });
        }
        if self.limit.is_some() || self.offset.is_some() {
            key.push_str(" limit");
        }
    }
}
