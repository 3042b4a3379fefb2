//! Decode and encode times of representative messages, for frames and for JSON, next to the
//! floor of decoding the same bytes straight into the known struct.
//!
//! Message bytes: small messages are frames the real SDK wrote (`tests/corpus/frames/`); the
//! bigger ones are built here (the encoder is byte-identical to the SDK's, see tests/frames.rs).
//! Every input is also written to `target/bench-data/` so that `tools/bench/compare.py` times
//! the Python SDK on the very same bytes.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use airflow_comms::frame::{
    RequestFrame, decode_request, decode_response, encode_request, encode_response,
};
use airflow_comms::*;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde::de::DeserializeOwned;
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The SDK-written frame of corpus case `case` in `tests/corpus/frames/<file>`.
fn sdk_frame(file: &str, case: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(repo().join("tests/corpus/frames").join(file)).unwrap();
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|c| {
            c["case"] == case
                && c["context_carrier"].is_null()
                && c.get("dump").is_none_or(|d| d == "full" || d == "by_alias")
        })
        .map(|c| hex::decode(c["frame"].as_str().unwrap()).unwrap())
        .unwrap_or_else(|| panic!("no frame {case} in {file}"))
}

fn request_frame(body: impl Into<TaskToSupervisor>) -> Vec<u8> {
    let mut out = Vec::new();
    encode_request(&RequestFrame::<TaskToSupervisor>::new(0, body), &mut out).unwrap();
    out
}

fn succeed_task_with_outlets(n: usize) -> Vec<u8> {
    request_frame(SucceedTask {
        state: SuccessState,
        end_date: "2026-11-21T03:04:05.123456Z".parse().unwrap(),
        task_outlets: Some(
            (0..n)
                .map(|i| AssetProfile {
                    name: Some(format!("orders_{i}")),
                    uri: Some(format!("s3://lake/orders/{i}")),
                    asset_type: "Asset".into(),
                })
                .collect(),
        ),
        outlet_events: Some(vec![]),
        rendered_map_index: None,
    })
}

/// A SetXCom whose value is a realistic JSON document of about `size` bytes.
fn set_xcom(size: usize) -> Vec<u8> {
    let mut rows = Vec::new();
    let mut length = 0;
    let mut i = 0u64;
    while length < size {
        let row = serde_json::json!({"id": i, "customer": format!("customer-{i:05}"), "amount": 12.5 + i as f64, "paid": i.is_multiple_of(3), "tags": ["eu", "b2b"]});
        length += row.to_string().len() + 1;
        rows.push(row);
        i += 1;
    }
    request_frame(SetXCom {
        key: "return_value".into(),
        value: JsonValue::from(serde_json::json!({ "rows": rows })),
        dag_id: "etl".into(),
        run_id: "scheduled__2026-11-21T00:00:00+00:00".into(),
        task_id: "extract".into(),
        map_index: None,
        dag_result: false,
        mapped_length: None,
    })
}

/// The body (second array element) of a frame: what the concrete-struct floor decodes.
fn body_of(frame: &[u8]) -> &[u8] {
    let mut rest = &frame[4..];
    rmp::decode::read_array_len(&mut rest).unwrap();
    rmp::decode::read_int::<i64, _>(&mut rest).unwrap();
    let before = rest;
    let mut reader = rest;
    serde::Deserialize::deserialize(&mut rmp_serde::Deserializer::new(&mut reader))
        .map(|serde::de::IgnoredAny| ())
        .unwrap();
    &before[..before.len() - reader.len()]
}

fn save(name: &str, frame: &[u8], json: &str) {
    let dir = repo().join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.frame")), frame).unwrap();
    std::fs::write(dir.join(format!("{name}.json")), json).unwrap();
}

