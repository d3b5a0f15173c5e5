//! Serves a [`Health`] as gRPC's `grpc.health.v1.Health` on tonic: translates a service name into
//! a probe (or one check of it), a probe's status into a `ServingStatus`, and a watched probe's
//! changes (`feed.rs`) into `Watch`'s stream. What passes is decided by the same probe flow as
//! over HTTP.

use std::borrow::Cow;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::watch;
use tonic::metadata::MetadataMap;
use tonic::server::NamedService;
use tonic::{Request, Response, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_server::Health as HealthProtocol;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

mod list;

pub use list::GrpcHealthService;

use crate::extensions::GrpcAliases;
use crate::feed::{Feeds, ProbeStatus, SharedFeeds, Watched};
use crate::health::Health;
use crate::lifecycle::Switches;
use crate::outcome::cut;
use crate::panics;
use crate::paths::{self, Service};
use crate::probe::Probe;
use crate::served_checks::{Served, UNKNOWN_NAME_BYTES};

impl Health {
    /// The checks as gRPC's health service (`grpc.health.v1.Health`), for tonic's
    /// `Server::add_service`: what Kubernetes' `grpc:` probes, Envoy, Linkerd and gRPC clients'
    /// load balancing call.
    ///
    /// | service name | answers |
    /// |---|---|
    /// | `"liveness"`, `"readiness"`, `"startup"` | as that probe does over HTTP (startup gating readiness, `critical = false`, caches, intervals, the switches) |
    /// | `"readiness/mysql"` | the one check `mysql` of that probe |
    /// | `"group/deep"`, `"group/deep/search"` | a [`Group`](crate::Group) as `/health/group/deep` does, or one check of it |
    /// | `""` (the server as a whole) | as liveness, and `NOT_SERVING` once the drain begins |
    /// | any other | `NOT_FOUND` from `Check`; `SERVICE_UNKNOWN` from `Watch`, which stays open |
    ///
    /// `Check` answers within the checks' timeouts, and within the caller's deadline
    /// (`grpc-timeout`) when that is shorter: `NOT_SERVING` rather than `DEADLINE_EXCEEDED`.
    /// `Watch` sends the status at once, then each change: while a stream is open, the probe runs
    /// once a second (its checks cached and single-flight as ever). Streams end when the drain of
    /// [`shutdown_signal`](Self::shutdown_signal) is over, so that they hold up no graceful stop.
    /// A check's reason goes to the log, never into a status message. `List` (gRFC A90) answers
    /// every name above with its status now, the aliases too: each probe and group runs once;
    /// past 100 names, `RESOURCE_EXHAUSTED`.
    ///
    /// ```no_run
    /// use health_runtime::{readiness, Health};
    /// use tonic::transport::Server;
    ///
    /// #[readiness]
    /// async fn payments_db() -> bool { true }
    ///
    /// #[tokio::main]
    /// async fn main() -> Result<(), tonic::transport::Error> {
    ///     let health = Health::default();
    ///     Server::builder()
    ///         .add_service(health.grpc_service())
    ///         .serve_with_shutdown("0.0.0.0:9090".parse().unwrap(), health.shutdown_signal())
    ///         .await
    /// }
    /// ```
    ///
    /// Call it on the server's runtime (in `main`), so that the `interval` checks' loops start
    /// with it.
    ///
    /// # Panics
    ///
    /// Here, at the caller's line, when a check takes a `Data<T>` or a `web::Data<T>` that this
    /// `Health` was not given (a gRPC service sees no `App`'s data), or when a
    /// [`grpc_alias`](Self::grpc_alias) answers as a service there is not: the message names
    /// the check or the alias, and the call that fixes it.
    #[track_caller]
    pub fn grpc_service(&self) -> GrpcHealthService {
        if let Some(mistakes) = self.data_mistakes(Probe::ALL, true, Some("a gRPC service")) {
            panics::configuration_error(mistakes);
        }
        let feeds = SharedFeeds::of(self);
        let named = self
            .extensions
            .get::<GrpcAliases>()
            .map_or(&[][..], |aliases| &aliases.0);
        let mut aliases = Vec::with_capacity(named.len());
        for (alias, answers) in named {
            aliases.push((alias.clone(), aliased(alias, answers, &feeds)));
        }
        GrpcHealthService::new(GrpcHealth {
            feeds,
            aliases,
            unknown_watches: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Answers the gRPC service name `service` as `answers`, one of the names
    /// [`grpc_service`](Self::grpc_service) serves (`"readiness"`, `"readiness/db"`): the name
    /// that gRPC clients' health checking and balancers ask about, which is the name of the app's
    /// own service (`payments.v1.Payments`), as tonic-health's `set_serving::<PaymentsServer<_>>()`
    /// registers it. A group (`"group/deep"`) or one check of it may be given too.
    ///
    /// ```
    /// use health_runtime::Health;
    ///
    /// let health = Health::default().grpc_alias("payments.v1.Payments", "readiness");
    /// ```
    #[must_use]
    pub fn grpc_alias(mut self, service: impl Into<Cow<'static, str>>, answers: &str) -> Health {
        let mut aliases = self
            .extensions
            .get::<GrpcAliases>()
            .cloned()
            .unwrap_or_default();
        aliases.0.push((service.into(), answers.to_owned()));
        self.extensions.set(aliases);
        self.changed()
    }

    /// [`grpc_alias`](Self::grpc_alias) with the name of the tonic service `S`, as its generated
    /// server names it (`PaymentsServer<MyPayments>` is `payments.v1.Payments`).
    ///
    /// ```
    /// use health_runtime::Health;
    /// use tonic_health::pb::health_server::HealthServer;
    ///
    /// # type PaymentsServer = HealthServer<health_runtime::GrpcHealth>;
    /// let health = Health::default().grpc_alias_of::<PaymentsServer>("readiness");
    /// ```
    #[must_use]
    pub fn grpc_alias_of<S: NamedService>(self, answers: &str) -> Health {
        self.grpc_alias(S::NAME, answers)
    }
}

/// What the service name `alias` answers as: `answers`, a name served. Anything else is a mistake
/// of the program, told at the caller's line.
#[track_caller]
fn aliased(alias: &str, answers: &str, feeds: &Feeds) -> Asked {
    let problem = if alias.is_empty() || Asked::named(alias, feeds).is_some() {
        "the service name is one of the names served already"
    } else if let Some(asked) = Asked::named(answers, feeds) {
        return asked;
    } else {
        "answers as a name that is not served: use `liveness`, `readiness`, `startup`, \
         `<probe>/<check>` with a check of that probe, `group/<group>` or \
         `group/<group>/<check>`"
    };
    panics::configuration_error(format!("grpc_alias({alias:?}, {answers:?}): {problem}"))
}

/// `grpc.health.v1.Health` answered from a [`Health`]'s checks: see [`Health::grpc_service`].
pub struct GrpcHealth {
    feeds: Arc<Feeds>,
    /// The service names given with `grpc_alias`, and what each asks about.
    aliases: Vec<(Cow<'static, str>, Asked)>,
    /// The `Watch`es of unknown services held open.
    unknown_watches: Arc<AtomicUsize>,
}

impl fmt::Debug for GrpcHealth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrpcHealth").finish_non_exhaustive()
    }
}

/// At most this many `Watch`es of unknown services are held open; more are refused with
/// `RESOURCE_EXHAUSTED`, so that clients cannot hold the server's memory with them.
const UNKNOWN_WATCHES: usize = 100;

/// What a service name asks about.
#[derive(Clone)]
enum Asked {
    /// `""`: the server as a whole.
    Server,
    /// `liveness`, `group/deep`.
    Served(Served),
    /// `readiness/db`, `group/deep/tls`.
    Check(Served, String),
}

impl Asked {
    /// The service named `name`, if `feeds` serve it: `""`, `<probe>`, `<probe>/<check>`,
    /// `group/<group>`, `group/<group>/<check>`.
    fn named(name: &str, feeds: &Feeds) -> Option<Asked> {
        let (served, check) = match paths::service(name)? {
            Service::Server => return Some(Asked::Server),
            Service::Probe(probe, check) => (Served::Probe(probe), check),
            Service::Group(group, check) => (feeds.group(group)?, check),
        };
        match check {
            None => Some(Asked::Served(served)),
            Some(check) => feeds
                .has_check(served, check)
                .then(|| Asked::Check(served, check.to_owned())),
        }
    }

    fn watched(&self) -> Watched {
        match self {
            Asked::Server => (Served::Probe(Probe::Liveness), None),
            Asked::Served(served) => (*served, None),
            Asked::Check(served, check) => (*served, Some(check.clone())),
        }
    }

    fn serving(&self, status: &ProbeStatus) -> ServingStatus {
        let serving = match self {
            Asked::Server => status.is_passing() && !status.is_shutting_down(),
            Asked::Served(_) | Asked::Check(..) => status.is_passing(),
        };
        if serving {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        }
    }
}

fn answer(status: ServingStatus) -> HealthCheckResponse {
    HealthCheckResponse {
        status: status.into(),
    }
}

type Statuses = Pin<Box<dyn Stream<Item = Result<HealthCheckResponse, Status>> + Send>>;

#[tonic::async_trait]
impl HealthProtocol for GrpcHealth {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        let deadline = deadline(request.metadata());
        let name = &request.get_ref().service;
        let Some(asked) = self.asked(name) else {
            return Err(Status::not_found(format!(
                "unknown service {}",
                shown(name)
            )));
        };
        let (probe, check) = asked.watched();
        let status = self.feeds.status((probe, check.as_deref()));
        let status = match deadline {
            Some(deadline) => tokio::time::timeout(deadline, status).await.ok(),
            None => Some(status.await),
        };
        let serving = status.map_or(ServingStatus::NotServing, |status| asked.serving(&status));
        Ok(Response::new(answer(serving)))
    }

    type WatchStream = Statuses;

    async fn watch(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<Statuses>, Status> {
        let name = &request.get_ref().service;
        let switches = self.feeds.switches();
        let statuses = match self.asked(name) {
            Some(asked) => {
                let receiver = self.feeds.watch(asked.watched()).await;
                changes(asked, receiver, switches)
            }
            // The protocol's rule: the stream stays open, as the service may become known.
            None => {
                let Some(held) = UnknownWatch::hold(&self.unknown_watches) else {
                    return Err(Status::resource_exhausted(format!(
                        "{UNKNOWN_WATCHES} watches of unknown services are open already; unknown \
                         service {}",
                        shown(name)
                    )));
                };
                let unknown = stream::once(async { Ok(answer(ServingStatus::ServiceUnknown)) });
                let until_stopped = stream::once(async move {
                    switches.stopped().await;
                    drop(held);
                })
                .filter_map(|()| async { None });
                Box::pin(unknown.chain(until_stopped))
            }
        };
        Ok(Response::new(statuses))
    }
}

impl GrpcHealth {
    /// What the service `name` asks about, if it is served: an alias, or a name of its own.
    fn asked(&self, name: &str) -> Option<Asked> {
        let alias = self.aliases.iter().find(|(alias, _)| alias == name);
        alias.map_or_else(
            || Asked::named(name, &self.feeds),
            |(_, asked)| Some(asked.clone()),
        )
    }
}

/// A `Watch` of an unknown service, counted while its stream is open.
struct UnknownWatch(Arc<AtomicUsize>);

impl UnknownWatch {
    /// Counts one more, unless [`UNKNOWN_WATCHES`] are open (then the count is given back as the
    /// watch is dropped here).
    fn hold(open: &Arc<AtomicUsize>) -> Option<UnknownWatch> {
        let held = open.fetch_add(1, Ordering::Relaxed);
        let watch = UnknownWatch(Arc::clone(open));
        (held < UNKNOWN_WATCHES).then_some(watch)
    }
}

impl Drop for UnknownWatch {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A service name as a status message shows it: escaped, and cut as `?exclude=` names are, so
/// that a long or odd name makes no long message.
fn shown(name: &str) -> String {
    let short = cut(name, UNKNOWN_NAME_BYTES, name.len(), "");
    format!("{:?}", short.as_deref().unwrap_or(name))
}

/// The serving status now, then each change, until the drain is over.
fn changes(
    asked: Asked,
    receiver: watch::Receiver<ProbeStatus>,
    switches: &'static Switches,
) -> Statuses {
    let state = (asked, receiver, None::<ServingStatus>);
    let statuses = stream::unfold(state, move |(asked, mut receiver, sent)| async move {
        loop {
            if sent.is_some() {
                tokio::select! {
                    changed = receiver.changed() => changed.ok()?,
                    () = switches.stopped() => return None,
                }
            }
            let serving = asked.serving(&receiver.borrow_and_update());
            if sent != Some(serving) {
                return Some((Ok(answer(serving)), (asked, receiver, Some(serving))));
            }
        }
    });
    Box::pin(statuses)
}

/// How long `Check` may take: the caller's deadline (`grpc-timeout`) less a margin for the answer
/// to travel back (a tenth, between 1 ms and 100 ms), so that a slow check makes `NOT_SERVING`
/// rather than the caller's `DEADLINE_EXCEEDED`.
fn deadline(metadata: &MetadataMap) -> Option<Duration> {
    let timeout = metadata.get("grpc-timeout")?.to_str().ok()?;
    let (amount, unit) = timeout.split_at(timeout.len().checked_sub(1)?);
    let amount: u64 = amount.parse().ok()?;
    let timeout = match unit {
        "H" => Duration::from_secs(amount.saturating_mul(3600)),
        "M" => Duration::from_secs(amount.saturating_mul(60)),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    };
    let margin = (timeout / 10).clamp(Duration::from_millis(1), Duration::from_millis(100));
    Some(timeout.saturating_sub(margin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callers_deadline_is_read_from_grpc_timeout_less_a_margin() {
        let deadline_of = |value: &str| {
            let mut metadata = MetadataMap::new();
            metadata.insert("grpc-timeout", value.parse().unwrap());
            deadline(&metadata)
        };
        assert_eq!(deadline_of("1S"), Some(Duration::from_millis(900)));
        assert_eq!(deadline_of("100m"), Some(Duration::from_millis(90)));
        assert_eq!(
            deadline_of("5M"),
            Some(Duration::from_secs(300) - Duration::from_millis(100))
        );
        assert_eq!(deadline_of("500u"), Some(Duration::ZERO));
        assert_eq!(deadline_of("10x"), None);
        assert_eq!(deadline_of("S"), None);
        assert_eq!(deadline_of(""), None);
    }
}
