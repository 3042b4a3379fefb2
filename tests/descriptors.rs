//! Unix descriptors (`peer::fds`): descriptor passing (`SCM_RIGHTS`) for `ResendLoggingFD` /
//! `SentFDs` in both directions, and taking the inherited fd 0 in a child process.
//!
//! The Python SDK's side of both is checked by `tools/interop/descriptors.py` (run by `.ci/run`).
#![cfg(unix)]

use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};

use airflow_comms::client::{Client, ClientError};
use airflow_comms::fds::{
    InheritedStreamError, inherited_stdin, read_frame_with_fds, send_sent_fds, send_with_fds,
};
use airflow_comms::frame::{FrameReader, FrameWriter, ResponseFrame, split_response};
use airflow_comms::*;

/// Checks that `fd` is a working socket whose peer is `peer`: bytes written on one end come out
/// of the other, both ways.
fn assert_connected(fd: OwnedFd, mut peer: UnixStream) {
    let mut passed = UnixStream::from(fd);
    passed.write_all(b"through the passed descriptor").unwrap();
    let mut got = [0u8; 29];
    peer.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"through the passed descriptor");
    peer.write_all(b"back").unwrap();
    let mut back = [0u8; 4];
    passed.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"back");
}

#[test]
fn sent_fds_reply_carries_a_working_descriptor_and_the_supervisors_numbers() {
    let (child, supervisor) = UnixStream::pair().unwrap();
    let (kept, passed) = UnixStream::pair().unwrap();
    send_sent_fds(&supervisor, 5, &[passed.as_fd()]).unwrap();
    let supervisor_number = std::os::fd::AsRawFd::as_raw_fd(&passed);
    drop(passed);

    let mut payload = Vec::new();
    let received = read_frame_with_fds(&child, &mut payload, 1 << 20, 1)
        .unwrap()
        .expect("a frame");
    assert!(!received.truncated);
    assert_eq!(received.fds.len(), 1);
    let raw = split_response(&payload).unwrap();
    assert_eq!(raw.id, FrameId::from(5));
    let body: SentFDs = decode::decode_msgpack_message(raw.body.unwrap()).unwrap();
    // As Airflow's supervisor sends it: the numbers as the supervisor knows them.
    assert_eq!(body.fds, vec![i64::from(supervisor_number)]);
    let fd = received.fds.into_iter().next().unwrap();
    assert_connected(fd, kept);
}

#[test]
fn a_long_frame_with_several_descriptors_arrives_whole() {
    let (child, supervisor) = UnixStream::pair().unwrap();
    let (kept, passed): (Vec<_>, Vec<_>) = (0..3).map(|_| UnixStream::pair().unwrap()).unzip();
    // Longer than a socket buffer: the data goes in several chunks, the descriptors with the first.
    let mut frame = Vec::new();
    let big = "x".repeat(1 << 20);
    FrameWriter::new(&mut frame)
        .write_response(&ResponseFrame::<VariableResult>::reply(
            9,
            VariableResult {
                key: "k".into(),
                value: Some(big.clone()),
            },
        ))
        .unwrap();
    let sender = std::thread::spawn(move || {
        let fds: Vec<_> = passed.iter().map(|passed| passed.as_fd()).collect();
        send_with_fds(&supervisor, &frame, &fds).unwrap();
    });
    let mut payload = Vec::new();
    let received = read_frame_with_fds(&child, &mut payload, 8 << 20, 3)
        .unwrap()
        .unwrap();
    sender.join().unwrap();
    assert_eq!(received.fds.len(), 3);
    let reply: ResponseFrame<ToTask> = airflow_comms::frame::decode_response(&payload).unwrap();
    assert!(matches!(reply.body, Some(ToTask::VariableResult(v)) if v.value == Some(big)));
    for (fd, kept) in received.fds.into_iter().zip(kept) {
        assert_connected(fd, kept);
    }
}

