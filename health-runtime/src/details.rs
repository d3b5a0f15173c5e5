//! Who sees reasons and data: the detail policy. Probes are often reachable from places that
//! should not read a database's errors; the status code is the same whatever the policy.

use std::fmt;
use std::sync::Arc;

use actix_web::HttpRequest;

use crate::report::Detail;

/// How much a probe's body shows, set with [`Health::details`](crate::Health::details).
///
/// ```
/// use health_runtime::{Details, Health};
///
/// // Reasons and data for requests from the pod itself; statuses only for the rest.
/// let health = Health::default().details(Details::when(|request| {
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
    /// app checks), statuses only for the others. Build it with [`Details::when`].
    When(Arc<dyn Fn(&HttpRequest) -> bool + Send + Sync>),
}

impl Details {
    /// Full details where `full` holds, statuses only elsewhere.
    pub fn when(full: impl Fn(&HttpRequest) -> bool + Send + Sync + 'static) -> Details {
        Details::When(Arc::new(full))
    }

    /// What `request` may see.
    pub(crate) fn for_request(&self, request: &HttpRequest) -> Detail {
        match self {
            Details::Full => Detail::Full,
            Details::StatusOnly => Detail::StatusOnly,
            Details::When(full) if full(request) => Detail::Full,
            Details::When(_) => Detail::StatusOnly,
        }
    }
}

impl fmt::Debug for Details {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Details::Full => f.write_str("Full"),
            Details::StatusOnly => f.write_str("StatusOnly"),
            Details::When(_) => f.write_str("When(..)"),
        }
    }
}
