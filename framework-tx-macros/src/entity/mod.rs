//! `#[derive(Entity)]`: [`model`] reads and checks the struct's attributes, [`expand`]
//! generates the impl.

mod expand;
pub(crate) mod model;

use proc_macro2::TokenStream;
use syn::DeriveInput;

pub(crate) fn expand(input: DeriveInput) -> syn::Result<TokenStream> {
    let entity = model::parse(&input)?;
    let named = model::named_fields(&input, "Entity")?;
    let validate =
        crate::validation::validate_impl(&entity.fd, &entity.ident, &input.attrs, &named.named)?;
    Ok(expand::expand(&entity, validate))
}
