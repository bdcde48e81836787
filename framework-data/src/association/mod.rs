//! Associations between entities, loaded on request with one statement per level, never one
//! per parent.
//!
//! A to-one association is a [`Ref<T>`] field: it always holds the foreign key, and holds the
//! target once loaded. A to-many association is a [`Related<Vec<T>>`] field: `NotLoaded` until
//! loaded, then the children. Nothing is loaded behind your back: reading an association that
//! was not loaded is [`DataError::NotLoaded`], never a panic and
//! never a hidden query. [`Repository::load`](crate::repository::Repository::load) loads a path
//! (`"posts"`, `"posts.comments"`, `"author"`) for a whole list of entities: one `SELECT ...
//! WHERE fk IN (...)` per level over all the parents' keys (chunked by the bind limit), so a page
//! of 20 users with their posts and the posts' comments is 3 statements, not 1 + 20 + 20 x n.
//!
//! ```no_run
//! use framework_data::prelude::*;
//!
//! #[derive(Entity, Debug, Clone)]
//! #[entity(table = "users", crate = "framework_data")]
//! pub struct User {
//!     #[id(generated)] pub id: i64,
//!     pub name: String,
//!     #[one_to_many(mapped_by = "author", order_by = "title asc")]
//!     pub posts: Related<Vec<Post>>,
//! }
//!
//! #[derive(Entity, Debug, Clone)]
//! #[entity(table = "posts", crate = "framework_data")]
//! pub struct Post {
//!     #[id(generated)] pub id: i64,
//!     pub title: String,
//!     #[many_to_one(column = "author_id")]
//!     pub author: Ref<User>,
//! }
//!
//! # async fn demo(ctx: ApplicationContext) -> DataResult<()> {
//! let users = ctx.repository::<User>()?;
//! let mut page = users.find_all().await?;
//! users.load(&mut page, "posts").await?; // one statement for every user's posts
//! for user in &page {
//!     for post in user.posts.get()? {
//!         assert_eq!(post.author.id(), &user.id);
//!     }
//! }
//! let posts = ctx.repository::<Post>()?;
//! let mut all = posts.find_all().await?;
//! posts.load(&mut all, "author").await?; // one statement for the distinct authors
//! let first_author: &User = all[0].author.get()?;
//! # let _ = first_author; Ok(()) }
//! ```
//!
//! Writing: a `Ref` is saved as its key (`Ref::to(id)`, or `Ref::from(&user)`); a `Related`
//! collection is written by `save` only with a cascade (`#[one_to_many(.., cascade = "all")]`),
//! and only when loaded.
//!
//! Beyond `load`: `#[fetch(..)]` on repository methods and [`Repository::fetching`] for the CRUD
//! reads name paths per call; `fetch = "eager"` on an association loads it with every read (see
//! [`FetchChain`] for how eager cycles end); `#[one_to_many(.., cache)]` keeps each parent's
//! children in the parent's cache region (see [`cache`](crate::cache)).

mod eager;
mod fetching;
mod loader;
mod reference;
mod related;

pub use eager::FetchChain;
#[doc(hidden)]
pub use eager::load_eager_root;
pub use fetching::Fetching;

pub use reference::{Ref, RefField};
pub use related::Related;
#[doc(hidden)]
pub use related::Children;

use crate::datasource::DataSource;
use crate::entity::Entity;
use crate::error::{DataError, DataResult};
use crate::repository::Repository;

/// The associations of an entity, as `#[derive(Entity)]` generates them: loading one by name
/// for a list of parents. Every derived entity implements it (one without associations answers
/// every name with [`DataError::UnknownProperty`]).
pub trait Associations: Entity {
    /// Loads association `name` on `parents`, then `rest` (a dotted path, possibly empty) on
    /// what was loaded.
    ///
    /// `chain` is the eager expansion in progress (see [`FetchChain`]): what is loaded gets
    /// its own eager associations unless its type is on it.
    fn load_association<'a>(
        parents: Vec<&'a mut Self>,
        name: &'a str,
        rest: &'a str,
        ds: &'a DataSource,
        chain: &'a FetchChain,
    ) -> crate::__private::BoxFuture<'a, DataResult<()>>;

    /// The associations declared `fetch = "eager"`, with their target types.
    fn eager_associations() -> &'static [EagerAssociation] {
        &[]
    }

    /// `Ok` when `path` (`"posts.comments"`) names associations all the way down, else
    /// [`DataError::UnknownProperty`] for the first segment that does not.
    fn check_association_path(path: &str) -> DataResult<()>;

    /// Points the `#[many_to_one]` field `property` at the entity with id `key` (a value of
    /// that target's id type): a cascade sets each child's back-reference to its parent this
    /// way. False when there is no such field or `key` is of another type.
    fn set_reference(&mut self, property: &str, key: &dyn std::any::Any) -> bool;
}

