//! Serves a [`Health`] as gRPC's `grpc.health.v1.Health` on tonic: translates a service name into
//! a probe (or one check of it), a probe's status into a `ServingStatus`, and a watched probe's
//! changes (`feed.rs`) into `Watch`'s stream. What passes is decided by the same probe flow as
//! over HTTP.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::watch;
use tonic::metadata::MetadataMap;
use tonic::{Request, Response, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_server::{Health as HealthProtocol, HealthServer};
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

use crate::feed::{Feeds, ProbeStatus, Watched};
use crate::health::Health;
use crate::lifecycle::SWITCHES;
use crate::registry::Probe;

impl Health {
    /// The checks as gRPC's health service (`grpc.health.v1.Health`), for tonic's
    /// `Server::add_service`: what Kubernetes' `grpc:` probes, Envoy, Linkerd and gRPC clients'
    /// load balancing call.
    ///
    /// | service name | answers |
    /// |---|---|
    /// | `"liveness"`, `"readiness"`, `"startup"` | as that probe does over HTTP (startup gating readiness, `critical = false`, caches, intervals, the switches) |
    /// | `"readiness/mysql"` | the one check `mysql` of that probe |
    /// | `""` (the server as a whole) | as liveness, and `NOT_SERVING` once the drain begins |
    /// | any other | `NOT_FOUND` from `Check`; `SERVICE_UNKNOWN` from `Watch`, which stays open |
    ///
    /// `Check` answers within the checks' timeouts, and within the caller's deadline
    /// (`grpc-timeout`) when that is shorter: `NOT_SERVING` rather than `DEADLINE_EXCEEDED`.
    /// `Watch` sends the status at once, then each change: while a stream is open, the probe runs
    /// once a second (its checks cached and single-flight as ever). Streams end when the drain of
    /// [`shutdown_signal`](Self::shutdown_signal) is over, so that they hold up no graceful stop.
    /// A check's reason goes to the log, never into a status message.
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
    pub fn grpc_service(&self) -> HealthServer<GrpcHealth> {
        HealthServer::new(GrpcHealth {
            feeds: Feeds::new(self),
        })
    }
}

/// `grpc.health.v1.Health` answered from a [`Health`]'s checks: see [`Health::grpc_service`].
pub struct GrpcHealth {
    feeds: Arc<Feeds>,
}

/// What a service name asks about.
enum Asked {
    /// `""`: the server as a whole.
    Server,
    Probe(Probe),
    Check(Probe, String),
}

impl Asked {
    /// The service named `name`, if `feeds` serve it.
    fn named(name: &str, feeds: &Feeds) -> Option<Asked> {
        if name.is_empty() {
            return Some(Asked::Server);
        }
        let probe = |name: &str| Probe::ALL.into_iter().find(|probe| probe.as_str() == name);
        match name.split_once('/') {
            None => probe(name).map(Asked::Probe),
            Some((probe_name, check)) => {
                let probe = probe(probe_name)?;
                feeds
                    .has_check(probe, check)
                    .then(|| Asked::Check(probe, check.to_owned()))
            }
        }
    }

    fn watched(&self) -> Watched {
        match self {
            Asked::Server => (Probe::Liveness, None),
            Asked::Probe(probe) => (*probe, None),
            Asked::Check(probe, check) => (*probe, Some(check.clone())),
        }
    }

    fn serving(&self, status: &ProbeStatus) -> ServingStatus {
        let serving = match self {
            Asked::Server => status.is_passing() && !status.is_shutting_down(),
            Asked::Probe(_) | Asked::Check(..) => status.is_passing(),
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
        let Some(asked) = Asked::named(name, &self.feeds) else {
            return Err(Status::not_found(format!("unknown service {name:?}")));
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
        let statuses = match Asked::named(name, &self.feeds) {
            Some(asked) => {
                let receiver = self.feeds.watch(asked.watched()).await;
                changes(asked, receiver)
            }
            // The protocol's rule: the stream stays open, as the service may become known.
            None => {
                let unknown = stream::once(async { Ok(answer(ServingStatus::ServiceUnknown)) });
                let until_stopped =
                    stream::once(SWITCHES.stopped()).filter_map(|()| async { None });
                Box::pin(unknown.chain(until_stopped))
            }
        };
        Ok(Response::new(statuses))
    }
}

/// The serving status now, then each change, until the drain is over.
fn changes(asked: Asked, receiver: watch::Receiver<ProbeStatus>) -> Statuses {
    let state = (asked, receiver, None::<ServingStatus>);
    let statuses = stream::unfold(state, |(asked, mut receiver, sent)| async move {
        loop {
            if sent.is_some() {
                tokio::select! {
                    changed = receiver.changed() => changed.ok()?,
                    () = SWITCHES.stopped() => return None,
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
