#!/usr/bin/env python3
"""Generate the msgpack frame corpus for airflow-comms from the real Airflow SDK.

The JSON corpus (``generate_corpus.py``) pins down which bodies each channel accepts. This script
pins down the bytes: for every accepted canonical/defaults case of that corpus it builds the frame
exactly as the Python sender does (``model_dump`` in python mode, the SDK's own msgspec encoder
and length prefix), then reads it back through the SDK's own reader (the supervisor's
``length_prefixed_frame_reader`` or the child's ``CommsDecoder``) and records what came out.
The Rust tests can then prove byte-identical framing, and identical decoding, without Python.

It also writes hand-built irregular frames (short arrays, wrong types, every timestamp size, ...)
judged by the same SDK readers, so the Rust decoder can be held to Python's accept/reject line.

Usage::

    python tools/conformance/generate_frames.py [--out tests/corpus/frames]

Deterministic: inputs come from the committed JSON corpus and fixed tables, ids are line numbers,
no clocks or RNG. The only unordered containers on the wire are ``set[int]`` fields, whose
iteration order does not depend on PYTHONHASHSEED. CI regenerates and diffs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import io
import json
import pathlib
import re
import struct
import sys
import uuid
import zlib
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from common import (  # noqa: E402  (tools/common.py)
    CHANNEL_NAMES, CHANNELS, REPO, REQUEST_CHANNELS, QuietLog, Surprise, check_pins, corpus_cases, dumps_line,
    exit_on_surprise, load_union,
)

# Frames depend on msgspec's encoder as much as on Airflow's models, so msgspec is pinned too.
EXTRA_PINS = {"msgspec": "0.22.0"}

# Reply types that a supervisor sends with dump options other than a plain model_dump() (the
# "dump options" column of the reference's section 3, and the DAG processor's _handle_request,
# which shares request_handlers.py).  The same reply type is dumped the same way on every channel
# it appears on.
SUPERVISOR_DUMP_OPTS: dict[str, dict[str, bool]] = {
    "AssetResult": {"exclude_unset": True},
    "AssetEventsResult": {"exclude_unset": True},
    "HITLDetailRequestResult": {"exclude_unset": True},
    "InactiveAssetsResult": {"exclude_unset": True},
    "PrevSuccessfulDagRunResult": {"exclude_unset": True},
    "VariableResult": {"exclude_unset": True},
    "VariableKeysResult": {"exclude_unset": True},
    "XComResult": {"exclude_unset": True},
    "ConnectionResult": {"exclude_unset": True, "by_alias": True},
}
# exclude_unset only means something together with how the supervisor builds the reply: almost
# every *Result is made by a from_*() classmethod as cls(**api_model.model_dump(
# exclude_defaults=True), type=...), so every field equal to its default is unset, at every
# level.  VariableKeysResult is the exception: it is built with every field passed explicitly.
BUILT_WITH_ALL_FIELDS_SET = {"VariableKeysResult"}

# Every 16th line of a request channel (from the 4th) carries a trace context, like a task
# runner with an active span; the others carry nil, like a runner without one.
CARRIER_EVERY, CARRIER_FIRST = 16, 3
TRACESTATES = ["rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"]


def with_prefix(payload: bytes) -> bytes:
    """The 4-byte big-endian length prefix, for hand-built payloads (real frames use as_bytes())."""
    return len(payload).to_bytes(4, "big") + payload


class Sdk:
    """SDK objects, imported only after the version check."""

    def __init__(self) -> None:
        import msgspec
        from pydantic import TypeAdapter, ValidationError

        from airflow.sdk.exceptions import AirflowRuntimeError
        from airflow.sdk.execution_time import comms, supervisor

        self.msgspec = msgspec
        self.ValidationError = ValidationError
        self.AirflowRuntimeError = AirflowRuntimeError
        self.comms = comms
        self.supervisor = supervisor
        self.RequestFrame = comms._RequestFrame
        self.ResponseFrame = comms._ResponseFrame
        self.adapters = {ch.name: TypeAdapter(load_union(ch.name)) for ch in CHANNELS}


SDK: Sdk


# ---------------------------------------------------------------------------------------------
# Reading frames back through the SDK's own readers
# ---------------------------------------------------------------------------------------------

class FakeSocket:
    """Just enough of a socket for the SDK readers: they only recv, recv_into and setblocking."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def __bool__(self) -> bool:
        return True

    def setblocking(self, flag: bool) -> None:
        pass

    def recv(self, n: int) -> bytes:
        return self._data.read(n)

    def recv_into(self, buf) -> int:
        return self._data.readinto(buf)


def short_error(exc: BaseException) -> str:
    if isinstance(exc, SDK.ValidationError):
        err = exc.errors(include_url=False)[0]
        loc = ".".join(str(p) for p in err["loc"])
        return f"{err['type']} at {loc}: {err['msg']}" if loc else f"{err['type']}: {err['msg']}"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"


