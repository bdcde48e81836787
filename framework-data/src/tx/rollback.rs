//! Rollback rules: which errors of a transactional body roll the transaction back.

use std::fmt;

/// Decides, for an `Err` returned by a transactional body, whether the transaction rolls back
/// (`true`) or commits anyway (`false`). The default rolls back on every error, as Spring does
/// for runtime exceptions. A panic, a timeout and the framework's own failures always roll back.
///
/// ```
/// use framework_data::tx::RollbackPolicy;
///
/// #[derive(Debug)]
/// enum TransferError { Declined { reason: String }, Db(String) }
///
/// // `#[transactional(no_rollback_for = TransferError::Declined { .. })]` builds this:
/// let policy = RollbackPolicy::new(|e: &TransferError| !matches!(e, TransferError::Declined { .. }));
/// assert!(!policy.rolls_back(&TransferError::Declined { reason: "limit".into() }));
/// assert!(policy.rolls_back(&TransferError::Db("boom".into())));
/// ```
pub struct RollbackPolicy<E> {
    rolls_back: fn(&E) -> bool,
}

impl<E> RollbackPolicy<E> {
    /// Roll back on every error.
    pub const fn always() -> Self {
        RollbackPolicy {
            rolls_back: |_| true,
        }
    }

    /// Roll back exactly when `rolls_back` says so.
    pub const fn new(rolls_back: fn(&E) -> bool) -> Self {
        RollbackPolicy { rolls_back }
    }

    /// Whether `error` rolls the transaction back.
    pub fn rolls_back(&self, error: &E) -> bool {
        (self.rolls_back)(error)
    }
}

impl<E> Default for RollbackPolicy<E> {
    fn default() -> Self {
        Self::always()
    }
}

impl<E> Clone for RollbackPolicy<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for RollbackPolicy<E> {}

impl<E> fmt::Debug for RollbackPolicy<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RollbackPolicy")
    }
}
