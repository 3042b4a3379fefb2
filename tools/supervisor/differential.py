"""Differential harness: a native task supervisor against Airflow's own `execute_workload`.

For each scenario the driver builds a workload (ExecuteTask, ExecuteCallback or TestConnection),
starts a fresh recording Execution API (recording_api.py) and runs the reference,

    python -m airflow.sdk.execution_time.execute_workload --json-string W

with a scenario-specific AIRFLOW_HOME (an airflow.cfg the harness writes) and environment. With
`--supervisor PATH` it then runs `PATH --json-string W` the same way, with a fresh API in the same
state, and compares the two runs after normalising them (see README.md): the Execution API calls
(heartbeats separately, with a tolerance), the task log file's lines, the final state sent to the
API and the exit code. Every expectation comes from the reference run; a few sanity checks on the
reference itself (that the success scenario succeeded, that the password is masked) make sure the
scenario tests what it says.

Usage: differential.py [--supervisor PATH] [--only NAME ...] [--list] [--work-dir DIR]
                       [--json-report FILE] [--reference-only] [--big] (see --help)
Exit status: 0 when every scenario passes, 1 otherwise, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from common import check_pins, json_equal  # noqa: E402  (tools/common.py)

DAGS_DIR = HERE / "dags"
BUNDLE_NAME = "differential"
DAG_ID = "differential"
DAG_FILE = "differential_dag.py"
RUN_ID = "manual__2026-06-16T12:00:00+00:00"
TI_ID = "01970000-0000-7000-8000-000000000001"
DAG_VERSION_ID = "01970000-0000-7000-8000-0000000000aa"
CALLBACK_ID = "01970000-0000-7000-8000-0000000000cb"
CONNECTION_TEST_ID = "01970000-0000-7000-8000-0000000000c7"
WORKLOAD_TOKEN = "differential-workload-token"
EXECUTION_TOKEN = "differential-execution-token"
REFRESHED_TOKEN = "differential-refreshed-token"
REFERENCE_MODULE = "airflow.sdk.execution_time.execute_workload"

GREETING = "Hello, Ferris Zoë"  # non-ASCII on purpose
PASSWORD = "pa55-W0rd-differential-secret"
WAREHOUSE = {
    "conn_id": "diff_warehouse",
    "conn_type": "postgres",
    "host": "warehouse.example.internal",
    "schema": "analytics",
    "login": "etl_user",
    "password": PASSWORD,
    "port": 5439,
    "extra": None,
}
SECRETS = [PASSWORD]

# Every scenario's airflow.cfg. Settings here that the environment also sets test that the
# environment wins (min_heartbeat_interval: 30 here, 1 from the environment); the others can only
# come from this file (the retry waits, the overtime), so a supervisor that ignores
# $AIRFLOW_HOME/airflow.cfg behaves visibly differently.
BASE_CFG = {
    "core": {"load_examples": "False", "task_success_overtime": "20"},
    "workers": {
        "min_heartbeat_interval": "30",
        "execution_api_retry_wait_min": "0.2",
        "execution_api_retry_wait_max": "1.0",
    },
    "logging": {"logging_level": "INFO"},
}

PROGRESS = print


# ---------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    description: str
    kind: str = "task"  # task | callback | connection_test
    task_id: str = ""
    api_state: dict[str, Any] = field(default_factory=dict)  # recording_api state overrides
    cfg: dict[str, dict[str, str]] = field(default_factory=dict)  # airflow.cfg additions
    env: dict[str, str] = field(default_factory=dict)  # AIRFLOW__... additions
    server_down: bool = False
    callback_path: str = ""
    callback_kwargs: dict[str, Any] = field(default_factory=dict)
    connection_id: str = ""
    connection_test_timeout: int = 30
    # Whether the reference (Airflow's supervisor) may leave gaps longer than the interval between
    # heartbeats: it makes its HTTP calls on the thread that heartbeats, so a slow call stalls them.
    reference_may_stall: bool = False
    # Whether what the task process logs depends on how far it got before it was killed: a
    # forked child (Airflow's supervisor) is running at once, a fresh interpreter (the native
    # supervisor) needs its imports first. The task's own log lines are then not compared.
    child_lines_timing_dependent: bool = False
    # Loggers whose lines are written by the supervisor's launcher code in the child, not by the
    # SDK's: their call site (filename, lineno) is the launcher's own and is not compared.
    launcher_loggers: tuple[str, ...] = ()
    timeout: float = 120.0
    # Sanity checks on the reference run: expected final state (None: no state call), exit code,
    # event substrings the task log must have.
    expect_state: str | None = None
    expect_exit: int | None = 0
    expect_log: list[str] = field(default_factory=list)
    expect_calls: list[str] = field(default_factory=list)  # "METHOD path-prefix" that must appear
    extra_check: Callable[["Run"], list[str]] | None = None
    # The workload's ti.queue (a Rust-bundle scenario routes its queue to a coordinator).
    queue: str = "default"
    # The DAG the task belongs to.
    dag_id: str = DAG_ID
    # Whether the reference must have sent a heartbeat (a task over within milliseconds, as a
    # Rust bundle's, may end before Airflow's supervisor sends its first).
    expect_heartbeat: bool = True
    # Remote logging to an S3 server (moto, from PyPI) started for each run: the log is judged
    # from the uploaded object; the local file must be left empty. Both sides then run with the
    # Python of --s3-python (the SDK plus the amazon provider, whose S3 handler the reference uses).
    remote_log: bool = False
    # An object already at the log's key before the run (an earlier upload to append to).
    remote_log_seed: bytes | None = None

    @property
    def log_path(self) -> str | None:
        if self.kind == "task":
            return f"dag_id={self.dag_id}/run_id={RUN_ID}/task_id={self.task_id}/attempt=1.log"
        if self.kind == "callback":
            return f"executor_callbacks/{DAG_ID}/{RUN_ID}/{CALLBACK_ID}"
        return None


def ti_path(suffix: str) -> str:
    return f"task-instances/{TI_ID}/{suffix}"


def task_state(task_id: str, dag_id: str = DAG_ID, **over) -> dict:
    """The recording API state for a task scenario."""
    state = {
        "ti": {"id": TI_ID, "dag_id": dag_id, "run_id": RUN_ID, "task_id": task_id, "try_number": 1, "map_index": -1},
        "variables": {"diff_greeting": GREETING},
        "connections": {"diff_warehouse": WAREHOUSE},
        "workload_token": WORKLOAD_TOKEN,
        "execution_token": EXECUTION_TOKEN,
    }
    for key, value in over.items():
        state[key] = value
    return state


def build_scenarios(big: bool, xcom_mb: float | None, upload_seconds: float) -> list[Scenario]:
    xcom_bytes = int((xcom_mb if xcom_mb is not None else (300 if big else 20)) * 1024 * 1024)
    rate = max(1.0, xcom_bytes / upload_seconds)
    scenarios = [
        Scenario(
            "success_xcom_vars_conn",
            "reads Variable diff_greeting and Connection diff_warehouse, logs the password (must show ***),"
            " prints to stdout and stderr, returns an XCom; success",
            task_id="success_xcom_vars_conn",
            api_state=task_state("success_xcom_vars_conn"),
            expect_state="success",
            expect_log=["connecting to warehouse.example.internal:5439 as etl_user with password ***",
                        "stdout: password *** and greeting " + GREETING, "stderr: login etl_user"],
            expect_calls=["GET variables/diff_greeting", "GET connections/diff_warehouse",
                          f"POST xcoms/{DAG_ID}/{RUN_ID}/success_xcom_vars_conn/return_value"],
        ),
        Scenario(
            "fail_no_retry",
            "raises ValueError on try 1 of max_tries 0 (should_retry false): TaskState failed, reported at exit",
            task_id="fail",
            api_state=task_state("fail", max_tries=0),
            expect_state="failed",
            expect_log=["failing on purpose"],
        ),
        Scenario(
            "fail_with_retry",
            "raises ValueError on try 1 of max_tries 2 (should_retry true): RetryTask, PATCH up_for_retry",
            task_id="fail",
            api_state=task_state("fail", max_tries=2),
            expect_state="up_for_retry",
            expect_log=["failing on purpose"],
        ),
        Scenario(
            "skip",
            "raises AirflowSkipException: TaskState skipped",
            task_id="skip",
            api_state=task_state("skip"),
            expect_state="skipped",
        ),
        Scenario(
            "os_exit",
            "os._exit(3) mid-task, no terminal message: the supervisor logs the exit and reports failed",
            task_id="os_exit",
            api_state=task_state("os_exit"),
            expect_state="failed",
            expect_log=["calling os._exit(3)", "Process exited abnormally"],
        ),
        Scenario(
            "sigkill",
            "the task SIGKILLs itself: the supervisor logs the signal (OOM hint) and reports failed",
            task_id="sigkill",
            api_state=task_state("sigkill"),
            expect_state="failed",
            expect_log=["Process terminated by signal"],
        ),
        Scenario(
            "heartbeat_409",
            "the task sleeps; the server answers 409 (not_running) to the first heartbeat after the task"
            " started running (its PUT rtif): the supervisor kills the task (SIGTERM, then SIGKILL) and"
            " reports no state",
            task_id="sleep",
            api_state=task_state("sleep", dag_run={"conf": {"sleep_seconds": 20}},
                                 faults={"heartbeat_conflict_after_rtif": True}),
            expect_state=None,
            expect_log=["Server indicated the task shouldn't be running anymore. Terminating process",
                        "Task killed!"],
        ),
        Scenario(
            "sleep_1s",
            "the task sleeps 1 s and succeeds: the time a short Python task takes end to end",
            task_id="sleep",
            api_state=task_state("sleep", dag_run={"conf": {"sleep_seconds": 1}}),
            expect_state="success",
        ),
        Scenario(
            "overtime_hang",
            "the task succeeds, then its on_success_callback sleeps past [core] task_success_overtime (3 s,"
            " from airflow.cfg): the supervisor kills it and reports failed after success (the server says 409)",
            task_id="overtime_hang",
            api_state=task_state("overtime_hang", dag_run={"conf": {"hang_seconds": 120}}),
            cfg={"core": {"task_success_overtime": "3"}},
            expect_state="success",
            expect_exit=None,
            expect_log=["on_success_callback lingers"],
        ),
        Scenario(
            "slow_xcom_upload",
            f"returns a {xcom_bytes / 1048576:g} MiB XCom string; the server reads the POST body at"
            f" {rate / 1048576:.2f} MiB/s (~{upload_seconds:g} s, many heartbeat intervals); reports the largest"
            " heartbeat gap",
            task_id="big_xcom",
            api_state=task_state("big_xcom", dag_run={"conf": {"xcom_bytes": xcom_bytes}},
                                 faults={"slow_body": {"method": "POST", "path_regex": "^xcoms/",
                                                       "bytes_per_second": rate}}),
            expect_state="success",
            expect_calls=[f"POST xcoms/{DAG_ID}/{RUN_ID}/big_xcom/return_value"],
            # A supervisor that heartbeats during the upload sends more heartbeats than one that
            # blocks on it.
            reference_may_stall=True,
            timeout=600.0 if big else 180.0,
        ),
        Scenario(
            "long_log_line",
            "the task logs a 4 MiB line and prints a 4 MiB line to stdout: both reach the task log whole,"
            " in order with the lines around them",
            task_id="long_log_line",
            api_state=task_state("long_log_line", dag_run={"conf": {"line_bytes": 4 * 1024 * 1024}}),
            expect_state="success",
            expect_log=["a long line follows", "long line: yyyy", "long stdout line: zzzz", "after the long line"],
            # Airflow's supervisor reads a long line on the thread that heartbeats.
            reference_may_stall=True,
        ),
        Scenario(
            "deferral",
            "the operator defers to a DateTimeTrigger (fixed moment): DeferTask, PATCH state deferred",
            task_id="deferral",
            api_state=task_state("deferral"),
            expect_state="deferred",
            expect_log=["Pausing task as DEFERRED"],
        ),
        Scenario(
            "reschedule",
            "a sensor in reschedule mode (poke_interval 600 s) is not ready: PATCH state up_for_reschedule",
            task_id="reschedule",
            api_state=task_state("reschedule"),
            expect_state="up_for_reschedule",
            expect_log=["poking: not ready"],
        ),
        Scenario(
            "api_5xx_storm",
            "the success task, with the server answering 500 to the first 2 GET connections/... calls and the"
            " first PUT .../rtif: the client retries ([workers] execution_api_retry_wait_* from airflow.cfg)",
            task_id="success_xcom_vars_conn",
            api_state=task_state("success_xcom_vars_conn", faults={"error_storms": [
                {"method": "GET", "path_regex": "^connections/", "status": 500, "count": 2},
                {"method": "PUT", "path_regex": "/rtif$", "status": 500, "count": 1},
            ]}),
            expect_state="success",
            # Airflow's supervisor waits out its retries on the thread that heartbeats.
            reference_may_stall=True,
        ),
        Scenario(
            "token_refresh",
            "the success task, with a Refreshed-API-Token on the GET variables/... response: later calls must"
            " carry the new token",
            task_id="success_xcom_vars_conn",
            api_state=task_state("success_xcom_vars_conn", faults={"refresh_token": [
                {"method": "GET", "path_regex": "^variables/", "nth": 1, "token": REFRESHED_TOKEN},
            ]}),
            expect_state="success",
            extra_check=lambda run: [] if any(c["token"] == "refreshed" for c in run.calls) else
            ["no call carried the refreshed token"],
        ),
        Scenario(
            "callback_ok",
            "ExecuteCallback differential_callbacks.notify_ok (from the bundle folder): reads a variable and a"
            " connection, logs the password masked; exit 0",
            kind="callback",
            api_state=task_state("callback"),
            callback_path="differential_callbacks.notify_ok",
            callback_kwargs={"message": "all good"},
            launcher_loggers=("callback_runner",),
            expect_log=["Callback executed successfully", "callback would connect to warehouse.example.internal"
                        " with password ***"],
            expect_calls=["GET variables/diff_greeting", "GET connections/diff_warehouse"],
        ),
        Scenario(
            "callback_fail",
            "ExecuteCallback differential_callbacks.notify_fail raises: the callback process exits 1, the"
            " supervisor raises, execute_workload exits 1",
            kind="callback",
            api_state=task_state("callback"),
            callback_path="differential_callbacks.notify_fail",
            callback_kwargs={"message": "boom"},
            expect_exit=1,
            launcher_loggers=("callback_runner",),
            expect_log=["Callback execution failed"],
        ),
        Scenario(
            "connection_test",
            "TestConnection of an fs connection whose path exists: GET connection-tests/{id}/connection, then"
            " PATCH connection-tests/{id} success",
            kind="connection_test",
            api_state=task_state("connection_test", connection_tests={CONNECTION_TEST_ID: {
                "conn_id": "diff_fs", "conn_type": "fs", "extra": json.dumps({"path": str(DAGS_DIR)})}}),
            connection_id="diff_fs",
            expect_calls=[f"PATCH connection-tests/{CONNECTION_TEST_ID}"],
            extra_check=lambda run: [] if any(
                (c["path"], (c["body"] or {}).get("state")) == (f"connection-tests/{CONNECTION_TEST_ID}", "success")
                for c in run.calls) else ["connection test not reported success"],
        ),
        Scenario(
            "connection_test_fail",
            "TestConnection of an fs connection whose path does not exist: PATCH connection-tests/{id} failed"
            " with the hook's message",
            kind="connection_test",
            api_state=task_state("connection_test", connection_tests={CONNECTION_TEST_ID: {
                "conn_id": "diff_fs", "conn_type": "fs",
                "extra": json.dumps({"path": "/nonexistent/differential"})}}),
            connection_id="diff_fs",
            extra_check=lambda run: [] if any(
                (c["path"], (c["body"] or {}).get("state")) == (f"connection-tests/{CONNECTION_TEST_ID}", "failed")
                for c in run.calls) else ["connection test not reported failed"],
        ),
        Scenario(
            "api_down_at_start",
            "nothing listens on the API port: PATCH .../run fails after the client's retries, the task process"
            " is killed, execute_workload exits 1",
            task_id="success_xcom_vars_conn",
            api_state=task_state("success_xcom_vars_conn"),
            server_down=True,
            expect_exit=1,
            child_lines_timing_dependent=True,
        ),
    ]
    return scenarios + [s for provider in SCENARIO_PROVIDERS for s in provider()]


# Hook for scenarios defined elsewhere (the Rust-demo-bundle scenarios come later): each provider
# returns a list of Scenario. A Rust-bundle scenario sets `queue` to the bundle's queue and `env`
# to the `AIRFLOW__SDK__COORDINATORS` / `AIRFLOW__SDK__QUEUE_TO_COORDINATOR` pair that routes it
# (see tools/e2e/run_demo.py for the values).
SCENARIO_PROVIDERS: list[Callable[[], list[Scenario]]] = []

# The directory holding the rust_demo bundle (runtime/examples/demo_tasks.rs packed with
# `airflow-comms bundle pack`), from --rust-bundles; its scenarios run only when it is given.
RUST_BUNDLES: list[Path] = []
RUST_QUEUE = "rust-tasks"
RUST_COORDINATOR = "rust"


def rust_demo_scenarios() -> list[Scenario]:
    """The rust_demo bundle's tasks, routed to an ExecutableCoordinator by their queue: Airflow's
    supervisor launches the bundle through its coordinator, the native one directly."""
    if not RUST_BUNDLES:
        return []
    env = {
        "AIRFLOW__SDK__COORDINATORS": json.dumps({RUST_COORDINATOR: {
            "classpath": "airflow.sdk.coordinators.executable.ExecutableCoordinator",
            "kwargs": {"executables_root": [str(p) for p in RUST_BUNDLES]},
        }}),
        "AIRFLOW__SDK__QUEUE_TO_COORDINATOR": json.dumps({RUST_QUEUE: RUST_COORDINATOR}),
    }
    rust = {"queue": RUST_QUEUE, "dag_id": "rust_demo", "env": env, "expect_heartbeat": False}
    warehouse = dict(WAREHOUSE, conn_id="warehouse")
    return [
        Scenario(
            "rust_greet",
            "rust_demo bundle, task greet: reads Variable greeting_name, returns an XCom; success",
            task_id="greet",
            api_state=task_state("greet", dag_id="rust_demo", variables={"greeting_name": GREETING}),
            expect_state="success",
            expect_calls=["GET variables/greeting_name"],
            **rust,
        ),
        Scenario(
            "rust_connect",
            "rust_demo bundle, task connect: reads Connection warehouse, masks and logs its password,"
            " pushes an XCom; success",
            task_id="connect",
            api_state=task_state("connect", dag_id="rust_demo", connections={"warehouse": warehouse}),
            expect_state="success",
            expect_log=["with password ***"],
            **rust,
        ),
        Scenario(
            "rust_always_fails",
            "rust_demo bundle, task always_fails: failed",
            task_id="always_fails",
            api_state=task_state("always_fails", dag_id="rust_demo"),
            expect_state="failed",
            **rust,
        ),
        Scenario(
            "rust_skip_me",
            "rust_demo bundle, task skip_me: skipped",
            task_id="skip_me",
            api_state=task_state("skip_me", dag_id="rust_demo"),
            expect_state="skipped",
            **rust,
        ),
    ]


SCENARIO_PROVIDERS.append(rust_demo_scenarios)

# Remote logging: both sides upload the finished log to an S3 server of their own run, with the
# credentials and endpoint of the connection [logging] remote_log_conn_id names, which the API
# serves (the supervisors fetch it before the task starts).
S3_PYTHON: list[str] = []
S3_BUCKET = "diff-logs"
S3_PREFIX = "task-logs"
S3_CONN_ID = "diff_s3"
S3_CONNECTION = {
    "conn_id": S3_CONN_ID, "conn_type": "aws", "host": None, "schema": None,
    "login": "diff-access-key", "password": "diff-secret-key", "port": None,
    "extra": None,  # endpoint_url and region_name, filled in once the S3 server's port is known
}
S3_ENV = {
    "AIRFLOW__LOGGING__REMOTE_LOGGING": "True",
    "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER": f"s3://{S3_BUCKET}/{S3_PREFIX}",
    "AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID": S3_CONN_ID,
}
# An earlier upload at the same key: without a final newline, so the appended log needs one.
S3_SEED = (b'{"timestamp":"2026-06-16T11:00:00.000000Z","level":"info",'
           b'"event":"a line an earlier upload left","logger":"task"}')


def remote_log_scenarios() -> list[Scenario]:
    s3 = {"remote_log": True, "env": S3_ENV}
    return [
        Scenario(
            "remote_log_s3",
            "as success_xcom_vars_conn, with [logging] remote_logging to s3:// (moto server): the finished log"
            " is the object at remote_base_log_folder/log_path, the local file is emptied",
            task_id="success_xcom_vars_conn",
            api_state=task_state("success_xcom_vars_conn",
                                 connections={"diff_warehouse": WAREHOUSE, S3_CONN_ID: S3_CONNECTION}),
            expect_state="success",
            expect_log=["connecting to warehouse.example.internal:5439 as etl_user with password ***"],
            expect_calls=[f"GET connections/{S3_CONN_ID}"],
            **s3,
        ),
        Scenario(
            "remote_log_s3_append",
            "the task fails (no retry) with remote logging on and a log already at the key: the new log is"
            " appended to it after a newline",
            task_id="fail",
            api_state=task_state("fail", max_tries=0,
                                 connections={"diff_warehouse": WAREHOUSE, S3_CONN_ID: S3_CONNECTION}),
            expect_state="failed",
            expect_log=["failing on purpose", "a line an earlier upload left"],
            remote_log_seed=S3_SEED,
            **s3,
        ),
        Scenario(
            "remote_log_s3_callback",
            "callback_ok with remote logging on: the callback's log is uploaded too",
            kind="callback",
            api_state=task_state("callback", connections={"diff_warehouse": WAREHOUSE, S3_CONN_ID: S3_CONNECTION}),
            callback_path="differential_callbacks.notify_ok",
            callback_kwargs={"message": "all good"},
            launcher_loggers=("callback_runner",),
            expect_log=["Callback executed successfully"],
            expect_calls=[f"GET connections/{S3_CONN_ID}"],
            **s3,
        ),
    ]


SCENARIO_PROVIDERS.append(remote_log_scenarios)


class S3Server:
    """moto's S3 server on a free loopback port, for one run; talked to path-style with a token
    Authorization header (moto checks no signatures, but serves a private object to a signed-in
    caller only)."""

    def __init__(self, python: str, side_dir: Path):
        self.python = python
        self.log = side_dir / "s3-server.log"
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "S3Server":
        import urllib.request

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([self.python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                         stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).read()
                return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the S3 server did not start; see {self.log}")
                time.sleep(0.2)

    def request(self, method: str, path: str, body: bytes | None = None) -> bytes:
        import urllib.request

        req = urllib.request.Request(self.url + path, data=body, method=method,
                                     headers={"Authorization": f"AWS {S3_CONNECTION['login']}:unchecked",
                                              # urllib's default (a form) would be parsed away.
                                              "Content-Type": "application/octet-stream"})
        with urllib.request.urlopen(req, timeout=30) as answer:
            return answer.read()

    def keys(self, bucket: str) -> list[str]:
        import xml.etree.ElementTree as ET

        root = ET.fromstring(self.request("GET", f"/{bucket}?list-type=2"))
        return sorted(el.text or "" for el in root.iter() if el.tag.endswith("}Key") or el.tag == "Key")

    def get(self, bucket: str, key: str) -> bytes:
        from urllib.parse import quote

        return self.request("GET", f"/{bucket}/{quote(key, safe='/')}")

    def put(self, bucket: str, key: str, body: bytes) -> None:
        from urllib.parse import quote

        self.request("PUT", f"/{bucket}/{quote(key, safe='/')}", body)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            with_suppress(lambda: os.killpg(self.proc.pid, signal.SIGKILL))
            self.proc.wait()


def register_scenarios(provider: Callable[[], list[Scenario]]) -> Callable[[], list[Scenario]]:
    SCENARIO_PROVIDERS.append(provider)
    return provider


# ---------------------------------------------------------------------------------------------
# Workloads and environment
# ---------------------------------------------------------------------------------------------


def build_workload(s: Scenario) -> str:
    bundle = {"name": BUNDLE_NAME, "version": None}
    if s.kind == "task":
        ti = dict(s.api_state["ti"])
        ti.update({"dag_version_id": DAG_VERSION_ID, "queue": s.queue, "hostname": None, "context_carrier": None,
                   "pool_slots": 1, "priority_weight": 1})
        doc = {"type": "ExecuteTask", "token": WORKLOAD_TOKEN, "ti": ti, "dag_rel_path": DAG_FILE,
               "bundle_info": bundle, "log_path": s.log_path, "sentry_integration": ""}
    elif s.kind == "callback":
        doc = {"type": "ExecuteCallback", "token": WORKLOAD_TOKEN, "dag_rel_path": DAG_FILE, "bundle_info": bundle,
               "log_path": s.log_path,
               "callback": {"id": CALLBACK_ID, "fetch_method": "import_path",
                            "data": {"path": s.callback_path, "kwargs": s.callback_kwargs}}}
    elif s.kind == "connection_test":
        doc = {"type": "TestConnection", "token": WORKLOAD_TOKEN, "connection_test_id": CONNECTION_TEST_ID,
               "connection_id": s.connection_id, "timeout": s.connection_test_timeout, "queue": None}
    else:
        raise ValueError(s.kind)
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def write_cfg(path: Path, cfg: dict[str, dict[str, str]]) -> None:
    lines = []
    for section, values in cfg.items():
        lines.append(f"[{section}]")
        lines.extend(f"{k} = {v}" for k, v in values.items())
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def merged_cfg(s: Scenario) -> dict[str, dict[str, str]]:
    cfg = copy.deepcopy(BASE_CFG)
    for section, values in s.cfg.items():
        cfg.setdefault(section, {}).update(values)
    return cfg


def build_env(s: Scenario, home: Path, logs: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith("AIRFLOW") or k.startswith("_AIRFLOW") or k.startswith("AWS_")
                   or k == "PYTHONPATH")}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": url,
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(logs),
        "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps([{
            "name": BUNDLE_NAME,
            "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
            "kwargs": {"path": str(DAGS_DIR)},
        }]),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        # Overrides airflow.cfg's 30: the environment wins.
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
        "DIFFERENTIAL_PYTHON": sys.executable,
    })
    env.update(s.env)
    return env


# ---------------------------------------------------------------------------------------------
# Running one side
# ---------------------------------------------------------------------------------------------


@dataclass
class Run:
    side: str
    command: list[str]
    exit_code: int | None = None
    timed_out: bool = False
    wall_s: float = 0.0
    peak_rss_kib: int | None = None
    peak_tree_pss_kib: int | None = None  # the supervisor's process tree, PSS summed
    cpu_s: float | None = None  # the supervisor process's own CPU time (last sample)
    raw_calls: list[dict] = field(default_factory=list)
    calls: list[dict] = field(default_factory=list)  # normalised, heartbeats excluded
    heartbeats: list[dict] = field(default_factory=list)  # normalised heartbeats
    max_heartbeat_gap_s: float | None = None
    final_state: str | None = None  # the last task-instance state sent (None: none)
    log_exists: bool = False
    log_streams: dict[str, list[dict]] = field(default_factory=dict)
    stdout_forwarded: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # invariants broken by this run alone
    dir: Path | None = None
    remote_keys: list[str] = field(default_factory=list)  # the S3 bucket's keys after the run
    remote_log: Path | None = None  # the uploaded log, downloaded
    local_log_after: str | None = None  # the local log file after the upload: "empty", "absent", "N bytes"


def reserve_closed_port() -> tuple[socket.socket, int]:
    """A loopback port nothing listens on, held (bound, not listening) for the run so that no one
    else can take it: a connect gets ECONNREFUSED."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock, sock.getsockname()[1]


