//! Timestamps (microseconds since the Unix epoch, UTC) and durations.
//!
//! Parsing accepts RFC 3339 (`2026-01-05T13:45:12Z`, `+02:00` offsets, fractional seconds) and
//! integer Unix seconds. The common shapes go through a hand-written fast path (measured: it is
//! several times faster than a general parser and loading is dominated by it); everything else,
//! and every error message, comes from `jiff`, so the accepted language is jiff's RFC 3339.

use std::fmt;

use crate::error::{Error, Result};

/// Microseconds per second.
pub const US_PER_SEC: i64 = 1_000_000;

/// Why a timestamp was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError(pub String);

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a timestamp column expects, for error messages.
pub const TIMESTAMP_EXPECTED: &str =
    "an RFC 3339 timestamp such as 2026-01-05T13:45:12Z (with Z or an offset) or integer Unix seconds";

/// The earliest timestamp a log holds: 0000-01-01T00:00:00Z, in microseconds.
pub const MIN_US: i64 = -62_167_219_200 * US_PER_SEC;

/// The latest timestamp a log holds: 9999-12-31T23:59:59.999999Z, in microseconds.
pub const MAX_US: i64 = 253_402_300_800 * US_PER_SEC - 1;

/// Whether a timestamp (microseconds, UTC) is within years 0000 to 9999 in UTC: the instants
/// that RFC 3339 writes with a four-digit year, so every loaded timestamp is written back by
/// [`format_us`] in a form [`parse_timestamp`] reads (docs/formats.md, "Timestamps").
pub fn in_range(us: i64) -> bool {
    (MIN_US..=MAX_US).contains(&us)
}

fn range_error() -> TimestampError {
    TimestampError(format!(
        "{TIMESTAMP_EXPECTED}, within years 0000 to 9999 in UTC"
    ))
}

/// Parses an RFC 3339 timestamp or integer Unix seconds into microseconds, UTC.
///
/// The instant must fall within years 0000 to 9999 in UTC ([`in_range`]); an offset must be
/// `Z` or `±HH:MM` with hours 00 to 23; a leap second (`23:59:60`) is read as `23:59:59`.
pub fn parse_timestamp(s: &[u8]) -> std::result::Result<i64, TimestampError> {
    let us = parse_unchecked(s)?;
    if in_range(us) {
        Ok(us)
    } else {
        Err(range_error())
    }
}

/// Whether the text after the time of day is an offset RFC 3339 allows: `Z`, or `±HH:MM` with
/// hours 00-23 and minutes 00-59 (jiff also takes `+01`, `+0100`, `+24:00` and seconds).
fn rfc3339_offset(text: &str) -> bool {
    let b = text.as_bytes();
    if matches!(b.last(), Some(b'Z' | b'z')) {
        return true;
    }
    match b.get(b.len().saturating_sub(6)..) {
        Some([b'+' | b'-', h1, h2, b':', m1, m2]) => {
            matches!(digits::<2>(&[*h1, *h2], 0), Some(h) if h <= 23)
                && matches!(digits::<2>(&[*m1, *m2], 0), Some(m) if m <= 59)
        }
        _ => false,
    }
}

fn parse_unchecked(s: &[u8]) -> std::result::Result<i64, TimestampError> {
    if let Some(us) = fast_rfc3339(s) {
        return Ok(us);
    }
    if !s.is_empty()
        && s.iter()
            .enumerate()
            .all(|(i, b)| b.is_ascii_digit() || (i == 0 && *b == b'-' && s.len() > 1))
    {
        let text = std::str::from_utf8(s).expect("ascii");
        return text
            .parse::<i64>()
            .ok()
            .and_then(|secs| secs.checked_mul(US_PER_SEC))
            .filter(|us| in_range(*us))
            .ok_or_else(|| {
                TimestampError(format!(
                    "{TIMESTAMP_EXPECTED}; Unix seconds out of range (years 0000 to 9999 in UTC)"
                ))
            });
    }
    let text = std::str::from_utf8(s).map_err(|_| TimestampError("not valid UTF-8".into()))?;
    match text.parse::<jiff::Timestamp>() {
        Ok(_) if !rfc3339_offset(text) => Err(TimestampError(format!(
            "expected {TIMESTAMP_EXPECTED}; the offset must be Z or ±HH:MM with hours 00 to 23"
        ))),
        Ok(t) => Ok(t.as_microsecond()),
        Err(e) => Err(TimestampError(format!(
            "expected {TIMESTAMP_EXPECTED} ({e})"
        ))),
    }
}

