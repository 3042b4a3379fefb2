"""The Rust task runtime against the Python task runner, under the same Airflow supervisor.

    .venv/bin/python tools/bench/runtime_compare.py                 # build, run, print the table
    .venv/bin/python tools/bench/runtime_compare.py --repeats 5     # quicker, noisier

Both sides run through the real `airflow.sdk.execution_time.supervisor.supervise_task` of the
pinned SDK, with the Execution API served in-process by the e2e harness's mock
(tools/e2e/run_demo.py: the SDK's own `Client` over an `httpx.MockTransport`):

- Rust: the demo (`runtime/examples/demo_tasks.rs`), release build, packed with
  `airflow-comms bundle pack`, launched by the `ExecutableCoordinator` the task's queue is routed to;
- Python: the same tasks in `tools/bench/python_dag/rust_demo_python.py`, run by the default
  (Python) coordinator: the supervisor forks, the task runner parses that file from a local DAG
  bundle (`[dag_processor] dag_bundle_config_list`) and runs the task.

What is measured (medians over the repeats; each run is checked: state success, exact XCom):

1. startup: launch (the supervisor entering `start`, before it forks or execs) -> the first
   request from the task process reaching the supervisor, for `greet`; split into the
   coordinator's check that each accepted connection belongs to the child (Rust only), and the
   task process's own part, StartupDetails written -> that first request. Runs of both sides
   alternate in one harness process that has already imported what the supervisor imports lazily
   on a coordinator's first request (`airflow.dag_processing.processor`, cadwyn), after one
   warm-up run per side.
2. peak RSS of the task process for `greet`: its VmHWM (/proc/PID/status), polled from the moment
   its pid exists until it is gone, in a fresh harness process per run. Not
   `getrusage(RUSAGE_CHILDREN)`: Linux keeps the RSS peak of the image exec replaces, so a
   launched executable reports the harness's size. A forked Python runner's RSS counts the
   supervisor pages it inherited, so its private memory (`Private_*` of /proc/PID/smaps_rollup)
   when the terminal message arrives is shown too.
3. `sum_upstream` over 1,000,000 integers: the task process's own share, from the supervisor
   writing the XComResult answer to the task's next request arriving (reading the rest of the
   frame, decoding, summing, encoding the SetXCom).
4. decode + sum of that very XComResult frame, captured from the run: criterion times
   `split_response` + `decode_xcom_value::<Vec<serde_json::Number>>` + the demo's sum
   (runtime/benches/xcom.rs, release profile); Python times the task runner's path on the same
   bytes (`msgspec` `_ResponseFrame` decode, `TypeAdapter(ToTask).validate_python`, `sum`), median
   of `timeit` repeats, garbage collector off (timeit's default).

Prints a markdown table (metric | Python runner | Rust runtime | ratio) and whether each target of
issue 19 is met: startup <= 1/5, RSS <= 1/5, decode + sum >= 10x faster.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import timeit
import traceback
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PY_DAG_DIR = REPO / "tools" / "bench" / "python_dag"
PY_DAG_FILE = "rust_demo_python.py"
PY_BUNDLE = "bench-python-dags"
PY_QUEUE = "default"  # not routed to a coordinator: the Python runner
CRITERION_GROUP = "xcom_result_1m"
NO_CHECK = "— (forked, no sockets to check)"

sys.path.insert(0, str(REPO / "tools" / "e2e"))
sys.path.insert(0, str(REPO / "tools"))
import run_demo  # noqa: E402  (the e2e harness: its mock Execution API and observers)
from common import json_equal  # noqa: E402  (tools/common.py)


def target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")


# ---------------------------------------------------------------------------------------------
# Worker side: one harness process running tasks through supervise_task.
# ---------------------------------------------------------------------------------------------


def configure(bundle_root: Path, work: Path) -> None:
    """The e2e harness's configuration, plus the local DAG bundle the Python runner reads."""
    run_demo.configure_environment(bundle_root, work, heartbeat_interval=1)
    os.environ["AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"] = json.dumps(
        [
            {
                "name": PY_BUNDLE,
                "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
                "kwargs": {"path": str(PY_DAG_DIR)},
            }
        ]
    )
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"


