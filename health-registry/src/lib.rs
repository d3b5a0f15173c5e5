//! The link-time list of health checks that every version of `health-runtime` shares. Each
//! `#[liveness]`, `#[readiness]` or `#[startup]` attribute adds one entry to [`CHECKS`]; each
//! runtime serves the entries of its own version (found by downcasting [`Registration::as_any`]
//! to its own type) and tells of the others. Frozen: the trait gains no required method, and the
//! crate stays 1.x, so that two versions of the runtime in one program meet in one list.

#![no_std]
#![forbid(unsafe_code)]

use core::any::Any;

#[doc(hidden)]
pub use linkme;

/// One declared check, as any version of the runtime registers it.
pub trait Registration: Sync {
    /// The version of `health-runtime` that declared it: `"0.1.0"`.
    fn runtime_version(&self) -> &'static str;

    /// Its probe: `"liveness"`, `"readiness"` or `"startup"`.
    fn probe(&self) -> &'static str;

    /// Its name, as bodies show it.
    fn name(&self) -> &'static str;

    /// The path of the fn that declared it: `my_app::db`.
    fn function(&self) -> &'static str;

    /// The registration as its runtime's own type, which that runtime downcasts it to.
    fn as_any(&self) -> &dyn Any;
}

/// Every check declared in the program, by any version of the runtime.
#[linkme::distributed_slice]
pub static CHECKS: [&'static dyn Registration];
