//! `cache` and `interval`: a storm of probes runs a check once per TTL, concurrent probes share
//! one run across workers, and background results are served without waiting.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::rt::time::sleep;
use actix_web::web;
use futures_util::future::join_all;
use health_runtime::{Check, Health, Probe, liveness, readiness};
use health_tests::{get, serve, serve_on_workers};

#[derive(Default)]
struct Runs {
    cached: AtomicUsize,
    background: AtomicUsize,
    abandoned: AtomicUsize,
}

#[readiness(cache = "1s")]
async fn cached(runs: web::Data<Runs>) -> bool {
    runs.cached.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_millis(100)).await;
    true
}

#[readiness(cache = "5s", timeout = "1s")]
async fn abandoned(runs: web::Data<Runs>) -> bool {
    runs.abandoned.fetch_add(1, Ordering::SeqCst);
    sleep(Duration::from_millis(300)).await;
    true
}

#[liveness(interval = "100ms", timeout = "1s")]
async fn background(runs: web::Data<Runs>) -> Result<usize, String> {
    let run = runs.background.fetch_add(1, Ordering::SeqCst) + 1;
    sleep(Duration::from_millis(300)).await;
    Ok(run)
}

fn app(runs: &web::Data<Runs>) -> impl Fn(&mut web::ServiceConfig) + Send + Clone + 'static {
    let runs = runs.clone();
    move |config| {
        config.app_data(runs.clone()).service(Health::default());
    }
}

#[actix_web::test]
async fn concurrent_probes_share_one_run_across_workers_and_reuse_it_for_the_ttl() {
    let runs = web::Data::new(Runs::default());
    let base = serve_on_workers(2, app(&runs));
    let url = format!("{base}/readyz/cached");

    let answers = join_all((0..100).map(|_| get(&url))).await;
    assert_eq!(
        runs.cached.load(Ordering::SeqCst),
        1,
        "100 concurrent probes, one run"
    );
    let mut fresh = 0;
    for answer in &answers {
        assert_eq!(answer.status, 200, "{}", answer.body);
        let check = answer.check("cached");
        match check.get("age_ms") {
            Some(age) => assert!(age.as_f64().unwrap() < 1000.0, "{age}"),
            None => fresh += 1,
        }
    }
    assert_eq!(
        fresh, 1,
        "only the probe that ran the check has a fresh result"
    );

    // Within the TTL: reused, with its age.
    let answer = get(&url).await;
    assert!(answer.check("cached")["age_ms"].is_number());
    assert_eq!(runs.cached.load(Ordering::SeqCst), 1);

    // After the TTL: run again.
    sleep(Duration::from_millis(1100)).await;
    let answer = get(&url).await;
    assert!(
        answer.check("cached").get("age_ms").is_none(),
        "{}",
        answer.body
    );
    assert_eq!(runs.cached.load(Ordering::SeqCst), 2);
}

#[actix_web::test]
async fn a_run_goes_on_when_the_probes_waiting_for_it_hang_up() {
    let runs = web::Data::new(Runs::default());
    let base = serve(app(&runs));
    let url = format!("{base}/readyz/abandoned");

    // 40 probes that hang up after 50 ms, the one that started the run among them.
    let impatient = awc::Client::builder()
        .timeout(Duration::from_millis(50))
        .finish();
    let answers = join_all((0..40).map(|_| impatient.get(&url).send())).await;
    assert!(answers.iter().all(Result::is_err), "every probe hung up");
    sleep(Duration::from_millis(500)).await;

    // The run finished all the same: the next probe takes its result.
    let answer = get(&url).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.check("abandoned")["age_ms"].is_number(),
        "{}",
        answer.body
    );
    assert_eq!(runs.abandoned.load(Ordering::SeqCst), 1);
}

#[actix_web::test]
async fn background_results_are_served_without_waiting() {
    let runs = web::Data::new(Runs::default());
    let base = serve(app(&runs));
    let url = format!("{base}/livez/background");

    // The first probe starts the loop and waits for its first run.
    let first = get(&url).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.check("background")["data"], 1);

    for _ in 0..10 {
        let answer = get(&url).await;
        assert_eq!(answer.status, 200);
        // A run takes 300 ms; an answer from the latest result does not wait for one.
        assert!(
            answer.elapsed < Duration::from_millis(300),
            "{:?}",
            answer.elapsed
        );
        assert!(answer.check("background")["age_ms"].is_number());
        sleep(Duration::from_millis(50)).await;
    }
    // The loop runs on its own, about every 300 ms (the run is longer than the 100 ms period).
    let before = runs.background.load(Ordering::SeqCst);
    sleep(Duration::from_millis(1000)).await;
    let after = runs.background.load(Ordering::SeqCst);
    assert!(
        after >= before + 2,
        "{before} runs, then {after} a second later"
    );
}

#[actix_web::test]
async fn builder_checks_and_the_default_cache() {
    let shared_runs = std::sync::Arc::new(AtomicUsize::new(0));
    let health = Health::default()
        .default_cache(Duration::from_secs(60))
        .check(
            Probe::Readiness,
            Check::new("counted", {
                let runs = shared_runs.clone();
                move || {
                    runs.fetch_add(1, Ordering::SeqCst);
                    async { true }
                }
            }),
        );
    // Built once and cloned into every worker: one cache for the process.
    let base = serve_on_workers(2, move |config| {
        config
            .app_data(web::Data::new(Runs::default()))
            .service(health.clone());
    });
    for _ in 0..20 {
        assert_eq!(get(&format!("{base}/readyz/counted")).await.status, 200);
    }
    assert_eq!(shared_runs.load(Ordering::SeqCst), 1);
}

#[actix_web::test]
async fn a_probe_served_on_no_path_runs_no_background_check() {
    let counted = |runs: &std::sync::Arc<AtomicUsize>, name: &'static str| {
        let runs = runs.clone();
        Check::new(name, move || {
            runs.fetch_add(1, Ordering::SeqCst);
            async { true }
        })
        .interval(Duration::from_millis(20))
    };
    let (served_runs, unserved_runs) = Default::default();
    let health = Health::default()
        .check(Probe::Readiness, counted(&served_runs, "served"))
        .check(Probe::Startup, counted(&unserved_runs, "unserved"))
        .paths(Probe::Startup, Vec::<&str>::new());
    serve(move |config| {
        config
            .app_data(web::Data::new(Runs::default()))
            .service(health.clone());
    });
    sleep(Duration::from_millis(300)).await;
    assert!(served_runs.load(Ordering::SeqCst) >= 2);
    assert_eq!(unserved_runs.load(Ordering::SeqCst), 0);
}
