//! `embed_migrations!`: the `.sql` files of a directory, compiled in and registered.

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

pub(crate) fn embed(input: TokenStream) -> syn::Result<TokenStream> {
    let location: LitStr = if input.is_empty() {
        LitStr::new("migrations", proc_macro2::Span::call_site())
    } else {
        syn::parse2(input)?
    };
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let dir = std::path::Path::new(&root).join(location.value());
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        syn::Error::new(
            location.span(),
            format!("cannot read migrations directory {}: {e}", dir.display()),
        )
    })?;
    let mut files: Vec<(String, String)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_owned();
            name.ends_with(".sql")
                .then(|| (name, e.path().display().to_string()))
        })
        .collect();
    files.sort();
    let fd = crate::crate_path::framework_data();
    let loc = location.value();
    let items = files
        .iter()
        .map(|(name, path)| quote!((#name, ::core::include_str!(#path))));
    Ok(quote! {
        const _: () = {
            #[#fd::__private::linkme::distributed_slice(#fd::migrate::EMBEDDED_MIGRATIONS)]
            #[linkme(crate = #fd::__private::linkme)]
            static EMBEDDED: #fd::migrate::EmbeddedMigrations = #fd::migrate::EmbeddedMigrations {
                location: #loc,
                files: &[#(#items),*],
            };
        };
    })
}
