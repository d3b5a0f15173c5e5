//! The flow of one probe, free of HTTP: which checks run (the startup gate, `?exclude=`, one check
//! by name), how each is begun within the probe's first poll (run now, taken from its cache, or
//! from its background loop), and the report they make. A probe whose checks all finish within
//! that poll is answered there; otherwise one future waits for the rest. A server adapter
//! (`actix.rs`) turns requests into calls of [`ServedChecks::answer`] and reports into responses.

use std::collections::HashSet;
use std::task::Context;
use std::time::Duration;

use futures_util::future::{join_all, LocalBoxFuture};

use crate::background;
use crate::data::DataSource;
use crate::execute::{self, FirstPoll, PendingRun};
use crate::health::Health;
use crate::lifecycle::{StartupLatch, STARTUP};
use crate::registry::{Check, Probe, Schedule};
use crate::report::{CheckResult, Checks, Report, Results};

/// The checks a `Health` serves, by probe: its defaults applied, listed by name.
pub(crate) struct ServedChecks {
    checks: [Vec<Check>; 3],
    startup: &'static StartupLatch,
}

/// What a probe request asks for.
#[derive(Clone, Copy)]
pub(crate) enum Target<'a> {
    /// All checks of the probe (`/readyz`).
    Probe,
    /// The checks of the probe with this name (`/readyz/<name>`).
    Check(&'a str),
}

/// The answer to a probe.
pub(crate) enum Answer {
    /// Every check finished within the probe's first poll.
    Now(Report),
    /// Some checks wait: the report comes when they are done.
    Later(LocalBoxFuture<'static, Report>),
    /// The target names no check of the probe.
    NoSuchCheck,
}

/// The query options of a probe: `?verbose` and repeated `?exclude=<name>`.
#[derive(Default)]
pub(crate) struct Query {
    pub verbose: bool,
    pub exclude: Vec<String>,
}

impl Query {
    /// Parses a URL query string; other keys are ignored.
    pub fn parse(query: &str) -> Query {
        let mut parsed = Query::default();
        if query.is_empty() {
            return parsed;
        }
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match &*key {
                "verbose" => parsed.verbose = !matches!(&*value, "false" | "0"),
                "exclude" => parsed.exclude.push(value.into_owned()),
                _ => {}
            }
        }
        parsed
    }
}

impl ServedChecks {
    /// The checks `health` serves. Call it on the runtime of the worker that serves them: the
    /// background loops that need no request start here.
    pub fn new(health: &Health) -> ServedChecks {
        let checks = Probe::ALL.map(|probe| {
            let mut checks: Vec<Check> = health.checks[probe.index()]
                .iter()
                .map(|check| {
                    check
                        .clone()
                        .with_defaults(health.default_timeout, health.default_cache)
                })
                .collect();
            // Declared and added checks alike are listed by name: link order means nothing.
            checks.sort_by(|a, b| a.name().cmp(b.name()));
            warn_about_duplicate_names(probe, &checks);
            checks
        });
        let served = ServedChecks {
            checks,
            startup: &STARTUP,
        };
        served.start_loops(health);
        served
    }

    /// Starts the loops of the `interval` checks that can run without a request: those that take
    /// no `web::Data`, and those whose data `health` was given. The others start with the first
    /// probe that reaches them, which brings their data. A probe served on no path runs none.
    fn start_loops(&self, health: &Health) {
        let data = DataSource::Given(health.data.clone());
        for probe in Probe::ALL.into_iter().filter(|&probe| health.serves(probe)) {
            for check in &self.checks[probe.index()] {
                if let Schedule::Interval(period) = check.schedule {
                    if health.data.holds_all(check.data_types()) {
                        background::start_loop(check, &data, period);
                    }
                }
            }
        }
    }

    /// Answers a probe of `probe` for `target`, skipping the checks named in `exclude`; the checks
    /// take their `web::Data` from `data`. Call it within the poll whose context is `cx`.
    pub fn answer(
        &self,
        probe: Probe,
        target: Target<'_>,
        exclude: &[String],
        data: &DataSource,
        cx: &mut Context<'_>,
    ) -> Answer {
        let checks = &self.checks[probe.index()];
        let name = match target {
            Target::Probe => return self.answer_probe(probe, exclude, data, cx),
            Target::Check(name) => name,
        };
        // One check is run as it is, whatever startup and `?exclude=` say.
        if !checks.iter().any(|check| check.name() == name) {
            return Answer::NoSuchCheck;
        }
        let named = checks.iter().filter(|check| check.name() == name);
        Runs::begin(named, data, cx).answer(move |results| Report::new(probe, results))
    }