def read_hwm(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def process_tree(root: int) -> list[int]:
    """`root` and every process descending from it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def read_pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def read_cpu_s(pid: int) -> float | None:
    """User + system CPU time the process itself used so far (its children not included)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def run_side(s: Scenario, side: str, command: list[str], work: Path) -> Run:
    from recording_api import RecordingServer

    side_dir = work / s.name / side
    if side_dir.exists():
        shutil.rmtree(side_dir)
    home = side_dir / "airflow-home"
    logs = side_dir / "logs"
    home.mkdir(parents=True)
    write_cfg(home / "airflow.cfg", merged_cfg(s))
    workload = build_workload(s)
    (side_dir / "workload.json").write_text(workload, encoding="utf-8")
    run = Run(side, command, dir=side_dir)

    server = None
    held = None
    s3 = None
    if s.remote_log:
        if not S3_PYTHON:
            raise SystemExit(f"{s.name} needs --s3-python (a venv from tools/s3-requirements.txt)")
        s3 = S3Server(S3_PYTHON[0], side_dir).start()
        s3.request("PUT", f"/{S3_BUCKET}")
        if s.remote_log_seed is not None:
            s3.put(S3_BUCKET, f"{S3_PREFIX}/{s.log_path}", s.remote_log_seed)
        s = copy.copy(s)
        s.api_state = copy.deepcopy(s.api_state)
        s.api_state["connections"][S3_CONN_ID]["extra"] = json.dumps(
            {"endpoint_url": s3.url, "region_name": "us-east-1"})
    if s.server_down:
        held, port = reserve_closed_port()
        url = f"http://127.0.0.1:{port}/execution/"
    else:
        server = RecordingServer(s.api_state).start()
        url = server.url
    env = build_env(s, home, logs, url)
    (side_dir / "env.json").write_text(json.dumps({k: v for k, v in env.items() if "AIRFLOW" in k}, indent=1))
    argv = [*command, "--json-string", workload]
    t0 = time.monotonic()
    wall0 = datetime.now(timezone.utc)
    with open(side_dir / "stdout", "wb") as out, open(side_dir / "stderr", "wb") as err:
        proc = subprocess.Popen(argv, env=env, cwd=side_dir, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        hwm = None
        deadline = t0 + s.timeout
        while True:
            try:
                run.exit_code = proc.wait(timeout=0.05)
                break
            except subprocess.TimeoutExpired:
                pass
            value = read_hwm(proc.pid)
            if value is not None:
                hwm = value
            # What the whole run costs while it runs: the supervisor and the task process (and
            # anything else they started), each shared page counted once (PSS).
            pss = sum(read_pss_kib(pid) for pid in process_tree(proc.pid))
            run.peak_tree_pss_kib = max(run.peak_tree_pss_kib or 0, pss)
            cpu = read_cpu_s(proc.pid)
            if cpu is not None:
                run.cpu_s = cpu
            if time.monotonic() > deadline:
                run.timed_out = True
                run.problems.append(f"did not finish within {s.timeout:g} s; killed")
                with_suppress(lambda: os.killpg(proc.pid, signal.SIGKILL))
                run.exit_code = proc.wait()
                break
    run.wall_s = time.monotonic() - t0
    run.peak_rss_kib = hwm
    wall1 = datetime.now(timezone.utc)
    # The task process runs in its own process group; make sure nothing of this run survives it.
    if held is not None:
        held.close()
    if server is not None:
        server.stop()
        server.dump(side_dir / "calls.json")
        run.raw_calls = server.calls
    if s3 is not None:
        try:
            run.remote_keys = s3.keys(S3_BUCKET)
            key = f"{S3_PREFIX}/{s.log_path}"
            if key in run.remote_keys:
                run.remote_log = side_dir / "remote.log"
                run.remote_log.write_bytes(s3.get(S3_BUCKET, key))
        finally:
            s3.stop()
        local = logs / s.log_path
        run.local_log_after = ("absent" if not local.exists() else "empty" if local.stat().st_size == 0
                               else f"{local.stat().st_size} bytes")
    normalise_run(s, run, side_dir, logs, wall0, wall1, t0)
    (side_dir / "normalised.json").write_text(json.dumps({
        "exit_code": run.exit_code, "final_state": run.final_state, "calls": run.calls,
        "heartbeats": run.heartbeats, "log_streams": run.log_streams, "stdout_forwarded": run.stdout_forwarded,
        "problems": run.problems}, indent=1, ensure_ascii=False), encoding="utf-8")
    return run


def with_suppress(fn) -> None:
    try:
        fn()
    except OSError:
        pass


# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------

ISO_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
PYDT_RE = re.compile(r"datetime\.datetime\([^()]*(?:\([^()]*\)[^()]*)*\)")
CORRELATION_RE = re.compile(r"(Correlation-id=)[0-9a-f-]{8,}", re.I)
PID_TEXT_RE = re.compile(r"\b(pid[=:] ?)\d+")
# Log keys whose values are durations or measurements: compared as present, not by value.
TIMING_KEYS = re.compile(r"(^|_)(ms|duration|elapsed|elapsed_seconds|seconds_ago)$|_ms$")
PID_KEYS = {"pid", "current_pid", "process_id"}
# Datetimes that are part of the run (not fixed data): must lie inside the run's wall-clock window.
RUN_DATETIME_KEYS = {"start_date", "end_date"}


class Normaliser:
    """Replaces what differs from run to run with placeholders.

    A datetime is run-dependent when it falls in the run's wall-clock window (from an hour before
    the launch to a day after the exit, which covers the sensor's reschedule date); others are
    data the scenario fixed (the logical date inside the run id, the trigger's moment) and stay."""

    def __init__(self, side_dir: Path, wall0: datetime, wall1: datetime) -> None:
        self.side_dir = str(side_dir)
        self.wall0, self.wall1 = wall0, wall1
        self.lo = wall0 - timedelta(hours=1)
        self.hi = wall1 + timedelta(days=1)

    def in_run(self, dt: datetime | None) -> bool:
        if dt is None:
            return False
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return self.lo <= dt <= self.hi

    def _iso(self, m: re.Match) -> str:
        return "<datetime>" if self.in_run(parse_dt(m.group(0))) else m.group(0)

    def _pydt(self, m: re.Match) -> str:
        try:
            parts = [int(x) for x in re.findall(r"\d+", m.group(0).split("tzinfo")[0])[:7]]
            dt = datetime(*parts)
        except (TypeError, ValueError):
            return "<datetime>"
        return "<datetime>" if self.in_run(dt) else m.group(0)

    def text(self, text: str) -> str:
        text = text.replace(self.side_dir, "<side>")
        text = PYDT_RE.sub(self._pydt, text)
        text = ISO_RE.sub(self._iso, text)
        text = CORRELATION_RE.sub(r"\1<id>", text)
        text = PID_TEXT_RE.sub(r"\1<pid>", text)
        return text

    def value(self, value: Any, key: str = "") -> Any:
        if key in PID_KEYS and isinstance(value, int):
            return "<pid>"
        if key and TIMING_KEYS.search(key) and isinstance(value, (int, float)):
            return "<number>"
        if isinstance(value, dict):
            return {k: self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def body(self, body: Any, run: Run, where: str) -> Any:
        """A request body with run-dependent values replaced. A body's run-dependent datetimes must
        lie in the run; where a body has several, their offsets from the first are kept (whole
        seconds), so `reschedule_date` - `end_date` stays checked."""
        if not isinstance(body, dict):
            return self.value(body)
        out = {}
        first_dt = None
        offsets = {}
        for k, v in body.items():
            dt = parse_dt(v) if isinstance(v, str) and ISO_RE.fullmatch(v) else None
            if dt is not None and k in RUN_DATETIME_KEYS and not (
                    self.wall0 - timedelta(seconds=2) <= dt <= self.wall1 + timedelta(seconds=2)):
                run.problems.append(f"{where}: {k} {v} is outside the run ({self.wall0.isoformat()} .."
                                    f" {self.wall1.isoformat()})")
            if dt is not None and self.in_run(dt):
                if first_dt is None:
                    first_dt = dt
                else:
                    offsets[k] = round((dt - first_dt).total_seconds())
                out[k] = "<datetime>"
            else:
                out[k] = self.value(v, k)
        if offsets:
            out["<datetime offsets>"] = offsets
        return out


def parse_dt(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def token_label(header: str | None) -> str:
    if not header:
        return "none"
    token = header.removeprefix("Bearer ")
    return {WORKLOAD_TOKEN: "workload", EXECUTION_TOKEN: "execution", REFRESHED_TOKEN: "refreshed"}.get(
        token, "unknown:" + token[:40])


# `[workers] min_heartbeat_interval` in every run (build_env), and how much later than that a
# heartbeat may come on a loaded machine.
HEARTBEAT_INTERVAL_S = 1.0
HEARTBEAT_SLACK_S = 1.5


def heartbeat_rhythm(run: "Run") -> list[str]:
    """Problems with a run's heartbeat rhythm: from `PATCH run` until the task's terminal state
    (or the last call), one heartbeat at once and then one per interval, never a gap longer than
    the interval plus the slack, and not many more than the span allows."""
    calls = sorted(run.raw_calls, key=lambda c: c["t_arrival"])
    start = next((c["t_arrival"] for c in calls
                  if c["method"] == "PATCH" and c["path"] == ti_path("run") and c["status"] == 200), None)
    if start is None:
        return []
    end = next((c["t_arrival"] for c in calls if c["t_arrival"] >= start
                and c["method"] == "PATCH" and c["path"] == ti_path("state")), calls[-1]["t_arrival"])
    beats = [c["t_arrival"] for c in calls
             if c["method"] == "PUT" and c["path"] == ti_path("heartbeat") and start <= c["t_arrival"] <= end]
    problems = []
    moments = [start, *beats]
    gaps = [b - a for a, b in zip(moments, moments[1:])]
    if beats and beats[0] - start > HEARTBEAT_SLACK_S:
        problems.append(f"first heartbeat {beats[0] - start:.2f} s after PATCH run")
    if gaps and max(gaps) > HEARTBEAT_INTERVAL_S + HEARTBEAT_SLACK_S:
        problems.append(f"a gap of {max(gaps):.2f} s between heartbeats (interval {HEARTBEAT_INTERVAL_S:g} s)")
    if end - start > HEARTBEAT_INTERVAL_S + HEARTBEAT_SLACK_S and not beats:
        problems.append(f"no heartbeat in {end - start:.2f} s")
    most = int((end - start) / HEARTBEAT_INTERVAL_S) + 3
    if len(beats) > most:
        problems.append(f"{len(beats)} heartbeats in {end - start:.2f} s (at most {most})")
    return problems


def normalise_run(s: Scenario, run: Run, side_dir: Path, logs: Path, wall0: datetime, wall1: datetime,
                  t0: float) -> None:
    norm = Normaliser(side_dir, wall0, wall1)
    # -- API calls ------------------------------------------------------------------------------
    run_pid = None
    hostname = None
    last_hb_t = None
    gaps = []
    for c in run.raw_calls:
        where = f"{c['method']} {c['path']}"
        for p in c["problems"]:
            run.problems.append(f"{where}: {p}")
        is_hb = c["method"] == "PUT" and c["path"] == ti_path("heartbeat")
        body = c["body"]
        if c["method"] == "PATCH" and c["path"] == ti_path("run") and isinstance(body, dict):
            run_pid = body.get("pid")
            hostname = body.get("hostname")
            last_hb_t = c["t_arrival"]
        if is_hb and isinstance(body, dict):
            if body.get("pid") != run_pid:
                run.problems.append(f"heartbeat pid {body.get('pid')} differs from the PATCH run pid {run_pid}")
            if last_hb_t is not None:
                gaps.append(c["t_arrival"] - last_hb_t)
            last_hb_t = c["t_arrival"]
        headers = c["headers"]
        ncall = {
            "method": c["method"],
            "path": c["path"],
            "query": sorted(c["query"]),
            "status": c["status"],
            "body": norm.body(body, run, where),
            "token": token_label(headers.get("authorization")),
            "api_version": headers.get("airflow-api-version"),
            "content_type": headers.get("content-type") if c["body_bytes"] else None,
        }
        if c["method"] == "PATCH" and c["path"] == ti_path("state") and isinstance(body, dict) \
                and c["status"] in (200, 204):
            run.final_state = body.get("state")
        (run.heartbeats if is_hb else run.calls).append(ncall)
    if hostname is not None and hostname != expected_hostname():
        run.problems.append(f"PATCH run hostname {hostname!r}, Airflow's get_hostname() here is "
                            f"{expected_hostname()!r}")
    run.max_heartbeat_gap_s = max(gaps) if gaps else None
    check_tokens(run)

    # -- the task log ---------------------------------------------------------------------------
    streams: dict[str, list[dict]] = {"task-runner": [], "stdout": [], "stderr": [], "supervisor": []}
    if s.log_path:
        log_file = run.remote_log if s.remote_log else logs / s.log_path
        run.log_exists = log_file is not None and log_file.exists()
        if log_file.exists():
            for n, text in enumerate(log_file.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                if not text.strip():
                    continue
                try:
                    line = json.loads(text)
                except ValueError:
                    run.problems.append(f"task log line {n} is not JSON: {text[:200]}")
                    continue
                if not isinstance(line, dict) or "event" not in line or "level" not in line:
                    run.problems.append(f"task log line {n} lacks event/level: {text[:200]}")
                    continue
                if "timestamp" not in line:
                    run.problems.append(f"task log line {n} has no timestamp")
                line = {k: v for k, v in line.items() if k != "timestamp"}
                if line.get("logger") in s.launcher_loggers:
                    line = {k: v for k, v in line.items() if k not in ("filename", "lineno")}
                    streams["task-runner"].append(norm.value(line))
                    continue
                streams[log_stream(line)].append(norm.value(line))
    run.log_streams = streams

    # -- stdout: the task log's lines forwarded there (subprocess_logs_to_stdout) ------------------
    def key(line: dict) -> str:
        return f"{line.get('level')} {line.get('logger')}: {norm.text(str(line.get('event')))}"

    in_log = {key(line) for lines in streams.values() for line in lines}
    forwarded = []
    for text in (side_dir / "stdout").read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if isinstance(line, dict) and key(line) in in_log:
            forwarded.append(key(line))
    run.stdout_forwarded = forwarded

    # -- secrets ----------------------------------------------------------------------------------
    for name in ("stdout", "stderr"):
        if any(secret in (side_dir / name).read_text(encoding="utf-8", errors="replace") for secret in SECRETS):
            run.problems.append(f"a secret appears in clear on {name}")
    for log_file in (logs / s.log_path if s.log_path else None, run.remote_log):
        if log_file is not None and log_file.exists() and any(
                secret in log_file.read_text(encoding="utf-8", errors="replace") for secret in SECRETS):
            run.problems.append(f"a secret appears in clear in the task log ({log_file.name})")


TOKEN_GRACE_S = 1.0


def check_tokens(run: Run) -> None:
    """Each call must carry the newest token the server had issued (in a Refreshed-API-Token
    header) by the time the call arrived; a call arriving within TOKEN_GRACE_S of a refresh may
    still carry the previous one (it may have been sent concurrently)."""
    issued = [(float("-inf"), WORKLOAD_TOKEN)]
    events = sorted(run.raw_calls, key=lambda c: c["t_arrival"])
    for c in events:
        token = (c["headers"].get("authorization") or "").removeprefix("Bearer ")
        if c["path"] == "health":
            continue
        current = [tok for t, tok in issued if t <= c["t_arrival"]]
        recent = [tok for t, tok in issued if t > c["t_arrival"] - TOKEN_GRACE_S]
        allowed = {current[-1]} | ({current[-2]} if len(current) > 1 and current[-1] in recent else set())
        if token not in allowed:
            run.problems.append(f"{c['method']} {c['path']} carried token {token_label('Bearer ' + token)}, "
                                f"expected {token_label('Bearer ' + current[-1])}")
        new = (c.get("response_headers") or {}).get("refreshed-api-token")
        if new and c["t_response"] is not None:
            issued.append((c["t_response"], new))
            issued.sort()


def log_stream(line: dict) -> str:
    """Which stream a task-log line came from. Lines of different streams interleave in the file in
    whatever order the supervisor happened to read its sockets, so each stream is compared on its
    own, in order: the task process's stdout and stderr, its structured logs (they carry the
    call site: filename/lineno), and the supervisor's own lines (none of those)."""
    logger = str(line.get("logger", ""))
    if logger.endswith(".stdout") or logger == "task.stdout":
        return "stdout"
    if logger.endswith(".stderr") or logger == "task.stderr":
        return "stderr"
    if "filename" in line or "lineno" in line:
        return "task-runner"
    return "supervisor"


_HOSTNAME = None


def expected_hostname() -> str:
    global _HOSTNAME
    if _HOSTNAME is None:
        # What Airflow's client sends ([core] hostname_callable, default: the SDK's getfqdn).
        from airflow.sdk.api.client import get_hostname

        _HOSTNAME = get_hostname()
    return _HOSTNAME


# ---------------------------------------------------------------------------------------------
# Comparing and sanity checks
# ---------------------------------------------------------------------------------------------


def short(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def call_line(c: dict) -> str:
    q = "?" + "&".join(f"{k}={v}" for k, v in c["query"]) if c["query"] else ""
    return f"{c['method']} {c['path']}{q} -> {c['status']} [{c['token']}]"


def diff_lists(name: str, ref: list, other: list, show: Callable[[Any], str]) -> list[str]:
    if len(ref) == len(other) and all(json_equal(a, b) for a, b in zip(ref, other)):
        return []
    out = [f"{name} differ ({len(ref)} in the reference, {len(other)} in the other run):"]
    for i in range(max(len(ref), len(other))):
        a = ref[i] if i < len(ref) else None
        b = other[i] if i < len(other) else None
        if a is not None and b is not None and json_equal(a, b):
            continue
        out.append(f"  #{i}: reference {show(a) if a is not None else '(none)'}")
        out.append(f"  #{i}: other     {show(b) if b is not None else '(none)'}")
        if len(out) > 16:
            out.append("  ...")
            break
    return out


def compare(s: Scenario, ref: Run, other: Run) -> list[str]:
    diffs = []
    if ref.exit_code != other.exit_code:
        diffs.append(f"exit code: reference {ref.exit_code}, other {other.exit_code}")
    if ref.final_state != other.final_state:
        diffs.append(f"final state: reference {ref.final_state}, other {other.final_state}")
    diffs += diff_lists("API calls (heartbeats aside)", ref.calls, other.calls,
                        lambda c: call_line(c) + " " + short(c["body"], 200)
                        + (f" {c['api_version']} {c['content_type']}" if c["api_version"] else ""))
    # Heartbeats: the bodies' shape and each answer's status; the count within the tolerance.
    ref_hb = Counter(h["status"] for h in ref.heartbeats)
    oth_hb = Counter(h["status"] for h in other.heartbeats)
    # The token is checked per run (check_tokens): a heartbeat after a refresh carries the new one.
    def hb_key(h: dict) -> str:
        return json.dumps({k: v for k, v in h.items() if k not in ("status", "token")}, sort_keys=True)

    hb_shape = {hb_key(h) for h in ref.heartbeats}
    for h in other.heartbeats:
        key = hb_key(h)
        if hb_shape and key not in hb_shape:
            diffs.append(f"heartbeat unlike the reference's: {short(h, 300)}")
            break
    # How many heartbeats a run sends depends on how long its task ran (a fresh interpreter starts
    # slower than a fork), so counts are not compared; each run's heartbeats must keep the rhythm
    # of the interval over its own run instead (heartbeat_rhythm), and the answers other than 204
    # (a 409, a 500) must be the same.
    if (n_ref := sum(ref_hb.values())) > 0 and not other.heartbeats and s.expect_heartbeat:
        diffs.append(f"heartbeats: the reference sent {n_ref}, the other none")
    if {k: v for k, v in ref_hb.items() if k != 204} != {k: v for k, v in oth_hb.items() if k != 204}:
        diffs.append(f"heartbeat answers other than 204: reference {dict(ref_hb)}, other {dict(oth_hb)}")
    diffs += [f"other: {p}" for p in heartbeat_rhythm(other)]
    if not s.reference_may_stall:
        diffs += [f"reference: {p}" for p in heartbeat_rhythm(ref)]
    if ref.log_exists != other.log_exists:
        diffs.append(f"task log file exists: reference {ref.log_exists}, other {other.log_exists}")
    if s.remote_log:
        if ref.remote_keys != other.remote_keys:
            diffs.append(f"S3 keys after the run: reference {ref.remote_keys}, other {other.remote_keys}")
        if ref.local_log_after != other.local_log_after:
            diffs.append(f"local log after the upload: reference {ref.local_log_after}, other {other.local_log_after}")
    for stream in ref.log_streams:
        if s.child_lines_timing_dependent and stream in ("task-runner", "stdout", "stderr"):
            continue
        diffs += diff_lists(f"task log lines ({stream})", ref.log_streams[stream], other.log_streams.get(stream, []),
                            lambda line: short(line, 400))
    if not s.child_lines_timing_dependent and Counter(ref.stdout_forwarded) != Counter(other.stdout_forwarded):
        missing = list((Counter(ref.stdout_forwarded) - Counter(other.stdout_forwarded)).elements())
        extra = list((Counter(other.stdout_forwarded) - Counter(ref.stdout_forwarded)).elements())
        diffs.append(f"task lines forwarded to stdout differ: missing {short(missing, 400)}, extra {short(extra, 400)}")
    return diffs


def sanity(s: Scenario, ref: Run) -> list[str]:
    """Checks on the reference run alone: that the scenario exercises what it says."""
    out = []
    if s.expect_exit is not None and ref.exit_code != s.expect_exit:
        out.append(f"reference exit code {ref.exit_code}, expected {s.expect_exit}")
    if s.kind == "task" and not s.server_down and ref.final_state != s.expect_state:
        out.append(f"reference final state {ref.final_state}, expected {s.expect_state}")
    events = [json.dumps(line, ensure_ascii=False) for lines in ref.log_streams.values() for line in lines]
    for text in s.expect_log:
        if not any(text in e for e in events):
            out.append(f"reference task log has no line containing {text!r}")
    shown = [f"{c['method']} {c['path']}" for c in ref.calls]
    for want in s.expect_calls:
        if not any(x.startswith(want) for x in shown):
            out.append(f"reference made no call {want!r}; it made {shown}")
    if s.remote_log:
        key = f"{S3_PREFIX}/{s.log_path}"
        if ref.remote_keys != [key]:
            out.append(f"reference left S3 keys {ref.remote_keys}, expected [{key!r}]")
        if ref.local_log_after != "empty":
            out.append(f"reference's local log after the upload is {ref.local_log_after}, expected empty")
        if s.remote_log_seed is not None and ref.remote_log is not None \
                and not ref.remote_log.read_bytes().startswith(s.remote_log_seed + b"\n"):
            out.append("reference's object does not start with the earlier upload and a newline")
    if s.kind == "task" and not s.server_down:
        calls = ref.calls
        if s.remote_log and calls and (calls[0]["method"], calls[0]["path"]) == ("GET", f"connections/{S3_CONN_ID}"):
            calls = calls[1:]
        if not calls or (calls[0]["method"], calls[0]["path"]) != ("PATCH", ti_path("run")):
            out.append(f"reference's first call is not PATCH .../run: {shown[:3]}")
        if not ref.heartbeats and s.expect_heartbeat:
            out.append("reference sent no heartbeat")
    if s.extra_check:
        out += s.extra_check(ref)
    return out


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    passed: bool = True
    failures: list[str] = field(default_factory=list)
    runs: dict[str, dict] = field(default_factory=dict)


def summarise(run: Run) -> dict:
    return {
        "exit_code": run.exit_code,
        "final_state": run.final_state,
        "wall_s": round(run.wall_s, 3),
        "peak_rss_mib": round(run.peak_rss_kib / 1024, 1) if run.peak_rss_kib else None,
        "peak_tree_pss_mib": round(run.peak_tree_pss_kib / 1024, 1) if run.peak_tree_pss_kib else None,
        "supervisor_cpu_s": round(run.cpu_s, 3) if run.cpu_s is not None else None,
        "calls": len(run.calls),
        "heartbeats": len(run.heartbeats),
        "max_heartbeat_gap_s": round(run.max_heartbeat_gap_s, 3) if run.max_heartbeat_gap_s is not None else None,
        "log_lines": sum(len(v) for v in run.log_streams.values()),
        "timed_out": run.timed_out,
        "dir": str(run.dir),
    }


def fmt(v: Any, spec: str = "") -> str:
    if v is None:
        return "-"
    return format(v, spec) if spec else str(v)


def print_table(result: Result) -> None:
    cols = ["side", "exit", "state", "calls", "hb", "max hb gap", "log lines", "wall s", "peak RSS MiB"]
    rows = []
    for side, r in result.runs.items():
        rows.append([side, fmt(r["exit_code"]), fmt(r["final_state"]), fmt(r["calls"]), fmt(r["heartbeats"]),
                     fmt(r["max_heartbeat_gap_s"], ".2f"), fmt(r["log_lines"]), fmt(r["wall_s"], ".2f"),
                     fmt(r["peak_rss_mib"], ".1f")])
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(cols)]
    print("    " + "  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    for row in rows:
        print("    " + "  ".join(v.ljust(w) for v, w in zip(row, widths)))


def run_scenario(s: Scenario, reference: list[str], other: list[str] | None, work: Path,
                 ref: Run | None = None) -> Result:
    """Run the reference (unless given) and, with `other`, the other supervisor; judge."""
    result = Result(s.name)
    if ref is None:
        ref = run_side(s, "reference", reference, work)
    result.runs["reference"] = summarise(ref)
    result.failures += [f"reference: {p}" for p in ref.problems]
    result.failures += [f"reference sanity: {p}" for p in sanity(s, ref)]
    if other:
        oth = run_side(s, "other", other, work)
        result.runs["other"] = summarise(oth)
        result.failures += [f"other: {p}" for p in oth.problems]
        result.failures += compare(s, ref, oth)
    result.passed = not result.failures
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare a native task supervisor with Airflow's execute_workload.")
    parser.add_argument("--supervisor", type=Path, metavar="PATH",
                        help="the supervisor to compare (run as PATH --json-string W)")
    parser.add_argument("--supervisor-python-args", action="store_true",
                        help="call it as PATH PYTHON -m airflow.sdk.execution_time.execute_workload --json-string W")
    parser.add_argument("--reference-only", action="store_true", help="only run and sanity-check the reference")
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="run only these scenarios")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--work-dir", type=Path, help="keep every run's artefacts here (default: a temp dir)")
    parser.add_argument("--json-report", type=Path, help="write the results as JSON here")
    parser.add_argument("--big", action="store_true", help="slow_xcom_upload with a 300 MiB XCom (default 20 MiB)")
    parser.add_argument("--xcom-mb", type=float, help="slow_xcom_upload's XCom size in MiB (overrides --big)")
    parser.add_argument("--upload-seconds", type=float, default=6.0,
                        help="how long the throttled XCom upload should take (default 6)")
    parser.add_argument("--rust-bundles", type=Path, action="append", default=[], metavar="DIR",
                        help="a directory holding the packed rust_demo bundle: adds the rust_* scenarios")
    parser.add_argument("--s3-python", metavar="PYTHON",
                        help="a Python with the SDK, the amazon provider and moto (tools/s3-requirements.txt) for"
                             " the remote_log_* scenarios; default: .venv-s3/bin/python at the repository's root")
    parser.add_argument("--python", default=sys.executable,
                        help="the Python with apache-airflow-task-sdk for the reference (default: this one)")
    args = parser.parse_args(argv)
    RUST_BUNDLES.extend(p.resolve() for p in args.rust_bundles)
    default_s3 = HERE.parent.parent / ".venv-s3" / "bin" / "python"
    if args.s3_python or default_s3.exists():
        S3_PYTHON.append(args.s3_python or str(default_s3))

    scenarios = build_scenarios(args.big, args.xcom_mb, args.upload_seconds)
    if args.list:
        for s in scenarios:
            print(f"{s.name:24} {s.description}")
        return 0
    by_name = {s.name: s for s in scenarios}
    unknown = [n for n in args.only if n not in by_name]
    if unknown:
        print(f"error: unknown scenario(s) {unknown}; --list shows them", file=sys.stderr)
        return 2
    if args.only:
        scenarios = [by_name[n] for n in dict.fromkeys(args.only)]
    if not args.reference_only and not args.supervisor:
        parser.error("give --supervisor PATH, or --reference-only")
    if args.supervisor and not os.access(args.supervisor, os.X_OK):
        parser.error(f"{args.supervisor} is not executable")

    work = args.work_dir.resolve() if args.work_dir else Path(tempfile.mkdtemp(prefix="airflow-supervisor-diff-"))
    work.mkdir(parents=True, exist_ok=True)
    # The driver imports the server's models (recording_api): keep Airflow's own files out of ~.
    os.environ["AIRFLOW_HOME"] = str(work / "driver-airflow-home")
    os.environ.pop("AIRFLOW_CONFIG", None)
    check_pins("differential")

    reference = [args.python, "-m", REFERENCE_MODULE]
    other = None
    if args.supervisor and not args.reference_only:
        other = [str(args.supervisor.resolve())]
        if args.supervisor_python_args:
            other += [args.python, "-m", REFERENCE_MODULE]
    print(f"work dir {work}")
    print(f"reference: {' '.join(reference)}")
    if other:
        print(f"other:     {' '.join(other)}")

    results = []
    t_all = time.monotonic()
    for s in scenarios:
        print(f"\n== {s.name}: {s.description}", flush=True)
        if s.remote_log:
            # The scenario's Python (the amazon provider's S3 handler) in place of the default one.
            python = S3_PYTHON[0] if S3_PYTHON else args.python
            swap = lambda cmd: [python if part == args.python else part for part in cmd] if cmd else cmd
            result = run_scenario(s, swap(reference), swap(other), work)
        else:
            result = run_scenario(s, reference, other, work)
        print_table(result)
        print(f"  {'PASS' if result.passed else 'FAIL'} {s.name}")
        for line in result.failures:
            print(f"    {line}")
        results.append(result)

    total = time.monotonic() - t_all
    failed = [r for r in results if not r.passed]
    print("\nscenario                  result  " + ("ref wall  other wall  ref hb  other hb  ref gap  other gap  "
                                                   "ref RSS  other RSS  ref PSS  other PSS  ref CPU  other CPU"
                                                   if other else "wall s  hb  max gap  RSS MiB  PSS MiB  CPU s"))
    for r in results:
        a = r.runs.get("reference", {})
        b = r.runs.get("other", {})
        if other:
            print(f"{r.name:25} {'PASS' if r.passed else 'FAIL':6}  {fmt(a.get('wall_s'), '8.2f')}  "
                  f"{fmt(b.get('wall_s'), '10.2f')}  {fmt(a.get('heartbeats'), '6d')}  {fmt(b.get('heartbeats'), '8d')}"
                  f"  {fmt(a.get('max_heartbeat_gap_s'), '7.2f')}  {fmt(b.get('max_heartbeat_gap_s'), '9.2f')}  "
                  f"{fmt(a.get('peak_rss_mib'), '7.1f')}  {fmt(b.get('peak_rss_mib'), '9.1f')}  "
                  f"{fmt(a.get('peak_tree_pss_mib'), '7.1f')}  {fmt(b.get('peak_tree_pss_mib'), '9.1f')}  "
                  f"{fmt(a.get('supervisor_cpu_s'), '7.2f')}  {fmt(b.get('supervisor_cpu_s'), '9.2f')}")
        else:
            print(f"{r.name:25} {'PASS' if r.passed else 'FAIL':6}  {fmt(a.get('wall_s'), '6.2f')}  "
                  f"{fmt(a.get('heartbeats'), '2d')}  {fmt(a.get('max_heartbeat_gap_s'), '7.2f')}  "
                  f"{fmt(a.get('peak_rss_mib'), '7.1f')}  {fmt(a.get('peak_tree_pss_mib'), '7.1f')}  "
                  f"{fmt(a.get('supervisor_cpu_s'), '5.2f')}")
    print(f"\n{len(results) - len(failed)} passed, {len(failed)} failed ({total:.1f} s)"
          + (f"; artefacts in {work}" if failed or args.work_dir else ""))
    if args.json_report:
        args.json_report.parent.mkdir(parents=True, exist_ok=True)
        args.json_report.write_text(json.dumps({
            "reference": reference, "other": other, "total_s": round(total, 1),
            "results": [{"name": r.name, "passed": r.passed, "failures": r.failures, "runs": r.runs}
                        for r in results],
        }, indent=2, ensure_ascii=False), encoding="utf-8")
    if not failed and not args.work_dir:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
