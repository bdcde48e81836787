//! `#[derive(Entity)]`: [`model`] reads and checks the struct's attributes, [`expand`]
//! generates the impl.

mod expand;
pub(crate) mod model;

use proc_macro2::TokenStream;
use syn::DeriveInput;

pub(crate) fn expand(input: DeriveInput) -> syn::Result<TokenStream> {
    let entity = model::parse(&input)?;
    Ok(expand::expand(&entity))
}
