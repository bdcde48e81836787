//! [`SqlValue`] for the supported field types.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use sqlx::Row as _;
use uuid::Uuid;

use super::{BoxDynError, SqlValue};

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

/// Implements one driver's four methods with sqlx's own Encode/Decode for `$t`.
macro_rules! native {
    ($t:ty, $bind:ident, $null:ident, $dec:ident, $dec_opt:ident, $args:ty, $row:ty) => {
        fn $bind(&self, args: &mut $args) -> Result<(), BoxDynError> {
            sqlx::Arguments::add(args, self)
        }
        fn $null(args: &mut $args) -> Result<(), BoxDynError> {
            sqlx::Arguments::add(args, None::<$t>)
        }
        fn $dec(row: &$row, idx: usize) -> Result<Self, sqlx::Error> {
            row.try_get::<$t, _>(idx)
        }
        fn $dec_opt(row: &$row, idx: usize) -> Result<Option<Self>, sqlx::Error> {
            row.try_get::<Option<$t>, _>(idx)
        }
    };
}

macro_rules! pg {
    ($t:ty) => {
        #[cfg(feature = "postgres")]
        native!(
            $t,
            bind_pg,
            bind_null_pg,
            decode_pg,
            decode_opt_pg,
            sqlx::postgres::PgArguments,
            sqlx::postgres::PgRow
        );
    };
}
macro_rules! my {
    ($t:ty) => {
        #[cfg(feature = "mysql")]
        native!(
            $t,
            bind_mysql,
            bind_null_mysql,
            decode_mysql,
            decode_opt_mysql,
            sqlx::mysql::MySqlArguments,
            sqlx::mysql::MySqlRow
        );
    };
}
macro_rules! lite {
    ($t:ty) => {
        #[cfg(feature = "sqlite")]
        native!(
            $t,
            bind_sqlite,
            bind_null_sqlite,
            decode_sqlite,
            decode_opt_sqlite,
            sqlx::sqlite::SqliteArguments,
            sqlx::sqlite::SqliteRow
        );
    };
}

/// Types every driver encodes natively.
macro_rules! all_native {
    ($($t:ty => $sql:ident),* $(,)?) => {$(
        impl SqlValue for $t {
            const SQL_TYPE: SqlType = SqlType::$sql;
            pg!($t);
            my!($t);
            lite!($t);
        }
    )*};
}

all_native! {
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
}

// MySQL: sqlx binds `DateTime<Utc>` as a TIMESTAMP parameter, which MySQL/MariaDB convert to
// NULL (or zero) outside TIMESTAMP's 1970..2038 range even for a DATETIME column. Bound as a
// DATETIME (the UTC wall-clock time), every value a DATETIME(6) column holds (1000..9999, in
// microseconds) round-trips; reads accept DATETIME and TIMESTAMP columns.
impl SqlValue for DateTime<Utc> {
    const SQL_TYPE: SqlType = SqlType::TimestampTz;
    pg!(DateTime<Utc>);
    lite!(DateTime<Utc>);

    #[cfg(feature = "mysql")]
    fn bind_mysql(&self, args: &mut sqlx::mysql::MySqlArguments) -> Result<(), BoxDynError> {
        sqlx::Arguments::add(args, self.naive_utc())
    }
    #[cfg(feature = "mysql")]
    fn bind_null_mysql(args: &mut sqlx::mysql::MySqlArguments) -> Result<(), BoxDynError> {
        sqlx::Arguments::add(args, None::<NaiveDateTime>)
    }
    #[cfg(feature = "mysql")]
    fn decode_mysql(row: &sqlx::mysql::MySqlRow, idx: usize) -> Result<Self, sqlx::Error> {
        row.try_get::<DateTime<Utc>, _>(idx)
    }
    #[cfg(feature = "mysql")]
    fn decode_opt_mysql(
        row: &sqlx::mysql::MySqlRow,
        idx: usize,
    ) -> Result<Option<Self>, sqlx::Error> {
        row.try_get::<Option<DateTime<Utc>>, _>(idx)
    }
}

// SQLite has no decimal type in sqlx: store the exact text form and parse it back.
impl SqlValue for Decimal {
    const SQL_TYPE: SqlType = SqlType::Decimal;
    pg!(Decimal);
    my!(Decimal);

    #[cfg(feature = "sqlite")]
    fn bind_sqlite(&self, args: &mut sqlx::sqlite::SqliteArguments) -> Result<(), BoxDynError> {
        sqlx::Arguments::add(args, self.to_string())
    }
    #[cfg(feature = "sqlite")]
    fn bind_null_sqlite(args: &mut sqlx::sqlite::SqliteArguments) -> Result<(), BoxDynError> {
        sqlx::Arguments::add(args, None::<String>)
    }
    #[cfg(feature = "sqlite")]
    fn decode_sqlite(row: &sqlx::sqlite::SqliteRow, idx: usize) -> Result<Self, sqlx::Error> {
        parse_decimal(idx, &row.try_get::<String, _>(idx)?)
    }
    #[cfg(feature = "sqlite")]
    fn decode_opt_sqlite(
        row: &sqlx::sqlite::SqliteRow,
        idx: usize,
    ) -> Result<Option<Self>, sqlx::Error> {
        row.try_get::<Option<String>, _>(idx)?
            .map(|s| parse_decimal(idx, &s))
            .transpose()
    }
}

#[cfg(feature = "sqlite")]
fn parse_decimal(idx: usize, s: &str) -> Result<Decimal, sqlx::Error> {
    s.parse::<Decimal>().map_err(|e| sqlx::Error::ColumnDecode {
        index: idx.to_string(),
        source: Box::new(e),
    })
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

macro_rules! enum_driver {
    ($feat:literal, $bind:ident, $null:ident, $dec:ident, $dec_opt:ident, $args:ty, $row:ty) => {
        #[cfg(feature = $feat)]
        fn $bind(&self, args: &mut $args) -> Result<(), BoxDynError> {
            sqlx::Arguments::add(args, self.as_db_str())
        }
        #[cfg(feature = $feat)]
        fn $null(args: &mut $args) -> Result<(), BoxDynError> {
            sqlx::Arguments::add(args, None::<String>)
        }
        #[cfg(feature = $feat)]
        fn $dec(row: &$row, idx: usize) -> Result<Self, sqlx::Error> {
            parse_enum(idx, &row.try_get::<String, _>(idx)?)
        }
        #[cfg(feature = $feat)]
        fn $dec_opt(row: &$row, idx: usize) -> Result<Option<Self>, sqlx::Error> {
            row.try_get::<Option<String>, _>(idx)?
                .map(|s| parse_enum(idx, &s))
                .transpose()
        }
    };
}

impl<E: DbEnum> SqlValue for E {
    const SQL_TYPE: SqlType = SqlType::Text;
    enum_driver!(
        "postgres",
        bind_pg,
        bind_null_pg,
        decode_pg,
        decode_opt_pg,
        sqlx::postgres::PgArguments,
        sqlx::postgres::PgRow
    );
    enum_driver!(
        "mysql",
        bind_mysql,
        bind_null_mysql,
        decode_mysql,
        decode_opt_mysql,
        sqlx::mysql::MySqlArguments,
        sqlx::mysql::MySqlRow
    );
    enum_driver!(
        "sqlite",
        bind_sqlite,
        bind_null_sqlite,
        decode_sqlite,
        decode_opt_sqlite,
        sqlx::sqlite::SqliteArguments,
        sqlx::sqlite::SqliteRow
    );
}
