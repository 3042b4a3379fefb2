"""Writes supervisor/tests/data/serve/cases.json: how Airflow's own task supervisor serves each
request of the task channel through the Execution API, for supervisor/tests/serve.rs.

Each case sends one request frame through the SDK's real request loop
(`ActivitySubprocess.handle_requests`, which calls `_handle_request` and turns exceptions into
error frames) on an `ActivitySubprocess` whose `client` is the SDK's real
`airflow.sdk.api.client.Client` over an `httpx.MockTransport`, and whose `stdin` is one end of a
socket pair. The script records, per case:

- `request`: the comms request, `model_dump(mode="json")`;
- `exchanges`: every HTTP request the SDK made (method, path below the API's base URL as sent,
  percent-encoding included, query as decoded pairs in order, JSON body, content type, and, when
  the api-server's own body model refuses that body, `server_refuses`: the members it refuses)
  with the
  canned answer the mock gave it (status, headers, body text). Answers are written from the
  api-server's own response models (`airflow.api_fastapi.execution_api.datamodels`), dumped as
  FastAPI writes them; error bodies as FastAPI's `HTTPException` writes them;
- `reply`: the frame the SDK wrote to the child, read back from the socket: `body` (as sent, with
  the handler's dump options), `body_read` (that body as the child's decoder reads it, dumped
  whole: `TypeAdapter(ToTask)`, `model_dump(mode="json", by_alias=True)`), and `error`;
- `state`: for the requests that change the run's state, the supervisor's terminal state, the
  rendered map index and the pending terminal message afterwards;
- `masked`: for requests that register secrets, each candidate string and what the SDK's secrets
  masker makes of it afterwards (the masker is reset before each case).

`attempts` is the number of attempts the client makes (the SDK's retry decorator is set to it,
without waits); most cases use 1.

Deterministic (fixed inputs, sorted output); `--check` exits 1 when the file differs.

    .venv/bin/python tools/supervisor/serve_facts.py           # (re)write the file
    .venv/bin/python tools/supervisor/serve_facts.py --check   # exit 1 if it differs
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import socket
import struct
import sys
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import REPO, Surprise, check_pins, exit_on_surprise  # noqa: E402  (tools/common.py)

OUT = REPO / "supervisor" / "tests" / "data" / "serve" / "cases.json"
BASE = "http://api.invalid/execution/"
BASE_PATH = "/execution"

TI_ID = "0195f0d8-7c1e-7a3b-9c4d-5e6f7a8b9c0d"
OTHER_TI = "0195f0d8-7c1e-7a3b-9c4d-000000000002"
DAG = "etl_daily"
RUN = "manual__2026-06-30T12:00:00+00:00"
TASK = "extract"
T0 = "2026-06-30T12:00:00Z"
T1 = "2026-06-30T12:34:56.123456Z"
T2 = "2026-06-30T18:04:56+05:30"


def setup_environment() -> None:
    """A throw-away AIRFLOW_HOME and default settings, before Airflow reads its configuration."""
    home = tempfile.mkdtemp(prefix="airflow-home-")
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    for name in list(os.environ):
        if name.startswith("AIRFLOW_"):
            del os.environ[name]
    os.environ.update({
        "AIRFLOW_HOME": home,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "CRITICAL",
    })


# ---------------------------------------------------------------------------------------------
# Canned answers
# ---------------------------------------------------------------------------------------------

def ok(model_or_json, status: int = 200, headers: dict | None = None) -> dict:
    """A JSON answer: a server model as FastAPI dumps it, or plain JSON."""
    from pydantic import BaseModel

    if isinstance(model_or_json, BaseModel):
        value = model_or_json.model_dump(mode="json", by_alias=True)
    else:
        value = model_or_json
    # FastAPI's JSONResponse: compact, non-ASCII kept.
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return {"status": status, "headers": {"content-type": "application/json", **(headers or {})},
            "body": text}


def empty(status: int = 204, headers: dict | None = None) -> dict:
    return {"status": status, "headers": dict(headers or {}), "body": ""}


def fail(status: int, detail) -> dict:
    """An error answer as FastAPI's HTTPException handler writes it."""
    return ok({"detail": detail}, status=status)


def not_found(message: str) -> dict:
    return fail(404, {"reason": "not_found", "message": message})


SERVER_ERROR = fail(500, "Internal Server Error")
VALIDATION_ERROR = fail(422, [{"type": "int_parsing", "loc": ["query", "map_index"],
                               "msg": "Input should be a valid integer, unable to parse string as an "
                                      "integer", "input": "x"}])
PROXY_ERROR = {"status": 502, "headers": {"content-type": "text/html"},
               "body": "<html><body><h1>502 Bad Gateway</h1></body></html>"}


def server_models():
    """The api-server's response models, by name."""
    import importlib

    names = {}
    for module in ("asset", "asset_event", "asset_state_store", "connection", "dagrun", "dags", "hitl",
                   "task_state_store", "taskinstance", "variable", "xcom"):
        mod = importlib.import_module(f"airflow.api_fastapi.execution_api.datamodels.{module}")
        for name in dir(mod):
            names.setdefault(name, getattr(mod, name))
    return type("Server", (), names)


