//! Who sees reasons and data: the detail policy. Probes are often reachable from places that
//! should not read a database's errors; the status code is the same whatever the policy.

use std::any::Any;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::report::Detail;

/// How much a probe's body shows, set with [`Health::details`](crate::Health::details): reasons,
/// data and durations ([`Details::full`], the default), check names and statuses only
/// ([`Details::status_only`]), or the one or the other as a predicate on the request decides
/// ([`Details::when_request`], and actix's `Details::when`). Opaque, so that a server's own kinds
/// of predicate can be added without breaking a `match`. The status code is the same whatever the
/// policy.
///
/// ```
/// use health_runtime::{Details, Health};
///
/// // Reasons and data for requests from the pod itself; statuses only for the rest.
/// let health = Health::default().details(Details::when_request(|request| {
///     request.peer_addr().is_some_and(|peer| peer.ip().is_loopback())
/// }));
/// ```
#[derive(Clone)]
pub struct Details(Policy);

#[derive(Clone)]
enum Policy {
    Full,
    StatusOnly,
    /// Full details for the requests it accepts, statuses only for the others.
    When(Arc<Predicate>),
}

/// Whether a request, as its server gives it, sees full details.
type Predicate = dyn Fn(&dyn RequestParts) -> bool + Send + Sync;

impl Default for Details {
    /// [`Details::full`].
    fn default() -> Details {
        Details::full()
    }
}

impl Details {
    /// Reasons, data and durations: the default.
    ///
    /// ```
    /// let health = health_runtime::Health::default().details(health_runtime::Details::full());
    /// ```
    pub fn full() -> Details {
        Details(Policy::Full)
    }

    /// Check names and statuses only: `{"status":"FAIL","checks":[{"name":"db","status":"FAIL"}]}`,
    /// and kube-apiserver's `[-]db failed: reason withheld` with `?verbose`.
    ///
    /// ```
    /// let health = health_runtime::Health::default().details(health_runtime::Details::status_only());
    /// ```
    pub fn status_only() -> Details {
        Details(Policy::StatusOnly)
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
        Details::when_parts(move |request| full(&RequestView(request)))
    }

    /// Full details where `full`, which sees a server's own request, holds.
    pub(crate) fn when_parts(
        full: impl Fn(&dyn RequestParts) -> bool + Send + Sync + 'static,
    ) -> Details {
        Details(Policy::When(Arc::new(full)))
    }

    /// What `request` may see.
    pub(crate) fn for_request(&self, request: &impl RequestParts) -> Detail {
        let full = match &self.0 {
            Policy::Full => true,
            Policy::StatusOnly => false,
            Policy::When(full) => full(request),
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
        f.write_str(match self.0 {
            Policy::Full => "Details::full()",
            Policy::StatusOnly => "Details::status_only()",
            Policy::When(_) => "Details::when(..)",
        })
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

    /// The request's path as the client asked for it (with the prefix of an actix scope or an
    /// axum `nest`), without its query.
    pub fn path(&self) -> &str {
        self.0.path()
    }
}

impl fmt::Debug for RequestView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestView")
            .field("path", &self.path())
            .field("peer_addr", &self.peer_addr())
            .finish_non_exhaustive()
    }
}

/// What a server's request gives a [`RequestView`], and its own type for a server's own
/// predicate (actix's `Details::when`).
pub(crate) trait RequestParts {
    fn header(&self, name: &str) -> Option<&str>;
    fn peer_addr(&self) -> Option<SocketAddr>;
    fn path(&self) -> &str;
    fn as_any(&self) -> &dyn Any;
}
