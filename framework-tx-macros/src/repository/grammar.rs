//! The derived-query grammar (Spring Data's `PartTree`, in snake_case), parsed from a method
//! name against the entity's real properties.
//!
//! ```text
//! method    := subject [deleted|with_deleted] [distinct] [first|top[N]] {word} "by" [predicate] [order_by]
//! subject   := find|read|get|query|search|stream | count | exists | delete|remove
//! predicate := or_group {"or" or_group} ["all_ignore_case"]
//! or_group  := part {"and" part}
//! part      := property [operator] ["ignore_case"]
//! order_by  := "order_by" property ["asc"|"desc"] {property ["asc"|"desc"]}
//! ```
//!
//! Properties are matched first, longest first, against the entity's field names, so a field
//! named `order_number`, `is_active` or `brand_or_model` is read as that field wherever it
//! stands where a property is expected.

/// What the method does.
pub(crate) use framework_vocabulary::{OPERATORS, Op, Subject};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    pub(crate) property: String,
    pub(crate) op: Op,
    pub(crate) ignore_case: bool,
    /// Index of the OR group (parts of one group are ANDed).
    pub(crate) group: usize,
    /// `ignore_case` came from `all_ignore_case`: dropped where it cannot apply (a non-text
    /// property or operator) instead of being an error.
    pub(crate) ignore_case_from_all: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrderItem {
    pub(crate) property: String,
    pub(crate) descending: bool,
}

/// Which rows of a soft-deleting entity the query sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rows {
    Live,
    /// `find_with_deleted_by`.
    All,
    /// `find_deleted_by`.
    Deleted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tree {
    pub(crate) subject: Subject,
    pub(crate) rows: Rows,
    pub(crate) distinct: bool,
    /// `first` / `top` with its number (1 when none is given).
    pub(crate) limit: Option<u32>,
    pub(crate) parts: Vec<Part>,
    pub(crate) order: Vec<OrderItem>,
}

/// A problem with the method name, said for the user.
pub(crate) type GrammarError = String;

/// The word `__` becomes: Spring's `_` in `findByAddress_ZipCode`, the explicit end of the
/// head of a path (`find_by_owner__last_name` is `owner.last_name` whatever other fields
/// the entity has).
const EXPLICIT: &str = ".";

/// The property that starts `words[at..]`, longest match first: a field, or an embedded
/// field followed by the words of one of its value's fields (`address_zip_code` ->
/// `address.zip_code`, which the expansion checks against the value type at compile time).
fn match_property(
    words: &[&str],
    at: usize,
    properties: &[String],
    embedded: &[String],
) -> Option<(String, usize)> {
    let prefix_len = |p: &str| {
        let pw: Vec<&str> = p.split('_').collect();
        (words.len() >= at + pw.len() && words[at..at + pw.len()] == pw[..]).then_some(pw.len())
    };
    let plain = properties
        .iter()
        .filter_map(|p| prefix_len(p).map(|n| (p.clone(), n)))
        .max_by_key(|(_, n)| *n);
    let nested = embedded
        .iter()
        .filter_map(|e| {
            let mut start = at + prefix_len(e)?;
            // `address__city`: the explicit separator, read as a word of its own.
            if words.get(start) == Some(&EXPLICIT) {
                start += 1;
            }
            let mut end = start;
            while end < words.len() && !ends_property(words, end) {
                end += 1;
            }
            (end > start).then(|| (format!("{e}.{}", words[start..end].join("_")), end - at))
        })
        .max_by_key(|(_, n)| *n);
    match (plain, nested) {
        (Some(p), Some(n)) if n.1 > p.1 => Some(n),
        (Some(p), _) => Some(p),
        (None, n) => n,
    }
}

/// [`match_property`], or the error to report: an unknown property, or a `__` that does not
/// follow the head of a path.
fn property_at(
    words: &[&str],
    at: usize,
    properties: &[String],
    embedded: &[String],
    entity: &str,
) -> Result<(String, usize), GrammarError> {
    let Some((property, n)) = match_property(words, at, properties, embedded) else {
        if words.get(at) == Some(&EXPLICIT) {
            return Err(
                "`__` must follow an association or embedded field (`owner__last_name`)".into(),
            );
        }
        return Err(unknown_property(words, at, properties, embedded, entity));
    };
    if words.get(at + n) == Some(&EXPLICIT) {
        let head = property.split('.').next().unwrap_or(&property);
        return Err(if property.contains('.') {
            format!(
                "`{}`: a path goes one association or embedded value deep",
                property.replace('.', "__")
            )
        } else {
            format!(
                "`{head}__`: `{head}` is not an association or embedded field of `{entity}`, so `__` cannot follow it"
            )
        });
    }
    Ok((property, n))
}

