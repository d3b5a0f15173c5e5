//! The blocking calls of the ready-made checks (a file read, `statvfs`, a name lookup), each on a
//! thread of its own rather than in tokio's blocking pool, and at most one at a time for one thing
//! looked at: runs that ask while one is under way share its result. A call that never returns (a
//! file on a hung NFS mount, a resolver that does not answer) keeps one thread, however many runs
//! of its check time out meanwhile: once it has been under way for [`STUCK_AFTER`], later runs
//! fail at once, saying since when, and nothing else in the process waits for it: neither tokio's
//! blocking pool (the app's own `tokio::fs` and name lookups) nor the runtime's stop, which waits
//! for the blocking pool's tasks but not for these threads.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// How long a call may be under way before later runs no longer wait for it: far longer than a
/// file read or `statvfs` takes, and than the default check timeout; a name lookup still waiting
/// by then has a resolver that does not answer (glibc waits 5 s a try).
const STUCK_AFTER: Duration = Duration::from_secs(1);

/// The most calls that may be under way at once, whatever they look at: a check that looks at a
/// new path on every run cannot make threads without end.
const MAX_UNDER_WAY: usize = 64;

/// A call's result, shared with the runs that wait for it: a `Result<T, String>`.
type Shared = Option<Arc<dyn Any + Send + Sync>>;

/// A call under way: what it looks at, since when, and where its result will be.
struct UnderWay {
    what: String,
    since: Instant,
    result: watch::Receiver<Shared>,
}

/// The calls under way.
static UNDER_WAY: Mutex<Vec<UnderWay>> = Mutex::new(Vec::new());

fn under_way() -> MutexGuard<'static, Vec<UnderWay>> {
    // Never held across a call: poisoning cannot leave it half-written.
    UNDER_WAY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `call` on a thread of its own and waits for its result; `what` names what it looks at
/// (`statvfs of /data`). While a call of `what` is under way, waits for its result instead, or,
/// once it has been under way for [`STUCK_AFTER`], fails at once with a reason for the check.
/// Fails too when [`MAX_UNDER_WAY`] calls are under way, when no thread can be started, and when
/// `call` panics.
pub(super) async fn call<T>(
    what: String,
    call: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String>
where
    T: Clone + Send + Sync + 'static,
{
    let mut result = {
        let mut under_way = under_way();
        match under_way.iter().find(|call| call.what == what) {
            Some(call) if call.since.elapsed() >= STUCK_AFTER => {
                return Err(stuck(&what, call.since.elapsed()));
            }
            Some(call) => call.result.clone(),
            None if under_way.len() >= MAX_UNDER_WAY => {
                return Err(format!(
                    "{what} not started: {MAX_UNDER_WAY} blocking calls of health checks have \
                     not returned"
                ));
            }
            None => {
                let (sender, result) = watch::channel(None);
                start(what.clone(), call, sender)?;
                under_way.push(UnderWay {
                    what: what.clone(),
                    since: Instant::now(),
                    result: result.clone(),
                });
                result
            }
        }
    };
    let Ok(shared) = result.wait_for(Option::is_some).await else {
        return Err(format!("{what} ended without a result"));
    };
    let returned = shared.as_ref().and_then(|shared| shared.downcast_ref());
    returned
        .cloned()
        .unwrap_or_else(|| Err(format!("{what} ended without a result")))
}

/// Starts `call` on a thread of its own, which sends its result to `sender` as it ends, after it
/// took the call off the list of those under way (the list is locked now: the thread waits for
/// it).
fn start<T: Send + Sync + 'static>(
    what: String,
    call: impl FnOnce() -> Result<T, String> + Send + 'static,
    sender: watch::Sender<Shared>,
) -> Result<(), String> {
    let spawned = std::thread::Builder::new()
        .name("health-blocking".to_owned())
        .spawn(move || {
            let returned = catch_unwind(AssertUnwindSafe(call))
                .unwrap_or_else(|_| Err(format!("{what} panicked")));
            under_way().retain(|call| call.what != what);
            let _ = sender.send(Some(Arc::new(returned)));
        });
    spawned
        .map(drop)
        .map_err(|error| format!("cannot start a thread: {error}"))
}

/// Why a call is not waited for.
fn stuck(what: &str, for_how_long: Duration) -> String {
    format!(
        "{what} has not returned since it began {for_how_long:.1?} ago (a hung filesystem or \
         resolver?): not started again until it does"
    )
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    #[tokio::test]
    async fn a_call_that_does_not_return_is_not_made_again_and_holds_nothing_else() {
        let (release, stuck_until) = mpsc::channel::<()>();
        let what = || "read of /hung/nfs".to_owned();
        let first = tokio::spawn(call(what(), move || Ok(stuck_until.recv().is_ok())));
        tokio::time::sleep(STUCK_AFTER + Duration::from_millis(50)).await;

        for _ in 0..100 {
            let again = call(what(), || Ok(true)).await.unwrap_err();
            assert!(
                again.starts_with("read of /hung/nfs has not returned since it began "),
                "{again}"
            );
            assert!(
                again.ends_with("not started again until it does"),
                "{again}"
            );
        }
        assert_eq!(call("read of /elsewhere".to_owned(), || Ok(7)).await, Ok(7));

        release.send(()).unwrap();
        assert_eq!(first.await.unwrap(), Ok(true));
        // Returned: the next call is made.
        assert_eq!(call(what(), || Ok(false)).await, Ok(false));
    }

    #[tokio::test]
    async fn runs_that_ask_while_a_call_is_under_way_share_its_result() {
        let (release, until) = mpsc::channel::<()>();
        let what = || "statvfs of /shared".to_owned();
        let first = tokio::spawn(call(what(), move || {
            let _ = until.recv();
            Ok(1)
        }));
        tokio::time::sleep(Duration::from_millis(50)).await;
        let second = tokio::spawn(call(what(), || Ok(2)));
        tokio::time::sleep(Duration::from_millis(50)).await;
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap(), Ok(1));
        assert_eq!(second.await.unwrap(), Ok(1), "the call under way's result");
    }

    #[tokio::test]
    async fn a_call_that_panics_fails_and_is_not_left_under_way() {
        let what = || "statvfs of /panics".to_owned();
        let panicked = call::<()>(what(), || panic!("in statvfs")).await;
        assert_eq!(panicked, Err("statvfs of /panics panicked".to_owned()));
        assert_eq!(call(what(), || Ok(1)).await, Ok(1));
    }
}
