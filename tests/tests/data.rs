//! A check's parameters: `web::Data<T>`, several to a check, resolved from the app's data at
//! every run; `Data<T>`, given to the `Health` once and seen on every port and in background
//! loops.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::web;
use health_runtime::{Data, Health, liveness, readiness};
use health_tests::{free_port, get, serve, serve_health};

struct Pool {
    in_use: AtomicU32,
}

struct Limits {
    max: u32,
}

#[readiness]
async fn capacity(
    pool: web::Data<Pool>,
    limits: actix_web::web::Data<Limits>,
) -> Result<serde_json::Value, String> {
    let in_use = pool.in_use.load(Ordering::SeqCst);
    if in_use <= limits.max {
        Ok(serde_json::json!({ "in_use": in_use, "max": limits.max }))
    } else {
        Err(format!(
            "{in_use} connections in use, over the limit of {}",
            limits.max
        ))
    }
}

#[actix_web::test]
async fn every_parameter_is_resolved_at_each_run() {
    let pool = web::Data::new(Pool {
        in_use: AtomicU32::new(3),
    });
    let base = serve({
        let pool = pool.clone();
        move |config| {
            config
                .app_data(pool.clone())
                .app_data(web::Data::new(Limits { max: 4 }))
                .service(Health::default());
        }
    });
    let answer = get(&format!("{base}/ready")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.check("capacity")["data"],
        serde_json::json!({"in_use": 3, "max": 4})
    );

    pool.in_use.store(5, Ordering::SeqCst);
    let answer = get(&format!("{base}/ready")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(
        answer.json()["error"],
        "capacity failed: 5 connections in use, over the limit of 4"
    );
}

#[actix_web::test]
async fn a_missing_second_parameter_is_named() {
    let base = serve(|config| {
        config
            .app_data(web::Data::new(Pool {
                in_use: AtomicU32::new(0),
            }))
            .service(Health::default());
    });
    let answer = get(&format!("{base}/ready")).await;
    assert_eq!(answer.status, 503);
    let error = answer.check("capacity")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        error.starts_with("app data `web::Data<Limits>` is not registered"),
        "{error}"
    );
}

struct Queue {
    depth: AtomicUsize,
}

impl Queue {
    fn check(&self) -> Result<usize, String> {
        match self.depth.load(Ordering::SeqCst) {
            depth if depth < 100 => Ok(depth),
            depth => Err(format!("{depth} jobs waiting")),
        }
    }
}

#[liveness]
async fn backlog(queue: Data<Queue>) -> Result<usize, String> {
    queue.check()
}

#[liveness(name = "backlog.loop", interval = "50ms")]
async fn backlog_loop(queue: Data<Queue>) -> Result<usize, String> {
    queue.check()
}

/// The checks' `error`s on `/livez` of `base`, by name, and its status.
async fn livez(base: &str) -> (u16, serde_json::Value, serde_json::Value) {
    let answer = get(&format!("{base}/livez")).await;
    let error = |name| answer.check(name)["error"].clone();
    (answer.status, error("backlog"), error("backlog.loop"))
}

#[actix_web::test]
async fn data_given_to_the_health_reaches_every_port_and_loop() {
    let queue = Arc::new(Queue {
        depth: AtomicUsize::new(3),
    });
    let health = Health::default().data(Data::from(queue.clone()));
    let port = free_port();
    let management = health
        .management_server(("127.0.0.1", port))
        .expect("bind the management port");
    actix_web::rt::spawn(management);
    let app = serve_health(health);
    let management = format!("http://127.0.0.1:{port}");

    for base in [&app, &management] {
        let answer = get(&format!("{base}/livez")).await;
        assert_eq!(answer.status, 200, "{base}: {}", answer.body);
        assert_eq!(answer.check("backlog")["data"], 3);
    }
    queue.depth.store(500, Ordering::SeqCst);
    // The loop's next run, 50 ms on.
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    for base in [&app, &management] {
        let failing = serde_json::json!("500 jobs waiting");
        assert_eq!(livez(base).await, (503, failing.clone(), failing));
    }
}

#[actix_web::test]
async fn a_data_never_given_is_named_with_the_call_that_gives_it() {
    let base = serve_health(Health::default());
    // One check's path: the loop (one a process) stays the other test's, with its data.
    let answer = get(&format!("{base}/livez/backlog")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(
        answer.json()["checks"][0]["error"],
        "check data `Data<Queue>` was not given to this Health; give it with \
         `Health::data(Data::new(value))`"
    );
}
