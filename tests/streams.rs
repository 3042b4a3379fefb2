//! Stream resilience: bad frames among many good ones. Every good message is still decoded, in
//! order, with its own id; every bad frame is reported with its own id (or none, when its id
//! cannot be read); and a supervisor answering what it reads never puts a reply under the wrong
//! request id. Checked with the blocking reader and, with feature `tokio`, the async codec fed in
//! odd-sized chunks.

use std::path::Path;

use airflow_comms::dispatch::refusal;
use airflow_comms::frame::{FrameReader, encode_request, encode_response, split_response};
use airflow_comms::*;
use serde_json::Value;

/// What reading one frame must give.
#[derive(Debug, Clone, PartialEq)]
enum Expect {
    /// This message, under this id.
    Message(FrameId, Box<TaskToSupervisor>),
    /// An error carrying this id (the frame can be answered).
    Refused(FrameId),
    /// An error without an id (nothing to answer), the stream still in sync.
    Unanswerable,
}

/// Canonical task messages the real SDK accepted (`tests/corpus/task.jsonl`).
fn good_messages() -> Vec<TaskToSupervisor> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/task.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|case| case["verdict"] == "accept" && case["form"] == "canonical")
        .map(|case| decode_json::<TaskToSupervisor>(case["input"].as_str().unwrap()).unwrap())
        .collect()
}

