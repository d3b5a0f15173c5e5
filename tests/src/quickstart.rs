//! What the quickstart service does, whichever server serves it (`examples/quickstart` on actix,
//! `examples/axum` on axum): its example tests run these against their binary.

use std::time::Duration;

use super::example::Example;
use super::get;

async fn start(binary: &str, database_url: &str) -> Example {
    Example::start(binary, &[("DATABASE_URL", database_url)]).await
}

/// On a fresh SQLite file: ready, the file created, and liveness with its own check only. Returns
/// the running service, for more questions.
pub async fn is_ready_on_a_fresh_sqlite_file(binary: &str) -> (Example, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("quickstart.db");
    let service = start(binary, &format!("sqlite://{}", file.display())).await;

    let answer = get(&format!("{}/ready", service.base)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["status"], "READY");
    assert_eq!(answer.check_names(), ["sqlite"]);
    assert!(file.exists(), "the database file is created on first use");
    let answer = get(&format!("{}/healthz", service.base)).await;
    assert_eq!(answer.json()["status"], "OK");
    assert_eq!(answer.check_names(), ["alive"]);
    (service, dir)
}

/// With a database it cannot open: not ready, with the driver's reason at once (not at the
/// check's 500 ms timeout), and live.
pub async fn starts_and_stays_live_without_its_database(binary: &str) {
    let dir = tempfile::tempdir().unwrap();
    let unreachable = dir.path().join("missing-dir").join("quickstart.db");
    let service = start(binary, &format!("sqlite://{}", unreachable.display())).await;

    let answer = get(&format!("{}/ready", service.base)).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    let error = answer.json()["error"].as_str().unwrap().to_owned();
    assert!(error.starts_with("sqlite failed: "), "{error}");
    assert!(error.contains("unable to open database file"), "{error}");
    assert!(
        answer.elapsed < Duration::from_millis(250),
        "{:?}",
        answer.elapsed
    );
    assert_eq!(get(&format!("{}/healthz", service.base)).await.status, 200);
}
