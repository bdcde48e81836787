//! `#[seeder(profile = "dev", order = 1)]`: an async function that fills a database with seed
//! data, registered (like embedded migrations) for the seeds of its profile.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{ItemFn, LitInt, LitStr};

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let f: ItemFn = syn::parse2(item)?;
    let mut profile: Option<LitStr> = None;
    let mut order: Option<LitInt> = None;
    let mut datasource: Option<LitStr> = None;
    let parser = syn::meta::parser(|m| {
        if m.path.is_ident("profile") {
            profile = Some(m.value()?.parse()?);
            Ok(())
        } else if m.path.is_ident("order") {
            order = Some(m.value()?.parse()?);
            Ok(())
        } else if m.path.is_ident("datasource") {
            datasource = Some(m.value()?.parse()?);
            Ok(())
        } else {
            Err(m.error("unknown seeder option; expected `profile = \"...\"`, `order = N` or `datasource = \"...\"`"))
        }
    });
    syn::parse::Parser::parse2(parser, attr)?;
    let Some(profile) = profile else {
        return Err(syn::Error::new_spanned(
            &f.sig.ident,
            "#[seeder] needs its profile: `#[seeder(profile = \"dev\")]`",
        ));
    };
    if f.sig.asyncness.is_none() {
        return Err(syn::Error::new_spanned(
            f.sig.fn_token,
            "a #[seeder] is an `async fn(DataSource) -> DataResult<()>`",
        ));
    }
    if f.sig.inputs.len() != 1 {
        return Err(syn::Error::new_spanned(
            &f.sig.inputs,
            "a #[seeder] takes one argument: the `DataSource` it seeds",
        ));
    }
    let order: i32 = match &order {
        Some(lit) => lit.base10_parse()?,
        None => 0,
    };
    let datasource = datasource.map_or_else(|| "default".to_owned(), |d| d.value());
    let fd = crate::crate_path::framework_data();
    let ident = &f.sig.ident;
    let name = ident.to_string();
    let registration = format_ident!("__FW_SEEDER_{}", name.to_uppercase());
    Ok(quote! {
        #f

        #[#fd::__private::linkme::distributed_slice(#fd::migrate::SEEDERS)]
        #[linkme(crate = #fd::__private::linkme)]
        #[allow(non_upper_case_globals)]
        static #registration: #fd::migrate::RustSeeder = #fd::migrate::RustSeeder {
            name: #name,
            profile: #profile,
            order: #order,
            datasource: #datasource,
            run: |ds| ::std::boxed::Box::pin(#ident(ds)),
        };
    })
}
