//! Running one task instance to its end: the life cycle Airflow's `supervise_task` gives a task.
//!
//! 1. The child is started (the SDK's task runner, or a native bundle).
//! 2. `PATCH …/run` tells the server it runs; on any failure the child is killed and the run
//!    ends with that error. The answer's `TIRunContext` goes to the child as `StartupDetails`
//!    (response frame 0).
//! 3. Then, concurrently and independently: the child's requests are served (one at a time, as
//!    the child sends them), its stdout, stderr and log sockets are copied into the task log,
//!    and heartbeats go out every `[workers] min_heartbeat_interval`. None of these waits for
//!    another: a slow upload never delays a heartbeat, and a retrying heartbeat never delays a
//!    request.
//! 4. The supervisor's loop waits for the exit, forwards SIGTERM and SIGINT, kills on the
//!    heartbeat's word (SIGINT → SIGTERM → SIGKILL to the process group, `kill_escalation`
//!    apart) and after `[core] task_success_overtime` past a terminal message.
//! 5. After the exit, the streams are drained (at most `[workers] socket_cleanup_timeout`), and
//!    the final state is reported when no message reported it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use airflow_comms::dispatch::AsyncDispatch;
use airflow_comms::frame::{ResponseFrame, encode_response};
use airflow_comms::{
    BundleInfo, StartupDetails, SupervisorCodec, TIRunContext, TaskInstance, TaskToSupervisor,
};
use bytes::BytesMut;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio_util::codec::Decoder;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use uuid::Uuid;

use crate::api::{ApiClient, ApiError, Body};
use crate::child::{self, ReplyWriter, RequestReader, Started};
use crate::logs::{Level, Record, TaskLog};
use crate::serve::{Handler, RunState, Terminal};

/// What to run.
#[derive(Debug, Clone)]
pub struct TaskSpec {
    /// The task instance's id.
    pub ti_id: Uuid,
    /// The task instance as the child receives it in `StartupDetails`.
    pub ti: TaskInstance,
    /// The DAG file, relative to the bundle's root.
    pub dag_rel_path: String,
    /// The DAG bundle.
    pub bundle_info: BundleInfo,
    /// The Sentry integration's import path; empty for none.
    pub sentry_integration: String,
}

/// How the child is started.
#[derive(Debug)]
pub enum Launch {
    /// The SDK's task runner, with this Python interpreter.
    Python(PathBuf),
    /// A child already started (a native bundle, connected).
    Started(Box<Started>),
}

/// The time limits of a run, from Airflow's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Timings {
    /// `[workers] min_heartbeat_interval`.
    pub heartbeat_interval: Duration,
    /// `[workers] max_failed_heartbeats`.
    pub max_failed_heartbeats: u32,
    /// `[core] task_success_overtime`.
    pub success_overtime: Duration,
    /// `[workers] socket_cleanup_timeout`.
    pub socket_cleanup_timeout: Duration,
    /// The wait between two signals of a kill (Airflow's is 5 s, not configurable).
    pub kill_escalation: Duration,
}

impl Default for Timings {
    /// Airflow 3.3's defaults.
    fn default() -> Self {
        Timings {
            heartbeat_interval: Duration::from_secs(5),
            max_failed_heartbeats: 3,
            success_overtime: Duration::from_secs(20),
            socket_cleanup_timeout: Duration::from_secs(60),
            kill_escalation: Duration::from_secs(5),
        }
    }
}

/// Who the supervisor says it is to the server.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The host name reported in `PATCH …/run` and heartbeats.
    pub hostname: String,
    /// The user name reported in `PATCH …/run`.
    pub unixname: String,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The child's exit code; `-N` when signal N ended it.
    pub exit_code: i32,
    /// The task's final state.
    pub final_state: Terminal,
}

