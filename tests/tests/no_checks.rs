//! A service with no checks at all answers 200 on every probe, with an empty `checks` list.

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
