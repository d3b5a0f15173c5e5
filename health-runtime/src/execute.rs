//! One run of one check: started and polled once within the caller's poll (most checks finish
//! right there and need no timer), then, if it waits, bounded by its timeout. A panic in the
//! check, whether in the call or in the future, becomes a failed outcome, so that one bad check
//! can neither hang a probe nor take the server down; its message goes to the log, redacted, and
//! not to stderr (`panics.rs`). Every finished run is cut to the check's limits, told to the
//! check's log (`transitions.rs`) and, with the `metrics` feature, counted (`metrics.rs`).

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::FutureExt;

use crate::check::{Check, CheckFuture};
use crate::data::DataSource;
use crate::history::Verdict;
use crate::outcome::Outcome;
use crate::panics;
use crate::probe::Probe;
use crate::recent::{DEFAULT_RECENT_RUNS, RecentRun};
use crate::report::Status;
use crate::running;
use crate::state::FinishedRun;
use crate::transitions::{Failure, Named};

/// A run after its first poll.
pub(crate) enum FirstPoll {
    Finished(FinishedRun),
    Pending(PendingRun),
}

/// A run that did not finish on its first poll.
pub(crate) struct PendingRun {
    future: InCheck,
    began_at: Instant,
}

/// How a run ended.
enum Ended {
    Returned(Outcome),
    Panicked(Box<dyn Any + Send>),
    TimedOut(Duration),
}

/// Starts a run of `check` and polls it once, within the poll whose context is `cx`. The call and
/// the first poll run under one panic guard, as most checks finish right there.
// Inlined into the probe's path, as the compiler did until the recent runs made `finished`
// larger: out of line, its call cost 33 instructions a probe (callgrind).
#[inline]
pub(crate) fn start(check: &Check, data: &DataSource<'_>, cx: &mut Context<'_>) -> FirstPoll {
    let began_at = Instant::now();
    let mut called = None;
    let first_poll = catch_unwind(AssertUnwindSafe(|| {
        let (poll, calls) = running::in_check(|| called.insert(check.start(data)).poll_unpin(cx));
        if let Some(what) = calls.dependency() {
            check.saw_call(what);
        }
        poll
    }));
    let ended = match first_poll {
        // `called` is dropped unguarded as this returns: a future that returned holds nothing
        // that could panic as it goes.
        Ok(Poll::Ready(outcome)) => Ended::Returned(outcome),
        Ok(Poll::Pending) => {
            let future = InCheck {
                future: called,
                check: Some(check.clone()),
            };
            return FirstPoll::Pending(PendingRun { future, began_at });
        }
        Err(payload) => {
            drop_panicked(called);
            Ended::Panicked(payload)
        }
    };
    FirstPoll::Finished(finished(check, began_at, ended))
}

impl PendingRun {
    /// Waits for the run, at most what is left of the check's timeout since it began.
    pub(crate) async fn finish(self, check: &Check) -> FinishedRun {
        let timeout = check.run_timeout();
        // Saturating: any timeout is valid, `Duration::MAX` included.
        let left = timeout.saturating_sub(self.began_at.elapsed());
        let ended = match tokio::time::timeout(left, self.future).await {
            Ok(Ok(outcome)) => Ended::Returned(outcome),
            Ok(Err(payload)) => Ended::Panicked(payload),
            Err(_) => Ended::TimedOut(timeout),
        };
        finished(check, self.began_at, ended)
    }
}

/// A whole run of `check`, for those who wait for it anyway: a cache refill, a background loop.
/// The check is called now, its data taken from `data`; the run holds no data source, so that
/// it can be spawned on any thread.
pub(crate) fn run(
    check: &Check,
    data: &DataSource<'_>,
) -> impl Future<Output = FinishedRun> + Send + 'static {
    let began_at = Instant::now();
    let called = call(check, data).map(|mut future| {
        future.check = Some(check.clone());
        PendingRun { future, began_at }
    });
    let check = check.clone();
    async move {
        match called {
            Ok(run) => run.finish(&check).await,
            Err(payload) => finished(&check, began_at, Ended::Panicked(payload)),
        }
    }
}

