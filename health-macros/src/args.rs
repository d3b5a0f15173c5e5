//! The arguments of `#[liveness(...)]`, `#[readiness(...)]` and `#[startup(...)]`, parsed and
//! validated at compile time. Every argument error of one attribute is collected, so the user sees
//! them all in one build.

use std::time::Duration;

use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{Ident, LitBool, LitInt, LitStr, Path, Token};

use crate::errors::Errors;
use crate::{bounds, check_name};

const ACCEPTED: &str = "expected `name`, `group`, `timeout`, `critical`, `cache`, `interval`, \
                        `failures`, `successes`, `recent_runs`, `restart_on_dependency` or `crate`";

/// What one attribute asked for; `None` means "use the default".
#[derive(Default)]
pub(crate) struct Args {
    pub name: Option<LitStr>,
    /// The groups the check is in, as `group = "deep"` or `group = ["deep", "ops"]`.
    pub groups: Option<Vec<LitStr>>,
    /// Whether `group` was written, valid or not: a `#[check]` with a bad one is told that
    /// alone, not that it has none.
    pub group_written: bool,
    pub timeout: Option<Duration>,
    pub critical: Option<bool>,
    /// How long a result is reused, as `cache = "1s"`.
    pub cache: Option<Duration>,
    /// The period of background runs, as `interval = "5s"`.
    pub interval: Option<Duration>,
    /// Failed runs in a row before the check fails its probe, as `failures = 3`.
    pub failures: Option<u32>,
    /// Passing runs in a row before a failed check passes again, as `successes = 2`.
    pub successes: Option<u32>,
    /// How many of its last runs the check keeps, as `recent_runs = 20`.
    pub recent_runs: Option<usize>,
    /// A liveness check that calls a dependency on purpose, as `restart_on_dependency = true`.
    pub restart_on_dependency: Option<LitBool>,
    pub krate: Option<Path>,
}

impl Args {
    /// Parses `key = value, ...`. Syntax errors (a missing `=`) stop at once; everything else is
    /// recorded in `errors` and parsing goes on with the next argument.
    pub(crate) fn parse(tokens: TokenStream, errors: &mut Errors) -> Args {
        let mut args = Args::default();
        let parser = |input: ParseStream<'_>| {
            while !input.is_empty() {
                // `#[readiness("db")]`: a name given without its key.
                if input.peek(LitStr) {
                    let name = input.parse::<LitStr>()?;
                    errors.push(syn::Error::new(
                        name.span(),
                        format!(
                            "arguments are written `key = value`: write `name = {:?}`",
                            name.value()
                        ),
                    ));
                    if !input.is_empty() {
                        input.parse::<Token![,]>()?;
                    }
                    continue;
                }
                let key = input.call(Ident::parse_any)?;
                if !input.peek(Token![=]) {
                    errors.push(syn::Error::new(
                        key.span(),
                        format!("expected `{key} = ...`; arguments are written `key = value`"),
                    ));
                    skip_to_comma(input)?;
                } else {
                    input.parse::<Token![=]>()?;
                    let value = value_tokens(input)?;
                    if let Err(error) = args.set(&key, value) {
                        errors.push(error);
                    }
                }
                // `timeout = "1s" critical = false`: the next argument, with no comma before it.
                if input.peek(Ident::peek_any) && input.peek2(Token![=]) {
                    let next = input.fork().call(Ident::parse_any)?;
                    errors.push(syn::Error::new(
                        next.span(),
                        format!("expected `,` before `{next}`: arguments are separated by commas"),
                    ));
                    continue;
                }
                if !input.is_empty() {
                    input.parse::<Token![,]>()?;
                }
            }
            Ok(())
        };
        if let Err(error) = syn::parse::Parser::parse2(parser, tokens) {
            errors.push(error);
        }
        args
    }

    fn set(&mut self, key: &Ident, value: TokenStream) -> syn::Result<()> {
        if key == "name" {
            let name = syn::parse2::<LitStr>(value).map_err(|e| {
                syn::Error::new(e.span(), "expected a string, e.g. `name = \"db\"`")
            })?;
            validate_name(&name)?;
            set_once(&mut self.name, name, key)
        } else if key == "group" {
            self.group_written = true;
            set_once(&mut self.groups, groups(value)?, key)
        } else if key == "timeout" {
            set_once(&mut self.timeout, duration(key, value)?, key)
        } else if key == "cache" {
            let cache = duration(key, value)?;
            not_both(key, self.interval.is_some())?;
            set_once(&mut self.cache, cache, key)
        } else if key == "interval" {
            let interval = duration(key, value)?;
            not_both(key, self.cache.is_some())?;
            set_once(&mut self.interval, interval, key)
        } else if key == "failures" || key == "successes" {
            let count = runs_in_a_row(key, value)?;
            let slot = if key == "failures" {
                &mut self.failures
            } else {
                &mut self.successes
            };
            set_once(slot, count, key)
        } else if key == "recent_runs" {
            let expected = format!(
                "expected a whole number of runs from 0 to {}, e.g. `recent_runs = 20`",
                bounds::MOST_RECENT_RUNS
            );
            let lit =
                syn::parse2::<LitInt>(value).map_err(|e| syn::Error::new(e.span(), &expected))?;
            match lit.base10_parse::<usize>() {
                Ok(runs) if runs <= bounds::MOST_RECENT_RUNS => {
                    set_once(&mut self.recent_runs, runs, key)
                }
                _ => Err(syn::Error::new(lit.span(), expected)),
            }
        } else if key == "critical" {
            let lit = syn::parse2::<LitBool>(value)
                .map_err(|e| syn::Error::new(e.span(), "expected `true` or `false`"))?;
            set_once(&mut self.critical, lit.value, key)
        } else if key == "restart_on_dependency" {
            let lit = syn::parse2::<LitBool>(value)
                .map_err(|e| syn::Error::new(e.span(), "expected `true` or `false`"))?;
            set_once(&mut self.restart_on_dependency, lit, key)
        } else if key == "crate" {
            let path = syn::parse2::<Path>(value).map_err(|e| {
                syn::Error::new(e.span(), "expected a path, e.g. `crate = ::health_runtime`")
            })?;
            set_once(&mut self.krate, path, key)
        } else {
            Err(syn::Error::new(
                key.span(),
                format!("unknown argument `{key}`; {ACCEPTED}"),
            ))
        }
    }
}