def preimport() -> None:
    """What the supervisor imports on a coordinator's first request (schema migration)."""
    import airflow.dag_processing.processor  # noqa: F401
    import cadwyn  # noqa: F401
    from airflow.sdk.execution_time.schema import get_schema_version_migrator, registered_models_by_name

    registered_models_by_name()
    get_schema_version_migrator()


class PythonRunnerAPI(run_demo.FakeExecutionAPI):
    """The harness's mock, plus the route only the Python runner calls: its rendered template
    fields (`PUT task-instances/{id}/rtif`, answered 201 as the server's `ti_put_rtif` does)."""

    def _route(self, call):
        import httpx

        parts = call.path.split("/")
        if (
            call.method == "PUT"
            and len(parts) == 3
            and parts[0] == "task-instances"
            and parts[1] == self.ti_id
            and parts[2] == "rtif"
        ):
            if not isinstance(call.body, dict):
                call.problem = f"rtif body {run_demo.short(call.body)} is not an object"
                return httpx.Response(422, json={"detail": call.problem})
            return httpx.Response(201, json={"message": "Rendered task instance fields successfully set"})
        return super()._route(call)


class Probe:
    """Per run: when StartupDetails was written, the XComResult answered, and the task process's
    memory when its terminal message arrived."""

    def __init__(self) -> None:
        self.startup_sent: float | None = None
        self.xcom_answer = None  # (process, msg, request_id, dump_opts)
        self.memory: dict[str, int] = {}
        self.parent_rss_kib: int | None = None
        self.ownership_check_s = 0.0
        self.sampler: HwmSampler | None = None


class HwmSampler(threading.Thread):
    """Polls VmHWM of a task process from the moment its pid is known until it is gone.

    VmHWM only grows, so the last reading is the peak up to that moment; what could be missed is
    growth in the last poll interval before the process exits."""

    def __init__(self, pid: int, interval: float = 0.0005) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.hwm_kib = 0
        self.samples = 0

    def run(self) -> None:
        path = f"/proc/{self.pid}/status"
        while True:
            try:
                with open(path, "rb") as f:
                    text = f.read()
            except OSError:
                return  # reaped
            found = re.search(rb"^VmHWM:\s+(\d+) kB", text, re.M)
            if not found:
                return  # a zombie: its memory is gone
            self.hwm_kib = max(self.hwm_kib, int(found.group(1)))
            self.samples += 1
            time.sleep(self.interval)


PROBE = Probe()


def read_memory(pid: int) -> dict[str, int]:
    """VmHWM/VmRSS and private/PSS memory of `pid`, in KiB (empty if it is gone)."""
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0])
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("Pss", "Private_Clean", "Private_Dirty"):
                out[key] = int(value.split()[0])
    except (OSError, ValueError):
        return {}
    return out


