//! The native request handler against Airflow's own task supervisor.
//!
//! `supervisor/tests/data/serve/cases.json` is written by `tools/supervisor/serve_facts.py`,
//! which sends each request through the SDK's real `ActivitySubprocess` request loop over a
//! mocked Execution API and records the HTTP calls it made, the answers it got, the frame it
//! wrote back, the run state and what it masked. Here every case is replayed against
//! [`Handler`]: a local HTTP server (127.0.0.1, an ephemeral port, in this process) gives the
//! recorded answers in order and records what it receives; the request is decoded with the
//! library's `TaskToSupervisor` decoder and dispatched with `dispatch_async`, and the reply frame
//! decoded with `ToTask`. A case passes when:
//!
//! - the handler made the same HTTP requests: method, path as sent (percent-encoding included),
//!   query pairs in order (decoded), JSON body (as JSON values), content type. Two deliberate
//!   differences are allowed: a body member the SDK sends as null and the api-server's own model
//!   refuses (`server_refuses`, recorded by the script) may be left out; and a `^` in a path
//!   may arrive as `%5E` (reqwest's URL parser escapes it; the server decodes both alike);
//! - the reply is the same: the body as the child reads it (the SDK's wire body decoded by the
//!   child's pydantic model and dumped whole, against the native reply dumped by the library),
//!   and the SDK's wire body decoded by the library equals the native reply, both as JSON; or the
//!   error slot has the same error type, status code, exception type and server body (the
//!   message text differs: Python's exception text against the native client's);
//! - the run state after a state-changing request and the masker's effect on each recorded
//!   candidate string are the same.
//!
//! Each failure names its case; all failures are reported together.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use airflow_comms::frame::decode_response;
use airflow_comms::{RequestFrame, TaskToSupervisor, ToTask};
use airflow_comms_supervisor::api::{ApiClient, RetryPolicy, Tls};
use airflow_comms_supervisor::logs::{LogTargets, TaskLog};
use airflow_comms_supervisor::mask::Masker;
use airflow_comms_supervisor::serve::{Handler, RunState, Terminal};
use serde::Deserialize;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CASES: &str = include_str!("data/serve/cases.json");
const TI_ID: &str = "0195f0d8-7c1e-7a3b-9c4d-5e6f7a8b9c0d";

#[derive(Deserialize)]
struct File {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    attempts: u32,
    request: Value,
    exchanges: Vec<Exchange>,
    reply: Reply,
    #[serde(default)]
    state: Option<State>,
    #[serde(default)]
    masked: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct Exchange {
    request: Sent,
    answer: Answer,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Sent {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
    content_type: Option<String>,
    #[serde(default)]
    server_refuses: Vec<String>,
}

#[derive(Deserialize, Clone)]
struct Answer {
    status: u16,
    headers: serde_json::Map<String, Value>,
    body: String,
}

#[derive(Deserialize)]
struct Reply {
    body: Option<Value>,
    body_read: Option<Value>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct State {
    terminal: Option<String>,
    rendered_map_index: Option<String>,
    pending: Option<String>,
}

/// A tiny HTTP/1.1 server: one request per connection, answered from `answers` in order (a
/// 599 once they run out), every request recorded.
struct Server {
    base: String,
    received: Arc<Mutex<Vec<Sent>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(answers: Vec<Answer>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}/execution/", listener.local_addr().expect("addr"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let answers = Arc::new(Mutex::new(VecDeque::from(answers)));
        let log = received.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let log = log.clone();
                let answers = answers.clone();
                tokio::spawn(async move {
                    let _ = serve_one(stream, log, answers).await;
                });
            }
        });
        Server {
            base,
            received,
            task,
        }
    }

    fn received(&self) -> Vec<Sent> {
        std::mem::take(&mut *self.received.lock().unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_one(
    mut stream: TcpStream,
    log: Arc<Mutex<Vec<Sent>>>,
    answers: Arc<Mutex<VecDeque<Answer>>>,
) -> std::io::Result<()> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let target = request_line.next().unwrap_or_default().to_owned();
    let mut length = 0;
    let mut content_type = None;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "content-type" => content_type = Some(value.trim().to_owned()),
                _ => {}
            }
        }
    }
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    let body = &data[head_end..(head_end + length).min(data.len())];
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = reqwest::Url::parse(&format!("http://x/?{query}"))
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default();
    log.lock().unwrap().push(Sent {
        method,
        path: path.strip_prefix("/execution").unwrap_or(path).to_owned(),
        query,
        body: (!body.is_empty())
            .then(|| serde_json::from_slice(body).unwrap_or(Value::String("<not JSON>".into()))),
        content_type: (!body.is_empty()).then_some(content_type).flatten(),
        server_refuses: Vec::new(),
    });
    let answer = answers.lock().unwrap().pop_front().unwrap_or(Answer {
        status: 599,
        headers: serde_json::Map::new(),
        body: "no answer left".into(),
    });
    let mut out = format!("HTTP/1.1 {} X\r\nconnection: close\r\n", answer.status);
    for (name, value) in &answer.headers {
        out.push_str(&format!(
            "{name}: {}\r\n",
            value.as_str().unwrap_or_default()
        ));
    }
    out.push_str(&format!("content-length: {}\r\n\r\n", answer.body.len()));
    out.push_str(&answer.body);
    stream.write_all(out.as_bytes()).await?;
    stream.shutdown().await
}

