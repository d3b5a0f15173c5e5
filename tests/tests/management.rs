//! The management port: the same checks and data on a listener and a worker of their own, which
//! answer while the app's workers are held; and its `workers` check, which a worker that is only
//! slow passes and a worker that blocks for good fails.

use std::time::{Duration, Instant};

use actix_web::rt::time::sleep;
use actix_web::{HttpResponse, web};
use health_runtime::{Health, readiness};
use health_tests::{free_port, get, serve_on_workers};

struct Pool {
    size: u32,
}

#[readiness]
async fn pool(pool: web::Data<Pool>) -> Result<u32, String> {
    Ok(pool.size)
}

/// Holds the worker that serves it for `ms` milliseconds, as synchronous work does.
async fn block(ms: web::Path<u64>) -> HttpResponse {
    std::thread::sleep(Duration::from_millis(*ms));
    HttpResponse::Ok().finish()
}

/// Holds its worker for `ms` milliseconds of computation, never waiting.
async fn spin(ms: web::Path<u64>) -> HttpResponse {
    let until = Instant::now() + Duration::from_millis(*ms);
    while Instant::now() < until {
        std::hint::spin_loop();
    }
    HttpResponse::Ok().finish()
}

/// Holds its worker for `ms` milliseconds in a loop of short waits, as a synchronous retry does.
async fn retry(ms: web::Path<u64>) -> HttpResponse {
    let until = Instant::now() + Duration::from_millis(*ms);
    while Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    HttpResponse::Ok().finish()
}

/// An app on two workers with `health`, and its management port; their base URLs. `counted`:
/// the app is wrapped with `health.in_flight()`.
fn serve_with_management(health: Health, counted: bool) -> (String, String) {
    let port = free_port();
    let management = health
        .management_server(("127.0.0.1", port))
        .expect("bind the management port");
    actix_web::rt::spawn(management);
    let pool = web::Data::new(Pool { size: 4 });
    let app = serve_on_workers(2, move |config| {
        let routes = web::scope("")
            .app_data(pool.clone())
            .service(health.clone())
            .route("/block/{ms}", web::get().to(block))
            .route("/spin/{ms}", web::get().to(spin))
            .route("/retry/{ms}", web::get().to(retry));
        if counted {
            config.service(routes.wrap(health.in_flight()));
        } else {
            config.service(routes);
        }
    });
    (app, format!("http://127.0.0.1:{port}"))
}

/// `clients` clients sending back-to-back requests to `url` for `period`, while the `workers`
/// check is probed every 20 ms: each probe must pass. Returns how many requests were served.
async fn busy_for(url: &str, clients: usize, period: Duration, livez: &str) -> usize {
    let until = Instant::now() + period;
    let clients: Vec<_> = (0..clients)
        .map(|_| {
            let url = url.to_owned();
            actix_web::rt::spawn(async move {
                let mut served = 0;
                while Instant::now() < until {
                    get_owned(url.clone()).await;
                    served += 1;
                }
                served
            })
        })
        .collect();
    let mut probes = 0;
    while Instant::now() < until {
        let answer = get(livez).await;
        assert_eq!(answer.status, 200, "busy is not wedged: {}", answer.body);
        probes += 1;
        sleep(Duration::from_millis(20)).await;
    }
    assert!(probes >= 40, "{probes} probes");
    let mut served = 0;
    for client in clients {
        served += client.await.expect("a client");
    }
    served
}

/// The `workers` check's reason, once it fails.
async fn wedged_reason(livez: &str) -> String {
    let answer = get(livez).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    let error = answer.check("workers")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(error.starts_with("app worker "), "{error}");
    assert!(error.ends_with("(limit 1s)"), "{error}");
    error
}