fn prefixed(payload: &[u8]) -> Vec<u8> {
    let mut frame = (payload.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(payload);
    frame
}

fn msgpack_str(out: &mut Vec<u8>, text: &str) {
    rmp::encode::write_str(out, text).unwrap();
}

/// Writes `id` as msgspec writes an int: unsigned from 0 up, signed below.
fn write_id(out: &mut Vec<u8>, id: FrameId) {
    match id.as_u64() {
        Some(id) => rmp::encode::write_uint(out, id).unwrap(),
        None => rmp::encode::write_sint(out, id.as_i64().unwrap()).unwrap(),
    };
}

/// A request frame `[id, body, nil]` around a hand-written msgpack body.
fn with_body(id: FrameId, body: &[u8]) -> Vec<u8> {
    let mut payload = vec![0x93];
    write_id(&mut payload, id);
    payload.extend_from_slice(body);
    payload.push(0xc0);
    prefixed(&payload)
}

/// Bad frames of every kind, for request id `id`.
fn bad_frame(kind: usize, id: FrameId) -> (Vec<u8>, Expect) {
    let mut body = Vec::new();
    match kind {
        // A field of the wrong type.
        0 => {
            body.push(0x82);
            msgpack_str(&mut body, "conn_id");
            body.push(0x05);
            msgpack_str(&mut body, "type");
            msgpack_str(&mut body, "GetConnection");
            (with_body(id, &body), Expect::Refused(id))
        }
        // An unknown type.
        1 => {
            body.push(0x81);
            msgpack_str(&mut body, "type");
            msgpack_str(&mut body, "GetEverything");
            (with_body(id, &body), Expect::Refused(id))
        }
        // A string that is not UTF-8.
        2 => {
            body.push(0x82);
            msgpack_str(&mut body, "conn_id");
            body.extend([0xa2, 0xc3, 0x28]);
            msgpack_str(&mut body, "type");
            msgpack_str(&mut body, "GetConnection");
            (with_body(id, &body), Expect::Refused(id))
        }
        // A value nested past the depth limit.
        3 => {
            body.push(0x82);
            msgpack_str(&mut body, "key");
            body.extend(std::iter::repeat_n(0x91, 5_000));
            body.push(0xc0);
            msgpack_str(&mut body, "type");
            msgpack_str(&mut body, "GetVariable");
            (with_body(id, &body), Expect::Refused(id))
        }
        // A context carrier that is not a map of strings.
        4 => {
            let mut payload = vec![0x93];
            write_id(&mut payload, id);
            payload.push(0x81);
            msgpack_str(&mut payload, "type");
            msgpack_str(&mut payload, "GetConnection");
            payload.push(0x05);
            (prefixed(&payload), Expect::Refused(id))
        }
        // A request without a body.
        5 => {
            let mut payload = vec![0x91];
            write_id(&mut payload, id);
            (prefixed(&payload), Expect::Refused(id))
        }
        // Bytes after the frame array.
        6 => {
            let mut payload = vec![0x92];
            write_id(&mut payload, id);
            payload.extend([0x80, 0xc0, 0xc0]);
            (prefixed(&payload), Expect::Refused(id))
        }
        // Not an array: there is no id to answer.
        7 => (prefixed(&[0xc0]), Expect::Unanswerable),
        // An id that is not an integer.
        8 => (prefixed(&[0x92, 0xa1, b'x', 0x80]), Expect::Unanswerable),
        // A frame of length 0: well delimited, with nothing to answer.
        9 => (prefixed(&[]), Expect::Unanswerable),
        _ => unreachable!(),
    }
}

const BAD_KINDS: usize = 10;

/// A stream of every good message (that msgpack can carry) with bad frames of every kind spread among them (a fixed
/// pseudo-random pattern), and what reading each frame must give.
fn mixed_stream() -> (Vec<u8>, Vec<Expect>) {
    let good = good_messages();
    assert!(good.len() > 500, "{} good messages", good.len());
    let mut stream = Vec::new();
    let mut expected = Vec::new();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    // Ids run across 2^63, where an i64 ends and msgpack's uint 64 form takes over.
    let mut id = FrameId::from((1u64 << 63) - 300);
    let mut bad = 0;
    for message in good {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        if state % 4 == 0 {
            let (frame, expect) = bad_frame(bad % BAD_KINDS, id);
            stream.extend(frame);
            expected.push(expect);
            bad += 1;
            id = id.wrapping_next();
        }
        let mut frame = Vec::new();
        let request = RequestFrame::<TaskToSupervisor>::new(id, message);
        if encode_request(&request, &mut frame).is_err() {
            continue; // integers beyond 64 bits: msgspec cannot send them either
        }
        // What the frame decodes to on its own (msgpack keeps instants, not UTC offsets).
        let alone = frame::decode_request::<TaskToSupervisor>(&frame[4..]).unwrap();
        stream.extend(frame);
        expected.push(Expect::Message(id, Box::new(alone.body)));
        id = id.wrapping_next();
    }
    assert!(bad > 100, "{bad} bad frames");
    assert!(id > FrameId::from(1u64 << 63), "ids end at {id}");
    (stream, expected)
}

/// What a supervisor does with each read: an empty reply to a message, the refusal frame to an
/// answerable error, nothing otherwise. Returns what was read and the replies written.
fn serve(
    results: impl Iterator<Item = Result<RequestFrame<TaskToSupervisor>, FrameError>>,
) -> (Vec<Expect>, Vec<u8>) {
    let mut got = Vec::new();
    let mut replies = Vec::new();
    for result in results {
        match result {
            Ok(frame) => {
                encode_response(&ResponseFrame::<()>::empty(frame.id), &mut replies).unwrap();
                got.push(Expect::Message(frame.id, Box::new(frame.body)));
            }
            Err(error) => {
                let answer = refusal(&error);
                got.push(match (error.frame_id(), &answer) {
                    (Some(id), Some(answer)) => {
                        assert_eq!(answer.id, id);
                        encode_response(answer, &mut replies).unwrap();
                        Expect::Refused(id)
                    }
                    (None, None) => Expect::Unanswerable,
                    other => panic!("{error}: id and refusal disagree: {other:?}"),
                });
            }
        }
    }
    (got, replies)
}

/// The replies answer exactly the answerable frames, in order, each under its own id, and the
/// error replies go to exactly the refused ones.
fn check_replies(expected: &[Expect], replies: &[u8]) {
    let mut reader = FrameReader::new(replies);
    for expect in expected {
        let (id, is_error) = match expect {
            Expect::Message(id, _) => (*id, false),
            Expect::Refused(id) => (*id, true),
            Expect::Unanswerable => continue,
        };
        let payload = reader.read_payload().unwrap().expect("a reply");
        let reply = split_response(payload).unwrap();
        assert_eq!(reply.id, id);
        assert_eq!(reply.error.is_some(), is_error, "reply {id}");
    }
    assert!(reader.read_payload().unwrap().is_none(), "extra replies");
}

#[test]
fn a_blocking_reader_decodes_every_good_frame_among_bad_ones() {
    let (stream, expected) = mixed_stream();
    let mut reader = FrameReader::new(&stream[..]);
    let results = std::iter::from_fn(|| match reader.read_request::<TaskToSupervisor>() {
        Ok(None) => None,
        Ok(Some(frame)) => Some(Ok(frame)),
        // No error may end the stream early: each one concerns one frame.
        Err(error @ (FrameError::Io(_) | FrameError::Truncated { .. })) => {
            panic!("the stream broke: {error}")
        }
        Err(error) => Some(Err(error)),
    });
    let (got, replies) = serve(results);
    assert_eq!(got.len(), expected.len());
    for (n, (got, expected)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(got, expected, "frame {n}");
    }
    check_replies(&expected, &replies);
}

#[test]
fn the_callback_channel_refuses_task_messages_without_losing_its_own() {
    let (stream, expected) = mixed_stream();
    let mut reader = FrameReader::new(&stream[..]);
    let (mut decoded, mut refused) = (0, 0);
    for expect in &expected {
        let result = reader.read_request::<CallbackToSupervisor>();
        match (expect, result) {
            (Expect::Message(id, message), Ok(Some(frame))) => {
                assert_eq!(frame.id, *id);
                assert_eq!(serde_json::to_value(&frame.body).unwrap()["type"], {
                    serde_json::to_value(message).unwrap()["type"].clone()
                });
                decoded += 1;
            }
            (Expect::Message(id, _), Err(FrameError::Body { id: got, error })) => {
                assert_eq!(got, *id);
                assert_eq!(error.kind(), DecodeErrorKind::NotPermitted);
                refused += 1;
            }
            (Expect::Refused(id), Err(error)) => assert_eq!(error.frame_id(), Some(*id)),
            (Expect::Unanswerable, Err(error)) => assert_eq!(error.frame_id(), None),
            (expect, result) => panic!("{expect:?}: got {result:?}"),
        }
    }
    assert!(
        reader
            .read_request::<CallbackToSupervisor>()
            .unwrap()
            .is_none()
    );
    assert!(
        decoded > 20 && refused > 400,
        "{decoded} decoded, {refused} refused"
    );
}

#[cfg(feature = "tokio")]
#[tokio::test(flavor = "current_thread")]
async fn the_async_codec_decodes_every_good_frame_among_bad_ones() {
    use airflow_comms::codec::SupervisorCodec;
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;
    use tokio_util::codec::FramedRead;

    let (stream, expected) = mixed_stream();
    let (mut writer, reader) = tokio::io::duplex(4096);
    let feeder = tokio::spawn(async move {
        // Odd-sized chunks: frames and prefixes arrive split across reads.
        for chunk in stream.chunks(997) {
            writer.write_all(chunk).await.unwrap();
        }
    });
    let frames = FramedRead::new(reader, SupervisorCodec::<TaskToSupervisor>::new());
    let results: Vec<_> = frames
        .map(|item| item.expect("the stream broke"))
        .collect()
        .await;
    feeder.await.unwrap();
    let (got, replies) = serve(results.into_iter());
    assert_eq!(got, expected);
    check_replies(&expected, &replies);
}