#[test]
fn client_resend_logging_fd_round_trip() {
    let (child, supervisor) = UnixStream::pair().unwrap();
    let (kept, passed) = UnixStream::pair().unwrap();
    let server = std::thread::spawn(move || {
        let mut reader = FrameReader::new(&supervisor);
        // A late reply to a request given up earlier comes first; then three exchanges.
        let request = reader.read_request::<TaskToSupervisor>().unwrap().unwrap();
        assert!(matches!(request.body, TaskToSupervisor::ResendLoggingFD(_)));
        send_sent_fds(&supervisor, request.id, &[passed.as_fd()]).unwrap();
        drop(passed);

        // An empty reply: a supervisor that cannot pass descriptors.
        let request = reader.read_request::<TaskToSupervisor>().unwrap().unwrap();
        FrameWriter::new(&supervisor)
            .write_response(&ResponseFrame::<()>::empty(request.id))
            .unwrap();

        // `SentFDs` without the descriptor.
        let request = reader.read_request::<TaskToSupervisor>().unwrap().unwrap();
        FrameWriter::new(&supervisor)
            .write_response(&ResponseFrame::<SentFDs>::reply(
                request.id,
                SentFDs { fds: vec![3] },
            ))
            .unwrap();

        // Two descriptors where one is expected.
        let request = reader.read_request::<TaskToSupervisor>().unwrap().unwrap();
        let (a, b) = UnixStream::pair().unwrap();
        send_sent_fds(&supervisor, request.id, &[a.as_fd(), b.as_fd()]).unwrap();
    });
    let mut client = Client::<TaskToSupervisor, _>::new(child);
    let fd = client.resend_logging_fd().unwrap().expect("a descriptor");
    assert_connected(fd, kept);
    assert!(client.resend_logging_fd().unwrap().is_none());
    assert!(matches!(
        client.resend_logging_fd(),
        Err(ClientError::MissingDescriptor(id)) if id == FrameId::from(2)
    ));
    assert!(matches!(
        client.resend_logging_fd(),
        Err(ClientError::ExtraDescriptors(id)) if id == FrameId::from(3)
    ));
    server.join().unwrap();
}

#[test]
fn read_frame_with_fds_reports_stream_errors_like_frame_reader() {
    // The end of the stream before a frame.
    let (child, supervisor) = UnixStream::pair().unwrap();
    drop(supervisor);
    assert!(
        read_frame_with_fds(&child, &mut Vec::new(), 1024, 1)
            .unwrap()
            .is_none()
    );

    // A length over the limit, refused before reading the payload.
    let (child, mut supervisor) = UnixStream::pair().unwrap();
    supervisor.write_all(&[0, 0, 4, 1]).unwrap();
    assert!(matches!(
        read_frame_with_fds(&child, &mut Vec::new(), 1024, 1),
        Err(FrameError::TooLarge {
            announced: 1025,
            max: 1024
        })
    ));

    // A frame of length 0: an error about that frame, and the next frame reads.
    let (child, mut supervisor) = UnixStream::pair().unwrap();
    let mut bytes = vec![0, 0, 0, 0];
    FrameWriter::new(&mut bytes)
        .write_response(&ResponseFrame::<()>::empty(4))
        .unwrap();
    supervisor.write_all(&bytes).unwrap();
    let err = read_frame_with_fds(&child, &mut Vec::new(), 1024, 1).unwrap_err();
    assert!(
        matches!(err, FrameError::Malformed { id: None, .. }),
        "{err}"
    );
    let mut payload = Vec::new();
    let fds = read_frame_with_fds(&child, &mut payload, 1024, 1)
        .unwrap()
        .unwrap();
    assert!(fds.fds.is_empty());
    assert_eq!(split_response(&payload).unwrap().id, FrameId::from(4));

    // A stream cut inside the prefix, and inside the payload.
    for (bytes, expected, got) in [(&[0u8, 0][..], 4, 2), (&[0, 0, 0, 9, 1, 2][..], 13, 6)] {
        let (child, mut supervisor) = UnixStream::pair().unwrap();
        supervisor.write_all(bytes).unwrap();
        drop(supervisor);
        match read_frame_with_fds(&child, &mut Vec::new(), 1024, 1) {
            Err(FrameError::Truncated {
                expected: e,
                got: g,
            }) => assert_eq!((e, g), (expected, got)),
            other => panic!("{bytes:?}: expected a truncated stream, got {other:?}"),
        }
    }
}

