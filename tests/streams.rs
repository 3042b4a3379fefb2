//! Stream resilience: bad frames among many good ones. Every good message is still decoded, in
//! order, with its own id; every bad frame is reported with its own id (or none, when its id
//! cannot be read); and a supervisor answering what it reads never puts a reply under the wrong
//! request id. Checked with the blocking reader and, with feature `tokio`, the async codec fed in
//! odd-sized chunks.

use std::path::Path;

use airflow_comms::dispatch::refusal;
use airflow_comms::frame::{FrameReader, encode_request, encode_response, split_response};
use airflow_comms::*;

mod common;
use common::unhex;

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
    common::read_jsonl("tests/corpus/task.jsonl")
        .into_iter()
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
        if state.is_multiple_of(4) {
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
    use airflow_comms::SupervisorCodec;
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

// ---------------------------------------------------------------------------------------------
// Frames of length 0 among frames the real SDK wrote

/// The frames (length prefix included) of a corpus file the SDK's own encoder wrote
/// (`tests/corpus/frames/`, from `tools/conformance/generate_frames.py`), with their ids.
fn sdk_frames(file: &str) -> Vec<(FrameId, Vec<u8>)> {
    common::read_jsonl(Path::new("tests/corpus/frames").join(file))
        .into_iter()
        .map(|case| {
            let id = serde_json::from_value(case["id"].clone()).unwrap();
            (id, unhex(case["frame"].as_str().unwrap()))
        })
        .collect()
}

/// The frames with frames of length 0 among them: one first, runs of one to three after every
/// few frames, and one last. Returns the stream and how many frames of length 0 it holds.
fn with_empty_frames(frames: &[(FrameId, Vec<u8>)]) -> (Vec<u8>, usize) {
    let mut stream = vec![0, 0, 0, 0];
    let mut empty = 1;
    for (n, (_, frame)) in frames.iter().enumerate() {
        stream.extend_from_slice(frame);
        if n % 5 == 2 {
            let run = 1 + n % 3;
            stream.extend(std::iter::repeat_n(0, 4 * run));
            empty += run;
        }
    }
    stream.extend([0, 0, 0, 0]);
    (stream, empty + 1)
}

/// What reading a stream of [`with_empty_frames`] gave: every SDK frame under its id, in order,
/// and exactly one id-less `Malformed` error, not stream-fatal, per frame of length 0.
fn check_nothing_lost<T>(
    results: Vec<Result<T, FrameError>>,
    id_of: impl Fn(&T) -> FrameId,
    frames: &[(FrameId, Vec<u8>)],
    empty: usize,
) {
    let mut ids = Vec::new();
    let mut errors = 0;
    for result in results {
        match result {
            Ok(frame) => ids.push(id_of(&frame)),
            Err(err @ FrameError::Malformed { id: None, .. }) => {
                assert!(!err.is_stream_fatal());
                assert!(err.to_string().contains("length prefix 0"), "{err}");
                errors += 1;
            }
            Err(err) => panic!("{err:?}"),
        }
    }
    let want: Vec<FrameId> = frames.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, want, "every SDK frame, in order, under its own id");
    assert_eq!(errors, empty, "one error per frame of length 0");
}

#[test]
fn a_blocking_reader_reads_every_sdk_frame_around_frames_of_length_0() {
    for file in ["task.jsonl", "callback.jsonl"] {
        let frames = sdk_frames(file);
        let (stream, empty) = with_empty_frames(&frames);
        let mut reader = FrameReader::new(&stream[..]);
        let results: Vec<_> =
            std::iter::from_fn(|| reader.read_request::<TaskToSupervisor>().transpose()).collect();
        check_nothing_lost(results, |frame| frame.id, &frames, empty);
    }
    let frames = sdk_frames("to-task.jsonl");
    let (stream, empty) = with_empty_frames(&frames);
    let mut reader = FrameReader::new(&stream[..]);
    let results: Vec<_> =
        std::iter::from_fn(|| reader.read_response::<ToTask>().transpose()).collect();
    check_nothing_lost(results, |frame| frame.id, &frames, empty);
}

/// Feeds `stream` to a tokio codec in chunks of `chunk` bytes and collects every item; the
/// stream must end cleanly.
#[cfg(feature = "tokio")]
async fn through_codec<D>(stream: Vec<u8>, chunk: usize, codec: D) -> Vec<D::Item>
where
    D: tokio_util::codec::Decoder<Error = FrameError>,
{
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;

    let (mut writer, reader) = tokio::io::duplex(4096);
    let feeder = tokio::spawn(async move {
        for piece in stream.chunks(chunk) {
            writer.write_all(piece).await.unwrap();
        }
    });
    let items = tokio_util::codec::FramedRead::new(reader, codec)
        .map(|item| item.expect("the stream broke"))
        .collect()
        .await;
    feeder.await.unwrap();
    items
}

