//! The ready-made checks of `health_runtime::checks`, against the real things: a `redis-server`
//! (killed, frozen, with a password), an HTTP server (refusing, hanging, answering 500,
//! redirecting), TCP ports, the system's resolver, this machine's filesystems and memory, and a
//! PEM certificate. Each fails as the database checks do: at once with the reason when refused,
//! at the check's timeout when the other side is frozen, never showing a credential.

use std::future::Future;
use std::net::IpAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use actix_web::{HttpResponse, web};
use health_runtime::checks::disk::{self, MinFree};
use health_runtime::checks::http::Upstream;
use health_runtime::checks::{certificate, dns, memory, tcp};
use health_runtime::{Check, Health, IntoOutcome, Probe};
use health_tests::server::{
    PASSWORD, ServerProcess, WRONG_PASSWORD, binary, output, running_as_root,
};
use health_tests::{free_port, get, serve, serve_health};

/// `check` served as the readiness check `name` with `timeout`; the answer to `/readyz/<name>`.
async fn probe<F, Fut>(name: &'static str, timeout: Duration, check: F) -> health_tests::Answer
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = health_runtime::Outcome> + Send + 'static,
{
    let check = Check::new(name, check).timeout(timeout);
    let base = serve_health(Health::default().check(Probe::Readiness, check));
    get(&format!("{base}/readyz/{name}")).await
}

fn redis_server(port: u16, dir: &std::path::Path) -> ServerProcess {
    let mut command = Command::new(binary("redis-server", "redis-server"));
    command.args(["--bind", "127.0.0.1", "--port", &port.to_string()]);
    command.args([
        "--save",
        "",
        "--appendonly",
        "no",
        "--requirepass",
        PASSWORD,
    ]);
    command.arg("--dir").arg(dir);
    ServerProcess::spawn(command, port, &dir.join("redis.log"))
}

/// The readiness check `redis` over a `ConnectionManager` made with `config`, served; the URL
/// of its path.
async fn redis_check(
    port: u16,
    config: redis::aio::ConnectionManagerConfig,
    timeout: Duration,
) -> String {
    let url = format!("redis://:{PASSWORD}@127.0.0.1:{port}/");
    let manager = redis::Client::open(url)
        .unwrap()
        .get_connection_manager_with_config(config)
        .await
        .expect("connected");
    let ping = move || {
        let mut connection = manager.clone();
        async move {
            health_runtime::checks::redis::ping(&mut connection)
                .await
                .into_outcome()
        }
    };
    let check = Check::new("redis", ping).timeout(timeout);
    let base = serve_health(Health::default().check(Probe::Readiness, check));
    format!("{base}/readyz/redis")
}

/// The documented setup, a check's own manager without retries: a killed server fails every
/// probe at once with the refusal, a frozen one at the timeout, a restarted one passes again.
#[actix_web::test]
async fn redis_passes_and_fails_at_once_when_killed_at_the_timeout_when_frozen() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = redis_server(port, dir.path());
    let no_retries = redis::aio::ConnectionManagerConfig::new().set_number_of_retries(0);
    let url = redis_check(port, no_retries.clone(), Duration::from_millis(300)).await;
    // A check whose timeout is longer than the manager's own response timeout (500 ms).
    let patient = redis_check(port, no_retries, Duration::from_secs(3)).await;
    let passing = get(&url).await;
    assert_eq!(passing.status, 200, "{}", passing.body);

    server.freeze();
    let frozen = get(&url).await;
    assert_eq!(frozen.status, 503, "{}", frozen.body);
    assert_eq!(frozen.check("redis")["error"], "timed out after 300ms");
    assert!(
        frozen.elapsed < Duration::from_millis(1300),
        "{:?}",
        frozen.elapsed
    );
    // The manager's response timeout fails it, once: a timeout is not sent again.
    let frozen = get(&patient).await;
    assert_eq!(frozen.status, 503, "{}", frozen.body);
    assert!(
        frozen.elapsed < Duration::from_millis(900),
        "{:?}: {}",
        frozen.elapsed,
        frozen.body
    );
    server.thaw();
    // Killed from where a service stands before an outage: passing, its manager connected (a
    // reconnection begun while the server was frozen may still be finishing its handshake).
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(&url).await.status != 200 {
        assert!(Instant::now() < deadline, "no pass after the thaw");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    server.kill();
    for _ in 0..5 {
        let killed = get(&url).await;
        assert_eq!(killed.status, 503, "{}", killed.body);
        let reason = killed.check("redis")["error"].as_str().unwrap().to_owned();
        assert_ne!(
            reason, "timed out after 300ms",
            "a dead server fails at once"
        );
        assert!(killed.elapsed < Duration::from_millis(300), "{reason}");
        assert!(!killed.body.contains(PASSWORD), "{}", killed.body);
    }

    let _server = redis_server(port, dir.path());
    let restarted = get(&url).await;
    assert_eq!(restarted.status, 200, "{}", restarted.body);
}

/// What the documentation says of a manager with its default retries: a killed server fails at
/// the check's timeout, as each command waits for the manager's reconnection.
#[actix_web::test]
async fn redis_behind_a_retrying_manager_fails_at_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = redis_server(port, dir.path());
    let url = redis_check(
        port,
        redis::aio::ConnectionManagerConfig::new(),
        Duration::from_millis(300),
    )
    .await;
    assert_eq!(get(&url).await.status, 200);
    server.kill();
    for _ in 0..2 {
        let killed = get(&url).await;
        assert_eq!(killed.check("redis")["error"], "timed out after 300ms");
    }
}

