//! Two servers of one process, one `Health`: an actix app port and an axum management port, each
//! awaiting its own `health.shutdown_signal()`; one SIGTERM drains both (readiness 503 on each for
//! the delay) and then stops both. The drain is process-wide, so this test has its binary to
//! itself.

use std::time::{Duration, Instant};

use actix_web::rt::time::sleep;
use actix_web::{App, HttpServer};
use health_runtime::Health;
use health_tests::get;

#[actix_web::test]
async fn one_signal_drains_and_stops_every_server_of_the_process() {
    let delay = Duration::from_millis(800);
    let health = Health::default().drain_delay(delay);
    let app = HttpServer::new({
        let health = health.clone();
        move || App::new().service(health.clone())
    })
    .workers(1)
    .shutdown_signal(health.shutdown_signal())
    .bind(("127.0.0.1", 0))
    .expect("bind a loopback port");
    let mut bases = vec![format!("http://{}", app.addrs()[0])];
    let app = actix_web::rt::spawn(app.run());

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    bases.push(format!("http://{}", listener.local_addr().unwrap()));
    let management = axum::serve(listener, health.router::<()>())
        .with_graceful_shutdown(health.shutdown_signal());
    let management = actix_web::rt::spawn(async move { management.await });

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
    let limit = Duration::from_secs(5);
    let stopped = actix_web::rt::time::timeout(limit, app).await;
    let result = stopped.expect("the actix server stops after the drain");
    result.expect("its task").expect("it ran");
    let stopped = actix_web::rt::time::timeout(limit, management).await;
    let result = stopped.expect("the axum server stops after the drain");
    result.expect("its task").expect("it ran");
    let after = signalled.elapsed();
    assert!(
        after >= delay,
        "stopped {after:?} after SIGTERM, before the delay"
    );
}
