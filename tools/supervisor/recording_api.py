"""A recording Execution API for the supervisor differential harness.

A real HTTP server on 127.0.0.1 (uvicorn running a small FastAPI app in a background thread) that
answers the Execution API routes a task supervisor uses, the way the Airflow 3.3 api-server's
routes answer them (`airflow/api_fastapi/execution_api/routes/`), under the `/execution` prefix
that `[core] execution_api_server_url` (`http://host:port/execution/`) points at.

- Request bodies are validated by FastAPI with the **server's own pydantic models**
  (`airflow/api_fastapi/execution_api/datamodels/`, apache-airflow-core), declared as the route
  parameters exactly as the server declares them, so an invalid body gets the same 422
  `{"detail": [...]}` the real server sends.
- Every call is recorded: method, path (relative to `/execution/`), query, the headers of
  interest, the JSON body (or, for big bodies, the length and a digest of the canonical JSON),
  arrival and completion times (time.monotonic(), comparable across processes) and the response
  status. `RecordingServer.dump(path)` writes them as JSON.
- Scriptable per scenario by a JSON-able state dict (see `ApiState`): the task instance and its
  `TIRunContext` (`max_tries`, `should_retry`), variables, connections, XComs, connection tests,
  tokens, and faults: heartbeat 409 after N heartbeats, 5xx storms for K matching calls, slow
  request-body reads at a given byte rate, a refreshed token in `Refreshed-API-Token` on a given
  response.

Usable on its own, to debug a supervisor by hand:

    .venv/bin/python tools/supervisor/recording_api.py --state state.json --record calls.json [--port N]

serves until interrupted, then writes the calls.
"""

# No `from __future__ import annotations`: FastAPI reads the route signatures, whose types are
# local names of build_app().
import argparse
import asyncio
import copy
import hashlib
import json
import re
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

# Bodies up to this size are kept whole in the record; larger ones as length + digest + prefix.
BODY_KEEP_LIMIT = 256 * 1024
# Headers worth recording (lower case).
HEADERS_OF_INTEREST = ("airflow-api-version", "authorization", "content-type", "correlation-id", "user-agent")

DEFAULT_LOGICAL_DATE = "2026-06-16T12:00:00Z"


