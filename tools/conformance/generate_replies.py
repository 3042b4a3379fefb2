#!/usr/bin/env python3
"""Record what Airflow's real supervisors answer to every request, for the Rust reply table.

``src/request.rs`` pairs every request type with the reply a supervisor sends back.  That table
is only worth something if it matches Airflow, so this script asks Airflow: for each of the four
request channels (task, callback, trigger, dag-processor) and each request type the channel
carries, it builds the channel's real supervisor object, sends it the first canonical request of
the JSON corpus as a real length-prefixed frame, lets the supervisor's own reader,
``handle_requests`` generator and ``_handle_request`` deal with it, and reads the reply frame
back with the child's own ``CommsDecoder``.  The supervisor talks to the Execution API through a
real ``airflow.sdk.api.client.Client`` whose transport is an ``httpx.MockTransport``: the
client's own status handling (which statuses become typed ``ErrorResponse`` bodies, which become
exceptions and so the error slot) is what is being recorded.

Every request runs in four scenarios: ``ok`` (every API call answers 2xx with a realistic body),
and ``404``, ``403``, ``409`` (the request's first API call answers that status with the JSON
error body the Execution API sends, later calls answer 2xx, as when ``TriggerDagRun`` with
``reset_dag_run`` clears the run it collided with).  All four are recorded for every request;
``http`` lists the calls the handler made, so a scenario without calls is visibly moot.

Output rows: ``channel``, ``request``, ``scenario``, ``slot`` (``body`` / ``empty`` / ``error``),
``reply`` (the ``type`` of the body or error model, else null), ``error`` (the ``ErrorType`` when
the reply is an ``ErrorResponse``), ``decodable`` (whether the child's decoder takes the frame:
the body validates against the child's union, or the error slot validates as an error),
``http``.

Usage::

    python tools/conformance/generate_replies.py [--out tests/corpus/replies.json]

Deterministic: requests come from the committed corpus, API bodies from fixed tables, ids and
supervisor ids are constants, nothing unordered or time-dependent is recorded (the descriptor
number in ``SentFDs`` and the clock never reach the output).  CI regenerates and diffs.

Only the standard library and the pinned Airflow packages (with what they pull in: pydantic,
httpx, msgspec, structlog) are used.  The generator proposes nothing: it records what the
Airflow code did, and stops when something happens that says the harness itself is wrong (an
API route it does not mock, a mocked body the client refuses, a request that gets no reply).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import logging
import pathlib
import re
import select
import socket
import sys
import uuid
from typing import Any, Callable

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from common import (  # noqa: E402  (tools/common.py)
    CORPUS, REPLIES_TO, REPLY_CHANNELS, REQUEST_CHANNELS, QuietLog, Surprise, check_pins, corpus_case, corpus_cases,
    dumps, exit_on_surprise, load_union,
)

SCENARIOS = ("ok", "404", "403", "409")

# Constant ids, so that API paths (and so the output) do not change from run to run.  They are
# the supervisors' own ids: the task supervisor's is its task instance id, used in the paths of
# the task's own state calls.
SUPERVISOR_ID = {
    "task": uuid.UUID("01970000-0000-7000-8000-00000000a001"),
    "callback": uuid.UUID("01970000-0000-7000-8000-00000000c001"),
    "trigger": uuid.UUID("01970000-0000-7000-8000-00000000e001"),
    "dag-processor": uuid.UUID("01970000-0000-7000-8000-00000000d001"),
}

API_BASE = "http://execution-api.test/execution/"


class UnmockedRoute(BaseException):
    """An API call the mock has no answer for.

    A BaseException, because the supervisor turns any Exception raised while handling a request
    into an API_SERVER_ERROR reply, which would pass for a real outcome.
    """


# ---------------------------------------------------------------------------------------------
# The mocked Execution API
# ---------------------------------------------------------------------------------------------

ASSET = {
    "name": "daily_sales",
    "uri": "s3://data-lake/sales/daily.parquet",
    "group": "asset",
    "extra": {"owner": "data-eng"},
}
DAG_RUN = {
    "dag_id": "example_etl",
    "run_id": "manual__2026-01-01T00:00:00+00:00",
    "logical_date": "2026-01-01T00:00:00Z",
    "data_interval_start": "2025-12-31T00:00:00Z",
    "data_interval_end": "2026-01-01T00:00:00Z",
    "run_after": "2026-01-01T00:00:00Z",
    "start_date": "2026-01-01T00:00:05Z",
    "end_date": None,
    "clear_number": 0,
    "run_type": "manual",
    "state": "running",
    "conf": {"target": "warehouse"},
    "triggering_user_name": "admin",
    "consumed_asset_events": [],
    "partition_key": None,
    "note": None,
    "team_name": None,
}
HITL_RESPONSE = {
    "response_received": True,
    "responded_by_user": {"id": "user-1", "name": "admin"},
    "responded_at": "2026-01-01T00:10:00Z",
    "chosen_options": ["Approve"],
    "params_input": {"comment": "Looks good"},
}
XCOM_VALUE = {"rows": 1204, "table": "public.orders"}


def _hitl_request_echo(request, _match) -> Any:
    # The server answers a created HITL detail with what it stored: the request's own payload.
    body = json.loads(request.content)
    body.pop("type", None)
    return body


# (method, path regex relative to the API root, status, JSON body or a callable of (request, match)
# giving it, extra headers).  First match wins, so the more specific paths come first.  Writes
# answer 204: the client never reads their bodies.
ROUTES: list[tuple[str, str, int, Any, dict[str, str]]] = [
    ("GET", r"connections/(?P<conn_id>[^/]+)", 200, lambda req, m: {
        "conn_id": m["conn_id"], "conn_type": "postgres", "host": "db.internal.example.com",
        "schema": "public", "login": "airflow", "password": "s3cr3t-p@ss", "port": 5432,
        "extra": '{"sslmode": "require", "connect_timeout": 10}'}, {}),
    ("GET", r"variables/keys", 200, {"keys": ["etl_batch_size", "etl_target_bucket"], "total_entries": 2}, {}),
    ("GET", r"variables/(?P<key>[^/]+)", 200, lambda req, m: {"key": m["key"], "value": "s3://exports-bucket/etl"}, {}),
    ("PUT", r"variables/[^/]+", 204, None, {}),
    ("DELETE", r"variables/[^/]+", 204, None, {}),
    # The XCom count is a HEAD: no body, the count is in Content-Range.
    ("HEAD", r"xcoms/[^/]+/[^/]+/[^/]+/[^/]+", 200, None, {"Content-Range": "map_indexes 4"}),
    ("GET", r"xcoms/[^/]+/[^/]+/[^/]+/[^/]+/item/-?\d+", 200, XCOM_VALUE, {}),
    ("GET", r"xcoms/[^/]+/[^/]+/[^/]+/[^/]+/slice", 200, [XCOM_VALUE, None, {"rows": 987}], {}),
    ("GET", r"xcoms/[^/]+/[^/]+/[^/]+/(?P<key>[^/]+)", 200, lambda req, m: {"key": m["key"], "value": XCOM_VALUE}, {}),
    ("POST", r"xcoms/[^/]+/[^/]+/[^/]+/[^/]+", 204, None, {}),
    ("DELETE", r"xcoms/[^/]+/[^/]+/[^/]+/[^/]+", 204, None, {}),
    ("GET", r"assets/by-(name|uri)", 200, ASSET, {}),
    ("GET", r"assets/by-alias", 200, [ASSET], {}),
    ("GET", r"asset-events/by-asset(-alias)?", 200, {"asset_events": [{
        "id": 42, "timestamp": "2026-01-01T00:05:00Z", "extra": {"rows": 1204}, "asset": ASSET,
        "created_dagruns": [], "source_task_id": "produce_sales", "source_dag_id": "upstream_producer",
        "source_run_id": "scheduled__2025-12-31T00:00:00+00:00", "source_map_index": -1,
        "partition_key": None}]}, {}),
    ("GET", r"dag-runs/count", 200, 12, {}),
    ("GET", r"dag-runs/previous", 200, DAG_RUN, {}),
    ("POST", r"dag-runs/[^/]+/[^/]+/clear", 204, None, {}),
    ("POST", r"dag-runs/[^/]+/[^/]+", 204, None, {}),
    ("GET", r"dag-runs/[^/]+/[^/]+/state", 200, {"state": "running"}, {}),
    ("GET", r"dag-runs/[^/]+/[^/]+", 200, DAG_RUN, {}),
    ("GET", r"dags/[^/]+", 200, {
        "dag_id": "example_etl", "is_paused": False, "bundle_name": "dags-folder",
        "bundle_version": "7f3c2a9e", "relative_fileloc": "etl/example_etl.py",
        "owners": "airflow, data-eng", "tags": ["daily", "etl"], "next_dagrun": "2026-01-02T00:00:00Z"}, {}),
    ("GET", r"task-instances/count", 200, 3, {}),
    ("GET", r"task-instances/states", 200, {"task_states": {
        "manual__2026-01-01T00:00:00+00:00": {"extract": "success", "load": "running"}}}, {}),
    ("GET", r"task-instances/breadcrumbs", 200, {"breadcrumbs": [
        {"task_id": "extract", "map_index": -1, "state": "success"}]}, {}),
    ("GET", r"task-instances/previous/[^/]+/[^/]+", 200, {
        "task_id": "extract", "dag_id": "example_etl", "run_id": "scheduled__2025-12-31T00:00:00+00:00",
        "logical_date": "2025-12-31T00:00:00Z", "start_date": "2025-12-31T00:00:05Z",
        "end_date": "2025-12-31T00:01:05Z", "state": "success", "try_number": 1, "map_index": -1,
        "duration": 60.0}, {}),
    ("GET", r"task-instances/[^/]+/previous-successful-dagrun", 200, {
        "data_interval_start": "2025-12-30T00:00:00Z", "data_interval_end": "2025-12-31T00:00:00Z",
        "start_date": "2025-12-31T00:00:05Z", "end_date": "2025-12-31T00:03:00Z"}, {}),
    ("GET", r"task-instances/[^/]+/validate-inlets-and-outlets", 200, {"inactive_assets": []}, {}),
    ("PATCH", r"task-instances/[^/]+/(state|skip-downstream|rendered-map-index)", 204, None, {}),
    ("PUT", r"task-instances/[^/]+/rtif", 204, None, {}),
    ("GET", r"task-reschedules/[^/]+/start_date", 200, "2026-01-01T00:00:00Z", {}),
    ("GET", r"store/ti/[^/]+/[^/]+", 200, {"value": {"cursor": 1204}}, {}),
    ("PUT", r"store/ti/[^/]+/[^/]+", 204, None, {}),
    ("DELETE", r"store/ti/[^/]+(/[^/]+)?", 204, None, {}),
    ("GET", r"store/asset/by-(name|uri)/value", 200, {"value": {"watermark": "2026-01-01"}}, {}),
    ("PUT", r"store/asset/by-(name|uri)/value", 204, None, {}),
    ("DELETE", r"store/asset/by-(name|uri)/(value|clear)", 204, None, {}),
    ("POST", r"hitlDetails/[^/]+", 201, _hitl_request_echo, {}),
    ("PATCH", r"hitlDetails/[^/]+", 200, HITL_RESPONSE, {}),
    ("GET", r"hitlDetails/[^/]+", 200, HITL_RESPONSE, {}),
]

# What the Execution API's HTTPExceptions look like on the wire (FastAPI: {"detail": ...}).
ERROR_BODIES = {
    404: {"detail": {"reason": "not_found", "message": "The requested resource was not found"}},
    403: {"detail": {"reason": "access_denied", "message": "Task does not have access to the resource"}},
    409: {"detail": {"reason": "already_exists", "message": "The resource already exists"}},
}


class MockApi:
    """An httpx.MockTransport handler playing the Execution API for one request of one scenario."""

    def __init__(self, scenario: str) -> None:
        self.status = None if scenario == "ok" else int(scenario)
        self.calls: list[str] = []

    def __call__(self, request):
        import httpx

        path = request.url.path
        if not path.startswith("/execution/"):
            raise UnmockedRoute(f"{request.method} {request.url}")
        path = path[len("/execution/"):]
        route = next(((status, body, headers, m) for method, pattern, status, body, headers in ROUTES
                      if method == request.method and (m := re.fullmatch(pattern, path))), None)
        if route is None:
            raise UnmockedRoute(f"{request.method} {path}")
        first_call = not self.calls
        self.calls.append(f"{request.method} {path}")

        if first_call and self.status is not None:
            if request.method == "HEAD":
                # A HEAD answer never has a body, not even the error's.
                return httpx.Response(self.status, headers={"content-type": "application/json"})
            return httpx.Response(self.status, json=ERROR_BODIES[self.status])
        status, body, headers, match = route
        if callable(body):
            body = body(request, match)
        if body is None:
            return httpx.Response(status, headers=headers)
        return httpx.Response(status, json=body, headers=headers)


# ---------------------------------------------------------------------------------------------
# Airflow objects
# ---------------------------------------------------------------------------------------------

class Airflow:
    """Airflow objects, imported only after the version check."""

    def __init__(self) -> None:
        import attrs
        import httpx
        import structlog
        from pydantic import TypeAdapter, ValidationError

        from airflow.dag_processing import processor
        from airflow.jobs import triggerer_job_runner as triggerer
        from airflow.sdk.api.client import Client
        from airflow.sdk.exceptions import AirflowRuntimeError
        from airflow.sdk.execution_time import callback_supervisor, comms, supervisor

        # The supervisors and the client log every request and every API error through structlog;
        # drop all of it below CRITICAL (after the imports, which configure structlog themselves)
        # so the run is quiet.  Nothing here depends on what they log.
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))

        self.httpx = httpx
        self.structlog = structlog
        self.Client = Client
        self.ValidationError = ValidationError
        self.AirflowRuntimeError = AirflowRuntimeError
        self.comms = comms
        self.supervisor = supervisor
        self.triggerer = triggerer

        @attrs.define(kw_only=True)
        class MockedTriggerRunnerSupervisor(triggerer.TriggerRunnerSupervisor):
            """The triggerer supervisor with its documented client hook pointed at the mock API."""

            mock_client: Any

            def make_client(self):
                return self.mock_client

        self.supervisors = {
            "task": supervisor.ActivitySubprocess,
            "callback": callback_supervisor.CallbackSubprocess,
            "trigger": MockedTriggerRunnerSupervisor,
            "dag-processor": processor.DagFileProcessorProcess,
        }
        # The unions the children decode replies with, built once: each child builds them once too.
        adapters = {name: TypeAdapter(load_union(name)) for name in REPLY_CHANNELS}
        self.child_unions = {channel: adapters[REPLIES_TO[channel]] for channel in REQUEST_CHANNELS}
        self.to_task = adapters["to-task"]

        # TriggerStateChanges is answered from the supervisor's queues; seed them from the
        # corpus's fullest TriggerStateSync so the reply carries triggers to create and cancel.
        seed = json.loads(corpus_case("to-trigger-runner", "TriggerStateSync/full")["input"])
        self.trigger_seed = TypeAdapter(triggerer.messages.TriggerStateSync).validate_python(seed)

    def make_client(self, api: MockApi):
        return self.Client(base_url=API_BASE, token="supervisor-token",
                           transport=self.httpx.MockTransport(api))

    def make_supervisor(self, channel: str, stdin: socket.socket, client):
        """A just-started supervisor of the channel, as its start() builds it, minus the fork.

        There is no child process (``process`` is None): request handling never looks at it,
        and anything that did would fail loudly rather than signal a real process.
        """
        # process_log is the structlog logger start() gives it: ResendLoggingFD wires the new log
        # socket to it, and structlog's own logger is what that wiring expects.
        common = dict(id=SUPERVISOR_ID[channel], pid=0, stdin=stdin, process=None,
                      process_log=self.structlog.get_logger(logger_name="task").bind())
        cls = self.supervisors[channel]
        if channel in ("task", "callback"):
            return cls(client=client, **common)
        if channel == "trigger":
            sup = cls(capacity=1000, mock_client=client, **common)
            seed = self.trigger_seed
            sup.creating_triggers.extend(seed.to_create)
            sup.cancelling_triggers.update(seed.to_cancel)
            sup.persisted_event_seqs.extend(seed.events_persisted or ())
            return sup
        if channel == "dag-processor":
            # parsing_result (the one field DagFileParsingResult writes) starts as the class's None.
            return cls(client=client, logger_filehandle=None, bundle_name="dags-folder",
                       dag_file_rel_path="etl/example_etl.py", **common)
        raise ValueError(channel)

    def make_child_decoder(self, channel: str, sock: socket.socket):
        """The child's reply decoder, with the union the real child gives it."""
        body = self.child_unions[channel]
        kwargs = dict(socket=sock, log=QuietLog(), body_decoder=body, err_decoder=self.to_task)
        if channel == "trigger":
            # The trigger runner reads frames with asyncio streams, then decodes them with the
            # same _from_frame; the sync reader of the base class stands in for the stream.
            return self.triggerer.TriggerCommsDecoder(async_writer=None, async_reader=None, **kwargs)
        return self.comms.CommsDecoder(**kwargs)


