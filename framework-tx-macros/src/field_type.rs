//! What the entity and embeddable derives read from a field's Rust type: whether it is an
//! `Option`, and what a derived query may do with it.

use proc_macro2::TokenStream;
use syn::{Type, spanned::Spanned};

/// `T` and `true` for `Option<T>`, else the type and `false`.
pub(crate) fn option_inner(ty: &Type) -> (&Type, bool) {
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

/// What derived queries may do with a property of this type (read from the type's last path
/// segment, under an `Option`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Bool,
    Other,
}

pub(crate) fn kind(ty: &Type) -> Kind {
    let (inner, _) = option_inner(ty);
    match inner {
        Type::Path(p) => match p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .as_deref()
        {
            Some("String") => Kind::Text,
            Some("bool") => Kind::Bool,
            _ => Kind::Other,
        },
        _ => Kind::Other,
    }
}

/// Gives generated tokens the span of the field's type, so an unsupported type is reported on
/// the user's field.
pub(crate) fn spanned_by_type(ty: &Type, tokens: TokenStream) -> TokenStream {
    let span = ty.span();
    tokens
        .into_iter()
        .map(|mut t| {
            t.set_span(span);
            t
        })
        .collect()
}
