//! Generates `{Trait}Impl`: checks each method against the entity's fields, then writes its
//! body as calls into `framework_data::repository::{derived, native}`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    FnArg, GenericArgument, Ident, ItemTrait, LitStr, PathArguments, ReturnType, TraitItem,
    TraitItemFn, Type,
};

use super::FieldInfo;
use super::grammar::{self, Op, Subject, Tree};
use super::native::{self, Segment};

/// An argument of a repository method.
struct Arg {
    name: Ident,
    ty: Type,
}

/// How an argument type looks, syntactically.
enum ArgKind {
    Pageable,
    Sort,
    /// `ScrollPosition`: the method returns a `Window`.
    Scroll,
    /// `&[T]`, `Vec<T>`, `&Vec<T>`, `[T; N]`: iterated by reference.
    Slice,
    /// `Box<dyn Iterator<...>>` (or an `impl IntoIterator`, which makes the trait generic and
    /// so not `dyn`-compatible): collected, then iterated.
    Iter,
    /// `Option<T>`; `true` when `T` is a reference.
    Option(bool),
    /// A reference `&T`.
    Ref,
    /// Anything else, bound by reference.
    Value,
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) => p.path.segments.last(),
        Type::Reference(r) => last_segment(&r.elem),
        Type::Group(g) => last_segment(&g.elem),
        Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

fn first_generic(seg: &syn::PathSegment) -> Option<&Type> {
    match &seg.arguments {
        PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

fn kind_of(ty: &Type) -> ArgKind {
    let seg = last_segment(ty);
    let name = seg.map(|s| s.ident.to_string()).unwrap_or_default();
    match ty {
        _ if name == "Pageable" => ArgKind::Pageable,
        _ if name == "Sort" => ArgKind::Sort,
        _ if name == "ScrollPosition" => ArgKind::Scroll,
        Type::ImplTrait(_) => ArgKind::Iter,
        Type::Array(_) | Type::Slice(_) => ArgKind::Slice,
        Type::Reference(r) if matches!(&*r.elem, Type::Slice(_) | Type::Array(_)) => ArgKind::Slice,
        _ if matches!(name.as_str(), "Vec" | "VecDeque" | "HashSet" | "BTreeSet") => ArgKind::Slice,
        _ if name == "Box" => ArgKind::Iter,
        Type::Path(_) if name == "Option" => {
            let inner_ref = seg
                .and_then(first_generic)
                .is_some_and(|t| matches!(t, Type::Reference(_)));
            ArgKind::Option(inner_ref)
        }
        Type::Reference(_) => ArgKind::Ref,
        _ => ArgKind::Value,
    }
}

/// `X` of `DataResult<X>` / `Result<X, _>`.
fn result_inner(ty: &Type) -> Option<&Type> {
    let seg = last_segment(ty)?;
    let name = seg.ident.to_string();
    (name == "DataResult" || name == "Result").then(|| first_generic(seg))?
}

/// How a method's result is produced.
enum Output {
    Vec,
    Option,
    One,
    Page,
    Count,
    Bool,
    Stream,
    Window,
}

/// The method's named arguments (not `self`).
fn arguments(f: &TraitItemFn) -> Vec<Arg> {
    f.sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Typed(t) => match &*t.pat {
                syn::Pat::Ident(p) => Some(Arg {
                    name: p.ident.clone(),
                    ty: (*t.ty).clone(),
                }),
                _ => None,
            },
            FnArg::Receiver(_) => None,
        })
        .collect()
}

fn err(span: Span, method: &Ident, msg: impl std::fmt::Display) -> syn::Error {
    syn::Error::new(span, format!("`{method}`: {msg}"))
}

fn is_entity(ty: &Type, entity: &str) -> bool {
    last_segment(ty)
        .is_some_and(|s| s.ident == entity && matches!(s.arguments, PathArguments::None))
        || matches!(ty, Type::Path(p) if p.path.is_ident("Self"))
}

