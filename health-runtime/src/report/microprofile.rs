//! MicroProfile Health's body, as Quarkus, Open Liberty and Helidon serve it:
//! `{"status":"UP"|"DOWN","checks":[{"name":"db","status":"DOWN","data":{"error":"refused"}}]}`.
//!
//! Its `data` holds only strings, numbers and booleans: a check's own data is flattened, nested
//! objects into dotted keys (`{"pool":{"size":4}}` becomes `"pool.size": 4`), arrays and nulls
//! into their JSON text; data that is not an object is `"value"`. A failed check's reason is
//! `data.error`. MicroProfile has no warning: a non-critical check that fails is `UP`, with its
//! reason as `data.warning`, so that the overall status stays the AND of the checks' (and the
//! probe's status code, 200, says the same). A key of the check's own data that the reason takes
//! is written as `data.<key>`. The root holds `status` and `checks` only.

use serde_json::Value;

use super::json::{Commas, write_str, write_time, write_value};
use super::{AVAILABILITY, CheckResult, Detail, Report, Status};
use crate::recent::RecentRun;

impl Report {
    pub(super) fn write_microprofile(&self, detail: Detail, out: &mut Vec<u8>) {
        out.extend_from_slice(if self.passed() {
            b"{\"status\":\"UP\",\"checks\":["
        } else {
            b"{\"status\":\"DOWN\",\"checks\":["
        });
        let mut comma = Commas::default();
        if let Some(held) = &self.held {
            comma.before_next(out);
            write_check_head(out, AVAILABILITY, "DOWN");
            if detail.is_full() {
                let mut data = DataObject::new(out);
                data.key("error");
                write_str(data.out, held);
                data.close();
            }
            out.push(b'}');
        }
        for check in self.checks.iter() {
            comma.before_next(out);
            let status = match check.status() {
                Status::Ok | Status::Warn => "UP",
                Status::Fail => "DOWN",
            };
            write_check_head(out, &check.name, status);
            if detail.is_full() {
                check.write_microprofile_data(detail, self.recent_runs(check), out);
            }
            out.push(b'}');
        }
        // The root holds `status` and `checks` only: the checks left out show as one more, under
        // a name no check can have.
        if let Some(left_out) = self.left_out {
            comma.before_next(out);
            let name = format!("({} more checks left out)", left_out.checks);
            let status = if left_out.failed == 0 { "UP" } else { "DOWN" };
            write_check_head(out, &name, status);
            if detail.is_full() {
                let mut data = DataObject::new(out);
                data.key("reason");
                let reason = format!("the body is kept under {} bytes", left_out.limit);
                write_str(data.out, &reason);
                data.key("failed");
                write_value(data.out, &left_out.failed.into());
                data.close();
            }
            out.push(b'}');
        }
        out.extend_from_slice(b"]}");
    }
}

/// `{"name":..,"status":..`, to be followed by the data, if any, and closed.
fn write_check_head(out: &mut Vec<u8>, name: &str, status: &str) {
    out.extend_from_slice(b"{\"name\":");
    write_str(out, name);
    out.extend_from_slice(b",\"status\":");
    write_str(out, status);
}

/// A check's `,"data":{..}`, written entry by entry: opened by its first key, and left out when
/// it has none. Flattening can make one key twice (`{"a":{"b":1},"a.b":2}`): the second is
/// written `a.b#2`, so that no parser drops a value.
struct DataObject<'a> {
    out: &'a mut Vec<u8>,
    opened: bool,
    keys: Vec<String>,
}

impl DataObject<'_> {
    fn new(out: &mut Vec<u8>) -> DataObject<'_> {
        DataObject {
            out,
            opened: false,
            keys: Vec::new(),
        }
    }

    /// Writes `"key":`, or `"key#N":` for the Nth of one key; the value is the caller's to write
    /// next.
    fn key(&mut self, key: &str) {
        let before: &[u8] = if self.opened { b"," } else { b",\"data\":{" };
        self.out.extend_from_slice(before);
        self.opened = true;
        let mut unique = key.to_owned();
        let mut n = 1;
        while self.keys.contains(&unique) {
            n += 1;
            unique = format!("{key}#{n}");
        }
        write_str(self.out, &unique);
        self.keys.push(unique);
        self.out.push(b':');
    }

    fn close(self) {
        if self.opened {
            self.out.push(b'}');
        }
    }
}

impl CheckResult {
    /// The reason, then the check's own data, flattened; with `?history`, its recent runs'
    /// statuses, oldest first, as one string (MicroProfile's data holds no arrays): `"pass pass
    /// fail"`.
    fn write_microprofile_data(
        &self,
        detail: Detail,
        runs: Option<&[RecentRun]>,
        out: &mut Vec<u8>,
    ) {
        let mut data = DataObject::new(out);
        let reason_key = self.outcome.error().map(|reason| {
            let key = match self.status() {
                Status::Warn => "warning",
                Status::Ok | Status::Fail => "error",
            };
            data.key(key);
            write_str(data.out, reason);
            key
        });
        match self.outcome.data() {
            Some(Value::Object(entries)) => {
                for (key, value) in entries {
                    let mut key = key.clone();
                    if Some(key.as_str()) == reason_key {
                        key.insert_str(0, "data.");
                    }
                    flatten(&mut key, value, &mut data);
                }
            }
            Some(value) => flatten(&mut "value".to_owned(), value, &mut data),
            None => {}
        }
        // The history last: a key of the check's own data keeps its name.
        if let Some(since) = self.standing.since_ms() {
            data.key("since");
            write_time(data.out, since);
        }
        if let Some(failures) = self.failures_in_a_row() {
            data.key("consecutiveFailures");
            write_value(data.out, &failures.into());
        }
        if let (Detail::History, Some(runs)) = (detail, runs) {
            let runs: Vec<&str> = runs
                .iter()
                .map(|run| match run.status {
                    Status::Ok => "pass",
                    Status::Warn => "warn",
                    Status::Fail => "fail",
                })
                .collect();
            data.key("recentRuns");
            write_str(data.out, &runs.join(" "));
        }
        data.close();
    }
}

