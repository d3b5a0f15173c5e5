//! The flow of one probe, free of HTTP: which checks run (the startup gate, `?exclude=`, one check
//! by name) and the report they make, held back by the `Health`'s switches and told to its log.
//! `runs.rs` begins them within the probe's first poll; a probe whose checks all finish there is
//! answered there, otherwise one future waits for the rest. The HTTP servers' `http::Respond` and
//! gRPC's feeds (`feed.rs`) call [`ServedChecks::answer`].

use std::collections::HashSet;
use std::sync::Arc;
use std::task::Context;
use std::time::Duration;

use futures_util::future::join;

use crate::check::{Check, Name, Schedule, StateRef};
use crate::data::DataSource;
use crate::health::Health;
use crate::interval;
use crate::lifecycle::{Lifecycle, StartupLatch};
use crate::outcome::cut;
use crate::panics;
use crate::probe::Probe;
use crate::report::{Checks, Report, Results};
use crate::runs::{Answer, Runs};
use crate::transitions;

/// The checks a `Health` serves, by probe and by group: its defaults applied, listed by name.
pub(crate) struct ServedChecks {
    checks: [Vec<Check>; 3],
    /// Each group of `Health::served_groups`, in its order.
    groups: Vec<ServedGroup>,
    /// The most bytes of a body (`Health::body_limit`).
    pub body_limit: usize,
    /// The startup latch and switches of the `Health`.
    pub lifecycle: &'static Lifecycle,
}

/// The checks of one group, and its name, as its reports show it.
pub(crate) struct ServedGroup {
    /// A thin pointer, as reports carry it: a report of more than 256 bytes is copied by a
    /// slower path of `memcpy` (callgrind: 23 instructions a copy, 4 copies a probe).
    pub name: Arc<String>,
    checks: Vec<Check>,
}

impl ServedGroup {
    /// Whether the group holds `probe`'s check `name`.
    pub(crate) fn holds(&self, probe: Probe, name: &str) -> bool {
        let mut checks = self.checks.iter();
        checks.any(|check| check.probe == Some(probe) && check.name() == name)
    }
}

/// What is served: a probe, or a group (its index in `Health::served_groups`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Served {
    Probe(Probe),
    Group(usize),
}

/// What a probe request asks for.
#[derive(Clone, Copy)]
pub(crate) enum Target<'a> {
    /// All checks of the probe or group (`/readyz`).
    Probe,
    /// The check of the probe or group with this name (`/readyz/<name>`).
    Check(&'a str),
}

/// A probe named a check its probe does not have (`/readyz/<name>`).
pub(crate) struct NoSuchCheck;

impl ServedChecks {
    /// The checks `health` serves. Call it on the runtime of the worker that serves them: the
    /// background loops that need no request start here.
    pub(crate) fn new(health: &Health) -> ServedChecks {
        let serve = |probe: Option<Probe>, check: &Check| {
            let (timeout, cache) = (health.default_timeout, health.default_cache);
            check
                .clone()
                .served_with(probe, timeout, cache, health.limits, health.recent_runs)
        };
        // Declared and added checks alike are listed by name: link order means nothing.
        let by_name = |mut checks: Vec<Check>| {
            checks.sort_by(|a, b| (a.name(), a.origin).cmp(&(b.name(), b.origin)));
            checks
        };
        let checks = Probe::ALL.map(|probe| {
            let checks = health.checks[probe.index()].iter();
            by_name(checks.map(|check| serve(Some(probe), check)).collect())
        });
        let groups = health
            .served_groups()
            .into_iter()
            .map(|group| ServedGroup {
                name: Arc::new(group.name.to_string()),
                checks: by_name(
                    health
                        .every_check()
                        .filter(|(_, check)| check.in_group(&group.name))
                        .map(|(probe, check)| serve(probe, check))
                        .collect(),
                ),
            })
            .collect::<Vec<ServedGroup>>();
        // Before any check runs: the panics of checks are theirs to report (`execute.rs`).
        panics::install_hook();
        let probes = Probe::ALL.map(|probe| names(&checks[probe.index()]));
        let served_groups: Vec<(&str, Vec<&str>)> = groups
            .iter()
            .map(|group: &ServedGroup| (group.name.as_str(), names(&group.checks)))
            .collect();
        transitions::served(probes, &served_groups);
        let served = ServedChecks {
            checks,
            groups,
            body_limit: health.body_limit,
            lifecycle: health.lifecycle,
        };
        served.start_loops(health);
        served
    }

