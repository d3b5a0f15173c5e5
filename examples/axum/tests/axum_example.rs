//! The quickstart on axum, run as a user runs it: it serves its probes on SQLite and stays live
//! without its database, and a SIGTERM drains it: behind a real HAProxy, no request fails, where
//! axum's own graceful stop loses some.

use health_tests::quickstart;
use health_tests::rollout::failures_in_a_rollout;
use health_tests::{get, manifest};

const AXUM_EXAMPLE: &str = env!("CARGO_BIN_EXE_axum-example");

#[actix_web::test]
async fn it_is_ready_on_a_fresh_sqlite_file() {
    let (service, _dir) = quickstart::is_ready_on_a_fresh_sqlite_file(AXUM_EXAMPLE).await;
    // The app's own route, beside the probes.
    assert_eq!(get(&format!("{}/", service.base)).await.body, "hello\n");
}

/// The shipped Kubernetes manifest carries the probes the example prints; every probe path in it
/// is served by the example, and passes; the grace period covers the drain.
#[actix_web::test]
async fn the_kubernetes_manifest_probes_what_the_example_serves() {
    let (service, _dir) = quickstart::is_ready_on_a_fresh_sqlite_file(AXUM_EXAMPLE).await;
    let manifest = include_str!("../kubernetes/deployment.yaml");
    manifest::assert_carries_printed_probes(AXUM_EXAMPLE, manifest);
    let paths = manifest::probe_paths(manifest);
    assert_eq!(paths, ["/healthz", "/ready"]);
    let grace = manifest::number(manifest, "terminationGracePeriodSeconds: ");
    let drain = manifest::number(manifest, "- { name: DRAIN_DELAY, value: ");
    assert!(grace > drain, "{grace} s of grace for a {drain} s drain");
    for path in paths {
        let answer = get(&format!("{}{path}", service.base)).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    }
}

#[actix_web::test]
async fn it_starts_and_stays_live_without_its_database() {
    quickstart::starts_and_stays_live_without_its_database(AXUM_EXAMPLE).await;
}

#[actix_web::test]
async fn behind_haproxy_a_drained_instance_loses_no_request() {
    let (failed, sent) = failures_in_a_rollout(AXUM_EXAMPLE, true).await;
    eprintln!("with the drain: {failed} of {sent} requests failed");
    assert_eq!(failed, 0, "of {sent}");
    assert!(sent > 100, "{sent} requests");

    // The same app with axum's own graceful stop at SIGTERM: it stops accepting at once, and the
    // load balancer keeps sending to it for up to a check's interval.
    let (failed, sent) = failures_in_a_rollout(AXUM_EXAMPLE, false).await;
    eprintln!("without it (axum's own stop): {failed} of {sent} requests failed");
    assert!(
        failed > 0,
        "of {sent}: axum's own stop refuses what is sent to it"
    );
}
