//! The README's first command: the quickstart example serves its probes on SQLite, and keeps
//! serving liveness when its database cannot be opened (`health_tests::quickstart`).

use health_tests::quickstart;

const QUICKSTART: &str = env!("CARGO_BIN_EXE_quickstart");

#[actix_web::test]
async fn quickstart_is_ready_on_a_fresh_sqlite_file() {
    quickstart::is_ready_on_a_fresh_sqlite_file(QUICKSTART).await;
}

#[actix_web::test]
async fn quickstart_starts_and_stays_live_without_its_database() {
    quickstart::starts_and_stays_live_without_its_database(QUICKSTART).await;
}

/// The probes checked in beside the example are what it prints: regenerate them with
/// `cargo run -p quickstart -- --print-probes > examples/quickstart/deploy/probes.yaml`.
#[test]
fn the_checked_in_probes_are_what_the_service_prints() {
    let printed = std::process::Command::new(QUICKSTART)
        .arg("--print-probes")
        .env_remove("PORT")
        .output()
        .unwrap();
    assert!(printed.status.success());
    let checked_in = include_str!("../deploy/probes.yaml");
    assert_eq!(
        String::from_utf8(printed.stdout).unwrap(),
        checked_in,
        "deploy/probes.yaml has drifted from the checks: regenerate it"
    );
}
