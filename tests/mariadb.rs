//! The seed-parity example (`examples/mysql.rs`) against a real, throwaway MariaDB server that the
//! tests kill, freeze and restart. `--nocapture` shows the measured times to 503.

mod support;

use support::example::Example;
use support::mariadb::MariaDb;
use support::outage;
use support::server::{TestServer, WRONG_PASSWORD};

async fn example(server: &MariaDb) -> Example {
    Example::start("mysql", &[("DATABASE_URL", &server.url())]).await
}

#[actix_web::test]
async fn mariadb_killed_then_restarted() {
    let mut server = MariaDb::start();
    let service = example(&server).await;
    let took = outage::killed_then_restarted(&mut server, &service.base, "mysql").await;
    eprintln!("MariaDB killed: 503 after {took:?}");
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
    let service = Example::start("mysql", &[("DATABASE_URL", &url)]).await;
    let error = outage::wrong_password(&service.base, "mysql").await;
    assert!(error.contains("Access denied"), "{error}");
    assert!(!service.log().contains(WRONG_PASSWORD));
}
