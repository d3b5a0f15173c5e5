//! The outage scenarios every database server goes through: killed, frozen, and a storm of
//! probes during an outage. Each is run against a service whose readiness check, named `check`,
//! pings the server through a sqlx pool under a 500 ms timeout.

use std::time::{Duration, Instant};

use futures_util::future::join_all;

use super::server::{PASSWORD, TestServer, WRONG_PASSWORD};
use super::{Answer, get};

/// The kubelet's default probe timeout: a probe answered later counts as failed.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// The timeout of the readiness check of the services under test.
const CHECK_TIMEOUT: Duration = Duration::from_millis(500);

/// sqlx's default `max_connections`, which the services under test keep.
const POOL_MAX: usize = 10;

async fn ready(base: &str) -> Answer {
    get(&format!("{base}/ready")).await
}

async fn assert_live(base: &str) {
    let answer = get(&format!("{base}/healthz")).await;
    assert_eq!(
        answer.status, 200,
        "liveness must not depend on the database: {}",
        answer.body
    );
}

/// A probe while the server is down: 503 naming the check, inside the kubelet's timeout.
async fn assert_unready(base: &str, check: &str) -> Answer {
    let answer = ready(base).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    let error = answer.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(error.starts_with(&format!("{check} failed: ")), "{error}");
    assert!(
        answer.elapsed < PROBE_TIMEOUT,
        "answered after {:?}",
        answer.elapsed
    );
    answer
}

/// Up: 200; killed: 503 at once, with the driver's reason rather than the check's timeout;
/// restarted: 200 on the next probe. Returns the times the first two probes after the kill took
/// to answer 503: the first finds the pool's connection broken, the second is refused a new one.
/// The tests tell "at once" from "at the timeout" by the reason and by half the timeout; the
/// milliseconds themselves (issue #11 aims at 50) are reported, not asserted, on a shared machine.
pub async fn killed_then_restarted(
    server: &mut impl TestServer,
    base: &str,
    check: &str,
) -> (Duration, Duration) {
    let answer = ready(base).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["status"], "READY");

    server.process().kill();
    // The pool's idle connection finds the server gone: the driver's reason, at once.
    let first = assert_unready(base, check).await;
    let error = first.json()["error"].as_str().unwrap().to_owned();
    assert!(!error.contains("timed out"), "the driver's reason: {error}");
    assert!(
        first.elapsed < CHECK_TIMEOUT / 2,
        "after {:?}",
        first.elapsed
    );
    // A new connection is refused: at once too, where the pool would retry until its timeout.
    let second = assert_unready(base, check).await;
    let error = second.json()["error"].as_str().unwrap().to_owned();
    assert!(error.contains("Connection refused"), "{error}");
    assert!(
        second.elapsed < CHECK_TIMEOUT / 2,
        "after {:?}",
        second.elapsed
    );
    assert_live(base).await;

    server.restart();
    let answer = ready(base).await;
    assert_eq!(
        answer.status, 200,
        "the first probe after the restart: {}",
        answer.body
    );
    assert_live(base).await;
    (first.elapsed, second.elapsed)
}

/// Up: 200; killed and restarted between two probes, the pool still holding a connection to
/// the server that is gone: 200 on the next probe, as a restart that the pool recovers from is
/// no outage.
pub async fn restarted_between_probes(server: &mut impl TestServer, base: &str) {
    let answer = ready(base).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    server.process().kill();
    server.restart();
    let answer = ready(base).await;
    assert_eq!(
        answer.status, 200,
        "the first probe after a restart: {}",
        answer.body
    );
}

/// Up: 200; frozen (SIGSTOP): 503 within the timeout; thawed: 200 on the next probe. Returns the
/// time the first probe after the freeze took to answer 503.
pub async fn frozen_then_thawed(server: &mut impl TestServer, base: &str, check: &str) -> Duration {
    assert_eq!(ready(base).await.status, 200);

    server.process().freeze();
    let first = assert_unready(base, check).await;
    assert!(
        first.json()["error"]
            .as_str()
            .unwrap()
            .ends_with("timed out after 500ms")
    );
    assert!(first.elapsed >= CHECK_TIMEOUT, "{:?}", first.elapsed);
    assert_unready(base, check).await;
    assert_live(base).await;

    server.process().thaw();
    let answer = ready(base).await;
    assert_eq!(
        answer.status, 200,
        "the first probe after the thaw: {}",
        answer.body
    );
    first.elapsed
}

/// 500 probes while the server is frozen leave the pool healthy afterwards, and the server's
/// connection count within the pool's bound: nothing checked out for good, nothing leaked.
pub async fn storm_during_outage(server: &mut impl TestServer, base: &str, check: &str) {
    assert_eq!(ready(base).await.status, 200);
    let before = server.connections();
    assert!(
        (1..=POOL_MAX).contains(&before),
        "{before} connections before the outage"
    );

    server.process().freeze();
    for _ in 0..10 {
        let answers = join_all((0..50).map(|_| ready(base))).await;
        for answer in answers {
            assert_eq!(answer.status, 503, "{}", answer.body);
            assert!(
                answer.body.contains(&format!("\"{check} failed: ")),
                "{}",
                answer.body
            );
        }
        assert_live(base).await;
    }
    server.process().thaw();

    // The thawed server first works through the connection attempts queued while it was frozen
    // (a new one per probe, which `cache` or `interval` spares it).
    let thawed = Instant::now();
    while ready(base).await.status != 200 {
        assert!(
            thawed.elapsed() < Duration::from_secs(60),
            "not ready a minute after the thaw"
        );
    }
    let recovery = thawed.elapsed();
    // Connections cut off during the freeze are closed by the pool in the background.
    let mut after = server.connections();
    for _ in 0..100 {
        if after <= before {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        after = server.connections();
    }
    assert!(
        after <= before,
        "{after} connections after the storm, {before} before"
    );
    eprintln!(
        "{check}: ready {recovery:?} after the thaw; \
         {before} connections before 500 probes during a freeze, {after} after"
    );
    for _ in 0..20 {
        assert_eq!(ready(base).await.status, 200);
    }
}

/// A refused login answers 503 with a readable reason that holds neither password nor userinfo.
pub async fn wrong_password(base: &str, check: &str) -> String {
    let answer = ready(base).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    let error = answer.json()["error"].as_str().unwrap().to_owned();
    assert!(error.starts_with(&format!("{check} failed: ")), "{error}");
    for secret in [WRONG_PASSWORD, PASSWORD, "app:"] {
        assert!(!answer.body.contains(secret), "{secret} in {}", answer.body);
    }
    error
}