    /// The names of the checks of `served`, each once, in order.
    pub(crate) fn names(&self, served: Served) -> impl Iterator<Item = &Name> {
        self.checks_of(served).iter().map(|check| &check.name)
    }

    fn checks_of(&self, served: Served) -> &[Check] {
        match served {
            Served::Probe(probe) => &self.checks[probe.index()],
            Served::Group(group) => &self.groups[group].checks,
        }
    }

    /// The groups served, in order.
    pub(crate) fn groups(&self) -> &[ServedGroup] {
        &self.groups
    }

    /// The checks of the group at `index` that a probe runs now, with that probe: a view that runs
    /// the probes and the groups together (the status page, gRPC's `List`) runs each of these
    /// once, in its probe, and shows that run in the group. Readiness's only once startup has
    /// passed (before, readiness's report shows startup's checks, not its own); ask after the
    /// probes' runs have begun, so that a start in this view's own gate counts. Never startup's,
    /// whose report shows the run that started the service.
    pub(crate) fn run_by_probes(&self, index: usize) -> impl Iterator<Item = (&Check, Probe)> {
        let started = self.lifecycle.startup.passed().is_some();
        self.groups[index].checks.iter().filter_map(move |check| {
            let probe = check.probe?;
            let runs_now = probe == Probe::Liveness || (probe == Probe::Readiness && started);
            runs_now.then_some((check, probe))
        })
    }

