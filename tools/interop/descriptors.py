"""Descriptor passing (`ResendLoggingFD` / `SentFDs`) and the inherited fd 0, against the real SDK.

1. SDK supervisor, Rust child. The Rust child (examples/descriptors.rs `child`) starts with fd 0
   on one end of a socketpair, as the supervisor's fork + exec path leaves it, takes it with
   `inherited_stdin`, sends `ResendLoggingFD` and writes a JSON log line through the descriptor it
   receives. The supervisor side is the SDK's own code: `ActivitySubprocess.handle_requests`
   (through `length_prefixed_frame_reader`) decodes the request and `_send_new_log_fd` answers it
   with `send_fds` and registers the log socket, whose lines `process_log_messages_from_subprocess`
   forwards to the supervisor's process log. The log line must arrive there.
2. Rust supervisor, SDK child. The Rust supervisor (examples/descriptors.rs `supervise`) starts
   this script as the child with fd 0 on a socketpair; the child runs the SDK's own
   `task_runner.reinit_supervisor_comms()`, which opens fd 0 with `CommsDecoder`, sends
   `ResendLoggingFD`, receives the descriptor with `recv_fds` and configures the SDK's JSON
   logging to write to it. A message logged through structlog must arrive at the Rust
   supervisor's end of the log socket.

Fails (exit 1) on any difference, and fails rather than skips when something is missing.
"""

from __future__ import annotations

import argparse
import json
import selectors
import socket
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import check_pins  # noqa: E402

RUST_MESSAGE = "logged by the Rust child through the passed descriptor"
SDK_MESSAGE = "logged by the SDK child through the passed descriptor"


def sdk_supervisor_rust_child(example: Path) -> list[str]:
    import structlog
    from structlog.testing import CapturingLogger

    from airflow.sdk.execution_time.supervisor import (
        ActivitySubprocess,
        length_prefixed_frame_reader,
    )

    requests, child_sock = socket.socketpair()
    child = subprocess.Popen(
        [str(example), "child", RUST_MESSAGE], stdin=child_sock.fileno(), stderr=subprocess.PIPE
    )
    child_sock.close()

    # The supervisor object, holding only what the request path reads: the SDK builds it in
    # `start()` around a forked process, which this run replaces with the Rust child.
    captured = CapturingLogger()
    process_log = structlog.wrap_logger(
        captured, processors=[], wrapper_class=structlog.make_filtering_bound_logger(0)
    )
    proc = ActivitySubprocess.__new__(ActivitySubprocess)
    proc.stdin = requests
    proc.selector = selectors.DefaultSelector()
    proc.process_log = process_log
    proc.subprocess_logs_to_stdout = False
    proc._open_sockets = {}
    proc._subprocess_schema_version = None
    proc.selector.register(
        requests,
        selectors.EVENT_READ,
        length_prefixed_frame_reader(proc.handle_requests(structlog.get_logger()), on_close=proc._on_socket_closed),
    )

    # What `_service_subprocess` does with each event, until every socket reached EOF.
    while proc.selector.get_map():
        events = proc.selector.select(timeout=30)
        if not events:
            child.kill()
            return ["SDK supervisor: no event for 30 s; the Rust child hangs"]
        for key, _ in events:
            handler, on_close = key.data
            if not handler(key.fileobj):
                on_close(key.fileobj)
                key.fileobj.close()
    code = child.wait(timeout=30)
    stderr = child.stderr.read().decode()
    failures = []
    if code != 0:
        failures.append(f"Rust child exited {code}: {stderr}")
    logged = [call.args[0] if call.args else call.kwargs.get("event") for call in captured.calls]
    print(f"SDK supervisor, Rust child: {len(captured.calls)} log lines forwarded by the SDK: {logged}")
    if RUST_MESSAGE not in logged:
        failures.append(f"the Rust child's log line did not reach the SDK supervisor's log: {captured.calls}")
    return failures


def rust_supervisor_sdk_child(example: Path) -> list[str]:
    run = subprocess.run(
        [str(example), "supervise", "--", sys.executable, __file__, "--sdk-child"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    failures = []
    if run.returncode != 0:
        failures.append(f"Rust supervisor exited {run.returncode}: {run.stderr[-4000:]}")
    try:
        summary = json.loads(run.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return failures + [f"no summary from the Rust supervisor: {run.stdout!r} {run.stderr[-4000:]}"]
    events = []
    for line in summary["log_lines"]:
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            failures.append(f"a log line that is not JSON: {line!r}")
    print(
        f"Rust supervisor, SDK child: requests {summary['requests']}, "
        f"{len(events)} JSON log lines through the passed descriptor"
    )
    if summary["requests"] != ["ResendLoggingFD"]:
        failures.append(f"expected one ResendLoggingFD request, got {summary['requests']}")
    if not any(e.get("event") == SDK_MESSAGE and e.get("level") == "info" for e in events):
        failures.append(f"the SDK child's log line did not arrive: {events}")
    return failures


def sdk_child() -> int:
    """The child of run 2: the SDK's own task-side code path."""
    import structlog

    from airflow.sdk.execution_time import task_runner

    task_runner.reinit_supervisor_comms()
    if task_runner.SUPERVISOR_COMMS.socket.fileno() != 0:
        print(f"the SDK opened {task_runner.SUPERVISOR_COMMS.socket}, not fd 0", file=sys.stderr)
        return 1
    structlog.get_logger("airflow_comms.interop").info(SDK_MESSAGE)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--example", type=Path, help="the built examples/descriptors binary")
    parser.add_argument("--sdk-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sdk_child:
        return sdk_child()
    check_pins("descriptors.py")
    if args.example is None or not args.example.is_file():
        sys.exit(f"descriptors.py: --example must name the built example, got {args.example}")
    failures = sdk_supervisor_rust_child(args.example) + rust_supervisor_sdk_child(args.example)
    for failure in failures:
        print(f"FAIL: {failure}")
    print(f"descriptors: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
