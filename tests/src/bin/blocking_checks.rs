//! A service whose readiness checks make blocking calls (a name lookup, `statvfs`), beside app
//! routes that use tokio's blocking pool (`tokio::fs`, `lookup_host`), for
//! `tests/tests/blocking_calls.rs`, which runs it with a resolver that never answers.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use health_runtime::checks::disk::{self, MinFree};
use health_runtime::checks::dns;
use health_runtime::{Check, Health, IntoOutcome, Probe};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::args().nth(1).expect("a port");
    let lookup = Check::new("lookup", || async {
        dns::resolve("stuck.example").await.into_outcome()
    })
    .timeout(Duration::from_millis(300));
    let disk = Check::new("disk", || disk::free_space("/", MinFree::Bytes(1)));
    let health = Health::default()
        .check(Probe::Readiness, lookup)
        .check(Probe::Readiness, disk);
    let app = Router::new()
        .route(
            "/fs",
            get(|| async {
                tokio::fs::read_to_string("/proc/self/status")
                    .await
                    .is_ok()
                    .to_string()
            }),
        )
        .route(
            "/lookup",
            get(|| async {
                tokio::net::lookup_host("localhost:80")
                    .await
                    .is_ok()
                    .to_string()
            }),
        )
        .merge(health.router());
    let listener =
        tokio::net::TcpListener::bind(("127.0.0.1", port.parse().expect("a port"))).await?;
    axum::serve(listener, app).await
}
