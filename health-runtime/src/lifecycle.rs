//! The startup latch: once every critical startup check has passed, the process has started,
//! and stays started. The latch is process-wide because every actix worker builds its own
//! `Health`, while "started" is a fact about the process.

use std::sync::OnceLock;

use crate::run::CheckResult;

static STARTED: OnceLock<Vec<CheckResult>> = OnceLock::new();

/// The startup checks' results from the run that passed, once one has.
pub(crate) fn started() -> Option<&'static [CheckResult]> {
    STARTED.get().map(Vec::as_slice)
}

/// Records a passing startup run; the first one recorded is kept.
pub(crate) fn mark_started(results: Vec<CheckResult>) -> &'static [CheckResult] {
    STARTED.get_or_init(|| results)
}
