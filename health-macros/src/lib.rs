//! Attribute macros that declare Kubernetes health checks for actix-web services.
//!
//! Use them through [`health_runtime`](https://docs.rs/health-runtime), which re-exports them and
//! serves the checks; this crate only turns an annotated `async fn` into a registration.

mod args;
mod errors;
mod expand;
mod probe;
mod signature;
mod written;

use proc_macro::TokenStream;

use probe::Probe;

/// Declares a liveness check, served on `/healthz` and `/livez`: "is this process able to work?".
/// A failing liveness probe makes Kubernetes restart the container, so never check a database here.
///
/// ```ignore
/// use health_runtime::liveness;
///
/// #[liveness]
/// async fn event_loop() {}
/// ```
///
/// Arguments (all optional, any order): `name = "..."` (default: the fn's name; letters, digits,
/// `_`, `.`, `-`), `timeout = "300ms"`, `critical = false` (a failure is then a `WARN` that does
/// not fail the probe), `cache = "1s"` (a result is reused that long, and concurrent probes share
/// one run), `interval = "5s"` (the check runs in the background and probes answer from its
/// latest result), `crate = path` (where `health_runtime` is, if renamed). Parameters are
/// `web::Data<T>`; the return type is `()`, `bool`, `Result<T, E>` with `T: Serialize` and
/// `E: Display`, or `health_runtime::Outcome`.
#[proc_macro_attribute]
pub fn liveness(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::check(Probe::Liveness, args.into(), item.into()).into()
}

/// Declares a readiness check, served on `/ready` and `/readyz`: "should this pod get traffic?".
/// A failing readiness probe takes the pod out of its Service's endpoints, without a restart.
///
/// ```ignore
/// use actix_web::web;
/// use health_runtime::readiness;
///
/// #[readiness(name = "flag", timeout = "300ms")]
/// async fn flag(state: web::Data<AppState>) -> Result<(), String> {
///     state.check()
/// }
/// ```
///
/// Takes the same arguments, parameters and return types as [`macro@liveness`].
#[proc_macro_attribute]
pub fn readiness(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::check(Probe::Readiness, args.into(), item.into()).into()
}

/// Declares a startup check, served on `/startupz`: "has this process finished starting?". Until
/// every critical startup check has passed once, `/startupz` and the readiness endpoints answer
/// 503; from then on the startup checks are not run again.
///
/// ```ignore
/// use actix_web::web;
/// use health_runtime::startup;
///
/// #[startup(timeout = "5s")]
/// async fn warmed_up(state: web::Data<AppState>) -> bool {
///     state.is_warm()
/// }
/// ```
///
/// Takes the same arguments, parameters and return types as [`macro@liveness`].
#[proc_macro_attribute]
pub fn startup(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::check(Probe::Startup, args.into(), item.into()).into()
}
