//! Kubernetes fit: the probes a `Health` prints, and the findings of manifests against its checks
//! (one manifest per rule that breaks it alone), real manifests of well-known projects
//! (`tests/manifests/`, with their sources and licence), and hostile text.

use std::time::Duration;

use health_runtime::kubernetes::{Findings, Manifest, Served};
use health_runtime::{Check, Group, Health, Probe, checks, liveness};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// A service with a liveness check (the default 800 ms), a readiness check of 2 s and a startup
/// check of 2 s.
fn health() -> Health {
    Health::default()
        .only_checks(|_, _| false)
        .check(Probe::Liveness, Check::new("alive", || async {}))
        .check(
            Probe::Readiness,
            Check::new("db", || async {}).timeout(Duration::from_secs(2)),
        )
        .check(
            Probe::Startup,
            Check::new("migrations", || async {}).timeout(Duration::from_secs(2)),
        )
}

fn served() -> Served {
    Served::http(8080).port_name("http").grpc(50051)
}

/// A manifest that fits `health()` served as `served()`, beside a sidecar probed elsewhere.
const FITS: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  template:
    spec:
      terminationGracePeriodSeconds: 40
      containers:
        - name: proxy
          image: envoy
          livenessProbe:
            httpGet: {path: /server_info, port: 9901}
        - name: orders
          image: orders
          ports:
            - name: http
              containerPort: 8080
            - containerPort: 50051
          startupProbe:
            httpGet: {path: /startupz, port: http}
            periodSeconds: 5
            failureThreshold: 60
            timeoutSeconds: 3
          livenessProbe:
            httpGet: {path: /livez, port: http}
          readinessProbe:
            grpc: {port: 50051, service: readiness}
            timeoutSeconds: 3
";

const CONTAINER: &str = "spec.template.spec.containers[1]";

fn verify(manifest: &str) -> Findings {
    let health = health();
    health.kubernetes(served()).verify(manifest).unwrap()
}

/// `FITS` with one change, which must be there to make.
fn changed(from: &str, to: &str) -> String {
    assert!(FITS.contains(from), "{from:?} is not in the manifest");
    FITS.replacen(from, to, 1)
}

/// The one finding of `FITS` changed from `from` to `to`, which must be at `field`.
fn finding_of_change(from: &str, to: &str, field: &str) -> String {
    one_finding(&changed(from, to), field)
}

/// The one finding of `manifest`, which must be at `field` (after the container's path).
fn one_finding(manifest: &str, field: &str) -> String {
    let findings = verify(manifest);
    assert_eq!(findings.len(), 1, "{findings}");
    let finding = findings.iter().next().unwrap();
    assert_eq!(finding.document(), "Deployment/orders");
    assert_eq!(finding.field(), format!("{CONTAINER}.{field}"), "{finding}");
    finding.to_string()
}

#[test]
fn the_manifest_that_fits_has_no_finding_and_the_sidecar_none_either() {
    let findings = verify(FITS);
    assert!(findings.is_empty(), "{findings}");
    assert_eq!(findings.to_string(), "the manifest fits the checks");
    health().kubernetes(served()).assert_fits(FITS);
}

#[test]
fn a_liveness_probe_on_a_readiness_path_is_a_finding() {
    let said = finding_of_change(
        "path: /livez",
        "path: /readyz",
        "livenessProbe.httpGet.path",
    );
    assert!(
        said.contains("/readyz") && said.contains("restarts every pod"),
        "{said}"
    );
    assert!(
        said.contains("needs a liveness path (/healthz, /livez, or <path>/<check>)"),
        "{said}"
    );
    // One readiness check's own path is a readiness path too.
    finding_of_change(
        "path: /livez",
        "path: /ready/db",
        "livenessProbe.httpGet.path",
    );
    // A liveness check's own path is a liveness path.
    assert!(verify(&changed("path: /livez", "path: /healthz/alive")).is_empty());
}

#[test]
fn a_path_the_checks_are_not_served_on_is_a_finding() {
    let said = finding_of_change(
        "path: /livez",
        "path: /health",
        "livenessProbe.httpGet.path",
    );
    assert!(said.contains("/healthz, /livez"), "{said}");
}

#[test]
fn a_probe_on_a_group_is_a_finding_that_says_why() {
    let grouped = || {
        health()
            .group(Group::new("deep").check(Check::new("search", || async {})))
            .grpc_alias("orders.v1.Search", "group/deep")
    };
    let verify = |manifest: &str| grouped().kubernetes(served()).verify(manifest).unwrap();
    for (path, field) in [
        ("path: /health/group/deep", "livenessProbe.httpGet.path"),
        (
            "path: /health/group/deep/search",
            "livenessProbe.httpGet.path",
        ),
    ] {
        let findings = verify(&changed("path: /livez", path));
        assert_eq!(findings.len(), 1, "{findings}");
        let finding = findings.iter().next().unwrap();
        assert_eq!(finding.field(), format!("{CONTAINER}.{field}"));
        assert!(
            finding
                .to_string()
                .contains("answers the group `deep`, which feeds no probe"),
            "{finding}"
        );
    }
    for service in ["group/deep", "group/deep/search", "orders.v1.Search"] {
        let findings = verify(&changed(
            "service: readiness",
            &format!("service: {service}"),
        ));
        assert_eq!(findings.len(), 1, "{findings}");
        assert!(
            findings.to_string().contains("feeds no probe"),
            "{findings}"
        );
    }
}

