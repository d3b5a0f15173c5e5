//! Two servers of one process, one `Health`: an actix app port and an axum management port, each
//! awaiting its own `health.shutdown_signal()`; one SIGTERM drains both (readiness 503 on each for
//! the delay, told once in the log) and then stops both, and a subscriber's loop ends with them.
//! A check that takes the `App`'s `web::Data` answers alike on both once the `Health` is given the
//! same value; without it, the axum router is refused, naming the fix. The drain is
//! process-wide, so this test has its binary to itself.

use std::time::{Duration, Instant};

use actix_web::rt::time::sleep;
use actix_web::{App, HttpServer, web};
use health_runtime::{Health, Probe, readiness};
use health_tests::get;

struct Pool {
    open: bool,
}

#[readiness]
async fn pool(pool: web::Data<Pool>) -> bool {
    pool.open
}

#[actix_web::test]
async fn one_signal_drains_and_stops_every_server_of_the_process() {
    let captured = health_tests::log::captured();
    let delay = Duration::from_millis(800);
    let pool = web::Data::new(Pool { open: true });

    // The `App`'s data is not the axum router's: refused where it is built, with the fix.
    let lacking = Health::default();
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lacking.router::<()>()));
    let refused = refused.expect_err("refused");
    let message = refused.downcast_ref::<String>().expect("a message");
    assert!(
        message.contains(
            "health check `pool` (two_servers::pool) takes `web::Data<two_servers::Pool>`, which \
             this Health was not given: an axum router sees no App's data: give the Health the \
             App's value too, with `.app_data(value.clone())`"
        ),
        "{message}"
    );

    let health = Health::default().app_data(pool.clone()).drain_delay(delay);
    let app = HttpServer::new({
        let health = health.clone();
        move || App::new().app_data(pool.clone()).service(health.clone())
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
    // The app's own code watching readiness: its loop ends with the drain.
    let mut readiness = health.subscribe(Probe::Readiness).await;
    let subscriber = actix_web::rt::spawn(async move {
        let mut seen = Vec::new();
        loop {
            seen.push(readiness.borrow_and_update().is_passing());
            if readiness.changed().await.is_err() {
                return seen;
            }
        }
    });

    // One answer and one history, whichever server asks.
    let mut since = Vec::new();
    for _ in 0..3 {
        for base in &bases {
            let answer = get(&format!("{base}/readyz")).await;
            assert_eq!(answer.status, 200, "{base}: {}", answer.body);
            since.push(answer.check("pool")["since"].clone());
        }
    }
    since.dedup();
    assert_eq!(since.len(), 1, "{since:?}");

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
    let ended = actix_web::rt::time::timeout(limit, subscriber).await;
    let seen = ended.expect("the subscriber's feed ends with the drain");
    assert_eq!(seen.expect("its task"), [true, false]);
    let after = signalled.elapsed();
    assert!(
        after >= delay,
        "stopped {after:?} after SIGTERM, before the delay"
    );
    let log = captured.lines();
    let told = log
        .iter()
        .filter(|line| line.starts_with("INFO shutting down: readiness fails"))
        .count();
    assert_eq!(told, 1, "{log:#?}");
}
