//! The app's actix workers, watched from the management port. A worker that is only busy still
//! runs the tasks scheduled on it between requests; a worker held by blocking code does not.
//! Each watched worker runs a no-op every [`TURN`], and the management port's liveness check
//! `workers` fails when one has not run it for longer than its limit, naming the worker.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::checks::Heartbeat;

/// How often a watched worker is asked to run its no-op.
const TURN: Duration = Duration::from_millis(100);

/// The workers of one app, and how long each may go without a turn.
#[derive(Debug)]
pub(crate) struct WorkerWatch {
    max_unresponsive: Duration,
    workers: Mutex<Vec<Arc<Worker>>>,
}

#[derive(Debug)]
struct Worker {
    name: String,
    /// Beats at each turn.
    turns: Heartbeat,
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
            let worker = Arc::new(Worker {
                name,
                turns: Heartbeat::new(self.max_unresponsive),
            });
            workers.push(worker.clone());
            worker
        };
        let enrolment = Enrolment(self.clone(), worker);
        tokio::task::spawn_local(async move {
            let Enrolment(_, worker) = &enrolment;
            loop {
                worker.turns.beat();
                tokio::time::sleep(TURN).await;
            }
        });
    }

    /// The check: `Err("app worker 2 (actix-server worker 1) has not answered for 12.3s (limit
    /// 10s)")` once a worker has gone longer than allowed without a turn.
    pub fn check(&self) -> Result<(), String> {
        let late: Vec<String> = self
            .workers()
            .iter()
            .filter_map(|worker| {
                let silence = worker.turns.silence();
                (silence > self.max_unresponsive).then(|| {
                    format!(
                        "{} has not answered for {:.1}s (limit {:?})",
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
