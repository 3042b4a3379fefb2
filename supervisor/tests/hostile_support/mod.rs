//! What `tests/hostile.rs` runs the real `airflow-supervisor` against: a fake Execution API on
//! 127.0.0.1 that records every request and can fail on cue, a scripted child packed as an
//! executable bundle, and a runner that bounds every supervisor run in time.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use airflow_comms::bundle::{self, Dag, Manifest, Sdk};
use serde_json::{Value, json};

// --- the fake Execution API -----------------------------------------------------------------

/// One request the fake API received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET`, `PUT`, `PATCH`, ...
    pub method: String,
    /// The path without the query (`/execution/task-instances/{id}/run`).
    pub path: String,
    /// The body as JSON; `Null` when there was none or it was not JSON.
    pub body: Value,
    /// When the request had been read whole.
    pub at: Instant,
}

impl Recorded {
    /// Whether this is `method` on a path ending with `suffix`.
    pub fn is(&self, method: &str, suffix: &str) -> bool {
        self.method == method && self.path.ends_with(suffix)
    }
}

/// What the fake API does with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// This status with this JSON body.
    Json(u16, Value),
    /// This status without a body (204).
    Empty(u16),
    /// The server goes down now: this request is not answered, every connection is closed and
    /// the port stops listening, so every later call is refused.
    Down,
    /// The server falls silent now: this request and every later one is read and recorded, but
    /// never answered (connections stay open).
    Silent,
}

/// Decides the answer to a request, given every request received before it.
pub type Responder = dyn Fn(&Recorded, &[Recorded]) -> Reply + Send + Sync;

const UP: u8 = 0;
const DOWN: u8 = 1;
const SILENT: u8 = 2;
const STOPPED: u8 = 3;

struct Shared {
    requests: Mutex<Vec<Recorded>>,
    arrived: Condvar,
    responder: Box<Responder>,
    mode: AtomicU8,
    connections: Mutex<Vec<TcpStream>>,
}

impl Shared {
    fn mode(&self) -> u8 {
        self.mode.load(Ordering::SeqCst)
    }

    /// Closes every connection, so that a client waiting on one sees it end.
    fn close_connections(&self) {
        for stream in self
            .connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// An HTTP/1.1 server on `127.0.0.1:0`, one thread per connection, answering with a
/// [`Responder`]. Dropping it stops it and closes its connections.
pub struct FakeApi {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl FakeApi {
    /// Starts a server answering with `responder`.
    pub fn start(
        responder: impl Fn(&Recorded, &[Recorded]) -> Reply + Send + Sync + 'static,
    ) -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake API");
        let addr = listener.local_addr().expect("the fake API's address");
        // Polled rather than blocking, so that going down can close the port at once.
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            arrived: Condvar::new(),
            responder: Box::new(responder),
            mode: AtomicU8::new(UP),
            connections: Mutex::new(Vec::new()),
        });
        let accepting = shared.clone();
        std::thread::spawn(move || accept_loop(listener, accepting));
        FakeApi { addr, shared }
    }

    /// The API's base URL, as `[core] execution_api_server_url` takes it.
    pub fn url(&self) -> String {
        format!("http://{}/execution/", self.addr)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The requests that are `method` on a path ending with `suffix`.
    pub fn calls(&self, method: &str, suffix: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.is(method, suffix))
            .collect()
    }

