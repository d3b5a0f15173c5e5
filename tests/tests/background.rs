//! `interval` loops of checks that need no request start with the server, before any probe; and
//! a loop whose worker stopped is started again, so that its results do not go stale.
//! (One test in its own binary: a declared check's loop is one per process.)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::rt::time::sleep;
use health_runtime::{Check, Health, Probe, liveness};
use health_tests::{get, serve_stoppable};

static DECLARED_RUNS: AtomicUsize = AtomicUsize::new(0);

/// A slow check: a probe that waited for a run would take at least `RUN`.
const RUN: Duration = Duration::from_millis(300);

#[liveness(interval = "50ms", timeout = "1s")]
async fn declared() -> Result<usize, String> {
    let run = DECLARED_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    sleep(RUN).await;
    Ok(run)
}

#[actix_web::test]
async fn loops_start_with_the_server_and_again_after_their_worker_stopped() {
    let added_runs = Arc::new(AtomicUsize::new(0));
    let added = Check::new("added", {
        let runs = added_runs.clone();
        move || {
            runs.fetch_add(1, Ordering::SeqCst);
            async { sleep(RUN).await }
        }
    })
    .interval(Duration::from_millis(50));
    let health = Health::default().check(Probe::Liveness, added);
    let configure = move |config: &mut actix_web::web::ServiceConfig| {
        config.service(health.clone());
    };

    let (base, server) = serve_stoppable(1, configure.clone());
    // No probe yet: the loops run from the server's start.
    sleep(Duration::from_millis(1000)).await;
    assert!(DECLARED_RUNS.load(Ordering::SeqCst) >= 2);
    assert!(added_runs.load(Ordering::SeqCst) >= 2);

    // So the first probe answers from their results at once.
    let first = get(&format!("{base}/livez")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(first.elapsed < RUN, "{:?}", first.elapsed);
    for name in ["declared", "added"] {
        assert!(first.check(name)["age_ms"].is_number(), "{}", first.body);
    }

    // The worker that ran the loops stops; another server's start runs them again.
    server.stop(true).await;
    sleep(Duration::from_millis(100)).await;
    let (declared_before, added_before) = (
        DECLARED_RUNS.load(Ordering::SeqCst),
        added_runs.load(Ordering::SeqCst),
    );
    let (base, _server) = serve_stoppable(1, configure);
    sleep(Duration::from_millis(1000)).await;
    assert!(DECLARED_RUNS.load(Ordering::SeqCst) >= declared_before + 2);
    assert!(added_runs.load(Ordering::SeqCst) >= added_before + 2);
    let answer = get(&format!("{base}/livez")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.elapsed < RUN, "{:?}", answer.elapsed);
}
