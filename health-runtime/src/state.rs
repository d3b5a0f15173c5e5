//! What one check keeps between probes: its latest finished run, whether a run is under way,
//! whether a background loop runs it, its history, and what the log said of its failures. Declared checks keep
//! it in their static, so it is shared by every worker and a cache or single-flight holds for the
//! whole process. What each schedule does with it is told in its own file: `cached.rs`,
//! `interval.rs`.

use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::history::{History, Standing};
use crate::outcome::Outcome;
use crate::recent::RecentRuns;
use crate::transitions::CheckLog;

/// One finished run of a check.
#[derive(Debug, Clone)]
pub(crate) struct FinishedRun {
    pub outcome: Outcome,
    pub duration: Duration,
    pub finished_at: Instant,
    /// The check's standing after it.
    pub standing: Standing,
}

impl FinishedRun {
    /// A result that began at `began_at` and finishes now with `outcome`, with `standing`.
    pub(crate) fn since(began_at: Instant, outcome: Outcome, standing: Standing) -> FinishedRun {
        let finished_at = Instant::now();
        FinishedRun {
            outcome,
            duration: finished_at - began_at,
            finished_at,
            standing,
        }
    }

    /// A failed result that no run of the check made (a wait that timed out), since `began_at`.
    pub(crate) fn no_run(began_at: Instant, outcome: Outcome) -> FinishedRun {
        FinishedRun::since(began_at, outcome, Standing::UNKNOWN)
    }
}

/// The shared state of one check.
pub(crate) struct CheckState {
    slot: Mutex<Slot>,
    /// Wakes the probes that wait for a run when it ends, or when its loop or runner goes away.
    pub changed: Notify,
    /// What the log has said of the check's failures.
    pub log: CheckLog,
    /// What its runs in a row have said.
    pub history: History,
    /// Its last runs, for `?history` and the status page.
    pub recent: RecentRuns,
    /// The ready-made dependency check a run was seen to call (`checks::sqlx`).
    pub called: OnceLock<&'static str>,
}

/// What the lock of a check's state guards.
pub(crate) struct Slot {
    pub latest: Option<FinishedRun>,
    /// A probe is making a run that other probes may wait for (`cache`).
    pub running: bool,
    /// A background loop runs the check (`interval`).
    pub loop_running: bool,
}

impl CheckState {
    pub(crate) const fn new() -> CheckState {
        CheckState {
            slot: Mutex::new(Slot {
                latest: None,
                running: false,
                loop_running: false,
            }),
            changed: Notify::const_new(),
            log: CheckLog::new(),
            history: History::new(),
            recent: RecentRuns::new(),
            called: OnceLock::new(),
        }
    }

    pub(crate) fn slot(&self) -> MutexGuard<'_, Slot> {
        // The lock is never held across user code or an await, so poisoning cannot leave the
        // slot half-written.
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Slot {
    /// The latest run and its age, if it is younger than `ttl`.
    pub(crate) fn fresh(&self, ttl: Duration) -> Option<(FinishedRun, Duration)> {
        let run = self.latest.as_ref()?;
        let age = run.finished_at.elapsed();
        (age < ttl).then(|| (run.clone(), age))
    }
}
