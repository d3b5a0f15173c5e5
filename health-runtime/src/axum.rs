//! Serves a [`Health`] on axum: [`Health::router`] routes its paths to a tower service that
//! translates an axum request into a [`ProbeRequest`] and a [`Reply`] into an axum response. What
//! is answered is decided in `http/` and `served_checks.rs`.

use std::any::Any;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, OriginalUri, Request};
use axum::http::header::{self, HeaderValue};
use axum::http::{Method, StatusCode, request};
use axum::response::Response;

use crate::details::RequestParts;
use crate::health::Health;
use crate::http::{
    self, ContentType, Mount, ProbeRequest, Reply, Respond, Server, Serving, Status,
};
use crate::panics;
use crate::paths;

impl Health {
    /// The probes as an axum `Router`, for any state `S` of the app's: merge it into the app's
    /// router, or nest it under a prefix. It serves what the actix service serves: every probe
    /// path and alias, `/<path>/<name>` for the probe's check names (the app's own routes under a
    /// probe path stay the app's), GET and HEAD, the query options, the formats and the detail
    /// policy. Its checks take their [`Data<T>`](crate::Data) from [`Health::data`].
    ///
    /// A [`RequestView`](crate::RequestView) shows the detail policy the peer's address when the
    /// app is served with `into_make_service_with_connect_info::<SocketAddr>()`.
    ///
    /// ```no_run
    /// use axum::{Router, routing::get};
    /// use health_runtime::{readiness, Data, Health};
    ///
    /// struct Pool;
    ///
    /// #[readiness]
    /// async fn orders_db(_pool: Data<Pool>) -> bool { true }
    ///
    /// #[tokio::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let health = Health::default().data(Data::new(Pool));
    ///     let app = Router::new()
    ///         .route("/orders", get(|| async { "[]" }))
    ///         .merge(health.router());
    ///     let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
    ///     axum::serve(listener, app)
    ///         .with_graceful_shutdown(health.shutdown_signal())
    ///         .await
    /// }
    /// ```
    ///
    /// Call it on the server's runtime (in `main`), so that the `interval` checks' loops start
    /// with it; otherwise each starts with the first probe that reaches it.
    ///
    /// A management port, the probes on a listener of their own, is a second `axum::serve` of a
    /// router of the same `Health`; one signal drains both:
    ///
    /// ```no_run
    /// use axum::Router;
    /// use health_runtime::Health;
    ///
    /// #[tokio::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let health = Health::default();
    ///     let app: Router = Router::new().merge(health.router());
    ///     let app_port = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
    ///     let ops_port = tokio::net::TcpListener::bind("0.0.0.0:9090").await?;
    ///     let ops = axum::serve(ops_port, health.router::<()>())
    ///         .with_graceful_shutdown(health.shutdown_signal());
    ///     tokio::spawn(async move { ops.await });
    ///     axum::serve(app_port, app)
    ///         .with_graceful_shutdown(health.shutdown_signal())
    ///         .await
    /// }
    /// ```
    ///
    /// # Panics
    ///
    /// When the app's router has a route on one of these paths already (merged after it). Here,
    /// at the caller's line, when a served check takes a `Data<T>` or a `web::Data<T>` that this
    /// `Health` was not given (an axum router sees no actix `App`'s data): the message names the
    /// check, the type and the call that gives it.
    #[track_caller]
    pub fn router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        if let Some(mistakes) =
            self.data_mistakes(self.served_probes(), true, Some("an axum router"))
        {
            panics::configuration_error(mistakes);
        }
        let serving = Arc::new(Serving::new(self, false));
        let mut router = Router::new();
        for (path, mounted) in paths::mounts(self) {
            // axum writes the root of a nested router as `/`.
            let path = if path.is_empty() { "/" } else { &path };
            let service = ProbeService(Mount::new(&serving, mounted));
            router = router.route_service(path, service);
        }
        router
    }
}

/// The service of one path. axum clones it for every request, and each request's answer holds
/// it: one reference count, rather than a clone of what the path answers each time.
#[derive(Clone)]
struct ProbeService(Arc<Mount>);

impl tower_service::Service<Request> for ProbeService {
    type Response = Response;
    type Error = Infallible;
    type Future = Respond<Axum>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Respond<Axum> {
        let (request, _body) = request.into_parts();
        Respond::new(&self.0, request)
    }
}

/// axum, as [`Respond`] sees it.
pub(crate) struct Axum;

impl Server for Axum {
    type Request = request::Parts;
    type Body = Bytes;
    type Output = Result<Response, Infallible>;

    fn read(request: &request::Parts) -> ProbeRequest<'_> {
        ProbeRequest {
            readable: matches!(request.method, Method::GET | Method::HEAD),
            query: request.uri.query().unwrap_or_default(),
            accept: request
                .headers
                .get(header::ACCEPT)
                .and_then(|accept| accept.to_str().ok()),
        }
    }

    /// A copy, as axum takes the body by value.
    fn body(written: &[u8]) -> Bytes {
        Bytes::copy_from_slice(written)
    }

    fn respond(_request: request::Parts, reply: Reply<Bytes>) -> Self::Output {
        Ok(response(reply))
    }
}

impl RequestParts for request::Parts {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    fn peer_addr(&self) -> Option<SocketAddr> {
        let info = self.extensions.get::<ConnectInfo<SocketAddr>>()?;
        Some(info.0)
    }

    /// As the client asked for it, as actix gives it: before a `nest` took its prefix.
    fn path(&self) -> &str {
        let original = self.extensions.get::<OriginalUri>();
        original.map_or(&self.uri, |original| &original.0).path()
    }

    fn as_any(&self) -> &dyn Any {
        self
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

/// The reply as an axum response: actix's `response` in axum's types (its `http` is 1.x, actix's
/// 0.2), the headers as constants so that no value is checked on a probe.
fn response(reply: Reply<Bytes>) -> Response {
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = match reply.status {
        Status::Ok => StatusCode::OK,
        Status::BadRequest => StatusCode::BAD_REQUEST,
        Status::NotFound => StatusCode::NOT_FOUND,
        Status::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Status::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
    };
    let headers = response.headers_mut();
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
    response
}
