//! Serves a [`Health`] on actix-web: mounts its paths, and translates: an actix request into a
//! [`ProbeRequest`], a [`Reply`] into an actix response. What is answered is decided in `http/`
//! and `served_checks.rs`; the detail policy and the checks' `web::Data` see the `HttpRequest`
//! as it is.

mod data;
mod details;
mod in_flight;
mod management;
mod workers;

pub use in_flight::InFlight;

use std::sync::Arc;

use actix_web::dev::{
    AppService, HttpServiceFactory, ResourceDef, ServiceRequest, ServiceResponse, fn_service,
};
use actix_web::guard::{Guard, fn_guard};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};

use crate::health::Health;
use crate::http::{
    self, ContentType, Mount, ProbeRequest, Reply, Respond, Server, Serving, Status,
};
use crate::panics;
use crate::paths;
use management::{ManagementPort, Watched};

impl HttpServiceFactory for Health {
    fn register(self, config: &mut AppService) {
        let management = self.extensions.get::<ManagementPort>().is_some();
        // An app's requests carry its `App`'s data; a management port has none.
        let app = management.then_some("a management port");
        if let Some(mistakes) = self.data_mistakes(self.served_probes(), true, app) {
            panics::configuration_error(mistakes);
        }
        match (self.extensions.get::<Watched>(), management) {
            (Some(Watched(watch)), false) => watch.enroll(),
            (Some(Watched(watch)), true) => watch.sample_here(),
            (None, _) => {}
        }
        let serving = Arc::new(Serving::new(&self, !management));
        for (path, mounted) in paths::mounts(&self) {
            mount(config, path, Mount::new(&serving, mounted));
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
fn mount(config: &mut AppService, path: String, mount: Arc<Mount>) {
    let service = fn_service(move |request: ServiceRequest| {
        let (request, _payload) = request.into_parts();
        Respond::<Actix>::new(&mount, request)
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

/// actix-web, as [`Respond`] sees it.
struct Actix;

impl Server for Actix {
    type Request = HttpRequest;
    type Body = Bytes;
    type Output = Result<ServiceResponse, actix_web::Error>;

    fn read(request: &HttpRequest) -> ProbeRequest<'_> {
        ProbeRequest {
            readable: matches!(*request.method(), Method::GET | Method::HEAD),
            query: request.query_string(),
            accept: request
                .headers()
                .get(header::ACCEPT)
                .and_then(|accept| accept.to_str().ok()),
        }
    }

    /// A copy, as actix takes the body by value.
    fn body(written: &[u8]) -> Bytes {
        Bytes::copy_from_slice(written)
    }

    fn respond(request: HttpRequest, reply: Reply<Bytes>) -> Self::Output {
        Ok(ServiceResponse::new(request, response(reply)))
    }
}

const NO_STORE: HeaderValue = HeaderValue::from_static(http::NO_STORE);
const JSON: HeaderValue = HeaderValue::from_static(ContentType::Json.as_str());
const HEALTH_JSON: HeaderValue = HeaderValue::from_static(ContentType::HealthJson.as_str());
const TEXT: HeaderValue = HeaderValue::from_static(ContentType::Text.as_str());
const HTML: HeaderValue = HeaderValue::from_static(ContentType::Html.as_str());
const CSS: HeaderValue = HeaderValue::from_static(ContentType::Css.as_str());
const SCRIPT: HeaderValue = HeaderValue::from_static(ContentType::Script.as_str());
const CSP: HeaderValue = HeaderValue::from_static(http::CONTENT_SECURITY_POLICY);

/// The reply as an actix response, its headers set directly: cheaper than through the builder,
/// which converts and checks each header on every probe.
fn response(reply: Reply<Bytes>) -> HttpResponse {
    let status = match reply.status {
        Status::Ok => StatusCode::OK,
        Status::BadRequest => StatusCode::BAD_REQUEST,
        Status::NotFound => StatusCode::NOT_FOUND,
        Status::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Status::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
    };
    let mut response = HttpResponse::with_body(status, reply.body);
    let headers = response.headers_mut();
    // Appended, as the headers are new: `insert` moves out the values it replaces.
    if let Some(content_type) = reply.content_type {
        headers.append(header::CACHE_CONTROL, NO_STORE);
        let content_type = match content_type {
            ContentType::Json => JSON,
            ContentType::HealthJson => HEALTH_JSON,
            ContentType::Text => TEXT,
            ContentType::Html => {
                headers.append(header::CONTENT_SECURITY_POLICY, CSP);
                HTML
            }
            ContentType::Css => CSS,
            ContentType::Script => SCRIPT,
        };
        headers.append(header::CONTENT_TYPE, content_type);
    }
    if let Some(allow) = reply.allow {
        headers.append(header::ALLOW, HeaderValue::from_static(allow.as_str()));
    }
    response.map_into_boxed_body()
}
