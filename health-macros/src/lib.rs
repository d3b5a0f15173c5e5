//! Attribute macros that declare Kubernetes health checks for actix-web services.
//!
//! Use them through `health_runtime`, which re-exports and documents them, and serves the checks;
//! this crate only turns an annotated `async fn` into a registration. `lib.rs` holds the entry
//! points; `args.rs` parses the attribute's arguments, `signature.rs` the fn, `runtime.rs` finds
//! the runtime's path in the crate's manifest, `expand.rs` writes the registration, `errors.rs`
//! collects every error of one attribute, `written.rs` prints a type as the user wrote it;
//! `check_name.rs` and `bounds.rs` are the rules the runtime's builder applies too.

mod args;
mod bounds;
mod check_name;
mod dependency;
mod errors;
mod expand;
mod probe;
mod runtime;
mod signature;
mod written;

use proc_macro::TokenStream;

use probe::Probe;

// Each attribute is documented on health-runtime's re-export of it, where users find it and where
// its examples can use the runtime; rustdoc adds the line below to those docs.

/// (Defined in `health-macros`: depend on `health-runtime`, which re-exports it.)
#[proc_macro_attribute]
pub fn liveness(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::check(Probe::Liveness, args.into(), item.into()).into()
}

/// (Defined in `health-macros`: depend on `health-runtime`, which re-exports it.)
#[proc_macro_attribute]
pub fn readiness(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::check(Probe::Readiness, args.into(), item.into()).into()
}

/// (Defined in `health-macros`: depend on `health-runtime`, which re-exports it.)
#[proc_macro_attribute]
pub fn check(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::check(Probe::GroupsOnly, args.into(), item.into()).into()
}

/// (Defined in `health-macros`: depend on `health-runtime`, which re-exports it.)
#[proc_macro_attribute]
pub fn startup(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::check(Probe::Startup, args.into(), item.into()).into()
}
