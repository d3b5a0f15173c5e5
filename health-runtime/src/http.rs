//! What every HTTP adapter answers, in plain types, once: the paths a `Health` serves, the
//! methods a probe path takes, the query (`?verbose`, `?exclude=`, `?format=`), the body chosen
//! from it and from `Accept`, the status code and content type of an answer, and the error bodies
//! (404 for an unknown check, 400 for an unknown format, 405 for a method). An adapter
//! (`actix.rs`, `axum.rs`) reads a request into a [`ProbeRequest`] and writes a [`Reply`] as its
//! framework's response; the probe itself is decided in `probe.rs`.

use std::cell::RefCell;
use std::task::Context;

use futures_util::future::BoxFuture;

use crate::data::DataSource;
use crate::health::Health;
use crate::probe::{NoSuchCheck, Query, ServedChecks, Target};
use crate::registry::{Name, Probe};
use crate::report::{Body, Detail, Format, Report, json};
use crate::runs::Answer;

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
    /// What the detail policy lets this request see.
    pub detail: Detail,
}

/// An answer, as any server writes it; `B` is the framework's body.
pub(crate) struct Reply<B> {
    pub status: u16,
    /// With a body: its type, and `Cache-Control: no-store` (each answer must reflect the service
    /// now).
    pub content_type: Option<ContentType>,
    /// The `Allow` header of a 405.
    pub allow: Option<&'static str>,
    pub body: B,
}

/// `application/json`, `application/health+json` or `text/plain; charset=utf-8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContentType {
    Json,
    HealthJson,
    Text,
}