    /// `METHOD suffix` of every request, for messages.
    pub fn summary(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    /// Waits until `count` requests match, for at most `limit`; whether they came.
    pub fn wait_for(&self, method: &str, suffix: &str, count: usize, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut requests = self
            .shared
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        loop {
            if requests.iter().filter(|r| r.is(method, suffix)).count() >= count {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            requests = self
                .shared
                .arrived
                .wait_timeout(requests, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.shared.mode.store(STOPPED, Ordering::SeqCst);
        self.shared.close_connections();
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        if shared.mode() == DOWN || shared.mode() == STOPPED {
            // Dropping the listener closes the port: later connects are refused.
            return;
        }
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_nodelay(true);
                if let Ok(clone) = stream.try_clone() {
                    shared
                        .connections
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(clone);
                }
                let serving = shared.clone();
                std::thread::spawn(move || serve_connection(stream, serving));
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(2)),
        }
    }
}

/// Serves keep-alive requests on one connection until it closes or the server stops.
fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let Some((method, path, body)) = read_request(&mut reader) else {
            return;
        };
        match shared.mode() {
            DOWN | STOPPED => {
                let _ = writer.shutdown(std::net::Shutdown::Both);
                return;
            }
            SILENT => {
                record(&shared, method, path, body);
                return hang(&shared);
            }
            _ => {}
        }
        let reply = {
            let mut requests = shared.requests.lock().unwrap_or_else(|e| e.into_inner());
            let request = Recorded {
                method,
                path,
                body,
                at: Instant::now(),
            };
            let reply = (shared.responder)(&request, &requests);
            requests.push(request);
            shared.arrived.notify_all();
            reply
        };
        let (status, body) = match reply {
            Reply::Json(status, value) => (status, Some(value.to_string())),
            Reply::Empty(status) => (status, None),
            Reply::Down => {
                shared.mode.store(DOWN, Ordering::SeqCst);
                shared.close_connections();
                return;
            }
            Reply::Silent => {
                shared.mode.store(SILENT, Ordering::SeqCst);
                return hang(&shared);
            }
        };
        let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
        match &body {
            Some(text) => head.push_str(&format!(
                "content-type: application/json\r\ncontent-length: {}\r\n\r\n{text}",
                text.len()
            )),
            None => head.push_str("\r\n"),
        }
        if writer.write_all(head.as_bytes()).is_err() {
            return;
        }
    }
}

fn record(shared: &Shared, method: String, path: String, body: Value) {
    let mut requests = shared.requests.lock().unwrap_or_else(|e| e.into_inner());
    requests.push(Recorded {
        method,
        path,
        body,
        at: Instant::now(),
    });
    shared.arrived.notify_all();
}

