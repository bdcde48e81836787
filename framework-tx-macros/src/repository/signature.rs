//! Object-safe signatures: `async fn m(&self, a: &str) -> R` becomes
//! `fn m<'__fw>(&'__fw self, a: &'__fw str) -> BoxFuture<'__fw, R>`, in the trait and in the
//! generated implementation alike.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::visit_mut::VisitMut;
use syn::{FnArg, ItemTrait, Lifetime, ReturnType, Signature, TraitItem, Type};

pub(crate) const LIFETIME: &str = "'__fw";

/// Gives every elided or `'_` reference lifetime the method's lifetime.
struct Elided(Lifetime);

impl VisitMut for Elided {
    fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
        match &r.lifetime {
            None => r.lifetime = Some(self.0.clone()),
            Some(l) if l.ident == "_" => r.lifetime = Some(self.0.clone()),
            _ => {}
        }
        syn::visit_mut::visit_type_reference_mut(self, r);
    }

    fn visit_lifetime_mut(&mut self, l: &mut Lifetime) {
        if l.ident == "_" {
            *l = self.0.clone();
        }
    }
}

/// The object-safe form of `sig` (unchanged for a plain `fn`).
pub(crate) fn rewrite(sig: &Signature, fd: &TokenStream) -> syn::Result<Signature> {
    match sig.inputs.first() {
        Some(FnArg::Receiver(r)) if r.reference.is_some() && r.mutability.is_none() => {}
        _ => {
            return Err(syn::Error::new(
                sig.ident.span(),
                "repository methods take `&self`",
            ));
        }
    }
    for arg in sig.inputs.iter().skip(1) {
        if let FnArg::Typed(t) = arg
            && !matches!(&*t.pat, syn::Pat::Ident(_))
        {
            return Err(syn::Error::new_spanned(
                &t.pat,
                "repository method arguments are plain names",
            ));
        }
    }
    if sig.asyncness.is_none() {
        let mut out = sig.clone();
        if let Some(FnArg::Receiver(r)) = out.inputs.first_mut() {
            r.self_token = syn::Token![self](Span::call_site());
        }
        return Ok(out);
    }
    let lt = Lifetime::new(LIFETIME, Span::call_site());
    let mut out = sig.clone();
    out.asyncness = None;
    out.generics.params.insert(0, syn::parse_quote!(#lt));
    let mut elided = Elided(lt.clone());
    for arg in out.inputs.iter_mut() {
        match arg {
            FnArg::Receiver(r) => {
                // A fresh `self`, so the generated body (written by this macro) can name it.
                r.self_token = syn::Token![self](Span::call_site());
                r.reference = Some((Default::default(), Some(lt.clone())));
                *r.ty = syn::parse_quote!(&#lt Self);
            }
            FnArg::Typed(t) => elided.visit_type_mut(&mut t.ty),
        }
    }
    let ret: Type = match &sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    out.output = syn::parse_quote!(-> #fd::__private::BoxFuture<#lt, #ret>);
    Ok(out)
}

/// The trait with object-safe methods and without `#[query]` attributes.
pub(crate) fn rewrite_trait(item: &ItemTrait, fd: &TokenStream) -> syn::Result<TokenStream> {
    let mut out = item.clone();
    // shaku resolves `dyn Trait` only when the trait extends its `Interface`.
    out.supertraits
        .push(syn::parse_quote!(#fd::__private::shaku::Interface));
    for it in out.items.iter_mut() {
        if let TraitItem::Fn(f) = it {
            f.attrs.retain(|a| {
                !["query", "fetch", "lock", "cacheable"]
                    .iter()
                    .any(|n| a.path().is_ident(n))
            });
            f.sig = rewrite(&f.sig, fd)?;
        }
    }
    Ok(quote!(#out))
}