def dag_run(S, **over):
    fields = dict(
        dag_id=DAG, run_id=RUN, logical_date=T0, data_interval_start="2026-06-29T12:00:00Z",
        data_interval_end=T0, run_after=T0, start_date="2026-06-30T12:00:01Z", end_date=None,
        clear_number=1, run_type="manual", state="running", conf={"source": "api", "n": 3},
        triggering_user_name="alice",
        consumed_asset_events=[S.AssetEventDagRunReference(
            asset=S.AssetReferenceAssetEventDagRun(name="orders", uri="s3://lake/orders", extra={"zone": "eu"}),
            extra={"rows": 120}, source_task_id="load", source_dag_id="ingest",
            source_run_id="scheduled__2026-06-30T00:00:00+00:00", source_map_index=-1,
            source_aliases=[S.AssetAliasReferenceAssetEventDagRun(name="daily-orders")],
            timestamp="2026-06-30T11:59:00Z", partition_key=None)],
        partition_key=None, note="re-run after fix", team_name=None)
    fields.update(over)
    return S.DagRun(**fields)


def asset_event(S, **over):
    fields = dict(
        id=17, timestamp=T1, extra={"rows": 3, "checksum": "ab12"},
        asset=S.AssetResponse(name="orders", uri="s3://lake/orders", group="asset", extra={"zone": "eu"}),
        created_dagruns=[S.DagRunAssetReference(
            run_id="asset_triggered__2026-06-30T12:35:00+00:00", dag_id="report", logical_date=None,
            start_date="2026-06-30T12:35:01Z", end_date=None, state="running",
            data_interval_start=None, data_interval_end=None, partition_key=None)],
        source_task_id="load", source_dag_id="ingest", source_run_id=RUN, source_map_index=-1,
        partition_key=None)
    fields.update(over)
    return S.AssetEventResponse(**fields)


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------

