//! Which column types each field type can be read from and written to, per dialect.
//!
//! | field type | PostgreSQL | MySQL / MariaDB | SQLite (declared type) |
//! |---|---|---|---|
//! | `i16` | smallint | smallint, tinyint | *INT* |
//! | `i32` | integer | int, mediumint, smallint, tinyint | *INT* |
//! | `i64` | bigint | bigint, int, mediumint, smallint, tinyint | *INT* |
//! | `f32` | real | float | REAL, FLOA*, DOUB* |
//! | `f64` | double precision | double, float | REAL, FLOA*, DOUB* |
//! | `bool` | boolean | tinyint, bit, boolean | BOOL*, *INT* |
//! | `String`, `DbEnum` | text, character varying, character | varchar, char, *text, enum | *CHAR*, *TEXT*, *CLOB* |
//! | `Vec<u8>` | bytea | *blob, binary, varbinary | BLOB (or none) |
//! | `DateTime<Utc>` | timestamp with time zone | datetime, timestamp | *TEXT*, *DATE*, *TIME* |
//! | `NaiveDateTime` | timestamp without time zone | datetime, timestamp | *TEXT*, *DATE*, *TIME* |
//! | `NaiveDate` | date | date | *TEXT*, *DATE* |
//! | `Uuid` | uuid | binary, varbinary, char | BLOB, *TEXT* |
//! | `Decimal` | numeric | decimal | *TEXT*, NUMERIC, DECIMAL |
//! | `serde_json::Value` | json, jsonb | json, longtext (MariaDB's JSON) | *TEXT*, JSON |

use crate::driver::Dialect;
use crate::value::SqlType;

/// Whether a column of `found` type (lower case) fits `expected` on `dialect`.
pub(crate) fn compatible(dialect: Dialect, expected: SqlType, found: &str) -> bool {
    match dialect {
        Dialect::Postgres => postgres(expected).contains(&found),
        Dialect::MySql => mysql(expected).contains(&found),
        Dialect::Sqlite => sqlite(expected, found),
    }
}

/// The type to name in a mismatch report.
pub(crate) fn expected_name(dialect: Dialect, expected: SqlType) -> String {
    match dialect {
        Dialect::Postgres => postgres(expected).join(" or "),
        Dialect::MySql => mysql(expected).join(" or "),
        Dialect::Sqlite => format!("{expected:?} (SQLite affinity)"),
    }
}

fn postgres(t: SqlType) -> &'static [&'static str] {
    match t {
        SqlType::SmallInt => &["smallint"],
        SqlType::Int => &["integer"],
        SqlType::BigInt => &["bigint"],
        SqlType::Real => &["real"],
        SqlType::Double => &["double precision"],
        SqlType::Bool => &["boolean"],
        SqlType::Text => &["text", "character varying", "character", "name", "citext"],
        SqlType::Bytes => &["bytea"],
        SqlType::TimestampTz => &["timestamp with time zone"],
        SqlType::Timestamp => &["timestamp without time zone"],
        SqlType::Date => &["date"],
        SqlType::Uuid => &["uuid"],
        SqlType::Decimal => &["numeric"],
        SqlType::Json => &["jsonb", "json"],
    }
}

fn mysql(t: SqlType) -> &'static [&'static str] {
    match t {
        SqlType::SmallInt => &["smallint", "tinyint"],
        SqlType::Int => &["int", "mediumint", "smallint", "tinyint"],
        SqlType::BigInt => &["bigint", "int", "mediumint", "smallint", "tinyint"],
        SqlType::Real => &["float"],
        SqlType::Double => &["double", "float"],
        SqlType::Bool => &["tinyint", "bit", "boolean"],
        SqlType::Text => &[
            "varchar",
            "char",
            "text",
            "tinytext",
            "mediumtext",
            "longtext",
            "enum",
        ],
        SqlType::Bytes => &[
            "blob",
            "tinyblob",
            "mediumblob",
            "longblob",
            "binary",
            "varbinary",
        ],
        SqlType::TimestampTz | SqlType::Timestamp => &["datetime", "timestamp"],
        SqlType::Date => &["date"],
        SqlType::Uuid => &["binary", "varbinary", "char"],
        SqlType::Decimal => &["decimal"],
        SqlType::Json => &["json", "longtext"],
    }
}

/// SQLite stores any value in any column; the declared type gives an affinity. A field fits a
/// column whose affinity keeps its values as written.
fn sqlite(t: SqlType, declared: &str) -> bool {
    let has = |s: &str| declared.contains(s);
    let integer = has("int");
    let text = has("char") || has("clob") || has("text");
    let real = has("real") || has("floa") || has("doub");
    match t {
        SqlType::SmallInt | SqlType::Int | SqlType::BigInt => integer,
        SqlType::Real | SqlType::Double => real,
        SqlType::Bool => has("bool") || integer,
        SqlType::Text => text,
        SqlType::Bytes => has("blob") || declared.is_empty(),
        SqlType::TimestampTz | SqlType::Timestamp => text || has("date") || has("time"),
        SqlType::Date => text || has("date"),
        SqlType::Uuid => has("blob") || text,
        SqlType::Decimal => text || has("numeric") || has("decimal"),
        SqlType::Json => text || has("json"),
    }
}
