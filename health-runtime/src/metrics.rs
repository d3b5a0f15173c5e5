//! With the `metrics` feature, every finished run of a check is recorded through the `metrics`
//! facade, so that whichever exporter the application installs serves it (Prometheus, StatsD, ...):
//!
//! | metric | kind | labels | value |
//! |---|---|---|---|
//! | `health_check_status` | gauge | `check`, `probe` | 1 after a passing run, 0 after a failing one |
//! | `health_check_duration_seconds` | histogram | `check`, `probe` | how long each run took |
//! | `health_check_runs_total` | counter | `check`, `probe`, `outcome` | runs, by outcome: `ok`, `error`, `timeout`, `panic` |
//!
//! A cached or background result is recorded once, when its run finishes, not at every probe
//! that shows it.

use metrics::SharedString;

use crate::check::{Check, Name};
use crate::probe::Probe;
use crate::state::FinishedRun;

/// Records a run of `check` that ended `how`: `ok`, `error`, `timeout` or `panic`.
pub(crate) fn record(check: &Check, run: &FinishedRun, how: &'static str) {
    // Shared, not copied: a declared check's name is static, an added one's counted.
    let name = match &check.name {
        Name::Static(name) => SharedString::const_str(name),
        Name::Shared(name) => SharedString::from(name.clone()),
    };
    let probe = check.probe.map_or("", Probe::as_str);
    let status = if run.outcome.is_healthy() { 1.0 } else { 0.0 };
    metrics::gauge!("health_check_status", "check" => name.clone(), "probe" => probe).set(status);
    metrics::histogram!("health_check_duration_seconds", "check" => name.clone(), "probe" => probe)
        .record(run.duration.as_secs_f64());
    metrics::counter!("health_check_runs_total", "check" => name, "probe" => probe, "outcome" => how)
        .increment(1);
}
