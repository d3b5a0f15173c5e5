//! The target of the panic-storm benchmark (`benches/panics/run.py`): one liveness check,
//! `storm`, that on every probe either panics (`panics PORT`) or returns an error (`errors PORT`),
//! each with a password in its message. It logs to stderr with `env_logger`, so that the
//! benchmark can count what a storm of failing probes writes there.

use actix_web::{App, HttpServer};
use health_runtime::{Health, liveness};

/// Set from the command line before the server starts.
static PANICS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

#[liveness]
async fn storm() -> Result<(), String> {
    if PANICS.get().copied().unwrap_or(false) {
        panic!("cannot reach postgres://app:hunter2@db:5432/app");
    }
    Err("cannot reach postgres://app:hunter2@db:5432/app".into())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (mode, port) = match &args[..] {
        [_, mode, port] if mode == "panics" || mode == "errors" => (
            mode.clone(),
            port.parse::<u16>().map_err(std::io::Error::other)?,
        ),
        _ => {
            return Err(std::io::Error::other(
                "usage: panic_storm panics|errors PORT",
            ));
        }
    };
    let _ = PANICS.set(mode == "panics");
    // The default format, as a service would log: a line per record, at INFO and above.
    env_logger::Builder::new()
        .filter_level(log::LevelFilter::Info)
        .init();
    HttpServer::new(|| App::new().service(Health::default()))
        .workers(1)
        .bind(("127.0.0.1", port))?
        .run()
        .await
}
