//! The probes as YAML for a pod template: `Display` of [`Probes`], each number with its reason.

use std::fmt::{self, Display, Formatter};

use super::Probes;
use super::needs::{Target, said, timeout_seconds, whole_seconds};
use crate::lifecycle::SETTLE;
use crate::probe::Probe;

/// How often the kubelet probes: its own default, which the checks' caches and intervals suit.
const PERIOD_SECONDS: u64 = 10;
/// A startup probe's period: short, so that readiness follows startup closely.
const STARTUP_PERIOD_SECONDS: u64 = 5;
/// How long a startup probe waits, at least, before the kubelet restarts the container.
const STARTUP_SECONDS: u64 = 300;

impl Display for Probes<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "# The probes of this service's checks (health-runtime {}, Health::kubernetes).",
            env!("CARGO_PKG_VERSION")
        )?;
        writeln!(f, "# Merge into the pod template's `spec:`.")?;
        let stop = self.stop_time();
        writeln!(
            f,
            "terminationGracePeriodSeconds: {}  # the drain delay, {}, its wait for requests in \
             flight, {}, and the server's stop, {}",
            whole_seconds(stop),
            said(self.health.drain_delay),
            said(SETTLE),
            said(self.served.server_shutdown),
        )?;
        writeln!(f, "containers:")?;
        match &self.served.container {
            Some(name) => writeln!(f, "  - name: {name}")?,
            None => writeln!(f, "  - name: app  # the service's container: its own name")?,
        }
        self.write_ports(f)?;
        for probe in [Probe::Startup, Probe::Liveness, Probe::Readiness] {
            self.write_probe(f, probe)?;
        }
        Ok(())
    }
}

impl Probes<'_> {
    fn write_ports(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let served = &self.served;
        if served.http.is_none() && served.grpc.is_none() {
            return Ok(());
        }
        writeln!(f, "    ports:")?;
        if let Some(port) = served.http {
            match &served.port_name {
                Some(name) => writeln!(f, "      - name: {name}\n        containerPort: {port}")?,
                None => writeln!(f, "      - containerPort: {port}")?,
            }
        }
        if let Some(port) = served.grpc {
            writeln!(f, "      - containerPort: {port}")?;
        }
        Ok(())
    }

    /// A comment on each liveness check that calls a dependency without meaning to.
    fn write_dependencies(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for check in &self.health.checks[Probe::Liveness.index()] {
            let meant = check.dependency.restart_on_dependency;
            if let Some(what) = check.calls().filter(|_| !meant) {
                writeln!(
                    f,
                    "      # {} calls {what}: one outage of it restarts every pod; make it a \
                     readiness check",
                    check.name()
                )?;
            }
        }
        Ok(())
    }

    fn write_probe(&self, f: &mut Formatter<'_>, probe: Probe) -> fmt::Result {
        let checks = &self.health.checks[probe.index()];
        // Without startup checks, readiness and liveness start at once: no probe to wait for.
        if probe == Probe::Startup && checks.is_empty() {
            return Ok(());
        }
        let field = match probe {
            Probe::Liveness => "livenessProbe",
            Probe::Readiness => "readinessProbe",
            Probe::Startup => "startupProbe",
        };
        let path = self.path(probe);
        let served = &self.served;
        // What the block runs, as `verify` reads it: the path's checks (every probe's on an
        // all-probes path), and, for readiness with no startup probe, the startup checks too.
        let target = match (served.http, &path) {
            (Some(_), Some(path)) => self.target(path),
            _ => None,
        };
        let target = target.unwrap_or(Target::Probe(probe));
        let gated = probe == Probe::Readiness && !self.prints_startup();
        match (served.http, &path, served.grpc) {
            (Some(port), Some(path), _) => {
                writeln!(f, "    {field}:\n      httpGet:\n        path: {path}")?;
                match &served.port_name {
                    Some(name) => writeln!(f, "        port: {name}")?,
                    None => writeln!(f, "        port: {port}")?,
                }
                if served.https {
                    writeln!(f, "        scheme: HTTPS")?;
                }
            }
            (_, _, Some(port)) => {
                writeln!(f, "    {field}:\n      grpc:\n        port: {port}")?;
                writeln!(f, "        service: {probe}")?;
            }
            _ if probe == Probe::Liveness && !self.health.all_probes_paths.is_empty() => {
                return writeln!(
                    f,
                    "    # no {field}: liveness is served only with every probe ({}), which runs \
                     readiness's checks too; give it a path of its own (`Health::paths`)",
                    self.health.all_probes_paths.join(", ")
                );
            }
            _ => {
                return writeln!(
                    f,
                    "    # no {field}: the {probe} probe is served on no path and no gRPC port"
                );
            }
        }
        let slowest = self.slowest(target, gated);
        let timeout = timeout_seconds(slowest.as_ref());
        match slowest {
            Some(slowest) if slowest.probe == probe => writeln!(
                f,
                "      timeoutSeconds: {timeout}  # the slowest {probe} check, {}, times out at {}",
                slowest.check,
                said(slowest.timeout)
            )?,
            Some(slowest) => writeln!(
                f,
                "      timeoutSeconds: {timeout}  # the slowest check it waits for, {} ({}), \
                 times out at {}",
                slowest.check,
                slowest.probe,
                said(slowest.timeout)
            )?,
            None if self.checks(target, gated).next().is_none() => writeln!(
                f,
                "      timeoutSeconds: {timeout}  # no {probe} check to wait for"
            )?,
            None => writeln!(
                f,
                "      timeoutSeconds: {timeout}  # no {probe} check waits: they run on an interval"
            )?,
        }
        if probe == Probe::Liveness {
            self.write_dependencies(f)?;
        }
        if probe == Probe::Startup {
            let slowest_secs = slowest.map_or(0, |s| whole_seconds(s.timeout));
            let budget = STARTUP_SECONDS.max(slowest_secs + STARTUP_PERIOD_SECONDS);
            return writeln!(
                f,
                "      periodSeconds: {STARTUP_PERIOD_SECONDS}\n      failureThreshold: {}  # \
                 {budget} s to start; raise it if starting takes longer",
                budget.div_ceil(STARTUP_PERIOD_SECONDS)
            );
        }
        writeln!(f, "      periodSeconds: {PERIOD_SECONDS}")?;
        // Readiness checks that all damp their flaps already wait for failing runs in a row (one
        // that does not, or another probe's on an all-probes path, would fail the pod at its
        // first failure); a liveness probe keeps the
        // kubelet's three, as a probe lost on the network is no failure.
        match self
            .damping(target, gated)
            .filter(|_| probe == Probe::Readiness)
        {
            Some((failures, check)) => writeln!(
                f,
                "      failureThreshold: 1  # every check it runs damps its flaps: {check} fails \
                 after {failures} failing runs, the fewest"
            ),
            None => writeln!(f, "      failureThreshold: 3"),
        }
    }
}