#[test]
fn a_port_other_than_the_checks_or_named_by_no_port_is_a_finding() {
    let said = finding_of_change(
        "path: /livez, port: http",
        "path: /livez, port: 8081",
        "livenessProbe.httpGet.port",
    );
    assert!(said.contains("8081") && said.contains("8080"), "{said}");
    let said = finding_of_change(
        "path: /livez, port: http",
        "path: /livez, port: web",
        "livenessProbe.httpGet.port",
    );
    assert!(said.contains("no port `web`"), "{said}");
    // The number itself is as good as its name.
    assert!(
        verify(&changed(
            "path: /livez, port: http",
            "path: /livez, port: 8080"
        ))
        .is_empty()
    );
}

#[test]
fn https_against_a_plain_http_port_is_a_finding() {
    finding_of_change(
        "path: /livez, port: http}",
        "path: /livez, port: http, scheme: HTTPS}",
        "livenessProbe.httpGet.scheme",
    );
}

#[test]
fn a_grpc_probe_on_another_port_or_an_unknown_or_wrong_service_is_a_finding() {
    finding_of_change(
        "port: 50051, service: readiness",
        "port: 50052, service: readiness",
        "readinessProbe.grpc.port",
    );
    let said = finding_of_change(
        "service: readiness",
        "service: orders.v1.Orders",
        "readinessProbe.grpc.service",
    );
    assert!(said.contains("NOT_FOUND"), "{said}");
    finding_of_change(
        "service: readiness",
        "service: liveness",
        "readinessProbe.grpc.service",
    );
    // No service is the server as a whole, which answers as liveness.
    finding_of_change(
        "{port: 50051, service: readiness}",
        "{port: 50051}",
        "readinessProbe.grpc.service",
    );
    // One readiness check by name is readiness.
    assert!(verify(&changed("service: readiness", "service: readiness/db")).is_empty());
    // The app's own service name, given with `grpc_alias`, is what it answers as.
    let aliased = changed("service: readiness", "service: orders.v1.Orders");
    let readiness = health().grpc_alias("orders.v1.Orders", "readiness");
    let findings = readiness.kubernetes(served()).verify(&aliased).unwrap();
    assert!(findings.is_empty(), "{findings}");
    let liveness = health().grpc_alias("orders.v1.Orders", "liveness");
    let findings = liveness.kubernetes(served()).verify(&aliased).unwrap();
    assert_eq!(findings.len(), 1, "{findings}");
    assert!(
        findings
            .to_string()
            .contains("`orders.v1.Orders`; needs a readiness service"),
        "{findings}"
    );
    // A liveness probe naming readiness.
    let liveness = changed(
        "httpGet: {path: /livez, port: http}",
        "grpc: {port: 50051, service: readiness}",
    );
    one_finding(&liveness, "livenessProbe.grpc.service");
}

#[test]
fn a_timeout_the_kubelet_gives_up_before_is_a_finding() {
    let said = finding_of_change(
        "service: readiness}\n            timeoutSeconds: 3",
        "service: readiness}\n            timeoutSeconds: 2",
        "readinessProbe.timeoutSeconds",
    );
    assert!(
        said.contains("db, times out at 2 s") && said.contains("at least 3"),
        "{said}"
    );
    // Unset, it is Kubernetes' 1 s.
    let said = finding_of_change(
        "service: readiness}\n            timeoutSeconds: 3",
        "service: readiness}",
        "readinessProbe.timeoutSeconds",
    );
    assert!(said.contains("1 (the default)"), "{said}");
    // A one-check path is judged by that check alone: alive's 800 ms fits the default 1 s.
    assert!(verify(&changed("path: /livez", "path: /livez/alive")).is_empty());
}

#[test]
fn a_check_on_an_interval_waits_for_nothing_so_no_timeout_is_needed_for_it() {
    // A readiness check of 5 s on an interval answers from its last run at once: a 1 s probe
    // fits it, and the slowest check that does run on the probe (`db`, 2 s) is the one named.
    let on_interval = || {
        health().check(
            Probe::Readiness,
            Check::new("replica_lag", || async {})
                .timeout(Duration::from_secs(5))
                .interval(Duration::from_secs(10)),
        )
    };
    let findings = on_interval().kubernetes(served()).verify(FITS).unwrap();
    assert!(findings.is_empty(), "{findings}");
    let short = changed(
        "service: readiness}\n            timeoutSeconds: 3",
        "service: readiness}\n            timeoutSeconds: 2",
    );
    let findings = on_interval().kubernetes(served()).verify(&short).unwrap();
    assert_eq!(findings.len(), 1, "{findings}");
    let said = findings.to_string();
    assert!(
        said.contains("db, times out at 2 s") && !said.contains("replica_lag"),
        "{said}"
    );
    // The same check run on each probe is waited for.
    let waited = health().check(
        Probe::Readiness,
        Check::new("replica_lag", || async {}).timeout(Duration::from_secs(5)),
    );
    let findings = waited.kubernetes(served()).verify(FITS).unwrap();
    assert!(
        findings
            .to_string()
            .contains("replica_lag, times out at 5 s"),
        "{findings}"
    );
}