/// Classifies the return type of a derived query method.
fn derived_output(
    f: &TraitItemFn,
    tree: &Tree,
    entity: &str,
    paged: bool,
    scrolled: bool,
) -> syn::Result<Output> {
    let m = &f.sig.ident;
    let ret = match &f.sig.output {
        ReturnType::Type(_, t) => &**t,
        ReturnType::Default => {
            return Err(err(
                m.span(),
                m,
                "a repository method returns `DataResult<...>`",
            ));
        }
    };
    let span = ret.span();
    if tree.subject == Subject::Stream {
        if f.sig.asyncness.is_some() {
            return Err(err(
                m.span(),
                m,
                format!(
                    "`stream_by` methods are plain `fn`s returning `EntityStream<'_, {entity}>` (not async)"
                ),
            ));
        }
        let ok = last_segment(ret).is_some_and(|s| s.ident == "EntityStream");
        return if ok {
            Ok(Output::Stream)
        } else {
            Err(err(
                span,
                m,
                format!("a `stream_by` method returns `EntityStream<'_, {entity}>`"),
            ))
        };
    }
    if f.sig.asyncness.is_none() {
        return Err(err(
            m.span(),
            m,
            "repository methods are `async fn` (only `stream_by` methods are plain)",
        ));
    }
    let expected = match tree.subject {
        Subject::Find => format!(
            "`DataResult<Vec<{entity}>>`, `DataResult<Option<{entity}>>`, `DataResult<{entity}>`, `DataResult<Page<{entity}>>` or `DataResult<Window<{entity}>>`"
        ),
        Subject::Count | Subject::Delete => "`DataResult<u64>`".to_owned(),
        Subject::Exists => "`DataResult<bool>`".to_owned(),
        Subject::Stream => unreachable!("handled above"),
    };
    let unsupported = || {
        err(
            span,
            m,
            format!("unsupported return type; this method returns {expected}"),
        )
    };
    let inner = result_inner(ret).ok_or_else(unsupported)?;
    let wrapper = last_segment(inner)
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    let elem = last_segment(inner).and_then(first_generic);
    let out = match tree.subject {
        Subject::Count | Subject::Delete if wrapper == "u64" => Output::Count,
        Subject::Exists if wrapper == "bool" => Output::Bool,
        Subject::Find => match wrapper.as_str() {
            "Vec" if elem.is_some_and(|e| is_entity(e, entity)) => Output::Vec,
            "Option" if elem.is_some_and(|e| is_entity(e, entity)) => Output::Option,
            "Page" if elem.is_some_and(|e| is_entity(e, entity)) => {
                if !paged {
                    return Err(err(span, m, "a `Page` result needs a `Pageable` argument"));
                }
                Output::Page
            }
            "Window" if elem.is_some_and(|e| is_entity(e, entity)) => {
                if !scrolled {
                    return Err(err(
                        span,
                        m,
                        "a `Window` result needs a `ScrollPosition` argument",
                    ));
                }
                Output::Window
            }
            _ if is_entity(inner, entity) => Output::One,
            _ => return Err(unsupported()),
        },
        _ => return Err(unsupported()),
    };
    if scrolled && !matches!(out, Output::Window) {
        return Err(err(
            span,
            m,
            format!(
                "a method with a `ScrollPosition` argument returns `DataResult<Window<{entity}>>`"
            ),
        ));
    }
    Ok(out)
}

