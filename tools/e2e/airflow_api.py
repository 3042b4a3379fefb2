"""Talks to a running Airflow's REST API for tools/e2e/whole_airflow.sh.

Subcommands:
  wait-dag DAG_ID                 until the api-server answers and the DAG is parsed
  wait-run DAG_ID RUN_ID          until the DAG run has finished (prints each state change)
  check DAG_ID RUN_ID             rust_demo's task states, XComs and task logs (see check());
                                  the connection's password comes in AIRFLOW_E2E_CONN_PASSWORD
  check-python DAG_ID RUN_ID      the same for python_demo (see check_python())
  check-native DAG_ID RUN_ID ...  every task instance of these runs was run by airflow-supervisor,
                                  from the executor's record of invocations (see check_native())

Logs in as the simple auth manager user given by --user/--password-file. Exit 0 when every
check holds, 1 with each failed check named otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime

import httpx

# What each task of the rust_demo DAG must end as. always_fails has retries=0 in the DAG file, so
# its failure is final on try 1.
EXPECTED_STATES = {
    "numbers": "success",
    "greet": "success",
    "connect": "success",
    "sum_upstream": "success",
    "always_fails": "failed",
    "skip_me": "skipped",
}
FINISHED_RUN_STATES = {"success", "failed"}
# Levels a task log must not have unless the task failed.
ERROR_LEVELS = {"error", "critical"}

# What each task of the python_demo DAG must end as (fails has retries=0).
PYTHON_EXPECTED_STATES = {
    "read_config": "success",
    "make_xcom": "success",
    "use_xcom": "success",
    "fails": "failed",
    "skipped": "skipped",
}
EXECUTE_WORKLOAD_MODULE = "airflow.sdk.execution_time.execute_workload"
# The logger name of airflow-supervisor's own lines on its stdout (supervisor/src/cli.rs,
# OWN_LOGGER). Airflow's Python supervisor logs its "Workload finished" under another name.
SUPERVISOR_LOGGER = "airflow_supervisor"


class Api:
    def __init__(self, base_url: str, user: str, password_file: str):
        self.base = base_url.rstrip("/")
        self.user = user
        with open(password_file) as f:
            self.password = json.load(f)[user]
        self.http = httpx.Client(timeout=30)
        self.token: str | None = None

    def login(self) -> None:
        r = self.http.post(
            f"{self.base}/auth/token", json={"username": self.user, "password": self.password}
        )
        r.raise_for_status()
        self.token = r.json()["access_token"]

    def get(self, path: str, **kwargs) -> httpx.Response:
        if self.token is None:
            self.login()
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.http.get(f"{self.base}/api/v2{path}", headers=headers, **kwargs)

    def get_json(self, path: str, **kwargs):
        r = self.get(path, **kwargs)
        r.raise_for_status()
        return r.json()

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict]:
        body = self.get_json(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
        return {ti["task_id"]: ti for ti in body["task_instances"]}

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.get_json(f"/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value"):
        r = self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}")
        if r.status_code == 404:
            return None
        r.raise_for_status()
        return r.json()["value"]

    def log(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> list[dict]:
        """The task log as structured lines, read through the api-server's log reader."""
        body = self.get_json(
            f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
            params={"full_content": "true"},
            headers={"Accept": "application/json"},
        )
        return [line for line in body["content"] if isinstance(line, dict)]


