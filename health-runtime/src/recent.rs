//! Each check's recent runs: when each began, how long it took, whether it passed, warned or
//! failed, and why not, for `?history` and the status page. Every run is kept (a probe's own, a
//! cache's refill, a background loop's), never a cached answer; at most the check's
//! `recent_runs` of them, each reason as bodies show it (redacted, cut to the error limit), so
//! that memory stays bounded whatever runs.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::report::Status;

/// How many runs a check keeps unless [`Check::recent_runs`](crate::Check::recent_runs) or
/// [`Health::recent_runs`](crate::Health::recent_runs) says otherwise: **10**.
pub const DEFAULT_RECENT_RUNS: usize = 10;

/// One run of a check.
#[derive(Debug, Clone)]
pub(crate) struct RecentRun {
    pub began_at: Instant,
    pub duration: Duration,
    pub status: Status,
    /// Why it did not pass, as bodies show it.
    pub reason: Option<String>,
}

impl RecentRun {
    /// When it began, in milliseconds since the Unix epoch: read off the clock now, less how long
    /// ago it began (an `Instant` costs a run less than the wall clock).
    pub(crate) fn began_ms(&self, now: SystemTime) -> u64 {
        let ago = self.began_at.elapsed();
        let began = now.checked_sub(ago).unwrap_or(UNIX_EPOCH);
        let ms = began
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        u64::try_from(ms).unwrap_or(u64::MAX).max(1)
    }
}

/// A check's recent runs. Shared by every worker, as the check's state is.
pub(crate) struct RecentRuns(Mutex<Ring>);

/// The runs kept, in a ring written in place once full: every run of every check comes here, and
/// the full ring's one store costs a probe fewer instructions than a `VecDeque`'s pop and push
/// (callgrind: 90 a probe for the whole record with a `VecDeque`).
struct Ring {
    runs: Vec<RecentRun>,
    /// Where the next run goes, once `runs` holds as many as are kept: the oldest's place.
    next: usize,
}

impl RecentRuns {
    pub(crate) const fn new() -> RecentRuns {
        RecentRuns(Mutex::new(Ring {
            runs: Vec::new(),
            next: 0,
        }))
    }

    fn ring(&self) -> MutexGuard<'_, Ring> {
        // Never held across user code: poisoning cannot leave it half-written.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps `run`, and at most `keep` (at least 1) runs in all: the oldest go.
    #[inline]
    pub(crate) fn record(&self, run: RecentRun, keep: usize) {
        debug_assert!(keep > 0, "a run is recorded only where runs are kept");
        let mut ring = self.ring();
        // Full, as it nearly always is: the run takes the oldest's place.
        if ring.runs.len() == keep {
            let next = ring.next;
            ring.runs[next] = run;
            ring.next = if next + 1 == keep { 0 } else { next + 1 };
        } else {
            ring.fill(run, keep);
        }
    }

    /// The last `most` runs kept, oldest first (`usize::MAX`: all of them). Only those are
    /// copied, under the lock every run of the check takes.
    pub(crate) fn last(&self, most: usize) -> Vec<RecentRun> {
        let ring = self.ring();
        let (newer, older) = ring.runs.split_at(ring.next);
        let skipped = ring.runs.len().saturating_sub(most);
        older.iter().chain(newer).skip(skipped).cloned().collect()
    }
}

impl Ring {
    /// Keeps `run` in a ring that is not full, or that holds more than `keep` (another
    /// `Health` of the same declared check keeps fewer): the oldest go.
    #[cold]
    fn fill(&mut self, run: RecentRun, keep: usize) {
        let mut runs = std::mem::take(&mut self.runs);
        runs.rotate_left(self.next);
        runs.push(run);
        let over = runs.len().saturating_sub(keep);
        runs.drain(..over);
        self.runs = runs;
        self.next = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(status: Status) -> RecentRun {
        RecentRun {
            began_at: Instant::now(),
            duration: Duration::from_millis(3),
            status,
            reason: None,
        }
    }

    #[test]
    fn at_most_the_last_runs_asked_for_are_kept_oldest_first() {
        let runs = RecentRuns::new();
        for i in 0..25 {
            let status = if i % 2 == 0 { Status::Ok } else { Status::Fail };
            runs.record(run(status), 10);
        }
        let kept = runs.last(usize::MAX);
        assert_eq!(kept.len(), 10);
        // Runs 15 to 24: the first kept is odd (failed), the last even (passed).
        assert_eq!(kept[0].status, Status::Fail);
        assert_eq!(kept[9].status, Status::Ok);
        // The last 3 of them (the page's strip takes the last few): runs 22, 23, 24.
        let last: Vec<Status> = runs.last(3).iter().map(|run| run.status).collect();
        assert_eq!(last, [Status::Ok, Status::Fail, Status::Ok]);
        runs.record(run(Status::Warn), 3);
        let statuses: Vec<Status> = runs.last(usize::MAX).iter().map(|run| run.status).collect();
        assert_eq!(
            statuses,
            [Status::Fail, Status::Ok, Status::Warn],
            "a smaller count drops the oldest: runs 23, 24, then the new one"
        );
    }

    #[test]
    fn a_runs_start_is_read_back_on_the_wall_clock() {
        let mut five_seconds_ago = run(Status::Ok);
        five_seconds_ago.began_at = Instant::now() - Duration::from_secs(5);
        let now = SystemTime::now();
        let began = five_seconds_ago.began_ms(now);
        let now_ms = now.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        let ago = now_ms.checked_sub(began);
        assert!(
            ago.is_some_and(|ago| (5000..5100).contains(&ago)),
            "{began} vs {now_ms}"
        );
    }
}