/// Keeps a connection open and unanswered until the server is dropped.
fn hang(shared: &Shared) {
    while shared.mode() != STOPPED {
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        404 => "Not Found",
        409 => "Conflict",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

/// Reads one request: method, path (query dropped) and body (as JSON). `None` when the
/// connection ends or the request cannot be read.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String, Value)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut words = line.split_whitespace();
    let method = words.next()?.to_owned();
    let target = words.next()?;
    let path = target.split('?').next().unwrap_or(target).to_owned();
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Some((method, path, body))
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    format!("http://{addr}/execution/")
}

// --- what the fake API answers ---------------------------------------------------------------

/// The task instance every test runs.
pub const TI_ID: &str = "0195f6a4-3c2e-7b7a-9d5e-4a1f0c2b3d4e";
/// Its DAG: the bundle declares it.
pub const DAG_ID: &str = "hostile";
/// Its run.
pub const RUN_ID: &str = "manual__2026-11-22T10:00:00+00:00";
/// The queue routed to the scripted child's coordinator.
pub const QUEUE: &str = "scripted";
/// The task log, under `[logging] base_log_folder`.
pub const LOG_PATH: &str =
    "dag_id=hostile/run_id=manual__2026-11-22T10:00:00+00:00/task_id=scripted/attempt=1.log";

/// The `TIRunContext` the server answers `PATCH …/run` with: the server-side "min" sample of
/// `tests/data/api/samples.json` (generated from Airflow's models), filled in as a real manual
/// run of [`DAG_ID`] is.
pub fn ti_run_context() -> Value {
    static CONTEXT: OnceLock<Value> = OnceLock::new();
    CONTEXT
        .get_or_init(|| {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/api/samples.json");
            let text = std::fs::read_to_string(&path).expect("samples.json is checked in");
            let samples: Value = serde_json::from_str(&text).expect("samples.json is JSON");
            let mut context = samples["samples"]
                .as_array()
                .expect("a list of samples")
                .iter()
                .find(|s| {
                    s["schema"] == "TIRunContext" && s["source"] == "server" && s["case"] == "min"
                })
                .expect("a server-side TIRunContext sample")["json"]
                .clone();
            let run = &mut context["dag_run"];
            run["dag_id"] = json!(DAG_ID);
            run["run_id"] = json!(RUN_ID);
            run["run_type"] = json!("manual");
            run["state"] = json!("running");
            for key in [
                "logical_date",
                "data_interval_start",
                "data_interval_end",
                "run_after",
            ] {
                run[key] = json!("2026-11-22T10:00:00Z");
            }
            run["start_date"] = json!("2026-11-22T10:00:01.250000Z");
            run["conf"] = json!({});
            context["max_tries"] = json!(0);
            context["should_retry"] = json!(false);
            context["start_date"] = json!("2026-11-22T10:00:02Z");
            context
        })
        .clone()
}

/// What a healthy Execution API answers: the run context to `PATCH …/run`, 204 to heartbeats
/// and state changes, `value-of-KEY` for any variable, and FastAPI's 404 for anything else.
pub fn healthy(request: &Recorded) -> Reply {
    if request.is("PATCH", "/run") {
        return Reply::Json(200, ti_run_context());
    }
    if request.is("PUT", "/heartbeat") || request.is("PATCH", "/state") {
        return Reply::Empty(204);
    }
    if request.method == "GET"
        && let Some(key) = request.path.strip_prefix("/execution/variables/")
    {
        return Reply::Json(200, json!({"key": key, "value": format!("value-of-{key}")}));
    }
    Reply::Json(
        404,
        json!({"detail": {"reason": "not_found", "message": "not in the fake API"}}),
    )
}

/// An `ExecuteTask` workload for [`TI_ID`] on [`QUEUE`], as the scheduler writes it.
pub fn workload() -> Value {
    json!({
        "token": "fake-token",
        "dag_rel_path": "hostile.py",
        "bundle_info": {"name": "dags-folder", "version": null},
        "log_path": LOG_PATH,
        "ti": {
            "id": TI_ID,
            "task_id": "scripted",
            "dag_id": DAG_ID,
            "run_id": RUN_ID,
            "try_number": 1,
            "dag_version_id": "0195f6a4-0000-7000-8000-00000000beef",
            "map_index": -1,
            "hostname": null,
            "context_carrier": null,
            "queue": QUEUE,
            "pool_slots": 1,
            "priority_weight": 1
        },
        "sentry_integration": "",
        "type": "ExecuteTask"
    })
}

// --- the scripted child, packed -------------------------------------------------------------

/// `target/debug/examples/scripted_child`, next to the test executable's `deps/`.
pub fn scripted_child_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable is in target/<profile>/deps");
    let binary = profile_dir.join("examples").join("scripted_child");
    assert!(
        binary.is_file(),
        "{} is missing: `cargo test -p airflow-comms-supervisor` builds it; with a narrower \
         command, build it first with `cargo build -p airflow-comms-supervisor --example scripted_child`",
        binary.display()
    );
    // `cargo test --test hostile` alone does not rebuild examples: refuse a binary older than
    // its source rather than test what the source no longer says.
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scripted_child.rs");
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    if let (Some(built), Some(written)) = (modified(&binary), modified(&source)) {
        assert!(
            built >= written,
            "{} is older than {}: rebuild it with `cargo build -p airflow-comms-supervisor \
             --example scripted_child` (or run the whole `cargo test -p airflow-comms-supervisor`)",
            binary.display(),
            source.display()
        );
    }
    binary
}

