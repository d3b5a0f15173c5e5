//! An actix service with a check whose `Data<T>` it never gives, for `tests/tests/data.rs`: it
//! stops as its workers build their `App`s, telling the mistake once.

use actix_web::{App, HttpServer};
use health_runtime::{Data, Health, readiness};

struct Pool;

#[readiness]
async fn orders_db(_pool: Data<Pool>) -> bool {
    true
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port = health_tests::port_from_env();
    let health = Health::default();
    let server = HttpServer::new(move || App::new().service(health.clone()));
    server.workers(2).bind(("127.0.0.1", port))?.run().await
}
