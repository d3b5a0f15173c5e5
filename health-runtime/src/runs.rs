//! The runs of one probe's checks: each begun within the probe's first poll as its schedule says
//! (run now, by `execute.rs`; taken from its cache, by `cached.rs`; or from its background loop,
//! by `interval.rs`), and, for those that did not finish there, the future that waits for them. [`Runs::answer`] is the one place that decides
//! whether a probe is answered within its first poll.

use std::task::Context;

use futures_util::future::{BoxFuture, join_all};

use crate::check::{Check, Schedule};
use crate::data::DataSource;
use crate::execute::{self, FirstPoll, PendingRun};
use crate::report::{CheckResult, Report, Results};
use crate::{cached, interval};

/// A probe's report: made within its first poll, or to come when its waiting checks are done.
pub(crate) enum Answer<T = Report> {
    Now(T),
    Later(BoxFuture<'static, T>),
}

impl<T: Send + 'static> Answer<T> {
    /// The report, now or when it comes.
    pub(crate) async fn report(self) -> T {
        match self {
            Answer::Now(report) => report,
            Answer::Later(report) => report.await,
        }
    }

    /// The answer made into another, when it comes.
    pub(crate) fn map<U>(self, into: impl FnOnce(T) -> U + Send + 'static) -> Answer<U> {
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
    pub(crate) fn begin<'a>(
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
    pub(crate) fn answer<T: Send + 'static>(
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
        Schedule::Cached(ttl) => cached::begin(check, ttl, data),
        Schedule::Interval(period) => interval::begin(check, period, data),
    }
}

/// Waits for a run that did not finish within the probe's first poll; it owns a clone of the
/// check, as it outlives the poll.
fn wait_for_run(check: &Check, pending: PendingRun) -> WaitingRun {
    let check = check.clone();
    Box::pin(async move {
        let run = pending.finish(&check).await;
        CheckResult::new(&check, run, None)
    })
}
