//! The logic of the fuzz targets, written once: the libFuzzer binaries (`fuzz_targets/*.rs`, run
//! with cargo-fuzz) and the stable regression test (`tests/fuzz_regressions.rs`, run by
//! `cargo test`) both include this file with `#[path = ...] mod targets;`.
//!
//! Every target takes one byte string: the first byte picks the channel, the rest is the input.
//! A target panics when the crate panics *or* when an invariant fails; the invariants are what a
//! supervisor relies on:
//!
//! - whatever decodes re-encodes (as a frame and as JSON), the re-encoding decodes again, and
//!   encoding is a fixed point from the first round on (values themselves may change once: a
//!   msgpack timestamp has no UTC offset, and fields pydantic never dumps are dropped);
//! - a body decoded from a frame, written as JSON and decoded from that, encodes to the very same
//!   frame bytes (JSON and msgpack carry the same message);
//! - a decode error says what happened: its channel is the one decoding, its kind agrees with an
//!   independent look at the input (JSON parsed by `serde_json`, frame ids read by hand), and a
//!   frame error carries the frame id whenever the frame had a readable one;
//! - a stream reader stays in sync: a frame with a bad body or a bad shape is consumed whole and
//!   the next frame is read; only a truncated stream or a refused length ends the stream;
//! - a refused request with a known id gets a refusal frame the child can decode;
//! - the run-time API (`ChannelName`) gives what the typed API gives;
//! - decoding a msgpack body without scanning it first (speculation) gives what scanning it
//!   first gives, message or error, at every size and in every build (the rule stated in the
//!   crate's `codec::speculate` module; `airflow_comms::__private` reaches the scanning way).

use std::fmt::Debug;

use airflow_comms::__private::{scan_then_decode_msgpack, scan_then_decode_request};
use airflow_comms::Union;
use airflow_comms::channels::{ChannelVisitor, RequestChannel, is_airflow_message_type};
use airflow_comms::decode::UnknownTag;
use airflow_comms::dispatch::refusal;
use airflow_comms::frame::{
    FrameError, FrameId, FrameReader, RawResponse, RequestFrame, ResponseFrame, decode_request,
    decode_response, encode_request, encode_response, split_response,
};
use airflow_comms::{
    Channel, ChannelName, DagParsingRequests, DecodeError, EncodeError, HITLRequests, Limits,
    LoggingRequests, OrchestrationRequests, ReadRequests, TaskLifecycleRequests,
    TaskMetadataRequests, TriggerLifecycleRequests, WriteRequests, decode_json, decode_value,
};

/// The payload limit of the stream readers. Small on purpose: most announced lengths are then
/// refused (`TooLarge`, before any allocation) and the others mostly run past the end of the
/// input (`Truncated`), so both ends of the length check are exercised on every input.
pub const MAX_FRAME_LEN: u32 = 4096;

// ---------------------------------------------------------------------------------------------
// Targets

/// A byte stream of request frames, read with [`FrameReader`] as a supervisor reads its child:
/// first byte `% 4` picks task, callback, trigger or dag-processor.
pub fn frame_reader_request(data: &[u8]) {
    let Some((&selector, stream)) = data.split_first() else {
        return;
    };
    struct Requests<'a>(&'a [u8]);
    impl ChannelVisitor for Requests<'_> {
        type Output = ();
        fn requests<C: RequestChannel>(self) {
            read_stream::<C>(self.0, Side::Requests);
        }
        fn replies<U: Channel>(self) {
            unreachable!("a request channel was chosen")
        }
    }
    ChannelName::ALL[usize::from(selector) % 4].visit(Requests(stream));
}

