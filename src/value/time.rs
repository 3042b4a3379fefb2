//! Date-times and durations, written and read the way Airflow's pydantic models write them.
//!
//! | Python type | Rust type | on the wire (JSON) |
//! |---|---|---|
//! | `AwareDatetime` | [`AwareDateTime`] | `2026-01-02T03:04:05.123000+05:30`, `...Z` for UTC |
//! | `datetime` (naive allowed) | [`NaiveOrAwareDateTime`] | as above, or without offset when naive |
//! | core `UtcDateTime` | [`UtcDateTime`] | always UTC, `...Z` |
//! | `timedelta` | [`TimeDelta`] | ISO 8601 duration, `PT30S`, `P1Y35D`, `-PT5S` |
//!
//! Precision is the microsecond, as in Python: digits past the sixth are dropped when decoding.

use std::fmt::{self, Write as _};
use std::str::FromStr;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::value::ext;

/// Why a date-time or duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseTimeError(&'static str);

/// A date-time that must carry a UTC offset (pydantic `AwareDatetime`). The offset is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AwareDateTime(pub DateTime<FixedOffset>);

/// A date-time that may or may not carry an offset (a plain Python `datetime` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NaiveOrAwareDateTime {
    /// No offset was given: a wall-clock time in an unknown zone.
    Naive(NaiveDateTime),
    /// An offset was given.
    Aware(AwareDateTime),
}

/// An aware date-time normalised to UTC on decode (Airflow core's `UtcDateTime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UtcDateTime(pub DateTime<Utc>);

/// A signed duration with microsecond precision (Python `timedelta`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TimeDelta {
    micros: i128,
}

// ---------------------------------------------------------------------------------------------
// Parsing

/// Digits from `s[*pos..]`, at most `max`, at least `min`.
fn digits(s: &[u8], pos: &mut usize, min: usize, max: usize) -> Option<u64> {
    let start = *pos;
    let mut value: u64 = 0;
    while *pos < s.len() && *pos - start < max && s[*pos].is_ascii_digit() {
        value = value * 10 + u64::from(s[*pos] - b'0');
        *pos += 1;
    }
    (*pos - start >= min).then_some(value)
}

fn expect(s: &[u8], pos: &mut usize, byte: u8) -> Option<()> {
    (s.get(*pos) == Some(&byte)).then(|| *pos += 1)
}

/// Parses `YYYY-MM-DD[T ]HH:MM[:SS[.f+]]` followed by an optional offset.
fn parse_datetime(text: &str) -> Result<(NaiveDateTime, Option<FixedOffset>), ParseTimeError> {
    const BAD: ParseTimeError =
        ParseTimeError("expected an ISO 8601 date-time such as 2026-01-02T03:04:05.000006+00:00");
    let s = text.as_bytes();
    let mut p = 0;
    let year = digits(s, &mut p, 4, 4).ok_or(BAD)?;
    expect(s, &mut p, b'-').ok_or(BAD)?;
    let month = digits(s, &mut p, 2, 2).ok_or(BAD)?;
    expect(s, &mut p, b'-').ok_or(BAD)?;
    let day = digits(s, &mut p, 2, 2).ok_or(BAD)?;
    match s.get(p) {
        Some(b'T' | b't' | b' ') => p += 1,
        _ => return Err(BAD),
    }
    let hour = digits(s, &mut p, 2, 2).ok_or(BAD)?;
    expect(s, &mut p, b':').ok_or(BAD)?;
    let minute = digits(s, &mut p, 2, 2).ok_or(BAD)?;
    let (mut second, mut micro) = (0, 0);
    if expect(s, &mut p, b':').is_some() {
        second = digits(s, &mut p, 2, 2).ok_or(BAD)?;
        if matches!(s.get(p), Some(b'.' | b',')) {
            p += 1;
            let start = p;
            while p < s.len() && s[p].is_ascii_digit() {
                p += 1;
            }
            if p == start {
                return Err(BAD);
            }
            // Keep the first six digits (microseconds); further digits are dropped, as pydantic does.
            let frac = &text[start..p.min(start + 6)];
            micro = frac.parse::<u32>().map_err(|_| BAD)? * 10u32.pow(6 - frac.len() as u32);
        }
    }
    let offset = match s.get(p) {
        None => None,
        Some(b'Z' | b'z') => {
            p += 1;
            Some(FixedOffset::east_opt(0).expect("zero offset"))
        }
        Some(&sign @ (b'+' | b'-')) => {
            p += 1;
            let hours = digits(s, &mut p, 2, 2).ok_or(BAD)?;
            // `+HH:MM` or `+HHMM`; the minutes are required, as in pydantic.
            expect(s, &mut p, b':');
            let minutes = digits(s, &mut p, 2, 2).ok_or(BAD)?;
            if hours > 23 || minutes > 59 {
                return Err(ParseTimeError("the UTC offset is out of range"));
            }
            let secs = (hours * 3600 + minutes * 60) as i32;
            let secs = if sign == b'-' { -secs } else { secs };
            Some(FixedOffset::east_opt(secs).ok_or(BAD)?)
        }
        Some(_) => return Err(BAD),
    };
    if p != s.len() {
        return Err(BAD);
    }
    if year == 0 {
        // Python's `datetime` starts at year 1.
        return Err(ParseTimeError("year 0 is out of range"));
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32)
        .ok_or(ParseTimeError("the date is not a valid calendar date"))?;
    let time = NaiveTime::from_hms_micro_opt(hour as u32, minute as u32, second as u32, micro)
        .ok_or(ParseTimeError("the time of day is out of range"))?;
    Ok((NaiveDateTime::new(date, time), offset))
}