/// The statements binding argument `arg` (of kind `kind`) to part `part`.
fn bind_part(part: usize, op: Op, arg: &Arg, m: &Ident) -> syn::Result<TokenStream> {
    let name = &arg.name;
    let kind = kind_of(&arg.ty);
    let span = arg.ty.span();
    Ok(match (op, kind) {
        (Op::In | Op::NotIn, ArgKind::Slice) => quote!(__call.list(#part, #name.iter())?;),
        (Op::In | Op::NotIn, ArgKind::Iter) => quote! {
            let __items: ::std::vec::Vec<_> = ::core::iter::IntoIterator::into_iter(#name).collect();
            __call.list(#part, __items.iter())?;
        },
        (Op::In | Op::NotIn, _) => {
            return Err(err(
                span,
                m,
                format!(
                    "`{name}` is the argument of `in`/`not_in` and must be a list: a slice, `Vec`, set or `Box<dyn Iterator<Item = T> + Send>`"
                ),
            ));
        }
        (_, ArgKind::Slice | ArgKind::Iter) if !op.is_pattern() => {
            return Err(err(
                span,
                m,
                format!("`{name}` is a list, but its condition compares one value (use `_in`)"),
            ));
        }
        (op, _) if op.is_pattern() => {
            quote!(__call.pattern(#part, ::core::convert::AsRef::<str>::as_ref(&#name))?;)
        }
        (Op::Eq | Op::Ne, ArgKind::Option(inner_ref)) => {
            let v = if inner_ref { quote!(*__v) } else { quote!(__v) };
            quote! {
                match &#name {
                    ::core::option::Option::Some(__v) => __call.value(#part, #v)?,
                    ::core::option::Option::None => __call.nullable::<i64>(#part, ::core::option::Option::None)?,
                }
            }
        }
        (_, ArgKind::Ref) => quote!(__call.value(#part, #name)?;),
        _ => quote!(__call.value(#part, &#name)?;),
    })
}

fn derived_method(
    f: &TraitItemFn,
    trait_name: &Ident,
    entity_path: &syn::Path,
    fields: &[FieldInfo],
    fd: &TokenStream,
) -> syn::Result<TokenStream> {
    let m = &f.sig.ident;
    let entity = &path_name(entity_path);
    let (embedded, plain): (Vec<&FieldInfo>, Vec<&FieldInfo>) = fields
        .iter()
        .filter(|f| f.kind != "collection" && f.kind != "link")
        .partition(|f| f.kind == "embedded");
    let properties: Vec<String> = plain.iter().map(|f| f.name.clone()).collect();
    // A `#[many_to_one]` is a property (its key) and the head of paths into its target
    // (`author_name` -> `author.name`), like an embedded value's fields; a `#[one_to_many]` is
    // only the head of paths into its children (`posts_title`).
    let embedded: Vec<String> = embedded
        .iter()
        .map(|f| f.name.clone())
        .chain(
            fields
                .iter()
                .filter(|f| f.kind == "reference" || f.kind == "collection")
                .map(|f| f.name.clone()),
        )
        .collect();
    let mut tree = grammar::parse(&m.to_string(), &properties, &embedded, entity)
        .map_err(|e| err(m.span(), m, e))?;
    // `all_ignore_case` reaches only text comparisons (Spring's rule); an explicit
    // `ignore_case` elsewhere stays an error below.
    for p in &mut tree.parts {
        let text = fields
            .iter()
            .find(|f| f.name == p.property)
            .is_none_or(|f| f.kind == "text");
        let comparison = p.op.is_pattern() || matches!(p.op, Op::Eq | Op::Ne);
        if p.ignore_case_from_all && !(text && comparison) {
            p.ignore_case = false;
        }
    }
    let args = arguments(f);
    let (special, values): (Vec<&Arg>, Vec<&Arg>) = args.iter().partition(|a| {
        matches!(
            kind_of(&a.ty),
            ArgKind::Pageable | ArgKind::Sort | ArgKind::Scroll
        )
    });
    let paged = special
        .iter()
        .any(|a| matches!(kind_of(&a.ty), ArgKind::Pageable));
    let scrolled = special
        .iter()
        .any(|a| matches!(kind_of(&a.ty), ArgKind::Scroll));
    // Pageable and Sort come last.
    if let Some(pos) = args.iter().position(|a| {
        matches!(
            kind_of(&a.ty),
            ArgKind::Pageable | ArgKind::Sort | ArgKind::Scroll
        )
    }) && args[pos..].iter().any(|a| {
        !matches!(
            kind_of(&a.ty),
            ArgKind::Pageable | ArgKind::Sort | ArgKind::Scroll
        )
    }) {
        return Err(err(
            m.span(),
            m,
            "`Pageable`, `Sort` and `ScrollPosition` arguments come after the condition arguments",
        ));
    }
    if paged && scrolled {
        return Err(err(
            m.span(),
            m,
            "a method takes a `Pageable` or a `ScrollPosition`, not both",
        ));
    }
    if paged && tree.limit.is_some() {
        return Err(err(
            m.span(),
            m,
            "`first`/`top` and a `Pageable` argument cannot be combined",
        ));
    }
    if !special.is_empty() && !tree.subject.returns_entities() {
        return Err(err(
            m.span(),
            m,
            "only queries for entities take `Pageable`, `Sort` or `ScrollPosition` arguments",
        ));
    }
    let needed: usize = tree.parts.iter().map(|p| p.op.arity()).sum();
    if needed != values.len() {
        let detail = tree
            .parts
            .iter()
            .map(|p| format!("{} {}: {}", p.property, p.op.name(), p.op.arity()))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(err(
            m.span(),
            m,
            format!(
                "its conditions take {needed} argument(s) ({detail}), but it has {}",
                values.len()
            ),
        ));
    }
    for p in &tree.parts {
        let field = fields.iter().find(|f| f.name == p.property);
        if p.ignore_case && !(p.op.is_pattern() || matches!(p.op, Op::Eq | Op::Ne)) {
            return Err(err(
                m.span(),
                m,
                format!(
                    "`ignore_case` applies to text comparisons, not to `{}` on `{}`",
                    p.op.name(),
                    p.property
                ),
            ));
        }
        if p.ignore_case && field.is_some_and(|f| f.kind != "text") {
            return Err(err(
                m.span(),
                m,
                format!(
                    "`ignore_case` needs a text property; `{}` is not text",
                    p.property
                ),
            ));
        }
        if matches!(p.op, Op::IsNull | Op::IsNotNull) && field.is_some_and(|f| !f.optional) {
            return Err(err(
                m.span(),
                m,
                format!(
                    "`{}` is not an `Option`, so it is never NULL; `is_null`/`is_not_null` need a nullable property",
                    p.property
                ),
            ));
        }
        if matches!(p.op, Op::True | Op::False) && field.is_some_and(|f| f.kind != "bool") {
            return Err(err(
                m.span(),
                m,
                format!(
                    "`true`/`false` need a bool property; `{}` is not bool",
                    p.property
                ),
            ));
        }
    }
    let output = derived_output(f, &tree, entity, paged, scrolled)?;

    let mut binds = Vec::new();
    let mut next = values.iter();
    for (i, p) in tree.parts.iter().enumerate() {
        for _ in 0..p.op.arity() {
            let Some(arg) = next.next() else { break };
            binds.push(bind_part(i, p.op, arg, m)?);
        }
    }
    for a in &special {
        let name = &a.name;
        let r = if matches!(a.ty, Type::Reference(_)) {
            quote!(#name)
        } else {
            quote!(&#name)
        };
        binds.push(match kind_of(&a.ty) {
            ArgKind::Pageable => quote!(__call.pageable(#r)?;),
            ArgKind::Scroll => quote!(__call.scroll(#r)?;),
            _ => quote!(__call.sort(#r)?;),
        });
    }

    let subject = match tree.subject {
        Subject::Find => quote!(Find),
        Subject::Stream => quote!(Stream),
        Subject::Count => quote!(Count),
        Subject::Exists => quote!(Exists),
        Subject::Delete => quote!(Delete),
    };
    let distinct = tree.distinct;
    let visibility = match tree.rows {
        grammar::Rows::Live => quote!(Live),
        rows => {
            if !fields.iter().any(|f| f.kind == "soft_delete") {
                let word = if rows == grammar::Rows::All {
                    "with_deleted"
                } else {
                    "deleted"
                };
                return Err(err(
                    m.span(),
                    m,
                    format!(
                        "`{word}` reads soft-deleted rows, and {entity} has no #[soft_delete] field"
                    ),
                ));
            }
            if rows == grammar::Rows::All {
                quote!(All)
            } else {
                quote!(Deleted)
            }
        }
    };
    let limit = match tree.limit {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    };
    // Ordering through a to-one association reads the target's column per row; through a
    // to-many one there is no single value to order by.
    let collections: Vec<&str> = fields
        .iter()
        .filter(|f| f.kind == "collection")
        .map(|f| f.name.as_str())
        .collect();
    if let Some(o) = tree.order.iter().find(|o| {
        o.property
            .split_once('.')
            .is_some_and(|(head, _)| collections.contains(&head))
    }) {
        return Err(err(
            m.span(),
            m,
            format!(
                "cannot order by `{}`: `{}` is a to-many association, with no single value per row",
                o.property.replace('.', "__"),
                o.property.split('.').next().unwrap_or_default()
            ),
        ));
    }
    let checks = embedded_checks(&tree, entity_path, m, fd);
    let parts = tree.parts.iter().map(|p| {
        let property = &p.property;
        let op = format_ident!("{}", p.op.name());
        // `all_ignore_case` on an embedded field: whether it is text is known to the compiler.
        let ic = match p.property.split_once('.') {
            Some((outer, inner)) if p.ignore_case_from_all => {
                let info = format_ident!("__fw_embedded_{}", outer);
                quote!(#fd::__private::embedded_property(<#entity_path>::#info, #inner, #fd::__private::Need::Text))
            }
            _ => {
                let ic = p.ignore_case;
                quote!(#ic)
            }
        };
        let group = p.group as u16;
        quote!(#fd::__private::derived::Part { property: #property, op: #fd::__private::derived::Op::#op, ignore_case: #ic, group: #group })
    });
    let order = tree.order.iter().map(|o| {
        let property = &o.property;
        let desc = o.descending;
        quote!((#property, #desc))
    });
    let method_name = format!("{trait_name}::{m}");
    let lock = lock_of(f, &tree, &output, fd)?;
    let cache_region = cacheable_of(f, &output, tree.subject)?;
    let terminal = match output {
        Output::Vec => quote!(__call.fetch_all().await),
        Output::Option => quote!(__call.fetch_optional().await),
        Output::One => quote!(__call.fetch_one().await),
        Output::Page => quote!(__call.fetch_page().await),
        Output::Count if tree.subject == Subject::Delete => quote!(__call.delete().await),
        Output::Count => quote!(__call.count().await),
        Output::Bool => quote!(__call.exists().await),
        Output::Stream => quote!(__call.stream()),
        Output::Window => quote!(__call.fetch_window().await),
    };
    let statics = quote! {
        #(#checks)*
        static QUERY: #fd::__private::derived::DerivedQuery = #fd::__private::derived::DerivedQuery {
            method: #method_name,
            subject: #fd::__private::derived::Subject::#subject,
            distinct: #distinct,
            limit: #limit,
            parts: &[#(#parts),*],
            order: &[#(#order),*],
            lock: #lock,
            visibility: #fd::sql::Visibility::#visibility,
            cache_region: #cache_region,
        };
        static CACHE: #fd::__private::derived::QueryCache = #fd::__private::derived::QueryCache::new();
    };
    let sig = super::signature::rewrite(&f.sig, fd)?;
    Ok(if matches!(output, Output::Stream) {
        quote! {
            #sig {
                #statics
                let __repository = match self.repository.get() {
                    ::core::result::Result::Ok(r) => r,
                    ::core::result::Result::Err(e) => return ::std::boxed::Box::pin(#fd::__private::stream_error(e)),
                };
                let mut __call = #fd::__private::derived::Call::new(&QUERY, &CACHE, __repository);
                let __bound: #fd::DataResult<()> = (|| {
                    #(#binds)*
                    ::core::result::Result::Ok(())
                })();
                if let ::core::result::Result::Err(e) = __bound {
                    return ::std::boxed::Box::pin(#fd::__private::stream_error(e));
                }
                #terminal
            }
        }
    } else {
        quote! {
            #sig {
                ::std::boxed::Box::pin(async move {
                    #statics
                    let mut __call = #fd::__private::derived::Call::new(&QUERY, &CACHE, self.repository.get()?);
                    #(#binds)*
                    #terminal
                })
            }
        }
    })
}

fn native_method(
    f: &TraitItemFn,
    attr: &syn::Attribute,
    trait_name: &Ident,
    entity: &str,
    fd: &TokenStream,
) -> syn::Result<TokenStream> {
    let m = &f.sig.ident;
    let mut sql: Option<LitStr> = None;
    let mut count: Option<LitStr> = None;
    let mut modifying = false;
    attr.parse_args_with(|input: syn::parse::ParseStream| {
        sql = Some(input.parse()?);
        while !input.is_empty() {
            input.parse::<syn::Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse()?;
            match key.to_string().as_str() {
                "modifying" => modifying = true,
                "count" => {
                    input.parse::<syn::Token![=]>()?;
                    count = Some(input.parse()?);
                }
                _ => return Err(syn::Error::new(key.span(), format!("unknown #[query] option `{key}`; expected `modifying` or `count = \"...\"`"))),
            }
        }
        Ok(())
    })?;
    let Some(sql) = sql else {
        return Err(err(attr.span(), m, "#[query] needs the SQL text"));
    };
    if f.sig.asyncness.is_none() {
        return Err(err(m.span(), m, "#[query] methods are `async fn`"));
    }
    let args = arguments(f);
    let pageable = args
        .iter()
        .find(|a| matches!(kind_of(&a.ty), ArgKind::Pageable));
    let params: Vec<&Arg> = args
        .iter()
        .filter(|a| {
            !matches!(
                kind_of(&a.ty),
                ArgKind::Pageable | ArgKind::Sort | ArgKind::Scroll
            )
        })
        .collect();
    if let Some(sort) = args
        .iter()
        .find(|a| matches!(kind_of(&a.ty), ArgKind::Sort))
    {
        return Err(err(
            sort.ty.span(),
            m,
            "#[query] methods take a `Pageable` (its sort is applied), not a `Sort`",
        ));
    }

    let segments_of = |lit: &LitStr| -> syn::Result<(TokenStream, Vec<TokenStream>, Vec<String>)> {
        let segs = native::segments(&lit.value());
        let mut tokens = Vec::new();
        let mut binds = Vec::new();
        let mut used = Vec::new();
        for s in segs {
            match s {
                Segment::Text(t) => tokens.push(quote!(#fd::__private::native::Segment::Text(#t))),
                Segment::Param(p) => {
                    let Some(arg) = params.iter().find(|a| a.name == p) else {
                        return Err(err(
                            lit.span(),
                            m,
                            format!("the query uses `:{p}`, but there is no argument `{p}`"),
                        ));
                    };
                    let name = &arg.name;
                    // Spanned on the argument's type: a type that cannot be bound is reported
                    // there, naming it.
                    let span = arg.ty.span();
                    let kind = kind_of(&arg.ty);
                    // The local keeps the macro's own hygiene; only the call carries the span.
                    let call = quote!(__call);
                    binds.push(match kind {
                        ArgKind::Ref => quote_spanned!(span=> #call.value(#name)?;),
                        ArgKind::Option(true) => {
                            quote_spanned!(span=> #call.value(&#name.map(::std::borrow::ToOwned::to_owned))?;)
                        }
                        // `IN (:ids)`: a slice, array, Vec or set binds one placeholder per value.
                        ArgKind::Slice => quote_spanned!(span=> #call.list(#name.iter())?;),
                        ArgKind::Iter => quote_spanned!(span=> #call.list(#name.collect::<::std::vec::Vec<_>>().iter())?;),
                        _ => quote_spanned!(span=> #call.value(&#name)?;),
                    });
                    tokens.push(if matches!(kind, ArgKind::Slice | ArgKind::Iter) {
                        quote!(#fd::__private::native::Segment::List)
                    } else {
                        quote!(#fd::__private::native::Segment::Param)
                    });
                    used.push(p);
                }
            }
        }
        Ok((quote!(&[#(#tokens),*]), binds, used))
    };
    let (main, binds, used) = segments_of(&sql)?;
    for p in &params {
        if !used.iter().any(|u| p.name == u) {
            return Err(err(
                p.name.span(),
                m,
                format!(
                    "argument `{}` is not used in the query (write `:{}` where it belongs)",
                    p.name, p.name
                ),
            ));
        }
    }
    let count_tokens = match &count {
        Some(c) => {
            let (tokens, _, used_in_count) = segments_of(c)?;
            // The count statement binds the same values as the main one, in the same order.
            if used_in_count != used {
                return Err(err(
                    c.span(),
                    m,
                    "the `count` query must use the same parameters, in the same order, as the query",
                ));
            }
            quote!(::core::option::Option::Some(#tokens))
        }
        None => quote!(::core::option::Option::None),
    };

    let ret = match &f.sig.output {
        ReturnType::Type(_, t) => (**t).clone(),
        ReturnType::Default => {
            return Err(err(
                m.span(),
                m,
                "a repository method returns `DataResult<...>`",
            ));
        }
    };
    let span = ret.span();
    let inner = result_inner(&ret)
        .ok_or_else(|| err(span, m, "a #[query] method returns `DataResult<...>`"))?;
    let wrapper = last_segment(inner)
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    let elem = last_segment(inner).and_then(first_generic).cloned();
    let terminal = if modifying {
        if wrapper != "u64" {
            return Err(err(
                span,
                m,
                "a `modifying` query returns `DataResult<u64>` (the rows affected)",
            ));
        }
        quote!(__call.execute().await)
    } else {
        match (wrapper.as_str(), &elem) {
            ("Vec", Some(e)) if is_entity(e, entity) => quote!(__call.entities().await),
            ("Option", Some(e)) if is_entity(e, entity) => quote!(__call.entity_optional().await),
            ("Page", Some(e)) if is_entity(e, entity) => {
                if pageable.is_none() || count.is_none() {
                    return Err(err(
                        span,
                        m,
                        "a `Page` from #[query] needs a `Pageable` argument and `count = \"SELECT COUNT(*) ...\"`",
                    ));
                }
                quote!(__call.entity_page().await)
            }
            ("Vec", Some(e)) => quote!(__call.rows_as::<#e>().await),
            // No row and a NULL value are both `None` (`SELECT MAX(..)` over nothing).
            ("Option", Some(e)) => {
                quote!(__call.row_optional_as::<::core::option::Option<#e>>().await.map(::core::option::Option::flatten))
            }
            _ if is_entity(inner, entity) => quote!(__call.entity_one().await),
            _ => quote!(__call.row_one_as::<#inner>().await),
        }
    };
    let page_bind = pageable.map(|p| {
        let name = &p.name;
        let r = if matches!(p.ty, Type::Reference(_)) {
            quote!(#name)
        } else {
            quote!(&#name)
        };
        quote!(__call.pageable(#r)?;)
    });
    let method_name = format!("{trait_name}::{m}");
    let sig = super::signature::rewrite(&f.sig, fd)?;
    Ok(quote! {
        #sig {
            ::std::boxed::Box::pin(async move {
                static QUERY: #fd::__private::native::NativeQuery = #fd::__private::native::NativeQuery {
                    method: #method_name,
                    sql: #main,
                    count: #count_tokens,
                };
                static CACHE: #fd::__private::native::NativeCache = #fd::__private::native::NativeCache::new();
                let mut __call = #fd::__private::native::NativeCall::new(&QUERY, &CACHE, self.repository.get()?);
                #(#binds)*
                #page_bind
                #terminal
            })
        }
    })
}

pub(crate) fn implementation(
    item: &ItemTrait,
    entity_path: &syn::Path,
    fields: &[FieldInfo],
    fd: &TokenStream,
    datasource: &str,
) -> syn::Result<TokenStream> {
    let trait_name = &item.ident;
    let vis = &item.vis;
    let impl_name = format_ident!("{}Impl", trait_name);
    let entity = path_name(entity_path);
    let mut methods = Vec::new();
    let mut errors: Option<syn::Error> = None;
    let mut inner = Vec::new();
    for it in &item.items {
        let TraitItem::Fn(f) = it else { continue };
        let fetch = match fetch_paths(f) {
            Ok(paths) => paths,
            Err(e) => {
                match &mut errors {
                    Some(all) => all.combine(e),
                    None => errors = Some(e),
                }
                continue;
            }
        };
        let lock = f.attrs.iter().find(|a| a.path().is_ident("lock"));
        let generated = match f.attrs.iter().find(|a| a.path().is_ident("query")) {
            Some(_) if lock.is_some() => Err(syn::Error::new_spanned(
                lock,
                "#[lock] is for derived queries; in #[query] SQL write the clause yourself (`FOR UPDATE`)",
            )),
            Some(_) if f.attrs.iter().any(|a| a.path().is_ident("cacheable")) => {
                Err(syn::Error::new_spanned(
                    f.attrs.iter().find(|a| a.path().is_ident("cacheable")),
                    "#[cacheable] is for derived queries; hand-written SQL is not cached (a condition built at run time is: `repo.cacheable(\"region\")` with a specification)",
                ))
            }
            Some(attr) => native_method(f, attr, trait_name, &entity, fd),
            None => derived_method(f, trait_name, entity_path, fields, fd),
        };
        // With #[fetch], the query itself becomes an inherent method (renamed) that the trait
        // method calls before loading the paths.
        let generated = generated.and_then(|t| {
            if fetch.is_empty() {
                return Ok(t);
            }
            let mut query: syn::ImplItemFn = syn::parse2(t)?;
            query.sig.ident = format_ident!("__fw_query_{}", f.sig.ident);
            let name = query.sig.ident.clone();
            inner.push(quote!(#query));
            fetching_method(f, entity_path, fields, &name, &fetch, fd)
        });
        match generated {
            Ok(t) => methods.push(t),
            // Report every bad method at once.
            Err(e) => match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            },
        }
    }
    if let Some(e) = errors {
        return Err(e);
    }
    let inner = (!inner.is_empty()).then(|| {
        quote! {
            /// The queries of the `#[fetch]` methods, before their paths are loaded.
            impl #impl_name {
                #(#inner)*
            }
        }
    });
    let doc = format!(
        "The generated implementation of [`{trait_name}`] on the DataSource `{datasource}`: a shaku component (list it in your module's `components`) or, without a module, `{impl_name}::new(datasource)`."
    );
    Ok(quote! {
        #[doc = #doc]
        #[derive(Clone)]
        #vis struct #impl_name {
            repository: ::std::sync::Arc<#fd::__private::generated::Binding<#entity_path>>,
        }

        impl #impl_name {
            /// The repository on `datasource`, without a shaku module.
            #vis fn new(datasource: #fd::datasource::DataSource) -> Self {
                #impl_name {
                    repository: ::std::sync::Arc::new(#fd::__private::generated::Binding::new(
                        #fd::repository::Repository::new(datasource),
                    )),
                }
            }
        }

        #fd::__delegate_crud_repository!(#impl_name, #entity_path, repository);

        impl<M> #fd::__private::shaku::Component<M> for #impl_name
        where
            M: #fd::__private::shaku::Module + #fd::__private::shaku::HasComponent<#fd::__private::Beans>,
        {
            type Interface = dyn #trait_name;
            type Parameters = ();

            fn build(
                context: &mut #fd::__private::shaku::ModuleBuildContext<M>,
                _: (),
            ) -> ::std::boxed::Box<dyn #trait_name> {
                let beans = <M as #fd::__private::shaku::HasComponent<#fd::__private::Beans>>::build_component(context);
                ::std::boxed::Box::new(#impl_name {
                    repository: ::std::sync::Arc::new(#fd::__private::generated::Binding::from_beans(&beans, #datasource)),
                })
            }
        }

        #inner

        impl #trait_name for #impl_name {
            #(#methods)*
        }
    })
}

/// The paths of a method's `#[fetch("posts", "posts.comments")]`, if it has one.
fn fetch_paths(f: &TraitItemFn) -> syn::Result<Vec<syn::LitStr>> {
    let mut out = Vec::new();
    for attr in f.attrs.iter().filter(|a| a.path().is_ident("fetch")) {
        let paths = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::LitStr, syn::Token![,]>::parse_terminated,
        )?;
        if paths.is_empty() {
            return Err(syn::Error::new_spanned(
                attr,
                "#[fetch] names association paths: #[fetch(\"posts\", \"posts.comments\")]",
            ));
        }
        for p in paths {
            let v = p.value();
            if v.is_empty() || v.split('.').any(str::is_empty) {
                return Err(syn::Error::new_spanned(
                    &p,
                    "an association path is dot-separated names, like \"posts.comments\"",
                ));
            }
            out.push(p);
        }
    }
    Ok(out)
}

/// A method with `#[fetch(...)]`: runs the query (the inherent `query`), then loads each path
/// on the entities it returned (`Vec`, `Option`, `Page` or one entity).
fn fetching_method(
    f: &TraitItemFn,
    entity_path: &syn::Path,
    fields: &[FieldInfo],
    query: &Ident,
    paths: &[syn::LitStr],
    fd: &TokenStream,
) -> syn::Result<TokenStream> {
    let sig = super::signature::rewrite(&f.sig, fd)?;
    let args = f.sig.inputs.iter().skip(1).filter_map(|a| match a {
        syn::FnArg::Typed(t) => Some(&t.pat),
        syn::FnArg::Receiver(_) => None,
    });
    // A return type that holds no entities is reported at each path.
    // Only the function is spanned at the path (the locals must stay the macro's own).
    let loads = paths.iter().map(|p| {
        let fetch = quote_spanned!(p.span()=> #fd::__private::assoc::fetch::<#entity_path, _>);
        quote!(#fetch(&mut __found, __repository, #p).await?;)
    });
    // The first segment is checked here, with a suggestion; each path all the way down by
    // the entity's const fn below.
    let entity = path_name(entity_path);
    let associations: Vec<&str> = fields
        .iter()
        .filter(|f| matches!(f.kind.as_str(), "reference" | "collection" | "link"))
        .map(|f| f.name.as_str())
        .collect();
    for p in paths {
        let value = p.value();
        let head = value.split('.').next().unwrap_or_default();
        if !associations.contains(&head) {
            let suggestion = associations
                .iter()
                .map(|a| (super::grammar::distance(head, a), a))
                .filter(|(d, _)| *d <= 2)
                .min_by_key(|(d, _)| *d)
                .map(|(_, a)| format!("; did you mean `{a}`?"))
                .unwrap_or_default();
            let known = if associations.is_empty() {
                "it has none".to_owned()
            } else {
                format!("associations: {}", associations.join(", "))
            };
            return Err(syn::Error::new_spanned(
                p,
                format!(
                    "`{}`: #[fetch(\"{value}\")]: `{entity}` has no association `{head}`{suggestion} ({known})",
                    f.sig.ident
                ),
            ));
        }
    }
    let checks = paths.iter().map(|p| {
        let bytes = syn::LitByteStr::new(p.value().as_bytes(), p.span());
        let message = format!(
            "`{}`: #[fetch(\"{}\")]: `{entity}` has no association path `{}` (each segment must be a #[many_to_one], #[one_to_many] or #[many_to_many] field of the entity before it)",
            f.sig.ident,
            p.value(),
            p.value()
        );
        quote_spanned! {p.span()=>
            const _: () = if !<#entity_path>::__fw_association_path(#bytes) {
                ::core::panic!(#message)
            };
        }
    });
    Ok(quote! {
        #sig {
            #(#checks)*
            ::std::boxed::Box::pin(async move {
                let mut __found = self.#query(#(#args),*).await?;
                let __repository = self.repository.get()?;
                #(#loads)*
                ::core::result::Result::Ok(__found)
            })
        }
    })
}

/// `#[lock(PessimisticWrite)]`, `#[lock(PessimisticRead, skip_locked)]`, `#[lock(..,
/// nowait)]` on a derived `find` method: the `Option<Lock>` of its query.
fn lock_of(
    f: &TraitItemFn,
    tree: &Tree,
    output: &Output,
    fd: &TokenStream,
) -> syn::Result<TokenStream> {
    let Some(attr) = f.attrs.iter().find(|a| a.path().is_ident("lock")) else {
        return Ok(quote!(::core::option::Option::None));
    };
    if tree.subject != Subject::Find || matches!(output, Output::Stream) {
        return Err(syn::Error::new_spanned(
            attr,
            "#[lock] locks the rows a `find_by_..` method returns; counts, exists, deletes and streams take no lock",
        ));
    }
    let (mut mode, mut wait) = (None, quote!(Wait));
    attr.parse_nested_meta(|m| {
        if m.path.is_ident("PessimisticWrite") {
            mode = Some(quote!(PessimisticWrite));
        } else if m.path.is_ident("PessimisticRead") {
            mode = Some(quote!(PessimisticRead));
        } else if m.path.is_ident("skip_locked") {
            wait = quote!(SkipLocked);
        } else if m.path.is_ident("nowait") {
            wait = quote!(NoWait);
        } else {
            return Err(m.error(
                "expected `PessimisticWrite` or `PessimisticRead`, then optionally `skip_locked` or `nowait`",
            ));
        }
        Ok(())
    })?;
    let Some(mode) = mode else {
        return Err(syn::Error::new_spanned(
            attr,
            "#[lock] needs a mode: #[lock(PessimisticWrite)] or #[lock(PessimisticRead)]",
        ));
    };
    Ok(quote! {
        ::core::option::Option::Some(#fd::repository::Lock {
            mode: #fd::repository::LockMode::#mode,
            wait: #fd::repository::LockWait::#wait,
        })
    })
}

/// The entity's type name, for messages.
fn path_name(path: &syn::Path) -> String {
    path.segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

/// Compile-time checks of the embedded properties a derived query names (`address.city`):
/// the value type has the field, and it suits the operator. The entity's derive leaves
/// `__fw_embedded_{field}` beside the type for them; a failed check stops compilation with its
/// message, at the method.
fn embedded_checks(
    tree: &Tree,
    entity_path: &syn::Path,
    m: &Ident,
    fd: &TokenStream,
) -> Vec<TokenStream> {
    let entity = path_name(entity_path);
    let mut wanted: Vec<(&str, &'static str, String)> = Vec::new();
    for p in &tree.parts {
        let Some((_, inner)) = p.property.split_once('.') else {
            continue;
        };
        let shown = p.property.replace('.', "_");
        let outer = p.property.split('.').next().unwrap_or_default();
        wanted.push((
            &p.property,
            "Exists",
            format!(
                "`{m}`: `{entity}` has no property `{shown}`: `{outer}` has no field `{inner}`"
            ),
        ));
        if p.ignore_case && !p.ignore_case_from_all {
            wanted.push((
                &p.property,
                "Text",
                format!("`{m}`: `ignore_case` needs a text property; `{shown}` is not text"),
            ));
        }
        if matches!(p.op, Op::True | Op::False) {
            wanted.push((
                &p.property,
                "Bool",
                format!("`{m}`: `true`/`false` need a bool property; `{shown}` is not bool"),
            ));
        }
        if matches!(p.op, Op::IsNull | Op::IsNotNull) {
            wanted.push((&p.property, "Nullable", format!(
                "`{m}`: `{shown}` is never NULL (neither it nor its embedded value is an `Option`); `is_null`/`is_not_null` need a nullable property"
            )));
        }
    }
    for o in &tree.order {
        if let Some((outer, inner)) = o.property.split_once('.') {
            let shown = o.property.replace('.', "_");
            wanted.push((
                &o.property,
                "Exists",
                format!("`{m}`: cannot order by `{shown}`: `{outer}` has no field `{inner}`"),
            ));
        }
    }
    wanted
        .into_iter()
        .filter_map(|(property, need, message)| {
            let (outer, inner) = property.split_once('.')?;
            let info = format_ident!("__fw_embedded_{}", outer);
            let need = format_ident!("{}", need);
            Some(quote_spanned! {m.span()=>
                const _: () = if !#fd::__private::embedded_property(
                    <#entity_path>::#info,
                    #inner,
                    #fd::__private::Need::#need,
                ) {
                    ::core::panic!(#message)
                };
            })
        })
        .collect()
}

/// `#[cacheable(region = "vets")]` on a derived query: `Some("vets")` for its statics. Not on
/// streams, windows, deletes or locking reads (their results are not values to keep).
fn cacheable_of(f: &TraitItemFn, output: &Output, subject: Subject) -> syn::Result<TokenStream> {
    let Some(attr) = f.attrs.iter().find(|a| a.path().is_ident("cacheable")) else {
        return Ok(quote!(::core::option::Option::None));
    };
    let mut region = None;
    if matches!(attr.meta, syn::Meta::Path(_)) {
        return Err(syn::Error::new_spanned(
            attr,
            "#[cacheable] needs its region: `#[cacheable(region = \"...\")]`",
        ));
    }
    attr.parse_nested_meta(|m| {
        if m.path.is_ident("region") {
            region = Some(m.value()?.parse::<syn::LitStr>()?);
            Ok(())
        } else {
            Err(m.error("unknown cacheable option; expected `region = \"...\"`"))
        }
    })?;
    let Some(region) = region else {
        return Err(syn::Error::new_spanned(
            attr,
            "#[cacheable] needs its region: `#[cacheable(region = \"...\")]`",
        ));
    };
    let keeps = matches!(
        output,
        Output::Vec | Output::Option | Output::One | Output::Page | Output::Bool
    ) || (matches!(output, Output::Count) && subject == Subject::Count);
    let locked = f.attrs.iter().any(|a| a.path().is_ident("lock"));
    if !keeps || locked {
        return Err(syn::Error::new_spanned(
            attr,
            "#[cacheable] is for find, count and exists queries (not streams, windows, deletes or #[lock] reads)",
        ));
    }
    Ok(quote!(::core::option::Option::Some(#region)))
}
