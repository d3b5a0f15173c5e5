//! The report of one probe: the results of its checks, aggregated into a verdict, and rendered in
//! the body a request asks for. This file holds the report and its verdict; each format is a file
//! of its own: `default_json.rs` (the Go service's JSON, the default), `verbose.rs` (kube-apiserver's
//! `?verbose` text), `microprofile.rs` (MicroProfile Health), `health_json.rs`
//! (`application/health+json`). `json.rs` has what the JSON formats share; `bounded.rs` keeps a
//! body of any format under the kubelet's 10 KiB.

mod bounded;
mod default_json;
mod health_json;
pub(crate) mod json;
mod microprofile;
mod verbose;

use std::borrow::Cow;
use std::fmt::Write;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use smallvec::SmallVec;

use crate::check::{Check, Name};
use crate::format::Format;
use crate::history::{Standing, Verdict};
use crate::outcome::Outcome;
use crate::probe::Probe;
use crate::recent::RecentRun;
use crate::redact;
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
    /// The check's standing after the run: since when, how many runs in a row failed, damping.
    pub standing: Standing,
}

impl CheckResult {
    /// `check`'s `run`, with its age if the probe did not make it.
    pub(crate) fn new(check: &Check, run: FinishedRun, age: Option<Duration>) -> CheckResult {
        CheckResult {
            name: check.name.clone(),
            critical: check.critical,
            outcome: run.outcome,
            duration: run.duration,
            age,
            standing: run.standing,
        }
    }

    fn status(&self) -> Status {
        let damped = self.standing.verdict == Verdict::Damped;
        Status::of(self.outcome.is_healthy(), damped, self.critical)
    }

    /// Whether it fails its probe (or group): critical, failed, and not held back by damping.
    pub(crate) fn fails_its_probe(&self) -> bool {
        self.status() == Status::Fail
    }

    /// Failed runs in a row, while the check is failing or damped.
    fn failures_in_a_row(&self) -> Option<u32> {
        (self.standing.failures > 0 && !self.outcome.is_healthy()).then_some(self.standing.failures)
    }
}

/// The results of a probe's checks, in check order: most probes run one check, kept inline.
pub(crate) type Results = SmallVec<[CheckResult; 1]>;

/// How a check's run ended, as bodies show it (and each of its recent runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Ok,
    /// A non-critical check failed, or flap damping holds a failure back: shown, but the probe
    /// passes.
    Warn,
    Fail,
}

impl Status {
    /// The status of a run that passed or not (`healthy`), held back by damping or not, of a
    /// critical check or not.
    pub(crate) fn of(healthy: bool, damped: bool, critical: bool) -> Status {
        match (healthy, damped, critical) {
            (true, _, _) => Status::Ok,
            (false, true, _) | (false, false, false) => Status::Warn,
            (false, false, true) => Status::Fail,
        }
    }
}

/// Which checks a report covers: those of one probe, of every probe together (MicroProfile's
/// `/health`), or of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    Probe(Probe),
    AllProbes,
    /// The group's name, behind a thin pointer (see `ServedGroup::name`).
    Group(Arc<String>),
}

impl Scope {
    /// As the verbose verdict names it: `readiness check passed`, `health check failed`, `deep
    /// check passed`.
    fn name(&self) -> &str {
        match self {
            Scope::Probe(probe) => probe.as_str(),
            Scope::AllProbes => "health",
            Scope::Group(name) => name,
        }
    }
}

/// The report of one probe request.
pub(crate) struct Report {
    pub scope: Scope,
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
    /// The checks that a body too large for the kubelet leaves out (`bounded.rs`).
    pub left_out: Option<LeftOut>,
    /// Each check's recent runs, by name, when the body shows them (`?history`, the page).
    /// Behind a pointer: a report is moved several times a probe, and one of more than 256 bytes
    /// is copied by a slower path of `memcpy` (callgrind: about 23 instructions a copy); shared,
    /// as a body kept under its limit is tried with several reports.
    pub recent: Option<Arc<RecentRunsOf>>,
}

/// Each check's recent runs, oldest first, by the check's name.
pub(crate) type RecentRunsOf = Vec<(Name, Vec<RecentRun>)>;

/// The checks left out of a body, so that it stays under its limit ([`BODY_LIMIT`] by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LeftOut {
    pub checks: usize,
    /// How many of them failed (and fail the probe).
    pub failed: usize,
    /// The bytes the body is kept under.
    pub limit: usize,
}

