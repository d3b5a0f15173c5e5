//! gRPC health, driven by clients this project did not write: tonic-health's generated client
//! and Python's `grpcio-health-checking` (in a virtualenv of its own). Check on every service
//! name, the caller's deadline, Watch across a change, an unknown service, and SIGTERM during open
//! watches, against the example service and against servers of checks built here. Every gRPC test
//! is in this one binary, so that tonic and prost are linked once.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use health_runtime::{Check, Group, GrpcHealthService, Health, Probe};
use health_tests::example::Example;
use health_tests::free_port;
use tonic::transport::Channel;
use tonic::{Code, Request};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

const EXAMPLE: &str = env!("CARGO_BIN_EXE_grpc-example");

/// The example on free ports; its maintenance file in `dir`.
struct Service {
    example: Example,
    grpc: String,
    maintenance: PathBuf,
    _dir: tempfile::TempDir,
}

async fn start_example() -> Service {
    let dir = tempfile::tempdir().unwrap();
    let grpc_port = free_port().to_string();
    let database = format!("sqlite://{}", dir.path().join("grpc.db").display());
    let maintenance = dir.path().join("maintenance");
    let example = Example::start(
        EXAMPLE,
        &[
            ("GRPC_PORT", &grpc_port),
            ("DATABASE_URL", &database),
            ("MAINTENANCE_FILE", maintenance.to_str().unwrap()),
            ("DRAIN_DELAY", "1"),
        ],
    )
    .await;
    Service {
        example,
        grpc: format!("127.0.0.1:{grpc_port}"),
        maintenance,
        _dir: dir,
    }
}

async fn client(address: &str) -> HealthClient<Channel> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match Channel::from_shared(format!("http://{address}"))
            .unwrap()
            .connect()
            .await
        {
            Ok(channel) => return HealthClient::new(channel),
            Err(error) if Instant::now() > deadline => panic!("connect to {address}: {error}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

fn asking(service: &str) -> HealthCheckRequest {
    HealthCheckRequest {
        service: service.to_owned(),
    }
}

/// `Check`'s answer for `service`, or the gRPC code it failed with.
async fn check(client: &mut HealthClient<Channel>, service: &str) -> Result<ServingStatus, Code> {
    match client.check(asking(service)).await {
        Ok(response) => Ok(status_of(&response.into_inner())),
        Err(status) => Err(status.code()),
    }
}

fn status_of(response: &HealthCheckResponse) -> ServingStatus {
    ServingStatus::try_from(response.status).expect("a known serving status")
}

/// A check named `name` that passes while its switch is on, and the switch (on).
fn switched(name: &'static str) -> (Check, Arc<AtomicBool>) {
    let on = Arc::new(AtomicBool::new(true));
    let flag = Arc::clone(&on);
    let check = Check::new(name, move || {
        let on = flag.load(Ordering::Relaxed);
        async move { on }
    });
    (check, on)
}

/// Serves `health` in this process on a free port; returns its address.
async fn serve(health: Health) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let service = health.grpc_service();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
    );
    address
}

const SERVING: Result<ServingStatus, Code> = Ok(ServingStatus::Serving);
const NOT_SERVING: Result<ServingStatus, Code> = Ok(ServingStatus::NotServing);

#[actix_web::test]
async fn check_answers_every_service_name_as_the_http_probes_do() {
    let service = start_example().await;
    let mut client = client(&service.grpc).await;
    for name in [
        "",
        "liveness",
        "readiness",
        "startup",
        "readiness/sqlite",
        "liveness/alive",
    ] {
        assert_eq!(check(&mut client, name).await, SERVING, "{name:?}");
    }
    for unknown in [
        "ready",
        "readiness/nope",
        "liveness/sqlite",
        "readiness/",
        "/sqlite",
    ] {
        assert_eq!(
            check(&mut client, unknown).await,
            Err(Code::NotFound),
            "{unknown:?}"
        );
    }

    // The maintenance flag fails readiness alone: a server with no service name stays serving,
    // as a database outage must never restart pods whose probes name no service.
    std::fs::write(&service.maintenance, "").unwrap();
    assert_eq!(check(&mut client, "readiness").await, NOT_SERVING);
    assert_eq!(
        check(&mut client, "readiness/maintenance").await,
        NOT_SERVING
    );
    assert_eq!(check(&mut client, "readiness/sqlite").await, SERVING);
    assert_eq!(check(&mut client, "liveness").await, SERVING);
    assert_eq!(check(&mut client, "").await, SERVING);
    let http = health_tests::get(&format!("{}/readyz", service.example.base)).await;
    assert_eq!(http.status, 503, "the same checks over HTTP");
    std::fs::remove_file(&service.maintenance).unwrap();
    assert_eq!(check(&mut client, "readiness").await, SERVING);
}