def cases(S, C):
    """(name, request, answers, attempts, candidates): `candidates` are strings whose masking is
    recorded."""
    from airflow.sdk.api.datamodels._generated import AssetProfile, HITLUser, TaskInstanceState

    out = []

    def case(name, request, answers=(), attempts=1, candidates=()):
        out.append((name, request, list(answers), attempts, list(candidates)))

    # --- connections ------------------------------------------------------------------------
    conn = S.ConnectionResponse(
        conn_id="warehouse", conn_type="postgres", host="db.internal", schema="analytics", login="etl",
        password="s3cret-pa55word", port=5432,
        extra='{"sslmode": "require", "private_key": "-----BEGIN KEY-----abc"}')
    case("GetConnection found, password and extra masked", C.GetConnection(conn_id="warehouse"),
         [ok(conn)], candidates=["s3cret-pa55word", conn.extra, "db.internal", "etl", "require"])
    case("GetConnection found, nothing to mask",
         C.GetConnection(conn_id="fs_default"),
         [ok(S.ConnectionResponse(conn_id="fs_default", conn_type="fs", host=None, schema=None,
                                  login=None, password=None, port=None, extra=None))])
    case("GetConnection short password and empty extra not masked",
         C.GetConnection(conn_id="short"),
         [ok(S.ConnectionResponse(conn_id="short", conn_type="http", host="h", schema="", login="",
                                  password="pw", port=None, extra=""))], candidates=["pw"])
    case("GetConnection 404", C.GetConnection(conn_id="missing"),
         [not_found("Connection with ID missing not found")])
    case("GetConnection 403", C.GetConnection(conn_id="forbidden"),
         [fail(403, {"reason": "access_denied", "message": "Task does not have access to connection"})])
    case("GetConnection 401", C.GetConnection(conn_id="expired"), [fail(401, "Token has expired")])
    case("GetConnection 500", C.GetConnection(conn_id="warehouse"), [SERVER_ERROR])
    case("GetConnection 500 then found (retried)", C.GetConnection(conn_id="warehouse"),
         [SERVER_ERROR, ok(conn)], attempts=3, candidates=["s3cret-pa55word"])
    case("GetConnection 502 from a proxy, not JSON", C.GetConnection(conn_id="warehouse"), [PROXY_ERROR])
    case("GetConnection 404 from a proxy, not JSON", C.GetConnection(conn_id="warehouse"),
         [{"status": 404, "headers": {"content-type": "text/plain"}, "body": "Not Found"}])
    case("GetConnection id with reserved characters in path",
         C.GetConnection(conn_id="my conn/é:+@[x]|^%41\"{}`"),
         [not_found("Connection with ID my conn not found")])
    case("GetConnection answer not a ConnectionResponse", C.GetConnection(conn_id="warehouse"),
         [ok({"conn_id": "warehouse"})])

    # --- variables --------------------------------------------------------------------------
    case("GetVariable sensitive key masks value", C.GetVariable(key="partner_api_key"),
         [ok(S.VariableResponse(key="partner_api_key", value="k-123456789"))], candidates=["k-123456789"])
    case("GetVariable plain key does not mask", C.GetVariable(key="region"),
         [ok(S.VariableResponse(key="region", value="eu-west-1-region"))], candidates=["eu-west-1-region"])
    case("GetVariable value null", C.GetVariable(key="my_password"),
         [ok(S.VariableResponse(key="my_password", value=None))])
    case("GetVariable 404", C.GetVariable(key="absent"), [not_found("Variable with key 'absent' not found")])
    case("GetVariable 403", C.GetVariable(key="secret_var"),
         [fail(403, {"reason": "access_denied", "message": "Task does not have access to variable"})])
    case("GetVariable 500", C.GetVariable(key="region"), [SERVER_ERROR])
    case("GetVariable 500 on every attempt", C.GetVariable(key="region"), [SERVER_ERROR, SERVER_ERROR],
         attempts=2)
    case("GetVariable key with space and slash", C.GetVariable(key="team a/token"),
         [ok(S.VariableResponse(key="team a/token", value="tok-abcdef"))], candidates=["tok-abcdef"])
    case("GetVariableKeys defaults", C.GetVariableKeys(),
         [ok(S.VariableKeysResponse(keys=["a", "b"], total_entries=2))])
    case("GetVariableKeys prefix limit offset", C.GetVariableKeys(prefix="etl_ /x", limit=10, offset=20),
         [ok(S.VariableKeysResponse(keys=[], total_entries=20))])
    case("GetVariableKeys 500", C.GetVariableKeys(prefix="x"), [SERVER_ERROR])
    case("PutVariable value and description",
         C.PutVariable(key="last_run", value='{"at": "2026"}', description="set by etl"), [ok({"message": "Variable successfully set"}, 201)])
    case("PutVariable null value", C.PutVariable(key="cleared", value=None, description=None),
         [ok({"message": "Variable successfully set"}, 201)])
    case("PutVariable 500", C.PutVariable(key="k", value="v", description=None), [SERVER_ERROR])
    case("PutVariable 403", C.PutVariable(key="k", value="v", description=None),
         [fail(403, {"reason": "access_denied", "message": "Task does not have write access"})])
    case("DeleteVariable", C.DeleteVariable(key="old key"), [empty(204)])
    case("DeleteVariable 404 is an error", C.DeleteVariable(key="gone"),
         [not_found("Variable with key 'gone' not found")])

    # --- XComs -----------------------------------------------------------------------------
    xcom_args = dict(dag_id=DAG, run_id=RUN, task_id=TASK)
    case("GetXCom found", C.GetXCom(key="return_value", **xcom_args),
         [ok(S.XComResponse(key="return_value", value={"rows": [1, 2.5, "x", None, True]}))])
    case("GetXCom map index and prior dates",
         C.GetXCom(key="out", map_index=2, include_prior_dates=True, **xcom_args),
         [ok(S.XComResponse(key="out", value="text"))])
    case("GetXCom map index -1 not sent", C.GetXCom(key="out", map_index=-1, **xcom_args),
         [ok(S.XComResponse(key="out", value=7))])
    case("GetXCom 404 gives null value", C.GetXCom(key="absent", **xcom_args),
         [not_found("XCom not found")])
    case("GetXCom 500", C.GetXCom(key="k", **xcom_args), [SERVER_ERROR])
    case("GetXCom 422", C.GetXCom(key="k", **xcom_args), [VALIDATION_ERROR])
    case("GetXCom key with reserved characters",
         C.GetXCom(key="my key/é", dag_id="dag.v2", run_id="scheduled__2026-06-30T00:00:00+00:00",
                   task_id="group.task"), [ok(S.XComResponse(key="my key/é", value=None))])
    case("GetXComCount", C.GetXComCount(key="return_value", **xcom_args),
         [empty(200, {"content-range": "map_indexes 3", "content-type": "application/json"})])
    case("GetXComCount bad header", C.GetXComCount(key="return_value", **xcom_args),
         [empty(200, {"content-range": "bytes 0-3"})])
    case("GetXComCount no header", C.GetXComCount(key="return_value", **xcom_args), [empty(200)])
    # A HEAD answer has no body, so the SDK cannot read the error as a server error either.
    case("GetXComCount 404, no body", C.GetXComCount(key="return_value", **xcom_args),
         [{"status": 404, "headers": {"content-type": "application/json"}, "body": ""}])
    case("GetXComSequenceItem", C.GetXComSequenceItem(key="return_value", offset=1, **xcom_args),
         [ok(S.XComSequenceIndexResponse({"a": [1, 2]}))])
    case("GetXComSequenceItem negative offset",
         C.GetXComSequenceItem(key="return_value", offset=-1, **xcom_args), [ok(S.XComSequenceIndexResponse(None))])
    case("GetXComSequenceItem 404", C.GetXComSequenceItem(key="return_value", offset=9, **xcom_args),
         [not_found("XCom not found")])
    case("GetXComSequenceSlice no bounds",
         C.GetXComSequenceSlice(key="return_value", start=None, stop=None, step=None, **xcom_args),
         [ok(S.XComSequenceSliceResponse([1, "two", None]))])
    case("GetXComSequenceSlice bounds and prior dates",
         C.GetXComSequenceSlice(key="return_value", start=-3, stop=0, step=2, include_prior_dates=True,
                                **xcom_args), [ok(S.XComSequenceSliceResponse([]))])
    case("GetXComSequenceSlice 404 is an error",
         C.GetXComSequenceSlice(key="return_value", start=1, stop=None, step=None, **xcom_args),
         [not_found("XCom not found")])
    case("SetXCom", C.SetXCom(key="return_value", value={"k": [1, 2.5, None], "s": "é"}, **xcom_args),
         [ok({"message": "XCom successfully set"}, 201)])
    case("SetXCom mapped", C.SetXCom(key="return_value", value=[1, 2, 3], map_index=4, mapped_length=3,
                                     dag_result=True, **xcom_args), [ok({"message": "XCom successfully set"}, 201)])
    case("SetXCom negative map index and length not sent",
         C.SetXCom(key="k", value=None, map_index=-1, mapped_length=-1, **xcom_args),
         [ok({"message": "XCom successfully set"}, 201)])
    case("SetXCom 500", C.SetXCom(key="k", value="v", **xcom_args), [SERVER_ERROR])
    case("DeleteXCom", C.DeleteXCom(key="k", **xcom_args), [ok({"message": "XCom deleted"})])
    case("DeleteXCom map index", C.DeleteXCom(key="k", map_index=0, **xcom_args),
         [ok({"message": "XCom deleted"})])
    case("DeleteXCom 404 is an error", C.DeleteXCom(key="k", map_index=-1, **xcom_args),
         [not_found("XCom not found")])

    # --- assets ------------------------------------------------------------------------------
    asset = S.AssetResponse(name="orders", uri="s3://lake/orders", group="asset", extra={"zone": "eu"})
    case("GetAssetByName found", C.GetAssetByName(name="orders"), [ok(asset)])
    case("GetAssetByName found, no extra", C.GetAssetByName(name="bare"),
         [ok(S.AssetResponse(name="bare", uri="file:///bare", group="asset"))])
    case("GetAssetByName 404", C.GetAssetByName(name="nope"),
         [not_found("Asset with name nope not found")])
    case("GetAssetByName empty name", C.GetAssetByName(name=""))
    case("GetAssetByName 500", C.GetAssetByName(name="orders"), [SERVER_ERROR])
    case("GetAssetByUri found", C.GetAssetByUri(uri="s3://lake/orders?v=1&x=a b"), [ok(asset)])
    case("GetAssetByUri 404", C.GetAssetByUri(uri="s3://none"), [not_found("Asset with uri not found")])
    case("GetAssetsByAlias", C.GetAssetsByAlias(alias_name="daily-orders"),
         [ok([asset.model_dump(mode="json"),
              S.AssetResponse(name="bare", uri="file:///bare", group="g", extra=None).model_dump(mode="json")])])
    case("GetAssetsByAlias none", C.GetAssetsByAlias(alias_name="empty"), [ok([])])
    case("GetAssetsByAlias 404 is an error", C.GetAssetsByAlias(alias_name="nope"),
         [not_found("Asset alias nope not found")])
    events = S.AssetEventsResponse(asset_events=[asset_event(S), asset_event(
        S, id=18, extra=None, created_dagruns=[], source_task_id=None, source_dag_id=None,
        source_run_id=None, source_map_index=None, partition_key="2026-06-30")])
    case("GetAssetEventByAsset by name", C.GetAssetEventByAsset(name="orders", uri=None), [ok(events)])
    case("GetAssetEventByAsset by uri with bounds",
         C.GetAssetEventByAsset(name=None, uri="s3://lake/orders", after=T0, before=T2, limit=5,
                                ascending=False), [ok(S.AssetEventsResponse(asset_events=[]))])
    case("GetAssetEventByAsset limit 0 not sent",
         C.GetAssetEventByAsset(name="orders", uri="s3://lake/orders", limit=0, after=T1),
         [ok(S.AssetEventsResponse(asset_events=[]))])
    case("GetAssetEventByAsset neither name nor uri", C.GetAssetEventByAsset(name="", uri=None))
    case("GetAssetEventByAsset 404 is an error", C.GetAssetEventByAsset(name="orders", uri=None),
         [not_found("Asset not found")])
    case("GetAssetEventByAssetAlias", C.GetAssetEventByAssetAlias(alias_name="daily-orders"), [ok(events)])
    case("GetAssetEventByAssetAlias bounds",
         C.GetAssetEventByAssetAlias(alias_name="daily-orders", before=T1, limit=1, ascending=False),
         [ok(S.AssetEventsResponse(asset_events=[]))])
    case("ValidateInletsAndOutlets", C.ValidateInletsAndOutlets(ti_id=OTHER_TI),
         [ok(S.InactiveAssetsResponse(inactive_assets=[
             S.AssetProfile(name="orders", uri="s3://lake/orders", type="Asset"),
             S.AssetProfile(name=None, uri=None, type="AssetAlias")]))])
    case("ValidateInletsAndOutlets none", C.ValidateInletsAndOutlets(ti_id=TI_ID),
         [ok(S.InactiveAssetsResponse())])

    # --- state stores -----------------------------------------------------------------------
    case("GetTaskStateStore", C.GetTaskStateStore(ti_id=TI_ID, key="cursor"),
         [ok(S.TaskStateStoreResponse(value={"page": 3, "token": None}))])
    case("GetTaskStateStore key quoted", C.GetTaskStateStore(ti_id=TI_ID, key="a b/c~d.e_f-g:h%"),
         [ok(S.TaskStateStoreResponse(value=None))])
    case("GetTaskStateStore 404", C.GetTaskStateStore(ti_id=TI_ID, key="nope"),
         [not_found("Task state store key not found")])
    case("GetTaskStateStore 500", C.GetTaskStateStore(ti_id=TI_ID, key="k"), [SERVER_ERROR])
    case("SetTaskStateStore", C.SetTaskStateStore(ti_id=TI_ID, key="cursor/x", value=[1, {"a": None}],
                                                  expires_at=T2), [empty(204)])
    case("SetTaskStateStore no expiry", C.SetTaskStateStore(ti_id=TI_ID, key="k", value="v", expires_at=None),
         [empty(204)])
    case("SetTaskStateStore 500", C.SetTaskStateStore(ti_id=TI_ID, key="k", value=1, expires_at=None),
         [SERVER_ERROR])
    case("DeleteTaskStateStore", C.DeleteTaskStateStore(ti_id=TI_ID, key="a b"), [empty(204)])
    case("DeleteTaskStateStore 404 is an error", C.DeleteTaskStateStore(ti_id=TI_ID, key="a"),
         [not_found("Task state store key not found")])
    case("ClearTaskStateStore", C.ClearTaskStateStore(ti_id=OTHER_TI), [empty(204)])
    case("GetAssetStateStoreByName", C.GetAssetStateStoreByName(name="orders", key="watermark"),
         [ok(S.AssetStateStoreResponse(value="2026-06-30"))])
    case("GetAssetStateStoreByName 404", C.GetAssetStateStoreByName(name="orders", key="nope"),
         [not_found("Asset state store key not found")])
    case("GetAssetStateStoreByName empty name", C.GetAssetStateStoreByName(name="", key="k"))
    case("GetAssetStateStoreByUri", C.GetAssetStateStoreByUri(uri="s3://lake/orders?a=b", key="w m"),
         [ok(S.AssetStateStoreResponse(value={"n": 1.5}))])
    case("GetAssetStateStoreByUri 404", C.GetAssetStateStoreByUri(uri="s3://x", key="k"),
         [not_found("Asset state store key not found")])
    case("SetAssetStateStoreByName", C.SetAssetStateStoreByName(name="orders", key="w", value={"a": [1]}),
         [empty(204)])
    case("SetAssetStateStoreByUri", C.SetAssetStateStoreByUri(uri="s3://lake/orders", key="w", value=None),
         [empty(204)])
    case("SetAssetStateStoreByUri 500", C.SetAssetStateStoreByUri(uri="s3://x", key="w", value=1),
         [SERVER_ERROR])
    case("DeleteAssetStateStoreByName", C.DeleteAssetStateStoreByName(name="orders", key="w"), [empty(204)])
    case("DeleteAssetStateStoreByUri", C.DeleteAssetStateStoreByUri(uri="s3://lake/orders", key="w"),
         [empty(204)])
    case("ClearAssetStateStoreByName", C.ClearAssetStateStoreByName(name="orders"), [empty(204)])
    case("ClearAssetStateStoreByUri", C.ClearAssetStateStoreByUri(uri="s3://lake/orders"), [empty(204)])
    case("ClearAssetStateStoreByUri 404 is an error", C.ClearAssetStateStoreByUri(uri="s3://none"),
         [not_found("Asset not found")])

    # --- DAG runs, DAGs, task instances -----------------------------------------------------
    case("GetDagRun", C.GetDagRun(dag_id=DAG, run_id=RUN), [ok(dag_run(S))])
    case("GetDagRun minimal", C.GetDagRun(dag_id=DAG, run_id="r 1"),
         [ok(dag_run(S, run_id="r 1", logical_date=None, data_interval_start=None, data_interval_end=None,
                     start_date=None, clear_number=0, conf=None, triggering_user_name=None,
                     consumed_asset_events=[], note=None, state="queued", run_type="scheduled"))])
    case("GetDagRun 404 is an error", C.GetDagRun(dag_id=DAG, run_id="nope"),
         [not_found("Dag run not found")])
    case("GetDagRunState", C.GetDagRunState(dag_id=DAG, run_id=RUN),
         [ok(S.DagRunStateResponse(state="success"))])
    case("GetDagRunState 404 is an error", C.GetDagRunState(dag_id=DAG, run_id="nope"),
         [not_found("Dag run not found")])
    case("GetDRCount dag only", C.GetDRCount(dag_id=DAG), [ok(4)])
    case("GetDRCount filters", C.GetDRCount(dag_id=DAG, logical_dates=[T0, T2], run_ids=["a", "b c"],
                                            states=["success", "failed"]), [ok(0)])
    case("GetDRCount empty lists", C.GetDRCount(dag_id=DAG, logical_dates=[], run_ids=[], states=[]), [ok(1)])
    case("GetPreviousDagRun", C.GetPreviousDagRun(dag_id=DAG, logical_date=T1),
         [ok(dag_run(S, run_id="scheduled__2026-06-29T12:00:00+00:00").model_dump(mode="json"))])
    case("GetPreviousDagRun none with state", C.GetPreviousDagRun(dag_id=DAG, logical_date=T2, state="success"),
         [ok(None)])
    case("GetPrevSuccessfulDagRun", C.GetPrevSuccessfulDagRun(ti_id=OTHER_TI),
         [ok(S.PrevSuccessfulDagRunResponse(data_interval_start="2026-06-29T12:00:00Z", data_interval_end=T0,
                                            start_date=T1, end_date=T2))])
    case("GetPrevSuccessfulDagRun none", C.GetPrevSuccessfulDagRun(ti_id=TI_ID),
         [ok(S.PrevSuccessfulDagRunResponse())])
    case("GetDag", C.GetDag(dag_id="team a/etl.v2"),
         [ok(S.DagResponse(dag_id="team a/etl.v2", is_paused=False, bundle_name="dags-folder",
                           bundle_version=None, relative_fileloc="etl.py", owners="airflow",
                           tags=["etl", "daily"], next_dagrun=T0))])
    case("GetDag 404 is an error", C.GetDag(dag_id="nope"), [not_found("Dag nope not found")])
    previous_ti = S.PreviousTIResponse(task_id=TASK, dag_id=DAG, run_id="scheduled__2026-06-29T12:00:00+00:00",
                                       logical_date="2026-06-29T12:00:00Z", start_date=T1, end_date=T2,
                                       state="success", try_number=2, map_index=-1, duration=12.5)
    case("GetPreviousTI", C.GetPreviousTI(dag_id=DAG, task_id=TASK), [ok(previous_ti.model_dump(mode="json"))])
    case("GetPreviousTI filters", C.GetPreviousTI(dag_id=DAG, task_id="g.t", logical_date=T2, map_index=3,
                                                  state=TaskInstanceState.FAILED), [ok(None)])
    case("GetPreviousTI 500", C.GetPreviousTI(dag_id=DAG, task_id=TASK), [SERVER_ERROR])
    case("GetTaskRescheduleStartDate", C.GetTaskRescheduleStartDate(ti_id=OTHER_TI), [ok(T1)])
    case("GetTaskRescheduleStartDate none", C.GetTaskRescheduleStartDate(ti_id=OTHER_TI, try_number=3),
         [ok(None)])
    case("GetTICount dag only", C.GetTICount(dag_id=DAG), [ok(12)])
    case("GetTICount filters", C.GetTICount(dag_id=DAG, map_index=0, task_ids=["a", "b"], task_group_id="grp",
                                            logical_dates=[T1], run_ids=[RUN], states=["success", "skipped"]),
         [ok(2)])
    case("GetTICount map index -1 not sent", C.GetTICount(dag_id=DAG, map_index=-1, task_ids=[]), [ok(0)])
    case("GetTaskStates", C.GetTaskStates(dag_id=DAG, task_group_id="grp", run_ids=[RUN], map_index=1),
         [ok(S.TaskStatesResponse(task_states={RUN: {"grp.a": "success", "grp.b": None}}))])
    case("GetTaskStates dag only", C.GetTaskStates(dag_id=DAG, logical_dates=[T0, T2], task_ids=["x"]),
         [ok(S.TaskStatesResponse(task_states={}))])
    case("GetTaskBreadcrumbs", C.GetTaskBreadcrumbs(dag_id=DAG, run_id=RUN),
         [ok(S.TaskBreadcrumbsResponse(breadcrumbs=[
             {"task_id": "a", "map_index": -1, "state": "success", "operator": "PythonOperator"},
             {"task_id": "b", "map_index": 0, "state": None}]))])

    # --- task lifecycle ---------------------------------------------------------------------
    state_ok = empty(204)
    case("TaskState failed", C.TaskState(state="failed", end_date=T1, rendered_map_index="eu"))
    case("TaskState skipped", C.TaskState(state="skipped", end_date=T1))
    case("SucceedTask", C.SucceedTask(
        end_date=T1, rendered_map_index="batch 1",
        task_outlets=[AssetProfile(name="orders", uri="s3://lake/orders", type="Asset")],
        outlet_events=[{"dest_asset_key": {"name": "orders", "uri": "s3://lake/orders"}, "extra": {"rows": 3}}]),
        [state_ok])
    case("SucceedTask minimal", C.SucceedTask(end_date=T2), [state_ok])
    case("SucceedTask 500 stays pending", C.SucceedTask(end_date=T1, rendered_map_index="x"), [SERVER_ERROR])
    case("SucceedTask 503 then reported (retried)", C.SucceedTask(end_date=T1),
         [fail(503, "Service Unavailable"), state_ok], attempts=2)
    case("SucceedTask 409 stays pending", C.SucceedTask(end_date=T1),
         [fail(409, {"reason": "invalid_state", "message": "TI was not in a state where it could be marked",
                     "previous_state": "success"})])
    case("RetryTask", C.RetryTask(end_date=T1, rendered_map_index="r", retry_delay_seconds=30.0,
                                  retry_reason="upstream flaky"), [state_ok])
    case("RetryTask minimal", C.RetryTask(end_date=T2), [state_ok])
    case("DeferTask", C.DeferTask(
        classpath="airflow.providers.standard.triggers.temporal.DateTimeTrigger",
        trigger_kwargs={"moment": {"__classname__": "pendulum.datetime.DateTime", "__version__": 2,
                                   "__data__": {"timestamp": 1.5, "tz": "UTC"}}, "end_from_trigger": False},
        trigger_timeout="PT1H30M", next_method="execute_complete", next_kwargs={"event": None},
        rendered_map_index="d", queue="triggers"), [state_ok])
    case("DeferTask minimal", C.DeferTask(classpath="a.b.C", next_method="resume"), [state_ok])
    case("DeferTask 500 stays pending", C.DeferTask(classpath="a.b.C", next_method="resume"), [SERVER_ERROR])
    case("RescheduleTask", C.RescheduleTask(reschedule_date=T2, end_date=T1), [state_ok])
    case("AwaitInputTask", C.AwaitInputTask(next_method="execute_complete", next_kwargs={"a": 1},
                                            timeout="P1DT2.5S", rendered_map_index="h"), [state_ok])
    case("AwaitInputTask minimal", C.AwaitInputTask(next_method="resume"), [state_ok])
    case("SkipDownstreamTasks", C.SkipDownstreamTasks(tasks=["a", ("b", 2)]), [empty(204)])
    case("SkipDownstreamTasks 500", C.SkipDownstreamTasks(tasks=["a"]), [SERVER_ERROR])
    case("SetRenderedFields", C.SetRenderedFields(rendered_fields={"sql": "SELECT 1", "params": {"a": [1, None]}}),
         [ok({"message": "Rendered task instance fields successfully set"}, 201)])
    case("SetRenderedFields 410 ignored", C.SetRenderedFields(rendered_fields={"x": "y"}),
         [fail(410, {"reason": "gone", "message": "Task instance was archived"})])
    case("SetRenderedFields 404 is an error", C.SetRenderedFields(rendered_fields={}),
         [not_found("Task instance not found")])
    case("SetRenderedMapIndex", C.SetRenderedMapIndex(rendered_map_index="region=eu \"1\""),
         [ok({"message": "Rendered map index successfully set"})])
    case("SetRenderedMapIndex 500", C.SetRenderedMapIndex(rendered_map_index="x"), [SERVER_ERROR])

    # --- triggering ---------------------------------------------------------------------------
    created = ok({"message": "Dag Run triggered successfully"}, 201)
    conflict = fail(409, {"reason": "already_exists", "message": "A Dag Run already exists"})
    case("TriggerDagRun minimal", C.TriggerDagRun(dag_id="report", run_id="triggered__1"), [created])
    case("TriggerDagRun everything",
         C.TriggerDagRun(dag_id="team a/report", run_id="r/1 x", logical_date=T2, run_after=T1,
                         conf={"a": [1, {"b": None}]}, reset_dag_run=False, partition_key="p1", note="why"),
         [created])
    case("TriggerDagRun empty conf, reset null",
         C.TriggerDagRun(dag_id="report", run_id="r2", conf={}, reset_dag_run=None), [created])
    case("TriggerDagRun 409", C.TriggerDagRun(dag_id="report", run_id="r3"), [conflict])
    case("TriggerDagRun 409 with reset clears",
         C.TriggerDagRun(dag_id="report", run_id="r4", reset_dag_run=True), [conflict, ok({"message": "cleared"})])
    case("TriggerDagRun 409 with reset, clear fails",
         C.TriggerDagRun(dag_id="report", run_id="r5", reset_dag_run=True), [conflict, SERVER_ERROR])
    case("TriggerDagRun 400", C.TriggerDagRun(dag_id="report", run_id="r6"),
         [fail(400, {"reason": "denied", "message": "Dag report is paused"})])

    # --- HITL -----------------------------------------------------------------------------------
    case("CreateHITLDetailPayload", C.CreateHITLDetailPayload(
        ti_id=TI_ID, options=["approve", "reject"], subject="Ship it?", body="**now**", defaults=["reject"],
        multiple=True, params={"reason": {"value": "", "schema": {"type": "string"}}},
        assigned_users=[HITLUser(id="7", name="alice")]),
        [ok(S.HITLDetailRequest(ti_id=TI_ID, options=["approve", "reject"], subject="Ship it?", body="**now**",
                                defaults=["reject"], multiple=True,
                                params={"reason": {"value": "", "schema": {"type": "string"}}},
                                assigned_users=[S.HITLUser(id="7", name="alice")]), 201)])
    case("CreateHITLDetailPayload minimal", C.CreateHITLDetailPayload(ti_id=TI_ID, options=["ok"], subject="s"),
         [ok(S.HITLDetailRequest(ti_id=TI_ID, options=["ok"], subject="s"), 201)])
    case("CreateHITLDetailPayload 500", C.CreateHITLDetailPayload(ti_id=TI_ID, options=["ok"], subject="s"),
         [SERVER_ERROR])
    case("UpdateHITLDetail is not served to tasks",
         C.UpdateHITLDetail(ti_id=TI_ID, chosen_options=["approve"], params_input={"a": 1}))
    case("GetHITLDetailResponse is not served to tasks", C.GetHITLDetailResponse(ti_id=TI_ID))

    # --- masking ----------------------------------------------------------------------------------
    case("MaskSecret string", C.MaskSecret(value="hunter2-secret"), candidates=["hunter2-secret"])
    case("MaskSecret named, sensitive", C.MaskSecret(value="abcdef-123", name="db_password"),
         candidates=["abcdef-123"])
    case("MaskSecret named, not sensitive", C.MaskSecret(value="abcdef-456", name="region"),
         candidates=["abcdef-456"])
    case("MaskSecret empty name", C.MaskSecret(value="abcdef-789", name=""), candidates=["abcdef-789"])
    case("MaskSecret nested", C.MaskSecret(value={"user": "someone-x", "api_key": "key-12345",
                                                    "nested": {"token": ["tok-aaaaa", "tok-bbbbb"], "n": 12345},
                                                    "list": ["plain-xxxxx"]}),
         candidates=["someone-x", "key-12345", "tok-aaaaa", "tok-bbbbb", "12345", "plain-xxxxx"])
    case("MaskSecret list named", C.MaskSecret(value=["list-aaaaa", 7, None, ["list-bbbbb"]], name="secret"),
         candidates=["list-aaaaa", "list-bbbbb"])
    case("MaskSecret short and skipped", C.MaskSecret(value=["abc", "airflow", "AirFlow"]),
         candidates=["abc", "airflow", "AirFlow"])
    return out


