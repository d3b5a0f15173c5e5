//! The report of one probe: the results of its checks, aggregated into a verdict, and rendered as
//! the JSON body or as the kube-apiserver's `?verbose` text.

use std::borrow::Cow;
use std::fmt::Write;
use std::ops::Deref;
use std::time::Duration;

use smallvec::SmallVec;

use crate::outcome::Outcome;
use crate::registry::{Check, Name, Probe};
use crate::state::FinishedRun;

/// One check's result within a report.
#[derive(Debug, Clone)]
pub(crate) struct CheckResult {
    pub name: Name,
    pub critical: bool,
    pub outcome: Outcome,
    pub duration: Duration,
    /// How long ago the run finished, when the probe reused it (a cached or background result).
    pub age: Option<Duration>,
}

impl CheckResult {
    /// `check`'s `run`, with its age if the probe did not make it.
    pub fn new(check: &Check, run: FinishedRun, age: Option<Duration>) -> CheckResult {
        CheckResult {
            name: check.name.clone(),
            critical: check.critical,
            outcome: run.outcome,
            duration: run.duration,
            age,
        }
    }
}

/// The results of a probe's checks, in check order: most probes run one check, kept inline.
pub(crate) type Results = SmallVec<[CheckResult; 1]>;

/// The report of one probe request.
pub(crate) struct Report {
    pub probe: Probe,
    pub checks: Checks,
    /// Names skipped through `?exclude=`.
    pub excluded: Vec<String>,
    /// `?exclude=` names that matched no check.
    pub unknown_excludes: Vec<String>,
    /// How many more `?exclude=` names matched no check than `unknown_excludes` shows.
    pub unknown_excludes_left: usize,
    /// Set when readiness was held back because startup has not passed; `checks` are then the
    /// startup checks.
    pub starting: bool,
    /// Why an availability switch holds the probe back whatever its checks say, if one does:
    /// shown first, as a check named `availability`.
    pub held: Option<Cow<'static, str>>,
}

/// The name under which a held probe shows its availability switch (also in `write_json`).
const AVAILABILITY: &str = "availability";

/// The results a report shows: those of this probe's runs, or those of the startup run that
/// passed.
pub(crate) enum Checks {
    Ran(Results),
    StartupPassed(&'static [CheckResult]),
}

impl Deref for Checks {
    type Target = [CheckResult];

    fn deref(&self) -> &[CheckResult] {
        match self {
            Checks::Ran(results) => results,
            Checks::StartupPassed(results) => results,
        }
    }
}

impl From<Results> for Checks {
    fn from(results: Results) -> Checks {
        Checks::Ran(results)
    }
}

impl From<&'static [CheckResult]> for Checks {
    fn from(results: &'static [CheckResult]) -> Checks {
        Checks::StartupPassed(results)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Ok,
    /// A non-critical check failed: shown, but the probe passes.
    Warn,
    Fail,
}

impl CheckResult {
    fn status(&self) -> Status {
        match (self.outcome.is_healthy(), self.critical) {
            (true, _) => Status::Ok,
            (false, false) => Status::Warn,
            (false, true) => Status::Fail,
        }
    }
}

impl Report {
    pub fn new(probe: Probe, checks: impl Into<Checks>) -> Report {
        Report {
            probe,
            checks: checks.into(),
            excluded: Vec::new(),
            unknown_excludes: Vec::new(),
            unknown_excludes_left: 0,
            starting: false,
            held: None,
        }
    }

    /// A probe passes when no critical check failed (and so with no checks at all).
    pub fn passed(&self) -> bool {
        !self.starting
            && self.held.is_none()
            && self
                .checks
                .iter()
                .all(|check| check.status() != Status::Fail)
    }

    /// One line naming each failed critical check and why.
    pub fn error_line(&self) -> String {
        let mut line = String::new();
        if let Some(held) = &self.held {
            line.push_str(&one_line(held));
        }
        if self.starting {
            line.push_str("service is starting: ");
        }
        let failed = self.checks.iter().filter(|c| c.status() == Status::Fail);
        for (i, check) in failed.enumerate() {
            if i > 0 || self.held.is_some() {
                line.push_str("; ");
            }
            let reason = one_line(check.outcome.error().unwrap_or_default());
            let _ = write!(line, "{} failed: {reason}", check.name);
        }
        line
    }

    fn warnings(&self) -> impl Iterator<Item = String> + '_ {
        let unknown = self.unknown_excludes.iter();
        let names = unknown
            .map(|name| format!("some health checks cannot be excluded: no matches for {name:?}"));
        let left = (self.unknown_excludes_left > 0).then(|| {
            format!(
                "and {} more names in `?exclude=` that match no check",
                self.unknown_excludes_left
            )
        });
        names.chain(left)
    }

