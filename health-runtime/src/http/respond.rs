//! The answer to one request on a probe path, the same future on every server. Its first poll
//! reads the request, begins the probe, and answers right there when every check finishes within
//! that poll (the common probe runs no async machinery of its own); otherwise it waits for the
//! report, then writes it. A server's adapter is a [`Server`]: how it reads a request and makes
//! a response.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;

use super::page;
use super::query::Query;
use super::{Allow, ContentType, ProbeRequest, Reply, Status};
use crate::data::{AppData, DataSource};
use crate::details::{Details, RequestParts};
use crate::format::Format;
use crate::health::Health;
use crate::outcome::cut;
use crate::paths::{Mounted, PAGE_STYLE};
use crate::report::{Body, Detail, Report, json};
use crate::runs::Answer;
use crate::served_checks::{NoSuchCheck, ServedChecks, Target, UNKNOWN_NAME_BYTES};

/// What a server's adapter translates; the rest of an answer is [`Respond`]'s.
pub(crate) trait Server {
    /// The server's request, without its body.
    type Request: RequestParts + Unpin;
    /// The server's response body.
    type Body;
    /// What the server's service resolves to.
    type Output;

    /// What `request` asks of a probe path.
    fn read(request: &Self::Request) -> ProbeRequest<'_>;

    /// The server's body of the bytes written.
    fn body(written: &[u8]) -> Self::Body;

    /// The server's response to `request`.
    fn respond(request: Self::Request, reply: Reply<Self::Body>) -> Self::Output;
}

/// What a server serves of a `Health` (one per actix worker, one per axum router): its checks,
/// how their reports are shown, and where their data is.
pub(crate) struct Serving {
    checks: ServedChecks,
    format: Format,
    details: Details,
    /// Each served group's own detail policy, if it has one.
    group_details: Vec<Option<Details>>,
    /// The values given to the `Health`.
    given: AppData,
    /// Whether a request carries data of its app that checks take (actix's `App` data); not on
    /// a management port, nor on another server.
    app_data: bool,
}

impl Serving {
    /// What `health` serves on this server. Call it on the server's runtime: the loops of its
    /// `interval` checks start here.
    pub(crate) fn new(health: &Health, app_data: bool) -> Serving {
        Serving {
            checks: ServedChecks::new(health),
            format: health.format,
            details: health.details.clone(),
            group_details: health
                .served_groups()
                .into_iter()
                .map(|group| group.details)
                .collect(),
            given: health.data.clone(),
            app_data,
        }
    }
}

/// One path of a `Health` on a server: what it answers, and what serves it. Each request's
/// answer holds it: one reference count, rather than a copy of what the path answers.
pub(crate) struct Mount {
    serving: Arc<Serving>,
    mounted: Mounted,
    /// The detail policy of a group that has its own, found once rather than at each request.
    details: Option<Details>,
}

impl Mount {
    pub(crate) fn new(serving: &Arc<Serving>, mounted: Mounted) -> Arc<Mount> {
        let details = match mounted {
            Mounted::Group(group) | Mounted::GroupCheck(group, _) => {
                serving.group_details[group].clone()
            }
            _ => None,
        };
        let serving = Arc::clone(serving);
        Arc::new(Mount {
            serving,
            mounted,
            details,
        })
    }
}

/// The answer to one request on a path.
pub(crate) enum Respond<S: Server> {
    Begin {
        mount: Arc<Mount>,
        request: S::Request,
    },
    Wait {
        request: S::Request,
        pending: Pending,
    },
    /// The status page, once every probe and group has answered.
    WaitPage {
        request: S::Request,
        page: BoxFuture<'static, Vec<u8>>,
    },
    Answered,
}

impl<S: Server> Respond<S> {
    /// The answer to `request` on `mount`'s path: begun at its first poll.
    pub(crate) fn new(mount: &Arc<Mount>, request: S::Request) -> Respond<S> {
        let mount = Arc::clone(mount);
        Respond::Begin { mount, request }
    }
}

impl<S: Server> Future for Respond<S> {
    type Output = S::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<S::Output> {
        let this = self.get_mut();
        let (request, mut pending) = match std::mem::replace(this, Respond::Answered) {
            Respond::Begin { mount, request } => match begin::<S>(&mount, &request, cx) {
                Begun::Now(reply) => return Poll::Ready(S::respond(request, reply)),
                Begun::Later(pending) => (request, pending),
                Begun::Page(page) => return this.wait_page(request, page, cx),
            },
            Respond::Wait { request, pending } => (request, pending),
            Respond::WaitPage { request, page } => return this.wait_page(request, page, cx),
            Respond::Answered => panic!("`Respond` polled after it answered"),
        };
        match pending.report.poll_unpin(cx) {
            Poll::Ready(report) => {
                let reply = render(
                    &report,
                    pending.body,
                    pending.detail,
                    pending.limit,
                    S::body,
                );
                Poll::Ready(S::respond(request, reply))
            }
            Poll::Pending => {
                *this = Respond::Wait { request, pending };
                Poll::Pending
            }
        }
    }
}

impl<S: Server> Respond<S> {
    fn wait_page(
        &mut self,
        request: S::Request,
        mut page: BoxFuture<'static, Vec<u8>>,
        cx: &mut Context<'_>,
    ) -> Poll<S::Output> {
        match page.poll_unpin(cx) {
            Poll::Ready(html) => {
                let reply = Reply {
                    status: Status::Ok,
                    content_type: Some(ContentType::Html),
                    allow: None,
                    body: S::body(&html),
                };
                Poll::Ready(S::respond(request, reply))
            }
            Poll::Pending => {
                *self = Respond::WaitPage { request, page };
                Poll::Pending
            }
        }
    }
}

