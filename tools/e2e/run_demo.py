"""End-to-end: the packed `rust_demo` bundle under Airflow's own supervisor and coordinator.

Every scenario below runs one demo task through the real
`airflow.sdk.execution_time.supervisor.supervise_task`, with `[sdk] coordinators` set to an
`ExecutableCoordinator` over the bundle's directory and the task's queue routed to it by
`[sdk] queue_to_coordinator`. So the real coordinator finds and verifies the bundle, launches it
with `--comm=`/`--logs=`, and the real supervisor speaks to it.

The Execution API is served in-process: the SDK's own `airflow.sdk.api.client.Client` over an
`httpx.MockTransport` (FakeExecutionAPI) that records every call, validates each request body
with the Execution API server's own model (apache-airflow-core's), and answers with the bodies
and status codes of the server's routes (`airflow/api_fastapi/execution_api/routes/`).

Per scenario the harness asserts:
- the API calls, in order, heartbeats aside: `PATCH .../run` first, then exactly the expected
  reads and XCom writes (exact JSON values, types included), then one `PATCH .../state` with
  the expected state;
- the task log file the supervisor writes: the expected lines at their levels, no line from the
  runtime's stderr, no "Process exited abnormally", the connection password never in clear;
- the requests the supervisor decoded (observed, not altered, by wrapping
  `ActivitySubprocess._handle_request`): `connect` sends `MaskSecret` for the password;
- the supervisor's own log: no error (an undecodable request or log line lands there);
- `supervise_task` returns 0 (a runtime exits 0 after its terminal message).

Usage: run_demo.py BUNDLE_OR_DIR [--only NAME ...] [--json-report FILE] [--work-dir DIR] (see --help)
Exit status: 0 when every scenario passes, 1 otherwise, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# json_equal: 5 == 5.0 == True in Python, not on the wire.
from common import check_pins, json_equal  # noqa: E402  (tools/common.py)

DAG_ID = "rust_demo"
DEMO_TASKS = {"greet", "connect", "sum_upstream", "always_fails", "skip_me"}
QUEUE = "rust-tasks"
COORDINATOR_KEY = "rust"
RUN_ID = "manual__2026-06-16T12:00:00+00:00"
BASE_URL = "http://127.0.0.1:8080/execution/"
TOKEN = "e2e-harness-token"

GREETING_NAME = "Ferris Zoë"  # non-ASCII: the task log must carry it as UTF-8
WAREHOUSE = {
    "conn_id": "warehouse",
    "conn_type": "postgres",
    "host": "warehouse.example.internal",
    "schema": "analytics",
    "login": "etl_user",
    "password": "pa55-W0rd-e2e-secret",
    "port": 5439,
    "extra": None,
}
NUMBERS_COUNT = 1_000_000
NUMBERS_SEED = 19

# Level names the supervisor maps (structlog's NAME_TO_LEVEL); anything else is dropped there.
LEVELS = {"debug", "info", "warning", "warn", "error", "exception", "critical"}


# ---------------------------------------------------------------------------------------------
# Configuration: the SDK reads it at import time, so it is set before anything from airflow loads.
# ---------------------------------------------------------------------------------------------


def configure_environment(executables_root: Path, work: Path, heartbeat_interval: int) -> None:
    home = work / "airflow-home"
    home.mkdir(parents=True, exist_ok=True)
    os.environ.pop("AIRFLOW_CONFIG", None)
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ["AIRFLOW__SDK__COORDINATORS"] = json.dumps(
        {
            COORDINATOR_KEY: {
                "classpath": "airflow.sdk.coordinators.executable.ExecutableCoordinator",
                "kwargs": {"executables_root": [str(executables_root)]},
            }
        }
    )
    os.environ["AIRFLOW__SDK__QUEUE_TO_COORDINATOR"] = json.dumps({QUEUE: COORDINATOR_KEY})
    os.environ["AIRFLOW__LOGGING__BASE_LOG_FOLDER"] = str(work / "logs")
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "INFO"
    # The supervisor waits up to one interval in select() after the child's sockets close, so with
    # Airflow's default of 5 s every scenario would last about 5 s (a module-level constant of
    # supervisor.py, read when it is imported).
    os.environ["AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL"] = str(heartbeat_interval)


def short(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


# ---------------------------------------------------------------------------------------------
# The in-process Execution API.
# ---------------------------------------------------------------------------------------------


@dataclass
class Call:
    method: str
    path: str  # relative to BASE_URL
    query: dict[str, str]
    body: Any  # the JSON request body, or None
    status: int
    at: float  # time.monotonic()
    problem: str | None = None  # a request the real server would refuse


@dataclass
class Scenario:
    name: str
    task_id: str
    what: str
    try_number: int = 1
    max_tries: int = 0
    variables: dict[str, str] = field(default_factory=dict)
    connections: dict[str, dict] = field(default_factory=dict)
    # (task_id, key) -> pre-encoded XComResponse JSON body, for XComs of this run.
    xcoms: dict[tuple[str, str], bytes] = field(default_factory=dict)
    expect_state: str = "success"
    # (method, path, query, body) between PATCH run and PATCH state; body None for reads.
    expect_calls: list[tuple[str, str, dict, Any]] = field(default_factory=list)
    # (level, predicate description, predicate on the event text)
    expect_logs: list[tuple[str, str, Callable[[str], bool]]] = field(default_factory=list)
    expect_mask: list[str] = field(default_factory=list)
    timeout: float = 60.0

    @property
    def should_retry(self) -> bool:
        # The server's rule for a TI that was queued, not restarting (`_is_eligible_to_retry` in
        # airflow/api_fastapi/execution_api/routes/task_instances.py; importing the routes costs
        # seconds and a database configuration, so the one line is restated).
        return self.max_tries != 0 and self.try_number <= self.max_tries


class FakeExecutionAPI:
    """The Execution API routes the supervisor uses, answering like the real server."""

    def __init__(self, scenario: Scenario, ti_id: uuid.UUID, models) -> None:
        self.scenario = scenario
        self.ti_id = str(ti_id)
        self.m = models
        self.calls: list[Call] = []
        self.xcom_writes: dict[tuple[str, str, str, str, int], Any] = {}

    def run_context(self) -> bytes:
        m = self.m
        now = datetime.now(timezone.utc).replace(microsecond=0)
        logical = datetime(2026, 6, 16, 12, 0, tzinfo=timezone.utc)
        ctx = m.TIRunContext(
            dag_run=m.DagRun(
                dag_id=DAG_ID,
                run_id=RUN_ID,
                logical_date=logical,
                data_interval_start=logical - timedelta(days=1),
                data_interval_end=logical,
                run_after=logical,
                start_date=now - timedelta(seconds=30),
                end_date=None,
                clear_number=0,
                run_type=m.DagRunType.MANUAL,
                state=m.DagRunState.RUNNING,
                conf={"triggered_by": "e2e harness"},
                triggering_user_name="e2e",
                consumed_asset_events=[],
                partition_key=None,
            ),
            task_reschedule_count=0,
            max_tries=self.scenario.max_tries,
            variables=[],
            connections=[],
            xcom_keys_to_clear=[],
            should_retry=self.scenario.should_retry,
        )
        return ctx.model_dump_json().encode()

    def __call__(self, request):
        import httpx

        path = request.url.path
        prefix = "/execution/"
        rel = path[len(prefix) :] if path.startswith(prefix) else path
        body = None
        if request.content:
            try:
                body = json.loads(request.content)
            except ValueError:
                body = {"<unparsable>": request.content[:200].decode("latin-1")}
        call = Call(request.method, rel, dict(request.url.params), body, 0, time.monotonic())
        self.calls.append(call)
        try:
            response = self._route(call)
        except Exception as exc:  # a bug here must show as a failure, not hang the supervisor
            call.problem = f"harness error: {exc!r}"
            response = httpx.Response(500, json={"detail": repr(exc)})
        call.status = response.status_code
        return response

    def _validate(self, call: Call, model) -> bool:
        try:
            model.model_validate(call.body)
        except Exception as exc:
            detail = "; ".join(line.strip() for line in str(exc).splitlines() if "errors.pydantic.dev" not in line)
            call.problem = f"body {short(call.body, 200)} refused by the server's {model.__name__}: {detail}"
            return False
        return True

    def _route(self, call: Call):
        import httpx

        m = self.m
        parts = call.path.split("/")
        not_found = httpx.Response(404, json={"detail": "Not Found"})
        ti_path = parts[0] == "task-instances" and len(parts) == 3
        if ti_path and parts[1] != self.ti_id:
            call.problem = f"unknown task instance {parts[1]}"
            return httpx.Response(404, json={"detail": {"reason": "not_found", "message": "TI not found"}})
        if ti_path and call.method == "PATCH" and parts[2] == "run":
            if not self._validate(call, m.server.TIEnterRunningPayload):
                return httpx.Response(422, json={"detail": call.problem})
            return httpx.Response(200, content=self.run_context(), headers={"content-type": "application/json"})
        if ti_path and call.method == "PATCH" and parts[2] == "state":
            # The route's body is the TIStateUpdate union, tagged by state (ti_state_discriminator).
            model = {
                "success": m.server.TISuccessStatePayload,
                "up_for_retry": m.server.TIRetryStatePayload,
            }.get((call.body or {}).get("state"), m.server.TITerminalStatePayload)
            if not self._validate(call, model):
                return httpx.Response(422, json={"detail": call.problem})
            return httpx.Response(204)
        if ti_path and call.method == "PUT" and parts[2] == "heartbeat":
            if not self._validate(call, m.server.TIHeartbeatInfo):
                return httpx.Response(422, json={"detail": call.problem})
            return httpx.Response(204)
        if parts[0] == "variables" and len(parts) >= 2 and call.method == "GET":
            key = "/".join(parts[1:])
            if key in self.scenario.variables:
                return httpx.Response(200, json={"key": key, "value": self.scenario.variables[key]})
            return httpx.Response(
                404,
                json={"detail": {"reason": "not_found", "message": f"Variable with key '{key}' not found"}},
            )
        if parts[0] == "connections" and len(parts) == 2 and call.method == "GET":
            conn = self.scenario.connections.get(parts[1])
            if conn is not None:
                return httpx.Response(
                    200,
                    content=m.ConnectionResponse.model_validate(conn).model_dump_json(by_alias=True).encode(),
                    headers={"content-type": "application/json"},
                )
            return httpx.Response(
                404,
                json={"detail": {"reason": "not_found", "message": f"Connection with ID {parts[1]} not found"}},
            )
        if parts[0] == "xcoms" and len(parts) >= 5:
            dag_id, run_id, task_id, key = parts[1], parts[2], parts[3], "/".join(parts[4:])
            try:
                map_index = int(call.query.get("map_index", "-1"))
            except ValueError:
                call.problem = "map_index is not an integer"
                return httpx.Response(422, json={"detail": call.problem})
            if call.method == "GET":
                if (dag_id, run_id, map_index) == (DAG_ID, RUN_ID, -1) and (task_id, key) in self.scenario.xcoms:
                    return httpx.Response(
                        200,
                        content=self.scenario.xcoms[(task_id, key)],
                        headers={"content-type": "application/json"},
                    )
                message = (
                    f"XCom with key='{key}' map_index={map_index} not found for task "
                    f"'{task_id}' in DAG run '{run_id}' of '{dag_id}'"
                )
                return httpx.Response(404, json={"detail": {"reason": "not_found", "message": message}})
            if call.method == "POST":
                self.xcom_writes[(dag_id, run_id, task_id, key, map_index)] = call.body
                return httpx.Response(201, json={"message": "XCom successfully set"})
        call.problem = "no such route in the harness (unexpected call)"
        return not_found


# ---------------------------------------------------------------------------------------------
# Scenarios: the demo's spec, one task run each.
# ---------------------------------------------------------------------------------------------


def xcom_path(task_id: str, key: str) -> str:
    return f"xcoms/{DAG_ID}/{RUN_ID}/{task_id}/{key}"


def contains(text: str) -> tuple[str, Callable[[str], bool]]:
    return f"contains {text!r}", lambda event: text in event


def equals(text: str) -> tuple[str, Callable[[str], bool]]:
    return f"is {text!r}", lambda event: event == text


def build_scenarios() -> tuple[list[Scenario], dict[str, Any]]:
    greeting = f"Hello, {GREETING_NAME}!"
    rng = random.Random(NUMBERS_SEED)
    numbers = [rng.randint(-1_000_000, 1_000_000_000) for _ in range(NUMBERS_COUNT)]
    expected_sum = sum(numbers)
    numbers_body = json.dumps({"key": "return_value", "value": numbers}, separators=(",", ":")).encode()
    endpoint = f"{WAREHOUSE['host']}:{WAREHOUSE['port']}"
    masked_line = f"connecting to {endpoint} as {WAREHOUSE['login']} with password ***"
    missing_var = ("error", *contains("greeting_name"))
    scenarios = [
        Scenario(
            "greet",
            "greet",
            "variable set: pushes the greeting and try_number, succeeds",
            try_number=2,
            max_tries=3,
            variables={"greeting_name": GREETING_NAME},
            expect_calls=[
                ("GET", "variables/greeting_name", {}, None),
                ("POST", xcom_path("greet", "return_value"), {}, {"greeting": greeting, "try_number": 2}),
            ],
            expect_logs=[("info", *contains(greeting))],
        ),
        Scenario(
            "greet_retry",
            "greet",
            "variable missing, should_retry true: up_for_retry",
            try_number=1,
            max_tries=2,
            expect_state="up_for_retry",
            expect_calls=[("GET", "variables/greeting_name", {}, None)],
            expect_logs=[missing_var],
        ),
        Scenario(
            "greet_failed",
            "greet",
            "variable missing, should_retry false: failed",
            try_number=3,
            max_tries=2,
            expect_state="failed",
            expect_calls=[("GET", "variables/greeting_name", {}, None)],
            expect_logs=[missing_var],
        ),
        Scenario(
            "connect",
            "connect",
            "connection set: masked password in the log, pushes endpoint, succeeds",
            connections={"warehouse": WAREHOUSE},
            expect_calls=[
                ("GET", "connections/warehouse", {}, None),
                ("POST", xcom_path("connect", "endpoint"), {}, endpoint),
            ],
            expect_logs=[("info", *equals(masked_line))],
            expect_mask=[WAREHOUSE["password"]],
        ),
        Scenario(
            "connect_missing",
            "connect",
            "connection missing: failed, the error names it",
            expect_state="failed",
            expect_calls=[("GET", "connections/warehouse", {}, None)],
            expect_logs=[("error", *contains("warehouse"))],
        ),
        Scenario(
            "sum_upstream",
            "sum_upstream",
            f"sums {NUMBERS_COUNT:,} numbers pulled from task numbers",
            xcoms={("numbers", "return_value"): numbers_body},
            expect_calls=[
                ("GET", xcom_path("numbers", "return_value"), {}, None),
                (
                    "POST",
                    xcom_path("sum_upstream", "return_value"),
                    {},
                    {"sum": expected_sum, "count": NUMBERS_COUNT},
                ),
            ],
            timeout=180.0,
        ),
        Scenario(
            "always_fails",
            "always_fails",
            "fails on purpose: failed",
            expect_state="failed",
            expect_logs=[("error", *contains("failing on purpose"))],
        ),
        Scenario("skip_me", "skip_me", "ends skipped", expect_state="skipped"),
        Scenario(
            "unknown_task",
            "no_such_task",
            "a task the bundle does not have: failed, the error names it",
            expect_state="failed",
            expect_logs=[("error", *contains("no_such_task"))],
        ),
    ]
    facts = {"numbers_count": NUMBERS_COUNT, "numbers_seed": NUMBERS_SEED, "expected_sum": expected_sum}
    return scenarios, facts


# ---------------------------------------------------------------------------------------------
# Observation of the real supervisor (wrappers that record and delegate, nothing else).
# ---------------------------------------------------------------------------------------------


@dataclass
class Request:
    """A request the supervisor decoded, and when (time.monotonic()) it came and was answered."""

    type: str
    body: dict
    received: float
    answered: float | None = None


class Observed:
    """What one run let us see besides the API calls: requests, supervisor log, timings."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.supervisor_log: list[dict] = []
        self.launched_at: float | None = None
        self.process = None


