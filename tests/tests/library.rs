//! Checks declared in a library crate are served by the binary that names that crate.

// Without this line the library is never linked and its checks silently vanish.
use library_checks as _;

use health_runtime::{Health, readiness};
use health_tests::{get, serve_health};

#[readiness]
async fn local() {}

#[actix_web::test]
async fn checks_from_a_library_crate_are_collected() {
    let base = serve_health(Health::default());
    let answer = get(&format!("{base}/ready")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.check_names(), ["library_ready", "local"]);
    let answer = get(&format!("{base}/livez")).await;
    assert_eq!(answer.check_names(), ["library.alive"]);
    assert_eq!(
        answer.check("library.alive")["data"],
        serde_json::json!({"crate": "library-checks"})
    );
}
