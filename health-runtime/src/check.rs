//! A check as the runtime runs it, declared or added with [`Check::new`], and what is known of it
//! before it runs: its name, probe, timeout, schedule and damping. Nothing here runs a check.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;

use crate::data::{DataSource, DataType};
use crate::history::Damping;
use crate::outcome::{IntoOutcome, Limits, Outcome};
use crate::probe::Probe;
use crate::state::CheckState;
use crate::{bounds, check_name};
use crate::{panics, redact};

/// The timeout of a check that sets none, unless [`Health::default_timeout`] changes it:
/// **800 ms**. It keeps a probe's answer inside the kubelet's default `timeoutSeconds: 1`, with
/// room for the network.
///
/// ```
/// assert_eq!(health_runtime::DEFAULT_TIMEOUT, std::time::Duration::from_millis(800));
/// ```
///
/// [`Health::default_timeout`]: crate::Health::default_timeout
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(800);

/// What a [`Check::new`] closure returns: a future whose output a check fn may return
/// ([`IntoOutcome`]). Every such future is one; the trait exists to say what to write when a
/// closure returns something else.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a future of a health check's result",
    label = "a `Check::new` closure must return a future: write `|| async {{ ... }}`",
    note = "the future's output is `()`, `bool`, `Result<T, E>` (`T: Serialize`, `E: Display`) or `health_runtime::Outcome`"
)]
pub trait CheckReturn {
    /// The future, boxed, its output made an [`Outcome`].
    #[doc(hidden)]
    fn into_check_future(self) -> CheckFuture
    where
        Self: Send;
}

// Errors are told through the trait's message rather than through this impl's bounds.
#[diagnostic::do_not_recommend]
impl<F> CheckReturn for F
where
    F: Future + 'static,
    F::Output: IntoOutcome,
{
    fn into_check_future(self) -> CheckFuture
    where
        Self: Send,
    {
        self.map(IntoOutcome::into_outcome).boxed()
    }
}

/// A run of a check that has started; resolves to its outcome. `Send`, so that any server's
/// runtime can run it on any of its threads.
pub type CheckFuture = BoxFuture<'static, Outcome>;

/// Starts a run of a check, taking its `web::Data<T>` parameters from `data`.
type Run = dyn Fn(&DataSource<'_>) -> CheckFuture + Send + Sync;

/// When a check runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Schedule {
    /// On every probe that reaches it.
    EveryProbe,
    /// On a probe that finds no result younger than the TTL; probes that find none share a run.
    Cached(Duration),
    /// In a background loop, every period; probes answer from its latest result.
    Interval(Duration),
}

/// A check as the runtime runs it. Build one with [`Check::new`] to add a check at runtime, for
/// values that are only known then:
///
/// ```
/// use std::time::Duration;
/// use health_runtime::{Check, Health, Probe};
///
/// let queue = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(3));
/// let health = Health::default().check(
///     Probe::Readiness,
///     Check::new("queue", move || {
///         let depth = queue.load(std::sync::atomic::Ordering::Relaxed);
///         async move { depth < 100 }
///     })
///     .timeout(Duration::from_millis(200))
///     .critical(false),
/// );
/// ```
#[derive(Clone)]
pub struct Check {
    pub(crate) name: Name,
    /// Where it was declared, for messages: the fn's path, or `Check::new`.
    pub(crate) origin: &'static str,
    /// The probe that serves it, once served; `None` for a check in groups only.
    pub(crate) probe: Option<Probe>,
    /// The groups it is in, joined by commas (`"deep,ops"`; group names hold none), or `""`.
    pub(crate) groups: Cow<'static, str>,
    /// `None` until `Health`'s default applies.
    pub(crate) timeout: Option<Duration>,
    /// How much of its outcome a body shows; `Health`'s, once served.
    pub(crate) limits: Limits,
    pub(crate) critical: bool,
    pub(crate) schedule: Schedule,
    pub(crate) damping: Damping,
    /// How many of its last runs it keeps; `None` until `Health`'s default applies.
    pub(crate) recent_runs: Option<usize>,
    pub(crate) dependency: Dependency,
    /// The types of the parameters that `run` takes (none for an added check).
    pub(crate) data_types: &'static [fn() -> DataType],
    pub(crate) run: Arc<Run>,
    pub(crate) state: StateRef,
}

