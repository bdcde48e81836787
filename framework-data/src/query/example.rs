//! Query by Example (Spring Data's `Example` and `ExampleMatcher`): a probe entity whose set
//! fields are the condition.

use std::sync::Arc;

use framework_vocabulary::Op;

use super::spec::{Leaf, Node, Spec, Value};
use crate::entity::Entity;
use crate::value::{Args, BoxDynError, QueryArg};

/// How text fields of the probe compare (Spring's `StringMatcher`; `Regex` has no portable SQL
/// and is left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StringMatcher {
    /// Equality (Spring's `DEFAULT`).
    #[default]
    Exact,
    /// The column starts with the probe's text (taken literally: `%` and `_` are escaped).
    Starting,
    /// The column ends with it.
    Ending,
    /// The column contains it.
    Containing,
}

/// What one property's comparison overrides (Spring's `GenericPropertyMatcher`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PropertyMatcher {
    string: Option<StringMatcher>,
    ignore_case: Option<bool>,
}

impl PropertyMatcher {
    /// Equality.
    pub fn exact() -> Self {
        Self::with(StringMatcher::Exact)
    }
    /// Starts with the probe's text.
    pub fn starts_with() -> Self {
        Self::with(StringMatcher::Starting)
    }
    /// Ends with the probe's text.
    pub fn ends_with() -> Self {
        Self::with(StringMatcher::Ending)
    }
    /// Contains the probe's text.
    pub fn contains() -> Self {
        Self::with(StringMatcher::Containing)
    }
    fn with(string: StringMatcher) -> Self {
        PropertyMatcher {
            string: Some(string),
            ignore_case: None,
        }
    }
    /// Ignoring case.
    pub fn ignore_case(mut self) -> Self {
        self.ignore_case = Some(true);
        self
    }
    /// Respecting case (overrides the matcher's `with_ignore_case`).
    pub fn case_sensitive(mut self) -> Self {
        self.ignore_case = Some(false);
        self
    }
}

/// How a probe becomes a condition (Spring Data's `ExampleMatcher`, same defaults):
///
/// - **Which fields**: every field whose value is not NULL, including fields that are not an
///   `Option` (they always hold a value, as Java's primitives do: leave them out with
///   [`with_ignore_paths`](Self::with_ignore_paths)). The id counts when the probe is not new
///   (a generated id of 0 is left out, as Spring leaves out a null id); the fields the
///   framework keeps (`#[version]`, the timestamps and auditors, `#[soft_delete]`) never count.
/// - **NULLs**: `None` fields are left out; [`with_include_null_values`](Self::with_include_null_values)
///   turns them into `IS NULL`.
/// - **Combination**: all of them ([`matching_all`](Self::matching_all), the default) or any
///   ([`matching_any`](Self::matching_any)). A probe with no field left matches every row.
/// - **Text**: equality, case-sensitive; [`with_string_matcher`](Self::with_string_matcher),
///   [`with_ignore_case`](Self::with_ignore_case) and per-path
///   [`with_matcher`](Self::with_matcher) change that.
///
/// Paths are field names (`"owner"`), `"address.city"` for an embedded value's field, or
/// `"address"` for all of its fields.
#[derive(Debug, Clone, Default)]
pub struct ExampleMatcher {
    any: bool,
    include_nulls: bool,
    string: StringMatcher,
    ignore_case: bool,
    ignore_case_paths: Vec<String>,
    ignored: Vec<String>,
    per_path: Vec<(String, PropertyMatcher)>,
}

fn covers(path: &str, property: &str) -> bool {
    property == path
        || property
            .strip_prefix(path)
            .is_some_and(|rest| rest.starts_with('.'))
}

impl ExampleMatcher {
    /// Every set field must match (Spring's `matching()` / `matchingAll()`).
    pub fn matching_all() -> Self {
        Self::default()
    }

    /// Any set field may match.
    pub fn matching_any() -> Self {
        ExampleMatcher {
            any: true,
            ..Self::default()
        }
    }

    /// `None` fields become `IS NULL` conditions.
    pub fn with_include_null_values(mut self) -> Self {
        self.include_nulls = true;
        self
    }

    /// `None` fields are left out (the default).
    pub fn with_ignore_null_values(mut self) -> Self {
        self.include_nulls = false;
        self
    }

    /// How text fields compare, unless a path says otherwise.
    pub fn with_string_matcher(mut self, matcher: StringMatcher) -> Self {
        self.string = matcher;
        self
    }

    /// Text compares ignoring case: every text field with no paths given, else those paths.
    pub fn with_ignore_case<S: Into<String>>(mut self, paths: impl IntoIterator<Item = S>) -> Self {
        let paths: Vec<String> = paths.into_iter().map(Into::into).collect();
        if paths.is_empty() {
            self.ignore_case = true;
        }
        self.ignore_case_paths.extend(paths);
        self
    }

    /// Leaves these paths out.
    pub fn with_ignore_paths<S: Into<String>>(mut self, paths: impl IntoIterator<Item = S>) -> Self {
        self.ignored.extend(paths.into_iter().map(Into::into));
        self
    }

