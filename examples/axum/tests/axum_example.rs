//! The quickstart on axum, run as a user runs it: it serves its probes on SQLite and stays live
//! without its database, and a SIGTERM drains it: behind a real HAProxy, no request fails, where
//! axum's own graceful stop loses some.

use health_tests::example::Example;
use health_tests::get;
use health_tests::rollout::failures_in_a_rollout;

const AXUM_EXAMPLE: &str = env!("CARGO_BIN_EXE_axum-example");

async fn start(database_url: &str) -> Example {
    Example::start(AXUM_EXAMPLE, &[("DATABASE_URL", database_url)]).await
}

#[actix_web::test]
async fn it_is_ready_on_a_fresh_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("quickstart.db");
    let service = start(&format!("sqlite://{}", file.display())).await;

    let answer = get(&format!("{}/ready", service.base)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["status"], "READY");
    assert_eq!(answer.check_names(), ["sqlite"]);
    assert!(file.exists(), "the database file is created on first use");
    let answer = get(&format!("{}/healthz", service.base)).await;
    assert_eq!(answer.json()["status"], "OK");
    assert_eq!(answer.check_names(), ["alive"]);
    assert_eq!(get(&format!("{}/", service.base)).await.body, "hello\n");
}

#[actix_web::test]
async fn it_starts_and_stays_live_without_its_database() {
    let dir = tempfile::tempdir().unwrap();
    let unreachable = dir.path().join("missing-dir").join("quickstart.db");
    let service = start(&format!("sqlite://{}", unreachable.display())).await;

    let answer = get(&format!("{}/ready", service.base)).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    let error = answer.json()["error"].as_str().unwrap().to_owned();
    // The driver's reason at once, not the check's 500 ms timeout.
    assert!(error.starts_with("sqlite failed: "), "{error}");
    assert!(error.contains("unable to open database file"), "{error}");
    assert!(
        answer.elapsed < std::time::Duration::from_millis(250),
        "{:?}",
        answer.elapsed
    );
    assert_eq!(get(&format!("{}/healthz", service.base)).await.status, 200);
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
