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
