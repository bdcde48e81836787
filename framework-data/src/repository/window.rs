//! Scrolling (Spring Data's `ScrollPosition` and `Window<T>`): a result read a window at a
//! time, each window continuing where the last one ended.
//!
//! A **keyset** position holds the sort-key values of the last row read; the next window is
//! the rows after them in the sort order (`WHERE (name, id) > (?, ?)`, written out per key so
//! that mixed directions work), so a window costs the same at any depth and rows inserted or
//! deleted between windows neither repeat nor skip the others. The id is always the last key,
//! which makes the order total. An **offset** position counts rows (`OFFSET n`), as paging
//! does. Either travels to a client as an opaque, URL-safe token.
//!
//! ```no_run
//! use framework_data::prelude::*;
//! # #[derive(Entity, Debug, Clone)] #[entity(table = "accounts", crate = "framework_data")]
//! # struct Account { #[id(generated)] id: i64, owner: String }
//! # async fn demo(accounts: Repository<Account>) -> DataResult<()> {
//! let mut position = ScrollPosition::keyset();
//! loop {
//!     let window = accounts.scroll_by(Spec::all(), Sort::asc("owner"), position, 100).await?;
//!     for account in &window.content { /* ... */ }
//!     match window.position_after_last() {
//!         Some(next) if window.has_next() => position = next,
//!         _ => break,
//!     }
//! }
//! // Across requests: hand `position.to_token()` to the client, read it back with
//! // `ScrollPosition::from_token(&token)?`.
//! # Ok(()) }
//! ```
//!
//! Keyset scrolling sorts by the entity's own fields, which must hold no NULL in the rows
//! scrolled over (a NULL key is `DataError::InvalidArgument` when its position is taken; Spring
//! Data has the same rule); binary and JSON fields cannot be keys.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::error::{DataError, DataResult};
use crate::mapping::EntityMetadata;
use crate::value::{Args, BoxDynError, Row, SqlType};

/// Where a window starts: at the beginning, after a keyset, or after some rows.
#[derive(Debug, Clone, PartialEq)]
pub enum ScrollPosition {
    /// After the row whose sort keys were these (empty: from the beginning).
    Keyset(Vec<KeyValue>),
    /// After this many rows.
    Offset(u64),
}

/// One sort-key value of a keyset position.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyValue {
    /// An integer of any width.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// Text, and the exact text of a decimal.
    Text(String),
    /// A `DateTime<Utc>`.
    TimestampTz(DateTime<Utc>),
    /// A `NaiveDateTime`.
    Timestamp(NaiveDateTime),
    /// A `NaiveDate`.
    Date(NaiveDate),
}

impl ScrollPosition {
    /// The beginning, scrolled by keyset.
    pub fn keyset() -> Self {
        ScrollPosition::Keyset(Vec::new())
    }

    /// The beginning, scrolled by offset.
    pub fn offset() -> Self {
        ScrollPosition::Offset(0)
    }

    /// Whether it is a beginning.
    pub fn is_initial(&self) -> bool {
        matches!(self, ScrollPosition::Keyset(k) if k.is_empty())
            || matches!(self, ScrollPosition::Offset(0))
    }

    /// An opaque, URL-safe token for it (base64url, no padding).
    pub fn to_token(&self) -> String {
        let json = match self {
            ScrollPosition::Offset(n) => serde_json::json!({ "o": n }),
            ScrollPosition::Keyset(keys) => {
                let values: Vec<serde_json::Value> = keys.iter().map(KeyValue::to_json).collect();
                serde_json::json!({ "k": values })
            }
        };
        URL_SAFE_NO_PAD.encode(json.to_string())
    }

    /// The position a token from [`to_token`](Self::to_token) stands for; anything else is
    /// [`DataError::InvalidArgument`]. The key values' types are checked against the sort when
    /// the position is used.
    pub fn from_token(token: &str) -> DataResult<Self> {
        let bad = || DataError::InvalidArgument(format!("not a scroll position token: {token:?}"));
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
        let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if let Some(n) = json.get("o") {
            return n.as_u64().map(ScrollPosition::Offset).ok_or_else(bad);
        }
        let keys = json.get("k").and_then(|k| k.as_array()).ok_or_else(bad)?;
        keys.iter()
            .map(KeyValue::from_json)
            .collect::<Option<Vec<_>>>()
            .map(ScrollPosition::Keyset)
            .ok_or_else(bad)
    }
}