def supervisor_read(frame: bytes, channel: str) -> tuple[Any, Any, str | None]:
    """Read one request frame the way a supervisor does.

    Returns (decoded _RequestFrame or None, validated message or None, error).  The error is
    prefixed "frame:" when msgspec refused the frame (in Python that kills the supervisor's
    selector callback) and "body:" when the frame decoded but the body did not validate (the
    supervisor logs "Unable to decode message" and sends no reply).
    """
    received: list = []

    def sink():
        while True:
            received.append((yield))

    cb, _ = SDK.supervisor.length_prefixed_frame_reader(sink(), on_close=lambda sock: None)
    sock = FakeSocket(frame)
    try:
        while cb(sock):
            pass
    except Exception as exc:  # noqa: BLE001 - any exception here is Python's verdict
        return None, None, "frame: " + short_error(exc)
    if len(received) != 1:
        raise Surprise(f"supervisor reader produced {len(received)} frames from {frame[:16].hex()}…")
    req = received[0]
    try:
        msg = SDK.adapters[channel].validate_python(req.body)
    except Exception as exc:  # noqa: BLE001
        return req, None, "body: " + short_error(exc)
    return req, msg, None


def child_read(frame: bytes, channel: str) -> tuple[Any, Any, Any, str | None]:
    """Read one reply frame the way a child's CommsDecoder does (_read_frame, then _from_frame).

    Returns (decoded _ResponseFrame or None, body message or None, ErrorResponse or None, error).
    An error reply is a successful read: the child raises AirflowRuntimeError carrying it.
    """
    decoder = SDK.comms.CommsDecoder(
        log=QuietLog(), socket=FakeSocket(frame), body_decoder=SDK.adapters[channel]
    )
    try:
        resp = decoder._read_frame()
    except Exception as exc:  # noqa: BLE001
        return None, None, None, "frame: " + short_error(exc)
    try:
        return resp, decoder._from_frame(resp), None, None
    except SDK.AirflowRuntimeError as exc:
        return resp, None, exc.error, None
    except Exception as exc:  # noqa: BLE001
        return resp, None, None, ("error: " if resp.error is not None else "body: ") + short_error(exc)


def json_dump(model) -> Any:
    return model.model_dump(mode="json", by_alias=True)


# ---------------------------------------------------------------------------------------------
# Comparing the frame round trip with the JSON corpus
# ---------------------------------------------------------------------------------------------

def parse_instant(s: Any) -> dt.datetime | None:
    if not isinstance(s, str) or not re.match(r"^\d{4}-\d\d-\d\dT", s):
        return None
    try:
        value = dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def round_trip_changes(want: Any, got: Any, path: str, out: list[str]) -> None:
    """Collect where the frame-decoded value differs from the JSON-decoded one.

    Only one difference is legitimate: an aware datetime travels as msgpack ext -1, which has no
    UTC offset, so "+05:30" comes back as the same instant in UTC ("Z").  Anything else stops
    the run.
    """
    if isinstance(want, dict) and isinstance(got, dict) and list(want) == list(got):
        for k in want:
            round_trip_changes(want[k], got[k], f"{path}.{k}", out)
    elif isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for i, (a, b) in enumerate(zip(want, got)):
            round_trip_changes(a, b, f"{path}[{i}]", out)
    elif type(want) is not type(got) or want != got:
        a, b = parse_instant(want), parse_instant(got)
        if a is None or b is None or a != b or b.utcoffset() != dt.timedelta(0):
            raise Surprise(f"{path}: JSON corpus has {want!r}, the frame round trip gives {got!r}")
        out.append(path)


def wire_python_names(plain: Any, aliased: Any, path: str, out: set[str]) -> None:
    """Record keys a plain model_dump() writes under the Python field name instead of the alias."""
    if isinstance(plain, dict) and isinstance(aliased, dict):
        for (k1, v1), (k2, v2) in zip(plain.items(), aliased.items()):
            if k1 != k2:
                out.add(f"{path}.{k1} (alias {k2})")
            wire_python_names(v1, v2, f"{path}.{k1}", out)
    elif isinstance(plain, list) and isinstance(aliased, list):
        for v1, v2 in zip(plain, aliased):
            wire_python_names(v1, v2, f"{path}[]", out)


# ---------------------------------------------------------------------------------------------
# Channel files
# ---------------------------------------------------------------------------------------------

def carrier_for(case: str, n: int) -> dict[str, str]:
    h = zlib.crc32(case.encode())
    trace_id = f"{h:08x}" * 4
    span_id = f"{zlib.crc32(trace_id.encode()):08x}{n:08x}"
    return {"traceparent": f"00-{trace_id}-{span_id}-01", "tracestate": TRACESTATES[n % len(TRACESTATES)]}


def as_supervisor_builds(model, tag: str, by_alias: bool):
    """Rebuild a reply model the way the supervisor's from_*() classmethods build it."""
    if tag in BUILT_WITH_ALL_FIELDS_SET:
        return type(model)(**model.model_dump(by_alias=by_alias))
    return type(model)(**model.model_dump(exclude_defaults=True, by_alias=by_alias), type=tag)