# ---------------------------------------------------------------------------------------------
# Running a case through the SDK
# ---------------------------------------------------------------------------------------------

def server_readers():
    """How the api-server reads each request body: (method, path pattern, TypeAdapter)."""
    import re
    from typing import Annotated, get_args

    from pydantic import Discriminator, TypeAdapter

    from airflow.api_fastapi.execution_api.datamodels import (
        asset_state_store, dagrun, hitl, task_state_store, taskinstance, variable)

    state = TypeAdapter(Annotated[get_args(taskinstance.TIStateUpdate)[0],
                                  Discriminator(taskinstance.ti_state_discriminator)])
    table = [
        ("PATCH", r"/task-instances/[^/]+/state", state),
        ("PATCH", r"/task-instances/[^/]+/skip-downstream",
         TypeAdapter(taskinstance.TISkippedDownstreamTasksStatePayload)),
        ("PUT", r"/variables/.+", TypeAdapter(variable.VariablePostBody)),
        ("POST", r"/dag-runs/.+", TypeAdapter(dagrun.TriggerDAGRunPayload)),
        ("POST", r"/hitlDetails/[^/]+", TypeAdapter(hitl.HITLDetailRequest)),
        ("PUT", r"/store/ti/[^/]+/.+", TypeAdapter(task_state_store.TaskStateStorePutBody)),
        ("PUT", r"/store/asset/by-(name|uri)/value", TypeAdapter(asset_state_store.AssetStateStorePutBody)),
    ]
    return [(method, re.compile(pattern), adapter) for method, pattern, adapter in table]


