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
//!         // `probe`: `Some(Probe::..)`, `None` for `#[check]`; `groups`: `"deep,ops"` or `""`
//!         static DECLARED: Declared = Declared::new(probe, name, groups, "path::to::the_fn", timeout,
//!                                                   critical, cache, interval, failures,
//!                                                   successes, recent_runs, calls,
//!                                                   restart_on_dependency,
//!                                                   &[<P as CheckParam>::data_type, ...], run);
//!         // `health_registry::CHECKS`, which every version of the runtime shares:
//!         #[distributed_slice(CHECKS)]
//!         static CHECK: &dyn Registration = &DECLARED;
//!         fn run(source: &DataSource<'_>) -> CheckFuture {
//!             // each parameter of type `P` (`Data<T>` or `web::Data<T>`), spanned at it:
//!             // `<P as CheckParam>::resolve(source, "T")?`, else `ready(missing)`
//!             let future = send(the_fn(params...));   // spanned at the fn's name
//!             boxed(async move {
//!                 let returned = future.await;
//!                 // `BoxedErrorCauses`, `ErrorCauses`, `NoCauses`:
//!                 let causes = (&&&Returned(&returned)).causes();
//!                 with_causes(causes, move || IntoOutcome::into_outcome(returned))
//!             })
//!         }
//!     };
//! );
//! ```

use std::future::Future;

pub use health_registry::linkme::{self, distributed_slice};
pub use health_registry::{CHECKS, Registration};

pub use crate::check::CheckFuture;
pub use crate::data::{CheckParam, DataSource, DataType};
pub use crate::outcome::{IntoOutcome, Outcome};
pub use crate::probe::Probe;
pub use crate::registry::Declared;

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

/// A check fn's returned value, looked at before it is converted, so that an `Err` whose type is
/// a `std::error::Error`, or a `Box<dyn Error>` of one, shows its causes (`source()`), which its
/// `Display` often leaves out. The generated code calls `(&&&Returned(&value)).causes()`: method
/// lookup takes [`BoxedErrorCauses`] when it applies, else [`ErrorCauses`], else [`NoCauses`]
/// ("autoref specialization"), for any return type.
#[derive(Debug)]
pub struct Returned<'a, T>(pub &'a T);

/// The causes of an `Err` that is a boxed `std::error::Error` (`Box<dyn Error + Send + Sync>`,
/// what `?` makes of any error), which is no `std::error::Error` itself.
pub trait BoxedErrorCauses {
    fn causes(&self) -> Option<String>;
}

/// The impls for each `Box<dyn Error ..>` that a check may return.
macro_rules! boxed_error_causes {
    ($($error:ty),*) => {$(
        impl<T> BoxedErrorCauses for &&Returned<'_, Result<T, Box<$error>>> {
            fn causes(&self) -> Option<String> {
                let error = self.0.as_ref().err()?;
                Some(crate::outcome::with_sources(error.as_ref()))
            }
        }
    )*};
}

boxed_error_causes!(
    dyn std::error::Error + Send + Sync,
    dyn std::error::Error + Send,
    dyn std::error::Error
);

/// The causes of an `Err` whose type is a `std::error::Error`.
pub trait ErrorCauses {
    fn causes(&self) -> Option<String>;
}

impl<T, E: std::error::Error> ErrorCauses for &Returned<'_, Result<T, E>> {
    fn causes(&self) -> Option<String> {
        self.0
            .as_ref()
            .err()
            .map(|error| crate::outcome::with_sources(error))
    }
}

/// Any other returned value: its conversion says all there is.
pub trait NoCauses {
    fn causes(&self) -> Option<String> {
        None
    }
}

impl<T> NoCauses for Returned<'_, T> {}

/// A failure whose reason is the error and its causes, when there are any; else the returned
/// value, converted (only then: a failure's conversion would format and redact it for nothing).
pub fn with_causes(causes: Option<String>, convert: impl FnOnce() -> Outcome) -> Outcome {
    match causes {
        Some(reason) => Outcome::unhealthy(reason),
        None => convert(),
    }
}

/// A run that is over before it starts: a parameter is missing.
pub fn ready(outcome: Outcome) -> CheckFuture {
    Box::pin(std::future::ready(outcome))
}

/// The check fn's future, which must be `Send`: the generated call carries the fn's name's span,
/// so that rustc reports a fn whose future is not `Send` there, with the value it holds across
/// an `.await`.
pub fn send<F: Future + Send>(future: F) -> F {
    future
}

/// A run of the check fn.
pub fn boxed(run: impl Future<Output = Outcome> + Send + 'static) -> CheckFuture {
    Box::pin(run)
}
