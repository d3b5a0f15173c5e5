//! The rules a manifest's probes must keep to fit the checks, each one a finding when broken.
//! Exec and tcpSocket probes, init containers and containers that are not the service's get none.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Container, PodSpec, Probe as K8sProbe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::Probes;
use super::findings::{Finding, Findings};
use super::manifest::{Manifest, ManifestError, PodContainer};
use super::needs::{Target, asked, said, timeout_seconds, whole_seconds};
use crate::lifecycle::SETTLE;
use crate::probe::Probe;
use crate::redact;

/// What Kubernetes gives a field the manifest leaves out.
const DEFAULT_TIMEOUT_SECONDS: i32 = 1;
const DEFAULT_PERIOD_SECONDS: i32 = 10;
const DEFAULT_FAILURE_THRESHOLD: i32 = 3;
const DEFAULT_GRACE_SECONDS: i64 = 30;

impl Probes<'_> {
    /// The findings of a manifest's text: where its probes, ports and grace period do not fit
    /// the checks (see [`Manifest::parse`] for what is read).
    ///
    /// # Errors
    ///
    /// When the text cannot be read as a manifest: [`ManifestError`] says where.
    pub fn verify(&self, manifest: &str) -> Result<Findings, ManifestError> {
        Ok(self.verify_manifest(&Manifest::parse(manifest)?))
    }

    /// The findings of a manifest already read.
    pub fn verify_manifest(&self, manifest: &Manifest) -> Findings {
        let mut findings = Vec::new();
        for (pod, why) in manifest.unread() {
            findings.push(Finding {
                document: pod.document.clone(),
                field: pod.path.clone(),
                written: "a pod spec".into(),
                needed: "one that can be read".into(),
                why: format!("not judged: {why}"),
            });
        }
        let mine: Vec<PodContainer<'_>> = manifest
            .containers()
            .filter(|container| self.is_mine(container.container()))
            .collect();
        if mine.is_empty() {
            findings.push(self.no_container(manifest));
        }
        let mut pods_judged: Vec<&PodSpec> = Vec::new();
        for container in &mine {
            let mut rule = Rules {
                probes: self,
                container,
                findings: &mut findings,
            };
            rule.probes();
            // Each pod once, as itself: two objects of one name (two namespaces, a `List`)
            // have a pod each.
            let pod = container.pod();
            if !pods_judged.iter().any(|judged| std::ptr::eq(*judged, pod)) {
                pods_judged.push(pod);
                rule.grace_period();
            }
        }
        Findings(findings)
    }

    /// Panics listing every finding, or the reason the manifest cannot be read: the form for a
    /// test beside `main`, where the test binary links the service's checks.
    ///
    /// ```no_run
    /// # use health_runtime::{kubernetes::Served, Health};
    /// #[test]
    /// fn the_manifest_fits() {
    ///     Health::default()
    ///         .kubernetes(Served::http(8080).port_name("http"))
    ///         .assert_fits(include_str!("../deploy/orders.yaml"));
    /// }
    /// ```
    #[track_caller]
    pub fn assert_fits(&self, manifest: &str) {
        match self.verify(manifest) {
            Ok(findings) if findings.is_empty() => {}
            Ok(findings) => panic!("the manifest does not fit the checks: {findings}"),
            Err(error) => panic!("the manifest cannot be read: {error}"),
        }
    }

    /// Whether `container` is the service's: by name, or by the ports it declares or probes.
    fn is_mine(&self, container: &Container) -> bool {
        if let Some(name) = &self.served.container {
            return container.name == *name;
        }
        let served = [self.served.http, self.served.grpc];
        let serves = |port: i32| served.iter().flatten().any(|p| i32::from(*p) == port);
        let declared = container
            .ports
            .iter()
            .flatten()
            .any(|p| serves(p.container_port));
        let probed = probes_of(container).any(|(_, probe)| {
            let http = probe.http_get.as_ref().and_then(|get| match &get.port {
                IntOrString::Int(port) => Some(*port),
                IntOrString::String(name) => named_port(container, name),
            });
            let grpc = probe.grpc.as_ref().map(|grpc| grpc.port);
            http.into_iter().chain(grpc).any(serves)
        });
        declared || probed
    }

    fn no_container(&self, manifest: &Manifest) -> Finding {
        let names: Vec<&str> = manifest
            .containers()
            .map(|c| c.container().name.as_str())
            .collect();
        let needed = match (&self.served.container, self.served.http, self.served.grpc) {
            (Some(name), ..) => format!("a container named `{name}`"),
            (None, Some(http), Some(grpc)) => format!("a container on port {http} or {grpc}"),
            (None, Some(port), None) | (None, None, Some(port)) => {
                format!("a container on port {port}")
            }
            (None, None, None) => "a container named with `Served::container`".into(),
        };
        Finding {
            document: "the manifest".into(),
            field: "containers".into(),
            written: if names.is_empty() {
                "no container".into()
            } else {
                names.join(", ")
            },
            needed,
            why: "no container is the service's, so nothing was judged".into(),
        }
    }
}

