//! Serves a [`Health`] on actix-web: the paths, the query options, and the probe flow
//! (startup gates readiness; liveness is never held back).

use std::cell::RefCell;
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::dev::{
    fn_service, AppService, HttpServiceFactory, ResourceDef, ServiceRequest, ServiceResponse,
};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use futures_util::future::{join, LocalBoxFuture};
use futures_util::FutureExt;

use crate::background;
use crate::health::Health;
use crate::lifecycle;
use crate::registry::{Check, Probe};
use crate::report::{Checks, Report};
use crate::run::{self, run_all, Defaults};

impl HttpServiceFactory for Health {
    fn register(mut self, config: &mut AppService) {
        for probe in Probe::ALL {
            let checks = &mut self.checks[probe.index()];
            // Declared and added checks alike are listed by name: link order means nothing.
            checks.sort_by(|a, b| a.name().cmp(b.name()));
            warn_about_duplicate_names(probe, checks);
        }
        let probes = Rc::new(Probes {
            checks: self.checks,
            defaults: Defaults {
                timeout: self.default_timeout,
                cache: self.default_cache,
            },
        });
        // Background checks that need no request, or whose app data `Health` was given, start
        // with the server; the others start with the first probe that reaches them, which brings
        // their app data. A probe served on no path runs none of its checks.
        let served = Probe::ALL
            .into_iter()
            .filter(|probe| !self.paths[probe.index()].is_empty());
        for check in served.flat_map(|probe| &probes.checks[probe.index()]) {
            if let (Some(period), true) = (check.interval, (check.has_data)(&self.data)) {
                let timeout = probes.defaults.timeout_of(check);
                background::start(check, None, &self.data, timeout, period);
            }
        }
        // actix tries resources in order, and a `{name}` pattern costs a regex match: the plain
        // probe paths, which take nearly all traffic, come first.
        let paths = || {
            Probe::ALL.into_iter().flat_map(|probe| {
                let paths = self.paths[probe.index()].iter();
                paths.map(move |path| (probe, path.trim_end_matches('/')))
            })
        };
        for (probe, path) in paths() {
            mount(config, path.to_owned(), &probes, probe, Target::Probe);
        }
        for (probe, path) in paths() {
            let pattern = format!("{path}/{{name}}");
            mount(config, pattern, &probes, probe, Target::OneCheck);
        }
    }
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

#[derive(Clone, Copy)]
enum Target {
    /// All checks of the probe.
    Probe,
    /// The one check named by the `{name}` path segment.
    OneCheck,
}

/// Serves `path` with a service of our own rather than an actix `Resource`: a probe needs none of
/// its routes, guards, extractors or data, and each of those layers costs every probe. Its route
/// would allocate the answer's future once more, and its method guard records the method in the
/// request's extensions (an allocation and two hash map operations): `Respond` checks the method.
fn mount(
    config: &mut AppService,
    mut path: String,
    probes: &Rc<Probes>,
    probe: Probe,
    target: Target,
) {
    // As actix does for resources: `health/live` means `/health/live`.
    if !path.is_empty() && !path.starts_with('/') {
        path.insert(0, '/');
    }
    let probes = Rc::clone(probes);
    let service = fn_service(move |request: ServiceRequest| {
        let (request, _payload) = request.into_parts();
        Respond::Begin {
            probes: Rc::clone(&probes),
            probe,
            target,
            request,
        }
    });
    config.register_service(ResourceDef::new(path), None, service, None);
}

fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET, HEAD"))
        .finish()
}

/// The answer to one request on a probe path: 405 for a method other than GET and HEAD, else the
/// probe's. Its first poll begins the checks, and when they all finish right there (nothing to
/// wait for, or a fresh result), answers at once: the common probe runs no async machinery of its
/// own.
enum Respond {
    Begin {
        probes: Rc<Probes>,
        probe: Probe,
        target: Target,
        request: HttpRequest,
    },
    Wait {
        request: HttpRequest,
        answer: LocalBoxFuture<'static, HttpResponse>,
    },
    Answered,
}