/// A check that hangs past the caller's deadline answers `NOT_SERVING` before it, rather than
/// the client's `DEADLINE_EXCEEDED`; without a deadline, at the check's own timeout.
#[actix_web::test]
async fn check_answers_within_the_callers_deadline() {
    let hung = Check::new("hung", std::future::pending::<()>).timeout(Duration::from_secs(3));
    let address = serve(Health::default().check(Probe::Readiness, hung)).await;
    let mut client = client(&address).await;

    let mut request = Request::new(asking("readiness"));
    request.set_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let answer = client.check(request).await.map(|r| status_of(r.get_ref()));
    let took = started.elapsed();
    assert_eq!(answer.map_err(|status| status.code()), NOT_SERVING);
    assert!(took < Duration::from_millis(300), "{took:?}");

    let started = Instant::now();
    assert_eq!(check(&mut client, "readiness/hung").await, NOT_SERVING);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(3) && took < Duration::from_secs(5),
        "{took:?}"
    );
}

#[actix_web::test]
async fn watch_sends_the_status_then_each_change_and_an_unknown_service_stays_open() {
    let (switch, accepting) = switched("switch");
    let address = serve(Health::default().check(Probe::Readiness, switch)).await;
    let mut client = client(&address).await;

    let mut readiness = client
        .watch(asking("readiness"))
        .await
        .unwrap()
        .into_inner();
    let first = readiness
        .message()
        .await
        .unwrap()
        .expect("the status at once");
    assert_eq!(status_of(&first), ServingStatus::Serving);
    accepting.store(false, Ordering::Relaxed);
    let changed_at = Instant::now();
    let next = tokio::time::timeout(Duration::from_secs(3), readiness.message()).await;
    let next = next
        .expect("a change within a second and the run")
        .unwrap()
        .unwrap();
    assert_eq!(status_of(&next), ServingStatus::NotServing);
    assert!(
        changed_at.elapsed() < Duration::from_millis(1500),
        "{:?}",
        changed_at.elapsed()
    );
    accepting.store(true, Ordering::Relaxed);
    let back = tokio::time::timeout(Duration::from_secs(3), readiness.message()).await;
    assert_eq!(
        status_of(&back.unwrap().unwrap().unwrap()),
        ServingStatus::Serving
    );

    let mut unknown = client.watch(asking("nothing")).await.unwrap().into_inner();
    let first = unknown.message().await.unwrap().expect("a first message");
    assert_eq!(status_of(&first), ServingStatus::ServiceUnknown);
    let more = tokio::time::timeout(Duration::from_millis(500), unknown.message()).await;
    assert!(more.is_err(), "the stream stays open and silent: {more:?}");
}

/// A group over gRPC: `group/<name>` answers as the group, its check's failure never reaches a
/// probe, `Watch` follows it, and an alias may name it.
#[actix_web::test]
async fn a_group_is_a_service_of_its_own_that_feeds_no_probe() {
    let (search, up) = switched("search");
    let health = Health::default()
        .check(
            Probe::Readiness,
            Check::new("db", || async {}).group("deep"),
        )
        .group(Group::new("deep").check(search))
        .grpc_alias("example.v1.Search", "group/deep/search");
    let address = serve(health).await;
    let mut client = client(&address).await;
    for name in [
        "group/deep",
        "group/deep/search",
        "group/deep/db",
        "example.v1.Search",
    ] {
        assert_eq!(check(&mut client, name).await, SERVING, "{name:?}");
    }
    for unknown in ["group/nope", "group/deep/nope", "group/", "group/deep/"] {
        assert_eq!(
            check(&mut client, unknown).await,
            Err(Code::NotFound),
            "{unknown:?}"
        );
    }
    let mut deep = client
        .watch(asking("group/deep"))
        .await
        .unwrap()
        .into_inner();
    let first = deep.message().await.unwrap().expect("the status at once");
    assert_eq!(status_of(&first), ServingStatus::Serving);

    up.store(false, Ordering::Relaxed);
    let next = tokio::time::timeout(Duration::from_secs(3), deep.message()).await;
    let next = next.expect("a change within a second").unwrap().unwrap();
    assert_eq!(status_of(&next), ServingStatus::NotServing);
    assert_eq!(check(&mut client, "group/deep").await, NOT_SERVING);
    assert_eq!(check(&mut client, "example.v1.Search").await, NOT_SERVING);
    for probe in ["", "liveness", "readiness", "startup", "readiness/db"] {
        assert_eq!(
            check(&mut client, probe).await,
            SERVING,
            "{probe:?} is fed by no group"
        );
    }
}

