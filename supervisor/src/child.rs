//! Starting the task process and reading its streams.
//!
//! A Python task runs in the SDK's own task runner, started as the SDK's fork + exec path starts
//! it: a fresh interpreter running `_child_exec_main`, with the requests socket on fd 0 and
//! stdout and stderr on sockets; it asks for its log socket with `ResendLoggingFD` once it is
//! up. The child gets its own process group, so that a kill reaches whatever it started.

use std::io;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

use crate::logs::{Level, Record, TaskLog};

/// The Python the fresh interpreter runs: the SDK's own child entry point (`_fork_main`, which
/// the SDK's fork path calls after `fork()`), with the requests socket on fd 0, stdout and
/// stderr on fds 1 and 2, and the log socket's descriptor number appended.
pub const PYTHON_CHILD_MAIN: &str = "from socket import socket; \
from airflow.sdk.execution_time.supervisor import _fork_main, _subprocess_main; \
_fork_main(socket(fileno=0), socket(fileno=1), socket(fileno=2), LOG_FD, _subprocess_main)";

/// The longest line kept whole from the child's stdout, stderr or log socket; a longer one is
/// written in pieces of this size, so a child printing without newlines cannot grow the
/// supervisor's memory without bound. Large enough for what tasks really log in one line (a
/// returned value of tens of megabytes is logged whole by the SDK).
pub const MAX_LINE: usize = 64 << 20;

/// The supervisor's end of a started child.
pub struct Started {
    /// The process.
    pub process: tokio::process::Child,
    /// Its pid.
    pub pid: u32,
    /// Its streams.
    pub io: ChildIo,
}

/// The supervisor's ends of a child's streams.
pub struct ChildIo {
    /// The request stream, read side.
    pub requests: RequestReader,
    /// The request stream, write side (replies).
    pub replies: ReplyWriter,
    /// The child's stdout.
    pub stdout: Box<dyn AsyncRead + Send + Unpin>,
    /// The child's stderr.
    pub stderr: Box<dyn AsyncRead + Send + Unpin>,
    /// Log sockets the child had from the start (JSON lines).
    pub logs: Vec<Box<dyn AsyncRead + Send + Unpin>>,
}

impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Started")
            .field("pid", &self.pid)
            .field("logs", &self.io.logs.len())
            .finish_non_exhaustive()
    }
}

/// The read side of the request stream.
pub type RequestReader = Box<dyn AsyncRead + Send + Unpin>;

/// The write side of the request stream. On a Unix socket it can also pass descriptors.
#[derive(Debug)]
pub enum ReplyWriter {
    /// A Unix stream socket (the Python task runner's fd 0).
    Unix(tokio::net::unix::OwnedWriteHalf),
    /// A TCP connection (a native bundle's `--comm`).
    Tcp(tokio::net::tcp::OwnedWriteHalf),
}

impl ReplyWriter {
    /// Writes a whole frame.
    pub async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            ReplyWriter::Unix(w) => {
                w.write_all(bytes).await?;
                w.flush().await
            }
            ReplyWriter::Tcp(w) => {
                w.write_all(bytes).await?;
                w.flush().await
            }
        }
    }

    /// Writes a whole frame with `fd` attached as `SCM_RIGHTS` to its first byte. Only a Unix
    /// socket can carry a descriptor: on TCP this is an `Unsupported` error.
    pub async fn write_with_fd(&mut self, bytes: &[u8], fd: &OwnedFd) -> io::Result<()> {
        use std::os::fd::AsFd;
        match self {
            ReplyWriter::Unix(w) => {
                let stream: &UnixStream = w.as_ref();
                let sent = stream
                    .async_io(tokio::io::Interest::WRITABLE, || {
                        airflow_comms::fds::send_some_with_fds(stream, bytes, &[fd.as_fd()])
                    })
                    .await?;
                w.write_all(&bytes[sent..]).await?;
                w.flush().await
            }
            ReplyWriter::Tcp(_) => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a descriptor cannot travel over TCP",
            )),
        }
    }
}

/// Starts the SDK's task runner with `python` in a fresh interpreter, in a process group of its
/// own (so a kill reaches whatever it started).
///
/// The child gets what the SDK's fork path gives it: requests on fd 0, stdout and stderr on
/// sockets, and a socket for its JSON log lines from the first line on. (The SDK's exec path,
/// `_child_exec_main`, gives no log socket at start: the runner asks for one with
/// `ResendLoggingFD` after reading `StartupDetails`, so its first line goes to stdout as plain
/// text. Handing the log socket over at start keeps every line structured, as the fork path
/// does; `ResendLoggingFD` is still answered whenever the child asks.)
pub fn start_python(python: &Path) -> io::Result<Started> {
    start_python_code(python, PYTHON_CHILD_MAIN, &[], true)
}