/// Why a run could not be carried through.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The child could not be started.
    #[error("could not start the task process: {0}")]
    Start(#[source] std::io::Error),
    /// `PATCH …/run` failed; the child was killed.
    #[error("the server refused to start the task: {0}")]
    StartRefused(#[source] ApiError),
    /// The server's `TIRunContext` could not be read.
    #[error("the server's TIRunContext could not be read: {0}")]
    RunContext(String),
    /// The final state could not be reported.
    #[error("the final state {state} could not be reported: {detail}")]
    Report {
        /// The state.
        state: &'static str,
        /// The error.
        detail: String,
    },
}

/// Runs the task to its end.
pub async fn run(
    spec: TaskSpec,
    launch: Launch,
    api: ApiClient,
    log: TaskLog,
    timings: Timings,
    identity: Identity,
) -> Result<Outcome, RunError> {
    let started = match launch {
        Launch::Python(python) => child::start_python(&python).map_err(RunError::Start)?,
        Launch::Started(started) => *started,
    };
    let Started {
        mut process,
        pid,
        io:
            child::ChildIo {
                requests,
                mut replies,
                stdout,
                stderr,
                logs,
            },
    } = started;

    // The child's output is read from the start, so that whatever it says before it is told
    // what to run (or before it is killed because the server refused) reaches the log.
    let (streams, cancel) = read_output(stdout, stderr, logs, &log);

    // Tell the server the task runs, before the child learns what to do.
    let start_date = crate::serve::now_json();
    let body = json!({
        "state": "running",
        "hostname": identity.hostname,
        "unixname": identity.unixname,
        "pid": pid,
        "start_date": start_date,
    });
    let path = format!("/task-instances/{}/run", spec.ti_id);
    let started = match api.call(Method::PATCH, &path, &[], Body::json(&body)).await {
        Ok(answer) => serde_json::from_slice::<TIRunContext>(&answer.body)
            .map_err(|e| RunError::RunContext(e.to_string())),
        Err(error) => Err(RunError::StartRefused(error)),
    };
    let context = match started {
        Ok(context) => context,
        Err(error) => {
            signal_group(pid, rustix::process::Signal::KILL);
            let status = process.wait().await;
            log_exit(
                &log,
                exit_code_of(status),
                Some(rustix::process::Signal::KILL),
            )
            .await;
            drop(replies);
            drop(requests);
            drain(&streams, &cancel, &timings, &log, pid, -9).await;
            return Err(error);
        }
    };
    let state = Arc::new(Mutex::new(RunState {
        should_retry: context.should_retry.unwrap_or(false),
        ..RunState::default()
    }));
    let last_heartbeat = Instant::now();

    // StartupDetails, as response frame 0. A child that died already shows why on stderr.
    let details = StartupDetails {
        start_date: match &context.start_date {
            Some(date) => airflow_comms::time::NaiveOrAwareDateTime::from(*date),
            None => now_naive_or_aware(),
        },
        ti: spec.ti.clone(),
        dag_rel_path: spec.dag_rel_path.clone(),
        bundle_info: spec.bundle_info.clone(),
        ti_context: context,
        sentry_integration: spec.sentry_integration.clone(),
    };
    let mut frame = Vec::new();
    if encode_response(
        &ResponseFrame::<StartupDetails>::reply(0, details),
        &mut frame,
    )
    .is_ok()
    {
        let _ = replies.write_all(&frame).await;
    }

    let handler = Handler::for_task(
        api.clone(),
        log.masker().clone(),
        log.clone(),
        spec.ti_id,
        state.clone(),
    );
    streams.spawn(cancellable(
        cancel.clone(),
        serve_requests::<TaskToSupervisor>(
            requests,
            replies,
            handler.clone(),
            log.clone(),
            streams.clone(),
            cancel.clone(),
        ),
    ));

    let (kill_tx, mut kill_rx) = tokio::sync::mpsc::channel::<KillReason>(4);
    let heartbeat = tokio::spawn(heartbeat_loop(
        api.clone(),
        spec.ti_id,
        pid,
        identity.hostname.clone(),
        state.clone(),
        timings.clone(),
        kill_tx,
        log.clone(),
        last_heartbeat,
    ));

    // The supervisor's loop.
    let mut sigterm =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut kill: Option<Escalation> = None;
    let exit_status = loop {
        tokio::select! {
            status = process.wait() => break status,
            Some(reason) = kill_rx.recv() => {
                if kill.is_none() {
                    kill = Some(Escalation::start(pid, reason.first_signal(), &timings));
                }
            }
            Some(()) = recv_signal(&mut sigterm) => forward(pid, rustix::process::Signal::TERM, &log).await,
            Some(()) = recv_signal(&mut sigint) => forward(pid, rustix::process::Signal::INT, &log).await,
            _ = tick.tick() => {
                if let Some(escalation) = kill.as_mut() {
                    escalation.advance(pid, &timings, &log).await;
                } else if overtime_reached(&state, &timings) {
                    log.own(Record::now(Level::Warning, "Task success overtime reached; terminating process. Modify `task_success_overtime` setting in [core] section of Airflow configuration to change this limit.").with("ti_id", spec.ti_id.to_string())).await;
                    kill = Some(Escalation::start(pid, rustix::process::Signal::TERM, &timings));
                }
            }
        }
    };
    heartbeat.abort();
    let exit_code = exit_code_of(exit_status);
    let expected = kill.as_ref().map(|k| k.last_signal);
    log_exit(&log, exit_code, expected).await;

    drain(&streams, &cancel, &timings, &log, pid, exit_code).await;

    // Report what no message reported.
    let (final_state, had_pending) = {
        let run = state.lock().unwrap_or_else(|e| e.into_inner());
        (run.final_state(exit_code), run.pending.is_some())
    };
    if had_pending {
        if let Err(error) = handler.replay_pending().await {
            log.own(
                Record::now(
                    Level::Error,
                    "Recovery retry of terminal-state API call failed; TI may be stuck on the server",
                )
                .with("ti_id", spec.ti_id.to_string())
                .with("error", format!("{error:?}")),
            )
            .await;
        }
    } else if !final_state.is_sent_directly() {
        handler
            .finish(final_state)
            .await
            .map_err(|e| RunError::Report {
                state: final_state.as_str(),
                detail: format!("{e:?}"),
            })?;
    }
    Ok(Outcome {
        exit_code,
        final_state,
    })
}

/// Starts copying the child's stdout, stderr and log sockets into the task log, each on a task
/// of the returned tracker; the token stops them all.
pub(crate) fn read_output(
    stdout: Box<dyn tokio::io::AsyncRead + Send + Unpin>,
    stderr: Box<dyn tokio::io::AsyncRead + Send + Unpin>,
    logs: Vec<Box<dyn tokio::io::AsyncRead + Send + Unpin>>,
    log: &TaskLog,
) -> (TaskTracker, CancellationToken) {
    let streams = TaskTracker::new();
    let cancel = CancellationToken::new();
    streams.spawn(cancellable(
        cancel.clone(),
        child::pump_output(stdout, log.clone(), "task.stdout", Level::Info),
    ));
    streams.spawn(cancellable(
        cancel.clone(),
        child::pump_output(stderr, log.clone(), "task.stderr", Level::Error),
    ));
    for stream in logs {
        streams.spawn(cancellable(
            cancel.clone(),
            child::pump_json_logs(stream, log.clone()),
        ));
    }
    (streams, cancel)
}

/// Waits for the child's streams to end, for at most the socket cleanup timeout, then stops
/// reading whatever is still open.
pub(crate) async fn drain(
    streams: &TaskTracker,
    cancel: &CancellationToken,
    timings: &Timings,
    log: &TaskLog,
    pid: u32,
    exit_code: i32,
) {
    streams.close();
    if tokio::time::timeout(timings.socket_cleanup_timeout, streams.wait())
        .await
        .is_err()
    {
        log.own(
            Record::now(
                Level::Warning,
                "Process exited with open sockets; cleaning up after timeout",
            )
            .with("pid", pid)
            .with("exit_code", exit_code)
            .with(
                "timeout_seconds",
                timings.socket_cleanup_timeout.as_secs_f64(),
            ),
        )
        .await;
        cancel.cancel();
        streams.wait().await;
    }
}

fn now_naive_or_aware() -> airflow_comms::time::NaiveOrAwareDateTime {
    let text = crate::serve::now_json();
    serde_json::from_value(serde_json::Value::String(text))
        .expect("the clock's time is a valid date-time")
}

pub(crate) async fn cancellable<F: Future<Output = std::io::Result<()>>>(
    cancel: CancellationToken,
    work: F,
) {
    tokio::select! {
        _ = cancel.cancelled() => {}
        _ = work => {}
    }
}

async fn recv_signal(signal: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match signal {
        Some(s) => s.recv().await,
        None => std::future::pending().await,
    }
}

/// Forwards a signal the supervisor received to the child, as Airflow's supervisor does (to
/// the child alone: the child decides what its own children get).
async fn forward(pid: u32, signal: rustix::process::Signal, log: &TaskLog) {
    log.own(
        Record::now(
            Level::Info,
            "Received signal, forwarding to task subprocess",
        )
        .with("signal", signal_name(signal))
        .with("pid", pid),
    )
    .await;
    if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process(pid, signal);
    }
}

