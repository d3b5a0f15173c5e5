//! What the JSON bodies share: strings, arrays and durations written by hand, as they are on every
//! probe's path.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use crate::recent::RecentRun;
use crate::report::Status;

/// A JSON string; copied as it is when nothing in it needs escaping (names always, as the
/// attributes allow no such character in them).
pub(crate) fn write_str(out: &mut Vec<u8>, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else if serde_json::to_writer(&mut *out, text).is_err() {
        out.extend_from_slice(b"null");
    }
}

pub(super) fn write_array<S: AsRef<str>>(out: &mut Vec<u8>, items: impl Iterator<Item = S>) {
    out.push(b'[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, item.as_ref());
    }
    out.push(b']');
}

/// The commas between the items of a list whose first item is not known in advance.
#[derive(Default)]
pub(super) struct Commas {
    started: bool,
}

impl Commas {
    /// A comma, unless the next item is the first.
    pub(super) fn before_next(&mut self, out: &mut Vec<u8>) {
        if std::mem::replace(&mut self.started, true) {
            out.push(b',');
        }
    }
}

/// Any JSON value.
pub(super) fn write_value(out: &mut Vec<u8>, value: &serde_json::Value) {
    // A `Value` always serializes, and writing to a Vec cannot fail.
    if serde_json::to_writer(&mut *out, value).is_err() {
        out.extend_from_slice(b"null");
    }
}

/// A time given in milliseconds since the Unix epoch, as an RFC 3339 JSON string in UTC with
/// milliseconds (`"2026-12-05T12:00:00.250Z"`), or `null` past the year 9999. Every check of
/// every probe shows one, its `since`, which changes only with the check's status: formatted anew
/// each time, it cost 689 instructions a check; each thread therefore keeps the seconds it wrote
/// last, formatted, and puts in the milliseconds (the whole history then costs a probe of one
/// check about 90; callgrind, `benches/instructions/run.py`). Kept by second, not by time, so
/// that checks which started together share one slot.
pub(super) fn write_time(out: &mut Vec<u8>, unix_ms: u64) {
    thread_local! {
        static SECONDS: RefCell<Seconds> = const { RefCell::new(Seconds::new()) };
    }
    let (second, ms) = (unix_ms / 1000, unix_ms % 1000);
    SECONDS.with_borrow_mut(|seconds| match seconds.formatted(second) {
        Some(mut text) => {
            let digit = |n: u64| b'0' + (n % 10) as u8;
            text[21..24].copy_from_slice(&[digit(ms / 100), digit(ms / 10), digit(ms)]);
            out.extend_from_slice(&text);
        }
        None => out.extend_from_slice(b"null"),
    });
}

/// A time as JSON: `"2026-12-05T12:00:00.250Z"`, the milliseconds at 21..24.
type Formatted = [u8; 26];

/// The seconds a thread wrote last, formatted: slots enough for the distinct seconds of a
/// service's checks (those that started together share theirs), the oldest replaced first.
struct Seconds {
    slots: [(u64, Option<Formatted>); 8],
    oldest: usize,
}

impl Seconds {
    const fn new() -> Seconds {
        Seconds {
            slots: [(u64::MAX, None); 8],
            oldest: 0,
        }
    }

    /// `second` formatted, its milliseconds `.000`; `None` past the year 9999.
    fn formatted(&mut self, second: u64) -> Option<Formatted> {
        if let Some((_, text)) = self.slots.iter().find(|(kept, _)| *kept == second) {
            return *text;
        }
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(second);
        let mut text = String::with_capacity(26);
        let text = write!(text, "\"{}\"", humantime::format_rfc3339_millis(time))
            .ok()
            .and_then(|()| Formatted::try_from(text.as_bytes()).ok());
        self.slots[self.oldest] = (second, text);
        self.oldest = (self.oldest + 1) % self.slots.len();
        text
    }
}

