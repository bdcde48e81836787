//! # framework-data
//!
//! DataSources with their pools, one per configured database, on PostgreSQL, MySQL/MariaDB and
//! SQLite. The URL's scheme picks the driver at run time; a driver is compiled in by its cargo
//! feature, which the starters turn on.
//!
//! ```no_run
//! use framework_core::ApplicationContext;
//! use framework_data::prelude::*;
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let ctx = ApplicationContext::builder().config_dir("config").start().await?;
//! let ds = ctx.datasource_default()?;
//! println!("{} via {}", ds.name(), ds.url());
//! ctx.shutdown().await?;
//! # Ok(()) }
//! ```

// With no driver compiled in, the driver-specific paths vanish and leave the rest unused; such a
// build exists only to tell the user which starter to add.
#![cfg_attr(
    not(any(feature = "postgres", feature = "mysql", feature = "sqlite")),
    allow(unused, unreachable_code)
)]

pub mod cache;
pub mod context;
pub mod datasource;
mod definition;
pub mod driver;
pub mod entity;
mod error;
mod executor;
mod mapping;
pub mod migrate;
pub mod prelude;
pub mod repository;
pub mod schema;
pub mod sql;
pub mod tx;
pub mod value;

pub use error::{DataError, DataResult, ErrorCategory};
pub use framework_tx_macros::embed_migrations;

#[doc(hidden)]
pub mod __private {
    //! Re-exports for generated code; not a public API.
    pub use chrono;
    pub use framework_core::__private::linkme;
    pub use framework_core::Beans;
    pub use framework_core::context::BoxFuture;
    pub use framework_tx_macros::repository_impl;
    pub use shaku;

    pub use crate::entity::macro_support::{
        EmbeddedInfo, Need, embedded_property, unexpected_null,
    };
    pub use crate::mapping::{MetadataBuilder, Role};

    /// A stream that yields one error (a repository whose arguments failed to bind).
    pub fn stream_error<E: crate::entity::Entity>(
        error: crate::DataError,
    ) -> crate::repository::EntityStream<'static, E> {
        crate::repository::stream::failed(error)
    }
}
