//! Runs the checks of one probe: all at once, each under its timeout, each isolated from panics,
//! so that one bad check can neither hang the probe nor take the server down. A check with a
//! `cache` answers from a fresh enough result; one with an `interval` from its background loop.

use std::any::Any;
use std::borrow::Cow;
use std::future::poll_fn;
use std::panic::AssertUnwindSafe;
use std::task::Poll;
use std::time::{Duration, Instant};

use actix_web::rt::time;
use actix_web::HttpRequest;
use futures_util::future::join_all;
use futures_util::FutureExt;

use crate::background;
use crate::outcome::Outcome;
use crate::redact;
use crate::registry::Check;
use crate::state::{Latest, Ran};

/// One check's result within a report.
#[derive(Debug, Clone)]
pub(crate) struct CheckResult {
    pub name: Cow<'static, str>,
    pub critical: bool,
    pub outcome: Outcome,
    pub duration: Duration,
    /// How old the result is, when it was not produced for this probe.
    pub age: Option<Duration>,
}

/// What applies to checks that do not say otherwise.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Defaults {
    pub timeout: Duration,
    pub cache: Option<Duration>,
}

/// Runs `checks` concurrently; the time taken is that of the slowest, bounded by its timeout.
pub(crate) async fn run_all<'a>(
    checks: impl Iterator<Item = &'a Check>,
    request: &HttpRequest,
    defaults: Defaults,
) -> Vec<CheckResult> {
    let mut checks = checks.peekable();
    let Some(first) = checks.next() else {
        return Vec::new();
    };
    // The common probe of one check needs no joining.
    if checks.peek().is_none() {
        return vec![run_one(first, request, defaults).await];
    }
    let all = std::iter::once(first).chain(checks);
    join_all(all.map(|check| run_one(check, request, defaults))).await
}

async fn run_one(check: &Check, request: &HttpRequest, defaults: Defaults) -> CheckResult {
    let timeout = check.timeout.unwrap_or(defaults.timeout);
    // Where they may wait, these are boxed: they would make the future of every probe bigger.
    let Latest { ran, age } = if let Some(period) = check.interval {
        Box::pin(background::latest(check, request, timeout, period)).await
    } else if let Some(ttl) = check.cache.or(defaults.cache) {
        match check.state.fresh(ttl) {
            Some(latest) => latest,
            None => Box::pin(check.state.cached(ttl, || execute(check, request, timeout))).await,
        }
    } else {
        Latest {
            ran: execute(check, request, timeout).await,
            age: None,
        }
    };
    CheckResult {
        name: check.name.clone(),
        critical: check.critical,
        outcome: ran.outcome,
        duration: ran.duration,
        age,
    }
}

/// One run of the check itself, under `timeout`, with panics caught.
pub(crate) async fn execute(check: &Check, request: &HttpRequest, timeout: Duration) -> Ran {
    let started = Instant::now();
    // A runtime-added check runs user code when it is called, not only when it is polled.
    let outcome = match std::panic::catch_unwind(AssertUnwindSafe(|| (check.run)(request))) {
        Err(payload) => panicked(&check.name, payload),
        Ok(future) => {
            let mut guarded = AssertUnwindSafe(future).catch_unwind();
            // Most checks finish on their first poll; only those that do not need a timer.
            let first_poll = poll_fn(|cx| Poll::Ready(guarded.poll_unpin(cx))).await;
            let finished = match first_poll {
                Poll::Ready(finished) => Ok(finished),
                // Boxed: the timer is big, and most probes never need it.
                Poll::Pending => Box::pin(time::timeout(timeout, guarded)).await,
            };
            match finished {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(payload)) => panicked(&check.name, payload),
                Err(_) => Outcome::unhealthy(format!("timed out after {timeout:?}")),
            }
        }
    };
    let finished = Instant::now();
    Ran {
        outcome,
        duration: finished - started,
        finished,
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
