//! What the checks need of a manifest, the numbers the YAML writes and the findings compare with:
//! which checks a path or gRPC name runs, the slowest of their timeouts, the grace period.
// What a path or name runs is read by the findings alone (feature `kubernetes`).
#![cfg_attr(not(feature = "kubernetes"), allow(dead_code))]

use std::time::Duration;

use super::Probes;
use crate::check::{Check, Schedule};
use crate::extensions::GrpcAliases;
use crate::lifecycle::SETTLE;
use crate::paths::{self, Mounted, Service};
use crate::probe::Probe;

/// What a path or a gRPC service name runs.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target<'h> {
    /// Every check of a probe.
    Probe(Probe),
    /// One check of a probe (`/readyz/db`, `readiness/db`).
    Check(Probe, &'h Check),
    /// Every probe's checks together (`Health::all_probes_paths`, MicroProfile's `/health`).
    Every,
}

/// The check whose timeout bounds a probe's answer.
#[derive(Debug, Clone, Copy)]
pub(super) struct Slowest<'h> {
    pub(super) timeout: Duration,
    pub(super) check: &'h str,
    pub(super) probe: Probe,
}

impl<'h> Probes<'h> {
    /// What an HTTP `path` runs, if the `Health` serves it: looked up in the paths the servers
    /// mount (`paths::mounts`).
    pub(super) fn target(&self, path: &str) -> Option<Target<'h>> {
        match self.mounted(path)? {
            Mounted::Probe(probe) => Some(Target::Probe(probe)),
            Mounted::Check(probe, name) => {
                self.check(probe, &name).map(|c| Target::Check(probe, c))
            }
            Mounted::AllProbes => Some(Target::Every),
            // A group feeds no probe: a probe on its path is no probe of ours.
            Mounted::Group(_) | Mounted::GroupCheck(..) | Mounted::UnknownGroup => None,
            Mounted::StatusPage | Mounted::PageFile(_) => None,
        }
    }

    /// The group whose checks an HTTP `path` answers, if one's.
    pub(super) fn group_at(&self, path: &str) -> Option<String> {
        let (Mounted::Group(index) | Mounted::GroupCheck(index, _)) = self.mounted(path)? else {
            return None;
        };
        let group = self.health.served_groups().into_iter().nth(index)?;
        Some(group.name.into_owned())
    }

    /// What the servers mount at a manifest's `path`, under the `Served::path_prefix`.
    fn mounted(&self, path: &str) -> Option<Mounted> {
        let asked = asked(path);
        let path = self.served.unprefixed(&asked)?;
        paths::mounts(self.health)
            .into_iter()
            .find(|(mounted, _)| *mounted == path)
            .map(|(_, mounted)| mounted)
    }

    /// The group a gRPC service name answers (`group/deep`, `group/deep/search`, or a name
    /// given with `Health::grpc_alias` for one), if one's.
    pub(super) fn group_of_service(&self, service: &str) -> Option<String> {
        let Some(Service::Group(group, _)) = self.service(service) else {
            return None;
        };
        let groups = self.health.served_groups();
        groups
            .into_iter()
            .find(|served| served.name == group)
            .map(|g| g.name.into_owned())
    }

    /// What a gRPC service name runs: `liveness`, `readiness/db`, a name given with
    /// `Health::grpc_alias`; `""` answers as liveness.
    pub(super) fn grpc_target(&self, service: &str) -> Option<Target<'h>> {
        match self.service(service)? {
            Service::Server => Some(Target::Probe(Probe::Liveness)),
            Service::Probe(probe, None) => Some(Target::Probe(probe)),
            Service::Probe(probe, Some(name)) => {
                self.check(probe, name).map(|c| Target::Check(probe, c))
            }
            Service::Group(..) => None,
        }
    }

    /// A gRPC service name read, as what it answers when it is an alias.
    fn service<'s>(&'s self, service: &'s str) -> Option<Service<'s>> {
        let aliases = self.health.extensions.get::<GrpcAliases>();
        let alias = aliases.and_then(|a| a.0.iter().find(|(alias, _)| alias == service));
        paths::service(alias.map_or(service, |(_, answers)| answers.as_str()))
    }

    fn check(&self, probe: Probe, name: &str) -> Option<&'h Check> {
        self.health.checks[probe.index()]
            .iter()
            .find(|check| check.name() == name)
    }

    /// The checks `target` runs, with their probe; before startup has passed a readiness probe
    /// runs the startup checks too (`gated`: the manifest has no startup probe to wait for it).
    pub(super) fn checks(
        &self,
        target: Target<'h>,
        gated: bool,
    ) -> impl Iterator<Item = (Probe, &'h Check)> + 'h {
        let health = self.health;
        let probes: &[Probe] = match target {
            Target::Probe(Probe::Readiness) if gated => &[Probe::Readiness, Probe::Startup],
            Target::Probe(Probe::Liveness) => &[Probe::Liveness],
            Target::Probe(Probe::Readiness) => &[Probe::Readiness],
            Target::Probe(Probe::Startup) => &[Probe::Startup],
            Target::Check(..) => &[],
            Target::Every => &Probe::ALL,
        };
        let one = match target {
            Target::Check(probe, check) => Some((probe, check)),
            _ => None,
        };
        probes
            .iter()
            .flat_map(move |&probe| health.checks[probe.index()].iter().map(move |c| (probe, c)))
            .chain(one)
    }

    /// The check whose timeout is the longest a probe of `target` waits: checks on an
    /// `interval` answer from their last run at once, and wait for nothing.
    pub(super) fn slowest(&self, target: Target<'h>, gated: bool) -> Option<Slowest<'h>> {
        self.checks(target, gated)
            .filter(|(_, check)| !matches!(check.schedule, Schedule::Interval(_)))
            .map(|(probe, check)| Slowest {
                timeout: check.timeout.unwrap_or(self.health.default_timeout),
                check: check.name(),
                probe,
            })
            .max_by_key(|slowest| slowest.timeout)
    }

    /// When every check that can fail a probe of `target` (`gated`: as for `checks`) damps its
    /// flaps: the fewest failing runs in a row one of them absorbs before it fails, and its name.
    /// `None` when one of them does not damp (a single failed run fails the probe), or none can
    /// fail it.
    pub(super) fn damping(&self, target: Target<'h>, gated: bool) -> Option<(u32, &'h str)> {
        let critical = self
            .checks(target, gated)
            .filter(|(_, check)| check.critical);
        let (failures, check) = critical
            .map(|(_, check)| (check.damping.failures, check.name()))
            .min_by_key(|(failures, _)| *failures)?;
        (failures > 1).then_some((failures, check))
    }

    /// How long a pod takes to stop after SIGTERM: the drain delay, its wait for the requests in
    /// flight, then the server's own stop.
    pub(super) fn stop_time(&self) -> Duration {
        self.health.drain_delay + SETTLE + self.served.server_shutdown
    }

    /// The HTTP path a probe's block names, under the `Served::path_prefix`: its first, or, for
    /// readiness and startup, every probe's path (liveness there would run readiness's checks).
    pub(super) fn path(&self, probe: Probe) -> Option<String> {
        let health = self.health;
        let every = health
            .all_probes_paths
            .first()
            .filter(|_| probe != Probe::Liveness);
        let path = health.paths[probe.index()].first().or(every)?;
        Some(self.served.prefixed(path))
    }

    /// Whether the printed probes have a startup probe: with startup checks, served somewhere.
    pub(super) fn prints_startup(&self) -> bool {
        let served = &self.served;
        let http = served.http.is_some() && self.path(Probe::Startup).is_some();
        !self.health.checks[Probe::Startup.index()].is_empty() && (http || served.grpc.is_some())
    }
}

/// A manifest's `httpGet.path` as the kubelet asks for it: with a leading `/`, and without a
/// query string, which no mount reads.
pub(super) fn asked(path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    }
}

/// The least whole `timeoutSeconds` above `slowest`: the kubelet must wait longer than the
/// check, or it gives up first and logs no reason.
pub(super) fn timeout_seconds(slowest: Option<&Slowest<'_>>) -> u64 {
    slowest.map_or(1, |slowest| slowest.timeout.as_secs() + 1)
}

/// Whole seconds, rounded up: the manifest's unit.
pub(super) fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// A duration as a person writes it: `800 ms`, `2 s`, `1.5 s`.
pub(super) fn said(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{} ms", duration.as_millis())
    } else {
        format!("{} s", duration.as_secs_f64())
    }
}
