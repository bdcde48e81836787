//! Subqueries: a [`Select`] inside a condition (`IN (SELECT ..)`, `EXISTS (SELECT ..)`) and a
//! condition on an associated entity's rows (`Owner::fields().pets().any(..)`). Each becomes
//! a node of the outer tree that writes, binds and records itself, since only it knows its
//! entity.

use std::marker::PhantomData;
use std::sync::Arc;

use framework_vocabulary::Op;

use super::field::Field;
use super::select::{Comparable, Select, SelectParts};
use super::spec::{Node, Spec, SubTree, Value};
use super::write::{Scope, bind_node, bind_select, record_reads, record_select_reads, write_node, write_select};
use crate::entity::Entity;
use crate::error::DataResult;
use crate::sql::Visibility;
use crate::sql::dialect::DialectSql;
use crate::value::{Args, BoxDynError};

impl<E, T> Field<E, T> {
    /// `IN (SELECT ..)`: the values `select` returns (one expression, of this field's type).
    /// Like any `IN`, a NULL among them matches nothing.
    ///
    /// ```no_run
    /// use framework_data::prelude::*;
    /// # #[derive(Entity, Debug, Clone)] #[entity(table = "accounts", crate = "framework_data")]
    /// # struct Account { #[id(generated)] id: i64, owner: String }
    /// # #[derive(Entity, Debug, Clone)] #[entity(table = "blocked", crate = "framework_data")]
    /// # struct Blocked { #[id(generated)] id: i64, owner: String, active: bool }
    /// let blocked = Select::of(Blocked::fields().owner()).filter(Blocked::fields().active().is_true());
    /// let spec: Spec<Account> = Account::fields().owner().not_in_select(blocked);
    /// ```
    pub fn in_select<S: crate::entity::Entity, U: Comparable<T> + 'static>(
        &self,
        select: Select<S, U>,
    ) -> Spec<E> {
        self.leaf(Op::In, Value::Select(Arc::new(SelectOf::<S>::new(select.parts))))
    }

    /// `NOT IN (SELECT ..)`. As in SQL, a NULL among the values makes it match no row.
    pub fn not_in_select<S: crate::entity::Entity, U: Comparable<T> + 'static>(
        &self,
        select: Select<S, U>,
    ) -> Spec<E> {
        self.leaf(Op::NotIn, Value::Select(Arc::new(SelectOf::<S>::new(select.parts))))
    }
}

impl<E> Spec<E> {
    /// Rows for which `select` returns a row (`EXISTS (SELECT ..)`); `select` is not
    /// correlated with the outer row (for "some related row meets ..", see the `any` method of
    /// an association's path, e.g. `Owner::fields().pets().any(..)`).
    pub fn exists<S: Entity, O: 'static>(select: Select<S, O>) -> Self {
        Spec::from_node(Node::Exists(Arc::new(SelectOf::<S>::new(select.parts))))
    }

    /// Rows that some `T` reached through the association `head` meets `inner` for (generated
    /// `any` methods call it).
    #[doc(hidden)]
    pub fn any_through<T: Entity>(head: &'static str, inner: Spec<T>) -> Self {
        Spec::from_node(Node::Any {
            head,
            inner: Arc::new(NestedSpec::<T>::new(inner.node)),
        })
    }
}

/// The condition of a `Spec<T>` nested in another entity's tree.
pub(crate) struct NestedSpec<T> {
    node: Node,
    _entity: PhantomData<fn() -> T>,
}

impl<T> NestedSpec<T> {
    pub(crate) fn new(node: Node) -> Self {
        NestedSpec {
            node,
            _entity: PhantomData,
        }
    }
}

impl<T: Entity> SubTree for NestedSpec<T> {
    fn write(&self, sql: &dyn DialectSql, ph: &mut dyn FnMut(&mut String), out: &mut String) -> DataResult<()> {
        write_node::<T>(&self.node, sql, Scope::Rows(None), ph, out)
    }

    fn bind(&self, sql: &dyn DialectSql, args: &mut Args) -> Result<(), BoxDynError> {
        bind_node(&self.node, sql, args)
    }

    fn shape(&self, key: &mut String) {
        self.node.shape(key);
    }

    fn record_reads(&self) {
        record_reads::<T>(&self.node);
    }
}

/// A `Select<E, _>` used as a subquery.
pub(crate) struct SelectOf<E> {
    parts: SelectParts,
    _entity: PhantomData<fn() -> E>,
}

impl<E> SelectOf<E> {
    pub(crate) fn new(parts: SelectParts) -> Self {
        SelectOf {
            parts,
            _entity: PhantomData,
        }
    }
}

impl<E: Entity> SubTree for SelectOf<E> {
    fn write(&self, sql: &dyn DialectSql, ph: &mut dyn FnMut(&mut String), out: &mut String) -> DataResult<()> {
        // A subquery sees the live rows.
        write_select::<E>(&self.parts, sql, Visibility::Live, ph, out)
    }

    fn bind(&self, sql: &dyn DialectSql, args: &mut Args) -> Result<(), BoxDynError> {
        bind_select(&self.parts, sql, args)
    }

    fn shape(&self, key: &mut String) {
        self.parts.shape(key);
    }

    fn record_reads(&self) {
        record_select_reads::<E>(&self.parts);
    }
}