#[actix_web::test]
async fn redis_refusing_a_password_says_so_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _server = redis_server(port, dir.path());
    // Connected without the password (or with a wrong one), as a pool may be: PING is refused.
    for url in [
        format!("redis://127.0.0.1:{port}/"),
        format!("redis://:{WRONG_PASSWORD}@127.0.0.1:{port}/"),
    ] {
        let client = redis::Client::open(url).unwrap();
        let reason = match client.get_multiplexed_async_connection().await {
            Ok(mut connection) => health_runtime::checks::redis::ping(&mut connection)
                .await
                .expect_err("not authenticated")
                .to_string(),
            Err(error) => error.to_string(),
        };
        assert!(
            reason.contains("NOAUTH") || reason.contains("uthentication"),
            "{reason}"
        );
        assert!(!reason.contains(WRONG_PASSWORD), "{reason}");
    }
}

/// An upstream with a route for each way an upstream answers.
fn upstream() -> String {
    serve(|config| {
        config
            .route("/ok", web::get().to(HttpResponse::Ok))
            .route("/no-content", web::get().to(HttpResponse::NoContent))
            .route("/fail", web::get().to(HttpResponse::InternalServerError))
            .route(
                "/moved",
                web::get().to(|| async {
                    HttpResponse::MovedPermanently()
                        .insert_header(("location", "/ok"))
                        .finish()
                }),
            )
            .route(
                "/moved-away",
                web::get().to(|| async {
                    let closed = format!("http://127.0.0.1:{}/gone?sig=S3CR3T", free_port());
                    HttpResponse::Found()
                        .insert_header(("location", closed))
                        .finish()
                }),
            )
            .route(
                "/endless",
                web::get().to(|| async {
                    let chunk = web::Bytes::from(vec![b'x'; 64 << 10]);
                    let endless = futures_util::stream::repeat_with(move || {
                        Ok::<_, actix_web::Error>(chunk.clone())
                    });
                    HttpResponse::Ok().streaming(endless)
                }),
            )
            .route(
                "/hang",
                web::get().to(|| async {
                    std::future::pending::<()>().await;
                    HttpResponse::Ok().finish()
                }),
            );
    })
}

