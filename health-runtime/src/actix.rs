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
use crate::probe::{NoSuchCheck, Query, ServedChecks, Target};
use crate::registry::{Name, Probe};
use crate::report::Report;
use crate::runs::Answer;

impl HttpServiceFactory for Health {
    fn register(self, config: &mut AppService) {
        let served = Rc::new(ServedChecks::new(&self));
        let paths = || {
            Probe::ALL.into_iter().flat_map(|probe| {
                let paths = self.paths[probe.index()].iter();
                paths.map(move |path| (probe, normalized(path)))
            })
        };
        // actix tries services in order: the probe paths, which take nearly all traffic, first.
        for (probe, path) in paths() {
            mount(config, path, &served, probe, None);
        }
        // `/<path>/<name>` for the names of the probe's checks only: every other path under a
        // probe path stays the app's. None under a probe served at `/`: they would be the app's
        // top-level paths.
        for (probe, path) in paths() {
            if path == "/" {
                continue;
            }
            for name in served.names(probe) {
                let check_path = format!("{path}/{name}");
                mount(config, check_path, &served, probe, Some(name.clone()));
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
/// `name` is the check a one-check path serves.
fn mount(
    config: &mut AppService,
    path: String,
    served: &Rc<ServedChecks>,
    probe: Probe,
    name: Option<Name>,
) {
    let served = Rc::clone(served);
    let service = fn_service(move |request: ServiceRequest| {
        let (request, _payload) = request.into_parts();
        Respond::Begin {
            served: Rc::clone(&served),
            probe,
            name: name.clone(),
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
        /// The check of a one-check path.
        name: Option<Name>,
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
                name,
                request,
            } => {
                if !matches!(*request.method(), Method::GET | Method::HEAD) {
                    return answered(request, method_not_allowed());
                }
                let query = Query::parse(request.query_string());
                let target = match &name {
                    None => Target::Probe,
                    Some(name) => Target::Check(name),
                };
                let data = DataSource::Request(request.clone());
                match served.answer(probe, target, &query.exclude, &data, cx) {
                    Ok(Answer::Now(report)) => {
                        let response = render(&report, query.verbose);
                        return answered(request, response);
                    }
                    Err(NoSuchCheck) => {
                        let response = not_found(probe, name.as_deref().unwrap_or_default());
                        return answered(request, response);
                    }
                    Ok(Answer::Later(report)) => (request, report, query.verbose),
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
        let body = Bytes::copy_from_slice(buffer);
        // One large body must not keep its size in every worker for good.
        if buffer.capacity() > KEPT_BODY_BUFFER {
            *buffer = Vec::new();
        }
        body
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

/// The largest body buffer a worker keeps between probes: many probes' bodies, never a huge one.
const KEPT_BODY_BUFFER: usize = 64 * 1024;

thread_local! {
    /// Where this worker writes bodies: reused, so that a probe allocates only the body it sends.
    static BODY: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn not_found(probe: Probe, name: &str) -> HttpResponse {
    let error = serde_json::Value::from(format!("no {probe} check named {name:?}"));
    let body = format!(r#"{{"status":"FAIL","error":{error}}}"#);
    respond(StatusCode::NOT_FOUND, JSON, body.into())
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
        let response = render(&report(&"x".repeat(1 << 20)), false);
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let kept = BODY.with_borrow(Vec::capacity);
        assert!(kept <= KEPT_BODY_BUFFER, "{kept} bytes kept");
        // Small bodies keep their buffer: they need no new one.
        render(&report("small"), false);
        let kept = BODY.with_borrow(Vec::capacity);
        assert!(kept > 0 && kept <= KEPT_BODY_BUFFER, "{kept} bytes kept");
    }
}
