//! The bounds of a check's durations and of the runs it keeps, one source for both crates:
//! `health-macros` applies them to the attributes' arguments at compile time, `health-runtime`
//! (which links this file into its `src/`) to the builder's (`Check::timeout`, `Check::cache`,
//! `Check::interval`, `Check::recent_runs`, `Health::default_timeout`, `Health::default_cache`,
//! `Health::recent_runs`).

use std::time::Duration;

/// The shortest duration a check may be given: tokio's timers count whole milliseconds, so a
/// shorter timeout would not be kept (`timeout = "1ns"` let a check of 200 µs pass).
pub(crate) const SHORTEST: Duration = Duration::from_millis(1);

/// The longest timeout: a probe that waits longer answers no kubelet, load balancer or operator.
pub(crate) const LONGEST_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The longest `cache` and `interval`: a result older than a day tells nothing of the service.
pub(crate) const LONGEST_PERIOD: Duration = Duration::from_secs(24 * 60 * 60);

/// The most runs a check can be asked to keep (`recent_runs`).
pub(crate) const MOST_RECENT_RUNS: usize = 1000;

/// Why `duration` cannot be the check's `key` (`timeout`, `cache` or `interval`), if it cannot.
pub(crate) fn duration_problem(key: &str, duration: Duration) -> Option<String> {
    let (longest, shown) = match key {
        "timeout" => (
            LONGEST_TIMEOUT,
            "5m: a probe that waits longer answers no one",
        ),
        _ => (
            LONGEST_PERIOD,
            "1day: an older result tells nothing of the service",
        ),
    };
    if duration < SHORTEST {
        return Some(format!(
            "`{key}` must be at least 1ms: tokio's timers count whole milliseconds"
        ));
    }
    (duration > longest).then(|| format!("`{key}` must be at most {shown}"))
}
