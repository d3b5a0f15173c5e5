//! The annotated function: parsed up to its body, and validated. The body stays tokens that only
//! rustc reads (as tokio-macros does), so that a syntax error in it is reported once, by rustc.
//! A check is an `async fn` without `self` or generics whose parameters are all written `Data<T>`
//! (`health_runtime::Data<T>` or actix's `web::Data<T>`, which the runtime's `CheckParam` tells apart);
//! its return type is checked by the compiler, through the runtime's `IntoOutcome` trait, whose
//! diagnostic lists the accepted types.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, TokenStreamExt};
use syn::parse::{Parse, ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{
    Abi, Attribute, FnArg, GenericArgument, PathArguments, ReturnType, Signature, Token, Type,
    Visibility,
};

use crate::errors::Errors;
use crate::probe::Probe;

/// An item that the attribute accepts: a fn, up to its body.
pub(crate) struct CheckFn {
    attrs: Vec<Attribute>,
    vis: Visibility,
    pub sig: Signature,
    pub body: TokenStream,
}

/// A parameter written `Data<T>`.
pub(crate) struct DataParam {
    /// Where the parameter's type is written: errors about it belong there.
    pub span: Span,
    /// The type as written: `Data<T>`, `web::Data<T>`, ...
    pub ty: Type,
    /// `T`.
    pub inner: Type,
}

impl Parse for CheckFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<CheckFn> {
        Ok(CheckFn {
            attrs: input.call(Attribute::parse_outer)?,
            vis: input.parse()?,
            sig: input.parse()?,
            body: input.parse()?,
        })
    }
}

impl ToTokens for CheckFn {
    /// The fn exactly as written.
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.append_all(&self.attrs);
        self.vis.to_tokens(tokens);
        self.sig.to_tokens(tokens);
        self.body.to_tokens(tokens);
    }
}

/// Whether `item` is a fn at all (`fn`, after any attributes, visibility and qualifiers): if its
/// signature does not parse, the fault is then in the signature, not in the item's kind.
pub(crate) fn is_a_fn(item: TokenStream) -> bool {
    let starts_a_fn = |input: ParseStream<'_>| {
        input.call(Attribute::parse_outer)?;
        input.parse::<Visibility>()?;
        input.parse::<Option<Token![const]>>()?;
        input.parse::<Option<Token![async]>>()?;
        input.parse::<Option<Token![unsafe]>>()?;
        input.parse::<Option<Abi>>()?;
        let is_a_fn = input.peek(Token![fn]);
        input.parse::<TokenStream>()?;
        Ok(is_a_fn)
    };
    starts_a_fn.parse2(item).unwrap_or(false)
}

/// Whether `item` is a fn whose qualifiers are in an order rustc rejects (`unsafe async fn`):
/// rustc's own error says how to write it, and says it alone.
pub(crate) fn misordered_qualifiers(item: TokenStream) -> bool {
    let mut unsafe_seen = false;
    for token in item {
        match token {
            TokenTree::Ident(ident) if ident == "fn" => return false,
            TokenTree::Ident(ident) if ident == "unsafe" => unsafe_seen = true,
            TokenTree::Ident(ident) if ident == "async" && unsafe_seen => return true,
            _ => {}
        }
    }
    false
}

impl CheckFn {
    /// The attributes below this one that put the fn into the same probe again
    /// (`#[readiness] #[readiness(name = "...")]`), with their arguments.
    pub(crate) fn stacked(&self, probe: Probe) -> impl Iterator<Item = (&Attribute, TokenStream)> {
        self.attrs.iter().filter_map(move |attr| {
            let last = attr.path().segments.last()?;
            if last.ident != probe.attribute() {
                return None;
            }
            let args = match &attr.meta {
                syn::Meta::List(list) => list.tokens.clone(),
                _ => TokenStream::new(),
            };
            Some((attr, args))
        })
    }

