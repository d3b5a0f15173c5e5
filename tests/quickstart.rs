//! The README's first command: the quickstart example serves its probes on SQLite, and keeps
//! serving liveness when its database cannot be opened.

mod support;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::get;

/// The example binary, which `cargo test` builds next to this test's own binary.
fn example_binary() -> PathBuf {
    let mut dir = std::env::current_exe().expect("test binary path");
    dir.pop(); // the test binary
    dir.pop(); // deps/
    dir.join("examples").join("quickstart")
}

struct Quickstart {
    child: Child,
    base: String,
}

impl Drop for Quickstart {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(database_url: &str) -> Quickstart {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(example_binary())
        .env("PORT", port.to_string())
        .env("DATABASE_URL", database_url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run the quickstart example (built by `cargo test`)");
    let quickstart = Quickstart {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while awc::Client::default()
        .get(format!("{}/healthz", quickstart.base))
        .send()
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "the quickstart did not start listening"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    quickstart
}

#[actix_web::test]
async fn quickstart_is_ready_on_a_fresh_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("quickstart.db");
    let service = start(&format!("sqlite://{}", file.display())).await;

    let answer = get(&format!("{}/ready", service.base)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["status"], "READY");
    assert_eq!(answer.check_names(), ["sqlite"]);
    assert!(file.exists(), "the database file is created on first use");
    let answer = get(&format!("{}/healthz", service.base)).await;
    assert_eq!(answer.json()["status"], "OK");
    assert_eq!(answer.check_names(), ["alive"]);
}

#[actix_web::test]
async fn quickstart_starts_and_stays_live_without_its_database() {
    let dir = tempfile::tempdir().unwrap();
    let unreachable = dir.path().join("missing-dir").join("quickstart.db");
    let service = start(&format!("sqlite://{}", unreachable.display())).await;

    let answer = get(&format!("{}/ready", service.base)).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    let error = answer.json()["error"].as_str().unwrap().to_owned();
    assert!(error.starts_with("sqlite failed: "), "{error}");
    assert_eq!(get(&format!("{}/healthz", service.base)).await.status, 200);
}