fn digits<const N: usize>(s: &[u8], at: usize) -> Option<u32> {
    let mut v = 0u32;
    for &b in s.get(at..at + N)? {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (b - b'0') as u32;
    }
    Some(v)
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)` with every field in range, else `None`.
fn fast_rfc3339(s: &[u8]) -> Option<i64> {
    fast_time(s, fast_date(s)?)
}

/// The days since 1970-01-01 of the date `YYYY-MM-DD` that starts `s` (a valid date, and `s`
/// long enough for the shortest timestamp of [`fast_rfc3339`]), else `None`.
fn fast_date(s: &[u8]) -> Option<i64> {
    if s.len() < 20 || s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    let year = digits::<4>(s, 0)? as i64;
    let month = digits::<2>(s, 5)?;
    let day = digits::<2>(s, 8)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// The instant of [`fast_rfc3339`]'s `s` whose date (its first 10 bytes) is `days` since
/// 1970-01-01, from the rest of `s`; `None` when that rest is not `THH:MM:SS[.f{1,9}](Z|±HH:MM)`
/// with every field in range.
fn fast_time(s: &[u8], days: i64) -> Option<i64> {
    if s.len() < 20 || !matches!(s[10], b'T' | b't' | b' ') || s[13] != b':' || s[16] != b':' {
        return None;
    }
    let hour = digits::<2>(s, 11)? as i64;
    let min = digits::<2>(s, 14)? as i64;
    let sec = digits::<2>(s, 17)? as i64;
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    let mut i = 19;
    let mut frac_us = 0i64;
    if s[i] == b'.' {
        i += 1;
        let start = i;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        let n = i - start;
        if n == 0 || n > 9 {
            return None;
        }
        for k in 0..6 {
            let d = if k < n {
                (s[start + k] - b'0') as i64
            } else {
                0
            };
            frac_us = frac_us * 10 + d;
        }
    }
    let offset_s = match s.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let oh = digits::<2>(&[*h1, *h2], 0)? as i64;
            let om = digits::<2>(&[*m1, *m2], 0)? as i64;
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec - offset_s;
    Some(secs * US_PER_SEC + frac_us)
}

/// [`parse_timestamp`] for a column of timestamps: it keeps the date of the last RFC 3339
/// timestamp it read, and a timestamp of the same date (consecutive events of one customer,
/// or rows exported in time order) skips the date's digits, checks and day count. Its results
/// and errors are those of [`parse_timestamp`].
#[derive(Debug, Clone, Default)]
pub(crate) struct TimestampParser {
    /// The first 10 bytes of the last timestamp whose date was valid, and its days since
    /// 1970-01-01 (`None` before the first).
    date: [u8; 10],
    days: Option<i64>,
}

impl TimestampParser {
    #[inline]
    pub(crate) fn parse(&mut self, s: &[u8]) -> std::result::Result<i64, TimestampError> {
        let days = match (self.days, s.get(..10)) {
            (Some(days), Some(date)) if date == self.date => Some(days),
            _ => fast_date(s).inspect(|&days| {
                self.date.copy_from_slice(&s[..10]);
                self.days = Some(days);
            }),
        };
        match days.and_then(|days| fast_time(s, days)) {
            Some(us) if in_range(us) => Ok(us),
            // Anything else (another format, a bad field, out of range) as parse_timestamp
            // reads it, with its error.
            _ => parse_timestamp(s),
        }
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day number since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Formats microseconds as RFC 3339 in UTC (`2026-01-05T13:45:12Z`, fractional part if any).
pub fn format_us(us: i64) -> String {
    let secs = us.div_euclid(US_PER_SEC);
    let frac = us.rem_euclid(US_PER_SEC);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let base = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    );
    if frac == 0 {
        format!("{base}Z")
    } else {
        let f = format!("{frac:06}");
        format!("{base}.{}Z", f.trim_end_matches('0'))
    }
}

/// Parses a duration: `"90s"`, `"30m"`, `"12h"`, `"7d"`, `"2w"` (also combined, `"1d12h"`), or
/// a plain number of seconds. Returns microseconds.
pub fn parse_duration(s: &str) -> Result<i64> {
    let bad = || {
        Error::argument(
            "duration",
            format!("{s:?} is not a duration; expected e.g. \"30m\", \"7d\", \"2w\" or seconds"),
        )
    };
    let t = s.trim();
    if t.is_empty() {
        return Err(bad());
    }
    if let Ok(secs) = t.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Ok((secs * US_PER_SEC as f64).round() as i64);
        }
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut num = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(bad()),
        };
        let n: f64 = num.parse().map_err(|_| bad())?;
        num.clear();
        total = total
            .checked_add((n * unit as f64 * US_PER_SEC as f64).round() as i64)
            .ok_or_else(bad)?;
    }
    if !num.is_empty() {
        return Err(bad());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(parse_timestamp(b"1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(
            parse_timestamp(b"2026-01-05T13:45:12Z"),
            Ok(1_767_620_712 * US_PER_SEC)
        );
        assert_eq!(
            parse_timestamp(b"2026-01-05T15:45:12+02:00"),
            Ok(1_767_620_712 * US_PER_SEC)
        );
        assert_eq!(
            parse_timestamp(b"2026-01-05T13:45:12.25Z"),
            Ok(1_767_620_712 * US_PER_SEC + 250_000)
        );
        assert_eq!(
            parse_timestamp(b"1767620712"),
            Ok(1_767_620_712 * US_PER_SEC)
        );
        assert_eq!(parse_timestamp(b"-1"), Ok(-US_PER_SEC));
    }

    #[test]
    fn rejects_bad_timestamps_with_reason() {
        for bad in [
            &b"2026-13-01T00:00:00Z"[..],
            b"2026-02-30T00:00:00Z",
            b"2026-01-05T13:45:12",
            b"yesterday",
            b"",
            b"-",
            b"99999999999999999999",
        ] {
            let e = parse_timestamp(bad).unwrap_err();
            assert!(e.0.contains("RFC 3339"), "{e}");
        }
    }

    #[test]
    fn only_years_0000_to_9999_in_utc() {
        // Year 0000 with a positive offset is year -0001 in UTC; 9999 with a negative one is
        // 10000: neither could be written back with a four-digit year.
        for bad in [
            &b"0000-01-01T00:30:00+01:00"[..],
            b"9999-12-31T23:59:59-05:00",
            b"-62167219201",
            b"253402300800",
            b"-300000000000",
        ] {
            let e = parse_timestamp(bad).unwrap_err();
            assert!(e.0.contains("years 0000 to 9999"), "{e}");
        }
        assert_eq!(parse_timestamp(b"0000-01-01T00:00:00Z"), Ok(MIN_US));
        assert_eq!(parse_timestamp(b"-62167219200"), Ok(MIN_US));
        assert_eq!(parse_timestamp(b"9999-12-31T23:59:59.999999Z"), Ok(MAX_US));
        assert_eq!(format_us(MIN_US), "0000-01-01T00:00:00Z");
        assert_eq!(format_us(MAX_US), "9999-12-31T23:59:59.999999Z");
        assert_eq!(
            parse_timestamp(b"0000-01-01T00:30:00-01:00"),
            Ok(MIN_US + 5_400 * US_PER_SEC)
        );
    }

    #[test]
    fn offsets_are_z_or_hh_mm_below_24_hours() {
        for bad in [
            &b"2026-01-05T13:45:12+24:00"[..],
            b"2026-01-05T13:45:12+01",
            b"2026-01-05T13:45:12+0100",
            b"2026-01-05T13:45:12-25:00",
        ] {
            let e = parse_timestamp(bad).unwrap_err();
            assert!(e.0.contains("offset must be Z or"), "{e}");
        }
        assert_eq!(
            parse_timestamp(b"2026-01-05T13:45:12-23:59"),
            Ok((1_767_620_712 + 86_340) * US_PER_SEC)
        );
    }

    #[test]
    fn a_leap_second_is_read_as_the_second_before() {
        let at_59 = parse_timestamp(b"2016-12-31T23:59:59Z").unwrap();
        assert_eq!(at_59, 1_483_228_799 * US_PER_SEC);
        assert_eq!(parse_timestamp(b"2016-12-31T23:59:60Z"), Ok(at_59));
        assert_eq!(
            parse_timestamp(b"2016-12-31T23:59:60.5Z"),
            Ok(at_59 + 500_000)
        );
        assert_eq!(parse_timestamp(b"2017-01-01T00:59:60+01:00"), Ok(at_59));
    }

    #[test]
    fn formats_round_trip() {
        assert_eq!(format_us(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_us(1_767_620_712_250_000), "2026-01-05T13:45:12.25Z");
        assert_eq!(format_us(-US_PER_SEC), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m").unwrap(), 1800 * US_PER_SEC);
        assert_eq!(parse_duration("14d").unwrap(), 14 * 86_400 * US_PER_SEC);
        assert_eq!(parse_duration("2w").unwrap(), 14 * 86_400 * US_PER_SEC);
        assert_eq!(parse_duration("1d12h").unwrap(), 36 * 3600 * US_PER_SEC);
        assert_eq!(parse_duration("90").unwrap(), 90 * US_PER_SEC);
        for bad in ["", "7x", "d", "-3", "3d4"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        /// The fast path agrees with jiff wherever it answers.
        #[test]
        fn fast_path_agrees_with_jiff(
            secs in -62_000_000_000i64..250_000_000_000i64,
            frac in 0u32..1_000_000,
            off_min in -1439i32..1439,
            use_frac in any::<bool>(),
        ) {
            let ts = jiff::Timestamp::from_second(secs).unwrap();
            let off = jiff::tz::Offset::from_seconds(off_min * 60).unwrap();
            let dt = off.to_datetime(ts);
            let sign = if off_min < 0 { '-' } else { '+' };
            let frac_s = if use_frac { format!(".{frac:06}") } else { String::new() };
            let s = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{frac_s}{sign}{:02}:{:02}",
                dt.year(), dt.month(), dt.day(), dt.hour(), dt.minute(), dt.second(),
                off_min.abs() / 60, off_min.abs() % 60
            );
            if dt.year() >= 0 {
                let fast = fast_rfc3339(s.as_bytes());
                let slow = s.parse::<jiff::Timestamp>().unwrap().as_microsecond();
                prop_assert_eq!(fast, Some(slow));
                prop_assert_eq!(slow, secs * US_PER_SEC + if use_frac { frac as i64 } else { 0 });
            }
        }

        /// The parser that keeps the last date answers as `parse_timestamp` does, value or
        /// error, whatever came before: dates shared or not, valid or not (9999-12-31 with an
        /// offset that leaves the years 0000 to 9999, February 29 of a year without one), and
        /// the rest of the text valid or not.
        #[test]
        fn the_date_keeping_parser_is_parse_timestamp(cells in proptest::collection::vec((
            prop_oneof![
                Just("2026-03-01"), Just("2026-02-29"), Just("2024-02-29"), Just("9999-12-31"),
                Just("0000-01-01"), Just("2026-13-01"), Just("2026-3-01x"), Just("20260301"),
            ],
            prop_oneof![Just("T"), Just(" "), Just("t"), Just("X")],
            prop_oneof![
                Just("23:59:59Z"), Just("00:00:00-01:00"), Just("12:30:00.123+05:30"),
                Just("00:00:00+01:00"), Just("24:00:00Z"), Just("12:30:00"), Just("12:3x:00Z"),
            ],
        ), 1..12)) {
            let mut parser = TimestampParser::default();
            for (date, sep, time) in cells {
                let s = format!("{date}{sep}{time}");
                prop_assert_eq!(parser.parse(s.as_bytes()), parse_timestamp(s.as_bytes()), "{}", s);
            }
        }

        #[test]
        fn civil_round_trip(days in -1_000_000i64..1_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}

/// A length of time given by a user: `"30m"`, `"14d"`, `"2w"` (see [`parse_duration`]) or a
/// number of seconds. Deserialises from either; serialises as seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    us: i64,
}

impl Duration {
    /// From microseconds.
    pub const fn from_us(us: i64) -> Self {
        Duration { us }
    }
    /// From whole seconds.
    pub const fn from_secs(s: i64) -> Self {
        Duration { us: s * US_PER_SEC }
    }
    /// From whole days.
    pub const fn from_days(d: i64) -> Self {
        Duration::from_secs(d * 86_400)
    }
    /// Microseconds.
    pub const fn as_us(self) -> i64 {
        self.us
    }
    /// Seconds, fractional.
    pub fn as_secs_f64(self) -> f64 {
        self.us as f64 / US_PER_SEC as f64
    }
}

impl std::str::FromStr for Duration {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        parse_duration(s).map(Duration::from_us)
    }
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_secs_f64())
    }
}

impl<'de> serde::Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"30m\", \"7d\", \"2w\" or a number of seconds")
            }
            fn visit_f64<E: serde::de::Error>(self, s: f64) -> std::result::Result<Duration, E> {
                if s.is_finite() && s >= 0.0 {
                    Ok(Duration::from_us((s * US_PER_SEC as f64).round() as i64))
                } else {
                    Err(E::custom(format!(
                        "{s} is not a duration; expected a non-negative number of seconds"
                    )))
                }
            }
            fn visit_i64<E: serde::de::Error>(self, s: i64) -> std::result::Result<Duration, E> {
                self.visit_f64(s as f64)
            }
            fn visit_u64<E: serde::de::Error>(self, s: u64) -> std::result::Result<Duration, E> {
                self.visit_f64(s as f64)
            }
            fn visit_str<E: serde::de::Error>(self, t: &str) -> std::result::Result<Duration, E> {
                t.parse().map_err(|e| match e {
                    Error::InvalidArgument { message, .. } => E::custom(message),
                    e => E::custom(e),
                })
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod duration_tests {
    use super::*;

    #[test]
    fn deserialises_text_or_seconds() {
        let d: Duration = serde_json::from_str("\"14d\"").unwrap();
        assert_eq!(d, Duration::from_days(14));
        let d: Duration = serde_json::from_str("1800").unwrap();
        assert_eq!(d, Duration::from_secs(1800));
        assert!(serde_json::from_str::<Duration>("\"soon\"").is_err());
        assert!(serde_json::from_str::<Duration>("-5").is_err());
        assert_eq!(
            serde_json::to_string(&Duration::from_secs(90)).unwrap(),
            "90.0"
        );
    }
}