/// A container's probes with their kind and field name.
fn probes_of(container: &Container) -> impl Iterator<Item = (Probe, &K8sProbe)> {
    [
        (Probe::Startup, container.startup_probe.as_ref()),
        (Probe::Liveness, container.liveness_probe.as_ref()),
        (Probe::Readiness, container.readiness_probe.as_ref()),
    ]
    .into_iter()
    .filter_map(|(kind, probe)| probe.map(|probe| (kind, probe)))
}

fn field_name(kind: Probe) -> &'static str {
    match kind {
        Probe::Liveness => "livenessProbe",
        Probe::Readiness => "readinessProbe",
        Probe::Startup => "startupProbe",
    }
}

fn named_port(container: &Container, name: &str) -> Option<i32> {
    container
        .ports
        .iter()
        .flatten()
        .find(|port| port.name.as_deref() == Some(name))
        .map(|port| port.container_port)
}

/// The rules, for one of the service's containers.
struct Rules<'a, 'h> {
    probes: &'a Probes<'h>,
    container: &'a PodContainer<'a>,
    findings: &'a mut Vec<Finding>,
}

impl<'h> Rules<'_, 'h> {
    fn find(&mut self, field: String, written: String, needed: String, why: String) {
        self.findings.push(Finding {
            document: self.container.document().to_owned(),
            field,
            // What the manifest wrote, and the reason that quotes it, are shown redacted: a
            // probe's path may carry a token.
            written: redact::secrets(&written).into_owned(),
            needed,
            why: redact::secrets(&why).into_owned(),
        });
    }

    fn probes(&mut self) {
        let container = self.container.container();
        for (kind, probe) in probes_of(container) {
            let field = format!("{}.{}", self.container.field(), field_name(kind));
            let target = if let Some(get) = &probe.http_get {
                self.http_get(kind, get, &field)
            } else if let Some(grpc) = &probe.grpc {
                self.grpc(kind, grpc, &field)
            } else {
                // exec and tcpSocket probes: what they run is not the checks'.
                continue;
            };
            if let Some(target) = target {
                self.timeout(kind, probe, target, &field);
            }
            self.thresholds(kind, probe, &field);
        }
    }

    /// The port and path of an `httpGet` probe; what it runs, when that is the checks'.
    fn http_get(
        &mut self,
        kind: Probe,
        get: &k8s_openapi::api::core::v1::HTTPGetAction,
        field: &str,
    ) -> Option<Target<'h>> {
        let served = &self.probes.served;
        if let Some(host) = get.host.as_deref().filter(|host| !host.is_empty()) {
            self.find(
                format!("{field}.httpGet.host"),
                host.to_owned(),
                "no host (the pod's own address)".into(),
                "not judged: the probe asks another host than the pod".into(),
            );
            return None;
        }
        let Some(http) = served.http else {
            let grpc = served
                .grpc
                .map_or(String::new(), |p| format!(" (gRPC on {p})"));
            self.find(
                format!("{field}.httpGet"),
                "an HTTP probe".into(),
                "a grpc probe".into(),
                format!("the checks are served on no HTTP port{grpc}"),
            );
            return None;
        };
        let port_field = format!("{field}.httpGet.port");
        let port = match &get.port {
            IntOrString::Int(port) => Some(*port),
            IntOrString::String(name) => {
                let port = named_port(self.container.container(), name);
                if port.is_none() {
                    self.find(
                        port_field.clone(),
                        name.clone(),
                        format!("a port the container declares ({http})"),
                        format!(
                            "the container's `ports` name no port `{name}`: the kubelet cannot \
                             probe it"
                        ),
                    );
                }
                port
            }
        };
        if let Some(port) = port.filter(|port| *port != i32::from(http)) {
            self.find(
                port_field,
                port.to_string(),
                http.to_string(),
                format!("the checks are served on {http}, not {port}"),
            );
        }
        let https = get.scheme.as_deref() == Some("HTTPS");
        if https != served.https {
            let (written, needed) = if https {
                ("HTTPS", "HTTP")
            } else {
                ("HTTP", "HTTPS")
            };
            self.find(
                format!("{field}.httpGet.scheme"),
                written.into(),
                needed.into(),
                format!("port {http} speaks {needed}: every probe would fail"),
            );
        }
        let path = get.path.as_deref().unwrap_or("/");
        let path_field = format!("{field}.httpGet.path");
        let Some(target) = self.probes.target(path) else {
            let prefix = served.path_prefix.as_deref();
            let why = match (self.probes.group_at(path), prefix) {
                (Some(group), _) => group_why(&format!("`{path}`"), &group),
                (None, Some(prefix)) if served.unprefixed(&asked(path)).is_none() => {
                    format!("the checks are served under `{prefix}`, not on `{path}`")
                }
                (None, _) => format!("the checks are not served on `{path}`"),
            };
            let needed = format!("a {kind} path ({})", self.paths(kind));
            self.find(path_field, path.to_owned(), needed, why);
            return None;
        };
        if !self.kind_fits(kind, target, path_field.clone(), path, "path") {
            return None;
        }
        self.no_dependency(kind, target, path_field, path);
        Some(target)
    }

    /// The port and service of a `grpc` probe; what it runs, when the service is known.
    fn grpc(
        &mut self,
        kind: Probe,
        grpc: &k8s_openapi::api::core::v1::GRPCAction,
        field: &str,
    ) -> Option<Target<'h>> {
        let Some(port) = self.probes.served.grpc else {
            self.find(
                format!("{field}.grpc"),
                "a gRPC probe".into(),
                "an httpGet probe".into(),
                "the checks are served on no gRPC port".into(),
            );
            return None;
        };
        if grpc.port != i32::from(port) {
            self.find(
                format!("{field}.grpc.port"),
                grpc.port.to_string(),
                port.to_string(),
                format!("the gRPC health service is on {port}, not {}", grpc.port),
            );
        }
        let service = grpc.service.as_deref().unwrap_or_default();
        let service_field = format!("{field}.grpc.service");
        let Some(target) = self.probes.grpc_target(service) else {
            let why = match self.probes.group_of_service(service) {
                Some(group) => group_why(&format!("the gRPC service `{service}`"), &group),
                None => format!("the gRPC health service answers NOT_FOUND to `{service}`"),
            };
            let needed = format!("`{kind}` or `{kind}/<check>`");
            self.find(service_field, format!("`{service}`"), needed, why);
            return None;
        };
        let shown = if service.is_empty() {
            "`` (the server as a whole, answered as liveness)".to_owned()
        } else {
            format!("`{service}`")
        };
        if !self.kind_fits(kind, target, service_field.clone(), &shown, "service") {
            return None;
        }
        self.no_dependency(kind, target, service_field, &shown);
        Some(target)
    }

    /// Whether a probe runs its own kind's checks: a liveness probe that runs readiness checks
    /// restarts every pod when a dependency fails. A probe that does not is one finding, and its
    /// timeout is not judged against checks it should not run.
    fn kind_fits(
        &mut self,
        kind: Probe,
        target: Target<'h>,
        field: String,
        written: &str,
        noun: &str,
    ) -> bool {
        let runs = match target {
            Target::Probe(probe) | Target::Check(probe, _) => probe,
            Target::Every if kind == Probe::Liveness => Probe::Readiness,
            Target::Every => return true,
        };
        if runs == kind {
            return true;
        }
        let why = match kind {
            Probe::Liveness => format!(
                "it runs {runs} checks: when one fails (a database down), the kubelet restarts \
                 every pod, and restarting mends nothing"
            ),
            Probe::Readiness => format!(
                "it runs {runs} checks, not readiness's: the pod stays in its Service while \
                 what it needs is down"
            ),
            Probe::Startup => format!(
                "it runs {runs} checks, not startup's: liveness and readiness begin before the \
                 service has started"
            ),
        };
        let needed = match noun {
            "path" => format!("a {kind} path ({})", self.paths(kind)),
            _ => format!("a {kind} {noun}"),
        };
        self.find(field, written.to_owned(), needed, why);
        false
    }

    /// A liveness probe runs no check that calls a dependency, unless it says it means to: one
    /// outage of the dependency would restart every pod.
    fn no_dependency(&mut self, kind: Probe, target: Target<'h>, field: String, written: &str) {
        if kind != Probe::Liveness {
            return;
        }
        let calling = self.probes.checks(target, false).find_map(|(_, check)| {
            let meant = check.dependency.restart_on_dependency;
            check
                .calls()
                .filter(|_| !meant)
                .map(|what| (check.name(), what))
        });
        if let Some((check, what)) = calling {
            self.find(
                field,
                written.to_owned(),
                "a liveness probe whose checks call no dependency".into(),
                format!(
                    "it runs `{check}`, which calls {what}: one outage of it fails every pod's \
                     liveness and the kubelet restarts them all, which mends nothing"
                ),
            );
        }
    }

    /// `timeoutSeconds` above the slowest timeout of the checks the probe runs.
    fn timeout(&mut self, kind: Probe, probe: &K8sProbe, target: Target<'h>, field: &str) {
        let container = self.container.container();
        // Before startup has passed, readiness also runs the startup checks; with a startup
        // probe, the kubelet probes readiness only once startup passed.
        let gated = kind == Probe::Readiness && container.startup_probe.is_none();
        let Some(slowest) = self.probes.slowest(target, gated) else {
            return;
        };
        let written = probe.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
        if Duration::from_secs(u64::try_from(written).unwrap_or(0)) > slowest.timeout {
            return;
        }
        let needed = timeout_seconds(Some(&slowest));
        self.find(
            format!("{field}.timeoutSeconds"),
            shown(probe.timeout_seconds, DEFAULT_TIMEOUT_SECONDS),
            format!("at least {needed}"),
            format!(
                "the slowest {} check, {}, times out at {}: the kubelet gives up first, and no \
                 log says why",
                slowest.probe,
                slowest.check,
                said(slowest.timeout)
            ),
        );
    }

    /// `successThreshold` 1 where the API allows no other; a startup probe that gives its
    /// slowest check the time to answer.
    fn thresholds(&mut self, kind: Probe, probe: &K8sProbe, field: &str) {
        if kind != Probe::Readiness {
            if let Some(threshold) = probe.success_threshold.filter(|t| *t != 1) {
                self.find(
                    format!("{field}.successThreshold"),
                    threshold.to_string(),
                    "1".into(),
                    format!("the API server rejects any other for a {kind} probe"),
                );
            }
        }
        if kind != Probe::Startup {
            return;
        }
        let Some(slowest) = self.probes.slowest(Target::Probe(Probe::Startup), false) else {
            return;
        };
        let failures = probe.failure_threshold.unwrap_or(DEFAULT_FAILURE_THRESHOLD);
        let period = probe.period_seconds.unwrap_or(DEFAULT_PERIOD_SECONDS);
        let window = u64::try_from(i64::from(failures) * i64::from(period)).unwrap_or(0);
        if Duration::from_secs(window) >= slowest.timeout {
            return;
        }
        self.find(
            format!("{field}.failureThreshold"),
            format!("{failures} (x periodSeconds {period}: {window} s)"),
            format!("at least {} s in all", whole_seconds(slowest.timeout)),
            format!(
                "the slowest startup check, {}, times out at {}: the kubelet restarts the \
                 container before it can pass",
                slowest.check,
                said(slowest.timeout)
            ),
        );
    }

    /// `terminationGracePeriodSeconds`, less a `preStop` sleep, covers the drain and the
    /// server's stop.
    fn grace_period(&mut self) {
        let pod = self.container.pod();
        let grace = pod
            .termination_grace_period_seconds
            .unwrap_or(DEFAULT_GRACE_SECONDS);
        let pre_stop = pre_stop_sleep(self.container.container());
        // Saturating: both are any i64 a manifest writes.
        let left = u64::try_from(grace.saturating_sub(pre_stop)).unwrap_or(0);
        let stop = self.probes.stop_time();
        if Duration::from_secs(left) >= stop {
            return;
        }
        let written = match (pod.termination_grace_period_seconds, pre_stop) {
            (None, 0) => format!("{grace} (the default)"),
            (Some(_), 0) => grace.to_string(),
            (_, sleep) => format!("{grace}, of which the preStop sleep takes {sleep}"),
        };
        let needed = whole_seconds(stop).saturating_add(u64::try_from(pre_stop).unwrap_or(0));
        self.find(
            format!(
                "{}.terminationGracePeriodSeconds",
                self.container.pod_field()
            ),
            written,
            format!("at least {needed}"),
            format!(
                "the drain serves on for {}, then waits up to {} for requests in flight, then \
                 the server takes up to {} to stop: SIGKILL would cut it short",
                said(self.probes.health.drain_delay),
                said(SETTLE),
                said(self.probes.served.server_shutdown)
            ),
        );
    }

    /// The probe's own paths, for a message.
    fn paths(&self, kind: Probe) -> String {
        let health = self.probes.health;
        let served = &self.probes.served;
        let paths: Vec<String> = health.paths[kind.index()]
            .iter()
            .map(|path| served.prefixed(path))
            .collect();
        if paths.is_empty() {
            "none is served".into()
        } else {
            format!("{}, or <path>/<check>", paths.join(", "))
        }
    }
}

