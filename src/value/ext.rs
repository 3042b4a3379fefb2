//! msgpack extension values, as rmp-serde presents them through serde: a newtype struct named
//! `_ExtStruct` around an `(i8, bytes)` pair. The protocol uses one extension, the timestamp
//! (type -1), which msgspec writes for every aware `datetime`.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeTuple, Serializer};

/// msgpack's timestamp extension type.
pub(crate) const TIMESTAMP: i8 = -1;

/// An extension value read from msgpack.
pub(crate) struct Ext {
    pub(crate) kind: i8,
    pub(crate) data: Vec<u8>,
}

impl<'de> Deserialize<'de> for Ext {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ExtVisitor;
        impl<'de> Visitor<'de> for ExtVisitor {
            type Value = Ext;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a msgpack extension value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ext, A::Error> {
                let kind = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let ExtData(data) = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                Ok(Ext { kind, data })
            }
        }
        deserializer.deserialize_tuple(2, ExtVisitor)
    }
}

struct ExtData(Vec<u8>);

impl<'de> Deserialize<'de> for ExtData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DataVisitor;
        impl Visitor<'_> for DataVisitor {
            type Value = ExtData;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("extension bytes")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<ExtData, E> {
                Ok(ExtData(v.to_vec()))
            }
        }
        deserializer.deserialize_bytes(DataVisitor)
    }
}

/// Writes an extension value through rmp-serde.
pub(crate) fn serialize_ext<S: Serializer>(
    serializer: S,
    kind: i8,
    data: &[u8],
) -> Result<S::Ok, S::Error> {
    struct Bytes<'a>(&'a [u8]);
    impl Serialize for Bytes<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_bytes(self.0)
        }
    }
    struct Pair<'a>(i8, &'a [u8]);
    impl Serialize for Pair<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut tuple = serializer.serialize_tuple(2)?;
            tuple.serialize_element(&self.0)?;
            tuple.serialize_element(&Bytes(self.1))?;
            tuple.end()
        }
    }
    // rmp-serde's name for the newtype struct that carries an extension value.
    serializer.serialize_newtype_struct(rmp_serde::MSGPACK_EXT_STRUCT_NAME, &Pair(kind, data))
}

/// The timestamp extension's payload for `secs` since the epoch plus `nanos`, in the smallest of
/// the three forms, as msgspec chooses it: 4 bytes (whole seconds in `u32`), 8 bytes (seconds in
/// 34 bits), else 12 bytes.
pub(crate) fn encode_timestamp(secs: i64, nanos: u32) -> ([u8; 12], usize) {
    let mut out = [0u8; 12];
    if (0..1 << 34).contains(&secs) {
        if nanos == 0 && secs <= i64::from(u32::MAX) {
            out[..4].copy_from_slice(&(secs as u32).to_be_bytes());
            return (out, 4);
        }
        let packed = (u64::from(nanos) << 34) | secs as u64;
        out[..8].copy_from_slice(&packed.to_be_bytes());
        return (out, 8);
    }
    out[..4].copy_from_slice(&nanos.to_be_bytes());
    out[4..].copy_from_slice(&secs.to_be_bytes());
    (out, 12)
}

/// Reads a timestamp extension payload: seconds since the epoch and nanoseconds.
pub(crate) fn decode_timestamp(data: &[u8]) -> Option<(i64, u32)> {
    let (secs, nanos) = match *data {
        [a, b, c, d] => (i64::from(u32::from_be_bytes([a, b, c, d])), 0),
        [..] if data.len() == 8 => {
            let packed = u64::from_be_bytes(data.try_into().ok()?);
            ((packed & ((1 << 34) - 1)) as i64, (packed >> 34) as u32)
        }
        [..] if data.len() == 12 => (
            i64::from_be_bytes(data[4..].try_into().ok()?),
            u32::from_be_bytes(data[..4].try_into().ok()?),
        ),
        _ => return None,
    };
    (nanos < 1_000_000_000 && within_python_years(secs)).then_some((secs, nanos))
}