AF: Airflow


# ---------------------------------------------------------------------------------------------
# Driving one request
# ---------------------------------------------------------------------------------------------

# Cases run in addition to a type's first canonical case, because that one never reaches the
# API: a GetAssetEventByAsset with neither name nor uri decodes, but the client refuses it
# before any call (ValueError, so the error slot).  A real child always names the asset.
EXTRA_CASES = {"GetAssetEventByAsset": ["GetAssetEventByAsset/full"]}

# Exceptions the handlers raise on their own, with the API answering 2xx (scenario ok), by case.
# Any other exception in that scenario stops the run as a harness fault.
EXPECTED_EXCEPTIONS = {"GetAssetEventByAsset/minimal": "ValueError"}


def request_cases(channel: str) -> list[tuple[str, str]]:
    """(request type, corpus case) to run: each type's first accepted canonical case, plus extras."""
    first: dict[str, str] = {}
    for rec in corpus_cases(channel, ("canonical",)):
        first.setdefault(rec["case"].split("/")[0], rec["case"])
    return [(t, case) for t in sorted(first) for case in [first[t], *EXTRA_CASES.get(t, [])]]


def drain(reader: Callable, sock: socket.socket) -> None:
    """Feed the supervisor's frame reader until it has consumed everything sent to it."""
    while select.select([sock], [], [], 0)[0]:
        if not reader(sock):
            raise Surprise("the supervisor's frame reader stopped")


