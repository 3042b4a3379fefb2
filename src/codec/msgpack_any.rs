//! Reading an [`AnyValue`] straight from msgpack bytes, as msgspec decodes a value into an
//! `Any` field: the body decoder hands the result to the value (`hand_over_any_to`).

use crate::codec::limits::Limits;
use crate::codec::msgpack::{ScanError, refusal};
use crate::value::time::UtcDateTime;
use crate::value::{AnyDict, AnyValue, UNHASHABLE_KEY, ext};

// ---------------------------------------------------------------------------------------------
// msgpack to a tree, without recursion

/// An array or map being filled.
enum Open {
    Array(Vec<AnyValue>, usize),
    Map(Vec<(AnyValue, AnyValue)>, Option<AnyValue>, usize),
}

impl AnyValue {
    /// Reads the msgpack value at the front of `input` as msgspec decodes it into an `Any` field,
    /// and steps `input` past it. Iterative, so that its depth costs no stack: the value sits
    /// inside `enclosing` arrays and maps, and its own non-empty ones may not take the nesting
    /// past [`Limits::max_frame_depth`]; strings, bin, extension data and collections are held
    /// to the other limits. Refused as msgspec refuses them: strings that are not UTF-8,
    /// malformed timestamps or ones outside the years 1 to 9999, map keys Python cannot hash.
    pub(crate) fn from_msgpack_prefix(
        input: &mut &[u8],
        limits: &Limits,
        enclosing: usize,
    ) -> Result<Self, String> {
        let mut rest = *input;
        let mut stack: Vec<Open> = Vec::new();
        loop {
            let mut value = match read_item(&mut rest, limits)? {
                Item::Value(value) => value,
                Item::Array(0) => AnyValue::Array(Vec::new()),
                Item::Map(0) => AnyValue::Map(AnyDict::default()),
                Item::Array(_) | Item::Map(_)
                    if enclosing + stack.len() >= limits.max_frame_depth() =>
                {
                    return Err(ScanError::TooDeep(limits.max_frame_depth()).to_string());
                }
                // The declared count is not trusted for the allocation: each item takes a byte.
                Item::Array(n) => {
                    stack.push(Open::Array(Vec::with_capacity(n.min(rest.len())), n));
                    continue;
                }
                Item::Map(n) => {
                    stack.push(Open::Map(
                        Vec::with_capacity(n.min(rest.len() / 2)),
                        None,
                        n,
                    ));
                    continue;
                }
            };
            // Place the value; close every level it completes.
            loop {
                match stack.last_mut() {
                    None => {
                        *input = rest;
                        return Ok(value);
                    }
                    Some(Open::Array(items, left)) => {
                        items.push(value);
                        *left -= 1;
                        if *left > 0 {
                            break;
                        }
                    }
                    Some(Open::Map(_, key @ None, _)) => {
                        if !value.is_hashable() {
                            return Err(UNHASHABLE_KEY.to_owned());
                        }
                        *key = Some(value);
                        break;
                    }
                    Some(Open::Map(entries, key, left)) => {
                        entries.push((key.take().expect("a key was read"), value));
                        *left -= 1;
                        if *left > 0 {
                            break;
                        }
                    }
                }
                value = match stack.pop() {
                    Some(Open::Array(items, _)) => AnyValue::Array(items),
                    Some(Open::Map(entries, _, _)) => AnyValue::Map(AnyDict::from_entries(entries)),
                    None => unreachable!("a level was open"),
                };
            }
        }
    }
}

/// One msgpack item: a whole scalar, or the header of an array or map with its item count.
enum Item {
    Value(AnyValue),
    Array(usize),
    Map(usize),
}

fn take<'a>(input: &mut &'a [u8], n: usize) -> Result<&'a [u8], String> {
    if input.len() < n {
        return Err(refusal::CUT_SHORT.to_owned());
    }
    let (head, tail) = input.split_at(n);
    *input = tail;
    Ok(head)
}

fn be(input: &mut &[u8], width: usize) -> Result<u64, String> {
    Ok(take(input, width)?
        .iter()
        .fold(0u64, |n, &b| (n << 8) | u64::from(b)))
}