impl Check {
    /// A critical check named `name` that runs `check` on every probe, under the default
    /// timeout.
    ///
    /// The name follows the attributes' rule, so that `/<path>/<name>` and `?exclude=<name>` reach
    /// it: not empty, not only dots, and only ASCII letters, digits, `_`, `.` and `-`.
    ///
    /// The closure returns a future, which is `Send` (the runtime may run it on any thread of the
    /// server's): write `|| async { ... }`, not `|| { ... }`, and hold no `Rc` across its awaits.
    ///
    /// # Panics
    ///
    /// Here, at the caller's line, when `name` breaks the rule: a mistake of the program, found
    /// before any server starts.
    ///
    /// ```
    /// use health_runtime::Check;
    ///
    /// let disk = Check::new("disk", || async { std::path::Path::new("/tmp").exists() });
    /// assert_eq!(disk.name(), "disk");
    /// ```
    #[track_caller]
    pub fn new<F, Fut>(name: impl Into<Cow<'static, str>>, check: F) -> Check
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: CheckReturn + Send,
    {
        let name = name.into();
        if let Some(problem) = check_name::name_problem(&name) {
            let name = redact::secrets(&name);
            panics::configuration_error(format!("Check::new({name:?}): {problem}"));
        }
        Check {
            name: Name::from(name),
            origin: "Check::new",
            probe: None,
            groups: Cow::Borrowed(""),
            timeout: None,
            limits: Limits::DEFAULT,
            critical: true,
            schedule: Schedule::EveryProbe,
            damping: Damping::NONE,
            recent_runs: None,
            dependency: Dependency::NONE,
            data_types: &[],
            run: Arc::new(move |_: &DataSource<'_>| check().into_check_future()),
            state: StateRef::Added(Arc::new(CheckState::new())),
        }
    }

    /// Fails the check when it has not finished within `timeout`.
    ///
    /// # Panics
    ///
    /// Here, at the caller's line, when `timeout` is under 1 ms or over 5 minutes.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use health_runtime::Check;
    /// let check = Check::new("api", || async { true }).timeout(Duration::from_millis(300));
    /// ```
    #[must_use]
    #[track_caller]
    pub fn timeout(mut self, timeout: Duration) -> Check {
        self.timeout = Some(self.bounded("timeout", timeout));
        self
    }

    /// Reuses a result for `ttl`; probes that find no fresh result share one run. Replaces an
    /// `interval`. The cache is shared by the clones of this `Check`: build the `Health` once,
    /// outside the `HttpServer::new` closure, for one cache per process rather than per worker.
    ///
    /// # Panics
    ///
    /// Here, at the caller's line, when `ttl` is under 1 ms or over a day.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use health_runtime::Check;
    /// let check = Check::new("api", || async { true }).cache(Duration::from_secs(1));
    /// ```
    #[must_use]
    #[track_caller]
    pub fn cache(mut self, ttl: Duration) -> Check {
        self.schedule = Schedule::Cached(self.bounded("cache", ttl));
        self
    }

    /// Runs the check in the background every `period`, from the server's start when its probe
    /// is served on some path; probes answer from the latest result. Replaces a `cache`.
    ///
    /// # Panics
    ///
    /// Here, at the caller's line, when `period` is under 1 ms or over a day.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use health_runtime::Check;
    /// let check = Check::new("search", || async { true }).interval(Duration::from_secs(5));
    /// ```
    #[must_use]
    #[track_caller]
    pub fn interval(mut self, period: Duration) -> Check {
        self.schedule = Schedule::Interval(self.bounded("interval", period));
        self
    }

    /// Puts the check in the group `name` too, as the attributes' `group = "..."` does: served
    /// at `/health/group/<name>` beside the group's other checks, whatever probe serves it (or
    /// none: [`Group::check`](crate::Group::check)). A group's answers never feed a probe.
    ///
    /// # Panics
    ///
    /// Here, at the caller's line, when `name` breaks the check name rule.
    ///
    /// ```
    /// # use health_runtime::Check;
    /// let check = Check::new("db", || async { true }).group("deep").group("ops");
    /// ```
    #[must_use]
    #[track_caller]
    pub fn group(mut self, name: impl Into<Cow<'static, str>>) -> Check {
        let name = crate::group::valid_name("Check::group", name.into());
        self.join(&name);
        self
    }

    /// Whether it is in the group `name`.
    pub(crate) fn in_group(&self, name: &str) -> bool {
        self.groups.split(',').any(|group| group == name)
    }

    /// The groups it is in.
    pub(crate) fn groups(&self) -> impl Iterator<Item = &str> {
        self.groups.split(',').filter(|group| !group.is_empty())
    }

    /// Adds the group `name`, unless it is in it already.
    pub(crate) fn join(&mut self, name: &str) {
        if self.in_group(name) {
            return;
        }
        self.groups = if self.groups.is_empty() {
            Cow::Owned(name.to_owned())
        } else {
            Cow::Owned(format!("{},{name}", self.groups))
        };
    }

    /// A liveness check that calls a dependency (`checks::sqlx`, `redis`, `http`, `tcp`, `dns`)
    /// on purpose: restarting the pod when it is down is what is meant, so the runtime's warning
    /// and `Probes::verify`'s finding are silenced. The attributes' `restart_on_dependency = true`.
    ///
    /// ```
    /// # use health_runtime::Check;
    /// let check = Check::new("own_sidecar", || async { true }).restart_on_dependency();
    /// ```
    #[must_use]
    pub fn restart_on_dependency(mut self) -> Check {
        self.dependency.restart_on_dependency = true;
        self
    }

    /// The ready-made dependency check it calls: named in the attribute's fn, or seen at a run.
    pub(crate) fn calls(&self) -> Option<&'static str> {
        self.dependency
            .calls
            .or_else(|| self.state.called.get().copied())
    }

    /// A run of the check called `what`: the first time, a liveness check that does not mean to
    /// gets a warning, as one outage of `what` restarts every pod.
    // Out of line: a probe's path only branches on whether a call was seen.
    #[cold]
    #[inline(never)]
    pub(crate) fn saw_call(&self, what: &'static str) {
        let first = self.state.called.set(what).is_ok();
        if first && self.probe == Some(Probe::Liveness) && !self.dependency.restart_on_dependency {
            warn_liveness_dependency(self.name(), what);
        }
    }

    /// A non-critical check's failure is reported as `WARN` and does not fail the probe.
    ///
    /// ```
    /// # use health_runtime::Check;
    /// let check = Check::new("optional_cache", || async { false }).critical(false);
    /// ```
    #[must_use]
    pub fn critical(mut self, critical: bool) -> Check {
        self.critical = critical;
        self
    }

    /// How many of its last runs the check keeps, for `?history` and the status page
    /// ([`DEFAULT_RECENT_RUNS`](crate::DEFAULT_RECENT_RUNS), 10, unless [`Health::recent_runs`]
    /// says otherwise; 0 keeps none).
    ///
    /// # Panics
    ///
    /// Here, at the caller's line, when `runs` is over 1000.
    ///
    /// ```
    /// # use health_runtime::Check;
    /// let check = Check::new("search", || async { true }).recent_runs(50);
    /// ```
    ///
    /// [`Health::recent_runs`]: crate::Health::recent_runs
    #[must_use]
    #[track_caller]
    pub fn recent_runs(mut self, runs: usize) -> Check {
        self.recent_runs = Some(recent_runs_within(
            &format!("Check::new({:?}).recent_runs", &*self.name),
            runs,
        ));
        self
    }

    /// Flap damping: a check that was passing fails its probe only after `runs` failed runs in a
    /// row (at least 1; 1, the default, fails it at the first). Until then its failures show as
    /// `WARN` with how many of `runs` they are (`"timed out after 300ms (1 of 3)"`), and its probe
    /// passes. Runs are counted, not probes: a cached result counts once, a background loop's
    /// each run. A check that has not passed yet fails at its first failed run.
    ///
    /// # Panics
    ///
    /// Here, at the caller's line, when `runs` is 0.
    ///
    /// ```
    /// # use health_runtime::Check;
    /// let check = Check::new("search", || async { true }).failures(3).successes(2);
    /// ```
    #[must_use]
    #[track_caller]
    pub fn failures(mut self, runs: u32) -> Check {
        self.damping.failures = self.runs_in_a_row("failures", runs);
        self
    }

    /// Flap damping: a check that failed its probe passes again only after `runs` passing runs
    /// in a row (at least 1; 1, the default, passes it at the first). Until then it stays failed,
    /// saying how many of `runs` have passed and why it failed.
    ///
    /// # Panics
    ///
    /// Here, at the caller's line, when `runs` is 0.
    ///
    /// ```
    /// # use health_runtime::Check;
    /// let check = Check::new("search", || async { true }).successes(2);
    /// ```
    #[must_use]
    #[track_caller]
    pub fn successes(mut self, runs: u32) -> Check {
        self.damping.successes = self.runs_in_a_row("successes", runs);
        self
    }

    /// `duration`, unless it is out of the bounds of `what` (`timeout`, `cache`, `interval`): a
    /// mistake of the program, told at the caller's line.
    #[track_caller]
    fn bounded(&self, what: &str, duration: Duration) -> Duration {
        if let Some(problem) = bounds::duration_problem(what, duration) {
            let name = redact::secrets(&self.name);
            panics::configuration_error(format!(
                "Check::new({name:?}).{what}({duration:?}): {problem}"
            ));
        }
        duration
    }

    /// `runs`, unless it is 0: a mistake of the program, told at the caller's line.
    #[track_caller]
    fn runs_in_a_row(&self, what: &str, runs: u32) -> u32 {
        if runs == 0 {
            let name = redact::secrets(&self.name);
            panics::configuration_error(format!(
                "Check::new({name:?}).{what}(0): a number of runs in a row is at least 1"
            ));
        }
        runs
    }

    /// The check's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The path of the fn that declared it (`my_app::orders::db`), or `Check::new` for a check
    /// built on the builder: to keep a module's checks with [`Health::only_checks`].
    ///
    /// [`Health::only_checks`]: crate::Health::only_checks
    pub fn function(&self) -> &'static str {
        self.origin
    }

