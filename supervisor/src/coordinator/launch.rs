//! Starting a bundle and waiting for it to connect, as Airflow's
//! `_PopenActivitySubprocess.start` does.

use std::io;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream, UnixStream};
use tokio::process::{Child, Command};
use tokio::time::Instant;

use super::owner::connection_from_tree;
use super::selection::DEFAULT_TASK_STARTUP_TIMEOUT;

/// How much is read from the child's stdout or stderr at a time while waiting for it to connect
/// (Airflow: 4096).
const DRAIN_CHUNK: usize = 4096;

/// How a bundle is launched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchOptions {
    /// How long the child has to connect to both sockets; also how long a child that failed to
    /// start is given to exit after `SIGTERM` before `SIGKILL`. Zero fails at once after the
    /// spawn, as in Airflow. Default 10 s ([`DEFAULT_TASK_STARTUP_TIMEOUT`]).
    pub startup_timeout: Duration,
    /// `AIRFLOW__LOGGING__LOGGING_LEVEL` for the child: Airflow passes `[logging] logging_level`
    /// (default `INFO`).
    pub logging_level: String,
    /// `AIRFLOW__LOGGING__NAMESPACE_LEVELS` for the child: Airflow passes `[logging]
    /// namespace_levels` (default empty).
    pub namespace_levels: String,
    /// Start the child in a process group of its own (`setpgid(0, 0)`). Airflow's executable
    /// path does not (its `Popen` is given neither `process_group` nor `start_new_session`: the
    /// child shares the supervisor's group and is signalled by pid alone), so the default is
    /// `false`; Airflow's Python task path does (`new_process_group=True`).
    pub own_process_group: bool,
}

impl Default for LaunchOptions {
    fn default() -> Self {
        Self {
            startup_timeout: DEFAULT_TASK_STARTUP_TIMEOUT,
            logging_level: "INFO".into(),
            namespace_levels: String::new(),
            own_process_group: false,
        }
    }
}

/// A child's stdout or stderr: what it wrote before both connections were made, and the
/// supervisor's end of the socketpair for the rest.
#[derive(Debug)]
pub struct CapturedOutput {
    /// What was read while waiting for the connections; it comes before anything read from
    /// `stream` (Airflow hands the same bytes to its log readers first).
    pub early: Vec<u8>,
    /// The supervisor's end of the socketpair (`AF_UNIX`, `SOCK_STREAM`).
    pub stream: UnixStream,
    /// Whether `stream` already reached end of file while waiting (Airflow warns "Child stream
    /// closed before ready!").
    pub closed: bool,
}

impl CapturedOutput {
    /// One reader for all of it: `early`, then `stream`.
    pub fn into_reader(self) -> impl tokio::io::AsyncRead + Unpin {
        io::Cursor::new(self.early).chain(self.stream)
    }
}

/// A started bundle, connected. The listeners are closed once both connections are made (Airflow
/// keeps them open, unused, until the child exits).
#[derive(Debug)]
pub struct Launched {
    /// The child process (not killed on drop).
    pub child: Child,
    /// Its pid.
    pub pid: u32,
    /// The connection it made to `--comm`: frames both ways.
    pub comm: TcpStream,
    /// The connection it made to `--logs`: JSON log lines from the child.
    pub logs: TcpStream,
    /// Its stdout.
    pub stdout: CapturedOutput,
    /// Its stderr.
    pub stderr: CapturedOutput,
}

/// Why a bundle did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LaunchError {
    /// A loopback listener or a socketpair could not be made.
    #[error("cannot create the {what} for the child: {error}")]
    Setup {
        /// Which socket.
        what: &'static str,
        /// The error.
        error: io::Error,
    },
    /// The program could not be started.
    #[error("cannot start {}: {error}", program.display())]
    Spawn {
        /// The program.
        program: PathBuf,
        /// The error.
        error: io::Error,
    },
    /// Accepting a connection, or waiting on the child, failed.
    #[error("while waiting for the child to connect: {0}")]
    Io(#[from] io::Error),
    /// The child exited before both connections were made (Airflow: `RuntimeError("process
    /// exited with N before connecting")`, raised out of `supervise_task`).
    #[error("process exited with {returncode} before connecting")]
    ExitedBeforeConnecting {
        /// The exit code, or minus the signal that ended it (Python's `returncode`).
        returncode: i32,
        /// What it wrote to stdout (Airflow drops it).
        stdout: Vec<u8>,
        /// What it wrote to stderr (Airflow drops it).
        stderr: Vec<u8>,
    },
    /// The child did not make both connections within the startup timeout (Airflow:
    /// `TimeoutError("process did not connect within timeout")`). It was sent `SIGTERM`, and
    /// `SIGKILL` if still running a startup timeout later.
    #[error("process did not connect within timeout ({timeout:?}; connected: {connected:?})")]
    Timeout {
        /// The startup timeout.
        timeout: Duration,
        /// The sockets it did connect to (`comm`, `logs`).
        connected: Vec<&'static str>,
        /// What it wrote to stdout (Airflow drops it).
        stdout: Vec<u8>,
        /// What it wrote to stderr (Airflow drops it).
        stderr: Vec<u8>,
    },
}