def at_defaults(model):
    """The same model with every optional field reset to its default, recursively."""
    from pydantic import BaseModel

    def walk(value):
        if isinstance(value, BaseModel):
            return at_defaults(value)
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    values = {}
    for name, field in type(model).model_fields.items():
        if field.is_required() or name == "type":
            values[name] = walk(getattr(model, name))
        else:
            values[name] = field.get_default(call_default_factory=True)
    return type(model).model_validate(values, by_name=True)


class ChannelWriter:
    def __init__(self, channel: str, notes: dict, name: str | None = None) -> None:
        self.channel = channel  # whose union decodes the frames
        self.name = name or channel  # the file, and the key in summary notes
        self.is_request = channel in REQUEST_CHANNELS
        self.notes = notes
        self.python_names: set[str] = set()
        self.lines: list[str] = []
        self.counts: dict[str, Any] = {"cases_in": 0, "frames": 0}
        if self.is_request:
            self.counts["with_carrier"] = 0
        else:
            self.counts["by_dump"] = {}

    def note(self, key: str, value: Any) -> None:
        self.notes.setdefault(key, {}).setdefault(self.name, []).append(value)

    def run(self) -> None:
        adapter = SDK.adapters[self.channel]
        for rec in corpus_cases(self.channel, ("canonical", "defaults")):
            self.counts["cases_in"] += 1
            model = adapter.validate_json(rec["input"])
            if self.is_request:
                self.request_frame(rec, model, model.model_dump())
            else:
                self.reply_frames(rec, model)
        if self.python_names:
            self.notes.setdefault("python_field_names_on_wire", {})[self.name] = sorted(self.python_names)

    def run_sparse(self) -> None:
        """One reply per supervisor-dumped type with every optional field at its default, at
        every level.  The JSON corpus fills nested models completely, so without these the
        exclude_unset frames would never show a nested key going missing."""
        adapter = SDK.adapters[self.channel]
        seen = set()
        for rec in corpus_cases(self.channel, ("canonical", "defaults")):
            tag = rec["case"].split("/")[0]
            if tag not in SUPERVISOR_DUMP_OPTS or tag in seen or not rec["case"].endswith("/full"):
                continue
            seen.add(tag)
            model = at_defaults(adapter.validate_json(rec["input"]))
            self.counts["cases_in"] += 1
            self.reply_frames({"case": f"{tag}/sparse", "expected": json_dump(model)}, model)
        if seen != set(SUPERVISOR_DUMP_OPTS):
            raise Surprise(f"no /full case for {sorted(set(SUPERVISOR_DUMP_OPTS) - seen)}")

    def reply_frames(self, rec: dict, model) -> None:
        tag, plain = model.type, model.model_dump()
        first = self.reply_frame(rec, plain, "full")
        if first == "unencodable":
            return
        if first is None:
            wire_python_names(plain, model.model_dump(by_alias=True), tag, self.python_names)
        elif first == "undecodable":
            # A plain dump is not decodable by the child (schema_ instead of schema, see
            # summary); frame the by-alias dump instead, clearly labelled.
            self.note("plain_dump_undecodable", rec["case"])
            self.reply_frame(rec, model.model_dump(by_alias=True), "by_alias", must_decode=True)
        if tag in SUPERVISOR_DUMP_OPTS:
            opts = SUPERVISOR_DUMP_OPTS[tag]
            built = as_supervisor_builds(model, tag, opts.get("by_alias", False))
            label = ",".join(k for k, v in opts.items() if v)
            self.reply_frame(rec, built.model_dump(**opts), label, must_decode=True, opts=opts)

    def encode(self, frame_obj, case: str) -> bytes | None:
        try:
            return bytes(frame_obj.as_bytes())
        except OverflowError as exc:
            # Ints outside [-2**63, 2**64) are valid JSON and valid pydantic, but msgspec cannot
            # encode them: the Python sender raises before anything reaches the socket.
            self.note("unencodable", {"case": case, "error": short_error(exc)})
            return None

    def request_frame(self, rec: dict, model, body: dict) -> None:
        wire_python_names(body, model.model_dump(by_alias=True), model.type, self.python_names)
        case, n = rec["case"], len(self.lines)
        carrier = carrier_for(case, n) if n % CARRIER_EVERY == CARRIER_FIRST else None
        frame = self.encode(SDK.RequestFrame(id=n, body=body, context_carrier=carrier), case)
        if frame is None:
            return
        req, msg, err = supervisor_read(frame, self.channel)
        if err:
            raise Surprise(f"{self.channel} {case}: the supervisor cannot read the child's own frame: {err}")
        if req.id != n or req.context_carrier != carrier:
            raise Surprise(f"{self.channel} {case}: id/carrier did not survive the round trip")
        self.check_fixed_point(frame, SDK.RequestFrame(id=n, body=msg.model_dump(), context_carrier=carrier), case)
        expected = self.compare(rec, json_dump(msg))
        self.counts["with_carrier"] += carrier is not None
        self.emit({"case": case, "id": n, "frame": frame.hex(), "context_carrier": carrier, "expected": expected})

    def reply_frame(self, rec: dict, body: dict, label: str, must_decode: bool = False, opts=None) -> str | None:
        case, n = rec["case"], len(self.lines)
        frame = self.encode(SDK.ResponseFrame(id=n, body=body, error=None), case)
        if frame is None:
            return "unencodable"
        resp, msg, error, err = child_read(frame, self.channel)
        if err or error is not None or msg is None:
            if not must_decode and err and err.startswith("body:"):
                return "undecodable"
            raise Surprise(f"{self.channel} {case} ({label}): the child cannot read the frame: {err}")
        if resp.id != n:
            raise Surprise(f"{self.channel} {case}: id did not survive the round trip")
        redump = msg.model_dump(**(opts or ({"by_alias": True} if label == "by_alias" else {})))
        self.check_fixed_point(frame, SDK.ResponseFrame(id=n, body=redump, error=None), case)
        expected = self.compare(rec, json_dump(msg), record=label in ("full", "by_alias"))
        self.emit({"case": case, "id": n, "frame": frame.hex(), "dump": label, "expected": expected})
        return None

    def check_fixed_point(self, frame: bytes, again, case: str) -> None:
        # Re-dumping the decoded message must give the same bytes: then `expected` (plus the
        # dump label and context_carrier) holds everything needed to rebuild the frame.
        if bytes(again.as_bytes()) != frame:
            self.note("not_fixed_point", case)

    def compare(self, rec: dict, got: Any, record: bool = True) -> Any:
        changed: list[str] = []
        round_trip_changes(rec["expected"], got, "", changed)
        if changed and record:
            self.note("offset_lost", rec["case"])
        return got

    def emit(self, line: dict) -> None:
        self.lines.append(dumps_line(line))
        self.counts["frames"] += 1
        if "dump" in line:
            self.counts["by_dump"][line["dump"]] = self.counts["by_dump"].get(line["dump"], 0) + 1


