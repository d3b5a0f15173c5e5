//! What the service's log says about one check: when it starts failing, once, with the reason;
//! while it keeps failing, at most once per [`LOG_INTERVAL`], with how many failures that was;
//! when it passes again, once. A check that keeps passing logs nothing, and costs one atomic load
//! per run. Reasons arrive here redacted (`outcome.rs`, `execute.rs`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How often a check that keeps failing is logged again.
pub(crate) const LOG_INTERVAL: Duration = Duration::from_secs(10);

/// The log's memory of one check: its current failing streak, if it has one.
pub(crate) struct CheckLog {
    /// Whether `streak` holds one: read without the lock by every passing run.
    failing: AtomicBool,
    streak: Mutex<Option<Streak>>,
}

struct Streak {
    began_at: Instant,
    failures: u64,
    logged_at: Instant,
    /// Failures since the last line.
    unlogged: u64,
}

impl CheckLog {
    pub const fn new() -> CheckLog {
        CheckLog {
            failing: AtomicBool::new(false),
            streak: Mutex::new(None),
        }
    }

    fn streak(&self) -> MutexGuard<'_, Option<Streak>> {
        self.streak.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A run of the check `name` passed.
    pub fn passed(&self, name: &str) {
        if !self.failing.load(Ordering::Relaxed) {
            return;
        }
        if let Some(line) = self.passed_at(Instant::now(), name) {
            log::info!("{line}");
        }
    }

    /// A run of the check `name` failed.
    pub fn failed(&self, name: &str, failure: Failure<'_>) {
        if let Some(line) = self.failed_at(Instant::now(), name, failure) {
            log::warn!("{line}");
        }
    }

    /// The line to log for a pass at `now`, if any.
    fn passed_at(&self, now: Instant, name: &str) -> Option<String> {
        let streak = self.streak().take()?;
        self.failing.store(false, Ordering::Relaxed);
        Some(format!(
            "health check `{name}` passes again, after {} in {:.1?}",
            failures(streak.failures),
            now.saturating_duration_since(streak.began_at)
        ))
    }

    /// The line to log for a failure at `now`, if any.
    fn failed_at(&self, now: Instant, name: &str, failure: Failure<'_>) -> Option<String> {
        let mut streak = self.streak();
        let Some(streak) = streak.as_mut() else {
            *streak = Some(Streak {
                began_at: now,
                failures: 1,
                logged_at: now,
                unlogged: 0,
            });
            self.failing.store(true, Ordering::Relaxed);
            return Some(format!("health check `{name}` {}", failure.describe()));
        };
        streak.failures += 1;
        streak.unlogged += 1;
        let since = now.saturating_duration_since(streak.logged_at);
        if since < LOG_INTERVAL {
            return None;
        }
        let line = format!(
            "health check `{name}` {} {} more times in the last {}s; latest: {}",
            failure.verb(),
            streak.unlogged,
            since.as_secs(),
            failure.describe()
        );
        streak.logged_at = now;
        streak.unlogged = 0;
        Some(line)
    }
}

/// How a run failed, as the log tells it.
#[derive(Clone, Copy)]
pub(crate) enum Failure<'a> {
    /// It returned a failure, or timed out.
    Failed(&'a str),
    /// It panicked, at that place of the code if known, with that (redacted) message.
    Panicked {
        at: Option<&'a str>,
        message: &'a str,
    },
}

impl Failure<'_> {
    fn verb(self) -> &'static str {
        match self {
            Failure::Failed(_) => "failed",
            Failure::Panicked { .. } => "panicked",
        }
    }

    /// `failed: <reason>`, `panicked at src/db.rs:12:5: <message>`.
    fn describe(self) -> String {
        match self {
            Failure::Failed(reason) => format!("failed: {reason}"),
            Failure::Panicked {
                at: Some(at),
                message,
            } => format!("panicked at {at}: {message}"),
            Failure::Panicked { at: None, message } => format!("panicked: {message}"),
        }
    }
}

fn failures(count: u64) -> String {
    match count {
        1 => "1 failure".to_owned(),
        n => format!("{n} failures"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_check_is_logged_when_it_starts_failing_then_once_per_interval() {
        let log = CheckLog::new();
        let start = Instant::now();
        let at = |secs: f64| start + Duration::from_secs_f64(secs);
        assert_eq!(log.passed_at(at(0.0), "db"), None, "passing logs nothing");
        let boom = Failure::Panicked {
            at: Some("src/db.rs:3:5"),
            message: "boom",
        };
        assert_eq!(
            log.failed_at(at(1.0), "db", boom).as_deref(),
            Some("health check `db` panicked at src/db.rs:3:5: boom")
        );
        for i in 0..4127 {
            let line = log.failed_at(at(1.0 + f64::from(i) / 1000.0), "db", boom);
            assert_eq!(line, None);
        }
        assert_eq!(
            log.failed_at(at(11.5), "db", boom).as_deref(),
            Some(
                "health check `db` panicked 4128 more times in the last 10s; \
                 latest: panicked at src/db.rs:3:5: boom"
            )
        );
        let refused = Failure::Failed("refused");
        assert_eq!(log.failed_at(at(12.0), "db", refused), None);
        assert_eq!(
            log.passed_at(at(13.0), "db").as_deref(),
            Some("health check `db` passes again, after 4130 failures in 12.0s")
        );
        assert_eq!(log.passed_at(at(14.0), "db"), None);
        assert!(!log.failing.load(Ordering::Relaxed));
    }
}
