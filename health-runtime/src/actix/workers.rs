//! The app's actix workers, watched from the management port. A worker is wedged when it has made
//! no progress for longer than its limit: one poll (a handler, a check) has held its thread that
//! long. Busy is not wedged: a worker with a long queue of requests keeps finishing them.
//!
//! Two signs of progress are watched, and either one will do. Each worker runs a no-op every
//! [`TURN`] (an idle worker shows it this way, though a busy one's no-op waits in its run queue
//! behind the requests). And on Linux, the management port reads every [`TURN`] how often each
//! worker's thread has given up its CPU to wait (for a timer, a lock, a socket, or for more work:
//! its voluntary context switches, `/proc/<pid>/task/<tid>/status`): a thread that keeps handling
//! requests waits between and within them. A thread held by one blocking call waits once, and
//! one spinning in a poll never does.
//!
//! An app wrapped with [`Health::in_flight`](crate::Health::in_flight) tells the watch more: when
//! each poll of a request's handler begins and ends. A worker whose polls keep ending makes
//! progress (CPU-bound requests in a long queue too), and one whose poll of a request has lasted
//! longer than the limit is wedged, even if that poll waits in a loop (`thread::sleep` in a
//! retry loop). Without it, a worker whose requests are all CPU-bound and queued never waits, and
//! its no-op waits past the limit: it is judged wedged, as its app-port probes would be late; and
//! a poll that waits in a loop looks like progress.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::checks::Heartbeat;

/// How often a watched worker is asked to run its no-op, and how often its system calls are read.
const TURN: Duration = Duration::from_millis(100);

/// The workers of one app, and how long each may go without progress.
#[derive(Debug)]
pub(crate) struct WorkerWatch {
    max_unresponsive: Duration,
    workers: Mutex<Vec<Arc<Worker>>>,
}

#[derive(Debug)]
struct Worker {
    name: String,
    /// Beats at each turn, and when the worker's thread is seen to have waited.
    progress: Heartbeat,
    /// The worker thread's status, where the system keeps one.
    status: Option<PathBuf>,
    /// Its voluntary context switches, as last read.
    waits: AtomicU64,
    /// When the poll of a request under way began ([`since_start`]), or 0 when none is.
    polling_since: AtomicU64,
}

thread_local! {
    /// The watched worker this thread is, if it is one.
    static WATCHED: OnceCell<Arc<Worker>> = const { OnceCell::new() };
}

/// What `polling_since` counts from.
static START: LazyLock<Instant> = LazyLock::new(Instant::now);

