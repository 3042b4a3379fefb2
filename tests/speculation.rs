//! The rule the msgpack speculation keeps (the header of the crate's `codec::speculate` module):
//! decoding a body without scanning it first gives what scanning it first gives, the same
//! message or the same error, at every size and within every [`Limits`].
//!
//! Debug builds compare both ways inside every decode of 64 KiB or less; these tests compare them
//! from outside, through the crate's hidden test hooks (`airflow_comms::__private`), so they check
//! the rule in release builds too (`cargo test --release --test speculation`) and on bodies far
//! over 64 KiB. The bodies are `SetXCom` requests and `XComResult` replies around generated JSON
//! values (long strings, wide arrays, deep nesting), written as the SDK writes them and then
//! changed: an ignored field holding a big value, the tag moved, repeated or renamed, a byte
//! changed, the body cut short.

use std::cell::Cell;
use std::fmt::Debug;

use airflow_comms::__private::{
    decodes_msgpack_message_without_a_scan, decodes_msgpack_without_a_scan,
    decodes_request_without_a_scan, scan_then_decode_msgpack, scan_then_decode_msgpack_message,
    scan_then_decode_request,
};
use airflow_comms::{Limits, SetXCom, TaskToSupervisor, ToTask, XComResult};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

/// A msgpack string.
fn str(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    rmp::encode::write_str(&mut out, text).unwrap();
    out
}

/// `value` as msgpack, as msgspec writes a JSON value.
fn msgpack(value: &Value) -> Vec<u8> {
    rmp_serde::to_vec(value).unwrap()
}

/// A map body of `entries` (msgpack key, msgpack value).
fn map(entries: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    rmp::encode::write_map_len(&mut out, entries.len() as u32).unwrap();
    for (key, value) in entries {
        out.extend_from_slice(key);
        out.extend_from_slice(value);
    }
    out
}

/// The entries of a `SetXCom` body around `value`, in the SDK's order (`type` last).
fn set_xcom(value: &Value) -> Vec<(Vec<u8>, Vec<u8>)> {
    vec![
        (str("key"), str("return_value")),
        (str("value"), msgpack(value)),
        (str("dag_id"), str("etl")),
        (str("run_id"), str("manual__2026-11-22T00:00:00+00:00")),
        (str("task_id"), str("extract")),
        (str("map_index"), vec![0xc0]),
        (str("dag_result"), vec![0xc2]),
        (str("mapped_length"), vec![0xc0]),
        (str("type"), str("SetXCom")),
    ]
}

/// The entries of an `XComResult` body around `value`.
fn xcom_result(value: &Value) -> Vec<(Vec<u8>, Vec<u8>)> {
    vec![
        (str("key"), str("return_value")),
        (str("value"), msgpack(value)),
        (str("type"), str("XComResult")),
    ]
}