#[cfg(feature = "tokio")]
#[tokio::test(flavor = "current_thread")]
async fn the_tokio_codecs_decode_every_sdk_frame_around_frames_of_length_0() {
    use airflow_comms::{ChildCodec, SupervisorCodec};

    // Chunks of 3 bytes split prefixes of length 0 too; 997 bytes put many frames in one read.
    for chunk in [3, 997] {
        let frames = sdk_frames("task.jsonl");
        let (stream, empty) = with_empty_frames(&frames);
        let results =
            through_codec(stream, chunk, SupervisorCodec::<TaskToSupervisor>::new()).await;
        check_nothing_lost(results, |frame| frame.id, &frames, empty);

        let frames = sdk_frames("to-task.jsonl");
        let (stream, empty) = with_empty_frames(&frames);
        let results = through_codec(stream, chunk, ChildCodec::<ToTask>::new()).await;
        check_nothing_lost(results, |frame| frame.id, &frames, empty);
    }
}

/// The SDK's exchanges of `ids.jsonl`, by the id the child sent: its request frame and the
/// supervisor's answer.
fn sdk_exchanges() -> std::collections::HashMap<FrameId, (Vec<u8>, Vec<u8>)> {
    common::read_jsonl("tests/corpus/frames/ids.jsonl")
        .into_iter()
        .map(|case| {
            let id = serde_json::from_value(case["sent_id"].clone()).unwrap();
            let request = unhex(case["request"].as_str().unwrap());
            (id, (request, unhex(case["response"].as_str().unwrap())))
        })
        .collect()
}

/// Runs of four requests whose ids the SDK exchanges cover: across 2^63, and across the wrap
/// from 2^64 - 1 to -2^63. Before each answer the supervisor sends this many frames of length 0.
const CLIENT_RUNS: [(u64, [usize; 4]); 2] =
    [((1 << 63) - 2, [0, 1, 0, 0]), (u64::MAX - 1, [1, 0, 1, 0])];

/// What each request of a run gets: the reply, or (when a frame of length 0 came first) the
/// id-less `Malformed` error; the answer that followed is skipped by the next request.
fn check_client_run(
    zeros: [usize; 4],
    results: Vec<Result<request::VariableReply, client::ClientError>>,
) {
    let reply = request::VariableReply::VariableResult(VariableResult {
        key: "region".into(),
        value: Some("eu".into()),
    });
    for (n, (zeros, result)) in zeros.iter().zip(results).enumerate() {
        match (zeros, result) {
            (0, Ok(got)) => assert_eq!(got, reply, "request {n}"),
            (1, Err(client::ClientError::Frame(FrameError::Malformed { id: None, reason }))) => {
                assert!(reason.contains("length prefix 0"), "{reason}")
            }
            (_, other) => panic!("request {n}: {other:?}"),
        }
    }
}

/// A supervisor end that checks each request is the SDK child's frame for its id and answers
/// with the SDK supervisor's frame, after `zeros` frames of length 0. Blocking.
fn serve_run(
    stream: &mut (impl std::io::Read + std::io::Write),
    first: FrameId,
    zeros: [usize; 4],
) {
    let exchanges = sdk_exchanges();
    let mut id = first;
    let mut buffer = Vec::new();
    for zeros in zeros {
        let (request, response) = &exchanges[&id];
        assert!(airflow_comms::__private::read_payload_into(stream, &mut buffer, 1 << 20).unwrap());
        assert_eq!(
            &buffer[..],
            &request[4..],
            "request {id}: the SDK child's bytes"
        );
        stream.write_all(&vec![0; 4 * zeros]).unwrap();
        stream.write_all(response).unwrap();
        id = id.wrapping_next();
    }
}

#[test]
fn the_blocking_client_stays_in_step_after_frames_of_length_0() {
    use std::os::unix::net::UnixStream;
    for (first, zeros) in CLIENT_RUNS {
        let first = FrameId::from(first);
        let (child_end, mut supervisor_end) = UnixStream::pair().unwrap();
        let supervisor = std::thread::spawn(move || serve_run(&mut supervisor_end, first, zeros));
        let mut client =
            client::Client::<CallbackToSupervisor, _>::new(child_end).with_next_id(first);
        let results = (0..4)
            .map(|_| {
                client.send(GetVariable {
                    key: "region".into(),
                })
            })
            .collect();
        supervisor.join().unwrap();
        check_client_run(zeros, results);
    }
}

#[cfg(feature = "tokio")]
#[tokio::test(flavor = "current_thread")]
async fn the_async_client_stays_in_step_after_frames_of_length_0() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    for (first, zeros) in CLIENT_RUNS {
        let first = FrameId::from(first);
        let (child_end, mut supervisor_end) = tokio::io::duplex(4096);
        let supervisor = tokio::spawn(async move {
            let exchanges = sdk_exchanges();
            let mut id = first;
            for zeros in zeros {
                let (request, response) = &exchanges[&id];
                let mut got = vec![0; request.len()];
                supervisor_end.read_exact(&mut got).await.unwrap();
                assert_eq!(&got, request, "request {id}: the SDK child's bytes");
                supervisor_end.write_all(&vec![0; 4 * zeros]).await.unwrap();
                supervisor_end.write_all(response).await.unwrap();
                id = id.wrapping_next();
            }
        });
        let mut client =
            client::AsyncClient::<CallbackToSupervisor, _>::new(child_end).with_next_id(first);
        let mut results = Vec::new();
        for _ in 0..4 {
            results.push(
                client
                    .send(GetVariable {
                        key: "region".into(),
                    })
                    .await,
            );
        }
        supervisor.await.unwrap();
        check_client_run(zeros, results);
    }
}