pub(crate) use bounded::BODY_LIMIT;

/// The most bytes of a probe's summary line (the top-level `error` or `output`): each failed
/// check's reason after it is counted, not shown.
const ERROR_LINE_LIMIT: usize = 1024;

/// The name under which a held probe shows its availability switch.
const AVAILABILITY: &str = "availability";

/// The results a report shows: those of this probe's runs, or those of the startup run that
/// passed.
#[derive(Clone)]
pub(crate) enum Checks {
    ThisProbe(Results),
    StartupPassed(&'static [CheckResult]),
}

impl Deref for Checks {
    type Target = [CheckResult];

    fn deref(&self) -> &[CheckResult] {
        match self {
            Checks::ThisProbe(results) => results,
            Checks::StartupPassed(results) => results,
        }
    }
}

impl From<Results> for Checks {
    fn from(results: Results) -> Checks {
        Checks::ThisProbe(results)
    }
}

impl From<&'static [CheckResult]> for Checks {
    fn from(results: &'static [CheckResult]) -> Checks {
        Checks::StartupPassed(results)
    }
}

/// How much of the report a body shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detail {
    /// Reasons, data and durations.
    Full,
    /// All that, and each check's recent runs (`?history`).
    History,
    /// Check names and statuses only; reasons are withheld.
    StatusOnly,
}

impl Detail {
    /// Whether reasons, data and durations are shown.
    pub(crate) fn is_full(self) -> bool {
        self != Detail::StatusOnly
    }
}

/// What a body is made of: the report in one of the formats, or the verbose text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Body {
    Format(Format),
    Verbose,
}

impl Report {
    pub(crate) fn new(probe: Probe, checks: impl Into<Checks>) -> Report {
        Report {
            scope: Scope::Probe(probe),
            checks: checks.into(),
            excluded: Vec::new(),
            unknown_excludes: Vec::new(),
            unknown_excludes_left: 0,
            starting: false,
            held: None,
            left_out: None,
            recent: None,
        }
    }

    /// The report of the group `name`: its checks, which no switch or startup holds back.
    pub(crate) fn of_group(name: Arc<String>, checks: impl Into<Checks>) -> Report {
        let mut report = Report::new(Probe::Liveness, checks);
        report.scope = Scope::Group(name);
        report
    }

    /// The group's name, if this is a group's report.
    pub(crate) fn group_name(&self) -> Option<Arc<String>> {
        match &self.scope {
            Scope::Group(name) => Some(Arc::clone(name)),
            Scope::Probe(_) | Scope::AllProbes => None,
        }
    }

    /// The reports of every probe as one: all their checks (readiness's own, not the startup
    /// checks it shows while starting), passing when each passes. What `?exclude=` did is the
    /// caller's to set, as a name is unknown only when no probe knows it.
    pub(crate) fn all_probes(reports: [Report; 3]) -> Report {
        let starting = reports.iter().any(|report| report.starting);
        let mut checks = Results::new();
        let mut held: Vec<Cow<'static, str>> = Vec::new();
        for report in reports {
            match report.checks {
                _ if report.starting => {}
                Checks::ThisProbe(results) => checks.extend(results),
                Checks::StartupPassed(results) => checks.extend(results.iter().cloned()),
            }
            held.extend(report.held);
        }
        Report {
            scope: Scope::AllProbes,
            checks: Checks::ThisProbe(checks),
            excluded: Vec::new(),
            unknown_excludes: Vec::new(),
            unknown_excludes_left: 0,
            // Readiness held back by startup: the startup checks, among the checks, say why.
            starting,
            held: (!held.is_empty()).then(|| Cow::Owned(held.join("; "))),
            left_out: None,
            recent: None,
        }
    }

    /// The recent runs of `check`, one of this report's, oldest first, if the body shows them.
    // Inlined: every body asks it of every check, and nearly none has runs (callgrind: 20
    // instructions a probe out of line).
    #[inline]
    pub(crate) fn recent_runs(&self, check: &CheckResult) -> Option<&[RecentRun]> {
        let recent = self.recent.as_deref()?;
        Some(runs_of(&self.checks, recent, check))
    }

    /// A probe passes when no critical check failed (and so with no checks at all).
    pub(crate) fn passed(&self) -> bool {
        !self.starting
            && self.held.is_none()
            && self.left_out.is_none_or(|left_out| left_out.failed == 0)
            && self
                .checks
                .iter()
                .all(|check| check.status() != Status::Fail)
    }

