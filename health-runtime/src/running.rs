//! What this thread runs right now: a check's code or not, and which ready-made dependency check
//! that code called. The panic hook reads the first (`panics.rs`); a run reads the second, to
//! warn a liveness check that one outage of that dependency restarts every pod
//! (`Check::saw_call`). One byte for both, so that a check's poll costs what it did with the
//! first alone (a cell of `Option<Option<&str>>` read +25 instructions a probe).

use std::cell::Cell;

/// The ready-made checks that call another service, by the number the cell holds less 2.
const DEPENDENCIES: [&str; 5] = [
    "checks::sqlx",
    "checks::redis",
    "checks::http",
    "checks::tcp",
    "checks::dns",
];
/// Outside a check's code.
const OUTSIDE: u8 = 0;
/// Inside a check's code that has called no dependency check.
const INSIDE: u8 = 1;

thread_local! {
    /// `OUTSIDE`, `INSIDE`, or inside and `DEPENDENCIES[n - 2]` called.
    static RUNNING: Cell<u8> = const { Cell::new(OUTSIDE) };
}

/// Runs `f`, a part of a check's code, with the panic hook told so; returns what it returned and
/// what it called, for [`Called::dependency`].
pub(crate) fn in_check<T>(f: impl FnOnce() -> T) -> (T, Called) {
    /// Swaps the cell back however `f` ends, unwinding included, keeping what `f` left in it.
    struct Restore<'a> {
        outer: u8,
        inner: &'a Cell<u8>,
    }
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            self.inner.set(RUNNING.replace(self.outer));
        }
    }
    let inner = Cell::new(INSIDE);
    let result = {
        let _restore = Restore {
            outer: RUNNING.replace(INSIDE),
            inner: &inner,
        };
        f()
    };
    (result, Called(inner.get()))
}

/// What a part of a check's code called, as the cell held it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Called(u8);

impl Called {
    /// The dependency check it called: `checks::sqlx`.
    pub(crate) fn dependency(self) -> Option<&'static str> {
        // Two compares on a probe's path; the name is looked up only when one was called.
        if self.0 <= INSIDE {
            return None;
        }
        DEPENDENCIES.get(usize::from(self.0 - 2)).copied()
    }
}

/// Whether this thread runs a check's code right now.
pub(crate) fn is_in_check() -> bool {
    RUNNING.get() != OUTSIDE
}

/// Said by a ready-made check that calls another service, as it starts: `checks::sqlx`, one of
/// `DEPENDENCIES`.
#[cfg_attr(
    not(any(
        feature = "mysql",
        feature = "postgres",
        feature = "sqlite",
        feature = "redis",
        feature = "http-upstream",
        feature = "tcp",
        feature = "dns"
    )),
    allow(dead_code)
)]
pub(crate) fn dependency(what: &'static str) {
    let called = DEPENDENCIES.iter().position(|name| *name == what);
    if let (true, Some(n)) = (is_in_check(), called) {
        RUNNING.set(2 + n as u8);
    }
}