# ---------------------------------------------------------------------------------------------
# Edge cases: irregular frames built by hand, judged by the SDK readers
# ---------------------------------------------------------------------------------------------

UTC = dt.timezone.utc
TI_ID = uuid.UUID("0198c4e6-5d7a-7c3e-9f00-4a1b2c3d4e5f")
TRACE = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": "rojo=00f067aa0ba902b7"}


def ext_ts(nanos: int, secs: int, size: int):
    """A raw msgpack timestamp (ext -1) in the given size, for values a datetime cannot produce."""
    if size == 8:
        data = struct.pack(">Q", (nanos << 34) | secs)
    elif size == 12:
        data = struct.pack(">Iq", nanos, secs)
    else:
        data = struct.pack(">I", secs) if size == 4 else bytes(size)
    return SDK.msgspec.msgpack.Ext(-1, data)


def request_edges() -> list[tuple[str, bytes, str]]:
    """Irregular request frames: (case, frame, channel whose supervisor judges it)."""
    enc = SDK.msgspec.msgpack.encode
    get_conn = {"conn_id": "postgres_default", "type": "GetConnection"}

    def succeed(end_date) -> dict:
        return {"state": "success", "end_date": end_date, "task_outlets": None, "outlet_events": None,
                "rendered_map_index": None, "type": "SucceedTask"}

    def events_after(after) -> dict:
        return {"name": "daily_sales", "uri": None, "after": after, "before": None, "limit": None,
                "ascending": True, "type": "GetAssetEventByAsset"}

    def task_state(end_date) -> dict:
        return {"state": "failed", "end_date": end_date, "type": "TaskState", "rendered_map_index": None}

    t4 = dt.datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)  # no micros, secs < 2**32: 4-byte form
    t8 = dt.datetime(2026, 11, 22, 10, 0, 0, 123456, tzinfo=UTC)  # micros, secs < 2**34: 8-byte
    t12 = dt.datetime(1969, 7, 20, 20, 17, 40, tzinfo=UTC)  # negative secs: 12-byte
    cases: list[tuple[str, Any]] = [
        ("shape/id-only", [7]),
        ("shape/id-body", [7, get_conn]),
        ("shape/id-body-nil", [7, get_conn, None]),
        ("shape/id-body-carrier", [7, get_conn, TRACE]),
        ("shape/id-body-empty-carrier", [7, get_conn, {}]),
        ("shape/four-elements", [7, get_conn, None, "ignored"]),
        ("shape/six-elements", [7, get_conn, TRACE, 1, [2], {"x": 3}]),
        ("shape/empty-array", []),
        ("shape/map-not-array", {"id": 7, "body": get_conn, "context_carrier": None}),
        ("shape/bare-int", 7),
        ("id/zero", [0, get_conn, None]),
        ("id/float", [7.0, get_conn, None]),
        ("id/string", ["7", get_conn, None]),
        ("id/nil", [None, get_conn, None]),
        ("id/negative", [-1, get_conn, None]),
        ("id/i64-min", [-(2**63), get_conn, None]),
        ("id/u32-max", [2**32 - 1, get_conn, None]),
        ("id/above-u32", [2**32 + 5, get_conn, None]),
        ("id/u64-max", [2**64 - 1, get_conn, None]),
        ("carrier/non-str-value", [7, get_conn, {"traceparent": 5}]),
        ("carrier/nil-value", [7, get_conn, {"traceparent": None}]),
        ("carrier/non-str-key", [7, get_conn, {1: "x"}]),
        ("carrier/array", [7, get_conn, ["traceparent"]]),
        ("body/nil", [7, None, None]),
        ("body/array", [7, [1, 2], None]),
        ("body/string", [7, "GetConnection", None]),
        ("body/empty-map", [7, {}, None]),
        ("body/non-str-top-level-key", [7, {**get_conn, 1: "x"}, None]),
        ("body/non-str-nested-key", [7, {"key": "k", "value": {1: "x"}, "dag_id": "d", "run_id": "r",
                                         "task_id": "t", "map_index": None, "dag_result": False,
                                         "mapped_length": None, "type": "SetXCom"}, None]),
        ("body/unknown-type", [7, {"type": "NoSuchRequest"}, None]),
        ("body/missing-type", [7, {"conn_id": "postgres_default"}, None]),
        ("body/not-in-task-union", [7, {"type": "TriggerStateChanges", "events": None, "finished": None,
                                        "failures": None}, None]),
        ("body/str-as-bin", [7, {"conn_id": b"postgres_default", "type": "GetConnection"}, None]),
        ("body/int-as-integral-float", [7, {"key": "return_value", "dag_id": "d", "run_id": "r", "task_id": "t",
                                            "map_index": 3.0, "include_prior_dates": False, "type": "GetXCom"}, None]),
        ("body/int-as-fractional-float", [7, {"key": "return_value", "dag_id": "d", "run_id": "r", "task_id": "t",
                                              "map_index": 3.5, "include_prior_dates": False, "type": "GetXCom"}, None]),
        ("datetime/ext-4-byte/SucceedTask.end_date", [7, succeed(t4), None]),
        ("datetime/ext-8-byte/SucceedTask.end_date", [7, succeed(t8), None]),
        ("datetime/ext-12-byte/SucceedTask.end_date", [7, succeed(t12), None]),
        ("datetime/ext-12-byte-micros/SucceedTask.end_date",
         [7, succeed(dt.datetime(1969, 7, 20, 20, 17, 40, 500000, tzinfo=UTC)), None]),
        ("datetime/ext-12-byte-far-future/SucceedTask.end_date",
         [7, succeed(dt.datetime(2600, 1, 1, tzinfo=UTC)), None]),
        ("datetime/ext-4-byte/GetAssetEventByAsset.after", [7, events_after(t4), None]),
        ("datetime/ext-8-byte/GetAssetEventByAsset.after", [7, events_after(t8), None]),
        ("datetime/ext-12-byte/GetAssetEventByAsset.after", [7, events_after(t12), None]),
        ("datetime/ext-8-byte-1ns", [7, succeed(ext_ts(1, 1_795_341_600, 8)), None]),
        ("datetime/ext-8-byte-500ns", [7, succeed(ext_ts(500, 1_795_341_600, 8)), None]),
        ("datetime/ext-8-byte-1500ns", [7, succeed(ext_ts(1500, 1_795_341_600, 8)), None]),
        ("datetime/ext-8-byte-999999500ns", [7, succeed(ext_ts(999_999_500, 1_795_341_600, 8)), None]),
        ("datetime/ext-8-byte-nanos-out-of-range", [7, succeed(ext_ts(1_000_000_000, 1_795_341_600, 8)), None]),
        ("datetime/ext-12-byte-nonminimal", [7, succeed(ext_ts(0, 1_795_341_600, 12)), None]),
        ("datetime/ext-bad-length-5", [7, succeed(ext_ts(0, 0, 5)), None]),
        ("datetime/ext-12-byte-year-10000", [7, succeed(ext_ts(0, 253_402_300_800, 12)), None]),
        ("datetime/other-ext-type", [7, succeed(SDK.msgspec.msgpack.Ext(5, b"ab")), None]),
        ("datetime/rfc3339-z", [7, succeed("2026-11-22T10:00:00Z"), None]),
        ("datetime/rfc3339-offset", [7, succeed("2026-11-22T15:30:00+05:30"), None]),
        ("datetime/int-epoch", [7, succeed(1_795_341_600), None]),
        ("datetime/naive-string-aware-field", [7, succeed("2026-11-22T10:00:00"), None]),
        ("datetime/naive-string/TaskState.end_date", [7, task_state("2026-11-22T10:00:00"), None]),
        ("datetime/naive-string-micros/TaskState.end_date", [7, task_state("2026-11-22T10:00:00.123456"), None]),
        ("datetime/ext/TaskState.end_date", [7, task_state(t8), None]),
        ("uuid/bin16", [7, {"ti_id": TI_ID.bytes, "type": "GetPrevSuccessfulDagRun"}, None]),
        ("uuid/str36", [7, {"ti_id": str(TI_ID), "type": "GetPrevSuccessfulDagRun"}, None]),
        ("uuid/hex32", [7, {"ti_id": TI_ID.hex, "type": "GetPrevSuccessfulDagRun"}, None]),
        ("uuid/bin15", [7, {"ti_id": TI_ID.bytes[:15], "type": "GetPrevSuccessfulDagRun"}, None]),
        # Python's bool is an int: a timedelta field takes it as seconds on the frame path.
        ("duration/bool", [7, {"state": "awaiting_input", "timeout": True, "next_method": "resume",
                               "type": "AwaitInputTask"}, None]),
    ]
    out = [(name, with_prefix(enc(obj)), "task") for name, obj in cases]
    # Trailing bytes inside the declared length: msgspec refuses them.
    out.append(("shape/trailing-byte", with_prefix(enc([7, get_conn, None]) + b"\xc0"), "task"))

    # Maps with a repeated key, which no Python encoder writes: msgspec builds a dict, where the
    # key keeps its first place and takes its last value, before pydantic sees it.
    def raw_map(*pairs) -> bytes:
        assert len(pairs) < 16
        return bytes([0x80 | len(pairs)]) + b"".join(
            enc(k) + (v if isinstance(v, Raw) else enc(v)) for k, v in pairs)

    def request(body: bytes, channel: str = "task") -> tuple[bytes, str]:
        return with_prefix(b"\x93" + enc(7) + body + enc(None)), channel

    outlet = raw_map(("name", 5), ("uri", "s3://bucket/sales"), ("name", "sales"), ("type", "Asset"))
    event = {"payload": {"status": "success", "count": 3}}
    for name, (frame, channel) in [
        ("body/duplicate-key-both-valid", request(raw_map(
            ("conn_id", "first"), ("type", "GetConnection"), ("conn_id", "postgres_default")))),
        ("body/duplicate-key-earlier-invalid", request(raw_map(
            ("conn_id", 5), ("type", "GetConnection"), ("conn_id", "postgres_default")))),
        ("body/duplicate-key-later-invalid", request(raw_map(
            ("conn_id", "postgres_default"), ("type", "GetConnection"), ("conn_id", 5)))),
        ("body/duplicate-type-key", request(raw_map(
            ("type", "GetVariable"), ("conn_id", "postgres_default"), ("type", "GetConnection")))),
        ("body/duplicate-nested-key-earlier-invalid", request(raw_map(
            ("state", "success"), ("end_date", "2026-11-22T10:00:00Z"), ("task_outlets", Raw(b"\x91" + outlet)),
            ("outlet_events", []), ("type", "SucceedTask")))),
        ("trigger/event-entry-as-map-in-order", request(enc({"type": "TriggerStateChanges", "events": [
            {"trigger_id": 17, "event": event, "persist_seq": 5}], "finished": None, "failures": None}), "trigger")),
        ("trigger/event-entry-as-map-out-of-order", request(enc({"type": "TriggerStateChanges", "events": [
            {"persist_seq": None, "event": event, "trigger_id": 17}], "finished": None, "failures": None}),
            "trigger")),
        ("trigger/event-entry-as-map-missing-field", request(enc({"type": "TriggerStateChanges", "events": [
            {"event": event, "trigger_id": 17}], "finished": None, "failures": None}), "trigger")),
        ("trigger/event-entry-as-map-unknown-field", request(enc({"type": "TriggerStateChanges", "events": [
            {"trigger_id": 17, "event": event, "persist_seq": 5, "extra": 1}], "finished": None,
            "failures": None}), "trigger")),
    ]:
        out.append((name, frame, channel))
    return out