/// Sends `signal` to the child's process group (its own, from `setpgid(0, 0)`), or to the child
/// alone if the group cannot be signalled.
pub(crate) fn signal_group(pid: u32, signal: rustix::process::Signal) {
    let Some(pid) = rustix::process::Pid::from_raw(pid as i32) else {
        return;
    };
    if rustix::process::kill_process_group(pid, signal).is_err() {
        let _ = rustix::process::kill_process(pid, signal);
    }
}

fn signal_name(signal: rustix::process::Signal) -> &'static str {
    use rustix::process::Signal;
    match signal {
        Signal::INT => "SIGINT",
        Signal::TERM => "SIGTERM",
        Signal::KILL => "SIGKILL",
        Signal::SEGV => "SIGSEGV",
        Signal::ABORT => "SIGABRT",
        Signal::HUP => "SIGHUP",
        Signal::QUIT => "SIGQUIT",
        Signal::USR1 => "SIGUSR1",
        Signal::USR2 => "SIGUSR2",
        Signal::PIPE => "SIGPIPE",
        Signal::ALARM => "SIGALRM",
        _ => "signal",
    }
}

/// Why the supervisor kills the child.
#[derive(Debug, Clone, Copy)]
enum KillReason {
    /// The server said the task must stop, or heartbeats kept failing: SIGTERM, then SIGKILL.
    Heartbeat,
}

