//! [`Spec`]: a condition on an entity's rows, built at run time from typed field paths and
//! combined with `and`, `or` and `not`.

use std::marker::PhantomData;
use std::sync::Arc;

use framework_vocabulary::Op;

use crate::error::DataResult;
use crate::sql::dialect::DialectSql;
use crate::value::{Args, BoxDynError, QueryArg};

/// A bound value, shared so that a specification can be cloned and reused.
pub(crate) type Arg = Arc<dyn QueryArg + Send + Sync>;

/// What one condition binds.
#[derive(Clone)]
pub(crate) enum Value {
    /// One value per placeholder.
    Args(Vec<Arg>),
    /// The text of a LIKE-family condition (escaped and wrapped per dialect when bound).
    Pattern(String),
    /// An IN-list.
    List(Vec<Arg>),
    /// `IN (SELECT ..)`: the subquery's values.
    Select(Arc<dyn SubTree>),
}

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    /// `COUNT(*)`.
    CountAll,
    /// `COUNT(col)`: the non-NULL values.
    Count,
    /// `COUNT(DISTINCT col)`.
    CountDistinct,
    /// `SUM(col)`.
    Sum,
    /// `AVG(col)`.
    Avg,
    /// `MIN(col)`.
    Min,
    /// `MAX(col)`.
    Max,
}

impl Func {
    /// Its name in a shape key and in a default alias.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Func::CountAll | Func::Count => "count",
            Func::CountDistinct => "count_distinct",
            Func::Sum => "sum",
            Func::Avg => "avg",
            Func::Min => "min",
            Func::Max => "max",
        }
    }
}

/// A part of a tree over another entity's rows: a subquery (`IN (SELECT ..)`, `EXISTS (SELECT
/// ..)`) or a condition reached through an association (`any`). It writes, binds and records
/// itself, since only it knows its entity.
pub(crate) trait SubTree: Send + Sync {
    fn write(&self, sql: &dyn DialectSql, ph: &mut dyn FnMut(&mut String), out: &mut String) -> DataResult<()>;
    fn bind(&self, sql: &dyn DialectSql, args: &mut Args) -> Result<(), BoxDynError>;
    fn shape(&self, key: &mut String);
    fn record_reads(&self);
}

/// One condition: a property path (`owner`, or `owner.last_name` through an association),
/// its comparison and its values.
#[derive(Clone)]
pub(crate) struct Leaf {
    pub(crate) head: Option<&'static str>,
    pub(crate) name: &'static str,
    /// The aggregate over the column, in a HAVING condition.
    pub(crate) func: Option<Func>,
    pub(crate) op: Op,
    pub(crate) ignore_case: bool,
    pub(crate) value: Value,
}

impl Leaf {
    /// The property path as derived queries and sorts name it.
    pub(crate) fn property(&self) -> std::borrow::Cow<'static, str> {
        match self.head {
            Some(head) => format!("{head}.{}", self.name).into(),
            None => self.name.into(),
        }
    }
}

/// The tree of a specification.
#[derive(Clone)]
pub(crate) enum Node {
    /// No condition: every row.
    True,
    /// All of them.
    And(Vec<Node>),
    /// Any of them.
    Or(Vec<Node>),
    /// Not it.
    Not(Box<Node>),
    /// One condition.
    Leaf(Leaf),
    /// Some row reached through the association `head` meets the nested condition.
    Any {
        head: &'static str,
        inner: Arc<dyn SubTree>,
    },
    /// The subquery returns a row.
    Exists(Arc<dyn SubTree>),
}

/// A condition on `E`'s rows (Spring Data's `Specification<T>`), built from the typed field
/// paths `#[derive(Entity)]` generates (`Account::fields()`), for the `*_by` repository
/// methods (`find_all_by`, `count_by_spec`, `delete_by_spec`, ...). Values are always bound;
/// the statement text is built once per shape (the tree without its values).
///
/// ```no_run
/// use framework_data::prelude::*;
///
/// #[derive(Entity, Debug, Clone)]
/// #[entity(table = "accounts", crate = "framework_data")] // `crate` only inside this crate's docs
/// pub struct Account {
///     #[id(generated)] pub id: i64,
///     pub owner: String,
///     pub balance_cents: i64,
///     pub closed_at: Option<DateTime<Utc>>,
/// }
///
/// /// A search form: every filter optional.
/// fn search(owner: Option<&str>, min_balance: Option<i64>) -> Spec<Account> {
///     let f = Account::fields();
///     let mut spec = Spec::all().and(f.closed_at().is_null());
///     if let Some(owner) = owner {
///         spec = spec.and(f.owner().ignore_case().starts_with(owner));
///     }
///     if let Some(min) = min_balance {
///         spec = spec.and(f.balance_cents().ge(min));
///     }
///     spec
/// }
///
/// # async fn demo(accounts: Repository<Account>) -> DataResult<()> {
/// let rich = accounts.find_all_by(search(Some("an"), Some(10_000))).await?;
/// # Ok(()) }
/// ```
pub struct Spec<E> {
    pub(crate) node: Node,
    _entity: PhantomData<fn() -> E>,
}