#[test]
fn descriptors_beyond_the_room_are_reported() {
    let (child, supervisor) = UnixStream::pair().unwrap();
    let passed: Vec<_> = (0..8).map(|_| UnixStream::pair().unwrap().1).collect();
    let fds: Vec<_> = passed.iter().map(|fd| fd.as_fd()).collect();
    let mut frame = Vec::new();
    FrameWriter::new(&mut frame)
        .write_response(&ResponseFrame::<()>::empty(1))
        .unwrap();
    send_with_fds(&supervisor, &frame, &fds).unwrap();
    let mut payload = Vec::new();
    let received = read_frame_with_fds(&child, &mut payload, 1024, 1)
        .unwrap()
        .unwrap();
    assert!(received.truncated);
    assert!(
        !received.fds.is_empty() && received.fds.len() < 8,
        "{}",
        received.fds.len()
    );
    // The frame itself was read whole: the stream stays in sync.
    assert_eq!(split_response(&payload).unwrap().id, FrameId::from(1));
}

#[test]
fn a_frame_without_descriptors_reads_with_none() {
    let (child, supervisor) = UnixStream::pair().unwrap();
    let mut frame = Vec::new();
    FrameWriter::new(&mut frame)
        .write_response(&ResponseFrame::<()>::empty(2))
        .unwrap();
    send_with_fds(&supervisor, &frame, &[]).unwrap();
    let mut payload = Vec::new();
    let received = read_frame_with_fds(&child, &mut payload, 1024, 1)
        .unwrap()
        .unwrap();
    assert!(received.fds.is_empty() && !received.truncated);
    assert_eq!(split_response(&payload).unwrap().id, FrameId::from(2));
}

#[test]
fn send_with_fds_refuses_empty_data() {
    let (_child, supervisor) = UnixStream::pair().unwrap();
    let err = send_with_fds(&supervisor, &[], &[supervisor.as_fd()]).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

/// What `inherited_stdin_in_a_child` does when this test binary runs it as a child process.
const CHILD_MODE: &str = "AIRFLOW_COMMS_TEST_CHILD";

/// Runs this test binary's `child_process` test in a child with `stdin` as fd 0 and `mode` in
/// the environment; returns the child's output.
fn run_child(mode: &str, stdin: Stdio) -> std::process::Output {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_MODE, mode)
        .stdin(stdin)
        .output()
        .unwrap()
}

/// The child's side of the fd 0 tests; run only as a child by the tests below.
#[test]
#[ignore = "run as a child process by the inherited_stdin tests"]
fn child_process() {
    let mode = std::env::var(CHILD_MODE).expect("run as a child by the inherited_stdin tests");
    match mode.as_str() {
        "client" => {
            let stream = inherited_stdin().unwrap();
            // At most once, and fd 0 is no longer the socket: it reads nothing.
            assert!(matches!(
                inherited_stdin(),
                Err(InheritedStreamError::NotASocket)
            ));
            let mut rest = Vec::new();
            std::io::stdin().read_to_end(&mut rest).unwrap();
            assert!(rest.is_empty());
            let mut client = Client::<CallbackToSupervisor, _>::new(stream);
            let reply = client
                .send(GetVariable {
                    key: "region".into(),
                })
                .unwrap();
            let request::VariableReply::VariableResult(result) = reply else {
                panic!("{reply:?}");
            };
            println!("CHILD-GOT {}", result.value.unwrap());
        }
        expected => {
            let err = inherited_stdin().unwrap_err();
            println!("CHILD-ERR {expected}: {err}");
            let matched = match expected {
                "not-a-socket" => matches!(err, InheritedStreamError::NotASocket),
                "wrong-socket" => matches!(err, InheritedStreamError::WrongSocket { .. }),
                other => panic!("unknown mode {other}"),
            };
            assert!(matched, "{err:?}");
        }
    }
}

