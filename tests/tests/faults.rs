//! A check never takes the probe or the server down: hung checks time out, panics are caught
//! (and kept off stderr), and all checks of a probe run at once. A check's changes are logged once
//! each, at their levels; each failure is counted as what it was, with the `metrics` feature.

use std::time::{Duration, Instant};

use actix_web::rt::time::sleep;
use health_runtime::{Check, DEFAULT_TIMEOUT, Health, Probe, liveness, readiness};
use health_tests::example::Example;
use health_tests::{get, metric_sample, serve};

#[readiness(timeout = "300ms")]
async fn hung() {
    std::future::pending::<()>().await;
}

#[readiness]
async fn panics() -> bool {
    panic!("secret=hunter2 leaked into a panic message");
}

#[readiness(timeout = "2s")]
async fn slow_a() {
    sleep(Duration::from_millis(400)).await;
}

#[readiness(timeout = "2s")]
async fn slow_b() {
    sleep(Duration::from_millis(400)).await;
}

#[liveness]
async fn alive() {}

fn app(config: &mut actix_web::web::ServiceConfig) {
    config.service(Health::default());
}

/// A builder-added check that never finishes and sets no timeout of its own.
fn hung_check() -> Check {
    Check::new("hung_default", std::future::pending::<()>)
}

#[actix_web::test]
async fn a_hung_check_fails_within_its_timeout() {
    let base = serve(app);
    let answer = get(&format!("{base}/readyz/hung")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.json()["error"], "hung failed: timed out after 300ms");
    let duration = answer.check("hung")["duration_ms"].as_f64().unwrap();
    assert!((300.0..1000.0).contains(&duration), "{duration} ms");
    assert!(
        answer.elapsed < Duration::from_secs(1),
        "{:?}",
        answer.elapsed
    );
}

