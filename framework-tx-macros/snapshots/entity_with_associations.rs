impl ::framework_data::entity::Entity for Post {
    type Id = i64;
    fn metadata() -> &'static ::framework_data::entity::EntityMetadata {
        static METADATA: ::std::sync::OnceLock<
            ::framework_data::entity::EntityMetadata,
        > = ::std::sync::OnceLock::new();
        METADATA
            .get_or_init(|| {
                ::framework_data::__private::MetadataBuilder::new(
                        "Post",
                        "posts",
                        "default",
                        ::core::option::Option::None,
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
                            field: "author",
                            column: "author_id",
                            sql_type: <Ref<
                                User,
                            > as ::framework_data::value::SqlValue>::SQL_TYPE,
                            nullable: <Ref<
                                User,
                            > as ::framework_data::value::SqlValue>::NULLABLE,
                        },
                        ::framework_data::__private::Role::Plain,
                    )
                    .column(
                        ::framework_data::entity::ColumnMeta {
                            field: "editor",
                            column: "editor_id",
                            sql_type: <Option<
                                Ref<User>,
                            > as ::framework_data::value::SqlValue>::SQL_TYPE,
                            nullable: <Option<
                                Ref<User>,
                            > as ::framework_data::value::SqlValue>::NULLABLE,
                        },
                        ::framework_data::__private::Role::Plain,
                    )
                    .join_table(::framework_data::__private::assoc::JoinTable {
                        field: "tags",
                        table: "post_tags",
                        join_column: "post_id",
                        inverse_join_column: "tag_id",
                        target: <Tag as ::framework_data::entity::Entity>::metadata,
                    })
                    .reference(::framework_data::__private::Reference {
                        column: "author_id",
                        target: <User as ::framework_data::entity::Entity>::metadata,
                    })
                    .reference(::framework_data::__private::Reference {
                        column: "editor_id",
                        target: <User as ::framework_data::entity::Entity>::metadata,
                    })
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
            0usize => args.add(&self.id),
            1usize => args.add(&self.author),
            2usize => args.add(&self.editor),
            other => {
                ::core::result::Result::Err(
                    ::std::format!("{} has no column {}", "Post", other).into(),
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
                    &self.id as &dyn ::framework_data::value::ColumnRef,
                )
            }
            1usize => {
                ::core::option::Option::Some(
                    &self.author as &dyn ::framework_data::value::ColumnRef,
                )
            }
            2usize => {
                ::core::option::Option::Some(
                    &self.editor as &dyn ::framework_data::value::ColumnRef,
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
            author: row.get(1usize)?,
            editor: row.get(2usize)?,
            comments: ::core::default::Default::default(),
            tags: ::core::default::Default::default(),
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
            author: row
                .get(
                    positions
                        .get(1usize)
                        .copied()
                        .ok_or_else(|| ::framework_data::value::DecodeError::index_out_of_bounds(
                            1usize,
                            positions.len(),
                        ))?,
                )?,
            editor: row
                .get(
                    positions
                        .get(2usize)
                        .copied()
                        .ok_or_else(|| ::framework_data::value::DecodeError::index_out_of_bounds(
                            2usize,
                            positions.len(),
                        ))?,
                )?,
            comments: ::core::default::Default::default(),
            tags: ::core::default::Default::default(),
        })
    }
    fn __fw_cascade() -> ::core::option::Option<
        &'static (dyn ::core::any::Any + ::core::marker::Send + ::core::marker::Sync),
    > {
        fn after_save<'a>(
            e: &'a mut Post,
            existed: bool,
            ds: &'a ::framework_data::datasource::DataSource,
        ) -> ::framework_data::__private::BoxFuture<
            'a,
            ::framework_data::DataResult<()>,
        > {
            let _ = (&e, existed, ds);
            ::std::boxed::Box::pin(async move {
                ::framework_data::__private::assoc::cascade_save::<
                    Post,
                    Comment,
                    _,
                >(
                        ds,
                        ::framework_data::entity::Entity::id(&*e),
                        &mut e.comments,
                        "post",
                        true,
                        existed,
                    )
                    .await?;
                ::framework_data::__private::assoc::link_save::<
                    Post,
                    Tag,
                >(
                        ds,
                        ::framework_data::entity::Entity::id(&*e),
                        &e.tags,
                        ::framework_data::__private::assoc::JoinTable {
                            field: "tags",
                            table: "post_tags",
                            join_column: "post_id",
                            inverse_join_column: "tag_id",
                            target: <Tag as ::framework_data::entity::Entity>::metadata,
                        },
                        existed,
                    )
                    .await?;
                ::core::result::Result::Ok(())
            })
        }
        fn before_delete<'a>(
            id: &'a <Post as ::framework_data::entity::Entity>::Id,
            ds: &'a ::framework_data::datasource::DataSource,
        ) -> ::framework_data::__private::BoxFuture<
            'a,
            ::framework_data::DataResult<()>,
        > {
            let _ = (id, ds);
            ::std::boxed::Box::pin(async move {
                ::framework_data::__private::assoc::cascade_delete::<
                    Post,
                    Comment,
                >(ds, id, "post")
                    .await?;
                ::framework_data::__private::assoc::link_delete::<
                    Post,
                >(
                        ds,
                        id,
                        ::framework_data::__private::assoc::JoinTable {
                            field: "tags",
                            table: "post_tags",
                            join_column: "post_id",
                            inverse_join_column: "tag_id",
                            target: <Tag as ::framework_data::entity::Entity>::metadata,
                        },
                    )
                    .await?;
                ::core::result::Result::Ok(())
            })
        }
        static HOOKS: ::framework_data::__private::assoc::CascadeHooks<Post> = ::framework_data::__private::assoc::CascadeHooks {
            after_save,
            before_delete,
        };
        ::core::option::Option::Some(&HOOKS)
    }
    fn __fw_eager() -> ::core::option::Option<
        &'static (dyn ::core::any::Any + ::core::marker::Send + ::core::marker::Sync),
    > {
        fn load<'a>(
            found: ::std::vec::Vec<&'a mut Post>,
            ds: &'a ::framework_data::datasource::DataSource,
        ) -> ::framework_data::__private::BoxFuture<
            'a,
            ::framework_data::DataResult<()>,
        > {
            ::std::boxed::Box::pin(
                ::framework_data::__private::assoc::load_eager_root::<Post>(found, ds),
            )
        }
        static HOOK: ::framework_data::__private::assoc::EagerHook<Post> = ::framework_data::__private::assoc::EagerHook {
            load,
        };
        ::core::option::Option::Some(&HOOK)
    }
    fn __fw_reference(
        name: &str,
    ) -> ::core::option::Option<::framework_data::__private::Reference> {
        match name {
            "author" => {
                ::core::option::Option::Some(::framework_data::__private::Reference {
                    column: "author_id",
                    target: <User as ::framework_data::entity::Entity>::metadata,
                })
            }
            "editor" => {
                ::core::option::Option::Some(::framework_data::__private::Reference {
                    column: "editor_id",
                    target: <User as ::framework_data::entity::Entity>::metadata,
                })
            }
            _ => ::core::option::Option::None,
        }
    }
    fn __fw_collection(
        name: &str,
    ) -> ::core::option::Option<::framework_data::__private::Collection> {
        match name {
            "comments" => {
                ::core::option::Option::Some(::framework_data::__private::Collection {
                    mapped_by: "post",
                    target: <Comment as ::framework_data::entity::Entity>::metadata,
                })
            }
            _ => ::core::option::Option::None,
        }
    }
    fn __fw_validates() -> bool {
        true
    }
    fn __fw_violations(
        &self,
        prefix: &str,
        out: &mut ::std::vec::Vec<::framework_data::Violation>,
    ) {
        if let ::framework_data::association::Related::Loaded(children) = &self.comments
        {
            for (i, child) in children.iter().enumerate() {
                ::framework_data::entity::Entity::__fw_violations(
                    child,
                    &::std::format!("{prefix}comments[{i}]."),
                    out,
                );
            }
        }
    }
}
///Typed paths to the fields of [`Post`], from `Post::fields()`: each method returns a `Field` whose comparisons build a `Spec<Post>`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostFields;
impl PostFields {
    ///The `id` field.
    pub fn id(&self) -> ::framework_data::query::Field<Post, i64> {
        ::framework_data::query::Field::new(::core::option::Option::None, "id")
    }
    ///The fields of `author`'s entity, compared through the association (a semi-join: each row once).
    pub fn author(&self) -> <User as ::framework_data::query::HasFields>::Path<Post> {
        <User as ::framework_data::query::HasFields>::path::<Post>("author")
    }
    ///The fields of `editor`'s entity, compared through the association (a semi-join: each row once).
    pub fn editor(&self) -> <User as ::framework_data::query::HasFields>::Path<Post> {
        <User as ::framework_data::query::HasFields>::path::<Post>("editor")
    }
    ///The fields of `comments`'s entity, compared through the association (a semi-join: each row once).
    pub fn comments(
        &self,
    ) -> <Comment as ::framework_data::query::HasFields>::Path<Post> {
        <Comment as ::framework_data::query::HasFields>::path::<Post>("comments")
    }
}
///The fields of [`Post`] as an entity `R` reaches them through an association (`R::fields().<association>()`).
pub struct PostPath<R> {
    head: &'static str,
    _root: ::core::marker::PhantomData<fn() -> R>,
}
impl<R> PostPath<R> {
    ///The `id` field.
    pub fn id(&self) -> ::framework_data::query::Field<R, i64> {
        ::framework_data::query::Field::new(
            ::core::option::Option::Some(self.head),
            "id",
        )
    }
    /// The rows that some associated entity meets `spec` for (one and the same
    /// entity meets all of it: `EXISTS`, written as a semi-join).
    pub fn any(
        &self,
        spec: ::framework_data::query::Spec<Post>,
    ) -> ::framework_data::query::Spec<R> {
        ::framework_data::query::Spec::any_through::<Post>(self.head, spec)
    }
}
impl ::framework_data::query::HasFields for Post {
    type Path<R> = PostPath<R>;
    fn path<R>(head: &'static str) -> PostPath<R> {
        PostPath {
            head,
            _root: ::core::marker::PhantomData,
        }
    }
}
impl Post {
    /// Typed paths to the entity's fields, for specifications (see `framework_data::query`).
    pub fn fields() -> PostFields {
        PostFields
    }
}
#[doc(hidden)]
impl ::framework_data::__private::EntityFields for Post {
    const FIELDS: &'static [::framework_data::entity::embedded::EmbeddedField] = &[
        ::framework_data::entity::embedded::EmbeddedField {
            field: "id",
            column: "id",
            sql_type: <i64 as ::framework_data::value::SqlValue>::SQL_TYPE,
            nullable: <i64 as ::framework_data::value::SqlValue>::NULLABLE,
            kind: ::framework_data::entity::embedded::PropertyKind::Other,
        },
        ::framework_data::entity::embedded::EmbeddedField {
            field: "author",
            column: "author_id",
            sql_type: <Ref<User> as ::framework_data::value::SqlValue>::SQL_TYPE,
            nullable: <Ref<User> as ::framework_data::value::SqlValue>::NULLABLE,
            kind: ::framework_data::entity::embedded::PropertyKind::Other,
        },
        ::framework_data::entity::embedded::EmbeddedField {
            field: "editor",
            column: "editor_id",
            sql_type: <Option<Ref<User>> as ::framework_data::value::SqlValue>::SQL_TYPE,
            nullable: <Option<Ref<User>> as ::framework_data::value::SqlValue>::NULLABLE,
            kind: ::framework_data::entity::embedded::PropertyKind::Other,
        },
    ];
}
#[doc(hidden)]
impl Post {
    #[allow(non_upper_case_globals)]
    pub const __fw_embedded_author: ::framework_data::__private::EmbeddedInfo = ::framework_data::__private::EmbeddedInfo::reference::<
        User,
    >(false);
    #[allow(non_upper_case_globals)]
    pub const __fw_embedded_editor: ::framework_data::__private::EmbeddedInfo = ::framework_data::__private::EmbeddedInfo::reference::<
        User,
    >(true);
    #[allow(non_upper_case_globals)]
    pub const __fw_embedded_comments: ::framework_data::__private::EmbeddedInfo = ::framework_data::__private::EmbeddedInfo::reference::<
        Comment,
    >(false);
    pub const fn __fw_association_path(path: &[u8]) -> bool {
        let (head, rest) = ::framework_data::__private::path_head(path);
        let _ = (head, rest);
        if ::framework_data::__private::is_association(head, "author") {
            return match rest {
                ::core::option::Option::None => true,
                ::core::option::Option::Some(rest) => <User>::__fw_association_path(rest),
            };
        }
        if ::framework_data::__private::is_association(head, "editor") {
            return match rest {
                ::core::option::Option::None => true,
                ::core::option::Option::Some(rest) => <User>::__fw_association_path(rest),
            };
        }
        if ::framework_data::__private::is_association(head, "comments") {
            return match rest {
                ::core::option::Option::None => true,
                ::core::option::Option::Some(rest) => {
                    <Comment>::__fw_association_path(rest)
                }
            };
        }
        if ::framework_data::__private::is_association(head, "tags") {
            return match rest {
                ::core::option::Option::None => true,
                ::core::option::Option::Some(rest) => <Tag>::__fw_association_path(rest),
            };
        }
        false
    }
}
#[doc(hidden)]
#[allow(unused_macros)]
macro_rules! __fw_entity_fields_Post {
    ($($input:tt)*) => {
        ::framework_data::__private::repository_impl! { @ fields[(id other req) (author
        reference req) (editor reference opt) (comments collection req) (tags link req)]
        $($input)* }
    };
}
#[doc(hidden)]
#[allow(unused_imports)]
pub(crate) use __fw_entity_fields_Post as Post;
impl ::framework_data::__private::assoc::Associations for Post {
    fn load_association<'a>(
        parents: ::std::vec::Vec<&'a mut Self>,
        name: &'a str,
        rest: &'a str,
        ds: &'a ::framework_data::datasource::DataSource,
        chain: &'a ::framework_data::__private::assoc::FetchChain,
    ) -> ::framework_data::__private::BoxFuture<'a, ::framework_data::DataResult<()>> {
        let _ = (&parents, rest, ds, chain);
        match name {
            "author" => {
                fn slot(
                    p: &mut Post,
                ) -> ::core::option::Option<
                    &mut ::framework_data::association::Ref<User>,
                > {
                    ::framework_data::__private::assoc::RefField::<
                        User,
                    >::slot(&mut p.author)
                }
                ::std::boxed::Box::pin(
                    ::framework_data::__private::assoc::many_to_one::<
                        Self,
                        User,
                    >(ds, parents, rest, slot, chain),
                )
            }
            "editor" => {
                fn slot(
                    p: &mut Post,
                ) -> ::core::option::Option<
                    &mut ::framework_data::association::Ref<User>,
                > {
                    ::framework_data::__private::assoc::RefField::<
                        User,
                    >::slot(&mut p.editor)
                }
                ::std::boxed::Box::pin(
                    ::framework_data::__private::assoc::many_to_one::<
                        Self,
                        User,
                    >(ds, parents, rest, slot, chain),
                )
            }
            "comments" => {
                fn slot(
                    p: &mut Post,
                ) -> &mut ::framework_data::association::Related<
                    ::std::vec::Vec<Comment>,
                > {
                    &mut p.comments
                }
                ::std::boxed::Box::pin(
                    ::framework_data::__private::assoc::one_to_many::<
                        Self,
                        Comment,
                        _,
                    >(
                        ds,
                        parents,
                        "comments",
                        "post",
                        "id desc",
                        ::core::option::Option::None,
                        rest,
                        slot,
                        chain,
                    ),
                )
            }
            "tags" => {
                fn slot(
                    p: &mut Post,
                ) -> &mut ::framework_data::association::Related<::std::vec::Vec<Tag>> {
                    &mut p.tags
                }
                const JOIN: ::framework_data::__private::assoc::JoinTable = ::framework_data::__private::assoc::JoinTable {
                    field: "tags",
                    table: "post_tags",
                    join_column: "post_id",
                    inverse_join_column: "tag_id",
                    target: <Tag as ::framework_data::entity::Entity>::metadata,
                };
                ::std::boxed::Box::pin(
                    ::framework_data::__private::assoc::many_to_many::<
                        Self,
                        Tag,
                        _,
                    >(ds, parents, "tags", JOIN, "name asc", rest, slot, chain),
                )
            }
            other => {
                ::std::boxed::Box::pin(async move {
                    ::core::result::Result::Err(
                        ::framework_data::__private::assoc::unknown_association::<
                            Self,
                        >(other, &["author", "editor", "comments", "tags"]),
                    )
                })
            }
        }
    }
    fn eager_associations() -> &'static [::framework_data::association::EagerAssociation] {
        &[("author", ::core::any::TypeId::of::<User>)]
    }
    fn check_association_path(path: &str) -> ::framework_data::DataResult<()> {
        let (head, rest) = ::framework_data::__private::assoc::split_path(path);
        let _ = rest;
        match head {
            "author" if rest.is_empty() => ::core::result::Result::Ok(()),
            "author" => {
                <User as ::framework_data::__private::assoc::Associations>::check_association_path(
                    rest,
                )
            }
            "editor" if rest.is_empty() => ::core::result::Result::Ok(()),
            "editor" => {
                <User as ::framework_data::__private::assoc::Associations>::check_association_path(
                    rest,
                )
            }
            "comments" if rest.is_empty() => ::core::result::Result::Ok(()),
            "comments" => {
                <Comment as ::framework_data::__private::assoc::Associations>::check_association_path(
                    rest,
                )
            }
            "tags" if rest.is_empty() => ::core::result::Result::Ok(()),
            "tags" => {
                <Tag as ::framework_data::__private::assoc::Associations>::check_association_path(
                    rest,
                )
            }
            other => {
                ::core::result::Result::Err(
                    ::framework_data::__private::assoc::unknown_association::<
                        Self,
                    >(other, &["author", "editor", "comments", "tags"]),
                )
            }
        }
    }
    fn set_reference(&mut self, property: &str, key: &dyn ::core::any::Any) -> bool {
        let _ = key;
        match property {
            "author" => {
                match key
                    .downcast_ref::<<User as ::framework_data::entity::Entity>::Id>()
                {
                    ::core::option::Option::Some(k) => {
                        ::framework_data::__private::assoc::RefField::<
                            User,
                        >::assign(&mut self.author, ::core::clone::Clone::clone(k));
                        true
                    }
                    ::core::option::Option::None => false,
                }
            }
            "editor" => {
                match key
                    .downcast_ref::<<User as ::framework_data::entity::Entity>::Id>()
                {
                    ::core::option::Option::Some(k) => {
                        ::framework_data::__private::assoc::RefField::<
                            User,
                        >::assign(&mut self.editor, ::core::clone::Clone::clone(k));
                        true
                    }
                    ::core::option::Option::None => false,
                }
            }
            _ => false,
        }
    }
}
const _: () = {
    #[::framework_data::__private::linkme::distributed_slice(
        ::framework_data::entity::ENTITIES
    )]
    #[linkme(crate = ::framework_data::__private::linkme)]
    static ENTITY: fn() -> &'static ::framework_data::entity::EntityMetadata = <Post as ::framework_data::entity::Entity>::metadata;
};
