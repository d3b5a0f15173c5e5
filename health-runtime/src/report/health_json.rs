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

use super::json::{Commas, write_array, write_runs, write_str, write_time, write_value};
use super::{AVAILABILITY, CheckResult, Detail, Report, Status};
use crate::recent::RecentRun;

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
        if status == "fail" && detail.is_full() {
            out.extend_from_slice(b",\"output\":");
            write_str(out, &self.error_line());
        }
        out.extend_from_slice(b",\"checks\":{");
        let now = SystemTime::now();
        let full = detail.is_full();
        let held = self.held.as_deref().map(|held| Observation {
            name: AVAILABILITY,
            status: "fail",
            time: now,
            output: full.then_some(held),
            observed: None,
            since: None,
            failures: None,
            runs: None,
        });
        let observations: Vec<Observation<'_>> = held
            .into_iter()
            .chain(
                self.checks
                    .iter()
                    .map(|check| check.observation(detail, self.recent_runs(check), now)),
            )
            .collect();
        // One key per name, with every observation of that name: the checks of two probes on an
        // all-probes path may share one, and so may a check and the availability switch.
        let mut comma = Commas::default();
        for (i, first) in observations.iter().enumerate() {
            if observations[..i].iter().any(|seen| seen.name == first.name) {
                continue;
            }
            comma.before_next(out);
            write_str(out, first.name);
            out.extend_from_slice(b":[");
            let mut same = Commas::default();
            for observation in observations[i..].iter().filter(|o| o.name == first.name) {
                same.before_next(out);
                observation.write(out);
            }
            out.push(b']');
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

/// One observation of a check, as `checks` lists it under the check's name.
struct Observation<'a> {
    name: &'a str,
    status: &'static str,
    time: SystemTime,
    output: Option<&'a str>,
    observed: Option<&'a serde_json::Value>,
    /// Since when the check has stood as it does, in milliseconds since the Unix epoch.
    since: Option<u64>,
    /// Failed runs in a row, while failing or damped.
    failures: Option<u32>,
    /// Its recent runs, with `?history`.
    runs: Option<&'a [RecentRun]>,
}

impl CheckResult {
    fn observation<'a>(
        &'a self,
        detail: Detail,
        runs: Option<&'a [RecentRun]>,
        now: SystemTime,
    ) -> Observation<'a> {
        let status = match self.status() {
            Status::Ok => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        };
        let full = detail.is_full();
        Observation {
            name: &self.name,
            status,
            // When the run finished: a reused result is as old as it is.
            time: self.age.and_then(|age| now.checked_sub(age)).unwrap_or(now),
            output: self.outcome.error().filter(|_| full),
            observed: self.outcome.data().filter(|_| full),
            since: self.standing.since_ms().filter(|_| full),
            failures: self.failures_in_a_row().filter(|_| full),
            runs: runs.filter(|_| detail == Detail::History),
        }
    }
}

impl Observation<'_> {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"status\":");
        write_str(out, self.status);
        // RFC 3339 needs no escaping.
        let _ = write!(
            out,
            ",\"time\":\"{}\"",
            humantime::format_rfc3339_millis(self.time)
        );
        if let Some(output) = self.output {
            out.extend_from_slice(b",\"output\":");
            write_str(out, output);
        }
        if let Some(observed) = self.observed {
            out.extend_from_slice(b",\"observedValue\":");
            write_value(out, observed);
        }
        if let Some(since) = self.since {
            out.extend_from_slice(b",\"since\":");
            write_time(out, since);
        }
        if let Some(failures) = self.failures {
            let _ = write!(out, ",\"consecutiveFailures\":{failures}");
        }
        if let Some(runs) = self.runs {
            out.extend_from_slice(b",\"runs\":");
            write_runs(out, runs, ["pass", "warn", "fail"]);
        }
        out.push(b'}');
    }
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

        // Two checks of one name (two probes' on an all-probes path), and a check named like the
        // availability switch: one key each, with every observation.
        let mut shared = Report::new(
            Probe::Liveness,
            Results::from_vec(vec![
                result("db", true, Outcome::healthy()),
                result("availability", true, Outcome::healthy()),
                result("db", true, Outcome::unhealthy("down")),
            ]),
        );
        shared.held = Some("maintenance".into());
        let raw = rendered(&shared, Body::Format(Format::HealthJson), Detail::Full);
        assert_eq!(raw.matches("\"db\"").count(), 1, "{raw}");
        assert_eq!(raw.matches("\"availability\"").count(), 1, "{raw}");
        let body: serde_json::Value = serde_json::from_str(&raw).unwrap();
        let statuses = |name: &str| -> Vec<String> {
            let observations = body["checks"][name].as_array().unwrap();
            observations
                .iter()
                .map(|o| o["status"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(statuses("db"), ["pass", "fail"]);
        assert_eq!(statuses("availability"), ["fail", "pass"]);

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
    fn each_observation_says_since_when_and_how_many_runs_in_a_row_failed() {
        let body = json(&with_history(), Format::HealthJson, Detail::Full);
        let db = &body["checks"]["db"][0];
        assert_eq!(db["status"], "warn");
        assert_eq!(db["since"], "2026-12-06T12:00:00.250Z");
        assert_eq!(db["consecutiveFailures"], 1);
        assert_eq!(body["checks"]["cache"][0]["consecutiveFailures"], 4);
        let flag = &body["checks"]["flag"][0];
        assert_eq!(flag["since"], "2026-12-06T12:00:00.250Z");
        assert!(flag.get("consecutiveFailures").is_none());
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
