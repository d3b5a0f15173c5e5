//! The state one check keeps between probes: its latest result, and whether a run is under way.
//! It is shared by every actix worker (declared checks keep it in their static), so that a cache
//! and single-flight hold for the whole process.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::outcome::Outcome;

/// One finished run of a check.
#[derive(Debug, Clone)]
pub(crate) struct Ran {
    pub outcome: Outcome,
    pub duration: Duration,
    pub finished: Instant,
}

/// What a probe gets: the run, and its age if it was not made for this probe.
pub(crate) struct Latest {
    pub ran: Ran,
    pub age: Option<Duration>,
}

/// Shared state of one check. Generated code builds it in a `static`; it is not meant to be
/// used by hand.
#[doc(hidden)]
pub struct CheckState {
    slot: Mutex<Slot>,
    /// Wakes the probes waiting for a run when it ends (or is abandoned).
    finished: Notify,
}

struct Slot {
    latest: Option<Ran>,
    running: bool,
    background: bool,
}

impl CheckState {
    pub const fn new() -> CheckState {
        CheckState {
            slot: Mutex::new(Slot {
                latest: None,
                running: false,
                background: false,
            }),
            finished: Notify::const_new(),
        }
    }

    fn slot(&self) -> MutexGuard<'_, Slot> {
        // The lock is never held across user code or an await, so poisoning cannot leave the
        // slot half-written.
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A result no older than `ttl`, if there is one: how most cached probes are answered.
    pub(crate) fn fresh(&self, ttl: Duration) -> Option<Latest> {
        self.slot().fresh(ttl)
    }

    /// A result no older than `ttl`, or a new run: concurrent callers that find none share one
    /// run (single-flight), whichever actix worker they are on.
    pub(crate) async fn cached<F>(&self, ttl: Duration, run: impl FnOnce() -> F) -> Latest
    where
        F: std::future::Future<Output = Ran>,
    {
        loop {
            let finished = {
                let mut slot = self.slot();
                // Checked under the same lock as `running`: a run that ends in between must not
                // be followed by a second one.
                if let Some(latest) = slot.fresh(ttl) {
                    return latest;
                }
                if !slot.running {
                    slot.running = true;
                    break;
                }
                // Created under the lock, so the end of the run under way cannot be missed.
                self.finished.notified()
            };
            finished.await;
        }
        let running = Running(self);
        let ran = run().await;
        running.store(ran.clone());
        Latest { ran, age: None }
    }

    /// Marks the background loop as started; `false` if it already was.
    pub(crate) fn start_background(&self) -> bool {
        !std::mem::replace(&mut self.slot().background, true)
    }

    /// The latest run, once the background loop has been started and has made one.
    pub(crate) fn latest_in_background(&self) -> Option<Ran> {
        let slot = self.slot();
        slot.background.then(|| slot.latest.clone()).flatten()
    }

    /// Records a background run.
    pub(crate) fn store(&self, ran: Ran) {
        self.slot().latest = Some(ran);
        self.finished.notify_waiters();
    }

    /// Marks the background loop as gone, and wakes the probes waiting for its first run.
    pub(crate) fn stop_background(&self) {
        self.slot().background = false;
        self.finished.notify_waiters();
    }

    /// The latest run, waiting for the first one if there is none yet; `None` if the background
    /// loop stopped before making one.
    pub(crate) async fn latest(&self) -> Option<Ran> {
        loop {
            let finished = {
                let slot = self.slot();
                if let Some(ran) = &slot.latest {
                    return Some(ran.clone());
                }
                if !slot.background {
                    return None;
                }
                self.finished.notified()
            };
            finished.await;
        }
    }
}

impl Slot {
    fn fresh(&self, ttl: Duration) -> Option<Latest> {
        let ran = self.latest.as_ref()?;
        let age = ran.finished.elapsed();
        (age < ttl).then(|| Latest {
            ran: ran.clone(),
            age: Some(age),
        })
    }
}

impl Default for CheckState {
    fn default() -> CheckState {
        CheckState::new()
    }
}

/// The run under way. If the probe that runs it goes away (its client hung up), the run is
/// abandoned and a waiting probe takes over instead of waiting forever.
struct Running<'a>(&'a CheckState);

impl Running<'_> {
    fn store(self, ran: Ran) {
        self.0.slot().latest = Some(ran);
        // Drop clears `running` and wakes the waiters.
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.slot().running = false;
        self.0.finished.notify_waiters();
    }
}
