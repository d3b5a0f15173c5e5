//! gRPC health's `List` (gRFC A90): every service name the health service answers, with its
//! status now. tonic-health's generated server has no `List`: its two messages are declared here
//! with prost, and [`GrpcHealthService`] answers `List` itself and hands every other call to
//! tonic-health's server (`Check`, `Watch`).

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::future::join_all;
use tonic::codegen::{Body, BoxFuture, Service, StdError, http};
use tonic::server::{NamedService, UnaryService};
use tonic::{Request, Response, Status};
use tonic_health::pb::HealthCheckResponse;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_server::HealthServer;

use super::{Asked, GrpcHealth, answer, deadline};
use crate::feed::Feeds;
use crate::probe::Probe;
use crate::report::{Checks, Report};
use crate::served_checks::Served;

/// `List`'s request: nothing to ask.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct HealthListRequest {}

/// `List`'s answer: each service name, with its status.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct HealthListResponse {
    #[prost(map = "string, message", tag = "1")]
    pub statuses: HashMap<String, HealthCheckResponse>,
}

/// The most names `List` answers with, as gRFC A90 allows: past it, `RESOURCE_EXHAUSTED`.
const MOST_LISTED: usize = 100;

/// The path of `List`.
const LIST: &str = "/grpc.health.v1.Health/List";

/// gRPC's health service (`grpc.health.v1.Health`) of a [`Health`](crate::Health), with `Check`,
/// `Watch` and `List`: give it to tonic's `Server::add_service`. Made by
/// [`Health::grpc_service`](crate::Health::grpc_service).
#[derive(Clone)]
pub struct GrpcHealthService {
    /// tonic-health's server, for `Check` and `Watch`.
    server: HealthServer<GrpcHealth>,
    health: Arc<GrpcHealth>,
}

impl GrpcHealthService {
    pub(super) fn new(health: GrpcHealth) -> GrpcHealthService {
        let health = Arc::new(health);
        GrpcHealthService {
            server: HealthServer::from_arc(Arc::clone(&health)),
            health,
        }
    }
}

impl fmt::Debug for GrpcHealthService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrpcHealthService").finish_non_exhaustive()
    }
}

impl NamedService for GrpcHealthService {
    const NAME: &'static str = "grpc.health.v1.Health";
}

impl<B> Service<http::Request<B>> for GrpcHealthService
where
    B: Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        if request.uri().path() != LIST {
            return self.server.call(request);
        }
        let list = List(Arc::clone(&self.health));
        Box::pin(async move {
            let mut grpc = tonic::server::Grpc::new(tonic_prost::ProstCodec::default());
            Ok(grpc.unary(list, request).await)
        })
    }
}

/// The `List` call.
struct List(Arc<GrpcHealth>);

impl UnaryService<HealthListRequest> for List {
    type Response = HealthListResponse;
    type Future = BoxFuture<Response<HealthListResponse>, Status>;

    fn call(&mut self, request: Request<HealthListRequest>) -> Self::Future {
        let health = Arc::clone(&self.0);
        let deadline = deadline(request.metadata());
        Box::pin(async move {
            let listed = health.list();
            let listed = match deadline {
                Some(deadline) => tokio::time::timeout(deadline, listed).await.map_err(|_| {
                    Status::deadline_exceeded("the checks did not all answer within the deadline")
                })?,
                None => listed.await,
            };
            listed.map(Response::new)
        })
    }
}