#[actix_web::test]
async fn the_management_port_serves_the_same_checks_with_the_data_it_was_given() {
    let health = Health::default().app_data(web::Data::new(Pool { size: 7 }));
    let (app, management) = serve_with_management(health, false);
    let answer = get(&format!("{management}/readyz")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.check("pool")["data"], 7);
    // The app's own requests take the App's data.
    assert_eq!(get(&format!("{app}/readyz")).await.check("pool")["data"], 4);
    // The app's routes are not the management port's.
    assert_eq!(get(&format!("{management}/block/1")).await.status, 404);

    // Both app workers held: the management port answers meanwhile.
    let held = [(); 2].map(|()| actix_web::rt::spawn(get_owned(format!("{app}/block/1500"))));
    sleep(Duration::from_millis(200)).await;
    let answer = get(&format!("{management}/readyz")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        held.iter().all(|request| !request.is_finished()),
        "answered while held"
    );
    for request in held {
        request.await.expect("a held request");
    }
}

/// Where no `App`'s data is seen, a check's missing data stops the management port from being
/// made, with the call that gives it: it would fail on every probe there, and pass on the app's.
#[actix_web::test]
async fn data_the_management_port_lacks_is_named_with_its_fix() {
    let error = Health::default()
        .management_server(("127.0.0.1", free_port()))
        .err()
        .expect("refused");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(
        error.to_string(),
        "health check `pool` (management::pool) takes `web::Data<management::Pool>`, which this \
         Health was not given: a management port sees no App's data: give the Health the App's \
         value too, with `.app_data(value.clone())`, or take `health_runtime::Data<T>`, given \
         with `.data(Data::new(value))`"
    );
}

/// The `workers` check (limit 1 s) of an app on two workers, `counted` or not: while six
/// clients keep both workers busy with back-to-back `busy` requests for 3 s, it passes
/// throughout; while one `wedge` request holds a worker past the limit, it fails with a reason
/// that names the worker and holds `reason`; and it passes again once the request returns.
async fn busy_then_wedged(counted: bool, busy: &str, wedge: &str, reason: &str) {
    let health = Health::default()
        .app_data(web::Data::new(Pool { size: 1 }))
        .watch_workers(Duration::from_secs(1));
    let (app, management) = serve_with_management(health, counted);
    let livez = format!("{management}/livez");
    assert_eq!(get(&livez).await.status, 200);

    let served = busy_for(&format!("{app}/{busy}"), 6, Duration::from_secs(3), &livez).await;
    // Both workers were kept busy throughout: 2 x 3 s / 300 ms.
    assert!(served >= 14, "{served} requests served");

    let wedged = actix_web::rt::spawn(get_owned(format!("{app}/{wedge}")));
    sleep(Duration::from_millis(1700)).await;
    let error = wedged_reason(&livez).await;
    assert!(error.contains(reason), "{error}");
    wedged.await.expect("the wedged request");
    sleep(Duration::from_millis(300)).await;
    let answer = get(&livez).await;
    assert_eq!(answer.status, 200, "passes again: {}", answer.body);
}

/// A worker is wedged when it makes no progress, not when it is busy: more clients than workers,
/// sending back-to-back requests that each block their worker for 300 ms, never fail the check
/// (their no-op waits in the run queue behind them meanwhile); one request that blocks for
/// 2.5 s fails it.
#[actix_web::test]
async fn busy_workers_pass_the_workers_check_and_a_wedged_one_fails_it() {
    busy_then_wedged(
        false,
        "block/300",
        "block/2500",
        " has made no progress for 1.",
    )
    .await;
}

/// With the app's requests counted (`health.in_flight()`), the watch sees each poll of a request:
/// CPU-bound requests in a long queue, which never wait, pass; a request held 2.5 s in a loop of
/// short waits fails, though its thread keeps waiting.
#[actix_web::test]
async fn with_requests_counted_each_poll_is_seen() {
    let reason = " has been in one poll of a request for 1.";
    busy_then_wedged(true, "spin/300", "retry/2500", reason).await;
}

async fn get_owned(url: String) {
    let _ = awc::Client::builder()
        .timeout(Duration::from_secs(3600))
        .finish()
        .get(url)
        .send()
        .await;
}