fn write_naive(out: &mut String, dt: &NaiveDateTime) {
    let year = dt.year();
    if !(0..=9999).contains(&year) {
        // Beyond what Python holds (the parsers refuse it); written by the general formatter.
        let _ = write!(out, "{year:04}");
    } else {
        push_digits(out, year as u32, 4);
    }
    // By hand rather than through `write!`: formatting machinery was over half of encoding a
    // message that carries a date-time.
    out.push('-');
    push_digits(out, dt.month(), 2);
    out.push('-');
    push_digits(out, dt.day(), 2);
    out.push('T');
    push_digits(out, dt.hour(), 2);
    out.push(':');
    push_digits(out, dt.minute(), 2);
    out.push(':');
    push_digits(out, dt.second(), 2);
    let micro = dt.nanosecond() / 1000;
    if micro != 0 {
        out.push('.');
        // chrono's leap second carries 1,000,000 µs or more: all its digits, as `write!` gave.
        push_digits(out, micro, if micro >= 1_000_000 { 7 } else { 6 });
    }
}

/// Appends `value` as exactly `width` decimal digits, zero-padded; `value` is below `10^width`.
fn push_digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u32.pow(place)) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

fn write_offset(out: &mut String, offset: FixedOffset) {
    let secs = offset.local_minus_utc();
    if secs == 0 {
        out.push('Z');
    } else {
        // pydantic prints whole minutes only.
        let sign = if secs < 0 { '-' } else { '+' };
        let abs = secs.unsigned_abs();
        let _ = write!(out, "{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60);
    }
}

// ---------------------------------------------------------------------------------------------
// AwareDateTime

impl AwareDateTime {
    /// The wrapped chrono value.
    pub fn into_inner(self) -> DateTime<FixedOffset> {
        self.0
    }
}

impl From<DateTime<FixedOffset>> for AwareDateTime {
    fn from(value: DateTime<FixedOffset>) -> Self {
        Self(value)
    }
}

impl From<DateTime<Utc>> for AwareDateTime {
    fn from(value: DateTime<Utc>) -> Self {
        Self(value.fixed_offset())
    }
}

impl FromStr for AwareDateTime {
    type Err = ParseTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match parse_datetime(s)? {
            (naive, Some(offset)) => naive
                .and_local_timezone(offset)
                .single()
                .map(Self)
                .ok_or(ParseTimeError("the date-time is out of range")),
            (_, None) => Err(ParseTimeError(
                "expected a date-time with a UTC offset (Z or +HH:MM); naive date-times are refused",
            )),
        }
    }
}

impl fmt::Display for AwareDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::with_capacity(32);
        write_naive(&mut out, &self.0.naive_local());
        write_offset(&mut out, *self.0.offset());
        f.write_str(&out)
    }
}

// ---------------------------------------------------------------------------------------------
// NaiveOrAwareDateTime

