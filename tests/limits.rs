//! Resource limits on hostile input: deep nesting, long strings, big collections and oversized
//! frames are clean, typed errors (never a stack overflow or an allocation the input did not pay
//! for), each bound is configurable, and the default depth bound is the SDK's own
//! (`tests/corpus/limits.json`, written by `tools/conformance/limits_facts.py` from the pinned
//! packages).

use airflow_comms::frame::{FrameError, decode_request};
use airflow_comms::*;

mod common;
use common::unhex;

/// A SetXCom whose value is an array nested `depth` levels deep, as JSON text.
fn deep_json(depth: usize) -> String {
    format!(
        r#"{{"key":"k","value":{}{},"dag_id":"d","run_id":"r","task_id":"t","type":"SetXCom"}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

/// A request frame payload `[0, SetXCom{value: <depth arrays around 1>}, nil]`.
fn deep_frame(depth: usize) -> Vec<u8> {
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
    body.extend(std::iter::repeat_n(0x91, depth));
    body.push(0x01);
    let mut payload = vec![0x93, 0x00];
    payload.extend(&body);
    payload.push(0xc0);
    payload
}

#[test]
fn a_100000_deep_json_value_is_a_clean_error() {
    let err = decode_json::<TaskToSupervisor>(&deep_json(100_000)).unwrap_err();
    assert_eq!(err.kind(), DecodeErrorKind::Malformed);
    assert!(
        err.to_string().contains("nested more than 200 levels"),
        "{err}"
    );
    assert!(decode_json::<TaskToSupervisor>(&deep_json(100)).is_ok());
}

#[test]
fn a_100000_deep_msgpack_value_is_a_clean_error() {
    // Refused while the frame is split, before anything recursive runs; the id is known, so
    // the request can still be answered.
    match decode_request::<TaskToSupervisor>(&deep_frame(100_000)) {
        Err(FrameError::Malformed {
            id: Some(id),
            reason,
        }) if id == 0 => assert!(
            reason.contains(&format!(
                "nested more than {} levels",
                Limits::DEFAULT.max_frame_depth()
            )),
            "{reason}"
        ),
        other => panic!("expected a clean error, got {other:?}"),
    }
}

/// The default depth limits draw the SDK's lines: for JSON, pydantic's parser counts every array
/// and object of the body; for frames, pydantic counts the levels of a `JsonValue` from the
/// value itself, wherever it sits in the message. The one difference (README,
/// `msgpack-any-beyond-512`): a value typed `Any` on the Python side, which pydantic does not
/// count on the frame path, is held to the frame's own bound, which keeps decoding stack-safe.
#[test]
fn the_default_depth_limits_are_the_sdks() {
    let facts = common::read_json("tests/corpus/limits.json");
    let cases = facts["cases"].as_array().unwrap();
    let (mut json_same, mut frames_same, mut any_stricter) = (0, 0, 0);
    let mut failures = Vec::new();
    let verdict = |ok: bool| if ok { "accept" } else { "reject" };
    for case in cases {
        let name = case["case"].as_str().unwrap();
        let channel: ChannelName = case["channel"].as_str().unwrap().parse().unwrap();

        let rust = verdict(
            channel
                .canonicalize_json(case["json"].as_str().unwrap())
                .is_ok(),
        );
        if rust == case["json_verdict"] {
            json_same += 1;
        } else {
            failures.push(format!(
                "{name} (JSON): Python {}, Rust {rust}",
                case["json_verdict"]
            ));
        }

        let frame = unhex(case["frame"].as_str().unwrap());
        let rust = verdict(channel.decode_frame(&frame[4..]).is_ok());
        let python = case["frame_verdict"].as_str().unwrap();
        if rust == python {
            frames_same += 1;
        } else if python == "accept"
            && case["typed"] == "Any"
            && case["depth"].as_u64().unwrap() as usize > Limits::DEFAULT.max_frame_depth()
        {
            any_stricter += 1;
        } else {
            failures.push(format!("{name} (frame): Python {python}, Rust {rust}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(json_same, cases.len());
    // The facts reach both sides of each bound.
    assert!(frames_same > cases.len() / 2 && any_stricter > 0);
    eprintln!(
        "{} depth cases: JSON {json_same} same verdicts; frames {frames_same} same, \
         {any_stricter} `Any` values refused in frames deeper than {} levels where pydantic's \
         frame path accepts",
        cases.len(),
        Limits::DEFAULT.max_frame_depth()
    );
}

/// A free-form value's depth counts from the value on frames (as pydantic's recursion guard
/// counts it), from the body in JSON text (as pydantic's parser counts it).
#[test]
fn frames_count_a_value_from_itself_and_json_from_the_body() {
    let limits = Limits::DEFAULT.with_max_value_depth(3);
    // `[[[1]]]` has 3 arrays inside the value; the body map makes 4 levels around the `1`.
    assert!(
        limits
            .decode_request::<TaskToSupervisor>(&deep_frame(3))
            .is_ok()
    );
    let err = limits
        .decode_request::<TaskToSupervisor>(&deep_frame(4))
        .unwrap_err();
    assert!(err.to_string().contains("`value`"), "{err}");
    assert!(
        err.to_string()
            .contains("the value is nested more than 3 levels deep"),
        "{err}"
    );
    let json = Limits::DEFAULT.with_max_depth(4);
    assert!(
        json.decode_json::<TaskToSupervisor>(&deep_json_with_one(3))
            .is_ok()
    );
    assert!(
        json.decode_json::<TaskToSupervisor>(&deep_json_with_one(4))
            .is_err()
    );
}

#[test]
fn the_depth_limit_is_configurable_up_to_its_ceiling() {
    let shallow = Limits::DEFAULT.with_max_depth(8);
    // The value `1` sits inside the body and `n` arrays: n + 1 levels.
    assert!(
        shallow
            .decode_json::<TaskToSupervisor>(&deep_json(7))
            .is_ok()
    );
    assert!(
        shallow
            .decode_json::<TaskToSupervisor>(&deep_json(8))
            .is_ok()
    );
    assert!(
        shallow
            .decode_json::<TaskToSupervisor>(&deep_json_with_one(8))
            .is_err()
    );
    assert!(
        shallow
            .decode_request::<TaskToSupervisor>(&deep_frame(7))
            .is_ok()
    );
    assert!(
        shallow
            .decode_request::<TaskToSupervisor>(&deep_frame(8))
            .is_err()
    );

    let ceiling = Limits::DEFAULT
        .with_max_depth(usize::MAX)
        .with_max_value_depth(usize::MAX);
    assert_eq!(ceiling.max_depth(), Limits::MAX_DEPTH_CEILING);
    assert_eq!(ceiling.max_frame_depth(), Limits::MAX_DEPTH_CEILING);
    assert_eq!(ceiling.max_value_depth(), Limits::MAX_DEPTH_CEILING);
    let levels = Limits::MAX_DEPTH_CEILING - 1;
    // At the ceiling, on a test thread's 2 MiB stack (in debug builds too): decode, re-encode
    // and parse the value, every path that recurses.
    let message = ceiling
        .decode_json::<TaskToSupervisor>(&deep_json_with_one(levels))
        .unwrap();
    let TaskToSupervisor::SetXCom(set) = &message else {
        panic!("{message:?}")
    };
    assert!(set.value.to_value().is_array());
    let mut frame = Vec::new();
    frame::encode_request(
        &RequestFrame::<TaskToSupervisor>::new(0, message.clone()),
        &mut frame,
    )
    .unwrap();
    let back = ceiling
        .decode_request::<TaskToSupervisor>(&frame[4..])
        .unwrap();
    assert_eq!(back.body, message);
    assert!(
        ceiling
            .decode_json::<TaskToSupervisor>(&deep_json_with_one(levels + 1))
            .is_err()
    );
    assert!(
        ceiling
            .decode_request::<TaskToSupervisor>(&deep_frame(levels + 1))
            .is_err()
    );
}

fn deep_json_with_one(depth: usize) -> String {
    deep_json(depth).replacen(&"]".repeat(depth), &format!("1{}", "]".repeat(depth)), 1)
}

#[test]
fn string_and_collection_limits_are_clean_errors() {
    let text = r#"{"key":"k","value":"0123456789","dag_id":"d","run_id":"r","task_id":"t","type":"SetXCom"}"#;
    let short = Limits::DEFAULT.with_max_string_len(9);
    let err = short.decode_json::<TaskToSupervisor>(text).unwrap_err();
    assert!(err.to_string().contains("string of 10 bytes"), "{err}");
    assert!(
        Limits::DEFAULT
            .with_max_string_len(10)
            .decode_json::<TaskToSupervisor>(text)
            .is_ok()
    );

    let message = decode_json::<TaskToSupervisor>(text).unwrap();
    let mut frame = Vec::new();
    frame::encode_request(
        &RequestFrame::<TaskToSupervisor>::new(7, message),
        &mut frame,
    )
    .unwrap();
    match short.decode_request::<TaskToSupervisor>(&frame[4..]) {
        Err(FrameError::Malformed {
            id: Some(id),
            reason,
        }) if id == 7 => {
            assert!(reason.contains("string of 10 bytes"), "{reason}")
        }
        other => panic!("{other:?}"),
    }

    let list =
        r#"{"key":"k","value":[1,2,3,4],"dag_id":"d","run_id":"r","task_id":"t","type":"SetXCom"}"#;
    let few = Limits::DEFAULT.with_max_collection_len(3);
    let err = few.decode_json::<TaskToSupervisor>(list).unwrap_err();
    assert!(err.to_string().contains("more than 3 items"), "{err}");
    let mut frame = Vec::new();
    let message = decode_json::<TaskToSupervisor>(list).unwrap();
    frame::encode_request(
        &RequestFrame::<TaskToSupervisor>::new(8, message),
        &mut frame,
    )
    .unwrap();
    // The body map itself has more entries than 3 too: whichever is met first is reported.
    let err = few
        .decode_request::<TaskToSupervisor>(&frame[4..])
        .unwrap_err();
    assert!(err.to_string().contains("items exceeds the limit"), "{err}");
    assert_eq!(err.frame_id(), Some(8.into()));
    assert!(
        Limits::DEFAULT
            .with_max_collection_len(16)
            .decode_request::<TaskToSupervisor>(&frame[4..])
            .is_ok()
    );
}

#[test]
fn an_oversized_frame_is_refused_before_allocation_through_the_limits() {
    let mut stream = Vec::new();
    stream.extend(u32::MAX.to_be_bytes());
    let mut reader =
        FrameReader::new(&stream[..]).with_limits(Limits::DEFAULT.with_max_frame_len(1024));
    match reader.read_request::<TaskToSupervisor>() {
        Err(FrameError::TooLarge { announced, max }) => {
            assert_eq!((announced, max), (u32::MAX, 1024))
        }
        other => panic!("{other:?}"),
    }
}