/// The app's own code reads the same statuses: `Health::subscribe`.
#[actix_web::test]
async fn subscribe_sends_the_status_and_each_change_to_the_apps_code() {
    let (queue, accepting) = switched("queue");
    let health = Health::default().check(Probe::Readiness, queue);
    let mut readiness = health.subscribe(Probe::Readiness).await;
    assert!(readiness.borrow_and_update().is_passing());
    accepting.store(false, Ordering::Relaxed);
    let changed = tokio::time::timeout(Duration::from_secs(3), readiness.changed()).await;
    changed
        .expect("a change within a second and the run")
        .unwrap();
    let status = readiness.borrow_and_update().clone();
    assert!(!status.is_passing());
    assert_eq!(status.failing(), ["queue"]);
    assert!(!status.is_shutting_down());
}

/// A check that passes at its first run and fails at every other, with `failures = 3`, and the
/// count of its runs.
fn passes_once_then_damped() -> (Check, Arc<AtomicUsize>) {
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    let flaky = Check::new("flaky", move || {
        let run = counted.fetch_add(1, Ordering::SeqCst);
        async move { run == 0 }
    })
    .failures(3);
    (flaky, runs)
}

/// However many subscribers and `Watch`es a probe has, one task runs it once a second: a check
/// that passed once and then fails, with `failures = 3`, is still held back after 2.5 s with
/// 1,000 subscribers and 100 watches (each of which ran the probe every second before).
#[actix_web::test]
async fn every_subscriber_and_watch_shares_one_run_a_second() {
    let (flaky, runs) = passes_once_then_damped();
    let health = Health::default().check(Probe::Readiness, flaky);
    let mut subscribers = Vec::new();
    for _ in 0..1000 {
        subscribers.push(health.subscribe(Probe::Readiness).await);
    }
    let address = serve(health.clone()).await;
    let mut client = client(&address).await;
    let _watches = serving_watches(&mut client, "readiness", 100).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let ran = runs.load(Ordering::SeqCst);
    assert!(ran <= 4, "{ran} runs in 2.5 s");
    for subscriber in &subscribers {
        assert!(subscriber.borrow().is_passing(), "damped, not failed");
    }
}

/// `count` open `Watch`es of `service`, each of which has said SERVING.
async fn serving_watches(
    client: &mut HealthClient<Channel>,
    service: &str,
    count: usize,
) -> Vec<tonic::Streaming<HealthCheckResponse>> {
    let mut watches = Vec::with_capacity(count);
    for _ in 0..count {
        let mut watch = client.watch(asking(service)).await.unwrap().into_inner();
        let first = watch.message().await.unwrap().unwrap();
        assert_eq!(status_of(&first), ServingStatus::Serving, "{service}");
        watches.push(watch);
    }
    watches
}

/// A group's watches share its one feed as a probe's do: 200 of them run a damped check once a
/// second, and it stays damped.
#[actix_web::test]
async fn every_watch_of_a_group_shares_one_run_a_second() {
    let (flaky, runs) = passes_once_then_damped();
    let health = Health::default().group(Group::new("deep").check(flaky));
    let address = serve(health).await;
    let mut client = client(&address).await;
    let watches = serving_watches(&mut client, "group/deep", 200).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let ran = runs.load(Ordering::SeqCst);
    assert!(ran <= 4, "{ran} runs in 2.5 s");
    // Damped: two failed runs of three, so no watch was sent a change (all looked at at once,
    // before the next run).
    let looked: Vec<_> = watches
        .into_iter()
        .map(|mut watch| {
            tokio::spawn(async move {
                let next = tokio::time::timeout(Duration::from_millis(50), watch.message()).await;
                next.map(|message| format!("{message:?}"))
            })
        })
        .collect();
    for looked in looked {
        let next = looked.await.unwrap();
        assert!(next.is_err(), "damped, not failed: {next:?}");
    }
}