/// `cache` and `interval` are two answers to one question: when the check runs.
fn not_both(key: &Ident, other_is_set: bool) -> syn::Result<()> {
    if other_is_set {
        return Err(syn::Error::new(
            key.span(),
            "use either `cache` (a probe's result is reused) or `interval` (the check runs in \
             the background), not both",
        ));
    }
    Ok(())
}

fn duration(key: &Ident, value: TokenStream) -> syn::Result<Duration> {
    let lit = syn::parse2::<LitStr>(value).map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("expected a duration string, e.g. `{key} = \"300ms\"`"),
        )
    })?;
    parse_duration(key, &lit)
}

/// A count of runs in a row: an integer of at least 1.
fn runs_in_a_row(key: &Ident, value: TokenStream) -> syn::Result<u32> {
    let expected = format!("expected a whole number of runs of at least 1, e.g. `{key} = 3`");
    let lit = syn::parse2::<LitInt>(value).map_err(|e| syn::Error::new(e.span(), &expected))?;
    match lit.base10_parse::<u32>() {
        Ok(0) => Err(syn::Error::new(
            lit.span(),
            format!("`{key}` must be at least 1 (1 is the default: the first run decides)"),
        )),
        Ok(count) => Ok(count),
        Err(_) if lit.base10_parse::<u128>().is_ok() => Err(syn::Error::new(
            lit.span(),
            format!("`{key}` is too large: at most {} runs", u32::MAX),
        )),
        Err(_) => Err(syn::Error::new(lit.span(), expected)),
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T, key: &Ident) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(
            key.span(),
            format!("duplicate argument `{key}`; give each argument once"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

/// `"deep"` or `["deep", "ops"]`: at least one group, each named by the check name rule, once.
fn groups(value: TokenStream) -> syn::Result<Vec<LitStr>> {
    let expected = "expected a group's name or a list of them, e.g. `group = \"deep\"` or \
                    `group = [\"deep\", \"ops\"]`";
    let groups: Vec<LitStr> = match syn::parse2::<LitStr>(value.clone()) {
        Ok(group) => vec![group],
        Err(_) => {
            let list = syn::parse2::<syn::ExprArray>(value)
                .map_err(|e| syn::Error::new(e.span(), expected))?;
            let mut groups = Vec::new();
            for element in list.elems {
                match element {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(group),
                        ..
                    }) => groups.push(group),
                    other => return Err(syn::Error::new_spanned(other, expected)),
                }
            }
            if groups.is_empty() {
                return Err(syn::Error::new(list.bracket_token.span.join(), expected));
            }
            groups
        }
    };
    for (i, group) in groups.iter().enumerate() {
        if let Some(problem) = check_name::group_problem(&group.value()) {
            return Err(syn::Error::new(group.span(), problem));
        }
        if groups[..i]
            .iter()
            .any(|other| other.value() == group.value())
        {
            return Err(syn::Error::new(
                group.span(),
                format!("the group `{}` is named twice", group.value()),
            ));
        }
    }
    Ok(groups)
}

fn validate_name(name: &LitStr) -> syn::Result<()> {
    match check_name::name_problem(&name.value()) {
        Some(problem) => Err(syn::Error::new(name.span(), problem)),
        None => Ok(()),
    }
}

fn parse_duration(key: &Ident, lit: &LitStr) -> syn::Result<Duration> {
    let duration = humantime::parse_duration(&lit.value()).map_err(|e| {
        syn::Error::new(
            lit.span(),
            format!("invalid duration: {e}; write it like \"300ms\", \"2s\" or \"1m\""),
        )
    })?;
    match bounds::duration_problem(&key.to_string(), duration) {
        Some(problem) => Err(syn::Error::new(lit.span(), problem)),
        None => Ok(duration),
    }
}

/// The tokens of one value: everything up to the next top-level comma, or up to the next
/// argument when its comma is missing (`key =` after the value's first token).
fn value_tokens(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        let next_argument = input.peek(Ident::peek_any) && input.peek2(Token![=]);
        if next_argument && !tokens.is_empty() {
            break;
        }
        tokens.extend([input.parse::<TokenTree>()?]);
    }
    if tokens.is_empty() {
        return Err(syn::Error::new(input.span(), "expected a value after `=`"));
    }
    Ok(tokens)
}

fn skip_to_comma(input: ParseStream<'_>) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<TokenTree>()?;
    }
    Ok(())
}