#[test]
fn inherited_stdin_is_the_childs_client_stream() {
    let (child_end, supervisor) = UnixStream::pair().unwrap();
    let child =
        std::thread::spawn(move || run_child("client", Stdio::from(OwnedFd::from(child_end))));
    let mut reader = FrameReader::new(&supervisor);
    let request = reader
        .read_request::<CallbackToSupervisor>()
        .unwrap()
        .unwrap();
    let CallbackToSupervisor::GetVariable(get) = request.body else {
        panic!("{:?}", request.body);
    };
    FrameWriter::new(&supervisor)
        .write_response(&ResponseFrame::<ToTask>::reply(
            request.id,
            VariableResult {
                key: get.key,
                value: Some("eu".into()),
            },
        ))
        .unwrap();
    // The child's stream was the socket's only descriptor in the child: its exit closes it.
    assert!(
        reader
            .read_request::<CallbackToSupervisor>()
            .unwrap()
            .is_none()
    );
    let output = child.join().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("CHILD-GOT eu"), "{stdout}");
}

#[test]
fn inherited_stdin_refuses_what_no_supervisor_passes() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    for (mode, stdin) in [
        ("not-a-socket", Stdio::piped()),
        ("not-a-socket", Stdio::null()),
        ("wrong-socket", Stdio::from(OwnedFd::from(tcp))),
    ] {
        let output = run_child(mode, stdin);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("CHILD-ERR"),
            "{mode}: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// An async supervisor on tokio: it reads requests with the codec and answers `ResendLoggingFD`
/// on the non-blocking socket with `sent_fds_frame` and `send_some_with_fds`.
#[cfg(feature = "tokio")]
#[tokio::test(flavor = "current_thread")]
async fn an_async_supervisor_passes_a_log_socket() {
    use airflow_comms::SupervisorCodec;
    use airflow_comms::fds::{send_some_with_fds, sent_fds_frame};
    use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
    use tokio_util::codec::Decoder;

    let (child, supervisor) = UnixStream::pair().unwrap();
    supervisor.set_nonblocking(true).unwrap();
    let mut supervisor = tokio::net::UnixStream::from_std(supervisor).unwrap();
    let child = std::thread::spawn(move || {
        let mut client = Client::<TaskToSupervisor, _>::new(child);
        let logs = client.resend_logging_fd().unwrap().expect("a descriptor");
        std::fs::File::from(logs)
            .write_all(b"{\"event\": \"hi\"}\n")
            .unwrap();
    });

    let mut codec = SupervisorCodec::<TaskToSupervisor>::new();
    let mut input = bytes::BytesMut::new();
    let request = loop {
        if let Some(item) = codec.decode(&mut input).unwrap() {
            break item.unwrap();
        }
        assert!(
            supervisor.read_buf(&mut input).await.unwrap() > 0,
            "the child went away"
        );
    };
    assert!(matches!(request.body, TaskToSupervisor::ResendLoggingFD(_)));
    let (mut logs, child_logs) = UnixStream::pair().unwrap();
    let fds = [child_logs.as_fd()];
    let frame = sent_fds_frame(request.id, &fds).unwrap();
    let sent = supervisor
        .async_io(Interest::WRITABLE, || {
            send_some_with_fds(&supervisor, &frame, &fds)
        })
        .await
        .unwrap();
    assert!(sent > 0);
    supervisor.write_all(&frame[sent..]).await.unwrap();
    drop(child_logs);

    child.join().unwrap();
    let mut line = String::new();
    logs.read_to_string(&mut line).unwrap();
    assert_eq!(line, "{\"event\": \"hi\"}\n");
}
