//! MicroProfile Health's conformance assertion 4, against `Health::microprofile()`: a failing
//! startup check makes `/health/started` 503 with that one check DOWN. A binary of its own, as the
//! startup latch belongs to the process: once a startup passes, it stays passed.

use health_runtime::{Health, startup};
use health_tests::{get, serve_health};

#[startup]
async fn migrated() {}

#[startup]
async fn warmed_up() -> bool {
    false
}

#[actix_web::test]
async fn microprofile_4_a_failing_startup_check_makes_started_down_with_that_one_check() {
    let base = serve_health(Health::microprofile());
    let answer = get(&format!("{base}/health/started")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.json()["status"], "DOWN");
    assert_eq!(answer.check_statuses(), ["migrated UP", "warmed_up DOWN"]);
}