/// The name the SDK gives the pending terminal message of each reported state.
fn pending_message(state: Terminal) -> &'static str {
    match state {
        Terminal::Success => "SucceedTask",
        Terminal::UpForRetry => "RetryTask",
        Terminal::Deferred => "DeferTask",
        Terminal::UpForReschedule => "RescheduleTask",
        Terminal::AwaitingInput => "AwaitInputTask",
        other => other.as_str(),
    }
}

/// Runs one case; the differences found, each a line.
async fn run(case: &Case) -> Vec<String> {
    let mut problems = Vec::new();
    let server = Server::start(case.exchanges.iter().map(|e| e.answer.clone()).collect()).await;
    let retry = RetryPolicy {
        attempts: case.attempts,
        wait_min: Duration::ZERO,
        wait_max: Duration::ZERO,
        timeout: Duration::from_secs(10),
    };
    let api = ApiClient::new(&server.base, "tok", retry, &Tls::default()).expect("client");
    let masker = Arc::new(RwLock::new(Masker::default()));
    let targets = LogTargets {
        file: None,
        stdout: false,
        default_logger: "task",
    };
    let (log, _writer) = TaskLog::open(targets, masker.clone()).expect("log");
    let state = Arc::new(Mutex::new(RunState::default()));
    let mut handler = Handler::for_task(
        api,
        masker.clone(),
        log,
        TI_ID.parse().expect("uuid"),
        state.clone(),
    );

    let request: TaskToSupervisor = match airflow_comms::decode_value(case.request.clone()) {
        Ok(r) => r,
        Err(e) => return vec![format!("the library refuses the request: {e}")],
    };
    let mut out = Vec::new();
    if let Err(e) =
        TaskToSupervisor::dispatch_async(RequestFrame::new(7u32, request), &mut handler, &mut out)
            .await
    {
        return vec![format!("dispatch failed: {e}")];
    }
    let frame = match decode_response::<ToTask>(&out[4..]) {
        Ok(f) => f,
        Err(e) => return vec![format!("the reply frame does not decode: {e}")],
    };

    // The HTTP requests.
    let received = server.received();
    if received.len() != case.exchanges.len() {
        problems.push(format!(
            "{} requests made, the SDK made {}: {:?}",
            received.len(),
            case.exchanges.len(),
            received
                .iter()
                .map(|r| format!("{} {}", r.method, r.path))
                .collect::<Vec<_>>()
        ));
    }
    for (i, (got, exchange)) in received.iter().zip(&case.exchanges).enumerate() {
        let want = &exchange.request;
        let mut want_body = want.body.clone();
        // The one allowed difference: a member the SDK sends as null and the server refuses may
        // be left out.
        if let (Some(Value::Object(w)), Some(Value::Object(g))) = (&mut want_body, &got.body) {
            for key in &want.server_refuses {
                if w.get(key) == Some(&Value::Null) && !g.contains_key(key) {
                    w.shift_remove(key);
                }
            }
        }
        let fields = [
            (
                "method",
                Value::from(got.method.clone()),
                Value::from(want.method.clone()),
            ),
            // reqwest's URL parser always escapes `^` in a path, where httpx sends it as it
            // is; the server decodes both alike. Everything else must be byte-exact.
            (
                "path",
                Value::from(got.path.replace("%5E", "^")),
                Value::from(want.path.replace("%5E", "^")),
            ),
            (
                "query",
                serde_json::to_value(&got.query).unwrap(),
                serde_json::to_value(&want.query).unwrap(),
            ),
            (
                "body",
                got.body.clone().unwrap_or_default(),
                want_body.unwrap_or_default(),
            ),
            (
                "content type",
                Value::from(got.content_type.clone()),
                Value::from(want.content_type.clone()),
            ),
        ];
        for (what, got, want) in fields {
            if got != want {
                problems.push(format!("request {i}: {what} {got} , the SDK's {want}"));
            }
        }
    }

    // The reply.
    match (&case.reply.error, &frame.error) {
        (Some(want), Some(got)) => {
            let got = serde_json::to_value(got).unwrap();
            for pointer in [
                "/error",
                "/detail/status_code",
                "/detail/exception_type",
                "/detail/detail",
            ] {
                if got.pointer(pointer) != want.pointer(pointer) {
                    problems.push(format!(
                        "error slot {pointer}: {:?}, the SDK's {:?} (whole: {got} vs {want})",
                        got.pointer(pointer),
                        want.pointer(pointer)
                    ));
                }
            }
        }
        (None, None) => match (&case.reply.body, &frame.body) {
            (None, None) => {}
            (Some(wire), Some(got)) => {
                let got_json = serde_json::to_value(got).unwrap();
                if Some(&got_json) != case.reply.body_read.as_ref() {
                    problems.push(format!(
                        "reply {got_json}, the SDK's as the child reads it {}",
                        case.reply.body_read.clone().unwrap_or_default()
                    ));
                }
                // Compared as JSON values: the recorded wire body has its keys sorted, and a
                // detail dictionary compares in order as a Rust value.
                match airflow_comms::decode_value::<ToTask>(wire.clone()) {
                    Ok(sdk) if serde_json::to_value(&sdk).ok() == Some(got_json.clone()) => {}
                    Ok(sdk) => problems.push(format!(
                        "reply {got:?}, the SDK's wire body reads as {sdk:?}"
                    )),
                    Err(e) => problems.push(format!("the SDK's wire body does not decode: {e}")),
                }
            }
            (want, got) => problems.push(format!("reply {got:?}, the SDK's {want:?}")),
        },
        (want, got) => problems.push(format!(
            "error slot {got:?}, the SDK's {want:?} (body {:?})",
            frame.body
        )),
    }

    // The run state.
    if let Some(want) = &case.state {
        let run = state.lock().unwrap();
        let got = (
            run.terminal.map(|t| t.as_str().to_owned()),
            run.rendered_map_index.clone(),
            run.pending
                .as_ref()
                .map(|p| pending_message(p.state).to_owned()),
        );
        let want = (
            want.terminal.clone(),
            want.rendered_map_index.clone(),
            want.pending.clone(),
        );
        if got != want {
            problems.push(format!(
                "run state (terminal, rendered map index, pending) {got:?}, the SDK's {want:?}"
            ));
        }
    }

    // The masker.
    let masker = masker.read().unwrap();
    for (candidate, want) in &case.masked {
        let got = masker.mask_text(candidate);
        if got != want.as_str() {
            problems.push(format!(
                "{candidate:?} masks as {got:?}, the SDK's {want:?}"
            ));
        }
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_is_served_as_the_sdk_serves_it() {
    let file: File = serde_json::from_str(CASES).expect("cases.json");
    assert!(file.cases.len() > 100, "{} cases", file.cases.len());
    let mut failures = Vec::new();
    for case in &file.cases {
        for problem in run(case).await {
            failures.push(format!("[{}] {problem}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems in {} cases:\n{}",
        failures.len(),
        file.cases.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn retries_on_5xx_reach_the_second_answer() {
    // The data holds a case that answers 500 then 200 with three attempts allowed: the handler
    // must have asked twice, as the SDK did.
    let file: File = serde_json::from_str(CASES).expect("cases.json");
    let case = file
        .cases
        .iter()
        .find(|c| c.attempts > 1 && c.exchanges.len() > 1)
        .expect("a retry case");
    assert_eq!(case.exchanges[0].answer.status, 500, "{}", case.name);
    let problems = run(case).await;
    assert!(problems.is_empty(), "[{}] {problems:?}", case.name);
}

#[tokio::test]
async fn every_case_name_is_unique() {
    let file: File = serde_json::from_str(CASES).expect("cases.json");
    let mut names: Vec<_> = file.cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len());
}
