//! Keeps the panics of checks off stderr. Rust's default panic hook prints a panic's message (which
//! may hold a password) and, with `RUST_BACKTRACE=1`, captures a backtrace: for a check that
//! panics on every probe, that is a flood of secrets and a slow probe. The hook installed here,
//! once, stays silent for a panic inside a check, whose message `execute.rs` logs redacted and
//! rate-limited, and hands every other panic to the hook that was installed before it.

use std::cell::{Cell, RefCell};
use std::panic;
use std::sync::Once;

thread_local! {
    /// Whether this thread is running a check's code right now.
    static IN_CHECK: Cell<bool> = const { Cell::new(false) };
    /// Where the latest panic inside a check on this thread happened: `src/db.rs:12:5`.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs the hook, the first time only; it calls the hook that was there for other panics.
pub(crate) fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if IN_CHECK.get() {
                let location = info.location().map(ToString::to_string);
                LOCATION.set(location);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, a part of a check's code, with the hook told so.
pub(crate) fn in_check<T>(f: impl FnOnce() -> T) -> T {
    /// Restores the flag however `f` ends, unwinding included.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            IN_CHECK.set(self.0);
        }
    }
    let _restore = Restore(IN_CHECK.replace(true));
    f()
}

/// Where the latest panic inside a check on this thread happened, taken.
pub(crate) fn take_location() -> Option<String> {
    LOCATION.take()
}