/// Milliseconds with microsecond resolution (most checks finish in well under a millisecond),
/// as the shortest decimal: `0.042`, `1.5`, `300.0`.
pub(super) fn write_ms(out: &mut Vec<u8>, duration: Duration) {
    // In u64, as u128 arithmetic is slow: that is 584,000 years of microseconds.
    let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
    let whole = micros / 1000;
    // Byte by byte where the length varies: a copy of unknown length costs a call.
    if whole < 10 {
        out.push(b'0' + whole as u8);
    } else {
        out.extend_from_slice(itoa::Buffer::new().format(whole).as_bytes());
    }
    out.push(b'.');
    let fraction = micros % 1000;
    // `.0` for whole milliseconds, else up to three digits without trailing zeros.
    out.push(b'0' + (fraction / 100) as u8);
    if fraction % 100 != 0 {
        out.push(b'0' + (fraction / 10 % 10) as u8);
        if fraction % 10 != 0 {
            out.push(b'0' + (fraction % 10) as u8);
        }
    }
}

/// A check's recent runs, oldest first: `[{"start":"...","duration_ms":1.5,"status":"OK"},
/// {...,"status":"FAIL","error":"refused"}]`, with `statuses` naming pass, warn and fail.
pub(super) fn write_runs(out: &mut Vec<u8>, runs: &[RecentRun], statuses: [&str; 3]) {
    let now = SystemTime::now();
    out.push(b'[');
    for (i, run) in runs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"start\":");
        write_time(out, run.began_ms(now));
        out.extend_from_slice(b",\"duration_ms\":");
        write_ms(out, run.duration);
        out.extend_from_slice(b",\"status\":");
        let status = match run.status {
            Status::Ok => statuses[0],
            Status::Warn => statuses[1],
            Status::Fail => statuses[2],
        };
        write_str(out, status);
        if let Some(reason) = &run.reason {
            out.extend_from_slice(b",\"error\":");
            write_str(out, reason);
        }
        out.push(b'}');
    }
    out.push(b']');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_as_humantime_writes_them_through_the_kept_seconds() {
        let written = |ms| {
            let mut out = Vec::new();
            write_time(&mut out, ms);
            String::from_utf8(out).unwrap()
        };
        let expected = |ms| {
            let time = SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
            format!("\"{}\"", humantime::format_rfc3339_millis(time))
        };
        // Every day of four centuries at odd times (each a second no slot keeps), then the same
        // times again in an order that finds some kept and replaces others.
        let times: Vec<u64> = (0..12_700_000_000_000)
            .step_by(86_400_000 + 3_723_456)
            .collect();
        for &ms in times.iter().chain(times.iter().rev()) {
            assert_eq!(written(ms), expected(ms), "{ms}");
        }
        // A probe's checks: more seconds than slots, one apart, and milliseconds within one.
        for round in 0..3 {
            for check in 0..11 {
                let ms = 1_796_472_000_000 + check * 1_001 + round * 10;
                assert_eq!(written(ms), expected(ms), "{ms}");
            }
        }
        assert_eq!(written(951_782_400_000), "\"2000-02-29T00:00:00.000Z\"");
        assert_eq!(written(253_402_300_799_999), "\"9999-12-31T23:59:59.999Z\"");
        assert_eq!(written(253_402_300_800_000), "null");
        assert_eq!(written(253_402_300_800_000), "null");
    }

    #[test]
    fn durations_are_shortest_decimals() {
        for (micros, text) in [
            (0, "0.0"),
            (1, "0.001"),
            (42, "0.042"),
            (999, "0.999"),
            (1_000, "1.0"),
            (1_005, "1.005"),
            (1_050, "1.05"),
            (1_230, "1.23"),
            (1_500, "1.5"),
            (9_999, "9.999"),
            (10_000, "10.0"),
            (300_000, "300.0"),
        ] {
            let mut out = Vec::new();
            write_ms(&mut out, Duration::from_micros(micros));
            assert_eq!(String::from_utf8(out).unwrap(), text);
        }
        // Beyond u64 microseconds, saturated rather than wrapped.
        let mut out = Vec::new();
        write_ms(&mut out, Duration::MAX);
        assert_eq!(String::from_utf8(out).unwrap(), "18446744073709551.615");
    }
}
