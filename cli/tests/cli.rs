//! The `airflow-comms` command line, end to end: every subcommand, every error kind, every exit
//! status. `supervise` runs two children: this test binary itself acting as a child (always), and
//! a Python child using the Airflow SDK's own client (`--ignored`, run by `.ci/run` with the
//! pinned venv in `AIRFLOW_COMMS_PYTHON`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use airflow_comms::frame::{FrameReader, FrameWriter, RequestFrame};
use airflow_comms::{CallbackToSupervisor, GetConnection, GetVariable, TaskToSupervisor, ToTask};
use serde_json::{Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn cli(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_airflow-comms"))
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn lines(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn frame(message: impl Into<TaskToSupervisor>, id: i64) -> Vec<u8> {
    let mut out = Vec::new();
    airflow_comms::frame::encode_request(
        &RequestFrame::<TaskToSupervisor>::new(id, message.into()),
        &mut out,
    )
    .unwrap();
    out
}

#[test]
fn decode_the_shipped_capture() {
    let out = cli(
        &[
            "decode",
            "--channel",
            "task",
            "--input",
            "frames",
            "tests/data/task-session.frames",
        ],
        b"",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = lines(&out);
    assert_eq!(lines.len(), 8);
    assert_eq!(
        lines[0],
        json!({"id": 0, "ok": {"conn_id": "warehouse", "type": "GetConnection"}})
    );
    assert_eq!(lines[7]["ok"]["type"], "SucceedTask");
    // Big integers keep every digit.
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"checksum\":18446744073709551615"));
}

#[test]
fn decode_json_reports_every_error_kind_and_exits_1() {
    let input = concat!(
        "{\"conn_id\": \"db\", \"type\": \"GetConnection\"}\n",
        "not json\n",
        "\n",
        "{\"type\": \"NoSuchMessage\"}\n",
        "{\"end_date\": \"2026-11-22T00:00:00Z\", \"type\": \"SucceedTask\"}\n",
        "{\"limit\": \"many\", \"type\": \"GetVariableKeys\"}\n",
        "{\"key\": \"region\", \"type\": \"GetVariable\"}\n",
    );
    let out = cli(&["decode", "--channel", "callback"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let lines = lines(&out);
    assert_eq!(lines.len(), 6, "one line per message, blank lines skipped");
    assert_eq!(
        lines[0],
        json!({"ok": {"conn_id": "db", "type": "GetConnection"}})
    );
    let kinds: Vec<_> = lines[1..5]
        .iter()
        .map(|l| (l["error"]["kind"].clone(), l["error"]["type"].clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (json!("malformed"), Value::Null),
            (json!("unknown_type"), json!("NoSuchMessage")),
            (json!("not_permitted"), json!("SucceedTask")),
            (json!("invalid"), json!("GetVariableKeys")),
        ]
    );
    assert!(
        lines[4]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`limit`"),
        "names the field"
    );
    assert_eq!(
        lines[5]["ok"]["type"], "GetVariable",
        "a bad message never stops the stream"
    );
}

/// Every input line of the task corpus (good and bad mixed, as the SDK's corpus orders them),
/// as one JSON Lines stream: one output line per input line, in order, each the library's own
/// verdict for that line alone.
#[test]
fn decode_json_lines_keeps_every_message_in_order_among_bad_ones() {
    let corpus = std::fs::read_to_string(repo().join("tests/corpus/task.jsonl")).unwrap();
    let inputs: Vec<String> = corpus
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["input"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        // One message per line; blank lines are skipped by design.
        .filter(|input| !input.contains('\n') && !input.trim().is_empty())
        .collect();
    let out = cli(
        &["decode", "--channel", "task"],
        inputs.join("\n").as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1), "some lines are bad");
    let lines = lines(&out);
    assert_eq!(lines.len(), inputs.len());
    let (mut good, mut bad) = (0, 0);
    for (n, (input, line)) in inputs.iter().zip(&lines).enumerate() {
        match airflow_comms::decode_json::<TaskToSupervisor>(input) {
            Ok(message) => {
                assert_eq!(
                    line["ok"],
                    serde_json::to_value(&message).unwrap(),
                    "line {}",
                    n + 1
                );
                good += 1;
            }
            Err(err) => {
                assert_eq!(
                    line["error"]["kind"],
                    err.kind().to_string(),
                    "line {}",
                    n + 1
                );
                bad += 1;
            }
        }
    }
    assert!(good > 500 && bad > 500, "{good} good, {bad} bad lines");
}

#[test]
fn decode_pretty_indents_without_changing_values() {
    let out = cli(
        &[
            "decode",
            "--channel",
            "task",
            "--pretty",
            "tests/data/task-session.jsonl",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("{\n  \"ok\": {\n    \"conn_id\": \"warehouse\""),
        "{text}"
    );
    assert!(text.contains("\"checksum\": 18446744073709551615"));
}

#[test]
fn decode_frames_keeps_going_after_a_refused_body_and_stops_at_a_broken_stream() {
    let mut stream = frame(
        GetConnection {
            conn_id: "a".into(),
        },
        0,
    );
    stream.extend(frame(
        airflow_comms::TaskState {
            state: airflow_comms::TaskStateOutcome::Failed,
            end_date: None,
            rendered_map_index: None,
        },
        1,
    ));
    stream.extend(frame(GetVariable { key: "k".into() }, 2));
    stream.extend([0, 0, 0, 50, 0x93]);
    let out = cli(
        &["decode", "--channel", "callback", "--input", "frames"],
        &stream,
    );
    assert_eq!(out.status.code(), Some(1));
    let lines = lines(&out);
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["id"], 0);
    assert_eq!(lines[1]["id"], 1);
    assert_eq!(lines[1]["error"]["kind"], "not_permitted");
    assert_eq!(lines[2]["ok"]["type"], "GetVariable");
    assert_eq!(lines[3]["error"]["kind"], "malformed");
    assert!(
        lines[3].get("id").is_none(),
        "no id is known for a cut-off frame"
    );
}

#[test]
fn decode_response_frames_show_empty_bodies_and_error_slots() {
    let mut stream = Vec::new();
    let empty = airflow_comms::frame::ResponseFrame::<ToTask>::empty(3);
    airflow_comms::frame::encode_response(&empty, &mut stream).unwrap();
    let error = airflow_comms::ErrorResponse {
        error: airflow_comms::ErrorType::ApiServerError,
        detail: None,
    };
    airflow_comms::frame::encode_response(
        &airflow_comms::frame::ResponseFrame::<ToTask>::error(4, error),
        &mut stream,
    )
    .unwrap();
    let out = cli(
        &["decode", "--channel", "to-task", "--input", "frames"],
        &stream,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        lines(&out),
        [
            json!({"id": 3, "ok": null}),
            json!({"id": 4, "ok": null, "error_body": {"error": "API_SERVER_ERROR", "detail": null, "type": "ErrorResponse"}}),
        ]
    );
}

#[test]
fn usage_errors_exit_2_and_say_what_to_do() {
    let out = cli(&["decode", "--channel", "callbacks"], b"");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("expected one of: task, callback"),
        "{stderr}"
    );

    let out = cli(&["decode", "--channel", "task", "no/such/file.jsonl"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read no/such/file.jsonl"));

    let out = cli(&["supervise", "--channel", "to-task", "--", "true"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("supervise a request channel"));
}

#[test]
fn encode_frames_round_trips_and_reports_bad_lines_by_number() {
    let input = "{\"key\": \"a\", \"type\": \"GetVariable\"}\n{\"type\": \"Nope\"}\n\n{\"conn_id\": \"b\", \"type\": \"GetConnection\"}\n";
    let out = cli(
        &["encode", "--channel", "callback", "--output", "frames"],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("line 2: CallbackToSupervisor: `Nope` is not an Airflow message type")
    );
    let mut reader = FrameReader::new(&out.stdout[..]);
    let first = reader
        .read_request::<CallbackToSupervisor>()
        .unwrap()
        .unwrap();
    let second = reader
        .read_request::<CallbackToSupervisor>()
        .unwrap()
        .unwrap();
    assert_eq!(
        (first.id, second.id),
        (0.into(), 1.into()),
        "ids 0, 1, 2, ... in order"
    );
    assert_eq!(second.body.type_tag(), "GetConnection");
    assert!(
        reader
            .read_request::<CallbackToSupervisor>()
            .unwrap()
            .is_none()
    );

    let decoded = cli(
        &["decode", "--channel", "callback", "--input", "frames"],
        &out.stdout,
    );
    assert_eq!(decoded.status.code(), Some(0));
}

#[test]
fn encode_json_writes_canonical_lines() {
    let out = cli(&["encode", "--channel", "task", "--output", "json"], b"{\"key\":\"k\",\"dag_id\":\"d\",\"run_id\":\"r\",\"task_id\":\"t\",\"type\":\"GetXCom\"}\n");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\"key\":\"k\",\"dag_id\":\"d\",\"run_id\":\"r\",\"task_id\":\"t\",\"map_index\":null,\"include_prior_dates\":false,\"type\":\"GetXCom\"}\n"
    );
}

#[test]
fn permissions_in_three_formats_agree_with_the_library() {
    let out = cli(&["permissions", "--format", "json"], b"");
    assert_eq!(out.status.code(), Some(0));
    let matrix: Value = serde_json::from_slice(&out.stdout).unwrap();
    for channel in airflow_comms::ChannelName::ALL {
        let carried = matrix["types"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|row| row["channels"][channel.short_name()] == true)
            .count();
        assert_eq!(carried, channel.permitted_types().len(), "{channel}");
    }
    let succeed = matrix["types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "SucceedTask")
        .unwrap();
    assert_eq!(succeed["group"], "TaskLifecycleRequests");
    assert_eq!(succeed["channels"]["callback"], false);

    let table = String::from_utf8(cli(&["permissions"], b"").stdout).unwrap();
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("GetConnection") && l.matches('✓').count() == 4),
        "{table}"
    );
    let markdown =
        String::from_utf8(cli(&["permissions", "--format", "markdown"], b"").stdout).unwrap();
    assert!(markdown.starts_with("| type | group | task | callback |"));
}

/// Acts as a supervised child when the supervise test starts this binary with
/// `AIRFLOW_COMMS_TEST_CHILD` set: sends a permitted and a refused request on fd 0 and prints
/// the replies it gets as JSON lines.
#[test]
fn supervised_child() {
    let Some(mode) = std::env::var_os("AIRFLOW_COMMS_TEST_CHILD") else {
        return;
    };
    // Mode `zero-length`: frames of length 0 before each request, and ids beyond i64.
    let (ids, empty_frames) = if mode == "zero-length" {
        ([u64::MAX, 1 << 63], 1)
    } else {
        ([0, 1], 0)
    };
    use std::os::fd::FromRawFd;
    // SAFETY: fd 0 is the socket the supervisor gave this process; nothing else owns it here.
    let socket = unsafe { std::os::unix::net::UnixStream::from_raw_fd(0) };
    let mut writer = FrameWriter::new(socket.try_clone().unwrap());
    let mut reader = FrameReader::new(socket);
    for (n, (id, message)) in [
        (
            ids[0],
            TaskToSupervisor::from(GetConnection {
                conn_id: "warehouse".into(),
            }),
        ),
        (
            ids[1],
            TaskToSupervisor::from(airflow_comms::RescheduleTask {
                state: Default::default(),
                reschedule_date: "2026-11-22T10:00:00Z".parse().unwrap(),
                end_date: "2026-11-22T09:00:00Z".parse().unwrap(),
            }),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let mut socket = writer.get_ref();
        socket
            .write_all(&vec![0; 4 * empty_frames * (n + 1)])
            .unwrap();
        writer
            .write_request(&RequestFrame {
                id: id.into(),
                body: message,
                context_carrier: None,
            })
            .unwrap();
        let reply = reader.read_response::<ToTask>().unwrap().unwrap();
        println!(
            "CHILD {}",
            json!({"id": reply.id, "body": reply.body.as_ref().map(|b| b.type_tag()), "error": reply.error.map(|e| e.error.to_string())})
        );
    }
}

/// Acts as a hand-written client when `AIRFLOW_COMMS_TEST_LAX_CHILD` is set: sends a
/// `GetConnection` whose `conn_id` is msgpack bin (which pydantic's lax mode reads as text) and
/// prints the reply it gets.
#[test]
fn lax_child() {
    if std::env::var_os("AIRFLOW_COMMS_TEST_LAX_CHILD").is_none() {
        return;
    }
    use std::os::fd::FromRawFd;
    // SAFETY: fd 0 is the socket the supervisor gave this process; nothing else owns it here.
    let socket = unsafe { std::os::unix::net::UnixStream::from_raw_fd(0) };
    let mut body = vec![0x93, 0x00, 0x82, 0xa7];
    body.extend(b"conn_id");
    body.extend([0xc4, 0x09]);
    body.extend(b"warehouse");
    body.push(0xa4);
    body.extend(b"type");
    body.push(0xad);
    body.extend(b"GetConnection");
    body.push(0xc0);
    let mut frame = (body.len() as u32).to_be_bytes().to_vec();
    frame.extend(body);
    (&socket).write_all(&frame).unwrap();
    let reply = FrameReader::new(socket)
        .read_response::<ToTask>()
        .unwrap()
        .unwrap();
    println!(
        "CHILD {}",
        json!({"body": reply.body.as_ref().map(|b| b.type_tag()), "error": reply.error.map(|e| e.error.to_string())})
    );
}

#[test]
fn supervise_lax_reads_what_pydantic_lax_mode_reads() {
    let scratch = tempfile::tempdir().unwrap();
    let responses = scratch.path().join("responses.json");
    std::fs::write(
        &responses,
        r#"{"GetConnection": {"conn_id": "warehouse", "conn_type": "postgres", "host": null, "schema": null, "login": null, "password": null, "port": null, "extra": null, "type": "ConnectionResult"}}"#,
    )
    .unwrap();
    let me = std::env::current_exe().unwrap();
    let run = |lax: bool| {
        let log = scratch.path().join(format!("log-{lax}.jsonl"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_airflow-comms"));
        command.args(["supervise", "--channel", "task", "--responses"]);
        command.arg(&responses).arg("--log").arg(&log);
        if lax {
            command.arg("--lax");
        }
        let out = command
            .arg("--")
            .arg(&me)
            .args(["--exact", "lax_child", "--nocapture", "--test-threads=1"])
            .env("AIRFLOW_COMMS_TEST_LAX_CHILD", "1")
            .output()
            .unwrap();
        let child: Vec<Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once("CHILD ").map(|(_, json)| json))
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let exchanges: Vec<Value> = std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (child, exchanges)
    };
    let (child, exchanges) = run(true);
    assert_eq!(
        child,
        [json!({"body": "ConnectionResult", "error": null})],
        "{exchanges:?}"
    );
    assert_eq!(
        exchanges[0]["request"],
        json!({"conn_id": "warehouse", "type": "GetConnection"})
    );
    // Strict (the default): bin is refused where text is expected.
    let (child, exchanges) = run(false);
    assert_eq!(child.len(), 1);
    assert_ne!(child[0]["body"], "ConnectionResult");
    assert!(
        exchanges[0]["refused"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("bin")),
        "{exchanges:?}"
    );
}

/// `decode --lax` accepts every lax-mode case of the corpus with pydantic's output, where
/// strict decoding refuses some of them.
#[test]
fn decode_lax_accepts_pydantic_lax_coercions() {
    let corpus = std::fs::read_to_string(repo().join("tests/corpus/task.jsonl")).unwrap();
    let cases: Vec<Value> = corpus
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|case| case["form"] == "lax" && case["verdict"] == "accept")
        .collect();
    assert!(cases.len() > 50, "{}", cases.len());
    let input: String = cases
        .iter()
        .map(|case| format!("{}\n", case["input"].as_str().unwrap()))
        .collect();
    let out = cli(&["decode", "--channel", "task", "--lax"], input.as_bytes());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let got = lines(&out);
    assert_eq!(got.len(), cases.len());
    for (got, case) in got.iter().zip(&cases) {
        assert_eq!(got["ok"], case["expected"], "{}", case["case"]);
    }
    // Strictly, some are refused (README lists them), and the exit status says so.
    let out = cli(&["decode", "--channel", "task"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert!(lines(&out).iter().any(|line| line.get("error").is_some()));
}

#[test]
fn supervise_answers_permitted_and_refused_requests_and_exits_with_the_child() {
    // Removed when the test ends, passing or not.
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    let responses = dir.join("responses.json");
    std::fs::write(
        &responses,
        r#"{"GetConnection": {"conn_id": "warehouse", "conn_type": "postgres", "host": null, "schema": null, "login": null, "password": null, "port": null, "extra": null, "type": "ConnectionResult"}}"#,
    )
    .unwrap();
    let log = dir.join("exchanges.jsonl");
    let me = std::env::current_exe().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_airflow-comms"))
        .args(["supervise", "--channel", "callback", "--responses"])
        .arg(&responses)
        .arg("--log")
        .arg(&log)
        .arg("--")
        .arg(&me)
        .args([
            "--exact",
            "supervised_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("AIRFLOW_COMMS_TEST_CHILD", "1")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let child_said: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        // libtest may print its own progress on the same line first.
        .filter_map(|l| l.split_once("CHILD ").map(|(_, json)| json))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        child_said,
        [
            json!({"id": 0, "body": "ConnectionResult", "error": null}),
            json!({"id": 1, "body": null, "error": "PERMISSION_DENIED"}),
        ]
    );
    let mut text = String::new();
    std::fs::File::open(&log)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let exchanges: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(exchanges.len(), 2);
    assert_eq!(exchanges[0]["request"]["type"], "GetConnection");
    assert_eq!(exchanges[1]["refused"]["kind"], "not_permitted");

    // The exit status is the child's.
    let out = cli(
        &["supervise", "--channel", "task", "--", "sh", "-c", "exit 7"],
        b"",
    );
    assert_eq!(out.status.code(), Some(7));
}

/// The same, with a real Python child using the Airflow SDK's own `CommsDecoder`.
#[test]
#[ignore = "needs the pinned Airflow SDK: .ci/run sets AIRFLOW_COMMS_PYTHON and runs it"]
fn supervise_a_python_child_using_the_airflow_sdk() {
    let python = std::env::var("AIRFLOW_COMMS_PYTHON")
        .expect("AIRFLOW_COMMS_PYTHON must name a Python with apache-airflow-task-sdk 1.3.2");
    let out = cli(
        &[
            "supervise",
            "--channel",
            "callback",
            "--responses",
            "examples/python/canned.json",
            "--",
            &python,
            "examples/python/callback_child.py",
        ],
        b"",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("GetConnection -> conn_id='warehouse'"),
        "{stdout}"
    );
    assert!(
        stdout.contains("SucceedTask   -> refused: PERMISSION_DENIED"),
        "{stdout}"
    );
}

#[test]
fn schema_prints_one_channel_or_writes_every_file() {
    use airflow_comms::schema::{SchemaMode, schema_files};

    // Without --mode, the validation schema; with it, the one asked for. Each is the text of the
    // checked-in file.
    for (args, mode) in [
        (&["schema", "callback"][..], "validation"),
        (
            &["schema", "--mode", "validation", "callback"][..],
            "validation",
        ),
        (
            &["schema", "--mode", "serialization", "callback"][..],
            "serialization",
        ),
    ] {
        let out = cli(args, b"");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(schema["title"], "CallbackToSupervisor");
        assert_eq!(schema["x-airflow-comms"]["mode"], mode, "{args:?}");
        assert_eq!(schema["oneOf"].as_array().unwrap().len(), 4);
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            std::fs::read_to_string(
                repo().join(format!("schemas/{mode}/CallbackToSupervisor.json"))
            )
            .unwrap(),
            "{args:?}: the same text as the checked-in file"
        );
    }
    // The flavours differ where Python has a default: `GetXCom.map_index` may be left out on
    // input, and is always written.
    let required = |mode: &str| {
        let out = cli(&["schema", "--mode", mode, "task"], b"");
        let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
        schema["$defs"]["GetXCom"]["required"].clone()
    };
    assert!(
        !required("validation")
            .as_array()
            .unwrap()
            .contains(&Value::from("map_index"))
    );
    assert!(
        required("serialization")
            .as_array()
            .unwrap()
            .contains(&Value::from("map_index"))
    );

    let out = cli(&["schema", "--mode", "pydantic", "callback"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("serialization"));

    // --out without --mode writes both folders, with exactly the library's files.
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("schemas");
    let out = cli(&["schema", "--out", dir.to_str().unwrap()], b"");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut folders: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    folders.sort();
    assert_eq!(folders, ["serialization", "validation"]);
    for &mode in SchemaMode::ALL {
        let files = schema_files(mode);
        let written = std::fs::read_dir(dir.join(mode.name())).unwrap().count();
        assert_eq!(written, files.len());
        for file in files {
            assert_eq!(
                std::fs::read_to_string(dir.join(file.path())).unwrap(),
                file.to_pretty_json()
            );
        }
    }

    // --out with --mode writes that folder only.
    let dir = scratch.path().join("written");
    let out = cli(
        &[
            "schema",
            "--mode",
            "serialization",
            "--out",
            dir.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    let folders: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(folders, ["serialization"]);

    let out = cli(&["schema"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give a channel"));
}

/// `supervise` goes on after frames of length 0 (logged, unanswerable) and echoes ids beyond i64.
#[test]
fn supervise_goes_on_after_frames_of_length_0_and_echoes_ids_beyond_i64() {
    let scratch = tempfile::tempdir().unwrap();
    let responses = scratch.path().join("responses.json");
    std::fs::write(
        &responses,
        r#"{"GetConnection": {"conn_id": "warehouse", "conn_type": "postgres", "host": null, "schema": null, "login": null, "password": null, "port": null, "extra": null, "type": "ConnectionResult"}}"#,
    )
    .unwrap();
    let log = scratch.path().join("exchanges.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_airflow-comms"))
        .args(["supervise", "--channel", "callback", "--responses"])
        .arg(&responses)
        .arg("--log")
        .arg(&log)
        .arg("--")
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "supervised_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("AIRFLOW_COMMS_TEST_CHILD", "zero-length")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let child_said: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once("CHILD ").map(|(_, json)| json))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        child_said,
        [
            json!({"id": u64::MAX, "body": "ConnectionResult", "error": null}),
            json!({"id": 1u64 << 63, "body": null, "error": "PERMISSION_DENIED"}),
        ]
    );
    let exchanges: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // One frame of length 0 before the first request, two before the second.
    let empty = json!({"error": {"kind": "malformed", "type": null, "message": "malformed frame: the frame is empty (length prefix 0): there is no [id, body, ...] array to read"}});
    assert_eq!(exchanges.len(), 5, "{exchanges:?}");
    assert_eq!(exchanges[0], empty);
    assert_eq!(exchanges[1]["id"], json!(u64::MAX));
    assert_eq!(exchanges[1]["request"]["type"], "GetConnection");
    assert_eq!(&exchanges[2..4], [empty.clone(), empty]);
    assert_eq!(exchanges[4]["id"], json!(1u64 << 63));
    assert_eq!(exchanges[4]["refused"]["kind"], "not_permitted");
}

/// `decode --input frames` goes on after frames of length 0 (each an error line without an id)
/// and stops only where the stream is cut inside a frame. The frames are the SDK's own
/// (`tests/corpus/frames/`), ids beyond i64 included.
#[test]
fn decode_frames_goes_on_after_frames_of_length_0() {
    let corpus = |file: &str| -> Vec<Value> {
        std::fs::read_to_string(repo().join("tests/corpus/frames").join(file))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let unhex = |text: &str| -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    };
    // (frame, id, message) of every SDK request frame: the callback channel's, then the id
    // exchanges' requests.
    let mut frames: Vec<(Vec<u8>, Value, Value)> = corpus("callback.jsonl")
        .into_iter()
        .map(|c| {
            (
                unhex(c["frame"].as_str().unwrap()),
                c["id"].clone(),
                c["expected"].clone(),
            )
        })
        .collect();
    frames.extend(corpus("ids.jsonl").into_iter().map(|c| {
        let frame = unhex(c["request"].as_str().unwrap());
        (
            frame,
            c["supervisor_id"].clone(),
            c["expected_request"].clone(),
        )
    }));
    let mut stream = vec![0, 0, 0, 0];
    let mut expected = vec![None];
    for (n, (frame, id, message)) in frames.iter().enumerate() {
        stream.extend_from_slice(frame);
        expected.push(Some(json!({"id": id, "ok": message})));
        if n % 4 == 1 {
            stream.extend([0; 8]);
            expected.extend([None, None]);
        }
    }
    // Cut short inside the last frame: the stream ends there.
    stream.extend([0, 0, 0, 9, 0x93]);
    let out = cli(
        &["decode", "--channel", "callback", "--input", "frames"],
        &stream,
    );
    assert_eq!(out.status.code(), Some(1));
    let lines = lines(&out);
    assert_eq!(lines.len(), expected.len() + 1);
    for (line, expected) in lines.iter().zip(&expected) {
        match expected {
            Some(expected) => assert_eq!(line, expected),
            None => {
                assert!(line.get("id").is_none(), "{line}");
                assert_eq!(line["error"]["kind"], "malformed");
                let message = line["error"]["message"].as_str().unwrap();
                assert!(message.contains("length prefix 0"), "{message}");
            }
        }
    }
    let last = lines.last().unwrap()["error"]["message"].as_str().unwrap();
    assert!(
        last.contains("the stream ended inside a frame: 5 of 13 bytes"),
        "{last}"
    );
    let big = String::from_utf8_lossy(&out.stdout);
    assert!(
        big.contains("\"id\":18446744073709551615,"),
        "ids beyond i64 keep every digit"
    );
    assert!(big.contains("\"id\":-9223372036854775808,"));
}