    /// The names of the checks of `served` and their states (their recent runs), in order.
    pub(crate) fn names_and_states(
        &self,
        served: Served,
    ) -> impl Iterator<Item = (Name, StateRef)> + '_ {
        let checks = self.checks_of(served).iter();
        checks.map(|check| (check.name.clone(), check.state.clone()))
    }

    /// The longest timeout of any check served.
    pub(crate) fn slowest_timeout(&self) -> Duration {
        let groups = self.groups.iter().flat_map(|group| &group.checks);
        let checks = self.checks.iter().flatten().chain(groups);
        checks.map(Check::run_timeout).max().unwrap_or_default()
    }

    /// Starts the loops of the `interval` checks that can run without a request: those that take
    /// no data, and those whose data `health` was given. The others start with the first
    /// probe that reaches them, which brings their data. A probe served on no path runs none,
    /// and none starts off a runtime (an axum router built before it): the first probe starts
    /// them.
    fn start_loops(&self, health: &Health) {
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        let data = &health.data;
        let probes = Probe::ALL.into_iter().filter(|&probe| health.serves(probe));
        // Groups are served whenever a server is: at `/health/group/<name>` at least.
        let served = probes
            .map(Served::Probe)
            .chain((0..self.groups.len()).map(Served::Group));
        for served in served {
            for check in self.checks_of(served) {
                if let Schedule::Interval(period) = check.schedule {
                    if health.data.holds_all(check.data_types()) {
                        interval::start_loop(check, data, period);
                    }
                }
            }
        }
    }

    /// Answers a request of `served` for `target`: [`answer`](Self::answer) for a probe,
    /// [`answer_group`](Self::answer_group) for a group.
    pub(crate) fn answer_served(
        &self,
        served: Served,
        target: Target<'_>,
        exclude: &[String],
        data: &DataSource<'_>,
        cx: &mut Context<'_>,
    ) -> Result<Answer, NoSuchCheck> {
        match served {
            Served::Probe(probe) => self.answer(probe, target, exclude, data, cx),
            Served::Group(group) => self.answer_group(group, target, exclude, data, cx),
        }
    }

    /// `answer`, its report carrying the last `most` recent runs of the checks it shows
    /// (`?history`: all; the status page: its strip's): those of `served` (of every probe when
    /// `None`), or startup's, which readiness shows while startup holds it back. Nothing of this
    /// is done unless asked.
    pub(crate) fn with_history(
        &self,
        served: Option<Served>,
        most: usize,
        answer: Answer,
    ) -> Answer {
        let own: Vec<(Name, StateRef)> = match served {
            Some(served) => self.names_and_states(served).collect(),
            None => Probe::ALL
                .into_iter()
                .flat_map(|probe| self.names_and_states(Served::Probe(probe)))
                .collect(),
        };
        let startup: Vec<(Name, StateRef)> = self
            .names_and_states(Served::Probe(Probe::Startup))
            .collect();
        answer.map(move |mut report| {
            let states = if report.starting && served.is_some() {
                startup
            } else {
                own
            };
            // The results are in the order of the checks they come from (every probe's: each
            // probe's in turn), less those excluded: each is found after the one before, so that
            // two probes' checks of one name each get their own.
            let mut from = 0;
            let recent = report.checks.iter().filter_map(|result| {
                let later = states[from..]
                    .iter()
                    .position(|(name, _)| **name == *result.name);
                let at = from + later?;
                from = at + 1;
                let (name, state) = &states[at];
                Some((name.clone(), state.recent.last(most)))
            });
            report.recent = Some(Arc::new(recent.collect()));
            report
        })
    }

    /// Answers a request of the group at `index` for `target`: its checks, as they are, with no
    /// startup gate, switch or probe log, as a group feeds no probe. Each check's own log names
    /// its groups.
    pub(crate) fn answer_group(
        &self,
        index: usize,
        target: Target<'_>,
        exclude: &[String],
        data: &DataSource<'_>,
        cx: &mut Context<'_>,
    ) -> Result<Answer, NoSuchCheck> {
        let group = &self.groups[index];
        let name = Arc::clone(&group.name);
        let (included, exclusions): (Vec<&Check>, _) = match target {
            Target::Probe => (
                group
                    .checks
                    .iter()
                    .filter(|check| !is_excluded(check, exclude))
                    .collect(),
                Exclusions::of(group.checks.iter(), exclude),
            ),
            Target::Check(wanted) => {
                let named: Vec<&Check> = group
                    .checks
                    .iter()
                    .filter(|check| check.name() == wanted)
                    .collect();
                if named.is_empty() {
                    return Err(NoSuchCheck);
                }
                (named, None)
            }
        };
        Ok(
            Runs::begin(included.into_iter(), data, cx).answer(move |results| {
                let mut report = Report::of_group(name, results);
                if let Some(exclusions) = exclusions {
                    exclusions.apply_to(&mut report);
                }
                report
            }),
        )
    }

    /// Answers a probe of `probe` for `target`, skipping the checks named in `exclude`; the checks
    /// take their `web::Data` from `data`. Call it within the poll whose context is `cx`.
    pub(crate) fn answer(
        &self,
        probe: Probe,
        target: Target<'_>,
        exclude: &[String],
        data: &DataSource<'_>,
        cx: &mut Context<'_>,
    ) -> Result<Answer, NoSuchCheck> {
        let checks = &self.checks[probe.index()];
        let name = match target {
            Target::Probe => return Ok(self.answer_probe(probe, exclude, data, cx)),
            Target::Check(name) => name,
        };
        // One check is run as it is, whatever startup and `?exclude=` say.
        if !checks.iter().any(|check| check.name() == name) {
            return Err(NoSuchCheck);
        }
        let named = checks.iter().filter(|check| check.name() == name);
        Ok(Runs::begin(named, data, cx).answer(move |results| Report::new(probe, results)))
    }

    /// Answers every probe at once (MicroProfile's `/health`): each as it is answered alone, their
    /// reports as one. While startup has not passed, its checks run once, as the startup probe
    /// and as readiness's gate.
    pub(crate) fn answer_all(
        &self,
        exclude: &[String],
        data: &DataSource<'_>,
        cx: &mut Context<'_>,
    ) -> Answer {
        // Each probe is answered with its own exclusions (a startup that skipped a check records
        // no pass); the body's are those of every probe, as a name is unknown when none has it.
        let live = self.answer_probe(Probe::Liveness, exclude, data, cx);
        let ready_and_started = match self.lifecycle.startup.passed() {
            Some(_) => both(
                self.answer_probe(Probe::Readiness, exclude, data, cx),
                self.answer_probe(Probe::Startup, exclude, data, cx),
            ),
            None => {
                let ready = self.reporting(Probe::Readiness, exclude);
                let started = self.reporting(Probe::Startup, exclude);
                let included = self.included(Probe::Readiness, exclude);
                let exclude = exclude.to_vec();
                self.starting(included, data, cx, move |gate, results| {
                    let ready = ready.readiness(&gate, results);
                    (ready, started.finish(without_excluded(gate, &exclude)))
                })
            }
        };
        let exclusions = Exclusions::of(self.checks.iter().flatten(), exclude);
        both(live, ready_and_started).map(move |(live, (ready, started))| {
            let mut report = Report::all_probes([live, ready, started]);
            if let Some(exclusions) = exclusions {
                exclusions.apply_to(&mut report);
            }
            report
        })
    }

    fn answer_probe(
        &self,
        probe: Probe,
        exclude: &[String],
        data: &DataSource<'_>,
        cx: &mut Context<'_>,
    ) -> Answer {
        let included = self.included(probe, exclude);
        let reporting = self.reporting(probe, exclude);
        let startup = &self.lifecycle.startup;
        match (probe, startup.passed()) {
            (Probe::Liveness, _) | (Probe::Readiness, Some(_)) => {
                Runs::begin(included, data, cx).answer(move |results| reporting.report(results))
            }
            (Probe::Readiness, None) => self.starting(included, data, cx, move |gate, results| {
                reporting.readiness(&gate, results)
            }),
            // Started is for good: the startup checks do not run again.
            (Probe::Startup, Some(results)) => Answer::Now(reporting.report(results)),
            (Probe::Startup, None) => Runs::begin(included, data, cx)
                .answer(move |results| record_if_started(startup, reporting.report(results))),
        }
    }

    /// The checks of `probe` that `exclude` does not name.
    fn included<'a>(
        &'a self,
        probe: Probe,
        exclude: &'a [String],
    ) -> impl Iterator<Item = &'a Check> + 'a {
        let checks = &self.checks[probe.index()];
        checks
            .iter()
            .filter(move |check| !is_excluded(check, exclude))
    }

    fn reporting(&self, probe: Probe, exclude: &[String]) -> Reporting {
        Reporting {
            probe,
            exclusions: Exclusions::of(self.checks[probe.index()].iter(), exclude),
            lifecycle: self.lifecycle,
        }
    }

    /// Readiness while startup has not passed: the startup checks run as its gate (so that the
    /// latch opens without a startupProbe), at the same time as its own checks, whose answer
    /// still comes within the slowest check. `answer` gets the gate's report, recorded if it
    /// passed, and readiness's own results.
    fn starting<'a, T: Send + 'static>(
        &'a self,
        readiness: impl Iterator<Item = &'a Check>,
        data: &DataSource<'_>,
        cx: &mut Context<'_>,
        answer: impl FnOnce(Report, Results) -> T + Send + 'static,
    ) -> Answer<T> {
        let gate = &self.checks[Probe::Startup.index()];
        let gate_len = gate.len();
        let startup = &self.lifecycle.startup;
        let runs = Runs::begin(gate.iter().chain(readiness), data, cx);
        runs.answer(move |mut results| {
            let readiness: Results = results.drain(gate_len..).collect();
            let gate = record_if_started(startup, Report::new(Probe::Startup, results));
            answer(gate, readiness)
        })
    }
}

