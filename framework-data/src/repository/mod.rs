//! Repositories: [`CrudRepository`] and its implementation [`Repository`], with [`Sort`],
//! [`Pageable`] and [`Page`].

mod crud;
pub mod derived;
#[doc(hidden)]
pub mod generated;
pub mod native;
mod page;
pub(crate) mod stream;

pub use crud::{CrudRepository, Repository};
pub use page::{Direction, Order, Page, Pageable, Sort};
pub use stream::EntityStream;
