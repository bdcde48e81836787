//! Writing and binding what the query builders describe: a [`Spec`](super::Spec)'s tree as a
//! WHERE condition, a [`Select`](super::Select)'s statement, and their subqueries. A text is
//! written once per shape and the values bound per call in the same order as their
//! placeholders, so each writer here has a binder beside it that walks the same tree.

use super::condition::{self, Shape};
use super::path::{Link, association_site, condition_site, link, qualified, record_path_read, unknown_property};
use super::select::{ExprNode, SelectParts};
use super::spec::{Func, Leaf, Node, Value, padded};
use crate::entity::Entity;
use crate::error::{DataError, DataResult};
use crate::sql::Visibility;
use crate::sql::dialect::DialectSql;
use crate::value::{Args, BoxDynError, QueryArg, SqlType};

/// Where a tree's conditions are written.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    /// A WHERE clause over the entity's rows; columns qualified by the table's name when given.
    Rows(Option<&'a str>),
    /// A HAVING clause over the groups of a [`Select`](super::Select) from `table`: columns as
    /// the select names them (through its joins), aggregates included.
    Groups(&'a str),
}

/// Writes the tree's condition (`1 = 1` for no condition); placeholders in tree order.
pub(crate) fn write_node<E: Entity>(
    node: &Node,
    sql: &dyn DialectSql,
    scope: Scope<'_>,
    ph: &mut dyn FnMut(&mut String),
    out: &mut String,
) -> DataResult<()> {
    match node {
        Node::True => out.push_str("1 = 1"),
        Node::And(children) | Node::Or(children) => {
            let joint = if matches!(node, Node::And(_)) {
                " AND "
            } else {
                " OR "
            };
            out.push('(');
            for (i, c) in children.iter().enumerate() {
                if i > 0 {
                    out.push_str(joint);
                }
                write_node::<E>(c, sql, scope, ph, out)?;
            }
            out.push(')');
        }
        Node::Not(inner) => {
            out.push_str("NOT (");
            write_node::<E>(inner, sql, scope, ph, out)?;
            out.push(')');
        }
        Node::Leaf(leaf) => {
            let (col, before, after) = match scope {
                Scope::Rows(qualifier) if leaf.func.is_none() => {
                    condition_site::<E>(&leaf.property(), sql, qualifier)?
                }
                Scope::Rows(_) => {
                    return Err(DataError::InvalidArgument(format!(
                        "{}: an aggregate ({}) can only be compared in a select's `having`",
                        E::metadata().name,
                        leaf.property()
                    )));
                }
                Scope::Groups(table) => {
                    let mut col = String::new();
                    let node = ExprNode {
                        head: leaf.head,
                        name: leaf.name,
                        func: leaf.func,
                        alias: None,
                    };
                    write_expr::<E>(&node, sql, table, &mut col)?;
                    (col, String::new(), "")
                }
            };
            out.push_str(&before);
            match &leaf.value {
                Value::Select(sub) => {
                    out.push_str(&col);
                    out.push_str(if leaf.op == framework_vocabulary::Op::NotIn {
                        " NOT IN ("
                    } else {
                        " IN ("
                    });
                    sub.write(sql, ph, out)?;
                    out.push(')');
                }
                value => {
                    let shape = match value {
                        Value::List(values) => Shape::List(padded(values.len())),
                        _ => Shape::Plain,
                    };
                    condition::write(sql, &col, leaf.op, leaf.ignore_case, shape, ph, out);
                }
            }
            out.push_str(after);
        }
        Node::Any { head, inner } => {
            let qualifier = match scope {
                Scope::Rows(q) => q,
                Scope::Groups(table) => Some(table),
            };
            let Some((before, _)) = association_site::<E>(head, head, sql, qualifier)? else {
                return Err(unknown_property(E::metadata(), head));
            };
            out.push_str(&before);
            inner.write(sql, ph, out)?;
            out.push(')');
        }
        Node::Exists(sub) => {
            out.push_str("EXISTS (");
            sub.write(sql, ph, out)?;
            out.push(')');
        }
    }
    Ok(())
}

/// Binds the tree's values in the order `write_node` wrote their placeholders.
pub(crate) fn bind_node(node: &Node, sql: &dyn DialectSql, args: &mut Args) -> Result<(), BoxDynError> {
    match node {
        Node::True => {}
        Node::And(children) | Node::Or(children) => {
            for c in children {
                bind_node(c, sql, args)?;
            }
        }
        Node::Not(inner) => bind_node(inner, sql, args)?,
        Node::Leaf(Leaf {
            op,
            ignore_case,
            value,
            ..
        }) => match value {
            Value::Args(values) => {
                for v in values {
                    v.bind_to(args)?;
                }
            }
            Value::Pattern(text) => {
                args.add(&condition::pattern(sql, *op, *ignore_case, text))?;
            }
            Value::List(values) => {
                let refs: Vec<&(dyn QueryArg + Send + Sync)> = values.iter().map(|v| v.as_ref()).collect();
                args.add_padded_list(refs)?;
            }
            Value::Select(sub) => sub.bind(sql, args)?,
        },
        Node::Any { inner, .. } => inner.bind(sql, args)?,
        Node::Exists(sub) => sub.bind(sql, args)?,
    }
    Ok(())
}

/// Records, for the query cache, the tables the tree's association paths and subqueries read
/// (the entity's own table is recorded by the statement that runs it).
pub(crate) fn record_reads<E: Entity>(node: &Node) {
    match node {
        Node::True => {}
        Node::And(children) | Node::Or(children) => {
            for c in children {
                record_reads::<E>(c);
            }
        }
        Node::Not(inner) => record_reads::<E>(inner),
        Node::Leaf(leaf) => {
            if let Some(head) = leaf.head {
                record_path_read::<E>(head);
            }
            if let Value::Select(sub) = &leaf.value {
                sub.record_reads();
            }
        }
        Node::Any { head, inner } => {
            record_path_read::<E>(head);
            inner.record_reads();
        }
        Node::Exists(sub) => sub.record_reads(),
    }
}

/// Records the tables a select reads: its own, its joins', its conditions'.
pub(crate) fn record_select_reads<E: Entity>(parts: &SelectParts) {
    crate::cache::query::record_read(E::metadata().table);
    for e in parts.expressions() {
        if let Some(head) = e.head {
            record_path_read::<E>(head);
        }
    }
    record_reads::<E>(&parts.filter);
    record_reads::<E>(&parts.having);
}

impl SelectParts {
    /// Every expression it selects, groups or sorts by (the ones that need joins).
    fn expressions(&self) -> impl Iterator<Item = &ExprNode> {
        self.items
            .iter()
            .chain(&self.group)
            .chain(self.order.iter().map(|(e, _)| e))
    }

    /// Whether it aggregates: an aggregate anywhere, or a GROUP BY.
    fn aggregates(&self) -> bool {
        let mut having = false;
        self.having.visit_leaves(&mut |leaf| having |= leaf.func.is_some());
        !self.group.is_empty() || having || self.expressions().any(|e| e.func.is_some())
    }
}

impl Node {
    fn visit_leaves(&self, f: &mut dyn FnMut(&Leaf)) {
        match self {
            Node::And(children) | Node::Or(children) => {
                for c in children {
                    c.visit_leaves(f);
                }
            }
            Node::Not(inner) => inner.visit_leaves(f),
            Node::Leaf(leaf) => f(leaf),
            Node::True | Node::Any { .. } | Node::Exists(_) => {}
        }
    }
}

/// The alias a joined association's table goes by.
fn join_alias(head: &str) -> String {
    format!("j_{head}")
}

/// Writes the expression as the select from `table` names it.
fn write_expr<E: Entity>(e: &ExprNode, sql: &dyn DialectSql, table: &str, out: &mut String) -> DataResult<()> {
    let meta = E::metadata();
    if e.func == Some(Func::CountAll) {
        out.push_str("COUNT(*)");
        return Ok(());
    }
    let mut column = String::new();
    let sql_type = match e.head {
        None => {
            let (_, c) = meta.property(e.name).ok_or_else(|| unknown_property(meta, e.name))?;
            qualified(sql, Some(table), c.column, &mut column);
            c.sql_type
        }
        Some(head) => {
            let target = joined::<E>(head)?.target();
            let (_, c) = target.property(e.name).ok_or_else(|| unknown_property(target, e.name))?;
            qualified(sql, Some(&join_alias(head)), c.column, &mut column);
            c.sql_type
        }
    };
    let Some(func) = e.func else {
        out.push_str(&column);
        return Ok(());
    };
    let integer = matches!(sql_type, SqlType::SmallInt | SqlType::Int | SqlType::BigInt);
    // Each database has its own result type for SUM and AVG (PostgreSQL: numeric for a
    // bigint sum; MySQL: decimal); the cast gives the Rust type the expression promises.
    let cast = match func {
        Func::Sum if integer => sql.integer_cast(),
        Func::Sum if matches!(sql_type, SqlType::Real | SqlType::Double) => sql.double_cast(),
        Func::Avg => sql.double_cast(),
        _ => None,
    };
    if cast.is_some() {
        out.push_str("CAST(");
    }
    out.push_str(match func {
        Func::Count | Func::CountDistinct | Func::CountAll => "COUNT(",
        Func::Sum => "SUM(",
        Func::Avg => "AVG(",
        Func::Min => "MIN(",
        Func::Max => "MAX(",
    });
    if func == Func::CountDistinct {
        out.push_str("DISTINCT ");
    }
    out.push_str(&column);
    out.push(')');
    if let Some(cast) = cast {
        out.push_str(" AS ");
        out.push_str(cast);
        out.push(')');
    }
    Ok(())
}

/// How `E` reaches its association `head`, which a select joins.
fn joined<E: Entity>(head: &str) -> DataResult<Link> {
    link::<E>(head, head)?.ok_or_else(|| unknown_property(E::metadata(), head))
}

/// Writes the join of association `head` from `table`: an inner join to a `#[many_to_one]`'s
/// row, a left join to a `#[one_to_many]`'s live children.
fn write_join<E: Entity>(head: &str, sql: &dyn DialectSql, table: &str, out: &mut String) -> DataResult<()> {
    let alias = join_alias(head);
    let link = joined::<E>(head)?;
    let (kind, own, theirs) = match &link {
        Link::ToOne { fk, id, .. } => (" INNER JOIN ", fk, id),
        Link::ToMany { id, fk, .. } => (" LEFT JOIN ", id, fk),
    };
    let target = link.target();
    out.push_str(kind);
    sql.quote(target.table, out);
    out.push(' ');
    sql.quote(&alias, out);
    out.push_str(" ON ");
    qualified(sql, Some(&alias), theirs, out);
    out.push_str(" = ");
    qualified(sql, Some(table), own, out);
    if matches!(link, Link::ToMany { .. }) {
        let mut quoted = String::new();
        sql.quote(&alias, &mut quoted);
        let mut live = String::new();
        if Visibility::Live.write_condition(target, sql, Some(&quoted), &mut live) {
            out.push_str(" AND ");
            out.push_str(&live);
        }
    }
    Ok(())
}

/// Checks that a grouped select returns only grouped columns and aggregates.
fn check_grouping<E: Entity>(parts: &SelectParts) -> DataResult<()> {
    if !parts.aggregates() {
        return Ok(());
    }
    let ungrouped = |e: &&ExprNode| e.func.is_none() && !parts.group.iter().any(|g| g.same(e));
    let stray = parts
        .items
        .iter()
        .chain(parts.order.iter().map(|(e, _)| e))
        .find(ungrouped);
    let mut having_stray = None;
    parts.having.visit_leaves(&mut |leaf| {
        let e = ExprNode {
            head: leaf.head,
            name: leaf.name,
            func: leaf.func,
            alias: None,
        };
        if having_stray.is_none() && ungrouped(&&e) {
            having_stray = Some(e.alias());
        }
    });
    match (stray.map(|e| e.alias()), having_stray) {
        (Some(name), _) | (None, Some(name)) => Err(DataError::InvalidArgument(format!(
            "{}: `{name}` is neither aggregated nor one of the select's group_by keys",
            E::metadata().name
        ))),
        (None, None) => Ok(()),
    }
}

/// Writes the select statement (its placeholders from `ph`): see [`Select`](super::Select).
pub(crate) fn write_select<E: Entity>(
    parts: &SelectParts,
    sql: &dyn DialectSql,
    visibility: Visibility,
    ph: &mut dyn FnMut(&mut String),
    out: &mut String,
) -> DataResult<()> {
    let meta = E::metadata();
    if parts.items.is_empty() {
        return Err(DataError::InvalidArgument(format!("{}: a select needs at least one expression", meta.name)));
    }
    check_grouping::<E>(parts)?;
    let table = meta.table;
    out.push_str(if parts.distinct { "SELECT DISTINCT " } else { "SELECT " });
    for (i, e) in parts.items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr::<E>(e, sql, table, out)?;
        out.push_str(" AS ");
        sql.quote(&e.alias(), out);
    }
    out.push_str(" FROM ");
    sql.quote(table, out);
    let mut joined: Vec<&'static str> = Vec::new();
    for head in parts.expressions().filter_map(|e| e.head) {
        if !joined.contains(&head) {
            joined.push(head);
            write_join::<E>(head, sql, table, out)?;
        }
    }
    let mut quoted = String::new();
    sql.quote(table, &mut quoted);
    let mut conds: Vec<String> = Vec::new();
    let mut live = String::new();
    if visibility.write_condition(meta, sql, Some(&quoted), &mut live) {
        conds.push(live);
    }
    if !matches!(parts.filter, Node::True) {
        let mut tree = String::new();
        write_node::<E>(&parts.filter, sql, Scope::Rows(Some(table)), ph, &mut tree)?;
        conds.push(tree);
    }
    for (i, c) in conds.iter().enumerate() {
        out.push_str(if i == 0 { " WHERE " } else { " AND " });
        out.push_str(c);
    }
    for (i, e) in parts.group.iter().enumerate() {
        out.push_str(if i == 0 { " GROUP BY " } else { ", " });
        write_expr::<E>(e, sql, table, out)?;
    }
    if !matches!(parts.having, Node::True) {
        out.push_str(" HAVING ");
        write_node::<E>(&parts.having, sql, Scope::Groups(table), ph, out)?;
    }
    for (i, (e, desc)) in parts.order.iter().enumerate() {
        out.push_str(if i == 0 { " ORDER BY " } else { ", " });
        write_expr::<E>(e, sql, table, out)?;
        if *desc {
            out.push_str(" DESC");
        }
    }
    if parts.limit.is_some() || parts.offset.is_some() {
        out.push_str(" LIMIT ");
        ph(out);
        out.push_str(" OFFSET ");
        ph(out);
    }
    Ok(())
}

/// Binds the select's values in the order `write_select` wrote their placeholders.
pub(crate) fn bind_select(parts: &SelectParts, sql: &dyn DialectSql, args: &mut Args) -> Result<(), BoxDynError> {
    bind_node(&parts.filter, sql, args)?;
    bind_node(&parts.having, sql, args)?;
    if parts.limit.is_some() || parts.offset.is_some() {
        let limit = parts.limit.map_or(i64::MAX, |n| i64::try_from(n).unwrap_or(i64::MAX));
        let offset = parts.offset.map_or(0, |n| i64::try_from(n).unwrap_or(i64::MAX));
        args.add(&limit)?;
        args.add(&offset)?;
    }
    Ok(())
}
