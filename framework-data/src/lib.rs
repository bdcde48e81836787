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

// Without a driver the crate could not talk to any database: say so once, instead of
// compiling a crate whose every statement path is empty.
#[cfg(not(any(feature = "postgres", feature = "mysql", feature = "sqlite")))]
compile_error!(
    "framework-data has no database driver compiled in: depend on starter-postgres, starter-mysql or starter-sqlite (or turn on framework-data's `postgres`, `mysql` or `sqlite` feature)"
);

/// The crate's items, compiled when at least one driver is.
macro_rules! with_a_driver {
    ($($item:item)*) => {
        $(
            #[cfg(any(feature = "postgres", feature = "mysql", feature = "sqlite"))]
            $item
        )*
    };
}

with_a_driver! {
    pub mod association;
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
    pub mod query;
    pub mod repository;
    pub mod schema;
    pub mod sql;
    pub mod tx;
    pub mod value;

    pub use error::{DataError, DataResult, ErrorCategory, Violation};
    pub use framework_tx_macros::embed_migrations;
    pub use framework_tx_macros::seeder;
    /// The validation crate whose rules `#[validate(..)]` on entity fields uses
    /// (`ValidationErrors`, `ValidationError` for custom rules).
    pub use validator;
    /// The SQL builder behind the generated statements, for the statements specifications do
    /// not say (see [`repository::statement`]).
    pub use sea_query;

    /// Re-exports for generated code; not a public API.
    #[doc(hidden)]
    pub mod __private {
        pub use chrono;
        pub use framework_core::__private::linkme;
        pub use framework_core::Beans;
        pub use framework_core::context::BoxFuture;
        pub use framework_tx_macros::repository_impl;
        pub use shaku;

        pub use crate::entity::macro_support::{
            EmbeddedInfo, Need, embedded_property, is_association, path_head, unexpected_null,
        };
        pub use crate::entity::macro_support::EntityFields;

        /// What `#[validate(..)]` rules on entity fields generate calls to.
        pub mod validation {
            pub use crate::entity::validation::{Pending, rule};
            pub use validator;
        }
        pub use crate::mapping::{Collection, IndexMeta, MetadataBuilder, Reference, Role};

        /// Association loading, called by `#[derive(Entity)]`'s `load_association`.
        pub mod assoc {
            pub use crate::association::{
                Associations, FetchChain, JoinTable, RefField, cascade_delete, cascade_save,
                fetch, link_delete, link_save, load_eager_root, many_to_many, many_to_one,
                one_to_many, split_path, unknown_association,
            };
            pub use crate::repository::cascade::CascadeHooks;
            pub use crate::repository::eager::EagerHook;
        }
        pub use crate::sql::builds_total as sql_builds_total;

        /// What derived-query methods generate calls to.
        pub mod derived {
            pub use crate::repository::derived::{Call, DerivedQuery, Op, Part, QueryCache, Subject};
        }

        /// What `#[query]` methods generate calls to.
        pub mod native {
            pub use crate::repository::native::{NativeCache, NativeCall, NativeQuery, Segment};
        }

        /// What a `#[repository]`'s generated component holds.
        pub mod generated {
            pub use crate::repository::generated::Binding;
        }

        /// What `#[transactional]` generates calls to.
        pub mod tx {
            pub use crate::tx::macro_support::*;
            pub use crate::tx::manager::Attempt;
            pub use crate::tx::retry::Retry;
        }

        /// A stream that yields one error (a repository whose arguments failed to bind).
        pub fn stream_error<E: crate::entity::Entity>(
            error: crate::DataError,
        ) -> crate::repository::EntityStream<'static, E> {
            crate::repository::stream::failed(error)
        }
    }
}