    /// Applies `Health`'s settings: the probe that serves it (`None` in groups only), its
    /// limits, and its defaults for what the check left unset (its timeout, and a cache for a
    /// check that runs on every probe).
    pub(crate) fn served_with(
        mut self,
        probe: Option<Probe>,
        timeout: Duration,
        cache: Option<Duration>,
        limits: Limits,
        recent_runs: usize,
    ) -> Check {
        self.probe = probe;
        self.recent_runs.get_or_insert(recent_runs);
        self.timeout.get_or_insert(timeout);
        self.limits = limits;
        if let (Schedule::EveryProbe, Some(ttl)) = (self.schedule, cache) {
            self.schedule = Schedule::Cached(ttl);
        }
        self
    }

    /// The check's timeout, once `Health`'s default applies.
    pub(crate) fn run_timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    /// The types of the parameters the check takes.
    pub(crate) fn data_types(&self) -> &'static [fn() -> DataType] {
        self.data_types
    }

    /// Starts a run: resolves the parameters from `data` and calls the check. Not yet polled.
    pub(crate) fn start(&self, data: &DataSource<'_>) -> CheckFuture {
        (self.run)(data)
    }
}

/// `runs`, unless it is over [`bounds::MOST_RECENT_RUNS`]: a mistake of the program, told at
/// the caller's line of `method`.
#[track_caller]
pub(crate) fn recent_runs_within(method: &str, runs: usize) -> usize {
    if runs > bounds::MOST_RECENT_RUNS {
        let method = redact::secrets(method);
        panics::configuration_error(format!(
            "{method}({runs}): a check keeps at most {} recent runs",
            bounds::MOST_RECENT_RUNS
        ));
    }
    runs
}

