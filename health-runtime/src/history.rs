//! A check's history, as its runs in a row tell it: whether it stands passing, damped or failing,
//! since when, and how many runs in a row failed. Flap damping is decided here: with
//! `failures = N`, a check that was passing fails its probe only after N failed runs in a row
//! (until then it is damped: shown as `WARN`, its probe passing); with `successes = M`, a failed
//! check passes again only after M passing runs in a row. A check's first run decides at once:
//! a check that has never passed is not held back. Told once per run, by `execute.rs`; a check
//! that keeps passing costs one atomic load per run.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::outcome::Outcome;

/// How many runs in a row change a check's standing: `failures = N`, `successes = M`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Damping {
    pub failures: u32,
    pub successes: u32,
}

impl Damping {
    /// The first failed run fails the check; the first passing run passes it again.
    pub(crate) const NONE: Damping = Damping {
        failures: 1,
        successes: 1,
    };
}

/// Where a check stands after a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Passing,
    /// Its latest runs failed, fewer in a row than its `failures`: shown as `WARN`, its probe
    /// passing.
    Damped,
    /// It fails its probe (a non-critical check warns): its latest run failed, or it has passed
    /// fewer runs in a row since than its `successes`.
    Failing,
}

/// A check's standing after one of its runs, as bodies show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Standing {
    pub verdict: Verdict,
    /// Since when it has stood so, in milliseconds since the Unix epoch; 0 when unknown (a
    /// result that no run made: a stale background result, a wait that timed out).
    pub since_ms: u64,
    /// Failed runs in a row, up to this one: 0 after a pass, even one that does not yet make
    /// up the check's `successes`.
    pub failures: u32,
}

impl Standing {
    /// The standing of a result that no run made: it fails, since an unknown time.
    pub(crate) const UNKNOWN: Standing = Standing {
        verdict: Verdict::Failing,
        since_ms: 0,
        failures: 0,
    };

    /// Since when, in milliseconds since the Unix epoch, if known.
    pub(crate) fn since_ms(&self) -> Option<u64> {
        (self.since_ms > 0).then_some(self.since_ms)
    }
}

/// What a check's runs in a row have said so far. Shared by every worker, as its state is.
pub(crate) struct History {
    /// Whether the check stands passing: read without the lock by every passing run.
    passing: AtomicBool,
    /// `since_ms` of the passing standing.
    passing_since: AtomicU64,
    record: Mutex<Record>,
}

struct Record {
    /// `None` before the first run.
    verdict: Option<Verdict>,
    since_ms: u64,
    failures: u32,
    successes: u32,
    /// The reason of the latest failed run, for the runs that pass while the check recovers.
    last_failure: String,
}

impl History {
    pub(crate) const fn new() -> History {
        History {
            passing: AtomicBool::new(false),
            passing_since: AtomicU64::new(0),
            record: Mutex::new(Record {
                verdict: None,
                since_ms: 0,
                failures: 0,
                successes: 0,
                last_failure: String::new(),
            }),
        }
    }

    fn record(&self) -> MutexGuard<'_, Record> {
        // The lock is never held across user code, so poisoning cannot leave it half-written.
        self.record.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a run whose outcome is `outcome`, and returns the check's standing after it. The
    /// outcome becomes what bodies show: a damped failure's reason says how many of `failures`
    /// it is (`"refused (1 of 3)"`); a pass that does not yet make up `successes` fails, saying so.
    #[inline]
    pub(crate) fn count(&self, outcome: &mut Outcome, damping: Damping) -> Standing {
        if outcome.is_healthy() && self.passing.load(Ordering::Acquire) {
            return Standing {
                verdict: Verdict::Passing,
                since_ms: self.passing_since.load(Ordering::Relaxed),
                failures: 0,
            };
        }
        self.count_at(now_ms(), outcome, damping)
    }

    #[cold]
    fn count_at(&self, now_ms: u64, outcome: &mut Outcome, damping: Damping) -> Standing {
        let mut record = self.record();
        let record = &mut *record;
        let verdict = match (outcome.error(), record.verdict) {
            (None, None | Some(Verdict::Passing | Verdict::Damped)) => Verdict::Passing,
            (None, Some(Verdict::Failing)) => {
                // Failing still, until it makes up `successes`, but with no failure in a row.
                record.failures = 0;
                record.successes += 1;
                if record.successes >= damping.successes {
                    Verdict::Passing
                } else {
                    *outcome = Outcome::unhealthy(format!(
                        "passed {} of the {} runs in a row it needs to pass again; it failed: {}",
                        record.successes, damping.successes, record.last_failure
                    ));
                    Verdict::Failing
                }
            }
            (Some(reason), before) => {
                record.failures = record.failures.saturating_add(1);
                record.successes = 0;
                record.last_failure.clear();
                record.last_failure.push_str(reason);
                let held_back = matches!(before, Some(Verdict::Passing | Verdict::Damped))
                    && record.failures < damping.failures;
                if held_back {
                    let note = format!(" ({} of {})", record.failures, damping.failures);
                    outcome.note(&note);
                    Verdict::Damped
                } else {
                    Verdict::Failing
                }
            }
        };
        if verdict == Verdict::Passing {
            record.failures = 0;
            record.successes = 0;
        }
        if record.verdict != Some(verdict) {
            record.verdict = Some(verdict);
            record.since_ms = now_ms;
        }
        if verdict == Verdict::Passing {
            self.passing_since.store(record.since_ms, Ordering::Relaxed);
        }
        self.passing
            .store(verdict == Verdict::Passing, Ordering::Release);
        Standing {
            verdict,
            since_ms: record.since_ms,
            failures: record.failures,
        }
    }
}

