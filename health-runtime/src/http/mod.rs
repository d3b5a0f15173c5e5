//! What every HTTP server answers, in plain types, once. An adapter (`actix/`, `axum.rs`) reads
//! its request into a [`ProbeRequest`], lets [`Respond`] answer it, and writes the [`Reply`] as
//! its framework's response; nothing else is the adapter's. Here: the paths a `Health` serves and
//! what each answers, the neutral request and reply; `query.rs` reads what a request asks for
//! (`?verbose`, `?exclude=`, `?format=`, `Accept`), `respond.rs` is the answer's future, the same
//! on every server. Which checks a probe runs is decided in `served_checks.rs`.

mod query;
mod respond;

pub(crate) use respond::{Mount, Respond, Server, Serving};

use crate::check::Name;
use crate::health::Health;
use crate::probe::Probe;
use crate::served_checks::ServedChecks;

/// What a mounted path answers.
#[derive(Clone)]
pub(crate) enum Mounted {
    /// `/<path>`: all checks of the probe.
    Probe(Probe),
    /// `/<path>/<name>`: the check of that name.
    Check(Probe, Name),
    /// Every probe's checks together.
    AllProbes,
}

/// Every path `health` serves and what it answers there, in the order a server should try them:
/// the probe paths, which take nearly all traffic, first. Each path once (the first use of a path
/// given twice wins), as actix writes paths: with a leading slash (`health/live` means
/// `/health/live`), without a trailing one; `/` is the root, and an empty path the root of a
/// scope.
pub(crate) fn mounts(health: &Health, checks: &ServedChecks) -> Vec<(String, Mounted)> {
    let probe_paths = || {
        Probe::ALL.into_iter().flat_map(|probe| {
            let paths = health.paths[probe.index()].iter();
            paths.map(move |path| (probe, normalized(path)))
        })
    };
    let mut mounts: Vec<(String, Mounted)> = Vec::new();
    let mut mount = |path: String, mounted| {
        if mounts.iter().all(|(taken, _)| *taken != path) {
            mounts.push((path, mounted));
        }
    };
    for (probe, path) in probe_paths() {
        mount(path, Mounted::Probe(probe));
    }
    for path in &health.all_probes_paths {
        mount(normalized(path), Mounted::AllProbes);
    }
    // `/<path>/<name>` for the names of the probe's checks only: every other path under a probe
    // path stays the app's. None under a probe served at `/`: they would be the app's top-level
    // paths.
    for (probe, path) in probe_paths() {
        if path == "/" {
            continue;
        }
        for name in checks.names(probe) {
            mount(
                format!("{path}/{name}"),
                Mounted::Check(probe, name.clone()),
            );
        }
    }
    mounts
}

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

/// `application/json`, `application/health+json` or `text/plain; charset=utf-8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContentType {
    Json,
    HealthJson,
    Text,
}

impl ContentType {
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            ContentType::Json => "application/json",
            ContentType::HealthJson => "application/health+json",
            ContentType::Text => "text/plain; charset=utf-8",
        }
    }
}

/// `Cache-Control` of every answer with a body: probe answers are never to be cached by a proxy,
/// as each must reflect the service now.
pub(crate) const NO_STORE: &str = "no-store";