def self_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def install_probes(read_memory_at_terminal: bool) -> None:
    from airflow.sdk.coordinators import _subprocess
    from airflow.sdk.execution_time.comms import StartupDetails, XComResult
    from airflow.sdk.execution_time.supervisor import ActivitySubprocess

    run_demo.install_observers()

    # Launch of the Python runner: the harness marks the coordinator's _PopenActivitySubprocess.start;
    # the fork happens in ActivitySubprocess.start, which that class overrides without calling.
    original_start = ActivitySubprocess.start.__func__

    def start(cls, **kwargs):
        if cls is ActivitySubprocess:
            PROBE.parent_rss_kib = self_rss_kib()
            run_demo.CURRENT.launched_at = time.monotonic()
        proc = original_start(cls, **kwargs)
        if cls is ActivitySubprocess:
            run_demo.CURRENT.process = proc
        return proc

    ActivitySubprocess.start = classmethod(start)

    popen_cls = _subprocess._PopenActivitySubprocess
    original_popen_start = popen_cls.start.__func__

    def popen_start(cls, **kwargs):
        PROBE.parent_rss_kib = self_rss_kib()
        return original_popen_start(cls, **kwargs)

    popen_cls.start = classmethod(popen_start)

    original_send = ActivitySubprocess.send_msg

    def send_msg(self, msg, request_id, error=None, **dump_opts):
        result = original_send(self, msg, request_id, error, **dump_opts)
        if isinstance(msg, StartupDetails):
            PROBE.startup_sent = time.monotonic()
        elif isinstance(msg, XComResult):
            PROBE.xcom_answer = (self, msg, request_id, dump_opts)
        return result

    ActivitySubprocess.send_msg = send_msg

    # The coordinator checks that each connection it accepts comes from the child's process tree
    # (psutil, reading /proc/net/tcp and tcp6); timed to tell the supervisor's share of startup.
    original_check = _subprocess._is_connection_from_process

    def is_connection_from_process(*args, **kwargs):
        began = time.monotonic()
        try:
            return original_check(*args, **kwargs)
        finally:
            PROBE.ownership_check_s += time.monotonic() - began

    _subprocess._is_connection_from_process = is_connection_from_process

    if not read_memory_at_terminal:
        return

    # The task process's pid as soon as it exists: the Python runner's right after the fork (the
    # supervisor wraps it in a PsutilTracker before it sends anything), the coordinator's right
    # after Popen (it waits for the connections with the Popen object in hand).
    from airflow.sdk.execution_time import supervisor

    original_tracker_init = supervisor.PsutilTracker.__init__

    def tracker_init(self, impl):
        original_tracker_init(self, impl)
        start_sampler(impl.pid)

    supervisor.PsutilTracker.__init__ = tracker_init
    original_accept = _subprocess._accept_connections

    def accept_connections(servers, drains, proc, **kwargs):
        start_sampler(proc.pid)
        return original_accept(servers, drains, proc, **kwargs)

    _subprocess._accept_connections = accept_connections

    observed_handle = ActivitySubprocess._handle_request

    def handle_request(self, msg, log, req_id):
        if type(msg).__name__ in ("SucceedTask", "RetryTask", "TaskState"):
            # The task process waits for this message's answer: its memory is at its final state.
            PROBE.memory = read_memory(self.pid)
        return observed_handle(self, msg, log, req_id)

    ActivitySubprocess._handle_request = handle_request


def start_sampler(pid: int) -> None:
    if PROBE.sampler is None:
        PROBE.sampler = HwmSampler(pid)
        PROBE.sampler.start()


def scenario_for(task: str) -> run_demo.Scenario:
    if task == "greet":
        # As the harness's `greet` scenario, without building its 1,000,000 numbers.
        greeting = f"Hello, {run_demo.GREETING_NAME}!"
        return run_demo.Scenario(
            "greet",
            "greet",
            "greet",
            try_number=2,
            max_tries=3,
            variables={"greeting_name": run_demo.GREETING_NAME},
            expect_calls=[
                ("POST", run_demo.xcom_path("greet", "return_value"), {}, {"greeting": greeting, "try_number": 2})
            ],
        )
    scenarios, _facts = run_demo.build_scenarios()
    return next(s for s in scenarios if s.name == task)