impl KeyValue {
    fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            KeyValue::Int(v) => json!({ "i": v }),
            KeyValue::Float(v) => json!({ "f": v }),
            KeyValue::Bool(v) => json!({ "b": v }),
            KeyValue::Text(v) => json!({ "s": v }),
            KeyValue::TimestampTz(v) => json!({ "tz": v.to_rfc3339() }),
            KeyValue::Timestamp(v) => json!({ "ts": v.format("%Y-%m-%dT%H:%M:%S%.f").to_string() }),
            KeyValue::Date(v) => json!({ "d": v.to_string() }),
        }
    }

    fn from_json(v: &serde_json::Value) -> Option<KeyValue> {
        let obj = v.as_object()?;
        let (tag, value) = obj.iter().next()?;
        Some(match tag.as_str() {
            "i" => KeyValue::Int(value.as_i64()?),
            "f" => KeyValue::Float(value.as_f64()?),
            "b" => KeyValue::Bool(value.as_bool()?),
            "s" => KeyValue::Text(value.as_str()?.to_owned()),
            "tz" => KeyValue::TimestampTz(
                DateTime::parse_from_rfc3339(value.as_str()?).ok()?.with_timezone(&Utc),
            ),
            "ts" => KeyValue::Timestamp(
                NaiveDateTime::parse_from_str(value.as_str()?, "%Y-%m-%dT%H:%M:%S%.f").ok()?,
            ),
            "d" => KeyValue::Date(value.as_str()?.parse().ok()?),
            _ => return None,
        })
    }

    /// Reads the key of logical type `ty` at `idx` of `row`; `None` for a NULL.
    pub(crate) fn read(row: &Row, idx: usize, ty: SqlType) -> DataResult<Option<KeyValue>> {
        let unsupported = || {
            DataError::InvalidArgument(format!("a {ty:?} column cannot be a keyset scrolling key"))
        };
        let decode = |e: crate::value::DecodeError| DataError::InvalidArgument(e.to_string());
        Ok(match ty {
            SqlType::SmallInt => row.get::<Option<i16>>(idx).map_err(decode)?.map(|v| KeyValue::Int(v.into())),
            SqlType::Int => row.get::<Option<i32>>(idx).map_err(decode)?.map(|v| KeyValue::Int(v.into())),
            SqlType::BigInt => row.get::<Option<i64>>(idx).map_err(decode)?.map(KeyValue::Int),
            SqlType::Real => row.get::<Option<f32>>(idx).map_err(decode)?.map(|v| KeyValue::Float(v.into())),
            SqlType::Double => row.get::<Option<f64>>(idx).map_err(decode)?.map(KeyValue::Float),
            SqlType::Bool => row.get::<Option<bool>>(idx).map_err(decode)?.map(KeyValue::Bool),
            SqlType::Text => row.get::<Option<String>>(idx).map_err(decode)?.map(KeyValue::Text),
            SqlType::TimestampTz => row.get::<Option<DateTime<Utc>>>(idx).map_err(decode)?.map(KeyValue::TimestampTz),
            SqlType::Timestamp => row.get::<Option<NaiveDateTime>>(idx).map_err(decode)?.map(KeyValue::Timestamp),
            SqlType::Date => row.get::<Option<NaiveDate>>(idx).map_err(decode)?.map(KeyValue::Date),
            SqlType::Uuid => row
                .get::<Option<uuid::Uuid>>(idx)
                .map_err(decode)?
                .map(|v| KeyValue::Text(v.to_string())),
            SqlType::Decimal => row
                .get::<Option<rust_decimal::Decimal>>(idx)
                .map_err(decode)?
                .map(|v| KeyValue::Text(v.to_string())),
            SqlType::Bytes | SqlType::Json => return Err(unsupported()),
        })
    }

    /// Binds it as a value of logical type `ty`; a value of another type is an error (a token
    /// from another sort).
    pub(crate) fn bind(&self, ty: SqlType, args: &mut Args) -> Result<(), BoxDynError> {
        let mismatch = || -> BoxDynError {
            format!("the scroll position does not fit the sort (a {ty:?} key expected)").into()
        };
        match (ty, self) {
            (SqlType::SmallInt, KeyValue::Int(v)) => args.add(&i16::try_from(*v)?),
            (SqlType::Int, KeyValue::Int(v)) => args.add(&i32::try_from(*v)?),
            (SqlType::BigInt, KeyValue::Int(v)) => args.add(v),
            (SqlType::Real, KeyValue::Float(v)) => args.add(&(*v as f32)),
            (SqlType::Double, KeyValue::Float(v)) => args.add(v),
            (SqlType::Bool, KeyValue::Bool(v)) => args.add(v),
            (SqlType::Text, KeyValue::Text(v)) => args.add(v),
            (SqlType::TimestampTz, KeyValue::TimestampTz(v)) => args.add(v),
            (SqlType::Timestamp, KeyValue::Timestamp(v)) => args.add(v),
            (SqlType::Date, KeyValue::Date(v)) => args.add(v),
            (SqlType::Uuid, KeyValue::Text(v)) => args.add(&v.parse::<uuid::Uuid>()?),
            (SqlType::Decimal, KeyValue::Text(v)) => args.add(&v.parse::<rust_decimal::Decimal>()?),
            _ => Err(mismatch()),
        }
    }
}