impl FromStr for NaiveOrAwareDateTime {
    type Err = ParseTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match parse_datetime(s)? {
            (naive, None) => Ok(Self::Naive(naive)),
            (_, Some(_)) => s.parse().map(Self::Aware),
        }
    }
}

impl fmt::Display for NaiveOrAwareDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Naive(naive) => {
                let mut out = String::with_capacity(26);
                write_naive(&mut out, naive);
                f.write_str(&out)
            }
            Self::Aware(aware) => aware.fmt(f),
        }
    }
}

impl From<AwareDateTime> for NaiveOrAwareDateTime {
    fn from(value: AwareDateTime) -> Self {
        Self::Aware(value)
    }
}

impl From<NaiveDateTime> for NaiveOrAwareDateTime {
    fn from(value: NaiveDateTime) -> Self {
        Self::Naive(value)
    }
}

// ---------------------------------------------------------------------------------------------
// UtcDateTime

impl FromStr for UtcDateTime {
    type Err = ParseTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let utc = s.parse::<AwareDateTime>()?.0.with_timezone(&Utc);
        // Python's datetime holds the years 1 to 9999 only: core's conversion to UTC fails
        // (and the SDK refuses the value) when the offset moves the instant out of them.
        if !ext::within_python_years(utc.timestamp()) {
            return Err(ParseTimeError(
                "the date-time is outside the years 1 to 9999 once converted to UTC",
            ));
        }
        Ok(Self(utc))
    }
}

impl fmt::Display for UtcDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        AwareDateTime(self.0.fixed_offset()).fmt(f)
    }
}

impl From<DateTime<Utc>> for UtcDateTime {
    fn from(value: DateTime<Utc>) -> Self {
        Self(value)
    }
}

// ---------------------------------------------------------------------------------------------
// TimeDelta

const MICROS_PER_SECOND: i128 = 1_000_000;
const SECONDS_PER_DAY: i128 = 86_400;

impl TimeDelta {
    /// A duration of `micros` microseconds (negative for a negative duration).
    pub const fn from_micros(micros: i128) -> Self {
        Self { micros }
    }

    /// A duration of whole seconds.
    pub const fn from_seconds(seconds: i64) -> Self {
        Self {
            micros: seconds as i128 * MICROS_PER_SECOND,
        }
    }

    /// The duration in microseconds.
    pub const fn as_micros(&self) -> i128 {
        self.micros
    }

    /// The duration in seconds, as Python's `timedelta.total_seconds()` gives it.
    pub fn as_seconds_f64(&self) -> f64 {
        self.micros as f64 / 1e6
    }

    fn from_seconds_f64(seconds: f64) -> Result<Self, ParseTimeError> {
        if !seconds.is_finite() {
            return Err(ParseTimeError(
                "a duration must be a finite number of seconds",
            ));
        }
        // Whole seconds and the fraction apart, as Python does: `seconds * 1e6` would lose the
        // microseconds of a large value. Far beyond the range below, the conversion saturates
        // and the value is refused there.
        let whole = seconds.trunc();
        let fraction = ((seconds - whole) * 1e6).round();
        Self::within_python_range(
            (whole as i128)
                .saturating_mul(MICROS_PER_SECOND)
                .saturating_add(fraction as i128),
        )
    }

    /// The most microseconds a Python `timedelta` holds (999,999,999 days and just under one
    /// more), and the least (-999,999,999 days exactly).
    const PYTHON_MAX_MICROS: i128 =
        (999_999_999 * SECONDS_PER_DAY + SECONDS_PER_DAY) * MICROS_PER_SECOND - 1;
    const PYTHON_MIN_MICROS: i128 = -999_999_999 * SECONDS_PER_DAY * MICROS_PER_SECOND;

    /// `micros` as a duration, if Python can hold it: pydantic refuses anything longer, and a
    /// negative one just past the bound makes Python itself fail (`OverflowError`).
    fn within_python_range(micros: i128) -> Result<Self, ParseTimeError> {
        if (Self::PYTHON_MIN_MICROS..=Self::PYTHON_MAX_MICROS).contains(&micros) {
            Ok(Self { micros })
        } else {
            Err(ParseTimeError(
                "the duration is out of range: Python's timedelta holds at most 999,999,999 days",
            ))
        }
    }
}

