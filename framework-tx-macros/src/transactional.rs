//! `#[transactional(...)]`: wraps an `async fn`'s body in `TransactionManager::run`.
//!
//! ```text
//! #[transactional(propagation = RequiresNew, retry = 3)]
//! async fn record(&self, what: &str) -> DataResult<()> { body }
//! ```
//! becomes
//! ```text
//! async fn record(&self, what: &str) -> DataResult<()> {
//!     let __tx_convert = /* TxError -> the error type */;
//!     let __tx_manager = match TransactionManager::lookup("default") {
//!         Ok(manager) => manager,
//!         Err(error) => return Err(__tx_convert(error)),
//!     };
//!     let __tx_definition = TransactionDefinition::new().propagation(Propagation::RequiresNew).name("app::record");
//!     let __tx_policy = RollbackPolicy::always();
//!     let mut __tx_retry = Retry::new(3);
//!     loop {
//!         let __tx_attempt = __tx_manager.run(&__tx_definition, __tx_policy, __tx_convert, async { body }).await;
//!         if !__tx_retry.again(&__tx_manager, &__tx_attempt).await {
//!             break __tx_attempt.into_result();
//!         }
//!     }
//! }
//! ```

use framework_vocabulary::{Isolation, Propagation};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, Ident, ItemFn, LitBool, LitInt, LitStr, Pat, ReturnType, Token, Type};

const OPTIONS: &str = "propagation, isolation, read_only, timeout, datasource, rollback_for, no_rollback_for, retry, manager";
#[derive(Default)]
struct Options {
    propagation: Option<Ident>,
    isolation: Option<Ident>,
    read_only: Option<bool>,
    timeout: Option<(std::time::Duration, Span)>,
    datasource: Option<LitStr>,
    rollback_for: Option<Pat>,
    no_rollback_for: Option<Pat>,
    retry: Option<u32>,
    manager: Option<Expr>,
}

/// Checks `ident` against the names the runtime knows (from `framework-vocabulary`).
fn one_of<T: std::fmt::Display>(ident: &Ident, allowed: &[T], what: &str) -> syn::Result<()> {
    if allowed.iter().any(|a| ident == &a.to_string()) {
        Ok(())
    } else {
        let names: Vec<String> = allowed.iter().map(ToString::to_string).collect();
        Err(syn::Error::new(
            ident.span(),
            format!(
                "unknown {what} `{ident}`; expected one of {}",
                names.join(", ")
            ),
        ))
    }
}

impl Parse for Options {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut o = Options::default();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            let duplicate = || syn::Error::new(key.span(), format!("`{key}` is given twice"));
            match key.to_string().as_str() {
                "propagation" => {
                    input.parse::<Token![=]>()?;
                    let v: Ident = input.parse()?;
                    one_of(&v, &Propagation::ALL, "propagation")?;
                    if o.propagation.replace(v).is_some() {
                        return Err(duplicate());
                    }
                }
                "isolation" => {
                    input.parse::<Token![=]>()?;
                    let v: Ident = input.parse()?;
                    one_of(&v, &Isolation::ALL, "isolation level")?;
                    if o.isolation.replace(v).is_some() {
                        return Err(duplicate());
                    }
                }
                "read_only" => {
                    let v = if input.peek(Token![=]) {
                        input.parse::<Token![=]>()?;
                        input.parse::<LitBool>()?.value
                    } else {
                        true
                    };
                    if o.read_only.replace(v).is_some() {
                        return Err(duplicate());
                    }
                }
                "timeout" => {
                    input.parse::<Token![=]>()?;
                    let lit: LitStr = input.parse()?;
                    let d = humantime::parse_duration(&lit.value()).map_err(|e| {
                        syn::Error::new(
                            lit.span(),
                            format!(
                                "invalid timeout {:?}: {e} (write it like \"5s\" or \"250ms\")",
                                lit.value()
                            ),
                        )
                    })?;
                    if d.is_zero() {
                        return Err(syn::Error::new(
                            lit.span(),
                            "the timeout must be greater than zero",
                        ));
                    }
                    if o.timeout.replace((d, lit.span())).is_some() {
                        return Err(duplicate());
                    }
                }
                "datasource" => {
                    input.parse::<Token![=]>()?;
                    let lit: LitStr = input.parse()?;
                    if lit.value().trim().is_empty() {
                        return Err(syn::Error::new(
                            lit.span(),
                            "the DataSource name must not be empty",
                        ));
                    }
                    if o.datasource.replace(lit).is_some() {
                        return Err(duplicate());
                    }
                }
                "rollback_for" | "no_rollback_for" => {
                    input.parse::<Token![=]>()?;
                    let pat = Pat::parse_multi(input).map_err(|e| {
                        syn::Error::new(
                            e.span(),
                            format!(
                                "`{key}` takes a pattern matching the function's error, such as `MyError::Declined {{ .. }}`: {e}"
                            ),
                        )
                    })?;
                    let slot = if key == "rollback_for" {
                        &mut o.rollback_for
                    } else {
                        &mut o.no_rollback_for
                    };
                    if slot.replace(pat).is_some() {
                        return Err(duplicate());
                    }
                }
                "retry" => {
                    input.parse::<Token![=]>()?;
                    let lit: LitInt = input.parse()?;
                    let n = lit.base10_parse::<u32>()?;
                    if o.retry.replace(n).is_some() {
                        return Err(duplicate());
                    }
                }
                "manager" => {
                    input.parse::<Token![=]>()?;
                    let e: Expr = input.parse()?;
                    if o.manager.replace(e).is_some() {
                        return Err(duplicate());
                    }
                }
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown #[transactional] option `{key}`; expected one of {OPTIONS}"
                        ),
                    ));
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        if o.manager.is_some()
            && let Some(ds) = &o.datasource
        {
            return Err(syn::Error::new(
                ds.span(),
                "give either `manager` or `datasource`, not both (a manager has its DataSource)",
            ));
        }
        Ok(o)
    }
}