    /// The fn's `Data<T>` parameters, in order; `None` when the signature is invalid, with
    /// every reason in `errors`.
    pub(crate) fn data_params(&self, probe: Probe, errors: &mut Errors) -> Option<Vec<DataParam>> {
        let sig = &self.sig;
        let attr = probe.attribute();
        let mut valid = true;
        let mut reject = |span: &dyn ToTokens, message: String| {
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
                     take concrete `Data<T>` or `web::Data<T>` parameters instead"
                ),
            );
        }
        if let Some(where_clause) = &sig.generics.where_clause {
            reject(
                where_clause,
                format!(
                    "functions marked with `#[{attr}]` cannot have a `where` clause; \
                     take concrete `Data<T>` or `web::Data<T>` parameters instead"
                ),
            );
        }

        let mut params = Vec::new();
        for input in &sig.inputs {
            match input {
                FnArg::Receiver(receiver) => reject(
                    receiver,
                    format!(
                        "functions marked with `#[{attr}]` cannot take `self`; \
                         make it a free function and take the state as `Data<T>` or `web::Data<T>`"
                    ),
                ),
                FnArg::Typed(typed) => match data_type(&typed.ty) {
                    Some(inner) => params.push(DataParam {
                        span: typed.ty.span(),
                        ty: (*typed.ty).clone(),
                        inner: inner.clone(),
                    }),
                    None => {
                        let alias = if may_be_an_alias(&typed.ty) {
                            "; a parameter is known by its written name `Data<..>`: an alias \
                             (`use health_runtime::Data as D`, `type P = Data<Pool>`) is not"
                        } else {
                            ""
                        };
                        reject(
                            &typed.ty,
                            format!(
                                "parameters of `#[{attr}]` functions must be \
                                 `health_runtime::Data<T>` (given with \
                                 `Health::data(Data::new(value))`) or `web::Data<T>` (the App's \
                                 data){alias}"
                            ),
                        );
                    }
                },
            }
        }
        if let ReturnType::Type(_, output) = &sig.output {
            if let Some(problem) = return_problem(output) {
                reject(output, problem);
            }
        }
        valid.then_some(params)
    }
}

/// Whether `ty` is written as an alias of `Data` may be: a path of one type argument (`D<Pool>`),
/// or a capitalised name of its own (`PoolData`).
fn may_be_an_alias(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    match &last.arguments {
        PathArguments::AngleBracketed(generics) => generics.args.len() == 1,
        PathArguments::None => {
            path.path.segments.len() == 1
                && last
                    .ident
                    .to_string()
                    .starts_with(|c: char| c.is_ascii_uppercase())
        }
        PathArguments::Parenthesized(_) => false,
    }
}

/// Why a check cannot return `output`, if the way it is written tells (the compiler checks the
/// rest through `IntoOutcome`).
fn return_problem(output: &Type) -> Option<String> {
    if written_with_impl(output) {
        return Some(
            "a health check's return type is named, not `impl Trait`: write a concrete type such \
             as `Result<(), String>`, `bool` or `health_runtime::Outcome`"
                .to_owned(),
        );
    }
    let Type::Path(path) = output else {
        return None;
    };
    let last = path.path.segments.last()?;
    let PathArguments::AngleBracketed(generics) = &last.arguments else {
        return None;
    };
    let ok_is_bool = matches!(
        generics.args.first(),
        Some(GenericArgument::Type(Type::Path(ok))) if ok.path.is_ident("bool")
    );
    (last.ident == "Result" && ok_is_bool).then(|| {
        "a check returning `Result<bool, E>` would pass on `Ok(false)`: return `bool` (`false` \
         fails), or `Result<(), E>` and fail with `Err`"
            .to_owned()
    })
}

/// Whether `ty` holds an `impl Trait` anywhere (`impl Display`, `Result<(), impl Display>`).
fn written_with_impl(ty: &Type) -> bool {
    holds_impl(ty.to_token_stream())
}

fn holds_impl(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == "impl",
        TokenTree::Group(group) => holds_impl(group.stream()),
        _ => false,
    })
}

/// `T` of a type written `Data<T>` (`web::Data<T>`, `actix_web::web::Data<T>`, ...). Which
/// `Data` it is, the compiler tells: another one fails on the parameter.
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