def server_refuses(readers, sent):
    """The body members the api-server refuses (sorted), or None when it reads the body (or it
    has no body model here)."""
    from pydantic import ValidationError

    if sent["body"] is None or sent["path"].endswith("/clear"):
        return None
    for method, pattern, adapter in readers:
        if method == sent["method"] and pattern.fullmatch(sent["path"]):
            try:
                adapter.validate_json(json.dumps(sent["body"]))
            except ValidationError as exc:
                keys = {next((p for p in e["loc"] if p in sent["body"]), "") for e in exc.errors()}
                return sorted(keys)
            return None
    return None


def run_case(name, request, answers, attempts, candidates, env):
    import httpx
    import msgspec
    import psutil
    import structlog
    from pydantic_core import to_jsonable_python
    from tenacity import stop_after_attempt, wait_none

    from airflow.sdk.api.client import Client
    from airflow.sdk.execution_time import comms
    from airflow.sdk.execution_time.supervisor import ActivitySubprocess

    queue = list(answers)
    exchanges = []

    def transport(req: httpx.Request) -> httpx.Response:
        raw = req.url.raw_path.decode("ascii")
        path, _, query = raw.partition("?")
        if not path.startswith(BASE_PATH + "/"):
            raise Surprise(f"{name}: request outside the API: {raw}")
        content = req.read()
        sent = {
            "method": req.method,
            "path": path[len(BASE_PATH):],
            "query": [list(p) for p in parse_qsl(query, keep_blank_values=True)],
            "body": json.loads(content) if content else None,
            "content_type": req.headers.get("content-type") if content else None,
        }
        if not queue:
            raise Surprise(f"{name}: the SDK made more requests than the case answers: {sent}")
        answer = queue.pop(0)
        if (refused := server_refuses(env.readers, sent)) is not None:
            sent["server_refuses"] = refused
        exchanges.append({"request": sent, "answer": answer})
        return httpx.Response(answer["status"], headers=answer["headers"], content=answer["body"].encode())

    Client.request.retry.stop = stop_after_attempt(attempts)
    Client.request.retry.wait = wait_none()
    client = Client(base_url=BASE, token="tok", transport=httpx.MockTransport(transport))
    ours, childs = socket.socketpair()
    proc = ActivitySubprocess(id=TI_ID, pid=os.getpid(), stdin=ours, process=psutil.Process(),
                              process_log=structlog.get_logger(), client=client)
    env.masker.reset_masker()

    body = request.model_dump()
    loop = proc.handle_requests(structlog.get_logger())
    next(loop)
    loop.send(comms._RequestFrame(id=7, body=body, context_carrier=None))
    loop.close()
    if queue:
        raise Surprise(f"{name}: {len(queue)} answers left unused")

    childs.settimeout(5)
    length = struct.unpack(">I", recv_exact(childs, 4))[0]
    frame = msgspec.msgpack.decode(recv_exact(childs, length))
    ours.close()
    childs.close()
    frame_id, reply_body, error = (list(frame) + [None, None])[:3]
    if frame_id != 7:
        raise Surprise(f"{name}: reply to frame {frame_id}")
    # The frame carries date-times as msgpack timestamps: written here as pydantic writes them.
    reply = {"body": to_jsonable_python(reply_body), "error": to_jsonable_python(error), "body_read": None}
    if reply_body is not None:
        reply["body_read"] = env.to_task.validate_python(reply_body).model_dump(mode="json", by_alias=True)

    record = {
        "name": name,
        "attempts": attempts,
        "request": request.model_dump(mode="json"),
        "exchanges": exchanges,
        "reply": reply,
    }
    if request.type in STATEFUL:
        pending = proc._pending_terminal_state_msg
        terminal = proc._terminal_state
        record["state"] = {
            "terminal": None if terminal is None else str(getattr(terminal, "value", terminal)),
            "rendered_map_index": proc._rendered_map_index,
            "pending": None if pending is None else type(pending).__name__,
        }
    if candidates:
        replacer = env.masker.replacer
        record["masked"] = [[c, replacer.sub("***", c) if replacer else c] for c in candidates]
    return record


