//! The message of a check that panics, which may hold anything (here a password), never reaches
//! stderr as it is: Rust's default hook does not print it, the service's log gets it redacted, and
//! once for a check that panics on every probe. A panic outside a check still reaches the
//! application's own hook. (The service runs as a process of its own: `src/bin/`.)

use health_tests::example::Example;
use health_tests::get;

#[actix_web::test]
async fn a_panicking_check_leaves_one_redacted_line_and_other_panics_reach_the_app() {
    let service = Example::start(
        env!("CARGO_BIN_EXE_panicking_service"),
        &[("RUST_BACKTRACE", "1")],
    )
    .await;
    for _ in 0..50 {
        let answer = get(&format!("{}/ready", service.base)).await;
        assert_eq!(answer.status, 503);
        assert_eq!(
            answer.json()["error"],
            "leaky failed: panicked (the message is in the service's log)"
        );
    }
    let answer = get(&format!("{}/panic-outside", service.base)).await;
    assert_eq!(answer.body, "panicked: true");

    let log = service.log();
    assert!(!log.contains("hunter2"), "{log}");
    assert!(!log.contains("stack backtrace"), "{log}");
    let lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("`leaky`"))
        .collect();
    assert_eq!(lines.len(), 1, "{log}");
    assert!(
        lines[0].starts_with(
            "WARN health check `leaky` panicked at tests/src/bin/panicking_service.rs:"
        ),
        "{}",
        lines[0]
    );
    // Through `log`, the event's fields follow its message.
    assert!(
        lines[0].ends_with(
            ": cannot reach postgres://***@db:5432/app check=\"leaky\" probe=\"readiness\" \
             status=\"FAIL\""
        ),
        "{}",
        lines[0]
    );
    // The app's hook saw the other panic, and none of the check's.
    let hooked: Vec<&str> = log
        .lines()
        .filter(|line| line.starts_with("app hook:"))
        .collect();
    assert_eq!(hooked, ["app hook: outside a check"], "{log}");
}
