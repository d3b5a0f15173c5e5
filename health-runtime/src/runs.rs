//! The runs of one probe's checks: each begun within the probe's first poll as its schedule says
//! (run now, taken from its cache, or from its background loop), and, for those that did not
//! finish there, the future that waits for them. [`Runs::answer`] is the one place that decides
//! whether a probe is answered within its first poll.

use std::task::Context;
use std::time::{Duration, Instant};

use futures_util::future::{BoxFuture, join_all};

use crate::background;
use crate::data::DataSource;
use crate::execute::{self, FirstPoll, PendingRun};
use crate::outcome::Outcome;
use crate::registry::{Check, Schedule};
use crate::report::{CheckResult, Report, Results};
use crate::state::{CheckState, FinishedRun, Refill};

/// A probe's report: made within its first poll, or to come when its waiting checks are done.
pub(crate) enum Answer<T = Report> {
    Now(T),
    Later(BoxFuture<'static, T>),
}

impl<T: Send + 'static> Answer<T> {
    /// The report, now or when it comes.
    pub async fn report(self) -> T {
        match self {
            Answer::Now(report) => report,
            Answer::Later(report) => report.await,
        }
    }

    /// The answer made into another, when it comes.
    pub fn map<U>(self, into: impl FnOnce(T) -> U + Send + 'static) -> Answer<U> {
        match self {
            Answer::Now(report) => Answer::Now(into(report)),
            Answer::Later(report) => Answer::Later(Box::pin(async move { into(report.await) })),
        }
    }
}

/// The runs of a probe's checks after the probe's first poll.
pub(crate) struct Runs {
    /// In check order, less those still waiting.
    finished: Results,
    /// The checks still waiting, by their place in check order (ascending).
    waiting: Vec<(usize, WaitingRun)>,
}

/// A check that did not finish within the probe's first poll: the future of its result.
type WaitingRun = BoxFuture<'static, CheckResult>;

impl Runs {
    /// Begins `checks` within the poll whose context is `cx`.
    pub fn begin<'a>(
        checks: impl Iterator<Item = &'a Check>,
        data: &DataSource<'_>,
        cx: &mut Context<'_>,
    ) -> Runs {
        let mut runs = Runs {
            finished: Results::with_capacity(checks.size_hint().0),
            waiting: Vec::new(),
        };
        for (place, check) in checks.enumerate() {
            match begin_one(check, data, cx) {
                Ok(result) => runs.finished.push(result),
                Err(waiting) => runs.waiting.push((place, waiting)),
            }
        }
        runs
    }

    /// The one place that decides whether a probe is answered within its first poll: when no
    /// check waits, `report` makes the answer now; otherwise a future waits for the checks that do.
    pub fn answer<T: Send + 'static>(
        self,
        report: impl FnOnce(Results) -> T + Send + 'static,
    ) -> Answer<T> {
        if self.waiting.is_empty() {
            return Answer::Now(report(self.finished));
        }
        Answer::Later(Box::pin(async move { report(self.wait().await) }))
    }

    /// The results, in check order, once the waiting checks are done: as long as the slowest,
    /// each bounded by its timeout.
    async fn wait(self) -> Results {
        let Runs {
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

/// A check's result if it is there within this poll, or else the future that produces it.
fn begin_one(
    check: &Check,
    data: &DataSource<'_>,
    cx: &mut Context<'_>,
) -> Result<CheckResult, WaitingRun> {
    match check.schedule {
        Schedule::EveryProbe => match execute::start(check, data, cx) {
            FirstPoll::Finished(run) => Ok(CheckResult::new(check, run, None)),
            FirstPoll::Pending(pending) => Err(wait_for_run(check, pending)),
        },
        Schedule::Cached(ttl) => match check.state.fresh(ttl) {
            Some((run, age)) => Ok(CheckResult::new(check, run, Some(age))),
            None => Err(wait_for_cache(check, data, ttl)),
        },
        Schedule::Interval(period) => match background::latest_result(check, period) {
            Some((run, age)) => Ok(CheckResult::new(check, run, Some(age))),
            None => Err(wait_for_loop(check, data, period)),
        },
    }
}

// The waiting futures own a clone of the check (and of its data): they outlive the poll.
// The last two are rare, and kept out of the way of the common path.

fn wait_for_run(check: &Check, pending: PendingRun) -> WaitingRun {
    let check = check.clone();
    Box::pin(async move {
        let run = pending.finish(&check).await;
        CheckResult::new(&check, run, None)
    })
}

/// Waits for a fresh result: one that another probe's run brings, or that of a run this probe
/// starts. The run is a task of its own: it finishes and feeds every waiting probe even when the
/// probe that started it goes away (its client hung up). Waiting for another probe's run is
/// bounded by the check's timeout, as a run is: that run may be on a worker that a blocking
/// request holds.
#[cold]
fn wait_for_cache(check: &Check, data: &DataSource<'_>, ttl: Duration) -> WaitingRun {
    let (check, data) = (check.clone(), data.detached(check.data_types()));
    let waiting_since = Instant::now();
    Box::pin(async move {
        let timeout = check.run_timeout();
        let deadline = tokio::time::Instant::from_std(waiting_since) + timeout;
        loop {
            match CheckState::refill(&check.state, ttl) {
                Refill::Fresh(run, age) => return CheckResult::new(&check, run, Some(age)),
                Refill::Wait(changed) => {
                    if tokio::time::timeout_at(deadline, changed).await.is_err() {
                        let outcome = Outcome::unhealthy(format!(
                            "timed out after {timeout:?} waiting for the run that another probe \
                             started, which has not finished (its worker may be blocked)"
                        ));
                        let run = FinishedRun::since(waiting_since, outcome);
                        return CheckResult::new(&check, run, None);
                    }
                }
                Refill::Start(refilling) => {
                    let (sender, run) = tokio::sync::oneshot::channel();
                    let refill = execute::run(&check, &DataSource::given(&data));
                    tokio::spawn(async move {
                        let run = refill.await;
                        refilling.finish(run.clone());
                        let _ = sender.send(run);
                    });
                    // `None` if the task went away unfinished (its worker stopped): look again.
                    if let Ok(run) = run.await {
                        return CheckResult::new(&check, run, None);
                    }
                }
            }
        }
    })
}

#[cold]
fn wait_for_loop(check: &Check, data: &DataSource<'_>, period: Duration) -> WaitingRun {
    let (check, data) = (check.clone(), data.detached(check.data_types()));
    Box::pin(async move {
        let (run, age) = background::first_result(&check, &data, period).await;
        CheckResult::new(&check, run, age)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_probe_waits_for_another_probes_run_no_longer_than_the_timeout() {
        let ttl = Duration::from_secs(1);
        let check = Check::new("db", || async { true })
            .timeout(Duration::from_millis(100))
            .cache(ttl);
        // A run under way that never finishes, as on a worker that a blocking request holds.
        let Refill::Start(_running) = CheckState::refill(&check.state, ttl) else {
            panic!("no run was under way");
        };
        let waiting = wait_for_cache(&check, &DataSource::none(), ttl);
        let result = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the wait is bounded");
        let error = result.outcome.error().unwrap_or_default();
        assert!(
            error.starts_with("timed out after 100ms waiting for the run that another probe"),
            "{error}"
        );
    }
}
