//! [`Violation`]: one broken validation rule, as [`DataError::Validation`](super::DataError)
//! reports it.

use std::fmt;

/// One validation rule an entity breaks: where, which rule, and what it means.
///
/// `path` is the property's path from the entity that was saved: `email`, `address.city` for
/// an embedded value, `pets[1].name` for a cascaded child, `[3].email` for the fourth entity
/// of a `save_all`; empty for a rule on the whole entity (`#[validate(schema(..))]`).
///
/// ```
/// use framework_data::Violation;
/// let v = Violation::new("email", "email", "must be a valid email address");
/// assert_eq!(v.to_string(), "email: must be a valid email address");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Violation {
    /// The property's path (see above).
    pub path: String,
    /// The rule's code: `email`, `length`, `range`, ..., a custom rule's own code, or the
    /// `code = ".."` given on the rule.
    pub rule: String,
    /// What is wrong, for a person: the rule's `message = ".."`, else a default.
    pub message: String,
}

impl Violation {
    /// A violation of `rule` at `path`.
    pub fn new(
        path: impl Into<String>,
        rule: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Violation {
            path: path.into(),
            rule: rule.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// The violations as one line: `email: must be ..; owner: length must be ..`.
pub(super) fn list(violations: &[Violation]) -> String {
    let parts: Vec<String> = violations.iter().map(Violation::to_string).collect();
    parts.join("; ")
}
