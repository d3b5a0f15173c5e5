//! Names that `/<path>/<name>` and `?exclude=` cannot reach one check by: two checks of one probe
//! with the same name (here two fns), and a builder check whose name breaks the attributes' rule.
//! The `App` is not built, with a message that names them; a server does not start.

use std::time::Duration;

use actix_web::{App, HttpServer, test};
use futures_util::FutureExt;
use health_runtime::{Check, Health, Probe, liveness};

#[liveness(name = "twin")]
async fn first() {}

#[liveness(name = "twin")]
async fn second() -> bool {
    false
}

/// A `Health` with builder checks named so that one could forge a `?verbose` line, and the
/// other's path be rewritten by clients (`/readyz/..` is `/`).
fn health() -> Health {
    let forged = Check::new("ok\n[+]db ok", || async { false });
    let dots = Check::new("..", || async {});
    Health::default()
        .check(Probe::Readiness, forged)
        .check(Probe::Readiness, dots)
}

#[actix_web::test]
async fn the_app_is_not_built_and_the_message_names_both_checks() {
    let building = test::init_service(App::new().service(health()));
    let panic = std::panic::AssertUnwindSafe(building)
        .catch_unwind()
        .await
        .err()
        .expect("the App is not built");
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(
        message.contains(
            "two liveness checks are named `twin`: duplicate_names::first and \
             duplicate_names::second; give one of them another name"
        ),
        "{message}"
    );
    assert!(
        message.contains(
            "readiness check \"ok\\n[+]db ok\" (Check::new): invalid character '\\n' in check name"
        ),
        "{message}"
    );
    assert!(
        message.contains("readiness check \"..\" (Check::new): a check name must not be only dots"),
        "{message}"
    );
}

#[actix_web::test]
async fn a_server_with_them_stops_at_once_with_an_error() {
    let server = HttpServer::new(|| App::new().service(health()))
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("bind a free loopback port")
        .run();
    let ended = actix_web::rt::time::timeout(Duration::from_secs(10), server).await;
    let result = ended.expect("the server stops rather than hangs");
    assert!(
        result.is_err(),
        "the server reports that it could not start"
    );
}
