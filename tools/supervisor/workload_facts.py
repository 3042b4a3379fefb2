"""Writes supervisor/tests/data/workloads/cases.json: workloads judged by the real
`TypeAdapter(airflow.executors.workloads.All).validate_json`, the check
`python -m airflow.sdk.execution_time.execute_workload` makes of its input.

Each case is a JSON text and pydantic's verdict on it:
- accepted: `dump` is the workload's `model_dump(mode="json")`; for an `ExecuteTask`,
  `startup_ti` and `startup_dag_rel_path` are what the Python supervisor puts into
  `StartupDetails` for it (`model_construct(ti=workload.ti, dag_rel_path=os.fspath(...))`,
  dumped in JSON mode);
- refused: `errors` lists pydantic's errors (`loc`, `type`).

The valid workloads are built from the pydantic models (one with every optional field set, one
with every default, one made by `ExecuteTask.make` from a task instance as the scheduler's
executors do, with stand-ins for the ORM objects), then varied: lax spellings pydantic accepts,
and broken ones (a missing field, a wrong type, an unknown `type`, a bad UUID, an extra key).
`supervisor/tests/workload.rs` checks the crate gives the same verdict, names a field pydantic
names, and writes the same JSON.

Run: `.venv/bin/python tools/supervisor/workload_facts.py [--out PATH]`. Deterministic; CI
regenerates the file and fails when it drifts.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
import types
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import REPO, check_pins  # noqa: E402  (tools/common.py)

OUT = REPO / "supervisor" / "tests" / "data" / "workloads" / "cases.json"

TI_ID = uuid.UUID("0195f6a4-3c2e-7b7a-9d5e-4a1f0c2b3d4e")
DAG_VERSION_ID = uuid.UUID("0195f6a4-0000-7000-8000-00000000beef")
TEST_ID = uuid.UUID("6a9b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d")
CALLBACK_ID = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3b3JrbG9hZCJ9.c2lnbmF0dXJl"


def with_at(doc, path, value):
    """A deep copy of `doc` with `value` at `path` (the last key added when absent)."""
    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


def without_at(doc, path):
    """A deep copy of `doc` without the key at `path`."""
    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return doc


def valid_workloads(workloads) -> list[tuple[str, object]]:
    """(name, workload) for the valid base cases, built from the pydantic models."""
    ti_full = workloads.TaskInstanceDTO(
        id=TI_ID, task_id="transform", dag_id="etl_daily", run_id="scheduled__2026-11-22T00:00:00+00:00",
        try_number=3, dag_version_id=DAG_VERSION_ID, map_index=7, hostname="worker-3.example.com",
        context_carrier={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
        queue="java", pool_slots=2, priority_weight=11, external_executor_id="celery-task-42",
        executor_config={"pod_override": {"spec": {"containers": [{"name": "base", "image": "x:1"}]}}, "ratio": 0.5},
    )
    ti_min = workloads.TaskInstanceDTO(
        id=TI_ID, task_id="extract", dag_id="etl_daily", run_id="manual__2026-11-22T10:00:00+00:00",
        try_number=1, dag_version_id=DAG_VERSION_ID, pool_slots=1, priority_weight=1,
    )
    out = [
        ("execute-task-every-field", workloads.ExecuteTask(
            token=TOKEN, dag_rel_path=Path("pipelines/etl_daily.py"),
            bundle_info=workloads.BundleInfo(name="git-repo", version="4e1d2c3b"),
            log_path="dag_id=etl_daily/run_id=scheduled__2026-11-22T00:00:00+00:00/task_id=transform/map_index=7/attempt=3.log",
            ti=ti_full, sentry_integration="sentry_sdk.integrations.celery")),
        ("execute-task-defaults", workloads.ExecuteTask(
            token="", dag_rel_path=Path("etl_daily.py"), bundle_info=workloads.BundleInfo(name="dags-folder"),
            log_path=None, ti=ti_min)),
    ]
    # As the scheduler's executors build it: ExecuteTask.make from a task instance (stand-ins
    # for the ORM objects; no token generator, so the token is empty).
    orm_ti = types.SimpleNamespace(
        id=TI_ID, task_id="load", dag_id="etl_daily", run_id="scheduled__2026-11-22T00:00:00+00:00",
        try_number=2, dag_version_id=DAG_VERSION_ID, map_index=-1, hostname=None, context_carrier={},
        queue="default", pool_slots=1, priority_weight=3, external_executor_id=None, executor_config={},
        dag_model=types.SimpleNamespace(bundle_name="dags-folder", relative_fileloc="etl/etl_daily.py"),
        dag_run=types.SimpleNamespace(bundle_version=None), logical_date=None,
    )
    out.append(("execute-task-made-by-executor", workloads.ExecuteTask.make(orm_ti)))
    out.append(("execute-callback", workloads.ExecuteCallback(
        token=TOKEN, dag_rel_path=Path("etl_daily.py"), bundle_info=workloads.BundleInfo(name="dags-folder", version="v2"),
        log_path=f"executor_callbacks/etl_daily/manual__2026-11-22T10:00:00+00:00/{CALLBACK_ID}",
        callback=workloads.callback.CallbackDTO(
            id=uuid.UUID(CALLBACK_ID), fetch_method="import_path",
            data={"path": "alerts.deadline.notify", "kwargs": {"channel": "#ops", "retries": 2, "ratio": 1.5}}),
    )))
    out.append(("test-connection", workloads.TestConnection.make(
        connection_test_id=TEST_ID, connection_id="warehouse", timeout=30, queue="default")))
    out.append(("test-connection-no-queue", workloads.TestConnection.make(
        connection_test_id=TEST_ID, connection_id="warehouse", timeout=60)))
    out.append(("run-trigger-every-field", workloads.RunTrigger(
        id=17, classpath="airflow.providers.standard.triggers.temporal.DateTimeTrigger",
        encrypted_kwargs="gAAAAABk-encrypted", ti=ti_full,
        timeout_after=datetime(2026, 11, 22, 12, 30, 0, 250000, tzinfo=timezone.utc),
        dag_data={"dag_id": "etl_daily", "fileloc": "/opt/dags/etl_daily.py"}, dag_run_data={"run_id": "r1"},
        watched_assets={"orders": "s3://bucket/orders"})))
    out.append(("run-trigger-defaults", workloads.RunTrigger(
        id=18, classpath="example.Trigger", encrypted_kwargs="gAAAAABk")))
    return out


def variants(base: dict[str, dict]) -> list[tuple[str, str]]:
    """(name, JSON text) of the lax, odd and broken variants of the base cases' dumps."""
    task = base["execute-task-defaults"]
    full = base["execute-task-every-field"]
    cb = base["execute-callback"]
    conn = base["test-connection"]
    trig = base["run-trigger-every-field"]
    out: list[tuple[str, object]] = []

    def v(name, doc):
        out.append((name, doc))

    # Accepted: lax spellings pydantic coerces, and what it ignores.
    for label, value in [("str", "3"), ("str-spaces", " 3 "), ("str-plus", "+3"), ("str-underscore", "1_0"),
                         ("str-point-zero", "3.0"), ("float", 3.0), ("bool", True), ("str-point", "3.")]:
        v(f"try-number-{label}", with_at(task, ["ti", "try_number"], value))
    for label, value in [("braced", "{%s}" % TI_ID), ("simple", TI_ID.hex), ("urn", TI_ID.urn),
                         ("upper", str(TI_ID).upper())]:
        v(f"ti-id-{label}", with_at(task, ["ti", "id"], value))
    for label, value in [("empty", ""), ("dots-and-slashes", "./pipelines//etl/./daily.py/"),
                         ("absolute", "/opt/airflow/dags/etl.py"), ("double-slash-root", "//share/dags/a.py")]:
        v(f"dag-rel-path-{label}", with_at(task, ["dag_rel_path"], value))
    v("extra-key-top", {**task, "priority": "high"})
    v("extra-key-ti", with_at(task, ["ti", "unknown_field"], [1, 2]))
    v("extra-key-bundle", with_at(task, ["bundle_info", "kind"], "git"))
    v("external-fields-read-not-written", with_at(with_at(task, ["ti", "external_executor_id"], "x"),
                                                  ["ti", "executor_config"], {"a": 1}))
    v("type-first", {"type": "ExecuteTask", **{k: val for k, val in task.items() if k != "type"}})
    v("timeout-str", with_at(conn, ["timeout"], "45"))
    v("trigger-id-float", with_at(trig, ["id"], 17.0))
    v("trigger-timeout-naive", with_at(trig, ["timeout_after"], "2026-11-22T12:30:00"))
    v("trigger-timeout-offset", with_at(trig, ["timeout_after"], "2026-11-22T12:30:00+02:00"))
    v("trigger-ti-null", with_at(trig, ["ti"], None))
    v("callback-data-empty", with_at(cb, ["callback", "data"], {}))
    v("map-index-str", with_at(task, ["ti", "map_index"], "-1"))
    v("hostname-null", with_at(full, ["ti", "hostname"], None))

    # Refused.
    v("missing-log-path", without_at(task, ["log_path"]))
    v("missing-token", without_at(task, ["token"]))
    v("missing-ti", without_at(task, ["ti"]))
    v("missing-pool-slots", without_at(task, ["ti", "pool_slots"]))
    v("missing-bundle-name", without_at(task, ["bundle_info", "name"]))
    v("missing-callback-data", without_at(cb, ["callback", "data"]))
    v("missing-connection-id", without_at(conn, ["connection_id"]))
    v("missing-classpath", without_at(trig, ["classpath"]))
    v("missing-type", without_at(task, ["type"]))
    v("unknown-type", with_at(task, ["type"], "ExecuteDag"))
    v("type-not-a-string", with_at(task, ["type"], 3))
    v("type-lowercase", with_at(task, ["type"], "executetask"))
    v("task-id-int", with_at(task, ["ti", "task_id"], 5))
    v("ti-list", with_at(task, ["ti"], []))
    v("ti-null", with_at(task, ["ti"], None))
    v("map-index-null", with_at(task, ["ti", "map_index"], None))
    v("queue-null", with_at(task, ["ti", "queue"], None))
    for label, value in [("fraction", 3.5), ("hex", "0x3"), ("exponent", "1e2"), ("empty", ""),
                         ("str-fraction", "3.5"), ("null", None), ("list", [3])]:
        v(f"try-number-{label}", with_at(task, ["ti", "try_number"], value))
    v("ti-id-bad", with_at(task, ["ti", "id"], "not-a-uuid"))
    v("ti-id-int", with_at(task, ["ti", "id"], 12345))
    v("ti-id-short", with_at(task, ["ti", "id"], str(TI_ID)[:-1]))
    v("dag-version-id-bad", with_at(task, ["ti", "dag_version_id"], "0195f6a4-0000-7000-8000-00000000beeg"))
    v("connection-test-id-bad", with_at(conn, ["connection_test_id"], "x"))
    v("dag-rel-path-int", with_at(task, ["dag_rel_path"], 3))
    v("dag-rel-path-null", with_at(task, ["dag_rel_path"], None))
    v("log-path-int", with_at(task, ["log_path"], 7))
    v("bundle-version-int", with_at(task, ["bundle_info", "version"], 2))
    v("sentry-null", with_at(full, ["sentry_integration"], None))
    v("context-carrier-list", with_at(task, ["ti", "context_carrier"], ["a"]))
    v("fetch-method-unknown", with_at(cb, ["callback", "fetch_method"], "entry_point"))
    v("callback-data-list", with_at(cb, ["callback", "data"], []))
    v("callback-id-int", with_at(cb, ["callback", "id"], 5))
    v("timeout-fraction", with_at(conn, ["timeout"], 1.5))
    v("watched-assets-int-value", with_at(trig, ["watched_assets"], {"orders": 5}))
    v("dag-data-string", with_at(trig, ["dag_data"], "{}"))
    v("trigger-timeout-garbage", with_at(trig, ["timeout_after"], "next tuesday"))
    v("trigger-ti-missing-field", without_at(trig, ["ti", "priority_weight"]))
    v("not-an-object", [task])
    v("a-string", "ExecuteTask")

    cases = [(name, json.dumps(doc)) for name, doc in out]
    # Texts that are not a dump of a value.
    text = json.dumps(task)
    cases.append(("duplicate-key-last-wins", text[:-1] + ', "log_path": "dup.log", "log_path": "last.log"}'))
    cases.append(("invalid-json", text[:-1]))
    cases.append(("whitespace-and-unicode", json.dumps(with_at(task, ["ti", "task_id"], "tâche\u2603"), indent=2)))
    return cases


