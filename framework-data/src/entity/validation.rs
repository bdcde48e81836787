//! Validation: rules on an entity's fields, checked before every insert and update.
//!
//! The rules are the [`validator`] crate's, written as its derive writes them, but on the
//! entity itself: `#[derive(Entity)]` reads `#[validate(..)]` and implements
//! [`validator::Validate`] for the entity (so a web layer can call `validate()` on the same
//! type). Every write path of a repository (`save`, `save_all`, the cascades of both,
//! `upsert*`, `insert_all_ignore_conflicts`) first collects the violations of every entity it
//! was given, with those of their embedded values and loaded cascading children, and returns
//! them all in one [`DataError::Validation`] before any statement is sent.
//!
//! ```no_run
//! use framework_data::prelude::*;
//! #[derive(Entity, Debug, Clone)]
//! #[entity(table = "users", crate = "framework_data")]
//! struct User {
//!     #[id(generated)] id: i64,
//!     #[validate(email)] email: String,
//!     #[validate(length(min = 1, max = 80, message = "a name is 1 to 80 characters"))] name: String,
//! }
//! # async fn demo(users: Repository<User>) -> DataResult<()> {
//! match users.save(User { id: 0, email: "nope".into(), name: String::new() }).await {
//!     Err(DataError::Validation { violations, .. }) => assert_eq!(violations.len(), 2),
//!     other => panic!("{other:?}"),
//! }
//! # Ok(()) }
//! ```

use std::borrow::Cow;
use std::collections::HashMap;

use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

use super::Entity;
use crate::error::{DataError, DataResult, Violation};

/// Checks every entity of a write before its first statement: `Ok` when none breaks a rule,
/// else one error with all violations. With several entities each path starts with the
/// entity's index (`[3].email`).
pub(crate) fn check<'a, E: Entity + 'a>(
    entities: impl ExactSizeIterator<Item = &'a E>,
) -> DataResult<()> {
    if !E::__fw_validates() {
        return Ok(());
    }
    let several = entities.len() > 1;
    let mut violations = Vec::new();
    for (i, e) in entities.enumerate() {
        if several {
            e.__fw_violations(&format!("[{i}]."), &mut violations);
        } else {
            e.__fw_violations("", &mut violations);
        }
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(DataError::Validation {
            entity: E::metadata().name,
            violations,
        })
    }
}

/// The errors of one `validate()`, reported field by field in the order the generated code
/// asks for them (the fields' declaration order: validator keeps them in a `HashMap`).
pub struct Pending(HashMap<Cow<'static, str>, ValidationErrorsKind>);

impl Pending {
    /// The errors of `result`.
    pub fn of(result: Result<(), ValidationErrors>) -> Self {
        Pending(match result {
            Ok(()) => HashMap::new(),
            Err(errors) => errors.into_errors(),
        })
    }

    /// Adds `field`'s errors to `out`, its path after `prefix` (`""`, `address.`, `pets[1].`).
    pub fn take(&mut self, field: &str, prefix: &str, out: &mut Vec<Violation>) {
        if self.0.is_empty() {
            return; // the usual case: a valid entity
        }
        if let Some(kind) = self.0.remove(field) {
            add(kind, format!("{prefix}{field}"), out);
        }
    }

    /// Adds the rest: the errors of rules on the whole value (`__all__`, whose path is the
    /// prefix alone), then any other field's, by name.
    pub fn finish(mut self, prefix: &str, out: &mut Vec<Violation>) {
        if let Some(kind) = self.0.remove("__all__") {
            add(kind, prefix.trim_end_matches('.').to_owned(), out);
        }
        let mut rest: Vec<_> = self.0.into_iter().collect();
        rest.sort_by(|a, b| a.0.cmp(&b.0));
        for (field, kind) in rest {
            add(kind, format!("{prefix}{field}"), out);
        }
    }
}

fn add(kind: ValidationErrorsKind, path: String, out: &mut Vec<Violation>) {
    match kind {
        ValidationErrorsKind::Field(errors) => {
            out.extend(errors.into_iter().map(|e| violation(&path, e)));
        }
        ValidationErrorsKind::Struct(inner) => {
            Pending::of(Err(*inner)).finish(&format!("{path}."), out);
        }
        ValidationErrorsKind::List(items) => {
            for (i, inner) in items {
                Pending::of(Err(*inner)).finish(&format!("{path}[{i}]."), out);
            }
        }
    }
}

fn violation(path: &str, e: ValidationError) -> Violation {
    let message = match e.message {
        Some(m) => m.into_owned(),
        None => format!("breaks the rule `{}`", e.code),
    };
    Violation {
        path: path.to_owned(),
        rule: e.code.into_owned(),
        message,
    }
}

/// The error of a built-in rule: its code (or the rule's `code = ".."`) and message.
pub fn rule(code: &'static str, message: Cow<'static, str>) -> ValidationError {
    ValidationError::new(code).with_message(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_in_the_order_asked_then_the_whole_value_then_the_rest() {
        let mut inner = ValidationErrors::new();
        inner.add("city", rule("length", "too short".into()));
        let mut outer = ValidationErrors::new();
        outer.add("email", ValidationError::new("custom_code"));
        outer.add("zeta", ValidationError::new("z"));
        outer.add("name", rule("length", "too long".into()));
        outer.add("__all__", rule("schema", "dates out of order".into()));
        outer
            .errors_mut()
            .insert("address".into(), ValidationErrorsKind::Struct(Box::new(inner)));
        let mut out = Vec::new();
        let mut pending = Pending::of(Err(outer));
        for field in ["name", "email", "nope"] {
            pending.take(field, "pets[1].", &mut out);
        }
        pending.finish("pets[1].", &mut out);
        let got: Vec<String> = out
            .iter()
            .map(|v| format!("{} {} {}", v.path, v.rule, v.message))
            .collect();
        assert_eq!(
            got,
            [
                "pets[1].name length too long",
                "pets[1].email custom_code breaks the rule `custom_code`",
                "pets[1] schema dates out of order",
                "pets[1].address.city length too short",
                "pets[1].zeta z breaks the rule `z`",
            ]
        );
    }
}
