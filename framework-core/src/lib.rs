//! # framework-core
//!
//! Configuration with profiles, the [`ApplicationContext`] with shaku underneath, the start-up
//! and shutdown sequence, and the error type shared by all crates. Nothing here knows about SQL:
//! DataSources, migrations and caches join start-up as [`AutoConfiguration`]s from their own
//! crates.
//!
//! ```no_run
//! use framework_core::ApplicationContext;
//! # async fn run() -> Result<(), framework_core::Error> {
//! let ctx = ApplicationContext::builder().config_dir("config").start().await?;
//! ctx.shutdown().await
//! # }
//! ```

pub mod config;
pub mod context;
mod error;
pub mod management;

pub use context::{
    ApplicationContext, ApplicationContextBuilder, AutoConfiguration, Beans, NoModule, Stage,
};
pub use error::Error;

#[doc(hidden)]
pub mod __private {
    //! Re-exports used by the framework's macros and crates; not a public API.
    pub use linkme;
}
