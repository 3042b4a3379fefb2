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
//! Date-time text is read by speedate, the parser pydantic itself uses, so the crate accepts
//! and refuses the spellings pydantic does (`tests/datetimes.rs` holds it to pydantic's verdicts).
//!
//! The types wrap chrono values without exposing them as fields: `from_chrono`, `as_chrono`,
//! `into_chrono` and `From` reach them.

use std::fmt::{self, Write as _};
use std::str::FromStr;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Timelike, Utc};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::value::ext;

/// Why a date-time or duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseTimeError {
    reason: &'static str,
    /// The parser's word on what was wrong, where it gave one.
    detail: Option<&'static str>,
}

impl ParseTimeError {
    const fn new(reason: &'static str) -> Self {
        Self {
            reason,
            detail: None,
        }
    }

    const fn not_a_date_time(detail: &'static str) -> Self {
        Self {
            reason: "expected an ISO 8601 date-time such as 2026-01-02T03:04:05.000006+00:00",
            detail: Some(detail),
        }
    }
}

impl fmt::Display for ParseTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.detail {
            Some(detail) => write!(f, "{}: {detail}", self.reason),
            None => f.write_str(self.reason),
        }
    }
}

impl std::error::Error for ParseTimeError {}

/// A date-time that must carry a UTC offset (pydantic `AwareDatetime`). The offset is kept.
///
/// Read one from text with [`str::parse`] (ISO 8601, as pydantic reads it) and write it with
/// [`Display`](fmt::Display) (as pydantic writes it). The chrono value inside is reached with
/// [`from_chrono`](Self::from_chrono), [`as_chrono`](Self::as_chrono),
/// [`into_chrono`](Self::into_chrono) and the `From` conversions both ways; the field itself is
/// private, so the representation can change without breaking users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AwareDateTime(DateTime<FixedOffset>);

/// A date-time without a UTC offset: a wall-clock time in an unknown zone (the naive case of a
/// plain Python `datetime` field, [`NaiveOrAwareDateTime::Naive`]).
///
/// Read one from text with [`str::parse`] (an offset is refused) and write it with
/// [`Display`](fmt::Display). The chrono value inside is reached with
/// [`from_chrono`](Self::from_chrono), [`as_chrono`](Self::as_chrono),
/// [`into_chrono`](Self::into_chrono) and the `From` conversions both ways; the field itself is
/// private.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NaiveDateTime(chrono::NaiveDateTime);

/// A date-time that may or may not carry an offset (a plain Python `datetime` field).
///
/// Build one with `From` (an [`AwareDateTime`] or a [`NaiveDateTime`], or their chrono
/// counterparts), or read one from text with [`str::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NaiveOrAwareDateTime {
    /// No offset was given: a wall-clock time in an unknown zone.
    Naive(NaiveDateTime),
    /// An offset was given.
    Aware(AwareDateTime),
}

/// An aware date-time normalised to UTC on decode (Airflow core's `UtcDateTime`).
///
/// Read one from text with [`str::parse`] and write it with [`Display`](fmt::Display). The chrono
/// value inside is reached with [`from_chrono`](Self::from_chrono),
/// [`as_chrono`](Self::as_chrono), [`into_chrono`](Self::into_chrono) and the `From`
/// conversions both ways; the field itself is private.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UtcDateTime(DateTime<Utc>);

/// A signed duration with microsecond precision (Python `timedelta`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TimeDelta {
    micros: i128,
}

// ---------------------------------------------------------------------------------------------
// Parsing

/// How pydantic reads the text of a date-time: digits past the sixth of the fraction are
/// dropped (its `microseconds_precision` default, `truncate`), and a date-time without an offset
/// stays naive.
fn time_config() -> speedate::TimeConfig {
    speedate::TimeConfig {
        microseconds_precision_overflow_behavior:
            speedate::MicrosecondsPrecisionOverflowBehavior::Truncate,
        unix_timestamp_offset: None,
    }
}

/// Parses an RFC 3339 date-time with speedate, pydantic's own parser, as pydantic reads the text
/// of one: `YYYY-MM-DD`, a `T`, `t`, `_` or space, `HH:MM[:SS[.f+]]`, then an optional `Z`, `z`
/// or `±HH[:]MM` offset (the minus sign may also be U+2212). Only the RFC 3339 form: pydantic
/// also reads a unix timestamp in digits, a coercion left to lax mode
/// (`datetime-from-unix-seconds-string`). speedate reads the year 0, which Python's `datetime`
/// does not hold, so it is refused here as pydantic refuses it.
fn parse_datetime(
    text: &str,
) -> Result<(chrono::NaiveDateTime, Option<FixedOffset>), ParseTimeError> {
    let parsed =
        speedate::DateTime::parse_bytes_rfc3339_with_config(text.as_bytes(), &time_config())
            .map_err(|err| {
                use strum::EnumMessage as _;
                ParseTimeError::not_a_date_time(err.get_documentation().unwrap_or("malformed"))
            })?;
    let (date, time) = (parsed.date, parsed.time);
    if date.year == 0 {
        return Err(ParseTimeError::new("year 0 is out of range"));
    }
    // speedate has checked every field's range (the day against its month too), so chrono
    // refuses nothing here; its verdict is still taken rather than assumed.
    let date = NaiveDate::from_ymd_opt(
        i32::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
    )
    .ok_or(ParseTimeError::new("the date is not a valid calendar date"))?;
    let time = NaiveTime::from_hms_micro_opt(
        u32::from(time.hour),
        u32::from(time.minute),
        u32::from(time.second),
        time.microsecond,
    )
    .ok_or(ParseTimeError::new("the time of day is out of range"))?;
    let offset = match parsed.time.tz_offset {
        None => None,
        Some(secs) => Some(
            FixedOffset::east_opt(secs)
                .ok_or(ParseTimeError::new("the UTC offset is out of range"))?,
        ),
    };
    Ok((chrono::NaiveDateTime::new(date, time), offset))
}

