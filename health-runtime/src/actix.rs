//! Serves a [`Health`] on actix-web: mounts its paths, answers the method, reads the query and
//! the `Accept` header, applies the detail policy, and turns the probe's [`Answer`] into a
//! response in the asked format. The probe itself is decided in `probe.rs`.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::dev::{
    AppService, HttpServiceFactory, ResourceDef, ServiceRequest, ServiceResponse, fn_service,
};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;

use crate::data::{AppData, DataSource};
use crate::details::Details;
use crate::health::Health;
use crate::probe::{NoSuchCheck, Query, ServedChecks, Target};
use crate::registry::{Name, Probe};
use crate::report::{Body, Detail, Format, Report, json};
use crate::runs::Answer;

/// What one worker serves: the checks, and how their reports are shown.
struct Serving {
    checks: ServedChecks,
    format: Format,
    details: Details,
    /// The values given to the `Health`.
    given: AppData,
    /// On a management port: there is no app's data to see.
    management: bool,
}

/// What a mounted path answers.
#[derive(Clone)]
enum Mounted {
    /// `/<path>`: all checks of the probe.
    Probe(Probe),
    /// `/<path>/<name>`: the check of that name.
    Check(Probe, Name),
    /// Every probe's checks together.
    AllProbes,
}

impl HttpServiceFactory for Health {
    fn register(self, config: &mut AppService) {
        match (&self.watch, self.management) {
            (Some(watch), false) => watch.enroll(),
            (Some(watch), true) => watch.sample_here(),
            (None, _) => {}
        }
        let serving = Rc::new(Serving {
            checks: ServedChecks::new(&self),
            format: self.format,
            details: self.details.clone(),
            given: self.data.clone(),
            management: self.management,
        });
        let paths = || {
            Probe::ALL.into_iter().flat_map(|probe| {
                let paths = self.paths[probe.index()].iter();
                paths.map(move |path| (probe, normalized(path)))
            })
        };
        // actix tries services in order: the probe paths, which take nearly all traffic, first.
        for (probe, path) in paths() {
            mount(config, path, &serving, Mounted::Probe(probe));
        }
        for path in &self.all_probes_paths {
            mount(config, normalized(path), &serving, Mounted::AllProbes);
        }
        // `/<path>/<name>` for the names of the probe's checks only: every other path under a
        // probe path stays the app's. None under a probe served at `/`: they would be the app's
        // top-level paths.
        for (probe, path) in paths() {
            if path == "/" {
                continue;
            }
            for name in serving.checks.names(probe) {
                let check = Mounted::Check(probe, name.clone());
                mount(config, format!("{path}/{name}"), &serving, check);
            }
        }
    }
}

/// As actix writes resource paths: with a leading slash (`health/live` means `/health/live`),
/// without a trailing one; `/` is the root, and an empty path the root of a scope.
fn normalized(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        path.get(..1).unwrap_or_default().to_owned()
    } else if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    }
}

/// Serves `path` with a service of our own rather than an actix `Resource`: a probe needs none of
/// its routes, guards, extractors or data, and each of those layers costs every probe. Its route
/// would allocate the answer's future once more, and its method guard records the method in the
/// request's extensions (an allocation and two hash map operations): `Respond` checks the method.
fn mount(config: &mut AppService, path: String, serving: &Rc<Serving>, mounted: Mounted) {
    let serving = Rc::clone(serving);
    let service = fn_service(move |request: ServiceRequest| {
        let (request, _payload) = request.into_parts();
        Respond::Begin {
            serving: Rc::clone(&serving),
            mounted: mounted.clone(),
            request,
        }
    });
    config.register_service(ResourceDef::new(path), None, service, None);
}

/// The answer to one request on a probe path. Its first poll begins the probe, which is answered
/// right there when every check finishes within that poll: the common probe runs no async
/// machinery of its own.
enum Respond {
    Begin {
        serving: Rc<Serving>,
        mounted: Mounted,
        request: HttpRequest,
    },
    Wait {
        request: HttpRequest,
        report: BoxFuture<'static, Report>,
        body: Body,
        detail: Detail,
    },
    Answered,
}

impl Future for Respond {
    type Output = Result<ServiceResponse, actix_web::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let (request, report, body, detail) = match std::mem::replace(this, Respond::Answered) {
            Respond::Begin {
                serving,
                mounted,
                request,
            } => {
                if !matches!(*request.method(), Method::GET | Method::HEAD) {
                    return answered(request, method_not_allowed());
                }
                let query = Query::parse(request.query_string());
                let body = match body_asked(&request, &query, serving.format) {
                    Ok(body) => body,
                    Err(unknown) => return answered(request, unknown_format(&unknown)),
                };
                let detail = serving.details.for_request(&request);
                let given = serving.given.clone();
                let data = if serving.management {
                    DataSource::given(given)
                } else {
                    DataSource::request(request.clone(), given)
                };
                let (exclude, checks) = (&query.exclude, &serving.checks);
                let answer = match &mounted {
                    Mounted::Probe(probe) => {
                        checks.answer(*probe, Target::Probe, exclude, &data, cx)
                    }
                    Mounted::Check(probe, name) => {
                        checks.answer(*probe, Target::Check(name), exclude, &data, cx)
                    }
                    Mounted::AllProbes => Ok(checks.answer_all(exclude, &data, cx)),
                };
                match answer {
                    Ok(Answer::Now(report)) => {
                        return answered(request, render(&report, body, detail));
                    }
                    Err(NoSuchCheck) => return answered(request, not_found(&mounted)),
                    Ok(Answer::Later(report)) => (request, report, body, detail),
                }
            }
            Respond::Wait {
                request,
                report,
                body,
                detail,
            } => (request, report, body, detail),
            Respond::Answered => panic!("`Respond` polled after it answered"),
        };
        this.wait(request, report, body, detail, cx)
    }
}

