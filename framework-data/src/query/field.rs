//! Typed field paths: [`Field<E, T>`] names a column of entity `E` whose Rust type is `T`, so
//! that a comparison takes only values of that type (`balance_cents().gt(100_i64)` compiles,
//! `.gt("x")` does not).

use std::marker::PhantomData;
use std::sync::Arc;

use framework_vocabulary::Op;

use super::spec::{Arg, Leaf, Node, Spec, Value};
use crate::value::SqlValue;

/// A value a comparison with a field of type `T` takes: a `T`, the `T` of an `Option<T>`
/// field, or a `&str` for a text field.
#[diagnostic::on_unimplemented(
    message = "a field of type `{T}` cannot be compared with `{Self}`",
    note = "compare a field with a value of its own type (for an `Option<T>` field, a `T`; for text, a `&str` or `String`)"
)]
pub trait Operand<T> {
    /// The value, ready to bind.
    #[doc(hidden)]
    fn into_arg(self) -> Arg;
}

impl<T: SqlValue> Operand<T> for T {
    fn into_arg(self) -> Arg {
        Arc::new(self)
    }
}

impl<T: SqlValue> Operand<Option<T>> for T {
    fn into_arg(self) -> Arg {
        Arc::new(self)
    }
}

impl Operand<String> for &str {
    fn into_arg(self) -> Arg {
        Arc::new(self.to_owned())
    }
}

impl Operand<Option<String>> for &str {
    fn into_arg(self) -> Arg {
        Arc::new(self.to_owned())
    }
}

/// Field types that hold text: `String` and `Option<String>`, the types `like`,
/// `starts_with` and `ignore_case` apply to.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not text: `like`, `starts_with`, `ends_with`, `contains` and `ignore_case` are for `String` fields"
)]
pub trait TextValue {}
impl TextValue for String {}
impl TextValue for Option<String> {}

/// The column of field `name` of entity `E` (reached through the association `head`, when
/// given), whose Rust type is `T`. `Account::fields().owner()` returns one; its methods build
/// a [`Spec<E>`].
///
/// ```no_run
/// use framework_data::prelude::*;
/// # #[derive(Entity, Debug, Clone)] #[entity(table = "accounts", crate = "framework_data")]
/// # struct Account { #[id(generated)] id: i64, owner: String, balance_cents: i64, note: Option<String> }
/// let f = Account::fields();
/// let spec: Spec<Account> = f.balance_cents().between(100, 500)
///     .and(f.owner().ignore_case().contains("ann"))
///     .and(f.note().is_null().or(f.note().ne("vip")));
/// ```
pub struct Field<E, T> {
    head: Option<&'static str>,
    name: &'static str,
    ignore_case: bool,
    _types: PhantomData<fn() -> (E, T)>,
}

impl<E, T> Clone for Field<E, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E, T> Copy for Field<E, T> {}

impl<E, T> std::fmt::Debug for Field<E, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.head {
            Some(head) => write!(f, "Field({head}.{})", self.name),
            None => write!(f, "Field({})", self.name),
        }
    }
}

impl<E, T> Field<E, T> {
    /// The field `name`, through the association `head` when given (generated code calls it).
    #[doc(hidden)]
    pub const fn new(head: Option<&'static str>, name: &'static str) -> Self {
        Field {
            head,
            name,
            ignore_case: false,
            _types: PhantomData,
        }
    }

    /// The property path: `name`, or `head.name`.
    pub fn property(&self) -> String {
        match self.head {
            Some(head) => format!("{head}.{}", self.name),
            None => self.name.to_owned(),
        }
    }

