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

/// The crates of `package`'s normal dependencies, each once (`cargo tree`).
fn dependencies(package: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let tree = std::process::Command::new(cargo)
        .args(["tree", "--offline", "-p", package, "-e", "normal"])
        .args(["--prefix", "none"])
        .output()
        .expect("run cargo tree");
    assert!(
        tree.status.success(),
        "{}",
        String::from_utf8_lossy(&tree.stderr)
    );
    let tree = String::from_utf8(tree.stdout).expect("cargo tree prints text");
    let mut crates: Vec<String> = tree
        .lines()
        .filter_map(|line| line.split(' ').next())
        .map(str::to_owned)
        .collect();
    crates.sort();
    crates.dedup();
    crates
}

/// Those of `crates` that belong to the server `server` (`actix`, `axum`, `grpc`).
fn of_server(crates: &[String], server: &str) -> Vec<String> {
    let prefixes: &[&str] = match server {
        "actix" => &["actix", "awc"],
        "grpc" => &["tonic", "prost", "h2"],
        _ => &["axum", "hyper", "tower"],
    };
    let of = |name: &&String| prefixes.iter().any(|prefix| name.starts_with(prefix));
    crates.iter().filter(of).cloned().collect()
}

/// A library that only declares checks depends on `health-runtime` without its default features,
/// and compiles no server; the axum example compiles no actix crate, the quickstart no axum, no
/// gRPC one, none of the ready-made checks' dependencies and no Kubernetes types.
/// `.ci/run` lints the runtime built each way.
#[test]
fn each_crate_compiles_the_server_it_serves_on_and_no_other() {
    let library = dependencies("library-checks");
    assert!(
        library.contains(&"health-runtime".to_owned()),
        "{library:?}"
    );
    assert_eq!(of_server(&library, "actix"), [] as [String; 0]);
    assert_eq!(of_server(&library, "axum"), [] as [String; 0]);
    assert_eq!(of_server(&library, "grpc"), [] as [String; 0]);

    let axum = dependencies("axum-example");
    assert_eq!(of_server(&axum, "actix"), [] as [String; 0]);
    assert_eq!(of_server(&axum, "grpc"), [] as [String; 0]);
    assert!(axum.contains(&"axum".to_owned()), "{axum:?}");

    let quickstart = dependencies("quickstart");
    assert_eq!(of_server(&quickstart, "axum"), [] as [String; 0]);
    assert_eq!(of_server(&quickstart, "grpc"), [] as [String; 0]);
    assert!(
        quickstart.contains(&"actix-web".to_owned()),
        "{quickstart:?}"
    );
    // Nor any crate of the ready-made checks' features, nor of manifests' reading (it prints
    // its probes with no feature), none of which it enables.
    for dependency in [
        "redis",
        "reqwest",
        "rustls",
        "ring",
        "x509-cert",
        "k8s-openapi",
        "serde-saphyr",
    ] {
        assert!(
            !quickstart.contains(&dependency.to_owned()),
            "{dependency} in {quickstart:?}"
        );
    }
}