/// The service names gRPC clients and balancers ask about (the app's own service's) answer as
/// the probe or check they are given for; an alias of nothing served stops the program.
#[actix_web::test]
async fn an_apps_own_service_name_answers_as_the_probe_it_is_given_for() {
    let (gate, open) = switched("gate");
    type HealthService = GrpcHealthService;
    let health = Health::default()
        .check(Probe::Readiness, gate)
        .grpc_alias("payments.v1.Payments", "readiness")
        .grpc_alias("payments.v1.Ledger", "readiness/gate")
        .grpc_alias_of::<HealthService>("liveness");
    let address = serve(health).await;
    let mut client = client(&address).await;
    for name in [
        "payments.v1.Payments",
        "payments.v1.Ledger",
        "grpc.health.v1.Health",
    ] {
        assert_eq!(check(&mut client, name).await, SERVING, "{name}");
    }
    open.store(false, Ordering::Relaxed);
    assert_eq!(
        check(&mut client, "payments.v1.Payments").await,
        NOT_SERVING
    );
    assert_eq!(check(&mut client, "payments.v1.Ledger").await, NOT_SERVING);
    assert_eq!(check(&mut client, "grpc.health.v1.Health").await, SERVING);
    let mut watch = client
        .watch(asking("payments.v1.Payments"))
        .await
        .unwrap()
        .into_inner();
    let first = watch.message().await.unwrap().unwrap();
    assert_eq!(status_of(&first), ServingStatus::NotServing);

    for (alias, answers, why) in [
        (
            "payments.v1.Payments",
            "readyness",
            "answers as a name that is not served",
        ),
        (
            "payments.v1.Payments",
            "readiness/nope",
            "answers as a name that is not served",
        ),
        (
            "liveness",
            "readiness",
            "the service name is one of the names served already",
        ),
    ] {
        let health = Health::default().grpc_alias(alias, answers);
        let refused = std::panic::catch_unwind(AssertUnwindSafe(|| health.grpc_service()));
        let refused = refused.expect_err("refused");
        let message = refused.downcast_ref::<String>().expect("a message");
        assert!(
            message.contains(&format!("grpc_alias({alias:?}, {answers:?}): {why}")),
            "{message}"
        );
    }
}

/// An unknown service name is cut and escaped in `NOT_FOUND`'s message, as `?exclude=` names
/// are, so that a long or odd one makes no long message; and no more than 100 watches of
/// unknown services are held open.
#[actix_web::test]
async fn unknown_service_names_make_short_messages_and_few_open_watches() {
    let address = serve(Health::default()).await;
    let mut client = client(&address).await;
    for name in [
        "x".repeat(16 << 10),
        "é".repeat(5 << 10),
        "\x01".repeat(3000),
    ] {
        let status = client.check(asking(&name)).await.expect_err("unknown");
        assert_eq!(status.code(), Code::NotFound, "{}", status.message());
        assert!(status.message().len() < 512, "{}", status.message());
        assert!(
            status.message().starts_with("unknown service \""),
            "{}",
            status.message()
        );
    }

    let mut held = Vec::new();
    for i in 0..100 {
        let mut watch = client
            .watch(asking(&format!("nothing-{i}")))
            .await
            .unwrap()
            .into_inner();
        let first = watch.message().await.unwrap().unwrap();
        assert_eq!(status_of(&first), ServingStatus::ServiceUnknown);
        held.push(watch);
    }
    let refused = client
        .watch(asking("one-too-many"))
        .await
        .expect_err("refused");
    assert_eq!(
        refused.code(),
        Code::ResourceExhausted,
        "{}",
        refused.message()
    );
    held.pop();
    // The closed stream is counted off once the server sees it end.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match client.watch(asking("one-more")).await {
            Ok(_) => break,
            Err(status) if Instant::now() < deadline => {
                assert_eq!(status.code(), Code::ResourceExhausted);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(status) => panic!("never counted off: {status:?}"),
        }
    }
}

/// SIGTERM with watches open: readiness and the server as a whole turn `NOT_SERVING` at once,
/// liveness stays `SERVING`; when the drain is over every stream ends and the process exits.
#[actix_web::test]
async fn sigterm_turns_readiness_and_the_server_not_serving_then_ends_every_watch() {
    let mut service = start_example().await;
    let mut client = client(&service.grpc).await;
    let mut watches = Vec::new();
    for name in ["readiness", "", "liveness"] {
        let mut watch = client.watch(asking(name)).await.unwrap().into_inner();
        let first = watch.message().await.unwrap().unwrap();
        assert_eq!(status_of(&first), ServingStatus::Serving, "{name:?}");
        watches.push((name, watch));
    }
    service.example.signal("TERM");
    let signalled = Instant::now();
    for (name, watch) in &mut watches[..2] {
        let next = tokio::time::timeout(Duration::from_millis(500), watch.message()).await;
        let next = next.unwrap_or_else(|_| panic!("{name:?}: no change at SIGTERM"));
        assert_eq!(
            status_of(&next.unwrap().unwrap()),
            ServingStatus::NotServing,
            "{name:?}"
        );
    }
    assert_eq!(check(&mut client, "liveness").await, SERVING);
    assert_eq!(check(&mut client, "readiness").await, NOT_SERVING);
    for (name, watch) in &mut watches {
        let end = tokio::time::timeout(Duration::from_secs(5), watch.message()).await;
        let end = end.unwrap_or_else(|_| panic!("{name:?}: the stream did not end"));
        assert!(matches!(end, Ok(None) | Err(_)), "{name:?}: {end:?}");
    }
    let exit = service.example.exit_within(Duration::from_secs(5)).await;
    assert!(exit.is_some_and(|status| status.success()), "{exit:?}");
    let took = signalled.elapsed();
    assert!(
        took >= Duration::from_secs(1),
        "exited {took:?} after SIGTERM, before the delay"
    );
}

