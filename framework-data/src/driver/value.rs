//! How a Rust value crosses one driver's boundary: [`ColumnValue<DB>`] binds it into that
//! driver's arguments and decodes it from its rows. Each driver's module implements it for the
//! supported field types (with that driver's exceptions, such as MySQL's `DateTime<Utc>` or
//! SQLite's `Decimal`); [`DriverValue`] is a type's being a `ColumnValue` of every compiled-in
//! driver, which `value::SqlValue` requires.

use super::BoxDynError;

/// A value of one driver, `DB`.
pub trait ColumnValue<DB: sqlx::Database>: Sized {
    /// Appends `self` to `args`.
    fn bind(&self, args: &mut DB::Arguments) -> Result<(), BoxDynError>;
    /// Appends a NULL of this type.
    fn bind_null(args: &mut DB::Arguments) -> Result<(), BoxDynError>;
    /// Decodes column `idx`.
    fn decode(row: &DB::Row, idx: usize) -> Result<Self, sqlx::Error>;
    /// Decodes nullable column `idx`.
    fn decode_opt(row: &DB::Row, idx: usize) -> Result<Option<Self>, sqlx::Error>;
    /// Whether [`bind_array`](Self::bind_array) binds: PostgreSQL's native types, which
    /// PostgreSQL's `INSERT .. SELECT * FROM UNNEST(..)` then inserts a column at a time.
    const ARRAY: bool = false;
    /// Appends one column of many rows as one array parameter (`None`: NULL). Called only
    /// when [`ARRAY`](Self::ARRAY) holds.
    fn bind_array(values: &[Option<&Self>], args: &mut DB::Arguments) -> Result<(), BoxDynError> {
        let _ = (values, args);
        Err("this type has no array form for this driver".into())
    }
}

impl<DB: sqlx::Database, T: ColumnValue<DB>> ColumnValue<DB> for Option<T> {
    fn bind(&self, args: &mut DB::Arguments) -> Result<(), BoxDynError> {
        match self {
            Some(v) => v.bind(args),
            None => T::bind_null(args),
        }
    }
    fn bind_null(args: &mut DB::Arguments) -> Result<(), BoxDynError> {
        T::bind_null(args)
    }
    fn decode(row: &DB::Row, idx: usize) -> Result<Self, sqlx::Error> {
        T::decode_opt(row, idx)
    }
    fn decode_opt(row: &DB::Row, idx: usize) -> Result<Option<Self>, sqlx::Error> {
        T::decode_opt(row, idx).map(Some)
    }
    const ARRAY: bool = T::ARRAY;
    fn bind_array(values: &[Option<&Self>], args: &mut DB::Arguments) -> Result<(), BoxDynError> {
        let inner: Vec<Option<&T>> = values.iter().map(|v| v.and_then(Option::as_ref)).collect();
        T::bind_array(&inner, args)
    }
}

/// Implements [`ColumnValue<$db>`] with sqlx's own encoding for each listed type (what a
/// driver supports natively). A NULL for a required value is an error on every driver, also
/// where sqlx's decoder would read it as a default ([`Driver::NULL_DECODES_AS_DEFAULT`]).
/// `native!(arrays DB: ..)` also binds arrays of them ([`ColumnValue::bind_array`]).
macro_rules! native {
    ($db:ty: $($t:ty),* $(,)?) => {
        $crate::driver::value::native!(@impl $db, {}, $($t),*);
    };
    (arrays $db:ty: $($t:ty),* $(,)?) => {
        $crate::driver::value::native!(@impl $db, {
            const ARRAY: bool = true;
            fn bind_array(
                values: &[Option<&Self>],
                args: &mut <$db as sqlx::Database>::Arguments,
            ) -> Result<(), $crate::driver::BoxDynError> {
                sqlx::Arguments::add(args, values.to_vec())
            }
        }, $($t),*);
    };
    (@impl $db:ty, $extra:tt, $($t:ty),*) => {$(
        $crate::driver::value::native!(@one $db, $extra, $t);
    )*};
    (@one $db:ty, {$($extra:tt)*}, $t:ty) => {
        impl $crate::driver::ColumnValue<$db> for $t {
            $($extra)*
            fn bind(
                &self,
                args: &mut <$db as sqlx::Database>::Arguments,
            ) -> Result<(), $crate::driver::BoxDynError> {
                sqlx::Arguments::add(args, self)
            }
            fn bind_null(
                args: &mut <$db as sqlx::Database>::Arguments,
            ) -> Result<(), $crate::driver::BoxDynError> {
                sqlx::Arguments::add(args, None::<$t>)
            }
            fn decode(row: &<$db as sqlx::Database>::Row, idx: usize) -> Result<Self, sqlx::Error> {
                if <$db as $crate::driver::Driver>::NULL_DECODES_AS_DEFAULT
                    && sqlx::ValueRef::is_null(&sqlx::Row::try_get_raw(row, idx)?)
                {
                    return Err(sqlx::Error::ColumnDecode {
                        index: idx.to_string(),
                        source: Box::new(sqlx::error::UnexpectedNullError),
                    });
                }
                sqlx::Row::try_get::<$t, _>(row, idx)
            }
            fn decode_opt(
                row: &<$db as sqlx::Database>::Row,
                idx: usize,
            ) -> Result<Option<Self>, sqlx::Error> {
                sqlx::Row::try_get::<Option<$t>, _>(row, idx)
            }
        }
    };
}
pub(crate) use native;

// One bound per driver, satisfied by every type when that driver is not compiled in, so that
// `DriverValue` needs no list of feature combinations.
macro_rules! driver_bound {
    ($feature:literal, $Bound:ident, $db:ty, $product:literal) => {
        #[cfg(feature = $feature)]
        #[doc = concat!("A value ", $product, " binds and decodes.")]
        pub trait $Bound: ColumnValue<$db> {}
        #[cfg(feature = $feature)]
        impl<T: ColumnValue<$db>> $Bound for T {}
        #[cfg(not(feature = $feature))]
        #[doc = concat!("Every type, ", $product, " not being compiled in.")]
        pub trait $Bound {}
        #[cfg(not(feature = $feature))]
        impl<T> $Bound for T {}
    };
}

driver_bound!("postgres", PgValue, sqlx::Postgres, "PostgreSQL");
driver_bound!("mysql", MySqlValue, sqlx::MySql, "MySQL");
driver_bound!("sqlite", SqliteValue, sqlx::Sqlite, "SQLite");

/// A [`ColumnValue`] of every compiled-in driver.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a column",
    label = "unsupported column type",
    note = "supported: i16 i32 i64 f32 f64 bool String Vec<u8> DateTime<Utc> NaiveDateTime NaiveDate Uuid Decimal serde_json::Value, Option<T> of those, and enums with #[derive(DbEnum)]"
)]
pub trait DriverValue: PgValue + MySqlValue + SqliteValue {}

impl<T: PgValue + MySqlValue + SqliteValue> DriverValue for T {}
