//! The original Go/Gin service, on actix: `/healthz` always answers `{"status":"OK"}` without
//! touching the database; `/ready` pings MySQL/MariaDB and answers 200 `{"status":"READY",...}`
//! or 503 `{"status":"FAIL","error":"mysql failed: ...",...}`, within the check's 500 ms timeout
//! even when the server is gone or frozen.
//!
//! Run from the repo root:
//! `DATABASE_URL=mysql://user:password@localhost:3306/dbname cargo run -p mysql-example`
//! (the Go DSN `user:password@tcp(localhost:3306)/dbname` becomes
//! `mysql://user:password@localhost:3306/dbname`; percent-encode `@ : / ?` in the password).
//! `PORT` changes the port (default 8080). The server starts even when the database is down. On
//! SIGTERM it drains: readiness fails at once while it serves on for 5 s. `Dockerfile` builds its
//! image.

use std::time::Duration;

use actix_web::{App, HttpServer, web};
use health_runtime::kubernetes::Served;
use health_runtime::{Health, checks, liveness, readiness};
use sqlx::MySqlPool;

/// Liveness: the process answers. A database outage must not restart every pod.
#[liveness]
async fn alive() {}

/// Readiness: the database answers a ping.
#[readiness(name = "mysql", timeout = "500ms")]
async fn database(pool: web::Data<MySqlPool>) -> Result<(), sqlx::Error> {
    checks::sqlx::ping(&pool).await
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    env_logger::init_from_env(env_logger::Env::default().default_filter_or("info"));
    let port = match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .map_err(|_| invalid("PORT is not a port number"))?,
        Err(_) => 8080,
    };
    // On SIGTERM, readiness fails at once and the service serves on for 5 s while the endpoints
    // update, then stops gracefully once its requests are done, within actix's 30 s
    // (kubernetes/deployment.yaml's terminationGracePeriodSeconds covers both).
    let health = Health::default().drain_delay(Duration::from_secs(5));
    // `mysql-example --print-probes`: the probes of kubernetes/deployment.yaml.
    if std::env::args().any(|arg| arg == "--print-probes") {
        print!(
            "{}",
            health.kubernetes(Served::http(port).port_name("http").container("app"))
        );
        return Ok(());
    }
    let url = std::env::var("DATABASE_URL").map_err(|_| {
        invalid("set DATABASE_URL, e.g. mysql://user:password@localhost:3306/dbname")
    })?;
    // Lazy: no connection is made until the first probe, so the server starts without the database.
    // The error is not shown: it could quote the URL, password included.
    let pool = MySqlPool::connect_lazy(&url)
        .map_err(|_| invalid("DATABASE_URL is not a valid mysql:// URL"))?;
    let drain = health.shutdown_signal();
    log::info!("listening on http://0.0.0.0:{port} (/healthz, /ready, /livez, /readyz, /startupz)");
    HttpServer::new(move || {
        App::new()
            .wrap(health.in_flight())
            .app_data(web::Data::new(pool.clone()))
            .service(health.clone())
    })
    .shutdown_signal(drain)
    .shutdown_timeout(30)
    .bind(("0.0.0.0", port))?
    .run()
    .await
}

fn invalid(message: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, message)
}
