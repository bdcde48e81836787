impl ::framework_data::entity::Entity for OrderLine {
    type Id = (i64, i32);
    fn metadata() -> &'static ::framework_data::entity::EntityMetadata {
        static METADATA: ::std::sync::OnceLock<
            ::framework_data::entity::EntityMetadata,
        > = ::std::sync::OnceLock::new();
        METADATA
            .get_or_init(|| {
                ::framework_data::__private::MetadataBuilder::new(
                        "OrderLine",
                        "order_line",
                        "default",
                        ::core::option::Option::None,
                        false,
                    )
                    .column(
                        ::framework_data::entity::ColumnMeta {
                            field: "order_id",
                            column: "order_id",
                            sql_type: <i64 as ::framework_data::value::SqlValue>::SQL_TYPE,
                            nullable: <i64 as ::framework_data::value::SqlValue>::NULLABLE,
                        },
                        ::framework_data::__private::Role::Id,
                    )
                    .column(
                        ::framework_data::entity::ColumnMeta {
                            field: "line_no",
                            column: "line_no",
                            sql_type: <i32 as ::framework_data::value::SqlValue>::SQL_TYPE,
                            nullable: <i32 as ::framework_data::value::SqlValue>::NULLABLE,
                        },
                        ::framework_data::__private::Role::Id,
                    )
                    .column(
                        ::framework_data::entity::ColumnMeta {
                            field: "quantity",
                            column: "quantity",
                            sql_type: <i32 as ::framework_data::value::SqlValue>::SQL_TYPE,
                            nullable: <i32 as ::framework_data::value::SqlValue>::NULLABLE,
                        },
                        ::framework_data::__private::Role::Plain,
                    )
                    .build()
            })
    }
    fn sql() -> &'static ::framework_data::sql::EntitySql {
        static SQL: ::framework_data::sql::EntitySql = ::framework_data::sql::EntitySql::new();
        &SQL
    }
    fn id(&self) -> (i64, i32) {
        (
            ::core::clone::Clone::clone(&self.order_id),
            ::core::clone::Clone::clone(&self.line_no),
        )
    }
    fn set_id(&mut self, id: (i64, i32)) {
        self.order_id = id.0;
        self.line_no = id.1;
    }
    fn bind_id(
        id: &(i64, i32),
        args: &mut ::framework_data::value::Args,
    ) -> ::core::result::Result<(), ::framework_data::value::BoxDynError> {
        args.add(&id.0)?;
        args.add(&id.1)?;
        ::core::result::Result::Ok(())
    }
    fn is_new(&self) -> bool {
        false
    }
    fn bind_column(
        &self,
        idx: usize,
        args: &mut ::framework_data::value::Args,
    ) -> ::core::result::Result<(), ::framework_data::value::BoxDynError> {
        match idx {
            0usize => args.add(&self.order_id),
            1usize => args.add(&self.line_no),
            2usize => args.add(&self.quantity),
            other => {
                ::core::result::Result::Err(
                    ::std::format!("{} has no column {}", "OrderLine", other).into(),
                )
            }
        }
    }
    fn __fw_column(
        &self,
        idx: usize,
    ) -> ::core::option::Option<&dyn ::framework_data::value::ColumnRef> {
        match idx {
            0usize => {
                ::core::option::Option::Some(
                    &self.order_id as &dyn ::framework_data::value::ColumnRef,
                )
            }
            1usize => {
                ::core::option::Option::Some(
                    &self.line_no as &dyn ::framework_data::value::ColumnRef,
                )
            }
            2usize => {
                ::core::option::Option::Some(
                    &self.quantity as &dyn ::framework_data::value::ColumnRef,
                )
            }
            _ => ::core::option::Option::None,
        }
    }
    fn from_row(
        row: &::framework_data::value::Row,
    ) -> ::core::result::Result<Self, ::framework_data::value::DecodeError> {
        ::core::result::Result::Ok(Self {
            order_id: row.get(0usize)?,
            line_no: row.get(1usize)?,
            quantity: row.get(2usize)?,
        })
    }
    fn from_row_at(
        row: &::framework_data::value::Row,
        positions: &[usize],
    ) -> ::core::result::Result<Self, ::framework_data::value::DecodeError> {
        ::core::result::Result::Ok(Self {
            order_id: row
                .get(
                    positions
                        .get(0usize)
                        .copied()
                        .ok_or_else(|| ::framework_data::value::DecodeError::index_out_of_bounds(
                            0usize,
                            positions.len(),
                        ))?,
                )?,
            line_no: row
                .get(
                    positions
                        .get(1usize)
                        .copied()
                        .ok_or_else(|| ::framework_data::value::DecodeError::index_out_of_bounds(
                            1usize,
                            positions.len(),
                        ))?,
                )?,
            quantity: row
                .get(
                    positions
                        .get(2usize)
                        .copied()
                        .ok_or_else(|| ::framework_data::value::DecodeError::index_out_of_bounds(
                            2usize,
                            positions.len(),
                        ))?,
                )?,
        })
    }
}
///Typed paths to the fields of [`OrderLine`], from `OrderLine::fields()`: each method returns a `Field` whose comparisons build a `Spec<OrderLine>`.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrderLineFields;
impl OrderLineFields {
    ///The `order_id` field.
    pub fn order_id(&self) -> ::framework_data::query::Field<OrderLine, i64> {
        ::framework_data::query::Field::new(::core::option::Option::None, "order_id")
    }
    ///The `line_no` field.
    pub fn line_no(&self) -> ::framework_data::query::Field<OrderLine, i32> {
        ::framework_data::query::Field::new(::core::option::Option::None, "line_no")
    }
    ///The `quantity` field.
    pub fn quantity(&self) -> ::framework_data::query::Field<OrderLine, i32> {
        ::framework_data::query::Field::new(::core::option::Option::None, "quantity")
    }
}
///The fields of [`OrderLine`] as an entity `R` reaches them through an association (`R::fields().<association>()`).
pub struct OrderLinePath<R> {
    head: &'static str,
    _root: ::core::marker::PhantomData<fn() -> R>,
}
impl<R> OrderLinePath<R> {
    ///The `order_id` field.
    pub fn order_id(&self) -> ::framework_data::query::Field<R, i64> {
        ::framework_data::query::Field::new(
            ::core::option::Option::Some(self.head),
            "order_id",
        )
    }
    ///The `line_no` field.
    pub fn line_no(&self) -> ::framework_data::query::Field<R, i32> {
        ::framework_data::query::Field::new(
            ::core::option::Option::Some(self.head),
            "line_no",
        )
    }
    ///The `quantity` field.
    pub fn quantity(&self) -> ::framework_data::query::Field<R, i32> {
        ::framework_data::query::Field::new(
            ::core::option::Option::Some(self.head),
            "quantity",
        )
    }
    /// The rows that some associated entity meets `spec` for (one and the same
    /// entity meets all of it: `EXISTS`, written as a semi-join).
    pub fn any(
        &self,
        spec: ::framework_data::query::Spec<OrderLine>,
    ) -> ::framework_data::query::Spec<R> {
        ::framework_data::query::Spec::any_through::<OrderLine>(self.head, spec)
    }
}
impl ::framework_data::query::HasFields for OrderLine {
    type Path<R> = OrderLinePath<R>;
    fn path<R>(head: &'static str) -> OrderLinePath<R> {
        OrderLinePath {
            head,
            _root: ::core::marker::PhantomData,
        }
    }
}
impl OrderLine {
    /// Typed paths to the entity's fields, for specifications (see `framework_data::query`).
    pub fn fields() -> OrderLineFields {
        OrderLineFields
    }
}
#[doc(hidden)]
impl ::framework_data::__private::EntityFields for OrderLine {
    const FIELDS: &'static [::framework_data::entity::embedded::EmbeddedField] = &[
        ::framework_data::entity::embedded::EmbeddedField {
            field: "order_id",
            column: "order_id",
            sql_type: <i64 as ::framework_data::value::SqlValue>::SQL_TYPE,
            nullable: <i64 as ::framework_data::value::SqlValue>::NULLABLE,
            kind: ::framework_data::entity::embedded::PropertyKind::Other,
        },
        ::framework_data::entity::embedded::EmbeddedField {
            field: "line_no",
            column: "line_no",
            sql_type: <i32 as ::framework_data::value::SqlValue>::SQL_TYPE,
            nullable: <i32 as ::framework_data::value::SqlValue>::NULLABLE,
            kind: ::framework_data::entity::embedded::PropertyKind::Other,
        },
        ::framework_data::entity::embedded::EmbeddedField {
            field: "quantity",
            column: "quantity",
            sql_type: <i32 as ::framework_data::value::SqlValue>::SQL_TYPE,
            nullable: <i32 as ::framework_data::value::SqlValue>::NULLABLE,
            kind: ::framework_data::entity::embedded::PropertyKind::Other,
        },
    ];
}
#[doc(hidden)]
impl OrderLine {
    pub const fn __fw_association_path(path: &[u8]) -> bool {
        let (head, rest) = ::framework_data::__private::path_head(path);
        let _ = (head, rest);
        false
    }
}
#[doc(hidden)]
#[allow(unused_macros)]
macro_rules! __fw_entity_fields_OrderLine {
    ($($input:tt)*) => {
        ::framework_data::__private::repository_impl! { @ fields[(order_id other req)
        (line_no other req) (quantity other req)] $($input)* }
    };
}
#[doc(hidden)]
#[allow(unused_imports)]
pub(crate) use __fw_entity_fields_OrderLine as OrderLine;
impl ::framework_data::__private::assoc::Associations for OrderLine {
    fn load_association<'a>(
        parents: ::std::vec::Vec<&'a mut Self>,
        name: &'a str,
        rest: &'a str,
        ds: &'a ::framework_data::datasource::DataSource,
        chain: &'a ::framework_data::__private::assoc::FetchChain,
    ) -> ::framework_data::__private::BoxFuture<'a, ::framework_data::DataResult<()>> {
        let _ = (&parents, rest, ds, chain);
        match name {
            other => {
                ::std::boxed::Box::pin(async move {
                    ::core::result::Result::Err(
                        ::framework_data::__private::assoc::unknown_association::<
                            Self,
                        >(other, &[]),
                    )
                })
            }
        }
    }
    fn check_association_path(path: &str) -> ::framework_data::DataResult<()> {
        let (head, rest) = ::framework_data::__private::assoc::split_path(path);
        let _ = rest;
        match head {
            other => {
                ::core::result::Result::Err(
                    ::framework_data::__private::assoc::unknown_association::<
                        Self,
                    >(other, &[]),
                )
            }
        }
    }
    fn set_reference(&mut self, property: &str, key: &dyn ::core::any::Any) -> bool {
        let _ = key;
        match property {
            _ => false,
        }
    }
}
const _: () = {
    #[::framework_data::__private::linkme::distributed_slice(
        ::framework_data::entity::ENTITIES
    )]
    #[linkme(crate = ::framework_data::__private::linkme)]
    static ENTITY: fn() -> &'static ::framework_data::entity::EntityMetadata = <OrderLine as ::framework_data::entity::Entity>::metadata;
};