#[test]
fn a_probe_that_asks_another_host_is_one_finding_and_not_judged_further() {
    // Its path and timeout would be findings of their own were it judged.
    let said = finding_of_change(
        "httpGet: {path: /livez, port: http}",
        "httpGet: {host: 10.0.0.9, path: /nowhere, port: 9999}\n            timeoutSeconds: 0",
        "livenessProbe.httpGet.host",
    );
    assert!(
        said.contains("10.0.0.9") && said.contains("another host than the pod"),
        "{said}"
    );
    // An empty host is the pod's own address, as Kubernetes reads it.
    assert!(
        verify(&changed(
            "httpGet: {path: /livez, port: http}",
            "httpGet: {host: '', path: /livez, port: http}"
        ))
        .is_empty()
    );
}

#[test]
fn a_container_that_declares_no_port_is_the_service_s_by_the_port_it_probes() {
    // No `ports`, no container name given: the liveness probe on 8080 makes it the service's,
    // so its readiness probe on a path the checks do not serve is found.
    let manifest = "\
apiVersion: v1
kind: Pod
metadata:
  name: orders
spec:
  terminationGracePeriodSeconds: 40
  containers:
    - name: cache
      image: redis
      livenessProbe:
        httpGet: {path: /readyz, port: 6379}
    - name: orders
      image: orders
      livenessProbe:
        httpGet: {path: /livez, port: 8080}
      readinessProbe:
        httpGet: {path: /status, port: 8080}
";
    let findings = health()
        .kubernetes(Served::http(8080))
        .verify(manifest)
        .unwrap();
    assert_eq!(findings.len(), 1, "{findings}");
    let finding = findings.iter().next().unwrap();
    assert_eq!(finding.document(), "Pod/orders");
    assert_eq!(
        finding.field(),
        "spec.containers[1].readinessProbe.httpGet.path",
        "{finding}"
    );
    // Probed on a port the checks are not on, it is not the service's: nothing is judged.
    let elsewhere = manifest.replace("port: 8080", "port: 9090");
    let findings = health()
        .kubernetes(Served::http(8080))
        .verify(&elsewhere)
        .unwrap();
    assert_eq!(findings.len(), 1, "{findings}");
    assert!(
        findings.to_string().contains("a container on port 8080"),
        "{findings}"
    );
}

#[test]
fn a_success_threshold_other_than_1_on_liveness_or_startup_is_a_finding() {
    finding_of_change(
        "path: /livez, port: http}",
        "path: /livez, port: http}\n            successThreshold: 2",
        "livenessProbe.successThreshold",
    );
    finding_of_change(
        "failureThreshold: 60",
        "failureThreshold: 60\n            successThreshold: 3",
        "startupProbe.successThreshold",
    );
    // Readiness may ask for more than one.
    assert!(
        verify(&changed(
            "service: readiness}",
            "service: readiness}\n            successThreshold: 2"
        ))
        .is_empty()
    );
}

#[test]
fn a_startup_probe_shorter_than_its_slowest_check_is_a_finding() {
    let said = finding_of_change(
        "periodSeconds: 5\n            failureThreshold: 60",
        "periodSeconds: 1\n            failureThreshold: 1",
        "startupProbe.failureThreshold",
    );
    assert!(said.contains("migrations"), "{said}");
}

