//! The blocking calls of the ready-made checks (a file read, `statvfs`, a name lookup), each on a
//! thread of its own rather than in tokio's blocking pool, and at most one at a time for one thing
//! looked at. A call that never returns (a file on a hung NFS mount, a resolver that does not
//! answer) keeps one thread, however many runs of its check time out meanwhile: the later runs
//! fail at once, saying since when it has not returned, and nothing else in the process waits for
//! it: neither tokio's blocking pool (the app's own `tokio::fs` and name lookups) nor the
//! runtime's stop, which waits for the blocking pool's tasks but not for these threads.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The most calls that may be stuck at once, whatever they look at: a check that looks at a new
/// path on every run cannot make threads without end.
const MAX_IN_FLIGHT: usize = 64;

/// The calls under way: what each looks at, and since when.
static IN_FLIGHT: Mutex<Vec<(String, Instant)>> = Mutex::new(Vec::new());

fn in_flight() -> MutexGuard<'static, Vec<(String, Instant)>> {
    // Never held across a call: poisoning cannot leave it half-written.
    IN_FLIGHT.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `call` on a thread of its own and waits for it; `what` names what it looks at (`statvfs
/// of /data`), one call at a time. Fails at once, with a reason for the check, while an earlier
/// call of `what` has not returned, when [`MAX_IN_FLIGHT`] calls are under way, or when no thread
/// can be started; and when `call` panics.
pub(super) async fn call<T: Send + 'static>(
    what: String,
    call: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    {
        let mut in_flight = in_flight();
        if let Some((_, since)) = in_flight.iter().find(|(looked_at, _)| *looked_at == what) {
            return Err(stuck(&what, since.elapsed()));
        }
        if in_flight.len() >= MAX_IN_FLIGHT {
            return Err(format!(
                "{what} not started: {MAX_IN_FLIGHT} blocking calls of health checks have not \
                 returned"
            ));
        }
        in_flight.push((what.clone(), Instant::now()));
    }
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let done = Done(what.clone());
    let spawned = std::thread::Builder::new()
        .name("health-blocking".to_owned())
        .spawn(move || {
            let returned = catch_unwind(AssertUnwindSafe(call));
            // Off the list before the caller learns of it: its next call is made.
            drop(done);
            let _ = sender.send(returned);
        });
    if let Err(error) = spawned {
        // The closure, and `done` with it, was dropped: the call is no longer under way.
        return Err(format!(
            "{what} not started: cannot start a thread: {error}"
        ));
    }
    match receiver.await {
        Ok(Ok(returned)) => Ok(returned),
        Ok(Err(_)) | Err(_) => Err(format!("{what} panicked")),
    }
}

/// Why a call is not made again.
fn stuck(what: &str, for_how_long: Duration) -> String {
    format!(
        "{what} has not returned since it began {for_how_long:.1?} ago (a hung filesystem or \
         resolver?): not started again until it does"
    )
}

/// Takes a call off the list as its thread ends, however it ends.
struct Done(String);

impl Drop for Done {
    fn drop(&mut self) {
        in_flight().retain(|(looked_at, _)| *looked_at != self.0);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    #[tokio::test]
    async fn a_call_that_does_not_return_is_not_made_again_and_holds_nothing_else() {
        let (release, stuck_until) = mpsc::channel::<()>();
        let what = || "read of /hung/nfs".to_owned();
        let first = tokio::spawn(call(what(), move || stuck_until.recv().is_ok()));
        tokio::time::sleep(Duration::from_millis(50)).await;

        for _ in 0..100 {
            let again = call(what(), || true).await.unwrap_err();
            assert!(
                again.starts_with("read of /hung/nfs has not returned since it began "),
                "{again}"
            );
            assert!(
                again.ends_with("not started again until it does"),
                "{again}"
            );
        }
        assert_eq!(call("read of /elsewhere".to_owned(), || 7).await, Ok(7));

        release.send(()).unwrap();
        assert_eq!(first.await.unwrap(), Ok(true));
        // Returned: the next call is made.
        assert_eq!(call(what(), || 8).await, Ok(8));
    }

    #[tokio::test]
    async fn a_call_that_panics_fails_and_is_not_left_under_way() {
        let what = || "statvfs of /panics".to_owned();
        let panicked = call(what(), || panic!("in statvfs")).await;
        assert_eq!(
            panicked,
            Err::<(), _>("statvfs of /panics panicked".to_owned())
        );
        assert_eq!(call(what(), || 1).await, Ok(1));
    }
}