/// The answer to a request: now, or when its checks are done.
enum Begun<B> {
    Now(Reply<B>),
    Later(Pending),
    /// The status page, to come.
    Page(BoxFuture<'static, Vec<u8>>),
}

/// A report to come, and how it is to be written.
pub(crate) struct Pending {
    report: BoxFuture<'static, Report>,
    body: Body,
    detail: Detail,
    /// The most bytes of the body.
    limit: usize,
}

/// Begins the answer to `request` on `mount`'s path: the probe begins within this poll
/// (`cx`), and is answered now when its checks all finish here.
fn begin<S: Server>(mount: &Mount, request: &S::Request, cx: &mut Context<'_>) -> Begun<S::Body> {
    let Mount {
        serving,
        mounted,
        details,
    } = mount;
    let asked = S::read(request);
    if !asked.readable {
        return Begun::Now(Reply {
            status: Status::MethodNotAllowed,
            content_type: None,
            allow: Some(Allow::PROBE),
            body: S::body(&[]),
        });
    }
    let query = Query::parse(asked.query);
    let body = match query.body(asked.accept, serving.format) {
        Ok(body) => body,
        Err(unknown) => {
            return Begun::Now(error(Status::BadRequest, &unknown.to_string(), S::body));
        }
    };
    let details = details.as_ref().unwrap_or(&serving.details);
    let detail = match details.for_request(request) {
        Detail::Full if query.history => Detail::History,
        detail => detail,
    };
    let data = DataSource {
        request: serving.app_data.then_some(request.as_any()),
        given: &serving.given,
    };
    let (checks, exclude) = (&serving.checks, &query.exclude);
    let mut answer = match mounted {
        Mounted::Probe(probe) => checks.answer(*probe, Target::Probe, exclude, &data, cx),
        Mounted::Check(probe, name) => {
            checks.answer(*probe, Target::Check(name), exclude, &data, cx)
        }
        Mounted::AllProbes => Ok(checks.answer_all(exclude, &data, cx)),
        Mounted::Group(group) => checks.answer_group(*group, Target::Probe, exclude, &data, cx),
        Mounted::GroupCheck(group, name) => {
            checks.answer_group(*group, Target::Check(name), exclude, &data, cx)
        }
        Mounted::UnknownGroup => Err(NoSuchCheck),
        Mounted::StatusPage => {
            let groups: Vec<Option<Detail>> = serving
                .group_details
                .iter()
                .map(|details| details.as_ref().map(|details| details.for_request(request)))
                .collect();
            let path = request.path();
            return Begun::Page(page::begin(checks, detail, &groups, path, &data, cx));
        }
        Mounted::PageFile(file) => {
            let (content_type, text) = if *file == PAGE_STYLE {
                (ContentType::Css, page::CSS)
            } else {
                (ContentType::Script, page::SCRIPT)
            };
            return Begun::Now(Reply {
                status: Status::Ok,
                content_type: Some(content_type),
                allow: None,
                body: S::body(text.as_bytes()),
            });
        }
    };
    let limit = checks.body_limit;
    // Asked for (`?history`): a branch, not a move of the answer, on every other probe.
    if detail == Detail::History {
        answer = answer.map(|answer| checks.with_history(mounted.served(), usize::MAX, answer));
    }
    match answer {
        Ok(Answer::Now(report)) => Begun::Now(render(&report, body, detail, limit, S::body)),
        Ok(Answer::Later(report)) => Begun::Later(Pending {
            report,
            body,
            detail,
            limit,
        }),
        Err(NoSuchCheck) => {
            let message = match mounted {
                Mounted::Check(probe, name) => format!("no {probe} check named {:?}", &**name),
                Mounted::UnknownGroup => unknown_group(checks, request.path()),
                _ => "no such check".to_owned(),
            };
            Begun::Now(error(Status::NotFound, &message, S::body))
        }
    }
}

/// What a 404 on `/health/group/<name>` says: the groups there are.
fn unknown_group(checks: &ServedChecks, path: &str) -> String {
    let asked = path.rsplit('/').next().unwrap_or_default();
    let asked = cut(asked, UNKNOWN_NAME_BYTES, asked.len(), "").unwrap_or_else(|| asked.to_owned());
    let groups: Vec<&str> = checks
        .groups()
        .iter()
        .map(|group| group.name.as_str())
        .collect();
    format!(
        "no group named {asked:?}; the groups are: {}",
        groups.join(", ")
    )
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
    let status = if report.passed() {
        Status::Ok
    } else {
        Status::ServiceUnavailable
    };
    let content_type = match body {
        Body::Format(Format::Json | Format::MicroProfile) => ContentType::Json,
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
fn error<B>(status: Status, message: &str, bytes: impl FnOnce(&[u8]) -> B) -> Reply<B> {
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
    use crate::check::Name;
    use crate::history::Standing;
    use crate::outcome::Outcome;
    use crate::probe::Probe;
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
        let default_json = Body::Format(Format::Json);
        let reply = render(
            &report(100, &"x".repeat(4096)),
            default_json,
            Detail::Full,
            crate::report::BODY_LIMIT,
            <[u8]>::len,
        );
        assert_eq!(
            (reply.status, reply.content_type),
            (Status::ServiceUnavailable, Some(ContentType::Json))
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
            default_json,
            Detail::Full,
            1 << 20,
            <[u8]>::len,
        );
        let kept = BODY.with_borrow(Vec::capacity);
        assert!(kept > 0 && kept <= KEPT_BODY_BUFFER, "{kept} bytes kept");
    }
}