/// The names of `checks`, in order.
fn names(checks: &[Check]) -> Vec<&str> {
    checks.iter().map(Check::name).collect()
}

/// The answer to both, when both have come.
fn both<A: Send + 'static, B: Send + 'static>(a: Answer<A>, b: Answer<B>) -> Answer<(A, B)> {
    match (a, b) {
        (Answer::Now(a), Answer::Now(b)) => Answer::Now((a, b)),
        (a, b) => Answer::Later(Box::pin(join(a.report(), b.report()))),
    }
}

/// How a probe's report is finished, however it was made: what `?exclude=` did, the
/// availability switches (read as it is made), and the log of the probe's changes, which a
/// partial run is not.
struct Reporting {
    probe: Probe,
    /// `None` when no check was excluded: the probe ran whole.
    exclusions: Option<Exclusions>,
    lifecycle: &'static Lifecycle,
}

impl Reporting {
    fn report(self, results: impl Into<Checks>) -> Report {
        let report = Report::new(self.probe, results);
        self.finish(report)
    }

    fn finish(self, mut report: Report) -> Report {
        let probe = self.probe;
        let whole = self.exclusions.is_none();
        if let Some(exclusions) = self.exclusions {
            exclusions.apply_to(&mut report);
        }
        report.held = self.lifecycle.switches.holding(probe);
        if whole {
            let why = || report.error_line();
            let log = &self.lifecycle.probe_logs[probe.index()];
            log.answered(probe.as_str(), report.passed(), why);
        }
        report
    }

