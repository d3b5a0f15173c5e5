//! Code generation: the user's fn is kept exactly as written, and next to it a hidden registration
//! static is placed in the runtime's link-time collection of checks.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Item, ItemFn, ReturnType, Type};

use crate::args::{self, Args};
use crate::errors::Errors;
use crate::probe::Probe;
use crate::signature;

/// Expands one `#[liveness]`, `#[readiness]` or `#[startup]` attribute. On error the item is still
/// emitted unchanged, so that IDEs keep working and no knock-on "cannot find" errors appear.
pub fn check(probe: Probe, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = Args::parse(args, &mut errors);
    let func = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(func)) => func,
        Ok(other) => {
            errors.push(syn::Error::new_spanned(
                other,
                format!(
                    "`#[{}]` can only be applied to an `async fn`",
                    probe.attribute()
                ),
            ));
            return with_errors(item, errors);
        }
        Err(error) => {
            errors.push(error);
            return with_errors(item, errors);
        }
    };
    let data_types = signature::data_types(&func, probe, &mut errors);
    let name = match &args.name {
        Some(name) => name.value(),
        None => default_name(&func, &mut errors),
    };
    if let Err(error) = errors.finish() {
        let error = error.to_compile_error();
        return quote!(#func #error);
    }
    let data_types = data_types.unwrap_or_default();
    let registration = registration(probe, &args, &name, &func, &data_types);
    quote!(#func #registration)
}

fn with_errors(item: TokenStream, errors: Errors) -> TokenStream {
    match errors.finish() {
        Ok(()) => item,
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#item #error)
        }
    }
}

/// The fn's own name, unless it cannot appear in a URL.
fn default_name(func: &ItemFn, errors: &mut Errors) -> String {
    let name = func.sig.ident.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
    if let Some(problem) = args::name_problem(&name) {
        errors.push(syn::Error::new(
            func.sig.ident.span(),
            format!("{problem}; give the check a name with `name = \"...\"`"),
        ));
    }
    name
}

fn registration(
    probe: Probe,
    args: &Args,
    name: &str,
    func: &ItemFn,
    data_types: &[Type],
) -> TokenStream {
    let krate = match &args.krate {
        Some(path) => quote!(#path),
        None => quote!(::health_runtime),
    };
    let private = quote!(#krate::__private);
    let probe = probe.variant(&krate);
    let timeout = optional_duration(args.timeout);
    let cache = optional_duration(args.cache);
    let interval = optional_duration(args.interval);
    let critical = args.critical.unwrap_or(true);
    let ident = &func.sig.ident;
    let params: Vec<_> = (0..data_types.len())
        .map(|i| format_ident!("__health_data_{}", i))
        .collect();
    // Naming the user's return type in the conversion puts an unsupported type's error on it.
    let output = match &func.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => quote!(#ty),
    };

    quote! {
        #[doc(hidden)]
        const _: () = {
            #[#private::distributed_slice(#private::CHECKS)]
            #[linkme(crate = #private::linkme)]
            static __HEALTH_CHECK: #private::Declared = #private::Declared {
                probe: #probe,
                name: #name,
                timeout: #timeout,
                critical: #critical,
                cache: #cache,
                interval: #interval,
                has_data: __health_has_data,
                run: __health_run,
                state: #private::CheckState::new(),
            };

            fn __health_has_data(data: &#private::AppData) -> bool {
                // A check without `web::Data` parameters looks at nothing.
                let _ = data;
                true #(&& data.has::<#data_types>())*
            }

            fn __health_run(
                request: ::core::option::Option<&#private::HttpRequest>,
            ) -> #private::CheckFuture {
                #(
                    let #params = match #private::app_data::<#data_types>(request) {
                        ::core::result::Result::Ok(data) => data,
                        ::core::result::Result::Err(missing) => return #private::ready(missing),
                    };
                )*
                #private::boxed(async move {
                    <#output as #private::IntoOutcome>::into_outcome(#ident(#(#params),*).await)
                })
            }
        };
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