impl FromStr for TimeDelta {
    type Err = ParseTimeError;

    /// Parses an ISO 8601 duration (`[-]P[nY][nM][nW][nD][T[nH][nM][n[.f]S]]`, a year read as 365
    /// days and a month as 30) exactly as pydantic does: pydantic's own parser (`speedate`) reads
    /// it, so its limits hold too (each number fits 32 bits, only the last one has a fraction,
    /// fractions round to the microsecond), and the result must fit Python's `timedelta`.
    /// pydantic's other spellings (`"01:00:00"`, `"1 day, 01:00:00"`) are refused: the SDK never
    /// writes them.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        const NOT_ISO: ParseTimeError =
            ParseTimeError("expected an ISO 8601 duration such as PT30S or P1DT2H");
        let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
        if !unsigned.starts_with('P') {
            return Err(NOT_ISO);
        }
        let parsed = speedate::Duration::parse_str(text).map_err(|err| {
            use strum::EnumMessage as _;
            ParseTimeError(
                err.get_documentation()
                    .unwrap_or("invalid ISO 8601 duration"),
            )
        })?;
        let magnitude = (i128::from(parsed.day) * SECONDS_PER_DAY + i128::from(parsed.second))
            * MICROS_PER_SECOND
            + i128::from(parsed.microsecond);
        Self::within_python_range(if parsed.positive {
            magnitude
        } else {
            -magnitude
        })
    }
}

impl TimeDelta {
    /// The duration as msgspec writes it: whole days, then all remaining seconds
    /// (`P2DT10800S`, `PT7200S`, `-PT5S`, `P0D` for zero).
    pub fn msgspec(&self) -> impl fmt::Display + '_ {
        struct Msgspec(i128);
        impl fmt::Display for Msgspec {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let abs = self.0.unsigned_abs();
                let (micro, total_seconds) = (abs % 1_000_000, abs / 1_000_000);
                let (days, seconds) = (total_seconds / 86_400, total_seconds % 86_400);
                if self.0 < 0 {
                    f.write_str("-")?;
                }
                f.write_str("P")?;
                if days != 0 {
                    write!(f, "{days}D")?;
                }
                if seconds != 0 || micro != 0 {
                    write!(f, "T{seconds}")?;
                    if micro != 0 {
                        write!(f, ".{}", format!("{micro:06}").trim_end_matches('0'))?;
                    }
                    f.write_str("S")?;
                } else if days == 0 {
                    f.write_str("0D")?;
                }
                Ok(())
            }
        }
        Msgspec(self.micros)
    }
}

impl fmt::Display for TimeDelta {
    /// Writes the duration as pydantic does: years of 365 days, then days, then `T` with hours,
    /// minutes and seconds, each only when non-zero; `PT0S` for zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::with_capacity(16);
        if self.micros < 0 {
            out.push('-');
        }
        out.push('P');
        let abs = self.micros.unsigned_abs();
        let micro = abs % 1_000_000;
        let total_seconds = abs / 1_000_000;
        let days = total_seconds / 86_400;
        let seconds = total_seconds % 86_400;
        if days != 0 {
            let (years, days) = (days / 365, days % 365);
            if years != 0 {
                let _ = write!(out, "{years}Y");
            }
            if days != 0 {
                let _ = write!(out, "{days}D");
            }
        }
        if seconds != 0 || micro != 0 {
            out.push('T');
            let (hours, minutes, secs) = (seconds / 3600, (seconds % 3600) / 60, seconds % 60);
            if hours != 0 {
                let _ = write!(out, "{hours}H");
            }
            if minutes != 0 {
                let _ = write!(out, "{minutes}M");
            }
            if secs != 0 || micro != 0 {
                let _ = write!(out, "{secs}");
                if micro != 0 {
                    let frac = format!("{micro:06}");
                    let _ = write!(out, ".{}", frac.trim_end_matches('0'));
                }
                out.push('S');
            }
        }
        if days == 0 && seconds == 0 && micro == 0 {
            out.push_str("T0S");
        }
        f.write_str(&out)
    }
}

// ---------------------------------------------------------------------------------------------
// serde

