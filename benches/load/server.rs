//! The target of the load benchmark (`benches/load/run.py`), in one of six modes:
//! - `framework PORT`: `Health::default()` with a liveness check `alive` and a readiness check
//!   `mysql` that pings `DATABASE_URL` through a sqlx pool, cached for 1 s;
//! - `handwritten PORT`: a plain actix handler on `/healthz` that returns the framework's body as
//!   a constant;
//! - `timed PORT`: a plain actix handler on `/healthz` that does by hand what the framework's body
//!   reports: runs the check, times it, and formats the body;
//! - `axum-framework PORT`: `Health::router()` of the same checks on axum;
//! - `axum-handwritten PORT`: a plain axum handler on `/healthz` that returns the body as a
//!   constant, with the same headers;
//! - `axum-timed PORT`: what `timed` does, as a plain axum handler.
//!
//! One worker (actix) or one runtime thread (axum) each, so that the benchmark can pin the server
//! to one core and wrk to the other.

use std::time::Instant;

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use actix_web::{App, HttpResponse, HttpServer, web};
use health_runtime::{Health, checks, liveness, readiness};
use sqlx::MySqlPool;

#[path = "handwritten.rs"]
mod handwritten;
#[path = "on_axum.rs"]
mod on_axum;

#[liveness]
async fn alive() {}

#[readiness(name = "mysql", cache = "1s", timeout = "500ms")]
async fn mysql(pool: web::Data<MySqlPool>) -> Result<(), sqlx::Error> {
    checks::sqlx::ping(&pool).await
}

/// What `timed` answers: the check run and timed, and the body formatted by hand.
async fn timed_body() -> String {
    let started = Instant::now();
    alive().await;
    // Milliseconds to the microsecond, as the framework reports them (as an f64: `0` for no time
    // at all, where the framework writes `0.0`); since when it passes, kept from its first run.
    let duration_ms = started.elapsed().as_micros() as f64 / 1000.0;
    let since = "2026-12-05T12:00:00.000Z";
    format!(
        r#"{{"status":"OK","checks":[{{"name":"alive","status":"OK","duration_ms":{duration_ms},"since":"{since}"}}]}}"#
    )
}

async fn timed_healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((CONTENT_TYPE, HeaderValue::from_static("application/json")))
        .body(timed_body().await)
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (mode, port) = match &args[..] {
        [_, mode, port] => (mode.clone(), port.parse::<u16>().map_err(invalid)?),
        _ => {
            return Err(invalid(
                "usage: bench_server framework|handwritten|timed|axum-framework|axum-handwritten|axum-timed PORT",
            ));
        }
    };
    let url = std::env::var("DATABASE_URL").unwrap_or_default();
    let system = || actix_web::rt::System::new();
    match mode.as_str() {
        "framework" => system().block_on(on_actix(port, Some(&url), false)),
        "handwritten" => system().block_on(on_actix(port, None, false)),
        "timed" => system().block_on(on_actix(port, None, true)),
        "axum-framework" => on_axum::serve(port, on_axum::Answer::Framework { url: &url }),
        "axum-handwritten" => on_axum::serve(port, on_axum::Answer::HandWritten),
        "axum-timed" => on_axum::serve(port, on_axum::Answer::Timed),
        _ => Err(invalid(
            "mode is framework, handwritten, timed, axum-framework, axum-handwritten or axum-timed",
        )),
    }
}

/// A pool of the database at `url`, made on the server's runtime (sqlx needs one).
fn pool(url: &str) -> std::io::Result<MySqlPool> {
    MySqlPool::connect_lazy(url).map_err(|_| invalid("DATABASE_URL"))
}

/// The actix modes: the framework's service on the database at `url`, or a hand-written handler
/// (`timed`).
async fn on_actix(port: u16, url: Option<&str>, timed: bool) -> std::io::Result<()> {
    let pool = url.map(pool).transpose()?;
    HttpServer::new(move || {
        let app = App::new();
        match &pool {
            Some(pool) => app
                .app_data(web::Data::new(pool.clone()))
                .service(Health::default()),
            None if timed => app.route("/healthz", web::get().to(timed_healthz)),
            None => app.route("/healthz", web::get().to(handwritten::healthz)),
        }
    })
    .workers(1)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}

fn invalid(message: impl ToString) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, message.to_string())
}
