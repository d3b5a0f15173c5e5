//! An HTTP upstream (feature `http-upstream`): a `GET` of a URL that passes on a 2xx status (or the statuses
//! given), following no redirect unless asked, over rustls for `https` (with the Mozilla root
//! certificates of `webpki-roots`).
//!
//! ```no_run
//! use health_runtime::checks::http::{Upstream, UpstreamError};
//! use health_runtime::{readiness, Data};
//!
//! #[readiness(timeout = "500ms")]
//! async fn payments(upstream: Data<Upstream>) -> Result<(), UpstreamError> {
//!     upstream.get().await
//! }
//!
//! # fn main() -> Result<(), UpstreamError> {
//! let payments = Upstream::new("http://payments:8080/healthz")?.passing_on([200, 204]);
//! let health = health_runtime::Health::default().data(Data::new(payments));
//! # Ok(()) }
//! ```

use std::fmt;

use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode, Url};

use crate::outcome::with_sources;
use crate::redact;

/// An upstream to `GET`: its URL, the statuses that pass, the redirects to follow. Build it once
/// and give it to the checks as data: its connections are kept between runs. Its `Debug` shows
/// the URL as reasons do, its credentials redacted.
#[derive(Clone)]
pub struct Upstream {
    url: Url,
    /// The URL as reasons show it: its credentials redacted.
    shown: String,
    passing: Passing,
    /// How many redirects are followed.
    redirects: usize,
    client: Result<Client, String>,
}

impl fmt::Debug for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upstream")
            .field("url", &self.shown)
            .field("passing", &self.passing)
            .field("redirects", &self.redirects)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
enum Passing {
    Success,
    Statuses(Vec<u16>),
}

/// Why an upstream check failed, or why its URL cannot be used: one line, the URL's credentials
/// redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamError(String);

impl fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UpstreamError {}

impl Upstream {
    /// An upstream at `url` (`http` or `https`; `user:password@` in it is sent as Basic
    /// credentials and never shown), passing on any 2xx status and following no redirect.
    ///
    /// # Errors
    ///
    /// When `url` is not an `http` or `https` URL.
    pub fn new(url: &str) -> Result<Upstream, UpstreamError> {
        let shown = redact::secrets(url).into_owned();
        let parsed = Url::parse(url)
            .map_err(|error| UpstreamError(format!("invalid upstream URL {shown}: {error}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(UpstreamError(format!(
                "invalid upstream URL {shown}: the scheme is not http or https"
            )));
        }
        Ok(Upstream {
            url: parsed,
            shown,
            passing: Passing::Success,
            redirects: 0,
            client: client(),
        })
    }

    /// Passes on these statuses only, in place of any 2xx.
    #[must_use]
    pub fn passing_on(mut self, statuses: impl IntoIterator<Item = u16>) -> Upstream {
        self.passing = Passing::Statuses(statuses.into_iter().collect());
        self
    }

    /// Follows up to `max` redirects, in place of none.
    #[must_use]
    pub fn follow_redirects(mut self, max: usize) -> Upstream {
        self.redirects = max;
        self
    }

    /// `GET`s the URL: passes on a passing status; fails with the status it answered (`GET
    /// http://payments:8080/healthz answered 500 Internal Server Error`) or the connection's
    /// error (`... error sending request: ... Connection refused`), at once; a server that does
    /// not answer, at the check's timeout. After a redirect, the reason names the URL that
    /// answered or refused too (`GET http://a/ -> http://b/: ...`). The body is never read: the
    /// status is all a check needs, and an endless body costs nothing.
    ///
    /// # Errors
    ///
    /// When the upstream answered a status that does not pass, or could not be reached.
    pub async fn get(&self) -> Result<(), UpstreamError> {
        crate::running::dependency("checks::http");
        let client = self
            .client
            .as_ref()
            .map_err(|error| UpstreamError(error.clone()))?;
        // Redirects are followed here rather than by the client, so that a reason can name the
        // URL that failed.
        let mut url = self.url.clone();
        let mut hops = 0;
        loop {
            let response = client.get(url.clone()).send().await.map_err(|error| {
                let error = with_sources(&error.without_url());
                UpstreamError(format!("GET {}{}: {error}", self.shown, self.hop(&url)))
            })?;
            let status = response.status();
            if self.passes(status) {
                return Ok(());
            }
            let next = status.is_redirection() && hops < self.redirects;
            match next.then(|| self.location(&response, &url)).flatten() {
                Some(location) => {
                    url = location;
                    hops += 1;
                }
                None => {
                    return Err(UpstreamError(format!(
                        "GET {}{} answered {status}",
                        self.shown,
                        self.hop(&url)
                    )));
                }
            }
        }
    }

    /// Where a redirect points, resolved against the URL that answered it, if it is an `http` or
    /// `https` URL; with the upstream's credentials while it stays on the upstream's origin (as
    /// browsers send them), without them elsewhere.
    fn location(&self, response: &reqwest::Response, url: &Url) -> Option<Url> {
        let location = response.headers().get(reqwest::header::LOCATION)?;
        let mut next = url.join(location.to_str().ok()?).ok()?;
        if !matches!(next.scheme(), "http" | "https") {
            return None;
        }
        if next.origin() == self.url.origin() && next.username().is_empty() {
            let _ = next.set_username(self.url.username());
            let _ = next.set_password(self.url.password());
        }
        Some(next)
    }

    /// ` -> <url>` when `url` is another than the upstream's (a redirect's), redacted.
    fn hop(&self, url: &Url) -> String {
        if *url == self.url {
            return String::new();
        }
        format!(" -> {}", redact::secrets(url.as_str()))
    }

    fn passes(&self, status: StatusCode) -> bool {
        match &self.passing {
            Passing::Success => status.is_success(),
            Passing::Statuses(statuses) => statuses.contains(&status.as_u16()),
        }
    }
}

/// A client that follows no redirect, or why none could be built (its TLS could not start).
fn client() -> Result<Client, String> {
    Client::builder()
        .redirect(Policy::none())
        .build()
        .map_err(|error| format!("cannot make an HTTP client: {}", with_sources(&error)))
}
