//! The `impl Entity` of a parsed [`Entity`](super::model::Entity).

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::model::{Association, Entity, Field, Id, Role};
use crate::field_type::{Kind, kind, option_inner, spanned_by_type};

pub(crate) fn expand(e: &Entity, validate: Option<TokenStream>) -> TokenStream {
    let Entity { ident, fd, .. } = e;
    let validation = validation_fns(e, validate.is_some());
    let persistent: Vec<&Field> = e.persistent().collect();
    let any_embedded = persistent.iter().any(|f| f.role.is_embedded());
    // Where each persistent field's first column is: a literal while only single-column fields
    // come before it, else an entry of the generated `__FW_OFFSETS` (an embedded field's width
    // is its type's, which this derive cannot see).
    let offsets: Vec<TokenStream> = {
        let mut out = Vec::new();
        let mut seen_embedded = false;
        for (i, f) in persistent.iter().enumerate() {
            out.push(if seen_embedded {
                quote!(Self::__FW_OFFSETS[#i])
            } else {
                quote!(#i)
            });
            seen_embedded |= f.role.is_embedded();
        }
        out
    };

    let metadata = metadata_fn(e, &persistent);
    let (id_ty, id_fns) = id_fns(e, &persistent);
    let bind_arms = persistent.iter().zip(&offsets).map(|(f, at)| {
        let fi = &f.ident;
        if f.role.is_embedded() {
            let ty = &f.ty;
            let width = width(fd, ty);
            quote! {
                i if (#at..#at + #width).contains(&i) =>
                    <#ty as #fd::entity::EmbeddedValue>::bind_field(&self.#fi, i - #at, args),
            }
        } else if any_embedded {
            quote!(i if i == #at => args.add(&self.#fi),)
        } else {
            quote!(#at => args.add(&self.#fi),)
        }
    });
    let column_arms = persistent.iter().zip(&offsets).map(|(f, at)| {
        let fi = &f.ident;
        if f.role.is_embedded() {
            let ty = &f.ty;
            let width = width(fd, ty);
            quote! {
                i if (#at..#at + #width).contains(&i) =>
                    <#ty as #fd::entity::EmbeddedValue>::__fw_column(&self.#fi, i - #at),
            }
        } else {
            // The cast is spanned on the field's type: an unsupported type is reported there.
            let value = spanned_by_type(&f.ty, quote!(&self.#fi as &dyn #fd::value::ColumnRef));
            if any_embedded {
                quote!(i if i == #at => ::core::option::Option::Some(#value),)
            } else {
                quote!(#at => ::core::option::Option::Some(#value),)
            }
        }
    });
    // `plain(at)` is the row position of a field's column, `embedded(at + k)` that of an
    // embedded field's column `k` as a `Result`.
    let decode = |plain: &dyn Fn(&TokenStream) -> TokenStream,
                  embedded: &dyn Fn(&TokenStream) -> TokenStream| {
        e.fields
            .iter()
            .map(|f| {
                let fi = &f.ident;
                match persistent.iter().position(|p| p.ident == f.ident) {
                    Some(i) if f.role.is_embedded() => {
                        let ty = &f.ty;
                        let at = &offsets[i];
                        let position = embedded(&quote!(#at + k));
                        quote! {
                            #fi: <#ty as #fd::entity::EmbeddedValue>::read(row, &|k| #position)?,
                        }
                    }
                    Some(i) => {
                        let position = plain(&offsets[i]);
                        quote!(#fi: row.get(#position)?,)
                    }
                    None => quote!(#fi: ::core::default::Default::default(),),
                }
            })
            .collect::<Vec<_>>()
    };
    let decode_fields = decode(
        &|at| quote!(#at),
        &|at| quote!(::core::result::Result::Ok(#at)),
    );
    let position_at = |at: &TokenStream| {
        quote! {
            positions.get(#at).copied().ok_or_else(|| #fd::value::DecodeError::index_out_of_bounds(#at, positions.len()))
        }
    };
    let decode_fields_at = decode(
        &|at| {
            let p = position_at(at);
            quote!(#p?)
        },
        &position_at,
    );

    let is_new = match &e.id {
        Id::Single {
            field,
            generated: true,
        } => {
            let fi = &persistent[*field].ident;
            quote!(#fd::entity::GeneratedId::is_unset(&self.#fi))
        }
        _ => match e.index_of(&Role::Version) {
            Some(v) => {
                let vi = &persistent[v].ident;
                quote!(#fd::entity::VersionValue::to_i64(&self.#vi) == 0)
            }
            None => quote!(false),
        },
    };
    let set_generated = match &e.id {
        Id::Single {
            field,
            generated: true,
        } => {
            let fi = &persistent[*field].ident;
            let ft = &persistent[*field].ty;
            quote! {
                fn set_generated_id(&mut self, raw: i64) {
                    self.#fi = <#ft as #fd::entity::GeneratedId>::from_i64(raw);
                }
            }
        }
        _ => quote!(),
    };
    let version_fns = e.index_of(&Role::Version).map(|v| {
        let vi = &persistent[v].ident;
        let vt = &persistent[v].ty;
        quote! {
            fn version(&self) -> ::core::option::Option<i64> {
                ::core::option::Option::Some(#fd::entity::VersionValue::to_i64(&self.#vi))
            }
            fn version_max(&self) -> i64 {
                <#vt as #fd::entity::VersionValue>::MAX
            }
            fn set_version(&mut self, version: i64) {
                self.#vi = <#vt as #fd::entity::VersionValue>::from_i64(version);
            }
        }
    });
    let stamp = |role: Role, fn_name: &str| {
        e.index_of(&role).map(|i| {
            let fi = &persistent[i].ident;
            let ft = &persistent[i].ty;
            let f = format_ident!("{}", fn_name);
            quote! {
                fn #f(&mut self, now: #fd::__private::chrono::DateTime<#fd::__private::chrono::Utc>) {
                    self.#fi = <#ft as #fd::entity::AuditTimestamp>::from_now(now);
                }
            }
        })
    };
    let auditor = |role: Role, fn_name: &str| {
        e.index_of(&role).map(|i| {
            let fi = &persistent[i].ident;
            let ft = &persistent[i].ty;
            let f = format_ident!("{}", fn_name);
            let stamp = spanned_by_type(
                ft,
                quote!(<#ft as #fd::entity::AuditorValue>::stamp(&mut self.#fi, who)),
            );
            quote! {
                fn #f(&mut self, who: ::core::option::Option<&str>) {
                    #stamp
                }
            }
        })
    };
    let created_by_fn = auditor(Role::CreatedBy, "set_created_by");
    let modified_by_fn = auditor(Role::LastModifiedBy, "set_last_modified_by");
    // Whether a loaded row is soft-deleted, so that no cache keeps it; the type check is
    // spanned on the field's type.
    let deleted_fn = e.index_of(&Role::SoftDelete).map(|i| {
        let fi = &persistent[i].ident;
        let ft = &persistent[i].ty;
        let check = spanned_by_type(
            ft,
            quote!(let _: fn(#fd::__private::chrono::DateTime<#fd::__private::chrono::Utc>) -> #ft = <#ft as #fd::entity::AuditTimestamp>::from_now;),
        );
        quote! {
            fn __fw_deleted(&self) -> bool {
                #check
                ::core::option::Option::is_some(&self.#fi)
            }
        }
    });
    let audited_fn = (created_by_fn.is_some() || modified_by_fn.is_some()).then(|| {
        quote! {
            fn __fw_audited() -> bool {
                true
            }
        }
    });
    // What a decoded entity goes through: `Ok`, or its `post_load` first.
    let (loaded, lifecycle_fns) = if e.lifecycle {
        (
            quote!(#fd::entity::lifecycle::loaded),
            quote! {
                fn __fw_lifecycle() -> bool {
                    true
                }

                fn __fw_callback(
                    &mut self,
                    event: #fd::entity::LifecycleEvent,
                ) -> #fd::DataResult<()> {
                    #fd::entity::lifecycle::dispatch(self, event)
                }
            },
        )
    } else {
        (quote!(::core::result::Result::Ok), TokenStream::new())
    };
    let created_fn = stamp(Role::CreatedAt, "set_created_at");
    let updated_fn = stamp(Role::UpdatedAt, "set_updated_at");
    let name = ident.to_string();
    let field_list = field_list_macro(e, &persistent);
    let hidden = hidden_consts(e, &persistent);
    let associations = associations_impl(e);
    let cascade = cascade_fn(e);
    let eager = eager_fn(e);
    let cached_collections = cached_collections(e);
    let reference_fn = reference_fn(e);
    let field_paths = field_paths(e, &persistent);

    quote! {
        impl #fd::entity::Entity for #ident {
            type Id = #id_ty;

            #metadata

            fn sql() -> &'static #fd::sql::EntitySql {
                static SQL: #fd::sql::EntitySql = #fd::sql::EntitySql::new();
                &SQL
            }

            #id_fns
            #set_generated

            fn is_new(&self) -> bool {
                #is_new
            }

            fn bind_column(
                &self,
                idx: usize,
                args: &mut #fd::value::Args,
            ) -> ::core::result::Result<(), #fd::value::BoxDynError> {
                match idx {
                    #(#bind_arms)*
                    other => ::core::result::Result::Err(::std::format!("{} has no column {}", #name, other).into()),
                }
            }

            fn __fw_column(&self, idx: usize) -> ::core::option::Option<&dyn #fd::value::ColumnRef> {
                match idx {
                    #(#column_arms)*
                    _ => ::core::option::Option::None,
                }
            }

            fn from_row(row: &#fd::value::Row) -> ::core::result::Result<Self, #fd::value::DecodeError> {
                #loaded(Self {
                    #(#decode_fields)*
                })
            }

            fn from_row_at(
                row: &#fd::value::Row,
                positions: &[usize],
            ) -> ::core::result::Result<Self, #fd::value::DecodeError> {
                #loaded(Self {
                    #(#decode_fields_at)*
                })
            }
            #lifecycle_fns

            #version_fns
            #created_fn
            #updated_fn
            #created_by_fn
            #deleted_fn
            #modified_by_fn
            #audited_fn
            #cascade
            #eager
            #reference_fn
            #validation
        }

        #validate
        #field_paths
        #hidden
        #field_list
        #associations

        #(#cached_collections)*

        const _: () = {
            #[#fd::__private::linkme::distributed_slice(#fd::entity::ENTITIES)]
            #[linkme(crate = #fd::__private::linkme)]
            static ENTITY: fn() -> &'static #fd::entity::EntityMetadata =
                <#ident as #fd::entity::Entity>::metadata;
        };
    }
}

/// `impl Associations`: `load_association` dispatches an association's name to its loader.
fn associations_impl(e: &Entity) -> TokenStream {
    let Entity { ident, fd, .. } = e;
    let mut names = Vec::new();
    let arms = e.fields.iter().filter_map(|f| {
        let fi = &f.ident;
        let name = fi.to_string();
        let arm = match f.association.as_ref()? {
            Association::ManyToOne { target } => quote_spanned! {fi.span()=>
                #name => {
                    fn slot(p: &mut #ident) -> ::core::option::Option<&mut #fd::association::Ref<#target>> {
                        #fd::__private::assoc::RefField::<#target>::slot(&mut p.#fi)
                    }
                    ::std::boxed::Box::pin(#fd::__private::assoc::many_to_one::<Self, #target>(ds, parents, rest, slot, chain))
                }
            },
            Association::OneToMany {
                target,
                mapped_by,
                order_by,
                cache,
                single,
                ..
            } => {
                let held = if *single {
                    quote!(::core::option::Option<#target>)
                } else {
                    quote!(::std::vec::Vec<#target>)
                };
                let cache = if *cache {
                    let key = format!("{ident}.{name}");
                    quote!(::core::option::Option::Some(#key))
                } else {
                    quote!(::core::option::Option::None)
                };
                quote_spanned! {fi.span()=>
                #name => {
                    fn slot(p: &mut #ident) -> &mut #fd::association::Related<#held> {
                        &mut p.#fi
                    }
                    ::std::boxed::Box::pin(#fd::__private::assoc::one_to_many::<Self, #target, _>(
                        ds, parents, #name, #mapped_by, #order_by, #cache, rest, slot, chain,
                    ))
                }
                }
            }
            Association::ManyToMany {
                target, order_by, ..
            } => {
                let join = join_table(fd, f);
                quote_spanned! {fi.span()=>
                #name => {
                    fn slot(p: &mut #ident) -> &mut #fd::association::Related<::std::vec::Vec<#target>> {
                        &mut p.#fi
                    }
                    const JOIN: #fd::__private::assoc::JoinTable = #join;
                    ::std::boxed::Box::pin(#fd::__private::assoc::many_to_many::<Self, #target, _>(
                        ds, parents, #name, JOIN, #order_by, rest, slot, chain,
                    ))
                }
                }
            }
        };
        names.push(name);
        Some(arm)
    });
    let arms: Vec<TokenStream> = arms.collect();
    let eager: Vec<TokenStream> = e
        .fields
        .iter()
        .filter(|f| f.eager)
        .filter_map(|f| {
            let target = f.association.as_ref()?.target();
            let name = f.ident.to_string();
            Some(quote!((#name, ::core::any::TypeId::of::<#target>)))
        })
        .collect();
    let eager_fn = (!eager.is_empty()).then(|| {
        quote! {
            fn eager_associations() -> &'static [#fd::association::EagerAssociation] {
                &[#(#eager),*]
            }
        }
    });
    let path_arms = e.fields.iter().filter_map(|f| {
        let target = f.association.as_ref()?.target();
        let name = f.ident.to_string();
        Some(quote! {
            #name if rest.is_empty() => ::core::result::Result::Ok(()),
            #name => <#target as #fd::__private::assoc::Associations>::check_association_path(rest),
        })
    });
    let references = e.fields.iter().filter_map(|f| {
        let Some(Association::ManyToOne { target }) = &f.association else {
            return None;
        };
        let fi = &f.ident;
        let name = fi.to_string();
        Some(quote! {
            #name => match key.downcast_ref::<<#target as #fd::entity::Entity>::Id>() {
                ::core::option::Option::Some(k) => {
                    #fd::__private::assoc::RefField::<#target>::assign(&mut self.#fi, ::core::clone::Clone::clone(k));
                    true
                }
                ::core::option::Option::None => false,
            },
        })
    });
    quote! {
        impl #fd::__private::assoc::Associations for #ident {
            fn load_association<'a>(
                parents: ::std::vec::Vec<&'a mut Self>,
                name: &'a str,
                rest: &'a str,
                ds: &'a #fd::datasource::DataSource,
                chain: &'a #fd::__private::assoc::FetchChain,
            ) -> #fd::__private::BoxFuture<'a, #fd::DataResult<()>> {
                let _ = (&parents, rest, ds, chain);
                match name {
                    #(#arms)*
                    other => ::std::boxed::Box::pin(async move {
                        ::core::result::Result::Err(
                            #fd::__private::assoc::unknown_association::<Self>(other, &[#(#names),*]),
                        )
                    }),
                }
            }

            #eager_fn

            fn check_association_path(path: &str) -> #fd::DataResult<()> {
                let (head, rest) = #fd::__private::assoc::split_path(path);
                let _ = rest;
                match head {
                    #(#path_arms)*
                    other => ::core::result::Result::Err(
                        #fd::__private::assoc::unknown_association::<Self>(other, &[#(#names),*]),
                    ),
                }
            }

            fn set_reference(&mut self, property: &str, key: &dyn ::core::any::Any) -> bool {
                let _ = key;
                match property {
                    #(#references)*
                    _ => false,
                }
            }
        }
    }
}

/// `__fw_association_path(path)`: whether a dotted path names associations all the way down
/// (a `const fn`, so `#[fetch]` paths are checked at compile time).
fn association_path_fn(e: &Entity) -> TokenStream {
    let fd = &e.fd;
    let arms = e.fields.iter().filter_map(|f| {
        let target = f.association.as_ref()?.target();
        let name = f.ident.to_string();
        Some(quote! {
            if #fd::__private::is_association(head, #name) {
                return match rest {
                    ::core::option::Option::None => true,
                    ::core::option::Option::Some(rest) => <#target>::__fw_association_path(rest),
                };
            }
        })
    });
    quote! {
        pub const fn __fw_association_path(path: &[u8]) -> bool {
            let (head, rest) = #fd::__private::path_head(path);
            let _ = (head, rest);
            #(#arms)*
            false
        }
    }
}

/// `__fw_reference(name)`: each `#[many_to_one]` field's column and target, for derived
/// queries over the target's properties.
fn reference_fn(e: &Entity) -> TokenStream {
    let fd = &e.fd;
    let arms: Vec<TokenStream> = e
        .fields
        .iter()
        .filter_map(|f| {
            let Some(Association::ManyToOne { target }) = &f.association else {
                return None;
            };
            let (name, column) = (f.ident.to_string(), &f.column);
            Some(quote! {
                #name => ::core::option::Option::Some(#fd::__private::Reference {
                    column: #column,
                    target: <#target as #fd::entity::Entity>::metadata,
                }),
            })
        })
        .collect();
    let collections: Vec<TokenStream> = e
        .fields
        .iter()
        .filter_map(|f| {
            let Some(Association::OneToMany {
                target, mapped_by, ..
            }) = &f.association
            else {
                return None;
            };
            let name = f.ident.to_string();
            Some(quote! {
                #name => ::core::option::Option::Some(#fd::__private::Collection {
                    mapped_by: #mapped_by,
                    target: <#target as #fd::entity::Entity>::metadata,
                }),
            })
        })
        .collect();
    let references = (!arms.is_empty()).then(|| {
        quote! {
            fn __fw_reference(name: &str) -> ::core::option::Option<#fd::__private::Reference> {
                match name {
                    #(#arms)*
                    _ => ::core::option::Option::None,
                }
            }
        }
    });
    let collections = (!collections.is_empty()).then(|| {
        quote! {
            fn __fw_collection(name: &str) -> ::core::option::Option<#fd::__private::Collection> {
                match name {
                    #(#collections)*
                    _ => ::core::option::Option::None,
                }
            }
        }
    });
    quote! {
        #references
        #collections
    }
}

/// A link-time registration per `#[one_to_many(cache)]` field, so that writers of the child
/// type find the collection cache (see `cache::collection`).
fn cached_collections(e: &Entity) -> Vec<TokenStream> {
    let Entity { ident, fd, .. } = e;
    e.fields
        .iter()
        .filter_map(|f| {
            let Some(Association::OneToMany {
                target,
                cache: true,
                ..
            }) = &f.association
            else {
                return None;
            };
            let key = format!("{ident}.{}", f.ident);
            Some(quote! {
                const _: () = {
                    fn begin_write(
                        manager: &#fd::cache::CacheManager,
                        ds: &#fd::datasource::DataSource,
                    ) -> ::core::option::Option<::std::sync::Arc<dyn #fd::tx::TransactionSynchronization>> {
                        #fd::cache::begin_collection_write::<#ident, #target>(#key, manager, ds)
                    }
                    #[#fd::__private::linkme::distributed_slice(#fd::cache::CACHED_COLLECTIONS)]
                    #[linkme(crate = #fd::__private::linkme)]
                    static COLLECTION: #fd::cache::CachedCollection = #fd::cache::CachedCollection {
                        child: ::core::any::TypeId::of::<#target>,
                        begin_write,
                    };
                };
            })
        })
        .collect()
}

/// The `JoinTable` of a `#[many_to_many]` field.
fn join_table(fd: &TokenStream, f: &Field) -> TokenStream {
    let Some(Association::ManyToMany {
        target,
        join_table,
        join_column,
        inverse_join_column,
        ..
    }) = &f.association
    else {
        return quote!();
    };
    let field = f.ident.to_string();
    quote! {
        #fd::__private::assoc::JoinTable {
            field: #field,
            table: #join_table,
            join_column: #join_column,
            inverse_join_column: #inverse_join_column,
            target: <#target as #fd::entity::Entity>::metadata,
        }
    }
}

/// `__fw_eager()`: what every read runs when the entity has `fetch = "eager"` associations.
fn eager_fn(e: &Entity) -> TokenStream {
    let Entity { ident, fd, .. } = e;
    if !e.fields.iter().any(|f| f.eager && f.association.is_some()) {
        return quote!();
    }
    quote! {
        fn __fw_eager() -> ::core::option::Option<&'static (dyn ::core::any::Any + ::core::marker::Send + ::core::marker::Sync)> {
            fn load<'a>(
                found: ::std::vec::Vec<&'a mut #ident>,
                ds: &'a #fd::datasource::DataSource,
            ) -> #fd::__private::BoxFuture<'a, #fd::DataResult<()>> {
                ::std::boxed::Box::pin(#fd::__private::assoc::load_eager_root::<#ident>(found, ds))
            }
            static HOOK: #fd::__private::assoc::EagerHook<#ident> = #fd::__private::assoc::EagerHook { load };
            ::core::option::Option::Some(&HOOK)
        }
    }
}

/// `__fw_cascade()`: the hooks `save` and `delete` run for cascading to-many associations.
/// `__fw_validates` and `__fw_violations`: the entity's own rules (`own`: it has
/// `#[validate(..)]`), its embedded values' and its loaded cascading children's.
fn validation_fns(e: &Entity, own: bool) -> TokenStream {
    let fd = &e.fd;
    let mut validates = Vec::new();
    let mut visits = Vec::new();
    if own {
        validates.push(quote!(true));
    }
    for f in &e.fields {
        let fi = &f.ident;
        let name = fi.to_string();
        if own {
            visits.push(quote!(own.take(#name, prefix, out);));
        }
        // The paths below this field: `{prefix}address.`, `{prefix}pets[{i}].`.
        let nested = format!("{{prefix}}{name}.");
        let item = format!("{{prefix}}{name}[{{i}}].");
        if f.role.is_embedded() {
            let ty = &f.ty;
            validates.push(quote! {
                <<#ty as #fd::entity::EmbeddedValue>::Value as #fd::entity::Embeddable>::__fw_validates()
            });
            // Only a value type with rules pays for its path.
            visits.push(quote! {
                if let ::core::option::Option::Some(v) = #fd::entity::EmbeddedValue::__fw_value(&self.#fi)
                    && <<#ty as #fd::entity::EmbeddedValue>::Value as #fd::entity::Embeddable>::__fw_validates()
                {
                    #fd::entity::Embeddable::__fw_violations(v, &::std::format!(#nested), out);
                }
            });
        }
        if let Some(Association::OneToMany {
            cascade_save: true,
            single,
            ..
        }) = &f.association
        {
            // Not the children's own `__fw_validates`: a self-referencing cascade (a tree)
            // would recurse forever; walking the loaded children ends with the data.
            validates.push(quote!(true));
            visits.push(if *single {
                quote! {
                    if let #fd::association::Related::Loaded(::core::option::Option::Some(child)) = &self.#fi {
                        #fd::entity::Entity::__fw_violations(child, &::std::format!(#nested), out);
                    }
                }
            } else {
                quote! {
                    if let #fd::association::Related::Loaded(children) = &self.#fi {
                        for (i, child) in children.iter().enumerate() {
                            #fd::entity::Entity::__fw_violations(child, &::std::format!(#item), out);
                        }
                    }
                }
            });
        }
    }
    if validates.is_empty() {
        return TokenStream::new();
    }
    let (start, finish) = if own {
        (
            quote! {
                let mut own = #fd::__private::validation::Pending::of(
                    #fd::__private::validation::validator::Validate::validate(self),
                );
            },
            quote!(own.finish(prefix, out);),
        )
    } else {
        (TokenStream::new(), TokenStream::new())
    };
    quote! {
        fn __fw_validates() -> bool {
            #(#validates)||*
        }

        fn __fw_violations(&self, prefix: &str, out: &mut ::std::vec::Vec<#fd::Violation>) {
            #start
            #(#visits)*
            #finish
        }
    }
}

fn cascade_fn(e: &Entity) -> TokenStream {
    let Entity { ident, fd, .. } = e;
    let mut saves = Vec::new();
    let mut removes = Vec::new();
    for f in &e.fields {
        let fi = &f.ident;
        if let Some(Association::ManyToMany { target, .. }) = &f.association {
            // The owning side writes its links, as JPA's @ManyToMany does.
            let join = join_table(fd, f);
            saves.push(quote! {
                #fd::__private::assoc::link_save::<#ident, #target>(
                    ds, #fd::entity::Entity::id(&*e), &e.#fi, #join, existed,
                ).await?;
            });
            removes.push(quote! {
                #fd::__private::assoc::link_delete::<#ident>(ds, id, #join).await?;
            });
            continue;
        }
        let Some(Association::OneToMany {
            target,
            mapped_by,
            cascade_save,
            cascade_remove,
            orphan_removal,
            ..
        }) = &f.association
        else {
            continue;
        };
        if *cascade_save {
            saves.push(quote! {
                #fd::__private::assoc::cascade_save::<#ident, #target, _>(
                    ds, #fd::entity::Entity::id(&*e), &mut e.#fi, #mapped_by, #orphan_removal, existed,
                ).await?;
            });
        }
        if *cascade_remove {
            removes.push(quote! {
                #fd::__private::assoc::cascade_delete::<#ident, #target>(ds, id, #mapped_by).await?;
            });
        }
    }
    if saves.is_empty() && removes.is_empty() {
        return quote!();
    }
    quote! {
        fn __fw_cascade() -> ::core::option::Option<&'static (dyn ::core::any::Any + ::core::marker::Send + ::core::marker::Sync)> {
            fn after_save<'a>(
                e: &'a mut #ident,
                existed: bool,
                ds: &'a #fd::datasource::DataSource,
            ) -> #fd::__private::BoxFuture<'a, #fd::DataResult<()>> {
                let _ = (&e, existed, ds);
                ::std::boxed::Box::pin(async move {
                    #(#saves)*
                    ::core::result::Result::Ok(())
                })
            }
            fn before_delete<'a>(
                id: &'a <#ident as #fd::entity::Entity>::Id,
                ds: &'a #fd::datasource::DataSource,
            ) -> #fd::__private::BoxFuture<'a, #fd::DataResult<()>> {
                let _ = (id, ds);
                ::std::boxed::Box::pin(async move {
                    #(#removes)*
                    ::core::result::Result::Ok(())
                })
            }
            static HOOKS: #fd::__private::assoc::CascadeHooks<#ident> = #fd::__private::assoc::CascadeHooks {
                after_save,
                before_delete,
            };
            ::core::option::Option::Some(&HOOKS)
        }
    }
}

