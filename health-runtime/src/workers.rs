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
//! What neither sign tells apart: a worker whose requests are all CPU-bound and queued, so that
//! it never waits and its no-op waits longer than the limit, is judged wedged. Its app-port
//! probes would be as late.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

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
}

impl WorkerWatch {
    pub fn new(max_unresponsive: Duration) -> WorkerWatch {
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
    pub fn enroll(self: &Arc<Self>) {
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
            });
            workers.push(worker.clone());
            worker
        };
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
    pub fn sample_here(self: &Arc<Self>) {
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
    pub fn check(&self) -> Result<(), String> {
        let late: Vec<String> = self
            .workers()
            .iter()
            .filter_map(|worker| {
                worker.look_for_waits();
                let silence = worker.progress.silence();
                (silence > self.max_unresponsive).then(|| {
                    format!(
                        "{} has made no progress for {:.1}s (limit {:?})",
                        worker.name,
                        silence.as_secs_f64(),
                        self.max_unresponsive
                    )
                })
            })
            .collect();
        if late.is_empty() {
            Ok(())
        } else {
            Err(late.join("; "))
        }
    }
}

impl Worker {
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
