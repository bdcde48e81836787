impl ::framework_data::entity::Embeddable for Address {
    const FIELDS: &'static [::framework_data::entity::embedded::EmbeddedField] = &[
        ::framework_data::entity::embedded::EmbeddedField {
            field: "street",
            column: "street",
            sql_type: <String as ::framework_data::value::SqlValue>::SQL_TYPE,
            nullable: <String as ::framework_data::value::SqlValue>::NULLABLE,
            kind: ::framework_data::entity::embedded::PropertyKind::Text,
        },
        ::framework_data::entity::embedded::EmbeddedField {
            field: "zip_code",
            column: "zip",
            sql_type: <String as ::framework_data::value::SqlValue>::SQL_TYPE,
            nullable: <String as ::framework_data::value::SqlValue>::NULLABLE,
            kind: ::framework_data::entity::embedded::PropertyKind::Text,
        },
        ::framework_data::entity::embedded::EmbeddedField {
            field: "floor",
            column: "floor",
            sql_type: <Option<i32> as ::framework_data::value::SqlValue>::SQL_TYPE,
            nullable: <Option<i32> as ::framework_data::value::SqlValue>::NULLABLE,
            kind: ::framework_data::entity::embedded::PropertyKind::Other,
        },
    ];
    fn bind_field(
        &self,
        idx: usize,
        args: &mut ::framework_data::value::Args,
    ) -> ::core::result::Result<(), ::framework_data::value::BoxDynError> {
        match idx {
            0usize => args.add(&self.street),
            1usize => args.add(&self.zip_code),
            2usize => args.add(&self.floor),
            other => {
                ::core::result::Result::Err(
                    ::std::format!("{} has no field {}", "Address", other).into(),
                )
            }
        }
    }
    fn __fw_column(
        &self,
        idx: usize,
    ) -> ::core::option::Option<&dyn ::framework_data::value::ColumnRef> {
        match idx {
            0usize => ::core::option::Option::Some(&self.street),
            1usize => ::core::option::Option::Some(&self.zip_code),
            2usize => ::core::option::Option::Some(&self.floor),
            _ => ::core::option::Option::None,
        }
    }
    fn bind_null_field(
        idx: usize,
        args: &mut ::framework_data::value::Args,
    ) -> ::core::result::Result<(), ::framework_data::value::BoxDynError> {
        match idx {
            0usize => args.add(&::core::option::Option::<String>::None),
            1usize => args.add(&::core::option::Option::<String>::None),
            2usize => args.add(&::core::option::Option::<Option<i32>>::None),
            other => {
                ::core::result::Result::Err(
                    ::std::format!("{} has no field {}", "Address", other).into(),
                )
            }
        }
    }
    fn read(
        row: &::framework_data::value::Row,
        position: &dyn Fn(
            usize,
        ) -> ::core::result::Result<usize, ::framework_data::value::DecodeError>,
    ) -> ::core::result::Result<Self, ::framework_data::value::DecodeError> {
        ::core::result::Result::Ok(Self {
            street: row.get(position(0usize)?)?,
            zip_code: row.get(position(1usize)?)?,
            floor: row.get(position(2usize)?)?,
        })
    }
    fn read_opt(
        row: &::framework_data::value::Row,
        position: &dyn Fn(
            usize,
        ) -> ::core::result::Result<usize, ::framework_data::value::DecodeError>,
    ) -> ::core::result::Result<
        ::core::option::Option<Self>,
        ::framework_data::value::DecodeError,
    > {
        let __c0: ::core::option::Option<String> = row.get(position(0usize)?)?;
        let __c1: ::core::option::Option<String> = row.get(position(1usize)?)?;
        let __c2: Option<i32> = row.get(position(2usize)?)?;
        if __c0.is_none() && __c1.is_none() && __c2.is_none() {
            return ::core::result::Result::Ok(::core::option::Option::None);
        }
        ::core::result::Result::Ok(
            ::core::option::Option::Some(Self {
                street: match __c0 {
                    ::core::option::Option::Some(v) => v,
                    ::core::option::Option::None => {
                        return ::core::result::Result::Err(
                            ::framework_data::__private::unexpected_null(
                                position(0usize)?,
                            ),
                        );
                    }
                },
                zip_code: match __c1 {
                    ::core::option::Option::Some(v) => v,
                    ::core::option::Option::None => {
                        return ::core::result::Result::Err(
                            ::framework_data::__private::unexpected_null(
                                position(1usize)?,
                            ),
                        );
                    }
                },
                floor: __c2,
            }),
        )
    }
}
