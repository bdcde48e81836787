//! Repositories: reading and writing entities without writing SQL.
//!
//! Three levels, each built on the one before:
//!
//! - [`Repository<E>`]: the CRUD methods of one entity type on one DataSource (`save`,
//!   `save_all`, `find_by_id`, `find_all_paged`, `delete`, ...), with the statement texts built
//!   once per dialect and the entity cache consulted where the entity opts in. Get one from the
//!   context (`ctx.repository::<Account>()`) or with `Repository::new(datasource)`.
//! - [`CrudRepository<E>`]: the same methods as an object-safe trait, what a `#[repository]`
//!   trait extends and what components receive as `Arc<dyn AccountRepository>`.
//! - `#[repository]` on a trait: methods named like Spring Data's (`find_by_email`,
//!   `count_by_status`, `find_top3_by_owner_order_by_balance_desc`) are parsed at compile time,
//!   checked against the entity's fields and implemented; `#[query("...")]` methods run the SQL
//!   given, with `:name` parameters.
//!
//! [`Sort`] and [`Pageable`] order and slice results; a paged query returns a [`Page`] with the
//! total count. Every call joins the task's current transaction on the DataSource when there is
//! one (see [`tx`](crate::tx)); outside one, each statement auto-commits.
//!
//! ```no_run
//! use framework_data::prelude::*;
//!
//! #[derive(Entity, Debug, Clone)]
//! #[entity(table = "accounts", crate = "framework_data")] // `crate` only inside this crate's docs
//! pub struct Account {
//!     #[id(generated)] pub id: i64,
//!     pub owner: String,
//!     pub balance_cents: i64,
//! }
//!
//! # async fn demo(ctx: &ApplicationContext) -> DataResult<()> {
//! let accounts = ctx.repository::<Account>()?;
//! let ann = accounts.save(Account { id: 0, owner: "Ann".into(), balance_cents: 100 }).await?;
//! let page = accounts.find_all_paged(Pageable::of(0, 20).sorted(Sort::desc("balance_cents"))).await?;
//! println!("{} of {} accounts; Ann is {}", page.content.len(), page.total_elements, ann.id);
//! # Ok(()) }
//! ```

pub(crate) mod cascade;
mod crud;
pub(crate) mod derived;
pub(crate) mod eager;
pub(crate) mod generated;
pub mod listener;
mod locking;
pub(crate) mod native;
mod page;
mod property_path;
pub mod soft_delete;
mod select;
mod specification;
pub mod statement;
mod sql_client;
mod upsert;
pub mod window;
pub(crate) mod stream;

pub use crate::sql::{Lock, LockMode, LockWait};
pub use crud::{CrudRepository, Repository};
pub use listener::EntityListener;
pub use native::FromQueryRow;
pub use page::{Direction, Order, Page, Pageable, Sort};
pub use sql_client::SqlStatement;
pub use stream::EntityStream;
pub use window::{ScrollPosition, Window};
