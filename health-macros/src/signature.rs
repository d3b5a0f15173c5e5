//! Validation of the annotated function: an `async fn` without `self` or generics, whose parameters
//! are all `web::Data<T>`. The return type is checked by the compiler through the runtime's
//! `IntoOutcome` trait, whose diagnostic lists the accepted types.

use syn::{FnArg, GenericArgument, ItemFn, PathArguments, Type};

use crate::errors::Errors;
use crate::probe::Probe;

/// The `T`s of the fn's `web::Data<T>` parameters, in order; `None` when the signature is invalid.
pub fn data_types(func: &ItemFn, probe: Probe, errors: &mut Errors) -> Option<Vec<Type>> {
    let sig = &func.sig;
    let attr = probe.attribute();
    let mut valid = true;
    let mut reject = |span: &dyn quote::ToTokens, message: String| {
        errors.push(syn::Error::new_spanned(span, message));
        valid = false;
    };

    if sig.asyncness.is_none() {
        reject(
            &sig.fn_token,
            format!(
                "functions marked with `#[{attr}]` must be `async`; write `async fn {}`",
                sig.ident
            ),
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        reject(
            unsafety,
            format!("functions marked with `#[{attr}]` cannot be `unsafe`"),
        );
    }
    if !sig.generics.params.is_empty() {
        reject(
            &sig.generics,
            format!(
                "functions marked with `#[{attr}]` cannot be generic; \
                 take concrete `web::Data<T>` parameters instead"
            ),
        );
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        reject(
            where_clause,
            format!(
                "functions marked with `#[{attr}]` cannot have a `where` clause; \
                 take concrete `web::Data<T>` parameters instead"
            ),
        );
    }

    let mut types = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => reject(
                receiver,
                format!(
                    "functions marked with `#[{attr}]` cannot take `self`; \
                     make it a free function and take the state as `web::Data<T>`"
                ),
            ),
            FnArg::Typed(typed) => match data_type(&typed.ty) {
                Some(ty) => types.push(ty.clone()),
                None => reject(
                    &typed.ty,
                    format!(
                        "parameters of `#[{attr}]` functions must be `web::Data<T>` \
                         (registered with `App::app_data(web::Data::new(value))`)"
                    ),
                ),
            },
        }
    }
    valid.then_some(types)
}

/// `T` of `Data<T>`, `web::Data<T>` or `actix_web::web::Data<T>`.
fn data_type(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Data" {
        return None;
    }
    let PathArguments::AngleBracketed(generics) = &last.arguments else {
        return None;
    };
    match generics.args.iter().collect::<Vec<_>>()[..] {
        [GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}
