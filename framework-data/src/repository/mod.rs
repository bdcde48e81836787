//! Repositories: [`CrudRepository`] and its implementation [`Repository`], with [`Sort`],
//! [`Pageable`] and [`Page`].

mod crud;
pub(crate) mod derived;
pub(crate) mod generated;
pub(crate) mod native;
mod page;
mod sql_client;
pub(crate) mod stream;

pub use crud::{CrudRepository, Repository};
pub use native::FromQueryRow;
pub use page::{Direction, Order, Page, Pageable, Sort};
pub use sql_client::SqlStatement;
pub use stream::EntityStream;
