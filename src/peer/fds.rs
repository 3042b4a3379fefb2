//! Unix descriptors (Unix only): the child's stream inherited as fd 0, and descriptor passing
//! (`SCM_RIGHTS`) for `ResendLoggingFD` / `SentFDs`.
//!
//! # The child's stream
//!
//! A task or callback process started the classic way gets its comms socket as fd 0: Airflow's
//! supervisor connects a Unix stream socketpair and `dup2`s its child end onto fd 0 before the
//! child runs, and the SDK's `CommsDecoder` opens `socket(fileno=0)`. [`inherited_stdin`] is
//! the Rust twin: it checks that fd 0 is a Unix stream socket and returns it as a
//! [`UnixStream`] for [`Client`](crate::client::Client).
//!
//! # Descriptor passing
//!
//! `ResendLoggingFD` asks the supervisor for a fresh structured-log socket. Airflow's supervisor
//! answers with one `sendmsg`: the whole response frame (length prefix included) as the data,
//! a `SentFDs` body listing the descriptor numbers as *it* knows them, and the descriptors
//! themselves as `SCM_RIGHTS` ancillary data, which the kernel attaches to the frame's first
//! byte. The SDK's child receives the length prefix with `recvmsg` (room for one descriptor)
//! and reads the rest of the frame as usual; the numbers in the body mean nothing in the child,
//! so it replaces them with the descriptors it received.
//!
//! - Supervisor side: [`send_sent_fds`] answers a `ResendLoggingFD` request that way, and
//!   [`send_with_fds`] sends any bytes with descriptors attached; [`sent_fds_frame`] and
//!   [`send_some_with_fds`] do the same on a non-blocking socket (tokio's, say).
//! - Child side: [`read_frame_with_fds`] reads one frame together with the descriptors that came
//!   with it, and [`Client::resend_logging_fd`](crate::client::Client::resend_logging_fd) does
//!   the whole exchange.
//!
//! The others work on blocking sockets (`std`'s [`UnixStream`]); on a non-blocking one a call may
//! fail with [`io::ErrorKind::WouldBlock`].
//!
//! ```
//! use std::io::{Read, Write};
//! use std::os::fd::AsFd;
//! use std::os::unix::net::UnixStream;
//! use airflow_comms::client::Client;
//! use airflow_comms::frame::FrameReader;
//! use airflow_comms::fds::send_sent_fds;
//! use airflow_comms::{ResendLoggingFD, TaskToSupervisor};
//!
//! let (child_end, supervisor_end) = UnixStream::pair()?;
//! let supervisor = std::thread::spawn(move || -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//!     let request = FrameReader::new(&supervisor_end).read_request::<TaskToSupervisor>()?.unwrap();
//!     assert!(matches!(request.body, TaskToSupervisor::ResendLoggingFD(_)));
//!     // A new log socket: keep one end, pass the other to the child.
//!     let (mut logs, child_logs) = UnixStream::pair()?;
//!     send_sent_fds(&supervisor_end, request.id, &[child_logs.as_fd()])?;
//!     drop(child_logs); // the child holds its own copy now
//!     let mut line = String::new();
//!     logs.read_to_string(&mut line)?;
//!     assert_eq!(line, "{\"event\": \"hello\"}\n");
//!     Ok(())
//! });
//!
//! let mut client = Client::<TaskToSupervisor, _>::new(child_end);
//! let logs = client.resend_logging_fd()?.expect("the supervisor passes descriptors");
//! let mut logs = std::fs::File::from(logs);
//! logs.write_all(b"{\"event\": \"hello\"}\n")?;
//! drop(logs);
//! supervisor.join().unwrap().unwrap();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{self, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::net::{
    AddressFamily, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, ReturnFlags,
    SendAncillaryBuffer, SendAncillaryMessage, SendFlags, SocketType,
};

use crate::codec::frame::{FrameError, FrameId, ResponseFrame, encode_response};
use crate::messages::responses::SentFDs;