class Raw(bytes):
    """Bytes spliced into a hand-built map as an already encoded value."""


def response_edges() -> list[tuple[str, bytes]]:
    enc = SDK.msgspec.msgpack.encode
    ok = {"ok": True, "type": "OKResponse"}

    def error(kind: str, detail) -> dict:
        return {"error": kind, "detail": detail, "type": "ErrorResponse"}

    server_error = {"status_code": 404, "message": "Server returned error",
                    "detail": {"detail": {"reason": "not_found", "message": "XCom not found"}}}
    client_error = {"status_code": None, "message": "[Errno 111] Connection refused",
                    "exception_type": "ConnectError"}
    unhandled = {"status_code": 400, "message": "Unhandled request"}
    conn = SDK.comms.ConnectionResult(conn_id="postgres_default", conn_type="postgres", host="db", schema="public",
                                      login=None, password=None, port=5432, extra=None)
    cases: list[tuple[str, Any]] = [
        ("shape/empty-reply", [3, None, None]),
        ("shape/id-only", [3]),
        ("shape/id-body", [3, ok]),
        ("shape/id-body-nil", [3, ok, None]),
        ("shape/four-elements", [3, ok, None, "ignored"]),
        ("shape/five-elements-empty", [3, None, None, 1, 2]),
        ("shape/empty-array", []),
        ("shape/map-not-array", {"id": 3, "body": ok, "error": None}),
        ("id/float", [3.0, ok, None]),
        ("id/negative", [-3, ok, None]),
        ("id/above-u32", [2**32 + 5, ok, None]),
        ("id/u64-max", [2**64 - 1, ok, None]),
        ("body/non-str-top-level-key", [3, {**ok, 1: "x"}, None]),
        ("body/array", [3, [1, 2], None]),
        ("body/unknown-type", [3, {"type": "NoSuchReply"}, None]),
        ("body/missing-type", [3, {"ok": True}, None]),
        ("body/connection-result-python-names", [3, conn.model_dump(), None]),
        ("body/connection-result-by-alias", [3, conn.model_dump(by_alias=True), None]),
        ("body/error-response-in-body-slot", [3, error("CONNECTION_NOT_FOUND", {"conn_id": "postgres_default"}), None]),
        ("error/api-server-error-server-response", [3, None, error("API_SERVER_ERROR", server_error)]),
        ("error/api-server-error-exception", [3, None, error("API_SERVER_ERROR", client_error)]),
        ("error/api-server-error-unhandled-request", [3, None, error("API_SERVER_ERROR", unhandled)]),
        ("error/connection-not-found", [3, None, error("CONNECTION_NOT_FOUND", {"conn_id": "postgres_default"})]),
        ("error/permission-denied", [3, None, error("PERMISSION_DENIED", {"key": "secret_var", "status_code": 403})]),
        ("error/dagrun-already-exists-nil-detail", [3, None, error("DAGRUN_ALREADY_EXISTS", None)]),
        ("error/generic-defaults-only-type", [3, None, {"type": "ErrorResponse"}]),
        ("error/with-body-too", [3, {"garbage": True}, error("GENERIC_ERROR", None)]),
        ("error/unknown-error-type", [3, None, error("NO_SUCH_ERROR", None)]),
        ("error/missing-type", [3, None, {"error": "GENERIC_ERROR", "detail": None}]),
        ("error/not-an-error-response", [3, None, ok]),
        ("error/not-a-map", [3, None, "GENERIC_ERROR"]),
        ("error/detail-not-a-map", [3, None, error("GENERIC_ERROR", "boom")]),
    ]
    out = [(name, with_prefix(enc(obj))) for name, obj in cases]
    out.append(("shape/trailing-byte", with_prefix(enc([3, ok, None]) + b"\xc0")))
    return out


