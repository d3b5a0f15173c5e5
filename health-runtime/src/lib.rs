#![doc = include_str!("../docs/reference.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
// What serves only a server that is not compiled in is dead code in that build; the build of
// every server (the workspace's, which lints) keeps none.
#![cfg_attr(
    not(all(feature = "actix", feature = "axum", feature = "grpc")),
    allow(dead_code)
)]

// The servers, each in its own module: they translate a request into the flow's terms and its
// answer into a response.
#[cfg(feature = "actix")]
mod actix;
#[cfg(feature = "axum")]
mod axum;
#[cfg(feature = "grpc")]
mod grpc;
#[cfg(any(feature = "actix", feature = "axum"))]
mod http;

// The core, which names no server.
mod bounds;
mod cached;
mod check;
mod check_name;
mod data;
mod details;
mod execute;
mod extensions;
mod feed;
mod format;
mod group;
mod health;
mod history;
mod interval;
mod lifecycle;
#[cfg(feature = "metrics")]
mod metrics;
mod outcome;
mod panics;
mod paths;
mod probe;
mod recent;
mod redact;
mod registry;
mod report;
mod running;
mod runs;
mod served_checks;
mod state;
mod transitions;

pub mod checks;
pub mod kubernetes;

#[doc(hidden)]
pub mod __private;

#[cfg(feature = "actix")]
pub use actix::InFlight;
pub use check::{Check, CheckReturn, DEFAULT_TIMEOUT};
pub use data::{CheckParam, Data};
pub use details::{Details, RequestView};
pub use feed::ProbeStatus;
pub use format::{Format, UnknownFormat};
pub use group::Group;
#[cfg(feature = "grpc")]
pub use grpc::{GrpcHealth, GrpcHealthService};
pub use health::{DEFAULT_DRAIN_DELAY, Health};
pub use lifecycle::Availability;
pub use outcome::{IntoOutcome, Outcome};
pub use probe::{Probe, UnknownProbe};
pub use recent::DEFAULT_RECENT_RUNS;

// The attributes, documented here where users find them.