impl Future for Respond {
    type Output = Result<ServiceResponse, actix_web::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let (request, response) = match std::mem::replace(this, Respond::Answered) {
            Respond::Begin { request, .. }
                if !matches!(*request.method(), Method::GET | Method::HEAD) =>
            {
                (request, method_not_allowed())
            }
            Respond::Begin {
                probes,
                probe,
                target,
                request,
            } => match probes.begin(probe, target, &request, cx) {
                Ok(response) => (request, response),
                Err(answer) => return this.wait(request, answer, cx),
            },
            Respond::Wait { request, answer } => return this.wait(request, answer, cx),
            Respond::Answered => panic!("`Respond` polled after it answered"),
        };
        Poll::Ready(Ok(ServiceResponse::new(request, response)))
    }
}

impl Respond {
    fn wait(
        &mut self,
        request: HttpRequest,
        mut answer: LocalBoxFuture<'static, HttpResponse>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<ServiceResponse, actix_web::Error>> {
        match answer.poll_unpin(cx) {
            Poll::Ready(response) => Poll::Ready(Ok(ServiceResponse::new(request, response))),
            Poll::Pending => {
                *self = Respond::Wait { request, answer };
                Poll::Pending
            }
        }
    }
}

/// The checks of one worker, shared by its paths.
struct Probes {
    checks: [Vec<Check>; 3],
    defaults: Defaults,
}

impl Probes {
    /// The answer, when every check finishes on this first poll; else the future that waits.
    fn begin(
        self: Rc<Self>,
        probe: Probe,
        target: Target,
        request: &HttpRequest,
        cx: &mut Context<'_>,
    ) -> Result<HttpResponse, LocalBoxFuture<'static, HttpResponse>> {
        let query = Query::parse(request.query_string());
        let plain = matches!(target, Target::Probe)
            && query.exclude.is_empty()
            && match probe {
                Probe::Liveness => true,
                Probe::Readiness => lifecycle::started().is_some(),
                Probe::Startup => false,
            };
        if !plain {
            let request = request.clone();
            return Err(Box::pin(async move {
                self.respond(probe, target, &request, &query).await
            }));
        }
        let checks = self.checks[probe.index()].iter();
        let mut begun = run::begin(checks, request, self.defaults, cx);
        match begun.take_finished() {
            Some(results) => Ok(render(&Report::new(probe, results), query.verbose)),
            None => Err(Box::pin(async move {
                render(&Report::new(probe, begun.finish().await), query.verbose)
            })),
        }
    }

    /// The probes that `begin` does not answer itself: one check, startup, readiness while
    /// starting, and `?exclude=`.
    async fn respond(
        &self,
        probe: Probe,
        target: Target,
        request: &HttpRequest,
        query: &Query,
    ) -> HttpResponse {
        let report = match target {
            Target::Probe => self.report(probe, request, query).await,
            Target::OneCheck => {
                let name = request.match_info().get("name").unwrap_or_default();
                match self.one_check(probe, name, request).await {
                    Some(report) => report,
                    None => return not_found(probe, name),
                }
            }
        };
        render(&report, query.verbose)
    }

    async fn report(&self, probe: Probe, request: &HttpRequest, query: &Query) -> Report {
        match probe {
            Probe::Readiness if lifecycle::started().is_none() => {
                self.readiness_while_starting(request, query).await
            }
            Probe::Liveness | Probe::Readiness => self.run(probe, request, query).await,
            Probe::Startup => self.startup(request, query).await,
        }
    }

    /// Runs the probe's checks, minus those excluded by the query.
    async fn run(&self, probe: Probe, request: &HttpRequest, query: &Query) -> Report {
        let checks = &self.checks[probe.index()];
        let excluded = |check: &&Check| query.exclude.iter().any(|name| name == check.name());
        let included = checks.iter().filter(|check| !excluded(check));
        let results = run_all(included, request, self.defaults).await;
        let mut report = Report::new(probe, results);
        if !query.exclude.is_empty() {
            report.excluded = checks
                .iter()
                .filter(excluded)
                .map(|check| check.name().to_owned())
                .collect();
            report.unknown_excludes = query
                .exclude
                .iter()
                .filter(|name| !checks.iter().any(|check| check.name() == name.as_str()))
                .cloned()
                .collect();
        }
        report
    }

    /// Runs the startup checks until they have passed once, then answers from the latch.
    async fn startup(&self, request: &HttpRequest, query: &Query) -> Report {
        if let Some(results) = lifecycle::started() {
            return Report::new(Probe::Startup, results);
        }
        let mut report = self.run(Probe::Startup, request, query).await;
        // A run that skipped excluded checks does not prove that the service has started.
        if report.passed() && report.excluded.is_empty() {
            let results = std::mem::take(&mut report.checks).into_vec();
            report.checks = Checks::Started(lifecycle::mark_started(results));
        }
        report
    }

    /// Readiness fails, with the startup checks as the reason, until startup has passed. Until
    /// then both sets run at once, so the answer still comes within the slowest check.
    async fn readiness_while_starting(&self, request: &HttpRequest, query: &Query) -> Report {
        let (startup, readiness) = join(
            self.startup(request, &Query::default()),
            self.run(Probe::Readiness, request, query),
        )
        .await;
        if startup.passed() {
            readiness
        } else {
            Report {
                probe: Probe::Readiness,
                starting: true,
                ..startup
            }
        }
    }

    async fn one_check(&self, probe: Probe, name: &str, request: &HttpRequest) -> Option<Report> {
        let checks = &self.checks[probe.index()];
        let mut named = checks
            .iter()
            .filter(|check| check.name() == name)
            .peekable();
        named.peek()?;
        Some(Report::new(
            probe,
            run_all(named, request, self.defaults).await,
        ))
    }
}

