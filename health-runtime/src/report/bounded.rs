//! A body of any format, kept under a limit (the kubelet's 10 KiB unless `Health::body_limit`
//! changes it): when a report's body would be longer (hundreds of failing checks, a check whose
//! limits were raised), its summary comes first, then the checks that fit, failed ones before
//! warnings before passing ones, and the body says how many were left out. A body that fits is
//! written as it is ([`Report::render`]) and never comes here.

use std::sync::Arc;

use super::{Body, CheckResult, Checks, Detail, LeftOut, Report, Results, Status};

/// The most bytes of a body unless `Health::body_limit` changes it: the kubelet reads 10 KiB of
/// it, and a body it cuts off is no JSON.
pub(crate) const BODY_LIMIT: usize = 10 * 1024;

impl Report {
    /// The report with as many of its checks as its body can show within `limit` bytes.
    pub(super) fn within_limit(&self, body: Body, detail: Detail, limit: usize) -> Report {
        // By index into `self.checks`, so that each kept check keeps its own recent runs.
        let mut ranked: Vec<usize> = (0..self.checks.len()).collect();
        // Stable: in name order within each status.
        ranked.sort_by_key(|&at| match self.checks[at].status() {
            Status::Fail => 0,
            Status::Warn => 1,
            Status::Ok => 2,
        });
        let size = |kept: &[usize]| {
            let mut written = Vec::new();
            let report = self.keeping(kept, self.checks.len(), limit);
            report.render_whole(body, detail, &mut written);
            written.len()
        };
        // The body with no check (its note counting every check as left out), then each check's
        // share, as it adds to that body.
        let empty = size(&[]);
        let mut used = empty;
        let mut kept: Vec<usize> = Vec::new();
        for at in ranked {
            let with_it = size(&[at]) - empty;
            if used + with_it > limit {
                break;
            }
            used += with_it;
            kept.push(at);
        }
        // Each check's share was measured alone: the body as it will be written decides.
        loop {
            let report = self.keeping(&kept, self.checks.len() - kept.len(), limit);
            let mut written = Vec::new();
            report.render_whole(body, detail, &mut written);
            if written.len() <= limit || kept.is_empty() {
                return report;
            }
            kept.pop();
        }
    }

    /// This report, showing its checks at `kept` (in that order, each with its own recent runs)
    /// and saying that `left` more are left out to keep it under `limit` bytes.
    fn keeping(&self, kept: &[usize], left: usize, limit: usize) -> Report {
        let recent = self.recent.as_deref().map(|_| {
            let runs = kept.iter().map(|&at| {
                let check = &self.checks[at];
                let runs = self.recent_runs(check).unwrap_or_default();
                (check.name.clone(), runs.to_vec())
            });
            Arc::new(runs.collect())
        });
        let kept: Results = kept.iter().map(|&at| self.checks[at].clone()).collect();
        let failed = failed_in(&self.checks) - failed_in(&kept);
        Report {
            scope: self.scope.clone(),
            checks: Checks::ThisProbe(kept),
            excluded: self.excluded.clone(),
            unknown_excludes: self.unknown_excludes.clone(),
            unknown_excludes_left: self.unknown_excludes_left,
            starting: self.starting,
            held: self.held.clone(),
            left_out: (left > 0).then_some(LeftOut {
                checks: left,
                failed,
                limit,
            }),
            recent,
        }
    }
}

fn failed_in(checks: &[CheckResult]) -> usize {
    checks
        .iter()
        .filter(|check| check.status() == Status::Fail)
        .count()
}

#[cfg(test)]
mod tests {
    use super::super::sample::result;
    use super::super::*;
    use crate::outcome::Outcome;

    /// `count` critical checks, every `failing_every`th failing, each with a reason of `reason`
    /// bytes.
    fn many(count: usize, failing_every: usize, reason: usize) -> Report {
        let names: Vec<&'static str> = (0..count)
            .map(|i| &*Box::leak(format!("check-{i:04}").into_boxed_str()))
            .collect();
        let results = names.into_iter().enumerate().map(|(i, name)| {
            let outcome = match i % failing_every {
                0 => Outcome::unhealthy("x".repeat(reason)),
                _ => Outcome::healthy(),
            };
            result(name, true, outcome)
        });
        Report::new(Probe::Readiness, Results::from_iter(results))
    }

    fn written(report: &Report, body: Body) -> Vec<u8> {
        let mut out = Vec::new();
        report.render(body, Detail::Full, BODY_LIMIT, &mut out);
        out
    }

    #[test]
    fn a_body_of_any_format_stays_under_the_limit_failed_checks_first_and_says_what_it_leaves_out()
    {
        let report = many(500, 5, 400);
        for body in [
            Body::Format(Format::Json),
            Body::Format(Format::MicroProfile),
            Body::Format(Format::HealthJson),
            Body::Verbose,
        ] {
            let out = written(&report, body);
            assert!(out.len() <= BODY_LIMIT, "{body:?}: {} bytes", out.len());
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains("more checks left out"), "{body:?}: {text}");
            if let Body::Format(_) = body {
                let json: serde_json::Value = serde_json::from_str(&text).unwrap();
                let status = json["status"].as_str().unwrap();
                assert!(matches!(status, "FAIL" | "DOWN" | "fail"), "{status}");
            }
            // The failed checks come first: the first shown is check-0000, the second check-0005.
            let first = text.find("check-0000").expect("the first failed check");
            let second = text.find("check-0005").expect("the second failed check");
            assert!(first < second && !text.contains("check-0001"), "{text}");
        }
        let seed: serde_json::Value =
            serde_json::from_slice(&written(&report, Body::Format(Format::Json))).unwrap();
        let error = seed["error"].as_str().unwrap();
        assert!(error.len() < 2 * ERROR_LINE_LIMIT, "{} bytes", error.len());
        assert!(error.ends_with("more failed checks"), "{error}");
    }

    #[test]
    fn a_body_that_fits_is_written_whole() {
        let report = many(10, 2, 100);
        let out = written(&report, Body::Format(Format::Json));
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(json["checks"].as_array().unwrap().len(), 10);
        assert!(json.get("warnings").is_none());
    }
}
