//! Serves a [`Health`] on actix-web: mounts its paths, answers the method, parses the query, and
//! turns the probe's [`Answer`](crate::probe::Answer) into a response. The probe itself is
//! decided in `probe.rs`.

use std::cell::RefCell;
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
use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt;

use crate::data::DataSource;
use crate::health::Health;
use crate::probe::{Answer, Query, ServedChecks, Target};
use crate::registry::Probe;
use crate::report::Report;

impl HttpServiceFactory for Health {
    fn register(self, config: &mut AppService) {
        let served = Rc::new(ServedChecks::new(&self));
        // actix tries services in order, and a `{name}` pattern costs a regex match: the plain
        // probe paths, which take nearly all traffic, come first.
        let paths = || {
            Probe::ALL.into_iter().flat_map(|probe| {
                let paths = self.paths[probe.index()].iter();
                paths.map(move |path| (probe, path.trim_end_matches('/')))
            })
        };
        for (probe, path) in paths() {
            mount(config, path.to_owned(), &served, probe, PathKind::Probe);
        }
        for (probe, path) in paths() {
            let pattern = format!("{path}/{{name}}");
            mount(config, pattern, &served, probe, PathKind::OneCheck);
        }
    }
}

#[derive(Clone, Copy)]
enum PathKind {
    /// `/<path>`: all checks of the probe.
    Probe,
    /// `/<path>/{name}`: the checks named by the last segment.
    OneCheck,
}

/// Serves `path` with a service of our own rather than an actix `Resource`: a probe needs none of
/// its routes, guards, extractors or data, and each of those layers costs every probe. Its route
/// would allocate the answer's future once more, and its method guard records the method in the
/// request's extensions (an allocation and two hash map operations): `Respond` checks the method.
fn mount(
    config: &mut AppService,
    mut path: String,
    served: &Rc<ServedChecks>,
    probe: Probe,
    kind: PathKind,
) {
    // As actix does for resources: `health/live` means `/health/live`.
    if !path.is_empty() && !path.starts_with('/') {
        path.insert(0, '/');
    }
    let served = Rc::clone(served);
    let service = fn_service(move |request: ServiceRequest| {
        let (request, _payload) = request.into_parts();
        Respond::Begin {
            served: Rc::clone(&served),
            probe,
            kind,
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
        served: Rc<ServedChecks>,
        probe: Probe,
        kind: PathKind,
        request: HttpRequest,
    },
    Wait {
        request: HttpRequest,
        report: LocalBoxFuture<'static, Report>,
        verbose: bool,
    },
    Answered,
}

impl Future for Respond {
    type Output = Result<ServiceResponse, actix_web::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let (request, report, verbose) = match std::mem::replace(this, Respond::Answered) {
            Respond::Begin {
                served,
                probe,
                kind,
                request,
            } => {
                if !matches!(*request.method(), Method::GET | Method::HEAD) {
                    return answered(request, method_not_allowed());
                }
                let query = Query::parse(request.query_string());
                let target = match kind {
                    PathKind::Probe => Target::Probe,
                    PathKind::OneCheck => {
                        Target::Check(request.match_info().get("name").unwrap_or_default())
                    }
                };
                let data = DataSource::Request(request.clone());
                match served.answer(probe, target, &query.exclude, &data, cx) {
                    Answer::Now(report) => {
                        let response = render(&report, query.verbose);
                        return answered(request, response);
                    }
                    Answer::NoSuchCheck => {
                        let response = not_found(probe, request.match_info().get("name"));
                        return answered(request, response);
                    }
                    Answer::Later(report) => (request, report, query.verbose),
                }
            }
            Respond::Wait {
                request,
                report,
                verbose,
            } => (request, report, verbose),
            Respond::Answered => panic!("`Respond` polled after it answered"),
        };
        this.wait(request, report, verbose, cx)
    }
}

impl Respond {
    fn wait(
        &mut self,
        request: HttpRequest,
        mut report: LocalBoxFuture<'static, Report>,
        verbose: bool,
        cx: &mut Context<'_>,
    ) -> Poll<Result<ServiceResponse, actix_web::Error>> {
        match report.poll_unpin(cx) {
            Poll::Ready(report) => answered(request, render(&report, verbose)),
            Poll::Pending => {
                *self = Respond::Wait {
                    request,
                    report,
                    verbose,
                };
                Poll::Pending
            }
        }
    }
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
const TEXT: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");

/// 200 when the probe passed, 503 when it failed; JSON, or the kube-apiserver text with `verbose`.
fn render(report: &Report, verbose: bool) -> HttpResponse {
    let status = if report.passed() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    if verbose {
        return respond(status, TEXT, report.verbose_text().into());
    }
    let body = BODY.with_borrow_mut(|buffer| {
        buffer.clear();
        report.write_json(buffer);
        // A copy, as actix takes the body by value: measured, cheaper than handing out shared
        // slices of one buffer.
        Bytes::copy_from_slice(buffer)
    });
    respond(status, JSON, body)
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

thread_local! {
    /// Where this worker writes bodies: reused, so that a probe allocates only the body it sends.
    static BODY: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn not_found(probe: Probe, name: Option<&str>) -> HttpResponse {
    let name = name.unwrap_or_default();
    let error = serde_json::Value::from(format!("no {probe} check named {name:?}"));
    let body = format!(r#"{{"status":"FAIL","error":{error}}}"#);
    respond(StatusCode::NOT_FOUND, JSON, body.into())
}