/// Why fd 0 could not be taken as the child's stream.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InheritedStreamError {
    /// Fd 0 was taken already: it is the supervisor's stream at most once per process.
    #[error("fd 0 was already taken as the supervisor's stream in this process")]
    AlreadyTaken,
    /// Fd 0 is not open.
    #[error("fd 0 is not open: this process was not started by a supervisor")]
    NotOpen,
    /// Fd 0 is open but is no socket (a terminal, a file, a pipe).
    #[error("fd 0 is not a socket: this process was not started by a supervisor")]
    NotASocket,
    /// Fd 0 is a socket, but not the Unix stream socket a supervisor connects.
    #[error("fd 0 is a {found} socket, not the Unix stream socket a supervisor connects")]
    WrongSocket {
        /// What the socket is: its address family and type.
        found: String,
    },
    /// A system call on fd 0 failed.
    #[error("cannot take fd 0 as the supervisor's stream: {0}")]
    Io(#[from] io::Error),
}

/// Whether [`inherited_stdin`] has taken fd 0.
static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);

/// Takes the comms socket a supervisor passed as fd 0, as the SDK's `CommsDecoder` does, for
/// [`Client`](crate::client::Client).
///
/// Fd 0 must be a Unix stream socket; otherwise nothing changes and the error says what fd 0
/// is. On success the socket moves to a new descriptor (close-on-exec, so processes this one
/// starts do not inherit it) and fd 0 is reopened on `/dev/null`: the returned stream is then
/// the socket's only descriptor in this process, so dropping it closes the connection (which
/// the supervisor waits for), and standard input reads nothing instead of comms frames, here
/// and in child processes. Succeeds at most once per process
/// ([`InheritedStreamError::AlreadyTaken`]).
///
/// ```no_run
/// use airflow_comms::client::Client;
/// use airflow_comms::fds::inherited_stdin;
/// use airflow_comms::{CallbackToSupervisor, GetVariable};
///
/// let mut client = Client::<CallbackToSupervisor, _>::new(inherited_stdin()?);
/// let region = client.send(GetVariable { key: "region".into() })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn inherited_stdin() -> Result<UnixStream, InheritedStreamError> {
    let stdin = io::stdin();
    let fd0 = stdin.as_fd();
    check_unix_stream(fd0)?;
    if STDIN_TAKEN.swap(true, Ordering::SeqCst) {
        return Err(InheritedStreamError::AlreadyTaken);
    }
    let take = || -> io::Result<OwnedFd> {
        // A new descriptor of the same socket, above the standard ones, owned by the stream.
        let socket = rustix::io::fcntl_dupfd_cloexec(fd0, 3)?;
        let null = std::fs::File::open("/dev/null")?;
        rustix::stdio::dup2_stdin(&null)?;
        Ok(socket)
    };
    match take() {
        Ok(socket) => Ok(UnixStream::from(socket)),
        Err(err) => {
            // Fd 0 is still the socket (`dup2` is the last step): it may be taken again.
            STDIN_TAKEN.store(false, Ordering::SeqCst);
            Err(err.into())
        }
    }
}

/// Checks that `fd` is an open Unix stream socket.
fn check_unix_stream(fd: BorrowedFd<'_>) -> Result<(), InheritedStreamError> {
    let kind = match rustix::net::sockopt::socket_type(fd) {
        Ok(kind) => kind,
        Err(rustix::io::Errno::BADF) => return Err(InheritedStreamError::NotOpen),
        Err(rustix::io::Errno::NOTSOCK) => return Err(InheritedStreamError::NotASocket),
        Err(err) => return Err(io::Error::from(err).into()),
    };
    let family = rustix::net::getsockname(fd)
        .map_err(io::Error::from)?
        .address_family();
    if family != AddressFamily::UNIX || kind != SocketType::STREAM {
        return Err(InheritedStreamError::WrongSocket {
            found: format!("{family:?} {kind:?}"),
        });
    }
    Ok(())
}

