//! `#[derive(Embeddable)]`: a value type stored as columns of its owner's table.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{DeriveInput, Ident, LitStr, Type, spanned::Spanned};

use crate::entity::model::{column_name, named_fields};
use crate::field_type::{Kind, kind, option_inner, spanned_by_type};

struct Field {
    ident: Ident,
    ty: Type,
    column: String,
    transient: bool,
}

pub(crate) fn expand(input: DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    let named = named_fields(&input, "Embeddable")?;
    let mut fd = None;
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("embeddable"))
    {
        attr.parse_nested_meta(|m| {
            if m.path.is_ident("crate") {
                let path: LitStr = m.value()?.parse()?;
                fd = Some(path.parse::<syn::Path>()?);
                Ok(())
            } else {
                Err(m.error("unknown embeddable option; expected `crate = \"...\"`"))
            }
        })?;
    }
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
        let mut transient = false;
        for attr in &f.attrs {
            let p = attr.path();
            if p.is_ident("column") {
                column = column_name(attr)?;
            } else if p.is_ident("transient") {
                transient = true;
            } else if [
                "id",
                "embedded",
                "embedded_id",
                "version",
                "created_at",
                "updated_at",
            ]
            .iter()
            .any(|a| p.is_ident(a))
            {
                return Err(syn::Error::new(
                    attr.span(),
                    "an Embeddable's fields are plain columns: #[id], #[version], timestamps and nested #[embedded] values belong on the entity",
                ));
            }
        }
        fields.push(Field {
            ident: fident,
            ty: f.ty.clone(),
            column,
            transient,
        });
    }
    let persistent: Vec<&Field> = fields.iter().filter(|f| !f.transient).collect();
    if persistent.is_empty() {
        return Err(syn::Error::new_spanned(
            ident,
            "an Embeddable needs at least one persistent field",
        ));
    }

    let descriptors = persistent.iter().map(|f| {
        let (field, column, ty) = (f.ident.to_string(), &f.column, &f.ty);
        let kind = match kind(ty) {
            Kind::Text => quote!(Text),
            Kind::Bool => quote!(Bool),
            Kind::Other => quote!(Other),
        };
        spanned_by_type(
            ty,
            quote! {
                #fd::entity::embedded::EmbeddedField {
                    field: #field,
                    column: #column,
                    sql_type: <#ty as #fd::value::SqlValue>::SQL_TYPE,
                    nullable: <#ty as #fd::value::SqlValue>::NULLABLE,
                    kind: #fd::entity::embedded::PropertyKind::#kind,
                }
            },
        )
    });
    let bind_arms = persistent.iter().enumerate().map(|(i, f)| {
        let fi = &f.ident;
        quote!(#i => args.add(&self.#fi),)
    });
    let column_arms = persistent.iter().enumerate().map(|(i, f)| {
        let fi = &f.ident;
        quote!(#i => ::core::option::Option::Some(&self.#fi),)
    });
    let null_arms = persistent.iter().enumerate().map(|(i, f)| {
        let ty = &f.ty;
        quote!(#i => args.add(&::core::option::Option::<#ty>::None),)
    });
    let name = ident.to_string();
    let no_field = quote! {
        other => ::core::result::Result::Err(::std::format!("{} has no field {}", #name, other).into()),
    };
    let read_fields = fields.iter().map(|f| {
        let fi = &f.ident;
        match persistent.iter().position(|p| p.ident == f.ident) {
            Some(i) => quote!(#fi: row.get(position(#i)?)?,),
            None => quote!(#fi: ::core::default::Default::default(),),
        }
    });
    // Nullable as a whole: each column read as an Option, `None` when all are NULL.
    let locals: Vec<Ident> = (0..persistent.len())
        .map(|i| quote::format_ident!("__c{}", i))
        .collect();
    let read_opt_columns = persistent
        .iter()
        .zip(&locals)
        .enumerate()
        .map(|(i, (f, l))| {
            let ty = &f.ty;
            let (inner, optional) = option_inner(ty);
            let as_option = if optional {
                quote!(#ty)
            } else {
                quote!(::core::option::Option<#inner>)
            };
            quote!(let #l: #as_option = row.get(position(#i)?)?;)
        });
    let build_opt = fields.iter().map(|f| {
        let fi = &f.ident;
        match persistent.iter().position(|p| p.ident == f.ident) {
            Some(i) if option_inner(&f.ty).1 => {
                let l = &locals[i];
                quote!(#fi: #l,)
            }
            Some(i) => {
                let l = &locals[i];
                quote! {
                    #fi: match #l {
                        ::core::option::Option::Some(v) => v,
                        ::core::option::Option::None => {
                            return ::core::result::Result::Err(#fd::__private::unexpected_null(position(#i)?));
                        }
                    },
                }
            }
            None => quote!(#fi: ::core::default::Default::default(),),
        }
    });

    let validate = crate::validation::validate_impl(&fd, ident, &input.attrs, &named.named)?;
    let names: Vec<String> = fields.iter().map(|f| f.ident.to_string()).collect();
    let validation_fns = validate.as_ref().map(|_| {
        quote! {
            fn __fw_validates() -> bool {
                true
            }

            fn __fw_violations(&self, prefix: &str, out: &mut ::std::vec::Vec<#fd::Violation>) {
                let mut own = #fd::__private::validation::Pending::of(
                    #fd::__private::validation::validator::Validate::validate(self),
                );
                #(own.take(#names, prefix, out);)*
                own.finish(prefix, out);
            }
        }
    });

    Ok(quote! {
        #validate

        impl #fd::entity::Embeddable for #ident {
            #validation_fns

            const FIELDS: &'static [#fd::entity::embedded::EmbeddedField] = &[#(#descriptors),*];

            fn bind_field(
                &self,
                idx: usize,
                args: &mut #fd::value::Args,
            ) -> ::core::result::Result<(), #fd::value::BoxDynError> {
                match idx {
                    #(#bind_arms)*
                    #no_field
                }
            }

            fn __fw_column(&self, idx: usize) -> ::core::option::Option<&dyn #fd::value::ColumnRef> {
                match idx {
                    #(#column_arms)*
                    _ => ::core::option::Option::None,
                }
            }

            fn bind_null_field(
                idx: usize,
                args: &mut #fd::value::Args,
            ) -> ::core::result::Result<(), #fd::value::BoxDynError> {
                match idx {
                    #(#null_arms)*
                    #no_field
                }
            }

            fn read(
                row: &#fd::value::Row,
                position: &dyn Fn(usize) -> ::core::result::Result<usize, #fd::value::DecodeError>,
            ) -> ::core::result::Result<Self, #fd::value::DecodeError> {
                ::core::result::Result::Ok(Self {
                    #(#read_fields)*
                })
            }

            fn read_opt(
                row: &#fd::value::Row,
                position: &dyn Fn(usize) -> ::core::result::Result<usize, #fd::value::DecodeError>,
            ) -> ::core::result::Result<::core::option::Option<Self>, #fd::value::DecodeError> {
                #(#read_opt_columns)*
                if #(#locals.is_none())&&* {
                    return ::core::result::Result::Ok(::core::option::Option::None);
                }
                ::core::result::Result::Ok(::core::option::Option::Some(Self {
                    #(#build_opt)*
                }))
            }
        }
    })
}
