//! `#[derive(DbEnum)]`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr};

pub(crate) fn expand(input: DeriveInput) -> syn::Result<TokenStream> {
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "DbEnum can only be derived for enums",
        ));
    };
    let fd = crate::crate_path::framework_data();
    let ident = &input.ident;
    let mut names = Vec::new();
    let mut variants = Vec::new();
    for v in &data.variants {
        if !matches!(v.fields, Fields::Unit) {
            return Err(syn::Error::new_spanned(
                &v.fields,
                "DbEnum variants cannot have fields",
            ));
        }
        let mut name = v.ident.to_string();
        for attr in v.attrs.iter().filter(|a| a.path().is_ident("db")) {
            attr.parse_nested_meta(|m| {
                if m.path.is_ident("rename") {
                    name = m.value()?.parse::<LitStr>()?.value();
                    Ok(())
                } else {
                    Err(m.error("unknown db option; expected `rename = \"...\"`"))
                }
            })?;
        }
        names.push(name);
        variants.push(&v.ident);
    }
    Ok(quote! {
        impl #fd::value::DbEnum for #ident {
            const VARIANTS: &'static [&'static str] = &[#(#names),*];
            fn as_db_str(&self) -> &'static str {
                match self { #(Self::#variants => #names,)* }
            }
            fn from_db_str(s: &str) -> ::core::option::Option<Self> {
                match s { #(#names => ::core::option::Option::Some(Self::#variants),)* _ => ::core::option::Option::None }
            }
        }
    })
}
