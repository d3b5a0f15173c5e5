//! What the service's log says about its checks and probes: changes, not every probe. A check
//! that starts failing is logged once, at WARN, with the reason (and, when flap damping holds the
//! failure back from its probe, saying so; once more when the check then fails its probe); while
//! it keeps failing, at most once per [`LOG_INTERVAL`], with how many failures that was; when it
//! passes again, once, at INFO. A passing run that takes more than half its timeout is logged once as
//! slow, and once when it is not any more. A probe's status is logged when it changes. What keeps passing logs nothing,
//! and costs two atomic loads per run. Events go through `tracing`, with the fields `check`,
//! `probe`, `status` and (a check's) `duration`; without a `tracing` subscriber, they reach the
//! `log` facade. Reasons arrive here redacted (`outcome.rs`, `execute.rs`), and leave with their
//! control characters escaped, so that a check cannot forge a line of the log.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::probe::Probe;
use crate::redact::printable;

/// How often a check that keeps failing is logged again.
pub(crate) const LOG_INTERVAL: Duration = Duration::from_secs(10);

/// The log's memory of one check: its failing streak, if it has one, and whether it is slow.
pub(crate) struct CheckLog {
    /// Whether `streak` holds one: read without the lock by every passing run.
    failing: AtomicBool,
    streak: Mutex<Option<Streak>>,
    slow: AtomicBool,
}

struct Streak {
    began_at: Instant,
    failures: u64,
    logged_at: Instant,
    /// Failures since the last line.
    unlogged: u64,
    /// Flap damping holds the streak's failures back from the check's probe.
    held_back: bool,
}

/// A check, as the log names it.
#[derive(Clone, Copy)]
pub(crate) struct Named<'a> {
    pub check: &'a str,
    /// `""` for a check in groups only.
    pub probe: &'static str,
    /// The groups it is in, joined by commas, or `""`: a failure in a group says which.
    pub groups: &'a str,
}

impl CheckLog {
    pub(crate) const fn new() -> CheckLog {
        CheckLog {
            failing: AtomicBool::new(false),
            streak: Mutex::new(None),
            slow: AtomicBool::new(false),
        }
    }

    fn streak(&self) -> MutexGuard<'_, Option<Streak>> {
        self.streak.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A run of the check passed. This and [`took`](Self::took) are inlined, as every run tells
    /// them: the calls cost more than the loads (callgrind).
    #[inline]
    pub(crate) fn passed(&self, named: Named<'_>, duration: Duration) {
        if self.failing.load(Ordering::Relaxed) {
            self.recovered(named, duration);
        }
    }

    /// A run passed after failures: the line that says so, if it is due.
    #[cold]
    #[inline(never)]
    fn recovered(&self, named: Named<'_>, duration: Duration) {
        if let Some(line) = self.passed_at(Instant::now(), named.check) {
            tracing::info!(
                check = named.check,
                probe = given(named.probe),
                groups = given(named.groups),
                status = "OK",
                ?duration,
                "{line}"
            );
        }
    }

    /// A run of the check failed after `duration`; `held_back` says whether flap damping held
    /// the failure back from its probe (`None` for a failure that is no run's).
    pub(crate) fn failed(
        &self,
        named: Named<'_>,
        duration: Duration,
        failure: Failure<'_>,
        held_back: Option<bool>,
    ) {
        if let Some(line) = self.failed_at(Instant::now(), named.check, failure, held_back) {
            tracing::warn!(
                check = named.check,
                probe = given(named.probe),
                groups = given(named.groups),
                status = "FAIL",
                ?duration,
                "{line}"
            );
        }
    }

    /// A passing run of the check took `duration` of its `timeout`: slow past half of it. These
    /// lines carry the status `SLOW` or `NOT SLOW`. Failed runs are not judged: their own lines
    /// tell them, and a dependency that is down fails now at once, now at the timeout, which
    /// would make a pair of lines of every probe.
    #[inline]
    pub(crate) fn took(&self, named: Named<'_>, duration: Duration, timeout: Duration) {
        let slow = duration > timeout / 2;
        if self.slow.load(Ordering::Relaxed) != slow {
            self.slowness_changed(named, slow, duration, timeout);
        }
    }

