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

/// A library that only declares checks depends on `health-runtime` without its default features,
/// and compiles no server: no actix crate in its dependency tree (`cargo tree`). `.ci/run` lints
/// the runtime built that way.
#[test]
fn a_library_that_declares_checks_compiles_no_server() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let tree = std::process::Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "-p",
            "library-checks",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .output()
        .expect("run cargo tree");
    assert!(
        tree.status.success(),
        "{}",
        String::from_utf8_lossy(&tree.stderr)
    );
    let tree = String::from_utf8(tree.stdout).expect("cargo tree prints text");
    assert!(tree.contains("health-runtime v"), "{tree}");
    let servers: Vec<&str> = tree
        .lines()
        .filter(|line| line.starts_with("actix") || line.starts_with("awc"))
        .collect();
    assert!(servers.is_empty(), "{servers:?}");
}