#[actix_web::test]
async fn an_http_upstream_passes_on_2xx_and_fails_with_the_status_or_the_connection_error() {
    let base = upstream();
    let secret = base.replace("http://", "http://probe:S3CR3T-upstream@");
    let get_of = |path: &str| Upstream::new(&format!("{secret}{path}")).unwrap();

    assert_eq!(get_of("/ok").get().await, Ok(()));
    assert_eq!(get_of("/no-content").get().await, Ok(()));
    let failed = get_of("/fail").get().await.unwrap_err().to_string();
    assert!(
        failed.ends_with("/fail answered 500 Internal Server Error"),
        "{failed}"
    );
    assert!(failed.starts_with("GET http://***@127.0.0.1:"), "{failed}");
    assert_eq!(get_of("/fail").passing_on([500]).get().await, Ok(()));
    assert!(get_of("/ok").passing_on([204]).get().await.is_err());

    // No redirect unless asked.
    let moved = get_of("/moved").get().await.unwrap_err().to_string();
    assert!(moved.ends_with("answered 301 Moved Permanently"), "{moved}");
    assert_eq!(get_of("/moved").follow_redirects(1).get().await, Ok(()));
    // A followed redirect that fails names where it failed, redacted.
    let away = get_of("/moved-away")
        .follow_redirects(1)
        .get()
        .await
        .unwrap_err()
        .to_string();
    assert!(away.contains("/moved-away -> http://127.0.0.1:"), "{away}");
    assert!(away.contains("/gone?sig=***: "), "{away}");
    assert!(away.contains("Connection refused"), "{away}");

    // An endless body is never read: the status passes, at once.
    let started = std::time::Instant::now();
    assert_eq!(get_of("/endless").get().await, Ok(()));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    // Its `Debug` shows no credential of the URL.
    let shown = format!(
        "{:?}",
        Upstream::new(&format!("{secret}/ok?token=S3CR3T&sig=S3CR3T"))
    );
    assert!(!shown.contains("S3CR3T"), "{shown}");
    assert!(shown.contains("/ok?token=***&sig=***"), "{shown}");

    // Refused: at once, with the connection's error.
    let refused = Upstream::new(&format!("http://127.0.0.1:{}/", free_port())).unwrap();
    let answer = probe("refused", Duration::from_secs(5), move || {
        let refused = refused.clone();
        async move { refused.get().await.into_outcome() }
    })
    .await;
    assert_eq!(answer.status, 503);
    let reason = answer.check("refused")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(reason.contains("Connection refused"), "{reason}");
    assert!(
        answer.elapsed < Duration::from_secs(2),
        "{:?}",
        answer.elapsed
    );

    // Hanging: at the check's timeout.
    let hanging = get_of("/hang");
    let answer = probe("hanging", Duration::from_millis(300), move || {
        let hanging = hanging.clone();
        async move { hanging.get().await.into_outcome() }
    })
    .await;
    assert_eq!(answer.check("hanging")["error"], "timed out after 300ms");
    assert!(!answer.body.contains("S3CR3T"), "{}", answer.body);

    // TLS, with rustls: a server that does not speak it fails the handshake, with the reason.
    let not_tls = Upstream::new(&base.replace("http://", "https://")).unwrap();
    let reason = not_tls.get().await.unwrap_err().to_string();
    assert!(reason.starts_with("GET https://127.0.0.1:"), "{reason}");
    assert!(reason.contains("received corrupt message"), "{reason}");

    let invalid = Upstream::new("ftp://probe:S3CR3T@files")
        .unwrap_err()
        .to_string();
    assert_eq!(
        invalid,
        "invalid upstream URL ftp://***@files: the scheme is not http or https"
    );
}

/// A server on a loopback port that answers every connection's first read with `greeting` and
/// then writes `endless` forever (or until the client hangs up); its address.
fn hostile_server(greeting: &'static [u8], endless: &'static [u8]) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut request = [0; 4096];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(greeting);
                while stream.write_all(endless).is_ok() {}
            });
        }
    });
    address
}

/// What a hostile or mistaken upstream sends is bounded: endless headers fail the HTTP check
/// at once (hyper reads at most about 400 KB of them), and a port that speaks another protocol
/// fails the Redis check at once with the parse error.
#[actix_web::test]
async fn hostile_upstreams_fail_at_once_within_bounds() {
    let endless_headers = hostile_server(b"HTTP/1.1 200 OK\r\n", b"X-Filler: aaaaaaaaaaaaaaaa\r\n");
    let started = Instant::now();
    let upstream = Upstream::new(&format!("http://{endless_headers}/")).unwrap();
    let reason = upstream.get().await.unwrap_err().to_string();
    assert!(
        reason.starts_with(&format!("GET http://{endless_headers}/: ")),
        "{reason}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    let http_on_redis_port = hostile_server(b"HTTP/1.1 400 Bad Request\r\n\r\n", b"<html>");
    let started = Instant::now();
    let client = redis::Client::open(format!("redis://{http_on_redis_port}/")).unwrap();
    let reason = match client.get_multiplexed_async_connection().await {
        Ok(mut connection) => health_runtime::checks::redis::ping(&mut connection)
            .await
            .expect_err("not Redis")
            .to_string(),
        Err(error) => error.to_string(),
    };
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{reason}: {:?}",
        started.elapsed()
    );
}