/// Starts `python -c code args...` with requests on fd 0, stdout and stderr on sockets, and a
/// log socket whose descriptor number replaces `LOG_FD` in `code` and in `args`.
pub fn start_python_code(
    python: &Path,
    code: &str,
    args: &[String],
    own_process_group: bool,
) -> io::Result<Started> {
    use std::os::fd::AsRawFd;
    let (requests, child_requests) = std::os::unix::net::UnixStream::pair()?;
    let (stdout, child_stdout) = std::os::unix::net::UnixStream::pair()?;
    let (stderr, child_stderr) = std::os::unix::net::UnixStream::pair()?;
    let (logs, child_logs) = std::os::unix::net::UnixStream::pair()?;
    // The log socket's child end must survive the exec: it is the one descriptor besides 0, 1
    // and 2 without close-on-exec. Only this process's own children could inherit it, and it
    // is closed again as soon as the child is spawned.
    rustix::io::fcntl_setfd(&child_logs, rustix::io::FdFlags::empty())?;
    let fd = child_logs.as_raw_fd().to_string();
    let mut command = tokio::process::Command::new(python);
    command
        .arg("-c")
        .arg(code.replace("LOG_FD", &fd))
        .args(args.iter().map(|a| a.replace("LOG_FD", &fd)))
        .stdin(Stdio::from(OwnedFd::from(child_requests)))
        .stdout(Stdio::from(OwnedFd::from(child_stdout)))
        .stderr(Stdio::from(OwnedFd::from(child_stderr)))
        .kill_on_drop(false);
    if own_process_group {
        command.process_group(0);
    }
    let process = command.spawn();
    // The `Command` holds the child's ends of the other sockets; they close with it.
    drop(command);
    drop(child_logs);
    let process = process?;
    let pid = process
        .id()
        .ok_or_else(|| io::Error::other("the child exited before its pid was read"))?;
    let (read, write) = unix_stream(requests)?.into_split();
    Ok(Started {
        process,
        pid,
        io: ChildIo {
            requests: Box::new(read),
            replies: ReplyWriter::Unix(write),
            stdout: Box::new(unix_stream(stdout)?),
            stderr: Box::new(unix_stream(stderr)?),
            logs: vec![Box::new(unix_stream(logs)?)],
        },
    })
}

/// A std Unix stream as a tokio one.
pub fn unix_stream(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
    stream.set_nonblocking(true)?;
    UnixStream::from_std(stream)
}

/// Reads `stream` line by line into the task log under `logger` at `level` until it ends.
pub async fn pump_output(
    stream: impl AsyncRead + Unpin,
    log: TaskLog,
    logger: &'static str,
    level: Level,
) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = read_line_capped(&mut reader, &mut line).await?;
        if n == 0 {
            return Ok(());
        }
        log.child_output(logger, level, &line).await;
    }
}

/// Reads the child's JSON log lines from `stream` into the task log until it ends. A line that
/// is not a log record is reported on the supervisor's own log, as Airflow does, and skipped.
pub async fn pump_json_logs(stream: impl AsyncRead + Unpin, log: TaskLog) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = read_line_capped(&mut reader, &mut line).await?;
        if n == 0 {
            return Ok(());
        }
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() {
            continue;
        }
        match Record::from_child_json(trimmed) {
            Some(record) => log.log(record).await,
            None => {
                log.own(
                    Record::now(Level::Error, "Malformed json log line")
                        .with("line", String::from_utf8_lossy(trimmed).into_owned()),
                )
                .await
            }
        }
    }
}

/// Reads up to and including the next `\n`, or [`MAX_LINE`] bytes, whichever comes first.
/// Returns the bytes read; 0 at the end of the stream.
async fn read_line_capped<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
    line: &mut Vec<u8>,
) -> io::Result<usize> {
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(line.len());
        }
        let room = MAX_LINE - line.len();
        let window = &buf[..buf.len().min(room)];
        if let Some(pos) = memchr(b'\n', window) {
            line.extend_from_slice(&window[..=pos]);
            reader.consume(pos + 1);
            return Ok(line.len());
        }
        let taken = window.len();
        line.extend_from_slice(window);
        reader.consume(taken);
        if line.len() >= MAX_LINE {
            return Ok(line.len());
        }
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}