    /// The kube-apiserver `?verbose` format: a line per check, then the verdict.
    pub fn verbose_text(&self) -> String {
        let mut text = String::new();
        if let Some(held) = &self.held {
            let _ = writeln!(text, "[-]{AVAILABILITY} failed: {}", one_line(held));
        }
        for check in self.checks.iter() {
            let reason = one_line(check.outcome.error().unwrap_or_default());
            let _ = match check.status() {
                Status::Ok => writeln!(text, "[+]{} ok", check.name),
                Status::Warn => writeln!(text, "[+]{} warn: {reason}", check.name),
                Status::Fail => writeln!(text, "[-]{} failed: {reason}", check.name),
            };
        }
        for name in &self.excluded {
            let _ = writeln!(text, "[+]{name} excluded: ok");
        }
        for warning in self.warnings() {
            let _ = writeln!(text, "warn: {warning}");
        }
        let verdict = if self.passed() { "passed" } else { "failed" };
        if self.starting {
            let _ = writeln!(text, "{} check failed: service is starting", self.probe);
        } else {
            let _ = writeln!(text, "{} check {verdict}", self.probe);
        }
        text
    }
}

/// Reasons come from arbitrary `Display` impls; the one-line error and the verbose format need
/// them on a single line.
fn one_line(reason: &str) -> Cow<'_, str> {
    if reason.contains(['\n', '\r']) {
        Cow::Owned(
            reason
                .split(['\n', '\r'])
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
        )
    } else {
        Cow::Borrowed(reason)
    }
}

impl Report {
    /// The JSON body. Written by hand, as it is on every probe's path: keys and status words are
    /// constants, and strings are escaped (by serde_json) only when they need it.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        if self.passed() {
            // The words for a passing probe are kept from the original service: OK and READY.
            out.extend_from_slice(match self.probe {
                Probe::Liveness => b"{\"status\":\"OK\",\"checks\":[",
                Probe::Readiness => b"{\"status\":\"READY\",\"checks\":[",
                Probe::Startup => b"{\"status\":\"STARTED\",\"checks\":[",
            });
        } else {
            out.extend_from_slice(b"{\"status\":\"FAIL\",\"error\":");
            write_str(out, &self.error_line());
            out.extend_from_slice(b",\"checks\":[");
        }
        if let Some(held) = &self.held {
            out.extend_from_slice(b"{\"name\":\"availability\",\"status\":\"FAIL\",\"error\":");
            write_str(out, held);
            out.push(b'}');
        }
        for (i, check) in self.checks.iter().enumerate() {
            if i > 0 || self.held.is_some() {
                out.push(b',');
            }
            check.write_json(out);
        }
        out.push(b']');
        if !self.excluded.is_empty() {
            out.extend_from_slice(b",\"excluded\":");
            write_array(out, self.excluded.iter().map(String::as_str));
        }
        if !self.unknown_excludes.is_empty() {
            out.extend_from_slice(b",\"warnings\":");
            let warnings: Vec<String> = self.warnings().collect();
            write_array(out, warnings.iter().map(String::as_str));
        }
        out.push(b'}');
    }
}

impl CheckResult {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"name\":");
        write_str(out, &self.name);
        out.extend_from_slice(match self.status() {
            Status::Ok => b",\"status\":\"OK\",\"duration_ms\":",
            Status::Warn => b",\"status\":\"WARN\",\"duration_ms\":",
            Status::Fail => b",\"status\":\"FAIL\",\"duration_ms\":",
        });
        write_ms(out, self.duration);
        if let Some(age) = self.age {
            // A cached or background result: how long ago its run finished.
            out.extend_from_slice(b",\"age_ms\":");
            write_ms(out, age);
        }
        if let Some(error) = self.outcome.error() {
            out.extend_from_slice(b",\"error\":");
            write_str(out, error);
        }
        if let Some(data) = self.outcome.data() {
            out.extend_from_slice(b",\"data\":");
            // A `Value` always serializes, and writing to a Vec cannot fail.
            if serde_json::to_writer(&mut *out, data).is_err() {
                out.extend_from_slice(b"null");
            }
        }
        out.push(b'}');
    }
}

/// A JSON string; copied as it is when nothing in it needs escaping (names always, as the
/// attributes allow no such character in them).
fn write_str(out: &mut Vec<u8>, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else if serde_json::to_writer(&mut *out, text).is_err() {
        out.extend_from_slice(b"null");
    }
}

fn write_array<'a>(out: &mut Vec<u8>, items: impl Iterator<Item = &'a str>) {
    out.push(b'[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, item);
    }
    out.push(b']');
}