impl GrpcHealth {
    /// Every name `Check` answers, with the status it would answer now: `""`, each probe and
    /// group, each of their checks (`readiness/db`, `group/deep/search`), each alias. Each probe
    /// and group runs once, and its checks' statuses are read off its report; a group's check
    /// that a probe runs too is run there only, as on the status page. A probe's check that this
    /// run's report does not show (readiness's own while startup holds it back, startup's once
    /// its latch has them) is read off a group that ran it, or else runs alone, as `Check` runs
    /// it, all of them at once.
    async fn list(&self) -> Result<HealthListResponse, Status> {
        let feeds = &self.feeds;
        let served: Vec<Served> = feeds.served().collect();
        let names: usize = served.iter().map(|&s| 1 + feeds.names(s).len()).sum();
        let listed = 1 + names + self.aliases.len();
        if listed > MOST_LISTED {
            return Err(Status::resource_exhausted(format!(
                "this health service answers {listed} service names, more than the {MOST_LISTED} \
                 that List gives: ask for each with Check"
            )));
        }
        let ran = Ran::of(feeds, served).await;
        let mut serving: HashMap<String, bool> = HashMap::with_capacity(listed);
        let mut alone: Vec<(Served, String)> = Vec::new();
        for (at, &served) in ran.served.iter().enumerate() {
            let Some(report) = &ran.reports[at] else {
                continue;
            };
            let service = feeds.service_name(served);
            for name in feeds.names(served) {
                match ran.passes(feeds, at, &name) {
                    Some(passes) => {
                        serving.insert(format!("{service}/{name}"), passes);
                    }
                    None => alone.push((served, name)),
                }
            }
            serving.insert(service, report.passed());
        }
        let runs = alone
            .iter()
            .map(|(served, name)| feeds.report(*served, Some(name)));
        for ((served, name), report) in alone.iter().zip(join_all(runs).await) {
            let passes = report.is_some_and(|report| report.passed());
            serving.insert(format!("{}/{name}", feeds.service_name(*served)), passes);
        }
        // A group passes when what it ran and the checks its probes ran for it all pass.
        for (&served, shared) in ran.served.iter().zip(&ran.shared) {
            let service = feeds.service_name(served);
            let shared_pass = shared
                .iter()
                .all(|(name, _)| serving.get(&format!("{service}/{name}")) == Some(&true));
            if let Some(passes) = serving.get_mut(&service) {
                *passes &= shared_pass;
            }
        }
        let live = serving.get("liveness").copied().unwrap_or(false);
        serving.insert(String::new(), live && !feeds.switches().is_draining());
        for (alias, asked) in &self.aliases {
            let name = match asked {
                Asked::Server => String::new(),
                Asked::Served(served) => feeds.service_name(*served),
                Asked::Check(served, check) => format!("{}/{check}", feeds.service_name(*served)),
            };
            let passes = serving.get(&name).copied().unwrap_or(false);
            serving.insert(alias.to_string(), passes);
        }
        let statuses = serving
            .into_iter()
            .map(|(name, passes)| {
                let status = if passes {
                    ServingStatus::Serving
                } else {
                    ServingStatus::NotServing
                };
                (name, answer(status))
            })
            .collect();
        Ok(HealthListResponse { statuses })
    }
}

/// One run of every probe and group for a `List`: a group's check that a probe runs too is run
/// in the probe only.
struct Ran {
    /// Every probe and group, probes first (`Feeds::served`'s order).
    served: Vec<Served>,
    /// The report of each; `None` for none (no such check).
    reports: Vec<Option<Report>>,
    /// The checks of each that a probe ran for it, with that probe.
    shared: Vec<Vec<(String, Probe)>>,
}

impl Ran {
    async fn of(feeds: &Feeds, served: Vec<Served>) -> Ran {
        let shared: Vec<Vec<(String, Probe)>> =
            served.iter().map(|&s| feeds.run_by_probes(s)).collect();
        let skipped: Vec<Vec<String>> = shared
            .iter()
            .map(|shared| shared.iter().map(|(name, _)| name.clone()).collect())
            .collect();
        let runs = served.iter().zip(&skipped);
        let runs = runs.map(|(&s, skipped)| feeds.report_without(s, None, skipped));
        let reports = join_all(runs).await;
        Ran {
            served,
            reports,
            shared,
        }
    }

