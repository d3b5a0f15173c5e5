//! Who sees reasons and data: the detail policy. Probes are often reachable from places that
//! should not read a database's errors; the status code is the same whatever the policy.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

#[cfg(feature = "actix")]
use actix_web::HttpRequest;

use crate::report::Detail;

/// How much a probe's body shows, set with [`Health::details`](crate::Health::details).
///
/// ```
/// use health_runtime::{Details, Health};
///
/// // Reasons and data for requests from the pod itself; statuses only for the rest.
/// let health = Health::default().details(Details::when_request(|request| {
///     request.peer_addr().is_some_and(|peer| peer.ip().is_loopback())
/// }));
/// ```
#[derive(Clone, Default)]
pub enum Details {
    /// Reasons, data and durations: the default.
    #[default]
    Full,
    /// Check names and statuses only: `{"status":"FAIL","checks":[{"name":"db","status":"FAIL"}]}`,
    /// and kube-apiserver's `[-]db failed: reason withheld` with `?verbose`.
    StatusOnly,
    /// Full details for the requests the predicate accepts (a loopback peer, a bearer token the
    /// app checks), statuses only for the others, the predicate seeing actix's request. Build it
    /// with [`Details::when`]. On another server there is no actix request to show it: every
    /// request there gets statuses only.
    #[cfg(feature = "actix")]
    When(Arc<dyn Fn(&HttpRequest) -> bool + Send + Sync>),
    /// As `When`, the predicate seeing a [`RequestView`], which every server gives. Build it with
    /// [`Details::when_request`].
    WhenRequest(Arc<dyn Fn(&RequestView<'_>) -> bool + Send + Sync>),
}

impl Details {
    /// Full details where `full` holds, statuses only elsewhere; `full` sees actix's
    /// `HttpRequest` (its app data, its connection info). A policy that needs only headers, the
    /// peer address and the path is better written with [`when_request`](Self::when_request),
    /// which serves on every server.
    #[cfg(feature = "actix")]
    pub fn when(full: impl Fn(&HttpRequest) -> bool + Send + Sync + 'static) -> Details {
        Details::When(Arc::new(full))
    }

    /// Full details where `full` holds, statuses only elsewhere; `full` sees the probe request's
    /// headers, peer address and path, as every server gives them.
    ///
    /// ```
    /// use health_runtime::Details;
    ///
    /// let by_token = Details::when_request(|request| request.header("x-ops-token") == Some("s3"));
    /// ```
    pub fn when_request(
        full: impl Fn(&RequestView<'_>) -> bool + Send + Sync + 'static,
    ) -> Details {
        Details::WhenRequest(Arc::new(full))
    }

    /// What `request` may see.
    pub(crate) fn for_request(&self, request: &impl RequestParts) -> Detail {
        let full = match self {
            Details::Full => true,
            Details::StatusOnly => false,
            #[cfg(feature = "actix")]
            Details::When(full) => request.actix().is_some_and(|request| full(request)),
            Details::WhenRequest(full) => full(&RequestView(request)),
        };
        if full {
            Detail::Full
        } else {
            Detail::StatusOnly
        }
    }
}

impl fmt::Debug for Details {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Details::Full => f.write_str("Full"),
            Details::StatusOnly => f.write_str("StatusOnly"),
            #[cfg(feature = "actix")]
            Details::When(_) => f.write_str("When(..)"),
            Details::WhenRequest(_) => f.write_str("WhenRequest(..)"),
        }
    }
}

/// A probe request as a [`Details::when_request`] predicate sees it, on any server.
pub struct RequestView<'a>(&'a dyn RequestParts);

impl RequestView<'_> {
    /// The first value of the header `name` (any case), if it is there and is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.0.header(name)
    }

    /// The address of the peer the connection came from, if the server knows it.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.0.peer_addr()
    }

    /// The request's path, without its query.
    pub fn path(&self) -> &str {
        self.0.path()
    }
}

/// What a server's request gives a [`RequestView`].
pub(crate) trait RequestParts {
    fn header(&self, name: &str) -> Option<&str>;
    fn peer_addr(&self) -> Option<SocketAddr>;
    fn path(&self) -> &str;

    /// The request as actix's, for a [`Details::when`] predicate.
    #[cfg(feature = "actix")]
    fn actix(&self) -> Option<&HttpRequest> {
        None
    }
}

#[cfg(feature = "actix")]
impl RequestParts for HttpRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers().get(name)?.to_str().ok()
    }

    fn peer_addr(&self) -> Option<SocketAddr> {
        HttpRequest::peer_addr(self)
    }

    fn path(&self) -> &str {
        HttpRequest::path(self)
    }

    fn actix(&self) -> Option<&HttpRequest> {
        Some(self)
    }
}

#[cfg(all(test, feature = "actix"))]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn a_request_view_shows_headers_peer_and_path() {
        let request = TestRequest::with_uri("/readyz?verbose")
            .insert_header(("X-Ops-Token", "s3"))
            .peer_addr("127.0.0.1:4000".parse().unwrap())
            .to_http_request();
        let seen = |details: &Details| details.for_request(&request);
        let token = Details::when_request(|request| request.header("x-ops-token") == Some("s3"));
        assert_eq!(seen(&token), Detail::Full);
        let loopback = Details::when_request(|request| {
            request
                .peer_addr()
                .is_some_and(|peer| peer.ip().is_loopback())
        });
        assert_eq!(seen(&loopback), Detail::Full);
        let path = Details::when_request(|request| request.path() == "/livez");
        assert_eq!(seen(&path), Detail::StatusOnly);
        let missing = Details::when_request(|request| request.header("authorization").is_some());
        assert_eq!(seen(&missing), Detail::StatusOnly);
    }
}
