//! What a `Health` does on actix beyond its probes: the management port (the probes on a listener
//! and a worker of their own), the watch of the app's workers, and the middleware that counts the
//! app's requests in flight.

use std::io;
use std::net::ToSocketAddrs;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer};

use super::in_flight::InFlight;
use super::workers::WorkerWatch;
use crate::check::Check;
use crate::health::Health;
use crate::probe::Probe;

/// The watch of the app's workers, as a `Health` keeps it (`Health::watch_workers`).
#[derive(Clone)]
pub(super) struct Watched(pub Arc<WorkerWatch>);

/// Set on the `Health` that a management port serves: its worker is not one of the app's, and
/// it sees no `App`'s data.
pub(super) struct ManagementPort;

impl Health {
    /// The probes, on a listener and a worker of their own: the same checks, and the data given
    /// with [`data`](Self::data) and [`app_data`](Self::app_data) (a management port cannot see
    /// the `App`'s). A probe there answers while every worker of the app is held by requests
    /// that block it (CPU-bound or synchronous work), where a probe on the app's port waits in
    /// line, the kubelet gives up after its `timeoutSeconds`, and a pod that was only busy is
    /// restarted. Run the server beside the app's; it handles no signal (the app's server does),
    /// and stops with the process.
    ///
    /// With [`watch_workers`](Self::watch_workers), its liveness probe also has the check
    /// `workers`: a busy app passes it, a wedged one fails it.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use actix_web::{web, App, HttpServer};
    /// use health_runtime::Health;
    ///
    /// struct Pool;
    ///
    /// #[actix_web::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let pool = web::Data::new(Pool);
    ///     let health = Health::default()
    ///         .app_data(pool.clone())
    ///         .watch_workers(Duration::from_secs(10));
    ///     actix_web::rt::spawn(health.management_server(("0.0.0.0", 9090))?);
    ///     HttpServer::new(move || App::new().app_data(pool.clone()).service(health.clone()))
    ///         .bind(("0.0.0.0", 8080))?
    ///         .run()
    ///         .await
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// When `address` cannot be bound, and when a served check takes a `Data<T>` or a
    /// `web::Data<T>` that this `Health` was not given (a management port sees no `App`'s data):
    /// the error names the check, the type and the call that gives it.
    #[track_caller]
    pub fn management_server(&self, address: impl ToSocketAddrs) -> io::Result<Server> {
        let mut health = self.clone();
        health.extensions.set(ManagementPort);
        let served = health.served_probes();
        if let Some(mistakes) = health.data_mistakes(served, true, Some("a management port")) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, mistakes));
        }
        if let Some(Watched(watch)) = self.extensions.get::<Watched>().cloned() {
            let workers = Check::new("workers", move || std::future::ready(watch.check()));
            health = health.check(Probe::Liveness, workers);
        }
        let server = HttpServer::new(move || App::new().service(health.clone()))
            .workers(1)
            .disable_signals()
            .bind(address)?
            .run();
        Ok(server)
    }

    /// Watches the app's actix workers, for the management port's liveness probe: the check
    /// `workers` fails when a worker has made no progress for longer than `max_unresponsive` (10 s
    /// is a fair limit), naming it: `app worker 2 (actix-server worker 1) has made no progress
    /// for 12.3s (limit 10s)`. A worker makes progress when it runs a no-op it is asked to run
    /// every 100 ms (an idle worker), or, on Linux, when its thread waits (for a socket, a timer,
    /// a lock: a worker that keeps finishing requests waits between and within them). A worker
    /// held by one blocking call for longer than the limit fails; it passes again once it returns.
    ///
    /// Wrap the app with [`in_flight`](Self::in_flight) and the watch also sees each poll of a
    /// request begin and end: a worker whose polls keep ending passes, CPU-bound ones in a long
    /// queue too, and one poll of a request past the limit fails, even one that waits in a loop
    /// (`thread::sleep` in a retry loop). Without it, such a loop looks like progress, and a worker
    /// whose queued requests are all CPU-bound (it never waits) is judged wedged. See
    /// [`management_server`](Self::management_server).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let health = health_runtime::Health::default().watch_workers(Duration::from_secs(10));
    /// ```
    #[must_use]
    pub fn watch_workers(mut self, max_unresponsive: Duration) -> Health {
        let watch = Arc::new(WorkerWatch::new(max_unresponsive));
        self.extensions.set(Watched(watch));
        self.changed()
    }

    /// A middleware for `App::wrap` that counts the app's requests in flight, so that the drain
    /// ends as soon as the last one is done: actix's stopping workers look at their connections
    /// once a second, and without it a request still in flight when the drain delay ends keeps
    /// the process up to a second longer. After the delay, [`shutdown_signal`] waits (at most a
    /// second) for the requests it counts, then resolves. A request counts until its response
    /// starts: a streamed body that is still being sent does not hold the drain. With
    /// [`watch_workers`](Self::watch_workers), it also shows the watch each poll of a request.
    ///
    /// [`shutdown_signal`]: Self::shutdown_signal
    ///
    /// ```no_run
    /// use actix_web::{App, HttpServer};
    /// use health_runtime::Health;
    ///
    /// #[actix_web::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let health = Health::default();
    ///     let signal = health.shutdown_signal();
    ///     HttpServer::new(move || App::new().wrap(health.in_flight()).service(health.clone()))
    ///         .shutdown_signal(signal)
    ///         .bind(("0.0.0.0", 8080))?
    ///         .run()
    ///         .await
    /// }
    /// ```
    pub fn in_flight(&self) -> InFlight {
        InFlight::new(&self.lifecycle.in_flight)
    }
}