    /// Whether the check `name` of the probe or group at `at` passed in this run: in its own
    /// report, in its probe's (a group's check a probe ran for it), or in a group's (a probe's
    /// check its report does not show: startup's once latched, readiness's while startup holds
    /// it back). `None` when no report of this run shows it.
    fn passes(&self, feeds: &Feeds, at: usize, name: &str) -> Option<bool> {
        let report_of = |served: Served| {
            let at = self.served.iter().position(|s| *s == served)?;
            self.reports[at].as_ref()
        };
        let shared = self.shared[at].iter().find(|(shared, _)| shared == name);
        if let Some((_, probe)) = shared {
            return this_run(report_of(Served::Probe(*probe))?, name);
        }
        let own = self.reports[at]
            .as_ref()
            .and_then(|report| this_run(report, name));
        let Served::Probe(probe) = self.served[at] else {
            return own;
        };
        own.or_else(|| {
            let mut groups = feeds.groups_running(probe, name).into_iter();
            groups.find_map(|group| this_run(report_of(group)?, name))
        })
    }
}

/// Whether the check `name` passed in `report`'s run, if that run ran it: not a report held
/// back by startup, nor startup's latched one.
fn this_run(report: &Report, name: &str) -> Option<bool> {
    let ran = !report.starting && matches!(report.checks, Checks::ThisProbe(_));
    let mut checks = report.checks.iter().filter(|_| ran);
    let check = checks.find(|check| *check.name == *name)?;
    Some(!check.fails_its_probe())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::{Check, Group, Health};

    /// A check in the group `deep` that counts its runs, and passes or fails.
    fn counted(name: &'static str, runs: &Arc<AtomicUsize>, passes: bool) -> Check {
        let runs = Arc::clone(runs);
        Check::new(name, move || {
            runs.fetch_add(1, Ordering::SeqCst);
            async move { if passes { Ok(()) } else { Err("down") } }
        })
        .group("deep")
    }

    /// A check in a probe and in a group runs once a `List` (as on the status page), and the group
    /// answers as that run says; a startup check in a group, once startup has passed, runs in the
    /// group only.
    #[tokio::test]
    async fn a_check_in_a_probe_and_a_group_runs_once_a_list() {
        let counts: [Arc<AtomicUsize>; 3] = Default::default();
        let [alive, db, migrations] = &counts;
        let health = Health::default()
            .only_checks(|_, _| false)
            .check(
                Probe::Liveness,
                counted("alive", alive, false).critical(false),
            )
            .check(Probe::Readiness, counted("db", db, false))
            .check(Probe::Startup, counted("migrations", migrations, true))
            .group(Group::new("deep").check(Check::new("search", || async {})));
        let service = health.grpc_service();
        // The first `List` passes startup; readiness runs its own checks after.
        service.health.list().await.unwrap();
        for count in &counts {
            count.store(0, Ordering::SeqCst);
        }
        let listed = service.health.list().await.unwrap().statuses;
        let runs = counts.each_ref().map(|count| count.load(Ordering::SeqCst));
        assert_eq!(runs, [1, 1, 1], "alive, db, migrations");
        let status = |name: &str| ServingStatus::try_from(listed[name].status).unwrap();
        assert_eq!(status("group/deep/db"), ServingStatus::NotServing);
        assert_eq!(status("group/deep"), ServingStatus::NotServing);
        assert_eq!(status("readiness/db"), ServingStatus::NotServing);
        // A warning (`critical(false)`) serves, in its probe and in the group.
        assert_eq!(status("group/deep/alive"), ServingStatus::Serving);
        assert_eq!(status("liveness"), ServingStatus::Serving);
        assert_eq!(status("group/deep/search"), ServingStatus::Serving);
        assert_eq!(status("startup/migrations"), ServingStatus::Serving);
        assert_eq!(status("group/deep/migrations"), ServingStatus::Serving);
    }
}
