//! One run of one check: started and polled once within the caller's poll (most checks finish
//! right there and need no timer), then, if it waits, bounded by its timeout. A panic in the
//! check, whether in the call or in the future, becomes a failed outcome, so that one bad check
//! can neither hang a probe nor take the server down; its message goes to the log, redacted, and
//! not to stderr (`panics.rs`). Every finished run is cut to the check's limits, told to the
//! check's log (`transitions.rs`) and, with the `metrics` feature, counted (`metrics.rs`).

use std::any::Any;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use futures_util::future::CatchUnwind;

use crate::data::DataSource;
use crate::outcome::Outcome;
use crate::panics;
use crate::redact;
use crate::registry::{Check, CheckFuture, Probe};
use crate::state::FinishedRun;
use crate::transitions::{Failure, Named};

/// A run after its first poll.
pub(crate) enum FirstPoll {
    Finished(FinishedRun),
    Pending(PendingRun),
}

/// A run that did not finish on its first poll.
pub(crate) struct PendingRun {
    future: CatchUnwind<AssertUnwindSafe<InCheck>>,
    began_at: Instant,
}

/// How a run ended.
enum Ended {
    Returned(Outcome),
    Panicked(Box<dyn Any + Send>),
    TimedOut(Duration),
}

/// Starts a run of `check` and polls it once, within the poll whose context is `cx`.
pub(crate) fn start(check: &Check, data: &DataSource, cx: &mut Context<'_>) -> FirstPoll {
    let began_at = Instant::now();
    // A check added on the builder runs user code when it is called, not only when it is polled.
    let started = catch_unwind(AssertUnwindSafe(|| panics::in_check(|| check.start(data))));
    let ended = match started {
        Err(payload) => Ended::Panicked(payload),
        Ok(future) => {
            let mut future = AssertUnwindSafe(InCheck(future)).catch_unwind();
            match future.poll_unpin(cx) {
                Poll::Ready(Ok(outcome)) => Ended::Returned(outcome),
                Poll::Ready(Err(payload)) => Ended::Panicked(payload),
                Poll::Pending => return FirstPoll::Pending(PendingRun { future, began_at }),
            }
        }
    };
    FirstPoll::Finished(finished(check, began_at, ended))
}

impl PendingRun {
    /// Waits for the run, at most what is left of the check's timeout since it began.
    pub async fn finish(self, check: &Check) -> FinishedRun {
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
pub(crate) async fn run(check: &Check, data: &DataSource) -> FinishedRun {
    let first_poll = poll_fn(|cx| Poll::Ready(start(check, data, cx))).await;
    match first_poll {
        FirstPoll::Finished(run) => run,
        FirstPoll::Pending(pending) => pending.finish(check).await,
    }
}

/// The run as probes show it, within the check's limits; as the log tells it; as metrics count it.
fn finished(check: &Check, began_at: Instant, ended: Ended) -> FinishedRun {
    #[cfg(feature = "metrics")]
    let how = ended.metric_label();
    let (outcome, panicked) = match ended {
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
    let run = FinishedRun::since(began_at, outcome);
    let named = Named {
        check: check.name(),
        probe: check.probe.map_or("", Probe::as_str),
    };
    let log = &check.state.log;
    match (&panicked, run.outcome.error()) {
        (Some((message, at)), _) => {
            let at = at.as_deref();
            log.failed(named, run.duration, Failure::Panicked { at, message });
        }
        (None, Some(reason)) => log.failed(named, run.duration, Failure::Failed(reason)),
        (None, None) => log.passed(named, run.duration),
    }
    log.took(named, run.duration, check.run_timeout());
    #[cfg(feature = "metrics")]
    crate::metrics::record(check, &run, how);
    run
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

/// The panic's message, redacted.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a payload that is not a string)");
    redact::secrets(message).into_owned()
}

/// A check's future, polled with the panic hook told that a check runs.
struct InCheck(CheckFuture);

impl Future for InCheck {
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        panics::in_check(|| self.0.poll_unpin(cx))
    }
}
