//! `Any`-typed fields against the real SDK, on `tests/corpus/frames/any-values.jsonl` (written by
//! `tools/conformance/any_values.py`): frames whose free-form fields hold date-times, bytes,
//! non-string keys, NaN and extension values, written by the SDK's own senders (the trigger
//! runner's comms decoder for events fired by real triggers) and judged by its own readers.
//!
//! For each frame: Rust accepts exactly what the SDK accepts; the JSON it writes is the SDK's
//! `model_dump(mode="json", by_alias=True)`, or fails where that fails; and it re-encodes the
//! message to exactly the bytes the SDK writes for what it read.

use airflow_comms::frame::{decode_request, decode_response, encode_request, encode_response};
use airflow_comms::{
    AnyValue, CallbackToSupervisor, Channel, DagProcessorToManager, TaskToSupervisor,
    ToDagProcessor, ToTask, ToTriggerRunner, TriggerEvent, TriggerToSupervisor, Union,
};
use serde::Serialize;
use serde_json::Value;

mod common;
use common::{hex, unhex};

fn corpus() -> Vec<Value> {
    common::read_jsonl("tests/corpus/frames/any-values.jsonl")
}

/// The JSON of a message, as text (key order and all), or the error that says it has none.
fn json_of<T: Serialize>(message: &T) -> Result<String, String> {
    serde_json::to_string(message).map_err(|err| err.to_string())
}

/// What Rust made of one frame: the JSON of the body (or why there is none) and the bytes it
/// writes back; `Err` when it refused the frame.
type Outcome = Result<(Result<String, String>, Vec<u8>), String>;

fn requests<C: Union + Serialize>(payload: &[u8]) -> Outcome {
    let frame = decode_request::<C>(payload).map_err(|err| err.to_string())?;
    let mut again = Vec::new();
    encode_request(&frame, &mut again).map_err(|err| format!("re-encoding: {err}"))?;
    Ok((json_of(&frame.body), again))
}

fn replies<U: Channel + Serialize>(payload: &[u8]) -> Outcome {
    let frame = decode_response::<U>(payload).map_err(|err| err.to_string())?;
    let body = frame.body.as_ref().ok_or("no body")?;
    let mut again = Vec::new();
    encode_response(&frame, &mut again).map_err(|err| format!("re-encoding: {err}"))?;
    Ok((json_of(body), again))
}

fn decode(channel: &str, payload: &[u8]) -> Outcome {
    match channel {
        "task" => requests::<TaskToSupervisor>(payload),
        "callback" => requests::<CallbackToSupervisor>(payload),
        "trigger" => requests::<TriggerToSupervisor>(payload),
        "dag-processor" => requests::<DagProcessorToManager>(payload),
        "to-task" => replies::<ToTask>(payload),
        "to-trigger-runner" => replies::<ToTriggerRunner>(payload),
        "to-dag-processor" => replies::<ToDagProcessor>(payload),
        other => panic!("unknown channel {other}"),
    }
}

#[test]
fn any_typed_fields_decode_dump_and_re_encode_as_the_sdk_does() {
    let cases = corpus();
    let (summary, cases) = cases.split_last().unwrap();
    assert_eq!(
        summary["not_covered"],
        Value::Array(vec![]),
        "every Any-typed field has a case"
    );
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in cases {
        let label = case["case"].as_str().unwrap();
        let frame = unhex(case["frame"].as_str().unwrap());
        let outcome = decode(case["channel"].as_str().unwrap(), &frame[4..]);
        let (json, again) = match (case["accepted"].as_bool().unwrap(), outcome) {
            (false, Err(_)) => {
                checked += 1;
                continue;
            }
            (false, Ok(_)) => {
                failures.push(format!(
                    "{label}: SDK refuses ({}), Rust accepts",
                    case["python_error"]
                ));
                continue;
            }
            (true, Err(err)) => {
                failures.push(format!("{label}: SDK accepts, Rust refuses: {err}"));
                continue;
            }
            (true, Ok(outcome)) => outcome,
        };
        match (&case["json_error"], json) {
            (Value::Null, Ok(json)) => {
                // Compared as text once both are written by serde_json: key order counts,
                // number spelling does not (Python writes `1e+300`, serde_json `1e300`).
                let ours: Value = serde_json::from_str(&json).unwrap();
                let text = |value: &Value| serde_json::to_string(value).unwrap();
                if text(&ours) != text(&case["expected"]) {
                    failures.push(format!("{label}: JSON {ours} != {}", case["expected"]));
                }
            }
            (Value::Null, Err(err)) => failures.push(format!("{label}: no JSON form: {err}")),
            (_, Ok(json)) => failures.push(format!(
                "{label}: pydantic cannot dump it ({}), Rust writes {json}",
                case["json_error"]
            )),
            (_, Err(err)) if err.contains("no JSON form") => {}
            (_, Err(err)) => failures.push(format!("{label}: unexpected JSON error {err}")),
        }
        // The DAG processor manager writes the server models' Python field names (`val`,
        // `schema_`), which Rust reads but writes as the aliases: no byte identity there.
        let python_names = label == "to-dag-processor/DagFileParseRequest";
        if !python_names && again != unhex(case["reencoded"].as_str().unwrap()) {
            failures.push(format!(
                "{label}: re-encoded {} != the SDK's {}",
                hex(&again),
                case["reencoded"].as_str().unwrap()
            ));
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(checked, cases.len());
}

/// The payload of the first event of the trigger-channel case `label`.
fn first_payload(label: &str) -> AnyValue {
    let case = corpus()
        .into_iter()
        .find(|case| case["case"] == label)
        .unwrap_or_else(|| panic!("no case {label}"));
    let frame = unhex(case["frame"].as_str().unwrap());
    let TriggerToSupervisor::TriggerStateChanges(changes) =
        decode_request::<TriggerToSupervisor>(&frame[4..])
            .unwrap()
            .body
    else {
        panic!("{label} is not a TriggerStateChanges")
    };
    match &changes.events.unwrap()[0].event {
        TriggerEvent::Resume { payload } => payload.clone(),
        other => panic!("{label}: {other:?}"),
    }
}

/// The JSON pydantic wrote for the first event's payload of case `label`.
fn expected_payload(label: &str) -> Value {
    let case = corpus()
        .into_iter()
        .find(|case| case["case"] == label)
        .unwrap();
    case["expected"]["events"][0][1]["payload"].clone()
}

#[test]
fn a_date_time_trigger_payload_is_a_date_time() {
    let payload = first_payload("trigger/DateTimeTrigger-payload");
    let moment = payload
        .as_datetime()
        .expect("a msgpack timestamp reads as a date-time");
    assert_eq!(
        Value::String(moment.to_string()),
        expected_payload("trigger/DateTimeTrigger-payload")
    );
    assert_eq!(payload.as_str(), None);
}

#[test]
fn sql_rows_keep_date_times_bytes_and_integer_keys() {
    let payload = first_payload("trigger/sql-rows");
    let row = payload
        .get("rows")
        .and_then(|rows| rows.as_array())
        .unwrap()[0]
        .as_array()
        .unwrap()
        .to_vec();
    assert!(row[1].as_datetime().is_some(), "{row:?}");
    assert_eq!(row[2].as_bytes(), Some(&b"\xde\xad\xbe\xef"[..]));
    let by_partition = payload
        .get("row_count_by_partition")
        .unwrap()
        .as_map()
        .unwrap();
    assert!(by_partition.iter().all(|(key, _)| key.as_i64().is_some()));
}
