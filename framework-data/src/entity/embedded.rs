//! Embedded value types: a struct of fields stored as columns of its owner's table (JPA's
//! `@Embeddable`, Spring Data JDBC's `@Embedded`).
//!
//! Derive [`Embeddable`] on the value type and mark the owner's field `#[embedded]`:
//!
//! ```no_run
//! use framework_data::prelude::*;
//!
//! #[derive(Embeddable, Debug, Clone, PartialEq)]
//! #[embeddable(crate = "framework_data")] // `crate` only inside this crate's docs
//! pub struct Address {
//!     pub street: String,
//!     #[column(name = "zip")]
//!     pub zip_code: String,
//!     pub city: String,
//! }
//!
//! #[derive(Entity, Debug, Clone)]
//! #[entity(table = "owners", crate = "framework_data")]
//! pub struct Owner {
//!     #[id(generated)]
//!     pub id: i64,
//!     pub name: String,
//!     /// Columns `street`, `zip`, `city`.
//!     #[embedded]
//!     pub address: Address,
//!     /// Columns `billing_street`, `billing_zip`, `billing_city`, all nullable: `None` is
//!     /// stored as NULL in each, and a row whose three columns are NULL reads back as `None`.
//!     #[embedded(prefix = "billing_")]
//!     pub billing: Option<Address>,
//! }
//! ```
//!
//! An embedded field's properties are `address.city` in a [`Sort`](crate::repository::Sort)
//! and `address_city` in a derived query (`find_by_address_city`, `order_by_billing_zip_code`).
//! Columns are the value type's column names (its field names, or `#[column(name = "...")]`),
//! without a prefix unless the field asks for one, as in JPA; two embedded fields of the same
//! type need different prefixes, and schema validation reports two fields on one column.
//!
//! An `Embeddable` with `Eq + Hash` can also be an entity's composite key:
//! `#[embedded_id] pub key: OrderLineKey`.

pub use crate::mapping::{EmbeddedField, PropertyKind};
use crate::value::{Args, BoxDynError, DecodeError, Row};

/// A value type stored as several columns of its owner's table. Implement it with
/// `#[derive(Embeddable)]` (see the [module docs](self)).
pub trait Embeddable: Clone + Send + Sync + Sized + 'static {
    /// The persistent fields, in declaration order.
    const FIELDS: &'static [EmbeddedField];

    /// Binds the value of field `idx` (an index into [`FIELDS`](Self::FIELDS)).
    fn bind_field(&self, idx: usize, args: &mut Args) -> Result<(), BoxDynError>;

    /// Binds a NULL of field `idx`'s type (for a `None` embedded value).
    fn bind_null_field(idx: usize, args: &mut Args) -> Result<(), BoxDynError>;

    /// Reads the value; field `k`'s column is at `position(k)` in the row.
    fn read(
        row: &Row,
        position: &dyn Fn(usize) -> Result<usize, DecodeError>,
    ) -> Result<Self, DecodeError>;

    /// Reads a nullable value: `None` when every column is NULL.
    fn read_opt(
        row: &Row,
        position: &dyn Fn(usize) -> Result<usize, DecodeError>,
    ) -> Result<Option<Self>, DecodeError>;

    /// Whether the value has `#[validate(..)]` rules (generated).
    #[doc(hidden)]
    fn __fw_validates() -> bool {
        false
    }

    /// Adds the value's violations to `out`, paths after `prefix` (generated).
    #[doc(hidden)]
    fn __fw_violations(&self, _prefix: &str, _out: &mut Vec<crate::Violation>) {}

    /// Field `idx`'s value (generated; for Query by Example).
    #[doc(hidden)]
    fn __fw_column(&self, _idx: usize) -> Option<&dyn crate::value::ColumnRef> {
        None
    }
}

/// The type of an `#[embedded]` field: an [`Embeddable`], or an `Option` of one (nullable as a
/// whole).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an embeddable value type",
    label = "#[embedded] needs a type with #[derive(Embeddable)], or an Option of one"
)]
pub trait EmbeddedValue: Clone + Send + Sync + Sized + 'static {
    /// The value type.
    type Value: Embeddable;
    /// Whether the field is an `Option`.
    const OPTIONAL: bool;

    /// Binds field `idx` (a NULL of its type when the value is `None`).
    fn bind_field(&self, idx: usize, args: &mut Args) -> Result<(), BoxDynError>;

    /// Reads the field.
    fn read(
        row: &Row,
        position: &dyn Fn(usize) -> Result<usize, DecodeError>,
    ) -> Result<Self, DecodeError>;

    /// The value, when there is one.
    #[doc(hidden)]
    fn __fw_value(&self) -> Option<&Self::Value>;

    /// Field `idx`'s value, `None` for an absent value.
    #[doc(hidden)]
    fn __fw_column(&self, idx: usize) -> Option<&dyn crate::value::ColumnRef> {
        self.__fw_value().and_then(|v| Embeddable::__fw_column(v, idx))
    }
}

impl<T: Embeddable> EmbeddedValue for T {
    type Value = T;
    const OPTIONAL: bool = false;

    fn bind_field(&self, idx: usize, args: &mut Args) -> Result<(), BoxDynError> {
        Embeddable::bind_field(self, idx, args)
    }

    fn read(
        row: &Row,
        position: &dyn Fn(usize) -> Result<usize, DecodeError>,
    ) -> Result<Self, DecodeError> {
        T::read(row, position)
    }

    fn __fw_value(&self) -> Option<&T> {
        Some(self)
    }
}

impl<T: Embeddable> EmbeddedValue for Option<T> {
    type Value = T;
    const OPTIONAL: bool = true;

    fn bind_field(&self, idx: usize, args: &mut Args) -> Result<(), BoxDynError> {
        match self {
            Some(v) => v.bind_field(idx, args),
            None => T::bind_null_field(idx, args),
        }
    }

    fn read(
        row: &Row,
        position: &dyn Fn(usize) -> Result<usize, DecodeError>,
    ) -> Result<Self, DecodeError> {
        T::read_opt(row, position)
    }

    fn __fw_value(&self) -> Option<&T> {
        self.as_ref()
    }
}
