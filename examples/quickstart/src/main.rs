//! The quickstart service: SQLite (a file, created on first run; no server to install), a
//! readiness check on the sqlx pool and a liveness check that never touches the database.
//!
//! Run from the repo root with `cargo run -p quickstart`, then
//! `curl -i localhost:8080/ready` or `curl 'localhost:8080/readyz?verbose'`.
//! `PORT` changes the port, `DATABASE_URL` the database (default `sqlite://quickstart.db`).

use actix_web::{App, HttpServer, web};
use health_runtime::kubernetes::Served;
use health_runtime::{Health, checks, liveness, readiness};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

/// The process answers: nothing else belongs in liveness, or a database outage would restart
/// every pod.
#[liveness]
async fn alive() {}

/// The database answers a query.
#[readiness(name = "sqlite", timeout = "500ms")]
async fn database(pool: web::Data<SqlitePool>) -> Result<(), sqlx::Error> {
    checks::sqlx::ping(&pool).await
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    env_logger::init_from_env(env_logger::Env::default().default_filter_or("info"));
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://quickstart.db".into());
    let port = match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .map_err(|_| invalid(format!("PORT={port} is not a port")))?,
        Err(_) => 8080,
    };
    let options: SqliteConnectOptions = url
        .parse()
        .map_err(|e| invalid(format!("DATABASE_URL is not a SQLite URL: {e}")))?;
    let pool = SqlitePool::connect_lazy_with(options.create_if_missing(true));

    // Built once, before the server: a mistake in the checks stops the program here.
    let health = Health::default();
    // `quickstart --print-probes`: the probes its pod template needs (deploy/probes.yaml).
    if std::env::args().any(|arg| arg == "--print-probes") {
        let served = Served::http(port).port_name("http").container("quickstart");
        print!("{}", health.kubernetes(served));
        return Ok(());
    }
    // On SIGTERM (or Ctrl-C), readiness fails at once and the service serves on for 5 s while
    // load balancers take it out, then stops once its requests in flight are done.
    let drain = health.shutdown_signal();
    log::info!("listening on http://0.0.0.0:{port} (/healthz, /ready, /livez, /readyz, /startupz)");
    HttpServer::new(move || {
        App::new()
            .wrap(health.in_flight())
            .app_data(web::Data::new(pool.clone()))
            .service(health.clone())
    })
    .shutdown_signal(drain)
    .bind(("0.0.0.0", port))?
    .run()
    .await
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, message)
}
