//! `#[validate(..)]` on the fields of an entity or embeddable: the `validator` crate's rules,
//! in its derive's syntax, turned into an `impl validator::Validate` that calls its rule
//! traits through framework-data's re-export (so that the user's crate needs no `validator`
//! dependency of its own).
//!
//! Field rules: `email`, `url`, `required` (an `Option` is `Some`), `length(min, max, equal)`,
//! `range(min, max, exclusive_min, exclusive_max)`, `contains(pattern)`,
//! `does_not_contain(pattern)`, `regex(path)`, `must_match(other)`, `custom(function)`; each
//! takes `code = ".."` and `message = ".."`. On the struct: `schema(function,
//! skip_on_field_errors)`. A rule on an `Option` field checks the value when there is one.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Attribute, Expr, Ident, LitStr, Path, Type, meta::ParseNestedMeta};

use crate::field_type::option_inner;

/// A named field as validation sees it.
struct Target<'a> {
    ident: &'a Ident,
    ty: &'a Type,
    attrs: &'a [Attribute],
}

/// The `impl Validate` of `ident`, or `None` when nothing carries a `#[validate]` rule.
pub(crate) fn validate_impl<'a>(
    fd: &TokenStream,
    ident: &Ident,
    struct_attrs: &[Attribute],
    fields: impl IntoIterator<Item = &'a syn::Field>,
) -> syn::Result<Option<TokenStream>> {
    let v = quote!(#fd::__private::validation);
    let mut checks = Vec::new();
    let fields = fields.into_iter().filter_map(|f| {
        Some(Target {
            ident: f.ident.as_ref()?,
            ty: &f.ty,
            attrs: &f.attrs,
        })
    });
    for f in fields {
        for attr in f.attrs.iter().filter(|a| a.path().is_ident("validate")) {
            attr.parse_nested_meta(|m| {
                checks.push(field_rule(&v, &f, &m)?);
                Ok(())
            })?;
        }
    }
    let mut schemas = Vec::new();
    for attr in struct_attrs
        .iter()
        .filter(|a| a.path().is_ident("validate"))
    {
        attr.parse_nested_meta(|m| {
            if !m.path.is_ident("schema") {
                return Err(m.error(
                    "on the struct, #[validate] takes `schema(function = path)`; field rules go on the fields",
                ));
            }
            schemas.push(schema_rule(&m)?);
            Ok(())
        })?;
    }
    if checks.is_empty() && schemas.is_empty() {
        return Ok(None);
    }
    Ok(Some(quote! {
        impl #v::validator::Validate for #ident {
            fn validate(&self) -> ::core::result::Result<(), #v::validator::ValidationErrors> {
                #[allow(unused_imports)]
                use #v::validator::{
                    ValidateContains, ValidateDoesNotContain, ValidateEmail, ValidateLength,
                    ValidateRange, ValidateRegex, ValidateUrl,
                };
                let mut errors = #v::validator::ValidationErrors::new();
                #(#checks)*
                #(#schemas)*
                if errors.is_empty() {
                    ::core::result::Result::Ok(())
                } else {
                    ::core::result::Result::Err(errors)
                }
            }
        }
    }))
}

/// The options every rule takes, and the rule's own.
#[derive(Default)]
struct Options {
    code: Option<LitStr>,
    message: Option<LitStr>,
    exprs: Vec<(Ident, Expr)>,
}