/// What a check says of the services it calls.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dependency {
    /// The ready-made dependency check its fn's body names (`checks::sqlx`), read by the attribute
    /// for what `Health::kubernetes` prints and finds before any run.
    pub(crate) calls: Option<&'static str>,
    /// A liveness check that means to restart the pod when a dependency is down.
    pub(crate) restart_on_dependency: bool,
}

impl Dependency {
    pub(crate) const NONE: Dependency = Dependency {
        calls: None,
        restart_on_dependency: false,
    };
}

/// Says, once per check, that a liveness check calls a dependency.
fn warn_liveness_dependency(check: &str, what: &str) {
    tracing::warn!(
        check,
        probe = "liveness",
        calls = what,
        "liveness check `{check}` calls {what}: when that is down, every pod fails liveness and \
         the kubelet restarts them all, which mends nothing; make it a readiness check, or say \
         `restart_on_dependency = true` if restarting is what you mean"
    );
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Check")
            .field("name", &self.name)
            .field("timeout", &self.timeout)
            .field("groups", &self.groups)
            .field("critical", &self.critical)
            .field("schedule", &self.schedule)
            .field("damping", &self.damping)
            .finish_non_exhaustive()
    }
}

/// A check's name, as every result of the check carries it: borrowed from the registration of a
/// declared check, shared with an added one, and so never copied by a probe.
#[derive(Debug, Clone)]
pub(crate) enum Name {
    Static(&'static str),
    Shared(Arc<str>),
}

impl From<Cow<'static, str>> for Name {
    fn from(name: Cow<'static, str>) -> Name {
        match name {
            Cow::Borrowed(name) => Name::Static(name),
            Cow::Owned(name) => Name::Shared(name.into()),
        }
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Name::Static(name) => name,
            Name::Shared(name) => name,
        }
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

/// Where a check keeps its state: in its static when declared, in the `Check` (and its clones)
/// when added on the builder.
#[derive(Clone)]
pub(crate) enum StateRef {
    Declared(&'static CheckState),
    Added(Arc<CheckState>),
}

impl fmt::Debug for StateRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StateRef")
    }
}

impl Deref for StateRef {
    type Target = CheckState;

    fn deref(&self) -> &CheckState {
        match self {
            StateRef::Declared(state) => state,
            StateRef::Added(state) => state,
        }
    }
}
