//! The life of a `Health` around its checks: the startup latch (once every critical startup check
//! has passed, the service has started, and stays started), the availability switches that hold a
//! probe back whatever its checks say (traffic refused, liveness broken), the requests in flight,
//! the drain on shutdown, and what the log said of each probe. They belong to the `Health` that was built and are shared by its
//! clones, so that two `Health` values in one process (two tests of one binary) do not see each
//! other's drain; a service builds one `Health` before its server and clones it into each worker.

use std::borrow::Cow;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::sync::futures::Notified;

use crate::outcome::{Limits, Outcome};
use crate::probe::Probe;
use crate::redact;
use crate::report::CheckResult;
use crate::transitions::ProbeLog;

/// What a `Health` drives beyond its checks, shared by its clones, the servers they are on and
/// the handles they give out.
#[derive(Default)]
pub(crate) struct Lifecycle {
    pub startup: StartupLatch,
    pub switches: Switches,
    pub in_flight: RequestsInFlight,
    /// What the log said of each probe's whole answers, by `Probe::index`.
    pub probe_logs: [ProbeLog; 3],
}

impl Lifecycle {
    /// The lifecycle of a new `Health`. It is leaked (a few hundred bytes, once per
    /// `Health::default()`), so that probes on every worker read it through a plain reference:
    /// a reference count would be a cache line that every worker writes on every probe.
    pub(crate) fn leaked() -> &'static Lifecycle {
        Box::leak(Box::default())
    }
}

impl fmt::Debug for Lifecycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lifecycle")
            .field("started", &self.startup.passed().is_some())
            .field("draining", &self.switches.is_draining())
            .field("in_flight", &self.in_flight.count.load(Ordering::Relaxed))
            .finish()
    }
}

/// Whether startup has passed, and with which results.
#[derive(Default)]
pub(crate) struct StartupLatch(OnceLock<Vec<CheckResult>>);

impl StartupLatch {
    /// The startup checks' results from the run that passed, once one has.
    pub(crate) fn passed(&self) -> Option<&[CheckResult]> {
        self.0.get().map(Vec::as_slice)
    }

    /// Records the results of a passing startup run; the first one recorded is kept.
    pub(crate) fn record_pass(&self, results: Vec<CheckResult>) -> &[CheckResult] {
        self.0.get_or_init(|| results)
    }
}

/// What holds readiness or liveness back, whatever the checks say.
#[derive(Default)]
pub(crate) struct Switches {
    /// Whether any switch is set: the one thing a probe reads while none is.
    any: AtomicBool,
    state: Mutex<SwitchState>,
    /// Wakes those who watch probes (`feed.rs`) at each change.
    changed: Notify,
}

#[derive(Default)]
struct SwitchState {
    draining: bool,
    /// The drain is over: the servers stop.
    stopped: bool,
    refusing: Option<String>,
    broken: Option<String>,
}

/// What a readiness probe says while the process drains.
pub(crate) const SHUTTING_DOWN: &str = "shutting down";

impl Switches {
    fn state(&self) -> MutexGuard<'_, SwitchState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the switches, and whether a probe needs to look at them.
    fn set(&self, change: impl FnOnce(&mut SwitchState)) {
        let mut state = self.state();
        change(&mut state);
        let any = state.draining || state.refusing.is_some() || state.broken.is_some();
        self.any.store(any, Ordering::Release);
        drop(state);
        self.changed.notify_waiters();
    }

