//! The tokio codecs (feature `tokio`): a refused body does not end the stream, a hostile length
//! is refused up front, and a stream that stops inside a frame ends with an error.
#![cfg(feature = "tokio")]

use airflow_comms::frame::{RequestFrame, ResponseFrame, encode_request};
use airflow_comms::{
    CallbackToSupervisor, DecodeErrorKind, FrameError, GetConnection, TaskState, TaskStateOutcome,
    TaskToSupervisor, ToTask,
};
use airflow_comms::{ChildCodec, SupervisorCodec};
use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio_util::codec::{FramedRead, FramedWrite};

mod common;

fn request(id: i64, body: impl Into<TaskToSupervisor>) -> Vec<u8> {
    let mut out = Vec::new();
    encode_request(
        &RequestFrame::<TaskToSupervisor>::new(id, body.into()),
        &mut out,
    )
    .unwrap();
    out
}

#[tokio::test(flavor = "current_thread")]
async fn refused_bodies_keep_the_stream_in_sync_and_truncation_ends_it() {
    let (mut writer, reader) = tokio::io::duplex(64);
    let feeder = tokio::spawn(async move {
        // Written in small chunks: frames arrive split across reads.
        let mut bytes = request(
            0,
            GetConnection {
                conn_id: "a".into(),
            },
        );
        bytes.extend(request(
            1,
            TaskState {
                state: TaskStateOutcome::Failed,
                end_date: None,
                rendered_map_index: None,
            },
        ));
        bytes.extend(request(
            2,
            GetConnection {
                conn_id: "b".into(),
            },
        ));
        bytes.extend([0, 0, 0, 20, 0x93, 0x03]);
        for chunk in bytes.chunks(7) {
            writer.write_all(chunk).await.unwrap();
        }
    });
    let mut frames = FramedRead::new(reader, SupervisorCodec::<CallbackToSupervisor>::new());
    assert_eq!(frames.next().await.unwrap().unwrap().unwrap().id, 0);
    match frames.next().await.unwrap().unwrap() {
        Err(FrameError::Body { id, error }) if id == 1 => {
            assert_eq!(error.kind(), DecodeErrorKind::NotPermitted)
        }
        other => panic!("expected frame 1 to be refused, got {other:?}"),
    }
    assert_eq!(frames.next().await.unwrap().unwrap().unwrap().id, 2);
    feeder.await.unwrap();
    assert!(matches!(
        frames.next().await,
        Some(Err(FrameError::Truncated {
            expected: 24,
            got: 6
        }))
    ));
}

/// A frame of length 0 is that frame's error, as for the blocking `FrameReader`: the stream
/// goes on (found by the fuzzing campaign's review: it used to end the stream).
#[tokio::test(flavor = "current_thread")]
async fn a_frame_of_length_zero_does_not_end_the_stream() {
    let mut bytes = request(
        0,
        GetConnection {
            conn_id: "a".into(),
        },
    );
    bytes.extend([0, 0, 0, 0]);
    bytes.extend(request(
        1,
        GetConnection {
            conn_id: "b".into(),
        },
    ));
    let mut frames = FramedRead::new(&bytes[..], SupervisorCodec::<TaskToSupervisor>::new());
    assert_eq!(frames.next().await.unwrap().unwrap().unwrap().id, 0);
    assert!(matches!(
        frames.next().await,
        Some(Ok(Err(FrameError::Malformed { id: None, .. })))
    ));
    assert_eq!(frames.next().await.unwrap().unwrap().unwrap().id, 1);
    assert!(frames.next().await.is_none());

    // The same through the blocking reader.
    let mut reader = airflow_comms::frame::FrameReader::new(&bytes[..]);
    assert_eq!(
        reader
            .read_request::<TaskToSupervisor>()
            .unwrap()
            .unwrap()
            .id,
        0
    );
    assert!(matches!(
        reader.read_request::<TaskToSupervisor>(),
        Err(FrameError::Malformed { id: None, .. })
    ));
    assert_eq!(
        reader
            .read_request::<TaskToSupervisor>()
            .unwrap()
            .unwrap()
            .id,
        1
    );
    assert!(reader.read_request::<TaskToSupervisor>().unwrap().is_none());
}