/// Declares a liveness check, served on `/healthz` and `/livez`: "is this process able to work?".
/// A failing liveness probe makes Kubernetes restart the container, so never check a database
/// here: an outage would restart every pod.
///
/// ```
/// use health_runtime::liveness;
///
/// #[liveness]
/// async fn event_loop() {}
/// ```
///
/// # Arguments
///
/// All optional, in any order, each at most once:
///
/// | argument | default | meaning |
/// |---|---|---|
/// | `name = "db.primary"` | the fn's name | shown in bodies, used in `/<path>/<name>` and `?exclude=`; non-empty, only `A-Z a-z 0-9 _ . -`, not `availability` (the switches' entry) |
/// | `group = "deep"`, `group = ["deep", "ops"]` | no group | the [`Group`]s it is in too: served at `/health/group/<name>` with their other checks, never feeding a probe; names follow the rule of check names |
/// | `timeout = "300ms"` | 800 ms (`Health::default_timeout`) | a human duration (`250ms`, `2s`, `1m 30s`), checked at compile time, from 1 ms (tokio's timers count milliseconds) to 5 min; past it the check fails with `timed out after 300ms` |
/// | `critical = false` | `true` | a failed non-critical check is shown as `WARN` and does not fail the probe |
/// | `cache = "1s"` | no cache (`Health::default_cache`) | a result is reused that long (1 ms to 1 day); probes that find no fresh result share one run |
/// | `interval = "5s"` | | the check runs in the background on that period (1 ms to 1 day; the first run at once, then spread by up to 10% either way); probes answer from its latest result |
/// | `failures = 3` | `1` | flap damping: a passing check fails its probe only after that many failed runs in a row; until then it is `WARN`, its reason ending `(1 of 3)` |
/// | `successes = 2` | `1` | a failed check passes again only after that many passing runs in a row |
/// | `recent_runs = 20` | 10 (`Health::recent_runs`) | how many of its last runs the check keeps for `?history` and the status page, 0 to 1000 |
/// | `crate = path` | the name `Cargo.toml` gives `health-runtime` | where the runtime is, when a crate reaches it through another that re-exports it (`crate = ::platform::health`); a renamed dependency needs none |
///
/// `cache` and `interval` exclude each other.
///
/// ```
/// use health_runtime::{liveness, readiness};
///
/// #[readiness(name = "search.api", timeout = "300ms", critical = false, cache = "1s")]
/// async fn search() -> bool { true }
///
/// #[liveness(interval = "5s", timeout = "2s")]
/// async fn disk() -> Result<u64, std::io::Error> { Ok(42) }
/// ```
///
/// # Parameters
///
/// Any number of [`Data<T>`] and actix's `web::Data<T>` (feature `actix`; each may be spelled
/// with any path). A `Data<T>` takes the value given once with [`Health::data`], on every server
/// and in background loops; a `web::Data<T>` takes the `App`'s data, resolved at every run (or
/// the value given with [`Health::app_data`] where no `App`'s data is seen: axum, gRPC, a
/// subscriber, a management port, a loop started with the server).
///
/// A value that nothing gives is a mistake found where the `Health` is served: a `Data<T>` never
/// given, or a `web::Data<T>` where no `App`'s data is seen and `Health::app_data` did not give
/// it, panics there (built in `main`, the program stops before it serves; an actix app stops as
/// its workers build their `App`s) with a message that names the check, the type and the call that
/// gives it (``health check `db` (my_app::db) takes `Data<sqlx::Pool<Postgres>>`, which this
/// Health was not given: give it with `.data(Data::new(value))` where the Health is built``). An
/// actix `App` that lacks a `web::Data<T>` fails the check on each probe, saying so: ``app data
/// `web::Data<Pool>` is not registered; add `.app_data(web::Data::new(value))` with a `Pool` to
/// the App``. A parameter of another type is a compile error on it that names the forms.
///
/// ```
/// use actix_web::web;
/// use health_runtime::readiness;
///
/// struct Pool { size: u32 }
/// struct Limits { max: u32 }
///
/// #[readiness]
/// async fn capacity(pool: web::Data<Pool>, limits: web::Data<Limits>) -> Result<(), String> {
///     if pool.size <= limits.max { Ok(()) } else { Err("pool over its limit".into()) }
/// }
/// ```
///
/// # `Send`
///
/// The fn's future is `Send`, as a handler's is on axum or tonic: the runtime may run it on any
/// thread of the server's runtime. Keep an `Rc`, a `RefCell` borrow or a `std::sync::MutexGuard`
/// out of its await points (drop it before `.await`, or hold an `Arc` or a `tokio::sync::Mutex`);
/// if one is held across an `.await`, rustc reports it on the fn's name (``future returned by
/// `replica` is not `Send` ``) with the value and the `.await` that hold it.
///
/// # Return types
///
/// | return | healthy when | shown |
/// |---|---|---|
/// | `()` | always | |
/// | `bool` | `true` | `false` gives the error `returned false` |
/// | `Result<T, E>`, `T: Serialize`, `E: Display` | `Ok` | `T` as the check's `data` (omitted for `()`), `E` as its `error`, with its `source()` chain when `E` is a `std::error::Error` or a `Box<dyn Error>` of one |
/// | [`Outcome`] | `Outcome::healthy()` | `Outcome::unhealthy(reason)`, `.with_data(value)` |
///
/// `Result<bool, E>` is refused (it would pass on `Ok(false)`: return `bool`, or `Result<(), E>`),
/// and so is an `impl Trait` (name the type).
///
/// # Compile errors
///
/// Each points at the offending token and says what to write instead: a fn that is not `async`,
/// `unsafe`, a `self` receiver, generics or a `where` clause, a parameter that is neither
/// `Data<T>` nor `web::Data<T>` (an alias of `Data`, or a `Data<T>` of another crate), an
/// unsupported or misleading return type, an unknown or duplicate argument, a name without its
/// `name =`, a missing comma, a malformed duration or one out of its bounds, a `failures` or
/// `successes` that is not a whole number of at least 1 (or too large), an invalid or reserved
/// name, both `cache` and `interval`, the attribute on something that is not a fn, a future that
/// is not `Send`, and a runtime that the crate's `Cargo.toml` does not name (say where it is with
/// `crate = path`). All mistakes of one attribute are
/// reported in one build, and the fn is kept as written, so that its callers do not fail with it;
/// rustc still reports what is wrong in the fn itself (a fn that is not `async` but awaits also
/// gets rustc's E0728).
///
/// ```compile_fail
/// use health_runtime::liveness;
///
/// #[liveness(timeout = "soon")] // invalid duration: expected number at 0; ...
/// fn not_async() {}             // functions marked with `#[liveness]` must be `async`; ...
/// ```
///
/// The attributes go on a module-level `async fn` (not inside an `impl` block), in a binary or a
/// library crate; stack several on one fn to put it in several probes. The fn is kept exactly as
/// written and stays callable.
pub use health_macros::liveness;