/// An association declared `fetch = "eager"`: its name and its target type.
pub type EagerAssociation = (&'static str, fn() -> std::any::TypeId);

/// Splits `"posts.comments"` into `("posts", "comments")`.
#[doc(hidden)]
pub fn split_path(path: &str) -> (&str, &str) {
    match path.split_once('.') {
        Some((head, rest)) => (head, rest),
        None => (path, ""),
    }
}

/// The error for a path segment that is not an association of `E`.
#[doc(hidden)]
pub fn unknown_association<E: Entity>(name: &str, known: &[&'static str]) -> DataError {
    DataError::UnknownProperty {
        entity: E::metadata().name,
        property: name.to_owned(),
        known: known.to_vec(),
    }
}

impl<E: Associations> Repository<E> {
    /// Loads the association path `path` (`"posts"`, `"posts.comments"`, `"author"`) on every
    /// entity of `entities`: one statement per level, whatever their number. A to-many level
    /// already loaded on every entity is not fetched again, so `load(.., "posts")` then
    /// `load(.., "posts.comments")` sends two statements. Runs in the task's transaction on
    /// this DataSource when there is one.
    ///
    /// ```no_run
    /// # use framework_data::prelude::*;
    /// # #[derive(Entity, Debug, Clone)] #[entity(table = "users", crate = "framework_data")]
    /// # pub struct User { #[id(generated)] pub id: i64 }
    /// # async fn demo(users: Repository<User>) -> DataResult<()> {
    /// let mut page = users.find_all().await?;
    /// // an unknown name is DataError::UnknownProperty, before any statement
    /// assert!(users.load(&mut page, "no_such_association").await.is_err());
    /// # Ok(()) }
    /// ```
    pub async fn load(&self, entities: &mut [E], path: &str) -> DataResult<()> {
        E::check_association_path(path)?;
        if entities.is_empty() {
            return Ok(());
        }
        let (head, rest) = split_path(path);
        let chain = FetchChain::default();
        E::load_association(entities.iter_mut().collect(), head, rest, self.datasource(), &chain)
            .await
    }

    /// [`load`](Self::load) for one entity.
    pub async fn load_one(&self, entity: &mut E, path: &str) -> DataResult<()> {
        self.load(std::slice::from_mut(entity), path).await
    }
}

mod cascade;

#[doc(hidden)]
pub use cascade::{cascade_delete, cascade_save, link_delete, link_save};
#[doc(hidden)]
pub use crate::mapping::JoinTable;
#[doc(hidden)]
pub use loader::{many_to_many, many_to_one, one_to_many};

/// What a repository method with `#[fetch(...)]` may return: entities to load paths on.
#[diagnostic::on_unimplemented(
    message = "#[fetch] needs a method returning entities of `{E}`",
    label = "returns `{Self}`",
    note = "return `DataResult<Vec<E>>`, `DataResult<Option<E>>`, `DataResult<Page<E>>` or `DataResult<E>`"
)]
pub trait Fetchable<E> {
    /// The entities.
    fn entities_mut(&mut self) -> &mut [E];
}

impl<E: Associations> Fetchable<E> for Vec<E> {
    fn entities_mut(&mut self) -> &mut [E] {
        self
    }
}

impl<E: Associations> Fetchable<E> for Option<E> {
    fn entities_mut(&mut self) -> &mut [E] {
        self.as_mut_slice()
    }
}

impl<E: Associations> Fetchable<E> for crate::repository::Page<E> {
    fn entities_mut(&mut self) -> &mut [E] {
        &mut self.content
    }
}

impl<E: Associations> Fetchable<E> for crate::repository::Window<E> {
    fn entities_mut(&mut self) -> &mut [E] {
        &mut self.content
    }
}

impl<E: Associations> Fetchable<E> for E {
    fn entities_mut(&mut self) -> &mut [E] {
        std::slice::from_mut(self)
    }
}

/// Loads `path` on what a `#[fetch]` method found.
#[doc(hidden)]
pub async fn fetch<E: Associations, F: Fetchable<E>>(
    found: &mut F,
    repository: &Repository<E>,
    path: &str,
) -> DataResult<()> {
    repository.load(found.entities_mut(), path).await
}
