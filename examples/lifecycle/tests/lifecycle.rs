//! The lifecycle example over HTTP and by signals: a worker that stops fails liveness, the
//! availability switches take effect at the next probe, the checks' metrics are scraped, and a
//! SIGTERM drains: behind a real HAProxy, no request fails, where actix's own stop loses some.

use std::time::{Duration, Instant};

use actix_web::rt::time::sleep;
use health_tests::example::Example;
use health_tests::rollout::failures_in_a_rollout;
use health_tests::{get, metric_sample};

const LIFECYCLE: &str = env!("CARGO_BIN_EXE_lifecycle");

async fn start(env: &[(&str, &str)]) -> Example {
    Example::start(LIFECYCLE, env).await
}

async fn post(url: &str, body: &str) -> u16 {
    let client = awc::Client::default();
    let response = client.post(url).send_body(body.to_owned()).await;
    response.expect("the admin route answers").status().as_u16()
}

#[actix_web::test]
async fn a_worker_that_stops_fails_liveness_and_readiness_stays() {
    let service = start(&[("STOP_AFTER", "0.5"), ("MAX_SILENCE", "1")]).await;
    assert_eq!(get(&format!("{}/livez", service.base)).await.status, 200);
    sleep(Duration::from_millis(2000)).await;
    let answer = get(&format!("{}/livez", service.base)).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    let error = answer.check("worker")["error"].as_str().unwrap().to_owned();
    assert!(error.starts_with("no heartbeat for 1."), "{error}");
    assert!(error.ends_with("s (limit 1s)"), "{error}");
    assert_eq!(get(&format!("{}/readyz", service.base)).await.status, 200);
}

#[actix_web::test]
async fn availability_switches_take_effect_at_the_next_probe() {
    let service = start(&[]).await;
    let base = &service.base;
    assert_eq!(
        post(&format!("{base}/admin/refuse"), "maintenance: reindexing").await,
        204
    );
    let answer = get(&format!("{base}/readyz")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.json()["error"], "maintenance: reindexing");
    assert_eq!(answer.check("availability")["status"], "FAIL");
    let verbose = get(&format!("{base}/readyz?verbose")).await.body;
    assert!(
        verbose.starts_with("[-]availability failed: maintenance: reindexing\n"),
        "{verbose}"
    );
    assert_eq!(
        get(&format!("{base}/livez")).await.status,
        200,
        "liveness untouched"
    );
    // One check on its own is still answered by the check.
    assert_eq!(get(&format!("{base}/readyz/jobs")).await.status, 200);

    assert_eq!(post(&format!("{base}/admin/accept"), "").await, 204);
    assert_eq!(get(&format!("{base}/readyz")).await.status, 200);

    assert_eq!(
        post(&format!("{base}/admin/break"), "wedged: deadlock").await,
        204
    );
    let answer = get(&format!("{base}/livez")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.json()["error"], "wedged: deadlock");
    assert_eq!(
        get(&format!("{base}/readyz")).await.status,
        200,
        "readiness untouched"
    );
    assert_eq!(post(&format!("{base}/admin/restore"), "").await, 204);
    assert_eq!(get(&format!("{base}/livez")).await.status, 200);
}

#[actix_web::test]
async fn the_checks_metrics_are_served_in_the_prometheus_format() {
    let service = start(&[("STOP_AFTER", "0.2"), ("MAX_SILENCE", "0.5")]).await;
    let base = &service.base;
    assert_eq!(get(&format!("{base}/readyz")).await.status, 200);
    sleep(Duration::from_millis(1000)).await;
    assert_eq!(get(&format!("{base}/livez")).await.status, 503);
    let scrape = get(&format!("{base}/metrics")).await.body;

    let jobs = ["check=\"jobs\"", "probe=\"readiness\""];
    assert_eq!(
        metric_sample(&scrape, "health_check_status", &jobs),
        Some(1.0),
        "{scrape}"
    );
    let ok = ["check=\"jobs\"", "outcome=\"ok\""];
    assert_eq!(
        metric_sample(&scrape, "health_check_runs_total", &ok),
        Some(1.0),
        "{scrape}"
    );
    let worker = ["check=\"worker\"", "probe=\"liveness\""];
    assert_eq!(
        metric_sample(&scrape, "health_check_status", &worker),
        Some(0.0),
        "{scrape}"
    );
    let failed = ["check=\"worker\"", "outcome=\"error\""];
    assert_eq!(
        metric_sample(&scrape, "health_check_runs_total", &failed),
        Some(1.0),
        "{scrape}"
    );
    let count = metric_sample(&scrape, "health_check_duration_seconds_count", &jobs);
    assert_eq!(count, Some(1.0), "{scrape}");
}

#[actix_web::test]
async fn a_second_signal_ends_the_delay_at_once() {
    for second in ["TERM", "INT"] {
        let mut service = start(&[("DRAIN_DELAY", "30")]).await;
        service.signal("TERM");
        sleep(Duration::from_millis(300)).await;
        assert_eq!(get(&format!("{}/ready", service.base)).await.status, 503);
        let signalled = Instant::now();
        service.signal(second);
        let exit = service.exit_within(Duration::from_secs(10)).await;
        assert!(exit.is_some(), "still running after a second SIG{second}");
        let after = signalled.elapsed();
        assert!(after < Duration::from_secs(5), "SIG{second}: {after:?}");
    }
}

/// Once its delay is over, the drain waits for the request still in flight, and the process
/// exits as soon as it is done, rather than at actix's next look at its connections, up to a
/// second later.
#[actix_web::test]
async fn the_drain_ends_as_soon_as_the_last_request_is_done() {
    let mut service = start(&[("DRAIN_DELAY", "1")]).await;
    service.signal("TERM");
    sleep(Duration::from_millis(500)).await;
    // Still served, and done 100 ms after the delay.
    let answer = get(&format!("{}/work/600", service.base)).await;
    assert_eq!(answer.status, 200);
    let done = Instant::now();
    let exit = service.exit_within(Duration::from_secs(5)).await;
    assert!(exit.is_some_and(|status| status.success()), "{exit:?}");
    let after = done.elapsed();
    assert!(
        after < Duration::from_millis(800),
        "exited {after:?} after the last request was done"
    );
}

#[actix_web::test]
async fn behind_haproxy_a_drained_instance_loses_no_request() {
    let (failed, sent) = failures_in_a_rollout(LIFECYCLE, true).await;
    eprintln!("with the drain: {failed} of {sent} requests failed");
    assert_eq!(failed, 0, "of {sent}");
    assert!(sent > 100, "{sent} requests");

    // The same app without the drain: the load balancer keeps sending to the instance for up to
    // a check's interval after it stopped accepting.
    let (failed, sent) = failures_in_a_rollout(LIFECYCLE, false).await;
    eprintln!("without it (actix's own stop): {failed} of {sent} requests failed");
    assert!(
        failed > 0,
        "of {sent}: actix's own stop refuses the requests in flight to it"
    );
}
