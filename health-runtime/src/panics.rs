//! Keeps the panics of checks off stderr. Rust's default panic hook prints a panic's message (which
//! may hold a password) and, with `RUST_BACKTRACE=1`, captures a backtrace: for a check that
//! panics on every probe, that is a flood of secrets and a slow probe. The hook installed here,
//! once, as the first `Health` is served, stays silent for a panic inside a check, whose message
//! `execute.rs` logs redacted and rate-limited, and hands every other panic, as it is, to the
//! hook it found: the app's (Sentry's, say), which is the app's to scrub. Where it found Rust's
//! own, which prints to stderr, a message that holds a credential or is too long for a log is
//! printed redacted and cut instead: a thread that a check started (`web::block`, a spawned task)
//! panics outside the check. A hook the app sets later replaces this one, and sees the panics of
//! checks too. A mistake in the configuration of checks stops the program with one message,
//! however many workers find it.

use std::backtrace::{Backtrace, BacktraceStatus};
use std::cell::RefCell;
use std::io::Write;
use std::panic::{self, PanicHookInfo};
use std::sync::{Mutex, Once, PoisonError};

use crate::outcome::cut;
use crate::{redact, running};

thread_local! {
    /// Where the latest panic inside a check on this thread happened: `src/db.rs:12:5`.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs the hook, the first time only; it calls the hook that was there for other panics.
pub(crate) fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let found = panic::take_hook();
        let found_rusts = is_rusts_own(&*found);
        panic::set_hook(Box::new(move |info| {
            if running::is_in_check() {
                let location = info.location().map(ToString::to_string);
                LOCATION.set(location);
                return;
            }
            let configuration = message(info).filter(|m| m.starts_with(CONFIGURATION));
            if configuration.is_some_and(told_before) {
                // The same mistake, found again by another worker building its `App`.
                return;
            }
            if found_rusts {
                if let Some(message) = message(info) {
                    let shown = loggable(message);
                    if shown != message {
                        return print_redacted(info, &shown);
                    }
                }
            }
            found(info)
        }));
    });
}

type Hook = dyn Fn(&PanicHookInfo<'_>) + Send + Sync;

/// Whether `hook` is Rust's default hook rather than one the app set: the same value as the one
/// `take_hook` gives while no hook is set (the same function behind the same vtable; a hook of
/// the app's, another function, never compares equal to it). Leaves Rust's hook set.
fn is_rusts_own(hook: &Hook) -> bool {
    let rusts = panic::take_hook();
    std::ptr::eq(hook, &*rusts)
}

/// How the message of a mistake in a `Health`'s configuration starts.
const CONFIGURATION: &str = "health checks cannot be served: ";

/// The configuration mistakes printed: each worker that builds its `App` with the same `Health`
/// finds its mistake again, and one message says it all; another mistake is told too.
static CONFIGURATION_TOLD: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Whether `mistake` was told already; it is, from now on.
fn told_before(mistake: &str) -> bool {
    let mut told = CONFIGURATION_TOLD
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if told.iter().any(|earlier| earlier == mistake) {
        return true;
    }
    told.push(mistake.to_owned());
    false
}

/// Stops the program at the caller's line with `problem`, a mistake in its health checks'
/// configuration (a name that `/<path>/<name>` cannot carry, two checks of one name), found as
/// the `Health` is built, before any server starts.
#[track_caller]
pub(crate) fn configuration_error(problem: impl std::fmt::Display) -> ! {
    install_hook();
    panic!("{CONFIGURATION}{problem}")
}

/// Where the latest panic inside a check on this thread happened, taken.
pub(crate) fn take_location() -> Option<String> {
    LOCATION.take()
}

/// Runs `f`, whose panics are part of one already caught: the location kept is that one's.
pub(crate) fn keeping_location<T>(f: impl FnOnce() -> T) -> T {
    let first = LOCATION.take();
    let result = f();
    LOCATION.set(first);
    result
}

/// The most bytes of a panic's message that a log line or stderr gets.
const MESSAGE_BYTES: usize = 4096;

/// A panic's message, redacted and cut for a log line.
pub(crate) fn loggable(message: &str) -> String {
    let (redacted, total) = redact::measured(message);
    cut(&redacted, MESSAGE_BYTES, total, "").unwrap_or_else(|| redacted.into_owned())
}

fn message<'a>(info: &'a PanicHookInfo<'_>) -> Option<&'a str> {
    let payload = info.payload();
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// What the default hook prints, with `message` in place of the panic's own.
fn print_redacted(info: &PanicHookInfo<'_>, message: &str) {
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("<unnamed>");
    let location = info.location().map(ToString::to_string).unwrap_or_default();
    let backtrace = Backtrace::capture();
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(
        stderr,
        "\nthread '{name}' panicked at {location}:\n{message}"
    );
    if backtrace.status() == BacktraceStatus::Captured {
        let _ = writeln!(stderr, "stack backtrace:\n{backtrace}");
    } else {
        let _ = writeln!(
            stderr,
            "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace"
        );
    }
}
