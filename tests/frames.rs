//! Frames against the real SDK, on `tests/corpus/frames/` (written by
//! `tools/conformance/generate_frames.py` with the SDK's own `_RequestFrame` / `_ResponseFrame`).
//!
//! - Every request frame the SDK wrote decodes to the message the SDK decodes, and Rust encodes
//!   that message back to the very same bytes.
//! - Every reply frame the SDK wrote decodes to the message the SDK's child decodes; full
//!   python-mode dumps are also re-encoded byte for byte.
//! - Irregular frames (short arrays, extra elements, odd ids, timestamps in all three sizes, ...)
//!   are accepted or refused as the SDK accepts or refuses them.

use std::path::{Path, PathBuf};

use airflow_comms::frame::{
    FrameError, FrameId, RequestFrame, ResponseFrame, decode_request, decode_response,
    encode_request, encode_response, split_response,
};
use airflow_comms::{
    CallbackToSupervisor, DagProcessorToManager, Limits, TaskToSupervisor, ToDagProcessor, ToTask,
    ToTriggerRunner, TriggerToSupervisor, Union,
};
use serde::Serialize;
use serde_json::Value;

fn frames_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/frames")
}

mod common;
use common::{hex, unhex};

fn lines(file: &str) -> Vec<Value> {
    common::read_jsonl(frames_dir().join(file))
}

/// Where two byte strings first differ, for a readable failure.
fn first_difference(ours: &[u8], theirs: &[u8]) -> String {
    let at = ours
        .iter()
        .zip(theirs)
        .position(|(a, b)| a != b)
        .unwrap_or(ours.len().min(theirs.len()));
    let window = |b: &[u8]| hex(&b[at.saturating_sub(8)..(at + 16).min(b.len())]);
    format!(
        "first difference at byte {at}: ours ..{}.. SDK ..{}..",
        window(ours),
        window(theirs)
    )
}

/// Irregular frames the SDK accepts only through a lax coercion, by the README's label for it.
const LAX_EDGES: &[(&str, &str)] = &[
    ("body/int-as-integral-float", "int-from-float"),
    ("datetime/int-epoch", "datetime-from-unix-seconds"),
    ("body/str-as-bin", "str-from-bin"),
    ("uuid/bin16", "uuid-from-bin"),
    ("duration/bool", "duration-from-bool"),
    (
        "body/duplicate-key-earlier-invalid",
        "duplicate-key-last-wins",
    ),
    ("body/duplicate-type-key", "duplicate-key-last-wins"),
    (
        "body/duplicate-nested-key-earlier-invalid",
        "duplicate-key-last-wins",
    ),
    (
        "trigger/event-entry-as-map-in-order",
        "namedtuple-from-object",
    ),
    (
        "trigger/event-entry-as-map-out-of-order",
        "namedtuple-from-object",
    ),
];

/// Decodes an irregular request frame on the channel whose supervisor judged it; the body as
/// JSON.
fn decode_edge(case: &Value, limits: &Limits) -> Result<Value, FrameError> {
    let bytes = unhex(case["frame"].as_str().unwrap());
    match case["channel"].as_str().unwrap() {
        "task" => limits
            .decode_request::<TaskToSupervisor>(&bytes[4..])
            .map(|frame| to_json(&frame.body)),
        "trigger" => limits
            .decode_request::<TriggerToSupervisor>(&bytes[4..])
            .map(|frame| to_json(&frame.body)),
        other => panic!("no request edges are judged on the {other} channel"),
    }
}

fn readme_lists(label: &str) -> bool {
    let readme = common::read_text("README.md");
    readme.contains(&format!("`{label}`"))
}

fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
}

fn payload(frame: &[u8]) -> &[u8] {
    let len = u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
    assert_eq!(frame.len(), 4 + len, "length prefix");
    &frame[4..]
}

