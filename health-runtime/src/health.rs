//! `Health`: the value a service mounts with `App::service` (actix), `health.router()` (axum) or
//! `health.grpc_service()` (gRPC), and its builder options. What it holds is served by
//! `served_checks.rs` (the flow) through the adapters (`actix/`, `axum.rs`, `grpc.rs`).

use std::borrow::Cow;
use std::future::Future;
use std::time::Duration;

use crate::bounds;
use crate::check::{Check, DEFAULT_TIMEOUT};
use crate::data::{AppData, Data};
use crate::details::Details;
use crate::extensions::Extensions;
use crate::feed::SharedFeeds;
use crate::format::Format;
use crate::group::Group;
use crate::lifecycle::{self, Availability, Lifecycle};
use crate::outcome::Limits;
use crate::panics;
use crate::probe::Probe;
use crate::recent::DEFAULT_RECENT_RUNS;
use crate::registry;
use crate::report::BODY_LIMIT;

/// The health endpoints of a service: an actix-web service factory (`App::service(health)`,
/// feature `actix`), or an axum `Router` (`health.router()`, feature `axum`).
///
/// `Health::default()` serves every check declared with `#[liveness]`, `#[readiness]` and
/// `#[startup]` in the binary, on GET and HEAD of:
///
/// | probe | paths | one check |
/// |---|---|---|
/// | liveness | `/healthz`, `/livez` | `/healthz/<name>`, `/livez/<name>` |
/// | readiness | `/ready`, `/readyz` | `/ready/<name>`, `/readyz/<name>` |
/// | startup | `/startupz` | `/startupz/<name>` |
///
/// ```no_run
/// use actix_web::{App, HttpServer};
/// use health_runtime::{liveness, Health};
///
/// #[liveness]
/// async fn serving() {}
///
/// #[actix_web::main]
/// async fn main() -> std::io::Result<()> {
///     HttpServer::new(|| App::new().service(Health::default()))
///         .bind(("127.0.0.1", 8080))?
///         .run()
///         .await
/// }
/// ```
///
/// # Panics
///
/// As it is built: [`Health::default`] and [`Health::check`] when two checks of one probe have
/// the same name, [`Check::new`] when a name breaks the attributes' rule. `/<path>/<name>` and
/// `?exclude=` could not tell them apart.
#[derive(Debug, Clone)]
pub struct Health {
    pub(crate) checks: [Vec<Check>; 3],
    /// Checks in groups only (`#[check]`, `Group::check`).
    pub(crate) group_checks: Vec<Check>,
    /// The groups given with `Health::group` (their checks join by their own `groups`).
    pub(crate) groups: Vec<Group>,
    pub(crate) paths: [Vec<Cow<'static, str>>; 3],
    pub(crate) default_timeout: Duration,
    pub(crate) default_cache: Option<Duration>,
    /// How many runs a check keeps unless it says.
    pub(crate) recent_runs: usize,
    pub(crate) limits: Limits,
    /// The most bytes of a body.
    pub(crate) body_limit: usize,
    pub(crate) data: AppData,
    pub(crate) drain_delay: Duration,
    /// Paths that serve every probe's checks together.
    pub(crate) all_probes_paths: Vec<Cow<'static, str>>,
    /// Where the status page is served, if it is.
    pub(crate) status_page: Option<Cow<'static, str>>,
    pub(crate) format: Format,
    pub(crate) details: Details,
    /// The watched probes' feeds, shared by this `Health`'s clones.
    pub(crate) feeds: SharedFeeds,
    /// What the servers' adapters keep of their own: actix's worker watch, gRPC's names.
    pub(crate) extensions: Extensions,
    /// The startup latch, availability switches and drain of this `Health` and its clones.
    pub(crate) lifecycle: &'static Lifecycle,
}

/// The mistake of two checks of `probe` named alike.
fn same_name(probe: Probe, first: &Check, second: &Check) -> String {
    format!(
        "two {probe} checks are named `{}`: {} and {}; give one of them another name",
        first.name(),
        first.origin,
        second.origin
    )
}

/// `duration`, unless it is out of the bounds of a check's `what`: a mistake of the program,
/// told at the caller's line of `Health::{method}`.
#[track_caller]
fn bounded(method: &str, what: &str, duration: Duration) -> Duration {
    if let Some(problem) = bounds::duration_problem(what, duration) {
        panics::configuration_error(format!("Health::{method}({duration:?}): {problem}"));
    }
    duration
}

/// How long the app keeps serving after a shutdown signal, readiness failing, unless
/// [`Health::drain_delay`] changes it: 5 s, as lightship's (Node) `shutdownDelay`.
pub const DEFAULT_DRAIN_DELAY: Duration = Duration::from_secs(5);

impl Default for Health {
    /// Every check declared in the binary, on the paths above.
    ///
    /// # Panics
    ///
    /// Here, at the caller's line, when two checks of one probe have the same name (two fns in
    /// two modules or crates): `/<path>/<name>` and `?exclude=` could not tell them apart. Build
    /// the `Health` before the server, as the examples do, and the mistake stops the program
    /// before any port opens, with one message that names both fns.
    ///
    /// Also when the program links another version of health-runtime whose checks are declared
    /// (a library of checks one version behind the app): this one cannot run them, and a pod
    /// that leaves them out would pass probes it should fail. The message names both versions,
    /// each such check, and the `cargo tree -i health-runtime@<version>` that finds what brings
    /// the other.
    #[track_caller]
    fn default() -> Health {
        if let Some(problem) = registry::other_versions_problem() {
            panics::configuration_error(problem);
        }
        let checks = Probe::ALL.map(|probe| registry::declared(Some(probe)));
        for probe in Probe::ALL {
            let declared = &checks[probe.index()];
            for (i, check) in declared.iter().enumerate() {
                if let Some(twin) = declared[..i].iter().find(|c| c.name() == check.name()) {
                    panics::configuration_error(same_name(probe, twin, check));
                }
            }
        }
        let health = Health {
            checks,
            group_checks: registry::declared(None),
            groups: Vec::new(),
            paths: [
                vec!["/healthz".into(), "/livez".into()],
                vec!["/ready".into(), "/readyz".into()],
                vec!["/startupz".into()],
            ],
            default_timeout: DEFAULT_TIMEOUT,
            default_cache: None,
            recent_runs: DEFAULT_RECENT_RUNS,
            limits: Limits::DEFAULT,
            body_limit: BODY_LIMIT,
            data: AppData::default(),
            drain_delay: DEFAULT_DRAIN_DELAY,
            all_probes_paths: Vec::new(),
            status_page: None,
            format: Format::Json,
            details: Details::full(),
            feeds: SharedFeeds::default(),
            extensions: Extensions::default(),
            lifecycle: Lifecycle::leaked(),
        };
        if let Some(problem) = health.group_twins() {
            panics::configuration_error(problem);
        }
        health
    }
}

impl Health {
    /// The MicroProfile Health preset, for monitoring built for Quarkus, Open Liberty or Helidon:
    /// every probe's checks together on `/health`, and `/health/live`, `/health/ready`,
    /// `/health/started`, in the MicroProfile format (see [`Format::MicroProfile`]). It serves
    /// nothing else (add paths with [`paths`](Self::paths)).
    ///
    /// ```
    /// let health = health_runtime::Health::microprofile();
    /// ```
    #[must_use]
    #[track_caller]
    pub fn microprofile() -> Health {
        Health::default()
            .paths(Probe::Liveness, ["/health/live"])
            .paths(Probe::Readiness, ["/health/ready"])
            .paths(Probe::Startup, ["/health/started"])
            .all_probes_paths(["/health"])
            .format(Format::MicroProfile)
    }