impl KillReason {
    fn first_signal(self) -> rustix::process::Signal {
        match self {
            KillReason::Heartbeat => rustix::process::Signal::TERM,
        }
    }
}

/// A kill in progress: the signals still to send and when the next one is due.
#[derive(Debug)]
struct Escalation {
    remaining: Vec<rustix::process::Signal>,
    next_at: Instant,
    last_signal: rustix::process::Signal,
}

impl Escalation {
    /// Sends `first` now and plans the stronger signals after it.
    fn start(pid: u32, first: rustix::process::Signal, timings: &Timings) -> Escalation {
        use rustix::process::Signal;
        let path = [Signal::INT, Signal::TERM, Signal::KILL];
        let from = path.iter().position(|s| *s == first).unwrap_or(0);
        signal_group(pid, first);
        Escalation {
            remaining: path[from + 1..].to_vec(),
            next_at: Instant::now() + timings.kill_escalation,
            last_signal: first,
        }
    }

    async fn advance(&mut self, pid: u32, timings: &Timings, log: &TaskLog) {
        if Instant::now() < self.next_at || self.remaining.is_empty() {
            return;
        }
        let next = self.remaining.remove(0);
        log.own(
            Record::now(
                Level::Warning,
                "Process did not terminate in time; escalating",
            )
            .with("pid", pid)
            .with("signal", signal_name(self.last_signal)),
        )
        .await;
        signal_group(pid, next);
        self.last_signal = next;
        self.next_at = Instant::now() + timings.kill_escalation;
    }
}

/// Whether the child outlived its terminal message by more than the overtime. A terminal
/// message whose report failed counts too (Airflow's supervisor waits for the report to succeed,
/// so a child that hangs after a refused report is never killed there).
fn overtime_reached(state: &Mutex<RunState>, timings: &Timings) -> bool {
    let run = state.lock().unwrap_or_else(|e| e.into_inner());
    let ended = run.terminal.is_some() || run.pending.is_some();
    matches!(run.task_end, Some(end) if ended && end.elapsed() > timings.success_overtime)
}