    #[cold]
    fn slowness_changed(
        &self,
        named: Named<'_>,
        slow: bool,
        duration: Duration,
        timeout: Duration,
    ) {
        if self.slow.swap(slow, Ordering::Relaxed) == slow {
            return;
        }
        let (check, probe, groups) = (named.check, given(named.probe), given(named.groups));
        if slow {
            tracing::warn!(
                check,
                probe,
                groups,
                status = "SLOW",
                ?duration,
                "health check `{check}` is slow: {duration:.1?} of its {timeout:?} timeout"
            );
        } else {
            tracing::info!(
                check,
                probe,
                groups,
                status = "NOT SLOW",
                ?duration,
                "health check `{check}` is not slow any more: {duration:.1?} of its {timeout:?} \
                 timeout"
            );
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
    fn failed_at(
        &self,
        now: Instant,
        name: &str,
        failure: Failure<'_>,
        held_back: Option<bool>,
    ) -> Option<String> {
        let mut streak = self.streak();
        let Some(streak) = streak.as_mut() else {
            let held_back = held_back == Some(true);
            *streak = Some(Streak {
                began_at: now,
                failures: 1,
                logged_at: now,
                unlogged: 0,
                held_back,
            });
            self.failing.store(true, Ordering::Relaxed);
            let damping = if held_back {
                "; flap damping holds it back: its probe passes"
            } else {
                ""
            };
            return Some(format!(
                "health check `{name}` {}{damping}",
                failure.describe()
            ));
        };
        streak.failures += 1;
        if streak.held_back && held_back == Some(false) {
            streak.held_back = false;
            streak.logged_at = now;
            streak.unlogged = 0;
            return Some(format!(
                "health check `{name}` now fails its probe, after {} in a row; latest: {}",
                failures(streak.failures),
                failure.describe()
            ));
        }
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
            Failure::Failed(reason) => format!("failed: {}", printable(reason)),
            Failure::Panicked {
                at: Some(at),
                message,
            } => format!("panicked at {at}: {}", printable(message)),
            Failure::Panicked { at: None, message } => {
                format!("panicked: {}", printable(message))
            }
        }
    }
}

fn failures(count: u64) -> String {
    match count {
        1 => "1 failure".to_owned(),
        n => format!("{n} failures"),
    }
}

/// The log's memory of one probe: the status of its latest whole answer, and whether it has
/// passed before (a first pass is no pass "again").
pub(crate) struct ProbeLog(AtomicU8, AtomicBool);

const UNKNOWN: u8 = 0;
const PASSED: u8 = 1;
const FAILED: u8 = 2;

impl Default for ProbeLog {
    fn default() -> ProbeLog {
        ProbeLog(AtomicU8::new(UNKNOWN), AtomicBool::new(false))
    }
}

impl ProbeLog {
    /// The probe `probe` answered `passed`; `why` tells why it failed.
    #[inline]
    pub(crate) fn answered(&self, probe: &'static str, passed: bool, why: impl FnOnce() -> String) {
        let status = if passed { PASSED } else { FAILED };
        if self.0.load(Ordering::Relaxed) != status {
            self.changed(probe, status, why);
        }
    }

    #[cold]
    fn changed(&self, probe: &'static str, status: u8, why: impl FnOnce() -> String) {
        if let Some(line) = self.line(probe, status, why) {
            match status {
                FAILED => tracing::warn!(probe, status = "FAIL", "{line}"),
                _ => tracing::info!(probe, status = "OK", "{line}"),
            }
        }
    }

