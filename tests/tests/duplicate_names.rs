//! Names that `/<path>/<name>` and `?exclude=` cannot reach one check by: two checks of one probe
//! with one name (here two fns), and builder checks whose names break the attributes' rule. Each
//! stops the program where the `Health` or the `Check` is built, at the caller's line, with one
//! message, and before any port opens.

use std::net::TcpStream;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use health_runtime::{Check, Health, liveness};
use health_tests::example::Example;

#[liveness(name = "twin")]
async fn first() {}

#[liveness(name = "twin")]
async fn second() -> bool {
    false
}

/// The message of the panic of `build`, and the place it names.
fn mistake<T>(build: impl FnOnce() -> T, place: &Arc<Mutex<String>>) -> (String, String) {
    let payload = panic::catch_unwind(AssertUnwindSafe(build))
        .err()
        .expect("a mistake stops the program");
    let message = payload.downcast_ref::<String>().expect("a message").clone();
    let place = place.lock().unwrap().clone();
    (message, place)
}

#[test]
fn each_mistake_is_told_at_the_callers_line() {
    // The runtime's hook first, then one that keeps the place of every panic.
    let _ = panic::catch_unwind(|| Check::new("", || async {}));
    let place = Arc::new(Mutex::new(String::new()));
    panic::set_hook(Box::new({
        let place = place.clone();
        move |info| *place.lock().unwrap() = info.location().unwrap().to_string()
    }));
    let here = |line: u32| format!("{}:{line}:", file!());

    // A closure, not `Health::default` itself: called through a fn pointer, the caller's line
    // would be the standard library's.
    #[allow(clippy::redundant_closure)]
    let (message, at) = mistake(|| Health::default(), &place);
    assert!(at.starts_with(&here(line!() - 1)), "{at}");
    assert_eq!(
        message,
        "health checks cannot be served: two liveness checks are named `twin`: \
         duplicate_names::first and duplicate_names::second; give one of them another name"
    );

    let (message, at) = mistake(|| Check::new("ok\n[+]db ok", || async {}), &place);
    assert!(at.starts_with(&here(line!() - 1)), "{at}");
    assert!(
        message.contains("Check::new(\"ok\\n[+]db ok\"): invalid character '\\n' in check name"),
        "{message}"
    );
    let (message, _) = mistake(|| Check::new("..", || async {}), &place);
    assert!(message.ends_with("a check name must not be only dots: clients rewrite `/readyz/..`"));
    let (message, _) = mistake(
        || Check::new("postgres://app:S3CR3T@db", || async {}),
        &place,
    );
    assert!(!message.contains("S3CR3T"), "{message}");

    let (message, at) = mistake(|| Check::new("db", || async {}).failures(0), &place);
    assert!(at.starts_with(&here(line!() - 1)), "{at}");
    assert!(
        message
            .ends_with("Check::new(\"db\").failures(0): a number of runs in a row is at least 1"),
        "{message}"
    );
    let (message, _) = mistake(|| Check::new("db", || async {}).successes(0), &place);
    assert!(message.contains(".successes(0)"), "{message}");
    let _ = panic::take_hook();
}

/// Built before the server, the mistake stops the program before its port opens: no connection
/// is ever accepted, and the message is told once, with the line that built the `Health`.
#[actix_web::test]
async fn the_service_stops_before_its_port_opens() {
    let mut service = Example::spawn(env!("CARGO_BIN_EXE_misconfigured_service"), &[]);
    let exited = loop {
        assert!(
            TcpStream::connect_timeout(
                &service.address().parse().unwrap(),
                Duration::from_millis(50)
            )
            .is_err(),
            "a connection was accepted"
        );
        if let Some(status) = service.exit_within(Duration::from_millis(10)).await {
            break status;
        }
    };
    assert!(!exited.success());
    let log = service.log();
    assert_eq!(
        log.matches("two liveness checks are named `twin`").count(),
        1,
        "{log}"
    );
    assert!(
        log.contains("panicked at tests/src/bin/misconfigured_service.rs:"),
        "{log}"
    );
    assert!(!log.contains("worker"), "{log}");
}

/// Built by each worker, the mistake is still told once.
#[actix_web::test]
async fn workers_that_each_find_the_mistake_tell_it_once() {
    let mut service = Example::spawn(
        env!("CARGO_BIN_EXE_misconfigured_service"),
        &[("HEALTH_PER_WORKER", "1")],
    );
    let exited = service.exit_within(Duration::from_secs(20)).await;
    assert!(!exited.expect("the service stops").success());
    let log = service.log();
    assert_eq!(
        log.matches("two liveness checks are named `twin`").count(),
        1,
        "{log}"
    );
}
