"""Talks to a running Airflow's REST API for tools/e2e/whole_airflow.sh.

Subcommands:
  wait-dag DAG_ID                 until the api-server answers and the DAG is parsed
  wait-run DAG_ID RUN_ID          until the DAG run has finished (prints each state change)
  check DAG_ID RUN_ID             the run's task states, XComs and task logs (see check());
                                  the connection's password comes in AIRFLOW_E2E_CONN_PASSWORD

Logs in as the simple auth manager user given by --user/--password-file. Exit 0 when every
check holds, 1 with each failed check named otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

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
            print(f"run {run_id}: {run['state']} after {time.monotonic() - started:.1f} s")
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
    args = p.parse_args()

    api = Api(args.base_url, args.user, args.password_file)
    if args.cmd == "wait-dag":
        wait_dag(api, args.dag_id, args.timeout)
        return 0
    if args.cmd == "wait-run":
        wait_run(api, args.dag_id, args.run_id, args.timeout)
        return 0
    return check(api, args)


if __name__ == "__main__":
    sys.exit(main())