STATEFUL = {"TaskState", "SucceedTask", "RetryTask", "DeferTask", "RescheduleTask", "AwaitInputTask"}


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise Surprise("the supervisor wrote no reply frame")
        data += chunk
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write (default: %(default)s)")
    args = parser.parse_args()
    check_pins("serve_facts.py")
    setup_environment()

    import logging

    import structlog
    from pydantic import TypeAdapter

    from airflow.sdk._shared.secrets_masker import _secrets_masker
    from airflow.sdk.execution_time import comms

    logging.disable(logging.CRITICAL)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))

    masker = _secrets_masker()
    if masker.min_length_to_mask != 5 or not masker.hide_sensitive_var_conn_fields:
        raise Surprise("the SDK's masker does not have its default settings")

    env = type("Env", (), {"masker": masker, "to_task": TypeAdapter(comms.ToTask),
                           "readers": server_readers()})
    S = server_models()
    records = []
    names = set()
    for name, request, answers, attempts, candidates in cases(S, comms):
        if name in names:
            raise Surprise(f"two cases are named {name!r}")
        names.add(name)
        records.append(run_case(name, request, answers, attempts, candidates, env))

    covered = {r["request"]["type"] for r in records}
    union = set()
    from typing import get_args
    for member in get_args(get_args(comms.ToSupervisor)[0]):
        union.add(member.model_fields["type"].default)
    # ResendLoggingFD is answered with a descriptor by the supervisor's loop, not by the handler.
    missing = union - covered - {"ResendLoggingFD"}
    if missing:
        raise Surprise(f"no case for {sorted(missing)}")

    text = ("{\n\"about\": \"Generated by tools/supervisor/serve_facts.py from the pinned Airflow; do not "
            "edit.\",\n\"cases\": [\n"
            + ",\n".join(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in records) + "\n]\n}\n")
    if args.check:
        if not args.out.exists() or args.out.read_text(encoding="utf-8") != text:
            print(f"serve_facts.py: {args.out} is out of date", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"serve_facts.py: {len(records)} cases over {len(covered)} request types", file=sys.stderr)
    return 0


if __name__ == "__main__":
    exit_on_surprise("serve_facts.py", main)
