//! The startup latch: once every critical startup check has passed, the process has started, and
//! stays started. The latch is process-wide because every actix worker may build its own
//! `Health`, while "started" is a fact about the process.

use std::sync::OnceLock;

use crate::report::CheckResult;

/// Whether startup has passed, and with which results.
pub(crate) struct StartupLatch(OnceLock<Vec<CheckResult>>);

/// The latch of this process.
pub(crate) static STARTUP: StartupLatch = StartupLatch::new();

impl StartupLatch {
    pub const fn new() -> StartupLatch {
        StartupLatch(OnceLock::new())
    }

    /// The startup checks' results from the run that passed, once one has.
    pub fn passed(&self) -> Option<&[CheckResult]> {
        self.0.get().map(Vec::as_slice)
    }

    /// Records the results of a passing startup run; the first one recorded is kept.
    pub fn record_pass(&self, results: Vec<CheckResult>) -> &[CheckResult] {
        self.0.get_or_init(|| results)
    }
}
