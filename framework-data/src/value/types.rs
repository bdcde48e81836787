//! [`SqlValue`] for the supported field types.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{BoxDynError, SqlValue};
use crate::driver::{ColumnValue, Driver};

/// The logical type of a column, independent of the dialect's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlType {
    /// `i16`.
    SmallInt,
    /// `i32`.
    Int,
    /// `i64`.
    BigInt,
    /// `f32`.
    Real,
    /// `f64`.
    Double,
    /// `bool`.
    Bool,
    /// `String`, and enums stored as text.
    Text,
    /// `Vec<u8>`.
    Bytes,
    /// `DateTime<Utc>`.
    TimestampTz,
    /// `NaiveDateTime`.
    Timestamp,
    /// `NaiveDate`.
    Date,
    /// `uuid::Uuid`.
    Uuid,
    /// `rust_decimal::Decimal`.
    Decimal,
    /// `serde_json::Value`.
    Json,
}

impl SqlType {
    /// Whether values of this type are text (for `ignore_case` and LIKE).
    pub fn is_text(self) -> bool {
        matches!(self, SqlType::Text)
    }
}

/// The logical types of the supported field types; how each driver binds them is in its module.
macro_rules! sql_types {
    ($($t:ty => $sql:ident),* $(,)?) => {$(
        impl SqlValue for $t {
            const SQL_TYPE: SqlType = SqlType::$sql;
        }
    )*};
}

sql_types! {
    i16 => SmallInt,
    i32 => Int,
    i64 => BigInt,
    f32 => Real,
    f64 => Double,
    bool => Bool,
    String => Text,
    Vec<u8> => Bytes,
    NaiveDateTime => Timestamp,
    NaiveDate => Date,
    Uuid => Uuid,
    serde_json::Value => Json,
    DateTime<Utc> => TimestampTz,
    Decimal => Decimal,
}

/// A Rust enum stored as text. Derive it with `#[derive(DbEnum)]`; each variant is stored as its
/// name (or `#[db(rename = "...")]`).
pub trait DbEnum: Sized + Send + Sync + 'static {
    /// Every stored text, in declaration order.
    const VARIANTS: &'static [&'static str];
    /// The stored text of this value.
    fn as_db_str(&self) -> &'static str;
    /// The value stored as `s`, or `None` for an unknown text.
    fn from_db_str(s: &str) -> Option<Self>;
}

fn parse_enum<E: DbEnum>(idx: usize, s: &str) -> Result<E, sqlx::Error> {
    E::from_db_str(s).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: idx.to_string(),
        source: format!(
            "`{s}` is not a variant of {} (expected one of: {})",
            std::any::type_name::<E>(),
            E::VARIANTS.join(", ")
        )
        .into(),
    })
}

// Stored as text on every driver: bound from the variant's `&'static str`, read as a String.
impl<E: DbEnum, DB: Driver> ColumnValue<DB> for E
where
    String: ColumnValue<DB>,
{
    fn bind(&self, args: &mut DB::Arguments) -> Result<(), BoxDynError> {
        DB::add_str(args, self.as_db_str())
    }
    fn bind_null(args: &mut DB::Arguments) -> Result<(), BoxDynError> {
        <String as ColumnValue<DB>>::bind_null(args)
    }
    fn decode(row: &DB::Row, idx: usize) -> Result<Self, sqlx::Error> {
        parse_enum(idx, &<String as ColumnValue<DB>>::decode(row, idx)?)
    }
    fn decode_opt(row: &DB::Row, idx: usize) -> Result<Option<Self>, sqlx::Error> {
        <String as ColumnValue<DB>>::decode_opt(row, idx)?
            .map(|s| parse_enum(idx, &s))
            .transpose()
    }
    const ARRAY: bool = <String as ColumnValue<DB>>::ARRAY;
    fn bind_array(values: &[Option<&Self>], args: &mut DB::Arguments) -> Result<(), BoxDynError> {
        let texts: Vec<Option<String>> = values
            .iter()
            .map(|v| v.map(|e| e.as_db_str().to_owned()))
            .collect();
        let refs: Vec<Option<&String>> = texts.iter().map(Option::as_ref).collect();
        <String as ColumnValue<DB>>::bind_array(&refs, args)
    }
}

impl<E: DbEnum> SqlValue for E {
    const SQL_TYPE: SqlType = SqlType::Text;
}