#[tokio::test(flavor = "current_thread")]
async fn a_hostile_length_is_refused_before_buffering() {
    let (mut writer, reader) = tokio::io::duplex(64);
    writer
        .write_all(&[0xff, 0xff, 0xff, 0xff, 0x93])
        .await
        .unwrap();
    let mut frames = FramedRead::new(reader, SupervisorCodec::<TaskToSupervisor>::new());
    assert!(matches!(
        frames.next().await,
        Some(Err(FrameError::TooLarge {
            announced: u32::MAX,
            ..
        }))
    ));
    assert!(
        frames.read_buffer().capacity() < 1 << 20,
        "no room was reserved for the frame"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn the_child_side_reads_replies() {
    let (writer, reader) = tokio::io::duplex(1024);
    let mut supervisor = FramedWrite::new(writer, SupervisorCodec::<TaskToSupervisor>::new());
    let mut child = FramedRead::new(reader, ChildCodec::<ToTask>::new());
    supervisor
        .send(ResponseFrame::<ToTask>::empty(4))
        .await
        .unwrap();
    let reply = child.next().await.unwrap().unwrap().unwrap();
    assert_eq!((reply.id, reply.body, reply.error), (4.into(), None, None));
}

#[tokio::test(flavor = "current_thread")]
async fn the_async_client_sends_typed_requests_and_gets_typed_replies() {
    use airflow_comms::client::{AsyncClient, ClientError};
    use airflow_comms::request::VariableReply;
    use airflow_comms::{ErrorResponse, ErrorType, GetVariable, VariableResult};

    let (child_end, supervisor_end) = tokio::io::duplex(4096);
    let supervisor = tokio::spawn(async move {
        let mut frames = tokio_util::codec::Framed::new(
            supervisor_end,
            SupervisorCodec::<CallbackToSupervisor>::new(),
        );
        let first = frames.next().await.unwrap().unwrap().unwrap();
        frames
            .send(ResponseFrame::<ToTask>::reply(
                first.id,
                VariableResult {
                    key: "region".into(),
                    value: Some("eu".into()),
                },
            ))
            .await
            .unwrap();
        let second = frames.next().await.unwrap().unwrap().unwrap();
        let error = ErrorResponse {
            error: ErrorType::ApiServerError,
            detail: None,
        };
        frames
            .send(ResponseFrame::<ToTask>::error(second.id, error))
            .await
            .unwrap();
    });
    let mut client = AsyncClient::<CallbackToSupervisor, _>::new(child_end);
    let reply = client
        .send(GetVariable {
            key: "region".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        reply,
        VariableReply::VariableResult(VariableResult {
            key: "region".into(),
            value: Some("eu".into())
        })
    );
    match client
        .send(GetVariable {
            key: "other".into(),
        })
        .await
    {
        Err(ClientError::Failed { id, error }) if id == 1 => {
            assert_eq!(error.error, ErrorType::ApiServerError)
        }
        other => panic!("expected the error slot to fail the request, got {other:?}"),
    }
    supervisor.await.unwrap();
}

/// The task side's first step over TCP: receive `StartupDetails` (unprompted), skip a frame
/// of length 0, then send requests with the trace context set.
#[tokio::test(flavor = "current_thread")]
async fn the_async_client_receives_the_first_frame_over_tcp() {
    use airflow_comms::client::AsyncClient;
    use airflow_comms::frame::ContextCarrier;
    use airflow_comms::{GetVariable, VariableResult};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let startup = common::read_jsonl("tests/corpus/frames/to-task.jsonl")
        .into_iter()
        .find(|case| case["case"] == "StartupDetails/full")
        .map(|case| common::unhex(case["frame"].as_str().unwrap()))
        .unwrap();
    let supervisor = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut frames =
            tokio_util::codec::Framed::new(stream, SupervisorCodec::<TaskToSupervisor>::new());
        frames.get_mut().write_all(&startup).await.unwrap();
        frames.get_mut().write_all(&[0, 0, 0, 0]).await.unwrap();
        let request = frames.next().await.unwrap().unwrap().unwrap();
        assert_eq!(request.id, 0);
        let carrier = request.context_carrier.clone().expect("the trace context");
        frames
            .send(ResponseFrame::<ToTask>::reply(
                request.id,
                VariableResult {
                    key: "k".into(),
                    value: None,
                },
            ))
            .await
            .unwrap();
        carrier
    });
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let carrier: ContextCarrier =
        serde_json::from_value(serde_json::json!({"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}))
            .unwrap();
    let mut client =
        AsyncClient::<TaskToSupervisor, _>::new(stream).with_context_carrier(Some(carrier.clone()));
    // The corpus frame carries the id the SDK wrote it with; the supervisor uses 0.
    let first = client.receive::<ToTask>().await.unwrap().unwrap();
    assert!(matches!(first.body, Some(ToTask::StartupDetails(_))));
    let zero = client.receive::<ToTask>().await.unwrap_err();
    assert!(
        matches!(zero, FrameError::Malformed { .. }) && !zero.is_stream_fatal(),
        "{zero:?}"
    );
    let reply = client.send(GetVariable { key: "k".into() }).await.unwrap();
    assert!(matches!(
        reply,
        airflow_comms::request::VariableReply::VariableResult(_)
    ));
    assert_eq!(supervisor.await.unwrap(), carrier);
    assert!(client.receive::<ToTask>().await.unwrap().is_none());
}
