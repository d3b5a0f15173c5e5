//! A service through a pod's whole life, on `PORT` (8080 by default):
//! - a background worker that a heartbeat watches: `/livez` fails when it stops, as a wedged
//!   worker would (`STOP_AFTER=20s` stops it; `MAX_SILENCE`, 5 s by default, is the heartbeat's
//!   limit);
//! - the drain on SIGTERM: readiness fails at once, the app serves on for `DRAIN_DELAY` (5 s by
//!   default), then stops gracefully once its requests in flight are done; `DRAIN=off` serves
//!   without it, as actix does by default; `GET /work/<ms>` is a request that takes that long;
//! - the availability switches, over HTTP: `POST /admin/refuse` (the body is the reason),
//!   `POST /admin/accept`, `POST /admin/break`, `POST /admin/restore`;
//! - the checks' metrics in the Prometheus format at `/metrics`.
//!
//! Run from the repo root: `cargo run -p lifecycle`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use health_runtime::checks::Heartbeat;
use health_runtime::{Availability, Health, liveness, readiness};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// The jobs the worker has done.
#[derive(Default)]
struct Jobs(AtomicU64);

/// Liveness: the worker still turns. Nothing else belongs here.
#[liveness(name = "worker")]
async fn worker(heartbeat: web::Data<Heartbeat>) -> Result<(), String> {
    heartbeat.check()
}

/// Readiness: how much work is done, as the check's data.
#[readiness(name = "jobs")]
async fn jobs(jobs: web::Data<Jobs>) -> Result<u64, String> {
    Ok(jobs.0.load(Ordering::Relaxed))
}

/// Beats the heartbeat as it works, and stops after `stop_after`, if given, as a wedged worker.
async fn work(heartbeat: Heartbeat, jobs: web::Data<Jobs>, stop_after: Option<Duration>) {
    let started = Instant::now();
    let stopped = || match stop_after {
        Some(limit) => started.elapsed() >= limit,
        None => false,
    };
    while !stopped() {
        jobs.0.fetch_add(1, Ordering::Relaxed);
        heartbeat.beat();
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    log::warn!("the worker stops (STOP_AFTER), as a wedged worker would");
}

async fn refuse(availability: web::Data<Availability>, reason: String) -> HttpResponse {
    availability.refuse_traffic(reason);
    HttpResponse::NoContent().finish()
}

async fn accept(availability: web::Data<Availability>) -> HttpResponse {
    availability.accept_traffic();
    HttpResponse::NoContent().finish()
}

async fn break_liveness(availability: web::Data<Availability>, reason: String) -> HttpResponse {
    availability.break_liveness(reason);
    HttpResponse::NoContent().finish()
}

async fn restore(availability: web::Data<Availability>) -> HttpResponse {
    availability.restore_liveness();
    HttpResponse::NoContent().finish()
}

/// A request that takes `ms` milliseconds, as real work would.
async fn take(ms: web::Path<u64>) -> HttpResponse {
    actix_web::rt::time::sleep(Duration::from_millis(*ms)).await;
    HttpResponse::Ok().finish()
}

async fn metrics(prometheus: web::Data<PrometheusHandle>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(prometheus.render())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    env_logger::init_from_env(env_logger::Env::default().default_filter_or("info"));
    let port: u16 = parse_env("PORT")?.unwrap_or(8080);
    let drain_delay = parse_env::<Seconds>("DRAIN_DELAY")?.map_or(Duration::from_secs(5), |s| s.0);
    let max_silence = parse_env::<Seconds>("MAX_SILENCE")?.map_or(Duration::from_secs(5), |s| s.0);
    let stop_after = parse_env::<Seconds>("STOP_AFTER")?.map(|s| s.0);
    let drain = std::env::var("DRAIN").ok().as_deref() != Some("off");

    let prometheus = PrometheusBuilder::new()
        .install_recorder()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let heartbeat = Heartbeat::new(max_silence);
    let jobs = web::Data::new(Jobs::default());
    actix_web::rt::spawn(work(heartbeat.clone(), jobs.clone(), stop_after));

    let health = Health::default().drain_delay(drain_delay);
    let (heartbeat, prometheus) = (web::Data::new(heartbeat), web::Data::new(prometheus));
    let availability = web::Data::new(health.availability());
    let server = HttpServer::new({
        let health = health.clone();
        move || {
            App::new()
                .wrap(health.in_flight())
                .app_data(heartbeat.clone())
                .app_data(jobs.clone())
                .app_data(prometheus.clone())
                .app_data(availability.clone())
                .service(health.clone())
                .route("/metrics", web::get().to(metrics))
                .route("/work/{ms}", web::get().to(take))
                .route("/admin/refuse", web::post().to(refuse))
                .route("/admin/accept", web::post().to(accept))
                .route("/admin/break", web::post().to(break_liveness))
                .route("/admin/restore", web::post().to(restore))
        }
    })
    .shutdown_timeout(30);
    // `DRAIN=off` keeps actix's own signal handling: it stops accepting at the first SIGTERM.
    let server = if drain {
        server.shutdown_signal(health.shutdown_signal())
    } else {
        server
    };
    log::info!("listening on http://0.0.0.0:{port}; drain {drain_delay:?} on SIGTERM: {drain}");
    server.bind(("0.0.0.0", port))?.run().await
}

/// A number of seconds, as `5` or `0.5`.
struct Seconds(Duration);

impl std::str::FromStr for Seconds {
    type Err = String;

    fn from_str(text: &str) -> Result<Seconds, String> {
        let seconds: f64 = text
            .trim_end_matches('s')
            .parse()
            .map_err(|e| format!("{e}"))?;
        Duration::try_from_secs_f64(seconds)
            .map(Seconds)
            .map_err(|e| e.to_string())
    }
}

fn parse_env<T: std::str::FromStr>(name: &str) -> std::io::Result<Option<T>> {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .map(Some)
            .map_err(|_| std::io::Error::other(format!("{name}={value} cannot be parsed"))),
        Err(_) => Ok(None),
    }
}