/// The instant Python holds for a timestamp of `secs` and `nanos`: microseconds rounded half
/// up (carrying into the seconds), as msgspec rounds them; `None` outside the years 1 to 9999.
pub(crate) fn timestamp_to_utc(secs: i64, nanos: u32) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::Datelike;
    let micros = (nanos + 500) / 1000;
    let (secs, micros) = if micros == 1_000_000 {
        (secs + 1, 0)
    } else {
        (secs, micros)
    };
    chrono::DateTime::from_timestamp(secs, micros * 1000)
        .filter(|utc| (1..=9999).contains(&utc.year()))
}

/// Whether `secs` since the epoch falls in years 1 to 9999 (UTC): Python's `datetime` holds no
/// other, and msgspec refuses a timestamp outside them.
pub(crate) fn within_python_years(secs: i64) -> bool {
    const YEAR_1: i64 = -62_135_596_800;
    const AFTER_YEAR_9999: i64 = 253_402_300_800;
    (YEAR_1..AFTER_YEAR_9999).contains(&secs)
}

/// Re-encodes the value a deserializer yields as msgpack bytes, extension values included, so
/// that a union read by a binary deserializer other than the crate's can keep the entries before
/// its tag (see `messages::union::deserialize_union`). Maps and arrays are written once their
/// length is known.
pub(crate) struct Capture<'a>(pub(crate) &'a mut Vec<u8>);

impl<'de> de::DeserializeSeed<'de> for Capture<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

fn written<E: de::Error>(result: Result<(), rmp::encode::ValueWriteError>) -> Result<(), E> {
    result.map_err(|err| E::custom(format_args!("cannot buffer a value: {err}")))
}

impl<'de> Visitor<'de> for Capture<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        rmp::encode::write_bool(self.0, v).map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        written(rmp::encode::write_sint(self.0, v).map(drop))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        written(rmp::encode::write_uint(self.0, v).map(drop))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        written(rmp::encode::write_f64(self.0, v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        written(rmp::encode::write_str(self.0, v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<(), E> {
        written(rmp::encode::write_bin(self.0, v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        rmp::encode::write_nil(self.0).map_err(E::custom)
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        de::DeserializeSeed::deserialize(self, deserializer)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut items = Vec::new();
        let mut count = 0u32;
        while seq.next_element_seed(Capture(&mut items))?.is_some() {
            count += 1;
        }
        written(rmp::encode::write_array_len(self.0, count).map(drop))?;
        self.0.extend_from_slice(&items);
        Ok(())
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut entries = Vec::new();
        let mut count = 0u32;
        while map.next_key_seed(Capture(&mut entries))?.is_some() {
            map.next_value_seed(Capture(&mut entries))?;
            count += 1;
        }
        written(rmp::encode::write_map_len(self.0, count).map(drop))?;
        self.0.extend_from_slice(&entries);
        Ok(())
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let ext = Ext::deserialize(deserializer)?;
        let len = u32::try_from(ext.data.len()).map_err(de::Error::custom)?;
        written(rmp::encode::write_ext_meta(self.0, len, ext.kind).map(drop))?;
        self.0.extend_from_slice(&ext.data);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_use_msgspec_forms() {
        // Bytes written by msgspec 0.22 for 2026-11-22T10:00:00Z, the same plus 5 µs, 1960-01-01.
        let cases: [(i64, u32, &str); 3] = [
            (1_795_341_600, 0, "6b02bd20"),
            (1_795_341_600, 5_000, "00004e206b02bd20"),
            (-315_619_200, 0, "00000000ffffffffed300880"),
        ];
        for (secs, nanos, hex) in cases {
            let (buf, len) = encode_timestamp(secs, nanos);
            let got: String = buf[..len].iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(got, hex);
            assert_eq!(decode_timestamp(&buf[..len]), Some((secs, nanos)));
        }
        assert_eq!(decode_timestamp(&[0; 5]), None);
    }
}