impl Respond {
    fn wait(
        &mut self,
        request: HttpRequest,
        mut report: BoxFuture<'static, Report>,
        body: Body,
        detail: Detail,
        cx: &mut Context<'_>,
    ) -> Poll<Result<ServiceResponse, actix_web::Error>> {
        match report.poll_unpin(cx) {
            Poll::Ready(report) => answered(request, render(&report, body, detail)),
            Poll::Pending => {
                *self = Respond::Wait {
                    request,
                    report,
                    body,
                    detail,
                };
                Poll::Pending
            }
        }
    }
}

/// The body a request asks for: `?verbose`, else `?format=`, else `Accept:
/// application/health+json`, else `default`; `Err` with the name of a format there is not.
fn body_asked(request: &HttpRequest, query: &Query, default: Format) -> Result<Body, String> {
    if query.verbose {
        return Ok(Body::Verbose);
    }
    if let Some(name) = &query.format {
        return Format::from_name(name)
            .map(Body::Format)
            .ok_or_else(|| name.clone());
    }
    let accept = request.headers().get(header::ACCEPT);
    let accepted = accept
        .and_then(|accept| accept.to_str().ok())
        .and_then(Format::from_accept);
    Ok(Body::Format(accepted.unwrap_or(default)))
}

fn answered(
    request: HttpRequest,
    response: HttpResponse,
) -> Poll<Result<ServiceResponse, actix_web::Error>> {
    Poll::Ready(Ok(ServiceResponse::new(request, response)))
}

fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET, HEAD"))
        .finish()
}

/// Probe answers are never to be cached by a proxy: each must reflect the service now.
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
const JSON: HeaderValue = HeaderValue::from_static("application/json");
const HEALTH_JSON: HeaderValue = HeaderValue::from_static("application/health+json");
const TEXT: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");

/// 200 when the probe passed, 503 when it failed, whatever the body; the body in `body`'s format.
fn render(report: &Report, body: Body, detail: Detail) -> HttpResponse {
    let status = if report.passed() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let content_type = match body {
        Body::Format(Format::Seed | Format::MicroProfile) => JSON,
        Body::Format(Format::HealthJson) => HEALTH_JSON,
        Body::Verbose => TEXT,
    };
    let bytes = BODY.with_borrow_mut(|buffer| {
        buffer.clear();
        report.render(body, detail, buffer);
        // A copy, as actix takes the body by value: measured, cheaper than handing out shared
        // slices of one buffer.
        let bytes = Bytes::copy_from_slice(buffer);
        // One large body must not keep its size in every worker for good.
        if buffer.capacity() > KEPT_BODY_BUFFER {
            *buffer = Vec::new();
        }
        bytes
    });
    respond(status, content_type, bytes)
}

/// A response with its two headers set directly: cheaper than through the builder, which
/// converts and checks each header on every probe.
fn respond(status: StatusCode, content_type: HeaderValue, body: Bytes) -> HttpResponse {
    let mut response = HttpResponse::with_body(status, body);
    let headers = response.headers_mut();
    // Appended, as the headers are new: `insert` moves out the values it replaces.
    headers.append(header::CACHE_CONTROL, NO_STORE);
    headers.append(header::CONTENT_TYPE, content_type);
    response.map_into_boxed_body()
}

/// The largest body buffer a worker keeps between probes: many probes' bodies, never a huge one.
const KEPT_BODY_BUFFER: usize = 64 * 1024;

thread_local! {
    /// Where this worker writes bodies: reused, so that a probe allocates only the body it sends.
    static BODY: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn not_found(mounted: &Mounted) -> HttpResponse {
    let message = match mounted {
        Mounted::Check(probe, name) => format!("no {probe} check named {:?}", &**name),
        Mounted::Probe(_) | Mounted::AllProbes => "no such check".to_owned(),
    };
    error_response(StatusCode::NOT_FOUND, &message)
}

fn unknown_format(name: &str) -> HttpResponse {
    let message = format!("unknown format {name:?}: use seed, microprofile or health-json");
    error_response(StatusCode::BAD_REQUEST, &message)
}

fn error_response(status: StatusCode, message: &str) -> HttpResponse {
    let mut body = br#"{"status":"FAIL","error":"#.to_vec();
    json::write_str(&mut body, message);
    body.push(b'}');
    respond(status, JSON, body.into())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::outcome::Outcome;
    use crate::registry::Name;
    use crate::report::{CheckResult, Results};

    fn report(error: &str) -> Report {
        let result = CheckResult {
            name: Name::Static("big"),
            critical: true,
            outcome: Outcome::unhealthy(error),
            duration: Duration::ZERO,
            age: None,
        };
        Report::new(Probe::Liveness, Results::from_vec(vec![result]))
    }

    #[test]
    fn a_large_body_leaves_no_large_buffer_behind() {
        let seed = Body::Format(Format::Seed);
        let response = render(&report(&"x".repeat(1 << 20)), seed, Detail::Full);
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let kept = BODY.with_borrow(Vec::capacity);
        assert!(kept <= KEPT_BODY_BUFFER, "{kept} bytes kept");
        // Small bodies keep their buffer: they need no new one.
        render(&report("small"), seed, Detail::Full);
        let kept = BODY.with_borrow(Vec::capacity);
        assert!(kept > 0 && kept <= KEPT_BODY_BUFFER, "{kept} bytes kept");
    }
}