    /// Compares `path` with `matcher`.
    pub fn with_matcher(mut self, path: impl Into<String>, matcher: PropertyMatcher) -> Self {
        self.per_path.push((path.into(), matcher));
        self
    }

    fn matcher_of(&self, property: &str) -> (StringMatcher, bool) {
        let own = self
            .per_path
            .iter()
            .rev()
            .find(|(p, _)| covers(p, property))
            .map(|(_, m)| *m)
            .unwrap_or_default();
        let ignore_case = own.ignore_case.unwrap_or(
            self.ignore_case || self.ignore_case_paths.iter().any(|p| covers(p, property)),
        );
        (own.string.unwrap_or(self.string), ignore_case)
    }
}

/// A probe and its matcher: `Example::of(probe)` with the default matcher, or
/// `Example::matching(probe, matcher)`. It becomes a [`Spec`] (`.into()` or
/// [`to_spec`](Self::to_spec)), so every `*_by` repository method takes it, and it combines
/// with other specifications.
///
/// ```no_run
/// use framework_data::prelude::*;
/// use framework_data::query::{Example, ExampleMatcher, StringMatcher};
/// # #[derive(Entity, Debug, Clone, Default)] #[entity(table = "owners", crate = "framework_data")]
/// # struct Owner { #[id(generated)] id: i64, last_name: String, city: Option<String>, pets: i32 }
/// # async fn demo(owners: Repository<Owner>) -> DataResult<()> {
/// let probe = Owner { last_name: "dav".into(), city: Some("Madison".into()), ..Default::default() };
/// let matcher = ExampleMatcher::matching_all()
///     .with_ignore_paths(["pets"])                       // a number always has a value
///     .with_string_matcher(StringMatcher::Starting)
///     .with_ignore_case(["last_name"]);
/// let found = owners.find_all_by(Example::matching(probe, matcher)).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Example<E> {
    probe: Arc<E>,
    matcher: ExampleMatcher,
}

impl<E: Entity> Example<E> {
    /// `probe` with the default matcher.
    pub fn of(probe: E) -> Self {
        Self::matching(probe, ExampleMatcher::default())
    }

    /// `probe` with `matcher`.
    pub fn matching(probe: E, matcher: ExampleMatcher) -> Self {
        Example {
            probe: Arc::new(probe),
            matcher,
        }
    }

    /// The probe.
    pub fn probe(&self) -> &E {
        &self.probe
    }

    /// The condition it stands for.
    pub fn to_spec(&self) -> Spec<E> {
        let meta = E::metadata();
        let m = &self.matcher;
        let kept = [
            meta.version,
            meta.created_at,
            meta.updated_at,
            meta.created_by,
            meta.last_modified_by,
            meta.soft_delete,
        ];
        let new = self.probe.is_new();
        let mut leaves = Vec::new();
        for (idx, column) in meta.columns.iter().enumerate() {
            if kept.contains(&Some(idx))
                || (new && meta.is_id(idx))
                || m.ignored.iter().any(|p| covers(p, column.field))
            {
                continue;
            }
            let value = self.probe.__fw_column(idx);
            let leaf = |op, ignore_case, value| {
                Node::Leaf(Leaf {
                    head: None,
                    name: column.field,
                    func: None,
                    op,
                    ignore_case,
                    value,
                })
            };
            match value {
                None => {
                    if m.include_nulls {
                        leaves.push(leaf(Op::IsNull, false, Value::Args(Vec::new())));
                    }
                }
                Some(v) if v.is_null() => {
                    if m.include_nulls {
                        leaves.push(leaf(Op::IsNull, false, Value::Args(Vec::new())));
                    }
                }
                Some(v) => {
                    let (string, ignore_case) = m.matcher_of(column.field);
                    let text = v.as_text();
                    let op = match (text, string) {
                        (Some(_), StringMatcher::Starting) => Op::StartsWith,
                        (Some(_), StringMatcher::Ending) => Op::EndsWith,
                        (Some(_), StringMatcher::Containing) => Op::Contains,
                        _ => Op::Eq,
                    };
                    let value = match (op, text) {
                        (Op::Eq, _) | (_, None) => Value::Args(vec![Arc::new(ProbeColumn {
                            probe: self.probe.clone(),
                            idx,
                        })]),
                        (_, Some(t)) => Value::Pattern(t.to_owned()),
                    };
                    leaves.push(leaf(op, ignore_case && text.is_some(), value));
                }
            }
        }
        Spec::from_node(match leaves.len() {
            0 => Node::True,
            1 => leaves.remove(0),
            _ if m.any => Node::Or(leaves),
            _ => Node::And(leaves),
        })
    }
}

impl<E: Entity> From<Example<E>> for Spec<E> {
    fn from(example: Example<E>) -> Spec<E> {
        example.to_spec()
    }
}

/// One column of the probe, bound as the probe holds it.
struct ProbeColumn<E> {
    probe: Arc<E>,
    idx: usize,
}

impl<E: Entity> QueryArg for ProbeColumn<E> {
    fn bind_to(&self, args: &mut Args) -> Result<(), BoxDynError> {
        self.probe.bind_column(self.idx, args)
    }
}