fn read_item(input: &mut &[u8], limits: &Limits) -> Result<Item, String> {
    let marker = take(input, 1)?[0];
    let scalar = |value| Ok(Item::Value(value));
    let bytes = |input: &mut &[u8], len: u64| -> Result<Vec<u8>, String> {
        let len = usize::try_from(len).map_err(|err| err.to_string())?;
        crate::codec::msgpack::check_string(len, limits).map_err(|err| err.to_string())?;
        Ok(take(input, len)?.to_vec())
    };
    let text = |input: &mut &[u8], len: u64| -> Result<AnyValue, String> {
        let len = usize::try_from(len).map_err(|err| err.to_string())?;
        crate::codec::msgpack::check_string(len, limits).map_err(|err| err.to_string())?;
        crate::value::as_utf8(take(input, len)?)
            .map(|s| AnyValue::String(s.to_owned()))
            .ok_or_else(|| refusal::NOT_UTF8.to_owned())
    };
    let count = |n: u64| -> Result<usize, String> {
        let n = usize::try_from(n).map_err(|err| err.to_string())?;
        crate::codec::msgpack::check_collection(n, limits).map_err(|err| err.to_string())?;
        Ok(n)
    };
    match marker {
        0x00..=0x7f => scalar(AnyValue::Int(i64::from(marker))),
        0xe0..=0xff => scalar(AnyValue::Int(i64::from(marker as i8))),
        0xc0 => scalar(AnyValue::Null),
        0xc2 => scalar(AnyValue::Bool(false)),
        0xc3 => scalar(AnyValue::Bool(true)),
        0xcc..=0xcf => {
            let v = be(input, 1 << (marker - 0xcc))?;
            scalar(AnyValue::from(v))
        }
        0xd0..=0xd3 => {
            let width = 1usize << (marker - 0xd0);
            let raw = be(input, width)?;
            // Sign-extend from `width` bytes.
            let shift = 64 - 8 * width as u32;
            scalar(AnyValue::Int(((raw << shift) as i64) >> shift))
        }
        0xca => scalar(AnyValue::Float(f64::from(f32::from_bits(
            be(input, 4)? as u32
        )))),
        0xcb => scalar(AnyValue::Float(f64::from_bits(be(input, 8)?))),
        0xa0..=0xbf => scalar(text(input, u64::from(marker & 0x1f))?),
        0xd9..=0xdb => {
            let len = be(input, 1 << (marker - 0xd9))?;
            scalar(text(input, len)?)
        }
        0xc4..=0xc6 => {
            let len = be(input, 1 << (marker - 0xc4))?;
            scalar(AnyValue::Bytes(bytes(input, len)?))
        }
        0x90..=0x9f => Ok(Item::Array(count(u64::from(marker & 0x0f))?)),
        0xdc | 0xdd => {
            let n = be(input, if marker == 0xdc { 2 } else { 4 })?;
            Ok(Item::Array(count(n)?))
        }
        0x80..=0x8f => Ok(Item::Map(count(u64::from(marker & 0x0f))?)),
        0xde | 0xdf => {
            let n = be(input, if marker == 0xde { 2 } else { 4 })?;
            Ok(Item::Map(count(n)?))
        }
        0xd4..=0xd8 | 0xc7..=0xc9 => {
            let len = match marker {
                0xd4..=0xd8 => 1u64 << (marker - 0xd4),
                _ => be(input, 1 << (marker - 0xc7))?,
            };
            let kind = take(input, 1)?[0] as i8;
            let data = bytes(input, len)?;
            if kind != ext::TIMESTAMP {
                return scalar(AnyValue::Ext { kind, data });
            }
            ext::decode_timestamp(&data)
                .and_then(|(secs, nanos)| ext::timestamp_to_utc(secs, nanos))
                .map(|utc| Item::Value(AnyValue::DateTime(UtcDateTime::from_chrono(utc))))
                .ok_or_else(|| refusal::BAD_TIMESTAMP.to_owned())
        }
        0xc1 => Err(refusal::NEVER_USED.to_owned()),
    }
}

