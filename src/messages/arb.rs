//! Arbitrary values of every message (feature `arbitrary`), for property tests and
//! structure-aware fuzzing.
//!
//! Every model, union and value type implements [`arbitrary::Arbitrary`]. Generated values are
//! ones a Python sender could produce: finite floats, integers within 64 bits, date-times in
//! years 1 to 9999 with microsecond precision, JSON values with string keys.
//!
//! ```
//! use airflow_comms::TaskToSupervisor;
//! use arbitrary::{Arbitrary, Unstructured};
//!
//! let seed: Vec<u8> = (0..=255).cycle().take(4096).collect();
//! let message = TaskToSupervisor::arbitrary(&mut Unstructured::new(&seed)).unwrap();
//! let json = serde_json::to_string(&message).unwrap();
//! assert_eq!(airflow_comms::decode_json::<TaskToSupervisor>(&json).unwrap(), message);
//! ```

use std::collections::BTreeSet;

use arbitrary::{Arbitrary, Result, Unstructured};
use chrono::{DateTime, FixedOffset, Utc};
use indexmap::IndexMap;

use crate::value::time::{AwareDateTime, NaiveOrAwareDateTime, TimeDelta, UtcDateTime};
use crate::value::{AnyDict, AnyValue, JsonValue};

/// How a field's value is generated. Implemented for every field type; foreign types get the
/// constraints the wire imposes (finite floats, for one) that their own `Arbitrary` lacks.
#[doc(hidden)]
pub trait ArbitraryField: Sized {
    fn arbitrary_field(u: &mut Unstructured<'_>) -> Result<Self>;
}

/// Implements [`ArbitraryField`] through the type's own `Arbitrary`.
macro_rules! via_arbitrary {
    ($($ty:ty),*) => {$(
        impl ArbitraryField for $ty {
            fn arbitrary_field(u: &mut Unstructured<'_>) -> Result<Self> {
                <$ty as Arbitrary>::arbitrary(u)
            }
        }
    )*};
}

via_arbitrary!(
    String,
    i64,
    bool,
    AwareDateTime,
    NaiveOrAwareDateTime,
    UtcDateTime,
    TimeDelta,
    JsonValue,
    AnyValue
);

impl ArbitraryField for f64 {
    fn arbitrary_field(u: &mut Unstructured<'_>) -> Result<Self> {
        let value = f64::arbitrary(u)?;
        Ok(if value.is_finite() { value } else { 0.5 })
    }
}

impl ArbitraryField for uuid::Uuid {
    fn arbitrary_field(u: &mut Unstructured<'_>) -> Result<Self> {
        Ok(uuid::Uuid::from_u128(u128::arbitrary(u)?))
    }
}

impl<T: ArbitraryField> ArbitraryField for Option<T> {
    fn arbitrary_field(u: &mut Unstructured<'_>) -> Result<Self> {
        Ok(if bool::arbitrary(u)? {
            Some(T::arbitrary_field(u)?)
        } else {
            None
        })
    }
}

/// At most this many items per generated collection, to keep values small.
const MAX_ITEMS: usize = 6;

fn item_count(u: &mut Unstructured<'_>) -> Result<usize> {
    u.int_in_range(0..=MAX_ITEMS)
}

impl<T: ArbitraryField> ArbitraryField for Vec<T> {
    fn arbitrary_field(u: &mut Unstructured<'_>) -> Result<Self> {
        (0..item_count(u)?).map(|_| T::arbitrary_field(u)).collect()
    }
}

impl<T: ArbitraryField> ArbitraryField for IndexMap<String, T> {
    fn arbitrary_field(u: &mut Unstructured<'_>) -> Result<Self> {
        (0..item_count(u)?)
            .map(|_| Ok((String::arbitrary(u)?, T::arbitrary_field(u)?)))
            .collect()
    }
}

impl ArbitraryField for BTreeSet<i64> {
    fn arbitrary_field(u: &mut Unstructured<'_>) -> Result<Self> {
        (0..item_count(u)?).map(|_| i64::arbitrary(u)).collect()
    }
}

impl<A: ArbitraryField, B: ArbitraryField> ArbitraryField for (A, B) {
    fn arbitrary_field(u: &mut Unstructured<'_>) -> Result<Self> {
        Ok((A::arbitrary_field(u)?, B::arbitrary_field(u)?))
    }
}

// ---------------------------------------------------------------------------------------------
// Value types

/// A UTC instant in years 1 to 9999, whole microseconds, a day away from either end so that
/// the local time at any offset is in that range too (Python's `datetime` cannot hold others).
fn instant(u: &mut Unstructured<'_>) -> Result<DateTime<Utc>> {
    const MIN: i64 = -62_135_596_800 + 86_400; // 0001-01-02T00:00:00Z
    const MAX: i64 = 253_402_300_799 - 86_400; // 9999-12-30T23:59:59Z
    let secs = u.int_in_range(MIN..=MAX)?;
    let micros = u.int_in_range(0..=999_999u32)?;
    Ok(DateTime::from_timestamp(secs, micros * 1000).expect("in range"))
}

impl<'a> Arbitrary<'a> for AwareDateTime {
    /// Any offset in whole minutes (what pydantic prints), including UTC.
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let minutes = if bool::arbitrary(u)? {
            0
        } else {
            u.int_in_range(-1439..=1439i32)?
        };
        let offset = FixedOffset::east_opt(minutes * 60).expect("within a day");
        Ok(Self::from_chrono(instant(u)?.with_timezone(&offset)))
    }
}

