//! What the JSON bodies share: strings, arrays and durations written by hand, as they are on every
//! probe's path.

use std::io::Write as _;
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
/// milliseconds: `"2026-12-05T12:00:00.250Z"`. By hand, as every check of every probe shows one:
/// with `humantime`'s `Display`, each check's history cost a probe 689 instructions; with this,
/// 257 (`benches/instructions/run.py`).
pub(super) fn write_time(out: &mut Vec<u8>, unix_ms: u64) {
    let (days, ms_of_day) = (unix_ms / 86_400_000, unix_ms % 86_400_000);
    let (year, month, day) = civil_from_days(days);
    if year > 9999 {
        // Four digits no more: what the formatting crate says of such a clock.
        let time = SystemTime::UNIX_EPOCH + Duration::from_millis(unix_ms);
        let _ = write!(out, "\"{}\"", humantime::format_rfc3339_millis(time));
        return;
    }
    let (seconds, ms) = (ms_of_day / 1000, ms_of_day % 1000);
    // Two digits of each number below 100.
    let two = |n: u64| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
    let [y1, y2] = two(year / 100);
    let [y3, y4] = two(year % 100);
    let [mo1, mo2] = two(month);
    let [d1, d2] = two(day);
    let [h1, h2] = two(seconds / 3600);
    let [mi1, mi2] = two(seconds / 60 % 60);
    let [s1, s2] = two(seconds % 60);
    let [ms2, ms3] = two(ms % 100);
    let ms1 = b'0' + (ms / 100) as u8;
    out.extend_from_slice(&[
        b'"', y1, y2, y3, y4, b'-', mo1, mo2, b'-', d1, d2, b'T', h1, h2, b':', mi1, mi2, b':', s1,
        s2, b'.', ms1, ms2, ms3, b'Z', b'"',
    ]);
}

/// The proleptic Gregorian date of a day since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
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
    fn times_are_rfc3339_as_humantime_writes_them() {
        let mut ms: u64 = 0;
        // Every day of four centuries (leap years and the year 2000 among them), at odd times,
        // then the last time with four digits of year.
        while ms < 12_700_000_000_000 {
            let mut out = Vec::new();
            write_time(&mut out, ms);
            let time = SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
            let expected = format!("\"{}\"", humantime::format_rfc3339_millis(time));
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{ms}");
            ms += 86_400_000 + 3_723_456;
        }
        let mut out = Vec::new();
        write_time(&mut out, 253_402_300_799_999);
        assert_eq!(out, b"\"9999-12-31T23:59:59.999Z\"");
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
