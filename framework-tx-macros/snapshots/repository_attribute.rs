pub trait OwnerRepository: CrudRepository<
        Owner,
    > + ::framework_data::__private::shaku::Interface {
    fn find_by_address_city_order_by_name_desc<'__fw>(
        &'__fw self,
        city: &'__fw str,
    ) -> ::framework_data::__private::BoxFuture<'__fw, DataResult<Vec<Owner>>>;
    fn count_by_active_true<'__fw>(
        &'__fw self,
    ) -> ::framework_data::__private::BoxFuture<'__fw, DataResult<u64>>;
    fn by_ids<'__fw>(
        &'__fw self,
        ids: &'__fw [i64],
    ) -> ::framework_data::__private::BoxFuture<'__fw, DataResult<Vec<Owner>>>;
}
Owner! {
    @ fd(::framework_data) @ datasource "default" @ entity(Owner) @ item pub trait
    OwnerRepository : CrudRepository < Owner > { async fn
    find_by_address_city_order_by_name_desc(& self, city : & str) -> DataResult < Vec <
    Owner > >; async fn count_by_active_true(& self) -> DataResult < u64 >;
    #[query("SELECT * FROM owners WHERE id IN (:ids)")] async fn by_ids(& self, ids : &
    [i64]) -> DataResult < Vec < Owner > >; }
}
