"""A stand-in task runtime for the e2e harness's self-test: the `rust_demo` tasks, in Python.

It speaks the coordinator protocol the way a native runtime does, with msgspec and the standard
library only (no Airflow import): connect to `--comm=` and `--logs=`, read StartupDetails (frame
id 0), send requests as `[id, body, nil]` frames and read one answer per request, write JSON log
lines, send exactly one terminal message, exit 0. `--airflow-metadata` prints the manifest.

It exists so that `self_test.py` can show the harness passes a correct runtime and catches broken
ones: `E2E_STANDIN_SABOTAGE` names deliberate faults, comma-separated (see SABOTAGES).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from datetime import datetime, timezone

import msgspec

DAG_ID = "rust_demo"
TASKS = ["greet", "connect", "sum_upstream", "always_fails", "skip_me"]
SCHEMA_VERSION = "2026-06-16"

# Each names one fault, and the harness scenario(s) it must make fail.
SABOTAGES = {
    "wrong-sum": "sum_upstream pushes sum + 1",
    "no-mask-request": "connect never sends MaskSecret",
    "uppercase-level": "greet logs its greeting with level INFO (the supervisor drops it)",
    "no-terminal": "skip_me exits 0 without a terminal message",
    "fail-instead-of-retry": "a failing task sends TaskState failed even when should_retry",
    "stderr-noise": "connect writes a line to stderr",
    "hang": "a task the bundle does not have makes it wait forever instead of failing",
}


def manifest() -> str:
    tasks = "\n".join(f"      - {t}" for t in TASKS)
    return (
        'airflow_bundle_metadata_version: "1.0"\n'
        "dags:\n"
        f"  {DAG_ID}:\n"
        "    tasks:\n"
        f"{tasks}\n"
        "sdk:\n"
        "  language: python-standin\n"
        '  version: "0.0.0"\n'
        f'  supervisor_schema_version: "{SCHEMA_VERSION}"\n'
        "source: standin_runtime.py\n"
    )


class TaskFailed(Exception):
    pass


class Runtime:
    def __init__(self, comm: socket.socket, logs: socket.socket) -> None:
        self.comm = comm
        self.logs = logs
        self.next_id = 1
        self.sabotages = set(filter(None, os.environ.get("E2E_STANDIN_SABOTAGE", "").split(",")))

    # -- frames -------------------------------------------------------------------------------
    def _read_exact(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = self.comm.recv(n - len(buf))
            if not chunk:
                raise EOFError("supervisor closed the comm socket")
            buf += chunk
        return bytes(buf)

    def read_frame(self) -> list:
        length = int.from_bytes(self._read_exact(4), "big")
        return msgspec.msgpack.decode(self._read_exact(length))

    def request(self, body: dict):
        req_id = self.next_id
        self.next_id += 1
        payload = msgspec.msgpack.encode([req_id, body, None])
        self.comm.sendall(len(payload).to_bytes(4, "big") + payload)
        frame = self.read_frame()
        if frame[0] != req_id:
            raise RuntimeError(f"answer for id {frame[0]}, expected {req_id}")
        error = frame[2] if len(frame) > 2 else None
        if error is not None:
            raise RuntimeError(f"supervisor error: {error}")
        return frame[1] if len(frame) > 1 else None

    # -- logs ---------------------------------------------------------------------------------
    def log(self, level: str, event: str, **fields) -> None:
        line = {
            "timestamp": datetime.now(timezone.utc).isoformat(),
            "level": level,
            "event": event,
            "logger": "rust_demo",
            **fields,
        }
        self.logs.sendall(json.dumps(line, ensure_ascii=False).encode() + b"\n")

    # -- tasks --------------------------------------------------------------------------------
    def run(self) -> None:
        frame = self.read_frame()
        startup = frame[1]
        if frame[0] != 0 or startup.get("type") != "StartupDetails":
            raise RuntimeError(f"first frame is not StartupDetails: {frame!r}")
        ti = startup["ti"]
        ctx = startup["ti_context"]
        self.ti = ti
        self.should_retry = bool(ctx.get("should_retry"))
        task = getattr(self, f"task_{ti['task_id']}", None) if ti["dag_id"] == DAG_ID else None
        try:
            if task is None and "hang" in self.sabotages:
                while True:
                    time.sleep(60)
            if task is None:
                raise TaskFailed(f"no task {ti['task_id']!r} in dag {ti['dag_id']!r} in this bundle")
            outcome = task()
        except TaskFailed as exc:
            self.log("error", f"task failed: {exc}")
            if self.should_retry and "fail-instead-of-retry" not in self.sabotages:
                self.request({"type": "RetryTask", "end_date": datetime.now(timezone.utc)})
            else:
                self.request({"type": "TaskState", "state": "failed", "end_date": datetime.now(timezone.utc)})
            return
        if outcome == "skipped":
            if "no-terminal" not in self.sabotages:
                self.request({"type": "TaskState", "state": "skipped", "end_date": datetime.now(timezone.utc)})
            return
        if outcome is not None:
            self.push("return_value", outcome)
        # The server's TISuccessStatePayload refuses null here, and the supervisor passes None on.
        self.request(
            {"type": "SucceedTask", "end_date": datetime.now(timezone.utc), "task_outlets": [], "outlet_events": []}
        )

    def push(self, key: str, value) -> None:
        ti = self.ti
        self.request(
            {
                "type": "SetXCom",
                "key": key,
                "value": value,
                "dag_id": ti["dag_id"],
                "run_id": ti["run_id"],
                "task_id": ti["task_id"],
                "map_index": ti.get("map_index", -1),
            }
        )

    def task_greet(self):
        answer = self.request({"type": "GetVariable", "key": "greeting_name"})
        if answer.get("type") == "ErrorResponse":
            raise TaskFailed("Variable greeting_name is not set")
        greeting = f"Hello, {answer['value']}!"
        level = "INFO" if "uppercase-level" in self.sabotages else "info"
        self.log(level, greeting)
        return {"greeting": greeting, "try_number": self.ti["try_number"]}

    def task_connect(self):
        conn = self.request({"type": "GetConnection", "conn_id": "warehouse"})
        if conn.get("type") == "ErrorResponse":
            raise TaskFailed("Connection warehouse is not defined")
        if conn.get("password") and "no-mask-request" not in self.sabotages:
            self.request({"type": "MaskSecret", "value": conn["password"], "name": None})
        if "stderr-noise" in self.sabotages:
            print("noise on stderr", file=sys.stderr, flush=True)
        endpoint = f"{conn['host']}:{conn['port']}"
        self.log(
            "info",
            f"connecting to {endpoint} as {conn['login']} with password {conn['password']}",
        )
        self.push("endpoint", endpoint)
        return None

    def task_sum_upstream(self):
        ti = self.ti
        answer = self.request(
            {
                "type": "GetXCom",
                "key": "return_value",
                "dag_id": ti["dag_id"],
                "run_id": ti["run_id"],
                "task_id": "numbers",
            }
        )
        numbers = answer.get("value")
        if not isinstance(numbers, list):
            raise TaskFailed(f"XCom return_value of numbers is not a list: {type(numbers).__name__}")
        total = sum(numbers) + (1 if "wrong-sum" in self.sabotages else 0)
        self.log("info", f"summed {len(numbers)} numbers")
        return {"sum": total, "count": len(numbers)}

    def task_always_fails(self):
        raise TaskFailed("failing on purpose")

    def task_skip_me(self):
        self.log("info", "skipping")
        return "skipped"


def main(argv: list[str]) -> int:
    if "--airflow-metadata" in argv:
        sys.stdout.write(manifest())
        return 0
    addrs = {}
    for arg in argv:
        for name in ("comm", "logs"):
            if arg.startswith(f"--{name}="):
                host, _, port = arg.split("=", 1)[1].rpartition(":")
                addrs[name] = (host, int(port))
    if set(addrs) != {"comm", "logs"}:
        print("usage: standin --comm=HOST:PORT --logs=HOST:PORT", file=sys.stderr)
        return 2
    comm = socket.create_connection(addrs["comm"])
    logs = socket.create_connection(addrs["logs"])
    try:
        Runtime(comm, logs).run()
    finally:
        logs.close()
        comm.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