impl Options {
    /// Reads `name(k = v, ..)`, accepting `code`, `message` and the rule's `keys`.
    fn parse(m: &ParseNestedMeta, rule: &str, keys: &[&str]) -> syn::Result<Self> {
        let mut o = Options::default();
        if m.input.peek(syn::token::Paren) {
            m.parse_nested_meta(|k| {
                let Some(key) = k.path.get_ident().cloned() else {
                    return Err(k.error("expected a name"));
                };
                if key == "code" {
                    o.code = Some(k.value()?.parse()?);
                } else if key == "message" {
                    o.message = Some(k.value()?.parse()?);
                } else if keys.iter().any(|x| key == x) {
                    o.exprs.push((key, k.value()?.parse()?));
                } else {
                    let mut all: Vec<&str> = keys.to_vec();
                    all.extend(["code", "message"]);
                    return Err(k.error(format!(
                        "unknown option of `{rule}`; expected {}",
                        all.iter()
                            .map(|x| format!("`{x}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                Ok(())
            })?;
        }
        Ok(o)
    }

    fn get(&self, key: &str) -> Option<&Expr> {
        self.exprs.iter().find(|(k, _)| k == key).map(|(_, e)| e)
    }

    fn code(&self, default: &str) -> LitStr {
        self.code
            .clone()
            .unwrap_or_else(|| LitStr::new(default, Span::call_site()))
    }

    /// The message: the rule's own, else `default` (a `format!` of the rule's values).
    fn message(&self, default: TokenStream) -> TokenStream {
        match &self.message {
            Some(m) => quote!(::std::borrow::Cow::Borrowed(#m)),
            None => quote!(::std::borrow::Cow::Owned(#default)),
        }
    }
}

/// A string-literal or bare path value (`function = "check"` and `function = check` both).
fn path_of(expr: &Expr) -> syn::Result<Path> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => s.parse(),
        Expr::Path(p) => Ok(p.path.clone()),
        other => Err(syn::Error::new_spanned(other, "expected a path")),
    }
}

fn field_rule(v: &TokenStream, f: &Target<'_>, m: &ParseNestedMeta) -> syn::Result<TokenStream> {
    let Some(rule) = m.path.get_ident().cloned() else {
        return Err(m.error("expected a rule name"));
    };
    let name = f.ident.to_string();
    let field = f.ident;
    let (inner, optional) = option_inner(f.ty);
    let span = rule.span();
    let fail = |o: &Options, code: &str, default: TokenStream| {
        let code = o.code(code);
        let message = o.message(default);
        quote!(errors.add(#name, #v::rule(#code, #message));)
    };
    // `check` tests `value` (a reference to the field, or to its value when an Option).
    let check: TokenStream = match rule.to_string().as_str() {
        "required" => {
            let o = Options::parse(m, "required", &[])?;
            if !optional {
                return Err(syn::Error::new(
                    span,
                    "`required` is for an Option field (a plain field always has a value)",
                ));
            }
            let fail = fail(
                &o,
                "required",
                quote!(::std::string::String::from("is required")),
            );
            return Ok(quote_spanned! {span=> if self.#field.is_none() { #fail } });
        }
        "email" => {
            let o = Options::parse(m, "email", &[])?;
            let fail = fail(
                &o,
                "email",
                quote!(::std::string::String::from("must be a valid email address")),
            );
            quote_spanned! {span=> if !ValidateEmail::validate_email(value) { #fail } }
        }
        "url" => {
            let o = Options::parse(m, "url", &[])?;
            let fail = fail(
                &o,
                "url",
                quote!(::std::string::String::from("must be a valid URL")),
            );
            quote_spanned! {span=> if !ValidateUrl::validate_url(value) { #fail } }
        }
        "length" => {
            let o = Options::parse(m, "length", &["min", "max", "equal"])?;
            let arg = |k: &str| match o.get(k) {
                Some(e) => quote!(::core::option::Option::Some((#e) as u64)),
                None => quote!(::core::option::Option::None),
            };
            let (min, max, equal) = (arg("min"), arg("max"), arg("equal"));
            let default = match (o.get("min"), o.get("max"), o.get("equal")) {
                (_, _, Some(e)) => quote!(::std::format!("length must be {}", #e)),
                (Some(a), Some(b), None) => {
                    quote!(::std::format!("length must be between {} and {}", #a, #b))
                }
                (Some(a), None, None) => quote!(::std::format!("length must be at least {}", #a)),
                (None, Some(b), None) => quote!(::std::format!("length must be at most {}", #b)),
                (None, None, None) => {
                    return Err(m.error("`length` needs `min`, `max` or `equal`"));
                }
            };
            let fail = fail(&o, "length", default);
            quote_spanned! {span=>
                if !ValidateLength::<u64>::validate_length(value, #min, #max, #equal) { #fail }
            }
        }
        "range" => {
            let o = Options::parse(
                m,
                "range",
                &["min", "max", "exclusive_min", "exclusive_max"],
            )?;
            let arg = |k: &str| match o.get(k) {
                Some(e) => quote!(::core::option::Option::Some(#e)),
                None => quote!(::core::option::Option::None),
            };
            let args = [
                arg("min"),
                arg("max"),
                arg("exclusive_min"),
                arg("exclusive_max"),
            ];
            let mut parts = Vec::new();
            for (k, words) in [
                ("min", "at least"),
                ("max", "at most"),
                ("exclusive_min", "greater than"),
                ("exclusive_max", "less than"),
            ] {
                if let Some(e) = o.get(k) {
                    parts.push(quote!(::std::format!("{} {}", #words, #e)));
                }
            }
            if parts.is_empty() {
                return Err(
                    m.error("`range` needs `min`, `max`, `exclusive_min` or `exclusive_max`")
                );
            }
            let default = quote!(::std::format!("must be {}", [#(#parts),*].join(" and ")));
            let fail = fail(&o, "range", default);
            let [a, b, c, d] = args;
            quote_spanned! {span=>
                if !<#inner as ValidateRange<#inner>>::validate_range(value, #a, #b, #c, #d) { #fail }
            }
        }
        "contains" | "does_not_contain" => {
            let which = rule.to_string();
            let o = Options::parse(m, &which, &["pattern"])?;
            let Some(pattern) = o.get("pattern") else {
                return Err(m.error(format!("`{which}` needs `pattern = \"..\"`")));
            };
            if which == "contains" {
                let fail = fail(
                    &o,
                    "contains",
                    quote!(::std::format!("must contain {:?}", #pattern)),
                );
                quote_spanned! {span=> if !ValidateContains::validate_contains(value, #pattern) { #fail } }
            } else {
                let fail = fail(
                    &o,
                    "does_not_contain",
                    quote!(::std::format!("must not contain {:?}", #pattern)),
                );
                quote_spanned! {span=> if !ValidateDoesNotContain::validate_does_not_contain(value, #pattern) { #fail } }
            }
        }
        "regex" => {
            let o = Options::parse(m, "regex", &["path"])?;
            let Some(path) = o.get("path") else {
                return Err(m.error(
                    "`regex` needs `path = ..` (a `Regex`, or a static `LazyLock<Regex>`)",
                ));
            };
            let fail = fail(
                &o,
                "regex",
                quote!(::std::string::String::from(
                    "does not match the required pattern"
                )),
            );
            quote_spanned! {span=> if !ValidateRegex::validate_regex(value, &(#path)) { #fail } }
        }
        "must_match" => {
            let o = Options::parse(m, "must_match", &["other"])?;
            let Some(other) = o.get("other") else {
                return Err(m.error("`must_match` needs `other = \"field\"`"));
            };
            let other = path_of(other)?;
            let other_name = quote!(#other).to_string();
            let fail = fail(
                &o,
                "must_match",
                quote!(::std::format!("must match `{}`", #other_name)),
            );
            // Compares the fields themselves, Options included.
            return Ok(quote_spanned! {span=>
                if self.#field != self.#other { #fail }
            });
        }
        "custom" => {
            let o = Options::parse(m, "custom", &["function"])?;
            let Some(function) = o.get("function") else {
                return Err(m.error(
                    "`custom` needs `function = path` (a `fn(&T) -> Result<(), ValidationError>`)",
                ));
            };
            let function = path_of(function)?;
            let code = o
                .code
                .as_ref()
                .map(|c| quote!(e.code = ::std::borrow::Cow::Borrowed(#c);));
            let message = o.message.as_ref().map(|m| quote!(e.message = ::core::option::Option::Some(::std::borrow::Cow::Borrowed(#m));));
            let binding = if code.is_some() || message.is_some() {
                quote!(mut e)
            } else {
                quote!(e)
            };
            quote_spanned! {span=>
                if let ::core::result::Result::Err(#binding) = #function(value) {
                    #code
                    #message
                    errors.add(#name, e);
                }
            }
        }
        other => {
            return Err(syn::Error::new(
                span,
                format!(
                    "unknown validation rule `{other}`; expected `email`, `url`, `required`, `length(..)`, `range(..)`, `contains(..)`, `does_not_contain(..)`, `regex(..)`, `must_match(..)` or `custom(..)`"
                ),
            ));
        }
    };
    Ok(if optional {
        quote!(if let ::core::option::Option::Some(value) = &self.#field { #check })
    } else {
        quote!({ let value = &self.#field; #check })
    })
}

fn schema_rule(m: &ParseNestedMeta) -> syn::Result<TokenStream> {
    let mut function = None;
    let mut skip = true;
    m.parse_nested_meta(|k| {
        if k.path.is_ident("function") {
            function = Some(path_of(&k.value()?.parse()?)?);
        } else if k.path.is_ident("skip_on_field_errors") {
            skip = k.value()?.parse::<syn::LitBool>()?.value;
        } else {
            return Err(
                k.error("unknown schema option; expected `function` or `skip_on_field_errors`")
            );
        }
        Ok(())
    })?;
    let Some(function) = function else {
        return Err(m.error(
            "`schema` needs `function = path` (a `fn(&Self) -> Result<(), ValidationError>`)",
        ));
    };
    let guard = if skip {
        quote!(errors.is_empty())
    } else {
        quote!(true)
    };
    Ok(quote! {
        if #guard {
            if let ::core::result::Result::Err(e) = #function(self) {
                errors.add("__all__", e);
            }
        }
    })
}