def run_once(side: str, scenario: run_demo.Scenario, models, work: Path) -> dict:
    """One task run through supervise_task; its timings and whether it did the expected work."""
    import httpx

    from airflow.sdk.api.client import Client
    from airflow.sdk.execution_time.supervisor import supervise_task

    global PROBE
    run_demo.CURRENT = run_demo.Observed()
    PROBE = Probe()
    ti_id = uuid.uuid4()
    api_cls = PythonRunnerAPI if side == "python" else run_demo.FakeExecutionAPI
    api = api_cls(scenario, ti_id, models)
    client = Client(base_url=run_demo.BASE_URL, token=run_demo.TOKEN, transport=httpx.MockTransport(api))
    ti = models.TaskInstance(
        id=ti_id,
        task_id=scenario.task_id,
        dag_id=run_demo.DAG_ID,
        run_id=run_demo.RUN_ID,
        try_number=scenario.try_number,
        dag_version_id=uuid.uuid4(),
        map_index=-1,
        queue=run_demo.QUEUE if side == "rust" else PY_QUEUE,
    )
    if side == "rust":
        bundle_info, dag_rel_path = models.BundleInfo(name="e2e-harness", version=None), "rust_demo.py"
    else:
        bundle_info, dag_rel_path = models.BundleInfo(name=PY_BUNDLE, version=None), PY_DAG_FILE
    rel_log = f"dag_id={run_demo.DAG_ID}/run_id={run_demo.RUN_ID}/task_id={scenario.task_id}/{side}-{ti_id}.log"
    failures: list[str] = []

    def on_alarm(signum, frame):
        raise run_demo.ScenarioTimeout(f"no result after {scenario.timeout:.0f} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, scenario.timeout)
    exit_code = None
    try:
        exit_code = supervise_task(
            ti=ti,
            bundle_info=bundle_info,
            dag_rel_path=dag_rel_path,
            token=run_demo.TOKEN,
            client=client,
            log_path=rel_log,
        )
    except run_demo.ScenarioTimeout as exc:
        failures.append(f"timeout: {exc}")
        if run_demo.CURRENT.process is not None:
            try:
                os.kill(run_demo.CURRENT.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    except Exception as exc:
        failures.append(f"supervise_task raised {type(exc).__name__}: {exc}")
        failures.extend("  " + line for line in traceback.format_exc().splitlines()[-6:])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        client.close()

    obs = run_demo.CURRENT
    # The work done: exit 0, state success, the expected return_value written, no odd API call.
    if exit_code != 0:
        failures.append(f"supervise_task returned {exit_code}")
    for call in api.calls:
        if call.problem:
            failures.append(f"{call.method} {call.path}: {call.problem}")
    states = [c.body.get("state") for c in api.calls if c.method == "PATCH" and c.path.endswith("/state")]
    if states != ["success"]:
        failures.append(f"states reported {states}, expected ['success']")
    for method, path, _query, body in scenario.expect_calls:
        if method != "POST":
            continue
        parts = path.split("/")
        key = (parts[1], parts[2], parts[3], "/".join(parts[4:]), -1)
        if key not in api.xcom_writes:
            failures.append(f"no XCom written at {path}")
        elif not json_equal(api.xcom_writes[key], body):
            failures.append(f"XCom {path} = {run_demo.short(api.xcom_writes[key])}, expected {run_demo.short(body)}")
    for entry in obs.supervisor_log:
        if entry["level"] in ("error", "exception", "critical"):
            failures.append(f"supervisor logged {entry['level']}: {entry.get('event')}")

    record: dict = {"side": side, "task": scenario.task_id, "failures": failures}
    launched = obs.launched_at
    if obs.requests and launched is not None:
        first = obs.requests[0]
        record["first_request"] = first.type
        record["launch_to_first_s"] = first.received - launched
        if PROBE.startup_sent is not None:
            record["startup_sent_to_first_s"] = first.received - PROBE.startup_sent
            record["launch_to_startup_sent_s"] = PROBE.startup_sent - launched
    terminal = [r.received for r in obs.requests if r.type in ("SucceedTask", "RetryTask", "TaskState")]
    if terminal and launched is not None:
        record["launch_to_terminal_s"] = terminal[0] - launched
    for first, after in zip(obs.requests, obs.requests[1:]):
        if first.type == "GetXCom" and first.answered is not None:
            record["pull_supervisor_s"] = first.answered - first.received
            record["pull_task_s"] = after.received - first.answered
            record["after_pull"] = after.type
    record["ownership_check_s"] = PROBE.ownership_check_s
    record["requests"] = [r.type for r in obs.requests]
    record["memory_kib"] = PROBE.memory
    record["parent_rss_kib"] = PROBE.parent_rss_kib
    return record


def xcom_frame_bytes() -> bytes | None:
    """The XComResult frame the supervisor wrote in the last run, rebuilt by the supervisor's own
    serialisation of the very message it sent (`send_msg`: `_serialize_response`, `_ResponseFrame`)."""
    from airflow.sdk.execution_time.comms import _ResponseFrame

    if PROBE.xcom_answer is None:
        return None
    proc, msg, request_id, dump_opts = PROBE.xcom_answer
    return _ResponseFrame(id=request_id, body=proc._serialize_response(msg, **dump_opts)).as_bytes()


def worker_timing(args) -> int:
    configure(args.bundle_root, args.work)
    if not args.no_preimport:
        preimport()
    import airflow.sdk  # noqa: F401

    models = run_demo.Models()
    install_probes(read_memory_at_terminal=False)
    scenario = scenario_for(args.task)
    records = []
    frames: dict[str, bytes] = {}
    sides = ["python", "rust"]
    for side in sides:  # warm-up, not counted
        warm = run_once(side, scenario, models, args.work)
        warm["warmup"] = True
        records.append(warm)
    for i in range(args.repeats):
        for side in sides if i % 2 == 0 else sides[::-1]:
            record = run_once(side, scenario, models, args.work)
            records.append(record)
            frame = xcom_frame_bytes()
            if frame is not None:
                frames[side] = frame
            print(
                f"  {side:6} {args.task:12} launch->first {record.get('launch_to_first_s', float('nan')) * 1e3:8.1f} ms"
                + (f"  pull share {record['pull_task_s'] * 1e3:8.1f} ms" if "pull_task_s" in record else "")
                + (f"  FAILED: {record['failures']}" if record["failures"] else ""),
                flush=True,
            )
    doc = {"records": records}
    if args.frame_out and frames:
        # The Rust runtime receives the coordinator path's frame (after the schema migrator's
        # downgrade); the Python runner the plain one. Their bodies must match for the decode
        # benchmark to time both on the bytes each side really gets.
        import msgspec

        bodies = {side: msgspec.msgpack.decode(frame[4:])[1] for side, frame in frames.items()}
        doc["frame_bodies_equal"] = len(bodies) == 2 and msgspec.msgpack.encode(
            bodies["python"]
        ) == msgspec.msgpack.encode(bodies["rust"])
        chosen = frames.get("rust") or frames["python"]
        args.frame_out.parent.mkdir(parents=True, exist_ok=True)
        args.frame_out.write_bytes(chosen)
        _scenarios, facts = run_demo.build_scenarios()
        doc["facts"] = facts
    args.out.write_text(json.dumps(doc, indent=1, default=str), encoding="utf-8")
    return 0


def worker_rss(args) -> int:
    configure(args.bundle_root, args.work)
    import airflow.sdk  # noqa: F401

    models = run_demo.Models()
    install_probes(read_memory_at_terminal=True)
    record = run_once(args.side, scenario_for("greet"), models, args.work)
    sampler = PROBE.sampler
    if sampler is None:
        record["failures"].append("the task process's pid was never seen")
    else:
        sampler.join(timeout=10)
        record["vmhwm_kib"] = sampler.hwm_kib
        record["vmhwm_samples"] = sampler.samples
        if sampler.samples == 0:
            record["failures"].append("VmHWM was never read")
    # Not used for the table: Linux keeps the RSS peak of the process image exec replaced, so a
    # launched executable reports the harness's size (the child is a copy of it until exec).
    record["ru_maxrss_kib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    args.out.write_text(json.dumps(record, default=str), encoding="utf-8")
    return 0


# ---------------------------------------------------------------------------------------------
# Driver side.
# ---------------------------------------------------------------------------------------------


def run(cmd: list, **kwargs) -> subprocess.CompletedProcess:
    print("+ " + " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def build_and_pack(work: Path, build: bool) -> Path:
    """The release demo packed alone in a directory, the coordinator's `executables_root`."""
    target = target_dir()
    if build:
        run(["cargo", "build", "--release", "--locked", "-p", "airflow-comms-runtime", "--example", "demo_tasks"],
            cwd=REPO)
        run(["cargo", "build", "--release", "--locked", "-p", "airflow-comms-cli"], cwd=REPO)
    root = work / "bundles"
    root.mkdir(parents=True, exist_ok=True)
    run(
        [
            target / "release" / "airflow-comms",
            "bundle",
            "pack",
            target / "release" / "examples" / "demo_tasks",
            "--source",
            REPO / "runtime" / "examples" / "demo_tasks.rs",
            "--out",
            root / "rust_demo",
        ]
    )
    return root


def spawn_worker(kind: str, work: Path, bundle_root: Path, out: Path, *extra: str) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        kind,
        "--bundle-root",
        str(bundle_root),
        "--work-dir",
        str(work),
        "--out",
        str(out),
        *extra,
    ]
    proc = subprocess.run(cmd, text=True, stdout=None, stderr=subprocess.PIPE)
    if proc.returncode != 0 or not out.exists():
        raise SystemExit(f"worker {kind} {extra} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def python_decode_times(frame: bytes, repeats: int, expected_sum: int, expected_count: int) -> dict[str, float]:
    """The task runner's child-side reading of the XComResult frame, timed on these bytes."""
    import msgspec
    from pydantic import TypeAdapter

    from airflow.sdk.bases.xcom import BaseXCom
    from airflow.sdk.execution_time import comms

    resp_decoder = msgspec.msgpack.Decoder(comms._ResponseFrame)  # CommsDecoder.resp_decoder
    body_decoder = TypeAdapter(comms.ToTask)  # CommsDecoder.body_decoder
    payload = frame[4:]

    def decode_sum():
        # The bytes as they are (the runner decodes the bytearray it read into; Rust gets a slice).
        response = resp_decoder.decode(payload)
        msg = body_decoder.validate_python(response.body)
        return sum(msg.value), len(msg.value)

    def decode_deserialize_sum():
        response = resp_decoder.decode(payload)
        msg = body_decoder.validate_python(response.body)
        value = BaseXCom.deserialize_value(msg)  # what XCom.get_one returns to xcom_pull
        return sum(value), len(value)

    for fn in (decode_sum, decode_deserialize_sum):
        got = fn()
        if got != (expected_sum, expected_count):
            raise SystemExit(f"Python {fn.__name__} gave {got}, expected {(expected_sum, expected_count)}")
    response = resp_decoder.decode(payload)
    msg = body_decoder.validate_python(response.body)

    def timed(fn) -> float:
        return statistics.median(timeit.repeat(fn, number=1, repeat=repeats))

    return {
        "decode_sum_s": timed(decode_sum),
        "decode_deserialize_sum_s": timed(decode_deserialize_sum),
        # Its parts, to tell where the time goes.
        "msgspec_frame_decode_s": timed(lambda: resp_decoder.decode(payload)),
        "validate_python_s": timed(lambda: body_decoder.validate_python(response.body)),
        "sum_s": timed(lambda: sum(msg.value)),
    }


RUST_PARTS = ("split_response", "decode_xcom_value", "sum", "rmp_serde_floor")


def rust_decode_times(frame_path: Path, expected_sum: int, expected_count: int, run_bench: bool) -> dict[str, float]:
    """Criterion's median of benches/xcom.rs on the captured frame, whole (`sdk_frame`) and parts."""
    if run_bench:
        env = dict(os.environ, AIRFLOW_COMMS_XCOM_FRAME=str(frame_path))
        proc = run(
            ["cargo", "bench", "--locked", "-p", "airflow-comms-runtime", "--bench", "xcom"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        sys.stdout.write(proc.stdout)
        found = re.search(r"xcom frame: (\d+) numbers, sum (-?\d+)", proc.stdout)
        if not found or (int(found.group(2)), int(found.group(1))) != (expected_sum, expected_count):
            raise SystemExit(f"the Rust bench did not report sum {expected_sum} of {expected_count} numbers")
    times = {}
    for name in ("sdk_frame", *(f"sdk_frame_{part}" for part in RUST_PARTS)):
        estimates = target_dir() / "criterion" / CRITERION_GROUP / name / "new" / "estimates.json"
        if estimates.exists():
            times[name] = json.loads(estimates.read_text())["median"]["point_estimate"] / 1e9
    return times


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    import airflow.sdk

    return (
        f"{os.cpu_count()} CPUs ({cpu}, {platform.machine()}){mem}, Linux {platform.release()}; "
        f"Python {platform.python_version()}, apache-airflow-task-sdk {airflow.sdk.__version__}; {rustc}"
    )


def fmt_ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1e3:.3g} ms"


def fmt_mib(kib: float | None) -> str:
    return "—" if kib is None else f"{kib / 1024:.3g} MiB"


def ratio(python: float | None, rust: float | None) -> float | None:
    return python / rust if python and rust else None


def fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}×"


def driver(args) -> int:
    work = args.work_dir.resolve() if args.work_dir else Path(tempfile.mkdtemp(prefix="runtime-compare-"))
    work.mkdir(parents=True, exist_ok=True)
    root = build_and_pack(work, build=not args.no_build)
    frame_path = target_dir() / "bench-data" / "XComResult-1M.frame"
    extra = ["--repeats", str(args.repeats)] + (["--no-preimport"] if args.no_preimport else [])

    print(f"== startup: greet, {args.repeats} runs per side after a warm-up, one harness process", flush=True)
    greet = spawn_worker("timing", work, root, work / "greet.json", "--task", "greet", *extra)
    print(f"== sum_upstream over 1,000,000 integers, {args.repeats} runs per side", flush=True)
    pull = spawn_worker(
        "timing", work, root, work / "sum.json", "--task", "sum_upstream", "--frame-out", str(frame_path), *extra
    )
    print(f"== peak RSS: greet, {args.rss_repeats} fresh harness processes per side", flush=True)
    rss: dict[str, list[dict]] = {"python": [], "rust": []}
    for i in range(args.rss_repeats):
        for side in ("python", "rust") if i % 2 == 0 else ("rust", "python"):
            record = spawn_worker("rss", work, root, work / f"rss-{side}-{i}.json", "--side", side)
            rss[side].append(record)
            print(
                f"  {side:6} VmHWM {record.get('vmhwm_kib', 0) / 1024:7.1f} MiB ({record.get('vmhwm_samples')} polls)"
                f"  at the terminal message: {record['memory_kib']}"
                f"  harness RSS at launch {record['parent_rss_kib'] / 1024:.1f} MiB"
                + (f"  FAILED: {record['failures']}" if record["failures"] else ""),
                flush=True,
            )

    failed = [r for doc in (greet, pull) for r in doc["records"] if r["failures"]]
    failed += [r for side in rss.values() for r in side if r["failures"]]
    if failed:
        for r in failed:
            print(f"FAILED run {r['side']} {r['task']}: {r['failures']}", file=sys.stderr)
        return 1

    if not pull.get("frame_bodies_equal"):
        print("the XComResult bodies the two sides received differ: no common bytes to time", file=sys.stderr)
        return 1
    facts = pull["facts"]
    frame = frame_path.read_bytes()
    print(f"== decode + sum of the captured XComResult frame ({len(frame):,} bytes)", flush=True)
    py_decode = python_decode_times(frame, args.decode_repeats, facts["expected_sum"], facts["numbers_count"])
    rs_parts = rust_decode_times(frame_path, facts["expected_sum"], facts["numbers_count"], not args.no_cargo_bench)
    rs_decode = rs_parts.get("sdk_frame")

    def counted(doc, side):
        return [r for r in doc["records"] if r["side"] == side and not r.get("warmup")]

    def med(doc, side, key):
        return median([r[key] for r in counted(doc, side) if key in r])

    def med_of(doc, side, fn):
        return median([fn(r) for r in counted(doc, side) if "launch_to_first_s" in r])

    def private(record):
        m = record.get("memory_kib") or {}
        return m.get("Private_Clean", 0) + m.get("Private_Dirty", 0) if m else None

    rows: list[tuple[str, str, str, float | None]] = []

    def row(name: str, py: float | None, rs: float | None, fmt=fmt_ms) -> float | None:
        rows.append((name, fmt(py), fmt(rs), ratio(py, rs)))
        return ratio(py, rs)

    start = row(
        "launch → first request (`greet`)",
        med(greet, "python", "launch_to_first_s"),
        med(greet, "rust", "launch_to_first_s"),
    )
    check = fmt_ms(med(greet, "rust", "ownership_check_s"))
    rows.append(("… of which the coordinator's connection-ownership check (supervisor)", NO_CHECK, check, None))
    row(
        "… launch → first request without that check",
        med_of(greet, "python", lambda r: r["launch_to_first_s"] - r["ownership_check_s"]),
        med_of(greet, "rust", lambda r: r["launch_to_first_s"] - r["ownership_check_s"]),
    )
    row(
        "… StartupDetails written → first request (the task process alone)",
        med(greet, "python", "startup_sent_to_first_s"),
        med(greet, "rust", "startup_sent_to_first_s"),
    )
    row(
        "launch → terminal message (`greet`)",
        med(greet, "python", "launch_to_terminal_s"),
        med(greet, "rust", "launch_to_terminal_s"),
    )
    peak = row(
        "peak RSS of the task process (`greet`, VmHWM)",
        median([r["vmhwm_kib"] for r in rss["python"]]),
        median([r["vmhwm_kib"] for r in rss["rust"]]),
        fmt_mib,
    )
    row(
        "… its private memory at the terminal message",
        median([p for r in rss["python"] if (p := private(r)) is not None]),
        median([p for r in rss["rust"] if (p := private(r)) is not None]),
        fmt_mib,
    )
    row(
        "`sum_upstream`, 1,000,000 integers: the task's share",
        med(pull, "python", "pull_task_s"),
        med(pull, "rust", "pull_task_s"),
    )
    decode = row(
        f"decode + sum of that XComResult frame ({len(frame) / 1e6:.1f} MB)", py_decode["decode_sum_s"], rs_decode
    )
    row(
        "… Python with `XCom.deserialize_value` as `xcom_pull` does",
        py_decode["decode_deserialize_sum_s"],
        rs_decode,
    )

    harness_py = median([r["parent_rss_kib"] for r in rss["python"] if r.get("parent_rss_kib")])
    print()
    print(f"Machine: {machine()}")
    print(
        f"Medians: {args.repeats} runs per side for the timings, "
        f"{args.rss_repeats} fresh harness process(es) per side for memory "
        f"(harness RSS when the Python runner was forked: {fmt_mib(harness_py)}), "
        f"{args.decode_repeats} timeit repeats / criterion's median for decode + sum. "
        f"First request: Python {sorted({r.get('first_request') for r in counted(greet, 'python')})}, "
        f"Rust {sorted({r.get('first_request') for r in counted(greet, 'rust')})}. "
        f"XComResult bodies of both sides identical: {pull.get('frame_bodies_equal')}."
    )
    print()
    print("| metric | Python runner | Rust runtime | ratio |")
    print("|---|---|---|---|")
    for name, py, rs, r in rows:
        print(f"| {name} | {py} | {rs} | {fmt_ratio(r)} |")
    print()
    targets = [
        ("start ≤ 1/5 of the Python runner's", start, 5),
        ("peak RSS ≤ 1/5", peak, 5),
        ("decode + sum ≥ 10× faster", decode, 10),
    ]
    for name, value, goal in targets:
        verdict = "—" if value is None else ("met" if value >= goal else "MISSED")
        print(f"- {name}: {fmt_ratio(value)} → {verdict}")
    print()
    print("Where decode + sum spends its time (medians):")
    print()
    print("| part | time |")
    print("|---|---|")
    for label, key in (
        ("Python: msgspec `_ResponseFrame` decode", "msgspec_frame_decode_s"),
        ("Python: `TypeAdapter(ToTask).validate_python` (XComResult, JsonValue)", "validate_python_s"),
        ("Python: `sum`", "sum_s"),
    ):
        print(f"| {label} | {fmt_ms(py_decode[key])} |")
    for label, part in (
        ("Rust: `split_response` (scans the frame)", "split_response"),
        ("Rust: `decode_xcom_value::<Vec<Number>>` (the body)", "decode_xcom_value"),
        ("Rust: the demo's sum", "sum"),
        ("Rust floor: rmp-serde, the body into `{value: Vec<Number>}`", "rmp_serde_floor"),
    ):
        print(f"| {label} | {fmt_ms(rs_parts.get(f'sdk_frame_{part}'))} |")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"greet": greet, "sum_upstream": pull, "rss": rss, "python_decode": py_decode, "rust_decode": rs_parts},
                indent=1,
                default=str,
            ),
            encoding="utf-8",
        )
    if not args.work_dir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Rust task runtime vs the Python task runner under the same supervisor."
    )
    parser.add_argument("--repeats", type=int, default=10, help="timed runs per side and task (default 10)")
    parser.add_argument("--rss-repeats", type=int, default=5, help="fresh processes per side for RSS (default 5)")
    parser.add_argument(
        "--decode-repeats", type=int, default=15, help="timeit repeats of the Python decode (default 15)"
    )
    parser.add_argument("--no-build", action="store_true", help="use the existing release build")
    parser.add_argument(
        "--no-cargo-bench", action="store_true", help="reuse the last criterion result of runtime/benches/xcom.rs"
    )
    parser.add_argument(
        "--no-preimport",
        action="store_true",
        help="do not pre-import what the supervisor imports lazily for a coordinator (shows what it costs)",
    )
    parser.add_argument("--work-dir", type=Path, help="keep task logs and per-run records here")
    parser.add_argument("--json", type=Path, help="write every measurement here")
    # Internal: the harness processes the driver starts.
    parser.add_argument("--worker", choices=["timing", "rss"], help=argparse.SUPPRESS)
    parser.add_argument("--bundle-root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--task", choices=["greet", "sum_upstream"], help=argparse.SUPPRESS)
    parser.add_argument("--side", choices=["python", "rust"], help=argparse.SUPPRESS)
    parser.add_argument("--frame-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        args.work = args.work_dir
        return worker_timing(args) if args.worker == "timing" else worker_rss(args)
    return driver(args)


if __name__ == "__main__":
    raise SystemExit(main())
