//! The detail policy on actix: `Details::when`, whose predicate sees actix's `HttpRequest`, and
//! what an actix request shows a `RequestView`.

use std::any::Any;
use std::net::SocketAddr;

use actix_web::HttpRequest;

use crate::details::{Details, RequestParts};

impl Details {
    /// Full details where `full` holds, statuses only elsewhere; `full` sees actix's
    /// `HttpRequest` (its app data, its connection info). A policy that needs only headers, the
    /// peer address and the path is better written with [`when_request`](Self::when_request),
    /// which serves on every server: on another server there is no actix request to show this
    /// one, and every request there gets statuses only.
    ///
    /// ```
    /// use health_runtime::Details;
    ///
    /// let internal = Details::when(|request| request.connection_info().host() == "health.internal");
    /// ```
    pub fn when(full: impl Fn(&HttpRequest) -> bool + Send + Sync + 'static) -> Details {
        Details::when_parts(move |request| {
            let request = request.as_any().downcast_ref::<HttpRequest>();
            request.is_some_and(&full)
        })
    }
}

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

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use crate::details::Details;
    use crate::report::Detail;

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
        let actix = Details::when(|request| request.query_string() == "verbose");
        assert_eq!(seen(&actix), Detail::Full);
    }
}
