//! The target of the saturation benchmark (`benches/saturation/run.py`): an app whose requests to
//! `/block/{ms}` hold its worker (synchronous work), with its probes on its own port and on a
//! management port (`Health::management_server`), whose liveness also watches the app's workers.
//!
//! Usage: `saturation_server APP_PORT MANAGEMENT_PORT WORKERS`.

use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use health_runtime::{Health, liveness};

#[liveness]
async fn alive() {}

async fn block(ms: web::Path<u64>) -> HttpResponse {
    std::thread::sleep(Duration::from_millis(*ms));
    HttpResponse::Ok().finish()
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let number = |i: usize| -> std::io::Result<u16> {
        args.get(i).and_then(|arg| arg.parse().ok()).ok_or_else(|| {
            std::io::Error::other("usage: saturation_server APP_PORT MANAGEMENT_PORT WORKERS")
        })
    };
    let (app_port, management_port, workers) = (number(1)?, number(2)?, number(3)?);
    let health = Health::default().watch_workers(Duration::from_secs(10));
    actix_web::rt::spawn(health.management_server(("127.0.0.1", management_port))?);
    HttpServer::new(move || {
        App::new()
            .service(health.clone())
            .route("/block/{ms}", web::get().to(block))
    })
    .workers(usize::from(workers))
    .bind(("127.0.0.1", app_port))?
    .run()
    .await
}
