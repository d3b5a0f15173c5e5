//! Kubernetes health endpoints for actix-web, declared with one attribute per check.
//!
//! ```no_run
//! use actix_web::{web, App, HttpServer};
//! use health_runtime::{liveness, readiness, startup, Health};
//!
//! struct AppState { warm: bool }
//!
//! #[liveness]
//! async fn alive() {}
//!
//! #[readiness(name = "flag", timeout = "300ms")]
//! async fn flag(state: web::Data<AppState>) -> Result<(), String> {
//!     if state.warm { Ok(()) } else { Err("not warm".into()) }
//! }
//!
//! #[startup]
//! async fn warmed_up(state: web::Data<AppState>) -> bool { state.warm }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     let state = web::Data::new(AppState { warm: true });
//!     HttpServer::new(move || App::new().app_data(state.clone()).service(Health::default()))
//!         .bind(("0.0.0.0", 8080))?
//!         .run()
//!         .await
//! }
//! ```
//!
//! The checks of a probe run concurrently, each under its timeout and isolated from panics; the
//! probe answers 200 when no critical check failed and 503 otherwise, with a JSON body (or the
//! kube-apiserver text format with `?verbose`). See the README for the endpoints and the body.

// From the outside in: the HTTP adapter, the probe flow it calls, and what the flow uses.
mod actix;
mod health;
mod probe;

mod background;
mod execute;
mod lifecycle;
mod report;

mod data;
mod outcome;
mod redact;
mod registry;
mod state;

pub mod checks;

#[doc(hidden)]
pub mod __private;

pub use health::Health;
pub use health_macros::{liveness, readiness, startup};
pub use outcome::{IntoOutcome, Outcome};
pub use registry::{Check, Probe, DEFAULT_TIMEOUT};
