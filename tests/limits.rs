//! Resource limits on hostile input: deep nesting is a clean error, not a stack overflow.

use airflow_comms::frame::{FrameError, decode_request};
use airflow_comms::*;

/// A SetXCom whose value is an array nested `depth` levels deep, as JSON text.
fn deep_json(depth: usize) -> String {
    format!(
        r#"{{"key":"k","value":{}{},"dag_id":"d","run_id":"r","task_id":"t","type":"SetXCom"}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

#[test]
fn a_100000_deep_json_value_is_a_clean_error() {
    let err = decode_json::<TaskToSupervisor>(&deep_json(100_000)).unwrap_err();
    assert!(err.to_string().contains("recursion limit"), "{err}");
    // Reasonable nesting still decodes.
    assert!(decode_json::<TaskToSupervisor>(&deep_json(100)).is_ok());
}

#[test]
fn a_100000_deep_msgpack_value_is_a_clean_error() {
    // [0, {"key": "k", "value": [[[...]]], ..., "type": "SetXCom"}, nil]
    let mut body = vec![0x86];
    for (key, value) in [
        ("key", "k"),
        ("dag_id", "d"),
        ("run_id", "r"),
        ("task_id", "t"),
        ("type", "SetXCom"),
    ] {
        rmp::encode::write_str(&mut body, key).unwrap();
        rmp::encode::write_str(&mut body, value).unwrap();
    }
    rmp::encode::write_str(&mut body, "value").unwrap();
    body.extend(std::iter::repeat_n(0x91, 100_000));
    body.push(0xc0);
    let mut payload = vec![0x93, 0x00];
    payload.extend(&body);
    payload.push(0xc0);
    // Refused while the frame is split, before anything recursive runs; the id is known, so
    // the request can still be answered.
    match decode_request::<TaskToSupervisor>(&payload) {
        Err(FrameError::Malformed {
            id: Some(0),
            reason,
        }) => assert!(reason.contains("nested more than 128"), "{reason}"),
        other => panic!("expected a clean error, got {other:?}"),
    }
}
