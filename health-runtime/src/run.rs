//! Runs the checks of one probe: all at once, each under its timeout, each isolated from panics,
//! so that one bad check can neither hang the probe nor take the server down. A check with a
//! `cache` answers from a fresh enough result; one with an `interval` from its background loop.
//!
//! A probe begins its checks synchronously, on its first poll. Most finish right there (nothing
//! to wait for, or a fresh result), and only those that wait become futures of their own.

use std::any::Any;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::HttpRequest;
use futures_util::future::{join_all, CatchUnwind, LocalBoxFuture};
use futures_util::FutureExt;
use smallvec::SmallVec;

use crate::background;
use crate::outcome::Outcome;
use crate::redact;
use crate::registry::{Check, CheckFuture, Name};
use crate::state::{Latest, Ran};

/// One check's result within a report.
#[derive(Debug, Clone)]
pub(crate) struct CheckResult {
    pub name: Name,
    pub critical: bool,
    pub outcome: Outcome,
    pub duration: Duration,
    /// How old the result is, when it was not produced for this probe.
    pub age: Option<Duration>,
}

/// The results of a probe's checks, in check order: most probes run one check, kept inline.
pub(crate) type Results = SmallVec<[CheckResult; 1]>;

/// What applies to checks that do not say otherwise.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Defaults {
    pub timeout: Duration,
    pub cache: Option<Duration>,
}

impl Defaults {
    /// The check's own timeout, or the default one.
    pub fn timeout_of(&self, check: &Check) -> Duration {
        check.timeout.unwrap_or(self.timeout)
    }
}

/// The checks of one probe after their first poll.
pub(crate) struct Begun {
    /// In check order, less those still waiting.
    finished: Results,
    /// The checks still waiting, by their place in check order (ascending).
    waiting: Vec<(usize, LocalBoxFuture<'static, CheckResult>)>,
}

impl Begun {
    /// The results, if every check finished on its first poll.
    pub fn take_finished(&mut self) -> Option<Results> {
        self.waiting
            .is_empty()
            .then(|| std::mem::take(&mut self.finished))
    }

    /// Waits for the checks still waiting; the time taken is that of the slowest, each wait
    /// bounded by the check's timeout.
    pub async fn finish(self) -> Results {
        let Begun {
            mut finished,
            waiting,
        } = self;
        let (places, waiting): (Vec<_>, Vec<_>) = waiting.into_iter().unzip();
        // In ascending order of place, each insertion lands where it belongs.
        for (place, result) in places.into_iter().zip(join_all(waiting).await) {
            finished.insert(place, result);
        }
        finished
    }
}

/// Begins `checks` within the poll whose context is `cx`.
pub(crate) fn begin<'a>(
    checks: impl Iterator<Item = &'a Check>,
    request: &HttpRequest,
    defaults: Defaults,
    cx: &mut Context<'_>,
) -> Begun {
    let mut begun = Begun {
        finished: Results::with_capacity(checks.size_hint().0),
        waiting: Vec::new(),
    };
    for (place, check) in checks.enumerate() {
        match begin_one(check, request, defaults, cx) {
            Ok(result) => begun.finished.push(result),
            Err(waiting) => begun.waiting.push((place, waiting)),
        }
    }
    begun
}

/// Runs `checks` concurrently, for the probes that are served by an `async fn`.
pub(crate) async fn run_all<'a>(
    checks: impl Iterator<Item = &'a Check>,
    request: &HttpRequest,
    defaults: Defaults,
) -> Results {
    let mut begun = with_context(|cx| begin(checks, request, defaults, cx)).await;
    match begun.take_finished() {
        Some(results) => results,
        None => begun.finish().await,
    }
}

/// A check that did not finish on the probe's first poll: the future that produces its result.
type Waiting = LocalBoxFuture<'static, CheckResult>;

/// A check's result if it is there at once, or else the future that produces it.
fn begin_one(
    check: &Check,
    request: &HttpRequest,
    defaults: Defaults,
    cx: &mut Context<'_>,
) -> Result<CheckResult, Waiting> {
    let timeout = defaults.timeout_of(check);
    let latest = if let Some(period) = check.interval {
        background::now(check, period, timeout)
            .ok_or_else(|| wait_for_background(check, request, timeout, period))?
    } else if let Some(ttl) = check.cache.or(defaults.cache) {
        check
            .state
            .fresh(ttl)
            .ok_or_else(|| wait_for_cache(check, request, timeout, ttl))?
    } else {
        match start(check, Some(request), cx) {
            Started::Finished(ran) => Latest { ran, age: None },
            Started::Pending(pending) => return Err(wait_for_run(check, pending, timeout)),
        }
    };
    Ok(check.result(latest))
}