    /// Resolves at the next change of a switch: made before what it guards is read, so that a
    /// change in between is not missed.
    pub(crate) fn changed(&self) -> Pin<Box<Notified<'_>>> {
        let mut changed = Box::pin(self.changed.notified());
        changed.as_mut().enable();
        changed
    }

    /// Why `probe` fails whatever its checks say, if it does. Inlined, as every probe asks: the
    /// call cost more than the load (23 instructions per probe, counted by callgrind).
    #[inline]
    pub(crate) fn holding(&self, probe: Probe) -> Option<Cow<'static, str>> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        self.held(probe)
    }

    fn held(&self, probe: Probe) -> Option<Cow<'static, str>> {
        let state = self.state();
        match probe {
            Probe::Readiness if state.draining => Some(Cow::Borrowed(SHUTTING_DOWN)),
            Probe::Readiness => state.refusing.clone().map(Cow::Owned),
            Probe::Liveness => state.broken.clone().map(Cow::Owned),
            Probe::Startup => None,
        }
    }

    /// Starts the drain; `true` the first time only (every server's shutdown future calls it).
    pub(crate) fn start_draining(&self) -> bool {
        let mut first = false;
        self.set(|state| first = !std::mem::replace(&mut state.draining, true));
        first
    }

    pub(crate) fn refuse_traffic(&self, reason: String) {
        self.set(|state| state.refusing = Some(reason));
    }

    pub(crate) fn accept_traffic(&self) {
        self.set(|state| state.refusing = None);
    }

    pub(crate) fn break_liveness(&self, reason: String) {
        self.set(|state| state.broken = Some(reason));
    }

    pub(crate) fn restore_liveness(&self) {
        self.set(|state| state.broken = None);
    }

    pub(crate) fn is_draining(&self) -> bool {
        self.any.load(Ordering::Acquire) && self.state().draining
    }

    /// Marks the drain as over: the servers stop, and so do the watches of probes.
    pub(crate) fn stop(&self) {
        self.set(|state| state.stopped = true);
    }

    /// Resolves once the drain is over.
    pub(crate) async fn stopped(&self) {
        loop {
            let changed = self.changed();
            if self.state().stopped {
                return;
            }
            changed.await;
        }
    }
}