/// A byte stream of response frames, read as a child reads its supervisor: first byte `% 3`
/// picks to-task (the reply union of the task and the callback channels), to-trigger-runner or
/// to-dag-processor.
pub fn frame_reader_response(data: &[u8]) {
    let Some((&selector, stream)) = data.split_first() else {
        return;
    };
    struct Responses<'a>(&'a [u8]);
    impl ChannelVisitor for Responses<'_> {
        type Output = ();
        fn requests<C: RequestChannel>(self) {
            unreachable!("a reply direction was chosen")
        }
        fn replies<U: Channel>(self) {
            read_stream::<U>(self.0, Side::Responses);
        }
    }
    ChannelName::ALL[4 + usize::from(selector) % 3].visit(Responses(stream));
}

/// One JSON message: first byte `% 16` picks a channel (`ChannelName::ALL`, 0 to 6) or a request
/// group (7 to 15); the rest must be UTF-8 (a caller holds a `&str`).
pub fn json_decode(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    struct Json<'a>(&'a str, ChannelName);
    impl ChannelVisitor for Json<'_> {
        type Output = ();
        fn requests<C: RequestChannel>(self) {
            check_json::<C>(self.0, Some(self.1), Side::Requests);
        }
        fn replies<U: Channel>(self) {
            check_json::<U>(self.0, Some(self.1), Side::Responses);
        }
    }
    let channels = ChannelName::ALL.len();
    match usize::from(selector) % 16 {
        i if i < channels => ChannelName::ALL[i].visit(Json(text, ChannelName::ALL[i])),
        7 => check_json::<ReadRequests>(text, None, Side::Requests),
        8 => check_json::<WriteRequests>(text, None, Side::Requests),
        9 => check_json::<LoggingRequests>(text, None, Side::Requests),
        10 => check_json::<TaskLifecycleRequests>(text, None, Side::Requests),
        11 => check_json::<TaskMetadataRequests>(text, None, Side::Requests),
        12 => check_json::<OrchestrationRequests>(text, None, Side::Requests),
        13 => check_json::<HITLRequests>(text, None, Side::Requests),
        14 => check_json::<TriggerLifecycleRequests>(text, None, Side::Requests),
        _ => check_json::<DagParsingRequests>(text, None, Side::Requests),
    }
}

/// One frame payload (the bytes after the length prefix): first byte `% 7` picks a channel of
/// `ChannelName::ALL`; request channels decode request frames, reply directions response frames.
/// The typed API and the run-time one (`ChannelName::decode_frame`) must agree.
pub fn frame_decode(data: &[u8]) {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    struct Frame<'a>(&'a [u8], ChannelName);
    impl ChannelVisitor for Frame<'_> {
        type Output = ();
        fn requests<C: RequestChannel>(self) {
            let typed = decode_request::<C>(self.0);
            let scanned = scan_then_decode_request::<C>(&Limits::DEFAULT, self.0);
            assert_same_both_ways(&typed, &scanned);
            let json = match &typed {
                Ok(frame) => check_request_frame(frame, self.0),
                Err(err) => {
                    check_frame_error::<C>(err, self.0, Side::Requests);
                    None
                }
            };
            let dynamic = self.1.decode_frame(self.0);
            match (&typed, &dynamic) {
                (Ok(_), Err(err)) if json.is_none() => assert_no_json_form(err),
                (Ok(frame), Ok(decoded)) => {
                    assert_eq!(decoded.id, frame.id);
                    assert_eq!(decoded.context_carrier, frame.context_carrier);
                    assert!(decoded.error.is_none());
                    let body = decoded.body.as_ref().expect("a request frame has a body");
                    assert_eq!(body.type_tag, frame.body.type_tag());
                    assert_eq!(Some(&body.json), json.as_ref());
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                _ => panic!("typed {typed:?} and run-time {dynamic:?} decoding disagree"),
            }
        }
        fn replies<U: Channel>(self) {
            let typed = decode_response::<U>(self.0);
            if let Ok(RawResponse {
                body: Some(body), ..
            }) = split_response(self.0)
            {
                let speculated = Limits::DEFAULT.decode_msgpack::<U>(body);
                let scanned = scan_then_decode_msgpack::<U>(&Limits::DEFAULT, body);
                assert_same_both_ways(&speculated, &scanned);
            }
            let json = match &typed {
                Ok(frame) => check_response_frame(frame, self.0),
                Err(err) => {
                    check_frame_error::<U>(err, self.0, Side::Responses);
                    None
                }
            };
            let dynamic = self.1.decode_frame(self.0);
            match (&typed, &dynamic) {
                (Ok(frame), Err(err))
                    if frame.body.as_ref().and_then(json_form).is_none()
                        && frame.body.is_some()
                        || frame.error.as_ref().is_some_and(|e| json_form(e).is_none()) =>
                {
                    assert_no_json_form(err)
                }
                (Ok(frame), Ok(decoded)) => {
                    assert_eq!(decoded.id, frame.id);
                    assert_eq!(decoded.error, frame.error);
                    assert!(decoded.context_carrier.is_none());
                    match (&decoded.body, &frame.body) {
                        (Some(body), Some(message)) => {
                            assert_eq!(body.type_tag, message.type_tag());
                            assert_eq!(Some(&body.json), json.as_ref());
                        }
                        (None, None) => {}
                        _ => panic!("typed {typed:?} and run-time {dynamic:?} bodies disagree"),
                    }
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                _ => panic!("typed {typed:?} and run-time {dynamic:?} decoding disagree"),
            }
        }
    }
    let name = ChannelName::ALL[usize::from(selector) % ChannelName::ALL.len()];
    name.visit(Frame(payload, name));
}

