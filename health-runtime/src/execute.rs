//! One run of one check: started and polled once within the caller's poll (most checks finish
//! right there and need no timer), then, if it waits, bounded by its timeout. A panic in the
//! check, whether in the call or in the future, becomes a failed outcome, so that one bad check
//! can neither hang a probe nor take the server down.

use std::any::Any;
use std::future::poll_fn;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::future::CatchUnwind;
use futures_util::FutureExt;

use crate::data::DataSource;
use crate::outcome::Outcome;
use crate::redact;
use crate::registry::{Check, CheckFuture};
use crate::state::FinishedRun;

/// A run after its first poll.
pub(crate) enum FirstPoll {
    Finished(FinishedRun),
    Pending(PendingRun),
}

/// A run that did not finish on its first poll.
pub(crate) struct PendingRun {
    future: CatchUnwind<AssertUnwindSafe<CheckFuture>>,
    began_at: Instant,
}

/// Starts a run of `check` and polls it once, within the poll whose context is `cx`.
pub(crate) fn start(check: &Check, data: &DataSource, cx: &mut Context<'_>) -> FirstPoll {
    let began_at = Instant::now();
    // A check added on the builder runs user code when it is called, not only when it is polled.
    let outcome = match catch_unwind(AssertUnwindSafe(|| check.start(data))) {
        Err(payload) => panicked(&check.name, payload),
        Ok(future) => {
            let mut future = AssertUnwindSafe(future).catch_unwind();
            match future.poll_unpin(cx) {
                Poll::Ready(Ok(outcome)) => outcome,
                Poll::Ready(Err(payload)) => panicked(&check.name, payload),
                Poll::Pending => return FirstPoll::Pending(PendingRun { future, began_at }),
            }
        }
    };
    FirstPoll::Finished(FinishedRun::since(began_at, outcome))
}

impl PendingRun {
    /// Waits for the run, at most what is left of `timeout` since it began.
    pub async fn finish(self, name: &str, timeout: Duration) -> FinishedRun {
        // Saturating: any timeout is valid, `Duration::MAX` included.
        let left = timeout.saturating_sub(self.began_at.elapsed());
        let outcome = match tokio::time::timeout(left, self.future).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(payload)) => panicked(name, payload),
            Err(_) => Outcome::unhealthy(format!("timed out after {timeout:?}")),
        };
        FinishedRun::since(self.began_at, outcome)
    }
}

/// A whole run of `check`, for those who wait for it anyway: a cache refill, a background loop.
pub(crate) async fn run(check: &Check, data: &DataSource) -> FinishedRun {
    let first_poll = poll_fn(|cx| Poll::Ready(start(check, data, cx))).await;
    match first_poll {
        FirstPoll::Finished(run) => run,
        FirstPoll::Pending(pending) => pending.finish(&check.name, check.run_timeout()).await,
    }
}

/// The payload may hold anything the code had at hand, so it goes to the log, not to the body.
fn panicked(name: &str, payload: Box<dyn Any + Send>) -> Outcome {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(non-string payload)");
    let message = redact::userinfo(message);
    log::error!("health check `{name}` panicked: {message}");
    Outcome::unhealthy("panicked (the message is in the service's log)")
}