// ---------------------------------------------------------------------------------------------
// serde

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::frame::{RequestFrame, decode_request, encode_request};
    use crate::messages::orchestration::TriggerDagRun;
    use crate::union::channels::TaskToSupervisor;

    fn rich() -> AnyValue {
        let when: UtcDateTime = "2026-11-21T03:04:05.123456Z".parse().unwrap();
        let map = AnyDict::from_entries([
            (AnyValue::from(7i64), AnyValue::from("seven")),
            (
                AnyValue::Array(vec![1i64.into(), "a".into()]),
                AnyValue::Null,
            ),
            (AnyValue::from("when"), AnyValue::from(when)),
            (AnyValue::from("blob"), AnyValue::from(vec![0u8, 255])),
            (AnyValue::from("nan"), AnyValue::Float(f64::NAN)),
            (AnyValue::from("big"), AnyValue::from(u64::MAX)),
            (
                AnyValue::from("ext"),
                AnyValue::Ext {
                    kind: 5,
                    data: vec![1, 2],
                },
            ),
        ]);
        AnyValue::Map(map)
    }

    /// rmp-serde, a deserializer that knows nothing of the crate, reads what the crate writes.
    #[test]
    fn round_trips_through_rmp_serde_and_the_body_decoder() {
        let value = rich();
        let bytes = rmp_serde::to_vec(&value).unwrap();
        assert_eq!(rmp_serde::from_slice::<AnyValue>(&bytes).unwrap(), value);
        let mut rest = &bytes[..];
        let built = AnyValue::from_msgpack_prefix(&mut rest, &Limits::DEFAULT, 0).unwrap();
        assert!(rest.is_empty());
        assert_eq!(built, value);
    }

    #[test]
    fn keys_python_holds_equal_are_one_key() {
        let dict = AnyDict::from_entries([
            (AnyValue::from(1i64), AnyValue::from("int")),
            (AnyValue::from("1"), AnyValue::from("str")),
            (AnyValue::Float(1.0), AnyValue::from("float")),
            (AnyValue::Bool(true), AnyValue::from("bool")),
            (AnyValue::Float(f64::NAN), AnyValue::from("nan")),
            (AnyValue::Float(f64::NAN), AnyValue::from("another nan")),
        ]);
        let keys: Vec<_> = dict
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap()))
            .collect();
        assert_eq!(keys.len(), 4, "{keys:?}");
        // The first key keeps its place and takes the last value; NaN equals nothing.
        assert_eq!(keys[0], (AnyValue::from(1i64), "bool"));
        assert_eq!(keys[1], (AnyValue::from("1"), "str"));
    }

    /// An `Any` value may nest as deep as the frame allows, and decoding it takes no stack per
    /// level; past the frame's bound it is a clean error, even 100,000 levels down.
    #[test]
    fn deep_values_decode_without_recursion_and_stop_at_the_frame_bound() {
        let frame_with = |levels: usize| {
            let mut conf = AnyValue::Null;
            for _ in 0..levels {
                conf = AnyValue::Array(vec![conf]);
            }
            let message = TriggerDagRun {
                dag_id: "d".into(),
                run_id: "r".into(),
                conf: Some([("k".to_owned(), conf)].into_iter().collect()),
                logical_date: None,
                run_after: None,
                reset_dag_run: Some(false),
                partition_key: None,
                note: None,
            };
            let mut frame = Vec::new();
            encode_request(
                &RequestFrame::<TaskToSupervisor>::new(1, message),
                &mut frame,
            )
            .unwrap();
            frame
        };
        // The body map and `conf` are two levels.
        let max = Limits::DEFAULT.max_frame_depth() - 2;
        let deepest = frame_with(max);
        let decoded = decode_request::<TaskToSupervisor>(&deepest[4..]).unwrap();
        let mut again = Vec::new();
        encode_request(&decoded, &mut again).unwrap();
        assert_eq!(again, deepest);
        // Writing it as JSON recurses once per level, within the stack a test thread has.
        assert!(
            serde_json::to_string(&decoded.body)
                .unwrap()
                .contains("[[[null]]]")
        );
        let err = decode_request::<TaskToSupervisor>(&frame_with(max + 1)[4..]).unwrap_err();
        assert!(err.to_string().contains("nested more than"), "{err}");

        let mut hostile = vec![0x91; 100_000];
        hostile.push(0xc0);
        let err =
            AnyValue::from_msgpack_prefix(&mut &hostile[..], &Limits::DEFAULT, 0).unwrap_err();
        assert!(err.contains("nested more than"), "{err}");
    }

    #[test]
    fn a_huge_declared_count_allocates_nothing_it_was_not_paid_for() {
        // An array announcing 2^32 - 1 items, with none behind it.
        let bytes = [0xdd, 0xff, 0xff, 0xff, 0xff];
        let err = AnyValue::from_msgpack_prefix(&mut &bytes[..], &Limits::DEFAULT, 0).unwrap_err();
        assert!(err.contains("cut short"), "{err}");
    }
}
