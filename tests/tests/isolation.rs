//! Two `Health` values in one process, as two tests of one binary build them: each has its own
//! startup latch, availability switches, drain and log of its probes' changes, shared only by its
//! clones. A SIGTERM reaches the
//! process, so this test has its binary to itself; only the `Health` whose `shutdown_signal()` is
//! awaited drains.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::rt::time::sleep;
use health_runtime::{Check, Health, Probe};
use health_tests::axum::serve_axum;
use health_tests::get;

/// A `Health` whose startup check passes once `warm` is set.
fn health(warm: &Arc<AtomicBool>) -> Health {
    let warm = Arc::clone(warm);
    let startup = Check::new("warm", move || {
        let warm = warm.load(Ordering::SeqCst);
        async move { warm }
    });
    Health::default()
        .check(Probe::Startup, startup)
        .drain_delay(Duration::from_secs(60))
}

async fn status(url: String) -> u16 {
    get(&url).await.status
}

#[actix_web::test]
async fn two_healths_of_one_process_keep_their_own_latch_switches_and_drain() {
    let captured = health_tests::log::captured();
    let (warm_a, warm_b) = (
        Arc::new(AtomicBool::new(true)),
        Arc::new(AtomicBool::new(false)),
    );
    let (a, b) = (health(&warm_a), health(&warm_b));
    // Served by axum, which leaves the signal to the `Health` (an actix server stops at it).
    let base_a = serve_axum({
        let a = a.clone();
        move || a.router()
    });
    let base_b = serve_axum({
        let b = b.clone();
        move || b.router()
    });

    // A has started; B has not, and its readiness waits for its own startup checks.
    assert_eq!(status(format!("{base_a}/startupz")).await, 200);
    assert_eq!(status(format!("{base_b}/startupz")).await, 503);
    assert_eq!(status(format!("{base_b}/readyz")).await, 503);
    warm_a.store(false, Ordering::SeqCst);
    assert_eq!(
        status(format!("{base_a}/startupz")).await,
        200,
        "started for good"
    );
    warm_b.store(true, Ordering::SeqCst);
    assert_eq!(status(format!("{base_b}/readyz")).await, 200);

    // One's switches are not the other's.
    a.availability().refuse_traffic("maintenance");
    let refused = get(&format!("{base_a}/readyz")).await;
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert_eq!(refused.check("availability")["error"], "maintenance");
    assert_eq!(status(format!("{base_b}/readyz")).await, 200);
    b.availability().break_liveness("wedged");
    assert_eq!(status(format!("{base_b}/livez")).await, 503);
    assert_eq!(status(format!("{base_a}/livez")).await, 200);
    a.availability().accept_traffic();
    b.availability().restore_liveness();
    // Each probe's changes are its own `Health`'s: A failing and B passing is no flapping.
    let readiness: Vec<String> = captured
        .lines()
        .into_iter()
        .filter(|line| line.contains("readiness probe"))
        .collect();
    let [b_starting, b_started, a_refused] = &readiness[..] else {
        panic!("{readiness:#?}");
    };
    assert!(b_starting.starts_with("WARN readiness probe fails: "));
    assert!(b_started.starts_with("INFO readiness probe passes probe="));
    assert!(a_refused.starts_with("WARN readiness probe fails: "));
    assert!(a_refused.contains("maintenance"), "{a_refused}");

    // A SIGTERM drains the `Health` whose future awaits it, and not the other.
    let mut drain = Box::pin(a.shutdown_signal());
    let listening = std::future::poll_fn(|cx| {
        assert!(drain.as_mut().poll(cx).is_pending());
        std::task::Poll::Ready(())
    });
    listening.await;
    let drain = actix_web::rt::spawn(drain);
    let status_of_kill = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .expect("run kill");
    assert!(status_of_kill.success());
    sleep(Duration::from_millis(200)).await;
    let draining = get(&format!("{base_a}/readyz")).await;
    assert_eq!(draining.status, 503, "{}", draining.body);
    assert_eq!(draining.json()["error"], "shutting down");
    assert!(a.availability().is_shutting_down());
    assert_eq!(status(format!("{base_b}/readyz")).await, 200);
    assert!(!b.availability().is_shutting_down());
    drain.abort();
}