/// The scripted child packed as a bundle declaring [`DAG_ID`] (`sdk.supervisor_schema_version`
/// is this crate's [`airflow_comms::SUPERVISOR_SCHEMA_VERSION`]), written once per test process.
///
/// A debug build of the child is large (over 100 MB with its debug info), so it is packed once
/// into a directory of this process's own under `CARGO_TARGET_TMPDIR`, and each test links to it;
/// directories left by test processes that are gone are removed on the way.
pub fn packed_bundle() -> &'static Path {
    static BUNDLE: OnceLock<PathBuf> = OnceLock::new();
    BUNDLE.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile");
        std::fs::create_dir_all(&root).expect("mkdir target/tmp/hostile");
        if let Ok(entries) = std::fs::read_dir(&root) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let gone = name
                    .to_str()
                    .and_then(|n| n.parse::<u32>().ok())
                    .is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists());
                if gone {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let dir = root.join(std::process::id().to_string());
        std::fs::create_dir_all(&dir).expect("mkdir the bundle directory");
        let binary = std::fs::read(scripted_child_binary()).expect("read the scripted child");
        let dags: BTreeMap<String, Dag> = [(DAG_ID.to_owned(), Dag::default())].into();
        let manifest = Manifest::new(Sdk::rust("0.1.0"), "scripted_child.rs", dags);
        assert_eq!(
            manifest.sdk.supervisor_schema_version,
            airflow_comms::SUPERVISOR_SCHEMA_VERSION
        );
        let bytes = bundle::pack(
            &binary,
            b"// supervisor/examples/scripted_child.rs\n",
            &manifest,
        )
        .expect("the scripted child packs");
        let path = dir.join("scripted_child.bundle");
        write_executable(&path, &bytes);
        path
    })
}

/// Writes `bytes` to `path` with mode 0755.
pub fn write_executable(path: &Path, bytes: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, bytes).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

// --- running the supervisor -----------------------------------------------------------------

/// One supervisor run's surroundings: a temp `AIRFLOW_HOME` with the task log folder, the bundle
/// root the queue is routed to, and the environment the supervisor (and so the child) gets.
pub struct Setup {
    pub home: tempfile::TempDir,
    pub env: Vec<(String, String)>,
    pub args: Vec<String>,
}

impl Setup {
    /// A run of [`workload`] against the API at `url`, with the scripted child running
    /// `script`; timings shortened (1 s heartbeats, fast retries).
    pub fn new(url: &str, script: &str) -> Setup {
        let home = tempfile::tempdir().expect("a temp AIRFLOW_HOME");
        let bundles = home.path().join("bundles");
        std::fs::create_dir_all(&bundles).expect("mkdir bundles");
        let coordinators = json!({
            "scripted": {
                "classpath": "airflow.sdk.coordinators.executable.ExecutableCoordinator",
                "kwargs": {"executables_root": [bundles], "task_startup_timeout": 30}
            }
        });
        let routes = json!({ QUEUE: "scripted" });
        let path = |p: PathBuf| p.display().to_string();
        let env = vec![
            ("AIRFLOW_HOME".to_owned(), path(home.path().to_owned())),
            (
                "AIRFLOW__LOGGING__BASE_LOG_FOLDER".to_owned(),
                path(home.path().join("logs")),
            ),
            (
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL".to_owned(),
                url.to_owned(),
            ),
            (
                "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL".to_owned(),
                "1".to_owned(),
            ),
            (
                "AIRFLOW__WORKERS__EXECUTION_API_RETRIES".to_owned(),
                "2".to_owned(),
            ),
            (
                "AIRFLOW__WORKERS__EXECUTION_API_RETRY_WAIT_MIN".to_owned(),
                "0.05".to_owned(),
            ),
            (
                "AIRFLOW__WORKERS__EXECUTION_API_RETRY_WAIT_MAX".to_owned(),
                "0.2".to_owned(),
            ),
            (
                "AIRFLOW__WORKERS__SOCKET_CLEANUP_TIMEOUT".to_owned(),
                "5".to_owned(),
            ),
            (
                "AIRFLOW__SDK__COORDINATORS".to_owned(),
                coordinators.to_string(),
            ),
            (
                "AIRFLOW__SDK__QUEUE_TO_COORDINATOR".to_owned(),
                routes.to_string(),
            ),
            ("SCRIPTED_CHILD".to_owned(), script.to_owned()),
            (
                "SCRIPTED_CHILD_OUT".to_owned(),
                path(home.path().join("child.jsonl")),
            ),
        ];
        Setup {
            home,
            env,
            args: vec!["--json-string".to_owned(), workload().to_string()],
        }
    }