/// Whether `words[at]` starts what may follow a property: a connective, an operator, a
/// modifier or a sort direction.
fn ends_property(words: &[&str], at: usize) -> bool {
    ["and", "or", "is", "asc", "desc", EXPLICIT].contains(&words[at])
        || [
            "order_by",
            "ignore_case",
            "ignoring_case",
            "all_ignore_case",
            "all_ignoring_case",
        ]
        .iter()
        .chain(OPERATORS.iter().map(|(k, _)| k))
        .any(|k| starts_with_words(words, at, k).is_some())
}

fn starts_with_words(words: &[&str], at: usize, keyword: &str) -> Option<usize> {
    let kw: Vec<&str> = keyword.split('_').collect();
    (words.len() >= at + kw.len() && words[at..at + kw.len()] == kw[..]).then_some(kw.len())
}

/// Levenshtein distance, for "did you mean".
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The words up to the next keyword that can follow a property, as the property the user
/// probably meant, with the closest real one within two edits.
fn unknown_property(
    words: &[&str],
    at: usize,
    properties: &[String],
    embedded: &[String],
    entity: &str,
) -> GrammarError {
    let stop = ["and", "or", "order", "ignore", "ignoring", "all", "is"];
    let mut end = at + 1;
    while end < words.len()
        && !stop.contains(&words[end])
        && !OPERATORS
            .iter()
            .any(|(k, _)| starts_with_words(words, end, k).is_some())
    {
        end += 1;
    }
    let guess = words[at..end.min(words.len())].join("_");
    if embedded.contains(&guess) {
        return format!(
            "`{guess}` is an embedded value: compare one of its fields (`{guess}_<field>`, e.g. `find_by_{guess}_city`)"
        );
    }
    let known: Vec<String> = properties
        .iter()
        .cloned()
        .chain(embedded.iter().map(|e| format!("{e}_<field>")))
        .collect();
    let suggestion = properties
        .iter()
        .map(|p| (distance(&guess, p), p))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, p)| format!("; did you mean `{p}`?"))
        .unwrap_or_default();
    format!(
        "`{entity}` has no property `{guess}`{suggestion} (properties: {})",
        known.join(", ")
    )
}

/// `first`/`top` at `words[i]`, with its number: `top3`, `top_3`, `first` (1). Returns the
/// limit and how many words it took, `None` when the word is not a limit (`firstname`), and an
/// error for a limit of 0 (it could only ever return no rows).
fn limit_at(words: &[&str], i: usize, by: usize) -> Result<Option<(u32, usize)>, GrammarError> {
    let w = words[i];
    let Some(rest) = w.strip_prefix("first").or_else(|| w.strip_prefix("top")) else {
        return Ok(None);
    };
    let number = |digits: &str| -> Result<u32, GrammarError> {
        match digits.parse::<u32>() {
            Ok(0) => Err(format!(
                "`{w}`: a limit of 0 would always return no rows; remove the method or give a positive number"
            )),
            Ok(n) => Ok(n),
            Err(_) => Err(format!(
                "`{w}`: the limit `{digits}` is not a number that fits"
            )),
        }
    };
    if rest.is_empty() {
        return match words.get(i + 1) {
            Some(next) if i + 1 < by && next.chars().all(|c| c.is_ascii_digit()) => {
                Ok(Some((number(next)?, 2)))
            }
            _ => Ok(Some((1, 1))),
        };
    }
    if rest.chars().all(|c| c.is_ascii_digit()) {
        return Ok(Some((number(rest)?, 1)));
    }
    Ok(None)
}