    fn answer_probe(
        &self,
        probe: Probe,
        exclude: &[String],
        data: &DataSource,
        cx: &mut Context<'_>,
    ) -> Answer {
        let checks = &self.checks[probe.index()];
        let included = checks.iter().filter(|check| !is_excluded(check, exclude));
        let exclusions = Exclusions::of(checks, exclude);
        let report = move |results| {
            let mut report = Report::new(probe, results);
            exclusions.apply_to(&mut report);
            report
        };
        let startup = self.startup;
        match probe {
            Probe::Liveness => Runs::begin(included, data, cx).answer(report),
            Probe::Readiness => match startup.passed() {
                Some(_) => Runs::begin(included, data, cx).answer(report),
                None => self.readiness_while_starting(included, report, data, cx),
            },
            Probe::Startup => match startup.passed() {
                // Started is for good: the startup checks do not run again.
                Some(results) => Answer::Now(Report::new(probe, results)),
                None => Runs::begin(included, data, cx)
                    .answer(move |results| record_if_started(startup, report(results))),
            },
        }
    }

    /// Readiness fails, with the startup checks as the reason, until startup has passed. It runs
    /// them itself (so that the latch opens without a startupProbe), at the same time as its own
    /// checks: the answer still comes within the slowest check.
    fn readiness_while_starting<'a>(
        &'a self,
        included: impl Iterator<Item = &'a Check>,
        report: impl FnOnce(Results) -> Report + 'static,
        data: &DataSource,
        cx: &mut Context<'_>,
    ) -> Answer {
        let gate = &self.checks[Probe::Startup.index()];
        let gate_len = gate.len();
        let startup = self.startup;
        let runs = Runs::begin(gate.iter().chain(included), data, cx);
        runs.answer(move |mut results| {
            let readiness: Results = results.drain(gate_len..).collect();
            let gate = record_if_started(startup, Report::new(Probe::Startup, results));
            if gate.passed() {
                report(readiness)
            } else {
                Report {
                    probe: Probe::Readiness,
                    starting: true,
                    ..gate
                }
            }
        })
    }
}

/// Opens the latch with a startup report that passed, unless it skipped excluded checks: that
/// does not prove that the service has started.
fn record_if_started(startup: &'static StartupLatch, mut report: Report) -> Report {
    if report.passed() && report.excluded.is_empty() {
        if let Checks::Ran(results) = &mut report.checks {
            let results = std::mem::take(results).into_vec();
            report.checks = Checks::StartupPassed(startup.record_pass(results));
        }
    }
    report
}

/// A name shared by two checks of one probe makes `/<path>/<name>` and `?exclude=` ambiguous.
fn warn_about_duplicate_names(probe: Probe, checks: &[Check]) {
    let mut seen = HashSet::new();
    for check in checks {
        if !seen.insert(check.name()) {
            log::warn!(
                "two {probe} checks are named `{}`; `/<path>/{0}` and `?exclude={0}` reach both",
                check.name()
            );
        }
    }
}

fn is_excluded(check: &Check, exclude: &[String]) -> bool {
    exclude.iter().any(|name| name == check.name())
}

/// What `?exclude=` did to one probe, for its report: the names of the checks it skipped, and
/// the names that matched no check.
#[derive(Default)]
struct Exclusions {
    excluded: Vec<String>,
    unknown: Vec<String>,
}

impl Exclusions {
    fn of(checks: &[Check], exclude: &[String]) -> Exclusions {
        if exclude.is_empty() {
            return Exclusions::default();
        }
        let matches = |name: &String| checks.iter().any(|check| check.name() == name.as_str());
        Exclusions {
            excluded: checks
                .iter()
                .filter(|check| is_excluded(check, exclude))
                .map(|check| check.name().to_owned())
                .collect(),
            unknown: exclude
                .iter()
                .filter(|name| !matches(name))
                .cloned()
                .collect(),
        }
    }

    fn apply_to(self, report: &mut Report) {
        report.excluded = self.excluded;
        report.unknown_excludes = self.unknown;
    }
}

/// The runs of a probe's checks after the probe's first poll.
struct Runs {
    /// In check order, less those still waiting.
    finished: Results,
    /// The checks still waiting, by their place in check order (ascending).
    waiting: Vec<(usize, WaitingRun)>,
}

/// A check that did not finish within the probe's first poll: the future of its result.
type WaitingRun = LocalBoxFuture<'static, CheckResult>;

impl Runs {
    /// Begins `checks` within the poll whose context is `cx`.
    fn begin<'a>(
        checks: impl Iterator<Item = &'a Check>,
        data: &DataSource,
        cx: &mut Context<'_>,
    ) -> Runs {
        let mut runs = Runs {
            finished: Results::with_capacity(checks.size_hint().0),
            waiting: Vec::new(),
        };
        for (place, check) in checks.enumerate() {
            match begin_one(check, data, cx) {
                Ok(result) => runs.finished.push(result),
                Err(waiting) => runs.waiting.push((place, waiting)),
            }
        }
        runs
    }

    /// The one place that decides whether a probe is answered within its first poll: when no
    /// check waits, `report` makes the answer now; otherwise a future waits for the checks that do.
    fn answer(self, report: impl FnOnce(Results) -> Report + 'static) -> Answer {
        if self.waiting.is_empty() {
            return Answer::Now(report(self.finished));
        }
        Answer::Later(Box::pin(async move { report(self.wait().await) }))
    }

    /// The results, in check order, once the waiting checks are done: as long as the slowest,
    /// each bounded by its timeout.
    async fn wait(self) -> Results {
        let Runs {
            mut finished,
            waiting,
        } = self;
        let (places, waiting): (Vec<_>, Vec<_>) = waiting.into_iter().unzip();
        // In ascending order of place, each insertion lands where it belongs.
        for (place, result) in places.into_iter().zip(join_all(waiting).await) {
            finished.insert(place, result);
        }
        finished
    }
}

