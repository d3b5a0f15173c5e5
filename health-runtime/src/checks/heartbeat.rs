//! A liveness check for background work: a loop that silently stopped (a deadlock, a task that
//! panicked, a consumer stuck on a channel) is the classic reason for a liveness probe. The loop
//! calls [`Heartbeat::beat`]; the check fails once it has been silent too long.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The beats of one background loop. Clones share them: give one to the loop, and the `App` one
/// as `web::Data<Heartbeat>` for the check.
///
/// ```no_run
/// use std::time::Duration;
/// use actix_web::{web, App, HttpServer};
/// use health_runtime::checks::Heartbeat;
/// use health_runtime::{liveness, Health};
///
/// #[liveness(name = "consumer")]
/// async fn consumer(heartbeat: web::Data<Heartbeat>) -> Result<(), String> {
///     heartbeat.check()
/// }
///
/// #[actix_web::main]
/// async fn main() -> std::io::Result<()> {
///     let heartbeat = Heartbeat::new(Duration::from_secs(30));
///     let beats = heartbeat.clone();
///     actix_web::rt::spawn(async move {
///         loop {
///             // ... one unit of work ...
///             beats.beat();
///             actix_web::rt::time::sleep(Duration::from_secs(1)).await;
///         }
///     });
///     let heartbeat = web::Data::new(heartbeat);
///     HttpServer::new(move || App::new().app_data(heartbeat.clone()).service(Health::default()))
///         .bind(("0.0.0.0", 8080))?
///         .run()
///         .await
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Heartbeat(Arc<Beats>);

#[derive(Debug)]
struct Beats {
    max_silence: Duration,
    /// When the heartbeat was made: beats are counted from there.
    origin: Instant,
    /// The latest beat, in nanoseconds since `origin`.
    latest: AtomicU64,
}

impl Heartbeat {
    /// A heartbeat whose check fails once no beat has come for longer than `max_silence`. It
    /// counts as a beat itself, so a loop has `max_silence` to beat a first time.
    pub fn new(max_silence: Duration) -> Heartbeat {
        Heartbeat(Arc::new(Beats {
            max_silence,
            origin: Instant::now(),
            latest: AtomicU64::new(0),
        }))
    }

    /// The loop is alive. Cheap enough for every turn of a busy loop: one clock read, one store.
    pub fn beat(&self) {
        let since_origin = u64::try_from(self.0.origin.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.0.latest.fetch_max(since_origin, Ordering::Relaxed);
    }

    /// How long since the latest beat.
    pub fn silence(&self) -> Duration {
        let latest = Duration::from_nanos(self.0.latest.load(Ordering::Relaxed));
        self.0.origin.elapsed().saturating_sub(latest)
    }

    /// The check: `Err("no heartbeat for 31.2s (limit 30s)")` once silent longer than allowed.
    ///
    /// ```
    /// use std::time::Duration;
    /// use health_runtime::checks::Heartbeat;
    ///
    /// let heartbeat = Heartbeat::new(Duration::from_millis(10));
    /// assert_eq!(heartbeat.check(), Ok(()));
    /// std::thread::sleep(Duration::from_millis(30));
    /// assert!(heartbeat.check().unwrap_err().starts_with("no heartbeat for 0.0"));
    /// heartbeat.beat();
    /// assert_eq!(heartbeat.check(), Ok(()));
    /// ```
    pub fn check(&self) -> Result<(), String> {
        let silence = self.silence();
        if silence <= self.0.max_silence {
            return Ok(());
        }
        Err(format!(
            "no heartbeat for {:.1}s (limit {:?})",
            silence.as_secs_f64(),
            self.0.max_silence
        ))
    }
}
