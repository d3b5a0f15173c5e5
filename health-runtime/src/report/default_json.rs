//! The default body, the Go service's: `{"status":"READY","checks":[...]}` when the probe passes,
//! `{"status":"FAIL","error":"db failed: ...","checks":[...]}` when it fails. Written by hand, as
//! it is on every probe's path: keys and status words are constants, and strings are escaped only
//! when they need it.

use super::json::{write_array, write_ms, write_runs, write_str, write_time, write_value};
use super::{AVAILABILITY, CheckResult, Detail, Report, Scope, Status};
use crate::probe::Probe;
use crate::recent::RecentRun;

impl Report {
    pub(super) fn write_json(&self, detail: Detail, out: &mut Vec<u8>) {
        if self.passed() {
            // The words for a passing probe are kept from the original service: OK and READY.
            out.extend_from_slice(match self.scope {
                Scope::Probe(Probe::Liveness) | Scope::AllProbes | Scope::Group(_) => {
                    b"{\"status\":\"OK\",\"checks\":["
                }
                Scope::Probe(Probe::Readiness) => b"{\"status\":\"READY\",\"checks\":[",
                Scope::Probe(Probe::Startup) => b"{\"status\":\"STARTED\",\"checks\":[",
            });
        } else if detail.is_full() {
            out.extend_from_slice(b"{\"status\":\"FAIL\",\"error\":");
            write_str(out, &self.error_line());
            out.extend_from_slice(b",\"checks\":[");
        } else {
            out.extend_from_slice(b"{\"status\":\"FAIL\",\"checks\":[");
        }
        if let Some(held) = &self.held {
            out.extend_from_slice(b"{\"name\":\"");
            out.extend_from_slice(AVAILABILITY.as_bytes());
            out.extend_from_slice(b"\",\"status\":\"FAIL\"");
            if detail.is_full() {
                out.extend_from_slice(b",\"error\":");
                write_str(out, held);
            }
            out.push(b'}');
        }
        for (i, check) in self.checks.iter().enumerate() {
            if i > 0 || self.held.is_some() {
                out.push(b',');
            }
            check.write_json(detail, self.recent_runs(check), out);
        }
        out.push(b']');
        if !self.excluded.is_empty() {
            out.extend_from_slice(b",\"excluded\":");
            write_array(out, self.excluded.iter());
        }
        // Tested first by its fields: every probe comes here, and nearly none has a warning.
        if !self.unknown_excludes.is_empty() || self.left_out.is_some() {
            out.extend_from_slice(b",\"warnings\":");
            write_array(out, self.warnings());
        }
        out.push(b'}');
    }
}

impl CheckResult {
    fn write_json(&self, detail: Detail, runs: Option<&[RecentRun]>, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"name\":");
        write_str(out, &self.name);
        out.extend_from_slice(match self.status() {
            Status::Ok => b",\"status\":\"OK\"",
            Status::Warn => b",\"status\":\"WARN\"",
            Status::Fail => b",\"status\":\"FAIL\"",
        });
        if detail == Detail::StatusOnly {
            out.push(b'}');
            return;
        }
        out.extend_from_slice(b",\"duration_ms\":");
        write_ms(out, self.duration);
        if let Some(age) = self.age {
            // A cached or background result: how long ago its run finished.
            out.extend_from_slice(b",\"age_ms\":");
            write_ms(out, age);
        }
        if let Some(since) = self.standing.since_ms() {
            out.extend_from_slice(b",\"since\":");
            write_time(out, since);
        }
        if let Some(failures) = self.failures_in_a_row() {
            out.extend_from_slice(b",\"consecutive_failures\":");
            out.extend_from_slice(itoa::Buffer::new().format(failures).as_bytes());
        }
        if let Some(error) = self.outcome.error() {
            out.extend_from_slice(b",\"error\":");
            write_str(out, error);
        }
        if let Some(data) = self.outcome.data() {
            out.extend_from_slice(b",\"data\":");
            write_value(out, data);
        }
        if let (Detail::History, Some(runs)) = (detail, runs) {
            out.extend_from_slice(b",\"runs\":");
            write_runs(out, runs, ["OK", "WARN", "FAIL"]);
        }
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::super::sample::*;
    use super::super::*;