def canonical_digest(value: Any) -> str:
    """sha256 of a JSON value in a canonical spelling (sorted keys, ASCII), so two clients that
    spell the same value differently (key order, escapes, whitespace) get the same digest."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"), allow_nan=True)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def default_state() -> dict[str, Any]:
    """The state a scenario starts from; scenarios override parts of it."""
    return {
        "ti": {
            "id": "01970000-0000-7000-8000-000000000001",
            "dag_id": "differential",
            "run_id": "manual__2026-06-16T12:00:00+00:00",
            "task_id": "task",
            "try_number": 1,
            "map_index": -1,
        },
        "max_tries": 0,
        # None: the server's rule (`_is_eligible_to_retry` for a queued TI):
        # max_tries != 0 and try_number <= max_tries.
        "should_retry": None,
        "task_reschedule_count": 0,
        # The TI's state on the server when the run starts: PATCH .../run needs queued or restarting.
        "ti_state": "queued",
        "dag_run": {},  # overrides of the DagRun in the TIRunContext
        "next_method": None,
        "next_kwargs": None,
        "variables": {},
        "connections": {},
        # [{"dag_id","run_id","task_id","key","map_index","value"}]
        "xcoms": [],
        # {connection_test_id: connection dict}
        "connection_tests": {},
        "workload_token": "workload-token",
        # The server swaps a workload token for an execution token on PATCH .../run
        # (Refreshed-API-Token); None: no swap.
        "execution_token": "execution-token",
        "faults": {
            # Heartbeats after the first N are answered 409 (reason not_running). None: never.
            "heartbeat_conflict_after": None,
            # 409 to the first heartbeat that arrives after the task's PUT rtif (it started running).
            "heartbeat_conflict_after_rtif": False,
            # [{"method": "GET"|None, "path_regex": "...", "status": 500, "count": K, "skip": 0}]
            "error_storms": [],
            # {"method": "POST", "path_regex": "^xcoms/", "bytes_per_second": R}
            "slow_body": None,
            # [{"method": ..., "path_regex": ..., "nth": 1, "token": "..."}]
            "refresh_token": [],
        },
    }


def merge_state(base: dict, overrides: dict) -> dict:
    """`base` with `overrides` merged in, dicts recursively, anything else replaced."""
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and value:
            out[key] = merge_state(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _matches(rule: dict, method: str, path: str) -> bool:
    if rule.get("method") and rule["method"].upper() != method:
        return False
    return re.search(rule.get("path_regex", ""), path) is not None


class ApiState:
    """The scenario's server-side state and the record of calls; shared by the event loop and the
    route threads, so every access holds `lock`."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.state = merge_state(default_state(), state)
        self.lock = threading.Lock()
        self.calls: list[dict[str, Any]] = []
        self.heartbeats = 0
        self.rtif_seen = False
        # The server's view of the TI: state and who runs it (hostname, unixname, pid).
        self.ti_state: str = self.state["ti_state"]
        self.ti_runner: tuple | None = None
        self.state_history: list[str] = [self.ti_state]
        self.xcoms: dict[tuple[str, str, str, str, int], Any] = {}
        for x in self.state["xcoms"]:
            key = (x["dag_id"], x["run_id"], x["task_id"], x["key"], x.get("map_index", -1))
            self.xcoms[key] = x["value"]
        self.xcom_writes: list[dict[str, Any]] = []
        self.variables: dict[str, str] = dict(self.state["variables"])
        self.storm_seen: list[int] = [0] * len(self.state["faults"]["error_storms"])
        self.refresh_seen: list[int] = [0] * len(self.state["faults"]["refresh_token"])
        self.valid_tokens = {self.state["workload_token"]}
        if self.state["execution_token"]:
            self.valid_tokens.add(self.state["execution_token"])
        for rule in self.state["faults"]["refresh_token"]:
            self.valid_tokens.add(rule["token"])

    # -- recording ----------------------------------------------------------------------------

    def begin(self, method: str, path: str, query: list[tuple[str, str]], headers: dict[str, str]) -> dict:
        call = {
            "seq": 0,
            "method": method,
            "path": path,
            "query": query,
            "headers": {k: headers[k] for k in HEADERS_OF_INTEREST if k in headers},
            "body": None,
            "body_bytes": 0,
            "body_digest": None,
            "t_arrival": time.monotonic(),
            "wall_arrival": time.time(),
            "t_body_done": None,
            "t_response": None,
            "status": None,
            "response_headers": {},
            "problems": [],
            "fault": None,
        }
        with self.lock:
            call["seq"] = len(self.calls)
            self.calls.append(call)
        return call

    def snapshot(self) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self.calls)

    def set_ti_state(self, state: str) -> None:
        """Under `lock`."""
        self.ti_state = state
        self.state_history.append(state)

    # -- faults --------------------------------------------------------------------------------

    def storm_for(self, method: str, path: str) -> dict | None:
        with self.lock:
            for i, rule in enumerate(self.state["faults"]["error_storms"]):
                if _matches(rule, method, path):
                    self.storm_seen[i] += 1
                    n = self.storm_seen[i]
                    skip = rule.get("skip", 0)
                    if skip < n <= skip + rule.get("count", 1):
                        return rule
        return None

    def refresh_for(self, method: str, path: str) -> str | None:
        with self.lock:
            for i, rule in enumerate(self.state["faults"]["refresh_token"]):
                if _matches(rule, method, path):
                    self.refresh_seen[i] += 1
                    if self.refresh_seen[i] == rule.get("nth", 1):
                        return rule["token"]
        return None

    def slow_body_rate(self, method: str, path: str) -> float | None:
        rule = self.state["faults"]["slow_body"]
        if rule and _matches(rule, method, path):
            return float(rule["bytes_per_second"])
        return None

    # -- the TIRunContext --------------------------------------------------------------------

    def should_retry(self) -> bool:
        if self.state["should_retry"] is not None:
            return bool(self.state["should_retry"])
        max_tries = self.state["max_tries"]
        return max_tries != 0 and self.state["ti"]["try_number"] <= max_tries