fn now_ms() -> u64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    // At least 1: 0 means "unknown".
    u64::try_from(since_epoch.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts runs at times 1, 2, 3, ... (ms): each run's verdict, failures and since.
    fn counted(damping: Damping, runs: &[Result<(), &str>]) -> Vec<(Outcome, Standing)> {
        let history = History::new();
        runs.iter()
            .zip(1..)
            .map(|(run, at)| {
                let mut outcome = match run {
                    Ok(()) => Outcome::healthy(),
                    Err(reason) => Outcome::unhealthy(reason),
                };
                let standing = history.count_at(at, &mut outcome, damping);
                (outcome, standing)
            })
            .collect()
    }

    fn standing(verdict: Verdict, since_ms: u64, failures: u32) -> Standing {
        Standing {
            verdict,
            since_ms,
            failures,
        }
    }

    #[test]
    fn without_damping_each_run_decides() {
        let runs = counted(
            Damping::NONE,
            &[Ok(()), Ok(()), Err("refused"), Err("refused"), Ok(())],
        );
        let standings: Vec<Standing> = runs.iter().map(|(_, standing)| *standing).collect();
        use Verdict::*;
        assert_eq!(
            standings,
            [
                standing(Passing, 1, 0),
                standing(Passing, 1, 0),
                standing(Failing, 3, 1),
                standing(Failing, 3, 2),
                standing(Passing, 5, 0),
            ]
        );
        assert_eq!(runs[3].0.error(), Some("refused"));
    }

    #[test]
    fn failures_are_held_back_until_n_in_a_row() {
        let damping = Damping {
            failures: 3,
            successes: 1,
        };
        let runs = counted(
            damping,
            &[
                Ok(()),
                Err("refused"),
                Err("timed out"),
                Ok(()),
                Err("a"),
                Err("b"),
                Err("c"),
            ],
        );
        use Verdict::*;
        let reasons: Vec<Option<&str>> = runs.iter().map(|(o, _)| o.error()).collect();
        assert_eq!(
            reasons,
            [
                None,
                Some("refused (1 of 3)"),
                Some("timed out (2 of 3)"),
                None,
                Some("a (1 of 3)"),
                Some("b (2 of 3)"),
                Some("c"),
            ]
        );
        let standings: Vec<Standing> = runs.iter().map(|(_, standing)| *standing).collect();
        assert_eq!(
            standings,
            [
                standing(Passing, 1, 0),
                standing(Damped, 2, 1),
                standing(Damped, 2, 2),
                standing(Passing, 4, 0),
                standing(Damped, 5, 1),
                standing(Damped, 5, 2),
                standing(Failing, 7, 3),
            ]
        );
    }

    #[test]
    fn a_check_that_never_passed_is_not_held_back() {
        let damping = Damping {
            failures: 3,
            successes: 1,
        };
        let runs = counted(damping, &[Err("refused")]);
        assert_eq!(runs[0].1, standing(Verdict::Failing, 1, 1));
        assert_eq!(runs[0].0.error(), Some("refused"));
    }

    #[test]
    fn a_failed_check_passes_again_after_m_passing_runs_in_a_row() {
        let damping = Damping {
            failures: 1,
            successes: 2,
        };
        let runs = counted(
            damping,
            &[Err("refused"), Ok(()), Err("again"), Ok(()), Ok(())],
        );
        use Verdict::*;
        let standings: Vec<Standing> = runs.iter().map(|(_, standing)| *standing).collect();
        assert_eq!(
            standings,
            [
                standing(Failing, 1, 1),
                standing(Failing, 1, 0),
                standing(Failing, 1, 1),
                standing(Failing, 1, 0),
                standing(Passing, 5, 0),
            ]
        );
        assert_eq!(
            runs[1].0.error(),
            Some("passed 1 of the 2 runs in a row it needs to pass again; it failed: refused")
        );
        assert_eq!(
            runs[3].0.error(),
            Some("passed 1 of the 2 runs in a row it needs to pass again; it failed: again")
        );
    }

    #[test]
    fn a_passing_check_is_counted_without_the_lock() {
        let history = History::new();
        let mut outcome = Outcome::healthy();
        let first = history.count(&mut outcome, Damping::NONE);
        assert!(history.passing.load(Ordering::Relaxed));
        let second = history.count(&mut outcome, Damping::NONE);
        assert_eq!(first, second);
        assert!(first.since_ms().is_some());
    }
}