/// The fields of the value type of an embedded field of type `ty`.
fn value_fields(fd: &TokenStream, ty: &syn::Type) -> TokenStream {
    quote!(<<#ty as #fd::entity::EmbeddedValue>::Value as #fd::entity::Embeddable>::FIELDS)
}

/// How many columns an embedded field of type `ty` has.
fn width(fd: &TokenStream, ty: &syn::Type) -> TokenStream {
    let fields = value_fields(fd, ty);
    quote!(#fields.len())
}

/// `metadata()`: built once, at first use, because embedded columns come from their types.
fn metadata_fn(e: &Entity, persistent: &[&Field]) -> TokenStream {
    let fd = &e.fd;
    let (name, table, datasource) = (e.ident.to_string(), &e.table, &e.datasource);
    let cache = match &e.cache {
        Some(c) => quote!(::core::option::Option::Some(#c)),
        None => quote!(::core::option::Option::None),
    };
    let generated = matches!(
        e.id,
        Id::Single {
            generated: true,
            ..
        }
    );
    let columns = persistent.iter().map(|f| {
        let (field, column, ty) = (f.ident.to_string(), &f.column, &f.ty);
        let embedded = |prefix: &str, id: bool| {
            let fields = spanned_by_type(ty, value_fields(fd, ty));
            let optional =
                spanned_by_type(ty, quote!(<#ty as #fd::entity::EmbeddedValue>::OPTIONAL));
            quote!(.embedded(#field, #prefix, #id, #fields, #optional))
        };
        match &f.role {
            Role::Embedded { prefix } => embedded(prefix, false),
            Role::EmbeddedId { prefix } => embedded(prefix, true),
            role => {
                let role = match role {
                    Role::Id { .. } => quote!(Id),
                    Role::Version => quote!(Version),
                    Role::CreatedAt => quote!(CreatedAt),
                    Role::UpdatedAt => quote!(UpdatedAt),
                    Role::CreatedBy => quote!(CreatedBy),
                    Role::LastModifiedBy => quote!(LastModifiedBy),
                    Role::SoftDelete => quote!(SoftDelete),
                    _ => quote!(Plain),
                };
                let meta = spanned_by_type(
                    ty,
                    quote! {
                        #fd::entity::ColumnMeta {
                            field: #field,
                            column: #column,
                            sql_type: <#ty as #fd::value::SqlValue>::SQL_TYPE,
                            nullable: <#ty as #fd::value::SqlValue>::NULLABLE,
                        }
                    },
                );
                quote!(.column(#meta, #fd::__private::Role::#role))
            }
        }
    });
    let join_tables = e
        .fields
        .iter()
        .filter(|f| matches!(f.association, Some(Association::ManyToMany { .. })))
        .map(|f| {
            let join = join_table(fd, f);
            quote!(.join_table(#join))
        });
    let references = e.fields.iter().filter_map(|f| {
        let Some(Association::ManyToOne { target }) = &f.association else {
            return None;
        };
        let column = &f.column;
        Some(quote! {
            .reference(#fd::__private::Reference {
                column: #column,
                target: <#target as #fd::entity::Entity>::metadata,
            })
        })
    });
    let table_name = &e.table;
    let indexes = e.fields.iter().filter_map(|f| {
        let (unique, _) = f.index?;
        let column = &f.column;
        let name = format!(
            "{table_name}_{column}_{}",
            if unique { "key" } else { "idx" }
        );
        Some(quote! {
            .index(#fd::__private::IndexMeta {
                name: #name,
                columns: &[#column],
                unique: #unique,
            })
        })
    });
    quote! {
        fn metadata() -> &'static #fd::entity::EntityMetadata {
            static METADATA: ::std::sync::OnceLock<#fd::entity::EntityMetadata> =
                ::std::sync::OnceLock::new();
            METADATA.get_or_init(|| {
                #fd::__private::MetadataBuilder::new(#name, #table, #datasource, #cache, #generated)
                    #(#columns)*
                    #(#join_tables)*
                    #(#references)*
                    #(#indexes)*
                    .build()
            })
        }
    }
}

/// The id's type and `id`, `set_id`, `bind_id`.
fn id_fns(e: &Entity, persistent: &[&Field]) -> (TokenStream, TokenStream) {
    let fd = &e.fd;
    // One field (a plain id or a key struct): the id is that field's value.
    let one_field = |field: usize, bind: TokenStream| {
        let (fi, ty) = (&persistent[field].ident, &persistent[field].ty);
        (
            quote!(#ty),
            quote! {
                fn id(&self) -> #ty {
                    ::core::clone::Clone::clone(&self.#fi)
                }
                fn set_id(&mut self, id: #ty) {
                    self.#fi = id;
                }
                fn bind_id(id: &#ty, args: &mut #fd::value::Args) -> ::core::result::Result<(), #fd::value::BoxDynError> {
                    #bind
                }
            },
        )
    };
    match &e.id {
        Id::Single { field, .. } => {
            let ty = &persistent[*field].ty;
            one_field(*field, quote_spanned!(ty.span()=> args.add(id)))
        }
        Id::Embedded(field) => {
            let ty = &persistent[*field].ty;
            let width = width(fd, ty);
            one_field(
                *field,
                quote! {
                    for k in 0..#width {
                        <#ty as #fd::entity::Embeddable>::bind_field(id, k, args)?;
                    }
                    ::core::result::Result::Ok(())
                },
            )
        }
        Id::Composite(fields) => {
            let idents: Vec<_> = fields.iter().map(|i| &persistent[*i].ident).collect();
            let types: Vec<_> = fields.iter().map(|i| &persistent[*i].ty).collect();
            let n: Vec<syn::Index> = (0..fields.len()).map(syn::Index::from).collect();
            let binds = types
                .iter()
                .zip(&n)
                .map(|(ty, k)| quote_spanned!(ty.span()=> args.add(&id.#k)?;));
            (
                quote!((#(#types),*)),
                quote! {
                    fn id(&self) -> (#(#types),*) {
                        (#(::core::clone::Clone::clone(&self.#idents)),*)
                    }
                    fn set_id(&mut self, id: (#(#types),*)) {
                        #(self.#idents = id.#n;)*
                    }
                    fn bind_id(id: &(#(#types),*), args: &mut #fd::value::Args) -> ::core::result::Result<(), #fd::value::BoxDynError> {
                        #(#binds)*
                        ::core::result::Result::Ok(())
                    }
                },
            )
        }
    }
}

/// Hidden items beside the type when it has embedded fields: the first column of each field,
/// and, per embedded field, what `#[repository]` checks derived queries against
/// (`__fw_embedded_{field}`).
fn hidden_consts(e: &Entity, persistent: &[&Field]) -> TokenStream {
    let (ident, fd) = (&e.ident, &e.fd);
    // Every entity describes its plain fields, for derived queries through a reference to it.
    let plain = persistent
        .iter()
        .filter(|f| !f.role.is_embedded())
        .map(|f| {
            let (field, column, ty) = (f.ident.to_string(), &f.column, &f.ty);
            let kind = match kind(ty) {
                Kind::Text => quote!(Text),
                Kind::Bool => quote!(Bool),
                Kind::Other => quote!(Other),
            };
            quote! {
                #fd::entity::embedded::EmbeddedField {
                    field: #field,
                    column: #column,
                    sql_type: <#ty as #fd::value::SqlValue>::SQL_TYPE,
                    nullable: <#ty as #fd::value::SqlValue>::NULLABLE,
                    kind: #fd::entity::embedded::PropertyKind::#kind,
                }
            }
        });
    let fields_impl = quote! {
        #[doc(hidden)]
        impl #fd::__private::EntityFields for #ident {
            const FIELDS: &'static [#fd::entity::embedded::EmbeddedField] = &[#(#plain),*];
        }
    };
    let references = e.fields.iter().filter_map(|f| {
        let (target, optional) = match &f.association {
            Some(Association::ManyToOne { target }) => (target, option_inner(&f.ty).1),
            Some(Association::OneToMany { target, .. }) => (target, false),
            _ => return None,
        };
        let name = format_ident!("__fw_embedded_{}", f.ident);
        Some(quote! {
            #[allow(non_upper_case_globals)]
            pub const #name: #fd::__private::EmbeddedInfo = #fd::__private::EmbeddedInfo::reference::<#target>(#optional);
        })
    });
    let mut references: Vec<TokenStream> = references.collect();
    references.push(association_path_fn(e));
    if !persistent.iter().any(|f| f.role.is_embedded()) {
        return quote! {
            #fields_impl
            #[doc(hidden)]
            impl #ident {
                #(#references)*
            }
        };
    }
    let n = persistent.len();
    let steps = persistent.iter().enumerate().skip(1).map(|(i, _)| {
        let prev = &persistent[i - 1];
        let w = if prev.role.is_embedded() {
            width(fd, &prev.ty)
        } else {
            quote!(1)
        };
        let p = i - 1;
        quote!(o[#i] = o[#p] + #w;)
    });
    let infos = persistent.iter().filter(|f| f.role.is_embedded()).map(|f| {
        let name = format_ident!("__fw_embedded_{}", f.ident);
        let ty = &f.ty;
        quote! {
            #[allow(non_upper_case_globals)]
            pub const #name: #fd::__private::EmbeddedInfo = #fd::__private::EmbeddedInfo::of::<#ty>();
        }
    });
    quote! {
        #fields_impl
        #[doc(hidden)]
        impl #ident {
            const __FW_OFFSETS: [usize; #n] = {
                let mut o = [0usize; #n];
                #(#steps)*
                o
            };
            #(#infos)*
            #(#references)*
        }
    }
}

/// What `#[repository]` needs to know of the fields at compile time: a `macro_rules!` named
/// after the entity (in the macro namespace, so `use models::Account` brings it along with the
/// type) that hands the field list to the repository macro. An embedded field is listed as
/// `embedded`; its own fields are checked through the entity's `__fw_embedded_{field}`.
fn field_list_macro(e: &Entity, persistent: &[&Field]) -> TokenStream {
    let (ident, fd) = (&e.ident, &e.fd);
    let name = format_ident!("__fw_entity_fields_{}", ident);
    let fields = persistent.iter().map(|f| {
        let fi = &f.ident;
        let kind = if f.role.is_embedded() {
            quote!(embedded)
        } else if f.role == Role::SoftDelete {
            quote!(soft_delete)
        } else if matches!(f.association, Some(Association::ManyToOne { .. })) {
            quote!(reference)
        } else {
            match kind(&f.ty) {
                Kind::Text => quote!(text),
                Kind::Bool => quote!(bool),
                Kind::Other => quote!(other),
            }
        };
        let opt = if option_inner(&f.ty).1 {
            quote!(opt)
        } else {
            quote!(req)
        };
        quote!((#fi #kind #opt))
    });
    // To-many associations are no columns, only heads of paths (`posts_title`); a
    // many-to-many one is only named by fetch plans.
    let collections = e.fields.iter().filter_map(|f| {
        let fi = &f.ident;
        match &f.association {
            Some(Association::OneToMany { .. }) => Some(quote!((#fi collection req))),
            Some(Association::ManyToMany { .. }) => Some(quote!((#fi link req))),
            _ => None,
        }
    });
    let fields = fields.chain(collections);
    quote! {
        #[doc(hidden)]
        #[allow(unused_macros)]
        macro_rules! #name {
            ($($input:tt)*) => {
                #fd::__private::repository_impl! { @fields [#(#fields)*] $($input)* }
            };
        }
        #[doc(hidden)]
        #[allow(unused_imports)]
        pub(crate) use #name as #ident;
    }
}

/// The typed field paths of the entity (`Account::fields()`): a struct with a method per plain
/// field returning a `Field<Account, T>`, and per to-one or to-many association one returning
/// the target's fields seen from this entity (`TargetPath<Account>`, one level: its own
/// associations are not offered, as derived queries go one level too).
fn field_paths(e: &Entity, persistent: &[&Field]) -> TokenStream {
    let (ident, fd, vis) = (&e.ident, &e.fd, &e.vis);
    let root = format_ident!("{}Fields", ident);
    let path = format_ident!("{}Path", ident);
    let plain: Vec<&Field> = persistent
        .iter()
        .copied()
        .filter(|f| !f.role.is_embedded() && f.association.is_none())
        .collect();
    let plain_fn = |f: &Field, root_ty: TokenStream, head: TokenStream| {
        let (fi, ty) = (&f.ident, &f.ty);
        let name = fi.to_string();
        let doc = format!("The `{name}` field.");
        quote! {
            #[doc = #doc]
            pub fn #fi(&self) -> #fd::query::Field<#root_ty, #ty> {
                #fd::query::Field::new(#head, #name)
            }
        }
    };
    let root_fns = plain
        .iter()
        .map(|f| plain_fn(f, quote!(#ident), quote!(::core::option::Option::None)));
    let path_fns = plain.iter().map(|f| {
        plain_fn(
            f,
            quote!(R),
            quote!(::core::option::Option::Some(self.head)),
        )
    });
    let walks = e.fields.iter().filter_map(|f| {
        let target = match &f.association {
            Some(Association::ManyToOne { target }) | Some(Association::OneToMany { target, .. }) => target,
            _ => return None,
        };
        let fi = &f.ident;
        let name = fi.to_string();
        let doc = format!("The fields of `{name}`'s entity, compared through the association (a semi-join: each row once).");
        Some(quote! {
            #[doc = #doc]
            pub fn #fi(&self) -> <#target as #fd::query::HasFields>::Path<#ident> {
                <#target as #fd::query::HasFields>::path::<#ident>(#name)
            }
        })
    });
    // A field named `any` keeps its name; the method is then not offered.
    let any_fn = (!plain.iter().any(|f| f.ident == "any")).then(|| {
        quote! {
            /// The rows that some associated entity meets `spec` for (one and the same
            /// entity meets all of it: `EXISTS`, written as a semi-join).
            pub fn any(&self, spec: #fd::query::Spec<#ident>) -> #fd::query::Spec<R> {
                #fd::query::Spec::any_through::<#ident>(self.head, spec)
            }
        }
    });
    let root_doc = format!(
        "Typed paths to the fields of [`{ident}`], from `{ident}::fields()`: each method returns a `Field` whose comparisons build a `Spec<{ident}>`."
    );
    let path_doc = format!(
        "The fields of [`{ident}`] as an entity `R` reaches them through an association (`R::fields().<association>()`)."
    );
    quote! {
        #[doc = #root_doc]
        #[derive(Debug, Clone, Copy, Default)]
        #vis struct #root;

        impl #root {
            #(#root_fns)*
            #(#walks)*
        }

        #[doc = #path_doc]
        #vis struct #path<R> {
            head: &'static str,
            _root: ::core::marker::PhantomData<fn() -> R>,
        }

        impl<R> #path<R> {
            #(#path_fns)*
            #any_fn
        }

        impl #fd::query::HasFields for #ident {
            type Path<R> = #path<R>;

            fn path<R>(head: &'static str) -> #path<R> {
                #path {
                    head,
                    _root: ::core::marker::PhantomData,
                }
            }
        }

        impl #ident {
            /// Typed paths to the entity's fields, for specifications (see `framework_data::query`).
            #vis fn fields() -> #root {
                #root
            }
        }
    }
}