def judge(adapter, workloads, text: str) -> dict:
    from pydantic import ValidationError

    try:
        workload = adapter.validate_json(text)
    except ValidationError as exc:
        return {"valid": False, "errors": [{"loc": list(e["loc"]), "type": e["type"]} for e in exc.errors()]}
    result = {"valid": True, "dump": workload.model_dump(mode="json")}
    if isinstance(workload, workloads.ExecuteTask):
        from airflow.sdk.execution_time.comms import StartupDetails

        details = StartupDetails.model_construct(
            ti=workload.ti, dag_rel_path=os.fspath(workload.dag_rel_path), bundle_info=workload.bundle_info,
            ti_context=None, start_date=datetime(2026, 11, 22, tzinfo=timezone.utc),
            sentry_integration=workload.sentry_integration,
        )
        dumped = details.model_dump(mode="json", warnings=False)
        result["startup_ti"] = dumped["ti"]
        result["startup_dag_rel_path"] = dumped["dag_rel_path"]
        result["startup_bundle_info"] = dumped["bundle_info"]
    return result


def main() -> int:
    check_pins("workload_facts.py")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    # Importing Airflow reads its configuration: give it an empty home of its own, and skip
    # `settings.initialize()` (logging, the ORM), which validating workloads does not need.
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp()
    os.environ["_AIRFLOW__AS_LIBRARY"] = "1"
    from pydantic import TypeAdapter

    from airflow.executors import workloads

    adapter = TypeAdapter(workloads.All)
    cases = []
    base = {}
    for name, workload in valid_workloads(workloads):
        text = workload.model_dump_json()
        base[name] = json.loads(text)
        cases.append({"name": name, "json": text, **judge(adapter, workloads, text)})
    for name, text in variants(copy.deepcopy(base)):
        cases.append({"name": name, "json": text, **judge(adapter, workloads, text)})
    doc = {
        "about": "Generated by tools/supervisor/workload_facts.py from apache-airflow-core 3.3.2 and "
                 "apache-airflow-task-sdk 1.3.2: pydantic's verdict on each workload text.",
        "cases": cases,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(cases)} cases ({sum(c['valid'] for c in cases)} valid) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
