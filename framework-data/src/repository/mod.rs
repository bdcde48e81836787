//! Repositories: [`CrudRepository`] and its implementation [`Repository`], with [`Sort`],
//! [`Pageable`] and [`Page`].

mod crud;
mod page;

pub use crud::{CrudRepository, Repository};
pub use page::{Direction, Order, Page, Pageable, Sort};