/// Calls the check with its data: a check added on the builder runs user code when it is
/// called, not only when it is polled, and a panic there is the run's.
fn call(check: &Check, data: &DataSource<'_>) -> Result<InCheck, Box<dyn Any + Send>> {
    let future = catch_unwind(AssertUnwindSafe(|| {
        running::in_check(|| check.start(data)).0
    }))?;
    Ok(InCheck {
        future: Some(future),
        check: None,
    })
}

/// The run as probes show it, within the check's limits and counted in its history; as the log
/// tells it; as metrics count it.
fn finished(check: &Check, began_at: Instant, ended: Ended) -> FinishedRun {
    #[cfg(feature = "metrics")]
    let how = ended.metric_label();
    let (mut outcome, panicked) = match ended {
        Ended::Returned(outcome) => (outcome.within(check.limits), None),
        Ended::TimedOut(timeout) => (
            Outcome::unhealthy(format!("timed out after {timeout:?}")),
            None,
        ),
        // The payload may hold anything the code had at hand: the log gets it redacted, and the
        // body only says where to look.
        Ended::Panicked(payload) => (
            Outcome::unhealthy(PANICKED),
            Some((panic_message(payload.as_ref()), panics::take_location())),
        ),
    };
    let passed = outcome.is_healthy();
    let standing = check.state.history.count(&mut outcome, check.damping);
    let run = FinishedRun::since(began_at, outcome, standing);
    let named = named(check);
    let log = &check.state.log;
    let held_back = Some(standing.verdict == Verdict::Damped);
    match (&panicked, run.outcome.error()) {
        (Some((message, at)), _) => {
            let at = at.as_deref();
            let failure = Failure::Panicked { at, message };
            log.failed(named, run.duration, failure, held_back);
        }
        // A pass that does not yet make up the check's `successes`: its failure goes on.
        (None, Some(_)) if passed => {}
        (None, Some(reason)) => {
            log.failed(named, run.duration, Failure::Failed(reason), held_back);
        }
        (None, None) => log.passed(named, run.duration),
    }
    if passed {
        log.took(named, run.duration, check.run_timeout());
    }
    let keep = check.recent_runs.unwrap_or(DEFAULT_RECENT_RUNS);
    if keep > 0 {
        let recent = recent_run(check, began_at, &run);
        check.state.recent.record(recent, keep);
    }
    #[cfg(feature = "metrics")]
    crate::metrics::record(check, &run, how);
    run
}

/// The run as the check's recent runs keep it.
fn recent_run(check: &Check, began_at: Instant, run: &FinishedRun) -> RecentRun {
    let damped = run.standing.verdict == Verdict::Damped;
    let status = Status::of(run.outcome.error().is_none(), damped, check.critical);
    RecentRun {
        began_at,
        duration: run.duration,
        status,
        reason: run.outcome.error().map(str::to_owned),
    }
}

/// The check, as its log names it.
fn named(check: &Check) -> Named<'_> {
    Named {
        check: check.name(),
        probe: check.probe.map_or("", Probe::as_str),
        groups: &check.groups,
    }
}

impl Ended {
    /// The `outcome` label of the run's metrics.
    #[cfg(feature = "metrics")]
    fn metric_label(&self) -> &'static str {
        match self {
            Ended::Returned(outcome) if outcome.is_healthy() => "ok",
            Ended::Returned(_) => "error",
            Ended::TimedOut(_) => "timeout",
            Ended::Panicked(_) => "panic",
        }
    }
}

/// What the body says of a check that panicked.
const PANICKED: &str = "panicked (the message is in the service's log)";

/// The panic's message, redacted, and cut to what a log line should carry.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a payload that is not a string)");
    panics::loggable(message)
}

/// A check's future, polled and dropped with the panic hook told that a check runs, a panic in
/// either becoming the run's. Dropping it runs the check's code too (its `Drop` impls, when it is
/// cut off at its timeout or its probe's client went away): a panic there is the check's, logged
/// as its failure, and goes no further.
struct InCheck {
    /// `None` once it has returned.
    future: Option<CheckFuture>,
    /// The check, for the log, once the run outlives its first poll.
    check: Option<Check>,
}