def build_app(api: ApiState):
    """The FastAPI app: the routes under /execution, wrapped in the recording middleware."""
    from typing import Annotated

    from fastapi import Body, FastAPI, Path, Query, Request, Response
    from fastapi.responses import JSONResponse
    from pydantic import JsonValue

    from airflow.api_fastapi.execution_api.datamodels import connection as m_conn
    from airflow.api_fastapi.execution_api.datamodels import connection_test as m_ct
    from airflow.api_fastapi.execution_api.datamodels import taskinstance as m_ti
    from airflow.api_fastapi.execution_api.datamodels import variable as m_var
    from airflow.api_fastapi.execution_api.datamodels import xcom as m_xcom

    app = FastAPI()
    st = api.state
    ti_id = st["ti"]["id"]

    def not_found(message: str, status: int = 404) -> JSONResponse:
        return JSONResponse({"detail": {"reason": "not_found", "message": message}}, status_code=status)

    def problem(request: Request, text: str) -> None:
        call = request.scope.get("recording_call")
        if call is not None:
            call["problems"].append(text)

    def check_ti(request: Request, task_instance_id: uuid.UUID) -> JSONResponse | None:
        if str(task_instance_id) != ti_id:
            problem(request, f"unknown task instance {task_instance_id}")
            return not_found("Task Instance not found")
        return None

    def json_model(model, status: int = 200, headers: dict | None = None, **dump) -> Response:
        return Response(
            model.model_dump_json(**dump), status_code=status, media_type="application/json", headers=headers
        )

    # ---- task instances ---------------------------------------------------------------------

    @app.patch("/execution/task-instances/{task_instance_id}/run")
    def ti_run(
        request: Request,
        task_instance_id: uuid.UUID,
        ti_run_payload: Annotated[m_ti.TIEnterRunningPayload, Body()],
    ):
        if (err := check_ti(request, task_instance_id)) is not None:
            return err
        runner = (ti_run_payload.hostname, ti_run_payload.unixname, ti_run_payload.pid)
        with api.lock:
            previous = api.ti_state
            if previous == "running" and api.ti_runner == runner:
                pass  # a duplicate start from the same client: answered as the first one
            elif previous not in ("queued", "restarting"):
                return JSONResponse({"detail": {
                    "reason": "invalid_state",
                    "message": "TI was not in a state where it could be marked as running",
                    "previous_state": previous,
                }}, status_code=409)
            api.set_ti_state("running")
            api.ti_runner = runner
        ti = st["ti"]
        logical = st["dag_run"].get("logical_date", DEFAULT_LOGICAL_DATE)
        logical_dt = datetime.fromisoformat(logical.replace("Z", "+00:00"))
        dag_run = {
            "dag_id": ti["dag_id"],
            "run_id": ti["run_id"],
            "logical_date": logical,
            "data_interval_start": (logical_dt - timedelta(days=1)).isoformat(),
            "data_interval_end": logical,
            "run_after": logical,
            "start_date": logical,
            "end_date": None,
            "clear_number": 0,
            "run_type": "manual",
            "state": "running",
            "conf": {},
            "triggering_user_name": "differential",
            "consumed_asset_events": [],
            "partition_key": None,
            **{k: v for k, v in st["dag_run"].items()},
        }
        ctx = m_ti.TIRunContext(
            dag_run=m_ti.DagRun.model_validate(dag_run),
            task_reschedule_count=st["task_reschedule_count"],
            max_tries=st["max_tries"],
            variables=[],
            connections=[],
            xcom_keys_to_clear=[],
            should_retry=api.should_retry(),
        )
        if st["next_method"]:
            ctx.next_method = st["next_method"]
            ctx.next_kwargs = st["next_kwargs"]
        headers = {}
        token = (request.headers.get("authorization") or "").removeprefix("Bearer ")
        # The server swaps a workload-scoped token for an execution-scoped one here.
        if st["execution_token"] and token == st["workload_token"]:
            headers["Refreshed-API-Token"] = st["execution_token"]
        # response_model_exclude_unset=True on the server's route.
        return json_model(ctx, headers=headers, exclude_unset=True)

    @app.patch("/execution/task-instances/{task_instance_id}/state", status_code=204)
    def ti_update_state(
        request: Request,
        task_instance_id: uuid.UUID,
        ti_patch_payload: Annotated[m_ti.TIStateUpdate, Body()],
    ):
        if (err := check_ti(request, task_instance_id)) is not None:
            return err
        new_state = ti_patch_payload.state.value if hasattr(ti_patch_payload.state, "value") else str(
            ti_patch_payload.state)
        with api.lock:
            previous = api.ti_state
            if new_state == previous:
                # The server's idempotency check: the state is already set.
                return Response(status_code=200)
            if previous != "running":
                return JSONResponse({"detail": {
                    "reason": "invalid_state",
                    "message": "TI was not in the running state so it cannot be updated",
                    "previous_state": previous,
                }}, status_code=409)
            api.set_ti_state(new_state)
        return Response(status_code=204)

    @app.put("/execution/task-instances/{task_instance_id}/heartbeat", status_code=204)
    def ti_heartbeat(request: Request, task_instance_id: uuid.UUID, ti_payload: m_ti.TIHeartbeatInfo):
        if (err := check_ti(request, task_instance_id)) is not None:
            return err
        with api.lock:
            api.heartbeats += 1
            n = api.heartbeats
            after = st["faults"]["heartbeat_conflict_after"]
            after_rtif = st["faults"]["heartbeat_conflict_after_rtif"] and api.rtif_seen
            if ((after is not None and n > after) or after_rtif) and api.ti_state == "running":
                # Someone (a user, the scheduler) failed the TI on the server meanwhile.
                request.scope["recording_call"]["fault"] = "heartbeat_conflict"
                api.set_ti_state("failed")
            state_now, runner = api.ti_state, api.ti_runner
        if runner is not None and (runner[0], runner[2]) != (ti_payload.hostname, ti_payload.pid):
            return JSONResponse({"detail": {
                "reason": "running_elsewhere",
                "message": "TI is already running elsewhere",
                "current_hostname": runner[0],
                "current_pid": runner[2],
            }}, status_code=409)
        if state_now != "running":
            return JSONResponse(
                {
                    "detail": {
                        "reason": "not_running",
                        "message": "TI is no longer in the running state and task should terminate",
                        "current_state": state_now,
                    }
                },
                status_code=409,
            )
        return Response(status_code=204)

    @app.put("/execution/task-instances/{task_instance_id}/rtif", status_code=201)
    def ti_put_rtif(
        request: Request,
        task_instance_id: uuid.UUID,
        put_rtif_payload: Annotated[dict[str, JsonValue], Body()],
    ):
        if (err := check_ti(request, task_instance_id)) is not None:
            return err
        with api.lock:
            api.rtif_seen = True
        return {"message": "Rendered task instance fields successfully set"}

    @app.patch("/execution/task-instances/{task_instance_id}/rendered-map-index", status_code=204)
    def ti_patch_rendered_map_index(
        request: Request, task_instance_id: uuid.UUID, rendered_map_index: Annotated[str, Body()]
    ):
        if (err := check_ti(request, task_instance_id)) is not None:
            return err
        if not rendered_map_index:
            return JSONResponse({"detail": "rendered_map_index cannot be empty"}, status_code=422)
        return Response(status_code=204)

    @app.patch("/execution/task-instances/{task_instance_id}/skip-downstream", status_code=204)
    def ti_skip_downstream(
        request: Request,
        task_instance_id: uuid.UUID,
        ti_patch_payload: m_ti.TISkippedDownstreamTasksStatePayload,
    ):
        if (err := check_ti(request, task_instance_id)) is not None:
            return err
        return Response(status_code=204)

    @app.get("/execution/task-instances/{task_instance_id}/previous-successful-dagrun")
    def ti_previous_successful_dagrun(request: Request, task_instance_id: uuid.UUID):
        return json_model(m_ti.PrevSuccessfulDagRunResponse())

    @app.get("/execution/task-reschedules/{task_instance_id}/start_date")
    def task_reschedule_start_date(request: Request, task_instance_id: uuid.UUID):
        # No reschedule recorded for this TI.
        return JSONResponse(None)

    # ---- variables ---------------------------------------------------------------------------

    @app.get("/execution/variables/keys")
    def variable_keys(
        prefix: Annotated[str | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
        offset: Annotated[int, Query(ge=0)] = 0,
    ):
        with api.lock:
            keys = sorted(k for k in api.variables if prefix is None or k.startswith(prefix))
        return json_model(m_var.VariableKeysResponse(keys=keys[offset : offset + limit], total_entries=len(keys)))

    @app.get("/execution/variables/{variable_key:path}")
    def get_variable(variable_key: Annotated[str, Path(min_length=1)]):
        with api.lock:
            present = variable_key in api.variables
            value = api.variables.get(variable_key)
        if not present:
            return not_found(f"Variable with key '{variable_key}' not found")
        return json_model(m_var.VariableResponse(key=variable_key, value=value), by_alias=True)

    @app.put("/execution/variables/{variable_key:path}", status_code=201)
    def put_variable(variable_key: Annotated[str, Path(min_length=1)], body: m_var.VariablePostBody):
        with api.lock:
            api.variables[variable_key] = body.value
        return {"message": "Variable successfully set"}

    @app.delete("/execution/variables/{variable_key:path}", status_code=204)
    def delete_variable(variable_key: Annotated[str, Path(min_length=1)]):
        with api.lock:
            api.variables.pop(variable_key, None)
        return Response(status_code=204)

    # ---- connections -------------------------------------------------------------------------

    @app.get("/execution/connections/{connection_id}")
    def get_connection(connection_id: str):
        conn = st["connections"].get(connection_id)
        if conn is None:
            return not_found(f"Connection with ID {connection_id} not found")
        return json_model(m_conn.ConnectionResponse.model_validate(conn), by_alias=True)

    # ---- connection tests --------------------------------------------------------------------

    @app.get("/execution/connection-tests/{connection_test_id}/connection")
    def connection_test_connection(connection_test_id: uuid.UUID):
        conn = st["connection_tests"].get(str(connection_test_id))
        if conn is None:
            return not_found(f"Connection test {connection_test_id} not found")
        return json_model(m_ct.ConnectionTestConnectionResponse.model_validate(conn), by_alias=True)

    @app.patch("/execution/connection-tests/{connection_test_id}", status_code=204)
    def connection_test_patch(connection_test_id: uuid.UUID, body: m_ct.ConnectionTestResultBody):
        if str(connection_test_id) not in st["connection_tests"]:
            return not_found(f"Connection test {connection_test_id} not found")
        return Response(status_code=204)

    # ---- XComs -------------------------------------------------------------------------------

    def xcom_message(key, task_id, run_id, dag_id, map_index=None, offset=None) -> str:
        where = f"map_index={map_index}" if offset is None else f"offset={offset}"
        return f"XCom with key={key!r} {where} not found for task {task_id!r} in DAG run {run_id!r} of {dag_id!r}"

    @app.head("/execution/xcoms/{dag_id}/{run_id}/{task_id}/{key:path}")
    def head_xcom(dag_id: str, run_id: str, task_id: str, key: str, map_index: Annotated[int | None, Query()] = None):
        if map_index is not None:
            return JSONResponse(
                {"detail": {"reason": "invalid_request", "message": "Cannot specify map_index in a HEAD request"}},
                status_code=400,
            )
        with api.lock:
            n = sum(1 for k in api.xcoms if k[:4] == (dag_id, run_id, task_id, key) and k[4] >= 0)
        return Response(status_code=200, headers={"Content-Range": f"map_indexes {n}"})

    @app.get("/execution/xcoms/{dag_id}/{run_id}/{task_id}/{key:path}/item/{offset}")
    def xcom_item(dag_id: str, run_id: str, task_id: str, key: str, offset: int):
        with api.lock:
            items = sorted((k[4], v) for k, v in api.xcoms.items() if k[:4] == (dag_id, run_id, task_id, key))
        try:
            value = items[offset][1]
        except IndexError:
            return not_found(xcom_message(key, task_id, run_id, dag_id, offset=offset))
        return json_model(m_xcom.XComSequenceIndexResponse(value))

    @app.get("/execution/xcoms/{dag_id}/{run_id}/{task_id}/{key:path}")
    def get_xcom(
        dag_id: str,
        run_id: str,
        task_id: str,
        key: Annotated[str, Path(min_length=1)],
        map_index: int = -1,
        include_prior_dates: bool = False,
        offset: int | None = None,
    ):
        with api.lock:
            found = (dag_id, run_id, task_id, key, map_index) in api.xcoms
            value = api.xcoms.get((dag_id, run_id, task_id, key, map_index))
        if not found:
            return not_found(xcom_message(key, task_id, run_id, dag_id, map_index=map_index))
        return json_model(m_xcom.XComResponse(key=key, value=value))

    @app.post("/execution/xcoms/{dag_id}/{run_id}/{task_id}/{key:path}", status_code=201)
    def set_xcom(
        request: Request,
        dag_id: str,
        run_id: str,
        task_id: str,
        key: Annotated[str, Path(min_length=1)],
        value: Annotated[JsonValue, Body()] = None,
        map_index: Annotated[int, Query()] = -1,
        dag_result: Annotated[bool, Query()] = False,
        mapped_length: Annotated[int | None, Query()] = None,
    ):
        with api.lock:
            api.xcoms[(dag_id, run_id, task_id, key, map_index)] = value
            api.xcom_writes.append({"dag_id": dag_id, "run_id": run_id, "task_id": task_id, "key": key,
                                    "map_index": map_index})
        return {"message": "XCom successfully set"}

    @app.delete("/execution/xcoms/{dag_id}/{run_id}/{task_id}/{key:path}")
    def delete_xcom(dag_id: str, run_id: str, task_id: str, key: str, map_index: Annotated[int, Query()] = -1):
        with api.lock:
            api.xcoms.pop((dag_id, run_id, task_id, key, map_index), None)
        return {"message": f"XCom with key: {key} successfully deleted."}

    # ---- health ------------------------------------------------------------------------------

    @app.get("/execution/health")
    def health():
        return {"status": "healthy"}

    @app.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"])
    def unknown(request: Request, rest: str):
        problem(request, "no such route in the recording API (unexpected call)")
        return JSONResponse({"detail": "Not Found"}, status_code=404)

    return RecordingMiddleware(app, api)


class RecordingMiddleware:
    """Pure ASGI middleware: records each call, reads request bodies (throttled where a slow-body
    fault applies), answers 5xx storms, and adds refreshed tokens."""

    def __init__(self, app, api: ApiState) -> None:
        self.app = app
        self.api = api

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        api = self.api
        method = scope["method"]
        raw_path = scope["path"]
        path = raw_path[len("/execution/"):] if raw_path.startswith("/execution/") else raw_path
        from urllib.parse import parse_qsl

        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        headers = {}
        for k, v in scope["headers"]:
            headers[k.decode("latin-1").lower()] = v.decode("latin-1")
        call = api.begin(method, path, query, headers)
        if not raw_path.startswith("/execution/"):
            call["problems"].append("path outside /execution/")
        token = headers.get("authorization", "")
        if path != "health":
            if not token.startswith("Bearer ") or token[len("Bearer "):] not in api.valid_tokens:
                call["problems"].append("no valid bearer token")

        rate = api.slow_body_rate(method, path)
        chunks: list[bytes] = []
        done = False

        async def read_all() -> bytes:
            nonlocal done
            while not done:
                msg = await receive()
                if msg["type"] == "http.disconnect":
                    call["problems"].append("client disconnected during the body")
                    break
                body = msg.get("body", b"")
                if body:
                    chunks.append(body)
                    if rate:
                        await asyncio.sleep(len(body) / rate)
                if not msg.get("more_body", False):
                    done = True
            call["t_body_done"] = time.monotonic()
            return b"".join(chunks)

        body = await read_all()
        call["body_bytes"] = len(body)
        big = len(body) > BODY_KEEP_LIMIT
        if body and not big:
            try:
                call["body"] = json.loads(body)
            except ValueError:
                call["body"] = {"$unparsable": body[:200].decode("latin-1")}
        elif big:
            # Digested after the response has gone out (below): a slow answer would make the
            # client time out ([workers] execution_api_timeout) and retry.
            call["body"] = {"$big_body": True, "bytes": len(body), "digest": "pending"}

        refreshed = api.refresh_for(method, path)

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                call["status"] = message["status"]
                hdrs = list(message.get("headers", []))
                if refreshed:
                    hdrs.append((b"refreshed-api-token", refreshed.encode()))
                    call["fault"] = "refresh_token"
                message = {**message, "headers": hdrs}
                call["response_headers"] = {
                    k.decode("latin-1").lower(): v.decode("latin-1")
                    for k, v in hdrs
                    if k.lower() in (b"refreshed-api-token", b"content-type", b"content-range")
                }
                call["t_response"] = time.monotonic()
            await send(message)

        storm = api.storm_for(method, path)
        if storm is not None:
            call["fault"] = f"storm {storm.get('status', 500)}"
            # The api-server's catch-all handler's answer (execution_api/app.py).
            content = {"message": "Internal server error"}
            if cid := headers.get("correlation-id"):
                content["correlation-id"] = cid
            payload = json.dumps(content).encode()
            await send_wrapper({
                "type": "http.response.start",
                "status": storm.get("status", 500),
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
            })
            await send({"type": "http.response.body", "body": payload})
            return

        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        scope = dict(scope)
        scope["recording_call"] = call
        await self.app(scope, replay, send_wrapper)
        if call["status"] == 422:
            call["problems"].append("the server's models refused the request (422)")
        if big:
            call["body"] = await asyncio.to_thread(big_body_record, body)
            call["body_digest"] = call["body"].get("digest")


def big_body_record(body: bytes) -> dict:
    """What the record keeps of a big body: its length, its JSON type and a digest of its
    canonical JSON."""
    try:
        value = json.loads(body)
    except ValueError:
        return {"$big_body": True, "bytes": len(body), "digest": "sha256-raw:" + hashlib.sha256(body).hexdigest(),
                "type": "unparsable"}
    return {"$big_body": True, "bytes": len(body), "digest": canonical_digest(value), "type": type(value).__name__}


class RecordingServer:
    """uvicorn serving `build_app(ApiState(state))` on 127.0.0.1 in a background thread."""

    def __init__(self, state: dict[str, Any], port: int = 0) -> None:
        self.api = ApiState(state)
        self.port = port
        self._server = None
        self._thread: threading.Thread | None = None
        self.t_started: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/execution/"

    def start(self) -> "RecordingServer":
        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            build_app(self.api),
            log_level="warning",
            access_log=False,
            # Never close an idle keep-alive connection during a run: a close racing the client's
            # next request would make the client retry, a difference that is not the supervisor's.
            timeout_keep_alive=3600,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True,
                                        name=f"recording-api-{self.port}")
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the recording API did not start")
            time.sleep(0.01)
        self.t_started = time.monotonic()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            if self._thread is not None:
                self._thread.join(timeout=30)
            self._server = None

    def __enter__(self) -> "RecordingServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def calls(self) -> list[dict[str, Any]]:
        return self.api.snapshot()

    def dump(self, path) -> None:
        doc = {"url": self.url, "state": self.api.state, "calls": self.calls,
               "xcom_writes": self.api.xcom_writes, "ti_state_history": self.api.state_history}
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False, default=str)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a recording Execution API until interrupted.")
    parser.add_argument("--state", help="JSON file with the scenario state (default: the default state)")
    parser.add_argument("--record", required=True, help="write the recorded calls here on exit")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    state = {}
    if args.state:
        with open(args.state, encoding="utf-8") as f:
            state = json.load(f)
    server = RecordingServer(state, port=args.port).start()
    print(f"serving {server.url} (AIRFLOW__CORE__EXECUTION_API_SERVER_URL); Ctrl-C to stop", flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        server.dump(args.record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