def run_one(channel: str, request_type: str, case: str, scenario: str) -> dict:
    msg_json = corpus_case(channel, case)["input"]
    api = MockApi(scenario)
    client = AF.make_client(api)
    sup_end, child_end = socket.socketpair()
    sup = AF.make_supervisor(channel, sup_end, client)
    try:
        # The child sends msg.model_dump() of a validated message, as CommsDecoder._make_frame does.
        msg = sup.decoder.validate_json(msg_json)
        req_id = 7
        frame = AF.comms._RequestFrame(id=req_id, body=msg.model_dump())
        child_end.sendall(frame.as_bytes())

        # Wired as _register_pipe_readers wires the requests socket, minus the selector.
        reader, _ = AF.supervisor.length_prefixed_frame_reader(sup.handle_requests(AF.supervisor.log),
                                                               on_close=lambda s: None)
        drain(reader, sup_end)

        decoder = AF.make_child_decoder(channel, child_end)
        if not select.select([child_end], [], [], 0)[0]:
            raise Surprise(f"{channel} {request_type} {scenario}: no reply")
        if request_type == "ResendLoggingFD":
            # The reply carries the new log socket as SCM_RIGHTS; read it as the child does.
            reply, fds = decoder._read_frame(maxfds=1)
            for fd in fds:
                socket.socket(fileno=fd).close()
            if reply.body is not None and len(fds) != 1:
                raise Surprise(f"{channel} {case} {scenario}: SentFDs came with {len(fds)} descriptors")
        else:
            reply = decoder._read_frame()
        if reply.id != req_id:
            raise Surprise(f"{channel} {request_type} {scenario}: reply id {reply.id}")
        if select.select([child_end], [], [], 0)[0]:
            raise Surprise(f"{channel} {request_type} {scenario}: more than one reply frame")

        row: dict[str, Any] = {"channel": channel, "request": request_type, "case": case, "scenario": scenario}
        if reply.body is not None:
            model = reply.body
            row.update(slot="body", reply=model.get("type"))
        elif reply.error is not None:
            model = reply.error
            row.update(slot="error", reply=model.get("type"))
        else:
            model = None
            row.update(slot="empty", reply=None)
        if model is not None and model.get("type") == "ErrorResponse":
            row["error"] = model["error"]
            detail = model.get("detail") or {}
            if (scenario == "ok" and row["slot"] == "error" and "exception_type" in detail
                    and EXPECTED_EXCEPTIONS.get(case) != detail["exception_type"]):
                # The generic-exception branch with the API answering 2xx: the mock answered
                # something the client could not take, or the harness built the supervisor
                # wrong.  Either way the row would record the harness, not Airflow.
                raise Surprise(f"{channel} {case}: {detail}")
        try:
            decoder._from_frame(reply)
            row["decodable"] = True
        except AF.AirflowRuntimeError:
            row["decodable"] = True  # the error slot decoded, and is raised as the child's error
        except AF.ValidationError:
            row["decodable"] = False
        row["http"] = api.calls
        return row
    finally:
        for key in list(sup.selector.get_map().values()):
            key.fileobj.close()  # the log socket a ResendLoggingFD registers
        sup.selector.close()
        client.close()
        sup_end.close()
        child_end.close()


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------