/// Decodes every request frame of `file` and re-encodes it; returns (frames, byte-identical).
fn check_requests<C: Union + Serialize>(file: &str, failures: &mut Vec<String>) -> (usize, usize) {
    let cases = lines(file);
    let mut identical = 0;
    for case in &cases {
        let label = format!("{file} {}", case["case"].as_str().unwrap());
        let bytes = unhex(case["frame"].as_str().unwrap());
        let frame = match decode_request::<C>(payload(&bytes)) {
            Ok(frame) => frame,
            Err(err) => {
                failures.push(format!("{label}: Rust refuses the SDK's frame: {err}"));
                continue;
            }
        };
        if to_json(&frame.body) != case["expected"] {
            failures.push(format!(
                "{label}: decoded {} != {}",
                to_json(&frame.body),
                case["expected"]
            ));
        }
        if frame.id != serde_json::from_value::<FrameId>(case["id"].clone()).unwrap() {
            failures.push(format!("{label}: id {} != {}", frame.id, case["id"]));
        }
        let carrier = serde_json::to_value(&frame.context_carrier).unwrap();
        if carrier != case["context_carrier"] {
            failures.push(format!(
                "{label}: carrier {carrier} != {}",
                case["context_carrier"]
            ));
        }
        let mut again = Vec::new();
        encode_request(&frame, &mut again).unwrap();
        if again == bytes {
            identical += 1;
        } else {
            failures.push(format!(
                "{label}: re-encoded differently, {}",
                first_difference(&again, &bytes)
            ));
        }
    }
    (cases.len(), identical)
}

/// Decodes every reply frame of `file`; re-encodes full dumps. Returns (frames, byte-identical).
fn check_replies<U: Union + Serialize>(file: &str, failures: &mut Vec<String>) -> (usize, usize) {
    let cases = lines(file);
    let mut identical = 0;
    for case in &cases {
        let label = format!("{file} {}", case["case"].as_str().unwrap());
        let bytes = unhex(case["frame"].as_str().unwrap());
        let frame = match decode_response::<U>(payload(&bytes)) {
            Ok(frame) => frame,
            Err(err) => {
                failures.push(format!("{label}: Rust refuses the SDK's frame: {err}"));
                continue;
            }
        };
        let body = frame.body.as_ref().expect("a reply body");
        if to_json(body) != case["expected"] {
            failures.push(format!(
                "{label}: decoded {} != {}",
                to_json(body),
                case["expected"]
            ));
        }
        // Only a full python-mode dump is what Rust writes: exclude_unset dumps leave keys out,
        // and the DAG processor manager writes the server models' Python field names (`val`,
        // `schema_`) where Rust writes the aliases (`value`, `schema`), which Python accepts too.
        let python_names = case["case"]
            .as_str()
            .unwrap()
            .starts_with("DagFileParseRequest/");
        if case["dump"] == "full" && !python_names {
            let mut again = Vec::new();
            encode_response(&frame, &mut again).unwrap();
            if again == bytes {
                identical += 1;
            } else {
                failures.push(format!(
                    "{label}: re-encoded differently, {}",
                    first_difference(&again, &bytes)
                ));
            }
        }
    }
    (cases.len(), identical)
}

/// Adds up (frames, byte-identical) per file, prints them, and fails on any failure.
fn report(what: &str, per_file: [(usize, usize); 4], failures: &[String]) -> usize {
    let (frames, identical) = per_file
        .iter()
        .fold((0, 0), |(a, b), (n, same)| (a + n, b + same));
    eprintln!("{what}: {frames} decoded, {identical} byte-identical");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    frames
}

#[test]
fn request_frames_decode_and_re_encode_byte_for_byte() {
    let mut failures = Vec::new();
    let per_file = [
        check_requests::<TaskToSupervisor>("task.jsonl", &mut failures),
        check_requests::<CallbackToSupervisor>("callback.jsonl", &mut failures),
        check_requests::<TriggerToSupervisor>("trigger.jsonl", &mut failures),
        check_requests::<DagProcessorToManager>("dag-processor.jsonl", &mut failures),
    ];
    assert!(report("request frames", per_file, &failures) > 1000);
}

#[test]
fn reply_frames_decode_like_the_sdk() {
    let mut failures = Vec::new();
    let per_file = [
        check_replies::<ToTask>("to-task.jsonl", &mut failures),
        check_replies::<ToTask>("to-task-sparse.jsonl", &mut failures),
        check_replies::<ToTriggerRunner>("to-trigger-runner.jsonl", &mut failures),
        check_replies::<ToDagProcessor>("to-dag-processor.jsonl", &mut failures),
    ];
    report(
        "reply frames (byte identity for full dumps)",
        per_file,
        &failures,
    );
}