#[actix_web::test]
async fn tcp_connects_or_says_why_not() {
    let base = upstream();
    let address = base.trim_start_matches("http://");
    assert!(tcp::connect(address).await.is_ok());
    let closed = format!("127.0.0.1:{}", free_port());
    let refused = tcp::connect(&closed).await.unwrap_err().to_string();
    assert!(
        refused.starts_with(&format!("cannot connect to {closed}: Connection refused")),
        "{refused}"
    );
}

#[actix_web::test]
async fn dns_resolves_a_name_or_says_why_not() {
    let addresses = dns::resolve("localhost").await.expect("localhost resolves");
    assert!(
        addresses.contains(&IpAddr::from([127, 0, 0, 1])),
        "{addresses:?}"
    );
    let outcome = dns::resolve("localhost").await.into_outcome();
    assert!(
        outcome
            .data()
            .unwrap()
            .as_array()
            .unwrap()
            .contains(&"127.0.0.1".into())
    );
    let unknown = dns::resolve("no-such-host.invalid")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        unknown.starts_with("cannot resolve no-such-host.invalid: "),
        "{unknown}"
    );
}

#[actix_web::test]
async fn disk_space_is_measured_on_the_paths_filesystem() {
    let dir = tempfile::tempdir().unwrap();
    let enough = disk::free_space(dir.path(), MinFree::Bytes(1)).await;
    assert!(enough.is_healthy(), "{enough:?}");
    let data = enough.data().unwrap();
    let (free, total) = (
        data["free_bytes"].as_u64().unwrap(),
        data["total_bytes"].as_u64().unwrap(),
    );
    assert!(0 < free && free <= total, "{data}");

    let short = disk::free_space(dir.path(), MinFree::Bytes(u64::MAX)).await;
    let reason = short.error().unwrap();
    assert!(
        reason.contains(" free of ") && reason.contains("less than"),
        "{reason}"
    );
    let missing = disk::free_space("/no/such/volume", MinFree::Bytes(1)).await;
    assert_eq!(
        missing.error(),
        Some("cannot look at /no/such/volume: No such file or directory (os error 2)")
    );
}

#[actix_web::test]
async fn memory_is_measured_against_this_machines_limit() {
    let within = memory::usage(1.0, u64::MAX).await;
    assert!(within.is_healthy(), "{within:?}");
    let data = within.data().unwrap();
    // A container's cgroup, or this process's resident size outside a limited one.
    let used = data
        .get("used_bytes")
        .or_else(|| data.get("resident_bytes"));
    assert!(
        used.and_then(|used| used.as_u64())
            .is_some_and(|used| used > 0),
        "{data}"
    );
    assert!(data["limit_bytes"].as_u64().is_some(), "{data}");

    let over = memory::usage(0.0, 0).await;
    assert!(over.error().unwrap().contains("over"), "{over:?}");
}

/// A memory cgroup of its own with a 64 MiB limit, of whichever cgroup version holds the memory
/// controller here; removed when dropped.
struct LimitedCgroup {
    dir: std::path::PathBuf,
    version: &'static str,
}

impl LimitedCgroup {
    const LIMIT: u64 = 64 << 20;

    fn make() -> LimitedCgroup {
        let name = format!("health-test-{}", std::process::id());
        let v1 = std::path::Path::new("/sys/fs/cgroup/memory");
        let (dir, version, limit_file) = if v1.join("memory.limit_in_bytes").exists() {
            (v1.join(name), "v1", "memory.limit_in_bytes")
        } else {
            let root = std::path::Path::new("/sys/fs/cgroup");
            std::fs::write(root.join("cgroup.subtree_control"), "+memory")
                .expect("enable the v2 memory controller for child cgroups");
            (root.join(name), "v2", "memory.max")
        };
        std::fs::create_dir(&dir).unwrap_or_else(|e| panic!("make {}: {e}", dir.display()));
        let cgroup = LimitedCgroup { dir, version };
        std::fs::write(cgroup.dir.join(limit_file), Self::LIMIT.to_string())
            .expect("set the limit");
        cgroup
    }

