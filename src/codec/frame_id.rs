//! The id of a frame: any integer msgpack can carry.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The id of a frame, from -2^63 to 2^64 - 1: every integer msgpack can carry.
///
/// The SDK declares the id as a Python `int` and msgspec reads it from any msgpack integer, so a
/// frame may carry any value in that range; Airflow's supervisor echoes it in its response. A
/// `FrameId` holds every one of them, and writes it as msgspec writes it: the shortest unsigned
/// form for 0 and above, the shortest signed form below 0.
///
/// Ids convert from every integer type that fits (`From<i64>`, `From<u64>`, `From<i32>`, ...),
/// and with `TryFrom` from those that may not (`i128`, `u128`, `isize`, `usize`); they compare
/// with plain integers (`id == 7`), print as the number, and serialize (JSON included) as that
/// integer.
///
/// ```
/// use airflow_comms::frame::FrameId;
///
/// let id = FrameId::from(u64::MAX);
/// assert_eq!(id.to_string(), "18446744073709551615");
/// assert_eq!((id.as_u64(), id.as_i64()), (Some(u64::MAX), None));
/// assert_eq!(FrameId::from(-1).as_i64(), Some(-1));
/// assert!(FrameId::try_from(1i128 << 64).is_err());
/// assert_eq!(FrameId::from(7), 7);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FrameId(Repr);

/// An id as msgpack carries it. Invariant: `Negative` holds only values below 0, so each id has
/// one representation, and the derived order (every `Negative` before every `Unsigned`) is the
/// numeric one. (Not an `i128`, whose 16-byte alignment would grow every error that holds an id.)
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Repr {
    Negative(i64),
    Unsigned(u64),
}

/// An integer outside -2^63 ..= 2^64 - 1, which no frame can carry as its id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} cannot be a frame id: msgpack integers run from -2^63 to 2^64 - 1")]
pub struct FrameIdOutOfRange(pub i128);

impl FrameId {
    /// The smallest id, -2^63.
    pub const MIN: Self = Self(Repr::Negative(i64::MIN));
    /// The largest id, 2^64 - 1.
    pub const MAX: Self = Self(Repr::Unsigned(u64::MAX));

    /// The id `id`.
    pub const fn from_i64(id: i64) -> Self {
        if id < 0 {
            Self(Repr::Negative(id))
        } else {
            Self(Repr::Unsigned(id as u64))
        }
    }

    /// The id `id`.
    pub const fn from_u64(id: u64) -> Self {
        Self(Repr::Unsigned(id))
    }

    /// The id as an `i128`, which holds every id.
    pub const fn get(self) -> i128 {
        match self.0 {
            Repr::Negative(id) => id as i128,
            Repr::Unsigned(id) => id as i128,
        }
    }

    /// The id as an `i64`, when it fits (below 2^63).
    pub const fn as_i64(self) -> Option<i64> {
        match self.0 {
            Repr::Negative(id) => Some(id),
            Repr::Unsigned(id) if id <= i64::MAX as u64 => Some(id as i64),
            Repr::Unsigned(_) => None,
        }
    }

    /// The id as a `u64`, when it fits (0 and above).
    pub const fn as_u64(self) -> Option<u64> {
        match self.0 {
            Repr::Negative(_) => None,
            Repr::Unsigned(id) => Some(id),
        }
    }

    /// The next id, `None` after [`FrameId::MAX`].
    pub const fn checked_next(self) -> Option<Self> {
        match self.0 {
            Repr::Negative(id) => Some(Self::from_i64(id + 1)),
            Repr::Unsigned(u64::MAX) => None,
            Repr::Unsigned(id) => Some(Self(Repr::Unsigned(id + 1))),
        }
    }

    /// The next id; after [`FrameId::MAX`] comes [`FrameId::MIN`].
    pub const fn wrapping_next(self) -> Self {
        match self.checked_next() {
            Some(next) => next,
            None => Self::MIN,
        }
    }

    /// Appends the id as msgspec writes a Python `int`: the shortest unsigned form for 0 and
    /// above (positive fixint, uint 8/16/32/64), the shortest signed form below 0 (negative
    /// fixint, int 8/16/32/64).
    pub(crate) fn write(self, out: &mut Vec<u8>) {
        match self.0 {
            Repr::Unsigned(id) => rmp::encode::write_uint(out, id),
            Repr::Negative(id) => rmp::encode::write_sint(out, id),
        }
        .expect("writing to a Vec cannot fail");
    }
}

impl fmt::Debug for FrameId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for FrameId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Repr::Negative(id) => fmt::Display::fmt(&id, f),
            Repr::Unsigned(id) => fmt::Display::fmt(&id, f),
        }
    }
}

macro_rules! lossless {
    ($($int:ty),*) => {$(
        impl From<$int> for FrameId {
            fn from(id: $int) -> Self {
                // Every value of these types is an i64 or a u64.
                match i64::try_from(id) {
                    Ok(id) => Self::from_i64(id),
                    Err(_) => Self::from_u64(u64::try_from(id).expect("an i64 or a u64")),
                }
            }
        }

        impl PartialEq<$int> for FrameId {
            fn eq(&self, other: &$int) -> bool {
                *self == Self::from(*other)
            }
        }
    )*};
}