/// A check's result if it is there within this poll, or else the future that produces it.
fn begin_one(
    check: &Check,
    data: &DataSource,
    cx: &mut Context<'_>,
) -> Result<CheckResult, WaitingRun> {
    match check.schedule {
        Schedule::EveryProbe => match execute::start(check, data, cx) {
            FirstPoll::Finished(run) => Ok(CheckResult::new(check, run, None)),
            FirstPoll::Pending(pending) => Err(wait_for_run(check, pending)),
        },
        Schedule::Cached(ttl) => match check.state.fresh(ttl) {
            Some((run, age)) => Ok(CheckResult::new(check, run, Some(age))),
            None => Err(wait_for_cache(check, data, ttl)),
        },
        Schedule::Interval(period) => match background::latest_result(check, period) {
            Some((run, age)) => Ok(CheckResult::new(check, run, Some(age))),
            None => Err(wait_for_loop(check, data, period)),
        },
    }
}

// The waiting futures own a clone of the check (and of the data source): they outlive the poll.
// The last two are rare, and kept out of the way of the common path.

fn wait_for_run(check: &Check, pending: PendingRun) -> WaitingRun {
    let check = check.clone();
    Box::pin(async move {
        let run = pending.finish(&check.name, check.run_timeout()).await;
        CheckResult::new(&check, run, None)
    })
}

#[cold]
fn wait_for_cache(check: &Check, data: &DataSource, ttl: Duration) -> WaitingRun {
    let (check, data) = (check.clone(), data.clone());
    Box::pin(async move {
        let make_run = || execute::run(&check, &data);
        let (run, age) = check.state.fresh_or_run(ttl, make_run).await;
        CheckResult::new(&check, run, age)
    })
}

#[cold]
fn wait_for_loop(check: &Check, data: &DataSource, period: Duration) -> WaitingRun {
    let (check, data) = (check.clone(), data.clone());
    Box::pin(async move {
        let (run, age) = background::first_result(&check, &data, period).await;
        CheckResult::new(&check, run, age)
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use super::*;

    /// Checks served with a startup latch of their own, as a fresh process has.
    fn served(health: Health) -> ServedChecks {
        ServedChecks {
            startup: Box::leak(Box::new(StartupLatch::new())),
            ..ServedChecks::new(&health)
        }
    }

    fn failing(name: &'static str, reason: &'static str) -> Check {
        Check::new(name, move || async move { Err::<(), _>(reason) })
    }

    fn passing(name: &'static str) -> Check {
        Check::new(name, || async {})
    }

    /// Answers within one poll, as a server adapter does.
    fn answer(served: &ServedChecks, probe: Probe, target: Target<'_>, exclude: &[&str]) -> Answer {
        let exclude: Vec<String> = exclude.iter().map(|name| name.to_string()).collect();
        let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
        served.answer(probe, target, &exclude, &DataSource::default(), &mut cx)
    }

    fn now(answer: Answer) -> Report {
        match answer {
            Answer::Now(report) => report,
            Answer::Later(_) => panic!("answered later, expected now"),
            Answer::NoSuchCheck => panic!("no such check"),
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
        let report = now(answer(&served(health), Probe::Liveness, Target::Probe, &[]));
        assert_eq!(names(&report), ["a", "b"]);
        assert!(!report.passed());
        assert_eq!(report.checks[0].outcome.error(), Some("down"));
    }

    #[actix_web::test]
    async fn a_check_that_waits_makes_the_whole_answer_wait_and_keeps_the_order() {
        let slow = Check::new("a_slow", || tokio::time::sleep(Duration::from_millis(20)));
        let health = Health::default()
            .check(Probe::Readiness, slow)
            .check(Probe::Readiness, passing("b_fast"));
        let served = served(health);
        // No startup checks: readiness is not held back.
        let Answer::Later(report) = answer(&served, Probe::Readiness, Target::Probe, &[]) else {
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
            &served(health),
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
        let served = served(health);
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
            Answer::NoSuchCheck
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
        let served = served(health);

        let report = now(answer(&served, Probe::Readiness, Target::Probe, &[]));
        assert!(report.starting);
        assert_eq!(report.probe, Probe::Readiness);
        assert_eq!(
            names(&report),
            ["warm"],
            "the startup checks are the reason"
        );
        // Excluding the failing startup check does not open the latch.
        assert!(now(answer(&served, Probe::Startup, Target::Probe, &["warm"])).passed());
        assert!(served.startup.passed().is_none());

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

    #[test]
    fn the_query_gives_verbose_and_every_exclude() {
        let query = Query::parse("verbose&exclude=a&exclude=b%20c&other=1");
        assert!(query.verbose);
        assert_eq!(query.exclude, ["a", "b c"]);
        assert!(!Query::parse("verbose=false").verbose);
        assert!(!Query::parse("").verbose);
    }
}