/// How a date-time type crosses the wire: text in JSON, a timestamp extension in msgpack.
trait WireDateTime: Sized + fmt::Display + FromStr<Err = ParseTimeError> {
    const EXPECTING: &'static str;
    /// Seconds and nanoseconds since the epoch, or `None` for a naive value (written as text).
    fn timestamp(&self) -> Option<(i64, u32)>;
    /// The value of a msgpack timestamp, which is always UTC: the sender's offset is not sent.
    fn from_utc(utc: DateTime<Utc>) -> Self;
}

impl WireDateTime for AwareDateTime {
    const EXPECTING: &'static str = "an ISO 8601 date-time with a UTC offset";
    fn timestamp(&self) -> Option<(i64, u32)> {
        Some((self.0.timestamp(), self.0.timestamp_subsec_nanos()))
    }
    fn from_utc(utc: DateTime<Utc>) -> Self {
        Self(utc.fixed_offset())
    }
}

impl WireDateTime for NaiveOrAwareDateTime {
    const EXPECTING: &'static str = "an ISO 8601 date-time";
    fn timestamp(&self) -> Option<(i64, u32)> {
        match self {
            Self::Naive(_) => None,
            Self::Aware(aware) => aware.timestamp(),
        }
    }
    fn from_utc(utc: DateTime<Utc>) -> Self {
        Self::Aware(AwareDateTime::from_utc(utc))
    }
}

impl WireDateTime for UtcDateTime {
    const EXPECTING: &'static str = "an ISO 8601 date-time with a UTC offset";
    fn timestamp(&self) -> Option<(i64, u32)> {
        Some((self.0.timestamp(), self.0.timestamp_subsec_nanos()))
    }
    fn from_utc(utc: DateTime<Utc>) -> Self {
        Self(utc)
    }
}

fn serialize_datetime<T: WireDateTime, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value.timestamp() {
        Some((secs, _)) if !serializer.is_human_readable() && !ext::within_python_years(secs) => {
            // `9999-12-31T23:00:00-01:00` is year 10000 in UTC: msgspec would write the
            // timestamp and every reader (msgspec's, this crate's) would refuse the frame.
            Err(serde::ser::Error::custom(format_args!(
                "the date-time {value} is outside the years 1 to 9999 in UTC, which a msgpack \
                 timestamp must stay within for the SDK to read it"
            )))
        }
        Some((secs, nanos)) if !serializer.is_human_readable() => {
            let (payload, len) = ext::encode_timestamp(secs, nanos);
            ext::serialize_ext(serializer, ext::TIMESTAMP, &payload[..len])
        }
        _ => serializer.collect_str(value),
    }
}

struct DateTimeVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: WireDateTime> Visitor<'de> for DateTimeVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        let value = ext::Ext::deserialize(deserializer)?;
        if value.kind != ext::TIMESTAMP {
            return Err(de::Error::custom(format_args!(
                "expected a msgpack timestamp (extension type -1), found extension type {}",
                value.kind
            )));
        }
        let (secs, nanos) = ext::decode_timestamp(&value.data)
            .ok_or_else(|| de::Error::custom("malformed msgpack timestamp"))?;
        ext::timestamp_to_utc(secs, nanos)
            .map(T::from_utc)
            .ok_or_else(|| de::Error::custom("the msgpack timestamp is outside years 1 to 9999"))
    }
}

/// Implements serde for the date-time types through [`WireDateTime`].
macro_rules! serde_datetime {
    ($($ty:ty),*) => {$(
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serialize_datetime(self, serializer)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::value::lax::deserialize_announced(
                    deserializer,
                    crate::value::lax::DATETIME_TOKEN,
                    DateTimeVisitor(std::marker::PhantomData),
                )
            }
        }
    )*};
}

serde_datetime!(AwareDateTime, NaiveOrAwareDateTime, UtcDateTime);

impl Serialize for TimeDelta {
    /// pydantic's spelling in JSON; msgspec's in msgpack, as the Python sender writes it there.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            serializer.collect_str(&self.msgspec())
        }
    }
}

