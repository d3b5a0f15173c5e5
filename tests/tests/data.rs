//! A check's parameters: `web::Data<T>`, several to a check, resolved from the app's data at
//! every run; `Data<T>`, given to the `Health` once and seen on every port and in background
//! loops.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::web;
use health_runtime::{Data, Health, liveness, readiness};
use health_tests::example::Example;
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
                .service(with_queue());
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
            .service(with_queue());
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

/// Every check's `Data<T>` given: a `Health` that lacks one is not served.
fn with_queue() -> Health {
    let queue = Queue {
        depth: AtomicUsize::new(0),
    };
    Health::default().data(Data::new(queue))
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
    // The management port sees no App's data: the readiness check's is given too.
    let health = Health::default()
        .data(Data::from(queue.clone()))
        .app_data(web::Data::new(Pool {
            in_use: AtomicU32::new(0),
        }))
        .app_data(web::Data::new(Limits { max: 4 }));
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

/// A `Data<T>` that no `.data(..)` gives is found where the `Health` is served, with the check,
/// the type and the call that gives it: an axum router stops the program, a management port is
/// not made; an actix app stops, telling it once (`tests/duplicate_names.rs`).
#[actix_web::test]
async fn a_data_never_given_is_found_where_the_health_is_served() {
    let lacking = Health::default()
        .app_data(web::Data::new(Pool {
            in_use: AtomicU32::new(0),
        }))
        .app_data(web::Data::new(Limits { max: 4 }));
    let router = std::panic::AssertUnwindSafe(|| lacking.router::<()>());
    let refused = std::panic::catch_unwind(router).expect_err("refused");
    let message = refused.downcast_ref::<String>().expect("a message");
    assert_eq!(
        *message,
        "health checks cannot be served: health check `backlog` (data::backlog) takes \
         `Data<data::Queue>`, which this Health was not given: give it with \
         `.data(Data::new(value))` where the Health is built; health check `backlog.loop` \
         (data::backlog_loop) takes `Data<data::Queue>`, which this Health was not given: give \
         it with `.data(Data::new(value))` where the Health is built"
    );
    let error = lacking
        .management_server(("127.0.0.1", free_port()))
        .err()
        .expect("refused");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        error
            .to_string()
            .starts_with("health check `backlog` (data::backlog) takes")
    );

    // A `web::Data<T>` where no App's data is seen: give the Health the App's value too.
    let error = with_queue()
        .management_server(("127.0.0.1", free_port()))
        .err()
        .expect("refused");
    assert_eq!(
        error.to_string(),
        "health check `capacity` (data::capacity) takes `web::Data<data::Pool>`, which this \
         Health was not given: a management port sees no App's data: give the Health the App's \
         value too, with `.app_data(value.clone())`, or take `health_runtime::Data<T>`, given \
         with `.data(Data::new(value))`; health check `capacity` (data::capacity) takes \
         `web::Data<data::Limits>`, which this Health was not given: a management port sees no \
         App's data: give the Health the App's value too, with `.app_data(value.clone())`, or \
         take `health_runtime::Data<T>`, given with `.data(Data::new(value))`"
    );
}

/// On actix, an app whose `Health` lacks a `Data<T>` stops as its workers build their `App`s,
/// telling the mistake once.
#[actix_web::test]
async fn an_actix_app_whose_health_lacks_a_data_stops_saying_so_once() {
    let mut service = Example::spawn(env!("CARGO_BIN_EXE_missing_data_service"), &[]);
    let exited = service.exit_within(Duration::from_secs(20)).await;
    assert!(!exited.expect("the service stops").success());
    let log = service.log();
    let told = "health check `orders_db` (missing_data_service::orders_db) takes \
                `Data<missing_data_service::Pool>`, which this Health was not given";
    assert_eq!(log.matches(told).count(), 1, "{log}");
}

/// A test of some checks builds a `Health` of those alone, by name or by the module of their fn:
/// the others, and the data they take, are not its concern.
#[actix_web::test]
async fn a_test_serves_the_checks_it_chooses() {
    let backlog_only = Health::default()
        .only_checks(|_, check| check.name() == "backlog")
        .data(Data::new(Queue {
            depth: AtomicUsize::new(7),
        }));
    let answer = get(&format!("{}/livez", serve_health(backlog_only))).await;
    assert_eq!(answer.check_names(), ["backlog"]);
    assert_eq!(answer.check("backlog")["data"], 7);
    let readyz = get(&format!(
        "{}/readyz",
        serve_health(Health::default().only_checks(|_, _| false))
    ))
    .await;
    assert_eq!(readyz.check_names(), Vec::<String>::new());

    // By the path of their fn: `data::backlog` and `data::backlog_loop`, not `data::capacity`.
    let backlogs = Health::default()
        .only_checks(|_, check| check.function().starts_with("data::backlog"))
        .data(Data::new(Queue {
            depth: AtomicUsize::new(0),
        }));
    let base = serve_health(backlogs);
    let live = get(&format!("{base}/livez")).await;
    assert_eq!(live.check_names(), ["backlog", "backlog.loop"]);
    let ready = get(&format!("{base}/readyz")).await;
    assert_eq!(ready.check_names(), Vec::<String>::new());
}
