//! `#[service]` on an inherent `impl` block: the interface trait of the service's public async
//! methods and its implementation, so that a service is written once and still resolved as
//! `Arc<dyn TransferService>` from a shaku module.
//!
//! ```text
//! #[service]
//! impl TransferServiceImpl {
//!     #[transactional]
//!     pub async fn transfer(&self, from: i64, cents: i64) -> Result<Receipt, E> { body }
//! }
//! ```
//! expands to the impl block as written, plus
//! ```text
//! pub trait TransferService: shaku::Interface {
//!     fn transfer<'a>(&'a self, from: i64, cents: i64) -> BoxFuture<'a, Result<Receipt, E>>;
//! }
//! impl TransferService for TransferServiceImpl {
//!     fn transfer<'a>(&'a self, from: i64, cents: i64) -> BoxFuture<'a, Result<Receipt, E>> {
//!         Box::pin(<TransferServiceImpl>::transfer(self, from, cents))
//!     }
//! }
//! ```

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{FnArg, Ident, ImplItem, ItemImpl, Lifetime, ReturnType, Token, Type, Visibility};

struct Options {
    interface: Option<Ident>,
}

impl Parse for Options {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut interface = None;
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            if key != "interface" {
                return Err(syn::Error::new(
                    key.span(),
                    format!("unknown #[service] option `{key}` (expected: interface)"),
                ));
            }
            input.parse::<Token![=]>()?;
            interface = Some(input.parse()?);
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(Options { interface })
    }
}

/// Gives every elided or `'_` lifetime of an argument type the future's lifetime `'a`: the
/// boxed future borrows every argument, as the `async fn` does.
struct TieLifetimes;

impl VisitMut for TieLifetimes {
    fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
        if r.lifetime.is_none() {
            r.lifetime = Some(Lifetime::new("'a", r.and_token.span()));
        }
        syn::visit_mut::visit_type_reference_mut(self, r);
    }

    fn visit_lifetime_mut(&mut self, l: &mut Lifetime) {
        if l.ident == "_" {
            *l = Lifetime::new("'a", l.span());
        }
    }
}

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let options: Options = syn::parse2(attr)?;
    let imp: ItemImpl = syn::parse2(item)?;
    let fd = crate::crate_path::framework_data();
    if let Some((_, path, _)) = &imp.trait_ {
        return Err(syn::Error::new(
            path.span(),
            "#[service] goes on the service's own `impl` block (the interface trait is generated)",
        ));
    }
    if !imp.generics.params.is_empty() {
        return Err(syn::Error::new(
            imp.generics.span(),
            "#[service] types cannot be generic (shaku resolves one concrete component)",
        ));
    }
    let self_ty = &imp.self_ty;
    let type_name = match self_ty.as_ref() {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.clone()),
        _ => None,
    }
    .ok_or_else(|| syn::Error::new(self_ty.span(), "#[service] needs a named type"))?;
    let interface = match options.interface {
        Some(i) => i,
        None => {
            let name = type_name.to_string();
            match name.strip_suffix("Impl").filter(|n| !n.is_empty()) {
                Some(base) => Ident::new(base, type_name.span()),
                None => {
                    return Err(syn::Error::new(
                        type_name.span(),
                        format!(
                            "`{name}` does not end in `Impl`: name the interface with #[service(interface = Name)]"
                        ),
                    ));
                }
            }
        }
    };

    let mut trait_methods = Vec::new();
    let mut forwards = Vec::new();
    for item in &imp.items {
        let ImplItem::Fn(f) = item else { continue };
        if !matches!(f.vis, Visibility::Public(_)) {
            continue;
        }
        let sig = &f.sig;
        let name = &sig.ident;
        if sig.asyncness.is_none() {
            return Err(syn::Error::new(
                sig.fn_token.span(),
                format!(
                    "public method `{name}` of a #[service] must be `async fn` (its interface returns a future); make it private if it is a helper"
                ),
            ));
        }
        if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
            return Err(syn::Error::new(
                sig.generics.span(),
                format!(
                    "public method `{name}` of a #[service] cannot be generic: a `dyn` interface has no generic methods"
                ),
            ));
        }
        let mut inputs = sig.inputs.iter();
        match inputs.next() {
            Some(FnArg::Receiver(r)) if r.reference.is_some() && r.mutability.is_none() => {}
            Some(other) => {
                return Err(syn::Error::new(
                    other.span(),
                    format!(
                        "public method `{name}` of a #[service] takes `&self`: the service is shared (`Arc<dyn {interface}>`)"
                    ),
                ));
            }
            None => {
                return Err(syn::Error::new(
                    sig.ident.span(),
                    format!("public method `{name}` of a #[service] takes `&self`"),
                ));
            }
        }
        let mut params = Vec::new();
        let mut names = Vec::new();
        for (i, arg) in inputs.enumerate() {
            let FnArg::Typed(pt) = arg else { continue };
            let mut ty = (*pt.ty).clone();
            if let Type::ImplTrait(_) = ty {
                return Err(syn::Error::new(
                    ty.span(),
                    "`impl Trait` arguments cannot be part of a `dyn` interface; take a concrete type or a `Box<dyn ..>`",
                ));
            }
            TieLifetimes.visit_type_mut(&mut ty);
            let arg_name = format_ident!("arg{}", i);
            params.push(quote!(#arg_name: #ty));
            names.push(arg_name);
        }
        let output = match &sig.output {
            ReturnType::Default => quote!(()),
            ReturnType::Type(_, t) => {
                let mut t = (**t).clone();
                TieLifetimes.visit_type_mut(&mut t);
                quote!(#t)
            }
        };
        let docs = f.attrs.iter().filter(|a| a.path().is_ident("doc"));
        let span = sig.ident.span();
        let fut = quote_spanned!(span=> #fd::__private::BoxFuture<'a, #output>);
        trait_methods.push(quote! {
            #(#docs)*
            fn #name<'a>(&'a self, #(#params),*) -> #fut;
        });
        forwards.push(quote_spanned! {span=>
            fn #name<'a>(&'a self, #(#params),*) -> #fut {
                ::std::boxed::Box::pin(<#self_ty>::#name(self, #(#names),*))
            }
        });
    }
    if trait_methods.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "#[service] found no `pub async fn` to put in the interface",
        ));
    }
    let doc = format!(
        "The interface of [`{type_name}`], generated by `#[service]` from its public async methods: resolve it as `Arc<dyn {interface}>`."
    );
    Ok(quote! {
        #imp

        #[doc = #doc]
        pub trait #interface: #fd::__private::shaku::Interface {
            #(#trait_methods)*
        }

        impl #interface for #self_ty {
            #(#forwards)*
        }
    })
}
