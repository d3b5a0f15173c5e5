//! Checks with a `cache`: a probe answers from the latest run while it is younger than the TTL;
//! probes that find none share one run (single-flight, whichever worker or thread they are on),
//! made as a task of its own, and wait for it no longer than the check's timeout.

use std::ops::Deref;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use tokio::sync::futures::Notified;

use crate::check::Check;
use crate::data::DataSource;
use crate::execute;
use crate::outcome::Outcome;
use crate::report::CheckResult;
use crate::state::{CheckState, FinishedRun};

/// The check's result if a fresh one is there, or else the future of one.
pub(crate) fn begin(
    check: &Check,
    ttl: Duration,
    data: &DataSource<'_>,
) -> Result<CheckResult, BoxFuture<'static, CheckResult>> {
    match check.state.fresh(ttl) {
        Some((run, age)) => Ok(CheckResult::new(check, run, Some(age))),
        None => Err(wait_for_cache(check, data, ttl)),
    }
}

/// Waits for a fresh result: one that another probe's run brings, or that of a run this probe
/// starts. The run is a task of its own: it finishes and feeds every waiting probe even when the
/// probe that started it goes away (its client hung up). Waiting for another probe's run is
/// bounded by the check's timeout, as a run is: that run may be on a worker that a blocking
/// request holds.
#[cold]
fn wait_for_cache(
    check: &Check,
    data: &DataSource<'_>,
    ttl: Duration,
) -> BoxFuture<'static, CheckResult> {
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
                        let run = FinishedRun::no_run(waiting_since, outcome);
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

impl CheckState {
    /// The latest run and its age, if it is younger than `ttl`: how most cached probes are
    /// answered.
    pub(crate) fn fresh(&self, ttl: Duration) -> Option<(FinishedRun, Duration)> {
        self.slot().fresh(ttl)
    }

    /// What a probe that wants a run younger than `ttl` is to do: take the latest run, wait for
    /// the run another probe started, or start one (single-flight, whichever worker or thread the
    /// probes are on). `state` is the check's state, held by the run it starts.
    pub(crate) fn refill<S: Deref<Target = CheckState> + Clone>(
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
    pub(crate) fn finish(self, run: FinishedRun) {
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