pub(crate) fn exit_code_of(status: std::io::Result<std::process::ExitStatus>) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Ok(status) => match (status.code(), status.signal()) {
            (Some(code), _) => code,
            (None, Some(signal)) => -signal,
            (None, None) => 1,
        },
        Err(_) => 1,
    }
}

/// What the task log says about an exit, as Airflow's supervisor says it: nothing for exit 0
/// or for the signal the supervisor itself sent last.
pub(crate) async fn log_exit(
    log: &TaskLog,
    exit_code: i32,
    expected: Option<rustix::process::Signal>,
) {
    use rustix::process::Signal;
    if exit_code == 0 {
        return;
    }
    if exit_code < 0 {
        let signal = Signal::from_named_raw(-exit_code);
        if expected.is_some() && expected == signal {
            return;
        }
        if signal == Some(Signal::SEGV) {
            log.note(Record::now(Level::Critical, SIGSEGV_MESSAGE))
                .await;
            return;
        }
        let mut message = String::from("Process terminated by signal.");
        let mut level = Level::Error;
        if signal == Some(Signal::KILL) {
            message.push_str(" Likely out of memory error (OOM).");
            level = Level::Critical;
        }
        message.push_str(" For more information, see https://airflow.apache.org/docs/apache-airflow/stable/troubleshooting.html#process-terminated-by-signal.");
        log.note(
            Record::now(level, message)
                .with("signal", exit_code)
                .with("signal_name", signal.map(signal_name).unwrap_or("signal")),
        )
        .await;
        return;
    }
    log.note(Record::now(Level::Warning, "Process exited abnormally").with("exit_code", exit_code))
        .await;
}

/// The critical line written when the child died of SIGSEGV.
const SIGSEGV_MESSAGE: &str = "Received SIGSEGV: the task process tried to access memory it does not own (a segmentation fault), usually a bug in a native library it uses.";

/// Whether the task reached a terminal state, or is reporting one right now: no heartbeat goes
/// out then, as none does from Airflow's supervisor once a terminal message arrived.
fn ending(state: &Mutex<RunState>) -> bool {
    let run = state.lock().unwrap_or_else(|e| e.into_inner());
    run.terminal.is_some() || run.pending.is_some()
}

/// Sends heartbeats until a terminal state or the task's end; asks the loop to kill the child
/// when the server says the task must stop, or after too many failures in a row.
#[allow(clippy::too_many_arguments)]
async fn heartbeat_loop(
    api: ApiClient,
    ti_id: Uuid,
    pid: u32,
    hostname: String,
    state: Arc<Mutex<RunState>>,
    timings: Timings,
    kill: tokio::sync::mpsc::Sender<KillReason>,
    log: TaskLog,
    _started: Instant,
) {
    let path = format!("/task-instances/{ti_id}/heartbeat");
    let body = json!({ "hostname": hostname, "pid": pid });
    let mut failures = 0u32;
    let mut ticks = tokio::time::interval(timings.heartbeat_interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if ending(&state) {
            return;
        }
        match api.call(Method::PUT, &path, &[], Body::json(&body)).await {
            Ok(_) => failures = 0,
            // A heartbeat that was already on its way when the task reported its end may find
            // the task no longer running: that is the end the task reported, not the server
            // stopping it.
            Err(_) if ending(&state) => return,
            Err(error)
                if matches!(
                    error.status(),
                    Some(StatusCode::NOT_FOUND | StatusCode::CONFLICT | StatusCode::GONE)
                ) =>
            {
                let detail = error.detail().cloned().unwrap_or(serde_json::Value::Null);
                log.own(
                    Record::now(
                        Level::Error,
                        "Server indicated the task shouldn't be running anymore",
                    )
                    .with("detail", detail.clone())
                    .with(
                        "status_code",
                        error.status().map(|s| s.as_u16()).unwrap_or(0),
                    )
                    .with("ti_id", ti_id.to_string()),
                )
                .await;
                log.note(
                    Record::now(
                        Level::Error,
                        "Server indicated the task shouldn't be running anymore. Terminating process",
                    )
                    .with("detail", detail),
                )
                .await;
                state.lock().unwrap_or_else(|e| e.into_inner()).terminal =
                    Some(Terminal::ServerTerminated);
                let _ = kill.send(KillReason::Heartbeat).await;
                log.note(Record::now(Level::Error, "Task killed!")).await;
                return;
            }
            Err(error) => {
                failures += 1;
                log.own(
                    Record::now(Level::Warning, "Failed to send heartbeat. Will be retried")
                        .with("failed_heartbeats", failures)
                        .with("ti_id", ti_id.to_string())
                        .with("max_retries", timings.max_failed_heartbeats)
                        .with("error", error.to_string()),
                )
                .await;
                if failures >= timings.max_failed_heartbeats {
                    log.own(
                        Record::now(
                            Level::Error,
                            "Too many failed heartbeats; terminating process",
                        )
                        .with("failed_heartbeats", failures),
                    )
                    .await;
                    let _ = kill.send(KillReason::Heartbeat).await;
                    return;
                }
            }
        }
    }
}