/// Milliseconds with microsecond resolution (most checks finish in well under a millisecond),
/// as the shortest decimal: `0.042`, `1.5`, `300.0`.
fn write_ms(out: &mut Vec<u8>, duration: Duration) {
    // In u64, as u128 arithmetic is slow: that is 584,000 years of microseconds.
    let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
    let whole = micros / 1000;
    // Byte by byte where the length varies: a copy of unknown length costs a call.
    if whole < 10 {
        out.push(b'0' + whole as u8);
    } else {
        out.extend_from_slice(itoa::Buffer::new().format(whole).as_bytes());
    }
    out.push(b'.');
    let fraction = micros % 1000;
    // `.0` for whole milliseconds, else up to three digits without trailing zeros.
    out.push(b'0' + (fraction / 100) as u8);
    if fraction % 100 != 0 {
        out.push(b'0' + (fraction / 10 % 10) as u8);
        if fraction % 10 != 0 {
            out.push(b'0' + (fraction % 10) as u8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &'static str, critical: bool, outcome: Outcome) -> CheckResult {
        CheckResult {
            name: Name::Static(name),
            critical,
            outcome,
            duration: Duration::from_micros(1500),
            age: None,
        }
    }

    #[test]
    fn failed_critical_checks_fail_the_probe_and_are_named() {
        let report = Report::new(
            Probe::Readiness,
            Results::from_vec(vec![
                result("db", true, Outcome::unhealthy("refused\nby peer")),
                result("cache", false, Outcome::unhealthy("cold")),
                result("flag", true, Outcome::healthy()),
            ]),
        );
        assert!(!report.passed());
        let json = json(&report);
        assert_eq!(json["status"], "FAIL");
        assert_eq!(json["error"], "db failed: refused by peer");
        assert_eq!(json["checks"][1]["status"], "WARN");
        assert_eq!(json["checks"][2]["duration_ms"], 1.5);
        assert_eq!(
            report.verbose_text(),
            "[-]db failed: refused by peer\n[+]cache warn: cold\n[+]flag ok\nreadiness check failed\n"
        );
    }

    fn json(report: &Report) -> serde_json::Value {
        let mut body = Vec::new();
        report.write_json(&mut body);
        serde_json::from_slice(&body).expect("valid JSON")
    }

    #[test]
    fn strings_are_escaped_and_durations_are_shortest_decimals() {
        let mut report = Report::new(
            Probe::Liveness,
            Results::from_vec(vec![result(
                "q\"uote",
                false,
                Outcome::unhealthy("line\nbreak \\ tab\t é"),
            )]),
        );
        report.excluded = vec!["a\"b".into()];
        report.unknown_excludes = vec!["x\\y".into()];
        let json = json(&report);
        assert_eq!(json["checks"][0]["name"], "q\"uote");
        assert_eq!(json["checks"][0]["error"], "line\nbreak \\ tab\t é");
        assert_eq!(json["excluded"][0], "a\"b");
        assert!(json["warnings"][0].as_str().unwrap().contains("x\\\\y"));

        for (micros, text) in [
            (0, "0.0"),
            (1, "0.001"),
            (42, "0.042"),
            (999, "0.999"),
            (1_000, "1.0"),
            (1_005, "1.005"),
            (1_050, "1.05"),
            (1_230, "1.23"),
            (1_500, "1.5"),
            (9_999, "9.999"),
            (10_000, "10.0"),
            (300_000, "300.0"),
        ] {
            let mut out = Vec::new();
            write_ms(&mut out, Duration::from_micros(micros));
            assert_eq!(String::from_utf8(out).unwrap(), text);
        }
        // Beyond u64 microseconds, saturated rather than wrapped.
        let mut out = Vec::new();
        write_ms(&mut out, Duration::MAX);
        assert_eq!(String::from_utf8(out).unwrap(), "18446744073709551.615");
    }

    #[test]
    fn a_held_probe_fails_with_its_reason_first() {
        let mut report = Report::new(
            Probe::Readiness,
            Results::from_vec(vec![
                result("db", true, Outcome::unhealthy("refused")),
                result("flag", true, Outcome::healthy()),
            ]),
        );
        report.held = Some("shutting down".into());
        assert!(!report.passed());
        let body = json(&report);
        assert_eq!(body["error"], "shutting down; db failed: refused");
        assert_eq!(
            body["checks"][0],
            serde_json::json!({"name": "availability", "status": "FAIL", "error": "shutting down"})
        );
        assert_eq!(body["checks"][1]["name"], "db");
        assert_eq!(
            report.verbose_text(),
            "[-]availability failed: shutting down\n[-]db failed: refused\n[+]flag ok\n\
             readiness check failed\n"
        );
        // Held with no checks at all: the reason alone.
        let mut report = Report::new(Probe::Readiness, Results::new());
        report.held = Some("shutting down".into());
        assert_eq!(json(&report)["error"], "shutting down");
    }

    #[test]
    fn no_checks_pass() {
        let report = Report::new(Probe::Liveness, Results::new());
        assert!(report.passed());
        assert_eq!(
            json(&report),
            serde_json::json!({"status": "OK", "checks": []})
        );
    }
}