#[test]
fn irregular_request_frames_match_the_sdk_verdict() {
    let mut failures = Vec::new();
    for case in lines("request-edges.jsonl") {
        let label = case["case"].as_str().unwrap().to_owned();
        let got = decode_edge(&case, &Limits::DEFAULT);
        match (case["accepted"].as_bool().unwrap(), got) {
            (true, Ok(body)) if body == case["expected"] => {}
            (true, Ok(body)) => failures.push(format!("{label}: {body} != {}", case["expected"])),
            (true, Err(err)) => match LAX_EDGES.iter().find(|(case, _)| *case == label) {
                Some((_, coercion)) if readme_lists(coercion) => {}
                _ => failures.push(format!("{label}: SDK accepts, Rust refuses: {err}")),
            },
            (false, Ok(body)) => failures.push(format!(
                "{label}: SDK refuses ({}), Rust accepts {body}",
                case["python_error"],
            )),
            (false, Err(_)) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn irregular_reply_frames_match_the_sdk_verdict() {
    let mut failures = Vec::new();
    for case in lines("response-edges.jsonl") {
        let label = case["case"].as_str().unwrap().to_owned();
        let bytes = unhex(case["frame"].as_str().unwrap());
        let got: Result<ResponseFrame<ToTask>, FrameError> = decode_response(&bytes[4..]);
        match (case["accepted"].as_bool().unwrap(), got) {
            (true, Ok(frame)) => {
                let body = frame.body.as_ref().map_or(Value::Null, to_json);
                let error = frame.error.as_ref().map_or(Value::Null, to_json);
                if body != case["expected_body"] || error != case["expected_error"] {
                    failures.push(format!(
                        "{label}: body {body}, error {error}; SDK: {} / {}",
                        case["expected_body"], case["expected_error"]
                    ));
                }
            }
            (true, Err(err)) => match LAX_EDGES.iter().find(|(case, _)| *case == label) {
                Some((_, coercion)) if readme_lists(coercion) => {}
                _ => failures.push(format!("{label}: SDK accepts, Rust refuses: {err}")),
            },
            (false, Ok(frame)) => failures.push(format!(
                "{label}: SDK refuses ({}), Rust accepts {frame:?}",
                case["python_error"]
            )),
            (false, Err(_)) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_hostile_length_prefix_is_refused_before_allocating() {
    use airflow_comms::frame::FrameReader;
    // 0xFFFFFFFF announced, nothing behind it: the reader must refuse without trying to read
    // (or allocate) 4 GiB.
    let mut reader = FrameReader::new(&[0xff, 0xff, 0xff, 0xff][..]);
    match reader.read_request::<TaskToSupervisor>() {
        Err(FrameError::TooLarge { announced, max }) => {
            assert_eq!(announced, u32::MAX);
            assert_eq!(max, airflow_comms::frame::DEFAULT_MAX_FRAME_LEN);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    // A smaller configured limit applies the same way.
    let mut reader = FrameReader::new(&[0, 0, 4, 0][..]).with_max_frame_len(1000);
    assert!(matches!(
        reader.read_payload(),
        Err(FrameError::TooLarge {
            announced: 1024,
            max: 1000
        })
    ));
}

#[test]
fn a_bad_body_does_not_desynchronise_the_stream() {
    use airflow_comms::frame::FrameReader;
    let good = RequestFrame::<TaskToSupervisor> {
        id: 1.into(),
        body: airflow_comms::GetConnection {
            conn_id: "a".into(),
        }
        .into(),
        context_carrier: None,
    };
    let mut stream = Vec::new();
    encode_request(&good, &mut stream).unwrap();
    // Frame 2: a well-formed frame whose body is a type the callback channel refuses.
    let refused = RequestFrame::<TaskToSupervisor> {
        id: 2.into(),
        body: airflow_comms::SetXCom {
            key: "k".into(),
            value: airflow_comms::JsonValue::null(),
            dag_id: "d".into(),
            run_id: "r".into(),
            task_id: "t".into(),
            map_index: None,
            dag_result: false,
            mapped_length: None,
        }
        .into(),
        context_carrier: None,
    };
    encode_request(&refused, &mut stream).unwrap();
    encode_request(
        &RequestFrame {
            id: 3.into(),
            ..good.clone()
        },
        &mut stream,
    )
    .unwrap();
    // A truncated frame at the end.
    stream.extend_from_slice(&[0, 0, 0, 9, 0x93]);

    let mut reader = FrameReader::new(&stream[..]);
    let first = reader
        .read_request::<CallbackToSupervisor>()
        .unwrap()
        .unwrap();
    assert_eq!(first.id, 1);
    match reader.read_request::<CallbackToSupervisor>() {
        Err(FrameError::Body { id, error }) if id == 2 => {
            assert_eq!(error.kind(), airflow_comms::DecodeErrorKind::NotPermitted)
        }
        other => panic!("expected a refused body for frame 2, got {other:?}"),
    }
    assert_eq!(
        reader
            .read_request::<CallbackToSupervisor>()
            .unwrap()
            .unwrap()
            .id,
        3
    );
    assert!(matches!(
        reader.read_request::<CallbackToSupervisor>(),
        Err(FrameError::Truncated {
            expected: 13,
            got: 5
        })
    ));
}

/// Messages msgspec cannot send (integers beyond 64 bits in free-form values): Rust refuses to
/// encode them too, instead of rounding them into floats.
#[test]
fn messages_msgspec_cannot_send_are_refused_not_rounded() {
    let summary = common::read_json(frames_dir().join("summary.json"));
    let unencodable = summary["notes"]["unencodable"]
        .as_object()
        .expect("unencodable notes");
    let mut refused = 0;
    for (channel, entries) in unencodable {
        let name: airflow_comms::ChannelName = channel.parse().unwrap();
        let inputs: std::collections::HashMap<String, String> =
            common::read_jsonl(format!("tests/corpus/{channel}.jsonl"))
                .into_iter()
                .map(|c| {
                    (
                        c["case"].as_str().unwrap().to_owned(),
                        c["input"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
        for entry in entries.as_array().unwrap() {
            let case = entry["case"].as_str().unwrap();
            let input = &inputs[case];
            let mut out = Vec::new();
            let result = match name {
                airflow_comms::ChannelName::TaskToSupervisor => encode_request(
                    &RequestFrame::<TaskToSupervisor>::new(
                        0,
                        airflow_comms::decode_json::<TaskToSupervisor>(input).unwrap(),
                    ),
                    &mut out,
                ),
                airflow_comms::ChannelName::ToTask => encode_response(
                    &ResponseFrame::<ToTask>::reply(
                        0,
                        airflow_comms::decode_json::<ToTask>(input).unwrap(),
                    ),
                    &mut out,
                ),
                _ => continue,
            };
            assert!(
                matches!(result, Err(FrameError::Encode { .. })),
                "{channel} {case}: expected an encode error, got {result:?}"
            );
            refused += 1;
        }
    }
    assert!(refused > 20, "only {refused} cases checked");
}

/// A date-time that is in year 10000 (or 0) once shifted to UTC cannot travel as a msgpack
/// timestamp: every reader refuses it. The encoder says so instead of writing such a frame; JSON
/// still carries it, as pydantic accepts it there.
#[test]
fn date_times_beyond_python_years_in_utc_are_refused_when_encoding() {
    for (text, ok) in [
        ("9999-12-31T23:00:00-01:00", false),
        ("0001-01-01T00:00:00+01:00", false),
        ("9999-12-31T23:00:00+01:00", true),
        ("0001-01-01T01:00:00+01:00", true),
    ] {
        let json = format!(
            r#"{{"type":"TaskState","state":"failed","end_date":"{text}","rendered_map_index":null}}"#
        );
        let message: TaskToSupervisor = airflow_comms::decode_json(&json).unwrap();
        let mut out = Vec::new();
        let encoded = encode_request(&RequestFrame::<TaskToSupervisor>::new(3, message), &mut out);
        match encoded {
            Ok(()) => {
                assert!(ok, "{text} was encoded");
                decode_request::<TaskToSupervisor>(&out[4..]).unwrap();
            }
            Err(FrameError::Encode { id, reason }) if id == 3 => {
                assert!(!ok, "{text}: {reason}");
                assert!(reason.contains("years 1 to 9999"), "{reason}");
            }
            Err(other) => panic!("{text}: {other:?}"),
        }
    }
}

fn frame_id(value: &Value) -> FrameId {
    serde_json::from_value(value.clone()).unwrap_or_else(|err| panic!("{value}: {err}"))
}

/// `ids.jsonl`: one exchange per frame id across msgpack's integer range (every width msgspec
/// writes, both ends of i64 and u64), each step by the SDK's own code: the child's request
/// frame, the id the supervisor's reader decodes, the supervisor's `send_msg` answer, and the id
/// the child's reader decodes from it. Rust reads each id as the SDK reads it, writes the child's
/// request and the supervisor's answer byte for byte, and echoes the id exactly.
#[test]
fn frame_ids_across_the_msgpack_range_are_read_and_echoed_as_the_sdk_does() {
    use airflow_comms::frame::ReplyFrames;
    use airflow_comms::request::VariableReply;
    use airflow_comms::{GetVariable, VariableResult};

    let cases = lines("ids.jsonl");
    let mut failures = Vec::new();
    for case in &cases {
        let label = case["case"].as_str().unwrap();
        let (sent, read_by_supervisor, read_by_child) = (
            frame_id(&case["sent_id"]),
            frame_id(&case["supervisor_id"]),
            frame_id(&case["child_id"]),
        );
        let request = unhex(case["request"].as_str().unwrap());
        let frame = decode_request::<CallbackToSupervisor>(payload(&request))
            .unwrap_or_else(|err| panic!("{label}: {err}"));
        if frame.id != read_by_supervisor || to_json(&frame.body) != case["expected_request"] {
            failures.push(format!("{label}: read {} {:?}", frame.id, frame.body));
        }
        // The child's request, written by Rust with the id the SDK child sent.
        let mut ours = Vec::new();
        let message = GetVariable {
            key: "region".into(),
        };
        encode_request(
            &RequestFrame::<CallbackToSupervisor>::new(sent, message),
            &mut ours,
        )
        .unwrap();
        if ours != request {
            failures.push(format!(
                "{label}: request {}",
                first_difference(&ours, &request)
            ));
        }
        // The supervisor's answer, under the id Rust read.
        let response = unhex(case["response"].as_str().unwrap());
        let reply = VariableReply::VariableResult(VariableResult {
            key: "region".into(),
            value: Some("eu".into()),
        });
        let mut ours = Vec::new();
        reply.write_response(frame.id, &mut ours).unwrap();
        if ours != response {
            failures.push(format!(
                "{label}: answer {}",
                first_difference(&ours, &response)
            ));
        }
        // The child's read of the SDK's answer.
        let answer = decode_response::<ToTask>(payload(&response)).unwrap();
        let body = answer.body.as_ref().map_or(Value::Null, to_json);
        if answer.id != read_by_child || body != case["expected_reply"] {
            failures.push(format!("{label}: child read {} {body}", answer.id));
        }
        let raw = airflow_comms::frame::split_response(payload(&response)).unwrap();
        if raw.id != read_by_child || VariableReply::from_body(raw.body).unwrap() != reply {
            failures.push(format!("{label}: typed reply read as {raw:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let ids: Vec<FrameId> = cases.iter().map(|c| frame_id(&c["sent_id"])).collect();
    assert!(
        ids.contains(&FrameId::MAX) && ids.contains(&FrameId::MIN),
        "{ids:?}"
    );
    assert!(ids.contains(&FrameId::from(1u64 << 63)), "{ids:?}");
}

/// Every frame error that has an id names it, beyond i64 too, and a refusal answers under it.
#[test]
fn frame_errors_name_ids_beyond_i64() {
    use airflow_comms::Limits;
    let id = FrameId::MAX;
    let mut frame = Vec::new();
    let message = airflow_comms::GetVariable {
        key: "a key longer than the limit".into(),
    };
    encode_request(
        &RequestFrame::<TaskToSupervisor>::new(id, message),
        &mut frame,
    )
    .unwrap();
    let err = Limits::DEFAULT
        .with_max_string_len(8)
        .decode_request::<TaskToSupervisor>(&frame[4..])
        .unwrap_err();
    assert_eq!(err.frame_id(), Some(id));
    assert!(err.to_string().contains("18446744073709551615"), "{err}");
    let refusal = airflow_comms::dispatch::refusal(&err).unwrap();
    let mut answer = Vec::new();
    encode_response(&refusal, &mut answer).unwrap();
    assert_eq!(decode_response::<ToTask>(&answer[4..]).unwrap().id, id);

    // A refused body, a malformed frame and an encode failure, each with an id below 0.
    let id = FrameId::MIN;
    let mut frame = Vec::new();
    let message: TaskToSupervisor =
        airflow_comms::decode_json(r#"{"end_date":"2026-11-22T10:00:00Z","type":"SucceedTask"}"#)
            .unwrap();
    encode_request(
        &RequestFrame::<TaskToSupervisor>::new(id, message),
        &mut frame,
    )
    .unwrap();
    let body = decode_request::<CallbackToSupervisor>(&frame[4..]).unwrap_err();
    assert!(
        matches!(body, FrameError::Body { id: got, .. } if got == id),
        "{body:?}"
    );
    let mut cut = frame[4..].to_vec();
    cut.push(0xc0);
    let malformed = decode_request::<TaskToSupervisor>(&cut).unwrap_err();
    assert!(matches!(malformed, FrameError::Malformed { id: Some(got), .. } if got == id));
    let json = r#"{"type":"TaskState","state":"failed","end_date":"9999-12-31T23:00:00-01:00","rendered_map_index":null}"#;
    let late: TaskToSupervisor = airflow_comms::decode_json(json).unwrap();
    let encode = encode_request(
        &RequestFrame::<TaskToSupervisor>::new(id, late),
        &mut Vec::new(),
    )
    .unwrap_err();
    for err in [body, malformed, encode] {
        assert_eq!(err.frame_id(), Some(id), "{err:?}");
        assert!(err.to_string().contains("-9223372036854775808"), "{err}");
    }
}

/// Lax mode (`Limits::LAX`) on the SDK's frames: every frame it wrote decodes to the message
/// the SDK decodes, and every irregular frame gets the SDK's verdict, the lax coercions
/// (`LAX_EDGES`) included, with the SDK's output.
#[test]
fn frames_in_lax_mode_match_the_sdk() {
    fn all<U: Union + Serialize>(file: &str, request: bool, failures: &mut Vec<String>) -> usize {
        let cases = lines(file);
        for case in &cases {
            let label = format!("{file} {}", case["case"].as_str().unwrap());
            let bytes = unhex(case["frame"].as_str().unwrap());
            let body = if request {
                Limits::LAX
                    .decode_request::<U>(payload(&bytes))
                    .map(|frame| to_json(&frame.body))
            } else {
                Limits::LAX
                    .decode_response::<U>(payload(&bytes))
                    .map(|frame| to_json(frame.body.as_ref().expect("a reply body")))
            };
            match body {
                Ok(body) if body == case["expected"] => {}
                Ok(body) => failures.push(format!("{label}: {body} != {}", case["expected"])),
                Err(err) => failures.push(format!("{label}: lax mode refuses it: {err}")),
            }
        }
        cases.len()
    }
    let mut failures = Vec::new();
    let mut frames = all::<TaskToSupervisor>("task.jsonl", true, &mut failures);
    frames += all::<CallbackToSupervisor>("callback.jsonl", true, &mut failures);
    frames += all::<TriggerToSupervisor>("trigger.jsonl", true, &mut failures);
    frames += all::<DagProcessorToManager>("dag-processor.jsonl", true, &mut failures);
    frames += all::<ToTask>("to-task.jsonl", false, &mut failures);
    frames += all::<ToTask>("to-task-sparse.jsonl", false, &mut failures);
    frames += all::<ToTriggerRunner>("to-trigger-runner.jsonl", false, &mut failures);
    frames += all::<ToDagProcessor>("to-dag-processor.jsonl", false, &mut failures);

    let mut lax_accepted = Vec::new();
    for case in lines("request-edges.jsonl") {
        let label = case["case"].as_str().unwrap().to_owned();
        let coercion = LAX_EDGES.iter().find(|(c, _)| *c == label).map(|(_, c)| *c);
        let got = decode_edge(&case, &Limits::LAX);
        match (case["accepted"].as_bool().unwrap(), got) {
            (true, Ok(body)) if body == case["expected"] => {
                lax_accepted.extend(coercion);
            }
            (true, Ok(body)) => failures.push(format!("{label}: {body} != {}", case["expected"])),
            (true, Err(err)) => failures.push(format!("{label}: lax mode refuses it: {err}")),
            (false, Ok(body)) => failures.push(format!(
                "{label}: SDK refuses ({}), lax mode accepts {body}",
                case["python_error"],
            )),
            (false, Err(_)) => {}
        }
    }
    for case in lines("response-edges.jsonl") {
        let label = case["case"].as_str().unwrap().to_owned();
        let bytes = unhex(case["frame"].as_str().unwrap());
        let got: Result<ResponseFrame<ToTask>, FrameError> =
            Limits::LAX.decode_response(&bytes[4..]);
        match (case["accepted"].as_bool().unwrap(), got) {
            (true, Ok(frame)) => {
                let body = frame.body.as_ref().map_or(Value::Null, to_json);
                let error = frame.error.as_ref().map_or(Value::Null, to_json);
                if body != case["expected_body"] || error != case["expected_error"] {
                    failures.push(format!(
                        "{label}: body {body}, error {error}; SDK: {} / {}",
                        case["expected_body"], case["expected_error"]
                    ));
                }
            }
            (true, Err(err)) => failures.push(format!("{label}: lax mode refuses it: {err}")),
            (false, Ok(frame)) => failures.push(format!(
                "{label}: SDK refuses ({}), lax mode accepts {frame:?}",
                case["python_error"]
            )),
            (false, Err(_)) => {}
        }
    }
    eprintln!(
        "lax mode: {frames} SDK frames decoded; irregular frames accepted by coercion: {lax_accepted:?}"
    );
    assert!(frames > 1000, "{frames}");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every lax coercion the edges hold was accepted.
    let mut want: Vec<&str> = LAX_EDGES.iter().map(|(_, c)| *c).collect();
    want.sort_unstable();
    lax_accepted.sort_unstable();
    assert_eq!(lax_accepted, want);
}

/// `decode_xcom_value` reads every `XComResult` the SDK's supervisor wrote straight into a Rust
/// type, with the value the SDK's child decodes (nil: no XCom).
#[test]
fn xcom_values_read_straight_into_rust_types_as_the_sdk_reads_them() {
    use airflow_comms::decode::decode_xcom_value;
    let mut checked = 0;
    for case in lines("to-task.jsonl") {
        if case["expected"]["type"] != "XComResult" {
            continue;
        }
        let label = case["case"].as_str().unwrap();
        let bytes = unhex(case["frame"].as_str().unwrap());
        let raw = split_response(payload(&bytes)).unwrap();
        let value: Option<Value> =
            decode_xcom_value(raw.body).unwrap_or_else(|err| panic!("{label}: {err}"));
        assert_eq!(
            value.unwrap_or(Value::Null),
            case["expected"]["value"],
            "{label}"
        );
        checked += 1;
    }
    assert!(checked >= 3, "{checked}");
    // Into a typed value, and the errors a caller gets.
    let mut body = Vec::new();
    let reply = airflow_comms::XComResult {
        key: "return_value".into(),
        value: airflow_comms::JsonValue::from_json_text("[1, -2, 3]").unwrap(),
    };
    encode_response(&ResponseFrame::<ToTask>::reply(7, reply), &mut body).unwrap();
    let raw = split_response(&body[4..]).unwrap();
    assert_eq!(
        decode_xcom_value::<Vec<i64>>(raw.body).unwrap(),
        Some(vec![1, -2, 3])
    );
    let err = decode_xcom_value::<Vec<String>>(raw.body).unwrap_err();
    assert!(err.to_string().contains("value[0]"), "{err}");
    assert!(decode_xcom_value::<Value>(None).is_err());
}
