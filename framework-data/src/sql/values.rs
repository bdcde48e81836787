//! Binding the values a sea-query statement collected (`build` returns them beside the text)
//! into the driver's arguments: for statements users write with sea-query and run through a
//! repository.

use sea_query::Value;

use crate::value::{Args, BoxDynError};

/// Binds `value`: NULLs typed as their variant; unsigned integers widened to the next signed
/// type (`BIGINT UNSIGNED` above `i64::MAX` is an error); times with an offset converted to UTC.
pub(crate) fn bind(args: &mut Args, value: Value) -> Result<(), BoxDynError> {
    use chrono::{DateTime, Utc};
    match value {
        Value::Bool(v) => args.add(&v),
        Value::TinyInt(v) => args.add(&v.map(i16::from)),
        Value::SmallInt(v) => args.add(&v),
        Value::Int(v) => args.add(&v),
        Value::BigInt(v) => args.add(&v),
        Value::TinyUnsigned(v) => args.add(&v.map(i16::from)),
        Value::SmallUnsigned(v) => args.add(&v.map(i32::from)),
        Value::Unsigned(v) => args.add(&v.map(i64::from)),
        Value::BigUnsigned(v) => args.add(&v.map(i64::try_from).transpose()?),
        Value::Float(v) => args.add(&v),
        Value::Double(v) => args.add(&v),
        Value::String(v) => args.add(&v),
        Value::Char(v) => args.add(&v.map(String::from)),
        Value::Bytes(v) => args.add(&v),
        Value::Json(v) => args.add(&v.map(|j| *j)),
        Value::ChronoDate(v) => args.add(&v),
        Value::ChronoDateTime(v) => args.add(&v),
        Value::ChronoDateTimeUtc(v) => args.add(&v),
        Value::ChronoDateTimeLocal(v) => args.add(&v.map(|t| t.with_timezone(&Utc))),
        Value::ChronoDateTimeWithTimeZone(v) => {
            args.add(&v.map(DateTime::<Utc>::from))
        }
        Value::Uuid(v) => args.add(&v),
        Value::Decimal(v) => args.add(&v),
        other => Err(format!("a sea-query value of this type cannot be bound: {other:?}").into()),
    }
}
