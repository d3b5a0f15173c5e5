//! gRPC health, driven by clients this project did not write: tonic-health's generated client
//! and Python's `grpcio-health-checking` (in a virtualenv of its own). Check on every service
//! name, the caller's deadline, Watch across a change, an unknown service, and SIGTERM during open
//! watches, against the example service and against servers of checks built here. Every gRPC test
//! is in this one binary, so that tonic and prost are linked once.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use health_runtime::{Check, Health, Probe};
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
    let accepting = Arc::new(AtomicBool::new(true));
    let flag = accepting.clone();
    let switch = Check::new("switch", move || {
        let accepting = flag.load(Ordering::Relaxed);
        async move { accepting }
    });
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

/// The app's own code reads the same statuses: `Health::subscribe`.
#[actix_web::test]
async fn subscribe_sends_the_status_and_each_change_to_the_apps_code() {
    let accepting = Arc::new(AtomicBool::new(true));
    let flag = accepting.clone();
    let queue = Check::new("queue", move || {
        let accepting = flag.load(Ordering::Relaxed);
        async move { accepting }
    });
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
            "check 'nope' NOT_FOUND",
            "check 'readiness' with a 0.5 s deadline SERVING",
            "watch 'readiness' SERVING",
            "watch 'readiness' NOT_SERVING (maintenance)",
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

/// A Python with `grpcio-health-checking`: a virtualenv of the tests' own, made once.
fn python_with_grpcio() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("grpcio-venv");
    let python = venv.join("bin/python");
    let installed = Command::new(&python)
        .args(["-c", "import grpc_health.v1"])
        .status()
        .is_ok_and(|status| status.success());
    if !installed {
        let run = |command: &mut Command| {
            let status = command
                .status()
                .unwrap_or_else(|e| panic!("{command:?}: {e}"));
            assert!(status.success(), "{command:?} failed");
        };
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
        run(Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "grpcio-health-checking",
        ]));
    }
    python
}