    /// Paths that serve every probe's checks together, passing when each probe does (none unless
    /// set; MicroProfile's `/health`).
    ///
    /// ```
    /// let health = health_runtime::Health::default().all_probes_paths(["/health"]);
    /// ```
    #[must_use]
    pub fn all_probes_paths<P>(mut self, paths: impl IntoIterator<Item = P>) -> Health
    where
        P: Into<Cow<'static, str>>,
    {
        self.all_probes_paths = paths.into_iter().map(Into::into).collect();
        self.changed()
    }

    /// Serves the status page at `path` (none unless set), on every HTTP server of the `Health`;
    /// a management port is the natural place. One page for people during an incident: every
    /// probe and group, each check with its status, since when, failures in a row, its last runs
    /// as a strip, its reason where the detail policy allows (each group's own policy for its
    /// checks), and the drain and availability switches. Rendered by the server, it reads without
    /// JavaScript; its one script (at `<path>/page.js`, its style at `<path>/page.css`) fetches it
    /// again each second while it is open. Nothing comes from another origin, and it is sent with
    /// a `Content-Security-Policy` that allows nothing else. Each view runs the probes and groups
    /// as their paths would, a check in a probe and a group once.
    ///
    /// ```
    /// let health = health_runtime::Health::default().status_page("/status");
    /// ```
    #[must_use]
    pub fn status_page(mut self, path: impl Into<Cow<'static, str>>) -> Health {
        self.status_page = Some(path.into());
        self.changed()
    }

