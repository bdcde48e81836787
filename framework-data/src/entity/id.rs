//! Types allowed for generated ids and versions.

/// An integer id the database generates; `0` means "not yet inserted".
#[diagnostic::on_unimplemented(
    message = "a database-generated id must be `i64` or `i32`, not `{Self}`",
    label = "use #[id] (assigned) for other id types"
)]
pub trait GeneratedId {
    /// Converts the database's generated key.
    fn from_i64(raw: i64) -> Self;
    /// Whether the id is still unset (`0`).
    fn is_unset(&self) -> bool;
}

/// A `#[version]` field's type.
#[diagnostic::on_unimplemented(
    message = "a #[version] field must be `i64` or `i32`, not `{Self}`",
    label = "unsupported version type"
)]
pub trait VersionValue {
    /// As `i64`.
    fn to_i64(&self) -> i64;
    /// From `i64`.
    fn from_i64(v: i64) -> Self;
    /// The largest version the type holds: `save` of an entity at it is
    /// `DataError::VersionOverflow`, not a wrap-around.
    const MAX: i64;
}

macro_rules! ints {
    ($($t:ty),*) => {$(
        impl GeneratedId for $t {
            fn from_i64(raw: i64) -> Self { raw as $t }
            fn is_unset(&self) -> bool { *self == 0 }
        }
        impl VersionValue for $t {
            fn to_i64(&self) -> i64 { i64::from(*self) }
            fn from_i64(v: i64) -> Self { v as $t }
            const MAX: i64 = <$t>::MAX as i64;
        }
    )*};
}

ints!(i64, i32);
