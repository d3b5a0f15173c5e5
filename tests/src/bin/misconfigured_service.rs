//! A service with two liveness checks of one name, for `tests/tests/duplicate_names.rs`. It
//! builds its `Health` before its server, as the README does, unless `HEALTH_PER_WORKER` is set:
//! then each of its two workers builds its own.

use actix_web::{App, HttpServer};
use health_runtime::{Health, liveness};

mod database {
    #[health_runtime::liveness(name = "twin")]
    async fn first() {}
}

#[liveness(name = "twin")]
async fn second() {}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port = health_tests::port_from_env();
    let address = ("127.0.0.1", port);
    if std::env::var_os("HEALTH_PER_WORKER").is_some() {
        let server = HttpServer::new(|| App::new().service(Health::default()));
        return server.workers(2).bind(address)?.run().await;
    }
    let health = Health::default();
    let server = HttpServer::new(move || App::new().service(health.clone()));
    server.workers(2).bind(address)?.run().await
}
