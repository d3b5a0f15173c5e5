//! The target of the panic-storm benchmark (`benches/panics/run.py`): one liveness check,
//! `storm`, that on every probe either panics (`panics PORT`) or returns an error (`errors PORT`),
//! each with a password in its message. It logs to stderr, one line per record, so that the
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

struct Stderr;

impl log::Log for Stderr {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }

    fn log(&self, record: &log::Record) {
        eprintln!("{} {}", record.level(), record.args());
    }

    fn flush(&self) {}
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
    log::set_logger(&Stderr).map_err(|e| std::io::Error::other(e.to_string()))?;
    log::set_max_level(log::LevelFilter::Info);
    HttpServer::new(|| App::new().service(Health::default()))
        .workers(1)
        .bind(("127.0.0.1", port))?
        .run()
        .await
}
