//! The IETF draft's "Health Check Response Format for HTTP APIs" (draft-inadarei-api-health-check),
//! served as `application/health+json`:
//! `{"status":"fail","output":"db failed: refused","checks":{"db":[{"status":"fail",
//! "time":"2026-11-30T10:00:00.000Z","output":"refused"}]}}`. The status is `fail` when the probe
//! fails, `warn` when it passes with a non-critical check failing, `pass` otherwise. Each check is
//! keyed by its name, with one observation: its status, its `time` (RFC 3339, when its run
//! finished), its reason as `output` and its data as `observedValue`. `?exclude=`'s names and
//! warnings are `notes`.

use std::io::Write as _;
use std::time::SystemTime;

use super::json::{Commas, write_array, write_str, write_value};
use super::{AVAILABILITY, CheckResult, Detail, Report, Status};

impl Report {
    pub(super) fn write_health_json(&self, detail: Detail, out: &mut Vec<u8>) {
        let warns = self
            .checks
            .iter()
            .any(|check| check.status() == Status::Warn);
        let status = match (self.passed(), warns) {
            (false, _) => "fail",
            (true, true) => "warn",
            (true, false) => "pass",
        };
        out.extend_from_slice(b"{\"status\":");
        write_str(out, status);
        if status == "fail" && detail == Detail::Full {
            out.extend_from_slice(b",\"output\":");
            write_str(out, &self.error_line());
        }
        out.extend_from_slice(b",\"checks\":{");
        let now = SystemTime::now();
        let mut comma = Commas::default();
        if let Some(held) = &self.held {
            comma.before_next(out);
            let output = (detail == Detail::Full).then_some(held.as_ref());
            write_check(out, AVAILABILITY, "fail", now, output, None);
        }
        for check in self.checks.iter() {
            comma.before_next(out);
            check.write_health_json(detail, now, out);
        }
        out.push(b'}');
        let mut notes = self
            .excluded
            .iter()
            .map(|name| format!("excluded: {name}"))
            .chain(self.warnings())
            .peekable();
        if notes.peek().is_some() {
            out.extend_from_slice(b",\"notes\":");
            write_array(out, notes);
        }
        out.push(b'}');
    }
}

impl CheckResult {
    fn write_health_json(&self, detail: Detail, now: SystemTime, out: &mut Vec<u8>) {
        let status = match self.status() {
            Status::Ok => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        };
        // When the run finished: a reused result is as old as it is.
        let time = self.age.and_then(|age| now.checked_sub(age)).unwrap_or(now);
        let full = detail == Detail::Full;
        let output = self.outcome.error().filter(|_| full);
        let observed = self.outcome.data().filter(|_| full);
        write_check(out, &self.name, status, time, output, observed);
    }
}

fn write_check(
    out: &mut Vec<u8>,
    name: &str,
    status: &str,
    time: SystemTime,
    output: Option<&str>,
    observed: Option<&serde_json::Value>,
) {
    write_str(out, name);
    out.extend_from_slice(b":[{\"status\":");
    write_str(out, status);
    // RFC 3339 needs no escaping.
    let _ = write!(
        out,
        ",\"time\":\"{}\"",
        humantime::format_rfc3339_millis(time)
    );
    if let Some(output) = output {
        out.extend_from_slice(b",\"output\":");
        write_str(out, output);
    }
    if let Some(observed) = observed {
        out.extend_from_slice(b",\"observedValue\":");
        write_value(out, observed);
    }
    out.extend_from_slice(b"}]");
}

#[cfg(test)]
mod tests {
    use super::super::sample::*;
    use super::super::*;

    #[test]
    fn checks_are_keyed_by_name_with_an_observation_each() {
        let mut report = failing();
        report.excluded = vec!["queue".into()];
        let body = json(&report, Format::HealthJson, Detail::Full);
        assert_eq!(body["status"], "fail");
        assert_eq!(body["output"], "db failed: refused by peer");
        let db = &body["checks"]["db"][0];
        assert_eq!(db["status"], "fail");
        assert_eq!(db["output"], "refused\nby peer");
        let time = db["time"].as_str().unwrap();
        assert!(humantime::parse_rfc3339(time).is_ok(), "{time}");
        assert_eq!(body["checks"]["cache"][0]["status"], "warn");
        assert_eq!(
            body["checks"]["flag"][0]["observedValue"],
            serde_json::json!({"n": 1})
        );
        assert_eq!(body["notes"], serde_json::json!(["excluded: queue"]));

        let passing = Report::new(
            Probe::Liveness,
            Results::from_vec(vec![result("cache", false, Outcome::unhealthy("cold"))]),
        );
        assert_eq!(
            json(&passing, Format::HealthJson, Detail::Full)["status"],
            "warn"
        );
        let empty = Report::new(Probe::Liveness, Results::new());
        assert_eq!(
            json(&empty, Format::HealthJson, Detail::Full),
            serde_json::json!({"status": "pass", "checks": {}})
        );
    }

    #[test]
    fn status_only_withholds_output_and_observations() {
        let body = json(&failing(), Format::HealthJson, Detail::StatusOnly);
        assert!(body.get("output").is_none(), "{body}");
        let db = body["checks"]["db"][0].as_object().unwrap();
        let keys: Vec<&String> = db.keys().collect();
        assert_eq!(keys, ["status", "time"]);
    }
}