/// Retries `call` while it is interrupted by a signal.
fn retry<T>(mut call: impl FnMut() -> rustix::io::Result<T>) -> io::Result<T> {
    loop {
        match call() {
            Err(rustix::io::Errno::INTR) => continue,
            result => return result.map_err(io::Error::from),
        }
    }
}

/// `MSG_NOSIGNAL` where it exists: a closed peer is an `EPIPE` error, not a `SIGPIPE`.
fn send_flags() -> SendFlags {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    return SendFlags::NOSIGNAL;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    return SendFlags::empty();
}

/// Sends all of `bytes` on the stream socket `socket` with `fds` attached as `SCM_RIGHTS`
/// ancillary data to the first byte, as Python's `socket.send_fds` does. The receiver holds its
/// own copies of the descriptors once they arrive; the caller may close its own right after.
///
/// `bytes` must not be empty (a descriptor travels with data on a stream socket); empty `bytes`
/// is an [`io::ErrorKind::InvalidInput`] error. For a non-blocking socket, see
/// [`send_some_with_fds`].
pub fn send_with_fds(socket: impl AsFd, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<()> {
    let socket = socket.as_fd();
    let mut sent = send_some_with_fds(socket, bytes, fds)?;
    // The descriptors went with the first chunk; the rest is plain data.
    while sent < bytes.len() {
        let rest = &bytes[sent..];
        match retry(|| rustix::net::send(socket, rest, send_flags()))? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            n => sent += n,
        }
    }
    Ok(())
}

/// Sends what the socket takes now of `bytes` (at least one byte) with `fds` attached, in one
/// `sendmsg` call, and returns how many bytes went; the caller writes the rest as plain data.
/// On a non-blocking socket nothing is sent when the call fails with
/// [`io::ErrorKind::WouldBlock`], so it can be retried when the socket is writable, as tokio's
/// `UnixStream::async_io` does:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use std::os::fd::AsFd;
/// use airflow_comms::fds::send_some_with_fds;
/// use tokio::io::{AsyncWriteExt, Interest};
///
/// let (mut supervisor, _child) = tokio::net::UnixStream::pair()?;
/// let (_logs, child_logs) = std::os::unix::net::UnixStream::pair()?;
/// let frame = b"a whole response frame";
/// let sent = supervisor
///     .async_io(Interest::WRITABLE, || send_some_with_fds(&supervisor, frame, &[child_logs.as_fd()]))
///     .await?;
/// supervisor.write_all(&frame[sent..]).await?;
/// # Ok(())
/// # }
/// ```
pub fn send_some_with_fds(
    socket: impl AsFd,
    bytes: &[u8],
    fds: &[BorrowedFd<'_>],
) -> io::Result<usize> {
    if bytes.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "descriptors need at least one byte of data to travel with",
        ));
    }
    let message = SendAncillaryMessage::ScmRights(fds);
    let mut space = vec![MaybeUninit::uninit(); message.size()];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !fds.is_empty() && !control.push(message) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} descriptors do not fit in one control message",
                fds.len()
            ),
        ));
    }
    let socket = socket.as_fd();
    retry(|| rustix::net::sendmsg(socket, &[IoSlice::new(bytes)], &mut control, send_flags()))
}

