//! Values that cross the driver boundary: binding a field into a statement's arguments and
//! reading it back from a row by position, for every compiled-in driver.
//!
//! [`SqlValue`] is implemented for each supported field type; generated entity code only calls
//! [`Args::add`] and [`Row::get`], so it never depends on which drivers are compiled in.

mod args;
mod query_arg;
mod types;

pub use crate::driver::{Args, BoxDynError, DecodeError, Row};
pub use query_arg::QueryArg;
pub use types::{DbEnum, SqlType};


/// A type that can be bound as a statement argument and decoded from a row column, on every
/// compiled-in driver. Implemented for `i16 i32 i64 f32 f64 bool String Vec<u8>`, chrono's
/// `DateTime<Utc>`, `NaiveDate`, `NaiveDateTime`, `uuid::Uuid`, `rust_decimal::Decimal`,
/// `serde_json::Value`, every `Option<T>` of those, and enums deriving `DbEnum`.
///
/// How each driver binds and decodes it is the driver's business
/// ([`ColumnValue`](crate::driver::ColumnValue), implemented in each driver's module); this
/// trait adds what the rest of the framework reads: the logical column type and nullability.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a column",
    label = "unsupported column type",
    note = "supported: i16 i32 i64 f32 f64 bool String Vec<u8> DateTime<Utc> NaiveDateTime NaiveDate Uuid Decimal serde_json::Value, Option<T> of those, and enums with #[derive(DbEnum)]"
)]
pub trait SqlValue: crate::driver::DriverValue + Sized + Send + Sync + 'static {
    /// The logical column type (used by schema validation and type checks).
    const SQL_TYPE: SqlType;
    /// Whether the column is nullable (`Option<T>`).
    const NULLABLE: bool = false;

    /// Whether this value is NULL (a `None`).
    fn is_null(&self) -> bool {
        false
    }
}

impl<T: SqlValue> SqlValue for Option<T> {
    const SQL_TYPE: SqlType = T::SQL_TYPE;
    const NULLABLE: bool = true;

    fn is_null(&self) -> bool {
        self.is_none()
    }
}

/// A field's value seen without its type: whether it is NULL, its text when it is text, and
/// how to bind it. Query by Example reads a probe's fields through it.
pub trait ColumnRef: QueryArg + Send + Sync {
    /// Whether it is NULL (`None`).
    fn is_null(&self) -> bool;
    /// Its text, for a `String` (or a `Some` of one).
    fn as_text(&self) -> Option<&str>;
    /// Whether its type binds as an array into `args` (PostgreSQL's native types).
    #[doc(hidden)]
    fn __fw_array_in(&self, args: &Args) -> bool;
    /// Binds `column` (values of this one's type, one per row) as one array.
    #[doc(hidden)]
    fn __fw_bind_array(&self, column: &[&dyn ColumnRef], args: &mut Args)
    -> Result<(), BoxDynError>;
    #[doc(hidden)]
    fn __fw_any(&self) -> &dyn std::any::Any;
}

impl<T: SqlValue> ColumnRef for T {
    fn is_null(&self) -> bool {
        SqlValue::is_null(self)
    }

    fn as_text(&self) -> Option<&str> {
        let any: &dyn std::any::Any = self;
        any.downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| any.downcast_ref::<Option<String>>().and_then(|o| o.as_deref()))
    }

    fn __fw_array_in(&self, args: &Args) -> bool {
        args.supports_array::<T>()
    }

    fn __fw_bind_array(
        &self,
        column: &[&dyn ColumnRef],
        args: &mut Args,
    ) -> Result<(), BoxDynError> {
        let mut values: Vec<Option<&T>> = Vec::with_capacity(column.len());
        for v in column {
            match v.__fw_any().downcast_ref::<T>() {
                Some(v) => values.push(Some(v)),
                None => return Err("a column's values are not all of one type".into()),
            }
        }
        args.add_array(&values)
    }

    fn __fw_any(&self) -> &dyn std::any::Any {
        self
    }
}
