//! A service with no checks at all answers 200 on every probe, with an empty `checks` list. And
//! the pitfall the README warns about: this binary depends on a library crate that declares
//! checks (`library-checks`) but never names it, so it is not linked and its checks are not
//! served; `library.rs` shows the fix.

use health_runtime::Health;
use health_tests::{get, serve_health};

#[actix_web::test]
async fn every_probe_passes_with_no_checks() {
    // Not even those of `library-checks`, a dependency that this binary never names.
    let base = serve_health(Health::default());
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