/// What is done to a body before it is decoded.
#[derive(Debug, Clone)]
enum Change {
    None,
    /// An entry the models ignore, holding a (big) value, inserted at this position.
    Junk(usize, Value),
    /// The `type` entry moved to this position.
    MoveTag(usize),
    /// A second `type` entry with this tag, at this position.
    SecondTag(usize, &'static str),
    /// The tag replaced.
    Retag(&'static str),
    /// The byte at this fraction of the body replaced.
    Byte(f64, u8),
    /// The body cut to this fraction of its length.
    Cut(f64),
}

const TAGS: &[&str] = &["SetXCom", "GetXCom", "XComResult", "NotAType", ""];

fn change(entries: &mut Vec<(Vec<u8>, Vec<u8>)>, change: &Change) -> Vec<u8> {
    let at = |n: usize, len: usize| n % (len + 1);
    match change {
        Change::None | Change::Byte(..) | Change::Cut(_) => {}
        Change::Junk(n, value) => {
            let n = at(*n, entries.len());
            entries.insert(n, (str("junk"), msgpack(value)));
        }
        Change::MoveTag(n) => {
            let tag = entries.pop().unwrap();
            let n = at(*n, entries.len());
            entries.insert(n, tag);
        }
        Change::SecondTag(n, tag) => {
            let n = at(*n, entries.len());
            entries.insert(n, (str("type"), str(tag)));
        }
        Change::Retag(tag) => entries.last_mut().unwrap().1 = str(tag),
    }
    let mut body = map(entries);
    match change {
        Change::Byte(fraction, byte) => {
            let n = ((body.len() as f64 * fraction) as usize).min(body.len() - 1);
            body[n] = *byte;
        }
        Change::Cut(fraction) => body.truncate((body.len() as f64 * fraction) as usize),
        _ => {}
    }
    body
}

/// Equal results: the same value (compared as printed when it holds a NaN), or errors that read
/// the same.
fn same<T: PartialEq + Debug, E: ToString>(
    speculated: &Result<T, E>,
    scanned: &Result<T, E>,
) -> bool {
    match (speculated, scanned) {
        (Ok(a), Ok(b)) => a == b || format!("{a:?}") == format!("{b:?}"),
        (Err(a), Err(b)) => a.to_string() == b.to_string(),
        _ => false,
    }
}

/// A request frame payload around `body`: `[id, body]`, `[id, body, nil]` or `[id, body,
/// carrier]`.
fn request_payload(body: &[u8], carrier: u8) -> Vec<u8> {
    let mut payload = match carrier % 3 {
        0 => vec![0x92, 0x07],
        _ => vec![0x93, 0x07],
    };
    payload.extend_from_slice(body);
    match carrier % 3 {
        1 => payload.push(0xc0),
        2 => payload.extend_from_slice(b"\x81\xabtraceparent\xa2tp"),
        _ => {}
    }
    payload
}

/// How many of the checked bodies were decoded without a scan, and how many of those were over
/// 64 KiB (where debug builds do not compare both ways themselves).
#[derive(Default)]
struct Seen {
    speculated: Cell<usize>,
    speculated_large: Cell<usize>,
}

impl Seen {
    fn note(&self, speculated: bool, len: usize) {
        if speculated {
            self.speculated.set(self.speculated.get() + 1);
            if len > 1 << 16 {
                self.speculated_large.set(self.speculated_large.get() + 1);
            }
        }
    }
}

fn assert_same<T: PartialEq + Debug, E: ToString + Debug>(
    what: &str,
    limits: &Limits,
    input: &[u8],
    speculated: &Result<T, E>,
    scanned: &Result<T, E>,
) -> Result<(), TestCaseError> {
    if same(speculated, scanned) {
        return Ok(());
    }
    let shown = &input[..input.len().min(256)];
    Err(TestCaseError::fail(
        format!(
            "{what} {limits:?}, {} bytes {shown:02x?}:\n without a scan {:?}\n scanned first  {:?}",
            input.len(),
            speculated.as_ref().map(|_| ()),
            scanned.as_ref().map(|_| ()),
        ) + &format!(
            "\n errors: {:?} / {:?}",
            speculated.as_ref().err(),
            scanned.as_ref().err()
        ),
    ))
}

/// Decodes the `SetXCom` and `XComResult` bodies both ways, as bodies, as the one message type
/// and (the request) as a frame, and fails when any two results differ.
fn check(
    value: &Value,
    changed: &Change,
    limits: &Limits,
    carrier: u8,
    seen: &Seen,
) -> Result<(), TestCaseError> {
    let request = change(&mut set_xcom(value), changed);
    let fast = limits.decode_msgpack::<TaskToSupervisor>(&request);
    let slow = scan_then_decode_msgpack::<TaskToSupervisor>(limits, &request);
    assert_same("TaskToSupervisor", limits, &request, &fast, &slow)?;
    seen.note(
        decodes_msgpack_without_a_scan::<TaskToSupervisor>(limits, &request),
        request.len(),
    );

    let fast = limits.decode_msgpack_message::<SetXCom>(&request);
    let slow = scan_then_decode_msgpack_message::<SetXCom>(limits, &request);
    assert_same("SetXCom", limits, &request, &fast, &slow)?;
    seen.note(
        decodes_msgpack_message_without_a_scan::<SetXCom>(limits, &request),
        request.len(),
    );

    let payload = request_payload(&request, carrier);
    let fast = limits.decode_request::<TaskToSupervisor>(&payload);
    let slow = scan_then_decode_request::<TaskToSupervisor>(limits, &payload);
    assert_same("request frame", limits, &payload, &fast, &slow)?;
    seen.note(
        decodes_request_without_a_scan::<TaskToSupervisor>(limits, &payload),
        payload.len(),
    );

    let reply = change(&mut xcom_result(value), changed);
    let fast = limits.decode_msgpack::<ToTask>(&reply);
    let slow = scan_then_decode_msgpack::<ToTask>(limits, &reply);
    assert_same("ToTask", limits, &reply, &fast, &slow)?;
    seen.note(
        decodes_msgpack_without_a_scan::<ToTask>(limits, &reply),
        reply.len(),
    );

    let fast = limits.decode_msgpack_message::<XComResult>(&reply);
    let slow = scan_then_decode_msgpack_message::<XComResult>(limits, &reply);
    assert_same("XComResult", limits, &reply, &fast, &slow)
}

/// How much bigger values are in release builds: debug builds decode many times slower, and
/// still go far past 64 KiB.
const SCALE: usize = if cfg!(debug_assertions) { 1 } else { 8 };

/// JSON leaves: short strings with characters that need escaping, long strings, numbers.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |v| v.is_finite())
            .prop_map(Value::from),
        "[a-z\"\\\\\u{1}\u{e9}\u{1f680} ]{0,24}".prop_map(Value::String),
        // Long strings: up to 384 KiB (3 MiB in release builds).
        (1usize..384 * 1024 * SCALE, prop::char::any())
            .prop_map(|(n, c)| Value::String(c.to_string().repeat(n / c.len_utf8()))),
    ]
}

