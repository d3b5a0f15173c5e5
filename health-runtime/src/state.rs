//! What one check keeps between probes: its latest finished run, whether a run is under way,
//! whether a background loop runs it, and what the log said of its failures. Declared checks keep
//! it in their static, so it is shared by every actix worker and a cache or single-flight holds for
//! the whole process.

use std::ops::Deref;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::sync::futures::Notified;

use crate::outcome::Outcome;
use crate::transitions::CheckLog;

/// One finished run of a check.
#[derive(Debug, Clone)]
pub(crate) struct FinishedRun {
    pub outcome: Outcome,
    pub duration: Duration,
    pub finished_at: Instant,
}

impl FinishedRun {
    /// A run that began at `began_at` and finishes now with `outcome`.
    pub fn since(began_at: Instant, outcome: Outcome) -> FinishedRun {
        let finished_at = Instant::now();
        FinishedRun {
            outcome,
            duration: finished_at - began_at,
            finished_at,
        }
    }
}

/// The shared state of one check.
pub(crate) struct CheckState {
    slot: Mutex<Slot>,
    /// Wakes the probes that wait for a run when it ends, or when its loop or runner goes away.
    changed: Notify,
    /// What the log has said of the check's failures.
    pub log: CheckLog,
}

struct Slot {
    latest: Option<FinishedRun>,
    /// A probe is making a run that other probes may wait for (`cache`).
    running: bool,
    /// A background loop runs the check (`interval`).
    loop_running: bool,
}

impl CheckState {
    pub const fn new() -> CheckState {
        CheckState {
            slot: Mutex::new(Slot {
                latest: None,
                running: false,
                loop_running: false,
            }),
            changed: Notify::const_new(),
            log: CheckLog::new(),
        }
    }

    fn slot(&self) -> MutexGuard<'_, Slot> {
        // The lock is never held across user code or an await, so poisoning cannot leave the
        // slot half-written.
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The latest run and its age, if it is younger than `ttl`: how most cached probes are
    /// answered.
    pub fn fresh(&self, ttl: Duration) -> Option<(FinishedRun, Duration)> {
        self.slot().fresh(ttl)
    }

    /// What a probe that wants a run younger than `ttl` is to do: take the latest run, wait for
    /// the run another probe started, or start one (single-flight, whichever actix worker the
    /// probes are on). `state` is the check's state, held by the run it starts.
    pub fn refill<S: Deref<Target = CheckState> + Clone>(
        state: &S,
        ttl: Duration,
    ) -> Refill<'_, S> {
        let mut slot = state.slot();
        // Checked under the same lock as `running`: a run that ends in between must not be
        // followed by a second one.
        if let Some((run, age)) = slot.fresh(ttl) {
            return Refill::Fresh(run, age);
        }
        if slot.running {
            // Created under the lock, so the end of the run under way cannot be missed.
            return Refill::Wait(state.changed.notified());
        }
        slot.running = true;
        Refill::Start(Refilling(state.clone()))
    }

    /// Marks the check as run by a background loop; `false` if a loop runs it already.
    pub fn claim_loop(&self) -> bool {
        !std::mem::replace(&mut self.slot().loop_running, true)
    }

    /// Marks the loop as gone, and wakes the probes waiting for its first run.
    pub fn release_loop(&self) {
        self.slot().loop_running = false;
        self.changed.notify_waiters();
    }

    /// The latest run, if a loop runs the check and has made one.
    pub fn loop_result(&self) -> Option<FinishedRun> {
        let slot = self.slot();
        slot.loop_running.then(|| slot.latest.clone()).flatten()
    }

    /// The latest run, waiting for a first one if there is none yet; `None` if the loop stopped
    /// before making one.
    pub async fn first_loop_result(&self) -> Option<FinishedRun> {
        loop {
            let changed = {
                let slot = self.slot();
                if let Some(run) = &slot.latest {
                    return Some(run.clone());
                }
                if !slot.loop_running {
                    return None;
                }
                self.changed.notified()
            };
            changed.await;
        }
    }

    /// Records a run of the background loop.
    pub fn record(&self, run: FinishedRun) {
        self.slot().latest = Some(run);
        self.changed.notify_waiters();
    }
}

impl Slot {
    fn fresh(&self, ttl: Duration) -> Option<(FinishedRun, Duration)> {
        let run = self.latest.as_ref()?;
        let age = run.finished_at.elapsed();
        (age < ttl).then(|| (run.clone(), age))
    }
}

/// What a probe that wants a fresh run is to do; see [`CheckState::refill`].
pub(crate) enum Refill<'a, S: Deref<Target = CheckState>> {
    /// The latest run, and its age.
    Fresh(FinishedRun, Duration),
    /// Wait for the run under way to end, then look again.
    Wait(Notified<'a>),
    /// Start a run, and hand it to `Refilling::finish`.
    Start(Refilling<S>),
}

/// The run under way. It is recorded by `finish`; if it goes away unfinished (its task was
/// dropped with its worker), a waiting probe starts another instead of waiting forever.
pub(crate) struct Refilling<S: Deref<Target = CheckState>>(S);

impl<S: Deref<Target = CheckState>> Refilling<S> {
    pub fn finish(self, run: FinishedRun) {
        self.0.slot().latest = Some(run);
        // Drop clears `running` and wakes the waiters.
    }
}

impl<S: Deref<Target = CheckState>> Drop for Refilling<S> {
    fn drop(&mut self) {
        self.0.slot().running = false;
        self.0.changed.notify_waiters();
    }
}
