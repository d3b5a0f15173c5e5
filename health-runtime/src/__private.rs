//! The contract between the code that `#[liveness]`, `#[readiness]` and `#[startup]` generate and
//! this runtime. Not a public API: it changes with the macro crate, which health-runtime pins to
//! one exact version. Generated code reaches it by absolute path (`::health_runtime::__private`,
//! or the `crate = path` argument), so users need no other dependency.
//!
//! For each attribute, the generated code is, in full:
//!
//! ```text
//! ::health_runtime::__private::registration!("<version of health-macros>",
//!     const _: () = {
//!         #[distributed_slice(CHECKS)]
//!         static CHECK: Declared = Declared::new(probe, name, timeout, critical, cache,
//!                                                interval, &[data_type::<T>, ...], run);
//!         fn run(source: &DataSource) -> CheckFuture {
//!             // each `web::Data<T>` parameter: `data::<T>(source, "T")?`, else `ready(missing)`
//!             boxed(async move { IntoOutcome::into_outcome(the_fn(params...).await) })
//!         }
//!     };
//! );
//! ```

use std::any::TypeId;
use std::future::Future;

use actix_web::web;

pub use linkme::{self, distributed_slice};

pub use crate::data::DataSource;
pub use crate::outcome::{IntoOutcome, Outcome};
pub use crate::registry::{CheckFuture, Declared, Probe, CHECKS};

/// Keeps a registration when it comes from the health-macros version this runtime pins, and
/// replaces it with one error that names both versions otherwise. Its name and first argument
/// stay the same in every version, so that any pair of versions meets here first.
#[doc(hidden)]
#[macro_export]
macro_rules! __health_runtime_registration {
    ("0.1.0", $($registration:tt)*) => {
        $($registration)*
    };
    ($version:literal, $($registration:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "this health check attribute comes from health-macros ", $version,
            ", but health-runtime 0.1 needs health-macros 0.1.0; depend on `health-runtime` ",
            "alone, which re-exports the attributes with the macro crate it needs"
        ));
    };
}

pub use crate::__health_runtime_registration as registration;

/// The `web::Data<T>` parameter written `web::Data<{written}>`, or a failed outcome that says how
/// to register it.
pub fn data<T: 'static>(source: &DataSource, written: &str) -> Result<web::Data<T>, Outcome> {
    source.get::<T>(written)
}

/// The `TypeId` of a `web::Data<T>` parameter, for the registration's list of parameters.
pub fn data_type<T: 'static>() -> TypeId {
    TypeId::of::<web::Data<T>>()
}

/// A run that is over before it starts: a parameter is missing.
pub fn ready(outcome: Outcome) -> CheckFuture {
    Box::pin(std::future::ready(outcome))
}

/// A run of the check fn.
pub fn boxed(run: impl Future<Output = Outcome> + 'static) -> CheckFuture {
    Box::pin(run)
}
