//! The seed-parity example (`src/main.rs`) against a real, throwaway MariaDB server that the
//! tests kill, freeze and restart. `--nocapture` shows the measured times to 503.

use health_tests::example::Example;
use health_tests::mariadb::MariaDb;
use health_tests::outage;
use health_tests::server::{TestServer, WRONG_PASSWORD};

/// The example, built by cargo for these tests.
const EXAMPLE: &str = env!("CARGO_BIN_EXE_mysql-example");

async fn example(server: &MariaDb) -> Example {
    Example::start(EXAMPLE, &[("DATABASE_URL", &server.url())]).await
}

#[actix_web::test]
async fn mariadb_killed_then_restarted() {
    let mut server = MariaDb::start();
    let service = example(&server).await;
    let took = outage::killed_then_restarted(&mut server, &service.base, "mysql").await;
    eprintln!(
        "MariaDB killed: 503 after {:?}, then refused: 503 after {:?}",
        took.0, took.1
    );
}

#[actix_web::test]
async fn mariadb_restarted_between_probes_is_no_outage() {
    let mut server = MariaDb::start();
    let service = example(&server).await;
    outage::restarted_between_probes(&mut server, &service.base).await;
}

#[actix_web::test]
async fn mariadb_frozen_then_thawed() {
    let mut server = MariaDb::start();
    let service = example(&server).await;
    let took = outage::frozen_then_thawed(&mut server, &service.base, "mysql").await;
    eprintln!("MariaDB frozen: 503 after {took:?}");
}

#[actix_web::test]
async fn mariadb_storm_during_outage() {
    let mut server = MariaDb::start();
    let service = example(&server).await;
    outage::storm_during_outage(&mut server, &service.base, "mysql").await;
}

#[actix_web::test]
async fn mariadb_refused_login_keeps_secrets() {
    let server = MariaDb::start();
    let url = server.url_with_password(WRONG_PASSWORD);
    let service = Example::start(EXAMPLE, &[("DATABASE_URL", &url)]).await;
    let error = outage::wrong_password(&service.base, "mysql").await;
    assert!(error.contains("Access denied"), "{error}");
    assert!(!service.log().contains(WRONG_PASSWORD));
}

/// The shipped Kubernetes manifest carries the probes the example prints; every probe path in it
/// is served by the example, and passes.
#[actix_web::test]
async fn the_kubernetes_manifest_probes_what_the_example_serves() {
    let server = MariaDb::start();
    let service = example(&server).await;
    let manifest = include_str!("../kubernetes/deployment.yaml");
    health_tests::manifest::assert_carries_printed_probes(EXAMPLE, manifest);
    let paths = health_tests::manifest::probe_paths(manifest);
    assert_eq!(paths, ["/healthz", "/ready"]);
    // The grace period covers the example's drain (5 s) and actix's shutdown timeout (30 s).
    let grace = health_tests::manifest::number(manifest, "terminationGracePeriodSeconds: ");
    assert!(grace > 5 + 30, "{grace} s");
    for path in paths {
        let answer = health_tests::get(&format!("{}{path}", service.base)).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    }
}