/// Nanoseconds since [`START`], and at least 1: 0 stands for "none".
fn since_start() -> u64 {
    u64::try_from(START.elapsed().as_nanos())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// Polls a request's future with the watch told, if this thread is a watched worker: when the
/// poll began, while it lasts, and that it ended, which is progress.
pub(crate) fn time_poll<T>(poll: impl FnOnce() -> T) -> T {
    WATCHED.with(|watched| match watched.get() {
        None => poll(),
        Some(worker) => {
            worker.polling_since.store(since_start(), Ordering::Relaxed);
            let polled = poll();
            worker.polling_since.store(0, Ordering::Relaxed);
            worker.progress.beat();
            polled
        }
    })
}

impl WorkerWatch {
    pub(super) fn new(max_unresponsive: Duration) -> WorkerWatch {
        WorkerWatch {
            max_unresponsive,
            workers: Mutex::new(Vec::new()),
        }
    }

    fn workers(&self) -> MutexGuard<'_, Vec<Arc<Worker>>> {
        self.workers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Watches the worker this is called on (an actix worker building its `App`): from now on it
    /// takes a turn every `TURN`, until it stops.
    pub(super) fn enroll(self: &Arc<Self>) {
        let worker = {
            let mut workers = self.workers();
            let number = workers.len() + 1;
            let thread = std::thread::current();
            let name = match thread.name() {
                Some(thread) => format!("app worker {number} ({thread})"),
                None => format!("app worker {number}"),
            };
            let status = this_threads_status();
            let waits = status
                .as_ref()
                .and_then(|status| waits(status))
                .unwrap_or(0);
            let worker = Arc::new(Worker {
                name,
                progress: Heartbeat::new(self.max_unresponsive),
                status,
                waits: AtomicU64::new(waits),
                polling_since: AtomicU64::new(0),
            });
            workers.push(worker.clone());
            worker
        };
        WATCHED.with(|watched| {
            let _ = watched.set(worker.clone());
        });
        let enrolment = Enrolment(self.clone(), worker);
        tokio::task::spawn_local(async move {
            let Enrolment(_, worker) = &enrolment;
            loop {
                worker.progress.beat();
                tokio::time::sleep(TURN).await;
            }
        });
    }

    /// Reads how often the workers have waited every `TURN`, from the thread this is called on
    /// (the management port's worker), for as long as that thread runs.
    pub(super) fn sample_here(self: &Arc<Self>) {
        let watch = Arc::downgrade(self);
        tokio::task::spawn_local(async move {
            while let Some(watch) = watch.upgrade() {
                for worker in watch.workers().iter() {
                    worker.look_for_waits();
                }
                drop(watch);
                tokio::time::sleep(TURN).await;
            }
        });
    }

    /// The check: `Err("app worker 2 (actix-server worker 1) has made no progress for 12.3s
    /// (limit 10s)")` once a worker has gone longer than allowed without progress.
    pub(super) fn check(&self) -> Result<(), String> {
        let late: Vec<String> = self
            .workers()
            .iter()
            .filter_map(|worker| worker.late(self.max_unresponsive))
            .collect();
        if late.is_empty() {
            Ok(())
        } else {
            Err(late.join("; "))
        }
    }
}

impl Worker {
    /// Why the worker is wedged, if it is: one poll of a request has lasted, or it has made no
    /// progress, longer than `limit`.
    fn late(&self, limit: Duration) -> Option<String> {
        let polling_since = self.polling_since.load(Ordering::Relaxed);
        let polling = (polling_since != 0)
            .then(|| Duration::from_nanos(since_start().saturating_sub(polling_since)));
        if let Some(polling) = polling.filter(|&polling| polling > limit) {
            return Some(format!(
                "{} has been in one poll of a request for {:.1}s (limit {limit:?})",
                self.name,
                polling.as_secs_f64()
            ));
        }
        self.look_for_waits();
        let silence = self.progress.silence();
        (silence > limit).then(|| {
            format!(
                "{} has made no progress for {:.1}s (limit {limit:?})",
                self.name,
                silence.as_secs_f64()
            )
        })
    }

    /// Beats if the worker's thread has waited since it was last looked at.
    fn look_for_waits(&self) {
        let Some(now) = self.status.as_deref().and_then(waits) else {
            return;
        };
        if self.waits.swap(now, Ordering::Relaxed) != now {
            self.progress.beat();
        }
    }
}

/// Where the calling thread's status is, if the system keeps one (Linux).
fn this_threads_status() -> Option<PathBuf> {
    // `/proc/thread-self` names the thread that reads it: resolved now, it names this one.
    let thread = std::fs::read_link("/proc/thread-self").ok()?;
    let status = PathBuf::from("/proc").join(thread).join("status");
    waits(&status).map(|_| status)
}

/// How often a thread has given up its CPU to wait: its voluntary context switches.
fn waits(status: &Path) -> Option<u64> {
    let status = std::fs::read_to_string(status).ok()?;
    status.lines().find_map(|line| {
        let count = line.strip_prefix("voluntary_ctxt_switches:")?;
        count.trim().parse().ok()
    })
}

/// A worker's place in the watch, for as long as its task lives: a worker that stopped is not
/// one that hangs.
struct Enrolment(Arc<WorkerWatch>, Arc<Worker>);

impl Drop for Enrolment {
    fn drop(&mut self) {
        self.0
            .workers()
            .retain(|worker| !Arc::ptr_eq(worker, &self.1));
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_thread_held_by_one_call_waits_once_and_one_at_work_waits_again() {
        use std::sync::mpsc::channel;

        let (status_sender, status) = channel();
        let (go, wait) = channel::<()>();
        let (done, finished) = channel();
        let worker = std::thread::spawn(move || {
            status_sender.send(this_threads_status()).unwrap();
            wait.recv().unwrap();
            std::thread::sleep(Duration::from_millis(1));
            done.send(()).unwrap();
            // Alive until its status is read.
            let _ = wait.recv();
        });
        let status = status
            .recv()
            .unwrap()
            .expect("Linux keeps a thread's status");
        std::thread::sleep(Duration::from_millis(20));
        let held = waits(&status).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(waits(&status).unwrap(), held, "held: no progress");
        go.send(()).unwrap();
        finished.recv().unwrap();
        assert!(waits(&status).unwrap() > held, "at work: progress");
        drop(go);
        worker.join().unwrap();
    }
}
