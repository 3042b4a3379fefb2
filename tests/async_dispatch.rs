//! The async supervisor side (`AsyncHandle`, `dispatch_async`, and with feature `tokio`,
//! `serve`): it answers as the synchronous dispatch does, byte for byte, and `serve` gives every
//! frame that can be answered exactly one answer.
#![cfg(feature = "tokio")]

use airflow_comms::ChildCodec;
use airflow_comms::client::{AsyncClient, ClientError};
use airflow_comms::dispatch::{AsyncDispatch, AsyncHandle, Dispatch, Handle, serve};
use airflow_comms::frame::{RequestFrame, encode_request};
use airflow_comms::request::{ConnectionReply, VariableReply};
use airflow_comms::*;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio_util::codec::FramedRead;

/// Answers the callback channel from fixed data; the same answers sync and async.
#[derive(Default)]
struct Secrets {
    masked: Vec<String>,
}

impl Secrets {
    fn connection(&self, request: GetConnection) -> Result<ConnectionReply, ErrorResponse> {
        match request.conn_id.as_str() {
            "down" => Err(ErrorResponse {
                error: ErrorType::ApiServerError,
                detail: Some(
                    [("message", "the API is down".to_owned())]
                        .into_iter()
                        .collect(),
                ),
            }),
            _ => Ok(ConnectionReply::ErrorResponse(ErrorResponse {
                error: ErrorType::ConnectionNotFound,
                detail: Some([("conn_id", request.conn_id)].into_iter().collect()),
            })),
        }
    }

    fn variable(&self, request: GetVariable) -> Result<VariableReply, ErrorResponse> {
        Ok(VariableReply::VariableResult(VariableResult {
            value: Some(format!("value of {}", request.key)),
            key: request.key,
        }))
    }

    fn keys(&self) -> Result<VariableKeysResult, ErrorResponse> {
        Ok(VariableKeysResult {
            keys: vec!["a".into(), "b".into()],
            total_entries: 2,
        })
    }

    fn mask(&mut self, request: MaskSecret) -> Result<(), ErrorResponse> {
        self.masked.push(format!("{:?}", request));
        Ok(())
    }
}

impl Handle<GetConnection> for Secrets {
    fn handle(&mut self, request: GetConnection) -> Result<ConnectionReply, ErrorResponse> {
        self.connection(request)
    }
}
impl Handle<GetVariable> for Secrets {
    fn handle(&mut self, request: GetVariable) -> Result<VariableReply, ErrorResponse> {
        self.variable(request)
    }
}
impl Handle<GetVariableKeys> for Secrets {
    fn handle(&mut self, _: GetVariableKeys) -> Result<VariableKeysResult, ErrorResponse> {
        self.keys()
    }
}
impl Handle<MaskSecret> for Secrets {
    fn handle(&mut self, request: MaskSecret) -> Result<(), ErrorResponse> {
        self.mask(request)
    }
}

// The async answers await before answering, as a call to the Execution API would.
impl AsyncHandle<GetConnection> for Secrets {
    async fn handle(&mut self, request: GetConnection) -> Result<ConnectionReply, ErrorResponse> {
        tokio::task::yield_now().await;
        self.connection(request)
    }
}
impl AsyncHandle<GetVariable> for Secrets {
    async fn handle(&mut self, request: GetVariable) -> Result<VariableReply, ErrorResponse> {
        tokio::task::yield_now().await;
        self.variable(request)
    }
}
impl AsyncHandle<GetVariableKeys> for Secrets {
    async fn handle(&mut self, _: GetVariableKeys) -> Result<VariableKeysResult, ErrorResponse> {
        tokio::task::yield_now().await;
        self.keys()
    }
}
impl AsyncHandle<MaskSecret> for Secrets {
    async fn handle(&mut self, request: MaskSecret) -> Result<(), ErrorResponse> {
        tokio::task::yield_now().await;
        self.mask(request)
    }
}