    /// The body's format for requests that ask for none ([`Format::Json`] unless changed). A
    /// request asks with `?format=json|microprofile|health-json`, or with `Accept:
    /// application/health+json`; the kubelet's `Accept: */*` gets this one.
    ///
    /// ```
    /// use health_runtime::{Format, Health};
    ///
    /// let health = Health::default().format(Format::HealthJson);
    /// ```
    #[must_use]
    pub fn format(mut self, format: Format) -> Health {
        self.format = format;
        self.changed()
    }

    /// How much the bodies show ([`Details::full()`] unless changed). The status code is the same
    /// whatever the policy.
    ///
    /// ```
    /// use health_runtime::{Details, Health};
    ///
    /// let health = Health::default().details(Details::status_only());
    /// ```
    #[must_use]
    pub fn details(mut self, details: Details) -> Health {
        self.details = details;
        self.changed()
    }

    /// Adds a check at runtime, next to the declared ones.
    ///
    /// ```
    /// use health_runtime::{Check, Health, Probe};
    ///
    /// let health = Health::default().check(Probe::Liveness, Check::new("jobs", || async { true }));
    /// ```
    ///
    /// # Panics
    ///
    /// Here, at the caller's line, when `probe` already has a check of that name.
    #[must_use]
    #[track_caller]
    pub fn check(mut self, probe: Probe, check: Check) -> Health {
        let checks = &mut self.checks[probe.index()];
        if let Some(twin) = checks.iter().find(|c| c.name() == check.name()) {
            panics::configuration_error(same_name(probe, twin, &check));
        }
        checks.push(check);
        if let Some(problem) = self.group_twins() {
            panics::configuration_error(problem);
        }
        self.changed()
    }

    /// Keeps the checks that `keep` accepts, of every probe, and drops the others: for a test of
    /// some checks' behaviour, where [`Health::default`] has every check declared in the test
    /// binary (each test of a binary sees them all, whatever module declares them). Checks added
    /// with [`check`](Self::check) after it are kept whatever it says; checks in groups only
    /// have [`only_group_checks`](Self::only_group_checks).
    ///
    /// ```
    /// use health_runtime::{readiness, Health};
    ///
    /// #[readiness]
    /// async fn orders_queue() -> bool { true }
    ///
    /// // One check by name, or every check of a module by the path of its fn.
    /// let one = Health::default().only_checks(|_, check| check.name() == "orders_queue");
    /// let module = Health::default().only_checks(|_, check| check.function().starts_with("my_app::orders::"));
    /// ```
    #[must_use]
    pub fn only_checks(mut self, mut keep: impl FnMut(Probe, &Check) -> bool) -> Health {
        for probe in Probe::ALL {
            self.checks[probe.index()].retain(|check| keep(probe, check));
        }
        self.changed()
    }

    /// Replaces the paths that serve `probe`; an empty list leaves the probe unserved.
    ///
    /// ```
    /// use health_runtime::{Health, Probe};
    ///
    /// let health = Health::default()
    ///     .paths(Probe::Liveness, ["/health/live"])
    ///     .paths(Probe::Readiness, ["/health/ready"]);
    /// ```
    #[must_use]
    pub fn paths<P>(mut self, probe: Probe, paths: impl IntoIterator<Item = P>) -> Health
    where
        P: Into<Cow<'static, str>>,
    {
        self.paths[probe.index()] = paths.into_iter().map(Into::into).collect();
        self.changed()
    }

    /// The timeout of checks that set none; [`DEFAULT_TIMEOUT`] (800 ms) unless changed.
    ///
    /// # Panics
    ///
    /// Here, at the caller's line, when `timeout` is under 1 ms or over 5 minutes.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use health_runtime::Health;
    /// let health = Health::default().default_timeout(Duration::from_millis(500));
    /// ```
    #[must_use]
    #[track_caller]
    pub fn default_timeout(mut self, timeout: Duration) -> Health {
        self.default_timeout = bounded("default_timeout", "timeout", timeout);
        self.changed()
    }

    /// Reuses results for `ttl` in checks that set neither `cache` nor `interval`; probes that
    /// find no fresh result share one run. No cache unless set.
    ///
    /// # Panics
    ///
    /// Here, at the caller's line, when `ttl` is under 1 ms or over a day.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use health_runtime::Health;
    /// let health = Health::default().default_cache(Duration::from_secs(1));
    /// ```
    #[must_use]
    #[track_caller]
    pub fn default_cache(mut self, ttl: Duration) -> Health {
        self.default_cache = Some(bounded("default_cache", "cache", ttl));
        self.changed()
    }