CURRENT = Observed()


def install_observers() -> None:
    import structlog

    from airflow.sdk.coordinators import _subprocess
    from airflow.sdk.execution_time.supervisor import ActivitySubprocess

    original_handle = ActivitySubprocess._handle_request

    def handle_request(self, msg, log, req_id):
        received = time.monotonic()
        try:
            body = msg.model_dump(mode="json")
        except Exception as exc:  # recording must never change what the supervisor does
            body = {"<unrecorded>": repr(exc)}
        request = Request(type(msg).__name__, body, received)
        CURRENT.requests.append(request)
        try:
            return original_handle(self, msg, log, req_id)
        finally:
            # The answer frame has been written to the socket when the handler returns.
            request.answered = time.monotonic()

    ActivitySubprocess._handle_request = handle_request

    popen_cls = _subprocess._PopenActivitySubprocess
    original_start = popen_cls.start.__func__

    def start(cls, **kwargs):
        CURRENT.launched_at = time.monotonic()
        proc = original_start(cls, **kwargs)
        CURRENT.process = proc
        return proc

    popen_cls.start = classmethod(start)

    def capture(_logger, method_name, event_dict):
        entry = {"level": method_name}
        for key, value in event_dict.items():
            entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)[:500]
        CURRENT.supervisor_log.append(entry)
        raise structlog.DropEvent

    import logging

    structlog.configure(
        processors=[structlog.processors.format_exc_info, capture],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        cache_logger_on_first_use=False,
    )