/// Declares a readiness check, served on `/ready` and `/readyz`: "should this pod get traffic?".
/// A failing readiness probe takes the pod out of its Service's endpoints, without a restart.
///
/// On actix, with the `App`'s data:
///
/// ```
/// use actix_web::web;
/// use health_runtime::readiness;
///
/// struct AppState { accepting: bool }
///
/// #[readiness(name = "accepting", timeout = "300ms")]
/// async fn accepting(state: web::Data<AppState>) -> Result<(), String> {
///     if state.accepting { Ok(()) } else { Err("not accepting orders".into()) }
/// }
/// ```
///
/// On axum or gRPC (or actix), with data given to the `Health`:
///
/// ```
/// use health_runtime::{readiness, Data, Health};
///
/// struct AppState { accepting: bool }
///
/// #[readiness(name = "orders_open", timeout = "300ms", failures = 2)]
/// async fn orders_open(state: Data<AppState>) -> Result<(), String> {
///     if state.accepting { Ok(()) } else { Err("not accepting orders".into()) }
/// }
///
/// let health = Health::default().data(Data::new(AppState { accepting: true }));
/// ```
///
/// Takes the same arguments, parameters and return types as [`macro@liveness`].
pub use health_macros::readiness;

/// Declares a startup check, served on `/startupz`: "has this process finished starting?". Until
/// every critical startup check has passed once, `/startupz` and the readiness endpoints answer
/// 503; from then on the startup checks are not run again.
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use actix_web::web;
/// use health_runtime::startup;
///
/// struct AppState { warm: AtomicBool }
///
/// #[startup(timeout = "5s")]
/// async fn caches_warm(state: web::Data<AppState>) -> bool {
///     state.warm.load(Ordering::Relaxed)
/// }
/// ```
///
/// Takes the same arguments, parameters and return types as [`macro@liveness`].
pub use health_macros::startup;

/// Declares a check that is in groups and in no probe: served at `/health/group/<name>` (and as
/// the gRPC service `group/<name>`) with its group's other checks, it never takes the pod out of
/// its Service nor restarts it. For what operators and dashboards look at: every downstream, the
/// disk, a certificate's expiry.
///
/// ```
/// use health_runtime::check;
///
/// #[check(group = "deep", timeout = "2s")]
/// async fn search_cluster() -> Result<(), String> {
///     Ok(())
/// }
///
/// #[check(group = ["deep", "ops"])]
/// async fn tls_expiry() -> bool { true }
/// ```
///
/// `group` is required: a check for a probe is [`macro@liveness`], [`macro@readiness`] or
/// [`macro@startup`], which take `group` too. The other arguments, parameters and return types
/// are [`macro@liveness`]'s, but for `restart_on_dependency`: no probe restarts anything here.
pub use health_macros::check;