    pub(crate) fn head(&self) -> Option<&'static str> {
        self.head
    }

    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    pub(super) fn leaf(&self, op: Op, value: Value) -> Spec<E> {
        Spec::from_node(Node::Leaf(Leaf {
            head: self.head,
            name: self.name,
            func: None,
            op,
            ignore_case: self.ignore_case,
            value,
        }))
    }

    fn one(&self, op: Op, v: Arg) -> Spec<E> {
        self.leaf(op, Value::Args(vec![v]))
    }

    /// `= value` (case-insensitive after [`ignore_case`](Self::ignore_case)).
    pub fn eq(&self, value: impl Operand<T>) -> Spec<E> {
        self.one(Op::Eq, value.into_arg())
    }

    /// `<> value`. Like SQL, it does not match NULL.
    pub fn ne(&self, value: impl Operand<T>) -> Spec<E> {
        self.one(Op::Ne, value.into_arg())
    }

    /// `< value`.
    pub fn lt(&self, value: impl Operand<T>) -> Spec<E> {
        self.one(Op::Lt, value.into_arg())
    }

    /// `<= value`.
    pub fn le(&self, value: impl Operand<T>) -> Spec<E> {
        self.one(Op::Le, value.into_arg())
    }

    /// `> value`.
    pub fn gt(&self, value: impl Operand<T>) -> Spec<E> {
        self.one(Op::Gt, value.into_arg())
    }

    /// `>= value`.
    pub fn ge(&self, value: impl Operand<T>) -> Spec<E> {
        self.one(Op::Ge, value.into_arg())
    }

    /// `BETWEEN low AND high` (both included).
    pub fn between(&self, low: impl Operand<T>, high: impl Operand<T>) -> Spec<E> {
        self.leaf(Op::Between, Value::Args(vec![low.into_arg(), high.into_arg()]))
    }

    /// `IN (values)`; an empty list matches no row.
    pub fn in_<V: Operand<T>>(&self, values: impl IntoIterator<Item = V>) -> Spec<E> {
        let list = values.into_iter().map(Operand::into_arg).collect();
        self.leaf(Op::In, Value::List(list))
    }

    /// `NOT IN (values)`; an empty list matches every row (NULLs excepted, as in SQL).
    pub fn not_in<V: Operand<T>>(&self, values: impl IntoIterator<Item = V>) -> Spec<E> {
        let list = values.into_iter().map(Operand::into_arg).collect();
        self.leaf(Op::NotIn, Value::List(list))
    }

    /// `IS NULL`.
    pub fn is_null(&self) -> Spec<E> {
        self.leaf(Op::IsNull, Value::Args(Vec::new()))
    }

    /// `IS NOT NULL`.
    pub fn is_not_null(&self) -> Spec<E> {
        self.leaf(Op::IsNotNull, Value::Args(Vec::new()))
    }
}

impl<E> Field<E, bool> {
    /// `= TRUE`.
    pub fn is_true(&self) -> Spec<E> {
        self.leaf(Op::True, Value::Args(Vec::new()))
    }

    /// `= FALSE`.
    pub fn is_false(&self) -> Spec<E> {
        self.leaf(Op::False, Value::Args(Vec::new()))
    }
}

impl<E, T: TextValue> Field<E, T> {
    /// The same field, compared case-insensitively by `eq`, `ne` and the pattern methods
    /// (`LOWER` on both sides; on SQLite, whose `LOWER` folds ASCII only, a Unicode regular
    /// expression for patterns).
    pub fn ignore_case(self) -> Self {
        Field {
            ignore_case: true,
            ..self
        }
    }

    fn pattern(&self, op: Op, value: &str) -> Spec<E> {
        self.leaf(op, Value::Pattern(value.to_owned()))
    }

    /// `LIKE pattern`, the pattern as given (`%` any run, `_` any one character).
    pub fn like(&self, pattern: &str) -> Spec<E> {
        self.pattern(Op::Like, pattern)
    }

    /// `NOT LIKE pattern`.
    pub fn not_like(&self, pattern: &str) -> Spec<E> {
        self.pattern(Op::NotLike, pattern)
    }

    /// Starts with `prefix`, taken literally (`%` and `_` in it are escaped).
    pub fn starts_with(&self, prefix: &str) -> Spec<E> {
        self.pattern(Op::StartsWith, prefix)
    }

    /// Ends with `suffix`, taken literally.
    pub fn ends_with(&self, suffix: &str) -> Spec<E> {
        self.pattern(Op::EndsWith, suffix)
    }

    /// Contains `part`, taken literally.
    pub fn contains(&self, part: &str) -> Spec<E> {
        self.pattern(Op::Contains, part)
    }
}

/// An entity's typed field paths as another entity reaches them, generated by
/// `#[derive(Entity)]`: `Path<R>` (`OwnerPath<Pet>`) names the entity's fields as seen from
/// entity `R` through one of `R`'s associations (`Pet::fields().owner().last_name()`).
pub trait HasFields {
    /// The fields as seen from `R`.
    type Path<R>;

    /// Its fields as seen from `R`, through `R`'s association `head`.
    #[doc(hidden)]
    fn path<R>(head: &'static str) -> Self::Path<R>;
}
