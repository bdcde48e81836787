//! Dynamic queries: conditions assembled at run time, typed by the entity.
//!
//! Derived queries (`find_by_email`) cover what is known when the code is written, `#[query]`
//! covers hand-written SQL. A search form with optional filters sits between them: its
//! condition is only known per request. `#[derive(Entity)]` generates typed field paths
//! (`Account::fields().balance_cents()` is a [`Field<Account, i64>`]); their methods build a
//! [`Spec<Account>`], and every repository runs specifications: `find_all_by`, `find_one_by`,
//! `find_page_by`, `count_by_spec`, `exists_by_spec`, `delete_by_spec` and `update_by_spec`
//! (with an [`Update`]).
//!
//! ```no_run
//! use framework_data::prelude::*;
//!
//! #[derive(Entity, Debug, Clone)]
//! #[entity(table = "pets", crate = "framework_data")] // `crate` only inside this crate's docs
//! pub struct Pet {
//!     #[id(generated)] pub id: i64,
//!     pub name: String,
//!     pub age: i32,
//!     #[many_to_one(column = "owner_id")] pub owner: Ref<Owner>,
//! }
//!
//! #[derive(Entity, Debug, Clone)]
//! #[entity(table = "owners", crate = "framework_data")]
//! pub struct Owner {
//!     #[id(generated)] pub id: i64,
//!     pub last_name: String,
//! }
//!
//! # async fn demo(pets: Repository<Pet>) -> DataResult<()> {
//! let f = Pet::fields();
//! let young_davises = f.age().lt(3).and(f.owner().last_name().eq("Davis"));
//! let page = pets.find_page_by(young_davises, Pageable::of(0, 20).sorted(Sort::asc("name"))).await?;
//! # Ok(()) }
//! ```
//!
//! Values are always bound, never spliced into the text, and a statement text is built once per
//! shape of the tree (its operators, paths and IN-list lengths padded to a power of two), so a
//! repeated search only binds. Specifications run in the task's transaction like every other
//! repository call, see only the live rows of a soft-deleting entity (unless the repository
//! was asked for more), and a path through a `#[many_to_one]` or `#[one_to_many]` association
//! is a semi-join (`owner_id IN (SELECT id FROM owners WHERE last_name = ?)`), so each row comes
//! once.

pub(crate) mod condition;
mod example;
mod field;
mod path;
mod select;
mod spec;
mod subquery;
mod update;
pub(crate) mod write;

pub use example::{Example, ExampleMatcher, PropertyMatcher, StringMatcher};
pub use field::{Field, HasFields, Operand, TextValue};
pub use select::{Comparable, Expr, Having, IntoExpr, Ordered, Select, Selection, Summable};
pub use spec::Spec;
pub use update::Update;
pub(crate) use path::{condition_site, record_path_read, single_key, unknown_property};