/// A field's value as written, or Kubernetes' default.
fn shown(value: Option<i32>, default: i32) -> String {
    value.map_or(format!("{default} (the default)"), |value| {
        value.to_string()
    })
}

/// Seconds a container's `preStop` hook sleeps: `sleep: {seconds}`, or an exec of `sleep N`; 0
/// for none, or for a negative number.
fn pre_stop_sleep(container: &Container) -> i64 {
    pre_stop_written(container).max(0)
}

fn pre_stop_written(container: &Container) -> i64 {
    let Some(hook) = container
        .lifecycle
        .as_ref()
        .and_then(|l| l.pre_stop.as_ref())
    else {
        return 0;
    };
    if let Some(sleep) = &hook.sleep {
        return sleep.seconds;
    }
    let command = hook.exec.as_ref().and_then(|exec| exec.command.as_ref());
    command
        .into_iter()
        .flatten()
        .flat_map(|part| part.split_whitespace())
        .skip_while(|word| !word.ends_with("sleep"))
        .nth(1)
        .and_then(|seconds| seconds.trim_matches(|c| c == ';' || c == '"').parse().ok())
        .unwrap_or(0)
}

/// Why a probe must not run a group: it feeds no probe, so that its deep checks never restart
/// the pod nor take it out of its Service.
fn group_why(what: &str, group: &str) -> String {
    format!(
        "{what} answers the group `{group}`, which feeds no probe: its deep checks are for \
         operators, and a probe on it restarts or unreadies the pod when one of them fails"
    )
}
