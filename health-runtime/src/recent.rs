//! Each check's recent runs: when each began, how long it took, whether it passed, warned or
//! failed, and why not, for `?history` and the status page. Every run is kept (a probe's own, a
//! cache's refill, a background loop's), never a cached answer; at most the check's
//! `recent_runs` of them, each reason as bodies show it (redacted, cut to the error limit), so
//! that memory stays bounded whatever runs.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How many runs a check keeps unless [`Check::recent_runs`](crate::Check::recent_runs) or
/// [`Health::recent_runs`](crate::Health::recent_runs) says otherwise: **10**.
pub const DEFAULT_RECENT_RUNS: usize = 10;

/// The most runs a check can be asked to keep.
pub(crate) const MOST_RECENT_RUNS: usize = 1000;

/// How a run ended, as bodies show a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunStatus {
    Passed,
    /// Failed, but flap damping held it back, or the check is not critical.
    Warned,
    Failed,
}

/// One run of a check.
#[derive(Debug, Clone)]
pub(crate) struct RecentRun {
    pub began_at: Instant,
    pub duration: Duration,
    pub status: RunStatus,
    /// Why it did not pass, as bodies show it.
    pub reason: Option<String>,
}

impl RecentRun {
    /// When it began, in milliseconds since the Unix epoch: read off the clock now, less how long
    /// ago it began (an `Instant` costs a run less than the wall clock).
    pub(crate) fn began_ms(&self, now: SystemTime) -> u64 {
        let ago = self.began_at.elapsed();
        let began = now.checked_sub(ago).unwrap_or(UNIX_EPOCH);
        let ms = began
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        u64::try_from(ms).unwrap_or(u64::MAX).max(1)
    }
}

/// A check's recent runs, oldest first. Shared by every worker, as the check's state is.
pub(crate) struct RecentRuns(Mutex<VecDeque<RecentRun>>);

impl RecentRuns {
    pub(crate) const fn new() -> RecentRuns {
        RecentRuns(Mutex::new(VecDeque::new()))
    }

    fn runs(&self) -> MutexGuard<'_, VecDeque<RecentRun>> {
        // Never held across user code: poisoning cannot leave it half-written.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps `run`, and at most `keep` runs in all: the oldest go.
    pub(crate) fn record(&self, run: RecentRun, keep: usize) {
        if keep == 0 {
            return;
        }
        let mut runs = self.runs();
        while runs.len() >= keep {
            runs.pop_front();
        }
        runs.push_back(run);
    }

    /// The runs kept, oldest first.
    pub(crate) fn list(&self) -> Vec<RecentRun> {
        self.runs().iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(status: RunStatus) -> RecentRun {
        RecentRun {
            began_at: Instant::now(),
            duration: Duration::from_millis(3),
            status,
            reason: None,
        }
    }

    #[test]
    fn at_most_the_last_runs_asked_for_are_kept_oldest_first() {
        let runs = RecentRuns::new();
        for i in 0..25 {
            let status = if i % 2 == 0 {
                RunStatus::Passed
            } else {
                RunStatus::Failed
            };
            runs.record(run(status), 10);
        }
        let kept = runs.list();
        assert_eq!(kept.len(), 10);
        // Runs 15 to 24: the first kept is odd (failed), the last even (passed).
        assert_eq!(kept[0].status, RunStatus::Failed);
        assert_eq!(kept[9].status, RunStatus::Passed);
        runs.record(run(RunStatus::Warned), 3);
        assert_eq!(runs.list().len(), 3, "a smaller count drops the oldest");
        let none = RecentRuns::new();
        none.record(run(RunStatus::Passed), 0);
        assert!(none.list().is_empty());
    }

    #[test]
    fn a_runs_start_is_read_back_on_the_wall_clock() {
        let now = SystemTime::now();
        let began = run(RunStatus::Passed).began_ms(now);
        let now_ms = now.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        assert!(
            began <= now_ms && now_ms - began < 1000,
            "{began} vs {now_ms}"
        );
    }
}
