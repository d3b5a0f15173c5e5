//! The pitfall the README warns about: a library crate that the binary depends on but never names
//! is not linked, and its checks are not served. `library.rs` shows the fix.

use health_tests::{get, serve_health};

#[actix_web::test]
async fn checks_of_a_library_that_is_never_named_vanish() {
    let base = serve_health();
    let answer = get(&format!("{base}/ready")).await;
    assert_eq!(answer.status, 200);
    assert!(answer.check_names().is_empty(), "{}", answer.body);
}
