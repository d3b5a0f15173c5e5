//! The README's first command: the quickstart example serves its probes on SQLite, and keeps
//! serving liveness when its database cannot be opened.

use health_tests::example::Example;
use health_tests::get;

async fn start(database_url: &str) -> Example {
    let quickstart = env!("CARGO_BIN_EXE_quickstart");
    Example::start(quickstart, &[("DATABASE_URL", database_url)]).await
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
    // The driver's reason at once, not the check's 500 ms timeout.
    assert!(error.starts_with("sqlite failed: "), "{error}");
    assert!(error.contains("unable to open database file"), "{error}");
    assert!(
        answer.elapsed < std::time::Duration::from_millis(250),
        "{:?}",
        answer.elapsed
    );
    assert_eq!(get(&format!("{}/healthz", service.base)).await.status, 200);
}