/// The response frame answering request `id` with a `SentFDs` body listing `fds` as this
/// process numbers them, as Airflow's supervisor writes it: the bytes to send with `fds`
/// attached (see [`send_some_with_fds`]).
pub fn sent_fds_frame(
    id: impl Into<FrameId>,
    fds: &[BorrowedFd<'_>],
) -> Result<Vec<u8>, FrameError> {
    let body = SentFDs {
        fds: fds.iter().map(|fd| i64::from(fd.as_raw_fd())).collect(),
    };
    let mut frame = Vec::new();
    encode_response(&ResponseFrame::<SentFDs>::reply(id, body), &mut frame)?;
    Ok(frame)
}

/// Answers request `id` (a `ResendLoggingFD`) with a `SentFDs` reply carrying `fds`, as
/// Airflow's supervisor does: the body lists the descriptor numbers as this process knows them,
/// and the descriptors travel as `SCM_RIGHTS` with the frame. See [`send_with_fds`].
pub fn send_sent_fds(
    socket: impl AsFd,
    id: impl Into<FrameId>,
    fds: &[BorrowedFd<'_>],
) -> Result<(), FrameError> {
    send_with_fds(socket, &sent_fds_frame(id, fds)?, fds)?;
    Ok(())
}

/// The descriptors that came with a frame read by [`read_frame_with_fds`].
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ReceivedFds {
    /// The descriptors, in the order they were sent; each is close-on-exec. Dropping one closes
    /// it.
    pub fds: Vec<OwnedFd>,
    /// More descriptors came than there was room for: the kernel closed the others.
    pub truncated: bool,
}

/// Reads one frame's payload from the stream socket `socket` into `payload` (replacing what it
/// held), together with the descriptors that came with it: the child's side of
/// [`send_with_fds`]. `Ok(None)` at the end of the stream before a frame starts.
///
/// There is room for at least `max_fds` descriptors (the control buffer's alignment may leave
/// room for more); descriptors beyond the room are closed by the kernel and reported as
/// [`ReceivedFds::truncated`].
///
/// Errors are those of [`FrameReader`](crate::frame::FrameReader): a frame over
/// `max_frame_len` is refused before allocating, a frame of length 0 is a
/// [`FrameError::Malformed`] that leaves the stream in sync, and a stream that ends inside a
/// frame is [`FrameError::Truncated`]. Descriptors that came with a frame that is an error are
/// closed.
pub fn read_frame_with_fds(
    socket: impl AsFd,
    payload: &mut Vec<u8>,
    max_frame_len: u32,
    max_fds: usize,
) -> Result<Option<ReceivedFds>, FrameError> {
    let socket = socket.as_fd();
    let mut space = vec![MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(max_fds))];
    let mut received = ReceivedFds::default();
    let mut prefix = [0u8; 4];
    let got = recv_exact(socket, &mut prefix, &mut space, &mut received)?;
    if got == 0 {
        return Ok(None);
    }
    if got < prefix.len() {
        return Err(FrameError::Truncated {
            expected: 4,
            got: got as u64,
        });
    }
    let len = u32::from_be_bytes(prefix);
    if len > max_frame_len {
        return Err(FrameError::TooLarge {
            announced: len,
            max: max_frame_len,
        });
    }
    if len == 0 {
        return Err(FrameError::zero_length());
    }
    payload.clear();
    payload.resize(len as usize, 0);
    let got = recv_exact(socket, payload, &mut space, &mut received)?;
    if got < payload.len() {
        return Err(FrameError::Truncated {
            expected: 4 + u64::from(len),
            got: 4 + got as u64,
        });
    }
    Ok(Some(received))
}

/// Fills `buffer` with `recvmsg` calls, collecting the descriptors that come along, until it is
/// full or the stream ends; returns how many bytes arrived.
fn recv_exact(
    socket: BorrowedFd<'_>,
    buffer: &mut [u8],
    space: &mut [MaybeUninit<u8>],
    received: &mut ReceivedFds,
) -> Result<usize, FrameError> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let flags = RecvFlags::CMSG_CLOEXEC;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let flags = RecvFlags::empty();
    let mut filled = 0;
    while filled < buffer.len() {
        let mut control = RecvAncillaryBuffer::new(space);
        let message = retry(|| {
            rustix::net::recvmsg(
                socket,
                &mut [IoSliceMut::new(&mut buffer[filled..])],
                &mut control,
                flags,
            )
        })?;
        // Every descriptor that arrived is taken, so none is left open unowned.
        for message in control.drain() {
            if let RecvAncillaryMessage::ScmRights(fds) = message {
                received.fds.extend(fds);
            }
        }
        received.truncated |= message.flags.contains(ReturnFlags::CTRUNC);
        if message.bytes == 0 {
            break;
        }
        filled += message.bytes;
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    for fd in &received.fds {
        rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::CLOEXEC).map_err(io::Error::from)?;
    }
    Ok(filled)
}