    /// What fails the probe, by name: `availability` when a switch holds it, and each failed
    /// critical check (the startup checks', while startup has not passed).
    pub(crate) fn failing(&self) -> Vec<String> {
        let held = self.held.as_ref().map(|_| AVAILABILITY.to_owned());
        let failed = self.checks.iter().filter(|c| c.status() == Status::Fail);
        held.into_iter()
            .chain(failed.map(|check| check.name.to_string()))
            .collect()
    }

    /// One line saying why the probe fails: what holds it (shutting down, a switch), whether
    /// startup has not passed, and each failed critical check with its reason, joined by `; `.
    pub(crate) fn error_line(&self) -> String {
        let mut line = String::new();
        if let Some(held) = &self.held {
            line.push_str(&one_line(held));
        }
        if self.starting {
            if !line.is_empty() {
                line.push_str("; ");
            }
            line.push_str("service is starting");
        }
        let failed = self.checks.iter().filter(|c| c.status() == Status::Fail);
        let mut untold = self.left_out.map_or(0, |left_out| left_out.failed);
        for (i, check) in failed.enumerate() {
            if line.len() > ERROR_LINE_LIMIT {
                untold += 1;
                continue;
            }
            // The startup checks that failed say why it is starting: "service is starting: a".
            let separator = match (i, self.starting) {
                (0, true) => ": ",
                _ if line.is_empty() => "",
                _ => "; ",
            };
            let reason = one_line(check.outcome.error().unwrap_or_default());
            let _ = write!(line, "{separator}{} failed: {reason}", check.name);
        }
        if untold > 0 {
            let more = if line.is_empty() { "" } else { "; and " };
            let checks = if untold == 1 { "check" } else { "checks" };
            let _ = write!(line, "{more}{untold} more failed {checks}");
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
        let left_out = self.left_out.map(|left_out| {
            format!(
                "{} more checks left out of this body, to keep it under {} bytes (the kubelet \
                 reads 10 KiB); `/<path>/<name>` answers for one",
                left_out.checks, left_out.limit
            )
        });
        names.chain(left).chain(left_out)
    }

    /// Writes the body: `body`, showing what `detail` allows, in at most `limit` bytes: as it is
    /// when it fits, at no cost but its length's comparison; `bounded.rs` makes one that fits.
    pub(crate) fn render(&self, body: Body, detail: Detail, limit: usize, out: &mut Vec<u8>) {
        let start = out.len();
        self.render_whole(body, detail, out);
        if out.len() - start <= limit {
            return;
        }
        out.truncate(start);
        let within = self.within_limit(body, detail, limit);
        within.render_whole(body, detail, out);
    }

    /// Writes the body: `body`, showing what `detail` allows, however long ([`Report::render`]
    /// keeps it under the limit).
    fn render_whole(&self, body: Body, detail: Detail, out: &mut Vec<u8>) {
        match body {
            Body::Format(Format::Json) => self.write_json(detail, out),
            Body::Format(Format::MicroProfile) => self.write_microprofile(detail, out),
            Body::Format(Format::HealthJson) => self.write_health_json(detail, out),
            Body::Verbose => out.extend_from_slice(self.verbose_text(detail).as_bytes()),
        }
    }
}

/// The runs of `check`, one of `checks`, in `recent`: found by name and, where two probes'
/// checks share one (`/health`), by which of them it is.
fn runs_of<'a>(
    checks: &[CheckResult],
    recent: &'a RecentRunsOf,
    check: &CheckResult,
) -> &'a [RecentRun] {
    let same_name = |name: &Name| **name == *check.name;
    let before = checks
        .iter()
        .take_while(|other| !std::ptr::eq(*other, check));
    let nth = before.filter(|other| same_name(&other.name)).count();
    let mut named = recent.iter().filter(|(name, _)| same_name(name));
    named.nth(nth).map_or(&[], |(_, runs)| runs)
}

/// Reasons come from arbitrary `Display` impls; the one-line error and the verbose format need
/// them on a single line, with no control character that a terminal or a log would obey.
fn one_line(reason: &str) -> Cow<'_, str> {
    if reason.contains(['\n', '\r']) {
        let line = reason
            .split(['\n', '\r'])
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Cow::Owned(redact::printable(&line).into_owned())
    } else {
        redact::printable(reason)
    }
}

