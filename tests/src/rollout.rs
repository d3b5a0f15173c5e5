//! A rollout behind a real HAProxy: two instances of an example service under load, one of them
//! sent SIGTERM, every request through the balancer counted.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::rt::time::sleep;

use super::example::Example;
use super::get;
use super::haproxy::HaProxy;

/// The drain delay of the rollout with the drain.
const DRAIN_DELAY: Duration = Duration::from_secs(1);

/// Requests through the load balancer while one of two instances of the example `binary` gets
/// SIGTERM, with the drain (`DRAIN_DELAY=1`) or with its server's own stop (`DRAIN=off`): how many
/// fail, of how many sent. With the drain, the instance is also asked directly during its delay
/// (readiness fails, liveness and startup pass), and its exit timed.
pub async fn failures_in_a_rollout(binary: &str, drain: bool) -> (usize, usize) {
    let delay = DRAIN_DELAY.as_secs().to_string();
    let env = if drain {
        [("DRAIN_DELAY", delay.as_str())]
    } else {
        [("DRAIN", "off")]
    };
    let mut leaving = Example::start(binary, &env).await;
    let staying = Example::start(binary, &env).await;
    let balancer = HaProxy::start(&[leaving.address(), staying.address()]);
    // Both pass two checks (300 ms apart) before traffic starts.
    sleep(Duration::from_millis(1200)).await;

    let (sent, failed, running) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicBool::new(true)),
    );
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (sent, failed, running) = (sent.clone(), failed.clone(), running.clone());
            let url = format!("{}/healthz", balancer.base);
            actix_web::rt::spawn(async move {
                let client = awc::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .finish();
                while running.load(Ordering::Relaxed) {
                    sent.fetch_add(1, Ordering::Relaxed);
                    match client.get(&url).send().await {
                        Ok(response) if response.status().is_success() => {}
                        _ => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    sleep(Duration::from_millis(500)).await;
    let signalled = Instant::now();
    leaving.signal("TERM");
    if drain {
        // The instance asks to be taken out, and still serves.
        sleep(Duration::from_millis(300)).await;
        let base = &leaving.base;
        let ready = get(&format!("{base}/ready")).await;
        assert_eq!(ready.status, 503);
        assert_eq!(ready.json()["error"], "shutting down");
        assert_eq!(get(&format!("{base}/healthz")).await.status, 200);
        assert_eq!(get(&format!("{base}/startupz")).await.status, 200);
    }
    let exit = leaving.exit_within(Duration::from_secs(15)).await;
    assert!(exit.is_some(), "the instance stops");
    if drain {
        assert!(exit.is_some_and(|status| status.success()), "{exit:?}");
        let after = signalled.elapsed();
        assert!(after >= DRAIN_DELAY, "exited {after:?} after SIGTERM");
    }
    sleep(Duration::from_millis(500)).await;
    running.store(false, Ordering::Relaxed);
    for client in clients {
        client.await.expect("a client task");
    }
    drop(staying);
    (failed.load(Ordering::Relaxed), sent.load(Ordering::Relaxed))
}