impl ContentType {
    pub const fn as_str(self) -> &'static str {
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

/// The allowed methods of a probe path.
pub(crate) const ALLOW: &str = "GET, HEAD";

/// The answer to a request: now, or when its checks are done.
pub(crate) enum Begun<B> {
    Now(Reply<B>),
    Later(Pending),
}

/// A report to come, and how it is to be written.
pub(crate) struct Pending {
    pub report: BoxFuture<'static, Report>,
    body: Body,
    detail: Detail,
    /// The most bytes of the body.
    limit: usize,
}

impl Pending {
    /// The reply once the report has come; `bytes` makes the framework's body of the written
    /// one.
    pub fn reply<B>(&self, report: &Report, bytes: impl FnOnce(&[u8]) -> B) -> Reply<B> {
        render(report, self.body, self.detail, self.limit, bytes)
    }
}

/// Begins the answer to `request` on the path `mounted`: the probe begins within this poll
/// (`cx`), and is answered now when its checks all finish here. `bytes` makes the framework's
/// body of a written one.
pub(crate) fn begin<B>(
    checks: &ServedChecks,
    default: Format,
    mounted: &Mounted,
    request: &ProbeRequest<'_>,
    data: &DataSource<'_>,
    cx: &mut Context<'_>,
    bytes: impl FnOnce(&[u8]) -> B,
) -> Begun<B> {
    if !request.readable {
        return Begun::Now(Reply {
            status: 405,
            content_type: None,
            allow: Some(ALLOW),
            body: bytes(&[]),
        });
    }
    let query = Query::parse(request.query);
    let body = match body_asked(&query, request.accept, default) {
        Ok(body) => body,
        Err(unknown) => {
            let message =
                format!("unknown format {unknown:?}: use seed, microprofile or health-json");
            return Begun::Now(error(400, &message, bytes));
        }
    };
    let exclude = &query.exclude;
    let answer = match mounted {
        Mounted::Probe(probe) => checks.answer(*probe, Target::Probe, exclude, data, cx),
        Mounted::Check(probe, name) => {
            checks.answer(*probe, Target::Check(name), exclude, data, cx)
        }
        Mounted::AllProbes => Ok(checks.answer_all(exclude, data, cx)),
    };
    let (detail, limit) = (request.detail, checks.body_limit);
    match answer {
        Ok(Answer::Now(report)) => Begun::Now(render(&report, body, detail, limit, bytes)),
        Ok(Answer::Later(report)) => Begun::Later(Pending {
            report,
            body,
            detail,
            limit,
        }),
        Err(NoSuchCheck) => {
            let message = match mounted {
                Mounted::Check(probe, name) => format!("no {probe} check named {:?}", &**name),
                Mounted::Probe(_) | Mounted::AllProbes => "no such check".to_owned(),
            };
            Begun::Now(error(404, &message, bytes))
        }
    }
}

/// The body a request asks for: `?verbose`, else `?format=`, else `Accept:
/// application/health+json`, else `default`; `Err` with the name of a format there is not.
fn body_asked(query: &Query, accept: Option<&str>, default: Format) -> Result<Body, String> {
    if query.verbose {
        return Ok(Body::Verbose);
    }
    if let Some(name) = &query.format {
        return Format::from_name(name)
            .map(Body::Format)
            .ok_or_else(|| name.clone());
    }
    let accepted = accept.and_then(Format::from_accept);
    Ok(Body::Format(accepted.unwrap_or(default)))
}

/// 200 when the probe passed, 503 when it failed, whatever the body; the body in `body`'s format,
/// in at most `limit` bytes.
fn render<B>(
    report: &Report,
    body: Body,
    detail: Detail,
    limit: usize,
    bytes: impl FnOnce(&[u8]) -> B,
) -> Reply<B> {
    let status = if report.passed() { 200 } else { 503 };
    let content_type = match body {
        Body::Format(Format::Seed | Format::MicroProfile) => ContentType::Json,
        Body::Format(Format::HealthJson) => ContentType::HealthJson,
        Body::Verbose => ContentType::Text,
    };
    let body = BODY.with_borrow_mut(|buffer| {
        buffer.clear();
        report.render(body, detail, limit, buffer);
        // A copy, as servers take the body by value: measured on actix, cheaper than handing
        // out shared slices of one buffer.
        let body = bytes(buffer);
        // One large body must not keep its size in every worker for good.
        if buffer.capacity() > KEPT_BODY_BUFFER {
            *buffer = Vec::new();
        }
        body
    });
    Reply {
        status,
        content_type: Some(content_type),
        allow: None,
        body,
    }
}

/// The largest body buffer a thread keeps between probes: many probes' bodies, never a huge one.
const KEPT_BODY_BUFFER: usize = 64 * 1024;

thread_local! {
    /// Where this thread writes bodies: reused, so that a probe allocates only the body it sends.
    static BODY: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// An error answer: `{"status":"FAIL","error":"<message>"}`.
fn error<B>(status: u16, message: &str, bytes: impl FnOnce(&[u8]) -> B) -> Reply<B> {
    let mut body = br#"{"status":"FAIL","error":"#.to_vec();
    json::write_str(&mut body, message);
    body.push(b'}');
    Reply {
        status,
        content_type: Some(ContentType::Json),
        allow: None,
        body: bytes(&body),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::history::Standing;
    use crate::outcome::Outcome;
    use crate::report::{CheckResult, Results};

    /// A report of `checks` failing checks, each with `error`.
    fn report(checks: usize, error: &str) -> Report {
        let result = CheckResult {
            name: Name::Static("big"),
            critical: true,
            outcome: Outcome::unhealthy(error),
            duration: Duration::ZERO,
            age: None,
            standing: Standing::UNKNOWN,
        };
        Report::new(Probe::Liveness, Results::from_vec(vec![result; checks]))
    }

    /// A report whose whole body would be large (it is written whole first, then kept under the
    /// limit) leaves no large buffer in the worker.
    #[test]
    fn a_large_body_leaves_no_large_buffer_behind() {
        let seed = Body::Format(Format::Seed);
        let reply = render(
            &report(100, &"x".repeat(4096)),
            seed,
            Detail::Full,
            crate::report::BODY_LIMIT,
            <[u8]>::len,
        );
        assert_eq!(
            (reply.status, reply.content_type),
            (503, Some(ContentType::Json))
        );
        assert!(
            reply.body <= crate::report::BODY_LIMIT,
            "{} bytes written",
            reply.body
        );
        let kept = BODY.with_borrow(Vec::capacity);
        assert!(kept <= KEPT_BODY_BUFFER, "{kept} bytes kept");
        // Small bodies keep their buffer: they need no new one.
        render(
            &report(1, "small"),
            seed,
            Detail::Full,
            1 << 20,
            <[u8]>::len,
        );
        let kept = BODY.with_borrow(Vec::capacity);
        assert!(kept > 0 && kept <= KEPT_BODY_BUFFER, "{kept} bytes kept");
    }

    #[test]
    fn the_body_is_asked_by_verbose_then_format_then_accept() {
        let asked = |query: &str, accept| body_asked(&Query::parse(query), accept, Format::Seed);
        assert_eq!(
            asked("verbose&format=microprofile", None),
            Ok(Body::Verbose)
        );
        let health_json = Some("application/health+json");
        assert_eq!(
            asked("format=microprofile", health_json),
            Ok(Body::Format(Format::MicroProfile))
        );
        assert_eq!(asked("", health_json), Ok(Body::Format(Format::HealthJson)));
        assert_eq!(asked("", None), Ok(Body::Format(Format::Seed)));
        assert_eq!(asked("format=xml", None), Err("xml".to_owned()));
    }
}
