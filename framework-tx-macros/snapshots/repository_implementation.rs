///The generated implementation of [`OwnerRepository`] on the DataSource `default`: a shaku component (list it in your module's `components`) or, without a module, `OwnerRepositoryImpl::new(datasource)`.
#[derive(Clone)]
pub struct OwnerRepositoryImpl {
    repository: ::std::sync::Arc<::framework_data::__private::generated::Binding<Owner>>,
}
impl OwnerRepositoryImpl {
    /// The repository on `datasource`, without a shaku module.
    pub fn new(datasource: ::framework_data::datasource::DataSource) -> Self {
        OwnerRepositoryImpl {
            repository: ::std::sync::Arc::new(
                ::framework_data::__private::generated::Binding::new(
                    ::framework_data::repository::Repository::new(datasource),
                ),
            ),
        }
    }
}
::framework_data::__delegate_crud_repository!(OwnerRepositoryImpl, Owner, repository);
impl<M> ::framework_data::__private::shaku::Component<M> for OwnerRepositoryImpl
where
    M: ::framework_data::__private::shaku::Module
        + ::framework_data::__private::shaku::HasComponent<
            ::framework_data::__private::Beans,
        >,
{
    type Interface = dyn OwnerRepository;
    type Parameters = ();
    fn build(
        context: &mut ::framework_data::__private::shaku::ModuleBuildContext<M>,
        _: (),
    ) -> ::std::boxed::Box<dyn OwnerRepository> {
        let beans = <M as ::framework_data::__private::shaku::HasComponent<
            ::framework_data::__private::Beans,
        >>::build_component(context);
        ::std::boxed::Box::new(OwnerRepositoryImpl {
            repository: ::std::sync::Arc::new(
                ::framework_data::__private::generated::Binding::from_beans(
                    &beans,
                    "default",
                ),
            ),
        })
    }
}
impl OwnerRepository for OwnerRepositoryImpl {
    fn find_by_address_city_order_by_name_desc<'__fw>(
        &'__fw self,
        city: &'__fw str,
    ) -> ::framework_data::__private::BoxFuture<'__fw, DataResult<Vec<Owner>>> {
        ::std::boxed::Box::pin(async move {
            const _: () = if !::framework_data::__private::embedded_property(
                <Owner>::__fw_embedded_address,
                "city",
                ::framework_data::__private::Need::Exists,
            ) {
                ::core::panic!(
                    "`find_by_address_city_order_by_name_desc`: `Owner` has no property `address_city`: `address` has no field `city`"
                )
            };
            static QUERY: ::framework_data::__private::derived::DerivedQuery = ::framework_data::__private::derived::DerivedQuery {
                method: "OwnerRepository::find_by_address_city_order_by_name_desc",
                subject: ::framework_data::__private::derived::Subject::Find,
                distinct: false,
                limit: ::core::option::Option::None,
                parts: &[
                    ::framework_data::__private::derived::Part {
                        property: "address.city",
                        op: ::framework_data::__private::derived::Op::Eq,
                        ignore_case: false,
                        group: 0u16,
                    },
                ],
                order: &[("name", true)],
                lock: ::core::option::Option::None,
                visibility: ::framework_data::sql::Visibility::Live,
                cache_region: ::core::option::Option::None,
            };
            static CACHE: ::framework_data::__private::derived::QueryCache = ::framework_data::__private::derived::QueryCache::new();
            let mut __call = ::framework_data::__private::derived::Call::new(
                &QUERY,
                &CACHE,
                self.repository.get()?,
            );
            __call.value(0usize, city)?;
            __call.fetch_all().await
        })
    }
    fn count_by_active_true<'__fw>(
        &'__fw self,
    ) -> ::framework_data::__private::BoxFuture<'__fw, DataResult<u64>> {
        ::std::boxed::Box::pin(async move {
            static QUERY: ::framework_data::__private::derived::DerivedQuery = ::framework_data::__private::derived::DerivedQuery {
                method: "OwnerRepository::count_by_active_true",
                subject: ::framework_data::__private::derived::Subject::Count,
                distinct: false,
                limit: ::core::option::Option::None,
                parts: &[
                    ::framework_data::__private::derived::Part {
                        property: "active",
                        op: ::framework_data::__private::derived::Op::True,
                        ignore_case: false,
                        group: 0u16,
                    },
                ],
                order: &[],
                lock: ::core::option::Option::None,
                visibility: ::framework_data::sql::Visibility::Live,
                cache_region: ::core::option::Option::None,
            };
            static CACHE: ::framework_data::__private::derived::QueryCache = ::framework_data::__private::derived::QueryCache::new();
            let mut __call = ::framework_data::__private::derived::Call::new(
                &QUERY,
                &CACHE,
                self.repository.get()?,
            );
            __call.count().await
        })
    }
    fn by_ids<'__fw>(
        &'__fw self,
        ids: &'__fw [i64],
    ) -> ::framework_data::__private::BoxFuture<'__fw, DataResult<Vec<Owner>>> {
        ::std::boxed::Box::pin(async move {
            static QUERY: ::framework_data::__private::native::NativeQuery = ::framework_data::__private::native::NativeQuery {
                method: "OwnerRepository::by_ids",
                sql: &[
                    ::framework_data::__private::native::Segment::Text(
                        "SELECT * FROM owners WHERE id IN (",
                    ),
                    ::framework_data::__private::native::Segment::List,
                    ::framework_data::__private::native::Segment::Text(")"),
                ],
                count: ::core::option::Option::None,
            };
            static CACHE: ::framework_data::__private::native::NativeCache = ::framework_data::__private::native::NativeCache::new();
            let mut __call = ::framework_data::__private::native::NativeCall::new(
                &QUERY,
                &CACHE,
                self.repository.get()?,
            );
            __call.list(ids.iter())?;
            __call.entities().await
        })
    }
}