/// Python's gRPC and its health-checking package: a client written by others, in another language.
#[actix_web::test]
async fn grpcio_health_checking_agrees() {
    let python = python_with_grpcio();
    let mut service = start_example().await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/grpcio_client.py");
    let maintenance = service.maintenance.to_str().unwrap().to_owned();
    let grpc = service.grpc.clone();
    // The script says when its watches are open; then the service is sent SIGTERM.
    let pid = service.example.pid();
    let ran = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut client = Command::new(&python)
            .args([script, &grpc, &maintenance])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("run the Python client");
        let stdout = std::io::BufReader::new(client.stdout.take().unwrap());
        let mut said = Vec::new();
        for line in stdout.lines() {
            let line = line.unwrap();
            if line == "watching" {
                let kill = Command::new("kill")
                    .args(["-TERM", &pid.to_string()])
                    .status();
                assert!(kill.unwrap().success(), "kill -TERM {pid}");
            }
            said.push(line);
        }
        (client.wait().unwrap(), said)
    });
    let (exit, said) = ran.join().expect("the Python client's thread");
    let said = said.join("\n");
    assert!(exit.success(), "the Python client failed:\n{said}");
    assert_eq!(
        said,
        [
            "check '' SERVING",
            "check 'liveness' SERVING",
            "check 'readiness' SERVING",
            "check 'startup' SERVING",
            "check 'readiness/sqlite' SERVING",
            "check 'example.v1.Orders' SERVING",
            "check 'group/deep' SERVING",
            "check 'group/deep/writable' SERVING",
            "list '' SERVING, 'example.v1.Orders' SERVING, 'group/deep' SERVING, \
             'group/deep/sqlite' SERVING, 'group/deep/writable' SERVING, 'liveness' SERVING, \
             'liveness/alive' SERVING, 'readiness' SERVING, 'readiness/maintenance' SERVING, \
             'readiness/sqlite' SERVING, 'startup' SERVING",
            "check 'nope' NOT_FOUND",
            "check \"16 KB of 'x'\" NOT_FOUND",
            "check \"10 KB of 'é'\" NOT_FOUND",
            "check \"3000 '\\\\x01'\" NOT_FOUND",
            "check 'readiness' with a 0.5 s deadline SERVING",
            "watch 'readiness' SERVING",
            "watch 'readiness' NOT_SERVING (maintenance)",
            "list in maintenance '' SERVING, 'readiness' NOT_SERVING, 'readiness/maintenance' \
             NOT_SERVING, 'readiness/sqlite' SERVING, 'example.v1.Orders' NOT_SERVING",
            "watch 'readiness' SERVING (maintenance over)",
            "watch 'nope' SERVICE_UNKNOWN, then open",
            "watching",
            "watch 'readiness' after SIGTERM: NOT_SERVING, then the stream ended",
            "watch '' after SIGTERM: NOT_SERVING, then the stream ended",
        ]
        .join("\n")
    );
    let exit = service.example.exit_within(Duration::from_secs(5)).await;
    assert!(exit.is_some_and(|status| status.success()), "{exit:?}");
}

/// A Python with `grpcio-health-checking`: a virtualenv of the tests' own, made once, and
/// brought up to date when it has no `List` (gRFC A90, in the package's recent releases).
fn python_with_grpcio() -> PathBuf {
    let has_list = "from grpc_health.v1 import health_pb2; health_pb2.HealthListRequest";
    health_tests::python::venv("grpcio-venv", has_list, &["grpcio-health-checking"])
}

/// The shipped Kubernetes manifest carries the `grpc:` probes the example prints.
#[test]
fn the_kubernetes_manifest_carries_the_printed_probes() {
    let manifest = include_str!("../kubernetes/deployment.yaml");
    health_tests::manifest::assert_carries_printed_probes(EXAMPLE, manifest);
}