fn write_naive(out: &mut String, dt: &chrono::NaiveDateTime) {
    // Field by field through `itoa` rather than `write!`: formatting machinery was over half of
    // encoding a message that carries a date-time.
    let year = dt.year();
    match u32::try_from(year) {
        Ok(year) => push_padded(out, year, 4),
        // Before year 0, beyond what Python holds (the parsers refuse it, chrono holds it).
        Err(_) => {
            let _ = write!(out, "{year:04}");
        }
    }
    out.push('-');
    push_padded(out, dt.month(), 2);
    out.push('-');
    push_padded(out, dt.day(), 2);
    out.push('T');
    push_padded(out, dt.hour(), 2);
    out.push(':');
    push_padded(out, dt.minute(), 2);
    out.push(':');
    push_padded(out, dt.second(), 2);
    let micro = dt.nanosecond() / 1000;
    if micro != 0 {
        out.push('.');
        // chrono's leap second carries 1,000,000 µs or more: all seven digits are written.
        push_padded(out, micro, 6);
    }
}

/// Appends `value` in decimal, zero-padded to at least `width` digits.
fn push_padded(out: &mut String, value: u32, width: usize) {
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(value);
    out.extend(std::iter::repeat_n('0', width.saturating_sub(digits.len())));
    out.push_str(digits);
}

fn write_offset(out: &mut String, offset: FixedOffset) {
    let secs = offset.local_minus_utc();
    if secs == 0 {
        out.push('Z');
    } else {
        // pydantic prints whole minutes only.
        out.push(if secs < 0 { '-' } else { '+' });
        let abs = secs.unsigned_abs();
        push_padded(out, abs / 3600, 2);
        out.push(':');
        push_padded(out, (abs % 3600) / 60, 2);
    }
}

// ---------------------------------------------------------------------------------------------
// AwareDateTime

impl AwareDateTime {
    /// The date-time chrono holds (its offset is kept).
    pub const fn from_chrono(value: DateTime<FixedOffset>) -> Self {
        Self(value)
    }

    /// The chrono value, borrowed.
    pub const fn as_chrono(&self) -> &DateTime<FixedOffset> {
        &self.0
    }

    /// The chrono value.
    pub const fn into_chrono(self) -> DateTime<FixedOffset> {
        self.0
    }

    /// The instant in microseconds since 1970-01-01T00:00:00Z.
    pub fn timestamp_micros(&self) -> i64 {
        self.0.timestamp_micros()
    }

    /// The UTC offset in seconds (east of UTC positive): `19800` for `+05:30`.
    pub fn offset_seconds(&self) -> i32 {
        self.0.offset().local_minus_utc()
    }

