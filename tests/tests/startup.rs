//! The startup latch: readiness and `/startupz` answer 503 until every critical startup check has
//! passed once; then `/startupz` answers 200 without running them again. Liveness is never held
//! back. The latch is process-wide, so this binary has a single test.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::rt::time::sleep;

use actix_web::web;
use health_runtime::{Health, liveness, readiness, startup};
use health_tests::{get, serve};

#[derive(Default)]
struct Warmup {
    warm: AtomicBool,
    runs: AtomicUsize,
}

#[startup]
async fn warmed_up(state: web::Data<Warmup>) -> bool {
    state.runs.fetch_add(1, Ordering::SeqCst);
    state.warm.load(Ordering::SeqCst)
}

#[startup(critical = false)]
async fn optional_warmup() -> Result<(), &'static str> {
    Err("cache not primed")
}

#[startup(timeout = "2s")]
async fn slow_startup() {
    sleep(Duration::from_millis(400)).await;
}

#[readiness(timeout = "2s")]
async fn ready() {
    sleep(Duration::from_millis(400)).await;
}

#[liveness]
async fn alive() {}

#[actix_web::test]
async fn startup_holds_readiness_until_it_has_passed_once() {
    let state = web::Data::new(Warmup::default());
    let base = serve({
        let state = state.clone();
        move |config| {
            config.app_data(state.clone()).service(Health::default());
        }
    });

    let answer = get(&format!("{base}/startupz")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.json()["error"], "warmed_up failed: returned false");
    assert_eq!(answer.check("optional_warmup")["status"], "WARN");

    for path in ["/ready", "/readyz"] {
        let answer = get(&format!("{base}{path}")).await;
        assert_eq!(answer.status, 503, "{path}");
        assert_eq!(
            answer.json()["error"],
            "service is starting: warmed_up failed: returned false"
        );
        assert_eq!(
            answer.check_names(),
            ["optional_warmup", "slow_startup", "warmed_up"]
        );
        // Startup and readiness checks run at once: 400 ms each, not 800 ms in all.
        assert!(
            answer.elapsed < Duration::from_millis(800),
            "{:?}",
            answer.elapsed
        );
    }
    let answer = get(&format!("{base}/readyz?verbose")).await;
    assert!(
        answer
            .body
            .ends_with("readiness check failed: service is starting\n")
    );
    // Liveness never waits for startup.
    assert_eq!(get(&format!("{base}/healthz")).await.status, 200);
    // One check can still be probed on its own.
    assert_eq!(get(&format!("{base}/readyz/ready")).await.status, 200);
    assert_eq!(get(&format!("{base}/startupz/warmed_up")).await.status, 503);
    assert_eq!(
        get(&format!("{base}/startupz/optional_warmup"))
            .await
            .status,
        200
    );
    assert_eq!(get(&format!("{base}/startupz/nope")).await.status, 404);
    // Excluding the failing check does not count as having started.
    assert_eq!(
        get(&format!("{base}/startupz?exclude=warmed_up"))
            .await
            .status,
        200
    );
    assert_eq!(get(&format!("{base}/ready")).await.status, 503);

    state.warm.store(true, Ordering::SeqCst);
    let answer = get(&format!("{base}/startupz")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["status"], "STARTED");
    assert_eq!(answer.check("warmed_up")["status"], "OK");
    let answer = get(&format!("{base}/ready")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.check_names(), ["ready"]);

    // Started is for good: the checks are not run again, even if they would now fail.
    state.warm.store(false, Ordering::SeqCst);
    let runs = state.runs.load(Ordering::SeqCst);
    assert_eq!(get(&format!("{base}/startupz")).await.status, 200);
    assert_eq!(get(&format!("{base}/ready")).await.status, 200);
    assert_eq!(state.runs.load(Ordering::SeqCst), runs);
}
