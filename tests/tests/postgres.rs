//! A readiness check on a `PgPool` against a real, throwaway PostgreSQL server that the tests
//! kill, freeze and restart. `--nocapture` shows the measured times to 503.

use actix_web::web;
use health_runtime::{Health, checks, liveness, readiness};
use std::time::{Duration, Instant};

use health_tests::outage;
use health_tests::postgres::Postgres;
use health_tests::server::{TestServer, WRONG_PASSWORD};
use health_tests::{get, serve};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

#[liveness]
async fn alive() {}

#[readiness(name = "postgres", timeout = "500ms")]
async fn database(pool: web::Data<PgPool>) -> Result<(), sqlx::Error> {
    checks::sqlx::ping(&pool).await
}

fn service(url: &str) -> String {
    service_on(PgPool::connect_lazy(url).expect("a valid URL"))
}

fn service_on(pool: PgPool) -> String {
    let pool = web::Data::new(pool);
    serve(move |config| {
        config.app_data(pool.clone()).service(Health::default());
    })
}

#[actix_web::test]
async fn postgres_killed_then_restarted() {
    let mut server = Postgres::start();
    let base = service(&server.url());
    let took = outage::killed_then_restarted(&mut server, &base, "postgres").await;
    eprintln!(
        "PostgreSQL killed: 503 after {:?}, then refused: 503 after {:?}",
        took.0, took.1
    );
}

#[actix_web::test]
async fn postgres_restarted_between_probes_is_no_outage() {
    let mut server = Postgres::start();
    let base = service(&server.url());
    outage::restarted_between_probes(&mut server, &base).await;
}

#[actix_web::test]
async fn postgres_frozen_then_thawed() {
    let mut server = Postgres::start();
    let base = service(&server.url());
    let took = outage::frozen_then_thawed(&mut server, &base, "postgres").await;
    eprintln!("PostgreSQL frozen: 503 after {took:?}");
}

#[actix_web::test]
async fn postgres_storm_during_outage() {
    let mut server = Postgres::start();
    let base = service(&server.url());
    outage::storm_during_outage(&mut server, &base, "postgres").await;
}

#[actix_web::test]
async fn postgres_refused_login_keeps_secrets() {
    let server = Postgres::start();
    let base = service(&server.url_with_password(WRONG_PASSWORD));
    let error = outage::wrong_password(&base, "postgres").await;
    assert!(error.contains("password authentication failed"), "{error}");
}

/// Without sqlx's test-before-acquire, the cut-off is in `ping` itself. The connection must then
/// be closed, not left checked out in sqlx's release-time ping until the server thaws.
#[actix_web::test]
async fn a_ping_cut_off_by_its_timeout_gives_its_connection_back() {
    let mut server = Postgres::start();
    let pool = PgPoolOptions::new()
        .test_before_acquire(false)
        .max_connections(2)
        .connect_lazy(&server.url())
        .expect("a valid URL");
    let base = service_on(pool.clone());
    assert_eq!(get(&format!("{base}/ready")).await.status, 200);
    assert_eq!(pool.size(), 1);

    server.process().freeze();
    let answer = get(&format!("{base}/ready")).await;
    assert_eq!(
        answer.json()["error"],
        "postgres failed: timed out after 500ms"
    );
    // sqlx closes it in the background, giving up on a polite goodbye after 5 s.
    let deadline = Instant::now() + Duration::from_secs(10);
    while pool.size() > 0 {
        assert!(
            Instant::now() < deadline,
            "the cut-off connection is still held while frozen"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }

    server.process().thaw();
    assert_eq!(get(&format!("{base}/ready")).await.status, 200);
}