/// Python's `returncode` for an exit status: the code, or minus the signal.
fn returncode(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|signal| -signal))
        .unwrap_or(-1)
}

/// One of the child's output streams while waiting.
struct Drain {
    early: Vec<u8>,
    stream: UnixStream,
    closed: bool,
}

impl Drain {
    /// Reads whatever is there without waiting (after the child has gone).
    fn read_available(&mut self) {
        let mut chunk = [0; DRAIN_CHUNK];
        while !self.closed {
            match self.stream.try_read(&mut chunk) {
                Ok(0) => self.closed = true,
                Ok(n) => self.early.extend_from_slice(&chunk[..n]),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    }

    fn into_output(self) -> CapturedOutput {
        CapturedOutput {
            early: self.early,
            stream: self.stream,
            closed: self.closed,
        }
    }
}

/// A socketpair: the supervisor's end as a tokio stream, the child's end to hand to it.
fn output_pair(what: &'static str) -> Result<(UnixStream, OwnedFd), LaunchError> {
    let setup = |error| LaunchError::Setup { what, error };
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().map_err(setup)?;
    ours.set_nonblocking(true).map_err(setup)?;
    let ours = UnixStream::from_std(ours).map_err(setup)?;
    Ok((ours, theirs.into()))
}

/// Starts `program` as Airflow's executable coordinator does and waits for it to connect.
///
/// 1. Two listeners on `127.0.0.1:0`: `comm` and `logs`.
/// 2. `program --comm=127.0.0.1:P1 --logs=127.0.0.1:P2`, in the supervisor's working directory,
///    with the supervisor's environment plus `AIRFLOW__LOGGING__LOGGING_LEVEL` and
///    `AIRFLOW__LOGGING__NAMESPACE_LEVELS`; stdin inherited; stdout and stderr each on a
///    socketpair; in the supervisor's process group unless
///    [`own_process_group`](LaunchOptions::own_process_group).
/// 3. Until both listeners have a connection: each accepted connection is kept only if it comes
///    from the child or a descendant (checked in `/proc` on Linux, retried for up to 1 s; other
///    systems keep every connection), else it is closed and the wait goes on; stdout and stderr are
///    read meanwhile, so a chatty child cannot block on a full socket buffer.
///
/// Fails when the child exits first ([`LaunchError::ExitedBeforeConnecting`]) or the startup
/// timeout passes ([`LaunchError::Timeout`]; the child is then terminated). Connections still
/// waiting to be accepted are served before the child's exit is noticed.
pub async fn launch(program: &Path, options: &LaunchOptions) -> Result<Launched, LaunchError> {
    let listener = |what| async move {
        TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|error| LaunchError::Setup { what, error })
    };
    let comm_listener = listener("comm listener").await?;
    let logs_listener = listener("logs listener").await?;
    let address = |listener: &TcpListener, what| {
        listener
            .local_addr()
            .map_err(|error| LaunchError::Setup { what, error })
    };
    let comm_address = address(&comm_listener, "comm listener")?;
    let logs_address = address(&logs_listener, "logs listener")?;
    let (stdout, child_stdout) = output_pair("stdout socketpair")?;
    let (stderr, child_stderr) = output_pair("stderr socketpair")?;

    let mut command = Command::new(program);
    command
        .arg(format!("--comm={comm_address}"))
        .arg(format!("--logs={logs_address}"))
        .env("AIRFLOW__LOGGING__LOGGING_LEVEL", &options.logging_level)
        .env(
            "AIRFLOW__LOGGING__NAMESPACE_LEVELS",
            &options.namespace_levels,
        )
        .stdin(Stdio::inherit())
        .stdout(Stdio::from(child_stdout))
        .stderr(Stdio::from(child_stderr));
    if options.own_process_group {
        command.process_group(0);
    }
    // `command` holds the child's ends of the socketpairs; they are closed with it once spawned,
    // so end of file on ours means the child (and whatever inherited them) is done with them.
    let spawned = command.spawn();
    drop(command);
    let mut child = spawned.map_err(|error| LaunchError::Spawn {
        program: program.to_owned(),
        error,
    })?;
    let pid = child.id().unwrap_or(0);

    let mut out = Drain {
        early: Vec::new(),
        stream: stdout,
        closed: false,
    };
    let mut err = Drain {
        early: Vec::new(),
        stream: stderr,
        closed: false,
    };
    let waited = wait_for_connections(
        &mut child,
        pid,
        &comm_listener,
        &logs_listener,
        &mut out,
        &mut err,
        options.startup_timeout,
    )
    .await;
    match waited {
        Ok((comm, logs)) => Ok(Launched {
            child,
            pid,
            comm,
            logs,
            stdout: out.into_output(),
            stderr: err.into_output(),
        }),
        Err(failure) => {
            terminate(&mut child, options.startup_timeout).await;
            out.read_available();
            err.read_available();
            Err(match failure {
                Failure::Exited(status) => LaunchError::ExitedBeforeConnecting {
                    returncode: returncode(status),
                    stdout: out.early,
                    stderr: err.early,
                },
                Failure::Timeout(connected) => LaunchError::Timeout {
                    timeout: options.startup_timeout,
                    connected,
                    stdout: out.early,
                    stderr: err.early,
                },
                Failure::Io(error) => LaunchError::Io(error),
            })
        }
    }
}

enum Failure {
    Exited(ExitStatus),
    Timeout(Vec<&'static str>),
    Io(io::Error),
}

async fn wait_for_connections(
    child: &mut Child,
    pid: u32,
    comm_listener: &TcpListener,
    logs_listener: &TcpListener,
    out: &mut Drain,
    err: &mut Drain,
    timeout: Duration,
) -> Result<(TcpStream, TcpStream), Failure> {
    // No deadline at all when the timeout is too long to add to now.
    let deadline = Instant::now().checked_add(timeout);
    let mut comm: Option<TcpStream> = None;
    let mut logs: Option<TcpStream> = None;
    let mut out_chunk = vec![0; DRAIN_CHUNK];
    let mut err_chunk = vec![0; DRAIN_CHUNK];
    loop {
        if let (Some(_), Some(_)) = (&comm, &logs) {
            break;
        }
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            let connected = [("comm", comm.is_some()), ("logs", logs.is_some())]
                .into_iter()
                .filter_map(|(name, done)| done.then_some(name))
                .collect();
            return Err(Failure::Timeout(connected));
        }
        let sleep = async {
            match deadline {
                Some(deadline) => tokio::time::sleep_until(deadline).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            accepted = comm_listener.accept(), if comm.is_none() => {
                let (stream, _) = accepted.map_err(Failure::Io)?;
                if connection_from_tree(&stream, pid).await {
                    comm = Some(stream);
                }
            }
            accepted = logs_listener.accept(), if logs.is_none() => {
                let (stream, _) = accepted.map_err(Failure::Io)?;
                if connection_from_tree(&stream, pid).await {
                    logs = Some(stream);
                }
            }
            read = out.stream.read(&mut out_chunk), if !out.closed => match read {
                Ok(0) | Err(_) => out.closed = true,
                Ok(n) => out.early.extend_from_slice(&out_chunk[..n]),
            },
            read = err.stream.read(&mut err_chunk), if !err.closed => match read {
                Ok(0) | Err(_) => err.closed = true,
                Ok(n) => err.early.extend_from_slice(&err_chunk[..n]),
            },
            status = child.wait() => return Err(match status {
                Ok(status) => Failure::Exited(status),
                Err(error) => Failure::Io(error),
            }),
            () = sleep => {}
        }
    }
    match (comm, logs) {
        (Some(comm), Some(logs)) => Ok((comm, logs)),
        // The loop leaves only with both.
        _ => Err(Failure::Timeout(Vec::new())),
    }
}

/// Airflow's clean-up of a child that failed to start: `SIGTERM`, up to `grace` to exit, then
/// `SIGKILL`; reaped either way. A child that already exited is only reaped.
async fn terminate(child: &mut Child, grace: Duration) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    if let Some(pid) = child.id().and_then(|pid| i32::try_from(pid).ok())
        && let Some(pid) = rustix::process::Pid::from_raw(pid)
    {
        // The child is not reaped yet (try_wait said so), so the pid is still its own.
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
    if tokio::time::timeout(grace, child.wait()).await.is_err() {
        let _ = child.start_kill();
        let _ = child.wait().await;
    }
}