    /// The line to log when the probe's status becomes `status`, if any.
    fn line(&self, probe: &str, status: u8, why: impl FnOnce() -> String) -> Option<String> {
        let before = self.0.swap(status, Ordering::Relaxed);
        if status == PASSED && self.1.swap(true, Ordering::Relaxed) {
            return (before == FAILED).then(|| format!("{probe} probe passes again"));
        }
        match status {
            PASSED if before == FAILED => Some(format!("{probe} probe passes")),
            FAILED if before != FAILED => Some(format!("{probe} probe fails: {}", why())),
            _ => None,
        }
    }
}

/// A field's value, or none: a check in no group has no `groups` field in its lines, a check in
/// groups only no `probe`.
fn given(value: &str) -> Option<&str> {
    (!value.is_empty()).then_some(value)
}

/// Says once, as the process first serves a `Health`, which checks each probe and group runs: a
/// library's checks that the linker dropped (a crate the binary never names is not linked) show
/// by their absence, and a readiness probe with none, which passes whatever happens, is warned
/// of.
pub(crate) fn served(checks: [Vec<&str>; 3], groups: &[(&str, Vec<&str>)]) {
    static TOLD: AtomicBool = AtomicBool::new(false);
    if TOLD.swap(true, Ordering::Relaxed) {
        return;
    }
    let no_readiness = checks[Probe::Readiness.index()].is_empty();
    let [liveness, readiness, startup] = checks.map(|names| match names.len() {
        0 => "no checks".to_owned(),
        _ => names.join(", "),
    });
    let groups: String = groups
        .iter()
        .map(|(group, checks)| format!("; group {group}: {}", checks.join(", ")))
        .collect();
    tracing::info!(
        "health checks served: liveness: {liveness}; readiness: {readiness}; startup: \
         {startup}{groups}"
    );
    if no_readiness {
        tracing::warn!(
            probe = "readiness",
            "readiness has no checks: it passes whatever happens. If a library crate declares \
             this service's checks, the linker dropped it: a crate the binary never names is not \
             linked; add `use the_library as _;` to the binary (main.rs)"
        );
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
            log.failed_at(at(1.0), "db", boom, Some(false)).as_deref(),
            Some("health check `db` panicked at src/db.rs:3:5: boom")
        );
        for i in 0..4127 {
            let line = log.failed_at(at(1.0 + f64::from(i) / 1000.0), "db", boom, Some(false));
            assert_eq!(line, None);
        }
        assert_eq!(
            log.failed_at(at(11.5), "db", boom, Some(false)).as_deref(),
            Some(
                "health check `db` panicked 4128 more times in the last 10s; \
                 latest: panicked at src/db.rs:3:5: boom"
            )
        );
        let refused = Failure::Failed("refused");
        assert_eq!(log.failed_at(at(12.0), "db", refused, Some(false)), None);
        // A reason cannot start a line of its own.
        let forged = Failure::Failed("refused\nINFO health check `db` passes again");
        assert_eq!(
            forged.describe(),
            "failed: refused\\nINFO health check `db` passes again"
        );
        assert_eq!(
            log.passed_at(at(13.0), "db").as_deref(),
            Some("health check `db` passes again, after 4130 failures in 12.0s")
        );
        assert_eq!(log.passed_at(at(14.0), "db"), None);
        assert!(!log.failing.load(Ordering::Relaxed));
    }

    #[test]
    fn damping_is_told_when_it_holds_a_failure_back_and_when_it_stops() {
        let log = CheckLog::new();
        let start = Instant::now();
        let at = |secs: u64| start + Duration::from_secs(secs);
        let refused = Failure::Failed("refused (1 of 3)");
        assert_eq!(
            log.failed_at(at(0), "db", refused, Some(true)).as_deref(),
            Some(
                "health check `db` failed: refused (1 of 3); flap damping holds it back: its probe passes"
            )
        );
        let refused = Failure::Failed("refused (2 of 3)");
        assert_eq!(log.failed_at(at(1), "db", refused, Some(true)), None);
        assert_eq!(
            log.failed_at(at(2), "db", Failure::Failed("refused"), Some(false))
                .as_deref(),
            Some(
                "health check `db` now fails its probe, after 3 failures in a row; latest: failed: refused"
            )
        );
        assert_eq!(
            log.failed_at(at(3), "db", Failure::Failed("refused"), Some(false)),
            None
        );
        assert_eq!(
            log.passed_at(at(4), "db").as_deref(),
            Some("health check `db` passes again, after 4 failures in 4.0s")
        );
    }

    #[test]
    fn slowness_and_probe_status_change_once() {
        let log = CheckLog::new();
        let named = Named {
            check: "db",
            probe: "readiness",
            groups: "",
        };
        let timeout = Duration::from_millis(500);
        log.took(named, Duration::from_millis(300), timeout);
        assert!(log.slow.load(Ordering::Relaxed));
        log.took(named, Duration::from_millis(100), timeout);
        assert!(!log.slow.load(Ordering::Relaxed));

        let probe = ProbeLog::default();
        let mut asked = 0;
        probe.answered("readiness", false, || {
            asked += 1;
            "db failed".into()
        });
        probe.answered("readiness", false, || {
            asked += 1;
            "db failed".into()
        });
        assert_eq!(asked, 1, "a failing probe is told once");
        assert_eq!(probe.0.load(Ordering::Relaxed), FAILED);
        probe.answered("readiness", true, String::new);
        assert_eq!(probe.0.load(Ordering::Relaxed), PASSED);

        // A first pass after failing is no pass "again"; a later one is.
        let startup = ProbeLog::default();
        let line = |passed| {
            let status = if passed { PASSED } else { FAILED };
            startup.line("startup", status, || "warm failed".into())
        };
        assert_eq!(
            line(false).as_deref(),
            Some("startup probe fails: warm failed")
        );
        assert_eq!(line(false), None);
        assert_eq!(line(true).as_deref(), Some("startup probe passes"));
        assert_eq!(line(true), None);
        assert_eq!(
            line(false).as_deref(),
            Some("startup probe fails: warm failed")
        );
        assert_eq!(line(true).as_deref(), Some("startup probe passes again"));
        let fresh = ProbeLog::default();
        assert_eq!(
            fresh.line("liveness", PASSED, String::new),
            None,
            "a first pass says nothing"
        );
    }
}