/// One window of a scrolled result: its rows, whether more follow, and where the next one
/// starts.
#[derive(Debug, Clone)]
pub struct Window<E> {
    /// The rows, in the sort's order.
    pub content: Vec<E>,
    has_next: bool,
    after_last: Option<ScrollPosition>,
}

impl<E> Window<E> {
    pub(crate) fn new(content: Vec<E>, has_next: bool, after_last: Option<ScrollPosition>) -> Self {
        Window {
            content,
            has_next,
            after_last,
        }
    }

    /// Whether rows follow this window (one more row was read to know).
    pub fn has_next(&self) -> bool {
        self.has_next
    }

    /// Whether it holds no row.
    pub fn is_empty(&self) -> bool {
        self.content.is_empty()
    }

    /// The position after its last row, where the next window starts (`None` when it is
    /// empty).
    pub fn position_after_last(&self) -> Option<ScrollPosition> {
        self.after_last.clone()
    }
}

/// Binds a keyset position's values for [`write_keyset`](crate::query::condition::write_keyset):
/// the first key, then for each key the keys before it and itself. `columns` are the metadata indexes of the
/// sort's keys; a position of another sort is [`DataError::InvalidArgument`].
pub(crate) fn bind_keyset(
    keys: &[KeyValue],
    columns: &[usize],
    meta: &EntityMetadata,
    args: &mut Args,
) -> DataResult<()> {
    if keys.len() != columns.len() {
        return Err(DataError::InvalidArgument(format!(
            "the scroll position has {} keys, the sort {}: it is from another sort",
            keys.len(),
            columns.len()
        )));
    }
    let bind = |key: &KeyValue, column: usize, args: &mut Args| {
        key.bind(meta.columns[column].sql_type, args)
            .map_err(|e| DataError::InvalidArgument(e.to_string()))
    };
    // The leading bound, then the expansion.
    if let (Some(key), Some(column)) = (keys.first(), columns.first()) {
        bind(key, *column, args)?;
    }
    for i in 0..keys.len() {
        for (key, column) in keys.iter().zip(columns).take(i + 1) {
            bind(key, *column, args)?;
        }
    }
    Ok(())
}

/// The keyset position after `row` (all columns in metadata order), whose keys are the
/// metadata columns `columns`; a NULL key is [`DataError::InvalidArgument`].
pub(crate) fn position_after(
    row: &Row,
    columns: &[usize],
    meta: &EntityMetadata,
) -> DataResult<ScrollPosition> {
    let mut values = Vec::with_capacity(columns.len());
    for column in columns {
        let c = &meta.columns[*column];
        let value = KeyValue::read(row, *column, c.sql_type)?.ok_or_else(|| {
            DataError::InvalidArgument(format!(
                "keyset scrolling needs non-null sort keys; `{}` is NULL",
                c.field
            ))
        })?;
        values.push(value);
    }
    Ok(ScrollPosition::Keyset(values))
}

/// The metadata indexes of a keyset's columns: those of the sort's properties `orders`,
/// which must be the entity's own fields (an embedded value's too), then the id's.
pub(crate) fn keyset_columns<'a>(
    meta: &EntityMetadata,
    orders: impl IntoIterator<Item = &'a str>,
) -> DataResult<Vec<usize>> {
    let mut out = Vec::new();
    for property in orders {
        match meta.property(property) {
            Some((i, _)) => out.push(i),
            None => {
                return Err(DataError::InvalidArgument(format!(
                    "keyset scrolling sorts by the entity's own fields, not `{property}`"
                )));
            }
        }
    }
    for id in meta.ids {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    Ok(out)
}
