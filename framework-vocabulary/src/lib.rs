//! # framework-vocabulary
//!
//! The words `framework-tx-macros` and `framework-data` both understand, defined once: the
//! derived-query [`Subject`]s and [`Op`]erators with their keywords, and the transaction
//! [`Propagation`]s and [`Isolation`] levels. The macros check what a user writes against these
//! and generate the same variants the runtime matches on, so the two cannot drift apart.
//! Users reach every item through `framework_data` (`tx::Propagation`,
//! `repository::derived::Op`); this crate has no dependencies.

mod query;
mod tx;

pub use query::{OPERATORS, Op, Subject};
pub use tx::{Isolation, Propagation};
