//! Flap damping and each check's history, served: `failures = N` holds a check's failures back
//! (shown as `WARN`, the probe passing) until N runs in a row failed; `successes = M` keeps a
//! failed check failing until M runs in a row passed. Runs are counted, not probes: a cached
//! result counts once, a background loop each of its runs. Every check says since when it has
//! stood as it does, and how many runs in a row failed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::rt::time::sleep;
use health_runtime::{Check, Health, Probe, readiness};
use health_tests::{Answer, get, serve_health};

static FLAKY_FAILS: AtomicBool = AtomicBool::new(false);

#[readiness(failures = 3, successes = 2)]
async fn flaky() -> Result<(), &'static str> {
    match FLAKY_FAILS.load(Ordering::SeqCst) {
        true => Err("refused"),
        false => Ok(()),
    }
}

/// A check that fails while `fails` is set.
fn switchable(name: &'static str, fails: &Arc<AtomicBool>) -> Check {
    let fails = fails.clone();
    Check::new(name, move || {
        let fails = fails.load(Ordering::SeqCst);
        async move { if fails { Err("refused") } else { Ok(()) } }
    })
}

/// The check's `since`: RFC 3339 in UTC with milliseconds, so that its text sorts as its time.
fn since(answer: &Answer, name: &str) -> String {
    let since = answer.check(name)["since"].clone();
    let since = since
        .as_str()
        .unwrap_or_else(|| panic!("no since: {}", answer.body));
    assert!(since.len() == 24 && since.ends_with('Z'), "{since}");
    since.to_owned()
}

#[actix_web::test]
async fn failures_are_held_back_until_n_runs_in_a_row_and_a_pass_needs_m() {
    let base = serve_health(Health::default());
    let url = format!("{base}/readyz");
    let passing = get(&url).await;
    assert_eq!(passing.status, 200, "{}", passing.body);
    assert_eq!(passing.check("flaky")["status"], "OK");
    let passing_since = since(&passing, "flaky");
    assert!(passing.check("flaky").get("consecutive_failures").is_none());

    FLAKY_FAILS.store(true, Ordering::SeqCst);
    for run in 1..=2 {
        let held_back = get(&url).await;
        assert_eq!(held_back.status, 200, "{}", held_back.body);
        let flaky = held_back.check("flaky");
        assert_eq!(flaky["status"], "WARN");
        assert_eq!(flaky["error"], format!("refused ({run} of 3)"));
        assert_eq!(flaky["consecutive_failures"], run);
        assert!(since(&held_back, "flaky") >= passing_since);
    }
    for run in 3..=4 {
        let failed = get(&url).await;
        assert_eq!(failed.status, 503, "{}", failed.body);
        assert_eq!(failed.json()["error"], "flaky failed: refused");
        assert_eq!(failed.check("flaky")["consecutive_failures"], run);
    }
    let failing_since = since(&get(&url).await, "flaky");

    FLAKY_FAILS.store(false, Ordering::SeqCst);
    let recovering = get(&url).await;
    assert_eq!(recovering.status, 503, "{}", recovering.body);
    assert_eq!(
        recovering.check("flaky")["error"],
        "passed 1 of the 2 runs in a row it needs to pass again; it failed: refused"
    );
    assert_eq!(since(&recovering, "flaky"), failing_since);
    // Failing still, with no failure in a row any more.
    assert!(
        recovering
            .check("flaky")
            .get("consecutive_failures")
            .is_none()
    );
    let passed = get(&url).await;
    assert_eq!(passed.status, 200, "{}", passed.body);
    assert_eq!(passed.check("flaky")["status"], "OK");
    assert!(since(&passed, "flaky") >= failing_since);

    // The IETF format says the same.
    let health_json = get(&format!("{url}?format=health-json")).await;
    let observation = &health_json.json()["checks"]["flaky"][0];
    assert_eq!(observation["status"], "pass");
    assert!(observation["since"].is_string(), "{}", health_json.body);
}

#[actix_web::test]
async fn a_cached_result_counts_once() {
    let fails = Arc::new(AtomicBool::new(false));
    let check = switchable("cached", &fails)
        .cache(Duration::from_millis(500))
        .failures(2);
    let base = serve_health(Health::default().check(Probe::Liveness, check));
    let url = format!("{base}/livez/cached");
    assert_eq!(get(&url).await.status, 200);
    sleep(Duration::from_millis(600)).await;

    fails.store(true, Ordering::SeqCst);
    for _ in 0..5 {
        let answer = get(&url).await;
        assert_eq!(answer.status, 200, "one run: held back, {}", answer.body);
        assert_eq!(answer.check("cached")["error"], "refused (1 of 2)");
    }
    sleep(Duration::from_millis(600)).await;
    let answer = get(&url).await;
    assert_eq!(answer.status, 503, "a second run: {}", answer.body);
    assert_eq!(answer.check("cached")["consecutive_failures"], 2);
}

#[actix_web::test]
async fn a_background_loop_counts_each_run() {
    let fails = Arc::new(AtomicBool::new(false));
    let check = switchable("looped", &fails)
        .interval(Duration::from_millis(50))
        .failures(3);
    let base = serve_health(Health::default().check(Probe::Liveness, check));
    let url = format!("{base}/livez/looped");
    assert_eq!(get(&url).await.status, 200);

    // No probe in between: the loop's runs are what count.
    fails.store(true, Ordering::SeqCst);
    sleep(Duration::from_millis(500)).await;
    let answer = get(&url).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    let failures = answer.check("looped")["consecutive_failures"].as_u64();
    assert!(failures.is_some_and(|runs| runs >= 3), "{}", answer.body);
}