lossless!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! fallible {
    ($($int:ty),*) => {$(
        impl TryFrom<$int> for FrameId {
            type Error = FrameIdOutOfRange;
            fn try_from(id: $int) -> Result<Self, FrameIdOutOfRange> {
                // An i128 holds every value of these types up to u64::MAX; beyond it saturates,
                // which is out of range too.
                let wide = i128::try_from(id).unwrap_or(i128::MAX);
                match (i64::try_from(wide), u64::try_from(wide)) {
                    (Ok(id), _) => Ok(Self::from_i64(id)),
                    (_, Ok(id)) => Ok(Self::from_u64(id)),
                    _ => Err(FrameIdOutOfRange(wide)),
                }
            }
        }
    )*};
}

fallible!(i128, u128, isize, usize);

impl From<FrameId> for i128 {
    fn from(id: FrameId) -> Self {
        id.get()
    }
}

impl TryFrom<FrameId> for i64 {
    type Error = FrameIdOutOfRange;
    fn try_from(id: FrameId) -> Result<Self, FrameIdOutOfRange> {
        id.as_i64().ok_or(FrameIdOutOfRange(id.get()))
    }
}

impl TryFrom<FrameId> for u64 {
    type Error = FrameIdOutOfRange;
    fn try_from(id: FrameId) -> Result<Self, FrameIdOutOfRange> {
        id.as_u64().ok_or(FrameIdOutOfRange(id.get()))
    }
}

impl Serialize for FrameId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Repr::Unsigned(id) => serializer.serialize_u64(id),
            Repr::Negative(id) => serializer.serialize_i64(id),
        }
    }
}

impl<'de> Deserialize<'de> for FrameId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = FrameId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer from -2^63 to 2^64 - 1")
            }
            fn visit_i64<E: serde::de::Error>(self, id: i64) -> Result<FrameId, E> {
                Ok(FrameId::from(id))
            }
            fn visit_u64<E: serde::de::Error>(self, id: u64) -> Result<FrameId, E> {
                Ok(FrameId::from(id))
            }
            fn visit_i128<E: serde::de::Error>(self, id: i128) -> Result<FrameId, E> {
                FrameId::try_from(id).map_err(E::custom)
            }
            fn visit_u128<E: serde::de::Error>(self, id: u128) -> Result<FrameId, E> {
                FrameId::try_from(id).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_equality_are_numeric() {
        let ids = [i64::MIN, -129, -1].map(FrameId::from);
        let more = [0, 1, 1 << 63, u64::MAX].map(FrameId::from);
        let all: Vec<FrameId> = ids.into_iter().chain(more).collect();
        assert!(all.windows(2).all(|pair| pair[0] < pair[1]), "{all:?}");
        assert_eq!(FrameId::from(5i64), FrameId::from(5u64));
        assert_eq!(FrameId::from(-1i8), -1);
        assert_eq!(std::mem::size_of::<FrameId>(), 16);
        assert_eq!(std::mem::align_of::<FrameId>(), 8);
        for id in all {
            assert_eq!(FrameId::try_from(id.get()), Ok(id));
            assert_eq!(
                id.checked_next().map(FrameId::get),
                (id.get() < FrameId::MAX.get()).then(|| id.get() + 1)
            );
        }
    }

    #[test]
    fn range_ends_and_conversions() {
        assert_eq!(FrameId::MIN.get(), -(1i128 << 63));
        assert_eq!(FrameId::MAX.get(), (1i128 << 64) - 1);
        assert_eq!(
            FrameId::try_from(FrameId::MIN.get() - 1),
            Err(FrameIdOutOfRange(FrameId::MIN.get() - 1))
        );
        assert_eq!(
            FrameId::try_from(FrameId::MAX.get() + 1).unwrap_err().0,
            FrameId::MAX.get() + 1
        );
        assert_eq!(FrameId::try_from(u128::MAX).unwrap_err().0, i128::MAX);
        assert_eq!(FrameId::try_from(5usize), Ok(FrameId::from(5u8)));
        assert_eq!(FrameId::MAX.checked_next(), None);
        assert_eq!(FrameId::MAX.wrapping_next(), FrameId::MIN);
        assert_eq!(
            FrameId::from(i64::MAX).checked_next(),
            Some(FrameId::from(1u64 << 63))
        );
        assert_eq!(u64::try_from(FrameId::from(-1)).unwrap_err().0, -1);
        assert_eq!(
            i64::try_from(FrameId::from(u64::MAX)).unwrap_err().0,
            FrameId::MAX.get()
        );
        assert_eq!(i64::try_from(FrameId::MIN), Ok(i64::MIN));
        assert_eq!(
            format!("{:?} {}", FrameId::MIN, FrameId::MAX),
            "-9223372036854775808 18446744073709551615"
        );
    }

    #[test]
    fn serde_carries_every_id_and_refuses_the_others() {
        for id in [
            FrameId::MIN,
            FrameId::from(-1),
            FrameId::from(0),
            FrameId::from(i64::MAX),
            FrameId::MAX,
        ] {
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(json, id.to_string());
            assert_eq!(serde_json::from_str::<FrameId>(&json).unwrap(), id);
            let packed = rmp_serde::to_vec(&id).unwrap();
            let mut written = Vec::new();
            id.write(&mut written);
            assert_eq!(packed, written, "{id}");
            assert_eq!(rmp_serde::from_slice::<FrameId>(&packed).unwrap(), id);
        }
        for text in [
            "18446744073709551616",
            "-9223372036854775809",
            "1.0",
            "\"1\"",
            "null",
        ] {
            assert!(serde_json::from_str::<FrameId>(text).is_err(), "{text}");
        }
    }
}
