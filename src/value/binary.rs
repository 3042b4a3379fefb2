//! A [`JsonValue`](super::JsonValue)'s text written through a binary serializer (msgpack), value
//! by value, without building a tree.
//!
//! Two passes over the text. [`shape`] walks it once, bytes outside strings only, to count the
//! items of every array and object and to find integers msgpack cannot carry. [`transcode`]
//! then parses it with serde_json and hands each value to the serializer, giving every array
//! and object its count up front. Without the counts a serializer must buffer each container
//! until it ends (rmp-serde does, for every level), which made writing a big value several
//! times slower than reading it.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed};
use serde::ser::{self, Serialize, SerializeMap, SerializeSeq, Serializer};

use super::{checked_json, string_end};

/// The item counts of the arrays and objects of the valid JSON text `json`, in the order they
/// open; or the first integer literal outside the range msgpack can carry (`-2^63 ..= 2^64 - 1`).
pub(super) fn shape(json: &str) -> Result<Vec<usize>, &str> {
    let bytes = json.as_bytes();
    let mut counts: Vec<usize> = Vec::new();
    // The count (its index in `counts`) of each container open around `at`.
    let mut open: Vec<usize> = Vec::new();
    // Whether the last token opened a container: the next one is then its first item (or key).
    let mut first = false;
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        let starts_item = match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b':' => {
                at += 1;
                continue;
            }
            b',' => {
                if let Some(&count) = open.last() {
                    counts[count] += 1;
                }
                at += 1;
                continue;
            }
            b']' | b'}' => {
                open.pop();
                first = false;
                at += 1;
                continue;
            }
            b'[' | b'{' => {
                at += 1;
                true
            }
            b'"' => {
                at = string_end(bytes, at + 1);
                true
            }
            b'-' | b'0'..=b'9' => {
                let end = bytes[at..]
                    .iter()
                    .position(|&b| !matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                    .map_or(bytes.len(), |n| at + n);
                let token = &json[at..end];
                if is_wide_integer(token) {
                    return Err(token);
                }
                at = end;
                true
            }
            // `true`, `false`, `null`: stepped over a letter at a time.
            _ => {
                at += 1;
                first
            }
        };
        if starts_item
            && first
            && let Some(&count) = open.last()
        {
            counts[count] = 1;
        }
        first = false;
        if matches!(byte, b'[' | b'{') {
            open.push(counts.len());
            counts.push(0);
            first = true;
        }
    }
    Ok(counts)
}

/// Whether a number token is an integer literal outside `-2^63 ..= 2^64 - 1`.
fn is_wide_integer(token: &str) -> bool {
    // Up to 18 digits always fit; only longer literals need parsing.
    token.len() > 18
        && !token.contains(['.', 'e', 'E'])
        && token.parse::<i64>().is_err()
        && token.parse::<u64>().is_err()
}

/// Writes the valid JSON text `json` through `serializer`, each array and object with its count
/// from `counts` ([`shape`] of the same text).
pub(super) fn transcode<S: Serializer>(
    json: &str,
    counts: &[usize],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let counts = Counts {
        counts,
        next: Cell::new(0),
    };
    let ok = Transcoder::new(&mut checked_json(json), &counts).serialize(serializer)?;
    if counts.next.get() != counts.counts.len() {
        return Err(ser::Error::custom(
            "a JSON value's containers were not all written",
        ));
    }
    Ok(ok)
}

/// The counts [`shape`] found, handed out in the order the containers open.
struct Counts<'c> {
    counts: &'c [usize],
    next: Cell<usize>,
}

impl Counts<'_> {
    fn take<E: de::Error>(&self) -> Result<usize, E> {
        let at = self.next.get();
        self.next.set(at + 1);
        self.counts
            .get(at)
            .copied()
            .ok_or_else(|| E::custom("a JSON value has more containers than counted"))
    }
}

/// One JSON value still to be read from its deserializer, as something to serialize. (Serialize
/// takes `&self`: the deserializer is taken out of a cell, once.)
struct Transcoder<'c, D> {
    deserializer: Cell<Option<D>>,
    counts: &'c Counts<'c>,
}

impl<'c, D> Transcoder<'c, D> {
    fn new(deserializer: D, counts: &'c Counts<'c>) -> Self {
        Self {
            deserializer: Cell::new(Some(deserializer)),
            counts,
        }
    }
}

impl<'de, D: de::Deserializer<'de>> Serialize for Transcoder<'_, D> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let deserializer = self
            .deserializer
            .take()
            .ok_or_else(|| ser::Error::custom("a JSON value was written twice"))?;
        deserializer
            .deserialize_any(Visitor {
                serializer,
                counts: self.counts,
            })
            .map_err(ser::Error::custom)
    }
}