# ---------------------------------------------------------------------------------------------
# Running and judging one scenario.
# ---------------------------------------------------------------------------------------------


class ScenarioTimeout(Exception):
    pass


@dataclass
class Result:
    name: str
    task_id: str
    what: str
    failures: list[str] = field(default_factory=list)
    exit_code: int | None = None
    state: str | None = None
    final_state: str | None = None
    heartbeats: int = 0
    startup_s: float | None = None  # launch -> PATCH run (both sockets accepted, ownership checked)
    terminal_s: float | None = None  # launch -> the runtime's terminal message reached the supervisor
    launch_to_exit_s: float | None = None  # launch -> child reaped by the supervisor
    supervise_s: float | None = None  # the whole supervise_task call
    pull_supervisor_s: float | None = None  # GetXCom received -> its answer written
    pull_runtime_s: float | None = None  # GetXCom answer written -> the runtime's next request
    log_path: str | None = None

    @property
    def passed(self) -> bool:
        return not self.failures


def run_scenario(scenario: Scenario, models, work: Path) -> Result:
    import httpx

    from airflow.sdk.api.client import Client
    from airflow.sdk.execution_time.supervisor import supervise_task

    global CURRENT
    CURRENT = Observed()
    result = Result(scenario.name, scenario.task_id, scenario.what)
    ti_id = uuid.uuid4()
    api = FakeExecutionAPI(scenario, ti_id, models)
    client = Client(base_url=BASE_URL, token=TOKEN, transport=httpx.MockTransport(api))
    ti = models.TaskInstance(
        id=ti_id,
        task_id=scenario.task_id,
        dag_id=DAG_ID,
        run_id=RUN_ID,
        try_number=scenario.try_number,
        dag_version_id=uuid.uuid4(),
        map_index=-1,
        queue=QUEUE,
    )
    rel_log = f"dag_id={DAG_ID}/run_id={RUN_ID}/task_id={scenario.task_id}/{scenario.name}.log"
    log_file = work / "logs" / rel_log
    result.log_path = str(log_file)

    def on_alarm(signum, frame):
        raise ScenarioTimeout(f"no result after {scenario.timeout:.0f} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, scenario.timeout)
    wall_start = datetime.now(timezone.utc)
    started = time.monotonic()
    try:
        result.exit_code = supervise_task(
            ti=ti,
            bundle_info=models.BundleInfo(name="e2e-harness", version=None),
            dag_rel_path="rust_demo.py",
            token=TOKEN,
            client=client,
            log_path=rel_log,
        )
    except ScenarioTimeout as exc:
        result.failures.append(f"timeout: {exc} (runtime hung or the supervisor never answered it)")
        if CURRENT.process is not None:
            try:
                os.kill(CURRENT.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    except Exception as exc:
        result.failures.append(f"supervise_task raised {type(exc).__name__}: {exc}")
        result.failures.extend("  " + line for line in traceback.format_exc().splitlines()[-6:])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        client.close()
    result.supervise_s = time.monotonic() - started

    judge(scenario, result, api, log_file, wall_start)
    dump_artifacts(scenario, api, work)
    return result


def judge(scenario: Scenario, result: Result, api: FakeExecutionAPI, log_file: Path, wall_start) -> None:
    fail = result.failures.append
    obs = CURRENT
    proc = obs.process
    if obs.launched_at is not None and proc is not None and proc._process_exit_monotonic is not None:
        result.launch_to_exit_s = proc._process_exit_monotonic - obs.launched_at
    for entry in obs.supervisor_log:
        if entry.get("event") == "Workload finished":
            result.final_state = str(entry.get("final_state"))

    if result.exit_code not in (None, 0):
        fail(f"supervise_task returned {result.exit_code}, expected 0 (runtime exit code)")

    judge_calls(scenario, result, api, wall_start)
    judge_requests(scenario, result)

    # --- the supervisor's own log ------------------------------------------------------------
    for entry in obs.supervisor_log:
        if entry["level"] in ("error", "exception", "critical"):
            details = {k: v for k, v in entry.items() if k not in ("level", "event", "logger_name", "exception")}
            fail(f"supervisor logged {entry['level']}: {entry.get('event')} {short(details, 400)}")

    judge_task_log(scenario, result, log_file)


def judge_calls(scenario: Scenario, result: Result, api: FakeExecutionAPI, wall_start: datetime) -> None:
    fail = result.failures.append
    obs = CURRENT
    for call in api.calls:
        if call.problem:
            fail(f"{call.method} {call.path}: {call.problem}")
    heartbeats = [c for c in api.calls if c.method == "PUT" and c.path.endswith("/heartbeat")]
    result.heartbeats = len(heartbeats)
    calls = [c for c in api.calls if c not in heartbeats]
    ti_base = f"task-instances/{api.ti_id}"
    shown = [f"{c.method} {c.path}" for c in calls]
    if not calls or (calls[0].method, calls[0].path) != ("PATCH", f"{ti_base}/run"):
        fail(f"first API call is not PATCH {ti_base}/run: {shown}")
        return
    run_call = calls[0]
    if obs.launched_at is not None:
        result.startup_s = run_call.at - obs.launched_at
    run_pid = (run_call.body or {}).get("pid")
    for hb in heartbeats:
        if (hb.body or {}).get("pid") != run_pid:
            fail(f"heartbeat pid {hb.body.get('pid')} differs from the PATCH run pid {run_pid}")
    state_calls = [c for c in calls if (c.method, c.path) == ("PATCH", f"{ti_base}/state")]
    if len(state_calls) != 1:
        fail(f"{len(state_calls)} PATCH .../state calls, expected exactly 1: {shown}")
    elif calls[-1] is not state_calls[0]:
        fail(f"PATCH .../state is not the last call: {shown}")
    if state_calls:
        body = state_calls[0].body or {}
        result.state = body.get("state")
        if result.state != scenario.expect_state:
            fail(f"state {result.state!r}, expected {scenario.expect_state!r}")
        try:
            end = datetime.fromisoformat(str(body.get("end_date")).replace("Z", "+00:00"))
            if not (wall_start - timedelta(seconds=5) <= end <= datetime.now(timezone.utc) + timedelta(seconds=5)):
                fail(f"end_date {body.get('end_date')} is outside the run ({wall_start.isoformat()} .. now)")
        except ValueError:
            fail(f"end_date {body.get('end_date')!r} is not a datetime")
    middle = [c for c in calls[1:] if c not in state_calls]
    got = [(c.method, c.path, c.query) for c in middle]
    want = [(m, p, q) for m, p, q, _ in scenario.expect_calls]
    if got != want:
        fail("API calls between PATCH run and PATCH state differ:")
        fail(f"  expected {[f'{m} {p}' + (f' {q}' if q else '') for m, p, q in want]}")
        fail(f"  got      {[f'{m} {p}' + (f' {q}' if q else '') for m, p, q in got]}")
    for call, (method, path, _query, body) in zip(middle, scenario.expect_calls):
        if method == "POST" and (call.method, call.path) == (method, path) and not json_equal(call.body, body):
            fail(f"POST {path} body {short(call.body)}, expected {short(body)}")


def judge_requests(scenario: Scenario, result: Result) -> None:
    fail = result.failures.append
    obs = CURRENT
    masks = [r.body for r in obs.requests if r.type == "MaskSecret"]
    terminal = [r.received for r in obs.requests if r.type in ("SucceedTask", "RetryTask", "TaskState")]
    # The big pull: the supervisor's share (API call, validation, frame) and the runtime's
    # (reading the answer, decoding, summing, until its next request arrives).
    for first, after in zip(obs.requests, obs.requests[1:]):
        if first.type == "GetXCom" and first.answered is not None:
            result.pull_supervisor_s = first.answered - first.received
            result.pull_runtime_s = after.received - first.answered
    if terminal and obs.launched_at is not None:
        result.terminal_s = terminal[0] - obs.launched_at
    if len(terminal) != 1:
        fail(f"{len(terminal)} terminal messages (SucceedTask, RetryTask, TaskState), expected exactly one")
    for secret in scenario.expect_mask:
        matching = [b for b in masks if b.get("value") == secret]
        if not matching:
            fail("no MaskSecret request for the connection password")
        # SecretsMasker.add_mask ignores a name that is not a sensitive key (coordinator-path.md).
        for b in matching:
            name = b.get("name")
            if name is not None and not is_sensitive_key(name):
                fail(f"MaskSecret name {name!r} is not a sensitive key, so the supervisor ignores it")


def is_sensitive_key(name: str) -> bool:
    from airflow.sdk._shared.secrets_masker import should_hide_value_for_key

    return bool(should_hide_value_for_key(name))


def judge_task_log(scenario: Scenario, result: Result, log_file: Path) -> None:
    fail = result.failures.append
    if not log_file.exists():
        fail(f"no task log file at {log_file}")
        return
    raw = log_file.read_bytes()
    if WAREHOUSE["password"].encode() in raw:
        fail("the connection password appears in clear in the task log")
    lines = []
    for n, text in enumerate(raw.decode("utf-8", errors="replace").splitlines(), 1):
        try:
            line = json.loads(text)
        except ValueError:
            fail(f"task log line {n} is not JSON: {text[:200]}")
            continue
        if not isinstance(line, dict) or not {"timestamp", "level", "event"} <= line.keys():
            fail(f"task log line {n} lacks timestamp/level/event: {text[:200]}")
            continue
        lines.append(line)
    stderr = []
    for line in lines:
        if line["level"] not in LEVELS:
            fail(f"task log line with level {line['level']!r}: {short(line)}")
        if str(line.get("logger", "")).startswith("task.stderr"):
            stderr.append(str(line["event"]))
        if line["event"] == "Process exited abnormally":
            fail(f"supervisor: Process exited abnormally: {short(line)}")
    if stderr:
        fail(f"the runtime wrote {len(stderr)} line(s) to stderr, the last: {short(stderr[-3:], 600)}")
    for level, description, predicate in scenario.expect_logs:
        if not any(line["level"] == level and predicate(str(line["event"])) for line in lines):
            near = [f"{ln['level']}: {str(ln['event'])[:120]}" for ln in lines]
            fail(f"no {level} line whose event {description}; the log has {near}")


def dump_artifacts(scenario: Scenario, api: FakeExecutionAPI, work: Path) -> None:
    out = work / "calls" / f"{scenario.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "api_calls": [
            {
                "method": c.method,
                "path": c.path,
                "query": c.query,
                "status": c.status,
                "body": short(c.body, 2000) if c.body is not None else None,
                "problem": c.problem,
            }
            for c in api.calls
        ],
        "requests": [{"type": r.type, "body": short(r.body, 2000)} for r in CURRENT.requests],
        "supervisor_log": CURRENT.supervisor_log,
    }
    out.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Bundle preflight and main.