# Frame ids across msgpack's whole integer range: every width msgspec writes, both ends of i64 and
# u64, and the runs 2^63 - 2 .. 2^63 + 1 and 2^64 - 2, 2^64 - 1, -2^63, -2^63 + 1 (consecutive for
# a client counting up and wrapping around).
FRAME_IDS = [0, 1, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63 - 2, 2**63 - 1, 2**63, 2**63 + 1,
             2**64 - 2, 2**64 - 1, -1, -32, -33, -128, -129, -32768, -32769, -(2**31), -(2**31) - 1,
             -(2**63), -(2**63) + 1]


class CapturedSend:
    """The supervisor's end of the socket for send_msg: it only calls sendall."""

    def __init__(self) -> None:
        self.data = b""

    def sendall(self, data) -> None:
        self.data += bytes(data)


def id_exchanges() -> list[dict]:
    """One exchange per id of FRAME_IDS, each step done by the SDK's own code.

    The child builds the request frame with CommsDecoder._make_frame (its id counter starting at
    the id), the supervisor reads it with length_prefixed_frame_reader and answers with its own
    send_msg (the reply built as its from_*() classmethods build it, dumped with its options),
    and the child reads the answer with CommsDecoder._read_frame.
    """
    import itertools

    message = SDK.comms.GetVariable(key="region")
    reply = as_supervisor_builds(SDK.comms.VariableResult(key="region", value="eu"), "VariableResult", False)
    # send_msg needs nothing of the supervisor but its socket and the child's schema version
    # (None: the current one), so it runs on an instance built without its constructor.
    supervisor_cls = SDK.supervisor.ActivitySubprocess
    out = []
    for frame_id in FRAME_IDS:
        child = SDK.comms.CommsDecoder(log=QuietLog(), socket=FakeSocket(b""), id_counter=itertools.count(frame_id))
        request = bytes(child._make_frame(message).as_bytes())
        req, msg, err = supervisor_read(request, "task")
        if err is not None:
            raise Surprise(f"the supervisor refuses the request with id {frame_id}: {err}")
        sent = CapturedSend()
        supervisor = object.__new__(supervisor_cls)
        object.__setattr__(supervisor, "stdin", sent)
        object.__setattr__(supervisor, "_subprocess_schema_version", None)
        supervisor.send_msg(reply, request_id=req.id, **SUPERVISOR_DUMP_OPTS["VariableResult"])
        resp, body, error, err = child_read(sent.data, "to-task")
        if err is not None or error is not None:
            raise Surprise(f"the child refuses the reply with id {req.id}: {err or error}")
        out.append({"case": f"id/{frame_id}", "sent_id": frame_id, "request": request.hex(),
                    "supervisor_id": req.id, "expected_request": json_dump(msg),
                    "response": sent.data.hex(), "child_id": resp.id, "expected_reply": json_dump(body)})
    return out