// The futures that wait own a clone of the check (and of the request): they outlive the poll.
// Those of the first two are rare, and kept out of the way of the common path.

#[cold]
fn wait_for_background(
    check: &Check,
    request: &HttpRequest,
    timeout: Duration,
    period: Duration,
) -> Waiting {
    let (check, request) = (check.clone(), request.clone());
    Box::pin(async move {
        let latest = background::latest(&check, &request, timeout, period).await;
        check.result(latest)
    })
}

#[cold]
fn wait_for_cache(
    check: &Check,
    request: &HttpRequest,
    timeout: Duration,
    ttl: Duration,
) -> Waiting {
    let (check, request) = (check.clone(), request.clone());
    Box::pin(async move {
        let run = || execute(&check, Some(&request), timeout);
        let latest = check.state.cached(ttl, run).await;
        check.result(latest)
    })
}

fn wait_for_run(check: &Check, pending: PendingRun, timeout: Duration) -> Waiting {
    let check = check.clone();
    Box::pin(async move {
        let ran = pending.finish(&check.name, timeout).await;
        check.result(Latest { ran, age: None })
    })
}

impl Check {
    fn result(&self, Latest { ran, age }: Latest) -> CheckResult {
        CheckResult {
            name: self.name.clone(),
            critical: self.critical,
            outcome: ran.outcome,
            duration: ran.duration,
            age,
        }
    }
}

/// One run of the check itself, under `timeout`, with panics caught.
pub(crate) async fn execute(
    check: &Check,
    request: Option<&HttpRequest>,
    timeout: Duration,
) -> Ran {
    match with_context(|cx| start(check, request, cx)).await {
        Started::Finished(ran) => ran,
        Started::Pending(pending) => pending.finish(&check.name, timeout).await,
    }
}

/// A run of the check, after its first poll.
enum Started {
    Finished(Ran),
    Pending(PendingRun),
}

/// A run that did not finish on its first poll.
struct PendingRun {
    future: CatchUnwind<AssertUnwindSafe<CheckFuture>>,
    started: Instant,
}

/// Starts a run and polls it once: most checks finish there, and need no timer.
fn start(check: &Check, request: Option<&HttpRequest>, cx: &mut Context<'_>) -> Started {
    let started = Instant::now();
    // A runtime-added check runs user code when it is called, not only when it is polled.
    let outcome = match catch_unwind(AssertUnwindSafe(|| (check.run)(request))) {
        Err(payload) => panicked(&check.name, payload),
        Ok(future) => {
            let mut future = AssertUnwindSafe(future).catch_unwind();
            match future.poll_unpin(cx) {
                Poll::Ready(Ok(outcome)) => outcome,
                Poll::Ready(Err(payload)) => panicked(&check.name, payload),
                Poll::Pending => return Started::Pending(PendingRun { future, started }),
            }
        }
    };
    Started::Finished(Ran::since(started, outcome))
}

impl PendingRun {
    async fn finish(self, name: &str, timeout: Duration) -> Ran {
        // What is left of the timeout since the run started (saturating: any timeout is valid).
        let left = timeout.saturating_sub(self.started.elapsed());
        let outcome = match tokio::time::timeout(left, self.future).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(payload)) => panicked(name, payload),
            Err(_) => Outcome::unhealthy(format!("timed out after {timeout:?}")),
        };
        Ran::since(self.started, outcome)
    }
}

impl Ran {
    fn since(started: Instant, outcome: Outcome) -> Ran {
        let finished = Instant::now();
        Ran {
            outcome,
            duration: finished - started,
            finished,
        }
    }
}

/// Calls `f` with the context of the first poll.
fn with_context<T>(f: impl FnOnce(&mut Context<'_>) -> T) -> impl Future<Output = T> {
    let mut f = Some(f);
    poll_fn(move |cx| Poll::Ready(f.take().expect("ready on its first poll")(cx)))
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