    /// Sets (or replaces) an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Setup {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Replaces the command line's arguments.
    pub fn args(mut self, args: &[&str]) -> Setup {
        self.args = args.iter().map(|a| (*a).to_owned()).collect();
        self
    }

    /// The folder the coordinator searches for bundles.
    pub fn bundles(&self) -> PathBuf {
        self.home.path().join("bundles")
    }

    /// Links the packed scripted child into the bundle folder.
    pub fn with_bundle(self) -> Setup {
        std::os::unix::fs::symlink(packed_bundle(), self.bundles().join("scripted_child"))
            .expect("link the bundle");
        self
    }

    /// The task log file.
    pub fn task_log(&self) -> PathBuf {
        self.home.path().join("logs").join(LOG_PATH)
    }

    /// The task log's lines, parsed.
    pub fn task_log_lines(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(self.task_log()).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    /// The file the child reports to.
    pub fn child_out(&self) -> PathBuf {
        self.home.path().join("child.jsonl")
    }

    /// What the child reported, one JSON object per step.
    pub fn child_report(&self) -> Vec<Value> {
        let text =
            std::fs::read_to_string(self.home.path().join("child.jsonl")).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// The child's step named `event`, if it got there.
    pub fn child_event(&self, event: &str) -> Option<Value> {
        self.child_report()
            .into_iter()
            .find(|e| e["event"] == event)
    }

    /// The child's pid, once it reported it.
    pub fn child_pid(&self) -> Option<u32> {
        self.child_event("pid")
            .and_then(|e| e["pid"].as_u64())
            .and_then(|p| u32::try_from(p).ok())
    }

    /// Waits until the child reports `event`, for at most `limit`.
    pub fn wait_for_child(&self, event: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.child_event(event).is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// Starts the supervisor.
    pub fn spawn(&self, output: Output) -> Running {
        let mut command = Command::new(env!("CARGO_BIN_EXE_airflow-supervisor"));
        // Nothing of the developer's own Airflow or AWS setup may leak in.
        for (key, _) in std::env::vars_os() {
            let key_text = key.to_string_lossy();
            if key_text.starts_with("AIRFLOW") || key_text.starts_with("AWS_") {
                command.env_remove(key);
            }
        }
        command
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(self.home.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = command.spawn().expect("start airflow-supervisor");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let stdout = std::thread::spawn(move || capture(stdout, output));
        let stderr = std::thread::spawn(move || capture(stderr, Output::Keep));
        Running {
            pid: child.id(),
            child,
            stdout: Some(stdout),
            stderr: Some(stderr),
            started,
            child_out: self.home.path().join("child.jsonl"),
        }
    }

    /// Runs the supervisor to its end, for at most `limit`.
    pub fn run(&self, limit: Duration) -> Finished {
        self.spawn(Output::Keep).wait(limit)
    }
}

/// How much of the supervisor's stdout the test keeps.
#[derive(Debug, Clone, Copy)]
pub enum Output {
    /// Every line.
    Keep,
    /// Every line but the mirrored `task.stdout` ones, which are only counted.
    CountTaskStdout,
}

/// The supervisor's stdout or stderr, as read.
#[derive(Debug, Default)]
pub struct Captured {
    pub lines: Vec<String>,
    pub task_stdout_lines: usize,
}

fn capture(stream: impl Read, output: Output) -> Captured {
    let mut reader = BufReader::with_capacity(1 << 16, stream);
    let mut captured = Captured::default();
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return captured,
            Ok(_) => {}
        }
        let is_task_stdout = memfind(&line, br#""logger":"task.stdout""#);
        if is_task_stdout {
            captured.task_stdout_lines += 1;
            if matches!(output, Output::CountTaskStdout) {
                continue;
            }
        }
        captured
            .lines
            .push(String::from_utf8_lossy(&line).trim_end().to_owned());
    }
}

fn memfind(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A supervisor that runs.
pub struct Running {
    pub pid: u32,
    child: Child,
    stdout: Option<std::thread::JoinHandle<Captured>>,
    stderr: Option<std::thread::JoinHandle<Captured>>,
    pub started: Instant,
    child_out: PathBuf,
}

impl Running {
    /// Whether it is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits for the exit, for at most `limit` from the start; past it, the supervisor and the
    /// scripted child are killed and the test fails with what the supervisor printed.
    pub fn wait(mut self, limit: Duration) -> Finished {
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for the supervisor") {
                break Some(status);
            }
            if self.started.elapsed() > limit {
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let ended = Instant::now();
        let elapsed = ended - self.started;
        if status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
            if let Some(pid) = reported_pid(&self.child_out) {
                kill(pid, rustix::process::Signal::KILL);
            }
        }
        let stdout = self.stdout.take().expect("once").join().unwrap_or_default();
        let stderr = self.stderr.take().expect("once").join().unwrap_or_default();
        let finished = Finished {
            code: status.and_then(|s| s.code()),
            stdout: stdout.lines,
            task_stdout_lines: stdout.task_stdout_lines,
            stderr: stderr.lines,
            elapsed,
            ended,
        };
        assert!(
            status.is_some(),
            "the supervisor did not exit within {limit:?}; it printed:\n{}",
            finished.output()
        );
        finished
    }
}

fn reported_pid(path: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(path).ok()?;
    let first: Value = serde_json::from_str(text.lines().next()?).ok()?;
    first["pid"].as_u64().and_then(|p| u32::try_from(p).ok())
}

/// Sends `signal` to `pid`.
pub fn kill(pid: u32, signal: rustix::process::Signal) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process(pid, signal);
    }
}

/// A finished supervisor run.
#[derive(Debug)]
pub struct Finished {
    /// The exit code (`None`: ended by a signal).
    pub code: Option<i32>,
    /// Its stdout's lines (without the counted-only ones).
    pub stdout: Vec<String>,
    /// The mirrored `task.stdout` lines seen on its stdout.
    pub task_stdout_lines: usize,
    /// Its stderr's lines.
    pub stderr: Vec<String>,
    /// From start to exit.
    pub elapsed: Duration,
    /// When the exit was seen.
    pub ended: Instant,
}

impl Finished {
    /// Stdout then stderr, for messages (the first 200 lines of each).
    pub fn output(&self) -> String {
        let head = |lines: &[String]| {
            lines
                .iter()
                .take(200)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        };
        format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}",
            head(&self.stdout),
            head(&self.stderr)
        )
    }

    /// Whether stdout or stderr has a line containing `text`.
    pub fn says(&self, text: &str) -> bool {
        self.stdout
            .iter()
            .chain(&self.stderr)
            .any(|l| l.contains(text))
    }

    /// The supervisor's stdout lines that are JSON objects.
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// The JSON stdout lines whose `event` is `event`.
    pub fn events(&self, event: &str) -> Vec<Value> {
        self.json_lines()
            .into_iter()
            .filter(|l| l["event"] == event)
            .collect()
    }
}

/// Whether `pid` is a live process (not gone, not a zombie waiting to be reaped).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the first field after the command name, which is in parentheses.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// A field of `/proc/<pid>/status` (`VmHWM`, `SigCgt`), as written there.
pub fn proc_status(pid: u32, field: &str) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| {
        line.strip_prefix(field)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(|v| v.trim().to_owned())
    })
}

/// Serializes the tests that load the machine (the 100 MB ones), so that they neither slow
/// each other past their bounds nor add up their memory.
pub fn heavy() -> std::sync::MutexGuard<'static, ()> {
    static HEAVY: Mutex<()> = Mutex::new(());
    HEAVY.lock().unwrap_or_else(|e| e.into_inner())
}