# ---------------------------------------------------------------------------------------------


def locate_bundle(arg: Path, work: Path) -> Path:
    """The directory the coordinator scans. A single file is copied into a directory of its own,
    so that nothing else beside it (another bundle of the same DAG) can be picked instead."""
    if arg.is_dir():
        return arg.resolve()
    root = work / "bundles"
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(arg, root / arg.name)
    return root


def preflight(root: Path) -> tuple[list[str], str]:
    """Airflow's own reader must find the DAG's bundle and its manifest must list the demo tasks."""
    from airflow.sdk.coordinators.executable.coordinator import _Bundle, _read_bundle_metadata

    problems = []
    try:
        bundle = _Bundle.find([root], DAG_ID)
    except Exception as exc:
        return [f"Airflow's coordinator cannot use the bundle: {type(exc).__name__}: {exc}"], ""
    meta = _read_bundle_metadata(bundle.path) or {}
    tasks = ((meta.get("dags") or {}).get(DAG_ID) or {}).get("tasks")
    if not isinstance(tasks, list) or set(tasks) != DEMO_TASKS:
        problems.append(f"manifest dags.{DAG_ID}.tasks = {tasks!r}, expected {sorted(DEMO_TASKS)}")
    sdk = meta.get("sdk") or {}
    desc = (
        f"{bundle.path} (sdk {sdk.get('language')} {sdk.get('version')}, "
        f"supervisor_schema_version {bundle.schema_version})"
    )
    return problems, desc


