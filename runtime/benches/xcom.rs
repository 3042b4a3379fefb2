//! Decode and sum of the big XCom the demo's `sum_upstream` pulls: the `XComResult` reply frame
//! of 1,000,000 integers, read as the runtime reads it (`split_response`, then
//! `decode_xcom_value` straight into `Vec<serde_json::Number>`) and summed as the demo sums.
//!
//! `tools/bench/runtime_compare.py` captures the frame Airflow's supervisor wrote in a real
//! `sum_upstream` run, passes its path in `AIRFLOW_COMMS_XCOM_FRAME` and times the Python task
//! runner's reading of the very same bytes (benchmark `xcom_result_1m/sdk_frame`). Without the
//! variable the frame is built here with the crate's encoder from 1,000,000 pseudo-random
//! integers (benchmark `xcom_result_1m/crate_frame`), so `cargo bench` needs no Python.

use std::hint::black_box;

use airflow_comms::decode::decode_xcom_value;
use airflow_comms::frame::{ResponseFrame, encode_response, split_response};
use airflow_comms::{JsonValue, ToTask, XComResult};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Number;

const COUNT: usize = 1_000_000;

/// The demo's sum: exact while every number is an integer, as Python's `sum` is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sum {
    Int(i128),
    Float(f64),
}

impl std::fmt::Display for Sum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Sum::Int(n) => write!(f, "{n}"),
            Sum::Float(x) => write!(f, "{x}"),
        }
    }
}

fn sum(numbers: &[Number]) -> Option<Sum> {
    let mut total = Sum::Int(0);
    for number in numbers {
        total = match (total, number.as_i64()) {
            (Sum::Int(t), Some(n)) => Sum::Int(t + i128::from(n)),
            (Sum::Int(t), None) => Sum::Float(t as f64 + number.as_f64()?),
            (Sum::Float(t), _) => Sum::Float(t + number.as_f64()?),
        };
    }
    Some(total)
}

/// The body's `value` alone, for rmp-serde: no limits, no error paths, the tag unchecked.
#[derive(serde::Deserialize)]
struct Floor {
    value: Vec<Number>,
}

/// What the runtime does with the reply frame's payload (the bytes after the length prefix).
fn decode_and_sum(payload: &[u8]) -> Result<(usize, Sum), String> {
    let raw = split_response(payload).map_err(|err| format!("not a reply frame: {err}"))?;
    let numbers = decode_xcom_value::<Vec<Number>>(raw.body)
        .map_err(|err| format!("not an XComResult holding a list of numbers: {err}"))?
        .ok_or("the XComResult holds no value (nil)")?;
    let total = sum(&numbers).ok_or("a number has no f64 value")?;
    Ok((numbers.len(), total))
}

/// An `XComResult` frame of `COUNT` integers in the harness's range, from a fixed xorshift seed.
fn crate_frame() -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut text = String::with_capacity(COUNT * 11);
    text.push('[');
    for i in 0..COUNT {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let n = (state % 1_001_000_001) as i64 - 1_000_000;
        if i > 0 {
            text.push(',');
        }
        text.push_str(&n.to_string());
    }
    text.push(']');
    let reply = XComResult {
        key: "return_value".into(),
        value: JsonValue::from_json_text(&text).expect("the list written above is JSON"),
    };
    let mut frame = Vec::new();
    encode_response(&ResponseFrame::<ToTask>::reply(1, reply), &mut frame)
        .expect("a reply of integers encodes");
    frame
}

fn bench(c: &mut Criterion) {
    let (name, frame) = match std::env::var_os("AIRFLOW_COMMS_XCOM_FRAME") {
        Some(path) => match std::fs::read(&path) {
            Ok(bytes) => ("sdk_frame", bytes),
            Err(err) => {
                eprintln!(
                    "AIRFLOW_COMMS_XCOM_FRAME={}: {err}",
                    std::path::Path::new(&path).display()
                );
                std::process::exit(2);
            }
        },
        None => ("crate_frame", crate_frame()),
    };
    // A frame that is not what the benchmark is about is refused before anything is timed.
    let checked = match frame.get(4..) {
        Some(payload) => decode_and_sum(payload).map(|done| (payload, done)),
        None => Err(format!("{} bytes are too short for a frame", frame.len())),
    };
    let (payload, (count, total)) = checked.unwrap_or_else(|err| {
        eprintln!("the {name} XComResult frame: {err}");
        std::process::exit(2);
    });
    // runtime_compare.py checks this line against the sum Python computed.
    println!(
        "xcom frame: {count} numbers, sum {total} ({name}, {} bytes)",
        frame.len()
    );
    // The checks above passed, so these cannot fail.
    let body = split_response(payload)
        .ok()
        .and_then(|raw| raw.body)
        .unwrap_or_default();
    let numbers = decode_xcom_value::<Vec<Number>>(Some(body))
        .ok()
        .flatten()
        .unwrap_or_default();

    let mut group = c.benchmark_group("xcom_result_1m");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(frame.len() as u64));
    group.bench_function(name, |b| b.iter(|| decode_and_sum(black_box(payload))));
    // Its parts, and a floor, to tell where the time goes (runtime_compare.py prints them).
    group.bench_function(format!("{name}/split_response"), |b| {
        b.iter(|| split_response(black_box(payload)).map(|raw| raw.body.map(<[u8]>::len)))
    });
    group.bench_function(format!("{name}/decode_xcom_value"), |b| {
        b.iter(|| {
            decode_xcom_value::<Vec<Number>>(Some(black_box(body))).map(|v| v.map(|v| v.len()))
        })
    });
    group.bench_function(format!("{name}/sum"), |b| {
        b.iter(|| sum(black_box(&numbers)))
    });
    group.bench_function(format!("{name}/rmp_serde_floor"), |b| {
        b.iter(|| rmp_serde::from_slice::<Floor>(black_box(body)).map(|floor| floor.value.len()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