#[actix_web::test]
async fn a_panicking_check_fails_without_its_payload_and_the_server_keeps_serving() {
    let base = serve(app);
    let answer = get(&format!("{base}/readyz/panics")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(
        answer.json()["error"],
        "panics failed: panicked (the message is in the service's log)"
    );
    assert!(!answer.body.contains("hunter2"));
    // Same worker, next requests: still serving.
    assert_eq!(get(&format!("{base}/healthz")).await.status, 200);
    assert_eq!(get(&format!("{base}/readyz/panics")).await.status, 503);
}

#[actix_web::test]
async fn checks_run_concurrently() {
    let base = serve(app);
    let answer = get(&format!("{base}/ready?exclude=hung&exclude=panics")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.check_names(), ["slow_a", "slow_b"]);
    // Run one after the other, two 400 ms checks would take 800 ms.
    assert!(
        answer.elapsed < Duration::from_millis(800),
        "{:?}",
        answer.elapsed
    );
}

#[actix_web::test]
async fn the_whole_probe_answers_within_its_slowest_check() {
    let base = serve(app);
    let answer = get(&format!("{base}/ready")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(
        answer.json()["error"],
        "hung failed: timed out after 300ms; \
         panics failed: panicked (the message is in the service's log)"
    );
    assert_eq!(answer.check("slow_a")["status"], "OK");
    assert!(
        answer.elapsed < Duration::from_millis(800),
        "{:?}",
        answer.elapsed
    );
    assert_eq!(get(&format!("{base}/livez")).await.status, 200);
}

#[actix_web::test]
async fn the_default_timeout_keeps_a_probe_inside_the_kubelets_second() {
    assert_eq!(DEFAULT_TIMEOUT, Duration::from_millis(800));
    let base = serve(|config| {
        config.service(Health::default().check(Probe::Liveness, hung_check()));
    });
    let answer = get(&format!("{base}/livez")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(
        answer.json()["error"],
        "hung_default failed: timed out after 800ms"
    );
    assert!(
        answer.elapsed < Duration::from_secs(1),
        "{:?}",
        answer.elapsed
    );
}

#[actix_web::test]
async fn the_builder_sets_the_default_timeout() {
    let base = serve(|config| {
        let health = Health::default()
            .default_timeout(Duration::from_millis(150))
            .check(Probe::Liveness, hung_check());
        config.service(health);
    });
    let answer = get(&format!("{base}/livez/hung_default")).await;
    assert_eq!(
        answer.json()["error"],
        "hung_default failed: timed out after 150ms"
    );
    // A check's own timeout still wins over the default.
    let answer = get(&format!("{base}/readyz/hung")).await;
    assert_eq!(answer.json()["error"], "hung failed: timed out after 300ms");
}

/// Durations past what a probe can mean, or below tokio's timers, are refused where they are
/// given (an interval of `u64::MAX` seconds made every probe panic in the worker); the longest
/// that a probe can mean serves.
#[actix_web::test]
async fn a_duration_out_of_bounds_is_refused_where_it_is_given() {
    type Build = Box<dyn FnOnce() + std::panic::UnwindSafe>;
    let refused = |build: Build| {
        let payload = std::panic::catch_unwind(build).expect_err("refused");
        payload.downcast_ref::<String>().expect("a message").clone()
    };
    let waits = || Check::new("waits", || sleep(Duration::from_millis(20)));
    let cases: [(Build, &str); 4] = [
        (
            Box::new(move || drop(waits().timeout(Duration::MAX))),
            "Check::new(\"waits\").timeout(",
        ),
        (
            Box::new(move || drop(waits().interval(Duration::from_secs(u64::MAX)))),
            "`interval` must be at most 1day",
        ),
        (
            Box::new(|| drop(Health::default().default_timeout(Duration::from_nanos(1)))),
            "Health::default_timeout(1ns): `timeout` must be at least 1ms",
        ),
        (
            Box::new(|| drop(Health::default().default_cache(Duration::from_secs(86_401)))),
            "`cache` must be at most 1day",
        ),
    ];
    for (build, message) in cases {
        let told = refused(build);
        assert!(told.contains(message), "{told}");
    }
    let base = serve(move |config| {
        let longest = Duration::from_secs(5 * 60);
        let check = waits().timeout(longest);
        let health = Health::default()
            .default_timeout(longest)
            .check(Probe::Liveness, check);
        config.service(health);
    });
    let answer = get(&format!("{base}/livez/waits")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[actix_web::test]
async fn a_builder_check_that_panics_before_its_future_is_caught_too() {
    let base = serve(|config| {
        let check = Check::new("panics_at_call", || -> std::future::Ready<bool> {
            panic!("not even a future")
        });
        config.service(Health::default().check(Probe::Liveness, check));
    });
    let answer = get(&format!("{base}/livez")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(
        answer.json()["error"],
        "panics_at_call failed: panicked (the message is in the service's log)"
    );
    assert_eq!(get(&format!("{base}/livez/alive")).await.status, 200);
}

/// The message of a check that panics, which may hold anything (here a password), never reaches
/// stderr as it is: Rust's default hook does not print it, the service's log gets it redacted,
/// and once for a check that panics on every probe. A panic outside a check reaches the
/// application's own hook, set before the `Health` is built or after. (The service runs as a
/// process of its own, `src/bin/`, whose stderr the test reads.)
#[actix_web::test]
async fn a_panicking_check_leaves_one_redacted_line_and_other_panics_reach_the_app() {
    for app_hook in ["before", "after"] {
        let service = Example::start(
            env!("CARGO_BIN_EXE_panicking_service"),
            &[("RUST_BACKTRACE", "1"), ("APP_HOOK", app_hook)],
        )
        .await;
        for _ in 0..50 {
            let answer = get(&format!("{}/ready", service.base)).await;
            assert_eq!(answer.status, 503);
            assert_eq!(
                answer.json()["error"],
                "leaky failed: panicked (the message is in the service's log)"
            );
        }
        let answer = get(&format!("{}/panic-outside", service.base)).await;
        assert_eq!(answer.body, "panicked: true");

        let log = service.log();
        assert!(!log.contains("hunter2"), "{log}");
        assert!(!log.contains("stack backtrace"), "{log}");
        let lines: Vec<&str> = log
            .lines()
            .filter(|line| line.contains("`leaky`"))
            .collect();
        assert_eq!(lines.len(), 1, "{log}");
        assert!(
            lines[0].starts_with(
                "WARN health check `leaky` panicked at tests/src/bin/panicking_service.rs:"
            ),
            "{}",
            lines[0]
        );
        // Through `log`, the event's fields follow its message, the run's duration last.
        let (line, duration) = lines[0]
            .rsplit_once(" duration=")
            .expect("a duration field");
        assert!(
            line.ends_with(
                ": cannot reach postgres://***@db:5432/app check=\"leaky\" probe=\"readiness\" \
                 status=\"FAIL\""
            ),
            "{}",
            lines[0]
        );
        assert!(duration.ends_with('s'), "a Debug duration: {duration}");
        // The app's hook saw the other panic, and none of the check's.
        let hooked: Vec<&str> = log
            .lines()
            .filter(|line| line.starts_with("app hook:"))
            .collect();
        assert_eq!(hooked, ["app hook: outside a check"], "{app_hook}: {log}");
    }
}

/// A check's future that panics as it is dropped at its timeout, with or without a cache, only
/// times out, probe after probe. A panic on a blocking thread that a check started is outside
/// the check: it reaches the app's hook as it is, and where the app set none, stderr redacted.
#[actix_web::test]
async fn panics_beside_a_checks_code_are_contained_and_redacted() {
    for app_hook in ["none", "before"] {
        let service = Example::start(
            env!("CARGO_BIN_EXE_panicking_service"),
            &[("PANIC_BESIDE_CHECKS", "1"), ("APP_HOOK", app_hook)],
        )
        .await;
        for _ in 0..5 {
            let began = Instant::now();
            let answer = get(&format!("{}/livez", service.base)).await;
            assert!(
                began.elapsed() < Duration::from_secs(1),
                "{:?}",
                began.elapsed()
            );
            assert_eq!(answer.status, 503);
            assert_eq!(answer.check("dropped")["error"], "timed out after 100ms");
            assert_eq!(
                answer.check("dropped_cached")["error"],
                "timed out after 100ms"
            );
            assert_eq!(answer.check("blocking")["status"], "FAIL");
        }
        let log = service.log();
        let blocking = "blocking call to mysql://app:hunter2@db/app failed";
        let hooked: Vec<&str> = log
            .lines()
            .filter(|line| line.starts_with("app hook:"))
            .collect();
        if app_hook == "none" {
            assert!(!log.contains("hunter2"), "{log}");
            assert!(
                log.contains("blocking call to mysql://***@db/app failed"),
                "{log}"
            );
            assert_eq!(hooked, [""; 0], "{log}");
        } else {
            assert!(hooked.len() >= 5, "{log}");
            assert!(
                hooked
                    .iter()
                    .all(|line| *line == format!("app hook: {blocking}")),
                "{log}"
            );
        }
        let dropped: Vec<&str> = log
            .lines()
            .filter(|line| line.contains("health check `dropped` panicked"))
            .collect();
        assert_eq!(dropped.len(), 1, "logged once: {app_hook}: {log}");
        assert!(
            dropped[0]
                .contains("dropped holding password=*** (while its unfinished run was dropped)"),
            "{}",
            dropped[0]
        );
    }
}

#[actix_web::test]
async fn failed_runs_are_counted_by_how_they_failed() {
    let prometheus = metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .expect("the one recorder of this binary");
    async fn panicking() -> bool {
        panic!("counted")
    }
    let panicking = Check::new("counted_panic", panicking);
    let hanging =
        Check::new("counted_hang", std::future::pending::<()>).timeout(Duration::from_millis(20));
    let health = Health::default()
        .check(Probe::Liveness, panicking)
        .check(Probe::Liveness, hanging);
    let base = serve(move |config| {
        config.service(health.clone());
    });
    assert_eq!(get(&format!("{base}/livez")).await.status, 503);

    let scrape = prometheus.render();
    for (check, outcome) in [("counted_panic", "panic"), ("counted_hang", "timeout")] {
        let labels = [
            &*format!("check=\"{check}\""),
            &*format!("outcome=\"{outcome}\""),
        ];
        let runs = metric_sample(&scrape, "health_check_runs_total", &labels);
        assert_eq!(runs, Some(1.0), "{check}: {scrape}");
        let status = metric_sample(&scrape, "health_check_status", &labels[..1]);
        assert_eq!(status, Some(0.0), "{check}: {scrape}");
    }
}

#[actix_web::test]
async fn a_checks_changes_are_logged_once_each_at_their_levels() {
    let captured = health_tests::log::captured();
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // Slow and failing twice, slow and passing twice, then quick and passing twice: slowness
    // is told of passing runs only.
    let flappy = Check::new("flappy", {
        let runs = runs.clone();
        move || {
            let run = runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                if run < 4 {
                    sleep(Duration::from_millis(70)).await;
                }
                if run < 2 { Err("down") } else { Ok(()) }
            }
        }
    })
    .timeout(Duration::from_millis(100));
    let health = Health::default().check(Probe::Liveness, flappy);
    let base = serve(move |config| {
        config.service(health.clone());
    });
    for status in [503, 503, 200, 200, 200, 200] {
        assert_eq!(get(&format!("{base}/livez/flappy")).await.status, status);
    }

    let lines: Vec<String> = captured
        .lines()
        .into_iter()
        .filter(|line| line.contains("`flappy`"))
        .collect();
    let expected = [
        ("WARN health check `flappy` failed: down", "status=\"FAIL\""),
        (
            "INFO health check `flappy` passes again, after 2 failures",
            "status=\"OK\"",
        ),
        ("WARN health check `flappy` is slow: ", "status=\"SLOW\""),
        (
            "INFO health check `flappy` is not slow any more",
            "status=\"NOT SLOW\"",
        ),
    ];
    assert_eq!(lines.len(), expected.len(), "{lines:#?}");
    for (line, (start, status)) in lines.iter().zip(expected) {
        assert!(line.starts_with(start), "{line}");
        assert!(
            line.contains(status) && line.contains(" duration="),
            "{line}"
        );
    }
}