EXPLANATIONS = {
    "scenarios": "ok: every Execution API call answers 2xx with a realistic body (HEAD with its Content-Range); "
                 "404/403/409: the request's first API call answers that status with a JSON "
                 '{"detail": {"reason", "message"}} body (no body for HEAD), later calls answer 2xx. '
                 "Every request is run in every scenario; http empty means the scenario could not matter",
    "slot": "body: the reply's body is set; empty: body and error both nil; error: the error slot is set",
    "reply": "the type of the body or error-slot model, null for empty",
    "error": "the ErrorType, when reply is ErrorResponse (in either slot)",
    "decodable": "whether the child's decoder (ToTask for task and callback, ToTriggerRunner for trigger, "
                 "ToDagProcessor for dag-processor; the error slot always as ToTask) accepts the frame",
    "http": "METHOD path (relative to the Execution API root, no query) of every API call the handler made",
    "case": "the request sent: per channel and type, the first accepted canonical case of "
            "tests/corpus/<channel>.jsonl, sent as model_dump() of the validated message in a real "
            "length-prefixed frame; GetAssetEventByAsset also runs /full, because its first case names "
            "no asset and fails before any API call",
}


def render(doc: dict) -> str:
    """Pretty JSON with one row per line, so a changed outcome is a one-line diff."""
    rows = doc["rows"]
    head = {k: v for k, v in doc.items() if k != "rows"}
    text = json.dumps(head, indent=2, ensure_ascii=False)[:-2]
    lines = ",\n    ".join(dumps(r) for r in rows)
    return f'{text},\n  "rows": [\n    {lines}\n  ]\n}}\n'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=CORPUS / "replies.json")
    args = parser.parse_args()

    check_pins("generate_replies")
    global AF
    AF = Airflow()

    rows = []
    for channel in REQUEST_CHANNELS:
        for request_type, case in request_cases(channel):
            for scenario in SCENARIOS:
                rows.append(run_one(channel, request_type, case, scenario))

    doc = {
        "sdk_version": importlib.metadata.version("apache-airflow-task-sdk"),
        "core_version": importlib.metadata.version("apache-airflow-core"),
        "explanations": EXPLANATIONS,
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(doc), encoding="utf-8")

    counts = {ch: sum(r["channel"] == ch for r in rows) for ch in REQUEST_CHANNELS}
    print(f"wrote {len(rows)} rows to {args.out}: {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    exit_on_surprise("generate_replies", main)
