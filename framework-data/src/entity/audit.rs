//! Types that `#[created_at]` / `#[updated_at]` and `#[created_by]` / `#[last_modified_by]`
//! fields may have.

use chrono::{DateTime, NaiveDateTime, Utc};

/// A field type the framework can stamp with the current time.
pub trait AuditTimestamp {
    /// The value for `now`.
    fn from_now(now: DateTime<Utc>) -> Self;
}

impl AuditTimestamp for DateTime<Utc> {
    fn from_now(now: DateTime<Utc>) -> Self {
        now
    }
}

impl AuditTimestamp for NaiveDateTime {
    fn from_now(now: DateTime<Utc>) -> Self {
        now.naive_utc()
    }
}

impl<T: AuditTimestamp> AuditTimestamp for Option<T> {
    fn from_now(now: DateTime<Utc>) -> Self {
        Some(T::from_now(now))
    }
}

/// A field type that holds an auditor (`#[created_by]`, `#[last_modified_by]`): `String` or
/// `Option<String>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold an auditor",
    label = "#[created_by] and #[last_modified_by] need a `String` or an `Option<String>`"
)]
pub trait AuditorValue {
    /// Stores `who` (see [`AuditorAware`](crate::datasource::AuditorAware)): `None` leaves a
    /// `String` as it is and makes an `Option` `None`.
    fn stamp(&mut self, who: Option<&str>);
}

impl AuditorValue for String {
    fn stamp(&mut self, who: Option<&str>) {
        if let Some(who) = who {
            who.clone_into(self);
        }
    }
}

impl AuditorValue for Option<String> {
    fn stamp(&mut self, who: Option<&str>) {
        *self = who.map(str::to_owned);
    }
}