    #[test]
    fn a_failing_probe_names_each_failed_critical_check() {
        let body = json(&failing(), Format::Json, Detail::Full);
        assert_eq!(body["status"], "FAIL");
        assert_eq!(body["error"], "db failed: refused by peer");
        assert_eq!(body["checks"][0]["error"], "refused\nby peer");
        assert_eq!(body["checks"][1]["status"], "WARN");
        assert_eq!(body["checks"][2]["duration_ms"], 1.5);
        assert_eq!(body["checks"][2]["data"], serde_json::json!({"n": 1}));
    }

    #[test]
    fn each_check_says_since_when_and_how_many_runs_in_a_row_failed() {
        let body = json(&with_history(), Format::Json, Detail::Full);
        assert_eq!(body["status"], "FAIL", "cache fails");
        assert_eq!(body["error"], "cache failed: cold", "db is held back");
        let (db, cache, flag) = (&body["checks"][0], &body["checks"][1], &body["checks"][2]);
        assert_eq!(db["status"], "WARN");
        assert_eq!(db["error"], "refused (1 of 3)");
        assert_eq!(db["consecutive_failures"], 1);
        assert_eq!(cache["status"], "FAIL");
        assert_eq!(cache["consecutive_failures"], 4);
        assert_eq!(flag["status"], "OK");
        assert!(flag.get("consecutive_failures").is_none());
        for check in [db, cache, flag] {
            assert_eq!(check["since"], "2026-12-06T12:00:00.250Z");
        }
        let status_only = json(&with_history(), Format::Json, Detail::StatusOnly);
        assert_eq!(
            status_only["checks"][0],
            serde_json::json!({"name": "db", "status": "WARN"})
        );
    }

    #[test]
    fn status_only_withholds_reasons_data_and_durations() {
        let mut report = failing();
        report.held = Some("maintenance".into());
        let body = json(&report, Format::Json, Detail::StatusOnly);
        assert_eq!(
            body,
            serde_json::json!({"status": "FAIL", "checks": [
                {"name": "availability", "status": "FAIL"},
                {"name": "db", "status": "FAIL"},
                {"name": "cache", "status": "WARN"},
                {"name": "flag", "status": "OK"},
            ]})
        );
    }

    #[test]
    fn strings_are_escaped() {
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
        let body = json(&report, Format::Json, Detail::Full);
        assert_eq!(body["checks"][0]["name"], "q\"uote");
        assert_eq!(body["checks"][0]["error"], "line\nbreak \\ tab\t é");
        assert_eq!(body["excluded"][0], "a\"b");
        assert!(body["warnings"][0].as_str().unwrap().contains("x\\\\y"));
    }

    #[test]
    fn a_held_probe_fails_with_its_reason_first() {
        let mut report = failing();
        report.held = Some("shutting down".into());
        let body = json(&report, Format::Json, Detail::Full);
        assert_eq!(body["error"], "shutting down; db failed: refused by peer");
        assert_eq!(
            body["checks"][0],
            serde_json::json!({"name": "availability", "status": "FAIL", "error": "shutting down"})
        );
        let mut report = Report::new(Probe::Readiness, Results::new());
        report.held = Some("shutting down".into());
        assert_eq!(
            json(&report, Format::Json, Detail::Full)["error"],
            "shutting down"
        );
    }

    #[test]
    fn no_checks_pass_with_an_empty_list() {
        let report = Report::new(Probe::Liveness, Results::new());
        assert_eq!(
            json(&report, Format::Json, Detail::Full),
            serde_json::json!({"status": "OK", "checks": []})
        );
    }
}
