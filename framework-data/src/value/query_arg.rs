//! Values a repository method binds: anything a column can hold, plus borrowed text and bytes.

use super::{Args, BoxDynError, SqlValue};

/// A value a repository method's argument binds to a placeholder.
///
/// Implemented for every [`SqlValue`] (so `i64`, `String`, `Option<T>`, `Uuid`, ...) and for
/// `str` and `[u8]`, so `&str` and `&[u8]` arguments bind without a copy.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be bound as a query argument",
    note = "arguments bind the types entity fields can have (i64, String, &str, Uuid, DateTime<Utc>, Option<T>, ...)"
)]
pub trait QueryArg: Sync {
    /// Binds the value.
    fn bind_to(&self, args: &mut Args) -> Result<(), BoxDynError>;
}

impl<T: SqlValue> QueryArg for T {
    fn bind_to(&self, args: &mut Args) -> Result<(), BoxDynError> {
        args.add(self)
    }
}

impl QueryArg for str {
    fn bind_to(&self, args: &mut Args) -> Result<(), BoxDynError> {
        args.add_str(self)
    }
}

impl QueryArg for [u8] {
    fn bind_to(&self, args: &mut Args) -> Result<(), BoxDynError> {
        args.add_bytes(self)
    }
}

impl QueryArg for &str {
    fn bind_to(&self, args: &mut Args) -> Result<(), BoxDynError> {
        args.add_str(self)
    }
}

impl QueryArg for &[u8] {
    fn bind_to(&self, args: &mut Args) -> Result<(), BoxDynError> {
        args.add_bytes(self)
    }
}
