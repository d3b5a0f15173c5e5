//! Two servers of one process, one `Health`: each awaits its own `health.shutdown_signal()`, and
//! one SIGTERM drains both (readiness 503 on each for the delay) and then stops both. The drain is
//! process-wide, so this test has its binary to itself.

use std::time::{Duration, Instant};

use actix_web::rt::time::sleep;
use actix_web::{App, HttpServer};
use health_runtime::Health;
use health_tests::get;

#[actix_web::test]
async fn one_signal_drains_and_stops_every_server_of_the_process() {
    let delay = Duration::from_millis(800);
    let health = Health::default().drain_delay(delay);
    let mut servers = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..2 {
        let server = HttpServer::new({
            let health = health.clone();
            move || App::new().service(health.clone())
        })
        .workers(1)
        .shutdown_signal(health.shutdown_signal())
        .bind(("127.0.0.1", 0))
        .expect("bind a loopback port");
        bases.push(format!("http://{}", server.addrs()[0]));
        servers.push(actix_web::rt::spawn(server.run()));
    }
    for base in &bases {
        assert_eq!(get(&format!("{base}/readyz")).await.status, 200);
    }

    let status = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let signalled = Instant::now();
    sleep(Duration::from_millis(200)).await;
    for base in &bases {
        let answer = get(&format!("{base}/readyz")).await;
        assert_eq!(answer.status, 503, "{base}: {}", answer.body);
        assert_eq!(answer.json()["error"], "shutting down");
        assert_eq!(get(&format!("{base}/livez")).await.status, 200);
    }
    for server in servers {
        let stopped = actix_web::rt::time::timeout(Duration::from_secs(5), server).await;
        let result = stopped.expect("each server stops after the drain");
        result.expect("the server's task").expect("the server ran");
    }
    let after = signalled.elapsed();
    assert!(
        after >= delay,
        "stopped {after:?} after SIGTERM, before the delay"
    );
}
