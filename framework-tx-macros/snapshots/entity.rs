impl ::framework_data::entity::Entity for Owner {
    type Id = i64;
    fn metadata() -> &'static ::framework_data::entity::EntityMetadata {
        static METADATA: ::std::sync::OnceLock<
            ::framework_data::entity::EntityMetadata,
        > = ::std::sync::OnceLock::new();
        METADATA
            .get_or_init(|| {
                ::framework_data::__private::MetadataBuilder::new(
                        "Owner",
                        "owners",
                        "default",
                        ::core::option::Option::Some("owners"),
                        true,
                    )
                    .column(
                        ::framework_data::entity::ColumnMeta {
                            field: "id",
                            column: "id",
                            sql_type: <i64 as ::framework_data::value::SqlValue>::SQL_TYPE,
                            nullable: <i64 as ::framework_data::value::SqlValue>::NULLABLE,
                        },
                        ::framework_data::__private::Role::Id,
                    )
                    .column(
                        ::framework_data::entity::ColumnMeta {
                            field: "name",
                            column: "full_name",
                            sql_type: <String as ::framework_data::value::SqlValue>::SQL_TYPE,
                            nullable: <String as ::framework_data::value::SqlValue>::NULLABLE,
                        },
                        ::framework_data::__private::Role::Plain,
                    )
                    .embedded(
                        "address",
                        "home_",
                        false,
                        <<Option<
                            Address,
                        > as ::framework_data::entity::EmbeddedValue>::Value as ::framework_data::entity::Embeddable>::FIELDS,
                        <Option<
                            Address,
                        > as ::framework_data::entity::EmbeddedValue>::OPTIONAL,
                    )
                    .column(
                        ::framework_data::entity::ColumnMeta {
                            field: "active",
                            column: "active",
                            sql_type: <bool as ::framework_data::value::SqlValue>::SQL_TYPE,
                            nullable: <bool as ::framework_data::value::SqlValue>::NULLABLE,
                        },
                        ::framework_data::__private::Role::Plain,
                    )
                    .column(
                        ::framework_data::entity::ColumnMeta {
                            field: "version",
                            column: "version",
                            sql_type: <i64 as ::framework_data::value::SqlValue>::SQL_TYPE,
                            nullable: <i64 as ::framework_data::value::SqlValue>::NULLABLE,
                        },
                        ::framework_data::__private::Role::Version,
                    )
                    .column(
                        ::framework_data::entity::ColumnMeta {
                            field: "created_at",
                            column: "created_at",
                            sql_type: <DateTime<
                                Utc,
                            > as ::framework_data::value::SqlValue>::SQL_TYPE,
                            nullable: <DateTime<
                                Utc,
                            > as ::framework_data::value::SqlValue>::NULLABLE,
                        },
                        ::framework_data::__private::Role::CreatedAt,
                    )
                    .build()
            })
    }
    fn sql() -> &'static ::framework_data::sql::EntitySql {
        static SQL: ::framework_data::sql::EntitySql = ::framework_data::sql::EntitySql::new();
        &SQL
    }
    fn id(&self) -> i64 {
        ::core::clone::Clone::clone(&self.id)
    }
    fn set_id(&mut self, id: i64) {
        self.id = id;
    }
    fn bind_id(
        id: &i64,
        args: &mut ::framework_data::value::Args,
    ) -> ::core::result::Result<(), ::framework_data::value::BoxDynError> {
        args.add(id)
    }
    fn set_generated_id(&mut self, raw: i64) {
        self.id = <i64 as ::framework_data::entity::GeneratedId>::from_i64(raw);
    }
    fn is_new(&self) -> bool {
        ::framework_data::entity::GeneratedId::is_unset(&self.id)
    }
    fn bind_column(
        &self,
        idx: usize,
        args: &mut ::framework_data::value::Args,
    ) -> ::core::result::Result<(), ::framework_data::value::BoxDynError> {
        match idx {
            i if i == 0usize => args.add(&self.id),
            i if i == 1usize => args.add(&self.name),
            i if (2usize..2usize
                + <<Option<
                    Address,
                > as ::framework_data::entity::EmbeddedValue>::Value as ::framework_data::entity::Embeddable>::FIELDS
                    .len())
                .contains(&i) => {
                <Option<
                    Address,
                > as ::framework_data::entity::EmbeddedValue>::bind_field(
                    &self.address,
                    i - 2usize,
                    args,
                )
            }
            i if i == Self::__FW_OFFSETS[3usize] => args.add(&self.active),
            i if i == Self::__FW_OFFSETS[4usize] => args.add(&self.version),
            i if i == Self::__FW_OFFSETS[5usize] => args.add(&self.created_at),
            other => {
                ::core::result::Result::Err(
                    ::std::format!("{} has no column {}", "Owner", other).into(),
                )
            }
        }
    }
    fn __fw_column(
        &self,
        idx: usize,
    ) -> ::core::option::Option<&dyn ::framework_data::value::ColumnRef> {
        match idx {
            i if i == 0usize => {
                ::core::option::Option::Some(
                    &self.id as &dyn ::framework_data::value::ColumnRef,
                )
            }
            i if i == 1usize => {
                ::core::option::Option::Some(
                    &self.name as &dyn ::framework_data::value::ColumnRef,
                )
            }
            i if (2usize..2usize
                + <<Option<
                    Address,
                > as ::framework_data::entity::EmbeddedValue>::Value as ::framework_data::entity::Embeddable>::FIELDS
                    .len())
                .contains(&i) => {
                <Option<
                    Address,
                > as ::framework_data::entity::EmbeddedValue>::__fw_column(
                    &self.address,
                    i - 2usize,
                )
            }
            i if i == Self::__FW_OFFSETS[3usize] => {
                ::core::option::Option::Some(
                    &self.active as &dyn ::framework_data::value::ColumnRef,
                )
            }
            i if i == Self::__FW_OFFSETS[4usize] => {
                ::core::option::Option::Some(
                    &self.version as &dyn ::framework_data::value::ColumnRef,
                )
            }
            i if i == Self::__FW_OFFSETS[5usize] => {
                ::core::option::Option::Some(
                    &self.created_at as &dyn ::framework_data::value::ColumnRef,
                )
            }
            _ => ::core::option::Option::None,
        }
    }
    fn from_row(
        row: &::framework_data::value::Row,
    ) -> ::core::result::Result<Self, ::framework_data::value::DecodeError> {
        ::core::result::Result::Ok(Self {
            id: row.get(0usize)?,
            name: row.get(1usize)?,
            address: <Option<
                Address,
            > as ::framework_data::entity::EmbeddedValue>::read(
                row,
                &|k| ::core::result::Result::Ok(2usize + k),
            )?,
            active: row.get(Self::__FW_OFFSETS[3usize])?,
            version: row.get(Self::__FW_OFFSETS[4usize])?,
            created_at: row.get(Self::__FW_OFFSETS[5usize])?,
            note: ::core::default::Default::default(),
        })
    }
    fn from_row_at(
        row: &::framework_data::value::Row,
        positions: &[usize],
    ) -> ::core::result::Result<Self, ::framework_data::value::DecodeError> {
        ::core::result::Result::Ok(Self {
            id: row
                .get(
                    positions
                        .get(0usize)
                        .copied()
                        .ok_or_else(|| ::framework_data::value::DecodeError::index_out_of_bounds(
                            0usize,
                            positions.len(),
                        ))?,
                )?,
            name: row
                .get(
                    positions
                        .get(1usize)
                        .copied()
                        .ok_or_else(|| ::framework_data::value::DecodeError::index_out_of_bounds(
                            1usize,
                            positions.len(),
                        ))?,
                )?,
            address: <Option<
                Address,
            > as ::framework_data::entity::EmbeddedValue>::read(
                row,
                &|k| {
                    positions
                        .get(2usize + k)
                        .copied()
                        .ok_or_else(|| ::framework_data::value::DecodeError::index_out_of_bounds(
                            2usize + k,
                            positions.len(),
                        ))
                },
            )?,
            active: row
                .get(
                    positions
                        .get(Self::__FW_OFFSETS[3usize])
                        .copied()
                        .ok_or_else(|| ::framework_data::value::DecodeError::index_out_of_bounds(
                            Self::__FW_OFFSETS[3usize],
                            positions.len(),
                        ))?,
                )?,
            version: row
                .get(
                    positions
                        .get(Self::__FW_OFFSETS[4usize])
                        .copied()
                        .ok_or_else(|| ::framework_data::value::DecodeError::index_out_of_bounds(
                            Self::__FW_OFFSETS[4usize],
                            positions.len(),
                        ))?,
                )?,
            created_at: row
                .get(
                    positions
                        .get(Self::__FW_OFFSETS[5usize])
                        .copied()
                        .ok_or_else(|| ::framework_data::value::DecodeError::index_out_of_bounds(
                            Self::__FW_OFFSETS[5usize],
                            positions.len(),
                        ))?,
                )?,
            note: ::core::default::Default::default(),
        })
    }
    fn version(&self) -> ::core::option::Option<i64> {
        ::core::option::Option::Some(
            ::framework_data::entity::VersionValue::to_i64(&self.version),
        )
    }
    fn version_max(&self) -> i64 {
        <i64 as ::framework_data::entity::VersionValue>::MAX
    }
    fn set_version(&mut self, version: i64) {
        self.version = <i64 as ::framework_data::entity::VersionValue>::from_i64(
            version,
        );
    }
    fn set_created_at(
        &mut self,
        now: ::framework_data::__private::chrono::DateTime<
            ::framework_data::__private::chrono::Utc,
        >,
    ) {
        self.created_at = <DateTime<
            Utc,
        > as ::framework_data::entity::AuditTimestamp>::from_now(now);
    }
    fn __fw_validates() -> bool {
        <<Option<
            Address,
        > as ::framework_data::entity::EmbeddedValue>::Value as ::framework_data::entity::Embeddable>::__fw_validates()
    }
    fn __fw_violations(
        &self,
        prefix: &str,
        out: &mut ::std::vec::Vec<::framework_data::Violation>,
    ) {
        if let ::core::option::Option::Some(v) = ::framework_data::entity::EmbeddedValue::__fw_value(
            &self.address,
        )
            && <<Option<
                Address,
            > as ::framework_data::entity::EmbeddedValue>::Value as ::framework_data::entity::Embeddable>::__fw_validates()
        {
            ::framework_data::entity::Embeddable::__fw_violations(
                v,
                &::std::format!("{prefix}address."),
                out,
            );
        }
    }
}
///Typed paths to the fields of [`Owner`], from `Owner::fields()`: each method returns a `Field` whose comparisons build a `Spec<Owner>`.
#[derive(Debug, Clone, Copy, Default)]
pub struct OwnerFields;
impl OwnerFields {
    ///The `id` field.
    pub fn id(&self) -> ::framework_data::query::Field<Owner, i64> {
        ::framework_data::query::Field::new(::core::option::Option::None, "id")
    }
    ///The `name` field.
    pub fn name(&self) -> ::framework_data::query::Field<Owner, String> {
        ::framework_data::query::Field::new(::core::option::Option::None, "name")
    }
    ///The `active` field.
    pub fn active(&self) -> ::framework_data::query::Field<Owner, bool> {
        ::framework_data::query::Field::new(::core::option::Option::None, "active")
    }
    ///The `version` field.
    pub fn version(&self) -> ::framework_data::query::Field<Owner, i64> {
        ::framework_data::query::Field::new(::core::option::Option::None, "version")
    }
    ///The `created_at` field.
    pub fn created_at(&self) -> ::framework_data::query::Field<Owner, DateTime<Utc>> {
        ::framework_data::query::Field::new(::core::option::Option::None, "created_at")
    }
}
///The fields of [`Owner`] as an entity `R` reaches them through an association (`R::fields().<association>()`).
pub struct OwnerPath<R> {
    head: &'static str,
    _root: ::core::marker::PhantomData<fn() -> R>,
}
impl<R> OwnerPath<R> {
    ///The `id` field.
    pub fn id(&self) -> ::framework_data::query::Field<R, i64> {
        ::framework_data::query::Field::new(
            ::core::option::Option::Some(self.head),
            "id",
        )
    }
    ///The `name` field.
    pub fn name(&self) -> ::framework_data::query::Field<R, String> {
        ::framework_data::query::Field::new(
            ::core::option::Option::Some(self.head),
            "name",
        )
    }
    ///The `active` field.
    pub fn active(&self) -> ::framework_data::query::Field<R, bool> {
        ::framework_data::query::Field::new(
            ::core::option::Option::Some(self.head),
            "active",
        )
    }
    ///The `version` field.
    pub fn version(&self) -> ::framework_data::query::Field<R, i64> {
        ::framework_data::query::Field::new(
            ::core::option::Option::Some(self.head),
            "version",
        )
    }
    ///The `created_at` field.
    pub fn created_at(&self) -> ::framework_data::query::Field<R, DateTime<Utc>> {
        ::framework_data::query::Field::new(
            ::core::option::Option::Some(self.head),
            "created_at",
        )
    }
    /// The rows that some associated entity meets `spec` for (one and the same
    /// entity meets all of it: `EXISTS`, written as a semi-join).
    pub fn any(
        &self,
        spec: ::framework_data::query::Spec<Owner>,
    ) -> ::framework_data::query::Spec<R> {
        ::framework_data::query::Spec::any_through::<Owner>(self.head, spec)
    }
}
impl ::framework_data::query::HasFields for Owner {
    type Path<R> = OwnerPath<R>;
    fn path<R>(head: &'static str) -> OwnerPath<R> {
        OwnerPath {
            head,
            _root: ::core::marker::PhantomData,
        }
    }
}
impl Owner {
    /// Typed paths to the entity's fields, for specifications (see `framework_data::query`).
    pub fn fields() -> OwnerFields {
        OwnerFields
    }
}
#[doc(hidden)]
impl ::framework_data::__private::EntityFields for Owner {
    const FIELDS: &'static [::framework_data::entity::embedded::EmbeddedField] = &[
        ::framework_data::entity::embedded::EmbeddedField {
            field: "id",
            column: "id",
            sql_type: <i64 as ::framework_data::value::SqlValue>::SQL_TYPE,
            nullable: <i64 as ::framework_data::value::SqlValue>::NULLABLE,
            kind: ::framework_data::entity::embedded::PropertyKind::Other,
        },
        ::framework_data::entity::embedded::EmbeddedField {
            field: "name",
            column: "full_name",
            sql_type: <String as ::framework_data::value::SqlValue>::SQL_TYPE,
            nullable: <String as ::framework_data::value::SqlValue>::NULLABLE,
            kind: ::framework_data::entity::embedded::PropertyKind::Text,
        },
        ::framework_data::entity::embedded::EmbeddedField {
            field: "active",
            column: "active",
            sql_type: <bool as ::framework_data::value::SqlValue>::SQL_TYPE,
            nullable: <bool as ::framework_data::value::SqlValue>::NULLABLE,
            kind: ::framework_data::entity::embedded::PropertyKind::Bool,
        },
        ::framework_data::entity::embedded::EmbeddedField {
            field: "version",
            column: "version",
            sql_type: <i64 as ::framework_data::value::SqlValue>::SQL_TYPE,
            nullable: <i64 as ::framework_data::value::SqlValue>::NULLABLE,
            kind: ::framework_data::entity::embedded::PropertyKind::Other,
        },
        ::framework_data::entity::embedded::EmbeddedField {
            field: "created_at",
            column: "created_at",
            sql_type: <DateTime<Utc> as ::framework_data::value::SqlValue>::SQL_TYPE,
            nullable: <DateTime<Utc> as ::framework_data::value::SqlValue>::NULLABLE,
            kind: ::framework_data::entity::embedded::PropertyKind::Other,
        },
    ];
}
#[doc(hidden)]
impl Owner {
    const __FW_OFFSETS: [usize; 6usize] = {
        let mut o = [0usize; 6usize];
        o[1usize] = o[0usize] + 1;
        o[2usize] = o[1usize] + 1;
        o[3usize] = o[2usize]
            + <<Option<
                Address,
            > as ::framework_data::entity::EmbeddedValue>::Value as ::framework_data::entity::Embeddable>::FIELDS
                .len();
        o[4usize] = o[3usize] + 1;
        o[5usize] = o[4usize] + 1;
        o
    };
    #[allow(non_upper_case_globals)]
    pub const __fw_embedded_address: ::framework_data::__private::EmbeddedInfo = ::framework_data::__private::EmbeddedInfo::of::<
        Option<Address>,
    >();
    pub const fn __fw_association_path(path: &[u8]) -> bool {
        let (head, rest) = ::framework_data::__private::path_head(path);
        let _ = (head, rest);
        false
    }
}
#[doc(hidden)]
#[allow(unused_macros)]
macro_rules! __fw_entity_fields_Owner {
    ($($input:tt)*) => {
        ::framework_data::__private::repository_impl! { @ fields[(id other req) (name
        text req) (address embedded opt) (active bool req) (version other req)
        (created_at other req)] $($input)* }
    };
}
#[doc(hidden)]
#[allow(unused_imports)]
pub(crate) use __fw_entity_fields_Owner as Owner;
impl ::framework_data::__private::assoc::Associations for Owner {
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
    static ENTITY: fn() -> &'static ::framework_data::entity::EntityMetadata = <Owner as ::framework_data::entity::Entity>::metadata;
};
