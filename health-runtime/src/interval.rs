//! Checks with an `interval`: a loop runs them on that period, and probes answer from the latest
//! result without waiting. A result older than [`stale_after`] counts as failed, so that a loop
//! that is stuck (or gone) cannot look healthy.

use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;

use crate::check::Check;
use crate::data::{AppData, DataSource};
use crate::execute;
use crate::history::Standing;
use crate::outcome::Outcome;
use crate::report::CheckResult;
use crate::state::{CheckState, FinishedRun};

/// How old a background result may be: two missed periods, plus the time a run may take.
fn stale_after(period: Duration, timeout: Duration) -> Duration {
    period * 2 + timeout
}

/// The check's result if its loop has one, or else the future of one (the loop started if it
/// does not run).
pub(crate) fn begin(
    check: &Check,
    period: Duration,
    data: &DataSource<'_>,
) -> Result<CheckResult, BoxFuture<'static, CheckResult>> {
    match latest_result(check, period) {
        Some((run, age)) => Ok(CheckResult::new(check, run, Some(age))),
        None => Err(wait_for_loop(check, data, period)),
    }
}

#[cold]
fn wait_for_loop(
    check: &Check,
    data: &DataSource<'_>,
    period: Duration,
) -> BoxFuture<'static, CheckResult> {
    let (check, data) = (check.clone(), data.detached(check.data_types()));
    Box::pin(async move {
        let (run, age) = first_result(&check, &data, period).await;
        CheckResult::new(&check, run, age)
    })
}

/// The loop's latest result and its age, if the loop runs and has one: how most probes of the
/// check are answered.
fn latest_result(check: &Check, period: Duration) -> Option<(FinishedRun, Duration)> {
    let run = check.state.loop_result()?;
    Some(judge(run, period, check.run_timeout()))
}

/// The loop's latest result, starting the loop if it does not run (a check that takes
/// `web::Data` then gets it from `data`, taken from the first probe that reaches it), and waiting
/// for its first run if there is none yet: at most the check's timeout, so that a loop on a stuck
/// worker cannot hold the probe. The age comes with a result the loop made.
async fn first_result(
    check: &Check,
    data: &AppData,
    period: Duration,
) -> (FinishedRun, Option<Duration>) {
    let timeout = check.run_timeout();
    let first = async {
        loop {
            start_loop(check, data, period);
            if let Some(run) = check.state.first_loop_result().await {
                return run;
            }
        }
    };
    let waiting_since = Instant::now();
    match tokio::time::timeout(timeout, first).await {
        Ok(run) => {
            let (run, age) = judge(run, period, timeout);
            (run, Some(age))
        }
        Err(_) => {
            let outcome = Outcome::unhealthy(format!(
                "no background result yet: the first run has not finished within {timeout:?}"
            ));
            (FinishedRun::no_run(waiting_since, outcome), None)
        }
    }
}

/// Starts the check's loop on this thread's runtime, unless one runs already. Its runs take
/// their parameters from `data`.
pub(crate) fn start_loop(check: &Check, data: &AppData, period: Duration) {
    if !check.state.claim_loop() {
        return;
    }
    let data = data.clone();
    let claim = LoopClaim(check.clone());
    tokio::spawn(async move {
        let LoopClaim(check) = &claim;
        // The first run at once; each next one a period after the last began, or at once if
        // that run took longer.
        let mut next = tokio::time::Instant::now();
        loop {
            tokio::time::sleep_until(next).await;
            let began = tokio::time::Instant::now();
            let run = execute::run(check, &DataSource::given(&data));
            check.state.record(run.await);
            next = began + jittered(period);
        }
    });
}

/// `period`, spread by a random jitter of up to 10% either way: the pods of a fleet, started
/// together, do not ping one database in lockstep forever. At least a millisecond.
fn jittered(period: Duration) -> Duration {
    // A fresh `RandomState` is keyed anew from the thread's random seed: random enough to spread
    // loops, without a dependency for it.
    let bits = RandomState::new().hash_one(0_u8);
    let fraction = (bits >> 11) as f64 / (1_u64 << 53) as f64;
    period
        .mul_f64(0.9 + 0.2 * fraction)
        .max(Duration::from_millis(1))
}

/// The loop's claim on its check. It goes with the loop when the loop's worker stops (even
/// before its first poll), and the next server start or probe then starts another.
struct LoopClaim(Check);

impl Drop for LoopClaim {
    fn drop(&mut self) {
        self.0.state.release_loop();
    }
}

/// A result too old to vouch for the check fails; returned with its age.
fn judge(run: FinishedRun, period: Duration, timeout: Duration) -> (FinishedRun, Duration) {
    let age = run.finished_at.elapsed();
    let bound = stale_after(period, timeout);
    if age <= bound {
        return (run, age);
    }
    let stale = Outcome::unhealthy(format!(
        "stale: the latest background run finished {age:.1?} ago, longer than {bound:?} \
         (2 x interval + timeout)"
    ));
    (
        FinishedRun {
            outcome: stale,
            standing: Standing::UNKNOWN,
            ..run
        },
        age,
    )
}

