//! Two checks of one probe with the same name: both run and are listed, and the service's log
//! says that `/<path>/<name>` and `?exclude=` reach both. (Its own binary: the logger is global.)

use std::sync::Mutex;

use health_runtime::liveness;
use health_tests::{get, serve_health};

#[liveness(name = "twin")]
async fn first() {}

#[liveness(name = "twin")]
async fn second() -> bool {
    false
}

/// Keeps every warning logged, for the test to read.
struct Warnings(Mutex<Vec<String>>);

static WARNINGS: Warnings = Warnings(Mutex::new(Vec::new()));

impl log::Log for Warnings {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            self.0.lock().unwrap().push(record.args().to_string());
        }
    }

    fn flush(&self) {}
}

#[actix_web::test]
async fn duplicate_names_are_warned_about_and_both_checks_run() {
    log::set_logger(&WARNINGS).expect("the only logger of this binary");
    log::set_max_level(log::LevelFilter::Warn);

    let base = serve_health();
    let answer = get(&format!("{base}/livez/twin")).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(answer.check_names(), ["twin", "twin"]);

    let warnings = WARNINGS.0.lock().unwrap();
    assert!(
        warnings.iter().any(|warning| {
            warning
            == "two liveness checks are named `twin`; `/<path>/twin` and `?exclude=twin` reach both"
        }),
        "{warnings:?}"
    );
}