/// JSON values: leaves, nested arrays and objects, and wide arrays of up to 25,000 items (200,000
/// in release builds).
fn json_value() -> impl Strategy<Value = Value> {
    let nested = leaf().prop_recursive(24, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{0,6}", inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    });
    prop_oneof![
        3 => nested,
        1 => (0usize..25_000 * SCALE).prop_map(|n| Value::Array((0..n as u64).map(Value::from).collect())),
        1 => (0usize..400).prop_map(|depth| (0..depth).fold(Value::from(1), |v, _| Value::Array(vec![v]))),
    ]
}

fn changes() -> impl Strategy<Value = Change> {
    prop_oneof![
        4 => Just(Change::None),
        2 => (any::<usize>(), json_value()).prop_map(|(n, v)| Change::Junk(n, v)),
        1 => any::<usize>().prop_map(Change::MoveTag),
        1 => (any::<usize>(), prop::sample::select(TAGS)).prop_map(|(n, t)| Change::SecondTag(n, t)),
        1 => prop::sample::select(TAGS).prop_map(Change::Retag),
        2 => (0.0..1.0f64, prop::sample::select(vec![0xc0u8, 0xc1, 0xc4, 0xa4, 0x91, 0xff, 0x00])).prop_map(|(f, b)| Change::Byte(f, b)),
        1 => (0.0..1.0f64).prop_map(Change::Cut),
    ]
}

/// Limits that refuse nothing in most bodies, and limits that refuse something in many.
fn limits() -> impl Strategy<Value = Limits> {
    let d = Limits::DEFAULT;
    prop_oneof![
        3 => Just(d),
        1 => (1usize..40).prop_map(move |n| d.with_max_depth(n)),
        1 => (1usize..40).prop_map(move |n| d.with_max_value_depth(n)),
        1 => (1usize..512 * 1024 * SCALE).prop_map(move |n| d.with_max_string_len(n)),
        1 => (1usize..32_000 * SCALE).prop_map(move |n| d.with_max_collection_len(n)),
        1 => Just(d.with_lax(true)),
    ]
}

/// Generated values, changes and limits: both ways agree on every one of them.
#[test]
fn both_ways_agree_on_generated_bodies() {
    let seen = Seen::default();
    let mut runner = TestRunner::new(Config {
        cases: 300,
        // A failing case may be megabytes: shrink it a little, not for minutes.
        max_shrink_iters: 64,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(
            &(json_value(), changes(), limits(), any::<u8>()),
            |(value, changed, limits, carrier)| check(&value, &changed, &limits, carrier, &seen),
        )
        .unwrap();
    // The comparison must reach speculation's successes, big bodies among them.
    assert!(seen.speculated.get() > 300, "{}", seen.speculated.get());
    assert!(
        seen.speculated_large.get() > 20,
        "{}",
        seen.speculated_large.get()
    );
}

/// Bodies of every size class, around 64 KiB (where debug builds stop comparing) and far over
/// it, with every change: both ways agree.
#[test]
fn both_ways_agree_at_every_size() {
    let seen = Seen::default();
    let sizes = [
        0,
        1,
        31,
        255,
        (1 << 16) - 64,
        (1 << 16) - 16,
        (1 << 16) + 16,
        (1 << 20) * SCALE / 8,
        (4 << 20) * SCALE / 8,
    ];
    let d = Limits::DEFAULT;
    let all_limits = [
        d,
        d.with_lax(true),
        d.with_max_string_len(1 << 16),
        d.with_max_collection_len(1000),
        d.with_max_depth(2),
    ];
    for size in sizes {
        let values = [
            Value::String("x".repeat(size)),
            Value::Array(vec![Value::from("é".repeat(size / 2)), Value::Null]),
            serde_json::json!({"k": "\u{1f680}".repeat(size / 4), "n": [1, 2.5, -3]}),
            Value::Array((0..size as u64 / 8).map(Value::from).collect()),
        ];
        for value in &values {
            let changes = [
                Change::None,
                Change::Junk(1, value.clone()),
                Change::MoveTag(0),
                Change::SecondTag(9, "GetXCom"),
                Change::Retag("XComResult"),
                Change::Byte(0.5, 0xc1),
                Change::Byte(0.99, 0xa4),
                Change::Cut(0.9),
            ];
            for (i, changed) in changes.iter().enumerate() {
                for (j, limits) in all_limits.iter().enumerate() {
                    // Each frame shape in turn: no carrier element, nil, a carrier.
                    let carrier = (i + j) as u8;
                    check(value, changed, limits, carrier, &seen).unwrap();
                }
            }
        }
    }
    assert!(
        seen.speculated_large.get() > 100,
        "{}",
        seen.speculated_large.get()
    );
}