fn requests() -> Vec<CallbackToSupervisor> {
    let mask: MaskSecret =
        serde_json::from_str(r#"{"value": "hunter2", "name": "password", "type": "MaskSecret"}"#)
            .unwrap();
    vec![
        GetConnection {
            conn_id: "warehouse".into(),
        }
        .into(),
        GetConnection {
            conn_id: "down".into(),
        }
        .into(),
        GetVariable {
            key: "region".into(),
        }
        .into(),
        serde_json::from_str::<GetVariableKeys>(r#"{"prefix": "a", "type": "GetVariableKeys"}"#)
            .unwrap()
            .into(),
        mask.into(),
    ]
}

#[tokio::test(flavor = "current_thread")]
async fn async_dispatch_answers_byte_for_byte_as_the_sync_one() {
    let (mut sync, mut by_fn, mut by_trait) =
        (Secrets::default(), Secrets::default(), Secrets::default());
    for (id, request) in requests().into_iter().enumerate() {
        let frame = RequestFrame::<CallbackToSupervisor>::new(id as i64, request);
        let mut expected = Vec::new();
        Dispatch::dispatch(&mut sync, frame.clone(), &mut expected).unwrap();
        let mut got = Vec::new();
        CallbackToSupervisor::dispatch_async(frame.clone(), &mut by_fn, &mut got)
            .await
            .unwrap();
        assert_eq!(got, expected, "request {id}: dispatch_async");
        got.clear();
        AsyncDispatch::dispatch(&mut by_trait, frame, &mut got)
            .await
            .unwrap();
        assert_eq!(got, expected, "request {id}: AsyncDispatch");
    }
    assert_eq!(by_fn.masked, sync.masked);
    assert_eq!(by_trait.masked.len(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn serve_answers_typed_replies_and_errors_then_ends_with_the_stream() {
    let (child_end, supervisor_end) = tokio::io::duplex(256);
    let supervisor = tokio::spawn(async move {
        let mut secrets = Secrets::default();
        serve::<CallbackToSupervisor, _, _>(supervisor_end, &mut secrets, Limits::DEFAULT)
            .await
            .map(|()| secrets.masked.len())
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
            value: Some("value of region".into())
        })
    );
    let reply = client
        .send(GetConnection {
            conn_id: "warehouse".into(),
        })
        .await
        .unwrap();
    assert!(
        matches!(reply, ConnectionReply::ErrorResponse(ref e) if e.error == ErrorType::ConnectionNotFound),
        "{reply:?}"
    );
    match client
        .send(GetConnection {
            conn_id: "down".into(),
        })
        .await
    {
        Err(ClientError::Failed { id, error }) => {
            assert_eq!(id, FrameId::from(2));
            assert_eq!(error.error, ErrorType::ApiServerError);
        }
        other => panic!("expected the error slot, got {other:?}"),
    }
    let mask: MaskSecret =
        serde_json::from_str(r#"{"value": "x", "name": null, "type": "MaskSecret"}"#).unwrap();
    client.send(mask).await.unwrap();
    drop(client);
    assert_eq!(supervisor.await.unwrap().unwrap(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn serve_refuses_what_it_cannot_answer_and_skips_what_has_no_id() {
    let (child_end, supervisor_end) = tokio::io::duplex(256);
    let supervisor = tokio::spawn(async move {
        serve::<CallbackToSupervisor, _, _>(
            supervisor_end,
            &mut Secrets::default(),
            Limits::DEFAULT,
        )
        .await
    });
    let (read, mut write) = tokio::io::split(child_end);
    let mut replies = FramedRead::new(read, ChildCodec::<ToTask>::new());

    // A task-only request on the callback channel: refused with PERMISSION_DENIED, under its id.
    let mut bytes = Vec::new();
    let succeed: SucceedTask = serde_json::from_str(
        r#"{"end_date": "2026-11-22T10:00:00Z", "task_outlets": [], "outlet_events": [], "type": "SucceedTask"}"#,
    )
    .unwrap();
    encode_request(
        &RequestFrame::<TaskToSupervisor>::new(7, succeed),
        &mut bytes,
    )
    .unwrap();
    // A frame of length 0 has no id: nothing to answer, and the next frame is read.
    bytes.extend_from_slice(&[0, 0, 0, 0]);
    encode_request(
        &RequestFrame::<CallbackToSupervisor>::new(8, GetVariable { key: "k".into() }),
        &mut bytes,
    )
    .unwrap();
    write.write_all(&bytes).await.unwrap();

    let refused = replies.next().await.unwrap().unwrap().unwrap();
    assert_eq!(refused.id, FrameId::from(7));
    let error = refused.error.expect("an error frame");
    assert_eq!(error.error, ErrorType::PermissionDenied);
    let detail = serde_json::to_string(&error.detail).unwrap();
    assert!(detail.contains("SucceedTask"), "{detail}");

    let answered = replies.next().await.unwrap().unwrap().unwrap();
    assert_eq!(answered.id, FrameId::from(8));
    assert!(matches!(answered.body, Some(ToTask::VariableResult(_))));

    // A stream cut inside a frame ends the loop with the stream's error.
    write.write_all(&[0, 0, 0, 9, 1]).await.unwrap();
    drop(write);
    drop(replies);
    match supervisor.await.unwrap() {
        Err(FrameError::Truncated { expected, got }) => assert_eq!((expected, got), (13, 5)),
        other => panic!("expected a truncated stream, got {other:?}"),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn serve_runs_one_task_per_child() {
    // The handler's futures are `Send`: each child is served on its own task.
    let mut children = Vec::new();
    for n in 0..4 {
        let (child_end, supervisor_end) = tokio::io::duplex(256);
        tokio::spawn(async move {
            serve::<CallbackToSupervisor, _, _>(
                supervisor_end,
                &mut Secrets::default(),
                Limits::DEFAULT,
            )
            .await
        });
        children.push(tokio::spawn(async move {
            let mut client = AsyncClient::<CallbackToSupervisor, _>::new(child_end);
            client
                .send(GetVariable {
                    key: format!("k{n}"),
                })
                .await
                .unwrap()
        }));
    }
    for (n, child) in children.into_iter().enumerate() {
        let VariableReply::VariableResult(result) = child.await.unwrap() else {
            panic!("child {n}: not a variable");
        };
        assert_eq!(result.value, Some(format!("value of k{n}")));
    }
}
