//! The checks declared by the attributes, collected at link time into `health-registry`'s one
//! slice (shared by every version of the runtime in a program), and found there: this version's,
//! as [`Check`]s, and the others', as a mistake to tell.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use health_registry::Registration;

use crate::check::{Check, CheckFuture, Dependency, Name, Schedule, StateRef};
use crate::data::{DataSource, DataType};
use crate::history::Damping;
use crate::outcome::Limits;
use crate::probe::Probe;
use crate::state::CheckState;

/// One check declared by `#[liveness]`, `#[readiness]` or `#[startup]`, as generated code builds
/// it with [`Declared::new`].
#[doc(hidden)]
pub struct Declared {
    /// `None` for `#[check]`: in its groups only.
    probe: Option<Probe>,
    name: &'static str,
    /// Its groups, comma-separated (`"deep,ops"`), or `""`.
    groups: &'static str,
    function: &'static str,
    timeout: Option<Duration>,
    critical: bool,
    schedule: Schedule,
    damping: Damping,
    recent_runs: Option<usize>,
    dependency: Dependency,
    data_types: &'static [fn() -> DataType],
    run: fn(&DataSource<'_>) -> CheckFuture,
    /// Shared by every worker of the process.
    state: CheckState,
}

impl Declared {
    /// What the attribute declared: `probe` is `None` for `#[check]`; `groups` its groups,
    /// joined by commas; `function` is the fn's path, for messages; `cache` and `interval`
    /// exclude each other (the attribute rejects both); `failures` and `successes` are at least
    /// 1 (the attribute rejects 0); `recent_runs` is at most 1000; `calls` is the ready-made
    /// dependency check the fn's body names (`checks::sqlx`), `restart_on_dependency` whether a
    /// liveness check means to; `data_types` are the types of the fn's `web::Data<T>`
    /// parameters; `run` resolves those parameters from its `DataSource` and starts the fn.
    #[allow(clippy::too_many_arguments)] // one argument per attribute argument, in its order
    pub const fn new(
        probe: Option<Probe>,
        name: &'static str,
        groups: &'static str,
        function: &'static str,
        timeout: Option<Duration>,
        critical: bool,
        cache: Option<Duration>,
        interval: Option<Duration>,
        failures: u32,
        successes: u32,
        recent_runs: Option<usize>,
        calls: Option<&'static str>,
        restart_on_dependency: bool,
        data_types: &'static [fn() -> DataType],
        run: fn(&DataSource<'_>) -> CheckFuture,
    ) -> Declared {
        let schedule = match (interval, cache) {
            (Some(period), _) => Schedule::Interval(period),
            (None, Some(ttl)) => Schedule::Cached(ttl),
            (None, None) => Schedule::EveryProbe,
        };
        Declared {
            probe,
            name,
            groups,
            function,
            timeout,
            critical,
            schedule,
            damping: Damping {
                failures,
                successes,
            },
            recent_runs,
            dependency: Dependency {
                calls,
                restart_on_dependency,
            },
            data_types,
            run,
            state: CheckState::new(),
        }
    }
}

impl fmt::Debug for Declared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Declared")
            .field("probe", &self.probe)
            .field("name", &self.name)
            .field("function", &self.function)
            .finish_non_exhaustive()
    }
}

/// The version of this runtime, as its registrations say it.
const VERSION: &str = env!("CARGO_PKG_VERSION");

impl Registration for Declared {
    fn runtime_version(&self) -> &'static str {
        VERSION
    }

    fn probe(&self) -> &'static str {
        self.probe.map_or("group", Probe::as_str)
    }

    fn name(&self) -> &'static str {
        self.name
    }

    fn function(&self) -> &'static str {
        self.function
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The declared checks of `probe` (`None`: in groups only, `#[check]`), by name and then by fn:
/// link order means nothing. Only this version's: those of another version of the runtime are
/// [`other_versions`].
pub(crate) fn declared(probe: Option<Probe>) -> Vec<Check> {
    let mut checks: Vec<Check> = health_registry::CHECKS
        .iter()
        .filter_map(|registration| registration.as_any().downcast_ref::<Declared>())
        .filter(|declared| declared.probe == probe)
        .map(Check::from)
        .collect();
    checks.sort_by(|a, b| (a.name(), a.origin).cmp(&(b.name(), b.origin)));
    checks
}

/// The checks that another version of the runtime declared in this program (a library of checks
/// on an older one, say), which this one cannot run.
pub(crate) fn other_versions() -> impl Iterator<Item = &'static dyn Registration> {
    health_registry::CHECKS
        .iter()
        .copied()
        .filter(|registration| registration.as_any().downcast_ref::<Declared>().is_none())
}

/// The mistake of checks declared with other versions of the runtime, if there are any: one
/// line that names each, its version, and how to find what brings it.
pub(crate) fn other_versions_problem() -> Option<String> {
    let mut versions: Vec<&str> = Vec::new();
    let checks: Vec<String> = other_versions()
        .map(|other| {
            if !versions.contains(&other.runtime_version()) {
                versions.push(other.runtime_version());
            }
            format!(
                "`{}` ({} check, {}) of health-runtime {}",
                other.name(),
                other.probe(),
                other.function(),
                other.runtime_version()
            )
        })
        .collect();
    if checks.is_empty() {
        return None;
    }
    let find: Vec<String> = versions
        .iter()
        .map(|version| format!("`cargo tree -i health-runtime@{version}`"))
        .collect();
    Some(format!(
        "this program links health-runtime {VERSION} and {}, whose checks this one cannot \
         serve: {}; make every crate depend on one version of health-runtime ({} shows what \
         brings the other)",
        versions.join(" and "),
        checks.join(", "),
        find.join(", ")
    ))
}

impl From<&'static Declared> for Check {
    fn from(declared: &'static Declared) -> Check {
        Check {
            name: Name::Static(declared.name),
            origin: declared.function,
            probe: declared.probe,
            groups: Cow::Borrowed(declared.groups),
            timeout: declared.timeout,
            limits: Limits::DEFAULT,
            critical: declared.critical,
            schedule: declared.schedule,
            damping: declared.damping,
            recent_runs: declared.recent_runs,
            dependency: declared.dependency,
            data_types: declared.data_types,
            run: Arc::new(declared.run),
            state: StateRef::Declared(&declared.state),
        }
    }
}