/// Decoding without a scan first (`speculated`) gave what scanning first gave: the same value
/// (compared as printed when it holds a NaN), or the same error.
fn assert_same_both_ways<T: PartialEq + Debug, E: ToString>(
    speculated: &Result<T, E>,
    scanned: &Result<T, E>,
) {
    match (speculated, scanned) {
        (Ok(a), Ok(b)) if a == b || format!("{a:?}") == format!("{b:?}") => {}
        (Err(a), Err(b)) if a.to_string() == b.to_string() => {}
        _ => panic!(
            "decoding without a scan gave {:?}, scanning first {:?}",
            speculated.as_ref().map_err(ToString::to_string),
            scanned.as_ref().map_err(ToString::to_string),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Streams

/// Which kind of frame a stream or a payload holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// Request frames, `[id, body, context_carrier]`, read by a supervisor.
    Requests,
    /// Response frames, `[id, body, error]`, read by a child.
    Responses,
}

/// Reads `stream` frame by frame with channel (or reply union) `U` until it ends, checking each
/// frame and each error, and that the reader consumed exactly the bytes the frame announced.
fn read_stream<U: Union>(stream: &[u8], side: Side) {
    let mut reader = FrameReader::new(stream).with_max_frame_len(MAX_FRAME_LEN);
    loop {
        // `&[u8]` as `Read` advances the slice: what is left tells what the reader consumed.
        let before = reader.get_ref().len();
        let at = stream.len() - before;
        let result = match side {
            Side::Requests => reader.read_request::<U>().map(|f| f.map(Decoded::Request)),
            Side::Responses => reader
                .read_response::<U>()
                .map(|f| f.map(Decoded::Response)),
        };
        let consumed = &stream[at..at + before - reader.get_ref().len()];
        let announced = consumed
            .get(..4)
            .map(|prefix| u32::from_be_bytes(prefix.try_into().expect("4 bytes")));
        // The frame's payload, when the reader took a whole frame.
        let whole_frame = || {
            let announced = announced.expect("a whole frame has a length prefix");
            assert_eq!(
                consumed.len() as u64,
                4 + u64::from(announced),
                "the reader must consume exactly the frame it announced, no more, no less"
            );
            &consumed[4..]
        };
        match result {
            Ok(None) => {
                assert_eq!(before, 0, "end of stream reported with {before} bytes left");
                return;
            }
            Ok(Some(Decoded::Request(frame))) => {
                check_request_frame(&frame, whole_frame());
            }
            Ok(Some(Decoded::Response(frame))) => {
                check_response_frame(&frame, whole_frame());
            }
            Err(FrameError::Truncated { expected, got }) => {
                assert_eq!(got, before as u64, "a truncated frame is the stream's rest");
                assert!(reader.get_ref().is_empty());
                match announced {
                    Some(len) => assert_eq!(expected, 4 + u64::from(len)),
                    None => assert_eq!(expected, 4),
                }
                assert!(got < expected);
                return;
            }
            Err(FrameError::TooLarge {
                announced: len,
                max,
            }) => {
                // Refused from the prefix alone: nothing past it was read (or allocated), and the
                // stream cannot be resynchronised, so a supervisor closes it.
                assert_eq!(max, MAX_FRAME_LEN);
                assert_eq!(Some(len), announced);
                assert!(len > max);
                assert_eq!(consumed.len(), 4);
                return;
            }
            Err(err @ (FrameError::Malformed { .. } | FrameError::Body { .. })) => {
                // Recoverable: the frame was read whole, the next one follows.
                check_frame_error::<U>(&err, whole_frame(), side);
            }
            Err(err) => panic!("unexpected error from a stream in memory: {err:?}"),
        }
    }
}

/// A decoded frame of either kind.
enum Decoded<U> {
    Request(RequestFrame<U>),
    Response(ResponseFrame<U>),
}

// ---------------------------------------------------------------------------------------------
// Frame checks

/// The frame id as a reader independent of the crate sees it: the payload starts with a
/// non-empty msgpack array whose first element is an integer (any of them, -2^63 to 2^64 - 1,
/// as msgspec reads them).
fn readable_id(payload: &[u8]) -> Option<FrameId> {
    let (&marker, rest) = payload.split_first()?;
    let (len, rest) = match marker {
        0x90..=0x9f => (u32::from(marker & 0x0f), rest),
        0xdc => (
            u32::from(u16::from_be_bytes(rest.get(..2)?.try_into().ok()?)),
            &rest[2..],
        ),
        0xdd => (
            u32::from_be_bytes(rest.get(..4)?.try_into().ok()?),
            &rest[4..],
        ),
        _ => return None,
    };
    if len == 0 {
        return None;
    }
    let (&marker, rest) = rest.split_first()?;
    let bytes = |n: usize| rest.get(..n);
    Some(match marker {
        0x00..=0x7f => FrameId::from(marker),
        0xe0..=0xff => FrameId::from(marker as i8),
        0xcc => FrameId::from(bytes(1)?[0]),
        0xcd => FrameId::from(u16::from_be_bytes(bytes(2)?.try_into().ok()?)),
        0xce => FrameId::from(u32::from_be_bytes(bytes(4)?.try_into().ok()?)),
        0xcf => FrameId::from(u64::from_be_bytes(bytes(8)?.try_into().ok()?)),
        0xd0 => FrameId::from(bytes(1)?[0] as i8),
        0xd1 => FrameId::from(i16::from_be_bytes(bytes(2)?.try_into().ok()?)),
        0xd2 => FrameId::from(i32::from_be_bytes(bytes(4)?.try_into().ok()?)),
        0xd3 => FrameId::from(i64::from_be_bytes(bytes(8)?.try_into().ok()?)),
        _ => return None,
    })
}

/// A request frame that decoded: its id is the readable one, it re-encodes, the re-encoding
/// decodes to the same id and carrier and encodes to the same bytes; its body's JSON carries the
/// same message. Returns the body's canonical JSON, `None` when it has no JSON form.
fn check_request_frame<C: Union>(frame: &RequestFrame<C>, payload: &[u8]) -> Option<String> {
    assert_eq!(Some(frame.id), readable_id(payload), "frame id");
    let mut first = Vec::new();
    encode_request(frame, &mut first)
        .unwrap_or_else(|err| panic!("a decoded request frame must encode: {err}\n{frame:?}"));
    match decode_request::<C>(&first[4..]) {
        Ok(again) => {
            assert_eq!(again.id, frame.id);
            assert_eq!(again.context_carrier, frame.context_carrier);
            let mut second = Vec::new();
            encode_request(&again, &mut second).expect("encodes once, encodes again");
            assert_eq!(first, second, "encoding must be a fixed point");
        }
        Err(err) if beyond_python_years(&err) => {}
        Err(err) => {
            panic!("a re-encoded request frame must decode: {err}\n{frame:?}\n{first:02x?}")
        }
    }

    let (json, from_json) = check_body_json(&frame.body)?;
    let mut third = Vec::new();
    let frame_from_json = RequestFrame {
        id: frame.id,
        body: &from_json,
        context_carrier: frame.context_carrier.clone(),
    };
    encode_request(&frame_from_json, &mut third).expect("a message from JSON encodes");
    assert!(
        third == first || not_exact_in_json(&frame.body),
        "JSON and msgpack carry different messages:\n{frame:?}\n{from_json:?}\n{json}"
    );
    Some(json)
}

/// A response frame that decoded: as [`check_request_frame`], for the body and the error slot.
/// Returns the body's canonical JSON, if there is a body.
fn check_response_frame<U: Union>(frame: &ResponseFrame<U>, payload: &[u8]) -> Option<String> {
    assert_eq!(Some(frame.id), readable_id(payload), "frame id");
    assert!(
        frame.body.is_none() || frame.error.is_none(),
        "a body next to an error is ignored, as the SDK ignores it"
    );
    let mut first = Vec::new();
    encode_response(frame, &mut first)
        .unwrap_or_else(|err| panic!("a decoded response frame must encode: {err}\n{frame:?}"));
    match decode_response::<U>(&first[4..]) {
        Ok(again) => {
            assert_eq!(again.id, frame.id);
            assert_eq!(again.error, frame.error);
            assert_eq!(again.body.is_some(), frame.body.is_some());
            let mut second = Vec::new();
            encode_response(&again, &mut second).expect("encodes once, encodes again");
            assert_eq!(first, second, "encoding must be a fixed point");
        }
        Err(err) if beyond_python_years(&err) => {}
        Err(err) => {
            panic!("a re-encoded response frame must decode: {err}\n{frame:?}\n{first:02x?}")
        }
    }

    if let Some(error) = &frame.error {
        // Every reply union carries `ErrorResponse`: the slot's content is a message of it.
        if let Some(json) = json_form(error) {
            let decoded = decode_json::<U>(&json)
                .unwrap_or_else(|err| panic!("the error slot's JSON must decode: {err}\n{json}"));
            assert_eq!(to_json(&decoded), json);
        }
    }
    let body = frame.body.as_ref()?;
    let (json, from_json) = check_body_json(body)?;
    let mut third = Vec::new();
    let frame_from_json = ResponseFrame {
        id: frame.id,
        body: Some(&from_json),
        error: frame.error.clone(),
    };
    encode_response(&frame_from_json, &mut third).expect("a message from JSON encodes");
    assert!(
        third == first || not_exact_in_json(body),
        "JSON and msgpack carry different messages:\n{frame:?}\n{from_json:?}\n{json}"
    );
    Some(json)
}

/// A body decoded from msgpack, written as JSON (what the CLI and a JSON peer see), decodes
/// again, and that JSON is canonical (writing it again gives the same text). Returns the JSON
/// and the message decoded from it, which the caller checks encodes to the same frame as the
/// body: JSON and msgpack carry the same message. The one tolerated difference: msgpack can
/// carry NaN and infinities in a float field, which JSON writes as `null`, as pydantic does.
fn check_body_json<U: Union>(body: &U) -> Option<(String, U)> {
    let json = json_form(body)?;
    let decoded = match decode_json::<U>(&json) {
        Ok(decoded) => decoded,
        // A frame may nest an `Any` value deeper than JSON text may nest (pydantic's JSON
        // parser stops at 200 levels too).
        Err(err) if err.to_string().contains("nested more than") => return None,
        Err(err) => panic!("the JSON of a decoded body must decode: {err}\n{json}"),
    };
    assert_eq!(
        to_json(&decoded),
        json,
        "canonical JSON must be a fixed point"
    );
    Some((json, decoded))
}

/// Checks a frame error against the payload it was about (`payload` is empty for a frame of
/// length 0): the id it carries, the decode error inside, and the refusal a supervisor sends.
fn check_frame_error<U: Union>(err: &FrameError, payload: &[u8], side: Side) {
    let _ = err.to_string();
    match err {
        FrameError::Malformed { id, .. } => {
            assert_eq!(*id, readable_id(payload), "malformed frame: {err}");
        }
        FrameError::Body { id, error } => {
            assert_eq!(Some(*id), readable_id(payload), "refused body: {err}");
            if error.channel() == U::NAME {
                check_decode_error::<U>(error);
            } else {
                // The one other union: the error slot of a response frame.
                assert_eq!(side, Side::Responses, "{err}");
                assert_eq!(error.channel(), "ErrorSlot", "{err}");
            }
        }
        other => panic!("a decoded payload gave {other:?}"),
    }
    if side == Side::Requests {
        check_refusal(err);
    }
}

/// A supervisor answers a refused request whose id it knows: the refusal must encode, and the
/// child (whose replies are a `ToTask`-like union with `ErrorResponse`) must decode it.
fn check_refusal(err: &FrameError) {
    let answer = refusal(err);
    assert_eq!(answer.as_ref().map(|frame| frame.id), err.frame_id());
    let Some(answer) = answer else {
        return;
    };
    let mut bytes = Vec::new();
    encode_response(&answer, &mut bytes).expect("a refusal encodes");
    let back = decode_response::<airflow_comms::ToTask>(&bytes[4..])
        .unwrap_or_else(|e| panic!("the child must decode the refusal: {e}\n{answer:?}"));
    assert_eq!(back.id, answer.id);
    assert!(back.body.is_none());
    assert_eq!(back.error, answer.error);
}

// ---------------------------------------------------------------------------------------------
// JSON checks

/// Decodes `text` with `U` and checks the result against an independent parse of the text, the
/// JSON round trip, the frame round trip and (for a channel) the run-time API.
fn check_json<U: Union>(text: &str, name: Option<ChannelName>, side: Side) {
    let result = decode_json::<U>(text);
    let parsed = serde_json::from_str::<serde_json::Value>(text);
    match (&result, &parsed) {
        (Err(err @ DecodeError::Malformed { .. }), Ok(serde_json::Value::Object(_))) => {
            panic!("serde_json reads {text:?} as an object, decode_json refuses it: {err}")
        }
        (Err(DecodeError::Malformed { .. }), _) => {}
        (_, Ok(serde_json::Value::Object(object))) => check_tag::<U>(&result, object.get("type")),
        (_, Err(parse)) if parse.to_string().contains("recursion limit") => {
            // Deeper than serde_json's own limit: the crate's limit decides, not this oracle.
        }
        _ => panic!("{text:?} is not a JSON object, yet decoding gave {result:?}"),
    }
    if let Err(err) = &result {
        assert_eq!(err.channel(), U::NAME);
        let _ = err.to_string();
    }

    if let Some(name) = name {
        // The run-time API agrees with the typed one.
        let canonical = name.canonicalize_json(text);
        match (&result, &canonical) {
            (Ok(message), Ok(json)) => assert_eq!(*json, to_json(message)),
            (Err(a), Err(b)) => assert_eq!(a, b),
            _ => panic!("decode_json gave {result:?}, canonicalize_json {canonical:?}"),
        }
    }

    let Ok(message) = result else {
        return;
    };
    if let Ok(value) = parsed {
        // The same message, parsed into a tree first, decodes too.
        if let Err(err) = decode_value::<U>(value) {
            panic!("decode_json accepts {text:?}, decode_value refuses it: {err}");
        }
    }

    // JSON round trip: canonical text decodes again and is a fixed point.
    let json = to_json(&message);
    let again = decode_json::<U>(&json)
        .unwrap_or_else(|err| panic!("canonical JSON must decode: {err}\n{json}"));
    assert_eq!(
        to_json(&again),
        json,
        "canonical JSON must be a fixed point"
    );

    // Frame round trip: whatever encodes decodes, and the encoding is a fixed point.
    let mut bytes = Vec::new();
    let encoded = match side {
        Side::Requests => encode_request(&RequestFrame::<U>::new(7, message.clone()), &mut bytes),
        Side::Responses => {
            encode_response(&ResponseFrame::<U>::reply(7, message.clone()), &mut bytes)
        }
    };
    match &encoded {
        Ok(()) => {
            // The canonical JSON carries the same message: it encodes to the same bytes.
            let mut from_canonical = Vec::new();
            match side {
                Side::Requests => {
                    encode_request(&RequestFrame::<&U>::new(7, &again), &mut from_canonical)
                }
                Side::Responses => {
                    encode_response(&ResponseFrame::<&U>::reply(7, &again), &mut from_canonical)
                }
            }
            .expect("what encoded once encodes again");
            assert!(
                from_canonical == bytes,
                "canonical JSON changed the message:\n{json}"
            );
            let payload = &bytes[4..];
            match side {
                Side::Requests => match decode_request::<U>(payload) {
                    Ok(frame) => {
                        check_request_frame(&frame, payload);
                    }
                    Err(err) if beyond_python_years(&err) => {}
                    Err(err) => panic!("an encoded message must decode: {err}\n{json}"),
                },
                Side::Responses => match decode_response::<U>(payload) {
                    Ok(frame) => {
                        check_response_frame(&frame, payload);
                    }
                    Err(err) if beyond_python_years(&err) => {}
                    Err(err) => panic!("an encoded message must decode: {err}\n{json}"),
                },
            }
        }
        Err(FrameError::Encode { id, reason }) => {
            // msgpack (and msgspec) cannot carry integers beyond 64 bits; nothing else fails
            // (except, should the encoder come to refuse them, date-times beyond Python's years).
            assert_eq!(*id, 7);
            assert!(
                reason.contains("does not fit in 64 bits") || reason.contains("9999"),
                "{reason}\n{json}"
            );
        }
        Err(other) => panic!("encoding into a Vec gave {other:?}"),
    }

    if let Some(name) = name {
        // The run-time frame API: encode from JSON text, decode the frame again.
        let mut out = Vec::new();
        match name.encode_json_frame(7, text, &mut out) {
            Ok(()) => match name.decode_frame(&out[4..]) {
                Ok(decoded) => {
                    assert_eq!(decoded.id, 7);
                    let body = decoded.body.expect("a frame written with a body");
                    assert_eq!(body.type_tag, message.type_tag());
                }
                Err(err) if beyond_python_years(&err) => {}
                Err(err) => panic!("encode_json_frame wrote an undecodable frame: {err}"),
            },
            Err(EncodeError::Frame(FrameError::Encode { .. })) => {
                assert!(
                    encoded.is_err(),
                    "only the typed encoder's refusals may recur"
                );
            }
            Err(err) => panic!("decode_json accepted {text:?}, encode_json_frame gives {err}"),
        }
    }
}

/// The error (or success) of decoding an object whose `"type"` key holds `tag`.
fn check_tag<U: Union>(result: &Result<U, DecodeError>, tag: Option<&serde_json::Value>) {
    match (tag, result) {
        (
            None,
            Err(DecodeError::UnknownType {
                tag: UnknownTag::Missing,
                ..
            }),
        ) => {}
        (Some(serde_json::Value::String(_)), _) => {}
        (
            Some(_),
            Err(DecodeError::UnknownType {
                tag: UnknownTag::NotAString(_),
                ..
            }),
        ) => {}
        _ => panic!("`type` is {tag:?}, yet decoding gave {result:?}"),
    }
    let Some(serde_json::Value::String(tag)) = tag else {
        return;
    };
    match result {
        Ok(message) => assert_eq!(message.type_tag(), tag),
        Err(err) => {
            assert_eq!(err.type_tag(), Some(tag.as_str()), "{err}");
            check_decode_error::<U>(err);
        }
    }
}

/// A decode error's kind agrees with its tag: `Invalid` for a member of `U`, `NotPermitted` for
/// another Airflow message, `UnknownType` for a tag no channel knows.
fn check_decode_error<U: Union>(err: &DecodeError) {
    assert_eq!(err.channel(), U::NAME, "{err}");
    match err {
        DecodeError::Invalid { type_tag, .. } => {
            assert!(U::permits(type_tag), "{err}")
        }
        DecodeError::NotPermitted {
            type_tag, policy, ..
        } => {
            assert!(!U::permits(type_tag), "{err}");
            assert!(is_airflow_message_type(type_tag), "{err}");
            assert!(policy.is_none(), "no policy was in play: {err}");
        }
        DecodeError::UnknownType {
            tag: UnknownTag::Unknown(tag),
            ..
        } => {
            assert!(!is_airflow_message_type(tag), "{err}")
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// Whether a frame that was just encoded is refused only because a date-time in it lies outside
/// years 1 to 9999 in UTC (`9999-12-31T23:00:00-01:00` is year 10000 in UTC). msgspec writes such
/// a date-time as a timestamp and refuses that timestamp when reading it back, and the crate
/// mirrors both sides; the targets tolerate exactly this refusal of a re-encoded frame.
fn beyond_python_years(err: &FrameError) -> bool {
    err.to_string().contains("years 1 to 9999")
}

/// Compact JSON of a message, `None` when it has no JSON form: bytes that are not UTF-8 or an
/// extension value other than a timestamp in an `Any`-typed field, which pydantic cannot dump
/// as JSON either. Any other failure to serialize is a bug.
fn json_form<T: serde::Serialize + Debug>(message: &T) -> Option<String> {
    match serde_json::to_string(message) {
        Ok(json) => Some(json),
        Err(err) if err.to_string().contains("no JSON form") => None,
        Err(err) => panic!("a decoded message must serialize to JSON: {err}\n{message:?}"),
    }
}

/// The run-time API's refusal of a frame whose body has no JSON form.
fn assert_no_json_form(err: &FrameError) {
    assert!(
        matches!(err, FrameError::Encode { .. }) && err.to_string().contains("no JSON form"),
        "{err}"
    );
}

/// Compact JSON of a message that was built from JSON, which always has a JSON form.
fn to_json<T: serde::Serialize + Debug>(message: &T) -> String {
    serde_json::to_string(message).unwrap_or_else(|err| {
        panic!("a decoded message must serialize to JSON: {err}\n{message:?}")
    })
}

/// Whether `message` holds a value whose JSON form reads back as another value: NaN or an
/// infinity in a float field (written as `null` or refused), or, in an `Any`-typed field, a
/// date-time, bytes, an extension value or a map key that is not a string (written as text).
/// Seen in its `Debug` output: a string that happens to look like one only makes a check more
/// lenient, never wrong.
fn not_exact_in_json<T: Debug>(message: &T) -> bool {
    let debug = format!("{message:?}");
    let non_string_key = ["AnyDict([(", "), ("].iter().any(|opening| {
        debug
            .match_indices(opening)
            .any(|(at, _)| !debug[at + opening.len()..].starts_with("String("))
    });
    non_string_key
        || ["NaN", "inf", "DateTime(", "Bytes(", "Ext {"]
            .iter()
            .any(|marker| debug.contains(marker))
}
