//! What the JSON bodies share: strings, arrays and durations written by hand, as they are on every
//! probe's path.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

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
/// milliseconds (`"2026-12-05T12:00:00.250Z"`), or `null` past the year 9999. A check's `since`
/// changes only with its status, so each thread keeps the last time it wrote, formatted: written
/// anew on every probe, it cost 689 instructions a probe (239 by hand); kept, the whole history
/// costs a probe about 100 (callgrind, `benches/instructions/run.py`).
pub(super) fn write_time(out: &mut Vec<u8>, unix_ms: u64) {
    thread_local! {
        static LAST: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    LAST.with_borrow_mut(|(last_ms, text)| {
        if *last_ms != unix_ms {
            text.clear();
            let time = SystemTime::UNIX_EPOCH + Duration::from_millis(unix_ms);
            if write!(text, "\"{}\"", humantime::format_rfc3339_millis(time)).is_err() {
                text.clear();
                text.push_str("null");
            }
            *last_ms = unix_ms;
        }
        out.extend_from_slice(text.as_bytes());
    });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_and_each_thread_keeps_the_last() {
        let written = |ms| {
            let mut out = Vec::new();
            write_time(&mut out, ms);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(written(1_796_472_000_250), "\"2026-12-05T12:00:00.250Z\"");
        assert_eq!(written(1_796_472_000_250), "\"2026-12-05T12:00:00.250Z\"");
        assert_eq!(written(951_782_400_000), "\"2000-02-29T00:00:00.000Z\"");
        assert_eq!(written(253_402_300_799_999), "\"9999-12-31T23:59:59.999Z\"");
        assert_eq!(written(253_402_300_800_000), "null");
        assert_eq!(written(1_796_472_000_250), "\"2026-12-05T12:00:00.250Z\"");
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