#[test]
fn a_grace_period_shorter_than_the_drain_and_the_stop_is_a_finding() {
    let findings = verify(&changed(
        "terminationGracePeriodSeconds: 40",
        "terminationGracePeriodSeconds: 30",
    ));
    assert_eq!(findings.len(), 1, "{findings}");
    let finding = findings.iter().next().unwrap();
    assert_eq!(
        finding.field(),
        "spec.template.spec.terminationGracePeriodSeconds"
    );
    assert_eq!(finding.needed(), "at least 36");
    // Unset, it is 30 s.
    assert_eq!(
        verify(&changed("      terminationGracePeriodSeconds: 40\n", "")).len(),
        1
    );
    // A preStop sleep counts against it.
    let sleeping = changed(
        "          image: orders\n",
        "          image: orders\n          lifecycle:\n            preStop:\n              sleep: {seconds: 10}\n",
    );
    let findings = verify(&sleeping);
    assert_eq!(findings.len(), 1, "{findings}");
    assert!(
        findings.to_string().contains("preStop sleep takes 10"),
        "{findings}"
    );
    let exec = sleeping.replace(
        "sleep: {seconds: 10}",
        "exec: {command: [sh, -c, sleep 10]}",
    );
    assert_eq!(verify(&exec).len(), 1);
    // Numbers at the ends of i64 neither panic nor wrap: a negative sleep is none.
    for (seconds, found) in [(i64::MIN, 0), (-5, 0), (i64::MAX, 1)] {
        let extreme = sleeping.replace("{seconds: 10}", &format!("{{seconds: {seconds}}}"));
        let findings = verify(&extreme);
        assert_eq!(findings.len(), found, "{seconds}: {findings}");
    }
    let long_grace = changed(
        "terminationGracePeriodSeconds: 40",
        &format!("terminationGracePeriodSeconds: {}", i64::MAX),
    );
    assert!(verify(&long_grace).is_empty());
    // Each pod is judged, also two of one name (two namespaces of one file).
    let twice = format!(
        "{FITS}---\n{}",
        FITS.replace(
            "terminationGracePeriodSeconds: 40",
            "terminationGracePeriodSeconds: 30"
        )
    );
    let findings = verify(&twice);
    assert_eq!(findings.len(), 1, "{findings}");
    assert_eq!(
        findings.iter().next().unwrap().document(),
        "Deployment/orders"
    );
    // The server's stop as the app set it.
    let quick = Served::http(8080)
        .port_name("http")
        .grpc(50051)
        .server_shutdown(Duration::from_secs(5));
    let health = health();
    assert!(
        health
            .kubernetes(quick)
            .verify(&changed(
                "terminationGracePeriodSeconds: 40",
                "terminationGracePeriodSeconds: 30"
            ))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn exec_and_tcp_probes_and_other_containers_get_no_finding() {
    assert!(
        verify(&changed(
            "httpGet: {path: /livez, port: http}",
            "exec: {command: [cat, /tmp/healthy]}"
        ))
        .is_empty()
    );
    assert!(
        verify(&changed(
            "httpGet: {path: /livez, port: http}",
            "tcpSocket: {port: 8080}"
        ))
        .is_empty()
    );
    // The sidecar's probe of a path the checks do not serve is its own business.
    assert!(verify(&FITS.replace("/server_info", "/readyz")).is_empty());
}

#[test]
fn no_container_of_the_service_is_said() {
    let health = health();
    let findings = health
        .kubernetes(served().container("payments"))
        .verify(FITS)
        .unwrap();
    assert_eq!(findings.len(), 1, "{findings}");
    assert!(
        findings
            .to_string()
            .contains("a container named `payments`"),
        "{findings}"
    );
    assert!(findings.to_string().contains("proxy, orders"), "{findings}");
}

/// The printed readiness probe leaves damping to the checks only when every one that can fail
/// it damps: one that does not would take the pod out of its Service at its first failure.
#[test]
fn the_printed_readiness_fails_at_once_only_when_every_check_damps() {
    let threshold = |health: Health| {
        let probes = health.kubernetes(Served::http(8080)).to_string();
        let readiness = probes.split("readinessProbe:").nth(1).unwrap().to_owned();
        let line = readiness
            .lines()
            .find(|line| line.contains("failureThreshold"));
        line.unwrap().trim().to_owned()
    };
    let damped = |name, failures| Check::new(name, || async {}).failures(failures);
    assert_eq!(threshold(health()), "failureThreshold: 3");
    let all_damped = Health::default()
        .only_checks(|_, _| false)
        .check(Probe::Readiness, damped("search", 5))
        .check(Probe::Readiness, damped("db", 3))
        // A warning fails no probe: its damping is no matter.
        .check(Probe::Readiness, damped("cache", 1).critical(false));
    assert_eq!(
        threshold(all_damped.clone()),
        "failureThreshold: 1  # every check it runs damps its flaps: db fails after 3 failing \
         runs, the fewest"
    );
    let one_undamped = all_damped
        .clone()
        .check(Probe::Readiness, damped("queue", 1));
    assert_eq!(threshold(one_undamped), "failureThreshold: 3");
    // On every probe's path, liveness's undamped check fails it too.
    let on_every_path = all_damped
        .check(Probe::Liveness, damped("alive", 1))
        .paths(Probe::Readiness, Vec::<&'static str>::new())
        .all_probes_paths(["/health"]);
    assert_eq!(threshold(on_every_path), "failureThreshold: 3");
}

/// A `Health` mounted under a prefix (an actix scope, an axum nest): the printed probes ask for
/// its paths under it, and they answer there on both servers; a manifest's paths are read under
/// it.
#[actix_web::test]
async fn under_a_path_prefix_the_printed_paths_answer_and_a_manifest_is_read_under_it() {
    let served = || Served::http(8080).path_prefix("ops");
    let printed = health().kubernetes(served()).to_string();
    let paths = health_tests::manifest::probe_paths(&printed);
    assert_eq!(
        paths,
        ["/ops/startupz", "/ops/healthz", "/ops/ready"],
        "{printed}"
    );
    let actix = health_tests::serve(|config| {
        config.service(actix_web::web::scope("/ops").service(health()));
    });
    let axum =
        health_tests::axum::serve_axum(|| axum::Router::new().nest("/ops", health().router()));
    for base in [actix, axum] {
        for path in &paths {
            let answer = health_tests::get(&format!("{base}{path}")).await;
            assert_eq!(answer.status, 200, "{base}{path}: {}", answer.body);
        }
    }
    let as_fits = || served().port_name("http").grpc(50051);
    let under = FITS.replace("path: /", "path: /ops/");
    let findings = health().kubernetes(as_fits()).verify(&under).unwrap();
    assert!(findings.is_empty(), "{findings}");
    // The root's paths are not the service's.
    let findings = health().kubernetes(as_fits()).verify(FITS).unwrap();
    let said = findings.to_string();
    assert!(
        said.contains("the checks are served under `/ops`, not on `/livez`"),
        "{said}"
    );
    // A path under the prefix that is not served is said so, as the kubelet asks for it.
    let nowhere = under.replace("path: /ops/livez", "path: ops/nowhere?x=1");
    let findings = health().kubernetes(as_fits()).verify(&nowhere).unwrap();
    let said = findings.to_string();
    assert!(
        said.contains("the checks are not served on `ops/nowhere?x=1`"),
        "{said}"
    );
    // A probe at the scope's root (`""`) is asked for at `/ops`, where actix answers it.
    let at_root = || health().paths(Probe::Liveness, [""]);
    let printed = at_root().kubernetes(served()).to_string();
    assert!(printed.contains("path: /ops\n"), "{printed}");
    let actix = health_tests::serve(move |config| {
        config.service(actix_web::web::scope("/ops").service(at_root()));
    });
    assert_eq!(health_tests::get(&format!("{actix}/ops")).await.status, 200);
}

/// A probe's timeout with nothing to wait for says why: no check, or checks on an interval.
#[test]
fn the_printed_timeout_says_why_when_no_check_is_waited_for() {
    let printed = |health: Health| health.kubernetes(Served::http(8080)).to_string();
    let none = printed(Health::default().only_checks(|_, _| false));
    assert!(
        none.contains("timeoutSeconds: 1  # no liveness check to wait for"),
        "{none}"
    );
    let ticking = Check::new("alive", || async {}).interval(Duration::from_secs(5));
    let on_interval = printed(
        Health::default()
            .only_checks(|_, _| false)
            .check(Probe::Liveness, ticking),
    );
    assert!(
        on_interval
            .contains("timeoutSeconds: 1  # no liveness check waits: they run on an interval"),
        "{on_interval}"
    );
}

#[test]
fn the_printed_probes_fit_the_checks() {
    let health = health();
    for served in [
        Served::http(8080).port_name("http"),
        Served::http(8080),
        Served::http(8080).path_prefix("/ops/"),
        Served::grpc_only(50051),
        served(),
    ] {
        let probes = health.kubernetes(served.clone()).to_string();
        assert!(
            probes
                .contains("timeoutSeconds: 3  # the slowest readiness check, db, times out at 2 s"),
            "{probes}"
        );
        assert!(
            probes.contains("terminationGracePeriodSeconds: 36"),
            "{probes}"
        );
        assert!(probes.contains("startupProbe:"), "{probes}");
        assert!(!probes.contains("successThreshold"), "{probes}");
        let manifest = deployment_of(&probes);
        let findings = health.kubernetes(served).verify(&manifest).unwrap();
        assert!(findings.is_empty(), "{findings}\n{manifest}");
    }
    // Other shapes print what verify accepts: liveness served only with every probe (no
    // liveness probe is printed there), startup served nowhere (readiness waits for its slower
    // checks), both at once.
    let slow_start = || {
        Health::default()
            .only_checks(|_, _| false)
            .check(Probe::Liveness, Check::new("alive", || async {}))
            .check(Probe::Readiness, Check::new("db", || async {}))
            .check(
                Probe::Startup,
                Check::new("migrations", || async {}).timeout(Duration::from_secs(4)),
            )
    };
    for health in [
        slow_start()
            .paths(Probe::Liveness, Vec::<&'static str>::new())
            .all_probes_paths(["/health"]),
        slow_start().paths(Probe::Startup, Vec::<&'static str>::new()),
        Health::microprofile()
            .only_checks(|_, _| false)
            .check(Probe::Liveness, Check::new("alive", || async {})),
    ] {
        let served = Served::http(8080).container("orders");
        let probes = health.kubernetes(served.clone()).to_string();
        let manifest = deployment_of(&probes);
        let findings = health.kubernetes(served).verify(&manifest).unwrap();
        assert!(findings.is_empty(), "{findings}\n{manifest}");
    }
    let unserved_startup = slow_start().paths(Probe::Startup, Vec::<&'static str>::new());
    let probes = unserved_startup.kubernetes(Served::http(8080)).to_string();
    assert!(
        probes
            .contains("timeoutSeconds: 5  # the slowest check it waits for, migrations (startup)"),
        "{probes}"
    );
    // Liveness served only with every probe: no liveness probe, and the print says why.
    let probes = slow_start()
        .paths(Probe::Liveness, Vec::<&'static str>::new())
        .all_probes_paths(["/health"])
        .kubernetes(Served::http(8080))
        .to_string();
    assert!(
        probes.contains(
            "# no livenessProbe: liveness is served only with every probe (/health), which runs \
             readiness's checks too"
        ),
        "{probes}"
    );
    // No startup checks, no startup probe.
    let without = Health::default()
        .only_checks(|_, _| false)
        .check(Probe::Liveness, Check::new("alive", || async {}));
    assert!(
        !without
            .kubernetes(served())
            .to_string()
            .contains("startupProbe")
    );
}

/// A Deployment `orders` whose pod template is what `Health::kubernetes` printed.
fn deployment_of(printed: &str) -> String {
    let indented: String = printed
        .lines()
        .map(|line| format!("      {line}\n"))
        .collect();
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n  template:\n    spec:\n{indented}"
    )
}

/// The number of a container's port named `name`.
fn named_port(container: &k8s_openapi::api::core::v1::Container, name: &str) -> i32 {
    let ports = container.ports.iter().flatten();
    ports
        .filter(|port| port.name.as_deref() == Some(name))
        .map(|port| port.container_port)
        .next()
        .unwrap()
}

/// Each real manifest, with the containers PyYAML found in it and their probes by handler:
/// `tests/manifests/counts.json` (how it was counted: `tests/manifests/SOURCES.md`).
fn real_manifests(dir: &str) -> Vec<(String, usize, [usize; 4])> {
    let counts = std::fs::read_to_string(format!("{dir}/counts.json")).unwrap();
    let counts: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&counts).unwrap();
    let number = |value: &serde_json::Value| usize::try_from(value.as_u64().unwrap()).unwrap();
    counts
        .iter()
        .map(|(file, count)| {
            let probes = &count["probes"];
            let kinds = ["httpGet", "grpc", "exec", "tcpSocket"].map(|kind| number(&probes[kind]));
            (file.clone(), number(&count["containers"]), kinds)
        })
        .collect()
}

#[test]
fn real_manifests_are_read_with_every_probe_and_judged_against_other_paths() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/manifests");
    let real = real_manifests(dir);
    // Every manifest stored is counted, and judged.
    let mut stored: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| {
            name != "counts.json" && (name.ends_with(".yaml") || name.ends_with(".json"))
        })
        .collect();
    stored.sort();
    let mut counted: Vec<&String> = real.iter().map(|(file, ..)| file).collect();
    counted.sort();
    assert_eq!(counted, stored.iter().collect::<Vec<_>>());
    let health = health();
    for (file, containers, kinds) in &real {
        let text = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
        let manifest = Manifest::parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let found: Vec<_> = manifest.containers().collect();
        assert_eq!(found.len(), *containers, "{file}");
        let mut counted = [0; 4];
        for container in &found {
            let c = container.container();
            for probe in [&c.liveness_probe, &c.readiness_probe, &c.startup_probe]
                .into_iter()
                .flatten()
            {
                let kind = [
                    probe.http_get.is_some(),
                    probe.grpc.is_some(),
                    probe.exec.is_some(),
                    probe.tcp_socket.is_some(),
                ];
                counted[kind.iter().position(|k| *k).unwrap()] += 1;
            }
            // Judged as this service's container, served on each probe's own port (so that the
            // port fits), every probe the checks would answer is a finding at its path or
            // service, which the finding names, unless the checks serve it for that kind.
            for (field, kind, probe) in [
                ("livenessProbe", Probe::Liveness, &c.liveness_probe),
                ("readinessProbe", Probe::Readiness, &c.readiness_probe),
                ("startupProbe", Probe::Startup, &c.startup_probe),
            ] {
                let Some(probe) = probe else { continue };
                let at = format!("{}.{field}", container.field());
                let of_probe = |served: Served| {
                    let findings = health.kubernetes(served).verify_manifest(&manifest);
                    let mine = |f: &&health_runtime::kubernetes::Finding| {
                        f.document() == container.document() && f.field().starts_with(&at)
                    };
                    findings.iter().filter(mine).cloned().collect::<Vec<_>>()
                };
                if let Some(get) = &probe.http_get {
                    let path = get.path.as_deref().unwrap_or("/");
                    let port = match &get.port {
                        IntOrString::Int(port) => *port,
                        IntOrString::String(name) => named_port(c, name),
                    };
                    let scheme = get.scheme.as_deref() == Some("HTTPS");
                    let served =
                        Served::http(u16::try_from(port).unwrap()).container(c.name.clone());
                    let served = if scheme { served.https() } else { served };
                    let found = of_probe(served);
                    let ours = ["/healthz", "/livez", "/ready", "/readyz", "/startupz"];
                    // A query string is no part of the path (`/healthz?full=true`).
                    let bare = path.split('?').next().unwrap();
                    if get.host.is_some() {
                        assert_eq!(found[0].field(), format!("{at}.httpGet.host"), "{file}");
                    } else if ours.contains(&bare) {
                        // A path of ours: judged by its kind alone.
                        let fits = matches!(
                            (kind, bare),
                            (Probe::Liveness, "/healthz" | "/livez")
                                | (Probe::Readiness, "/ready" | "/readyz")
                                | (Probe::Startup, "/startupz")
                        );
                        assert_eq!(
                            found.iter().any(|f| f.field().ends_with(".httpGet.path")),
                            !fits,
                            "{file}: {at} {path}: {found:?}"
                        );
                    } else {
                        assert!(
                            found
                                .iter()
                                .any(|f| f.field() == format!("{at}.httpGet.path")
                                    && f.written() == path),
                            "{file}: {at} ({path}) has no finding at its path: {found:?}"
                        );
                    }
                }
                if let Some(grpc) = &probe.grpc {
                    let served = Served::grpc_only(u16::try_from(grpc.port).unwrap())
                        .container(c.name.clone());
                    let found = of_probe(served);
                    let service = grpc.service.as_deref().unwrap_or_default();
                    // No service is the server as a whole, answered as liveness.
                    let fits = kind == Probe::Liveness && ["", "liveness"].contains(&service)
                        || service == kind.as_str();
                    let at_service = found.iter().any(|f| {
                        f.field() == format!("{at}.grpc.service") && f.written().contains(service)
                    });
                    assert_eq!(
                        at_service, !fits,
                        "{file}: {at} (service {service:?}): {found:?}"
                    );
                }
                if probe.exec.is_some() || probe.tcp_socket.is_some() {
                    let served = Served::http(18080).container(c.name.clone());
                    assert!(of_probe(served).is_empty(), "{file}: {at}");
                }
            }
        }
        assert_eq!(counted, *kinds, "{file}: httpGet, grpc, exec, tcpSocket");
    }
}

#[test]
fn hostile_text_gets_an_error_that_says_where() {
    let error = |text: &str| Manifest::parse(text).unwrap_err().to_string();
    // An alias bomb: ten levels of ten aliases each.
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let said = error(&bomb);
    assert!(said.contains("line"), "{said}");
    // 2000 levels of nesting, in YAML and in JSON.
    let said = error(&format!(
        "kind: Pod\napiVersion: v1\nspec: {}{}",
        "[".repeat(2000),
        "]".repeat(2000)
    ));
    assert!(said.contains("line 3"), "{said}");
    let said = error(&format!("{}{}", "{\"a\":".repeat(2000), "}".repeat(2000)));
    assert!(
        said.contains("recursion limit") && said.contains("line 1"),
        "{said}"
    );
    // 50 MB.
    let said = error(&"# padding\n".repeat(5 << 20));
    assert!(said.contains("at most 8 MiB"), "{said}");
    // Not Kubernetes.
    let said = error("apiVersion: v1\nkind: Service\n---\nhello: world\n");
    assert!(
        said.contains("document 2 is not a Kubernetes object"),
        "{said}"
    );
    assert!(
        error("- just\n- a list\n").contains("document 1 is not a Kubernetes object: it is a list")
    );
    assert!(error("kind: [unclosed\n").contains("line"));
    // A long key and a long name over many pods: each pod's path and document are short, and
    // reading it costs a walk (a path copied at each key made this terabytes).
    let long = "k".repeat(1 << 20);
    let pods = vec![r#"{"containers":[{"name":"app"}]}"#; 20_000].join(",");
    let manifest = Manifest::parse(&format!(
        r#"{{"apiVersion":"apps/v1","kind":"Deployment","metadata":{{"name":"{long}"}},"spec":{{"{long}":[{pods}]}}}}"#
    ))
    .expect("read");
    assert_eq!(manifest.containers().count(), 20_000);
    let last = manifest.containers().last().unwrap();
    assert!(
        last.document().len() < 300,
        "{} bytes",
        last.document().len()
    );
    assert!(last.field().len() < 120, "{}", last.field());
    assert!(
        last.field()
            .ends_with("(cut: 1048576 bytes in all)[19999].containers[0]"),
        "{}",
        last.field()
    );
    // Flow-style YAML is YAML, though it opens as JSON does.
    let flow = "{apiVersion: v1, kind: Pod, metadata: {name: web}, spec: {containers: [{name: app, image: app}]}}";
    let manifest = Manifest::parse(flow).expect("flow-style YAML");
    let container = manifest.containers().next().expect("its container");
    assert_eq!(container.document(), "Pod/web");
    assert_eq!(container.field(), "spec.containers[0]");
}

#[test]
fn a_custom_resource_s_pod_template_and_a_list_s_items_are_judged() {
    let rollout = FITS
        .replace(
            "apiVersion: apps/v1\nkind: Deployment",
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout",
        )
        .replace("path: /livez", "path: /readyz");
    let findings = health().kubernetes(served()).verify(&rollout).unwrap();
    assert_eq!(findings.len(), 1, "{findings}");
    let finding = findings.iter().next().unwrap();
    assert_eq!(finding.document(), "Rollout/orders");
    assert_eq!(
        finding.field(),
        format!("{CONTAINER}.livenessProbe.httpGet.path")
    );

    let indented: String = rollout
        .lines()
        .map(|line| format!("    {line}\n"))
        .collect();
    let list = format!("apiVersion: v1\nkind: List\nitems:\n  -\n{indented}");
    let findings = health().kubernetes(served()).verify(&list).unwrap();
    assert_eq!(findings.len(), 1, "{findings}");
    let finding = findings.iter().next().unwrap();
    assert_eq!(
        finding.field(),
        format!("items[0].{CONTAINER}.livenessProbe.httpGet.path")
    );
}

/// A liveness check whose body names a ready-made dependency check: the attribute reads it.
#[liveness]
async fn pinging_db() -> std::io::Result<()> {
    checks::tcp::connect("127.0.0.1:1").await
}

/// The same, meant: restarting the pod when the dependency is down is what it is for.
#[liveness(restart_on_dependency = true)]
async fn own_sidecar() -> std::io::Result<()> {
    health_runtime::checks::tcp::connect("127.0.0.1:1").await
}

#[test]
fn a_liveness_probe_running_a_declared_dependency_check_is_a_finding_unless_meant() {
    let only =
        |name: &'static str| Health::default().only_checks(move |_, check| check.name() == name);
    let health = only("pinging_db");
    let printed = health.kubernetes(served()).to_string();
    assert!(
        printed.contains("# pinging_db calls checks::tcp: one outage of it restarts every pod"),
        "{printed}"
    );
    let findings = health.kubernetes(served()).verify(FITS).unwrap();
    assert_eq!(findings.len(), 1, "{findings}");
    let finding = findings.iter().next().unwrap();
    assert_eq!(
        finding.field(),
        format!("{CONTAINER}.livenessProbe.httpGet.path")
    );
    assert!(
        finding
            .why()
            .contains("`pinging_db`, which calls checks::tcp"),
        "{finding}"
    );
    let health = only("own_sidecar");
    assert!(
        !health
            .kubernetes(served())
            .to_string()
            .contains("calls checks::tcp")
    );
    let findings = health.kubernetes(served()).verify(FITS).unwrap();
    assert!(findings.is_empty(), "{findings}");
}

#[actix_web::test]
async fn a_liveness_check_seen_calling_a_dependency_is_warned_once_and_found() {
    let log = health_tests::log::captured();
    let upstream = || async { checks::tcp::connect("127.0.0.1:1").await };
    let health = Health::default()
        .only_checks(|_, _| false)
        .check(Probe::Liveness, Check::new("upstream", upstream))
        .check(
            Probe::Liveness,
            Check::new("meant", upstream).restart_on_dependency(),
        )
        .check(Probe::Readiness, Check::new("db_ping", upstream));
    // Built by hand, no attribute has read its body: the runtime learns it at the first run.
    assert!(health.kubernetes(served()).verify(FITS).unwrap().is_empty());
    let app = actix_web::test::init_service(actix_web::App::new().service(health.clone())).await;
    for path in ["/livez", "/livez", "/readyz", "/readyz"] {
        let request = actix_web::test::TestRequest::get().uri(path).to_request();
        assert_eq!(
            actix_web::test::call_service(&app, request).await.status(),
            503
        );
    }
    let warnings: Vec<String> = log
        .lines()
        .into_iter()
        .filter(|line| line.contains("calls checks::tcp"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("WARN liveness check `upstream` calls checks::tcp"),
        "{warnings:?}"
    );
    assert!(warnings[0].contains("restarts them all"), "{warnings:?}");
    let findings = health.kubernetes(served()).verify(FITS).unwrap();
    assert_eq!(findings.len(), 1, "{findings}");
    assert!(
        findings
            .to_string()
            .contains("`upstream`, which calls checks::tcp"),
        "{findings}"
    );
}

#[test]
fn a_grpc_probe_naming_its_port_is_not_judged_and_says_why() {
    // The API has no named gRPC ports: the pod spec cannot be read, and that is said.
    let named = changed(
        "port: 50051, service: readiness",
        "port: grpc, service: readiness",
    );
    let findings = verify(&named);
    assert_eq!(findings.len(), 2, "{findings}");
    let unread = findings.iter().next().unwrap();
    assert_eq!(unread.field(), "spec.template.spec");
    assert!(
        unread.why().starts_with("not judged") && unread.why().contains("expected i32"),
        "{unread}"
    );
    // And so no container of the service was found in it.
    assert_eq!(findings.iter().nth(1).unwrap().field(), "containers");
}

#[test]
fn a_chart_s_whole_output_is_read() {
    // 50 copies of argo-cd's HA install: 7.4 MB, 3,050 documents, 500 containers.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/manifests");
    let one = std::fs::read_to_string(format!("{dir}/argo-cd-ha-namespace-install.yaml")).unwrap();
    let text = vec![one.as_str(); 50].join("\n---\n");
    let manifest = Manifest::parse(&text).unwrap();
    assert_eq!(manifest.containers().count(), 50 * 10);
}

#[test]
fn paths_are_judged_as_the_servers_mount_them() {
    // MicroProfile's preset: each probe's own path, and every probe's checks on `/health`.
    let health = Health::microprofile()
        .only_checks(|_, _| false)
        .check(Probe::Liveness, Check::new("alive", || async {}))
        .check(Probe::Readiness, Check::new("db", || async {}));
    let on = |path: &str| {
        let manifest = changed("path: /livez", &format!("path: {path}"))
            .replace("/startupz", "/health/started");
        health.kubernetes(served()).verify(&manifest).unwrap()
    };
    assert!(on("/health/live").is_empty(), "{}", on("/health/live"));
    // The kubelet asks for a path without its leading `/` with one.
    assert!(on("health/live").is_empty());
    // `/health` runs readiness's checks too: no place for liveness.
    let findings = on("/health");
    assert_eq!(findings.len(), 1, "{findings}");
    assert_eq!(
        findings.iter().next().unwrap().field(),
        format!("{CONTAINER}.livenessProbe.httpGet.path")
    );
    // A path the servers do not mount, though it starts like one.
    assert_eq!(on("/health/live/").len(), 1);
    assert_eq!(on("/healthz").len(), 1, "the preset serves no /healthz");
}

#[test]
fn what_a_manifest_holds_is_shown_redacted() {
    // A probe's path carrying a token.
    let findings = verify(&changed(
        "path: /livez",
        "path: /nowhere?access_token=s3cr3tvalue",
    ));
    assert_eq!(findings.len(), 1, "{findings}");
    assert!(!findings.to_string().contains("s3cr3tvalue"), "{findings}");
    // A parse error next to a credential, in YAML and JSON.
    for text in [
        "apiVersion: v1\nkind: Pod\nspec: {password: s3cr3tvalue\n",
        "{\"password\": \"s3cr3tvalue\" \"kind\": 1}",
    ] {
        let said = Manifest::parse(text).unwrap_err().to_string();
        assert!(!said.contains("s3cr3tvalue"), "{said}");
    }
    // A pod spec that cannot be read, for a value next to a credential.
    let unread = changed("periodSeconds: 5", "periodSeconds: \"Bearer s3cr3tvalue\"");
    let findings = verify(&unread);
    assert!(findings.to_string().contains("not judged"), "{findings}");
    assert!(!findings.to_string().contains("s3cr3tvalue"), "{findings}");
}
