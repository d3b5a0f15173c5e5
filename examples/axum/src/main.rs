//! The quickstart on axum: SQLite (a file, created on first run; no server to install), a
//! readiness check on the sqlx pool given as `Data<SqlitePool>`, and a liveness check that never
//! touches the database, merged into the app's own router.
//!
//! Run from the repo root with `cargo run -p axum-example`, then
//! `curl -i localhost:8080/ready` or `curl 'localhost:8080/readyz?verbose'`.
//! `PORT` changes the port, `DATABASE_URL` the database (default `sqlite://quickstart.db`),
//! `DRAIN_DELAY` the seconds it serves on after SIGTERM (5); `DRAIN=off` stops at the first
//! signal, as a plain axum app does, to see what the drain saves.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use health_runtime::kubernetes::Served;
use health_runtime::{Data, Health, checks, liveness, readiness};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

/// The process answers: nothing else belongs in liveness, or a database outage would restart
/// every pod.
#[liveness]
async fn alive() {}

/// The database answers a query.
#[readiness(name = "sqlite", timeout = "500ms")]
async fn database(pool: Data<SqlitePool>) -> Result<(), sqlx::Error> {
    checks::sqlx::ping(&pool).await
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    env_logger::init_from_env(env_logger::Env::default().default_filter_or("info"));
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://quickstart.db".into());
    let port: u16 = env_or("PORT", 8080)?;
    let drain_delay = Duration::from_secs_f64(env_or("DRAIN_DELAY", 5.0)?);
    let options: SqliteConnectOptions = url
        .parse()
        .map_err(|e| invalid(format!("DATABASE_URL is not a SQLite URL: {e}")))?;
    let pool = SqlitePool::connect_lazy_with(options.create_if_missing(true));

    // Built once, before the server: a mistake in the checks stops the program here.
    let health = Health::default()
        .data(Data::new(pool))
        .drain_delay(drain_delay);
    // `axum-example --print-probes`: the probes of kubernetes/deployment.yaml.
    if std::env::args().any(|arg| arg == "--print-probes") {
        print!(
            "{}",
            health.kubernetes(Served::http(port).port_name("http").container("app"))
        );
        return Ok(());
    }
    let app = Router::new()
        .route("/", get(|| async { "hello\n" }))
        .merge(health.router());
    let listener = tokio::net::TcpListener::bind(("0.0.0.0", port)).await?;
    log::info!("listening on http://0.0.0.0:{port} (/healthz, /ready, /livez, /readyz, /startupz)");
    let server = axum::serve(listener, app);
    if std::env::var("DRAIN").is_ok_and(|drain| drain == "off") {
        return server.with_graceful_shutdown(terminated()).await;
    }
    // On SIGTERM (or Ctrl-C), readiness fails at once and the service serves on for the delay
    // while load balancers take it out; then axum stops accepting and finishes its requests.
    server
        .with_graceful_shutdown(health.shutdown_signal())
        .await
}

/// SIGTERM or Ctrl-C, without the drain.
async fn terminated() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("a SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// The environment variable `name` parsed, or `default` when it is not set.
fn env_or<T: std::str::FromStr>(name: &str, default: T) -> std::io::Result<T> {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .map_err(|_| invalid(format!("{name}={value} is not valid"))),
        Err(_) => Ok(default),
    }
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, message)
}