    /// Readiness fails, with the startup checks as the reason, until `gate` has passed.
    fn readiness(self, gate: &Report, results: Results) -> Report {
        if gate.passed() {
            return self.report(results);
        }
        let mut starting = Report::new(Probe::Readiness, gate.checks.clone());
        starting.starting = true;
        self.finish(starting)
    }
}

/// The startup probe's report from its gate's, less the checks `exclude` names. (A gate that
/// passed shows the run the latch recorded, whole, as the startup probe does once started.)
fn without_excluded(mut gate: Report, exclude: &[String]) -> Report {
    if let Checks::ThisProbe(results) = &mut gate.checks {
        results.retain(|result| !exclude.iter().any(|name| *name == *result.name));
    }
    gate
}

/// Opens the latch with a startup report that passed, unless it skipped excluded checks: that
/// does not prove that the service has started.
fn record_if_started(startup: &'static StartupLatch, mut report: Report) -> Report {
    if report.passed() && report.excluded.is_empty() {
        if let Checks::ThisProbe(results) = &mut report.checks {
            let results = std::mem::take(results).into_vec();
            report.checks = Checks::StartupPassed(startup.record_pass(results));
        }
    }
    report
}

fn is_excluded(check: &Check, exclude: &[String]) -> bool {
    exclude.iter().any(|name| name == check.name())
}

/// What `?exclude=` did to one probe, for its report: the names of the checks it skipped, and
/// the names that matched no check, each once and only the first few.
struct Exclusions {
    excluded: Vec<String>,
    /// The first of the names that match no check, each once.
    unknown: Vec<String>,
    /// How many more there are.
    unknown_left: usize,
}

/// At most this many `?exclude=` names that match no check are named in a report, each cut to
/// [`UNKNOWN_NAME_BYTES`]: a long query of unknown names makes no long body.
const UNKNOWN_NAMES: usize = 10;
pub(crate) const UNKNOWN_NAME_BYTES: usize = 64;