/// Parses `name` against `properties` (the entity's field names).
///
/// `embedded` are the entity's embedded fields, whose own fields are named after them
/// (`address_city`).
pub(crate) fn parse(
    name: &str,
    properties: &[String],
    embedded: &[String],
    entity: &str,
) -> Result<Tree, GrammarError> {
    let marked = name.replace("__", "_._");
    let words: Vec<&str> = marked.split('_').filter(|w| !w.is_empty()).collect();
    let Some(verb) = words.first() else {
        return Err("empty method name".into());
    };
    let Some(subject) = Subject::from_verb(verb) else {
        return Err(format!(
            "a derived query starts with find, read, get, query, search, stream, count, exists, delete or remove, not `{verb}` (or give the SQL with #[query(\"...\")])"
        ));
    };
    let Some(by) = words.iter().position(|w| *w == "by") else {
        return Err(format!(
            "a derived query needs `_by` after the subject (`{verb}_by_...`, or `{verb}_by` for all rows)"
        ));
    };
    // Spring Data's subject: `first`/`top` (with an optional number) limits only directly after
    // the verb or after `distinct` (`find_top3_by`, `find_distinct_first_10_by`); elsewhere
    // (`find_users_top_2_by`, `find_firstname_by`) the words are descriptive. `distinct`
    // anywhere in the subject makes the query distinct.
    let mut distinct = false;
    let mut limit = None;
    let mut i = 1;
    let mut rows = Rows::Live;
    if i < by && words[i] == "deleted" {
        rows = Rows::Deleted;
        i += 1;
    } else if i + 1 < by && words[i] == "with" && words[i + 1] == "deleted" {
        rows = Rows::All;
        i += 2;
    }
    if rows != Rows::Live && subject == Subject::Delete {
        return Err(format!(
            "`{verb}_{}by` would delete deleted rows: a derived delete soft-deletes live rows (purge with `hard_delete_by_id`)",
            if rows == Rows::All {
                "with_deleted_"
            } else {
                "deleted_"
            }
        ));
    }
    if i < by && words[i] == "distinct" {
        distinct = true;
        i += 1;
    }
    if i < by
        && let Some((n, used)) = limit_at(&words, i, by)?
    {
        limit = Some(n);
        i += used;
    }
    if words[i..by].contains(&"distinct") {
        distinct = true;
    }
    // Spring parses a limit on count, exists and delete and ignores it.
    if !subject.returns_entities() {
        limit = None;
    }

    let mut parts = Vec::new();
    let mut order = Vec::new();
    let mut group = 0;
    let mut at = by + 1;
    let mut all_ignore_case = false;
    // `order_by` right after `by` starts the ordering, unless a longer property (such as
    // `order_by_date`) matches there.
    let order_by_here = |at: usize| {
        starts_with_words(&words, at, "order_by").is_some()
            && match_property(&words, at, properties, embedded).is_none_or(|(_, n)| n <= 2)
    };
    let mut expect_part = at < words.len() && !order_by_here(at);
    while expect_part {
        if at >= words.len() {
            return Err("the method name ends where a property was expected".into());
        }
        let (property, n) = property_at(&words, at, properties, embedded, entity)?;
        at += n;
        // An optional `is` before any operator (`is_less_than`, `is_not_null`); `is` alone
        // means equals.
        let mut op = Op::Eq;
        let after_is = if words.get(at) == Some(&"is") {
            at + 1
        } else {
            at
        };
        match OPERATORS
            .iter()
            .filter_map(|(k, o)| starts_with_words(&words, after_is, k).map(|n| (n, *o)))
            .max_by_key(|(n, _)| *n)
        {
            Some((len, found)) => {
                op = found;
                at = after_is + len;
            }
            None => at = after_is,
        }
        let mut ignore_case = false;
        for kw in ["ignore_case", "ignoring_case"] {
            if let Some(n) = starts_with_words(&words, at, kw) {
                ignore_case = true;
                at += n;
            }
        }
        parts.push(Part {
            property: property.clone(),
            op,
            ignore_case,
            ignore_case_from_all: false,
            group,
        });
        expect_part = false;
        if let Some(n) = ["all_ignore_case", "all_ignoring_case"]
            .iter()
            .find_map(|kw| starts_with_words(&words, at, kw))
        {
            all_ignore_case = true;
            at += n;
        }
        if at < words.len() {
            match words[at] {
                "and" if !all_ignore_case => {
                    at += 1;
                    expect_part = true;
                }
                "or" if !all_ignore_case => {
                    at += 1;
                    group += 1;
                    expect_part = true;
                }
                "order" => {}
                other => {
                    return Err(format!(
                        "unexpected `{other}` after property `{property}`: expected an operator, `and`, `or` or `order_by`"
                    ));
                }
            }
        }
    }
    if at < words.len() {
        if starts_with_words(&words, at, "order_by").is_none() {
            return Err(format!("unexpected `{}`: expected `order_by`", words[at]));
        }
        at += 2;
        if at >= words.len() {
            return Err("`order_by` needs at least one property (`order_by_name_asc`)".into());
        }
        while at < words.len() {
            // Spring allows `AllIgnoreCase` at the end, after the ordering too.
            if let Some(n) = ["all_ignore_case", "all_ignoring_case"]
                .iter()
                .find_map(|kw| starts_with_words(&words, at, kw))
                && at + n == words.len()
            {
                all_ignore_case = true;
                at += n;
                continue;
            }
            if starts_with_words(&words, at, "order_by").is_some() {
                return Err("only one `order_by` is allowed; list further properties after it (`order_by_owner_asc_id_desc`)".into());
            }
            let (property, n) = property_at(&words, at, properties, embedded, entity)?;
            at += n;
            let descending = match words.get(at) {
                Some(&"desc") => {
                    at += 1;
                    true
                }
                Some(&"asc") => {
                    at += 1;
                    false
                }
                _ => false,
            };
            order.push(OrderItem {
                property,
                descending,
            });
        }
    }
    if all_ignore_case {
        // Applied to the text comparisons only (the expansion skips the others, as Spring does).
        for p in &mut parts {
            if !p.ignore_case {
                p.ignore_case = true;
                p.ignore_case_from_all = true;
            }
        }
    }
    Ok(Tree {
        subject,
        rows,
        distinct,
        limit,
        parts,
        order,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props() -> Vec<String> {
        [
            "id",
            "email",
            "owner",
            "balance_cents",
            "closed_at",
            "order_number",
            "is_active",
            "brand_or_model",
            "name",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    fn p(name: &str) -> Tree {
        parse(name, &props(), &[], "Account").unwrap()
    }

    fn err(name: &str) -> String {
        parse(name, &props(), &[], "Account").unwrap_err()
    }

    #[test]
    fn deleted_rows() {
        assert_eq!(p("find_deleted_by_owner").rows, Rows::Deleted);
        assert_eq!(p("count_with_deleted_by").rows, Rows::All);
        let t = p("find_deleted_distinct_top_3_by_owner");
        assert_eq!(
            (t.rows, t.distinct, t.limit),
            (Rows::Deleted, true, Some(3))
        );
        assert_eq!(p("find_by_owner").rows, Rows::Live);
        // Only directly after the verb.
        assert_eq!(p("find_users_deleted_by_owner").rows, Rows::Live);
        assert!(err("delete_deleted_by_owner").contains("hard_delete_by_id"));
    }

    #[test]
    fn subjects_limits_and_distinct() {
        let t = p("find_distinct_top_10_by_owner");
        assert_eq!(
            (t.subject, t.distinct, t.limit),
            (Subject::Find, true, Some(10))
        );
        assert_eq!(p("find_top3_by_owner").limit, Some(3));
        assert_eq!(p("find_first_by_owner").limit, Some(1));
        assert_eq!(p("find_first5_by_owner").limit, Some(5));
        assert_eq!(p("count_by").parts, vec![]);
        assert_eq!(p("exists_by").subject, Subject::Exists);
        assert_eq!(p("remove_by_email").subject, Subject::Delete);
        assert_eq!(p("stream_all_by_owner").subject, Subject::Stream);
        // Spring parses a limit on count/exists/delete and ignores it.
        assert_eq!(p("count_top3_by_owner").limit, None);
        let t = p("count_top_10_distinct_users_by_owner");
        assert_eq!(
            (t.subject, t.distinct, t.limit),
            (Subject::Count, true, None)
        );
        assert_eq!(p("exists_first_by_owner").limit, None);
        // Only directly after the verb (or `distinct`) does first/top limit.
        assert_eq!(p("find_users_top_2_by_owner").limit, None);
        assert_eq!(p("find_firstname_by_owner").limit, None);
        assert_eq!(p("find_topics_by_owner").limit, None);
        assert_eq!(p("find_distinct_first_by_owner").limit, Some(1));
        assert!(err("find_top_0_by_owner").contains("limit of 0"));
        assert!(err("find_top0_by_owner").contains("limit of 0"));
        assert!(err("fetch_by_owner").contains("starts with find"));
        assert!(err("find_owner").contains("needs `_by`"));
    }

    #[test]
    fn all_ignore_case_may_follow_the_ordering() {
        let t = p("find_by_owner_and_email_order_by_name_desc_all_ignore_case");
        assert!(
            t.parts
                .iter()
                .all(|x| x.ignore_case && x.ignore_case_from_all)
        );
        assert_eq!(t.order.len(), 1);
        assert!(t.order[0].descending);
    }

    #[test]
    fn operators_and_precedence() {
        let t = p("find_by_email_and_owner_starting_with_ignore_case_or_balance_cents_between");
        assert_eq!(
            t.parts
                .iter()
                .map(|x| (x.property.as_str(), x.op, x.ignore_case, x.group))
                .collect::<Vec<_>>(),
            vec![
                ("email", Op::Eq, false, 0),
                ("owner", Op::StartsWith, true, 0),
                ("balance_cents", Op::Between, false, 1)
            ]
        );
        assert_eq!(
            p("find_by_balance_cents_is_less_than_equal").parts[0].op,
            Op::Le
        );
        assert_eq!(
            p("find_by_closed_at_is_not_null").parts[0].op,
            Op::IsNotNull
        );
        assert_eq!(p("find_by_closed_at_null").parts[0].op, Op::IsNull);
        assert_eq!(p("find_by_email_is_not").parts[0].op, Op::Ne);
        assert_eq!(p("find_by_email_is").parts[0].op, Op::Eq);
        assert_eq!(p("find_by_id_is_in").parts[0].op, Op::In);
        assert_eq!(p("find_by_id_not_in").parts[0].op, Op::NotIn);
        assert_eq!(p("find_by_is_active_true").parts[0].op, Op::True);
        assert_eq!(p("find_by_is_active_is_false").parts[0].op, Op::False);
        assert_eq!(p("find_by_closed_at_before").parts[0].op, Op::Lt);
        assert_eq!(
            p("find_by_owner_not_containing").parts[0].op,
            Op::NotContains
        );
        let all = p("find_by_email_or_owner_all_ignore_case");
        assert!(all.parts.iter().all(|x| x.ignore_case));
    }

    #[test]
    fn keyword_words_inside_property_names() {
        assert_eq!(p("find_by_order_number").parts[0].property, "order_number");
        assert_eq!(p("find_by_is_active").parts[0].property, "is_active");
        let t = p("find_by_brand_or_model_or_name");
        assert_eq!(t.parts.len(), 2);
        assert_eq!(t.parts[0].property, "brand_or_model");
        let t = p("find_by_name_order_by_order_number_desc");
        assert_eq!(
            t.order,
            vec![OrderItem {
                property: "order_number".into(),
                descending: true
            }]
        );
    }

    #[test]
    fn order_by() {
        let t = p("find_all_by_order_by_owner_asc_id_desc");
        assert!(t.parts.is_empty());
        assert_eq!(t.order.len(), 2);
        assert!(t.order[1].descending);
        assert!(err("find_by_owner_order_by").contains("needs at least one property"));
        assert!(err("find_by_owner_order_by_id_order_by_email").contains("only one `order_by`"));
    }

    #[test]
    fn unknown_properties_suggest_the_closest() {
        let e = err("find_by_emial");
        assert!(e.contains("no property `emial`"), "{e}");
        assert!(e.contains("did you mean `email`"), "{e}");
        let e = err("find_by_colour_and_owner");
        assert!(
            e.contains("no property `colour`") && !e.contains("did you mean"),
            "{e}"
        );
    }

    #[test]
    fn double_underscore_ends_the_head_of_a_path() {
        // `author_name` is a field of its own and `author` an association: the longest
        // property wins unless `__` says where the head ends (Spring's `Author_Name`).
        let props: Vec<String> = ["id", "author", "author_name", "title"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let heads = vec!["author".to_string()];
        let parse = |n: &str| parse(n, &props, &heads, "Post");
        let t = parse("find_by_author_name").unwrap();
        assert_eq!(t.parts[0].property, "author_name");
        let t = parse("find_by_author__name_and_title_order_by_author__name_desc").unwrap();
        assert_eq!(t.parts[0].property, "author.name");
        assert_eq!(t.parts[1].property, "title");
        assert_eq!(t.order[0].property, "author.name");
        assert!(t.order[0].descending);
        let t = parse("find_by_author__first_name_is_null").unwrap();
        assert_eq!(t.parts[0].property, "author.first_name");
        assert_eq!(t.parts[0].op, Op::IsNull);
        let e = parse("find_by_title__x").unwrap_err();
        assert!(e.contains("`title` is not an association"), "{e}");
        let e = parse("find_by_author__name__x").unwrap_err();
        assert!(e.contains("one association or embedded value deep"), "{e}");
        let e = parse("find_by___name").unwrap_err();
        assert!(e.contains("`__` must follow"), "{e}");
    }
}
