//! `#[repository]`: a trait of derived-query and `#[query]` methods becomes an object-safe trait
//! plus `{Trait}Impl`, a shaku component implementing it on a DataSource.
//!
//! Two steps, because a proc macro cannot see another type's fields:
//! 1. `#[repository]` rewrites the trait (each `async fn` returns a `BoxFuture`) and invokes the
//!    macro `#[derive(Entity)]` left beside the entity type, which calls back
//! 2. `repository_impl!` with the entity's field list, which checks every method name against
//!    the fields and generates the implementation.

mod expand;
mod grammar;
mod native;
mod signature;

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Ident, ItemTrait, LitStr, Token, TraitItem, TypeParamBound};

/// The options of `#[repository(...)]`.
struct Options {
    datasource: String,
}

impl Parse for Options {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut datasource = "default".to_owned();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "datasource" => {
                    let lit: LitStr = input.parse()?;
                    if lit.value().trim().is_empty() {
                        return Err(syn::Error::new(
                            lit.span(),
                            "the DataSource name must not be empty",
                        ));
                    }
                    datasource = lit.value();
                }
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown #[repository] option `{key}`; expected `datasource`"),
                    ));
                }
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(Options { datasource })
    }
}

/// The entity type of `CrudRepository<E>` among the supertraits.
fn entity_path(item: &ItemTrait) -> syn::Result<syn::Path> {
    for bound in &item.supertraits {
        if let TypeParamBound::Trait(t) = bound
            && let Some(seg) = t.path.segments.last()
            && seg.ident == "CrudRepository"
            && let syn::PathArguments::AngleBracketed(args) = &seg.arguments
            && let Some(syn::GenericArgument::Type(syn::Type::Path(ty))) = args.args.first()
        {
            return Ok(ty.path.clone());
        }
    }
    Err(syn::Error::new(
        item.ident.span(),
        "a #[repository] trait extends `CrudRepository<YourEntity>`",
    ))
}

pub(crate) fn attribute(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let options: Options = syn::parse2(attr)?;
    let mut item: ItemTrait = syn::parse2(item)?;
    let entity = entity_path(&item)?;
    for it in &mut item.items {
        // `find_by_owner__last_name`: `__` is the grammar's explicit path separator, not a
        // naming slip.
        if let TraitItem::Fn(f) = it
            && f.sig.ident.to_string().contains("__")
        {
            f.attrs.push(syn::parse_quote!(#[allow(non_snake_case)]));
        }
    }
    if !item.generics.params.is_empty() {
        return Err(syn::Error::new(
            item.generics.span(),
            "a #[repository] trait cannot be generic",
        ));
    }
    for it in &item.items {
        match it {
            TraitItem::Fn(f) if f.default.is_none() => {}
            TraitItem::Fn(f) => {
                return Err(syn::Error::new(
                    f.sig.ident.span(),
                    "#[repository] methods have no body: the implementation is generated (write SQL with #[query(\"...\")])",
                ));
            }
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "a #[repository] trait holds only methods",
                ));
            }
        }
    }
    let fd = crate::crate_path::framework_data();
    let rewritten = signature::rewrite_trait(&item, &fd)?;
    let datasource = &options.datasource;
    // The entity's macro carries the same path as the type; its span is the user's type.
    let mut mac = entity.clone();
    if let Some(last) = mac.segments.last_mut() {
        last.arguments = syn::PathArguments::None;
    }
    let callback = quote! {
        #mac! { @fd (#fd) @datasource #datasource @entity (#entity) @item #item }
    };
    Ok(quote! {
        #rewritten
        #callback
    })
}

/// One persistent field, as the entity's macro describes it.
#[derive(Debug, Clone)]
pub(crate) struct FieldInfo {
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) optional: bool,
}

/// `@fields [(name kind opt)...] @fd (path) @datasource "x" @entity (Type) @item trait`
struct ImplInput {
    fields: Vec<FieldInfo>,
    fd: TokenStream,
    datasource: String,
    entity: syn::Path,
    item: ItemTrait,
}

fn at_keyword(input: ParseStream, word: &str) -> syn::Result<()> {
    input.parse::<Token![@]>()?;
    let k: Ident = input.parse()?;
    if k != word {
        return Err(syn::Error::new(k.span(), format!("expected @{word}")));
    }
    Ok(())
}

impl Parse for ImplInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        at_keyword(input, "fields")?;
        let list;
        syn::bracketed!(list in input);
        let mut fields = Vec::new();
        while !list.is_empty() {
            let f;
            syn::parenthesized!(f in list);
            let name: Ident = f.parse()?;
            let kind: Ident = f.parse()?;
            let opt: Ident = f.parse()?;
            fields.push(FieldInfo {
                name: name.to_string(),
                kind: kind.to_string(),
                optional: opt == "opt",
            });
        }
        at_keyword(input, "fd")?;
        let fd;
        syn::parenthesized!(fd in input);
        let fd: TokenStream = fd.parse()?;
        at_keyword(input, "datasource")?;
        let datasource: LitStr = input.parse()?;
        at_keyword(input, "entity")?;
        let entity;
        syn::parenthesized!(entity in input);
        let entity: syn::Path = entity.parse()?;
        at_keyword(input, "item")?;
        let item: ItemTrait = input.parse()?;
        Ok(ImplInput {
            fields,
            fd,
            datasource: datasource.value(),
            entity,
            item,
        })
    }
}

pub(crate) fn implement(input: TokenStream) -> syn::Result<TokenStream> {
    let input: ImplInput = syn::parse2(input)?;
    expand::implementation(
        &input.item,
        &input.entity,
        &input.fields,
        &input.fd,
        &input.datasource,
    )
}
