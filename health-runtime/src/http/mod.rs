//! What every HTTP server answers, in plain types, once. An adapter (`actix/`, `axum.rs`) reads
//! its request into a [`ProbeRequest`], lets [`Respond`] answer it, and writes the [`Reply`] as
//! its framework's response; nothing else is the adapter's. Here: the neutral request and reply
//! (the paths a `Health` serves and what each answers are `paths.rs`'s); `query.rs` reads what a request asks for
//! (`?verbose`, `?exclude=`, `?format=`, `Accept`), `respond.rs` is the answer's future, the same
//! on every server. Which checks a probe runs is decided in `served_checks.rs`.

mod page;
mod query;
mod respond;

pub(crate) use respond::{Mount, Respond, Server, Serving};

/// A request on a mounted path, as any server reads it.
pub(crate) struct ProbeRequest<'a> {
    /// GET or HEAD: the methods a probe path answers.
    pub readable: bool,
    /// The query string, without its `?`.
    pub query: &'a str,
    /// The `Accept` header, if it is text.
    pub accept: Option<&'a str>,
}

/// An answer, as any server writes it; `B` is the framework's body.
pub(crate) struct Reply<B> {
    pub status: Status,
    /// With a body: its type, and `Cache-Control: no-store` (each answer must reflect the service
    /// now).
    pub content_type: Option<ContentType>,
    /// The methods a path allows, told with a 405.
    pub allow: Option<Allow>,
    pub body: B,
}

/// The status codes a probe path answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// 200: the probe passed.
    Ok,
    /// 400: an unknown `?format=`.
    BadRequest,
    /// 404: no check of that name.
    NotFound,
    /// 405: neither GET nor HEAD.
    MethodNotAllowed,
    /// 503: the probe failed.
    ServiceUnavailable,
}

/// The `Allow` header of a 405: the methods a path answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Allow(&'static str);

impl Allow {
    /// A probe path's: GET and HEAD.
    pub(crate) const PROBE: Allow = Allow("GET, HEAD");

    pub(crate) const fn as_str(self) -> &'static str {
        self.0
    }
}

/// `application/json`, `application/health+json` or `text/plain; charset=utf-8`; the status
/// page's HTML (sent with [`CONTENT_SECURITY_POLICY`]), style and script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContentType {
    Json,
    HealthJson,
    Text,
    Html,
    Css,
    Script,
}

impl ContentType {
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            ContentType::Json => "application/json",
            ContentType::HealthJson => "application/health+json",
            ContentType::Text => "text/plain; charset=utf-8",
            ContentType::Html => "text/html; charset=utf-8",
            ContentType::Css => "text/css; charset=utf-8",
            ContentType::Script => "text/javascript; charset=utf-8",
        }
    }
}

pub(crate) use page::CONTENT_SECURITY_POLICY;

/// `Cache-Control` of every answer with a body: probe answers are never to be cached by a proxy,
/// as each must reflect the service now.
pub(crate) const NO_STORE: &str = "no-store";
