//! Support for the repositories `#[repository]` generates: where they get their
//! [`Repository`], and the CRUD methods they delegate to it. Not a public API.

use framework_core::Beans;

use super::Repository;
use crate::datasource::DataSources;
use crate::entity::Entity;
use crate::error::{DataError, DataResult};

/// The `Repository<E>` a generated repository runs on, or why there is none (its DataSource is
/// not configured): that error is returned by every call rather than failing the module build.
#[doc(hidden)]
pub struct Binding<E: Entity> {
    repo: Result<Repository<E>, (String, Vec<String>)>,
}

impl<E: Entity> Binding<E> {
    /// On `repo`.
    pub fn new(repo: Repository<E>) -> Self {
        Binding { repo: Ok(repo) }
    }

    /// On the DataSource `datasource` of the context's beans.
    pub fn from_beans(beans: &Beans, datasource: &str) -> Self {
        let all = beans.get::<DataSources>().unwrap_or_default();
        match all.get(datasource) {
            Ok(ds) => Self::new(Repository::new(ds)),
            Err(_) => {
                let available: Vec<String> = all.iter().map(|d| d.name().to_owned()).collect();
                tracing::error!(
                    entity = E::metadata().name,
                    datasource,
                    "repository bound to a DataSource that is not configured; its calls will fail"
                );
                Binding {
                    repo: Err((datasource.to_owned(), available)),
                }
            }
        }
    }

    /// The repository, or [`DataError::NoSuchDataSource`].
    pub fn get(&self) -> DataResult<&Repository<E>> {
        self.repo
            .as_ref()
            .map_err(|(name, available)| DataError::NoSuchDataSource {
                name: name.clone(),
                available: available.clone(),
            })
    }
}

/// Implements `CrudRepository<$entity>` for `$ty` by delegating to its `Binding` field.
#[doc(hidden)]
#[macro_export]
macro_rules! __delegate_crud_repository {
    ($ty:ty, $entity:ty, $field:ident) => {
        impl $crate::repository::CrudRepository<$entity> for $ty {
            fn save(&self, entity: $entity) -> $crate::__private::BoxFuture<'_, $crate::DataResult<$entity>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.save(entity).await })
            }
            fn save_all(&self, entities: ::std::vec::Vec<$entity>) -> $crate::__private::BoxFuture<'_, $crate::DataResult<::std::vec::Vec<$entity>>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.save_all(entities).await })
            }
            fn upsert<'a>(&'a self, entity: $entity, on: &'a [&'a str]) -> $crate::__private::BoxFuture<'a, $crate::DataResult<$entity>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.upsert(entity, on).await })
            }
            fn upsert_all<'a>(&'a self, entities: ::std::vec::Vec<$entity>, on: &'a [&'a str]) -> $crate::__private::BoxFuture<'a, $crate::DataResult<::std::vec::Vec<$entity>>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.upsert_all(entities, on).await })
            }
            fn insert_all_ignore_conflicts(&self, entities: ::std::vec::Vec<$entity>) -> $crate::__private::BoxFuture<'_, $crate::DataResult<()>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.insert_all_ignore_conflicts(entities).await })
            }
            fn find_by_id(&self, id: <$entity as $crate::entity::Entity>::Id) -> $crate::__private::BoxFuture<'_, $crate::DataResult<::core::option::Option<$entity>>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.find_by_id(id).await })
            }
            fn find_by_id_for_update(&self, id: <$entity as $crate::entity::Entity>::Id) -> $crate::__private::BoxFuture<'_, $crate::DataResult<::core::option::Option<$entity>>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.find_by_id_for_update(id).await })
            }
            fn find_all(&self) -> $crate::__private::BoxFuture<'_, $crate::DataResult<::std::vec::Vec<$entity>>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.find_all().await })
            }
            fn find_all_by_id(&self, ids: ::std::vec::Vec<<$entity as $crate::entity::Entity>::Id>) -> $crate::__private::BoxFuture<'_, $crate::DataResult<::std::vec::Vec<$entity>>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.find_all_by_id(ids).await })
            }
            fn find_all_sorted(&self, sort: $crate::repository::Sort) -> $crate::__private::BoxFuture<'_, $crate::DataResult<::std::vec::Vec<$entity>>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.find_all_sorted(sort).await })
            }
            fn find_all_paged(&self, pageable: $crate::repository::Pageable) -> $crate::__private::BoxFuture<'_, $crate::DataResult<$crate::repository::Page<$entity>>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.find_all_paged(pageable).await })
            }
            fn count(&self) -> $crate::__private::BoxFuture<'_, $crate::DataResult<u64>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.count().await })
            }
            fn exists_by_id(&self, id: <$entity as $crate::entity::Entity>::Id) -> $crate::__private::BoxFuture<'_, $crate::DataResult<bool>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.exists_by_id(id).await })
            }
            fn delete(&self, entity: $entity) -> $crate::__private::BoxFuture<'_, $crate::DataResult<()>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.delete(entity).await })
            }
            fn delete_by_id(&self, id: <$entity as $crate::entity::Entity>::Id) -> $crate::__private::BoxFuture<'_, $crate::DataResult<bool>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.delete_by_id(id).await })
            }
            fn delete_all(&self) -> $crate::__private::BoxFuture<'_, $crate::DataResult<u64>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.delete_all().await })
            }
            fn restore(&self, id: <$entity as $crate::entity::Entity>::Id) -> $crate::__private::BoxFuture<'_, $crate::DataResult<bool>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.restore(id).await })
            }
            fn find_all_by(&self, spec: $crate::query::Spec<$entity>) -> $crate::__private::BoxFuture<'_, $crate::DataResult<::std::vec::Vec<$entity>>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.find_all_by(spec).await })
            }
            fn find_all_sorted_by(&self, spec: $crate::query::Spec<$entity>, sort: $crate::repository::Sort) -> $crate::__private::BoxFuture<'_, $crate::DataResult<::std::vec::Vec<$entity>>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.find_all_sorted_by(spec, sort).await })
            }
            fn find_one_by(&self, spec: $crate::query::Spec<$entity>) -> $crate::__private::BoxFuture<'_, $crate::DataResult<::core::option::Option<$entity>>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.find_one_by(spec).await })
            }
            fn find_page_by(&self, spec: $crate::query::Spec<$entity>, pageable: $crate::repository::Pageable) -> $crate::__private::BoxFuture<'_, $crate::DataResult<$crate::repository::Page<$entity>>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.find_page_by(spec, pageable).await })
            }
            fn count_by_spec(&self, spec: $crate::query::Spec<$entity>) -> $crate::__private::BoxFuture<'_, $crate::DataResult<u64>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.count_by_spec(spec).await })
            }
            fn exists_by_spec(&self, spec: $crate::query::Spec<$entity>) -> $crate::__private::BoxFuture<'_, $crate::DataResult<bool>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.exists_by_spec(spec).await })
            }
            fn delete_by_spec(&self, spec: $crate::query::Spec<$entity>) -> $crate::__private::BoxFuture<'_, $crate::DataResult<u64>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.delete_by_spec(spec).await })
            }
            fn update_by_spec(&self, spec: $crate::query::Spec<$entity>, update: $crate::query::Update<$entity>) -> $crate::__private::BoxFuture<'_, $crate::DataResult<u64>> {
                ::std::boxed::Box::pin(async move { self.$field.get()?.update_by_spec(spec, update).await })
            }
        }
    };
}