/// `value` under `key`, as strings, numbers and booleans only; `key` is left as it was.
fn flatten(key: &mut String, value: &Value, data: &mut DataObject<'_>) {
    match value {
        Value::Object(entries) => {
            for (inner, value) in entries {
                let length = key.len();
                key.push('.');
                key.push_str(inner);
                flatten(key, value, data);
                key.truncate(length);
            }
        }
        Value::String(_) | Value::Number(_) | Value::Bool(_) => {
            data.key(key);
            write_value(data.out, value);
        }
        Value::Array(_) | Value::Null => {
            data.key(key);
            write_str(data.out, &value.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::sample::*;
    use super::super::*;

    #[test]
    fn checks_are_up_or_down_with_flat_data() {
        let mut report = failing();
        let nested = Outcome::healthy().with_data(serde_json::json!({
            "pool": {"size": 4, "hosts": ["a", "b"]}, "ok": true, "none": null
        }));
        if let Checks::ThisProbe(results) = &mut report.checks {
            results.push(result("nested", true, nested));
            results.push(result(
                "scalar",
                true,
                Outcome::healthy().with_data("by hand"),
            ));
        }
        let body = json(&report, Format::MicroProfile, Detail::Full);
        assert_eq!(
            body,
            serde_json::json!({"status": "DOWN", "checks": [
                {"name": "db", "status": "DOWN", "data": {"error": "refused\nby peer"}},
                {"name": "cache", "status": "UP", "data": {"warning": "cold"}},
                {"name": "flag", "status": "UP", "data": {"n": 1}},
                {"name": "nested", "status": "UP", "data": {
                    "pool.size": 4, "pool.hosts": "[\"a\",\"b\"]", "ok": true, "none": "null"
                }},
                {"name": "scalar", "status": "UP", "data": {"value": "by hand"}},
            ]})
        );
    }

    /// The report of one failing check `db` with `data`.
    fn refused_with(data: serde_json::Value) -> Report {
        let outcome = Outcome::unhealthy("refused").with_data(data);
        Report::new(
            Probe::Readiness,
            Results::from_vec(vec![result("db", true, outcome)]),
        )
    }

    #[test]
    fn data_says_since_when_and_how_many_runs_in_a_row_failed() {
        let body = json(&with_history(), Format::MicroProfile, Detail::Full);
        assert_eq!(
            body["checks"][0],
            serde_json::json!({"name": "db", "status": "UP", "data": {
                "warning": "refused (1 of 3)",
                "since": "2026-12-06T12:00:00.250Z",
                "consecutiveFailures": 1,
            }})
        );
        assert_eq!(
            body["checks"][2]["data"],
            serde_json::json!({"since": "2026-12-06T12:00:00.250Z"})
        );
        // A key of the check's own data keeps its name.
        let mut report = with_history();
        if let Checks::ThisProbe(results) = &mut report.checks {
            results[2].outcome = Outcome::healthy().with_data(serde_json::json!({"since": "boot"}));
        }
        let body = json(&report, Format::MicroProfile, Detail::Full);
        assert_eq!(body["checks"][2]["data"]["since"], "boot");
        assert_eq!(
            body["checks"][2]["data"]["since#2"],
            "2026-12-06T12:00:00.250Z"
        );
    }

    #[test]
    fn the_checks_own_data_keeps_a_key_that_the_reason_takes() {
        let report = refused_with(serde_json::json!({"error": 42}));
        let body = json(&report, Format::MicroProfile, Detail::Full);
        assert_eq!(
            body["checks"][0]["data"],
            serde_json::json!({"error": "refused", "data.error": 42})
        );
        let raw = rendered(&report, Body::Format(Format::MicroProfile), Detail::Full);
        assert_eq!(raw.matches("\"error\"").count(), 1, "{raw}");
    }

    #[test]
    fn flattening_never_writes_one_key_twice() {
        // Written in the keys' order: `data.error` before `error`, which the reason moves.
        let data = serde_json::json!({"a": {"b": 1}, "a.b": 2, "error": 3, "data.error": 4});
        let body = json(&refused_with(data), Format::MicroProfile, Detail::Full);
        assert_eq!(
            body["checks"][0]["data"],
            serde_json::json!({
                "error": "refused", "a.b": 1, "a.b#2": 2, "data.error": 4, "data.error#2": 3
            })
        );
    }

    #[test]
    fn status_only_keeps_names_and_statuses() {
        let mut report = failing();
        report.held = Some("maintenance".into());
        let body = json(&report, Format::MicroProfile, Detail::StatusOnly);
        assert_eq!(
            body,
            serde_json::json!({"status": "DOWN", "checks": [
                {"name": "availability", "status": "DOWN"},
                {"name": "db", "status": "DOWN"},
                {"name": "cache", "status": "UP"},
                {"name": "flag", "status": "UP"},
            ]})
        );
    }
}
