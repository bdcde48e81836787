//! What `#[transactional]` expands to calls, beside the public API. Not a public API.

use std::marker::PhantomData;

use super::{TransactionManager, TxError};
use crate::error::DataError;

/// The `Result` a transactional function returns, seen through any alias.
#[diagnostic::on_unimplemented(
    message = "#[transactional] functions must return a `Result`, not `{Self}`",
    label = "not a `Result`"
)]
pub trait TxResult {
    /// The error type.
    type Error;
}

impl<T, E> TxResult for Result<T, E> {
    type Error = E;
}

/// Picks how a [`TxError`] becomes the function's error type: `From<TxError>` if it has it,
/// else through `From<DataError>` (autoref specialization, resolved at compile time).
pub struct Convert<E>(PhantomData<fn() -> E>);

impl<E> Convert<E> {
    /// The selector.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Convert(PhantomData)
    }
}

/// Preferred: `E: From<TxError>`.
pub trait ViaTxError<E> {
    /// The conversion.
    fn converter(&self) -> fn(TxError) -> E;
}

impl<E: From<TxError>> ViaTxError<E> for &Convert<E> {
    fn converter(&self) -> fn(TxError) -> E {
        E::from
    }
}

/// Fallback: `E: From<DataError>` (the `TxError` travels in [`DataError::Transaction`]).
pub trait ViaDataError<E> {
    /// The conversion.
    fn converter(&self) -> fn(TxError) -> E;
}

impl<E: From<DataError>> ViaDataError<E> for Convert<E> {
    fn converter(&self) -> fn(TxError) -> E {
        |e| E::from(DataError::from(e))
    }
}

/// Anything that names a TransactionManager, borrowed: the manager (`self.tm`), a reference
/// (`&self.tm`) or an `Arc` of it.
pub fn manager<M: AsRef<TransactionManager> + ?Sized>(
    m: &M,
) -> Result<TransactionManager, TxError> {
    Ok(m.as_ref().clone())
}

impl AsRef<TransactionManager> for TransactionManager {
    fn as_ref(&self) -> &TransactionManager {
        self
    }
}
