//! # starter-mysql
//!
//! The one dependency a mysql application needs, like `spring-boot-starter-*`: it compiles
//! the mysql driver into `framework-data` (whose DataSource auto-configuration then accepts
//! mysql URLs) and re-exports the prelude.
//!
//! ```no_run
//! use starter_mysql::prelude::*;
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let ctx = ApplicationContext::builder().config_dir("config").start().await?;
//! let ds = ctx.datasource_default()?;
//! ds.ping().await?;
//! ctx.shutdown().await?;
//! # Ok(()) }
//! ```

pub use framework_core;
pub use framework_data;
/// Compiles a `migrations/` folder into the binary: `starter_x::embed_migrations!("migrations");`
/// (see the README's "Migrations").
pub use framework_data::embed_migrations;
/// Migrations: `migrate::cli::run(builder, &args)` gives an application the `migrate`, `info`
/// and `validate` commands.
pub use framework_data::migrate;

/// Everything an application usually needs, in one `use`.
pub mod prelude {
    pub use framework_data::prelude::*;
}
