//! A service with no checks at all answers 200 on every probe, with an empty `checks` list. And
//! the pitfall the README warns about: this binary depends on a library crate that declares
//! checks (`library-checks`) but never names it, so it is not linked and its checks are not
//! served; `library.rs` shows the fix.

use health_tests::{get, serve_health};

#[actix_web::test]
async fn every_probe_passes_with_no_checks() {
    let base = serve_health();
    for (path, status) in [
        ("/healthz", "OK"),
        ("/livez", "OK"),
        ("/ready", "READY"),
        ("/readyz", "READY"),
        ("/startupz", "STARTED"),
    ] {
        let answer = get(&format!("{base}{path}")).await;
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(
            answer.json(),
            serde_json::json!({"status": status, "checks": []}),
            "{path}"
        );
    }
}

#[actix_web::test]
async fn checks_of_a_library_that_is_never_named_vanish() {
    let base = serve_health();
    let answer = get(&format!("{base}/ready")).await;
    assert_eq!(answer.status, 200);
    assert!(answer.check_names().is_empty(), "{}", answer.body);
}