class Models:
    """The models both ends use, loaded after the environment is configured.

    Responses are built with the SDK's own datamodels (what its client parses); request bodies
    are validated with the Execution API server's models (apache-airflow-core, pinned beside the
    SDK), which are stricter in places: the server's TISuccessStatePayload wants lists for
    task_outlets and outlet_events where the SDK's client model lets null through.
    """

    def __init__(self) -> None:
        from airflow.api_fastapi.execution_api.datamodels import taskinstance as server
        from airflow.sdk.api.datamodels import _generated as sdk

        for name in (
            "BundleInfo",
            "ConnectionResponse",
            "DagRun",
            "DagRunState",
            "DagRunType",
            "TaskInstance",
            "TIRunContext",
        ):
            setattr(self, name, getattr(sdk, name))
        self.server = server


def fmt_s(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the rust_demo bundle through Airflow's real supervisor.")
    parser.add_argument("bundle", type=Path, help="the packed demo bundle, or a directory holding it")
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="run only these scenarios, in this order"
    )
    parser.add_argument("--json-report", type=Path, help="write the results as JSON here")
    parser.add_argument("--work-dir", type=Path, help="keep logs and recorded calls here (default: a temp dir)")
    parser.add_argument(
        "--min-heartbeat-interval",
        type=int,
        default=1,
        metavar="SECONDS",
        help="[workers] min_heartbeat_interval for the supervisor (default 1; Airflow's own default is 5)",
    )
    parser.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="per-scenario limit (default 60, 180 for sum_upstream)"
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    args = parser.parse_args(argv)
    check_pins("run_demo")

    if not (args.bundle.is_dir() or args.bundle.is_file()):
        parser.error(f"{args.bundle} is neither a bundle file nor a directory")
    work = args.work_dir.resolve() if args.work_dir else Path(tempfile.mkdtemp(prefix="airflow-comms-e2e-"))
    work.mkdir(parents=True, exist_ok=True)
    root = locate_bundle(args.bundle, work)
    configure_environment(root, work, args.min_heartbeat_interval)

    scenarios, facts = build_scenarios()
    if args.list:
        for s in scenarios:
            print(f"{s.name:16} {s.what}")
        return 0
    unknown = set(args.only) - {s.name for s in scenarios}
    if unknown:
        print(f"error: unknown scenario(s) {sorted(unknown)}", file=sys.stderr)
        return 2
    if args.only:
        by_name = {s.name: s for s in scenarios}
        scenarios = [by_name[name] for name in dict.fromkeys(args.only)]  # in the order given
    if args.timeout:
        for s in scenarios:
            s.timeout = args.timeout

    import airflow.sdk

    models = Models()
    install_observers()
    print(f"airflow-task-sdk {airflow.sdk.__version__}; work dir {work}")
    problems, desc = preflight(root)
    print(f"bundle: {desc or root}")
    results: list[Result] = []
    if problems:
        bundle_result = Result("bundle", "-", "Airflow's reader finds the bundle; the manifest lists the demo tasks")
        bundle_result.failures.extend(problems)
        results.append(bundle_result)
        print("FAIL bundle")
        for line in problems:
            print(f"     {line}")
    if not problems or desc:
        for scenario in scenarios:
            result = run_scenario(scenario, models, work)
            results.append(result)
            mark = "PASS" if result.passed else "FAIL"
            print(
                f"{mark} {result.name:16} state={result.state or '-':13} "
                f"startup={fmt_s(result.startup_s)}s terminal={fmt_s(result.terminal_s)}s "
                f"exit={fmt_s(result.launch_to_exit_s)}s "
                f"supervise={fmt_s(result.supervise_s)}s heartbeats={result.heartbeats}",
                flush=True,
            )
            if result.pull_supervisor_s is not None:
                print(
                    f"     XCom pull: supervisor {fmt_s(result.pull_supervisor_s)}s (GetXCom received -> answer "
                    f"written), runtime {fmt_s(result.pull_runtime_s)}s (answer written -> next request)"
                )
            for line in result.failures:
                print(f"     {line}")

    failed = [r for r in results if not r.passed]
    print()
    print("Seconds from launch. startup: PATCH run sent (both sockets connected); terminal: the runtime's")
    print("terminal message received; exit: child reaped (up to one min_heartbeat_interval after its sockets")
    print("close, as the supervisor polls); supervise: the whole supervise_task call.")
    print(f"{'scenario':16} {'task':14} {'result':6} {'state':13} {'startup':>8} {'terminal':>8} {'exit':>7} {'supervise':>9}")
    for r in results:
        print(
            f"{r.name:16} {r.task_id:14} {'PASS' if r.passed else 'FAIL':6} {r.state or '-':13} "
            f"{fmt_s(r.startup_s):>8} {fmt_s(r.terminal_s):>8} {fmt_s(r.launch_to_exit_s):>7} {fmt_s(r.supervise_s):>9}"
        )
    print()
    kept = bool(failed or args.work_dir)
    where = f"; task logs and recorded calls in {work}" if kept else ""
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed{where}")
    if args.json_report:
        args.json_report.parent.mkdir(parents=True, exist_ok=True)
        args.json_report.write_text(
            json.dumps(
                {
                    "bundle": desc,
                    "facts": facts,
                    "results": [{**r.__dict__, "passed": r.passed} for r in results],
                },
                indent=2,
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
    if not failed and not args.work_dir:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