impl<E> Clone for Spec<E> {
    fn clone(&self) -> Self {
        Spec::from_node(self.node.clone())
    }
}

impl<E> std::fmt::Debug for Spec<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut key = String::new();
        self.node.shape(&mut key);
        f.debug_tuple("Spec").field(&key).finish()
    }
}

impl<E> Spec<E> {
    pub(crate) fn from_node(node: Node) -> Self {
        Spec {
            node,
            _entity: PhantomData,
        }
    }

    /// The specification every row meets: the start of a search whose filters are optional.
    pub fn all() -> Self {
        Spec::from_node(Node::True)
    }

    /// Rows that meet both.
    pub fn and(self, other: Spec<E>) -> Self {
        Spec::from_node(self.node.and(other.node))
    }

    /// Rows that meet either.
    pub fn or(self, other: Spec<E>) -> Self {
        Spec::from_node(self.node.or(other.node))
    }

    /// Rows that do not meet it. SQL's three-valued logic applies: `not(x = 1)` does not
    /// match rows where `x` is NULL, as in Spring Data's `Specification.not`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Self {
        Spec::from_node(self.node.not())
    }

    /// Whether it is [`Spec::all`] (no condition).
    pub fn is_all(&self) -> bool {
        matches!(self.node, Node::True)
    }
}

impl<E> std::ops::Not for Spec<E> {
    type Output = Spec<E>;
    fn not(self) -> Spec<E> {
        Spec::not(self)
    }
}

impl Node {
    /// Both.
    pub(crate) fn and(self, other: Node) -> Node {
        match (self, other) {
            (Node::True, n) | (n, Node::True) => n,
            (Node::And(mut a), Node::And(b)) => {
                a.extend(b);
                Node::And(a)
            }
            (Node::And(mut a), n) => {
                a.push(n);
                Node::And(a)
            }
            (a, b) => Node::And(vec![a, b]),
        }
    }

    /// Either.
    pub(crate) fn or(self, other: Node) -> Node {
        match (self, other) {
            (Node::True, _) | (_, Node::True) => Node::True,
            (Node::Or(mut a), Node::Or(b)) => {
                a.extend(b);
                Node::Or(a)
            }
            (Node::Or(mut a), n) => {
                a.push(n);
                Node::Or(a)
            }
            (a, b) => Node::Or(vec![a, b]),
        }
    }

    /// Not it.
    pub(crate) fn not(self) -> Node {
        match self {
            Node::Not(inner) => *inner,
            n => Node::Not(Box::new(n)),
        }
    }

    /// Appends the shape of the tree (its statement text's cache key): operators, paths and
    /// list lengths, not values.
    pub(crate) fn shape(&self, key: &mut String) {
        match self {
            Node::True => key.push('T'),
            Node::And(children) | Node::Or(children) => {
                key.push(if matches!(self, Node::And(_)) { '&' } else { '|' });
                key.push('(');
                for c in children {
                    c.shape(key);
                    key.push(',');
                }
                key.push(')');
            }
            Node::Not(inner) => {
                key.push('!');
                inner.shape(key);
            }
            Node::Leaf(leaf) => {
                if let Some(head) = leaf.head {
                    key.push_str(head);
                    key.push('.');
                }
                key.push_str(leaf.name);
                if let Some(func) = leaf.func {
                    key.push('@');
                    key.push_str(func.name());
                }
                key.push(' ');
                key.push_str(leaf.op.name());
                if leaf.ignore_case {
                    key.push('~');
                }
                match &leaf.value {
                    Value::List(values) => {
                        key.push('[');
                        key.push_str(&padded(values.len()).to_string());
                        key.push(']');
                    }
                    Value::Select(sub) => {
                        key.push('(');
                        sub.shape(key);
                        key.push(')');
                    }
                    Value::Args(_) | Value::Pattern(_) => {}
                }
            }
            Node::Any { head, inner } => {
                key.push_str("any ");
                key.push_str(head);
                key.push('(');
                inner.shape(key);
                key.push(')');
            }
            Node::Exists(sub) => {
                key.push_str("exists(");
                sub.shape(key);
                key.push(')');
            }
        }
    }
}

/// An IN-list's length padded to a power of two (0 stays 0), so that few texts exist.
pub(crate) fn padded(n: usize) -> usize {
    if n == 0 { 0 } else { n.next_power_of_two() }
}
