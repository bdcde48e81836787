//! Values that cross the driver boundary: binding a field into a statement's arguments and
//! reading it back from a row by position, for every compiled-in driver.
//!
//! [`SqlValue`] is implemented for each supported field type; generated entity code only calls
//! [`Args::add`] and [`Row::get`], so it never depends on which drivers are compiled in.

mod args;
mod query_arg;
mod types;

pub use args::{Args, Row};
pub use query_arg::QueryArg;
pub use types::{DbEnum, SqlType};

/// The error of decoding a row (the driver's error type).
pub type DecodeError = sqlx::Error;

/// An error from the driver while binding or decoding a value.
pub type BoxDynError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A type that can be bound as a statement argument and decoded from a row column, on every
/// compiled-in driver. Implemented for `i16 i32 i64 f32 f64 bool String Vec<u8>`, chrono's
/// `DateTime<Utc>`, `NaiveDate`, `NaiveDateTime`, `uuid::Uuid`, `rust_decimal::Decimal`,
/// `serde_json::Value`, every `Option<T>` of those, and enums deriving `DbEnum`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a column",
    label = "unsupported column type",
    note = "supported: i16 i32 i64 f32 f64 bool String Vec<u8> DateTime<Utc> NaiveDateTime NaiveDate Uuid Decimal serde_json::Value, Option<T> of those, and enums with #[derive(DbEnum)]"
)]
pub trait SqlValue: Sized + Send + Sync + 'static {
    /// The logical column type (used by schema validation and type checks).
    const SQL_TYPE: SqlType;
    /// Whether the column is nullable (`Option<T>`).
    const NULLABLE: bool = false;

    /// Binds `self`.
    #[cfg(feature = "postgres")]
    fn bind_pg(&self, args: &mut sqlx::postgres::PgArguments) -> Result<(), BoxDynError>;
    /// Binds a typed NULL.
    #[cfg(feature = "postgres")]
    fn bind_null_pg(args: &mut sqlx::postgres::PgArguments) -> Result<(), BoxDynError>;
    /// Decodes column `idx`.
    #[cfg(feature = "postgres")]
    fn decode_pg(row: &sqlx::postgres::PgRow, idx: usize) -> Result<Self, sqlx::Error>;
    /// Decodes nullable column `idx`.
    #[cfg(feature = "postgres")]
    fn decode_opt_pg(row: &sqlx::postgres::PgRow, idx: usize) -> Result<Option<Self>, sqlx::Error>;

    /// Binds `self`.
    #[cfg(feature = "mysql")]
    fn bind_mysql(&self, args: &mut sqlx::mysql::MySqlArguments) -> Result<(), BoxDynError>;
    /// Binds a typed NULL.
    #[cfg(feature = "mysql")]
    fn bind_null_mysql(args: &mut sqlx::mysql::MySqlArguments) -> Result<(), BoxDynError>;
    /// Decodes column `idx`.
    #[cfg(feature = "mysql")]
    fn decode_mysql(row: &sqlx::mysql::MySqlRow, idx: usize) -> Result<Self, sqlx::Error>;
    /// Decodes nullable column `idx`.
    #[cfg(feature = "mysql")]
    fn decode_opt_mysql(
        row: &sqlx::mysql::MySqlRow,
        idx: usize,
    ) -> Result<Option<Self>, sqlx::Error>;

    /// Binds `self`.
    #[cfg(feature = "sqlite")]
    fn bind_sqlite(&self, args: &mut sqlx::sqlite::SqliteArguments) -> Result<(), BoxDynError>;
    /// Binds a typed NULL.
    #[cfg(feature = "sqlite")]
    fn bind_null_sqlite(args: &mut sqlx::sqlite::SqliteArguments) -> Result<(), BoxDynError>;
    /// Decodes column `idx`.
    #[cfg(feature = "sqlite")]
    fn decode_sqlite(row: &sqlx::sqlite::SqliteRow, idx: usize) -> Result<Self, sqlx::Error>;
    /// Decodes nullable column `idx`.
    #[cfg(feature = "sqlite")]
    fn decode_opt_sqlite(
        row: &sqlx::sqlite::SqliteRow,
        idx: usize,
    ) -> Result<Option<Self>, sqlx::Error>;
}

impl<T: SqlValue> SqlValue for Option<T> {
    const SQL_TYPE: SqlType = T::SQL_TYPE;
    const NULLABLE: bool = true;

    #[cfg(feature = "postgres")]
    fn bind_pg(&self, args: &mut sqlx::postgres::PgArguments) -> Result<(), BoxDynError> {
        match self {
            Some(v) => v.bind_pg(args),
            None => T::bind_null_pg(args),
        }
    }
    #[cfg(feature = "postgres")]
    fn bind_null_pg(args: &mut sqlx::postgres::PgArguments) -> Result<(), BoxDynError> {
        T::bind_null_pg(args)
    }
    #[cfg(feature = "postgres")]
    fn decode_pg(row: &sqlx::postgres::PgRow, idx: usize) -> Result<Self, sqlx::Error> {
        T::decode_opt_pg(row, idx)
    }
    #[cfg(feature = "postgres")]
    fn decode_opt_pg(row: &sqlx::postgres::PgRow, idx: usize) -> Result<Option<Self>, sqlx::Error> {
        T::decode_opt_pg(row, idx).map(Some)
    }

    #[cfg(feature = "mysql")]
    fn bind_mysql(&self, args: &mut sqlx::mysql::MySqlArguments) -> Result<(), BoxDynError> {
        match self {
            Some(v) => v.bind_mysql(args),
            None => T::bind_null_mysql(args),
        }
    }
    #[cfg(feature = "mysql")]
    fn bind_null_mysql(args: &mut sqlx::mysql::MySqlArguments) -> Result<(), BoxDynError> {
        T::bind_null_mysql(args)
    }
    #[cfg(feature = "mysql")]
    fn decode_mysql(row: &sqlx::mysql::MySqlRow, idx: usize) -> Result<Self, sqlx::Error> {
        T::decode_opt_mysql(row, idx)
    }
    #[cfg(feature = "mysql")]
    fn decode_opt_mysql(
        row: &sqlx::mysql::MySqlRow,
        idx: usize,
    ) -> Result<Option<Self>, sqlx::Error> {
        T::decode_opt_mysql(row, idx).map(Some)
    }

    #[cfg(feature = "sqlite")]
    fn bind_sqlite(&self, args: &mut sqlx::sqlite::SqliteArguments) -> Result<(), BoxDynError> {
        match self {
            Some(v) => v.bind_sqlite(args),
            None => T::bind_null_sqlite(args),
        }
    }
    #[cfg(feature = "sqlite")]
    fn bind_null_sqlite(args: &mut sqlx::sqlite::SqliteArguments) -> Result<(), BoxDynError> {
        T::bind_null_sqlite(args)
    }
    #[cfg(feature = "sqlite")]
    fn decode_sqlite(row: &sqlx::sqlite::SqliteRow, idx: usize) -> Result<Self, sqlx::Error> {
        T::decode_opt_sqlite(row, idx)
    }
    #[cfg(feature = "sqlite")]
    fn decode_opt_sqlite(
        row: &sqlx::sqlite::SqliteRow,
        idx: usize,
    ) -> Result<Option<Self>, sqlx::Error> {
        T::decode_opt_sqlite(row, idx).map(Some)
    }
}