def wait_dag(api: Api, dag_id: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        try:
            r = api.get(f"/dags/{dag_id}")
            if r.status_code == 200:
                tasks = api.get_json(f"/dags/{dag_id}/tasks")["tasks"]
                print(f"{dag_id} is parsed: tasks {sorted(t['task_id'] for t in tasks)}")
                # The api-server's first Execution API request is slow (it builds that app on
                # first use); make it here, so the DAG run's time is the tasks' own.
                started = time.monotonic()
                health = api.http.get(f"{api.base}/execution/health")
                took = time.monotonic() - started
                print(f"Execution API: {health.status_code} {health.text.strip()} (first request, {took:.1f} s)")
                return
            last = f"HTTP {r.status_code}"
        except httpx.HTTPError as e:
            last = f"{type(e).__name__}: {e}"
            api.token = None
        time.sleep(1)
    sys.exit(f"timed out after {timeout:.0f} s waiting for DAG {dag_id} ({last})")


def wait_run(api: Api, dag_id: str, run_id: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    seen: dict[str, str | None] = {}
    started = time.monotonic()
    while time.monotonic() < deadline:
        run = api.get_json(f"/dags/{dag_id}/dagRuns/{run_id}")
        for task_id, ti in sorted(api.task_instances(dag_id, run_id).items()):
            if seen.get(task_id, "") != ti["state"]:
                seen[task_id] = ti["state"]
                print(f"  +{time.monotonic() - started:5.1f} s  {task_id}: {ti['state']}")
        if run["state"] in FINISHED_RUN_STATES:
            # The run's own duration, as Airflow recorded it (its start to its end), beside the
            # time this wait took (the run may have started or ended before the wait began).
            took = "?"
            if run.get("start_date") and run.get("end_date"):
                begin = datetime.fromisoformat(run["start_date"].replace("Z", "+00:00"))
                end = datetime.fromisoformat(run["end_date"].replace("Z", "+00:00"))
                took = f"{(end - begin).total_seconds():.1f}"
            print(
                f"run {dag_id} {run_id}: {run['state']} after {time.monotonic() - started:.1f} s of waiting;"
                f" Airflow's run duration {took} s"
            )
            return
        time.sleep(1)
    sys.exit(f"timed out after {timeout:.0f} s waiting for run {run_id}; task states: {seen}")


def check(api: Api, args: argparse.Namespace) -> int:
    dag_id, run_id = args.dag_id, args.run_id
    password = os.environ["AIRFLOW_E2E_CONN_PASSWORD"]
    failures: list[str] = []

    def expect(ok: bool, what: str) -> None:
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures.append(what)

    def has_line(log: list[dict], level: str, text: str) -> bool:
        return any(line.get("level") == level and text in str(line.get("event")) for line in log)

    run = api.get_json(f"/dags/{dag_id}/dagRuns/{run_id}")
    # A run ends failed when one of its leaves failed: always_fails is one.
    expect(run["state"] == "failed", f"the run is failed, as always_fails failed (is {run['state']})")
    tis = api.task_instances(dag_id, run_id)
    states = {task_id: ti["state"] for task_id, ti in sorted(tis.items())}
    print(f"task states: {json.dumps(states)}")
    for task_id, state in EXPECTED_STATES.items():
        expect(states.get(task_id) == state, f"{task_id} is {state} (is {states.get(task_id)})")
    expected_tasks = sorted(EXPECTED_STATES)
    expect(sorted(states) == expected_tasks, f"the run has exactly the tasks {expected_tasks}")
    for task_id in ("greet", "connect", "sum_upstream", "always_fails", "skip_me"):
        ti = tis.get(task_id, {})
        queue, try_number = ti.get("queue"), ti.get("try_number")
        expect(queue == args.queue, f"{task_id} ran on queue {args.queue!r} (was {queue!r})")
        expect(try_number == 1, f"{task_id} ran once (try_number {try_number})")

    greet = api.xcom(dag_id, run_id, "greet")
    print(f"greet return_value: {json.dumps(greet)}")
    want = {"greeting": f"Hello, {args.name}!", "try_number": 1}
    expect(greet == want, f"greet's return_value is {json.dumps(want)}")

    endpoint = api.xcom(dag_id, run_id, "connect", "endpoint")
    print(f"connect endpoint: {json.dumps(endpoint)}")
    want_endpoint = f"{args.conn_host}:{args.conn_port}"
    expect(endpoint == want_endpoint, f"connect's endpoint is {want_endpoint}")

    numbers = api.xcom(dag_id, run_id, "numbers")
    total = api.xcom(dag_id, run_id, "sum_upstream")
    print(f"sum_upstream return_value: {json.dumps(total)}")
    is_list = isinstance(numbers, list)
    expect(is_list and len(numbers) == args.numbers, f"numbers returned {args.numbers} numbers")
    if is_list:
        want_total = {"sum": sum(numbers), "count": len(numbers)}
        expect(total == want_total, f"sum_upstream's return_value is numbers' sum and count {want_total}")
    for task_id in ("always_fails", "skip_me"):
        expect(api.xcom(dag_id, run_id, task_id) is None, f"{task_id} pushed no return_value")

    greet_log = api.log(dag_id, run_id, "greet", 1)
    hello = f"Hello, {args.name}!"
    expect(has_line(greet_log, "info", hello), f"greet's log has an info line with {hello!r}")
    connect_log = api.log(dag_id, run_id, "connect", 1)
    events = [str(line.get("event")) for line in connect_log]
    connecting = [event for event in events if "connecting to" in event]
    print(f"connect's log line: {connecting}")
    masked = f"connecting to {want_endpoint} as {args.conn_login} with password ***"
    expect(connecting == [masked], f"connect's log has exactly the line {masked!r}")
    clear = [line for line in connect_log if password in json.dumps(line)]
    expect(not clear, "the password is nowhere in connect's log")
    fails_log = api.log(dag_id, run_id, "always_fails", 1)
    expect(
        has_line(fails_log, "error", "failing on purpose"),
        "always_fails' log has an error line with 'failing on purpose'",
    )

    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("every check holds")
    return 0


class Checks:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def expect(self, ok: bool, what: str) -> None:
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            self.failures.append(what)

    def result(self) -> int:
        if self.failures:
            print(f"{len(self.failures)} check(s) failed")
            return 1
        print("every check holds")
        return 0


def python_demo_return_value(name: str) -> dict:
    """What python_demo's make_xcom returns, given Variable greeting_name."""
    return {
        "greeting": f"Hello, {name}!",
        "squares": [i * i for i in range(1, 11)],
        "third": 1 / 3,
        "flags": [True, False, None],
        "text": "Zoë ✓ \"quoted\"\n",
    }


def check_python(api: Api, args: argparse.Namespace) -> int:
    """python_demo: states, XComs and the task logs as the api-server serves them."""
    dag_id, run_id = args.dag_id, args.run_id
    password = os.environ["AIRFLOW_E2E_CONN_PASSWORD"]
    c = Checks()
    expect = c.expect

    state = api.run_state(dag_id, run_id)
    expect(state == "failed", f"the run is failed, as fails failed (is {state})")
    tis = api.task_instances(dag_id, run_id)
    states = {task_id: ti["state"] for task_id, ti in sorted(tis.items())}
    print(f"task states: {json.dumps(states)}")
    for task_id, want in PYTHON_EXPECTED_STATES.items():
        expect(states.get(task_id) == want, f"{task_id} is {want} (is {states.get(task_id)})")
    expected_tasks = sorted(PYTHON_EXPECTED_STATES)
    expect(sorted(states) == expected_tasks, f"the run has exactly the tasks {expected_tasks}")
    for task_id in expected_tasks:
        try_number = tis.get(task_id, {}).get("try_number")
        expect(try_number == 1, f"{task_id} ran once (try_number {try_number})")

    value = api.xcom(dag_id, run_id, "make_xcom")
    print(f"make_xcom return_value: {json.dumps(value, ensure_ascii=False)}")
    want = python_demo_return_value(args.name)
    expect(value == want and value is not None, f"make_xcom's return_value is {json.dumps(want, ensure_ascii=False)}")
    # == would take 1 for True: compare the JSON texts too, so types count.
    expect(json.dumps(value) == json.dumps(want), "make_xcom's return_value has the same types")
    answer = api.xcom(dag_id, run_id, "make_xcom", "answer")
    expect(answer == 42 and type(answer) is int, f"make_xcom pushed answer = 42 (is {answer!r})")
    summary = api.xcom(dag_id, run_id, "use_xcom")
    want_summary = {
        "sum_of_squares": sum(want["squares"]),
        "greeting_length": len(want["greeting"]),
    }
    print(f"use_xcom return_value: {json.dumps(summary)}")
    expect(summary == want_summary, f"use_xcom's return_value is {json.dumps(want_summary)}")
    for task_id in ("read_config", "fails", "skipped"):
        expect(api.xcom(dag_id, run_id, task_id) is None, f"{task_id} pushed no return_value")

    logs = {task_id: api.log(dag_id, run_id, task_id, 1) for task_id in expected_tasks}
    for task_id, log in logs.items():
        expect(bool(log), f"{task_id}'s log has lines ({len(log)})")
        clear = [line for line in log if password in json.dumps(line)]
        expect(not clear, f"the password is nowhere in {task_id}'s log")

    def lines(task_id: str, text: str) -> list[dict]:
        return [line for line in logs[task_id] if text in str(line.get("event"))]

    def show(found: list[dict]) -> str:
        return json.dumps([(line.get("level"), line.get("event")) for line in found], ensure_ascii=False)

    greets = lines("read_config", "python_demo greets")
    print(f"read_config's greeting: {show(greets)}")
    want_greet = f"python_demo greets {args.name}"
    expect(
        [(line.get("level"), line.get("event")) for line in greets] == [("info", want_greet)],
        f"read_config's log has exactly the info line {want_greet!r}",
    )
    connecting = lines("read_config", "python_demo connecting")
    print(f"read_config's connection line: {show(connecting)}")
    masked = (
        f"python_demo connecting to {args.conn_host}:{args.conn_port} as {args.conn_login} "
        "with password ***"
    )
    expect(
        [(line.get("level"), line.get("event")) for line in connecting] == [("info", masked)],
        f"read_config's log has exactly the info line {masked!r}",
    )
    # What the task printed: the supervisor reads the child's stdout and logs each line under
    # task.stdout, masked with the secrets the child asked it to mask.
    printed = lines("read_config", "python_demo stdout")
    print(f"read_config's stdout line: {show(printed)}")
    want_printed = ("info", "python_demo stdout: password ***", "task.stdout")
    expect(
        [(line.get("level"), line.get("event"), line.get("logger")) for line in printed] == [want_printed],
        f"read_config's log has its stdout line {want_printed}",
    )
    # The task runner reports the exception on one error line, with the exception in error_detail.
    failing = [
        line
        for line in logs["fails"]
        if line.get("level") == "error"
        and line.get("event") == "Task failed with exception"
        and any(
            detail.get("exc_type") == "RuntimeError"
            and detail.get("exc_value") == "python_demo failing on purpose"
            for detail in line.get("error_detail") or []
            if isinstance(detail, dict)
        )
    ]
    print(f"fails' error lines naming the exception: {show(failing)}")
    expect(
        len(failing) == 1,
        "fails' log has one error line 'Task failed with exception' with RuntimeError('python_demo failing on purpose')",
    )
    skipping = [
        line
        for line in logs["skipped"]
        if line.get("event") == "Skipping task." and line.get("reason") == "python_demo skipping on purpose"
    ]
    print(f"skipped's skip lines: {show(skipping)}")
    expect(
        [line.get("level") for line in skipping] == ["info"],
        "skipped's log has one info line 'Skipping task.' with reason 'python_demo skipping on purpose'",
    )
    for task_id in ("make_xcom", "use_xcom"):
        done = [line for line in logs[task_id] if str(line.get("event")).startswith("Done. Returned value was: ")]
        expect(len(done) == 1, f"{task_id}'s log has the operator's 'Done. Returned value was: ...' line")
    errors = [line for line in logs["fails"] if line.get("level") in ERROR_LEVELS]
    expect(errors == failing, f"fails' log has no other error line (has {show(errors)})")
    for task_id in ("read_config", "make_xcom", "use_xcom", "skipped"):
        errors = [line for line in logs[task_id] if line.get("level") in ERROR_LEVELS]
        expect(not errors, f"{task_id}'s log has no error line (has {show(errors)})")
    return c.result()


def check_native(api: Api, args: argparse.Namespace) -> int:
    """Each task instance of the runs was run, once, by the airflow-supervisor binary.

    From NativeSupervisorExecutor's record (tools/e2e/native_executor.py): for each task
    instance the REST API lists, exactly one invocation whose command line is the binary, then
    the Python interpreter and ``-m execute_workload --json-string`` with a workload naming that
    task instance and try; it exited 0; and its stdout has airflow-supervisor's own
    ``Workload finished`` line (logger ``airflow_supervisor``, which Airflow's Python supervisor
    never uses) for that task instance, with the final state the REST API reports. No invocation
    is left over.
    """
    c = Checks()
    expect = c.expect
    with open(args.invocations) as f:
        records = [json.loads(line) for line in f if line.strip()]
    print(f"{len(records)} invocation(s) recorded in {args.invocations}")
    supervisor = os.path.realpath(args.supervisor)
    python = os.path.realpath(args.python)
    pairs = args.runs
    if len(pairs) % 2:
        sys.exit("check-native takes DAG_ID RUN_ID pairs")
    seen: set[int] = set()
    expected_tis = 0
    for dag_id, run_id in zip(pairs[::2], pairs[1::2]):
        for task_id, ti in sorted(api.task_instances(dag_id, run_id).items()):
            expected_tis += 1
            name = f"{dag_id}.{task_id}"
            mine = [i for i, r in enumerate(records) if r.get("ti_id") == ti["id"]]
            seen.update(mine)
            if len(mine) != 1:
                expect(False, f"{name}: exactly one airflow-supervisor invocation (found {len(mine)})")
                continue
            r = records[mine[0]]
            argv = r["argv"]
            ok_argv = (
                len(argv) == 6
                and os.path.realpath(argv[0]) == supervisor
                and os.path.realpath(argv[1]) == python
                and argv[2:5] == ["-m", EXECUTE_WORKLOAD_MODULE, "--json-string"]
            )
            try:
                workload = json.loads(argv[5]) if ok_argv else {}
            except ValueError:
                workload = {}
            wti = workload.get("ti") or {}
            ok_workload = (
                workload.get("type") == "ExecuteTask"
                and wti.get("id") == ti["id"]
                and wti.get("dag_id") == dag_id
                and wti.get("task_id") == task_id
                and wti.get("try_number") == ti["try_number"]
            )
            own = []
            for text in r["stdout"].splitlines():
                try:
                    line = json.loads(text)
                except ValueError:
                    continue
                if (
                    isinstance(line, dict)
                    and line.get("logger") == SUPERVISOR_LOGGER
                    and line.get("event") == "Workload finished"
                    and line.get("workload_id") == ti["id"]
                ):
                    own.append(line)
            final = [line.get("final_state") for line in own]
            expect(
                ok_argv and ok_workload and r["exit_code"] == 0 and final == [ti["state"]],
                f"{name} (try {ti['try_number']}, {ti['state']}): run by airflow-supervisor, pid {r['pid']}, "
                f"{r['seconds']:.2f} s, exit {r['exit_code']}, its final_state {final}",
            )
            if not ok_argv:
                print(f"       argv: {json.dumps(argv[:5])} ...")
            elif not ok_workload:
                print(f"       workload: {argv[5][:300]}")
            if r["exit_code"] != 0 or not own:
                print(f"       stdout tail: {r['stdout'][-1500:]}")
                print(f"       stderr tail: {r['stderr'][-1500:]}")
            # A task that did not fail has no error line in the log the UI shows (Airflow's own
            # supervisor leaves none in these DAGs' logs).
            if ti["state"] != "failed":
                log = api.log(dag_id, run_id, task_id, ti["try_number"])
                errors = [
                    (line.get("level"), line.get("event"))
                    for line in log
                    if line.get("level") in ERROR_LEVELS
                ]
                expect(not errors, f"{name} ({ti['state']}): no error line in its log (has {json.dumps(errors)})")
    left = [records[i] for i in range(len(records)) if i not in seen]
    expect(
        not left and len(records) == expected_tis,
        f"no other invocation ({len(records)} recorded for {expected_tis} task instances)",
    )
    for r in left:
        print(f"       left over: {r.get('workload_type')} {r.get('dag_id')}.{r.get('task_id')} exit {r.get('exit_code')}")
    return c.result()


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--base-url", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password-file", required=True)
    p.add_argument("--timeout", type=float, default=300)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("wait-dag")
    s.add_argument("dag_id")
    s = sub.add_parser("wait-run")
    s.add_argument("dag_id")
    s.add_argument("run_id")
    s = sub.add_parser("check")
    s.add_argument("dag_id")
    s.add_argument("run_id")
    s.add_argument("--queue", required=True)
    s.add_argument("--name", required=True)
    s.add_argument("--numbers", type=int, required=True)
    s.add_argument("--conn-host", required=True)
    s.add_argument("--conn-port", type=int, required=True)
    s.add_argument("--conn-login", required=True)
    s = sub.add_parser("check-python")
    s.add_argument("dag_id")
    s.add_argument("run_id")
    s.add_argument("--name", required=True)
    s.add_argument("--conn-host", required=True)
    s.add_argument("--conn-port", type=int, required=True)
    s.add_argument("--conn-login", required=True)
    s = sub.add_parser("check-native")
    s.add_argument("runs", nargs="+", metavar="DAG_ID RUN_ID")
    s.add_argument("--invocations", required=True)
    s.add_argument("--supervisor", required=True)
    s.add_argument("--python", required=True)
    args = p.parse_args()

    api = Api(args.base_url, args.user, args.password_file)
    if args.cmd == "wait-dag":
        wait_dag(api, args.dag_id, args.timeout)
        return 0
    if args.cmd == "wait-run":
        wait_run(api, args.dag_id, args.run_id, args.timeout)
        return 0
    if args.cmd == "check-python":
        return check_python(api, args)
    if args.cmd == "check-native":
        return check_native(api, args)
    return check(api, args)


if __name__ == "__main__":
    sys.exit(main())
