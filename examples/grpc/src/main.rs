//! gRPC health from the same checks as the HTTP probes: `grpc.health.v1.Health` on tonic (what
//! Kubernetes' `grpc:` probes call) on `GRPC_PORT` (9090), and `/healthz`, `/readyz`, ... on axum
//! on `PORT` (8080), one `Health` behind both, one drain for both.
//!
//! Run from the repo root with `cargo run -p grpc-example`, then ask it with any gRPC health
//! client, e.g. `grpc-health-probe -addr=localhost:9090 -service=readiness`, or
//! `curl localhost:8080/readyz?verbose`. `DATABASE_URL` is the SQLite database (default
//! `sqlite://grpc-example.db`); while the file `MAINTENANCE_FILE` names exists, readiness fails
//! (`touch` it to take the pod out of its Service by hand); `DRAIN_DELAY` is the seconds it
//! serves on after SIGTERM (5).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use health_runtime::kubernetes::Served;
use health_runtime::{Data, Health, check, checks, liveness, readiness};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

/// The process answers: nothing else belongs in liveness, or a database outage would restart
/// every pod.
#[liveness]
async fn alive() {}

/// The database answers a query. Also in the group `deep`, what operators look at.
#[readiness(name = "sqlite", timeout = "500ms", group = "deep")]
async fn database(pool: Data<SqlitePool>) -> Result<(), sqlx::Error> {
    checks::sqlx::ping(&pool).await
}

/// The database takes a write: in the group `deep` only (`group/deep` over gRPC,
/// `/health/group/deep` over HTTP), so that a full disk shows there without taking the pod out
/// of its Service.
#[check(group = "deep", timeout = "500ms")]
async fn writable(pool: Data<SqlitePool>) -> Result<(), sqlx::Error> {
    let table = "CREATE TABLE IF NOT EXISTS health_write_check (at INTEGER)";
    sqlx::query(table).execute(&*pool).await?;
    Ok(())
}

/// Where an operator's maintenance flag is, if the service has one.
struct MaintenanceFile(Option<PathBuf>);

/// Fails while the maintenance file exists.
#[readiness(timeout = "100ms")]
async fn maintenance(file: Data<MaintenanceFile>) -> Result<(), String> {
    match &file.0 {
        Some(path) if path.exists() => Err(format!("in maintenance ({} exists)", path.display())),
        _ => Ok(()),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    env_logger::init_from_env(env_logger::Env::default().default_filter_or("info"));
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://grpc-example.db".into());
    let http_port: u16 = env_or("PORT", 8080)?;
    let grpc_port: u16 = env_or("GRPC_PORT", 9090)?;
    let drain_delay = Duration::from_secs_f64(env_or("DRAIN_DELAY", 5.0)?);
    let options: SqliteConnectOptions = url.parse()?;
    let pool = SqlitePool::connect_lazy_with(options.create_if_missing(true));
    let maintenance = MaintenanceFile(std::env::var_os("MAINTENANCE_FILE").map(PathBuf::from));

    // Built once, before the servers: a mistake in the checks stops the program here.
    let health = Health::default()
        .data(Data::new(pool))
        .data(Data::new(maintenance))
        // What gRPC clients' own health checking asks about: the app's service, here as
        // readiness.
        .grpc_alias("example.v1.Orders", "readiness")
        .drain_delay(drain_delay);
    // `grpc-example --print-probes`: the `grpc:` probes of kubernetes/deployment.yaml.
    if std::env::args().any(|arg| arg == "--print-probes") {
        print!(
            "{}",
            health.kubernetes(Served::grpc_only(grpc_port).container("app"))
        );
        return Ok(());
    }

    let listener = tokio::net::TcpListener::bind((Ipv4Addr::UNSPECIFIED, http_port)).await?;
    let http = axum::serve(listener, health.router::<()>())
        .with_graceful_shutdown(health.shutdown_signal());
    let grpc = tonic::transport::Server::builder()
        .add_service(health.grpc_service())
        .serve_with_shutdown(
            SocketAddr::from((Ipv4Addr::UNSPECIFIED, grpc_port)),
            health.shutdown_signal(),
        );
    log::info!("gRPC health on :{grpc_port}, HTTP probes on :{http_port}");
    // On SIGTERM both drain: readiness fails at once, on both, for the delay; then both stop.
    let (http, grpc) = tokio::join!(http, grpc);
    http?;
    grpc?;
    Ok(())
}

/// The environment variable `name` parsed, or `default` when it is not set.
fn env_or<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .map_err(|_| format!("{name}={value} is not valid")),
        Err(_) => Ok(default),
    }
}
