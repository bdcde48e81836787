//! Where `framework-data` is, seen from the crate being compiled: directly, or through a starter.

use proc_macro2::TokenStream;
use quote::quote;

/// `::framework_data`, `::starter_x::framework_data`, or `crate` inside framework-data itself.
/// Read from the user's `Cargo.toml`; an explicit `crate = "path"` attribute overrides it.
pub(crate) fn framework_data() -> TokenStream {
    if std::env::var("CARGO_PKG_NAME").as_deref() == Ok("framework-data") {
        return quote!(crate);
    }
    let manifest = std::env::var("CARGO_MANIFEST_DIR")
        .ok()
        .and_then(|dir| std::fs::read_to_string(std::path::Path::new(&dir).join("Cargo.toml")).ok())
        .unwrap_or_default();
    let declares = |name: &str| {
        manifest.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with(name) && l[name.len()..].trim_start().starts_with(['=', '.'])
        })
    };
    if declares("framework-data") {
        return quote!(::framework_data);
    }
    for (dep, ident) in [
        ("starter-postgres", quote!(::starter_postgres)),
        ("starter-mysql", quote!(::starter_mysql)),
        ("starter-sqlite", quote!(::starter_sqlite)),
    ] {
        if declares(dep) {
            return quote!(#ident::framework_data);
        }
    }
    quote!(::framework_data)
}
