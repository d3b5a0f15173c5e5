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

use crate::state::FinishedRun;
use crate::transitions::Named;

/// Records a run that ended `how`: `ok`, `error`, `timeout` or `panic`.
pub(crate) fn record(named: Named<'_>, run: &FinishedRun, how: &'static str) {
    let (check, probe) = (named.check.to_owned(), named.probe);
    let status = if run.outcome.is_healthy() { 1.0 } else { 0.0 };
    metrics::gauge!("health_check_status", "check" => check.clone(), "probe" => probe).set(status);
    metrics::histogram!("health_check_duration_seconds", "check" => check.clone(), "probe" => probe)
        .record(run.duration.as_secs_f64());
    metrics::counter!("health_check_runs_total", "check" => check, "probe" => probe, "outcome" => how)
        .increment(1);
}
