//! Aggregates the results of one probe into a report, and renders it as the JSON body or as the
//! kube-apiserver's `?verbose` text.

use std::borrow::Cow;
use std::fmt::Write;

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::registry::Probe;
use crate::run::CheckResult;

/// The report of one probe request.
pub(crate) struct Report {
    pub probe: Probe,
    pub checks: Cow<'static, [CheckResult]>,
    /// Names skipped through `?exclude=`.
    pub excluded: Vec<String>,
    /// `?exclude=` names that matched no check.
    pub unknown_excludes: Vec<String>,
    /// Set when readiness was held back because startup has not passed; `checks` are then the
    /// startup checks.
    pub starting: bool,
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
    pub fn new(probe: Probe, checks: impl Into<Cow<'static, [CheckResult]>>) -> Report {
        Report {
            probe,
            checks: checks.into(),
            excluded: Vec::new(),
            unknown_excludes: Vec::new(),
            starting: false,
        }
    }

    /// A probe passes when no critical check failed (and so with no checks at all).
    pub fn passed(&self) -> bool {
        !self.starting
            && self
                .checks
                .iter()
                .all(|check| check.status() != Status::Fail)
    }

    /// The word for a passing probe, kept from the original service: `OK` and `READY`.
    fn passing_status(&self) -> &'static str {
        match self.probe {
            Probe::Liveness => "OK",
            Probe::Readiness => "READY",
            Probe::Startup => "STARTED",
        }
    }

    /// One line naming each failed critical check and why.
    fn error_line(&self) -> String {
        let mut line = String::new();
        if self.starting {
            line.push_str("service is starting: ");
        }
        let failed = self.checks.iter().filter(|c| c.status() == Status::Fail);
        for (i, check) in failed.enumerate() {
            if i > 0 {
                line.push_str("; ");
            }
            let reason = one_line(check.outcome.error().unwrap_or_default());
            let _ = write!(line, "{} failed: {reason}", check.name);
        }
        line
    }

    fn warnings(&self) -> impl Iterator<Item = String> + '_ {
        self.unknown_excludes
            .iter()
            .map(|name| format!("some health checks cannot be excluded: no matches for {name:?}"))
    }

    /// The kube-apiserver `?verbose` format: a line per check, then the verdict.
    pub fn verbose_text(&self) -> String {
        let mut text = String::new();
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

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if self.passed() {
            map.serialize_entry("status", self.passing_status())?;
        } else {
            map.serialize_entry("status", "FAIL")?;
            map.serialize_entry("error", &self.error_line())?;
        }
        map.serialize_entry("checks", &*self.checks)?;
        if !self.excluded.is_empty() {
            map.serialize_entry("excluded", &self.excluded)?;
        }
        if !self.unknown_excludes.is_empty() {
            map.serialize_entry("warnings", &self.warnings().collect::<Vec<_>>())?;
        }
        map.end()
    }
}

impl Serialize for CheckResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("name", &self.name)?;
        let status = match self.status() {
            Status::Ok => "OK",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        };
        map.serialize_entry("status", status)?;
        // Microsecond resolution: most checks finish in well under a millisecond.
        let duration_ms = self.duration.as_micros() as f64 / 1000.0;
        map.serialize_entry("duration_ms", &duration_ms)?;
        if let Some(age) = self.age {
            // A cached or background result: how long ago its run finished.
            map.serialize_entry("age_ms", &(age.as_micros() as f64 / 1000.0))?;
        }
        if let Some(error) = self.outcome.error() {
            map.serialize_entry("error", error)?;
        }
        if let Some(data) = self.outcome.data() {
            map.serialize_entry("data", data)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::outcome::Outcome;

    fn result(name: &'static str, critical: bool, outcome: Outcome) -> CheckResult {
        CheckResult {
            name: Cow::Borrowed(name),
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
            vec![
                result("db", true, Outcome::unhealthy("refused\nby peer")),
                result("cache", false, Outcome::unhealthy("cold")),
                result("flag", true, Outcome::healthy()),
            ],
        );
        assert!(!report.passed());
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["status"], "FAIL");
        assert_eq!(json["error"], "db failed: refused by peer");
        assert_eq!(json["checks"][1]["status"], "WARN");
        assert_eq!(json["checks"][2]["duration_ms"], 1.5);
        assert_eq!(
            report.verbose_text(),
            "[-]db failed: refused by peer\n[+]cache warn: cold\n[+]flag ok\nreadiness check failed\n"
        );
    }

    #[test]
    fn no_checks_pass() {
        let report = Report::new(Probe::Liveness, Vec::new());
        assert!(report.passed());
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json, serde_json::json!({"status": "OK", "checks": []}));
    }
}