impl CheckState {
    /// Marks the check as run by a background loop; `false` if a loop runs it already.
    pub(crate) fn claim_loop(&self) -> bool {
        !std::mem::replace(&mut self.slot().loop_running, true)
    }

    /// Marks the loop as gone, and wakes the probes waiting for its first run.
    pub(crate) fn release_loop(&self) {
        self.slot().loop_running = false;
        self.changed.notify_waiters();
    }

    /// The latest run, if a loop runs the check and has made one.
    pub(crate) fn loop_result(&self) -> Option<FinishedRun> {
        let slot = self.slot();
        slot.loop_running.then(|| slot.latest.clone()).flatten()
    }

    /// The latest run, waiting for a first one if there is none yet; `None` if the loop stopped
    /// before making one.
    pub(crate) async fn first_loop_result(&self) -> Option<FinishedRun> {
        loop {
            let changed = {
                let slot = self.slot();
                if let Some(run) = &slot.latest {
                    return Some(run.clone());
                }
                if !slot.loop_running {
                    return None;
                }
                self.changed.notified()
            };
            changed.await;
        }
    }

    /// Records a run of the background loop.
    pub(crate) fn record(&self, run: FinishedRun) {
        self.slot().latest = Some(run);
        self.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_that_finished(ago: Duration) -> FinishedRun {
        FinishedRun {
            outcome: Outcome::healthy(),
            duration: Duration::from_millis(5),
            finished_at: Instant::now() - ago,
            standing: Standing::UNKNOWN,
        }
    }

    #[tokio::test]
    async fn a_stale_background_result_fails() {
        let check = Check::new("slow_loop", || async { true }).timeout(Duration::from_millis(500));
        let period = Duration::from_secs(1);
        // A loop that last finished 10 s ago, and is still marked as running.
        assert!(check.state.claim_loop());
        check
            .state
            .record(run_that_finished(Duration::from_secs(10)));
        let (run, age) = latest_result(&check, period).expect("a result");
        let error = run.outcome.error().expect("stale is a failure").to_owned();
        assert!(
            error.starts_with("stale: the latest background run finished 10."),
            "{error}"
        );
        assert!(
            error.ends_with("longer than 2.5s (2 x interval + timeout)"),
            "{error}"
        );
        assert!(age >= Duration::from_secs(10));

        // Within the bound, the same result is served as it is.
        check
            .state
            .record(run_that_finished(Duration::from_secs(2)));
        let (run, _) = first_result(&check, &AppData::default(), period).await;
        assert!(run.outcome.is_healthy());
    }

    #[tokio::test]
    async fn a_probe_waits_for_a_first_background_run_no_longer_than_the_timeout() {
        let check = Check::new("never", || async { true }).timeout(Duration::from_millis(100));
        // A loop marked as running that never delivers, as on a stuck worker.
        assert!(check.state.claim_loop());
        let no_data = AppData::default();
        let waiting = first_result(&check, &no_data, Duration::from_secs(1));
        let (run, age) = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the wait is bounded");
        assert_eq!(
            run.outcome.error(),
            Some("no background result yet: the first run has not finished within 100ms")
        );
        assert_eq!(age, None);
    }

    /// Loops of one interval started together drift apart, each run a period after the last
    /// began, spread by up to 10%; the first run of each is at once. On tokio's paused clock,
    /// where loops without the spread would run at the very same instants.
    #[tokio::test(start_paused = true)]
    async fn loops_of_one_interval_drift_apart_from_a_first_run_at_once() {
        use std::sync::{Arc, Mutex};

        let period = Duration::from_secs(1);
        let start = tokio::time::Instant::now();
        let runs: Vec<Arc<Mutex<Vec<Duration>>>> = (0..8).map(|_| Arc::default()).collect();
        for (i, times) in runs.iter().enumerate() {
            let times = Arc::clone(times);
            let check = Check::new(format!("loop{i}"), move || {
                times.lock().unwrap().push(start.elapsed());
                async { true }
            });
            start_loop(&check, &AppData::default(), period);
        }
        tokio::time::sleep(Duration::from_secs(60)).await;

        let times: Vec<Vec<Duration>> = runs.iter().map(|t| t.lock().unwrap().clone()).collect();
        for times in &times {
            assert_eq!(times[0], Duration::ZERO, "the first run at once");
            for pair in times.windows(2) {
                let gap = pair[1] - pair[0];
                // The clock ticks in milliseconds.
                let (least, most) = (
                    period.mul_f64(0.9),
                    period.mul_f64(1.1) + Duration::from_millis(1),
                );
                assert!(gap >= least && gap <= most, "{gap:?}");
            }
        }
        let fiftieth: Vec<Duration> = times.iter().map(|times| times[50]).collect();
        assert!(
            fiftieth.iter().any(|&time| time != fiftieth[0]),
            "the loops still run in lockstep: {fiftieth:?}"
        );
    }
}
