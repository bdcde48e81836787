//! The derived-query vocabulary (Spring Data's `PartTree` keywords, in snake_case): what a
//! query does ([`Subject`]) and how each condition compares ([`Op`]). `#[repository]` parses
//! method names with it at compile time and the runtime renders the same variants to SQL.

/// What a derived query does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// `find_by`, `read_by`, `get_by`, `query_by`, `search_by`.
    Find,
    /// `stream_by`: a `Find` whose rows arrive as a stream.
    Stream,
    /// `count_by`.
    Count,
    /// `exists_by`.
    Exists,
    /// `delete_by`, `remove_by`: one DELETE statement.
    Delete,
}

/// The comparison of one part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `= ?` (`is`, `equals`, or nothing); `IS NULL` for a `None` argument.
    Eq,
    /// `<> ?` (`is_not`, `not`); `IS NOT NULL` for a `None` argument.
    Ne,
    /// `IS NULL`.
    IsNull,
    /// `IS NOT NULL`.
    IsNotNull,
    /// `BETWEEN ? AND ?`.
    Between,
    /// `< ?` (`less_than`, `before`).
    Lt,
    /// `<= ?`.
    Le,
    /// `> ?` (`greater_than`, `after`).
    Gt,
    /// `>= ?`.
    Ge,
    /// `LIKE ?`, the value as given.
    Like,
    /// `NOT LIKE ?`.
    NotLike,
    /// `LIKE 'value%'`, the value escaped.
    StartsWith,
    /// `LIKE '%value'`.
    EndsWith,
    /// `LIKE '%value%'`.
    Contains,
    /// `NOT LIKE '%value%'`.
    NotContains,
    /// `IN (...)`; an empty list matches nothing.
    In,
    /// `NOT IN (...)`; an empty list matches everything.
    NotIn,
    /// `= TRUE`.
    True,
    /// `= FALSE`.
    False,
}

impl Subject {
    /// The subject a method name's first word starts, if it is one.
    ///
    /// ```
    /// use framework_vocabulary::Subject;
    /// assert_eq!(Subject::from_verb("search"), Some(Subject::Find));
    /// assert_eq!(Subject::from_verb("remove"), Some(Subject::Delete));
    /// assert_eq!(Subject::from_verb("fetch"), None);
    /// ```
    pub fn from_verb(verb: &str) -> Option<Subject> {
        Some(match verb {
            "find" | "read" | "get" | "query" | "search" => Subject::Find,
            "stream" => Subject::Stream,
            "count" => Subject::Count,
            "exists" => Subject::Exists,
            "delete" | "remove" => Subject::Delete,
            _ => return None,
        })
    }

    /// Whether the query returns entities (and may take a `Pageable`, a `Sort` or a limit).
    pub fn returns_entities(self) -> bool {
        matches!(self, Subject::Find | Subject::Stream)
    }
}

impl Op {
    /// How many arguments the comparison takes.
    pub fn arity(self) -> usize {
        match self {
            Op::IsNull | Op::IsNotNull | Op::True | Op::False => 0,
            Op::Between => 2,
            _ => 1,
        }
    }

    /// Whether it is a `LIKE`-family comparison.
    pub fn is_pattern(self) -> bool {
        matches!(
            self,
            Op::Like | Op::NotLike | Op::StartsWith | Op::EndsWith | Op::Contains | Op::NotContains
        )
    }

    /// The variant's name, as generated code spells it.
    pub fn name(self) -> &'static str {
        match self {
            Op::Eq => "Eq",
            Op::Ne => "Ne",
            Op::IsNull => "IsNull",
            Op::IsNotNull => "IsNotNull",
            Op::Between => "Between",
            Op::Lt => "Lt",
            Op::Le => "Le",
            Op::Gt => "Gt",
            Op::Ge => "Ge",
            Op::Like => "Like",
            Op::NotLike => "NotLike",
            Op::StartsWith => "StartsWith",
            Op::EndsWith => "EndsWith",
            Op::Contains => "Contains",
            Op::NotContains => "NotContains",
            Op::In => "In",
            Op::NotIn => "NotIn",
            Op::True => "True",
            Op::False => "False",
        }
    }
}

/// The operator keywords after a property (and an optional `is`), each with its comparison;
/// a property followed by none of them is compared with `Eq`. Longer keywords win
/// (`not_null` before `not`).
pub const OPERATORS: &[(&str, Op)] = &[
    ("not_null", Op::IsNotNull),
    ("null", Op::IsNull),
    ("not_containing", Op::NotContains),
    ("not_contains", Op::NotContains),
    ("not_like", Op::NotLike),
    ("not_in", Op::NotIn),
    ("not", Op::Ne),
    ("equals", Op::Eq),
    ("between", Op::Between),
    ("less_than_equal", Op::Le),
    ("less_than", Op::Lt),
    ("greater_than_equal", Op::Ge),
    ("greater_than", Op::Gt),
    ("before", Op::Lt),
    ("after", Op::Gt),
    ("like", Op::Like),
    ("starting_with", Op::StartsWith),
    ("starts_with", Op::StartsWith),
    ("ending_with", Op::EndsWith),
    ("ends_with", Op::EndsWith),
    ("containing", Op::Contains),
    ("contains", Op::Contains),
    ("in", Op::In),
    ("true", Op::True),
    ("false", Op::False),
];