/// Whether `ty` is, by name, a `Result` or an alias of one (`DataResult`, `io::Result`).
fn looks_like_result(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident.to_string().ends_with("Result")),
        Type::Group(g) => looks_like_result(&g.elem),
        Type::Paren(p) => looks_like_result(&p.elem),
        _ => false,
    }
}

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let options: Options = syn::parse2(attr)?;
    let mut function: ItemFn = syn::parse2(item)?;
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span(),
            "#[transactional] applies to `async fn` only: the transaction spans the function's awaits",
        ));
    }
    let ret: Type = match &sig.output {
        ReturnType::Type(_, ty) if looks_like_result(ty) => (**ty).clone(),
        ReturnType::Type(_, ty) => {
            return Err(syn::Error::new(
                ty.span(),
                "#[transactional] functions must return a `Result` (or an alias of one such as `DataResult<T>`): an `Err` is what rolls the transaction back",
            ));
        }
        ReturnType::Default => {
            return Err(syn::Error::new(
                sig.ident.span(),
                "#[transactional] functions must return a `Result`: add `-> Result<(), YourError>`",
            ));
        }
    };
    let fd = crate::crate_path::framework_data();
    let ret_span = ret.span();
    let error_ty = quote_spanned!(ret_span=> <#ret as #fd::__private::tx::TxResult>::Error);
    let convert = quote_spanned! {ret_span=>
        #[allow(clippy::type_complexity)]
        let __tx_convert: fn(#fd::tx::TxError) -> #error_ty = {
            #[allow(unused_imports)]
            use #fd::__private::tx::{ViaDataError as _, ViaTxError as _};
            (&&#fd::__private::tx::Convert::<#error_ty>::new()).converter()
        };
    };
    let lookup = match (&options.manager, &options.datasource) {
        // Borrowed: `manager = self.tm` must not move out of `self`.
        (Some(expr), _) => quote!(#fd::__private::tx::manager(&(#expr))),
        (None, Some(ds)) => quote!(#fd::tx::TransactionManager::lookup(#ds)),
        (None, None) => quote!(#fd::tx::TransactionManager::lookup("default")),
    };

    let mut definition = quote!(#fd::tx::TransactionDefinition::new());
    if let Some(p) = &options.propagation {
        definition.extend(quote!(.propagation(#fd::tx::Propagation::#p)));
    }
    if let Some(i) = &options.isolation {
        definition.extend(quote!(.isolation(#fd::tx::Isolation::#i)));
    }
    if let Some(r) = options.read_only {
        definition.extend(quote!(.read_only(#r)));
    }
    if let Some((d, span)) = options.timeout {
        let (secs, nanos) = (d.as_secs(), d.subsec_nanos());
        definition
            .extend(quote_spanned!(span=> .timeout(::core::time::Duration::new(#secs, #nanos))));
    }
    let name = sig.ident.to_string();
    definition.extend(quote!(.name(::core::concat!(::core::module_path!(), "::", #name))));

    let policy = match (&options.rollback_for, &options.no_rollback_for) {
        (None, None) => quote!(#fd::tx::RollbackPolicy::<#error_ty>::always()),
        (Some(r), None) => quote!(#fd::tx::RollbackPolicy::<#error_ty>::new(
            |error| ::core::matches!(error, #r)
        )),
        (None, Some(n)) => quote!(#fd::tx::RollbackPolicy::<#error_ty>::new(
            |error| !::core::matches!(error, #n)
        )),
        (Some(r), Some(n)) => quote!(#fd::tx::RollbackPolicy::<#error_ty>::new(
            |error| ::core::matches!(error, #r) && !::core::matches!(error, #n)
        )),
    };

    let body = &function.block;
    let run = quote! {
        __tx_manager.run(&__tx_definition, __tx_policy, __tx_convert, async #body).await
    };
    let call = match options.retry {
        Some(n) if n > 0 => quote! {
            let mut __tx_retry = #fd::__private::tx::Retry::new(#n);
            loop {
                let __tx_attempt = #run;
                if !__tx_retry.again(&__tx_manager, &__tx_attempt).await {
                    break __tx_attempt.into_result();
                }
            }
        },
        _ => quote!(#run.into_result()),
    };

    let new_body = quote! {{
        #convert
        let __tx_manager = match #lookup {
            ::core::result::Result::Ok(manager) => manager,
            ::core::result::Result::Err(error) => return ::core::result::Result::Err(__tx_convert(error)),
        };
        let __tx_definition = #definition;
        let __tx_policy = #policy;
        #call
    }};
    *function.block = syn::parse2(new_body)?;
    Ok(quote!(#function))
}
