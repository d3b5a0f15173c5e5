//! Checks with an `interval`: a loop runs them on that period and probes answer from the latest
//! result without waiting. A result older than [`stale_after`] counts as failed, so a loop that
//! is stuck (or gone) cannot look healthy.

use std::time::{Duration, Instant};

use actix_web::HttpRequest;
use tokio::time::{interval, MissedTickBehavior};

use crate::data::{self, AppData};
use crate::outcome::Outcome;
use crate::registry::Check;
use crate::run::execute;
use crate::state::{Latest, Ran};

/// How old a background result may be: two missed periods, plus the time a run may take.
pub(crate) fn stale_after(period: Duration, timeout: Duration) -> Duration {
    period * 2 + timeout
}

/// The latest background result, if the loop runs and has one: how most probes are answered.
pub(crate) fn now(check: &Check, period: Duration, timeout: Duration) -> Option<Latest> {
    let ran = check.state.latest_in_background()?;
    Some(judge(ran, period, timeout))
}

/// The latest background result, starting the loop if it does not run yet (a check that takes
/// `web::Data` gets them from the first probe that reaches it: actix shows the app's data only to
/// requests), and waiting for its first run if there is none yet: as long as a run may take, so
/// that a loop on a stuck worker cannot hold the probe.
pub(crate) async fn latest(
    check: &Check,
    request: &HttpRequest,
    timeout: Duration,
    period: Duration,
) -> Latest {
    let first = async {
        loop {
            start(
                check,
                check.needs_request().then_some(request),
                &AppData::default(),
                timeout,
                period,
            );
            if let Some(ran) = check.state.latest().await {
                return ran;
            }
        }
    };
    let waiting = Instant::now();
    match tokio::time::timeout(timeout, first).await {
        Ok(ran) => judge(ran, period, timeout),
        Err(_) => Latest {
            ran: Ran {
                outcome: Outcome::unhealthy(format!(
                    "no background result yet: the first run has not finished within {timeout:?}"
                )),
                duration: waiting.elapsed(),
                finished: Instant::now(),
            },
            age: None,
        },
    }
}

/// Starts the check's loop on this worker's runtime, unless it runs already. The loop keeps
/// `request`, so the check's app data stay on the thread they belong to; without one, the check
/// takes its app data from `data`.
pub(crate) fn start(
    check: &Check,
    request: Option<&HttpRequest>,
    data: &AppData,
    timeout: Duration,
    period: Duration,
) {
    if !check.state.start_background() {
        return;
    }
    let (guard, request) = (LoopGuard(check.clone()), request.cloned());
    actix_web::rt::spawn(data::scope(data.clone(), async move {
        let LoopGuard(check) = &guard;
        let mut ticks = interval(period.max(Duration::from_millis(1)));
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let ran = execute(check, request.as_ref(), timeout).await;
            check.state.store(ran);
        }
    }));
}

/// The loop's hold on its check. It goes with the loop when the loop's worker stops (even before
/// its first poll), and the next registration or probe then starts another.
struct LoopGuard(Check);

impl Drop for LoopGuard {
    fn drop(&mut self) {
        self.0.state.stop_background();
    }
}

/// A result too old to vouch for the check fails.
fn judge(ran: Ran, period: Duration, timeout: Duration) -> Latest {
    let age = ran.finished.elapsed();
    let bound = stale_after(period, timeout);
    if age <= bound {
        return Latest {
            ran,
            age: Some(age),
        };
    }
    let stale = Outcome::unhealthy(format!(
        "stale: the latest background run finished {age:.1?} ago, longer than {bound:?} \
         (2 x interval + timeout)"
    ));
    Latest {
        ran: Ran {
            outcome: stale,
            ..ran
        },
        age: Some(age),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_stale_background_result_fails() {
        let check = Check::new("slow_loop", || async { true });
        // A loop that last finished 10 s ago, and is still marked as running.
        assert!(check.state.start_background());
        let now = Instant::now();
        check.state.store(Ran {
            outcome: Outcome::healthy(),
            duration: Duration::from_millis(5),
            finished: now - Duration::from_secs(10),
        });
        let request = actix_web::test::TestRequest::default().to_http_request();
        let period = Duration::from_secs(1);
        let latest = latest(&check, &request, Duration::from_millis(500), period).await;
        let error = latest
            .ran
            .outcome
            .error()
            .expect("stale is a failure")
            .to_owned();
        assert!(
            error.starts_with("stale: the latest background run finished 10."),
            "{error}"
        );
        assert!(
            error.ends_with("longer than 2.5s (2 x interval + timeout)"),
            "{error}"
        );
        assert!(latest.age.unwrap() >= Duration::from_secs(10));

        // Within the bound, the same result is served as it is.
        check.state.store(Ran {
            outcome: Outcome::healthy(),
            duration: Duration::from_millis(5),
            finished: Instant::now() - Duration::from_secs(2),
        });
        let latest = super::latest(&check, &request, Duration::from_millis(500), period).await;
        assert!(latest.ran.outcome.is_healthy());
    }

    #[actix_web::test]
    async fn a_probe_waits_for_a_first_background_run_no_longer_than_the_timeout() {
        let check = Check::new("never", || async { true });
        // A loop marked as running that never delivers, as on a stuck worker.
        assert!(check.state.start_background());
        let request = actix_web::test::TestRequest::default().to_http_request();
        let timeout = Duration::from_millis(100);
        let waiting = latest(&check, &request, timeout, Duration::from_secs(1));
        let latest = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the wait is bounded");
        assert_eq!(
            latest.ran.outcome.error(),
            Some("no background result yet: the first run has not finished within 100ms")
        );
    }
}
