//! A service whose readiness check panics with a secret in its message, for
//! `tests/tests/faults.rs`. As an application would, it installs a panic hook of its own before
//! building its `Health` (`APP_HOOK=before`, the default), after it (`after`) or none (`none`),
//! and logs to stderr.
//! `GET /panic-outside` panics on a thread of its own, outside any check, and answers 200.
//! With `PANIC_BESIDE_CHECKS=1`, its liveness checks panic where the check's own code is not
//! running: as their futures are dropped at their timeout, and on a blocking thread they started.

use std::future::pending;
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use health_runtime::{Check, Health, Probe, readiness};

#[readiness]
async fn leaky() -> bool {
    panic!("cannot reach postgres://app:hunter2@db:5432/app")
}

/// Panics as it is dropped.
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        panic!("dropped holding password=hunter2");
    }
}

async fn hangs_with_a_guard() {
    let _guard = Guard;
    pending::<()>().await;
}

async fn panics_on_a_blocking_thread() -> Result<(), String> {
    let on_a_thread = web::block(|| panic!("blocking call to mysql://app:hunter2@db/app failed"));
    on_a_thread.await.map_err(|error| error.to_string())
}

fn health() -> Health {
    if std::env::var_os("PANIC_BESIDE_CHECKS").is_none() {
        return Health::default();
    }
    let timeout = Duration::from_millis(100);
    let dropped = Check::new("dropped", hangs_with_a_guard).timeout(timeout);
    let cached = Check::new("dropped_cached", hangs_with_a_guard)
        .timeout(timeout)
        .cache(Duration::from_secs(1));
    Health::default()
        .check(Probe::Liveness, dropped)
        .check(Probe::Liveness, cached)
        .check(
            Probe::Liveness,
            Check::new("blocking", panics_on_a_blocking_thread),
        )
}

async fn panic_outside() -> HttpResponse {
    let panicked = std::thread::spawn(|| panic!("outside a check")).join();
    HttpResponse::Ok().body(format!("panicked: {}", panicked.is_err()))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    log_to_stderr();
    let app_hook = std::env::var("APP_HOOK").unwrap_or_else(|_| "before".into());
    if app_hook == "before" {
        set_app_hook();
    }
    let port = health_tests::port_from_env();
    let health = health();
    if app_hook == "after" {
        set_app_hook();
    }
    HttpServer::new(move || {
        App::new()
            .service(health.clone())
            .route("/panic-outside", web::get().to(panic_outside))
    })
    .workers(1)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}

/// An app's own hook, as Sentry's would be: it sees each panic's message as it is.
fn set_app_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .unwrap_or("?");
        eprintln!("app hook: {message}");
    }));
}

/// Every log record on stderr, one line each: `WARN message fields...`.
fn log_to_stderr() {
    use std::io::Write;
    env_logger::Builder::new()
        .filter_level(log::LevelFilter::Info)
        .format(|out, record| writeln!(out, "{} {}", record.level(), record.args()))
        .init();
}