    /// How many of its last runs each check keeps, for `?history` and the status page, unless
    /// it says itself with [`Check::recent_runs`]: [`DEFAULT_RECENT_RUNS`] (10) unless changed;
    /// 0 keeps none. Each run is its start, duration, status and reason (cut to
    /// [`error_limit`](Self::error_limit)): memory stays bounded whatever runs.
    ///
    /// # Panics
    ///
    /// Here, at the caller's line, when `runs` is over 1000.
    ///
    /// ```
    /// # use health_runtime::Health;
    /// let health = Health::default().recent_runs(30);
    /// ```
    #[must_use]
    #[track_caller]
    pub fn recent_runs(mut self, runs: usize) -> Health {
        self.recent_runs = crate::check::recent_runs_within("Health::recent_runs", runs);
        self.changed()
    }

    /// The most bytes of a check's `error` that a body shows (512 unless changed): a longer one
    /// is cut on a character boundary and ends with `… (cut: N bytes in all)`. A reason is kept
    /// (and redacted) on its first 4 KiB at most, whatever this limit.
    ///
    /// ```
    /// # use health_runtime::Health;
    /// let health = Health::default().error_limit(2048);
    /// ```
    #[must_use]
    pub fn error_limit(mut self, bytes: usize) -> Health {
        self.limits.error = bytes;
        self.changed()
    }

    /// The most bytes of a check's `data`, as JSON, that a body shows (1024 unless changed):
    /// larger data is replaced by the start of its JSON, as a string that ends with
    /// `… (cut: N bytes of JSON in all)`. With both limits, five checks make a body under the
    /// kubelet's 10 KiB.
    ///
    /// ```
    /// # use health_runtime::Health;
    /// let health = Health::default().data_limit(4096);
    /// ```
    #[must_use]
    pub fn data_limit(mut self, bytes: usize) -> Health {
        self.limits.data = bytes;
        self.changed()
    }

    /// The most bytes of a body, in every format (10 KiB, what the kubelet reads, unless
    /// changed): a longer one keeps its summary, then the checks that fit (failed ones first),
    /// and says how many it leaves out. Raise it for dashboards that read large bodies; the
    /// kubelet reads 10 KiB whatever this says.
    ///
    /// ```
    /// # use health_runtime::Health;
    /// let health = Health::default().body_limit(64 * 1024);
    /// ```
    #[must_use]
    pub fn body_limit(mut self, bytes: usize) -> Health {
        self.body_limit = bytes;
        self.changed()
    }

    /// Gives the checks' [`Data<T>`] parameters their value, on every server and in background
    /// loops; a second value of one type replaces the first. A served check whose `Data<T>` was
    /// never given is a mistake found where the `Health` is served: `router()`,
    /// `grpc_service()`, `subscribe()` panic, and an actix app stops as its workers build their
    /// `App`s, naming the check, the type and this call.
    ///
    /// ```
    /// use health_runtime::{readiness, Data, Health};
    ///
    /// struct Pool { size: u32 }
    ///
    /// #[readiness(interval = "5s")]
    /// async fn pool(pool: Data<Pool>) -> bool { pool.size > 0 }
    ///
    /// let health = Health::default().data(Data::new(Pool { size: 4 }));
    /// ```
    #[must_use]
    pub fn data<T: ?Sized + Send + Sync + 'static>(mut self, data: Data<T>) -> Health {
        self.data.insert(data);
        self.changed()
    }

    /// How long the app keeps serving after a shutdown signal, readiness failing meanwhile
    /// ([`DEFAULT_DRAIN_DELAY`], 5 s, unless changed). See [`Health::shutdown_signal`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use health_runtime::Health;
    /// let health = Health::default().drain_delay(Duration::from_secs(10));
    /// ```
    #[must_use]
    pub fn drain_delay(mut self, delay: Duration) -> Health {
        self.drain_delay = delay;
        self.changed()
    }