impl Exclusions {
    /// What `exclude` does to `checks`; `None` when it names nothing.
    fn of<'a>(
        checks: impl Iterator<Item = &'a Check> + Clone,
        exclude: &[String],
    ) -> Option<Exclusions> {
        if exclude.is_empty() {
            return None;
        }
        let matches = |name: &str| checks.clone().any(|check| check.name() == name);
        let mut unknown = HashSet::new();
        let mut shown = Vec::new();
        for name in exclude {
            if !matches(name) && unknown.insert(name.as_str()) && shown.len() < UNKNOWN_NAMES {
                let short = cut(name, UNKNOWN_NAME_BYTES, name.len(), "");
                shown.push(short.unwrap_or_else(|| name.clone()));
            }
        }
        Some(Exclusions {
            excluded: checks
                .filter(|check| is_excluded(check, exclude))
                .map(|check| check.name().to_owned())
                .collect(),
            unknown_left: unknown.len() - shown.len(),
            unknown: shown,
        })
    }

    fn apply_to(self, report: &mut Report) {
        report.excluded = self.excluded;
        report.unknown_excludes = self.unknown;
        report.unknown_excludes_left = self.unknown_left;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::report::Scope;

    fn failing(name: &'static str, reason: &'static str) -> Check {
        Check::new(name, move || async move { Err::<(), _>(reason) })
    }

    fn passing(name: &'static str) -> Check {
        Check::new(name, || async {})
    }

    /// Answers within one poll, as a server adapter does.
    fn answer(
        served: &ServedChecks,
        probe: Probe,
        target: Target<'_>,
        exclude: &[&str],
    ) -> Result<Answer, NoSuchCheck> {
        let exclude: Vec<String> = exclude.iter().map(|name| name.to_string()).collect();
        let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
        served.answer(probe, target, &exclude, &DataSource::none(), &mut cx)
    }

    fn now(answer: Result<Answer, NoSuchCheck>) -> Report {
        match answer {
            Ok(Answer::Now(report)) => report,
            Ok(Answer::Later(_)) => panic!("answered later, expected now"),
            Err(NoSuchCheck) => panic!("no such check"),
        }
    }

    fn names(report: &Report) -> Vec<&str> {
        report.checks.iter().map(|check| &*check.name).collect()
    }

    #[test]
    fn checks_that_finish_at_once_are_answered_within_the_first_poll_by_name() {
        let health = Health::default()
            .check(Probe::Liveness, passing("b"))
            .check(Probe::Liveness, failing("a", "down"));
        let report = now(answer(
            &ServedChecks::new(&health),
            Probe::Liveness,
            Target::Probe,
            &[],
        ));
        assert_eq!(names(&report), ["a", "b"]);
        assert!(!report.passed());
        assert_eq!(report.checks[0].outcome.error(), Some("down"));
    }

    #[tokio::test]
    async fn interval_loops_start_for_the_probes_served_on_some_path() {
        let counted = |runs: &Arc<AtomicUsize>| {
            let runs = runs.clone();
            Check::new("counted", move || {
                runs.fetch_add(1, Ordering::SeqCst);
                async {}
            })
            .interval(Duration::from_millis(10))
        };
        let no_path = || Health::default().paths(Probe::Liveness, Vec::<&'static str>::new());
        let (unserved, together) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let _unserved = ServedChecks::new(&no_path().check(Probe::Liveness, counted(&unserved)));
        let _together = ServedChecks::new(
            &no_path()
                .all_probes_paths(["/health"])
                .check(Probe::Liveness, counted(&together)),
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(unserved.load(Ordering::SeqCst), 0, "a probe served nowhere");
        assert!(
            together.load(Ordering::SeqCst) > 0,
            "served on `/health` only"
        );
    }

    #[tokio::test]
    async fn a_check_that_waits_makes_the_whole_answer_wait_and_keeps_the_order() {
        let slow = Check::new("a_slow", || tokio::time::sleep(Duration::from_millis(20)));
        let health = Health::default()
            .check(Probe::Readiness, slow)
            .check(Probe::Readiness, passing("b_fast"));
        let served = ServedChecks::new(&health);
        // No startup checks: readiness is not held back.
        let Ok(Answer::Later(report)) = answer(&served, Probe::Readiness, Target::Probe, &[])
        else {
            panic!("a check that sleeps cannot finish within the first poll");
        };
        let report = report.await;
        assert_eq!(names(&report), ["a_slow", "b_fast"]);
        assert!(report.passed());
    }

    #[test]
    fn exclude_skips_named_checks_and_reports_unknown_names() {
        let health = Health::default()
            .check(Probe::Readiness, failing("db", "refused"))
            .check(Probe::Readiness, passing("flag"));
        let report = now(answer(
            &ServedChecks::new(&health),
            Probe::Readiness,
            Target::Probe,
            &["db", "nope"],
        ));
        assert!(report.passed());
        assert_eq!(names(&report), ["flag"]);
        assert_eq!(report.excluded, ["db"]);
        assert_eq!(report.unknown_excludes, ["nope"]);
    }

    #[test]
    fn one_check_is_found_by_name_within_its_probe_only() {
        let health = Health::default()
            .check(Probe::Readiness, failing("db", "refused"))
            .check(Probe::Readiness, passing("flag"))
            .check(Probe::Startup, failing("warm", "cold"));
        let served = ServedChecks::new(&health);
        let report = now(answer(
            &served,
            Probe::Readiness,
            Target::Check("db"),
            &["db"],
        ));
        assert_eq!(names(&report), ["db"], "excludes do not apply to one check");
        assert!(!report.passed());
        assert!(!report.starting, "one check is not held back by startup");
        assert!(matches!(
            answer(&served, Probe::Liveness, Target::Check("db"), &[]),
            Err(NoSuchCheck)
        ));
    }

    #[test]
    fn readiness_is_held_back_until_startup_has_passed_once() {
        let warm = Arc::new(AtomicBool::new(false));
        let startup = Check::new("warm", {
            let warm = warm.clone();
            move || {
                let warm = warm.load(Ordering::SeqCst);
                async move { warm }
            }
        });
        let health = Health::default()
            .check(Probe::Startup, startup)
            .check(Probe::Readiness, passing("ready"));
        let served = ServedChecks::new(&health);

        let report = now(answer(&served, Probe::Readiness, Target::Probe, &[]));
        assert!(report.starting);
        assert_eq!(report.scope, Scope::Probe(Probe::Readiness));
        assert_eq!(
            names(&report),
            ["warm"],
            "the startup checks are the reason"
        );
        // Excluding the failing startup check does not open the latch.
        assert!(now(answer(&served, Probe::Startup, Target::Probe, &["warm"])).passed());
        assert!(served.lifecycle.startup.passed().is_none());

        warm.store(true, Ordering::SeqCst);
        let report = now(answer(&served, Probe::Readiness, Target::Probe, &[]));
        assert!(report.passed());
        assert_eq!(names(&report), ["ready"]);
        // Started for good: startup answers from the latch, without running its checks.
        warm.store(false, Ordering::SeqCst);
        let report = now(answer(&served, Probe::Startup, Target::Probe, &[]));
        assert!(report.passed());
        assert!(matches!(report.checks, Checks::StartupPassed(_)));
    }

    #[tokio::test]
    async fn availability_switches_hold_whole_probes_back_from_the_next_answer() {
        let cached = passing("db").cache(Duration::from_secs(60));
        let health = Health::default()
            .check(Probe::Readiness, cached)
            .check(Probe::Liveness, passing("alive"));
        let served = ServedChecks::new(&health);
        // The first probe waits for the cache's first run.
        let Ok(Answer::Later(first)) = answer(&served, Probe::Readiness, Target::Probe, &[]) else {
            panic!("an empty cache is waited for");
        };
        assert!(first.await.passed());
        let ready = || now(answer(&served, Probe::Readiness, Target::Probe, &[]));
        let live = || now(answer(&served, Probe::Liveness, Target::Probe, &[]));
        assert!(ready().passed());

        // The cached result does not delay the switch.
        served
            .lifecycle
            .switches
            .refuse_traffic("maintenance".into());
        let report = ready();
        assert!(!report.passed());
        assert_eq!(report.held.as_deref(), Some("maintenance"));
        assert!(live().passed(), "liveness is untouched");
        let one = now(answer(&served, Probe::Readiness, Target::Check("db"), &[]));
        assert!(one.passed(), "one check is not the probe");

        served.lifecycle.switches.start_draining();
        assert_eq!(ready().held.as_deref(), Some("shutting down"));
        served.lifecycle.switches.accept_traffic();
        assert_eq!(
            ready().held.as_deref(),
            Some("shutting down"),
            "draining is for good"
        );

        served.lifecycle.switches.break_liveness("wedged".into());
        assert_eq!(live().held.as_deref(), Some("wedged"));
        served.lifecycle.switches.restore_liveness();
        assert!(live().passed());
    }

    #[test]
    fn every_probe_together_names_the_excludes_that_no_probe_knows() {
        let health = Health::default()
            .check(Probe::Liveness, passing("alive"))
            .check(Probe::Readiness, passing("db"));
        let served = ServedChecks::new(&health);
        let mut exclude = vec!["db".to_owned(), "db".to_owned()];
        exclude.extend((0..30).map(|i| format!("unknown-{i}")));
        let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
        let report = now(Ok(served.answer_all(
            &exclude,
            &DataSource::none(),
            &mut cx,
        )));
        assert_eq!(report.excluded, ["db"]);
        assert_eq!(report.unknown_excludes.len(), UNKNOWN_NAMES);
        assert_eq!(report.unknown_excludes[0], "unknown-0");
        assert_eq!(report.unknown_excludes_left, 20);
    }

    #[test]
    fn every_probe_together_runs_the_startup_checks_once() {
        let runs = Arc::new(AtomicUsize::new(0));
        let warm = Check::new("warm", {
            let runs = runs.clone();
            move || {
                let run = runs.fetch_add(1, Ordering::SeqCst);
                async move { run > 0 }
            }
        });
        let health = Health::default()
            .check(Probe::Startup, warm)
            .check(Probe::Readiness, passing("db"));
        let served = ServedChecks::new(&health);
        let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
        let all = |cx: &mut Context<'_>| now(Ok(served.answer_all(&[], &DataSource::none(), cx)));

        let report = all(&mut cx);
        assert_eq!(
            runs.load(Ordering::SeqCst),
            1,
            "one run for startup and its gate"
        );
        assert!(report.starting && !report.passed());
        assert_eq!(names(&report), ["warm"]);
        let report = all(&mut cx);
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert!(
            report.passed(),
            "started: readiness answers with its own checks"
        );
        assert_eq!(names(&report), ["db", "warm"]);
        all(&mut cx);
        assert_eq!(runs.load(Ordering::SeqCst), 2, "started is for good");
    }
}
