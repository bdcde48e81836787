//! `#[derive(Entity)]`: parses the struct's attributes into a model, then generates the impl.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Type, spanned::Spanned};

struct Field {
    ident: Ident,
    ty: Type,
    column: String,
    role: Role,
}

#[derive(PartialEq, Clone, Copy)]
enum Role {
    Plain,
    Id { generated: bool },
    Version,
    CreatedAt,
    UpdatedAt,
    Transient,
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

fn set_role(role: &mut Role, new: Role, span: Span) -> syn::Result<()> {
    if *role != Role::Plain {
        return Err(syn::Error::new(
            span,
            "a field can have only one of #[id], #[version], #[created_at], #[updated_at], #[transient]",
        ));
    }
    *role = new;
    Ok(())
}

pub(crate) fn expand(input: DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "an Entity cannot be generic",
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            ident,
            "Entity can only be derived for structs with named fields",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(
            &data.fields,
            "Entity needs named fields",
        ));
    };

    let mut table = snake_case(&ident.to_string());
    let mut cache: Option<String> = None;
    let mut datasource = "default".to_owned();
    let mut fd = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("entity")) {
        attr.parse_nested_meta(|m| {
            if m.path.is_ident("table") {
                table = m.value()?.parse::<LitStr>()?.value();
            } else if m.path.is_ident("cache") {
                cache = Some(match m.value() {
                    Ok(v) => v.parse::<LitStr>()?.value(),
                    Err(_) => String::new(),
                });
            } else if m.path.is_ident("datasource") {
                datasource = m.value()?.parse::<LitStr>()?.value();
            } else if m.path.is_ident("crate") {
                let path: LitStr = m.value()?.parse()?;
                fd = Some(path.parse::<syn::Path>()?);
            } else {
                return Err(m.error("unknown entity option; expected `table = \"...\"`, `cache = \"...\"`, `datasource = \"...\"` or `crate = \"...\"`"));
            }
            Ok(())
        })?;
    }
    let cache = cache.map(|c| if c.is_empty() { table.clone() } else { c });
    let fd = match fd {
        Some(p) => quote!(#p),
        None => crate::crate_path::framework_data(),
    };

    let mut fields = Vec::new();
    for f in &named.named {
        let Some(fident) = f.ident.clone() else {
            continue;
        };
        let mut column = fident.to_string();
        let mut role = Role::Plain;
        for attr in &f.attrs {
            let p = attr.path();
            if p.is_ident("id") {
                let mut generated = false;
                if matches!(attr.meta, syn::Meta::List(_)) {
                    attr.parse_nested_meta(|m| {
                        if m.path.is_ident("generated") {
                            generated = true;
                            Ok(())
                        } else {
                            Err(m.error("unknown id option; expected `generated`"))
                        }
                    })?;
                }
                set_role(&mut role, Role::Id { generated }, attr.span())?;
            } else if p.is_ident("version") {
                set_role(&mut role, Role::Version, attr.span())?;
            } else if p.is_ident("created_at") {
                set_role(&mut role, Role::CreatedAt, attr.span())?;
            } else if p.is_ident("updated_at") {
                set_role(&mut role, Role::UpdatedAt, attr.span())?;
            } else if p.is_ident("transient") {
                set_role(&mut role, Role::Transient, attr.span())?;
            } else if p.is_ident("column") {
                attr.parse_nested_meta(|m| {
                    if m.path.is_ident("name") {
                        column = m.value()?.parse::<LitStr>()?.value();
                        Ok(())
                    } else {
                        Err(m.error("unknown column option; expected `name = \"...\"`"))
                    }
                })?;
            }
        }
        fields.push(Field {
            ident: fident,
            ty: f.ty.clone(),
            column,
            role,
        });
    }

    let persistent: Vec<&Field> = fields
        .iter()
        .filter(|f| f.role != Role::Transient)
        .collect();
    let ids: Vec<usize> = persistent
        .iter()
        .enumerate()
        .filter(|(_, f)| matches!(f.role, Role::Id { .. }))
        .map(|(i, _)| i)
        .collect();
    let id_index = match ids.as_slice() {
        [i] => *i,
        [] => {
            return Err(syn::Error::new_spanned(
                ident,
                "an Entity needs exactly one #[id] or #[id(generated)] field",
            ));
        }
        [_, second, ..] => {
            return Err(syn::Error::new_spanned(
                &persistent[*second].ident,
                "only one field can be the #[id]",
            ));
        }
    };
    let single = |role: Role, what: &str| -> syn::Result<Option<usize>> {
        let found: Vec<usize> = persistent
            .iter()
            .enumerate()
            .filter(|(_, f)| f.role == role)
            .map(|(i, _)| i)
            .collect();
        match found.as_slice() {
            [] => Ok(None),
            [i] => Ok(Some(*i)),
            [_, second, ..] => Err(syn::Error::new_spanned(
                &persistent[*second].ident,
                format!("only one field can be {what}"),
            )),
        }
    };
    let version = single(Role::Version, "#[version]")?;
    let created = single(Role::CreatedAt, "#[created_at]")?;
    let updated = single(Role::UpdatedAt, "#[updated_at]")?;

    let id_field = persistent[id_index];
    let id_ident = &id_field.ident;
    let id_ty = &id_field.ty;
    let generated = matches!(id_field.role, Role::Id { generated: true });

    let name = ident.to_string();
    let opt = |o: Option<usize>| match o {
        Some(i) => quote!(::core::option::Option::Some(#i)),
        None => quote!(::core::option::Option::None),
    };
    let (version_q, created_q, updated_q) = (opt(version), opt(created), opt(updated));
    let cache_q = match &cache {
        Some(c) => quote!(::core::option::Option::Some(#c)),
        None => quote!(::core::option::Option::None),
    };
    let columns = persistent.iter().map(|f| {
        let (field, column, ty) = (f.ident.to_string(), &f.column, &f.ty);
        quote_spanned_ty(
            ty,
            quote! {
                #fd::entity::ColumnMeta {
                    field: #field,
                    column: #column,
                    sql_type: <#ty as #fd::value::SqlValue>::SQL_TYPE,
                    nullable: <#ty as #fd::value::SqlValue>::NULLABLE,
                }
            },
        )
    });
    let bind_arms = persistent.iter().enumerate().map(|(i, f)| {
        let fi = &f.ident;
        quote!(#i => args.add(&self.#fi),)
    });
    let decode_fields = fields.iter().map(|f| {
        let fi = &f.ident;
        match persistent.iter().position(|p| p.ident == f.ident) {
            Some(i) => quote!(#fi: row.get(#i)?,),
            None => quote!(#fi: ::core::default::Default::default(),),
        }
    });

    let decode_fields_at = fields.iter().map(|f| {
        let fi = &f.ident;
        match persistent.iter().position(|p| p.ident == f.ident) {
            Some(i) => quote!(#fi: row.get(*positions.get(#i).ok_or_else(|| #fd::value::DecodeError::ColumnIndexOutOfBounds { index: #i, len: positions.len() })?)?,),
            None => quote!(#fi: ::core::default::Default::default(),),
        }
    });

    let is_new = if generated {
        quote!(#fd::entity::GeneratedId::is_unset(&self.#id_ident))
    } else if let Some(v) = version {
        let vi = &persistent[v].ident;
        quote!(#fd::entity::VersionValue::to_i64(&self.#vi) == 0)
    } else {
        quote!(false)
    };
    let set_generated = if generated {
        quote! {
            fn set_generated_id(&mut self, raw: i64) {
                self.#id_ident = <#id_ty as #fd::entity::GeneratedId>::from_i64(raw);
            }
        }
    } else {
        quote!()
    };
    let version_fns = version.map(|v| {
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
    let stamp = |idx: Option<usize>, fn_name: &str| {
        idx.map(|i| {
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
    let created_fn = stamp(created, "set_created_at");
    let field_list = field_list_macro(ident, &persistent, &fd);
    let updated_fn = stamp(updated, "set_updated_at");

    Ok(quote! {
        impl #fd::entity::Entity for #ident {
            type Id = #id_ty;

            fn metadata() -> &'static #fd::entity::EntityMetadata {
                static METADATA: #fd::entity::EntityMetadata = #fd::entity::EntityMetadata {
                    name: #name,
                    table: #table,
                    columns: &[#(#columns),*],
                    id: #id_index,
                    id_generated: #generated,
                    version: #version_q,
                    created_at: #created_q,
                    updated_at: #updated_q,
                    cache_region: #cache_q,
                    datasource: #datasource,
                };
                &METADATA
            }

            fn sql() -> &'static #fd::sql::EntitySql {
                static SQL: #fd::sql::EntitySql = #fd::sql::EntitySql::new();
                &SQL
            }

            fn id(&self) -> &#id_ty {
                &self.#id_ident
            }

            fn set_id(&mut self, id: #id_ty) {
                self.#id_ident = id;
            }

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

            fn from_row(row: &#fd::value::Row) -> ::core::result::Result<Self, #fd::value::DecodeError> {
                ::core::result::Result::Ok(Self {
                    #(#decode_fields)*
                })
            }

            fn from_row_at(
                row: &#fd::value::Row,
                positions: &[usize],
            ) -> ::core::result::Result<Self, #fd::value::DecodeError> {
                ::core::result::Result::Ok(Self {
                    #(#decode_fields_at)*
                })
            }

            #version_fns
            #created_fn
            #updated_fn
        }

        #field_list

        const _: () = {
            #[#fd::__private::linkme::distributed_slice(#fd::entity::ENTITIES)]
            #[linkme(crate = #fd::__private::linkme)]
            static ENTITY: fn() -> &'static #fd::entity::EntityMetadata =
                <#ident as #fd::entity::Entity>::metadata;
        };
    })
}

/// Gives the generated metadata the span of the field's type, so an unsupported type is
/// reported on the user's field.
fn quote_spanned_ty(ty: &Type, tokens: TokenStream) -> TokenStream {
    let span = ty.span();
    tokens
        .into_iter()
        .map(|mut t| {
            t.set_span(span);
            t
        })
        .collect()
}

/// What `#[repository]` needs to know of the fields at compile time: a `macro_rules!` named
/// after the entity (in the macro namespace, so `use models::Account` brings it along with the
/// type) that hands the field list to the repository macro.
fn field_list_macro(ident: &syn::Ident, persistent: &[&Field], fd: &TokenStream) -> TokenStream {
    let name = format_ident!("__fw_entity_fields_{}", ident);
    let fields = persistent.iter().map(|f| {
        let fi = &f.ident;
        let (inner, optional) = option_inner(&f.ty);
        let kind = match last_ident(inner).as_deref() {
            Some("String") => quote!(text),
            Some("bool") => quote!(bool),
            _ => quote!(other),
        };
        let opt = if optional { quote!(opt) } else { quote!(req) };
        quote!((#fi #kind #opt))
    });
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

/// `T` and `true` for `Option<T>`, else the type and `false`.
fn option_inner(ty: &Type) -> (&Type, bool) {
    if let Type::Path(p) = ty
        && let Some(seg) = p.path.segments.last()
        && seg.ident == "Option"
        && let syn::PathArguments::AngleBracketed(args) = &seg.arguments
        && let Some(syn::GenericArgument::Type(inner)) = args.args.first()
    {
        return (inner, true);
    }
    (ty, false)
}

fn last_ident(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}
