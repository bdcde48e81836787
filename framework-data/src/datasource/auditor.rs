//! [`AuditorAware`]: who is acting, for `#[created_by]` and `#[last_modified_by]` fields.

/// Who is acting now, as Spring Data's `AuditorAware` says: a repository asks it on every
/// insert (for `#[created_by]` and `#[last_modified_by]`) and update (`#[last_modified_by]`).
/// Register one with `ctx.set_auditor_aware(..)` (every DataSource of the context) or
/// [`DataSource::set_auditor_aware`](crate::datasource::DataSource::set_auditor_aware).
///
/// The web layer usually puts the principal in a task-local; the auditor reads it:
///
/// ```
/// use framework_data::prelude::*;
/// tokio::task_local! { static USER: String; }
///
/// struct CurrentUser;
/// impl AuditorAware for CurrentUser {
///     fn current_auditor(&self) -> Option<String> {
///         USER.try_with(|u| u.clone()).ok()
///     }
/// }
/// # let _ = CurrentUser.current_auditor();
/// ```
pub trait AuditorAware: Send + Sync + 'static {
    /// The current auditor (a user name, an id as text), or `None` when nobody is acting (a
    /// batch job): then an `Option` field is stored as `NULL` and a `String` field keeps the
    /// entity's value.
    fn current_auditor(&self) -> Option<String>;
}

impl<F> AuditorAware for F
where
    F: Fn() -> Option<String> + Send + Sync + 'static,
{
    fn current_auditor(&self) -> Option<String> {
        self()
    }
}
