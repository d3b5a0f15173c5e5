//! Code generation: the user's fn is kept exactly as written, and next to it a hidden registration
//! static is placed in the runtime's link-time collection of checks. The registration names only
//! the runtime's `__private` contract, and goes through its `registration!`, which checks that
//! this macro crate is the version the runtime expects.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{LitBool, ReturnType};

use crate::args::Args;
use crate::check_name;
use crate::dependency;
use crate::errors::Errors;
use crate::probe::Probe;
use crate::runtime;
use crate::signature::{self, CheckFn, DataParam};
use crate::written::written;

/// Expands one `#[liveness]`, `#[readiness]`, `#[startup]` or `#[check]` attribute. On error the item is still
/// emitted unchanged, so that IDEs keep working and no knock-on "cannot find" errors appear.
pub(crate) fn check(probe: Probe, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = Args::parse(args, &mut errors);
    let func = match syn::parse2::<CheckFn>(item.clone()) {
        Ok(func) => func,
        Err(_) if signature::misordered_qualifiers(item.clone()) => return item,
        Err(error) if signature::is_a_fn(item.clone()) => {
            errors.push(error);
            return with_errors(item, errors);
        }
        Err(_) => {
            errors.push(syn::Error::new_spanned(
                &item,
                format!(
                    "`#[{}]` can only be applied to an `async fn`",
                    probe.attribute()
                ),
            ));
            return with_errors(item, errors);
        }
    };
    let params = func.data_params(probe, &mut errors);
    let name = match &args.name {
        Some(name) => name.value(),
        None => default_name(&func, &mut errors),
    };
    reject_stacked_twins(probe, &func, &name, &mut errors);
    if let Some(restart) = args
        .restart_on_dependency
        .as_ref()
        .filter(|_| !matches!(probe, Probe::Liveness))
    {
        errors.push(syn::Error::new(
            restart.span(),
            format!(
                "`restart_on_dependency` is for `#[liveness]` checks: a `#[{}]` check may call \
                 what the service depends on",
                probe.attribute()
            ),
        ));
    }
    if matches!(probe, Probe::GroupsOnly) && !args.group_written {
        errors.push(syn::Error::new(
            Span::call_site(),
            "`#[check]` declares a check served in its groups only, in no probe: give it \
             `group = \"...\"` (or `group = [\"...\", ...]`); a check for a probe is \
             `#[liveness]`, `#[readiness]` or `#[startup]`",
        ));
    }
    let krate = runtime::path(args.krate.as_ref())
        .map_err(|problem| errors.push(syn::Error::new(Span::call_site(), problem)))
        .ok();
    match (errors.finish(), params, krate) {
        (Ok(()), Some(params), Some(krate)) => {
            let registration = registration(probe, &args, &krate, &name, &func, &params);
            // A check with nothing to await is `async` all the same: the attribute asks it.
            quote!(#[allow(clippy::unused_async)] #func #registration)
        }
        (result, ..) => {
            let error = result.err().map(|error| error.to_compile_error());
            quote!(#func #error)
        }
    }
}

fn with_errors(item: TokenStream, errors: Errors) -> TokenStream {
    let error = errors.finish().err().map(|error| error.to_compile_error());
    quote!(#item #error)
}

/// The fn's own name (`r#type` is `type`), unless it cannot appear in a URL.
fn default_name(func: &CheckFn, errors: &mut Errors) -> String {
    let name = fn_name(func);
    if let Some(problem) = check_name::name_problem(&name) {
        errors.push(syn::Error::new(
            func.sig.ident.span(),
            format!("{problem}; give the check a name with `name = \"...\"`"),
        ));
    }
    name
}

fn fn_name(func: &CheckFn) -> String {
    let name = func.sig.ident.to_string();
    match name.strip_prefix("r#") {
        Some(raw) => raw.to_owned(),
        None => name,
    }
}

/// The same fn twice in one probe under one name: `/<path>/<name>` and `?exclude=` would reach
/// both. (Two fns of one name are found when the `App` is built.)
fn reject_stacked_twins(probe: Probe, func: &CheckFn, name: &str, errors: &mut Errors) {
    let attr = probe.attribute();
    for (other, tokens) in func.stacked(probe) {
        let other_name = match Args::parse(tokens, &mut Errors::default()).name {
            Some(other_name) => other_name.value(),
            None => fn_name(func),
        };
        if other_name == name {
            errors.push(syn::Error::new_spanned(
                other,
                format!(
                    "`#[{attr}]` twice on `{}` with the name `{name}`: `/<path>/{name}` and \
                     `?exclude={name}` would reach both; give one of them `name = \"...\"`",
                    func.sig.ident
                ),
            ));
        }
    }
}

fn registration(
    probe: Probe,
    args: &Args,
    krate: &TokenStream,
    name: &str,
    func: &CheckFn,
    params: &[DataParam],
) -> TokenStream {
    let private = quote!(#krate::__private);
    let version = env!("CARGO_PKG_VERSION");
    let probe = probe.variant(&private);
    let timeout = optional_duration(args.timeout);
    let critical = args.critical.unwrap_or(true);
    let cache = optional_duration(args.cache);
    let interval = optional_duration(args.interval);
    let (failures, successes) = (args.failures.unwrap_or(1), args.successes.unwrap_or(1));
    let recent_runs = match args.recent_runs {
        Some(runs) => quote!(::core::option::Option::Some(#runs)),
        None => quote!(::core::option::Option::None),
    };
    let restart_on_dependency = args
        .restart_on_dependency
        .as_ref()
        .is_some_and(LitBool::value);
    let dependency = match dependency::called(func.body.clone()) {
        Some(called) => quote!(::core::option::Option::Some(#called)),
        None => quote!(::core::option::Option::None),
    };
    // One string, `"deep,ops"`: group names never hold a comma.
    let groups = args
        .groups
        .iter()
        .flatten()
        .map(syn::LitStr::value)
        .collect::<Vec<_>>()
        .join(",");
    let ident = &func.sig.ident;
    let function = ident.to_string();
    // Each parameter's type, as written, names what takes it from the data source: spanned at
    // it, a type that is no `CheckParam` (a `Data<T>` that is not one of ours) is reported there.
    let param_types: Vec<_> = params
        .iter()
        .map(|param| {
            let ty = &param.ty;
            quote_spanned!(param.span=> <#ty as #private::CheckParam>)
        })
        .collect();
    let inner_written = params.iter().map(|param| written(&param.inner));
    let arguments: Vec<_> = (0..params.len())
        .map(|i| format_ident!("__health_data_{}", i))
        .collect();
    // Naming the user's return type in the conversion puts an unsupported type's error on it.
    let output = match &func.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => quote!(#ty),
    };

    // The fn's future, spanned at its name: one that is not `Send` is reported there.
    let future = quote_spanned! {ident.span()=>
        #private::send(#ident(#(#arguments),*))
    };
    let run = quote! {
        let __health_future = #future;
        #private::boxed(async move {
            let __health_returned: #output = __health_future.await;
            #[allow(unused_imports)]
            use #private::{BoxedErrorCauses as _, ErrorCauses as _, NoCauses as _};
            let __health_causes = (&&&#private::Returned(&__health_returned)).causes();
            #private::with_causes(__health_causes, move || {
                <#output as #private::IntoOutcome>::into_outcome(__health_returned)
            })
        })
    };

    quote! {
        #private::registration!(#version,
            #[doc(hidden)]
            const _: () = {
                static __HEALTH_DECLARED: #private::Declared = #private::Declared::new(
                    #probe,
                    #name,
                    #groups,
                    ::core::concat!(::core::module_path!(), "::", #function),
                    #timeout,
                    #critical,
                    #cache,
                    #interval,
                    #failures,
                    #successes,
                    #recent_runs,
                    #dependency,
                    #restart_on_dependency,
                    &[#(#param_types::data_type),*],
                    __health_run,
                );

                // In the list that every version of the runtime shares.
                #[#private::distributed_slice(#private::CHECKS)]
                #[linkme(crate = #private::linkme)]
                static __HEALTH_CHECK: &'static dyn #private::Registration = &__HEALTH_DECLARED;

                // The fn may be `#[deprecated]`: its registration is no use of it.
                #[allow(deprecated)]
                fn __health_run(
                    source: &#private::DataSource<'_>,
                ) -> #private::CheckFuture {
                    #(
                        let #arguments = match #param_types::resolve(source, #inner_written) {
                            ::core::result::Result::Ok(data) => data,
                            ::core::result::Result::Err(missing) => return #private::ready(missing),
                        };
                    )*
                    #run
                }
            };
        );
    }
}

fn optional_duration(duration: Option<std::time::Duration>) -> TokenStream {
    match duration {
        Some(duration) => {
            let (secs, nanos) = (duration.as_secs(), duration.subsec_nanos());
            quote!(::core::option::Option::Some(::core::time::Duration::new(#secs, #nanos)))
        }
        None => quote!(::core::option::Option::None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check that a macro and a runtime of different versions fail with a message saying so
    /// (the trybuild case `version_mismatch`) holds only while every expansion goes through it.
    #[test]
    fn every_registration_names_this_macro_crates_version() {
        let item = quote!(
            async fn db() {}
        );
        // This crate's own manifest names no runtime: the path is given.
        let args = quote!(crate = ::health_runtime);
        let expanded = check(Probe::Readiness, args, item).to_string();
        let registration = concat!("registration ! (\"", env!("CARGO_PKG_VERSION"), "\" ,");
        assert!(expanded.contains(registration), "{expanded}");
    }
}
