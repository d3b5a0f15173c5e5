//! A service whose readiness check panics with a secret in its message, for
//! `tests/tests/faults.rs`. As an application would, it installs a panic hook of its own before
//! serving, and logs to stderr.
//! `GET /panic-outside` panics on a thread of its own, outside any check, and answers 200.

use actix_web::{App, HttpResponse, HttpServer, web};
use health_runtime::{Health, readiness};

#[readiness]
async fn leaky() -> bool {
    panic!("cannot reach postgres://app:hunter2@db:5432/app")
}

async fn panic_outside() -> HttpResponse {
    let panicked = std::thread::spawn(|| panic!("outside a check")).join();
    HttpResponse::Ok().body(format!("panicked: {}", panicked.is_err()))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    log_to_stderr();
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .unwrap_or("?");
        eprintln!("app hook: {message}");
    }));
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(8080);
    HttpServer::new(|| {
        App::new()
            .service(Health::default())
            .route("/panic-outside", web::get().to(panic_outside))
    })
    .workers(1)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}

/// Every log record on stderr, one line each: `WARN message fields...`.
fn log_to_stderr() {
    use std::io::Write;
    env_logger::Builder::new()
        .filter_level(log::LevelFilter::Info)
        .format(|out, record| writeln!(out, "{} {}", record.level(), record.args()))
        .init();
}