impl<'a> Arbitrary<'a> for NaiveOrAwareDateTime {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(if bool::arbitrary(u)? {
            Self::Naive(instant(u)?.naive_utc().into())
        } else {
            Self::Aware(AwareDateTime::arbitrary(u)?)
        })
    }
}

impl<'a> Arbitrary<'a> for UtcDateTime {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        instant(u).map(Self::from_chrono)
    }
}

impl<'a> Arbitrary<'a> for TimeDelta {
    /// Within Python's `timedelta` range (999,999,999 days either way).
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        const MAX: i128 = 999_999_999 * 86_400 * 1_000_000;
        Ok(Self::from_micros(u.int_in_range(-MAX..=MAX)?))
    }
}

fn json(u: &mut Unstructured<'_>, depth: u32) -> Result<serde_json::Value> {
    use serde_json::Value;
    let leaf = depth == 0;
    Ok(match u.int_in_range(0..=if leaf { 4 } else { 6 })? {
        0 => Value::Null,
        1 => Value::Bool(bool::arbitrary(u)?),
        2 => Value::from(i64::arbitrary(u)?),
        3 => Value::from(f64::arbitrary_field(u)?),
        4 => Value::String(String::arbitrary(u)?),
        5 => Value::Array(
            (0..item_count(u)?)
                .map(|_| json(u, depth - 1))
                .collect::<Result<_>>()?,
        ),
        _ => Value::Object(
            (0..item_count(u)?)
                .map(|_| Ok((String::arbitrary(u)?, json(u, depth - 1)?)))
                .collect::<Result<_>>()?,
        ),
    })
}

impl<'a> Arbitrary<'a> for JsonValue {
    /// JSON up to three levels deep.
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        json(u, 3).map(|value| Self::from(&value))
    }
}

impl<'a> Arbitrary<'a> for AnyValue {
    /// JSON up to three levels deep: values that survive a trip through JSON unchanged, so that
    /// a message decodes from its own JSON. (Date-times, bytes and non-string keys have no JSON
    /// form of their own; the frame tests cover them.)
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        json(u, 3).map(|value| Self::from(&value))
    }
}

impl ArbitraryField for AnyDict {
    fn arbitrary_field(u: &mut Unstructured<'_>) -> Result<Self> {
        let map = serde_json::Map::from_iter(
            (0..item_count(u)?)
                .map(|_| Ok((String::arbitrary(u)?, json(u, 2)?)))
                .collect::<Result<Vec<_>>>()?,
        );
        match AnyValue::from(serde_json::Value::Object(map)) {
            AnyValue::Map(dict) => Ok(dict),
            _ => unreachable!("an object is read as a map"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-written message parts

use crate::messages::dag_processor::PosixPath;
use crate::messages::hitl::NonEmptyVec;
use crate::messages::lifecycle::{MapOrString, TaskRef};
use crate::messages::trigger::{TriggerEvent, TriggerEventEntry};

impl<T: ArbitraryField> ArbitraryField for NonEmptyVec<T> {
    fn arbitrary_field(u: &mut Unstructured<'_>) -> Result<Self> {
        let mut items = vec![T::arbitrary_field(u)?];
        items.extend(Vec::<T>::arbitrary_field(u)?);
        Ok(NonEmptyVec::new(items).expect("one item at least"))
    }
}

impl ArbitraryField for TaskRef {
    fn arbitrary_field(u: &mut Unstructured<'_>) -> Result<Self> {
        Ok(if bool::arbitrary(u)? {
            TaskRef::TaskId(String::arbitrary(u)?)
        } else {
            TaskRef::Mapped(String::arbitrary(u)?, i64::arbitrary(u)?)
        })
    }
}

impl<V: ArbitraryField> ArbitraryField for MapOrString<V> {
    fn arbitrary_field(u: &mut Unstructured<'_>) -> Result<Self> {
        Ok(if bool::arbitrary(u)? {
            MapOrString::Map(ArbitraryField::arbitrary_field(u)?)
        } else {
            MapOrString::String(String::arbitrary(u)?)
        })
    }
}

impl ArbitraryField for PosixPath {
    fn arbitrary_field(u: &mut Unstructured<'_>) -> Result<Self> {
        Ok(PosixPath::new(&String::arbitrary(u)?))
    }
}

impl ArbitraryField for TriggerEvent {
    fn arbitrary_field(u: &mut Unstructured<'_>) -> Result<Self> {
        Ok(if bool::arbitrary(u)? {
            TriggerEvent::Resume {
                payload: AnyValue::arbitrary(u)?,
            }
        } else {
            TriggerEvent::EndTask {
                task_instance_state: ArbitraryField::arbitrary_field(u)?,
                xcoms: JsonValue::arbitrary(u)?,
            }
        })
    }
}

impl ArbitraryField for TriggerEventEntry {
    fn arbitrary_field(u: &mut Unstructured<'_>) -> Result<Self> {
        Ok(TriggerEventEntry {
            trigger_id: i64::arbitrary(u)?,
            event: TriggerEvent::arbitrary_field(u)?,
            persist_seq: ArbitraryField::arbitrary_field(u)?,
        })
    }
}