/// Hands each JSON value the deserializer finds to the serializer.
struct Visitor<'c, S> {
    serializer: S,
    counts: &'c Counts<'c>,
}

/// A serializer's error, as a deserializer's.
fn carried<E: de::Error>(err: impl fmt::Display) -> E {
    E::custom(err)
}

impl<'de, S: Serializer> de::Visitor<'de> for Visitor<'_, S> {
    type Value = S::Ok;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<S::Ok, E> {
        self.serializer.serialize_bool(v).map_err(carried)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<S::Ok, E> {
        self.serializer.serialize_i64(v).map_err(carried)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<S::Ok, E> {
        self.serializer.serialize_u64(v).map_err(carried)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<S::Ok, E> {
        self.serializer.serialize_f64(v).map_err(carried)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<S::Ok, E> {
        self.serializer.serialize_str(v).map_err(carried)
    }

    fn visit_unit<E: de::Error>(self) -> Result<S::Ok, E> {
        self.serializer.serialize_unit().map_err(carried)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<S::Ok, A::Error> {
        let len = self.counts.take()?;
        let mut out = self.serializer.serialize_seq(Some(len)).map_err(carried)?;
        let mut written = 0;
        while let Some(()) = seq.next_element_seed(Element {
            out: &mut out,
            counts: self.counts,
        })? {
            written += 1;
        }
        check_count(len, written)?;
        out.end().map_err(carried)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<S::Ok, A::Error> {
        let len = self.counts.take()?;
        let mut out = self.serializer.serialize_map(Some(len)).map_err(carried)?;
        let mut written = 0;
        while let Some(()) = map.next_key_seed(Key {
            out: &mut out,
            counts: self.counts,
        })? {
            map.next_value_seed(Entry {
                out: &mut out,
                counts: self.counts,
            })?;
            written += 1;
        }
        check_count(len, written)?;
        out.end().map_err(carried)
    }
}

/// A header already written with `counted` items must be followed by that many.
fn check_count<E: de::Error>(counted: usize, written: usize) -> Result<(), E> {
    if counted == written {
        Ok(())
    } else {
        Err(E::custom(format_args!(
            "a JSON container was counted with {counted} items and has {written}"
        )))
    }
}

/// Defines a seed that serializes the value a deserializer hands it through one method of a
/// compound serializer: an array item, an object key, an object entry's value.
macro_rules! compound_seed {
    ($(#[doc = $doc:literal])* $name:ident: $compound:ident::$method:ident) => {
        $(#[doc = $doc])*
        struct $name<'a, 'c, S> {
            out: &'a mut S,
            counts: &'c Counts<'c>,
        }

        impl<'de, S: $compound> DeserializeSeed<'de> for $name<'_, '_, S> {
            type Value = ();

            fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
                self.out
                    .$method(&Transcoder::new(deserializer, self.counts))
                    .map_err(carried)
            }
        }
    };
}

compound_seed!(
    /// Serializes the next array item.
    Element: SerializeSeq::serialize_element
);
compound_seed!(
    /// Serializes the next object key.
    Key: SerializeMap::serialize_key
);
compound_seed!(
    /// Serializes the value of the object entry whose key was just written.
    Entry: SerializeMap::serialize_value
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_container_in_the_order_it_opens() {
        let cases: &[(&str, &[usize])] = &[
            ("1", &[]),
            ("[]", &[0]),
            ("{}", &[0]),
            ("[[]]", &[1, 0]),
            (r#"[[1],2,{"a":[true,null,false]}]"#, &[3, 1, 1, 3]),
            (r#" { "a" : 1 , "b" : [ ] , "c" : { } } "#, &[3, 0, 0]),
            (r#"["[", "]", "{\"", "\\", ",,", {"k,": "v]"}]"#, &[6, 1]),
            (
                "[-1.5e+3,0,18446744073709551615,-9223372036854775808]",
                &[4],
            ),
        ];
        for (json, counts) in cases {
            assert_eq!(shape(json), Ok(counts.to_vec()), "{json}");
        }
    }

    #[test]
    fn finds_integers_msgpack_cannot_carry() {
        assert_eq!(shape("18446744073709551616"), Err("18446744073709551616"));
        assert_eq!(
            shape(r#"{"a":[1,-9223372036854775809]}"#),
            Err("-9223372036854775809")
        );
        assert_eq!(
            shape(r#"{"99999999999999999999":"99999999999999999999"}"#),
            Ok(vec![1])
        );
        assert_eq!(shape("[1e400,123456789012345678901.5]"), Ok(vec![2]));
    }
}
