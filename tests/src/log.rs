//! The `log` records of a test binary, as `LEVEL message fields`, for the tests that assert what
//! the runtime logs: with no `tracing` subscriber, its events reach `log`.

use std::sync::{Mutex, Once};

/// The records captured so far.
pub struct Captured(Mutex<Vec<String>>);

impl Captured {
    /// Every record captured so far.
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

impl log::Log for Captured {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {}", record.level(), record.args());
        self.0.lock().unwrap().push(line);
    }

    fn flush(&self) {}
}

static CAPTURED: Captured = Captured(Mutex::new(Vec::new()));

/// This binary's records from INFO up, from the first call on (which sets the logger).
pub fn captured() -> &'static Captured {
    static SET: Once = Once::new();
    SET.call_once(|| {
        log::set_logger(&CAPTURED).expect("the one logger of this binary");
        log::set_max_level(log::LevelFilter::Info);
    });
    &CAPTURED
}
