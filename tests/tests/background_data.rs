//! An `interval` check that takes `web::Data<T>` starts with the server when `Health` was given
//! all of its data, and waits for a probe when it was not. (Its own binary: a declared check's
//! loop is one per process.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::rt::time::sleep;
use actix_web::web;
use health_runtime::{Health, liveness, readiness};
use health_tests::{get, serve_stoppable};

struct Counter(AtomicUsize);

/// Another type, to give `Health` data that is not the check's.
struct Unrelated;

/// The second parameter of `two_params`, which `Health` is never given.
struct OnlyInApp;

/// A slow check: a probe that waited for a run would take at least `RUN`.
const RUN: Duration = Duration::from_millis(300);

#[readiness(interval = "50ms", timeout = "1s")]
async fn counted(counter: web::Data<Counter>) -> Result<usize, String> {
    let run = counter.0.fetch_add(1, Ordering::SeqCst) + 1;
    sleep(RUN).await;
    Ok(run)
}

/// Given only its first parameter, `Health` must not start it: its run would fail for want of the
/// second, which the `App` holds.
#[liveness(interval = "50ms", timeout = "1s")]
async fn two_params(_counter: web::Data<Counter>, _other: web::Data<OnlyInApp>) {}

#[actix_web::test]
async fn a_loop_starts_with_the_server_when_health_has_its_data() {
    let counter = web::Data::new(Counter(AtomicUsize::new(0)));

    // The App has the data, `Health` has other data: the loop waits for a probe to bring it
    // (rather than failing for want of it), and that probe waits for the first run.
    let app_data = counter.clone();
    let (base, server) = serve_stoppable(1, move |config: &mut web::ServiceConfig| {
        let health = Health::default().app_data(web::Data::new(Unrelated));
        config.app_data(app_data.clone()).service(health);
    });
    sleep(Duration::from_millis(500)).await;
    assert_eq!(counter.0.load(Ordering::SeqCst), 0);
    let first = get(&format!("{base}/ready")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(first.elapsed >= RUN, "{:?}", first.elapsed);
    server.stop(true).await;
    // The stopped worker drops its loop a little after the stop returns.
    sleep(Duration::from_millis(100)).await;

    // Given the data, `Health` starts the loop with the server, before any probe.
    let before = counter.0.load(Ordering::SeqCst);
    let app_data = counter.clone();
    let (base, _server) = serve_stoppable(1, move |config: &mut web::ServiceConfig| {
        let health = Health::default().app_data(app_data.clone());
        config
            .app_data(app_data.clone())
            .app_data(web::Data::new(OnlyInApp))
            .service(health);
    });
    sleep(Duration::from_millis(1000)).await;
    assert!(counter.0.load(Ordering::SeqCst) >= before + 2);

    // So the first probe answers from its latest result at once.
    let first = get(&format!("{base}/ready")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(first.elapsed < RUN, "{:?}", first.elapsed);
    assert!(
        first.check("counted")["age_ms"].is_number(),
        "{}",
        first.body
    );

    // The check with a parameter that only the App holds waited for its probe, and passes.
    let live = get(&format!("{base}/livez")).await;
    assert_eq!(live.status, 200, "{}", live.body);
}
