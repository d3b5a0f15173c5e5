//! MicroProfile Health's body, as Quarkus, Open Liberty and Helidon serve it:
//! `{"status":"UP"|"DOWN","checks":[{"name":"db","status":"DOWN","data":{"error":"refused"}}]}`.
//!
//! Its `data` holds only strings, numbers and booleans: a check's own data is flattened, nested
//! objects into dotted keys (`{"pool":{"size":4}}` becomes `"pool.size": 4`), arrays and nulls
//! into their JSON text; data that is not an object is `"value"`. A failed check's reason is
//! `data.error`. MicroProfile has no warning: a non-critical check that fails is `UP`, with its
//! reason as `data.warning`, so that the overall status stays the AND of the checks' (and the
//! probe's status code, 200, says the same). The root holds `status` and `checks` only.

use serde_json::{Map, Value};

use super::json::{Commas, write_str, write_value};
use super::{AVAILABILITY, CheckResult, Detail, Report, Status};

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
            let mut data = Map::new();
            if detail == Detail::Full {
                data.insert("error".into(), Value::from(held.as_ref()));
            }
            write_check(out, AVAILABILITY, "DOWN", &data);
        }
        for check in self.checks.iter() {
            comma.before_next(out);
            let data = match detail {
                Detail::Full => check.microprofile_data(),
                Detail::StatusOnly => Map::new(),
            };
            let status = match check.status() {
                Status::Ok | Status::Warn => "UP",
                Status::Fail => "DOWN",
            };
            write_check(out, &check.name, status, &data);
        }
        out.extend_from_slice(b"]}");
    }
}

fn write_check(out: &mut Vec<u8>, name: &str, status: &str, data: &Map<String, Value>) {
    out.extend_from_slice(b"{\"name\":");
    write_str(out, name);
    out.extend_from_slice(b",\"status\":");
    write_str(out, status);
    if !data.is_empty() {
        out.extend_from_slice(b",\"data\":");
        write_value(out, &Value::Object(data.clone()));
    }
    out.push(b'}');
}

impl CheckResult {
    /// The reason, then the check's own data, flattened.
    fn microprofile_data(&self) -> Map<String, Value> {
        let mut data = Map::new();
        if let Some(reason) = self.outcome.error() {
            let key = match self.status() {
                Status::Warn => "warning",
                Status::Ok | Status::Fail => "error",
            };
            data.insert(key.into(), Value::from(reason));
        }
        match self.outcome.data() {
            Some(Value::Object(entries)) => {
                for (key, value) in entries {
                    flatten(key, value, &mut data);
                }
            }
            Some(value) => flatten("value", value, &mut data),
            None => {}
        }
        data
    }
}

/// `value` under `key`, as strings, numbers and booleans only.
fn flatten(key: &str, value: &Value, into: &mut Map<String, Value>) {
    match value {
        Value::Object(entries) => {
            for (inner, value) in entries {
                flatten(&format!("{key}.{inner}"), value, into);
            }
        }
        Value::String(_) | Value::Number(_) | Value::Bool(_) => {
            into.insert(key.to_owned(), value.clone());
        }
        Value::Array(_) | Value::Null => {
            into.insert(key.to_owned(), Value::String(value.to_string()));
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