/// A handle on a service's availability, from [`Health::availability`]: it takes a pod out of
/// its Service's endpoints (maintenance, a cache warming again, a leader stepping down) or has it
/// restarted (the app knows it is wedged), whatever the checks say. A switch takes effect on the
/// very next probe, whatever the checks' caches and intervals, and shows in the bodies like a
/// check named `availability` does: `{"name":"availability","status":"FAIL","error":"..."}`,
/// `[-]availability failed: ...`. The switches are those of the `Health` the handle came from,
/// shared by its clones (on every worker and server it is on) and their handles; another `Health`
/// built in the process has its own. They do not touch `/<path>/<name>` paths, which ask about
/// one check.
///
/// ```
/// use health_runtime::Health;
///
/// let availability = Health::default().availability();
/// availability.refuse_traffic("maintenance: reindexing");
/// // ... readiness answers 503 with that reason, liveness is untouched ...
/// availability.accept_traffic();
/// ```
///
/// [`Health::availability`]: crate::Health::availability
#[derive(Debug, Clone, Copy)]
pub struct Availability(pub(crate) &'static Lifecycle);

impl Availability {
    /// Readiness fails with `reason` until [`accept_traffic`](Self::accept_traffic); liveness
    /// is untouched. The reason is redacted and cut as a check's is (512 bytes).
    pub fn refuse_traffic(&self, reason: impl Into<String>) {
        let reason = shown(reason.into());
        tracing::warn!(probe = "readiness", %reason, "refusing traffic: {reason}");
        self.0.switches.refuse_traffic(reason);
    }

    /// Readiness answers from its checks again (unless the process is shutting down).
    pub fn accept_traffic(&self) {
        tracing::info!(probe = "readiness", "accepting traffic again");
        self.0.switches.accept_traffic();
    }

    /// Liveness fails with `reason` until [`restore_liveness`](Self::restore_liveness), so that
    /// Kubernetes restarts the container; readiness is untouched. The reason is redacted and cut
    /// as a check's is (512 bytes).
    pub fn break_liveness(&self, reason: impl Into<String>) {
        let reason = shown(reason.into());
        tracing::warn!(probe = "liveness", %reason, "liveness broken: {reason}");
        self.0.switches.break_liveness(reason);
    }

    /// Liveness answers from its checks again.
    pub fn restore_liveness(&self) {
        tracing::info!(probe = "liveness", "liveness restored");
        self.0.switches.restore_liveness();
    }

    /// Whether the service is shutting down: a shutdown signal came, and readiness fails for good.
    pub fn is_shutting_down(&self) -> bool {
        self.0.switches.is_draining()
    }
}

/// The requests in flight in the apps that count them ([`Health::in_flight`]).
///
/// [`Health::in_flight`]: crate::Health::in_flight
#[derive(Default)]
pub(crate) struct RequestsInFlight {
    count: AtomicUsize,
    /// Wakes the drain when the count falls to 0.
    idle: Notify,
}

impl RequestsInFlight {
    /// Counts a request until the guard is dropped.
    pub(crate) fn begin(&'static self) -> InFlightGuard {
        self.count.fetch_add(1, Ordering::AcqRel);
        InFlightGuard(self)
    }

    /// Resolves once no counted request is in flight.
    async fn until_idle(&self) {
        loop {
            // Made before the count is read, so that the last request's end cannot be missed.
            let idle = self.idle.notified();
            if self.count.load(Ordering::Acquire) == 0 {
                return;
            }
            idle.await;
        }
    }
}

/// A request in flight; dropped when it is done.
pub(crate) struct InFlightGuard(&'static RequestsInFlight);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// How long the drain waits, at most, for the requests in flight once its delay is over: actix's
/// stopping workers look at their connections once a second, so waiting longer saves nothing.
pub(crate) const SETTLE: Duration = Duration::from_secs(1);

/// A switch's reason as bodies and the log show it: redacted, and cut as a check's reason is.
fn shown(reason: String) -> String {
    // Escaped first, so that the cut bounds what is shown.
    let reason = redact::printable(&reason).into_owned();
    let outcome = Outcome::unhealthy(reason).within(Limits::DEFAULT);
    outcome.error().unwrap_or_default().to_owned()
}

/// The future for actix's `HttpServer::shutdown_signal`: on SIGTERM or SIGINT, readiness fails at
/// once while the app keeps serving for `delay`, so that load balancers take the pod out before
/// it stops accepting; then it waits for the requests in flight that apps count, at most
/// [`SETTLE`]. A second signal ends it at once.
pub(crate) async fn shutdown_signal(lifecycle: &'static Lifecycle, delay: Duration) {
    let mut signals = signals::Signals::new();
    signals.next().await;
    // Told once, however many servers await a future of their own.
    if lifecycle.switches.start_draining() {
        tracing::info!(
            probe = "readiness",
            ?delay,
            "shutting down: readiness fails; serving on for {delay:?} before stopping \
             (a second signal stops at once)"
        );
    }
    let delay = tokio::time::sleep(delay);
    let stop_now = tokio::select! {
        () = delay => false,
        () = signals.next() => true,
    };
    if stop_now {
        tracing::info!("a second signal: stopping now");
    } else {
        // Stopped with a request in flight, an actix worker waits for its next look, a second
        // later.
        tokio::select! {
            () = lifecycle.in_flight.until_idle() => {}
            () = tokio::time::sleep(SETTLE) => {}
            () = signals.next() => {}
        }
    }
    // Open watches end, so that they hold no server's graceful stop.
    lifecycle.switches.stop();
}

/// SIGTERM and SIGINT (Ctrl-C), as one stream.
mod signals {
    #[cfg(unix)]
    pub(super) struct Signals(Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>);

    #[cfg(unix)]
    impl Signals {
        pub(super) fn new() -> Signals {
            use tokio::signal::unix::{SignalKind, signal};
            match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) {
                (Ok(terminate), Ok(interrupt)) => Signals(Some((terminate, interrupt))),
                (Err(error), _) | (_, Err(error)) => {
                    tracing::error!("cannot listen to SIGTERM and SIGINT ({error}); Ctrl-C only");
                    Signals(None)
                }
            }
        }

        pub(super) async fn next(&mut self) {
            match &mut self.0 {
                Some((terminate, interrupt)) => {
                    tokio::select! {
                        _ = terminate.recv() => {}
                        _ = interrupt.recv() => {}
                    }
                }
                None => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }

    #[cfg(not(unix))]
    pub struct Signals;

    #[cfg(not(unix))]
    impl Signals {
        pub fn new() -> Signals {
            Signals
        }

        pub async fn next(&mut self) {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn a_switchs_reason_is_redacted_cut_and_on_one_line() {
        assert_eq!(
            shown("failover postgres://app:S3CR3T@replica\nnext".into()),
            "failover postgres://***@replica\\nnext"
        );
        let long = shown("x".repeat(1 << 20));
        assert!(long.len() <= 512, "{}", long.len());
        assert!(shown("\n".repeat(1000)).len() <= 512);
        assert!(long.ends_with("… (cut: 1048576 bytes in all)"), "{long}");
    }
}