    /// The memory check's outcome in a process of this cgroup.
    fn check(&self, max_fraction: &str) -> serde_json::Value {
        let placed_then_run = r#"echo $$ > "$1/cgroup.procs" && exec "$2" "$3""#;
        let printed = output(Command::new("sh").args([
            "-c",
            placed_then_run,
            "sh",
            self.dir.to_str().unwrap(),
            env!("CARGO_BIN_EXE_memory_usage"),
            max_fraction,
        ]));
        serde_json::from_str(&printed).expect("JSON")
    }
}

impl Drop for LimitedCgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Needs root to make a cgroup (CI runs as root); as another user, only the test above runs.
#[test]
fn memory_is_measured_against_a_limited_cgroups_limit() {
    if !running_as_root() {
        eprintln!("not root: no cgroup of its own; the memory check ran against this machine's");
        return;
    }
    let cgroup = LimitedCgroup::make();
    let within = cgroup.check("0.9");
    assert_eq!(within["error"], serde_json::Value::Null, "{within}");
    assert_eq!(
        within["data"]["limit_bytes"],
        LimitedCgroup::LIMIT,
        "{within}"
    );
    assert_eq!(within["data"]["cgroup"], cgroup.version, "{within}");
    let used = within["data"]["used_bytes"].as_u64().unwrap();
    assert!(0 < used && used <= LimitedCgroup::LIMIT, "{within}");

    let over = cgroup.check("0");
    let reason = over["error"].as_str().unwrap();
    assert!(
        reason.contains("of the cgroup's 64.0 MiB limit, over 0.0%"),
        "{reason}"
    );
}

#[actix_web::test]
async fn a_certificate_fails_when_fewer_days_are_left_than_asked() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/far-future.crt");
    let fine = certificate::expiry(path, 14).await;
    assert!(fine.is_healthy(), "{fine:?}");
    let data = fine.data().unwrap();
    assert!(
        data["not_after"].as_str().unwrap().starts_with("2126-"),
        "{data}"
    );
    assert!(data["days_left"].as_i64().unwrap() > 36_000, "{data}");

    let soon = certificate::expiry(path, 40_000).await;
    let reason = soon.error().unwrap();
    assert!(
        reason.contains("far-future.crt expires in ") && reason.ends_with("(fewer than 40000)"),
        "{reason}"
    );

    let not_pem = certificate::expiry(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"), 14).await;
    assert!(
        not_pem
            .error()
            .unwrap()
            .contains("holds no PEM certificate"),
        "{not_pem:?}"
    );
}

/// What is not a certificate file fails at once, saying what it is, and is not read whole: a
/// FIFO (which blocks whoever opens it to read), `/dev/zero` (endless), a directory, a file of
/// 100 MB, an empty file.
#[actix_web::test]
async fn a_certificate_path_that_is_no_certificate_file_fails_at_once_unread() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("tls.crt");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let large = dir.path().join("large.crt");
    std::fs::File::create(&large)
        .unwrap()
        .set_len(100 << 20)
        .unwrap();
    let empty = dir.path().join("empty.crt");
    std::fs::write(&empty, "").unwrap();
    let shown = |path: &std::path::Path| path.display().to_string();
    for (path, reason) in [
        (
            shown(&fifo),
            format!("{} is a FIFO, not a regular file: a certificate is read from a file", shown(&fifo)),
        ),
        (
            "/dev/zero".to_owned(),
            "/dev/zero is a character device, not a regular file: a certificate is read from a file"
                .to_owned(),
        ),
        (
            shown(dir.path()),
            format!(
                "{} is a directory, not a regular file: a certificate is read from a file",
                shown(dir.path())
            ),
        ),
        (
            shown(&large),
            format!(
                "{} is larger than 1 MiB, more than a certificate chain: not read further",
                shown(&large)
            ),
        ),
        (
            shown(&empty),
            format!("{} is empty: it holds no certificate", shown(&empty)),
        ),
    ] {
        let answer = probe("certificate", Duration::from_secs(5), move || {
            let path = path.clone();
            async move { certificate::expiry(path, 14).await }
        })
        .await;
        assert_eq!(answer.check("certificate")["error"], *reason, "{}", answer.body);
        assert!(answer.elapsed < Duration::from_secs(2), "{:?}", answer.elapsed);
    }
}
