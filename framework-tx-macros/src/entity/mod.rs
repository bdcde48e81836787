//! `#[derive(Entity)]`: [`model`] reads and checks the struct's attributes, [`expand`]
//! generates the impl.

mod expand;
pub(crate) mod model;

use proc_macro2::TokenStream;
use syn::DeriveInput;

pub(crate) fn expand(input: DeriveInput) -> syn::Result<TokenStream> {
    let entity = model::parse(&input)?;
    let syn::Data::Struct(data) = &input.data else {
        unreachable!("model::parse accepts structs only")
    };
    let targets: Vec<crate::validation::Target<'_>> = data
        .fields
        .iter()
        .filter_map(|f| {
            Some(crate::validation::Target {
                ident: f.ident.as_ref()?,
                ty: &f.ty,
                attrs: &f.attrs,
            })
        })
        .collect();
    let validate =
        crate::validation::validate_impl(&entity.fd, &entity.ident, &input.attrs, &targets)?;
    Ok(expand::expand(&entity, validate))
}
