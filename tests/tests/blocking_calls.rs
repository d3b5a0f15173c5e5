//! A blocking call of a check that never returns (here a name lookup against a resolver that
//! does not answer, as a hung NFS mount holds a file read or `statvfs`) holds one thread,
//! however many probes time out on it, and nothing else of the process: the app's own
//! `tokio::fs` and name lookups, and the other checks, answer as ever.

use std::net::UdpSocket;
use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use health_tests::server::{ServerProcess, running_as_root};
use health_tests::{free_port, get};

/// Threads of process `pid`.
fn threads(pid: u32) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("its status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|count| count.trim().parse().ok())
        .expect("a thread count")
}

/// Needs root, for a mount namespace whose `/etc/resolv.conf` names a resolver that never
/// answers (CI runs as root).
#[actix_web::test]
async fn a_stuck_lookup_holds_one_thread_and_starves_nothing() {
    if !running_as_root() {
        eprintln!("not root: no mount namespace for a stuck resolver");
        return;
    }
    // A resolver that takes every query and answers none.
    let _silent = UdpSocket::bind("127.0.0.77:53").expect("bind a silent resolver");
    let dir = tempfile::tempdir().unwrap();
    let resolv = dir.path().join("resolv.conf");
    std::fs::write(
        &resolv,
        "nameserver 127.0.0.77\noptions timeout:30 attempts:1\n",
    )
    .unwrap();
    let port = free_port();
    let mut command = Command::new("unshare");
    command.args(["--mount", "--", "sh", "-c"]);
    command.arg(r#"mount --bind "$1" /etc/resolv.conf && exec "$2" "$3""#);
    command.arg("sh").arg(&resolv);
    command.args([env!("CARGO_BIN_EXE_blocking_checks"), &port.to_string()]);
    let service = ServerProcess::spawn(command, port, &dir.path().join("service.log"));
    let base = format!("http://127.0.0.1:{port}");

    // 640 probes, 64 at a time, each answered at the check's timeout (while they share the
    // lookup under way) or, once it has been under way for a second, at once, saying so.
    let lookup = format!("{base}/readyz/lookup");
    let mut batches = Vec::new();
    for _ in 0..10 {
        let probes = (0..64).map(|_| get(&lookup));
        let mut reasons = Vec::new();
        for answer in join_all(probes).await {
            assert_eq!(answer.status, 503, "{}", answer.body);
            assert!(
                answer.elapsed < Duration::from_secs(2),
                "{:?}",
                answer.elapsed
            );
            reasons.push(answer.check("lookup")["error"].as_str().unwrap().to_owned());
        }
        batches.push(reasons);
    }
    assert!(
        batches[0]
            .iter()
            .all(|reason| reason == "timed out after 300ms"),
        "{:?}",
        &batches[0][..3]
    );
    for reason in batches[5..].iter().flatten() {
        assert!(
            reason.starts_with("lookup of stuck.example has not returned since it began "),
            "{reason}"
        );
    }

    // One thread for the stuck lookup, not one per probe.
    let count = threads(service.id());
    assert!(count < 40, "{count} threads");

    // The app's use of tokio's blocking pool, and the other checks, are not kept waiting.
    for path in ["/fs", "/lookup", "/readyz/disk"] {
        let began = Instant::now();
        let answer = get(&format!("{base}{path}")).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        assert!(
            began.elapsed() < Duration::from_secs(1),
            "{path}: {:?}",
            began.elapsed()
        );
    }
}
