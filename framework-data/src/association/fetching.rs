//! A repository's CRUD reads with a fetch plan: `repo.fetching(["posts", "posts.comments"])`.

use super::Associations;
use crate::error::DataResult;
use crate::repository::{Page, Pageable, Repository, Sort};

/// The CRUD reads of a [`Repository`] that also load association paths on what they find:
/// what `#[fetch(...)]` does for a repository method, for `find_by_id`, `find_all` and the
/// rest. One statement per path level, whatever the number of entities; the paths are checked
/// before any statement (an unknown one is [`DataError::UnknownProperty`](crate::DataError)).
///
/// ```no_run
/// use framework_data::prelude::*;
///
/// #[derive(Entity, Debug, Clone)]
/// #[entity(table = "users", crate = "framework_data")]
/// pub struct User {
///     #[id(generated)] pub id: i64,
///     pub name: String,
///     #[one_to_many(mapped_by = "author")]
///     pub posts: Related<Vec<Post>>,
/// }
///
/// #[derive(Entity, Debug, Clone)]
/// #[entity(table = "posts", crate = "framework_data")]
/// pub struct Post {
///     #[id(generated)] pub id: i64,
///     #[many_to_one(column = "author_id")]
///     pub author: Ref<User>,
/// }
///
/// # async fn demo(users: Repository<User>) -> DataResult<()> {
/// // The page, its count and every user's posts: 3 statements.
/// let page = users.fetching(["posts"]).find_all_paged(Pageable::of(0, 20)).await?;
/// for user in &page.content {
///     println!("{}: {} posts", user.name, user.posts.get()?.len());
/// }
/// # Ok(()) }
/// ```
pub struct Fetching<'r, E: Associations> {
    repository: &'r Repository<E>,
    paths: Vec<String>,
}

impl<E: Associations> Repository<E> {
    /// This repository's CRUD reads, loading `paths` on what they find (see [`Fetching`]).
    pub fn fetching<P: Into<String>>(&self, paths: impl IntoIterator<Item = P>) -> Fetching<'_, E> {
        Fetching {
            repository: self,
            paths: paths.into_iter().map(Into::into).collect(),
        }
    }
}

impl<E: Associations> Fetching<'_, E> {
    fn check(&self) -> DataResult<()> {
        self.paths
            .iter()
            .try_for_each(|p| E::check_association_path(p))
    }

    async fn load(&self, found: &mut [E]) -> DataResult<()> {
        for path in &self.paths {
            self.repository.load(found, path).await?;
        }
        Ok(())
    }

    /// [`Repository::find_by_id`], with the paths loaded.
    pub async fn find_by_id(&self, id: E::Id) -> DataResult<Option<E>> {
        self.check()?;
        let mut found = self.repository.find_by_id(id).await?;
        self.load(found.as_mut_slice()).await?;
        Ok(found)
    }

    /// [`Repository::find_all`], with the paths loaded.
    pub async fn find_all(&self) -> DataResult<Vec<E>> {
        self.check()?;
        let mut found = self.repository.find_all().await?;
        self.load(&mut found).await?;
        Ok(found)
    }

    /// [`Repository::find_all_by_id`], with the paths loaded.
    pub async fn find_all_by_id(&self, ids: Vec<E::Id>) -> DataResult<Vec<E>> {
        self.check()?;
        let mut found = self.repository.find_all_by_id(ids).await?;
        self.load(&mut found).await?;
        Ok(found)
    }

    /// [`Repository::find_all_sorted`], with the paths loaded.
    pub async fn find_all_sorted(&self, sort: Sort) -> DataResult<Vec<E>> {
        self.check()?;
        let mut found = self.repository.find_all_sorted(sort).await?;
        self.load(&mut found).await?;
        Ok(found)
    }

    /// [`Repository::find_all_paged`], with the paths loaded.
    pub async fn find_all_paged(&self, pageable: Pageable) -> DataResult<Page<E>> {
        self.check()?;
        let mut page = self.repository.find_all_paged(pageable).await?;
        self.load(&mut page.content).await?;
        Ok(page)
    }

    /// [`Repository::find_all_by`], with the paths loaded.
    pub async fn find_all_by(&self, spec: impl Into<crate::query::Spec<E>>) -> DataResult<Vec<E>> {
        self.check()?;
        let mut found = self.repository.find_all_by(spec).await?;
        self.load(&mut found).await?;
        Ok(found)
    }

    /// [`Repository::find_one_by`], with the paths loaded.
    pub async fn find_one_by(&self, spec: impl Into<crate::query::Spec<E>>) -> DataResult<Option<E>> {
        self.check()?;
        let mut found = self.repository.find_one_by(spec).await?;
        self.load(found.as_mut_slice()).await?;
        Ok(found)
    }

    /// [`Repository::find_page_by`], with the paths loaded.
    pub async fn find_page_by(
        &self,
        spec: impl Into<crate::query::Spec<E>>,
        pageable: Pageable,
    ) -> DataResult<Page<E>> {
        self.check()?;
        let mut page = self.repository.find_page_by(spec, pageable).await?;
        self.load(&mut page.content).await?;
        Ok(page)
    }
}