    /// The future to give actix's `HttpServer::shutdown_signal` (or axum's
    /// `with_graceful_shutdown`), for a rollout that refuses no request. On SIGTERM (or SIGINT),
    /// readiness fails at once (`503`, `"error":"shutting down"`, `[-]availability failed:
    /// shutting down`), liveness and startup stay as they are, and the app goes on serving every
    /// request for the drain delay: Kubernetes takes the pod out of its Service's endpoints when
    /// it sends SIGTERM, but kube-proxy, ingresses and load balancers learn of it seconds later,
    /// and keep sending requests meanwhile. Then the future resolves and the server stops
    /// gracefully (axum finishes every request in flight; actix those within its
    /// `shutdown_timeout`). A second SIGTERM or SIGINT during the delay ends it at once.
    ///
    /// Give the pod a `terminationGracePeriodSeconds` above the drain delay plus actix's
    /// `shutdown_timeout`. (actix handles no OS signal of its own once it has this future.)
    ///
    /// Every server of the process may await a future of its own from one `Health` (an app
    /// port and an admin port, say): one signal drains them all, and each stops when the drain
    /// ends (`tests/tests/two_servers.rs`). The drain is that `Health`'s and its clones': serve
    /// clones of the one whose future the server awaits, as below (a `Health` built anew in each
    /// worker's factory would not see the drain).
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use actix_web::{App, HttpServer};
    /// use health_runtime::Health;
    ///
    /// #[actix_web::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let health = Health::default().drain_delay(Duration::from_secs(5));
    ///     HttpServer::new({
    ///         let health = health.clone();
    ///         move || App::new().service(health.clone())
    ///     })
    ///     .shutdown_signal(health.shutdown_signal())
    ///     .shutdown_timeout(30)
    ///     .bind(("0.0.0.0", 8080))?
    ///     .run()
    ///     .await
    /// }
    /// ```
    pub fn shutdown_signal(&self) -> impl Future<Output = ()> + Send + 'static {
        lifecycle::shutdown_signal(self.lifecycle, self.drain_delay)
    }

    /// The handle that refuses traffic or breaks liveness by hand: see [`Availability`].
    ///
    /// ```
    /// let availability = health_runtime::Health::default().availability();
    /// std::thread::spawn(move || availability.refuse_traffic("leader stepping down"));
    /// ```
    pub fn availability(&self) -> Availability {
        Availability(self.lifecycle)
    }

    /// The parameters that nothing gives to the checks of `probes` (and, with `groups`, to those
    /// in groups only) where they are served, with
    /// the call that gives each, or `None` when every one is given. `app` names the server
    /// where no `App`'s data is seen (`an axum router`), whose `web::Data<T>` must be given to
    /// the `Health`; `None` is an actix app, whose requests carry its `App`'s data.
    pub(crate) fn data_mistakes(
        &self,
        probes: impl IntoIterator<Item = Probe>,
        groups: bool,
        app: Option<&str>,
    ) -> Option<String> {
        let mut mistakes = Vec::new();
        // `None`: the checks in groups only, which every server serves.
        let probes = probes.into_iter().map(Some).chain(groups.then_some(None));
        for probe in probes {
            let checks = probe.map_or(&self.group_checks, |probe| &self.checks[probe.index()]);
            for check in checks {
                for missing in self.data.missing(check.data_types()) {
                    let fix = match app {
                        _ if !missing.is_app_data() => {
                            "give it with `.data(Data::new(value))` where the Health is built"
                                .to_owned()
                        }
                        None => continue,
                        Some(server) => format!(
                            "{server} sees no App's data: give the Health the App's value too, \
                             with `.app_data(value.clone())`, or take `health_runtime::Data<T>`, \
                             given with `.data(Data::new(value))`"
                        ),
                    };
                    mistakes.push(format!(
                        "health check `{}` ({}) takes {missing}, which this Health was not given: {fix}",
                        check.name(),
                        check.origin,
                    ));
                }
            }
        }
        mistakes.dedup();
        (!mistakes.is_empty()).then(|| mistakes.join("; "))
    }

    /// The probes served on some path.
    pub(crate) fn served_probes(&self) -> impl Iterator<Item = Probe> + '_ {
        Probe::ALL.into_iter().filter(|&probe| self.serves(probe))
    }

    /// The `Health` after a builder call: what it serves may have changed, so its clones' feeds
    /// (`feed.rs`) are not its own any more.
    pub(crate) fn changed(mut self) -> Health {
        self.feeds = SharedFeeds::default();
        self
    }

    /// Whether `probe` is served on some path: its own, or one of every probe together.
    pub(crate) fn serves(&self, probe: Probe) -> bool {
        !self.paths[probe.index()].is_empty() || !self.all_probes_paths.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(
        expected = "health checks cannot be served: two readiness checks are named `db`: \
                    Check::new and Check::new; give one of them another name"
    )]
    fn a_second_check_of_one_name_is_refused_at_the_call() {
        let _ = Health::default()
            .check(Probe::Readiness, Check::new("db", || async {}))
            .check(Probe::Liveness, Check::new("db", || async {}))
            .check(Probe::Readiness, Check::new("db", || async { true }));
    }
}