impl Future for InCheck {
    type Output = Result<Outcome, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let InCheck { future, check } = &mut *self;
        let Some(future) = future else {
            return Poll::Pending;
        };
        let polled = catch_unwind(AssertUnwindSafe(|| {
            let (poll, calls) = running::in_check(|| future.poll_unpin(cx));
            if let (Some(what), Some(check)) = (calls.dependency(), check) {
                check.saw_call(what);
            }
            poll
        }));
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(outcome)) => {
                // A future that returned holds nothing that could panic as it goes.
                self.future = None;
                Poll::Ready(Ok(outcome))
            }
            Err(payload) => {
                drop_panicked(self.future.take());
                Poll::Ready(Err(payload))
            }
        }
    }
}

/// A future that panicked is done for: dropped here, where a second panic of its drop is part of
/// the first, rather than logged as a failure of its own (the log gives the first's location).
fn drop_panicked(future: Option<CheckFuture>) {
    panics::keeping_location(|| {
        let _ = catch_unwind(AssertUnwindSafe(|| running::in_check(|| drop(future))));
    });
}

impl Drop for InCheck {
    fn drop(&mut self) {
        let Some(future) = self.future.take() else {
            return;
        };
        let dropped = catch_unwind(AssertUnwindSafe(|| running::in_check(|| drop(future))));
        if let (Err(payload), Some(check)) = (dropped, &self.check) {
            let message = panic_message(payload.as_ref());
            let message = format!("{message} (while its unfinished run was dropped)");
            let at = panics::take_location();
            let failure = Failure::Panicked {
                at: at.as_deref(),
                message: &message,
            };
            check
                .state
                .log
                .failed(named(check), Duration::ZERO, failure, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::pending;

    use super::*;
    use crate::check::CheckReturn;
    use crate::data::DataSource;

    /// Panics when dropped, as a check's guard might when its run is cut off.
    struct PanicsOnDrop;

    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("dropped with password=S3CR3T");
        }
    }

    fn hangs_and_panics_when_dropped() -> Check {
        Check::new("guarded", || async {
            let _guard = PanicsOnDrop;
            pending::<()>().await;
        })
        .timeout(Duration::from_millis(50))
    }

    #[tokio::test]
    async fn a_future_that_panics_as_it_is_dropped_at_its_timeout_only_times_out() {
        panics::install_hook();
        let check = hangs_and_panics_when_dropped();
        let run = run(&check, &DataSource::none()).await;
        assert_eq!(run.outcome.error(), Some("timed out after 50ms"));
    }

    /// Panics when polled, and again when dropped.
    struct PanicsTwice;

    impl Future for PanicsTwice {
        type Output = ();

        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            panic!("polled with password=S3CR3T");
        }
    }

    impl Drop for PanicsTwice {
        fn drop(&mut self) {
            panic!("dropped");
        }
    }

    #[test]
    fn a_check_that_panics_in_its_first_poll_and_as_it_is_dropped_fails_with_the_first() {
        panics::install_hook();
        let check = Check::new("twice", || PanicsTwice);
        let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
        let FirstPoll::Finished(run) = start(&check, &DataSource::none(), &mut cx) else {
            panic!("the check finished");
        };
        assert_eq!(run.outcome.error(), Some(PANICKED));
    }

    #[test]
    fn a_panic_as_a_panicked_future_is_dropped_leaves_the_first_panics_location() {
        panics::install_hook();
        let first_line = line!() + 1;
        let _ = catch_unwind(|| running::in_check(|| panic!("first")));
        drop_panicked(Some(PanicsTwice.into_check_future()));
        let at = panics::take_location().expect("a location");
        assert!(at.contains(&format!("execute.rs:{first_line}:")), "{at}");
    }

    #[test]
    fn a_run_dropped_unfinished_keeps_its_panic() {
        panics::install_hook();
        let check = hangs_and_panics_when_dropped();
        let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
        let FirstPoll::Pending(pending) = start(&check, &DataSource::none(), &mut cx) else {
            panic!("the check waits");
        };
        // As when the probe's client goes away: the panic stays in the drop.
        drop(pending);
    }
}