    /// The same instant in UTC.
    pub fn to_utc(&self) -> UtcDateTime {
        UtcDateTime(self.0.to_utc())
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

impl From<UtcDateTime> for AwareDateTime {
    fn from(value: UtcDateTime) -> Self {
        Self(value.0.fixed_offset())
    }
}

impl From<AwareDateTime> for DateTime<FixedOffset> {
    fn from(value: AwareDateTime) -> Self {
        value.0
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
                .ok_or(ParseTimeError::new("the date-time is out of range")),
            (_, None) => Err(ParseTimeError::new(
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
// NaiveDateTime

impl NaiveDateTime {
    /// The date-time chrono holds.
    pub const fn from_chrono(value: chrono::NaiveDateTime) -> Self {
        Self(value)
    }

    /// The chrono value, borrowed.
    pub const fn as_chrono(&self) -> &chrono::NaiveDateTime {
        &self.0
    }

    /// The chrono value.
    pub const fn into_chrono(self) -> chrono::NaiveDateTime {
        self.0
    }
}

impl From<chrono::NaiveDateTime> for NaiveDateTime {
    fn from(value: chrono::NaiveDateTime) -> Self {
        Self(value)
    }
}

impl From<NaiveDateTime> for chrono::NaiveDateTime {
    fn from(value: NaiveDateTime) -> Self {
        value.0
    }
}

impl FromStr for NaiveDateTime {
    type Err = ParseTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match parse_datetime(s)? {
            (naive, None) => Ok(Self(naive)),
            (_, Some(_)) => Err(ParseTimeError::new(
                "expected a date-time without a UTC offset; this one has one",
            )),
        }
    }
}

impl fmt::Display for NaiveDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::with_capacity(26);
        write_naive(&mut out, &self.0);
        f.write_str(&out)
    }
}

// ---------------------------------------------------------------------------------------------
// NaiveOrAwareDateTime

impl FromStr for NaiveOrAwareDateTime {
    type Err = ParseTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match parse_datetime(s)? {
            (naive, None) => Ok(Self::Naive(NaiveDateTime(naive))),
            (_, Some(_)) => s.parse().map(Self::Aware),
        }
    }
}

impl fmt::Display for NaiveOrAwareDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Naive(naive) => naive.fmt(f),
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

impl From<chrono::NaiveDateTime> for NaiveOrAwareDateTime {
    fn from(value: chrono::NaiveDateTime) -> Self {
        Self::Naive(NaiveDateTime(value))
    }
}

impl From<DateTime<FixedOffset>> for NaiveOrAwareDateTime {
    fn from(value: DateTime<FixedOffset>) -> Self {
        Self::Aware(AwareDateTime(value))
    }
}

impl From<DateTime<Utc>> for NaiveOrAwareDateTime {
    fn from(value: DateTime<Utc>) -> Self {
        Self::Aware(value.into())
    }
}

// ---------------------------------------------------------------------------------------------
// UtcDateTime

impl UtcDateTime {
    /// The date-time chrono holds.
    pub const fn from_chrono(value: DateTime<Utc>) -> Self {
        Self(value)
    }

    /// The chrono value, borrowed.
    pub const fn as_chrono(&self) -> &DateTime<Utc> {
        &self.0
    }

    /// The chrono value.
    pub const fn into_chrono(self) -> DateTime<Utc> {
        self.0
    }

    /// The instant in microseconds since 1970-01-01T00:00:00Z.
    pub fn timestamp_micros(&self) -> i64 {
        self.0.timestamp_micros()
    }
}

impl FromStr for UtcDateTime {
    type Err = ParseTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let utc = s.parse::<AwareDateTime>()?.0.to_utc();
        // Python's datetime holds the years 1 to 9999 only: core's conversion to UTC fails
        // (and the SDK refuses the value) when the offset moves the instant out of them.
        if !ext::within_python_years(utc.timestamp()) {
            return Err(ParseTimeError::new(
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

impl From<UtcDateTime> for DateTime<Utc> {
    fn from(value: UtcDateTime) -> Self {
        value.0
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
            return Err(ParseTimeError::new(
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
            Err(ParseTimeError::new(
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
            ParseTimeError::new("expected an ISO 8601 duration such as PT30S or P1DT2H");
        let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
        if !unsigned.starts_with('P') {
            return Err(NOT_ISO);
        }
        let parsed = speedate::Duration::parse_str(text).map_err(|err| {
            use strum::EnumMessage as _;
            ParseTimeError::new(
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
    fn digits_match_the_formatter() {
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
    fn chrono_is_reached_through_accessors() {
        let aware: AwareDateTime = "2024-01-02T03:04:05.000006+05:30".parse().unwrap();
        assert_eq!(aware.offset_seconds(), 5 * 3600 + 30 * 60);
        let chrono = aware.into_chrono();
        assert_eq!(AwareDateTime::from_chrono(chrono), aware);
        assert_eq!(DateTime::<FixedOffset>::from(aware), *aware.as_chrono());
        assert_eq!(aware.timestamp_micros(), chrono.timestamp_micros());
        let utc = aware.to_utc();
        assert_eq!(utc.to_string(), "2024-01-01T21:34:05.000006Z");
        assert_eq!(utc.timestamp_micros(), aware.timestamp_micros());
        assert_eq!(UtcDateTime::from_chrono(utc.into_chrono()), utc);
        let naive: NaiveDateTime = "2024-01-02T03:04:05".parse().unwrap();
        assert_eq!(NaiveDateTime::from(naive.into_chrono()), naive);
        assert!("2024-01-02T03:04:05Z".parse::<NaiveDateTime>().is_err());
    }

    #[test]
    fn refusals_say_what_was_wrong() {
        let err = |text: &str| {
            text.parse::<NaiveOrAwareDateTime>()
                .unwrap_err()
                .to_string()
        };
        assert!(
            err("2024-01-02T25:04:05Z").contains("hour"),
            "{}",
            err("2024-01-02T25:04:05Z")
        );
        assert!(err("2024-02-30T03:04:05Z").contains("day"));
        assert!(err("2024-01-02T03:04:05+05").contains("timezone minute"));
        assert!(err("0000-01-02T03:04:05Z").contains("year 0"));
        assert!(err("2024-01-02T03:04:05Z ").contains("extra characters"));
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