fn requests(c: &mut Criterion) {
    let small: Vec<(&str, Vec<u8>)> = vec![
        (
            "GetConnection",
            sdk_frame("task.jsonl", "GetConnection/minimal"),
        ),
        (
            "GetVariable",
            sdk_frame("task.jsonl", "GetVariable/minimal"),
        ),
        ("GetXCom", sdk_frame("task.jsonl", "GetXCom/full")),
        ("TaskState", sdk_frame("task.jsonl", "TaskState/full")),
        ("MaskSecret", sdk_frame("task.jsonl", "MaskSecret/minimal")),
        ("SucceedTask10", succeed_task_with_outlets(10)),
    ];
    for (name, frame) in &small {
        let message = decode_request::<TaskToSupervisor>(&frame[4..])
            .unwrap()
            .body;
        let json = serde_json::to_string(&message).unwrap();
        save(name, frame, &json);
        let mut group = c.benchmark_group(*name);
        group.bench_function("frame_decode", |b| {
            b.iter(|| decode_request::<TaskToSupervisor>(black_box(&frame[4..])).unwrap())
        });
        let body = body_of(frame);
        group.bench_function("struct_floor", |b| {
            b.iter(|| floor(&message, black_box(body)))
        });
        group.bench_function("frame_encode", |b| {
            let request = RequestFrame {
                id: 0.into(),
                body: message.clone(),
                context_carrier: None,
            };
            let mut out = Vec::with_capacity(frame.len());
            b.iter(|| {
                out.clear();
                encode_request(black_box(&request), &mut out).unwrap();
            })
        });
        group.bench_function("json_decode", |b| {
            b.iter(|| decode_json::<TaskToSupervisor>(black_box(&json)).unwrap())
        });
        // The serde path: what a dependent gets from `serde_json::from_str` on the union, beside
        // the same text read straight into the concrete struct.
        group.bench_function("json_serde", |b| {
            b.iter(|| serde_json::from_str::<TaskToSupervisor>(black_box(&json)).unwrap())
        });
        group.bench_function("json_struct_floor", |b| {
            b.iter(|| json_floor(&message, black_box(&json)))
        });
        // serde's own tagged enums buffer into a private tree that does not carry `JsonValue`
        // fields (`MaskSecret`'s value): timed where it reads the message at all.
        if serde_json::from_str::<SerdeTagged>(&json).is_ok() {
            group.bench_function("json_serde_tagged", |b| {
                b.iter(|| serde_json::from_str::<SerdeTagged>(black_box(&json)).unwrap())
            });
        }
        group.bench_function("json_encode", |b| {
            b.iter(|| serde_json::to_string(black_box(&message)).unwrap())
        });
        group.finish();
    }
}

/// serde's own internally tagged enum (`#[serde(tag = "type")]`) over the same structs: the
/// reference for a serde `Deserialize` that must find a tag Python writes last.
#[derive(serde::Deserialize)]
#[serde(tag = "type")]
#[allow(dead_code)] // read only to be timed
enum SerdeTagged {
    GetConnection(GetConnection),
    GetVariable(GetVariable),
    GetXCom(GetXCom),
    TaskState(TaskState),
    MaskSecret(MaskSecret),
    SucceedTask(SucceedTask),
}

/// Reads `json` with serde_json straight into the struct `message` is, with no channel dispatch.
fn json_floor(message: &TaskToSupervisor, json: &str) {
    fn into<T: DeserializeOwned>(json: &str) {
        black_box(serde_json::from_str::<T>(json).unwrap());
    }
    match message {
        TaskToSupervisor::GetConnection(_) => into::<GetConnection>(json),
        TaskToSupervisor::GetVariable(_) => into::<GetVariable>(json),
        TaskToSupervisor::GetXCom(_) => into::<GetXCom>(json),
        TaskToSupervisor::TaskState(_) => into::<TaskState>(json),
        TaskToSupervisor::MaskSecret(_) => into::<MaskSecret>(json),
        TaskToSupervisor::SucceedTask(_) => into::<SucceedTask>(json),
        TaskToSupervisor::SetXCom(_) => into::<SetXCom>(json),
        other => unreachable!("no floor for {}", other.type_tag()),
    }
}