def judge_request_edge(name: str, frame: bytes, channel: str) -> dict:
    _, msg, err = supervisor_read(frame, channel)
    return {"case": name, "channel": channel, "frame": frame.hex(), "accepted": err is None,
            "expected": json_dump(msg) if msg is not None else None, "python_error": err}


def judge_response_edge(name: str, frame: bytes) -> dict:
    _, body, error, err = child_read(frame, "to-task")
    return {"case": name, "frame": frame.hex(),
            "expected_body": json_dump(body) if body is not None else None,
            "expected_error": json_dump(error) if error is not None else None,
            "accepted": err is None, "python_error": err}


# ---------------------------------------------------------------------------------------------

def write_lines(path: pathlib.Path, lines: list[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=REPO / "tests" / "corpus" / "frames")
    args = parser.parse_args()

    check_pins("generate_frames", EXTRA_PINS)
    global SDK
    SDK = Sdk()
    args.out.mkdir(parents=True, exist_ok=True)

    import pydantic
    import pydantic_core

    notes: dict[str, dict] = {}
    files: dict[str, Any] = {}
    for channel in CHANNEL_NAMES:
        writer = ChannelWriter(channel, notes)
        writer.run()
        write_lines(args.out / f"{channel}.jsonl", writer.lines)
        files[f"{channel}.jsonl"] = writer.counts

    writer = ChannelWriter("to-task", notes, name="to-task-sparse")
    writer.run_sparse()
    write_lines(args.out / "to-task-sparse.jsonl", writer.lines)
    files["to-task-sparse.jsonl"] = writer.counts

    for fname, edges, judge in (("request-edges.jsonl", request_edges(), judge_request_edge),
                                ("response-edges.jsonl", response_edges(), judge_response_edge)):
        records = [judge(*edge) for edge in edges]
        write_lines(args.out / fname, [dumps_line(r) for r in records])
        files[fname] = {"frames": len(records), "accepted": sum(r["accepted"] for r in records),
                        "rejected": sum(not r["accepted"] for r in records)}

    exchanges = id_exchanges()
    write_lines(args.out / "ids.jsonl", [dumps_line(r) for r in exchanges])
    files["ids.jsonl"] = {"exchanges": len(exchanges)}

    if notes.get("not_fixed_point"):
        raise Surprise(f"re-encoding the decoded message changed the bytes: {notes['not_fixed_point']}")

    summary = {
        "generated_with": {
            "apache-airflow-task-sdk": importlib.metadata.version("apache-airflow-task-sdk"),
            "apache-airflow-core": importlib.metadata.version("apache-airflow-core"),
            "msgspec": importlib.metadata.version("msgspec"),
            "pydantic": pydantic.VERSION,
            "pydantic-core": pydantic_core.__version__,
        },
        "files": files,
        "explanations": {
            "dump": "reply lines: full = model_dump(); by_alias = model_dump(by_alias=True); exclude_unset[,by_alias] = "
                    "the supervisor's dump options applied to the reply rebuilt the way its from_*() classmethods build "
                    "it (cls(**model_dump(exclude_defaults=True), type=...)), so fields equal to their default are "
                    "absent at every level (VariableKeysResult: built with every field set, so nothing is dropped). "
                    "expected is always the full json-mode dump of what the child decoded",
            "to-task-sparse.jsonl": "same format as to-task.jsonl; one reply per supervisor-dumped type, built from its "
                                    "/full case with every optional field reset to its default at every level, "
                                    "so the exclude_unset frames show nested keys going missing",
            "context_carrier": "request lines: every 16th line from the 4th carries a W3C trace context; the trigger "
                               "runner never sends one in Python (its frames are always [id, body, nil]), but the "
                               "trigger supervisor reads it like the others",
            "offset_lost": "aware datetimes travel as msgpack ext -1 (no UTC offset): a +05:30 or -03:00 value comes "
                           "back as the same instant in UTC, so expected here differs from the JSON corpus in those "
                           "fields only",
            "unencodable": "cases of the JSON corpus with ints outside [-2**63, 2**64) in JSON-valued fields: msgspec "
                           "raises OverflowError, so a Python sender never puts them on the wire; no frame written",
            "plain_dump_undecodable": "a plain model_dump() writes the Python name schema_ for ConnectionResult / "
                                      "ConnectionResponse, which the child refuses (it requires the alias schema). "
                                      "ConnectionResult is always sent by alias; a StartupDetails whose "
                                      "ti_context.connections is non-empty would not decode in Python 3.3.2 (the "
                                      "server sends []). These cases are framed with dump by_alias instead",
            "python_field_names_on_wire": "keys a plain model_dump() puts on the wire under the Python field name "
                                          "(alias in parentheses), for the bodies that decoded back; the receiver "
                                          "accepts them because those models allow population by name",
            "ids.jsonl": "one exchange per frame id across msgpack's integer range, every step by the SDK's own "
                         "code: the child's request frame (CommsDecoder._make_frame, its counter starting at "
                         "sent_id), the id the supervisor's reader decodes (supervisor_id), the supervisor's "
                         "answer (send_msg, VariableResult built and dumped as the supervisor does) and the id "
                         "the child's reader decodes from it (child_id)",
            "edges": "python_error is prefixed frame: (msgspec refused the frame: fatal to the supervisor's reader), "
                     "body: (frame decoded, body failed validation: the supervisor sends no reply; the child raises) "
                     "or error: (the error slot failed validation)",
        },
        "notes": {k: notes[k] for k in sorted(notes)},
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    for fname, c in files.items():
        print(f"{fname:24} {c}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    exit_on_surprise("generate_frames", main)