impl<'de> Deserialize<'de> for TimeDelta {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = TimeDelta;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ISO 8601 duration or a number of seconds")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TimeDelta, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<TimeDelta, E> {
                TimeDelta::within_python_range(i128::from(v) * MICROS_PER_SECOND).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<TimeDelta, E> {
                TimeDelta::within_python_range(i128::from(v) * MICROS_PER_SECOND).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<TimeDelta, E> {
                TimeDelta::from_seconds_f64(v).map_err(E::custom)
            }
        }
        crate::value::lax::deserialize_announced(
            deserializer,
            crate::value::lax::DURATION_TOKEN,
            DurationVisitor,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aware_round_trip_keeps_offset_and_micros() {
        for text in [
            "2024-01-02T03:04:05Z",
            "2024-01-02T03:04:05.123000+05:30",
            "0001-01-01T00:00:00-03:00",
            "2024-01-02T03:04:05.000001Z",
        ] {
            assert_eq!(text.parse::<AwareDateTime>().unwrap().to_string(), text);
        }
        assert_eq!(
            "2024-01-02T03:04:05.1234567+00:00"
                .parse::<AwareDateTime>()
                .unwrap()
                .to_string(),
            "2024-01-02T03:04:05.123456Z"
        );
        assert!("2024-01-02T03:04:05".parse::<AwareDateTime>().is_err());
        assert!("2024-02-30T03:04:05Z".parse::<AwareDateTime>().is_err());
    }

    #[test]
    fn hand_written_digits_match_the_formatter() {
        use chrono::{NaiveDate, Timelike};
        for (y, mo, d, h, mi, se, micro) in [
            (1, 1, 1, 0, 0, 0, 0),
            (9999, 12, 31, 23, 59, 59, 999_999),
            (2026, 11, 26, 7, 5, 3, 10),
            (987, 2, 9, 12, 30, 0, 100_000),
        ] {
            let dt = NaiveDate::from_ymd_opt(y, mo, d)
                .unwrap()
                .and_hms_micro_opt(h, mi, se, micro)
                .unwrap();
            let mut ours = String::new();
            write_naive(&mut ours, &dt);
            let mut expected = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}");
            if dt.nanosecond() != 0 {
                expected += &format!(".{micro:06}");
            }
            assert_eq!(ours, expected);
        }
    }

    #[test]
    fn naive_allowed_where_python_allows_it() {
        let naive: NaiveOrAwareDateTime = "2024-01-02T03:04:05.000001".parse().unwrap();
        assert!(matches!(naive, NaiveOrAwareDateTime::Naive(_)));
        assert_eq!(naive.to_string(), "2024-01-02T03:04:05.000001");
    }

    #[test]
    fn utc_normalises() {
        let utc: UtcDateTime = "2024-01-02T03:04:05+01:00".parse().unwrap();
        assert_eq!(utc.to_string(), "2024-01-02T02:04:05Z");
    }

    #[test]
    fn durations_format_like_pydantic() {
        let cases = [
            (30 * 1_000_000, "PT30S"),
            ((2 * 86_400 + 3 * 3600) * 1_000_000, "P2DT3H"),
            (1_500_000, "PT1.5S"),
            (-5_000_000, "-PT5S"),
            (0, "PT0S"),
            (-86_395_000_000, "-PT23H59M55S"),
            (1, "PT0.000001S"),
            (400 * 86_400 * 1_000_000, "P1Y35D"),
        ];
        for (micros, text) in cases {
            let delta = TimeDelta::from_micros(micros);
            assert_eq!(delta.to_string(), text);
            assert_eq!(text.parse::<TimeDelta>().unwrap(), delta, "{text}");
        }
        assert!("P".parse::<TimeDelta>().is_err());
        // msgspec's spelling, on the msgpack wire (facts read off msgspec 0.22).
        for (micros, text) in [
            (7_200_000_000, "PT7200S"),
            ((2 * 86_400 + 3 * 3600) * 1_000_000, "P2DT10800S"),
            (400 * 86_400 * 1_000_000, "P400D"),
            (0, "P0D"),
            (-86_395_000_000, "-PT86395S"),
            (-1_500_000, "-PT1.5S"),
            (1, "PT0.000001S"),
        ] {
            assert_eq!(TimeDelta::from_micros(micros).msgspec().to_string(), text);
            assert_eq!(
                text.parse::<TimeDelta>().unwrap().as_micros(),
                micros,
                "{text}"
            );
        }
        assert!("30".parse::<TimeDelta>().is_err());
    }
}