/// Decodes `body` straight into the struct `message` is, with no channel dispatch.
fn floor(message: &TaskToSupervisor, body: &[u8]) {
    fn into<T: DeserializeOwned>(body: &[u8]) {
        black_box(rmp_serde::from_slice::<T>(body).unwrap());
    }
    match message {
        TaskToSupervisor::GetConnection(_) => into::<GetConnection>(body),
        TaskToSupervisor::GetVariable(_) => into::<GetVariable>(body),
        TaskToSupervisor::GetXCom(_) => into::<GetXCom>(body),
        TaskToSupervisor::TaskState(_) => into::<TaskState>(body),
        TaskToSupervisor::MaskSecret(_) => into::<MaskSecret>(body),
        TaskToSupervisor::SucceedTask(_) => into::<SucceedTask>(body),
        TaskToSupervisor::SetXCom(_) => into::<SetXCom>(body),
        other => unreachable!("no floor for {}", other.type_tag()),
    }
}

fn big_xcoms(c: &mut Criterion) {
    let mut group = c.benchmark_group("SetXCom");
    group.sample_size(10);
    for (name, size) in [
        ("SetXCom100B", 100),
        ("SetXCom10KiB", 10 << 10),
        ("SetXCom1MiB", 1 << 20),
        ("SetXCom16MiB", 16 << 20),
    ] {
        let frame = set_xcom(size);
        let message = decode_request::<TaskToSupervisor>(&frame[4..])
            .unwrap()
            .body;
        let json = serde_json::to_string(&message).unwrap();
        save(name, &frame, &json);
        group.throughput(Throughput::Bytes(frame.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("frame_decode", name),
            &frame,
            |b, frame| {
                b.iter(|| decode_request::<TaskToSupervisor>(black_box(&frame[4..])).unwrap())
            },
        );
        let request = RequestFrame {
            id: 0.into(),
            body: message.clone(),
            context_carrier: None,
        };
        group.bench_with_input(
            BenchmarkId::new("frame_encode", name),
            &request,
            |b, request| {
                let mut out = Vec::with_capacity(frame.len());
                b.iter(|| {
                    out.clear();
                    encode_request(black_box(request), &mut out).unwrap();
                })
            },
        );
        group.throughput(Throughput::Bytes(json.len() as u64));
        group.bench_with_input(BenchmarkId::new("json_decode", name), &json, |b, json| {
            b.iter(|| decode_json::<TaskToSupervisor>(black_box(json)).unwrap())
        });
        if size == 1 << 20 {
            // More top-level entries than the body scan keeps (unknown keys, which pydantic
            // ignores): serde_json reads the whole text, and `value::from_compact_text` spares
            // the JsonValue a search for whitespace the scan saw none of.
            let mut many = json.strip_suffix('}').unwrap().to_owned();
            for i in 0..30 {
                many.push_str(&format!(",\"extra_{i}\":{i}"));
            }
            many.push('}');
            group.bench_with_input(
                BenchmarkId::new("json_decode_many_entries", name),
                &many,
                |b, json| b.iter(|| decode_json::<TaskToSupervisor>(black_box(json)).unwrap()),
            );
        }
        group.bench_with_input(
            BenchmarkId::new("json_encode", name),
            &message,
            |b, message| b.iter(|| serde_json::to_string(black_box(message)).unwrap()),
        );
    }
    group.finish();
}

fn replies(c: &mut Criterion) {
    for (name, case) in [
        ("ConnectionResult", "ConnectionResult/full"),
        ("StartupDetails", "StartupDetails/full"),
    ] {
        let frame = sdk_frame("to-task.jsonl", case);
        let reply = decode_response::<ToTask>(&frame[4..]).unwrap();
        let json = serde_json::to_string(reply.body.as_ref().unwrap()).unwrap();
        save(name, &frame, &json);
        let mut group = c.benchmark_group(name);
        group.bench_function("frame_decode", |b| {
            b.iter(|| decode_response::<ToTask>(black_box(&frame[4..])).unwrap())
        });
        group.bench_function("frame_encode", |b| {
            let mut out = Vec::with_capacity(frame.len());
            b.iter(|| {
                out.clear();
                encode_response(black_box(&reply), &mut out).unwrap();
            })
        });
        group.bench_function("json_decode", |b| {
            b.iter(|| decode_json::<ToTask>(black_box(&json)).unwrap())
        });
        let body = reply.body.as_ref().unwrap();
        group.bench_function("json_encode", |b| {
            b.iter(|| serde_json::to_string(black_box(body)).unwrap())
        });
        group.finish();
    }
}

criterion_group!(benches, requests, big_xcoms, replies);
criterion_main!(benches);