/// Serves the child's requests on channel `C` until it closes the stream: each frame gets
/// exactly one answer, `ResendLoggingFD` a fresh log socket (its reading end joins `streams`), a
/// frame that cannot be decoded the library's refusal (an error naming what was wrong), so the
/// child never waits for an answer that will not come.
pub(crate) async fn serve_requests<C>(
    mut reader: RequestReader,
    mut writer: ReplyWriter,
    mut handler: Handler,
    log: TaskLog,
    streams: TaskTracker,
    cancel: CancellationToken,
) -> std::io::Result<()>
where
    C: airflow_comms::Union + Send,
    Handler: AsyncDispatch<C>,
{
    // Frames as long as the wire allows (a 4-byte length), as Airflow's supervisor reads them:
    // a task may push an XCom of hundreds of megabytes, and it is the task's to send.
    let mut codec = SupervisorCodec::<C>::new().with_max_frame_len(u32::MAX);
    let mut input = BytesMut::with_capacity(64 * 1024);
    let mut out = Vec::new();
    loop {
        let item = match codec.decode(&mut input) {
            Ok(Some(item)) => item,
            Ok(None) => {
                if reader.read_buf(&mut input).await? > 0 {
                    continue;
                }
                match codec.decode_eof(&mut input) {
                    Ok(Some(item)) => item,
                    Ok(None) => return Ok(()),
                    Err(error) => {
                        report_bad_stream(&log, &error).await;
                        return Ok(());
                    }
                }
            }
            Err(error) => {
                report_bad_stream(&log, &error).await;
                return Ok(());
            }
        };
        out.clear();
        match item {
            Ok(request) => {
                if request.body.type_tag() == "ResendLoggingFD" {
                    let (ours, theirs) = std::os::unix::net::UnixStream::pair()?;
                    let stream = child::unix_stream(ours)?;
                    streams.spawn(cancellable(
                        cancel.clone(),
                        child::pump_json_logs(stream, log.clone()),
                    ));
                    let theirs = std::os::fd::OwnedFd::from(theirs);
                    use std::os::fd::AsFd;
                    let frame = airflow_comms::fds::sent_fds_frame(request.id, &[theirs.as_fd()])
                        .map_err(std::io::Error::other)?;
                    writer.write_with_fd(&frame, &theirs).await?;
                    continue;
                }
                if let Err(error) =
                    AsyncDispatch::<C>::dispatch(&mut handler, request, &mut out).await
                {
                    out.clear();
                    refuse(&log, &error, &mut out).await;
                }
            }
            Err(error) => refuse(&log, &error, &mut out).await,
        }
        if !out.is_empty() {
            writer.write_all(&out).await?;
        }
    }
}

async fn refuse(log: &TaskLog, error: &airflow_comms::FrameError, out: &mut Vec<u8>) {
    log.own(Record::now(Level::Error, "Unable to decode message").with("error", error.to_string()))
        .await;
    if let Some(frame) = airflow_comms::dispatch::refusal(error) {
        let _ = encode_response(&frame, out);
    }
}

async fn report_bad_stream(log: &TaskLog, error: &airflow_comms::FrameError) {
    log.own(
        Record::now(
            Level::Error,
            "The task's request stream broke; no more requests are read",
        )
        .with("error", error.to_string()),
    )
    .await;
}