/// The query options: `?verbose` and repeated `?exclude=<name>`.
#[derive(Default)]
struct Query {
    verbose: bool,
    exclude: Vec<String>,
}

impl Query {
    fn parse(query: &str) -> Query {
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

/// Probe answers are never to be cached by a proxy: each must reflect the service now.
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
const JSON: HeaderValue = HeaderValue::from_static("application/json");
const TEXT: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");

fn render(report: &Report, verbose: bool) -> HttpResponse {
    let status = if report.passed() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    if verbose {
        return answer(status, TEXT, report.verbose_text().into());
    }
    let body = BODY.with_borrow_mut(|buffer| {
        buffer.clear();
        report.write_json(buffer);
        // A copy, as actix takes the body by value: measured, cheaper than handing out shared
        // slices of one buffer.
        Bytes::copy_from_slice(buffer)
    });
    answer(status, JSON, body)
}

/// A response with its two headers set directly: cheaper than through the builder, which
/// converts and checks each header on every probe.
fn answer(status: StatusCode, content_type: HeaderValue, body: Bytes) -> HttpResponse {
    let mut response = HttpResponse::with_body(status, body);
    let headers = response.headers_mut();
    // Appended, as the headers are new: `insert` moves out the values it replaces.
    headers.append(header::CACHE_CONTROL, NO_STORE);
    headers.append(header::CONTENT_TYPE, content_type);
    response.map_into_boxed_body()
}

thread_local! {
    /// Where this worker writes bodies: reused, so that a probe allocates only the body it sends.
    static BODY: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn not_found(probe: Probe, name: &str) -> HttpResponse {
    let error = serde_json::Value::from(format!("no {probe} check named {name:?}"));
    let body = format!(r#"{{"status":"FAIL","error":{error}}}"#);
    answer(StatusCode::NOT_FOUND, JSON, body.into())
}
