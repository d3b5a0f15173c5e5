//! Serves a [`Health`] on actix-web: mounts its paths, and translates: an actix request into a
//! [`ProbeRequest`] (with the detail policy, which sees the `HttpRequest`), a [`Reply`] into an
//! actix response. What is answered is decided in `http.rs` and `probe.rs`.

mod data;
mod details;
mod in_flight;
mod management;
mod workers;

pub use in_flight::InFlight;

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::dev::{
    AppService, HttpServiceFactory, ResourceDef, ServiceRequest, ServiceResponse, fn_service,
};
use actix_web::guard::{Guard, fn_guard};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use futures_util::FutureExt;

use crate::data::{AppData, DataSource};
use crate::details::Details;
use crate::health::Health;
use crate::http::{self, Begun, ContentType, Mounted, Pending, ProbeRequest, Reply};
use crate::panics;
use crate::probe::ServedChecks;
use crate::report::Format;
use management::{ManagementPort, Watched};

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

impl HttpServiceFactory for Health {
    fn register(self, config: &mut AppService) {
        let management = self.extensions.get::<ManagementPort>().is_some();
        // An app's requests carry its `App`'s data; a management port has none.
        let app = management.then_some("a management port");
        if let Some(mistakes) = self.data_mistakes(self.served_probes(), app) {
            panics::configuration_error(mistakes);
        }
        match (self.extensions.get::<Watched>(), management) {
            (Some(Watched(watch)), false) => watch.enroll(),
            (Some(Watched(watch)), true) => watch.sample_here(),
            (None, _) => {}
        }
        let serving = Rc::new(Serving {
            checks: ServedChecks::new(&self),
            format: self.format,
            details: self.details.clone(),
            given: self.data.clone(),
            management,
        });
        for (path, mounted) in http::mounts(&self, &serving.checks) {
            mount(config, path, &serving, mounted);
        }
    }
}

/// Serves `path` with a service of our own rather than an actix `Resource`: a probe needs none of
/// its routes, guards, extractors or data, and each of those layers costs every probe. Its route
/// would allocate the answer's future once more, and its method guard records the method in the
/// request's extensions (an allocation and two hash map operations): `Respond` checks the method.
///
/// A path is served as it is written: actix matches `/read%79` as `/ready`, axum does not, and
/// one `Health` answers alike on both, so a request whose path holds a percent-encoding goes on
/// to the app's other routes (no probe path or check name needs one).
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
    let as_written: Box<dyn Guard> =
        Box::new(fn_guard(|context| !context.head().uri.path().contains('%')));
    config.register_service(
        ResourceDef::new(path),
        Some(vec![as_written]),
        service,
        None,
    );
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
        pending: Pending,
    },
    Answered,
}

impl Future for Respond {
    type Output = Result<ServiceResponse, actix_web::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let (request, mut pending) = match std::mem::replace(this, Respond::Answered) {
            Respond::Begin {
                serving,
                mounted,
                request,
            } => {
                let probe_request = ProbeRequest {
                    readable: matches!(*request.method(), Method::GET | Method::HEAD),
                    query: request.query_string(),
                    accept: request
                        .headers()
                        .get(header::ACCEPT)
                        .and_then(|accept| accept.to_str().ok()),
                    detail: serving.details.for_request(&request),
                };
                let given = &serving.given;
                // A management port's worker is no app's: the request holds no `App`'s data.
                let request_data = (!serving.management).then_some(&request as &dyn Any);
                let data = DataSource {
                    request: request_data,
                    given,
                };
                let (checks, format) = (&serving.checks, serving.format);
                match http::begin(checks, format, &mounted, &probe_request, &data, cx, body) {
                    Begun::Now(reply) => return answered(request, reply),
                    Begun::Later(pending) => (request, pending),
                }
            }
            Respond::Wait { request, pending } => (request, pending),
            Respond::Answered => panic!("`Respond` polled after it answered"),
        };
        match pending.report.poll_unpin(cx) {
            Poll::Ready(report) => answered(request, pending.reply(&report, body)),
            Poll::Pending => {
                *this = Respond::Wait { request, pending };
                Poll::Pending
            }
        }
    }
}

/// The response's body: a copy, as actix takes it by value.
fn body(written: &[u8]) -> Bytes {
    Bytes::copy_from_slice(written)
}

fn answered(
    request: HttpRequest,
    reply: Reply<Bytes>,
) -> Poll<Result<ServiceResponse, actix_web::Error>> {
    Poll::Ready(Ok(ServiceResponse::new(request, response(reply))))
}

const NO_STORE: HeaderValue = HeaderValue::from_static(http::NO_STORE);
const JSON: HeaderValue = HeaderValue::from_static(ContentType::Json.as_str());
const HEALTH_JSON: HeaderValue = HeaderValue::from_static(ContentType::HealthJson.as_str());
const TEXT: HeaderValue = HeaderValue::from_static(ContentType::Text.as_str());
const ALLOW: HeaderValue = HeaderValue::from_static(http::ALLOW);

/// The reply as an actix response, its headers set directly: cheaper than through the builder,
/// which converts and checks each header on every probe.
fn response(reply: Reply<Bytes>) -> HttpResponse {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::with_body(status, reply.body);
    let headers = response.headers_mut();
    // Appended, as the headers are new: `insert` moves out the values it replaces.
    if let Some(content_type) = reply.content_type {
        headers.append(header::CACHE_CONTROL, NO_STORE);
        let content_type = match content_type {
            ContentType::Json => JSON,
            ContentType::HealthJson => HEALTH_JSON,
            ContentType::Text => TEXT,
        };
        headers.append(header::CONTENT_TYPE, content_type);
    }
    if reply.allow.is_some() {
        headers.append(header::ALLOW, ALLOW);
    }
    response.map_into_boxed_body()
}
