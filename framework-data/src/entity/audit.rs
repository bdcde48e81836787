//! Types that `#[created_at]` / `#[updated_at]` fields may have.

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
