//! The target of the gRPC benchmark (`benches/grpc/run.py`), in one of two modes:
//! - `framework PORT`: `Health::grpc_service()` with a readiness check `db`, cached for 1 s;
//! - `reporter PORT`: tonic-health's own service, its `HealthReporter` setting `readiness` to
//!   `SERVING` once, as a service whose statuses are set by hand does.
//!
//! One runtime thread each, so that the benchmark can pin the server to one core and the load
//! tool to the other.

use std::net::SocketAddr;

use health_runtime::{Health, readiness};
use tonic::transport::Server;
use tonic_health::ServingStatus;

#[readiness(cache = "1s")]
async fn db() -> bool {
    true
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, mode, port] = &args[..] else {
        return Err("usage: grpc_server framework|reporter PORT".into());
    };
    let address = SocketAddr::from(([127, 0, 0, 1], port.parse::<u16>()?));
    let mut server = Server::builder();
    match mode.as_str() {
        "framework" => {
            let health = Health::default();
            server
                .add_service(health.grpc_service())
                .serve(address)
                .await?;
        }
        "reporter" => {
            let (reporter, service) = tonic_health::server::health_reporter();
            reporter
                .set_service_status("readiness", ServingStatus::Serving)
                .await;
            server.add_service(service).serve(address).await?;
        }
        _ => return Err("mode is framework or reporter".into()),
    }
    Ok(())
}
