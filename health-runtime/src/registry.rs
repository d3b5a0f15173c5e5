//! The checks a service has: those declared by the attributes, collected at link time into one
//! static slice, and those added at runtime on the [`Health`](crate::Health) builder.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;
use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt;
use linkme::distributed_slice;

use crate::data::AppData;
use crate::outcome::{IntoOutcome, Outcome};
use crate::state::CheckState;

/// The three Kubernetes probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Probe {
    /// "Is the process able to work?" A failure makes Kubernetes restart the container.
    Liveness,
    /// "Should the pod receive traffic?" A failure removes it from its Service, without a restart.
    Readiness,
    /// "Has the process finished starting?" Holds readiness back until it has passed once.
    Startup,
}

impl Probe {
    pub(crate) const ALL: [Probe; 3] = [Probe::Liveness, Probe::Readiness, Probe::Startup];

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Lower-case name, as used in messages: `liveness`, `readiness`, `startup`.
    pub fn as_str(self) -> &'static str {
        match self {
            Probe::Liveness => "liveness",
            Probe::Readiness => "readiness",
            Probe::Startup => "startup",
        }
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A run of a check that has started; resolves to its outcome.
pub type CheckFuture = LocalBoxFuture<'static, Outcome>;

/// Starts a run of a check, given the probe's request when there is one.
type Run = dyn Fn(Option<&HttpRequest>) -> CheckFuture + Send + Sync;

/// One check declared by `#[liveness]`, `#[readiness]` or `#[startup]`. Generated code builds
/// these as statics; they are not meant to be written by hand.
#[doc(hidden)]
pub struct Declared {
    pub probe: Probe,
    pub name: &'static str,
    pub timeout: Option<Duration>,
    pub critical: bool,
    pub cache: Option<Duration>,
    pub interval: Option<Duration>,
    /// Whether `data` holds all of the fn's `web::Data<T>` parameters (true when it takes none),
    /// so that its loop can start without a request.
    pub has_data: fn(&AppData) -> bool,
    /// Resolves the fn's `web::Data<T>` parameters from the request and starts the fn.
    pub run: fn(Option<&HttpRequest>) -> CheckFuture,
    /// Shared by every worker of the process.
    pub state: CheckState,
}

/// Every declared check of the binary, gathered by the linker.
#[distributed_slice]
pub static CHECKS: [Declared];

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
    pub(crate) timeout: Option<Duration>,
    pub(crate) critical: bool,
    pub(crate) cache: Option<Duration>,
    pub(crate) interval: Option<Duration>,
    /// Whether `data` holds all the app data `run` takes, so that it can run without a request:
    /// a background loop that can starts with the server.
    pub(crate) has_data: fn(&AppData) -> bool,
    pub(crate) run: Arc<Run>,
    pub(crate) state: StateRef,
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

impl Deref for StateRef {
    type Target = CheckState;

    fn deref(&self) -> &CheckState {
        match self {
            StateRef::Declared(state) => state,
            StateRef::Added(state) => state,
        }
    }
}

impl Check {
    /// A critical check named `name` that runs `check` under the default timeout. Keep names to
    /// letters, digits, `_`, `.` and `-` so that `/<path>/<name>` and `?exclude=<name>` can reach it.
    /// The future that `check` returns need not be `Send`: it runs on the actix worker that serves
    /// the probe.
    pub fn new<F, Fut>(name: impl Into<Cow<'static, str>>, check: F) -> Check
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future + 'static,
        Fut::Output: IntoOutcome,
    {
        Check {
            name: Name::from(name.into()),
            timeout: None,
            critical: true,
            cache: None,
            interval: None,
            has_data: |_| true,
            run: Arc::new(move |_: Option<&HttpRequest>| {
                check().map(IntoOutcome::into_outcome).boxed_local()
            }),
            state: StateRef::Added(Arc::new(CheckState::new())),
        }
    }

    /// Fails the check when it has not finished within `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Check {
        self.timeout = Some(timeout);
        self
    }

    /// Reuses a result for `ttl`; probes that find no fresh result share one run. Replaces an
    /// `interval`. The cache is shared by the clones of this `Check`: build the `Health` once,
    /// outside the `HttpServer::new` closure, for one cache per process rather than per worker.
    pub fn cache(mut self, ttl: Duration) -> Check {
        self.cache = Some(ttl);
        self.interval = None;
        self
    }

    /// Runs the check in the background every `period` (at least 1 ms), from the server's start
    /// when its probe is served on some path; probes answer from the latest result. Replaces a
    /// `cache`.
    pub fn interval(mut self, period: Duration) -> Check {
        self.interval = Some(period);
        self.cache = None;
        self
    }

    /// A non-critical check's failure is reported as `WARN` and does not fail the probe.
    pub fn critical(mut self, critical: bool) -> Check {
        self.critical = critical;
        self
    }

    /// The check's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether `run` takes app data, which then only a request (or `Health::app_data`) gives it.
    pub(crate) fn needs_request(&self) -> bool {
        !(self.has_data)(&AppData::default())
    }
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Check")
            .field("name", &self.name)
            .field("timeout", &self.timeout)
            .field("critical", &self.critical)
            .field("cache", &self.cache)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

impl From<&'static Declared> for Check {
    fn from(declared: &'static Declared) -> Check {
        Check {
            name: Name::Static(declared.name),
            timeout: declared.timeout,
            critical: declared.critical,
            cache: declared.cache,
            interval: declared.interval,
            has_data: declared.has_data,
            run: Arc::new(declared.run),
            state: StateRef::Declared(&declared.state),
        }
    }
}

/// The declared checks of `probe`.
pub(crate) fn declared(probe: Probe) -> Vec<Check> {
    CHECKS
        .iter()
        .filter(|declared| declared.probe == probe)
        .map(Check::from)
        .collect()
}