/// What the renderers' tests share.
#[cfg(test)]
mod sample {
    use super::*;

    /// A check's result, with no history.
    pub(super) fn result(name: &'static str, critical: bool, outcome: Outcome) -> CheckResult {
        let verdict = if outcome.is_healthy() {
            Verdict::Passing
        } else {
            Verdict::Failing
        };
        CheckResult {
            name: Name::Static(name),
            critical,
            outcome,
            duration: Duration::from_micros(1500),
            age: None,
            standing: Standing {
                verdict,
                since_ms: 0,
                failures: 0,
            },
        }
    }

    /// `db` damped at its 1st of 3 failures, `cache` failing for 4 runs, `flag` passing; each
    /// since 2026-12-06T12:00:00.250Z.
    pub(super) fn with_history() -> Report {
        let since_ms = 1_796_558_400_250;
        let standing = |verdict, failures| Standing {
            verdict,
            since_ms,
            failures,
        };
        let mut db = result("db", true, Outcome::unhealthy("refused (1 of 3)"));
        db.standing = standing(Verdict::Damped, 1);
        let mut cache = result("cache", true, Outcome::unhealthy("cold"));
        cache.standing = standing(Verdict::Failing, 4);
        let mut flag = result("flag", true, Outcome::healthy());
        flag.standing = standing(Verdict::Passing, 0);
        Report::new(Probe::Readiness, Results::from_vec(vec![db, cache, flag]))
    }

    /// A failing readiness report: `db` failed, `cache` warns, `flag` passes.
    pub(super) fn failing() -> Report {
        Report::new(
            Probe::Readiness,
            Results::from_vec(vec![
                result("db", true, Outcome::unhealthy("refused\nby peer")),
                result("cache", false, Outcome::unhealthy("cold")),
                result(
                    "flag",
                    true,
                    Outcome::healthy().with_data(serde_json::json!({"n": 1})),
                ),
            ]),
        )
    }

    pub(super) fn rendered(report: &Report, body: Body, detail: Detail) -> String {
        let mut out = Vec::new();
        report.render(body, detail, BODY_LIMIT, &mut out);
        String::from_utf8(out).expect("UTF-8")
    }

    pub(super) fn json(report: &Report, format: Format, detail: Detail) -> serde_json::Value {
        let body = rendered(report, Body::Format(format), detail);
        serde_json::from_str(&body).expect("valid JSON")
    }
}

#[cfg(test)]
mod tests {
    use super::sample::*;
    use super::*;

    #[test]
    fn failed_critical_checks_fail_the_probe_and_are_named() {
        let report = failing();
        assert!(!report.passed());
        assert_eq!(report.error_line(), "db failed: refused by peer");
    }

    #[test]
    fn every_reason_is_joined_into_one_line() {
        let mut report = failing();
        report.held = Some(Cow::Borrowed("shutting down"));
        assert_eq!(
            report.error_line(),
            "shutting down; db failed: refused by peer"
        );
        report.starting = true;
        assert_eq!(
            report.error_line(),
            "shutting down; service is starting: db failed: refused by peer"
        );
        report.held = None;
        assert_eq!(
            report.error_line(),
            "service is starting: db failed: refused by peer"
        );
        report.checks = Checks::ThisProbe(Results::new());
        assert_eq!(report.error_line(), "service is starting");
    }

    #[test]
    fn no_checks_pass() {
        assert!(Report::new(Probe::Liveness, Results::new()).passed());
    }

    #[test]
    fn all_probes_pass_together_or_not_at_all() {
        let live = || {
            Report::new(
                Probe::Liveness,
                Results::from_vec(vec![result("alive", true, Outcome::healthy())]),
            )
        };
        let started = || Report::new(Probe::Startup, Results::new());
        let all = Report::all_probes([live(), failing(), started()]);
        assert!(!all.passed());
        let names: Vec<&str> = all.checks.iter().map(|check| &*check.name).collect();
        assert_eq!(names, ["alive", "db", "cache", "flag"]);

        let ready = Report::new(
            Probe::Readiness,
            Results::from_vec(vec![result("cache", false, Outcome::unhealthy("cold"))]),
        );
        assert!(Report::all_probes([live(), ready, started()]).passed());
        let mut held = live();
        held.held = Some(Cow::Borrowed("wedged"));
        assert!(!Report::all_probes([held, started(), started()]).passed());
    }
}
